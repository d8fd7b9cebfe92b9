/* Unit tests for psw's pure parts: the '*' pattern, the `ps -eo cmd` form of a
 * command line, and the count over a /proc-like tree (zombies, the skipped pid
 * and processes of another network namespace are left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/psw.c"

static void test_match(void **state)
{
    (void)state;
    assert_true(psw_match("/usr/sbin/httpd", "/usr/sbin/httpd"));
    assert_false(psw_match("/usr/sbin/httpd", "/usr/sbin/httpd -DFOREGROUND"));
    assert_true(psw_match("/usr/sbin/httpd*", "/usr/sbin/httpd -DFOREGROUND"));
    assert_true(psw_match("*httpd", "/usr/sbin/httpd"));
    assert_false(psw_match("*httpd", "/usr/sbin/httpd -k"));
    assert_true(psw_match("*httpd*", "/usr/sbin/httpd -k"));
    assert_true(psw_match("a*b*c", "aXXbYYc"));
    assert_false(psw_match("a*b*c", "aXXbYY"));
    assert_true(psw_match("*", ""));
    assert_false(psw_match("", "x"));
    assert_true(psw_match("[kthreadd]", "[kthreadd]")); /* brackets are literal */
    assert_false(psw_match("h?tpd", "httpd"));          /* so is '?' */
}

static void test_cmdline(void **state)
{
    (void)state;
    char out[64];
    psw_cmdline("sleep\0"
                "100\0",
                10, "sleep", out, sizeof(out));
    assert_string_equal(out, "sleep 100");
    psw_cmdline("", 0, "kworker/0:1", out, sizeof(out));
    assert_string_equal(out, "[kworker/0:1]");
    psw_cmdline("a\0\0\0", 4, "a", out, sizeof(out));
    assert_string_equal(out, "a");
    psw_cmdline("0123456789", 10, "x", out, 5);
    assert_string_equal(out, "0123");
}

static void mkproc(const char *root, int pid, const char *comm, char st, const char *cmd,
                   size_t cmdlen)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%d", root, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/%d/stat", root, pid);
    FILE *f = fopen(p, "w");
    fprintf(f, "%d (%s) %c 1 1 1 0 -1\n", pid, comm, st);
    fclose(f);
    snprintf(p, sizeof(p), "%s/%d/cmdline", root, pid);
    f = fopen(p, "w");
    fwrite(cmd, 1, cmdlen, f);
    fclose(f);
}

static void test_count(void **state)
{
    (void)state;
    char root[] = "/tmp/test_mon_psw.XXXXXX";
    assert_non_null(mkdtemp(root));
    mkproc(root, 10, "app", 'S', "app\0-x\0", 7);
    mkproc(root, 11, "app", 'R', "app\0-x\0", 7);
    mkproc(root, 12, "app", 'Z', "", 0);          /* zombie */
    mkproc(root, 13, "app", 'S', "app\0-y\0", 7); /* other arguments */
    mkproc(root, 14, "app", 'S', "app\0-x\0", 7); /* the skipped pid */
    mkproc(root, 15, "(odd) name", 'S', "app\0-x\0", 7);
    assert_int_equal(psw_count(root, "app -x", NULL, 14), 3);
    assert_int_equal(psw_count(root, "app*", NULL, 0), 5);
    assert_int_equal(psw_count(root, "[app]", NULL, 0), 0);
    assert_int_equal(psw_count("/nonexistent-proc", "x", NULL, 0), -ENOENT);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

static void test_real_proc(void **state)
{
    (void)state;
    struct stat self;
    assert_int_equal(stat("/proc/self/ns/net", &self), 0);
    /* This test itself runs: its own command line matches, unless skipped. */
    char pat[600], raw[512];
    int fd = open("/proc/self/cmdline", O_RDONLY);
    ssize_t n = read(fd, raw, sizeof(raw));
    close(fd);
    assert_true(n > 0);
    psw_cmdline(raw, (size_t)n, "", pat, sizeof(pat));
    assert_true(psw_count("/proc", pat, &self, 0) >= 1);
    assert_int_equal(psw_count("/proc", pat, &self, getpid()), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_cmdline),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_real_proc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

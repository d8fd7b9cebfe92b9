/* Unit tests for rsc_cmd: exit statuses, output capture (stdout and stderr,
 * the end of a long output), standard input, extra environment, timeouts that
 * kill the whole process group, a command that does not exist, and option
 * splitting. */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clp_time.h"
#include "resources/rsc_cmd.h"

static void exit_status_and_output(void **state)
{
    (void)state;
    char out[256];
    char *ok[] = {"sh", "-c", "echo hello; echo oops >&2", NULL};
    assert_int_equal(rsc_cmd_run(ok, NULL, NULL, 5000, out, sizeof(out)), 0);
    assert_string_equal(out, "hello\noops");
    char *bad[] = {"sh", "-c", "echo failing; exit 32", NULL};
    assert_int_equal(rsc_cmd_run(bad, NULL, NULL, 5000, out, sizeof(out)), 32);
    assert_string_equal(out, "failing");
    char *sig[] = {"sh", "-c", "kill -9 $$", NULL};
    assert_int_equal(rsc_cmd_run(sig, NULL, NULL, 5000, NULL, 0), 128 + SIGKILL);
}

static void keeps_the_end_of_long_output(void **state)
{
    (void)state;
    char out[16];
    char *argv[] = {"sh", "-c", "seq 1 2000", NULL};
    assert_int_equal(rsc_cmd_run(argv, NULL, NULL, 5000, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "1999\n2000"));
}

static void input_environment_and_locale(void **state)
{
    (void)state;
    char out[256];
    const char *env[] = {"RSC_TEST_X=forty two", NULL};
    char *argv[] = {"sh", "-c", "read a; echo \"$a/$RSC_TEST_X/$LC_ALL\"", NULL};
    assert_int_equal(rsc_cmd_run(argv, "line one\nline two\n", env, 5000, out, sizeof(out)), 0);
    assert_string_equal(out, "line one/forty two/C");
}

static void timeout_kills_the_group(void **state)
{
    (void)state;
    char out[256], pidfile[] = "/tmp/test_rsc_cmd.XXXXXX";
    int fd = mkstemp(pidfile);
    assert_true(fd >= 0);
    close(fd);
    char script[512];
    snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; echo started; wait", pidfile);
    char *argv[] = {"sh", "-c", script, NULL};
    uint64_t t0 = clp_mono_ms();
    assert_int_equal(rsc_cmd_run(argv, NULL, NULL, 300, out, sizeof(out)), RSC_CMD_TIMEOUT);
    assert_true(clp_mono_ms() - t0 < 3000);
    assert_string_equal(out, "started");
    FILE *f = fopen(pidfile, "r");
    int pid = 0;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    unlink(pidfile);
    /* The grandchild was killed with the group: gone, or a zombie waiting for
     * its new parent to reap it. */
    bool dead = false;
    for (int i = 0; i < 100 && !dead; i++) {
        char path[64], buf[256] = "";
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        FILE *st = fopen(path, "r");
        if (!st) {
            dead = true;
            break;
        }
        size_t k = fread(buf, 1, sizeof(buf) - 1, st);
        fclose(st);
        buf[k] = '\0';
        char *p = strrchr(buf, ')');
        dead = p && (p[2] == 'Z' || p[2] == 'X');
        if (!dead) {
            usleep(10000);
        }
    }
    assert_true(dead);
    char buf[64];
    assert_string_equal(rsc_cmd_strerror(RSC_CMD_TIMEOUT, 300, buf, sizeof(buf)),
                        "timed out after 1 s");
}

static void missing_command(void **state)
{
    (void)state;
    char out[256];
    char *argv[] = {"/nonexistent/rsc-cmd-test", NULL};
    assert_int_equal(rsc_cmd_run(argv, NULL, NULL, 5000, out, sizeof(out)), 127);
    assert_non_null(strstr(out, "cannot execute /nonexistent/rsc-cmd-test"));
}

static void splits_options(void **state)
{
    (void)state;
    char s[] = "  -y   -f\t-C 0 ";
    char *w[8];
    assert_int_equal(rsc_cmd_split(s, w, 8), 4);
    assert_string_equal(w[0], "-y");
    assert_string_equal(w[1], "-f");
    assert_string_equal(w[2], "-C");
    assert_string_equal(w[3], "0");
    char e[] = "   ";
    assert_int_equal(rsc_cmd_split(e, w, 8), 0);
    char m[] = "a b c d";
    assert_int_equal(rsc_cmd_split(m, w, 2), 2);
}

static void flattens_output(void **state)
{
    (void)state;
    char a[] = "mount: /mnt/x: wrong fs type.\n       dmesg(1) may have more information.\n";
    assert_string_equal(rsc_cmd_flatten(a),
                        "mount: /mnt/x: wrong fs type. dmesg(1) may have more information.");
    char b[] = "hello\r\n\noops\tthere";
    assert_string_equal(rsc_cmd_flatten(b), "hello; oops there");
    char c[] = "\n\nlead";
    assert_string_equal(rsc_cmd_flatten(c), "lead");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_status_and_output),
        cmocka_unit_test(keeps_the_end_of_long_output),
        cmocka_unit_test(input_environment_and_locale),
        cmocka_unit_test(timeout_kills_the_group),
        cmocka_unit_test(missing_command),
        cmocka_unit_test(splits_options),
        cmocka_unit_test(flattens_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for clp_rexec: -k parsing, request checks, notice matching (long
 * keywords included), source lists and the work/rexec/ script rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_rexec.h"

static char *repeat(char ch, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, ch, n);
    s[n] = '\0';
    return s;
}

static void test_split_key(void **state)
{
    (void)state;
    char cat[CLP_REXEC_CATEGORY_MAX + 1], kw[CLP_REXEC_KEYWORD_MAX + 1], err[256];
    assert_int_equal(clp_rexec_split_key("app", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
                     0);
    assert_string_equal(cat, "app");
    assert_string_equal(kw, "");
    assert_int_equal(
        clp_rexec_split_key("app.disk.sda1", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
        0);
    assert_string_equal(cat, "app");
    assert_string_equal(kw, "disk.sda1"); /* the keyword may hold dots */
    assert_int_equal(
        clp_rexec_split_key("app.", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)), 0);
    assert_string_equal(kw, "");
    assert_int_equal(
        clp_rexec_split_key(".disk", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "category"));
    assert_int_equal(clp_rexec_split_key("", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(
        clp_rexec_split_key("a\tb", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)), -EINVAL);
    assert_int_equal(
        clp_rexec_split_key("a.b\nc", cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "control character"));

    /* keywords of 256 and more: whole, up to the limit; one byte more is refused */
    char arg[CLP_REXEC_KEYWORD_MAX + 16];
    char *k = repeat('k', 300);
    snprintf(arg, sizeof(arg), "app.%s", k);
    assert_int_equal(clp_rexec_split_key(arg, cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
                     0);
    assert_int_equal(strlen(kw), 300);
    assert_string_equal(kw, k);
    free(k);
    k = repeat('k', CLP_REXEC_KEYWORD_MAX);
    snprintf(arg, sizeof(arg), "app.%s", k);
    assert_int_equal(clp_rexec_split_key(arg, cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
                     0);
    assert_int_equal(strlen(kw), CLP_REXEC_KEYWORD_MAX);
    free(k);
    k = repeat('k', CLP_REXEC_KEYWORD_MAX + 1);
    snprintf(arg, sizeof(arg), "app.%s", k);
    assert_int_equal(clp_rexec_split_key(arg, cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "1024 bytes long"));
    free(k);
    k = repeat('c', CLP_REXEC_CATEGORY_MAX + 1);
    assert_int_equal(clp_rexec_split_key(k, cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)),
                     -EINVAL);
    free(k);
}

static void test_script_name(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(clp_rexec_check_script_name("check.sh", err, sizeof(err)), 0);
    assert_int_equal(clp_rexec_check_script_name(".hidden", err, sizeof(err)), 0);
    assert_int_equal(clp_rexec_check_script_name("a..b", err, sizeof(err)), 0);
    assert_int_equal(clp_rexec_check_script_name("", err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_script_name(NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_script_name(".", err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_script_name("..", err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_script_name("../x", err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_script_name("/bin/sh", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "plain file name"));
    assert_int_equal(clp_rexec_check_script_name("sub/x.sh", err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_script_name("x\n.sh", err, sizeof(err)), -EINVAL);
    char *longname = repeat('s', CLP_REXEC_SCRIPT_MAX + 1);
    assert_int_equal(clp_rexec_check_script_name(longname, err, sizeof(err)), -EINVAL);
    free(longname);
}

static void test_check_request(void **state)
{
    (void)state;
    char err[256];
    Clp__RexecRequest r = CLP__REXEC_REQUEST__INIT;
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), -EINVAL); /* OP_NONE */
    assert_non_null(strstr(err, "unknown clprexec operation"));
    r.op = 77;
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), -EINVAL);
    assert_int_equal(clp_rexec_check_request(NULL, err, sizeof(err)), -EINVAL);

    r.op = CLP__REXEC_REQUEST__OP__FAILOVER;
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "group or a resource"));
    r.group = "failover1";
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), 0);
    r.group = "";
    r.resource = "fip1";
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), 0);
    char *longname = repeat('g', CLP_NAME_MAX);
    r.group = longname;
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), -EINVAL);
    free(longname);
    r.group = "";
    r.wait_ms = (uint32_t)(CLP_REXEC_WAIT_MAX_S + 1) * 1000u;
    assert_int_equal(clp_rexec_check_request(&r, err, sizeof(err)), -EINVAL);
    r.wait_ms = 0;

    Clp__RexecRequest s = CLP__REXEC_REQUEST__INIT;
    s.op = CLP__REXEC_REQUEST__OP__SCRIPT;
    assert_int_equal(clp_rexec_check_request(&s, err, sizeof(err)), -EINVAL);
    s.script = "../../bin/clpdown";
    assert_int_equal(clp_rexec_check_request(&s, err, sizeof(err)), -EINVAL);
    s.script = "check.sh";
    assert_int_equal(clp_rexec_check_request(&s, err, sizeof(err)), 0);

    Clp__RexecRequest n = CLP__REXEC_REQUEST__INIT;
    n.op = CLP__REXEC_REQUEST__OP__NOTICE;
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "monitor name or -k"));
    n.monitor = "mrw1";
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), 0);
    n.keyword = "disk";
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), -EINVAL); /* no category */
    n.category = "app";
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), 0);
    n.category = "a.b";
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), -EINVAL);
    n.category = "app";
    char *k = repeat('x', CLP_REXEC_KEYWORD_MAX + 1);
    n.keyword = k;
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), -EINVAL);
    k[CLP_REXEC_KEYWORD_MAX] = '\0';
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), 0);
    free(k);
    n.op = CLP__REXEC_REQUEST__OP__CLEAR;
    n.monitor = "";
    n.keyword = "";
    assert_int_equal(clp_rexec_check_request(&n, err, sizeof(err)), 0);
}

static void test_match(void **state)
{
    (void)state;
    /* a monitor without a keyword takes every notice of its category */
    assert_true(clp_rexec_match("app", NULL, "app", NULL));
    assert_true(clp_rexec_match("app", "", "app", "anything"));
    assert_false(clp_rexec_match("app", NULL, "App", NULL)); /* exact, case and all */
    assert_false(clp_rexec_match("app", NULL, "apps", NULL));
    assert_false(clp_rexec_match(NULL, NULL, "app", NULL));
    /* a monitor with a keyword takes only that keyword */
    assert_true(clp_rexec_match("app", "disk", "app", "disk"));
    assert_false(clp_rexec_match("app", "disk", "app", NULL));
    assert_false(clp_rexec_match("app", "disk", "app", ""));
    assert_false(clp_rexec_match("app", "disk", "app", "disk2"));
    assert_false(clp_rexec_match("app", "disk", "other", "disk"));

    /* long keywords are compared whole: a difference after 255 bytes counts */
    char *a = repeat('k', 600), *b = repeat('k', 600);
    assert_true(clp_rexec_match("app", a, "app", b));
    b[599] = 'X';
    assert_false(clp_rexec_match("app", a, "app", b));
    b[599] = 'k';
    b[300] = '\0'; /* a prefix of 300 is not the keyword */
    assert_false(clp_rexec_match("app", a, "app", b));
    b[256] = '\0';
    a[256] = '\0';
    assert_true(clp_rexec_match("app", a, "app", b));
    free(a);
    free(b);
}

static void test_addr_match(void **state)
{
    (void)state;
    assert_true(clp_rexec_addr_match("10.32.0.200", "10.32.0.200"));
    assert_false(clp_rexec_addr_match("10.32.0.200", "10.32.0.201"));
    assert_true(clp_rexec_addr_match("10.32.0.0/24", "10.32.0.77"));
    assert_false(clp_rexec_addr_match("10.32.0.0/24", "10.32.1.77"));
    assert_true(clp_rexec_addr_match("10.32.0.128/25", "10.32.0.200"));
    assert_false(clp_rexec_addr_match("10.32.0.128/25", "10.32.0.100"));
    assert_true(clp_rexec_addr_match("0.0.0.0/0", "192.0.2.1"));
    assert_true(clp_rexec_addr_match("10.32.0.200", "::ffff:10.32.0.200"));
    assert_true(clp_rexec_addr_match("fd00::/64", "fd00::1"));
    assert_false(clp_rexec_addr_match("fd00::/64", "fd01::1"));
    assert_false(clp_rexec_addr_match("fd00::/64", "10.32.0.1"));
    assert_false(clp_rexec_addr_match("10.32.0.0/33", "10.32.0.1"));
    assert_false(clp_rexec_addr_match("garbage", "10.32.0.1"));
    assert_false(clp_rexec_addr_match("10.32.0.0/24", ""));
    assert_false(clp_rexec_addr_match("10.32.0.0/24", "10.32.0.0/24"));
}

static const char conf_head[] =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n<root>\n"
    "<all><charset>ASCII</charset><serveros>linux</serveros></all>\n"
    "<cluster><name>c1</name>%s</cluster>\n"
    "<server name=\"srv1\"><priority>0</priority>"
    "<device id=\"0\"><type>lan</type><info>10.31.0.1</info></device>"
    "<device id=\"1\"><type>lan</type><info>10.32.0.1</info></device></server>\n"
    "<server name=\"srv2\"><priority>1</priority>"
    "<device id=\"0\"><type>lan</type><info>10.31.0.2</info></device></server>\n"
    "<heartbeat><types name=\"lanhb\"/><lanhb name=\"lanhb1\"><priority>0</priority>"
    "<device>0</device></lanhb></heartbeat>\n"
    "</root>\n";

static clp_conf_t *conf_with(const char *cluster_extra)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), conf_head, cluster_extra);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(buf, strlen(buf), "mem.conf", &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    clp_diag_free(&d);
    return c;
}

static void test_source_allowed(void **state)
{
    (void)state;
    clp_conf_t *c = conf_with("");
    assert_non_null(c);
    assert_true(clp_rexec_source_allowed(c, "192.0.2.1")); /* allowany defaults to 1 */
    clp_conf_free(&c);

    c = conf_with("<rexec><allowany>0</allowany><clientlist><ip name=\"10.32.0.200\"/>"
                  "<ip name=\"192.168.7.0/24\"/></clientlist></rexec>");
    assert_non_null(c);
    assert_true(clp_rexec_source_allowed(c, "10.32.0.200"));
    assert_true(clp_rexec_source_allowed(c, "192.168.7.9"));
    assert_true(clp_rexec_source_allowed(c, "::ffff:10.32.0.200"));
    assert_false(clp_rexec_source_allowed(c, "10.32.0.254"));
    assert_false(clp_rexec_source_allowed(c, "192.168.8.9"));
    assert_false(clp_rexec_source_allowed(c, ""));
    /* the cluster's own servers are always allowed */
    assert_true(clp_rexec_source_allowed(c, "10.31.0.1"));
    assert_true(clp_rexec_source_allowed(c, "10.32.0.1"));
    assert_true(clp_rexec_source_allowed(c, "10.31.0.2"));
    assert_false(clp_rexec_source_allowed(c, "10.31.0.3"));
    clp_conf_free(&c);
}

/* Loads conf_head with extra cluster elements and a monitor section; returns
 * the number of errors (0 = loaded) and frees the model. */
static size_t load_errors(const char *cluster_extra, const char *monitors, const char *want)
{
    size_t len = strlen(conf_head) + strlen(cluster_extra) + strlen(monitors) + 64;
    char *buf = malloc(len), *xml = malloc(len + 64);
    snprintf(buf, len, conf_head, cluster_extra);
    char *end = strstr(buf, "</root>");
    *end = '\0';
    snprintf(xml, len + 64, "%s<monitor><types name=\"mrw\"/>%s</monitor></root>\n", buf, monitors);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(xml, strlen(xml), "mem.conf", &d);
    size_t n = d.n_errors;
    bool seen = !want;
    for (size_t i = 0; i < d.n; i++) {
        seen = seen || strstr(d.items[i].message, want) != NULL;
    }
    if (!seen) {
        clp_diag_print(stderr, &d);
    }
    assert_true(seen);
    assert_true((c == NULL) == (n > 0));
    clp_conf_free(&c);
    clp_diag_free(&d);
    free(buf);
    free(xml);
    return n;
}

#define MRW_FMT                                                                                    \
    "<mrw "                                                                                        \
    "name=\"mrw1\"><parameters><category>%s</category><keyword>%s</keyword></parameters></mrw>"

static void test_config_checks(void **state)
{
    (void)state;
    char *mon = malloc(4096);
    char *k = repeat('k', CLP_REXEC_KEYWORD_MAX);
    snprintf(mon, 4096, MRW_FMT, "app", k);
    assert_int_equal(load_errors("", mon, NULL), 0); /* 1023 bytes: fine */
    free(k);
    k = repeat('k', CLP_REXEC_KEYWORD_MAX + 1);
    snprintf(mon, 4096, MRW_FMT, "app", k);
    assert_int_equal(load_errors("", mon, "the keyword is 1024 bytes long"), 1);
    free(k);
    snprintf(mon, 4096, MRW_FMT, "a.b", "x");
    assert_int_equal(load_errors("", mon, "must not contain '.'"), 1);
    snprintf(mon, 4096, MRW_FMT, "app", "x");
    assert_int_equal(load_errors("<rexec><allowany>0</allowany><clientlist>"
                                 "<ip name=\"10.0.0.0/8\"/><ip name=\"fd00::1\"/>"
                                 "</clientlist></rexec>",
                                 mon, NULL),
                     0);
    assert_int_equal(load_errors("<rexec><clientlist><ip name=\"10.0.0.300\"/></clientlist>"
                                 "</rexec>",
                                 mon, "not a valid IP address"),
                     1);
    assert_int_equal(load_errors("<rexec><clientlist><host name=\"a\"/></clientlist></rexec>", mon,
                                 "entries only"),
                     1);
    free(mon);
}

/* ---- script paths ---- */

static char tmproot[64];

static void put(const char *rel, const char *text, mode_t mode)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmproot, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    chmod(p, mode);
}

static void link_to(const char *target, const char *rel)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmproot, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void test_script_path(void **state)
{
    (void)state;
    char out[4096], err[512], p[256];
    snprintf(tmproot, sizeof(tmproot), "/tmp/test_rexec.XXXXXX");
    assert_non_null(mkdtemp(tmproot));
    assert_int_equal(clp_rexec_script_path(tmproot, "ok.sh", out, sizeof(out), err, sizeof(err)),
                     -ENOENT); /* no work/rexec yet */
    snprintf(p, sizeof(p), "%s/work", tmproot);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/work/rexec", tmproot);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/work/rexec/sub", tmproot);
    mkdir(p, 0755);
    put("work/rexec/ok.sh", "#!/bin/sh\nexit 0\n", 0755);
    put("work/rexec/sub/inner.sh", "#!/bin/sh\nexit 0\n", 0755);
    put("work/rexec/noexec.sh", "#!/bin/sh\n", 0644);
    put("outside.sh", "#!/bin/sh\n", 0755);
    link_to("ok.sh", "work/rexec/alias.sh");             /* inside: fine */
    link_to("../../outside.sh", "work/rexec/escape.sh"); /* leaves the directory */
    link_to("/bin/true", "work/rexec/abs.sh");
    link_to("sub/inner.sh", "work/rexec/deeper.sh"); /* below it: not a plain name */
    link_to("missing.sh", "work/rexec/dangling.sh");

    assert_int_equal(clp_rexec_script_path(tmproot, "ok.sh", out, sizeof(out), err, sizeof(err)),
                     0);
    assert_non_null(strstr(out, "/work/rexec/ok.sh"));
    assert_int_equal(clp_rexec_script_path(tmproot, "alias.sh", out, sizeof(out), err, sizeof(err)),
                     0);
    assert_non_null(strstr(out, "/work/rexec/ok.sh"));
    assert_int_equal(
        clp_rexec_script_path(tmproot, "escape.sh", out, sizeof(out), err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "outside"));
    assert_int_equal(clp_rexec_script_path(tmproot, "abs.sh", out, sizeof(out), err, sizeof(err)),
                     -EPERM);
    assert_int_equal(
        clp_rexec_script_path(tmproot, "deeper.sh", out, sizeof(out), err, sizeof(err)), -EPERM);
    assert_int_equal(
        clp_rexec_script_path(tmproot, "dangling.sh", out, sizeof(out), err, sizeof(err)), -ENOENT);
    assert_int_equal(
        clp_rexec_script_path(tmproot, "noexec.sh", out, sizeof(out), err, sizeof(err)), -EACCES);
    assert_int_equal(clp_rexec_script_path(tmproot, "sub", out, sizeof(out), err, sizeof(err)),
                     -EACCES);
    assert_int_equal(
        clp_rexec_script_path(tmproot, "../../outside.sh", out, sizeof(out), err, sizeof(err)),
        -EINVAL);
    assert_int_equal(clp_rexec_script_path(tmproot, "..", out, sizeof(out), err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(
        clp_rexec_script_path(tmproot, "nothere.sh", out, sizeof(out), err, sizeof(err)), -ENOENT);

    /* a work/rexec that is itself a link is followed: its real directory is the boundary */
    snprintf(p, sizeof(p), "%s/work/rexec", tmproot);
    char moved[256];
    snprintf(moved, sizeof(moved), "%s/real-rexec", tmproot);
    assert_int_equal(rename(p, moved), 0);
    assert_int_equal(symlink(moved, p), 0);
    assert_int_equal(clp_rexec_script_path(tmproot, "ok.sh", out, sizeof(out), err, sizeof(err)),
                     0);
    assert_non_null(strstr(out, "/real-rexec/ok.sh"));
    assert_int_equal(
        clp_rexec_script_path(tmproot, "escape.sh", out, sizeof(out), err, sizeof(err)), -ENOENT);

    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmproot);
    assert_int_equal(system(cmd), 0);
}

static void test_describe(void **state)
{
    (void)state;
    char out[200];
    Clp__RexecRequest r = CLP__REXEC_REQUEST__INIT;
    r.op = CLP__REXEC_REQUEST__OP__FAILOVER;
    r.group = "failover1";
    clp_rexec_describe(&r, out, sizeof(out));
    assert_string_equal(out, "failover failover1");
    r.group = "";
    r.resource = "fip1";
    clp_rexec_describe(&r, out, sizeof(out));
    assert_string_equal(out, "failover -r fip1");
    Clp__RexecRequest n = CLP__REXEC_REQUEST__INIT;
    n.op = CLP__REXEC_REQUEST__OP__NOTICE;
    n.monitor = "mrw1";
    n.category = "app";
    n.keyword = "disk";
    clp_rexec_describe(&n, out, sizeof(out));
    assert_string_equal(out, "notice mrw1 app.disk");
    char *k = repeat('k', 1000);
    n.keyword = k;
    clp_rexec_describe(&n, out, sizeof(out));
    assert_true(strlen(out) < 200);
    assert_non_null(strstr(out, "..."));
    free(k);
    assert_string_equal(clp_rexec_op_name(CLP__REXEC_REQUEST__OP__CLEAR), "clear");
    assert_string_equal(clp_rexec_op_name(42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_key),     cmocka_unit_test(test_script_name),
        cmocka_unit_test(test_check_request), cmocka_unit_test(test_match),
        cmocka_unit_test(test_addr_match),    cmocka_unit_test(test_source_allowed),
        cmocka_unit_test(test_script_path),   cmocka_unit_test(test_describe),
        cmocka_unit_test(test_config_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

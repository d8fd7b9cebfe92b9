/*
 * test_config_safety: the checks for configurations that load but would be
 * dangerous to run (libclp/clp_config_safety.c), and the original's input
 * guards: an exec script timeout of 0 is refused; a server sync wait of 0 is
 * accepted with a warning and a starting core still listens two heartbeat
 * intervals before it decides anything (services/core/nm.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_config.h"
#include "nm.h"

/* A two-server cluster; the pieces marked %s are filled by each test. */
#define TMPL                                                                                       \
    "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n"                                                 \
    "<root>\n"                                                                                     \
    "  <cluster><name>c1</name>\n"                                                                 \
    "    <heartbeat><interval>1000</interval><timeout>10000</timeout></heartbeat>%s\n"             \
    "  </cluster>\n"                                                                               \
    "  <server name=\"s1\"><priority>0</priority>\n"                                               \
    "    <device id=\"0\"><type>lan</type><info>10.0.0.1</info></device></server>\n"               \
    "  <server name=\"s2\"><priority>1</priority>\n"                                               \
    "    <device id=\"0\"><type>lan</type><info>%s</info></device></server>\n"                     \
    "  <heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb>"         \
    "</heartbeat>\n"                                                                               \
    "  <group name=\"g1\"><resource name=\"exec@e1\"/>%s</group>\n"                                \
    "  <resource><exec name=\"e1\">%s</exec></resource>\n"                                         \
    "  <monitor>%s</monitor>\n"                                                                    \
    "</root>\n"

#define START                                                                                      \
    "<parameters><act><path>start.sh</path></act><deact><path>stop.sh</path></deact></parameters>"

static clp_conf_t *load(clp_diag_t *d, const char *cluster_extra, const char *s2_addr,
                        const char *group_extra, const char *exec_body, const char *monitors)
{
    char buf[8192];
    snprintf(buf, sizeof(buf), TMPL, cluster_extra, s2_addr, group_extra, exec_body, monitors);
    return clp_conf_load_mem(buf, strlen(buf), "t.conf", d);
}

/* The one error of d must contain text (and name path when path is not NULL). */
static void assert_one_error(const clp_diag_t *d, const char *text, const char *path)
{
    size_t errors = 0;
    const clp_diag_item_t *e = NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].kind == CLP_DIAG_ERROR) {
            errors++;
            e = &d->items[i];
        }
    }
    if (errors != 1) {
        clp_diag_print(stderr, d);
    }
    assert_int_equal(errors, 1);
    if (!strstr(e->message, text)) {
        fprintf(stderr, "message: %s\n", e->message);
    }
    assert_non_null(strstr(e->message, text));
    assert_true(e->line > 0);
    if (path) {
        assert_string_equal(e->path, path);
    }
}

static bool has_warning(const clp_diag_t *d, const char *text)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].kind == CLP_DIAG_WARNING && strstr(d->items[i].message, text)) {
            return true;
        }
    }
    return false;
}

static void test_baseline_valid(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    clp_conf_t *c = load(&d, "", "10.0.0.2", "", START, "");
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    assert_non_null(c);
    assert_int_equal(clp_diag_count(&d, CLP_DIAG_WARNING), 0);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

static void test_group_without_eligible_server(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    /* The start script is set for s1 only, the group may start on s2 only. */
    clp_conf_t *c = load(&d, "", "10.0.0.2", "<policy name=\"s2\"><order>0</order></policy>",
                         "<server name=\"s1\">" START "</server>", "");
    assert_null(c);
    assert_one_error(&d, "no server it can start on", "/root/group@g1");
    clp_diag_free(&d);

    /* With s1 in the policy too, it can start there: loaded, with a warning about s2. */
    c = load(&d, "", "10.0.0.2",
             "<policy name=\"s2\"><order>0</order></policy><policy name=\"s1\"><order>1</order>"
             "</policy>",
             "<server name=\"s1\">" START "</server>", "");
    assert_non_null(c);
    assert_true(has_warning(&d, "cannot start on server s2"));
    clp_conf_free(&c);
    clp_diag_free(&d);

    /* Missing for every server: the type check's one error, not a second one. */
    c = load(&d, "", "10.0.0.2", "", "", "");
    assert_null(c);
    assert_one_error(&d, "is not set; it is required", NULL);
    clp_diag_free(&d);
}

static void test_heartbeat_path_missing(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    clp_conf_t *c = load(&d, "", "__S2_ADDRESS__", "", START, "");
    assert_null(c);
    assert_one_error(&d, "has no address on server s2", "/root/server@s2/device@0/info");
    clp_diag_free(&d);

    c = load(&d, "", "10.0.0.1", "", START, "");
    assert_null(c);
    assert_one_error(&d, "which server s1 already has", "/root/server@s2/device@0/info");
    clp_diag_free(&d);

    c = load(&d, "", "fd00::2", "", START, "");
    assert_null(c);
    assert_one_error(&d, "no heartbeat can pass", "/root/server@s2/device@0/info");
    clp_diag_free(&d);
}

static void test_userw_timeout_not_longer_than_interval(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    clp_conf_t *c = load(&d, "", "10.0.0.2", "", START,
                         "<userw name=\"userw\"><parameters><usehb>0</usehb></parameters>"
                         "<polling><interval>20</interval><timeout>15</timeout></polling>"
                         "<relation><type>cls</type><name>LocalServer</name></relation></userw>");
    assert_null(c);
    assert_one_error(&d, "must be longer than the interval",
                     "/root/monitor/userw@userw/polling/timeout");
    clp_diag_free(&d);

    /* With the heartbeat's values (usehb 1, the default) nothing to check here. */
    c = load(&d, "", "10.0.0.2", "", START,
             "<userw name=\"userw\"><polling><interval>20</interval><timeout>15</timeout>"
             "</polling><relation><type>cls</type><name>LocalServer</name></relation></userw>");
    assert_non_null(c);
    clp_conf_free(&c);
    clp_diag_free(&d);

    /* An ordinary monitor may time out before its next interval. */
    c = load(&d, "", "10.0.0.2", "", START,
             "<genw name=\"genw1\"><polling><interval>60</interval><timeout>10</timeout>"
             "</polling><parameters><path>genw.sh</path></parameters>"
             "<relation><type>cls</type><name>LocalServer</name></relation></genw>");
    assert_non_null(c);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

static void test_exec_timeout_zero_refused(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    clp_conf_t *c = load(&d, "", "10.0.0.2", "",
                         "<parameters><act><path>start.sh</path></act>"
                         "<timeout><start>0</start></timeout></parameters>",
                         "");
    assert_null(c);
    assert_one_error(&d, "out of range", "/root/resource/exec@e1/parameters/timeout/start");
    clp_diag_free(&d);
}

/* Sync wait 0: loaded with a warning; the core listens two intervals anyway. */
static void test_syncwait_zero(void **state)
{
    (void)state;
    clp_diag_t d = {0};
    clp_conf_t *c =
        load(&d, "<timeout><syncwait>0</syncwait></timeout>", "10.0.0.2", "", START, "");
    assert_non_null(c);
    assert_int_equal(c->cluster.syncwait_s, 0);
    assert_true(has_warning(&d, "does not wait for the other servers"));

    nm_event_t ev[16];
    uint64_t t0 = 1000;
    nm_t *nm = nm_new(c, 0, t0);
    /* Before two intervals nothing is decided, even with a wait of 0. */
    for (uint64_t t = t0; t < t0 + 2000; t += 100) {
        int n = nm_tick(nm, t, ev, 16);
        for (int i = 0; i < n; i++) {
            assert_int_not_equal(ev[i].kind, NM_EV_SYNC_DONE);
            assert_int_not_equal(ev[i].kind, NM_EV_SYNC_TIMEOUT);
        }
        assert_true(nm_syncing(nm));
    }
    /* Then the wait ends at once (the peer was never heard). */
    bool ended = false;
    for (uint64_t t = t0 + 2000; t < t0 + 2500 && !ended; t += 50) {
        int n = nm_tick(nm, t, ev, 16);
        for (int i = 0; i < n; i++) {
            ended |= ev[i].kind == NM_EV_SYNC_TIMEOUT;
        }
    }
    assert_true(ended);
    nm_destroy(&nm);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_valid),
        cmocka_unit_test(test_group_without_eligible_server),
        cmocka_unit_test(test_heartbeat_path_missing),
        cmocka_unit_test(test_userw_timeout_not_longer_than_interval),
        cmocka_unit_test(test_exec_timeout_zero_refused),
        cmocka_unit_test(test_syncwait_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of network-partition resolution's pure parts (services/core/np.c):
 * the majority and tie-break verdicts, the resolution chain, and the
 * winner's grace before a takeover (docs/np-timing.md: G = S + I + margin,
 * plus I + 120 ms with more than two servers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "np.h"

#define LAN(id, ip) "<device id=\"" id "\"><type>lan</type><info>" ip "</info></device>"
#define PINGDEV "<device id=\"10200\"><type>ping</type><info>1</info></device>"

/* A cluster of n servers (2 or 3) at heartbeat interval/timeout, with the
 * NP resources given as XML (empty: none). */
static clp_conf_t *load(int n, int interval, int timeout, const char *nps)
{
    char xml[4096];
    char hb[128];
    snprintf(hb, sizeof(hb), "<heartbeat><interval>%d</interval><timeout>%d</timeout></heartbeat>",
             interval, timeout);
    snprintf(xml, sizeof(xml),
             "<?xml version=\"1.0\" encoding=\"ASCII\"?><root>"
             "<cluster><name>c</name>%s</cluster>"
             "<server name=\"s1\"><priority>0</priority>" LAN("0", "10.0.0.1") PINGDEV "</server>"
             "<server name=\"s2\"><priority>1</priority>" LAN("0", "10.0.0.2") PINGDEV "</server>"
             "%s"
             "<heartbeat><types name=\"lanhb\"/><lanhb name=\"lanhb1\"><priority>0</priority>"
             "<device>0</device></lanhb></heartbeat>"
             "%s</root>",
             hb, n > 2 ? "<server name=\"s3\"><priority>2</priority>" LAN("0", "10.0.0.3") PINGDEV "</server>" : "",
             nps);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(xml, strlen(xml), "np-test.conf", &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    clp_diag_free(&d);
    return c;
}

static const char *PING_20MS =
    "<networkpartition><types name=\"pingnp\"/><pingnp name=\"pingnp1\"><priority>0</priority>"
    "<device>10200</device><parameters><timeoutms>20</timeoutms><retry>0</retry></parameters>"
    "<grp id=\"0\"><list id=\"0\"><ip>10.0.0.254</ip></list></grp></pingnp></networkpartition>";
static const char *PING_DEFAULT =
    "<networkpartition><types name=\"pingnp\"/><pingnp name=\"pingnp1\"><priority>0</priority>"
    "<device>10200</device><grp id=\"0\"><list id=\"0\"><ip>10.0.0.254</ip></list></grp></pingnp>"
    "</networkpartition>";
static const char *MAJORITY =
    "<networkpartition><types name=\"majority\"/><majority name=\"majority1\"><priority>0</priority>"
    "</majority></networkpartition>";

static uint32_t grace(int n, int interval, int timeout, const char *nps)
{
    clp_conf_t *c = load(n, interval, timeout, nps);
    assert_non_null(c);
    struct event_base *base = event_base_new();
    np_t *np = np_new(base, c, 0, NULL, "/nonexistent");
    uint32_t g = np_grace_ms(np);
    np_destroy(&np);
    event_base_free(base);
    clp_conf_free(&c);
    return g;
}

static void test_grace_sums(void **state)
{
    /* 2 servers, ping 20 ms without retry, 50 ms beats: S 20 + I 50 + margin 50 */
    assert_int_equal(grace(2, 50, 150, PING_20MS), 120);
    /* 100 ms beats: margin 100 (the bound) */
    assert_int_equal(grace(2, 100, 500, PING_20MS), 220);
    /* defaults: ping timeout 3 s, retry 3 (S = 3 * 100 + 3000), I 3000, margin 100 */
    assert_int_equal(grace(2, 3000, 90000, PING_DEFAULT), 3300 + 3000 + 100);
    /* 3 servers, majority (S 0): + the loser's gathering wait I + 120 */
    assert_int_equal(grace(3, 100, 500, MAJORITY), 0 + 100 + 100 + 100 + 120);
    /* no NP resource: no skew */
    assert_int_equal(grace(2, 200, 1000, ""), 200 + 100);
}

static void test_margin_covers_tick(void **state)
{
    /* The margin must cover the loser's tick (core.c: I/2, 10..100 ms), the
     * most its loss can be found late without the one-shot wake-up. */
    for (int i = 50; i <= 600000; i += (i < 1000 ? 1 : 997)) {
        int tick = i / 2 < 10 ? 10 : i / 2 > 100 ? 100 : i / 2;
        int m = np_grace_margin_ms(i);
        if (m < tick || m > 100 || m < 25) {
            fail_msg("interval %d: margin %d, tick %d", i, m, tick);
        }
    }
    assert_int_equal(np_grace_margin_ms(10), 25);
    assert_int_equal(np_grace_margin_ms(60), 60);
    assert_int_equal(np_grace_margin_ms(3000), 100);
}

static void test_loser_first(void **state)
{
    /* docs/np-timing.md: t_l - t_w <= k + I + gather + S - G must be <= 0 with
     * k the loser's timer delay up to the margin, for the profiles of bench/. */
    struct {
        int n, interval, timeout;
        const char *nps;
        int skew;
    } p[] = {{2, 50, 150, PING_20MS, 20},
             {2, 100, 500, PING_20MS, 20},
             {2, 200, 1000, PING_20MS, 20},
             {3, 100, 500, MAJORITY, 0},
             {3, 50, 150, MAJORITY, 0}};
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        int k = np_grace_margin_ms(p[i].interval);
        int gather = p[i].n > 2 ? p[i].interval + 20 + 100 : 0; /* + up to a tick (<= 100) */
        long slack = (long)k + p[i].interval + gather + p[i].skew -
                     (long)grace(p[i].n, p[i].interval, p[i].timeout, p[i].nps);
        if (slack > 0) {
            fail_msg("profile %zu: the loser may be %ld ms late", i, slack);
        }
    }
}

static void test_majority_and_tiebreak(void **state)
{
    clp_conf_t *c = load(3, 100, 500, MAJORITY);
    assert_non_null(c);
    np_input_t in = {.conf = c, .self = 0, .members = 0x7};
    in.reachable = 0x3; /* s1, s2 of three */
    assert_int_equal(np_majority(&in), NP_SURVIVE);
    in.reachable = 0x1; /* s1 alone */
    assert_int_equal(np_majority(&in), NP_LOSE);
    in.members = 0x3, in.reachable = 0x1; /* one of two: a tie */
    assert_int_equal(np_majority(&in), NP_UNDECIDED);
    /* the tie-break: the side with the highest-priority member survives */
    assert_int_equal(np_tiebreak(&in), NP_SURVIVE);
    in.self = 1, in.reachable = 0x2;
    assert_int_equal(np_tiebreak(&in), NP_LOSE);
    clp_conf_free(&c);
}

static void test_decide_chain(void **state)
{
    clp_conf_t *c = load(2, 100, 500, PING_20MS);
    assert_non_null(c);
    np_input_t in = {.conf = c, .self = 1, .members = 0x3, .reachable = 0x2};
    char why[256];
    np_verdict_t r[1] = {NP_SURVIVE};
    assert_int_equal(np_decide(&in, r, why, sizeof(why)), NP_SURVIVE);
    assert_non_null(strstr(why, "pingnp1"));
    r[0] = NP_LOSE;
    assert_int_equal(np_decide(&in, r, why, sizeof(why)), NP_LOSE);
    /* undecided: the tie-break; s2 without s1 stops */
    r[0] = NP_UNDECIDED;
    assert_int_equal(np_decide(&in, r, why, sizeof(why)), NP_LOSE);
    assert_non_null(strstr(why, "highest-priority"));
    clp_conf_free(&c);

    /* no NP resource at all: survive, as the original does */
    c = load(2, 100, 500, "");
    assert_non_null(c);
    in.conf = c;
    assert_int_equal(np_decide(&in, r, why, sizeof(why)), NP_SURVIVE);
    assert_non_null(strstr(why, "no network partition resolution resource"));
    clp_conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grace_sums),
        cmocka_unit_test(test_margin_covers_tick),
        cmocka_unit_test(test_loser_first),
        cmocka_unit_test(test_majority_and_tiebreak),
        cmocka_unit_test(test_decide_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

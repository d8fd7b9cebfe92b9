/* Unit tests of membership (services/core/nm.c), driven with invented
 * monotonic times: start-up wait, path errors, losses, one-way cuts, graceful
 * leaving, delay warnings, master election, the timeout ratio, restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nm.h"

static const char *CONF =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?><root>"
    "<cluster><name>c</name><heartbeat><interval>100</interval><timeout>1000</timeout>"
    "</heartbeat><timeout><syncwait>10</syncwait></timeout></cluster>"
    "<server name=\"a\"><priority>0</priority><device id=\"0\"><type>lan</type><info>10.0.0.1</info></device>"
    "<device id=\"1\"><type>lan</type><info>10.1.0.1</info></device></server>"
    "<server name=\"b\"><priority>1</priority><device id=\"0\"><type>lan</type><info>10.0.0.2</info></device>"
    "<device id=\"1\"><type>lan</type><info>10.1.0.2</info></device></server>"
    "<server name=\"c\"><priority>2</priority><device id=\"0\"><type>lan</type><info>10.0.0.3</info></device>"
    "<device id=\"1\"><type>lan</type><info>10.1.0.3</info></device></server>"
    "<heartbeat><types name=\"lanhb\"/>"
    "<lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb>"
    "<lanhb name=\"lanhb2\"><priority>1</priority><device>1</device></lanhb></heartbeat>"
    "</root>";

static clp_conf_t *conf;
static nm_event_t ev[64];

static int setup(void **state)
{
    clp_diag_t d = {0};
    conf = clp_conf_load_mem(CONF, strlen(CONF), "nm-test.conf", &d);
    if (!conf) {
        clp_diag_print(stderr, &d);
    }
    clp_diag_free(&d);
    return conf ? 0 : -1;
}

static int teardown(void **state)
{
    clp_conf_free(&conf);
    return 0;
}

static nm_hb_info_t info(Clp__ServerState st, uint64_t inc, uint32_t hears_me)
{
    nm_hb_info_t i = {.state = st, .incarnation = inc, .hears_me_ms = hears_me,
                      .master_ready = true};
    return i;
}

/* Feeds beats from the given peers on the given paths every 100 ms up to t_end;
 * returns how many events of kind were seen. */
static int run(nm_t *nm, uint64_t *t, uint64_t t_end, uint64_t peers, uint64_t paths,
               nm_event_kind_t kind, nm_event_t *last)
{
    int seen = 0;
    for (; *t <= t_end; *t += 10) {
        if (*t % 100 == 0) {
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < 2; j++) {
                    if (((peers >> k) & 1u) && ((paths >> j) & 1u)) {
                        nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 100 + k, 50);
                        nm_rx(nm, k, j, *t, &i);
                    }
                }
            }
        }
        int n = nm_tick(nm, *t, ev, 64);
        for (int e = 0; e < n; e++) {
            if (ev[e].kind == kind) {
                seen++;
                if (last) {
                    *last = ev[e];
                }
            }
        }
    }
    return seen;
}

static void test_sync_done_when_all_heard(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    nm_event_t e;
    assert_int_equal(run(nm, &t, 1500, 0x6, 0x3, NM_EV_SYNC_DONE, &e), 1);
    assert_false(nm_syncing(nm));
    nm_destroy(&nm);
}

static void test_sync_timeout_alone(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    assert_int_equal(run(nm, &t, 10000, 0, 0, NM_EV_SYNC_TIMEOUT, NULL), 0);
    assert_true(nm_syncing(nm));
    assert_int_equal(run(nm, &t, 11100, 0, 0, NM_EV_SYNC_TIMEOUT, NULL), 1);
    nm_destroy(&nm);
}

static void test_skip_sync_still_listens_first(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    nm_skip_sync(nm);
    /* Not before two intervals: a starting server must hear the running ones. */
    int n = nm_tick(nm, 1100, ev, 64);
    for (int i = 0; i < n; i++) {
        assert_int_not_equal(ev[i].kind, NM_EV_SYNC_DONE);
    }
    t = 1110;
    assert_int_equal(run(nm, &t, 1400, 0, 0, NM_EV_SYNC_DONE, NULL), 1);
    nm_destroy(&nm);
}

static void test_one_path_lost_is_not_a_loss(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_event_t e;
    /* lanhb1 of server b goes silent; lanhb2 keeps working */
    int errors = 0, losses = 0;
    for (; t <= 5000; t += 10) {
        if (t % 100 == 0) {
            nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 101, 50);
            nm_rx(nm, 1, 1, t, &i);
            nm_hb_info_t i2 = info(CLP__SERVER_STATE__SERVER_ONLINE, 102, 50);
            nm_rx(nm, 2, 0, t, &i2);
            nm_rx(nm, 2, 1, t, &i2);
        }
        int n = nm_tick(nm, t, ev, 64);
        for (int k = 0; k < n; k++) {
            if (ev[k].kind == NM_EV_PATH_ERROR) {
                errors++;
                e = ev[k];
            }
            if (ev[k].kind == NM_EV_NEED_NP) {
                losses++;
            }
        }
    }
    assert_int_equal(errors, 1);
    assert_int_equal(e.server, 1);
    assert_int_equal(e.path, 0);
    assert_int_equal(losses, 0);
    assert_int_equal(nm_path_state(nm, 1, 0, t), CLP__PATH_STATE__PATH_ERROR);
    assert_int_equal(nm_path_state(nm, 1, 1, t), CLP__PATH_STATE__PATH_NORMAL);
    assert_int_equal(nm_peer_state(nm, 1), NM_PEER_UP);
    nm_destroy(&nm);
}

static void test_loss_needs_np_then_down(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_set_local_state(nm, CLP__SERVER_STATE__SERVER_ONLINE);
    uint64_t last_b = 2000;
    nm_event_t e;
    /* b falls silent at 2000, c keeps going */
    assert_int_equal(run(nm, &t, 2000 + 990, 0x4, 0x3, NM_EV_NEED_NP, NULL), 0);
    assert_int_equal(run(nm, &t, 3200, 0x4, 0x3, NM_EV_NEED_NP, &e), 1);
    assert_int_equal(e.mask, 0x2);
    assert_true(t - last_b >= 1000);
    assert_int_equal(nm_peer_state(nm, 1), NM_PEER_SUSPECT);
    assert_int_equal(run(nm, &t, 3500, 0x4, 0x3, NM_EV_SERVER_DOWN, NULL), 0);
    nm_np_result(nm, 0x2, true, t);
    assert_int_equal(run(nm, &t, 3600, 0x4, 0x3, NM_EV_SERVER_DOWN, &e), 1);
    assert_int_equal(e.server, 1);
    assert_int_equal(nm_peer_state(nm, 1), NM_PEER_DOWN);
    nm_destroy(&nm);
}

static void test_one_way_cut(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    /* b still reaches us, but says it has not heard us for 1 s */
    int needs = 0;
    for (; t <= 3000; t += 10) {
        if (t % 100 == 0) {
            nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 101, t >= 2500 ? 1000 : 50);
            nm_rx(nm, 1, 0, t, &i);
            nm_hb_info_t i2 = info(CLP__SERVER_STATE__SERVER_ONLINE, 102, 50);
            nm_rx(nm, 2, 0, t, &i2);
        }
        int n = nm_tick(nm, t, ev, 64);
        for (int k = 0; k < n; k++) {
            if (ev[k].kind == NM_EV_NEED_NP && ev[k].mask == 0x2) {
                needs++;
            }
        }
    }
    assert_int_equal(needs, 1);
    nm_destroy(&nm);
}

/* A partition heals: b was declared down; its first beats still say it has
 * not heard us for a long time (it has not received ours yet). That is no
 * loss: no flapping up/down. A one-way cut that lasts is still found. */
static void test_heal_is_not_a_one_way_cut(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_set_local_state(nm, CLP__SERVER_STATE__SERVER_ONLINE);
    run(nm, &t, 3200, 0x4, 0x3, NM_EV_NEED_NP, NULL);
    nm_np_result(nm, 0x2, true, t);
    assert_int_equal(run(nm, &t, 3400, 0x4, 0x3, NM_EV_SERVER_DOWN, NULL), 1);
    /* heal at 5000: b's hears_me is stale (4000 ms) for its first 300 ms */
    int up = 0, needs = 0, downs = 0;
    for (t = 5000; t <= 8000; t += 10) {
        if (t % 100 == 0) {
            nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 101, t < 5300 ? 4000 : 50);
            nm_rx(nm, 1, 0, t, &i);
            nm_rx(nm, 1, 1, t, &i);
            nm_hb_info_t i2 = info(CLP__SERVER_STATE__SERVER_ONLINE, 102, 50);
            nm_rx(nm, 2, 0, t, &i2);
        }
        int n = nm_tick(nm, t, ev, 64);
        for (int k = 0; k < n; k++) {
            up += ev[k].kind == NM_EV_SERVER_UP && ev[k].server == 1;
            needs += ev[k].kind == NM_EV_NEED_NP && (ev[k].mask & 0x2);
            downs += ev[k].kind == NM_EV_SERVER_DOWN;
        }
    }
    assert_int_equal(up, 1);
    assert_int_equal(needs, 0);
    assert_int_equal(downs, 0);
    assert_int_equal(nm_peer_state(nm, 1), NM_PEER_UP);
    /* from now on b never hears us again: a one-way cut, found once */
    for (; t <= 10000; t += 10) {
        if (t % 100 == 0) {
            nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 101, (uint32_t)(t - 8000));
            nm_rx(nm, 1, 0, t, &i);
            nm_hb_info_t i2 = info(CLP__SERVER_STATE__SERVER_ONLINE, 102, 50);
            nm_rx(nm, 2, 0, t, &i2);
        }
        int n = nm_tick(nm, t, ev, 64);
        for (int k = 0; k < n; k++) {
            needs += ev[k].kind == NM_EV_NEED_NP && (ev[k].mask & 0x2);
        }
    }
    assert_int_equal(needs, 1);
    nm_destroy(&nm);
}

static void test_leaving_goes_down_at_once(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_STOPPING, 101, 50);
    i.leaving = true;
    nm_rx(nm, 1, 0, t, &i);
    int n = nm_tick(nm, t, ev, 64), downs = 0, nps = 0;
    for (int k = 0; k < n; k++) {
        downs += ev[k].kind == NM_EV_SERVER_DOWN && ev[k].server == 1;
        nps += ev[k].kind == NM_EV_NEED_NP;
    }
    assert_int_equal(downs, 1);
    assert_int_equal(nps, 0);
    nm_destroy(&nm);
}

static void test_delay_warning(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    /* one beat of b on lanhb1 comes 900 ms after the previous (80% of 1000 is 800) */
    nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 101, 50);
    nm_event_t e = {0};
    int delays = 0;
    for (; t <= 4000; t += 10) {
        if (t % 100 == 0 && (t < 2100 || t >= 2900)) {
            nm_rx(nm, 1, 0, t, &i);
        }
        if (t % 100 == 0) {
            nm_rx(nm, 1, 1, t, &i);
            nm_hb_info_t i2 = info(CLP__SERVER_STATE__SERVER_ONLINE, 102, 50);
            nm_rx(nm, 2, 0, t, &i2);
        }
        int n = nm_tick(nm, t, ev, 64);
        for (int k = 0; k < n; k++) {
            if (ev[k].kind == NM_EV_PATH_DELAY) {
                delays++;
                e = ev[k];
            }
        }
    }
    assert_int_equal(delays, 1);
    assert_int_equal(e.server, 1);
    assert_int_equal(e.path, 0);
    assert_true(e.value >= 800 && e.value < 1000);
    nm_destroy(&nm);
}

static void test_master_and_ratio(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 2, t); /* we are c */
    run(nm, &t, 1500, 0x3, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_set_local_state(nm, CLP__SERVER_STATE__SERVER_ONLINE);
    run(nm, &t, 1600, 0x3, 0x3, NM_EV_MASTER, NULL);
    assert_int_equal(nm_master(nm), 0);
    nm_set_ratio(nm, 3);
    assert_int_equal(nm_timeout_ms(nm), 3000);
    /* a falls silent: with ratio 3 nothing happens before 3 s */
    assert_int_equal(run(nm, &t, 1600 + 2900, 0x2, 0x3, NM_EV_NEED_NP, NULL), 0);
    assert_int_equal(run(nm, &t, 1600 + 3200, 0x2, 0x3, NM_EV_NEED_NP, NULL), 1);
    /* a lost server is not the master any more, even before it is declared down */
    assert_int_equal(nm_master(nm), 1);
    nm_np_result(nm, 0x1, true, t);
    assert_int_equal(run(nm, &t, t + 100, 0x2, 0x3, NM_EV_SERVER_DOWN, NULL), 1);
    assert_int_equal(nm_master(nm), 1);
    nm_destroy(&nm);
}

/* The next loss is due one timeout after the last beat of the earliest silent
 * peer; nm_tick finds it then, not a millisecond before. */
static void test_next_loss_at(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    assert_true(nm_next_loss_at(nm) == UINT64_MAX); /* nobody heard yet */
    run(nm, &t, 1500, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    /* beats every 100 ms up to 1500 from b and c; c then falls silent */
    run(nm, &t, 1800, 0x2, 0x3, NM_EV_NEED_NP, NULL);
    assert_int_equal(nm_next_loss_at(nm), 1500 + 1000);
    assert_int_equal(nm_tick(nm, 2499, ev, 64), 0);
    int n = nm_tick(nm, 2500, ev, 64);
    bool lost = false;
    for (int e = 0; e < n; e++) {
        lost |= ev[e].kind == NM_EV_NEED_NP && ev[e].mask == 0x4;
    }
    assert_true(lost);
    /* c is no longer up: b is next (it beat at 1800) */
    assert_int_equal(nm_next_loss_at(nm), 1800 + 1000);
    nm_destroy(&nm);
}

static void test_restart_seen(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_STARTING, 999, NM_NEVER);
    nm_rx(nm, 1, 0, t, &i);
    int n = nm_tick(nm, t, ev, 64), restarts = 0;
    for (int k = 0; k < n; k++) {
        restarts += ev[k].kind == NM_EV_PEER_RESTARTED && ev[k].server == 1;
    }
    assert_int_equal(restarts, 1);
    nm_destroy(&nm);
}

/* A beat held up on a path that was down (a carrier-less interface queues
 * what is sent) arrives after newer ones from the other path: its content is
 * stale and must not count (it had made a peer look still Online / holding a
 * group it had given up), but its path works again. */
static void test_stale_beat_content_ignored(void **state)
{
    uint64_t t = 1000;
    nm_t *nm = nm_new(conf, 0, t);
    run(nm, &t, 2000, 0x6, 0x3, NM_EV_SYNC_DONE, NULL);
    nm_hb_info_t i = info(CLP__SERVER_STATE__SERVER_ONLINE, 101, 50);
    i.seq = 100;
    assert_true(nm_rx(nm, 1, 0, t, &i));
    i.seq = 102;
    i.state = CLP__SERVER_STATE__SERVER_STOPPING;
    assert_true(nm_rx(nm, 1, 1, t + 10, &i));
    assert_int_equal(nm_peer_reported_state(nm, 1), CLP__SERVER_STATE__SERVER_STOPPING);
    /* the older beat 101 (Online), late on path 0 */
    i.seq = 101;
    i.state = CLP__SERVER_STATE__SERVER_ONLINE;
    assert_false(nm_rx(nm, 1, 0, t + 20, &i));
    assert_int_equal(nm_peer_reported_state(nm, 1), CLP__SERVER_STATE__SERVER_STOPPING);
    assert_int_equal(nm_path_age_ms(nm, 1, 0, t + 20), 0);
    /* the same sequence again (one envelope on two paths) is no news either */
    i.seq = 102;
    assert_false(nm_rx(nm, 1, 0, t + 30, &i));
    /* a new incarnation starts its own sequence */
    nm_hb_info_t j = info(CLP__SERVER_STATE__SERVER_STARTING, 999, 50);
    j.seq = 1;
    assert_true(nm_rx(nm, 1, 0, t + 40, &j));
    assert_int_equal(nm_peer_reported_state(nm, 1), CLP__SERVER_STATE__SERVER_STARTING);
    /* a beat of its previous life (queued before a reboot, delivered when the
     * path came back), whatever its sequence: stale */
    i.seq = 500;
    i.state = CLP__SERVER_STATE__SERVER_ONLINE;
    assert_false(nm_rx(nm, 1, 1, t + 50, &i));
    assert_int_equal(nm_peer_reported_state(nm, 1), CLP__SERVER_STATE__SERVER_STARTING);
    /* but once the current life has been silent for a whole timeout, a lower
     * incarnation is a new life (a server whose state was lost) */
    assert_true(nm_rx(nm, 1, 1, t + 40 + 2000, &i));
    assert_int_equal(nm_peer_reported_state(nm, 1), CLP__SERVER_STATE__SERVER_ONLINE);
    nm_destroy(&nm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_done_when_all_heard),
        cmocka_unit_test(test_sync_timeout_alone),
        cmocka_unit_test(test_skip_sync_still_listens_first),
        cmocka_unit_test(test_one_path_lost_is_not_a_loss),
        cmocka_unit_test(test_loss_needs_np_then_down),
        cmocka_unit_test(test_one_way_cut),
        cmocka_unit_test(test_heal_is_not_a_one_way_cut),
        cmocka_unit_test(test_leaving_goes_down_at_once),
        cmocka_unit_test(test_delay_warning),
        cmocka_unit_test(test_master_and_ratio),
        cmocka_unit_test(test_restart_seen),
        cmocka_unit_test(test_next_loss_at),
        cmocka_unit_test(test_stale_beat_content_ignored),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

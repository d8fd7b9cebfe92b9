/*
 * test_recovery: the monitor recovery sequence (services/core/recovery.c,
 * reference §5.4): reactivations up to threshold/restart, then failovers up to
 * threshold/fo while another server can take the group, then the final action
 * once; the switches that skip recovery, each with its own reason code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recovery.h"

static clp_monitor_t mon(int restart, int fo, int action)
{
    clp_monitor_t m;
    memset(&m, 0, sizeof(m));
    m.rel_type = CLP_REL_RSC;
    m.th_restart = restart;
    m.th_fo = fo;
    m.action = action;
    m.timeout_noretry = 1;
    m.timeout_norecovery = 1;
    return m;
}

static rec_input_t active(void)
{
    rec_input_t in = {.target_active = true, .other_server = true};
    return in;
}

/* The pidw defaults with "stop group": 3 reactivations, 1 failover, the final
 * action once, then nothing. */
static void test_sequence_3_1_stop_group(void **state)
{
    (void)state;
    clp_monitor_t m = mon(3, 1, 2);
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    for (int i = 1; i <= 3; i++) {
        rec_decision_t d = recovery_next(&m, &in, &cnt);
        assert_int_equal(d.step, REC_RESTART);
        assert_int_equal(cnt.restart_count, i);
    }
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FAILOVER);
    assert_int_equal(cnt.failover_count, 1);
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FINAL);
    assert_int_equal(cnt.final_count, 1);
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_FINAL_DONE);
    assert_int_equal(cnt.restart_count, 3);
    assert_int_equal(cnt.failover_count, 1);
    assert_int_equal(cnt.final_count, 1);
}

/* Final action "no operation": after the thresholds, nothing, every time. */
static void test_exhausted_no_operation(void **state)
{
    (void)state;
    clp_monitor_t m = mon(1, 0, 1);
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    assert_int_equal(recovery_next(&m, &in, &cnt).step, REC_RESTART);
    for (int i = 0; i < 3; i++) {
        rec_decision_t d = recovery_next(&m, &in, &cnt);
        assert_int_equal(d.step, REC_NONE);
        assert_int_equal(d.skip, REC_SKIP_EXHAUSTED);
    }
    assert_int_equal(cnt.restart_count, 1);
}

/* No other server: the failover step is passed over, the final action runs. */
static void test_no_other_server_goes_to_final(void **state)
{
    (void)state;
    clp_monitor_t m = mon(0, 1, 2);
    rec_input_t in = active();
    in.other_server = false;
    rec_counters_t cnt = {0};
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FINAL);
    assert_int_equal(cnt.failover_count, 0);
}

/* Counters kept per server: a server whose counters are exhausted goes on to
 * the final action, another server with fresh counters reactivates. */
static void test_counters_are_per_server(void **state)
{
    (void)state;
    clp_monitor_t m = mon(3, 1, 2);
    rec_input_t in = active();
    rec_counters_t srv1 = {.restart_count = 3, .failover_count = 1};
    rec_counters_t srv2 = {0};
    assert_int_equal(recovery_next(&m, &in, &srv2).step, REC_RESTART);
    assert_int_equal(recovery_next(&m, &in, &srv1).step, REC_FINAL);
}

static void test_timeout_switches(void **state)
{
    (void)state;
    clp_monitor_t m = mon(3, 1, 2);
    rec_input_t in = active();
    in.timeout = true;
    rec_counters_t cnt = {0};
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_TIMEOUT);
    assert_int_equal(cnt.restart_count, 0);
    /* "Do not recover at timeout" off: a timeout is an error like another. */
    m.timeout_norecovery = 0;
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_RESTART);
    assert_int_equal(cnt.restart_count, 1);
}

static void test_norecovery_and_inactive(void **state)
{
    (void)state;
    clp_monitor_t m = mon(3, 1, 2);
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    in.norecovery = true;
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_NORECOVERY);
    in.norecovery = false;
    in.target_active = false;
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_INACTIVE);
    assert_int_equal(cnt.restart_count, 0);
    /* LocalServer is always "active": only the final action applies. */
    m.rel_type = CLP_REL_CLS;
    m.action = 3;
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FINAL);
    assert_int_equal(cnt.restart_count, 0);
    assert_int_equal(cnt.failover_count, 0);
}

static void test_reboot_limit(void **state)
{
    (void)state;
    clp_monitor_t m = mon(0, 0, 5);
    rec_input_t in = active();
    in.max_reboot = 2;
    in.reboots_done = 2;
    rec_counters_t cnt = {0};
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_REBOOT_LIMIT);
    assert_int_equal(cnt.final_count, 0);
    /* "Stop group" is not limited by the reboot count. */
    m.action = 2;
    assert_int_equal(recovery_next(&m, &in, &cnt).step, REC_FINAL);
    in.reboots_done = 1;
    m.action = 5;
    cnt = (rec_counters_t){0};
    assert_int_equal(recovery_next(&m, &in, &cnt).step, REC_FINAL);
}

static void test_preaction_script_count(void **state)
{
    (void)state;
    clp_monitor_t m = mon(2, 0, 1);
    m.preaction_use = 1;
    m.th_script = 1;
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_true(d.run_script);
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_RESTART);
    assert_false(d.run_script);
    assert_int_equal(cnt.script_count, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence_3_1_stop_group),
        cmocka_unit_test(test_exhausted_no_operation),
        cmocka_unit_test(test_no_other_server_goes_to_final),
        cmocka_unit_test(test_counters_are_per_server),
        cmocka_unit_test(test_timeout_switches),
        cmocka_unit_test(test_norecovery_and_inactive),
        cmocka_unit_test(test_reboot_limit),
        cmocka_unit_test(test_preaction_script_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

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

/* The recovery script (threshold/script) is a step of its own before the
 * reactivations; the scripts before reactivation / failover / final action
 * come with their step when their switch is on, each with its CLP_ACTION and
 * the step's count. */
static void test_scripts_sequence(void **state)
{
    (void)state;
    clp_monitor_t m = mon(1, 1, 2);
    m.th_script = 2;
    m.preaction_restart = 1;
    m.preaction_failover = 0;
    m.preaction_use = 1;
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    static const struct {
        rec_step_t step;
        bool script;
        const char *action;
        int count;
    } want[] = {
        {REC_SCRIPT, true, "RECOVERY", 1}, {REC_SCRIPT, true, "RECOVERY", 2},
        {REC_RESTART, true, "RESTART", 1}, {REC_FAILOVER, false, "FAILOVER", 1},
        {REC_FINAL, true, "FINALACTION", 1},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        rec_decision_t d = recovery_next(&m, &in, &cnt);
        assert_int_equal(d.step, want[i].step);
        assert_int_equal(d.run_script, want[i].script);
        assert_string_equal(d.action, want[i].action);
        assert_int_equal(d.count, want[i].count);
    }
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_FINAL_DONE);
    assert_false(d.run_script);
    assert_int_equal(cnt.script_count, 2);
    assert_int_equal(cnt.restart_count, 1);
    assert_int_equal(cnt.failover_count, 1);
    assert_int_equal(cnt.final_count, 1);
}

/* The switches before each step are independent; none on: no script at all. */
static void test_scripts_off(void **state)
{
    (void)state;
    clp_monitor_t m = mon(2, 1, 3);
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    for (int i = 0; i < 4; i++) {
        rec_decision_t d = recovery_next(&m, &in, &cnt);
        assert_int_not_equal(d.step, REC_SCRIPT);
        assert_false(d.run_script);
    }
    assert_int_equal(cnt.script_count, 0);
    /* Only "before failover": the reactivations come without it. */
    m.preaction_failover = 1;
    cnt = (rec_counters_t){0};
    assert_false(recovery_next(&m, &in, &cnt).run_script);
    assert_false(recovery_next(&m, &in, &cnt).run_script);
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FAILOVER);
    assert_true(d.run_script);
    assert_false(recovery_next(&m, &in, &cnt).run_script); /* final action: "use" is off */
}

/* LocalServer: the recovery scripts, then the final action with its script. */
static void test_scripts_local_server(void **state)
{
    (void)state;
    clp_monitor_t m = mon(3, 1, 3);
    m.rel_type = CLP_REL_CLS;
    m.th_script = 1;
    m.preaction_use = 1;
    rec_input_t in = active();
    in.target_active = false; /* never asked for LocalServer */
    rec_counters_t cnt = {0};
    assert_int_equal(recovery_next(&m, &in, &cnt).step, REC_SCRIPT);
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FINAL);
    assert_true(d.run_script);
    assert_string_equal(d.action, "FINALACTION");
}

/* A skip runs no script and counts nothing. */
static void test_scripts_not_on_skip(void **state)
{
    (void)state;
    clp_monitor_t m = mon(1, 0, 1);
    m.th_script = 1;
    rec_input_t in = active();
    rec_counters_t cnt = {0};
    in.target_active = false;
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.skip, REC_SKIP_INACTIVE);
    assert_false(d.run_script);
    in.target_active = true;
    in.norecovery = true;
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.skip, REC_SKIP_NORECOVERY);
    assert_false(d.run_script);
    in.norecovery = false;
    in.timeout = true;
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.skip, REC_SKIP_TIMEOUT);
    assert_int_equal(cnt.script_count, 0);
    assert_int_equal(cnt.restart_count, 0);
}

/* cluster/survive/monitor: an OS-stopping final action is suppressed while
 * no other server runs normally (rm 200); it is not counted as done, so it
 * runs at a later error once another server is back. Stop group / stop the
 * cluster service do not stop the OS and are never suppressed. */
static void test_final_action_suppressed(void **state)
{
    (void)state;
    clp_monitor_t m = mon(0, 0, 5);
    m.preaction_use = 1;
    rec_input_t in = active();
    in.other_server = false;
    in.other_normal = false;
    in.suppress_final = true;
    rec_counters_t cnt = {0};
    rec_decision_t d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_NONE);
    assert_int_equal(d.skip, REC_SKIP_SUPPRESSED);
    assert_false(d.run_script);
    assert_int_equal(cnt.final_count, 0);
    in.other_normal = true;
    d = recovery_next(&m, &in, &cnt);
    assert_int_equal(d.step, REC_FINAL);
    assert_true(d.run_script);
    for (int a = 1; a <= 16; a++) {
        if (a == 6 || a == 7) {
            continue;
        }
        m.action = a;
        cnt = (rec_counters_t){0};
        in.other_normal = false;
        d = recovery_next(&m, &in, &cnt);
        bool os = a == 4 || a == 5 || (a >= 8 && a <= 15);
        assert_int_equal(recovery_final_stops_os(a), os);
        if (a == 1) {
            assert_int_equal(d.skip, REC_SKIP_EXHAUSTED);
        } else if (os) {
            assert_int_equal(d.skip, REC_SKIP_SUPPRESSED);
        } else {
            assert_int_equal(d.step, REC_FINAL);
        }
        /* the switch off: never suppressed */
        in.suppress_final = false;
        cnt = (rec_counters_t){0};
        assert_int_equal(recovery_next(&m, &in, &cnt).step, a == 1 ? REC_NONE : REC_FINAL);
        in.suppress_final = true;
    }
    assert_string_equal(recovery_final_name(5), "stop the cluster service and reboot OS");
    assert_string_equal(recovery_final_name(7), "final action");
}

/* The monitor delay warning rate: 0 warns at every check (even one of 0 ms),
 * 100 never (a check can only end before its timeout), otherwise from the
 * rate's share of the timeout on. */
static void test_delay_warning_rate(void **state)
{
    (void)state;
    assert_true(recovery_check_delayed(0, 3000, 0));
    assert_true(recovery_check_delayed(1, 3000, 0));
    assert_false(recovery_check_delayed(2999, 3000, 100));
    assert_false(recovery_check_delayed(3000, 3000, 100));
    assert_false(recovery_check_delayed(2399, 3000, 80));
    assert_true(recovery_check_delayed(2400, 3000, 80));
    assert_true(recovery_check_delayed(2999, 3000, 80));
    assert_false(recovery_check_delayed(29, 3000, 1));
    assert_true(recovery_check_delayed(30, 3000, 1));
    /* large timeouts (999999 s × a ratio) do not overflow */
    assert_false(recovery_check_delayed(4000000000u, 4200000000u, 99));
    assert_true(recovery_check_delayed(4158000000u, 4200000000u, 99));
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
        cmocka_unit_test(test_scripts_sequence),
        cmocka_unit_test(test_scripts_off),
        cmocka_unit_test(test_scripts_local_server),
        cmocka_unit_test(test_scripts_not_on_skip),
        cmocka_unit_test(test_final_action_suppressed),
        cmocka_unit_test(test_delay_warning_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

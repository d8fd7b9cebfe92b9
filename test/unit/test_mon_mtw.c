/* Unit tests for mtw's decision over its members' states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/mtw.c"

static int verdict(const Clp__MonitorState *s, int n)
{
    mtw_tally_t t = {0};
    for (int i = 0; i < n; i++) {
        mtw_count(&t, s[i]);
    }
    return mtw_verdict(&t);
}

static void test_verdict(void **state)
{
    (void)state;
    const Clp__MonitorState N = CLP__MONITOR_STATE__MON_NORMAL, C = CLP__MONITOR_STATE__MON_CAUTION,
                            E = CLP__MONITOR_STATE__MON_ERROR, O = CLP__MONITOR_STATE__MON_OFFLINE,
                            S = CLP__MONITOR_STATE__MON_SUSPEND;
    assert_int_equal(verdict((Clp__MonitorState[]){N, N}, 2), MON_CHECK_OK);
    assert_int_equal(verdict((Clp__MonitorState[]){N, E}, 2), MON_CHECK_WARN);
    assert_int_equal(verdict((Clp__MonitorState[]){C, E}, 2), MON_CHECK_WARN);
    assert_int_equal(verdict((Clp__MonitorState[]){E, E}, 2), MON_CHECK_ERROR);
    assert_int_equal(verdict((Clp__MonitorState[]){E, O}, 2), MON_CHECK_ERROR);
    assert_int_equal(verdict((Clp__MonitorState[]){E, S}, 2), MON_CHECK_ERROR);
    assert_int_equal(verdict((Clp__MonitorState[]){O, O}, 2), MON_CHECK_OK);
    assert_int_equal(verdict((Clp__MonitorState[]){N, O}, 2), MON_CHECK_OK);
    assert_int_equal(verdict((Clp__MonitorState[]){E}, 1), MON_CHECK_ERROR);
    assert_true(is_member_key("parameters/object@0/name"));
    assert_true(is_member_key("parameters/object@12/name"));
    assert_false(is_member_key("parameters/object@0/other"));
    assert_false(is_member_key("parameters/list@0/name"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for volmgrw's reading of vgs and lvs output (LVM itself cannot
 * run here: the kernel has no device-mapper). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/volmgrw.c"

static void test_vg(void **state)
{
    (void)state;
    char why[256];
    const char *out = "  WARNING: something on stderr\n  vg01|wz--n-\n  vg02|wz-pn-\n"
                      "  vg03|wzx-n-\n";
    assert_int_equal(volmgrw_vg_ok(out, "vg01", why, sizeof(why)), 0);
    assert_int_equal(volmgrw_vg_ok(out, "vg02", why, sizeof(why)), -1);
    assert_string_equal(why, "volume group vg02 is partial (a physical volume is missing)");
    assert_int_equal(volmgrw_vg_ok(out, "vg03", why, sizeof(why)), -1);
    assert_string_equal(why, "volume group vg03 is exported");
    assert_int_equal(volmgrw_vg_ok(out, "vg0", why, sizeof(why)), -1);
    assert_string_equal(why, "volume group vg0 is not found");
    assert_int_equal(volmgrw_vg_ok("", "vg01", why, sizeof(why)), -1);
}

static void test_lvs(void **state)
{
    (void)state;
    char why[256];
    int n;
    assert_int_equal(
        volmgrw_lvs_ok("  lv1|-wi-a-----\n  lv2|-wi-ao----\n", "vg01", &n, why, sizeof(why)), 0);
    assert_int_equal(n, 2);
    assert_int_equal(volmgrw_lvs_ok("", "vg01", &n, why, sizeof(why)), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        volmgrw_lvs_ok("  lv1|-wi-a-----\n  lv2|-wi-------\n", "vg01", &n, why, sizeof(why)), -1);
    assert_string_equal(why, "logical volume vg01/lv2 is not active (lv_attr -wi-------)");
    assert_int_equal(volmgrw_lvs_ok("  lv3|-wi-s-----\n", "vg01", &n, why, sizeof(why)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vg),
        cmocka_unit_test(test_lvs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the message catalogue: formatting and uniqueness of IDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clp_msgcat.h"

static void test_format(void **state)
{
    char out[128];
    const char *args[] = {"failover1", "srv2", NULL};
    clp_msgcat_format("Group %1 moved to %2 (%3).", args, out, sizeof(out));
    assert_string_equal(out, "Group failover1 moved to srv2 ().");
    size_t n = clp_msgcat_format("%1%1%1", args, out, 8);
    assert_int_equal(n, 27);
    assert_int_equal(strlen(out), 7);
}

static void test_unique_and_complete(void **state)
{
    const clp_msgdef_t *all = clp_msgcat_all();
    for (const clp_msgdef_t *a = all; a->module; a++) {
        assert_true(a->level >= 1 && a->level <= 3);
        assert_true(a->dest != 0);
        assert_non_null(a->text);
        for (const clp_msgdef_t *b = a + 1; b->module; b++) {
            if (a->id == b->id && strcmp(a->module, b->module) == 0) {
                fail_msg("duplicate catalogue row %s %u", a->module, a->id);
            }
        }
    }
    assert_non_null(clp_msgcat_find("pm", 1));
    assert_null(clp_msgcat_find("pm", 9999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_unique_and_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the message catalogue: the formatter (%n and the printf
 * conversions some rows keep), level names, and the table itself: no
 * duplicate (module, id), valid levels and destinations, rows of the X4.2
 * list with their documented identity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
    /* a '%' that is no placeholder stays as it is */
    clp_msgcat_format("rate=%5 (100%)", args, out, sizeof(out));
    assert_string_equal(out, "rate= (100%)");
}

static void test_format_printf_forms(void **state)
{
    char out[160];
    const char *a1[] = {"failover1", "31", NULL};
    clp_msgcat_format(clp_msgcat_find("apisv", 130)->text, a1, out, sizeof(out));
    assert_string_equal(out, "A request to start group(failover1) was failed(0x0000001f).");
    const char *a2[] = {"timeout", "mx1", NULL};
    clp_msgcat_format(clp_msgcat_find("mail", 5)->text, a2, out, sizeof(out));
    assert_string_equal(out, "mail failed(timeout).(SMTP server: mx1)");
    const char *a3[] = {"255", NULL};
    clp_msgcat_format(clp_msgcat_find("monp", 7)->text, a3, out, sizeof(out));
    assert_string_equal(out, "Attempted to stop the system. but failed. (status=0xff)");
    const char *a4[] = {"not-a-number", NULL};
    clp_msgcat_format("x=%08x", a4, out, sizeof(out));
    assert_string_equal(out, "x=not-a-number");
    const char *a5[] = {"7", NULL};
    clp_msgcat_format("[%05d]", a5, out, sizeof(out));
    assert_string_equal(out, "[00007]");
}

static void test_levels(void **state)
{
    assert_int_equal(clp_msgcat_parse_level("INFO"), CLP_LVL_INFO);
    assert_int_equal(clp_msgcat_parse_level("warn"), CLP_LVL_WARNING);
    assert_int_equal(clp_msgcat_parse_level("WARNING"), CLP_LVL_WARNING);
    assert_int_equal(clp_msgcat_parse_level("ERR"), CLP_LVL_ERROR);
    assert_int_equal(clp_msgcat_parse_level("error"), CLP_LVL_ERROR);
    assert_true(clp_msgcat_parse_level("loud") < 0);
    assert_true(clp_msgcat_parse_level(NULL) < 0);
    assert_string_equal(clp_msgcat_level_name(CLP_LVL_WARNING), "WARNING");
    assert_int_equal(clp_msgcat_level_letter(CLP_LVL_ERROR), 'E');
}

static void test_unique_and_valid(void **state)
{
    const clp_msgdef_t *all = clp_msgcat_all();
    const unsigned dests = CLP_DEST_ALERT | CLP_DEST_SYSLOG | CLP_DEST_MAIL | CLP_DEST_TRAP;
    size_t n = 0;
    for (const clp_msgdef_t *a = all; a->module; a++, n++) {
        assert_true(a->level >= 1 && a->level <= 3);
        assert_int_equal(a->dest & ~dests, 0);
        /* mail and trap only together with the alert log, as in the list */
        if (a->dest & (CLP_DEST_MAIL | CLP_DEST_TRAP)) {
            assert_int_equal(a->dest, dests);
        }
        assert_non_null(a->text);
        assert_true(a->text[0] != '\0');
        assert_true(strlen(a->module) < 16);
        for (const clp_msgdef_t *b = a + 1; b->module; b++) {
            if (a->id == b->id && strcmp(a->module, b->module) == 0) {
                fail_msg("duplicate catalogue row %s %u", a->module, a->id);
            }
        }
    }
    assert_int_equal(n, clp_msgcat_count());
    assert_true(n > 450);
    assert_null(clp_msgcat_find("pm", 9999));
    assert_null(clp_msgcat_find(NULL, 1));
}

/* A sample of rows checked against the X4.2 list (text, level, destinations). */
static void test_documented_rows(void **state)
{
    static const struct {
        const char *module;
        unsigned id;
        int level;
        unsigned dest;
        const char *text;
    } rows[] = {
        {"pm", 1, CLP_LVL_INFO, 3, "Starting the cluster daemon..."},
        {"pm", 11, CLP_LVL_ERROR, 15, "A critical error occurred in the cluster daemon."},
        {"nm", 2, CLP_LVL_INFO, 15, "Server %1 has been stopped."},
        {"nm", 30, CLP_LVL_ERROR, 3,
         "Network partition was detected. Shut down the server %1 to protect data."},
        {"rc", 30, CLP_LVL_INFO, 2, "Activating %1 resource has started."},
        {"rc", 32, CLP_LVL_ERROR, 15, "Activating %1 resource has failed.(%2 : %3)"},
        {"rc", 61, CLP_LVL_INFO, 3, "Failover group %1 has completed."},
        {"rc", 92, CLP_LVL_ERROR, 15, "Group %1 has started on more than one server."},
        {"rc", 350, CLP_LVL_INFO, 0, "Group %1 started to check the double activation."},
        {"rm", 9, CLP_LVL_ERROR, 15, "Detected an error in monitoring %1. (%2 : %3)"},
        {"mm", 12, CLP_LVL_INFO, 3,
         "Recovery target %1 has stopped because an error was detected in monitoring %2."},
        {"mm", 905, CLP_LVL_ERROR, 15, "An error has been detected in monitoring %1. (%2)"},
        {"trnsv", 40, CLP_LVL_INFO, 1, "Script before action of monitoring %1 has been executed."},
        {"trnsv", 50, CLP_LVL_ERROR, 2,
         "The system will be shutdown because cluster resume was failed."},
        {"lanhb", 72, CLP_LVL_WARNING, 0,
         "Heartbeats sent from HB resource %1 are delayed.(server=%2 timeout=%3*%4 "
         "actual-time=%5 delay warning rate=%6)"},
        {"cl", 18, CLP_LVL_WARNING, 3,
         "Automatic start is suspended because the cluster service was not stopped according "
         "to the normal procedure."},
        {"apisv", 170, CLP_LVL_ERROR, 3, "A request to set CPU frequency was failed(0x%08x)."},
        {"cfmgr", 1, CLP_LVL_INFO, 3, "The cluster configuration data has been uploaded by %1."},
        {"monp", 1, CLP_LVL_ERROR, 3,
         "An error occurred when initializing monitored process %1. (status=%2)"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const clp_msgdef_t *d = clp_msgcat_find(rows[i].module, rows[i].id);
        if (!d) {
            fail_msg("missing row %s %u", rows[i].module, rows[i].id);
        }
        assert_int_equal(d->level, rows[i].level);
        assert_int_equal(d->dest, rows[i].dest);
        assert_string_equal(d->text, rows[i].text);
    }
}

/* Every module type the product has use for is present. */
static void test_module_types(void **state)
{
    static const char *const mods[] = {"pm",     "nm",     "rc",    "rm",    "mm",     "cl",
                                       "down",   "monp",   "trnsv", "cfmgr", "webmgr", "lanhb",
                                       "lankhb", "diskhb", "comhb", "userw", "fip",    "vip",
                                       "disk",   "apisv",  "mail",  "vipw",  "ddnsw"};
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        bool found = false;
        for (const clp_msgdef_t *d = clp_msgcat_all(); d->module && !found; d++) {
            found = strcmp(d->module, mods[i]) == 0;
        }
        if (!found) {
            fail_msg("no row of module type %s", mods[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),          cmocka_unit_test(test_format_printf_forms),
        cmocka_unit_test(test_levels),          cmocka_unit_test(test_unique_and_valid),
        cmocka_unit_test(test_documented_rows), cmocka_unit_test(test_module_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

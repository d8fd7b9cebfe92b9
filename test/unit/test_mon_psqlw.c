/* Unit tests for psqlw's pure parts: the steps of each monitor level, the SQL
 * of each step, the identifier check and the create/drop table's name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/psqlw.c"

/* The statements of level, joined by "; " (conditional steps included). */
static void plan(int level, char *out, size_t n)
{
    const dbw_step_t *s;
    int k = dbw_steps(&psqlw_dialect, level, &s);
    assert_true(k > 0);
    out[0] = '\0';
    dbw_sql_args_t a = {.table = "psqlwatch", .tmp = "psqlwatch_srv1", .value = 42};
    for (int i = 0; i < k; i++) {
        char sql[512];
        assert_int_equal(psqlw_sql(s[i], &a, sql, sizeof(sql)), 0);
        strncat(out, i ? "; " : "", n - strlen(out) - 1);
        strncat(out, sql, n - strlen(out) - 1);
    }
}

static void test_levels(void **state)
{
    (void)state;
    char p[2048];
    plan(PSQLW_SELECT, p, sizeof(p));
    assert_string_equal(p, "SELECT count(*) FROM psqlwatch");
    plan(PSQLW_UPDATE, p, sizeof(p));
    assert_string_equal(p,
                        "SELECT to_regclass('psqlwatch') IS NOT NULL; "
                        "CREATE TABLE IF NOT EXISTS psqlwatch (num integer NOT NULL PRIMARY KEY); "
                        "BEGIN; LOCK TABLE psqlwatch IN SHARE ROW EXCLUSIVE MODE; "
                        "UPDATE psqlwatch SET num = 42; INSERT INTO psqlwatch (num) VALUES (42); "
                        "SELECT num FROM psqlwatch WHERE num = 42; COMMIT");
    plan(PSQLW_CREATEDROP, p, sizeof(p));
    assert_string_equal(p,
                        "DROP TABLE IF EXISTS psqlwatch_srv1; "
                        "CREATE TABLE psqlwatch_srv1 (num integer NOT NULL PRIMARY KEY); "
                        "INSERT INTO psqlwatch_srv1 (num) VALUES (42); "
                        "SELECT num FROM psqlwatch_srv1 WHERE num = 42; DROP TABLE psqlwatch_srv1");
    const dbw_step_t *s;
    assert_int_equal(dbw_steps(&psqlw_dialect, 2, &s), -1);
    assert_int_equal(psqlw_sql(DBW_STATUS, &(dbw_sql_args_t){.table = "t"}, p, sizeof(p)), -1);
    char tiny[8];
    volatile size_t tn = sizeof(tiny); /* a size the compiler does not see */
    dbw_sql_args_t a = {.table = "psqlwatch", .tmp = "", .value = 1};
    assert_int_equal(psqlw_sql(DBW_SELECT, &a, tiny, tn), -1);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(dbw_ident_ok(&psqlw_dialect, "psqlwatch"));
    assert_true(dbw_ident_ok(&psqlw_dialect, "_t1"));
    assert_false(dbw_ident_ok(&psqlw_dialect, ""));
    assert_false(dbw_ident_ok(&psqlw_dialect, "1t"));
    assert_false(dbw_ident_ok(&psqlw_dialect, "t; DROP TABLE x"));
    assert_false(dbw_ident_ok(&psqlw_dialect, "t'"));
    assert_false(dbw_ident_ok(&psqlw_dialect,
                              "a234567890123456789012345678901234567890123456789012345678901234"));
    char out[64];
    dbw_tmp_table(&psqlw_dialect, "psqlwatch", "server-1.example", out, sizeof(out));
    assert_string_equal(out, "psqlwatch_server_1_example");
    dbw_tmp_table(&psqlw_dialect, "t",
                  "a234567890123456789012345678901234567890123456789012345678901234567", out,
                  sizeof(out));
    assert_int_equal(strlen(out), 32); /* "t", "_" and 30 of the server's: half of 63 */
    /* a table name of the maximum length: cut, so that the whole stays in 63
     * characters and is not the monitor table (level 1 drops it) */
    const char *longest = "a23456789012345678901234567890123456789012345678901234567890123";
    dbw_tmp_table(&psqlw_dialect, longest, "srv1", out, sizeof(out));
    assert_int_equal(strlen(out), 63);
    assert_string_not_equal(out, longest);
    assert_string_equal(out + 58, "_srv1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

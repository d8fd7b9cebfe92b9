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
    psqlw_step_t s[16];
    int k = psqlw_steps(level, s, 16);
    assert_true(k > 0);
    out[0] = '\0';
    for (int i = 0; i < k; i++) {
        char sql[PSQLW_SQL_MAX];
        assert_int_equal(psqlw_sql(s[i], "psqlwatch", "psqlwatch_srv1", 42, sql, sizeof(sql)), 0);
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
    psqlw_step_t s[16];
    assert_int_equal(psqlw_steps(2, s, 16), -1);
    assert_int_equal(psqlw_steps(PSQLW_UPDATE, s, 2), -1);
    char tiny[8];
    volatile size_t tn = sizeof(tiny); /* a size the compiler does not see */
    assert_int_equal(psqlw_sql(ST_SELECT, "psqlwatch", "", 1, tiny, tn), -1);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(psqlw_ident_ok("psqlwatch"));
    assert_true(psqlw_ident_ok("_t1"));
    assert_false(psqlw_ident_ok(""));
    assert_false(psqlw_ident_ok("1t"));
    assert_false(psqlw_ident_ok("t; DROP TABLE x"));
    assert_false(psqlw_ident_ok("t'"));
    assert_false(
        psqlw_ident_ok("a234567890123456789012345678901234567890123456789012345678901234"));
    char out[64];
    psqlw_tmp_table("psqlwatch", "server-1.example", out, sizeof(out));
    assert_string_equal(out, "psqlwatch_server_1_example");
    psqlw_tmp_table("t", "a234567890123456789012345678901234567890123456789012345678901234567", out,
                    sizeof(out));
    assert_int_equal(strlen(out), 63);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

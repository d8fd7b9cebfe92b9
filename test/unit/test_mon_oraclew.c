/* Unit tests for oraclew's pure parts (the monitor itself is untested here: no
 * Oracle in Debian): the steps of each monitor level and their SQL, and that a
 * missing OCI library is a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/oraclew.c"

static void plan(int level, char *out, size_t n)
{
    const dbw_step_t *s;
    int k = dbw_steps(&oraclew_dialect, level, &s);
    assert_true(k > 0);
    out[0] = '\0';
    dbw_sql_args_t a = {.table = "orawatch", .tmp = "orawatch_srv1", .value = 42};
    for (int i = 0; i < k; i++) {
        char sql[512];
        assert_int_equal(oraclew_sql(s[i], &a, sql, sizeof(sql)), 0);
        strncat(out, i ? "; " : "", n - strlen(out) - 1);
        strncat(out, sql, n - strlen(out) - 1);
    }
}

static void test_levels(void **state)
{
    (void)state;
    char p[2048];
    plan(ORA_STATUS, p, sizeof(p));
    assert_string_equal(p, "SELECT status FROM v$instance");
    plan(ORA_SELECT, p, sizeof(p));
    assert_string_equal(p, "SELECT COUNT(*) FROM orawatch");
    plan(ORA_UPDATE, p, sizeof(p));
    assert_string_equal(p, "SELECT COUNT(*) FROM user_tables WHERE table_name = UPPER('orawatch'); "
                           "CREATE TABLE orawatch (num NUMBER(10) NOT NULL PRIMARY KEY); "
                           "UPDATE orawatch SET num = 42 WHERE ROWNUM = 1; "
                           "INSERT INTO orawatch (num) VALUES (42); "
                           "SELECT COUNT(*) FROM orawatch WHERE num = 42; COMMIT");
    plan(ORA_CREATEDROP, p, sizeof(p));
    assert_string_equal(p, "BEGIN EXECUTE IMMEDIATE 'DROP TABLE orawatch_srv1 PURGE'; "
                           "EXCEPTION WHEN OTHERS THEN NULL; END;; "
                           "CREATE TABLE orawatch_srv1 (num NUMBER(10) NOT NULL PRIMARY KEY); "
                           "INSERT INTO orawatch_srv1 (num) VALUES (42); "
                           "SELECT COUNT(*) FROM orawatch_srv1 WHERE num = 42; "
                           "DROP TABLE orawatch_srv1 PURGE");
    const dbw_step_t *s;
    assert_int_equal(dbw_steps(&oraclew_dialect, 4, &s), -1);
    assert_true(is_query(DBW_STATUS));
    assert_false(is_query(DBW_UPDATE));
    assert_true(dbw_ident_ok(&oraclew_dialect, "orawatch"));
    assert_false(dbw_ident_ok(&oraclew_dialect, "_x"));
    assert_false(dbw_ident_ok(&oraclew_dialect, "a234567890123456789012345678901"));
}

static void test_no_library(void **state)
{
    (void)state;
    oci_api_t o;
    fflush(stdout);
    assert_int_equal(oci_load(&o, "/nonexistent/libclntsh.so"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_no_library),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

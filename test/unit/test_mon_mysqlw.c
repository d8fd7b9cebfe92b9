/* Unit tests for mysqlw's pure parts: the steps of each monitor level, the SQL
 * of each step (with the storage engine), identifiers and table names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/mysqlw.c"

static void plan(int level, char *out, size_t n)
{
    const dbw_step_t *s;
    int k = dbw_steps(&mysqlw_dialect, level, &s);
    assert_true(k > 0);
    out[0] = '\0';
    dbw_sql_args_t a = {
        .table = "mysqlwatch", .tmp = "mysqlwatch_srv1", .opt = "InnoDB", .value = 42};
    for (int i = 0; i < k; i++) {
        char sql[512];
        assert_int_equal(mysqlw_sql(s[i], &a, sql, sizeof(sql)), 0);
        strncat(out, i ? "; " : "", n - strlen(out) - 1);
        strncat(out, sql, n - strlen(out) - 1);
    }
}

static void test_levels(void **state)
{
    (void)state;
    char p[2048];
    plan(MYSQLW_SELECT, p, sizeof(p));
    assert_string_equal(p, "SELECT COUNT(*) FROM mysqlwatch");
    plan(MYSQLW_UPDATE, p, sizeof(p));
    assert_string_equal(p, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                           "DATABASE() AND table_name = 'mysqlwatch'; "
                           "CREATE TABLE IF NOT EXISTS mysqlwatch (num INT NOT NULL PRIMARY KEY) "
                           "ENGINE=InnoDB; UPDATE mysqlwatch SET num = 42 LIMIT 1; "
                           "INSERT INTO mysqlwatch (num) VALUES (42); "
                           "SELECT num FROM mysqlwatch WHERE num = 42");
    plan(MYSQLW_CREATEDROP, p, sizeof(p));
    assert_string_equal(p, "DROP TABLE IF EXISTS mysqlwatch_srv1; "
                           "CREATE TABLE mysqlwatch_srv1 (num INT NOT NULL PRIMARY KEY) "
                           "ENGINE=InnoDB; INSERT INTO mysqlwatch_srv1 (num) VALUES (42); "
                           "SELECT num FROM mysqlwatch_srv1 WHERE num = 42; "
                           "DROP TABLE mysqlwatch_srv1");
    const dbw_step_t *s;
    assert_int_equal(dbw_steps(&mysqlw_dialect, 2, &s), -1);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(dbw_ident_ok(&mysqlw_dialect, "mysqlwatch"));
    assert_true(dbw_ident_ok(&mysqlw_dialect, "MyISAM"));
    assert_false(dbw_ident_ok(&mysqlw_dialect, "InnoDB; DROP"));
    assert_false(dbw_ident_ok(&mysqlw_dialect, "`t`"));
    char out[80];
    dbw_tmp_table(&mysqlw_dialect, "mysqlwatch", "srv 2", out, sizeof(out));
    assert_string_equal(out, "mysqlwatch_srv_2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

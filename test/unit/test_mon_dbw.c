/* Unit tests for dbw, what the database monitors share: the level -> steps
 * choice, identifier rules, the create/drop table's name, the configuration
 * check and the step loop, driven with a fake dialect and a fake database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../services/core/mon.h"
#include "../../services/core/monitors/dbw.h"

static const char *const step_names[] = {"STATUS",     "EXISTS",       "CREATE",  "BEGIN",
                                         "LOCK",       "UPDATE",       "INSERT",  "READBACK",
                                         "COMMIT",     "SELECT",       "DROP_IF", "CREATE_TMP",
                                         "INSERT_TMP", "READBACK_TMP", "DROP_TMP"};

/* The fake dialect's SQL: "<STEP> <table or tmp> <value>"; DBW_LOCK is not its. */
static int fake_sql(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n)
{
    if (step == DBW_LOCK) {
        return -1;
    }
    bool tmp = step >= DBW_DROP_IF;
    int r = snprintf(out, n, "%s %s %ld", step_names[step], tmp ? a->tmp : a->table, a->value);
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

static const dbw_step_t upd[] = {DBW_EXISTS, DBW_CREATE, DBW_UPDATE, DBW_INSERT, DBW_READBACK};
static const dbw_step_t cd[] = {DBW_DROP_IF, DBW_CREATE_TMP, DBW_INSERT_TMP, DBW_READBACK_TMP,
                                DBW_DROP_TMP};
static const dbw_step_t sta[] = {DBW_STATUS};
static const dbw_step_t sel[] = {DBW_SELECT};
static const dbw_step_t bad[] = {DBW_SELECT, DBW_LOCK, DBW_SELECT};
static const dbw_level_t levels[] = {
    DBW_LEVEL(0, upd), DBW_LEVEL(1, cd), DBW_LEVEL(2, sta), DBW_LEVEL(3, sel), DBW_LEVEL(7, bad),
};

static const dbw_dialect_t rows_dialect = {
    .levels = levels,
    .nlevels = 4, /* level 7 only where a test asks for it */
    .ident_max = 8,
    .sql = fake_sql,
};

static const dbw_dialect_t count_dialect = {
    .levels = levels,
    .nlevels = 5,
    .ident_max = 8,
    .ident_letter_first = true,
    .readback_counts = true,
    .sql = fake_sql,
};

/* The fake database: what each step returns, and the statements it ran. */
typedef struct {
    dbw_result_t answer[DBW_DROP_TMP + 1];
    int verdict[DBW_DROP_TMP + 1];
    char ran[1024];
    int calls;
} fake_db_t;

static int fake_exec(void *conn, dbw_step_t step, const char *sql, dbw_result_t *res)
{
    fake_db_t *db = conn;
    assert_int_equal(res->rows, 0);
    assert_int_equal(res->affected, 0);
    assert_string_equal(res->first, "");
    db->calls++;
    strncat(db->ran, db->ran[0] ? "; " : "", sizeof(db->ran) - strlen(db->ran) - 1);
    strncat(db->ran, sql, sizeof(db->ran) - strlen(db->ran) - 1);
    *res = db->answer[step];
    return db->verdict[step];
}

/* Runs fn with stdout going into out (the text a check reports). */
static int captured(int (*fn)(void *), void *arg, char *out, size_t n)
{
    fflush(stdout);
    FILE *f = tmpfile();
    assert_non_null(f);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fileno(f), STDOUT_FILENO), STDOUT_FILENO);
    int r = fn(arg);
    fflush(stdout);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    rewind(f);
    size_t k = fread(out, 1, n - 1, f);
    out[k] = '\0';
    fclose(f);
    return r;
}

static void test_steps(void **state)
{
    (void)state;
    const dbw_step_t *s = NULL;
    assert_int_equal(dbw_steps(&rows_dialect, 0, &s), 5);
    assert_ptr_equal(s, upd);
    assert_int_equal(dbw_steps(&rows_dialect, 3, &s), 1);
    assert_int_equal(s[0], DBW_SELECT);
    assert_int_equal(dbw_steps(&rows_dialect, 1, &s), 5);
    assert_int_equal(s[4], DBW_DROP_TMP);
    assert_int_equal(dbw_steps(&rows_dialect, 4, &s), -1);
    assert_int_equal(dbw_steps(&rows_dialect, -1, &s), -1);
    assert_int_equal(dbw_steps(&rows_dialect, 7, &s), -1); /* past nlevels */
    assert_int_equal(dbw_steps(&count_dialect, 7, &s), 3);
}

static void test_ident(void **state)
{
    (void)state;
    assert_true(dbw_ident_ok(&rows_dialect, "t"));
    assert_true(dbw_ident_ok(&rows_dialect, "abcdefgh")); /* exactly ident_max */
    assert_false(dbw_ident_ok(&rows_dialect, "abcdefghi"));
    assert_true(dbw_ident_ok(&rows_dialect, "_t1"));
    assert_true(dbw_ident_ok(&rows_dialect, "T_9"));
    assert_false(dbw_ident_ok(&rows_dialect, NULL));
    assert_false(dbw_ident_ok(&rows_dialect, ""));
    assert_false(dbw_ident_ok(&rows_dialect, "1t"));
    assert_false(dbw_ident_ok(&rows_dialect, "t;x"));
    assert_false(dbw_ident_ok(&rows_dialect, "t'"));
    assert_false(dbw_ident_ok(&rows_dialect, "t x"));
    assert_false(dbw_ident_ok(&rows_dialect, "t-x"));
    assert_false(dbw_ident_ok(&rows_dialect, "\xc3\xa9t"));
    /* letter first: neither '_' nor a digit may start it */
    assert_true(dbw_ident_ok(&count_dialect, "t_1"));
    assert_false(dbw_ident_ok(&count_dialect, "_t1"));
    assert_false(dbw_ident_ok(&count_dialect, "1t"));
    assert_false(dbw_ident_ok(&count_dialect, "abcdefghi"));
}

static void test_tmp_table(void **state)
{
    (void)state;
    char out[64];
    dbw_tmp_table(&rows_dialect, "t", "s-1", out, sizeof(out));
    assert_string_equal(out, "t_s_1");
    /* the server's part is at most half of ident_max (8): "_" and 3 more */
    dbw_tmp_table(&rows_dialect, "t", "server1234", out, sizeof(out));
    assert_string_equal(out, "t_ser");
    /* and cut at the buffer */
    char small[4];
    dbw_tmp_table(&rows_dialect, "t", "server1234", small, sizeof(small));
    assert_string_equal(small, "t_s");
    /* a long table name is cut to make room: never longer than ident_max */
    dbw_tmp_table(&rows_dialect, "abcdefg", "srv", out, sizeof(out));
    assert_string_equal(out, "abcd_srv");
    dbw_tmp_table(&rows_dialect, "abcdefgh", "srv", out, sizeof(out));
    assert_string_equal(out, "abcd_srv");
    /* never the monitor table itself, even when its name ends in the suffix */
    dbw_tmp_table(&rows_dialect, "abcd_srv", "srv", out, sizeof(out));
    assert_string_equal(out, "abcd_srx");
    dbw_tmp_table(&rows_dialect, "t", "", out, sizeof(out));
    assert_string_equal(out, "t_");
}

static void test_truthy_value(void **state)
{
    (void)state;
    assert_true(dbw_truthy("t"));
    assert_true(dbw_truthy("1"));
    assert_true(dbw_truthy("12"));
    assert_false(dbw_truthy("f"));
    assert_false(dbw_truthy("0"));
    assert_false(dbw_truthy(""));
    long v1 = dbw_value_now();
    assert_true(v1 >= 1 && v1 <= 1000000000L);
}

static void test_sql_std(void **state)
{
    (void)state;
    dbw_sql_args_t a = {.table = "t", .tmp = "t_s1", .value = 7};
    char out[128];
    assert_int_equal(dbw_sql_std(DBW_INSERT, &a, out, sizeof(out)), 0);
    assert_string_equal(out, "INSERT INTO t (num) VALUES (7)");
    assert_int_equal(dbw_sql_std(DBW_READBACK_TMP, &a, out, sizeof(out)), 0);
    assert_string_equal(out, "SELECT num FROM t_s1 WHERE num = 7");
    assert_int_equal(dbw_sql_std(DBW_DROP_IF, &a, out, sizeof(out)), 0);
    assert_string_equal(out, "DROP TABLE IF EXISTS t_s1");
    assert_int_equal(dbw_sql_std(DBW_COMMIT, &a, out, sizeof(out)), 0);
    assert_string_equal(out, "COMMIT");
    /* no standard form: the dialect's own */
    assert_int_equal(dbw_sql_std(DBW_LOCK, &a, out, sizeof(out)), -1);
    assert_int_equal(dbw_sql_std(DBW_CREATE, &a, out, sizeof(out)), -1);
    assert_int_equal(dbw_sql_std(DBW_STATUS, &a, out, sizeof(out)), -1);
    /* a statement that does not fit */
    char tiny[10];
    volatile size_t tn = sizeof(tiny); /* a size the compiler does not see */
    assert_int_equal(dbw_sql_std(DBW_DROP_TMP, &a, tiny, tn), -1);
    assert_int_equal(dbw_sqlf(tiny, tn, "%s", "123456789"), 0);
    assert_int_equal(dbw_sqlf(tiny, tn, "%s", "1234567890"), -1);
}

typedef struct {
    const dbw_dialect_t *d;
    int level;
    const char *table;
    const dbw_step_t *steps;
} plan_call_t;

static int call_plan(void *arg)
{
    plan_call_t *c = arg;
    return dbw_plan(c->d, c->level, c->table, &c->steps);
}

static void test_plan(void **state)
{
    (void)state;
    char out[256];
    plan_call_t c = {&rows_dialect, 0, "t", NULL};
    assert_int_equal(captured(call_plan, &c, out, sizeof(out)), 5);
    assert_ptr_equal(c.steps, upd);
    assert_string_equal(out, "");
    c = (plan_call_t){&rows_dialect, 5, "t", NULL};
    assert_int_equal(captured(call_plan, &c, out, sizeof(out)), -1);
    assert_string_equal(out, "unknown monitor level 5 (parameters/docreatedrop: 0, 1, 2 or 3)");
    c = (plan_call_t){&rows_dialect, 3, "t;DROP", NULL};
    assert_int_equal(captured(call_plan, &c, out, sizeof(out)), -1);
    assert_string_equal(out, "the monitor table name 't;DROP' is not a plain SQL identifier");
    c = (plan_call_t){&rows_dialect, 1, NULL, NULL};
    assert_int_equal(captured(call_plan, &c, out, sizeof(out)), -1);
    assert_string_equal(out, "the monitor table name '' is not a plain SQL identifier");
    /* a level that only asks the instance's state needs no table */
    c = (plan_call_t){&rows_dialect, 2, NULL, NULL};
    assert_int_equal(captured(call_plan, &c, out, sizeof(out)), 1);
    assert_string_equal(out, "");
    /* the level is checked before the table */
    c = (plan_call_t){&rows_dialect, 9, "1bad", NULL};
    assert_int_equal(captured(call_plan, &c, out, sizeof(out)), -1);
    assert_non_null(strstr(out, "unknown monitor level 9"));
}

typedef struct {
    const dbw_dialect_t *d;
    int level;
    fake_db_t *db;
} run_call_t;

static int call_run(void *arg)
{
    run_call_t *c = arg;
    const dbw_step_t *s;
    int n = dbw_steps(c->d, c->level, &s);
    assert_true(n > 0);
    dbw_sql_args_t a = {.table = "t", .tmp = "t_srv1", .value = 42};
    return dbw_run(c->d, s, n, &a, fake_exec, c->db);
}

static void test_run_update(void **state)
{
    (void)state;
    char out[512];
    /* the table is there and has its row: no CREATE, no INSERT */
    fake_db_t db = {0};
    strcpy(db.answer[DBW_EXISTS].first, "1");
    db.answer[DBW_UPDATE].affected = 1;
    db.answer[DBW_READBACK].rows = 1;
    run_call_t c = {&rows_dialect, 0, &db};
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_OK);
    assert_string_equal(db.ran, "EXISTS t 42; UPDATE t 42; READBACK t 42");
    assert_string_equal(out, "");
    /* no table ("f"): created; no row: inserted */
    db = (fake_db_t){0};
    strcpy(db.answer[DBW_EXISTS].first, "f");
    db.answer[DBW_READBACK].rows = 1;
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_OK);
    assert_string_equal(db.ran,
                        "EXISTS t 42; CREATE t 42; UPDATE t 42; INSERT t 42; READBACK t 42");
    /* the value not read back: error, and the statement is named */
    db = (fake_db_t){0};
    strcpy(db.answer[DBW_EXISTS].first, "t");
    db.answer[DBW_UPDATE].affected = 1;
    db.answer[DBW_READBACK].rows = 0;
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_ERROR);
    assert_string_equal(out, "READBACK t 42: 0 rows read back instead of 1");
    /* read back twice is as wrong */
    db = (fake_db_t){0};
    strcpy(db.answer[DBW_EXISTS].first, "t");
    db.answer[DBW_UPDATE].affected = 1;
    db.answer[DBW_READBACK].rows = 2;
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_ERROR);
    assert_string_equal(out, "READBACK t 42: 2 rows read back instead of 1");
}

static void test_run_counts(void **state)
{
    (void)state;
    char out[512];
    /* read-back by COUNT(*): the value counts, not the rows */
    fake_db_t db = {0};
    strcpy(db.answer[DBW_EXISTS].first, "1");
    db.answer[DBW_UPDATE].affected = 1;
    db.answer[DBW_READBACK].rows = 1;
    strcpy(db.answer[DBW_READBACK].first, "0");
    run_call_t c = {&count_dialect, 0, &db};
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_ERROR);
    assert_string_equal(out, "READBACK t 42: 0 rows read back instead of 1");
    strcpy(db.answer[DBW_READBACK].first, "1");
    db.ran[0] = '\0';
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_OK);
    assert_string_equal(db.ran, "EXISTS t 42; UPDATE t 42; READBACK t 42");
    /* create/drop on the server's own table */
    db = (fake_db_t){0};
    strcpy(db.answer[DBW_READBACK_TMP].first, "1");
    c.level = 1;
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_OK);
    assert_string_equal(db.ran, "DROP_IF t_srv1 42; CREATE_TMP t_srv1 42; INSERT_TMP t_srv1 42; "
                                "READBACK_TMP t_srv1 42; DROP_TMP t_srv1 42");
}

static void test_run_stops(void **state)
{
    (void)state;
    char out[512];
    /* the first verdict that is not OK is the check's; nothing runs after it */
    fake_db_t db = {0};
    strcpy(db.answer[DBW_EXISTS].first, "1");
    db.verdict[DBW_UPDATE] = MON_CHECK_WARN;
    run_call_t c = {&rows_dialect, 0, &db};
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_WARN);
    assert_string_equal(db.ran, "EXISTS t 42; UPDATE t 42");
    db = (fake_db_t){0};
    db.verdict[DBW_DROP_IF] = MON_CHECK_ERROR;
    c.level = 1;
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_ERROR);
    assert_int_equal(db.calls, 1);
    /* a statement the dialect cannot write is an error, and not run */
    db = (fake_db_t){0};
    c = (run_call_t){&count_dialect, 7, &db};
    assert_int_equal(captured(call_run, &c, out, sizeof(out)), MON_CHECK_ERROR);
    assert_string_equal(db.ran, "SELECT t 42");
    assert_non_null(strstr(out, "cannot build the statement"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps),      cmocka_unit_test(test_ident),
        cmocka_unit_test(test_tmp_table),  cmocka_unit_test(test_truthy_value),
        cmocka_unit_test(test_sql_std),    cmocka_unit_test(test_plan),
        cmocka_unit_test(test_run_update), cmocka_unit_test(test_run_counts),
        cmocka_unit_test(test_run_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

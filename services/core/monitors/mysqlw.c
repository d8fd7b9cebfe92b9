/*
 * mysqlw: MySQL / MariaDB monitor. Each check is a real session through the
 * MariaDB client library: connect (parameters/ipaddress, port, database,
 * username, password), then the monitor level of parameters/docreatedrop on
 * the table parameters/table (created with parameters/engine):
 *
 *   3  select        SELECT COUNT(*) FROM <table>      (the table must exist)
 *   0  update/select the table is created when missing (num INT primary key);
 *                    UPDATE one row to a new value (INSERT when the table is
 *                    empty), read that value back
 *   1  create/drop   CREATE TABLE <table>_<server>, INSERT, read back, DROP
 *                    (the server's name keeps the servers' monitors apart)
 *
 * The levels' steps, the identifier rules and the loop that runs the steps are
 * dbw's (dbw.h, shared with psqlw and oraclew); this file has the SQL and the
 * client library. The client library is not linked: the check (in its own
 * child process) dlopen()s parameters/libraryfullpath, else Debian's
 * libmariadb.so.3, else libmysqlclient.so.21, so the core runs on a host
 * without it. The password is read as plain text (the original's encrypted
 * form is not decoded).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mon.h"
#include "dbw.h"

enum { MYSQLW_UPDATE = 0, MYSQLW_CREATEDROP = 1, MYSQLW_SELECT = 3 };

static const dbw_step_t upd[] = {DBW_EXISTS, DBW_CREATE, DBW_UPDATE, DBW_INSERT, DBW_READBACK};
static const dbw_step_t sel[] = {DBW_SELECT};
static const dbw_step_t cd[] = {DBW_DROP_IF, DBW_CREATE_TMP, DBW_INSERT_TMP, DBW_READBACK_TMP,
                                DBW_DROP_TMP};
static const dbw_level_t levels[] = {
    DBW_LEVEL(MYSQLW_UPDATE, upd),
    DBW_LEVEL(MYSQLW_CREATEDROP, cd),
    DBW_LEVEL(MYSQLW_SELECT, sel),
};

/* The SQL of step (a->opt: the storage engine; all names already checked)
 * into out: MySQL's own statements, the others standard. Returns 0, or -1
 * when it does not fit. */
static int mysqlw_sql(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n)
{
    switch (step) {
    case DBW_EXISTS:
        return dbw_sqlf(out, n,
                        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                        "DATABASE() AND table_name = '%s'",
                        a->table);
    case DBW_CREATE:
        return dbw_sqlf(out, n,
                        "CREATE TABLE IF NOT EXISTS %s (num INT NOT NULL PRIMARY KEY) ENGINE=%s",
                        a->table, a->opt);
    case DBW_UPDATE:
        return dbw_sqlf(out, n, "UPDATE %s SET num = %ld LIMIT 1", a->table, a->value);
    case DBW_SELECT:
        return dbw_sqlf(out, n, "SELECT COUNT(*) FROM %s", a->table);
    case DBW_CREATE_TMP:
        return dbw_sqlf(out, n, "CREATE TABLE %s (num INT NOT NULL PRIMARY KEY) ENGINE=%s", a->tmp,
                        a->opt);
    default:
        return dbw_sql_std(step, a, out, n);
    }
}

/* ---- the client library, loaded at check time ---- */

typedef struct st_mysql MYSQL;
typedef struct st_mysql_res MYSQL_RES;
typedef char **MYSQL_ROW;
enum { MY_OPT_CONNECT_TIMEOUT = 0, MY_OPT_READ_TIMEOUT = 11, MY_OPT_WRITE_TIMEOUT = 12 };
#define MY_CLIENT_FOUND_ROWS 2UL /* affected rows = rows matched, even when unchanged */

typedef struct {
    void *lib;
    MYSQL *(*init)(MYSQL *m);
    int (*options)(MYSQL *m, int opt, const void *arg);
    MYSQL *(*real_connect)(MYSQL *m, const char *host, const char *user, const char *pass,
                           const char *db, unsigned int port, const char *sock,
                           unsigned long flags);
    int (*query)(MYSQL *m, const char *sql);
    MYSQL_RES *(*store_result)(MYSQL *m);
    unsigned long long (*num_rows)(MYSQL_RES *res);
    MYSQL_ROW (*fetch_row)(MYSQL_RES *res);
    void (*free_result)(MYSQL_RES *res);
    unsigned long long (*affected_rows)(MYSQL *m);
    const char *(*error)(MYSQL *m);
    void (*close)(MYSQL *m);
} my_api_t;

static int my_load(my_api_t *my, const char *path)
{
    static const char *const defaults[] = {"libmariadb.so.3", "libmysqlclient.so.21",
                                           "libmysqlclient.so.20"};
    memset(my, 0, sizeof(*my));
    if (path && path[0]) {
        my->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    } else {
        for (size_t i = 0; !my->lib && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
            path = defaults[i];
            my->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        }
    }
    if (!my->lib) {
        printf("cannot load the MySQL client library %s: %s", path, dlerror());
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"mysql_init", (void **)&my->init},
        {"mysql_options", (void **)&my->options},
        {"mysql_real_connect", (void **)&my->real_connect},
        {"mysql_query", (void **)&my->query},
        {"mysql_store_result", (void **)&my->store_result},
        {"mysql_num_rows", (void **)&my->num_rows},
        {"mysql_fetch_row", (void **)&my->fetch_row},
        {"mysql_free_result", (void **)&my->free_result},
        {"mysql_affected_rows", (void **)&my->affected_rows},
        {"mysql_error", (void **)&my->error},
        {"mysql_close", (void **)&my->close},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        *syms[i].slot = dlsym(my->lib, syms[i].name);
        if (!*syms[i].slot) {
            printf("%s is not a usable MySQL client library (no %s)", path, syms[i].name);
            return -1;
        }
    }
    return 0;
}

typedef struct {
    my_api_t *my;
    MYSQL *m;
} my_run_t;

/* dbw_exec_fn: executes sql; on failure prints what failed. */
static int my_run(void *arg, dbw_step_t step, const char *sql, dbw_result_t *res)
{
    my_run_t *r = arg;
    (void)step;
    if (r->my->query(r->m, sql) != 0) {
        printf("%s: %s", sql, r->my->error(r->m));
        return MON_CHECK_ERROR;
    }
    res->affected = (long)r->my->affected_rows(r->m);
    MYSQL_RES *mr = r->my->store_result(r->m);
    if (mr) {
        res->rows = (long)r->my->num_rows(mr);
        MYSQL_ROW row = r->my->fetch_row(mr);
        if (row && row[0]) {
            snprintf(res->first, sizeof(res->first), "%s", row[0]);
        }
        r->my->free_result(mr);
    }
    return MON_CHECK_OK;
}

static const dbw_dialect_t mysqlw_dialect = {
    .levels = levels,
    .nlevels = sizeof(levels) / sizeof(levels[0]),
    .ident_max = 64,
    .sql = mysqlw_sql,
};

static int check(mon_ctx_t *ctx)
{
    const char *lib = mon_param(ctx, "parameters/libraryfullpath");
    const char *host = mon_param(ctx, "parameters/ipaddress");
    long port = mon_param_int(ctx, "parameters/port", 3306);
    const char *db = mon_param(ctx, "parameters/database");
    const char *user = mon_param(ctx, "parameters/username");
    const char *pass = mon_param(ctx, "parameters/password");
    const char *table = mon_param(ctx, "parameters/table");
    const char *engine = mon_param(ctx, "parameters/engine");
    int level = (int)mon_param_int(ctx, "parameters/docreatedrop", MYSQLW_UPDATE);
    if (!db || !db[0]) {
        printf("no database configured (parameters/database)");
        return MON_CHECK_ERROR;
    }
    const dbw_step_t *steps;
    int n = dbw_plan(&mysqlw_dialect, level, table, &steps);
    if (n < 0) {
        return MON_CHECK_ERROR;
    }
    if (!engine || !engine[0]) {
        engine = "InnoDB";
    }
    if (!dbw_ident_ok(&mysqlw_dialect, engine)) {
        printf("the storage engine name '%s' is not a plain SQL identifier", engine);
        return MON_CHECK_ERROR;
    }
    my_api_t my;
    if (my_load(&my, lib) < 0) {
        return MON_CHECK_ERROR;
    }
    my_run_t r = {.my = &my, .m = my.init(NULL)};
    if (!r.m) {
        printf("mysql_init failed (out of memory)");
        return MON_CHECK_ERROR;
    }
    /* A backstop only: the engine's timeout (polling/timeout) fires first, so a
     * database that hangs is a monitor timeout with its documented handling. */
    unsigned int tmo = (unsigned int)ctx->mon->timeout_s + 2;
    my.options(r.m, MY_OPT_CONNECT_TIMEOUT, &tmo);
    my.options(r.m, MY_OPT_READ_TIMEOUT, &tmo);
    my.options(r.m, MY_OPT_WRITE_TIMEOUT, &tmo);
    if (!host || !host[0]) {
        host = "127.0.0.1";
    }
    if (!my.real_connect(r.m, host, user && user[0] ? user : NULL, pass && pass[0] ? pass : NULL,
                         db, (unsigned int)port, NULL, MY_CLIENT_FOUND_ROWS)) {
        printf("cannot connect to %s:%ld database %s: %s", host, port, db, my.error(r.m));
        my.close(r.m);
        return MON_CHECK_ERROR;
    }
    char tmp[80];
    dbw_tmp_table(&mysqlw_dialect, table, ctx->server, tmp, sizeof(tmp));
    dbw_sql_args_t a = {.table = table, .tmp = tmp, .opt = engine, .value = dbw_value_now()};
    int rc = dbw_run(&mysqlw_dialect, steps, n, &a, my_run, &r);
    my.close(r.m);
    return rc;
}

const mon_type_t mon_mysqlw = {
    .name = "mysqlw",
    .inproc = false,
    .check = check,
};

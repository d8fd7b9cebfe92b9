/*
 * psqlw: PostgreSQL monitor. Each check is a real session through libpq:
 * connect (parameters/ipaddress, port, database, username, password), then the
 * monitor level of parameters/docreatedrop on the table parameters/table:
 *
 *   3  select        SELECT count(*) FROM <table>      (the table must exist)
 *   0  update/select the table is created when missing (num integer primary
 *                    key); in one transaction, locked against the other
 *                    servers' monitors: UPDATE the row to a new value (INSERT
 *                    when the table is empty), read that value back, COMMIT
 *   1  create/drop   CREATE TABLE <table>_<server>, INSERT, read back, DROP
 *                    (the server's name keeps the servers' monitors apart)
 *
 * The levels' steps, the identifier rules and the loop that runs the steps are
 * dbw's (dbw.h, shared with mysqlw and oraclew); this file has the SQL and
 * libpq. libpq is not linked: the check (in its own child process) dlopen()s
 * parameters/libraryfullpath, or Debian's libpq.so.5, so the core runs on a
 * host without the PostgreSQL client and only a psqlw check needs it. The
 * session's application_name is clusterpro-psqlw-<monitor> (for the DBA). The
 * password is read as plain text (the original's encrypted form is not
 * decoded); an empty one leaves it to libpq (~/.pgpass, trust).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mon.h"
#include "dbw.h"

#define PSQLW_LIB_DEFAULT "libpq.so.5"

/* The monitor levels (parameters/docreatedrop). */
enum { PSQLW_UPDATE = 0, PSQLW_CREATEDROP = 1, PSQLW_SELECT = 3 };

static const dbw_step_t upd[] = {DBW_EXISTS, DBW_CREATE, DBW_BEGIN,    DBW_LOCK,
                                 DBW_UPDATE, DBW_INSERT, DBW_READBACK, DBW_COMMIT};
static const dbw_step_t sel[] = {DBW_SELECT};
static const dbw_step_t cd[] = {DBW_DROP_IF, DBW_CREATE_TMP, DBW_INSERT_TMP, DBW_READBACK_TMP,
                                DBW_DROP_TMP};
static const dbw_level_t levels[] = {
    DBW_LEVEL(PSQLW_UPDATE, upd),
    DBW_LEVEL(PSQLW_CREATEDROP, cd),
    DBW_LEVEL(PSQLW_SELECT, sel),
};

/* The SQL of step (a's names already checked) into out: PostgreSQL's own
 * statements, the others standard. Returns 0, or -1 when it does not fit. */
static int psqlw_sql(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n)
{
    switch (step) {
    case DBW_EXISTS:
        return dbw_sqlf(out, n, "SELECT to_regclass('%s') IS NOT NULL", a->table);
    case DBW_CREATE:
        return dbw_sqlf(out, n, "CREATE TABLE IF NOT EXISTS %s (num integer NOT NULL PRIMARY KEY)",
                        a->table);
    case DBW_LOCK:
        return dbw_sqlf(out, n, "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", a->table);
    case DBW_UPDATE:
        return dbw_sqlf(out, n, "UPDATE %s SET num = %ld", a->table, a->value);
    case DBW_SELECT:
        return dbw_sqlf(out, n, "SELECT count(*) FROM %s", a->table);
    case DBW_CREATE_TMP:
        return dbw_sqlf(out, n, "CREATE TABLE %s (num integer NOT NULL PRIMARY KEY)", a->tmp);
    default:
        return dbw_sql_std(step, a, out, n);
    }
}

/* ---- libpq, loaded at check time ---- */

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;
enum { PQ_CONNECTION_OK = 0, PQ_RES_COMMAND_OK = 1, PQ_RES_TUPLES_OK = 2 };

typedef struct {
    void *lib;
    PGconn *(*connectdbParams)(const char *const *keys, const char *const *values, int expand);
    int (*status)(const PGconn *conn);
    char *(*errorMessage)(const PGconn *conn);
    PGresult *(*exec)(PGconn *conn, const char *sql);
    int (*resultStatus)(const PGresult *res);
    char *(*resultErrorMessage)(const PGresult *res);
    int (*ntuples)(const PGresult *res);
    char *(*getvalue)(const PGresult *res, int row, int col);
    char *(*cmdTuples)(PGresult *res);
    void (*clear)(PGresult *res);
    void (*finish)(PGconn *conn);
} pq_api_t;

static int pq_load(pq_api_t *pq, const char *path)
{
    memset(pq, 0, sizeof(*pq));
    pq->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!pq->lib) {
        printf("cannot load the PostgreSQL client library %s: %s", path, dlerror());
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"PQconnectdbParams", (void **)&pq->connectdbParams},
        {"PQstatus", (void **)&pq->status},
        {"PQerrorMessage", (void **)&pq->errorMessage},
        {"PQexec", (void **)&pq->exec},
        {"PQresultStatus", (void **)&pq->resultStatus},
        {"PQresultErrorMessage", (void **)&pq->resultErrorMessage},
        {"PQntuples", (void **)&pq->ntuples},
        {"PQgetvalue", (void **)&pq->getvalue},
        {"PQcmdTuples", (void **)&pq->cmdTuples},
        {"PQclear", (void **)&pq->clear},
        {"PQfinish", (void **)&pq->finish},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        *syms[i].slot = dlsym(pq->lib, syms[i].name);
        if (!*syms[i].slot) {
            printf("%s is not a usable libpq (no %s)", path, syms[i].name);
            return -1;
        }
    }
    return 0;
}

/* The first line of a libpq message, without its trailing newline. */
static const char *one_line(const char *msg, char *buf, size_t n)
{
    snprintf(buf, n, "%s", msg ? msg : "");
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

typedef struct {
    pq_api_t *pq;
    PGconn *conn;
} pq_run_t;

/* dbw_exec_fn: executes sql; on failure prints what failed. */
static int pq_run(void *arg, dbw_step_t step, const char *sql, dbw_result_t *res)
{
    pq_run_t *r = arg;
    PGresult *pr = r->pq->exec(r->conn, sql);
    char line[256];
    (void)step;
    if (!pr) {
        printf("%s: %s", sql, one_line(r->pq->errorMessage(r->conn), line, sizeof(line)));
        return MON_CHECK_ERROR;
    }
    int st = r->pq->resultStatus(pr);
    if (st != PQ_RES_COMMAND_OK && st != PQ_RES_TUPLES_OK) {
        printf("%s: %s", sql, one_line(r->pq->resultErrorMessage(pr), line, sizeof(line)));
        r->pq->clear(pr);
        return MON_CHECK_ERROR;
    }
    res->rows = st == PQ_RES_TUPLES_OK ? r->pq->ntuples(pr) : 0;
    const char *ct = r->pq->cmdTuples(pr);
    res->affected = ct && *ct ? atol(ct) : 0;
    snprintf(res->first, sizeof(res->first), "%s", res->rows > 0 ? r->pq->getvalue(pr, 0, 0) : "");
    r->pq->clear(pr);
    return MON_CHECK_OK;
}

static const dbw_dialect_t psqlw_dialect = {
    .levels = levels,
    .nlevels = sizeof(levels) / sizeof(levels[0]),
    .ident_max = 63,
    .sql = psqlw_sql,
};
static int check(mon_ctx_t *ctx)
{
    const char *lib = mon_param(ctx, "parameters/libraryfullpath");
    const char *host = mon_param(ctx, "parameters/ipaddress");
    const char *port = mon_param(ctx, "parameters/port");
    const char *db = mon_param(ctx, "parameters/database");
    const char *user = mon_param(ctx, "parameters/username");
    const char *pass = mon_param(ctx, "parameters/password");
    const char *table = mon_param(ctx, "parameters/table");
    int level = (int)mon_param_int(ctx, "parameters/docreatedrop", PSQLW_UPDATE);
    if (!db || !db[0]) {
        printf("no database configured (parameters/database)");
        return MON_CHECK_ERROR;
    }
    const dbw_step_t *steps;
    int n = dbw_plan(&psqlw_dialect, level, table, &steps);
    if (n < 0) {
        return MON_CHECK_ERROR;
    }
    pq_api_t pq;
    if (pq_load(&pq, lib && lib[0] ? lib : PSQLW_LIB_DEFAULT) < 0) {
        return MON_CHECK_ERROR;
    }
    char tmo[16], app[96];
    /* A backstop only: the engine's timeout (polling/timeout) fires first, so a
     * database that hangs is a monitor timeout with its documented handling. */
    snprintf(tmo, sizeof(tmo), "%d", ctx->mon->timeout_s + 2);
    snprintf(app, sizeof(app), "clusterpro-psqlw-%s", ctx->mon->name);
    const char *keys[8], *vals[8];
    int k = 0;
    keys[k] = "host", vals[k++] = host && host[0] ? host : "127.0.0.1";
    keys[k] = "port", vals[k++] = port && port[0] ? port : "5432";
    keys[k] = "dbname", vals[k++] = db;
    keys[k] = "user", vals[k++] = user && user[0] ? user : "postgres";
    keys[k] = "connect_timeout", vals[k++] = tmo;
    keys[k] = "application_name", vals[k++] = app;
    if (pass && pass[0]) {
        keys[k] = "password", vals[k++] = pass;
    }
    keys[k] = NULL, vals[k] = NULL;
    pq_run_t r = {.pq = &pq};
    r.conn = pq.connectdbParams(keys, vals, 0);
    char line[256];
    if (!r.conn || pq.status(r.conn) != PQ_CONNECTION_OK) {
        printf("cannot connect to %s:%s database %s as %s: %s", vals[0], vals[1], db, vals[3],
               r.conn ? one_line(pq.errorMessage(r.conn), line, sizeof(line)) : "out of memory");
        if (r.conn) {
            pq.finish(r.conn);
        }
        return MON_CHECK_ERROR;
    }
    char tmp[64];
    dbw_tmp_table(&psqlw_dialect, table, ctx->server, tmp, sizeof(tmp));
    dbw_sql_args_t a = {.table = table, .tmp = tmp, .value = dbw_value_now()};
    int rc = dbw_run(&psqlw_dialect, steps, n, &a, pq_run, &r);
    pq.finish(r.conn);
    return rc;
}

const mon_type_t mon_psqlw = {
    .name = "psqlw",
    .inproc = false,
    .check = check,
};

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
 * libpq is not linked: the check (in its own child process) dlopen()s
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
#include <time.h>

#include "../mon.h"

#define PSQLW_LIB_DEFAULT "libpq.so.5"
#define PSQLW_SQL_MAX 512

/* The monitor levels (parameters/docreatedrop). */
enum { PSQLW_UPDATE = 0, PSQLW_CREATEDROP = 1, PSQLW_SELECT = 3 };

/* The steps of one check; the SQL of each comes from psqlw_sql(). */
typedef enum {
    ST_BEGIN,
    ST_EXISTS,   /* is the table there? (one row: t or f) */
    ST_CREATE,   /* the monitor table (level update: only when missing) */
    ST_LOCK,     /* serialise the servers' monitors on the table */
    ST_UPDATE,   /* set the row to the new value (affected rows counted) */
    ST_INSERT,   /* when the update found no row */
    ST_READBACK, /* the new value must be read back: exactly one row */
    ST_COMMIT,
    ST_SELECT,  /* level select: a plain read */
    ST_DROP_IF, /* level create/drop: a table left by a killed check */
    ST_CREATE_TMP,
    ST_INSERT_TMP,
    ST_READBACK_TMP,
    ST_DROP_TMP,
} psqlw_step_t;

/* The steps of level, in order, into steps (room for max). Returns how many,
 * or -1 for an unknown level. */
static int psqlw_steps(int level, psqlw_step_t *steps, int max)
{
    static const psqlw_step_t upd[] = {ST_EXISTS, ST_CREATE, ST_BEGIN,    ST_LOCK,
                                       ST_UPDATE, ST_INSERT, ST_READBACK, ST_COMMIT};
    static const psqlw_step_t sel[] = {ST_SELECT};
    static const psqlw_step_t cd[] = {ST_DROP_IF, ST_CREATE_TMP, ST_INSERT_TMP, ST_READBACK_TMP,
                                      ST_DROP_TMP};
    const psqlw_step_t *s;
    int n;
    switch (level) {
    case PSQLW_UPDATE:
        s = upd;
        n = (int)(sizeof(upd) / sizeof(upd[0]));
        break;
    case PSQLW_SELECT:
        s = sel;
        n = 1;
        break;
    case PSQLW_CREATEDROP:
        s = cd;
        n = (int)(sizeof(cd) / sizeof(cd[0]));
        break;
    default:
        return -1;
    }
    if (n > max) {
        return -1;
    }
    memcpy(steps, s, (size_t)n * sizeof(*s));
    return n;
}

/* True when name can be used as an unquoted SQL identifier (letters, digits,
 * '_', not starting with a digit, at most 63 characters). */
static bool psqlw_ident_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 63 || (name[0] >= '0' && name[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_')) {
            return false;
        }
    }
    return true;
}

/* The name of the level create/drop table: <table>_<server>, the server's name
 * reduced to identifier characters, cut to 63 characters. */
static void psqlw_tmp_table(const char *table, const char *server, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "%s_", table);
    for (const char *p = server; *p && k + 1 < n && k < 63; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[k++] = ok ? c : '_';
    }
    out[k < n ? k : n - 1] = '\0';
}

/* The SQL of step for table (already checked by psqlw_ident_ok), tmp (the
 * create/drop table) and value into out. Returns 0, or -1 when it does not fit. */
static int psqlw_sql(psqlw_step_t step, const char *table, const char *tmp, long value, char *out,
                     size_t n)
{
    int r;
    switch (step) {
    case ST_BEGIN:
        r = snprintf(out, n, "BEGIN");
        break;
    case ST_EXISTS:
        r = snprintf(out, n, "SELECT to_regclass('%s') IS NOT NULL", table);
        break;
    case ST_CREATE:
        r = snprintf(out, n, "CREATE TABLE IF NOT EXISTS %s (num integer NOT NULL PRIMARY KEY)",
                     table);
        break;
    case ST_LOCK:
        r = snprintf(out, n, "LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", table);
        break;
    case ST_UPDATE:
        r = snprintf(out, n, "UPDATE %s SET num = %ld", table, value);
        break;
    case ST_INSERT:
        r = snprintf(out, n, "INSERT INTO %s (num) VALUES (%ld)", table, value);
        break;
    case ST_READBACK:
        r = snprintf(out, n, "SELECT num FROM %s WHERE num = %ld", table, value);
        break;
    case ST_COMMIT:
        r = snprintf(out, n, "COMMIT");
        break;
    case ST_SELECT:
        r = snprintf(out, n, "SELECT count(*) FROM %s", table);
        break;
    case ST_DROP_IF:
        r = snprintf(out, n, "DROP TABLE IF EXISTS %s", tmp);
        break;
    case ST_CREATE_TMP:
        r = snprintf(out, n, "CREATE TABLE %s (num integer NOT NULL PRIMARY KEY)", tmp);
        break;
    case ST_INSERT_TMP:
        r = snprintf(out, n, "INSERT INTO %s (num) VALUES (%ld)", tmp, value);
        break;
    case ST_READBACK_TMP:
        r = snprintf(out, n, "SELECT num FROM %s WHERE num = %ld", tmp, value);
        break;
    case ST_DROP_TMP:
        r = snprintf(out, n, "DROP TABLE %s", tmp);
        break;
    default:
        return -1;
    }
    return r < 0 || (size_t)r >= n ? -1 : 0;
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
    int tuples;     /* rows returned by the last statement */
    long affected;  /* rows changed by the last statement */
    char first[64]; /* first column of the first row */
} pq_run_t;

/* Executes sql; on failure prints what failed and returns -1. */
static int pq_run(pq_run_t *r, const char *sql)
{
    PGresult *res = r->pq->exec(r->conn, sql);
    char line[256];
    if (!res) {
        printf("%s: %s", sql, one_line(r->pq->errorMessage(r->conn), line, sizeof(line)));
        return -1;
    }
    int st = r->pq->resultStatus(res);
    if (st != PQ_RES_COMMAND_OK && st != PQ_RES_TUPLES_OK) {
        printf("%s: %s", sql, one_line(r->pq->resultErrorMessage(res), line, sizeof(line)));
        r->pq->clear(res);
        return -1;
    }
    r->tuples = st == PQ_RES_TUPLES_OK ? r->pq->ntuples(res) : 0;
    const char *ct = r->pq->cmdTuples(res);
    r->affected = ct && *ct ? atol(ct) : 0;
    snprintf(r->first, sizeof(r->first), "%s", r->tuples > 0 ? r->pq->getvalue(res, 0, 0) : "");
    r->pq->clear(res);
    return 0;
}

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
    if (!table || !psqlw_ident_ok(table)) {
        printf("the monitor table name '%s' is not a plain SQL identifier", table ? table : "");
        return MON_CHECK_ERROR;
    }
    psqlw_step_t steps[16];
    int n = psqlw_steps(level, steps, 16);
    if (n < 0) {
        printf("unknown monitor level %d (parameters/docreatedrop: 0, 1 or 3)", level);
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
    char tmp[64], sql[PSQLW_SQL_MAX];
    psqlw_tmp_table(table, ctx->server, tmp, sizeof(tmp));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long value = (long)((ts.tv_sec % 1000000) * 1000 + ts.tv_nsec / 1000000) + 1;
    int rc = MON_CHECK_OK;
    bool exists = true;
    for (int i = 0; i < n && rc == MON_CHECK_OK; i++) {
        if ((steps[i] == ST_CREATE && exists) || (steps[i] == ST_INSERT && r.affected > 0)) {
            continue;
        }
        if (psqlw_sql(steps[i], table, tmp, value, sql, sizeof(sql)) < 0 || pq_run(&r, sql) < 0) {
            rc = MON_CHECK_ERROR;
            break;
        }
        if (steps[i] == ST_EXISTS) {
            exists = strcmp(r.first, "t") == 0;
        } else if ((steps[i] == ST_READBACK || steps[i] == ST_READBACK_TMP) && r.tuples != 1) {
            printf("%s: %d rows read back instead of 1", sql, r.tuples);
            rc = MON_CHECK_ERROR;
        }
    }
    pq.finish(r.conn);
    return rc;
}

const mon_type_t mon_psqlw = {
    .name = "psqlw",
    .inproc = false,
    .check = check,
};

/*
 * oraclew: Oracle monitor, written against Oracle's documented OCI interface
 * and the original's documented monitor behaviour. UNTESTED HERE: there is no
 * Oracle server nor client in Debian (docs/monitors.md says so).
 *
 * Each check (in its own child) dlopen()s the OCI client library
 * (parameters/libraryfullpath, else $ORACLE_HOME/lib/libclntsh.so, else
 * libclntsh.so from the loader path); without it the check is an error that
 * names the library. Then, per parameters/monmethod:
 *
 *   1  listener only       OCIServerAttach to parameters/connectstr (the
 *                          listener answers and hands over a server process)
 *   2  instance only       a session (parameters/username, password, auth
 *                          SYSDBA or DEFAULT) and the monitor level below
 *   0  both (default)      the attach, then the session and the level
 *
 * and per parameters/docreatedrop (the monitor level):
 *
 *   2  database status     SELECT status FROM v$instance must say OPEN
 *   3  select              SELECT COUNT(*) FROM <table>
 *   0  update/select       the table is created when missing; UPDATE one row
 *                          to a new value (INSERT when empty), read it back,
 *                          COMMIT
 *   1  create/drop         CREATE TABLE <table>_<server>, INSERT, read back,
 *                          DROP ... PURGE
 *
 * The levels' steps and the loop that runs them are dbw's (dbw.h, shared with
 * psqlw and mysqlw). ORA-01033 / ORA-01089 / ORA-01090 (starting up or
 * shutting down) are a warning (caution), or an error with parameters/ignoreuse
 * 1. An empty password with SYSDBA uses operating-system authentication
 * (OCI_CRED_EXT). The password is read as plain text. emergency/infocollect is
 * not done.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../mon.h"
#include "dbw.h"

enum { ORA_UPDATE = 0, ORA_CREATEDROP = 1, ORA_STATUS = 2, ORA_SELECT = 3 };

static const dbw_step_t upd[] = {DBW_EXISTS, DBW_CREATE,   DBW_UPDATE,
                                 DBW_INSERT, DBW_READBACK, DBW_COMMIT};
static const dbw_step_t cd[] = {DBW_DROP_IF, DBW_CREATE_TMP, DBW_INSERT_TMP, DBW_READBACK_TMP,
                                DBW_DROP_TMP};
static const dbw_step_t sta[] = {DBW_STATUS};
static const dbw_step_t sel[] = {DBW_SELECT};
static const dbw_level_t levels[] = {
    DBW_LEVEL(ORA_UPDATE, upd),
    DBW_LEVEL(ORA_CREATEDROP, cd),
    DBW_LEVEL(ORA_STATUS, sta),
    DBW_LEVEL(ORA_SELECT, sel),
};

/* The SQL of step into out: Oracle's own statements (the read-backs count,
 * tables are dropped with PURGE), the others standard. Returns 0, or -1 when
 * it does not fit. */
static int oraclew_sql(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n)
{
    switch (step) {
    case DBW_STATUS:
        return dbw_sqlf(out, n, "SELECT status FROM v$instance");
    case DBW_EXISTS:
        return dbw_sqlf(out, n, "SELECT COUNT(*) FROM user_tables WHERE table_name = UPPER('%s')",
                        a->table);
    case DBW_CREATE:
        return dbw_sqlf(out, n, "CREATE TABLE %s (num NUMBER(10) NOT NULL PRIMARY KEY)", a->table);
    case DBW_UPDATE:
        return dbw_sqlf(out, n, "UPDATE %s SET num = %ld WHERE ROWNUM = 1", a->table, a->value);
    case DBW_READBACK:
        return dbw_sqlf(out, n, "SELECT COUNT(*) FROM %s WHERE num = %ld", a->table, a->value);
    case DBW_SELECT:
        return dbw_sqlf(out, n, "SELECT COUNT(*) FROM %s", a->table);
    case DBW_DROP_IF:
        return dbw_sqlf(out, n,
                        "BEGIN EXECUTE IMMEDIATE 'DROP TABLE %s PURGE'; "
                        "EXCEPTION WHEN OTHERS THEN NULL; END;",
                        a->tmp);
    case DBW_CREATE_TMP:
        return dbw_sqlf(out, n, "CREATE TABLE %s (num NUMBER(10) NOT NULL PRIMARY KEY)", a->tmp);
    case DBW_READBACK_TMP:
        return dbw_sqlf(out, n, "SELECT COUNT(*) FROM %s WHERE num = %ld", a->tmp, a->value);
    case DBW_DROP_TMP:
        return dbw_sqlf(out, n, "DROP TABLE %s PURGE", a->tmp);
    default:
        return dbw_sql_std(step, a, out, n);
    }
}

/* True for the steps whose statement is a query (one value is fetched). */
static bool is_query(dbw_step_t s)
{
    return s == DBW_STATUS || s == DBW_EXISTS || s == DBW_READBACK || s == DBW_SELECT ||
           s == DBW_READBACK_TMP;
}

/* ---- OCI, loaded at check time (values from Oracle's oci.h) ---- */

typedef int32_t sword;
typedef uint32_t ub4;
typedef int32_t sb4;
typedef uint16_t ub2;
typedef int16_t sb2;

enum {
    OCI_SUCCESS = 0,
    OCI_SUCCESS_WITH_INFO = 1,
    OCI_NO_DATA = 100,
    OCI_HTYPE_ENV = 1,
    OCI_HTYPE_ERROR = 2,
    OCI_HTYPE_SVCCTX = 3,
    OCI_HTYPE_STMT = 4,
    OCI_HTYPE_SERVER = 8,
    OCI_HTYPE_SESSION = 9,
    OCI_ATTR_SERVER = 6,
    OCI_ATTR_SESSION = 7,
    OCI_ATTR_ROW_COUNT = 9,
    OCI_ATTR_USERNAME = 22,
    OCI_ATTR_PASSWORD = 23,
    OCI_CRED_RDBMS = 1,
    OCI_CRED_EXT = 2,
    OCI_DEFAULT = 0,
    OCI_SYSDBA = 2,
    OCI_NTV_SYNTAX = 1,
    SQLT_STR = 5,
};

typedef struct {
    void *lib;
    sword (*env_create)(void **env, ub4 mode, void *ctx, void *m, void *r, void *f, size_t x,
                        void **u);
    sword (*handle_alloc)(const void *parent, void **h, ub4 type, size_t x, void **u);
    sword (*handle_free)(void *h, ub4 type);
    sword (*server_attach)(void *srv, void *err, const char *link, sb4 len, ub4 mode);
    sword (*server_detach)(void *srv, void *err, ub4 mode);
    sword (*attr_set)(void *h, ub4 type, void *val, ub4 size, ub4 attr, void *err);
    sword (*attr_get)(const void *h, ub4 type, void *val, ub4 *size, ub4 attr, void *err);
    sword (*session_begin)(void *svc, void *err, void *ses, ub4 cred, ub4 mode);
    sword (*session_end)(void *svc, void *err, void *ses, ub4 mode);
    sword (*stmt_prepare)(void *stmt, void *err, const char *sql, ub4 len, ub4 lang, ub4 mode);
    sword (*define_by_pos)(void *stmt, void **def, void *err, ub4 pos, void *val, sb4 size, ub2 dty,
                           void *ind, ub2 *rlen, ub2 *rcode, ub4 mode);
    sword (*stmt_execute)(void *svc, void *stmt, void *err, ub4 iters, ub4 off, const void *in,
                          void *out, ub4 mode);
    sword (*error_get)(void *h, ub4 rec, char *state, sb4 *code, char *buf, ub4 size, ub4 type);
} oci_api_t;

static int oci_load(oci_api_t *o, const char *path)
{
    memset(o, 0, sizeof(*o));
    char def[1024];
    const char *home = getenv("ORACLE_HOME");
    if (!path || !path[0]) {
        if (home && home[0]) {
            snprintf(def, sizeof(def), "%s/lib/libclntsh.so", home);
        } else {
            snprintf(def, sizeof(def), "libclntsh.so");
        }
        path = def;
    }
    o->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!o->lib) {
        printf("cannot load the Oracle client library %s (set parameters/libraryfullpath): %s",
               path, dlerror());
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"OCIEnvCreate", (void **)&o->env_create},
        {"OCIHandleAlloc", (void **)&o->handle_alloc},
        {"OCIHandleFree", (void **)&o->handle_free},
        {"OCIServerAttach", (void **)&o->server_attach},
        {"OCIServerDetach", (void **)&o->server_detach},
        {"OCIAttrSet", (void **)&o->attr_set},
        {"OCIAttrGet", (void **)&o->attr_get},
        {"OCISessionBegin", (void **)&o->session_begin},
        {"OCISessionEnd", (void **)&o->session_end},
        {"OCIStmtPrepare", (void **)&o->stmt_prepare},
        {"OCIDefineByPos", (void **)&o->define_by_pos},
        {"OCIStmtExecute", (void **)&o->stmt_execute},
        {"OCIErrorGet", (void **)&o->error_get},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        *syms[i].slot = dlsym(o->lib, syms[i].name);
        if (!*syms[i].slot) {
            printf("%s is not a usable OCI library (no %s)", path, syms[i].name);
            return -1;
        }
    }
    return 0;
}

typedef struct {
    oci_api_t *o;
    void *env, *err, *srv, *svc, *ses;
    sb4 code;      /* ORA- number of the last error */
    char msg[256]; /* its text, first line */
} oci_t;

static void oci_error(oci_t *c, sword rc)
{
    c->code = 0;
    c->msg[0] = '\0';
    if (c->err) {
        c->o->error_get(c->err, 1, NULL, &c->code, c->msg, sizeof(c->msg), OCI_HTYPE_ERROR);
    }
    c->msg[strcspn(c->msg, "\n")] = '\0';
    if (!c->msg[0]) {
        snprintf(c->msg, sizeof(c->msg), "OCI error %d", (int)rc);
    }
}

static bool ok(sword rc)
{
    return rc == OCI_SUCCESS || rc == OCI_SUCCESS_WITH_INFO;
}

/* Executes sql; a query's first column is fetched as text into val. Returns
 * the OCI status (OCI_NO_DATA for a query without rows); *rows gets the row
 * count of DML. */
static sword oci_exec(oci_t *c, const char *sql, bool query, char *val, size_t vn, ub4 *rows)
{
    void *stmt = NULL, *def = NULL;
    sword rc = c->o->handle_alloc(c->env, &stmt, OCI_HTYPE_STMT, 0, NULL);
    if (ok(rc)) {
        rc = c->o->stmt_prepare(stmt, c->err, sql, (ub4)strlen(sql), OCI_NTV_SYNTAX, OCI_DEFAULT);
    }
    sb2 ind = 0;
    if (ok(rc) && query) {
        rc = c->o->define_by_pos(stmt, &def, c->err, 1, val, (sb4)vn, SQLT_STR, &ind, NULL, NULL,
                                 OCI_DEFAULT);
    }
    if (ok(rc)) {
        rc = c->o->stmt_execute(c->svc, stmt, c->err, 1, 0, NULL, NULL, OCI_DEFAULT);
    }
    if (ok(rc) && rows) {
        *rows = 0;
        c->o->attr_get(stmt, OCI_HTYPE_STMT, rows, NULL, OCI_ATTR_ROW_COUNT, c->err);
    }
    if (!ok(rc) && rc != OCI_NO_DATA) {
        oci_error(c, rc);
    }
    if (stmt) {
        c->o->handle_free(stmt, OCI_HTYPE_STMT);
    }
    return rc;
}

static void oci_close(oci_t *c, bool session, bool attached)
{
    if (session) {
        c->o->session_end(c->svc, c->err, c->ses, OCI_DEFAULT);
    }
    if (attached) {
        c->o->server_detach(c->srv, c->err, OCI_DEFAULT);
    }
    if (c->env) {
        c->o->handle_free(c->env, OCI_HTYPE_ENV);
    }
}

/* ORA-01033 initialization or shutdown in progress, ORA-01089 immediate
 * shutdown in progress, ORA-01090 shutdown in progress. */
static bool starting_or_stopping(sb4 code)
{
    return code == 1033 || code == 1089 || code == 1090;
}

static int failed(mon_ctx_t *ctx, oci_t *c, const char *what)
{
    if (starting_or_stopping(c->code) && !mon_param_int(ctx, "parameters/ignoreuse", 0)) {
        printf("%s: %s (the database is starting up or shutting down)", what, c->msg);
        return MON_CHECK_WARN;
    }
    printf("%s: %s", what, c->msg);
    return MON_CHECK_ERROR;
}

typedef struct {
    mon_ctx_t *ctx;
    oci_t *c;
} ora_run_t;

/* dbw_exec_fn: executes sql (a query's first column into res->first); a
 * failure, or an instance that is not open, is printed and judged. */
static int ora_run(void *arg, dbw_step_t step, const char *sql, dbw_result_t *res)
{
    ora_run_t *r = arg;
    bool q = is_query(step);
    ub4 rows = 0;
    sword rc = oci_exec(r->c, sql, q, res->first, sizeof(res->first), q ? NULL : &rows);
    if (!ok(rc) && !(q && rc == OCI_NO_DATA)) {
        return failed(r->ctx, r->c, sql);
    }
    res->affected = (long)rows;
    if (step == DBW_STATUS && strcmp(res->first, "OPEN") != 0) {
        printf("the instance is not open (v$instance status %s)",
               res->first[0] ? res->first : "unknown");
        return mon_param_int(r->ctx, "parameters/ignoreuse", 0) ? MON_CHECK_ERROR : MON_CHECK_WARN;
    }
    return MON_CHECK_OK;
}

static const dbw_dialect_t oraclew_dialect = {
    .levels = levels,
    .nlevels = sizeof(levels) / sizeof(levels[0]),
    .ident_max = 30,
    .ident_letter_first = true,
    .readback_counts = true,
    .sql = oraclew_sql,
};

static int check(mon_ctx_t *ctx)
{
    const char *lib = mon_param(ctx, "parameters/libraryfullpath");
    const char *cs = mon_param(ctx, "parameters/connectstr");
    const char *user = mon_param(ctx, "parameters/username");
    const char *pass = mon_param(ctx, "parameters/password");
    const char *auth = mon_param(ctx, "parameters/auth");
    const char *table = mon_param(ctx, "parameters/table");
    int method = (int)mon_param_int(ctx, "parameters/monmethod", 0);
    int level = (int)mon_param_int(ctx, "parameters/docreatedrop", ORA_UPDATE);
    const dbw_step_t *steps;
    int n = dbw_plan(&oraclew_dialect, level, table, &steps);
    if (n < 0) {
        return MON_CHECK_ERROR;
    }
    if (!cs) {
        cs = "";
    }
    oci_api_t o;
    if (oci_load(&o, lib) < 0) {
        return MON_CHECK_ERROR;
    }
    oci_t c = {.o = &o};
    sword rc = o.env_create(&c.env, OCI_DEFAULT, NULL, NULL, NULL, NULL, 0, NULL);
    if (!ok(rc) || !ok(o.handle_alloc(c.env, &c.err, OCI_HTYPE_ERROR, 0, NULL)) ||
        !ok(o.handle_alloc(c.env, &c.srv, OCI_HTYPE_SERVER, 0, NULL)) ||
        !ok(o.handle_alloc(c.env, &c.svc, OCI_HTYPE_SVCCTX, 0, NULL)) ||
        !ok(o.handle_alloc(c.env, &c.ses, OCI_HTYPE_SESSION, 0, NULL))) {
        printf("cannot create the OCI environment");
        oci_close(&c, false, false);
        return MON_CHECK_ERROR;
    }
    rc = o.server_attach(c.srv, c.err, cs, (sb4)strlen(cs), OCI_DEFAULT);
    if (!ok(rc)) {
        oci_error(&c, rc);
        int r = failed(ctx, &c, "cannot reach the listener");
        oci_close(&c, false, false);
        return r;
    }
    if (method == 1) {
        oci_close(&c, false, true);
        return MON_CHECK_OK;
    }
    o.attr_set(c.svc, OCI_HTYPE_SVCCTX, c.srv, 0, OCI_ATTR_SERVER, c.err);
    bool sysdba = !auth || !auth[0] || strcmp(auth, "SYSDBA") == 0;
    bool ext = !pass || !pass[0];
    if (!ext) {
        o.attr_set(c.ses, OCI_HTYPE_SESSION, (void *)(user ? user : ""),
                   (ub4)strlen(user ? user : ""), OCI_ATTR_USERNAME, c.err);
        o.attr_set(c.ses, OCI_HTYPE_SESSION, (void *)pass, (ub4)strlen(pass), OCI_ATTR_PASSWORD,
                   c.err);
    }
    rc = o.session_begin(c.svc, c.err, c.ses, ext ? OCI_CRED_EXT : OCI_CRED_RDBMS,
                         sysdba ? OCI_SYSDBA : OCI_DEFAULT);
    if (!ok(rc)) {
        oci_error(&c, rc);
        int r = failed(ctx, &c, "cannot log on to the instance");
        oci_close(&c, false, true);
        return r;
    }
    o.attr_set(c.svc, OCI_HTYPE_SVCCTX, c.ses, 0, OCI_ATTR_SESSION, c.err);
    char tmp[64];
    dbw_tmp_table(&oraclew_dialect, table ? table : "t", ctx->server, tmp, sizeof(tmp));
    dbw_sql_args_t a = {.table = table ? table : "", .tmp = tmp, .value = dbw_value_now()};
    ora_run_t r = {.ctx = ctx, .c = &c};
    int verdict = dbw_run(&oraclew_dialect, steps, n, &a, ora_run, &r);
    oci_close(&c, true, true);
    return verdict;
}

const mon_type_t mon_oraclew = {
    .name = "oraclew",
    .inproc = false,
    .check = check,
};

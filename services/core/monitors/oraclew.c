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
 * ORA-01033 / ORA-01089 / ORA-01090 (starting up or shutting down) are a
 * warning (caution), or an error with parameters/ignoreuse 1. An empty
 * password with SYSDBA uses operating-system authentication (OCI_CRED_EXT).
 * The password is read as plain text. emergency/infocollect is not done.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mon.h"

#define ORACLEW_SQL_MAX 512

enum { ORA_UPDATE = 0, ORA_CREATEDROP = 1, ORA_STATUS = 2, ORA_SELECT = 3 };

typedef enum {
    ST_STATUS, /* v$instance status (one text column) */
    ST_EXISTS, /* user_tables count for the table */
    ST_CREATE,
    ST_UPDATE,
    ST_INSERT,
    ST_READBACK, /* a count that must be 1 */
    ST_COMMIT,
    ST_SELECT,
    ST_DROP_IF,
    ST_CREATE_TMP,
    ST_INSERT_TMP,
    ST_READBACK_TMP,
    ST_DROP_TMP,
} oraclew_step_t;

/* The steps of level into steps (room for max). Returns how many, or -1. */
static int oraclew_steps(int level, oraclew_step_t *steps, int max)
{
    static const oraclew_step_t upd[] = {ST_EXISTS, ST_CREATE,   ST_UPDATE,
                                         ST_INSERT, ST_READBACK, ST_COMMIT};
    static const oraclew_step_t sel[] = {ST_SELECT};
    static const oraclew_step_t sta[] = {ST_STATUS};
    static const oraclew_step_t cd[] = {ST_DROP_IF, ST_CREATE_TMP, ST_INSERT_TMP, ST_READBACK_TMP,
                                        ST_DROP_TMP};
    const oraclew_step_t *s;
    int n;
    switch (level) {
    case ORA_UPDATE:
        s = upd;
        n = (int)(sizeof(upd) / sizeof(upd[0]));
        break;
    case ORA_SELECT:
        s = sel;
        n = 1;
        break;
    case ORA_STATUS:
        s = sta;
        n = 1;
        break;
    case ORA_CREATEDROP:
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

/* Plain identifier: letters, digits, '_', starting with a letter, <= 30. */
static bool oraclew_ident_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 30 ||
        !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
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

/* <table>_<server> reduced to identifier characters, at most 30. */
static void oraclew_tmp_table(const char *table, const char *server, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "%s_", table);
    for (const char *p = server; *p && k + 1 < n && k < 30; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[k++] = ok ? c : '_';
    }
    out[k < n ? k : n - 1] = '\0';
}

static int oraclew_sql(oraclew_step_t step, const char *table, const char *tmp, long value,
                       char *out, size_t n)
{
    int r;
    switch (step) {
    case ST_STATUS:
        r = snprintf(out, n, "SELECT status FROM v$instance");
        break;
    case ST_EXISTS:
        r = snprintf(out, n, "SELECT COUNT(*) FROM user_tables WHERE table_name = UPPER('%s')",
                     table);
        break;
    case ST_CREATE:
        r = snprintf(out, n, "CREATE TABLE %s (num NUMBER(10) NOT NULL PRIMARY KEY)", table);
        break;
    case ST_UPDATE:
        r = snprintf(out, n, "UPDATE %s SET num = %ld WHERE ROWNUM = 1", table, value);
        break;
    case ST_INSERT:
        r = snprintf(out, n, "INSERT INTO %s (num) VALUES (%ld)", table, value);
        break;
    case ST_READBACK:
        r = snprintf(out, n, "SELECT COUNT(*) FROM %s WHERE num = %ld", table, value);
        break;
    case ST_COMMIT:
        r = snprintf(out, n, "COMMIT");
        break;
    case ST_SELECT:
        r = snprintf(out, n, "SELECT COUNT(*) FROM %s", table);
        break;
    case ST_DROP_IF:
        r = snprintf(out, n,
                     "BEGIN EXECUTE IMMEDIATE 'DROP TABLE %s PURGE'; "
                     "EXCEPTION WHEN OTHERS THEN NULL; END;",
                     tmp);
        break;
    case ST_CREATE_TMP:
        r = snprintf(out, n, "CREATE TABLE %s (num NUMBER(10) NOT NULL PRIMARY KEY)", tmp);
        break;
    case ST_INSERT_TMP:
        r = snprintf(out, n, "INSERT INTO %s (num) VALUES (%ld)", tmp, value);
        break;
    case ST_READBACK_TMP:
        r = snprintf(out, n, "SELECT COUNT(*) FROM %s WHERE num = %ld", tmp, value);
        break;
    case ST_DROP_TMP:
        r = snprintf(out, n, "DROP TABLE %s PURGE", tmp);
        break;
    default:
        return -1;
    }
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

/* True for the steps whose statement is a query (one value is fetched). */
static bool is_query(oraclew_step_t s)
{
    return s == ST_STATUS || s == ST_EXISTS || s == ST_READBACK || s == ST_SELECT ||
           s == ST_READBACK_TMP;
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
    oraclew_step_t steps[16];
    int n = oraclew_steps(level, steps, 16);
    if (n < 0) {
        printf("unknown monitor level %d (parameters/docreatedrop: 0 to 3)", level);
        return MON_CHECK_ERROR;
    }
    if (level != ORA_STATUS && (!table || !oraclew_ident_ok(table))) {
        printf("the monitor table name '%s' is not a plain SQL identifier", table ? table : "");
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
    char tmp[64], sql[ORACLEW_SQL_MAX], val[64];
    oraclew_tmp_table(table ? table : "t", ctx->server, tmp, sizeof(tmp));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long value = (long)((ts.tv_sec % 1000000) * 1000 + ts.tv_nsec / 1000000) + 1;
    int verdict = MON_CHECK_OK;
    bool exists = true;
    ub4 rows = 0;
    for (int i = 0; i < n && verdict == MON_CHECK_OK; i++) {
        if ((steps[i] == ST_CREATE && exists) || (steps[i] == ST_INSERT && rows > 0)) {
            continue;
        }
        if (oraclew_sql(steps[i], table ? table : "", tmp, value, sql, sizeof(sql)) < 0) {
            printf("cannot build the statement");
            verdict = MON_CHECK_ERROR;
            break;
        }
        val[0] = '\0';
        bool q = is_query(steps[i]);
        rc = oci_exec(&c, sql, q, val, sizeof(val), q ? NULL : &rows);
        if (!ok(rc) && !(q && rc == OCI_NO_DATA)) {
            verdict = failed(ctx, &c, sql);
        } else if (steps[i] == ST_STATUS && strcmp(val, "OPEN") != 0) {
            printf("the instance is not open (v$instance status %s)", val[0] ? val : "unknown");
            verdict =
                mon_param_int(ctx, "parameters/ignoreuse", 0) ? MON_CHECK_ERROR : MON_CHECK_WARN;
        } else if (steps[i] == ST_EXISTS) {
            exists = atol(val) > 0;
        } else if ((steps[i] == ST_READBACK || steps[i] == ST_READBACK_TMP) && atol(val) != 1) {
            printf("%s: %s rows read back instead of 1", sql, val[0] ? val : "0");
            verdict = MON_CHECK_ERROR;
        }
    }
    oci_close(&c, true, true);
    return verdict;
}

const mon_type_t mon_oraclew = {
    .name = "oraclew",
    .inproc = false,
    .check = check,
};

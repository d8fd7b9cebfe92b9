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
 * The client library is not linked: the check (in its own child process)
 * dlopen()s parameters/libraryfullpath, else Debian's libmariadb.so.3, else
 * libmysqlclient.so.21, so the core runs on a host without it. The password is
 * read as plain text (the original's encrypted form is not decoded).
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mon.h"

#define MYSQLW_SQL_MAX 512

enum { MYSQLW_UPDATE = 0, MYSQLW_CREATEDROP = 1, MYSQLW_SELECT = 3 };

typedef enum {
    ST_EXISTS,   /* is the table there? (a count) */
    ST_CREATE,   /* the monitor table (only when missing) */
    ST_UPDATE,   /* one row to the new value (affected rows counted) */
    ST_INSERT,   /* when the update found no row */
    ST_READBACK, /* the new value must be read back: exactly one row */
    ST_SELECT,   /* level select: a plain read */
    ST_DROP_IF,  /* level create/drop: a table left by a killed check */
    ST_CREATE_TMP,
    ST_INSERT_TMP,
    ST_READBACK_TMP,
    ST_DROP_TMP,
} mysqlw_step_t;

/* The steps of level, in order, into steps (room for max). Returns how many,
 * or -1 for an unknown level. */
static int mysqlw_steps(int level, mysqlw_step_t *steps, int max)
{
    static const mysqlw_step_t upd[] = {ST_EXISTS, ST_CREATE, ST_UPDATE, ST_INSERT, ST_READBACK};
    static const mysqlw_step_t sel[] = {ST_SELECT};
    static const mysqlw_step_t cd[] = {ST_DROP_IF, ST_CREATE_TMP, ST_INSERT_TMP, ST_READBACK_TMP,
                                       ST_DROP_TMP};
    const mysqlw_step_t *s;
    int n;
    switch (level) {
    case MYSQLW_UPDATE:
        s = upd;
        n = (int)(sizeof(upd) / sizeof(upd[0]));
        break;
    case MYSQLW_SELECT:
        s = sel;
        n = 1;
        break;
    case MYSQLW_CREATEDROP:
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

/* True when name is a plain identifier (letters, digits, '_', not starting
 * with a digit, at most 64 characters): table and engine names. */
static bool mysqlw_ident_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || (name[0] >= '0' && name[0] <= '9')) {
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

/* <table>_<server>, the server's name reduced to identifier characters, at
 * most 64 characters. */
static void mysqlw_tmp_table(const char *table, const char *server, char *out, size_t n)
{
    size_t k = (size_t)snprintf(out, n, "%s_", table);
    for (const char *p = server; *p && k + 1 < n && k < 64; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[k++] = ok ? c : '_';
    }
    out[k < n ? k : n - 1] = '\0';
}

/* The SQL of step (table, tmp and engine already checked) into out. Returns
 * 0, or -1 when it does not fit. */
static int mysqlw_sql(mysqlw_step_t step, const char *table, const char *tmp, const char *engine,
                      long value, char *out, size_t n)
{
    int r;
    switch (step) {
    case ST_EXISTS:
        r = snprintf(out, n,
                     "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                     "DATABASE() AND table_name = '%s'",
                     table);
        break;
    case ST_CREATE:
        r = snprintf(out, n,
                     "CREATE TABLE IF NOT EXISTS %s (num INT NOT NULL PRIMARY KEY) ENGINE=%s",
                     table, engine);
        break;
    case ST_UPDATE:
        r = snprintf(out, n, "UPDATE %s SET num = %ld LIMIT 1", table, value);
        break;
    case ST_INSERT:
        r = snprintf(out, n, "INSERT INTO %s (num) VALUES (%ld)", table, value);
        break;
    case ST_READBACK:
        r = snprintf(out, n, "SELECT num FROM %s WHERE num = %ld", table, value);
        break;
    case ST_SELECT:
        r = snprintf(out, n, "SELECT COUNT(*) FROM %s", table);
        break;
    case ST_DROP_IF:
        r = snprintf(out, n, "DROP TABLE IF EXISTS %s", tmp);
        break;
    case ST_CREATE_TMP:
        r = snprintf(out, n, "CREATE TABLE %s (num INT NOT NULL PRIMARY KEY) ENGINE=%s", tmp,
                     engine);
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
    long rows;     /* rows returned by the last statement */
    long affected; /* rows changed by the last statement */
    long first;    /* first column of the first row, as a number */
} my_run_t;

static int my_run(my_run_t *r, const char *sql)
{
    if (r->my->query(r->m, sql) != 0) {
        printf("%s: %s", sql, r->my->error(r->m));
        return -1;
    }
    r->rows = 0;
    r->first = 0;
    r->affected = (long)r->my->affected_rows(r->m);
    MYSQL_RES *res = r->my->store_result(r->m);
    if (res) {
        r->rows = (long)r->my->num_rows(res);
        MYSQL_ROW row = r->my->fetch_row(res);
        if (row && row[0]) {
            r->first = atol(row[0]);
        }
        r->my->free_result(res);
    }
    return 0;
}

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
    if (!table || !mysqlw_ident_ok(table)) {
        printf("the monitor table name '%s' is not a plain SQL identifier", table ? table : "");
        return MON_CHECK_ERROR;
    }
    if (!engine || !engine[0]) {
        engine = "InnoDB";
    }
    if (!mysqlw_ident_ok(engine)) {
        printf("the storage engine name '%s' is not a plain SQL identifier", engine);
        return MON_CHECK_ERROR;
    }
    mysqlw_step_t steps[16];
    int n = mysqlw_steps(level, steps, 16);
    if (n < 0) {
        printf("unknown monitor level %d (parameters/docreatedrop: 0, 1 or 3)", level);
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
    char tmp[80], sql[MYSQLW_SQL_MAX];
    mysqlw_tmp_table(table, ctx->server, tmp, sizeof(tmp));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long value = (long)((ts.tv_sec % 1000000) * 1000 + ts.tv_nsec / 1000000) + 1;
    int rc = MON_CHECK_OK;
    bool exists = true;
    for (int i = 0; i < n && rc == MON_CHECK_OK; i++) {
        if ((steps[i] == ST_CREATE && exists) || (steps[i] == ST_INSERT && r.affected > 0)) {
            continue;
        }
        if (mysqlw_sql(steps[i], table, tmp, engine, value, sql, sizeof(sql)) < 0 ||
            my_run(&r, sql) < 0) {
            rc = MON_CHECK_ERROR;
            break;
        }
        if (steps[i] == ST_EXISTS) {
            exists = r.first > 0;
        } else if ((steps[i] == ST_READBACK || steps[i] == ST_READBACK_TMP) && r.rows != 1) {
            printf("%s: %ld rows read back instead of 1", sql, r.rows);
            rc = MON_CHECK_ERROR;
        }
    }
    my.close(r.m);
    return rc;
}

const mon_type_t mon_mysqlw = {
    .name = "mysqlw",
    .inproc = false,
    .check = check,
};

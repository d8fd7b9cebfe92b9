/*
 * dbw: the level -> steps choice, identifier rules, create/drop table name and
 * step loop shared by the database monitors (see dbw.h). Everything here but
 * dbw_value_now() is a function of its arguments (and the exec callback), so
 * test_mon_dbw drives it with a fake database.
 */
#include "dbw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mon.h"

#define DBW_SQL_MAX 512

int dbw_steps(const dbw_dialect_t *d, int level, const dbw_step_t **steps)
{
    for (size_t i = 0; i < d->nlevels; i++) {
        if (d->levels[i].level == level) {
            *steps = d->levels[i].steps;
            return d->levels[i].n;
        }
    }
    return -1;
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool dbw_ident_ok(const dbw_dialect_t *d, const char *name)
{
    if (!name) {
        return false;
    }
    size_t n = strlen(name);
    if (n == 0 || n > d->ident_max || is_digit(name[0]) ||
        (d->ident_letter_first && !is_letter(name[0]))) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_letter(name[i]) && !is_digit(name[i]) && name[i] != '_') {
            return false;
        }
    }
    return true;
}

void dbw_tmp_table(const dbw_dialect_t *d, const char *table, const char *server, char *out,
                   size_t n)
{
    /* "_<server>", at most half the identifier; the table's name cut to make
     * room for it: the result never exceeds ident_max and is never the
     * monitor table itself (create/drop drops it). */
    char sfx[40];
    size_t s = 0, smax = d->ident_max / 2;
    if (smax > sizeof(sfx) - 1) {
        smax = sizeof(sfx) - 1;
    }
    sfx[s++] = '_';
    for (const char *p = server; *p && s < smax; p++) {
        sfx[s++] = is_letter(*p) || is_digit(*p) ? *p : '_';
    }
    sfx[s] = '\0';
    size_t t = strlen(table), room = d->ident_max > s ? d->ident_max - s : 0;
    if (t > room) {
        t = room;
    }
    snprintf(out, n, "%.*s%s", (int)t, table, sfx);
    size_t k = strlen(out);
    if (k > 0 && strcmp(out, table) == 0) {
        out[k - 1] = out[k - 1] == 'x' ? 'y' : 'x';
    }
}

bool dbw_truthy(const char *value)
{
    return strcmp(value, "t") == 0 || atol(value) > 0;
}

long dbw_value_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long)((ts.tv_sec % 1000000) * 1000 + ts.tv_nsec / 1000000) + 1;
}

int dbw_sqlf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

int dbw_sql_std(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n)
{
    switch (step) {
    case DBW_BEGIN:
        return dbw_sqlf(out, n, "BEGIN");
    case DBW_COMMIT:
        return dbw_sqlf(out, n, "COMMIT");
    case DBW_INSERT:
        return dbw_sqlf(out, n, "INSERT INTO %s (num) VALUES (%ld)", a->table, a->value);
    case DBW_INSERT_TMP:
        return dbw_sqlf(out, n, "INSERT INTO %s (num) VALUES (%ld)", a->tmp, a->value);
    case DBW_READBACK:
        return dbw_sqlf(out, n, "SELECT num FROM %s WHERE num = %ld", a->table, a->value);
    case DBW_READBACK_TMP:
        return dbw_sqlf(out, n, "SELECT num FROM %s WHERE num = %ld", a->tmp, a->value);
    case DBW_DROP_IF:
        return dbw_sqlf(out, n, "DROP TABLE IF EXISTS %s", a->tmp);
    case DBW_DROP_TMP:
        return dbw_sqlf(out, n, "DROP TABLE %s", a->tmp);
    default:
        return -1;
    }
}

/* d's levels as "0, 1 or 3" into out. */
static const char *levels_text(const dbw_dialect_t *d, char *out, size_t n)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < d->nlevels && k < n; i++) {
        const char *sep = i == 0 ? "" : i + 1 == d->nlevels ? " or " : ", ";
        int r = snprintf(out + k, n - k, "%s%d", sep, d->levels[i].level);
        k += r > 0 ? (size_t)r : 0;
    }
    return out;
}

int dbw_plan(const dbw_dialect_t *d, int level, const char *table, const dbw_step_t **steps)
{
    int n = dbw_steps(d, level, steps);
    if (n < 0) {
        char levels[64];
        printf("unknown monitor level %d (parameters/docreatedrop: %s)", level,
               levels_text(d, levels, sizeof(levels)));
        return -1;
    }
    bool needs_table = false;
    for (int i = 0; i < n; i++) {
        needs_table = needs_table || (*steps)[i] != DBW_STATUS;
    }
    if (needs_table && !dbw_ident_ok(d, table)) {
        printf("the monitor table name '%s' is not a plain SQL identifier", table ? table : "");
        return -1;
    }
    return n;
}

int dbw_run(const dbw_dialect_t *d, const dbw_step_t *steps, int n, const dbw_sql_args_t *a,
            dbw_exec_fn exec, void *conn)
{
    bool exists = true;
    long affected = 0;
    for (int i = 0; i < n; i++) {
        dbw_step_t s = steps[i];
        if ((s == DBW_CREATE && exists) || (s == DBW_INSERT && affected > 0)) {
            continue;
        }
        char sql[DBW_SQL_MAX];
        if (d->sql(s, a, sql, sizeof(sql)) < 0) {
            printf("cannot build the statement of step %d (table %s)", (int)s, a->table);
            return MON_CHECK_ERROR;
        }
        dbw_result_t res = {0};
        int verdict = exec(conn, s, sql, &res);
        if (verdict != MON_CHECK_OK) {
            return verdict;
        }
        affected = res.affected;
        if (s == DBW_EXISTS) {
            exists = dbw_truthy(res.first);
        } else if (s == DBW_READBACK || s == DBW_READBACK_TMP) {
            long got = d->readback_counts ? atol(res.first) : res.rows;
            if (got != 1) {
                printf("%s: %ld rows read back instead of 1", sql, got);
                return MON_CHECK_ERROR;
            }
        }
    }
    return MON_CHECK_OK;
}

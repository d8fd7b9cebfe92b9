/*
 * dbw: what the database monitors (psqlw, mysqlw, oraclew) share. A check is
 * a list of steps chosen by the monitor level (parameters/docreatedrop), each
 * step one SQL statement in the monitor's dialect:
 *
 *   update/select  is the table there, create it when not, update its row to
 *                  a new value (insert when there is none), read it back
 *   select         a plain read of the table
 *   create/drop    a table of this server's own, created, written, read
 *                  back and dropped
 *
 * A monitor describes itself in a dbw_dialect_t (its levels and their steps,
 * its identifier rules, its SQL of each step); dbw_plan() checks the level and
 * the table name, dbw_run() runs the steps through the monitor's own client
 * library (an exec callback) and decides the verdict. The client library, its
 * session and the SQL text stay in each monitor's file.
 */
#ifndef CORE_MONITORS_DBW_H
#define CORE_MONITORS_DBW_H

#include <stdbool.h>
#include <stddef.h>

/* The steps of one check. A dialect's SQL callback writes each one it uses. */
typedef enum {
    DBW_STATUS,   /* the instance's state (oraclew level 2: one text column) */
    DBW_EXISTS,   /* is the table there? (one value: a count, or t/f) */
    DBW_CREATE,   /* the monitor table; skipped when DBW_EXISTS found it */
    DBW_BEGIN,    /* a transaction */
    DBW_LOCK,     /* serialise the servers' monitors on the table */
    DBW_UPDATE,   /* the row to the new value (affected rows counted) */
    DBW_INSERT,   /* only when the update changed no row */
    DBW_READBACK, /* the new value must be read back exactly once */
    DBW_COMMIT,
    DBW_SELECT,  /* level select: a plain read */
    DBW_DROP_IF, /* level create/drop: a table left by a killed check */
    DBW_CREATE_TMP,
    DBW_INSERT_TMP,
    DBW_READBACK_TMP, /* as DBW_READBACK, on the create/drop table */
    DBW_DROP_TMP,
} dbw_step_t;

/* One monitor level (a parameters/docreatedrop value) and its steps in order. */
typedef struct {
    int level;
    const dbw_step_t *steps;
    int n;
} dbw_level_t;

/* A dbw_level_t row from a static array of steps. */
#define DBW_LEVEL(lv, arr)                                                                         \
    {                                                                                              \
        (lv), (arr), (int)(sizeof(arr) / sizeof((arr)[0]))                                         \
    }

/* What a step's SQL is written from. table and tmp are checked identifiers
 * (dbw_ident_ok, dbw_tmp_table); opt is the dialect's own (mysqlw: the storage
 * engine), NULL when unused; value is the check's new row value. */
typedef struct {
    const char *table;
    const char *tmp;
    const char *opt;
    long value;
} dbw_sql_args_t;

/* What a statement returned: rows (rows of a query), affected (rows changed by
 * DML) and first (the first column of the first row as text, "" if none). */
typedef struct {
    long rows;
    long affected;
    char first[64];
} dbw_result_t;

typedef struct {
    const dbw_level_t *levels; /* ordered by level (the order error texts list them in) */
    size_t nlevels;
    size_t ident_max;        /* longest identifier the database takes */
    bool ident_letter_first; /* an identifier starts with a letter (else: not with a digit) */
    bool readback_counts;    /* the read-back is a COUNT(*) whose value must be 1 (else: the
                              * read-back query must return exactly one row) */
    /* The SQL of step into out (room for n): the dialect's own statements,
     * dbw_sql_std() for the others. Returns 0, or -1 when the step is not the
     * dialect's or the statement does not fit. */
    int (*sql)(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n);
} dbw_dialect_t;

/* Writes a statement (printf-style) into out (room for n). Returns 0, or -1
 * when it does not fit. */
int dbw_sqlf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The standard SQL of step (what a dialect does not write itself) into out:
 * BEGIN, COMMIT, INSERT INTO <t> (num) VALUES (V), SELECT num FROM <t> WHERE
 * num = V, DROP TABLE IF EXISTS <tmp>, DROP TABLE <tmp> (t: table or tmp).
 * Returns 0, or -1 for a step without a standard form or when it does not fit. */
int dbw_sql_std(dbw_step_t step, const dbw_sql_args_t *a, char *out, size_t n);

/* Runs sql (the statement of step) on conn and fills res (zeroed by the
 * caller). Returns MON_CHECK_OK, or the verdict after printing what failed. */
typedef int (*dbw_exec_fn)(void *conn, dbw_step_t step, const char *sql, dbw_result_t *res);

/* The steps of level: *steps points into d's table. Returns how many, or -1
 * for a level d does not have. */
int dbw_steps(const dbw_dialect_t *d, int level, const dbw_step_t **steps);

/* True when name (may be NULL: false) can be written into the SQL unquoted:
 * letters, digits and '_', the first character as d says, at most
 * d->ident_max characters. */
bool dbw_ident_ok(const dbw_dialect_t *d, const char *name);

/* The name of the create/drop table into out (room for n): <table>_<server>,
 * the server's name reduced to letters and digits ('_' for the others) and to
 * half of d->ident_max, the table's name cut so that the whole fits in
 * d->ident_max characters; never the table's own name. */
void dbw_tmp_table(const dbw_dialect_t *d, const char *table, const char *server, char *out,
                   size_t n);

/* True when a DBW_EXISTS value says "there": "t" or a count above 0. */
bool dbw_truthy(const char *value);

/* The row value of a check: milliseconds of the wall clock (mod 10^9) + 1, so
 * it changes between checks and is never 0. */
long dbw_value_now(void);

/* Checks the configuration of a check before any session: the level must be
 * one of d's, and table a plain identifier unless the level only asks the
 * instance's state. Sets *steps (see dbw_steps) and returns how many, or prints
 * what is wrong and returns -1. */
int dbw_plan(const dbw_dialect_t *d, int level, const char *table, const dbw_step_t **steps);

/* Runs the n steps on conn through exec: DBW_CREATE is skipped when DBW_EXISTS
 * found the table, DBW_INSERT when the statement before it changed a row; a
 * read-back must read the value once. Returns MON_CHECK_OK, or the first
 * verdict that is not (what failed is printed). */
int dbw_run(const dbw_dialect_t *d, const dbw_step_t *steps, int n, const dbw_sql_args_t *a,
            dbw_exec_fn exec, void *conn);

#endif

/*
 * clp_alertlog: the alert log file format, shared by its single writer
 * (clusterpro_evt) and its readers (alertsync, clpaltlog, WebManager).
 *
 * alert/alert.log is append-only text, one record per line, tab-separated:
 *
 *   origin  seq  wall_ms  module  event_id  level  dest  source  source_seq  text
 *
 * origin is the server where the alert happened and seq its per-origin
 * sequence number (1, 2, ...): (origin, seq) identifies a record cluster-wide,
 * which is what replication de-duplicates on. Backslash, tab, newline and
 * carriage return in text are escaped (\\ \t \n \r). The writer appends whole
 * lines and fdatasyncs before acknowledging; a torn last line (a crash during
 * the write) has no newline or the wrong field count and is cut off when the
 * writer opens the file.
 */
#ifndef CLP_ALERTLOG_H
#define CLP_ALERTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLP_ALERT_TEXT_MAX 4096

typedef struct {
    char origin[64];
    uint64_t seq;
    uint64_t wall_ms;
    char module[16];
    unsigned event_id;
    int level;     /* CLP_LVL_* */
    unsigned dest; /* CLP_DEST_* */
    char source[96];
    uint64_t source_seq;
    char text[CLP_ALERT_TEXT_MAX];
} clp_alert_rec_t;

/* Formats rec as one line (with the trailing newline) into out. Returns the
 * length, or -ENOSPC if n is too small. */
int clp_alertrec_format(const clp_alert_rec_t *rec, char *out, size_t n);

/* Parses one line (without or with its newline). Returns 0 or -EINVAL. Text
 * longer than CLP_ALERT_TEXT_MAX-1 is truncated. */
int clp_alertrec_parse(const char *line, clp_alert_rec_t *rec);

/* Calls fn for every valid record of the file in order; stops early when fn
 * returns non-zero. Returns the number of valid records read, or -errno.
 * bad (may be NULL) receives the count of malformed lines skipped. */
typedef int (*clp_alertlog_fn)(void *arg, const clp_alert_rec_t *rec);
long clp_alertlog_scan(const char *path, clp_alertlog_fn fn, void *arg, long *bad);

/* Cuts a torn final line off path (a line without newline at the end).
 * Returns bytes removed, or -errno. */
long clp_alertlog_repair(const char *path);

#endif

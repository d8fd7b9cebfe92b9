/*
 * as_log: alertsync's read-only view of this server's alert log.
 *
 * clusterpro_evt is the only writer of alert/alert.log; alertsync follows it
 * like `tail -f`: as_log_refresh reads the complete lines appended since the
 * last call and indexes them by origin (seq -> file offset). When the file was
 * replaced (evt's retention compaction renames a new file over it) or shrank,
 * the index is rebuilt from the start. Serving a pull reads the indexed lines
 * back with pread.
 */
#ifndef AS_LOG_H
#define AS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "clp_alertlog.h"

typedef struct as_log as_log_t;

/* Follows path (which may not exist yet). Returns NULL on ENOMEM. */
as_log_t *as_log_new(const char *path);
void as_log_destroy(as_log_t **l);

/* Reads what was appended. Returns the number of new records indexed, or -errno. */
long as_log_refresh(as_log_t *l);

/* Newest / oldest indexed seq of origin (0 when none). */
uint64_t as_log_last(const as_log_t *l, const char *origin);
uint64_t as_log_first(const as_log_t *l, const char *origin);

/* The number of origins, and the name of the i-th. */
size_t as_log_n_origins(const as_log_t *l);
const char *as_log_origin(const as_log_t *l, size_t i);

/* Reads the records of origin with seq >= from, in order, into recs (at most
 * max of them) until their text adds up to more than budget bytes (at least
 * one record is returned when there is one). Returns the count or -errno. */
long as_log_read(as_log_t *l, const char *origin, uint64_t from, clp_alert_rec_t *recs, size_t max,
                 size_t budget);

/* Times the index was rebuilt because the file was replaced. */
unsigned long as_log_rebuilds(const as_log_t *l);

#endif

/*
 * evt_store: this server's alert log, written only by clusterpro_evt.
 *
 * Keeps what de-duplication needs in memory, rebuilt from the file at open:
 * the last sequence number per origin server (this server's own records are
 * numbered here), and the last source_seq per sending process, so an event
 * resent after a lost ack is acknowledged without being written twice.
 * Appends are fdatasync'd before they are acknowledged. When the log grows
 * past the retention limit by a tenth it is compacted to the newest records
 * (rewrite to a temporary file, fsync, rename).
 */
#ifndef EVT_STORE_H
#define EVT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_alertlog.h"

typedef struct evt_store evt_store_t;

/* Opens (creating) path; server is this server's name. Returns NULL with errno. */
evt_store_t *evt_store_open(const char *path, const char *server, long max_records);
void evt_store_close(evt_store_t **st);

/* Result of an append. */
typedef enum { EVT_STORE_WRITTEN, EVT_STORE_DUPLICATE } evt_store_result_t;

/* Appends a local event: rec->origin and rec->seq are assigned here. A
 * (source, source_seq) already stored is reported as a duplicate and not
 * written. Returns 0 (with *res) or -errno. */
int evt_store_append_local(evt_store_t *st, clp_alert_rec_t *rec, evt_store_result_t *res);

/* Appends a record from another server as is, unless (origin, seq) is not
 * newer than what is stored for that origin. */
int evt_store_append_remote(evt_store_t *st, const clp_alert_rec_t *rec, evt_store_result_t *res);

/* Highest stored seq of origin (0 if none). */
uint64_t evt_store_last_seq(const evt_store_t *st, const char *origin);
/* The highest source_seq stored for source (0 if none). */
uint64_t evt_store_source_hwm(const evt_store_t *st, const char *source);

long evt_store_count(const evt_store_t *st);
unsigned long evt_store_written(const evt_store_t *st);
unsigned long evt_store_duplicates(const evt_store_t *st);

#endif

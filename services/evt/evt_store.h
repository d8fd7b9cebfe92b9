/*
 * evt_store: this server's alert log, written only by clusterpro_evt.
 *
 * Keeps what de-duplication needs in memory, rebuilt from the file at open:
 * the last sequence number per origin server (this server's own records are
 * numbered here), and the last source_seq per sending process, so an event
 * resent after a lost ack is acknowledged without being written twice.
 * Appends are fdatasync'd before they are acknowledged. When the log grows
 * past the retention limit by a tenth it is compacted to the newest records
 * (rewrite to a temporary file, fsync, rename). Records of other servers are
 * appended strictly in order per origin: a duplicate is ignored, a gap refused.
 *
 * The per-origin high-water marks are also kept in PATH.hwm (written at each
 * compaction and skip), so an origin whose records all fell out of retention
 * is not pulled again from the start after a restart.
 */
#ifndef EVT_STORE_H
#define EVT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clp_alertlog.h"

typedef struct evt_store evt_store_t;

/* Opens (creating) path; server is this server's name. Returns NULL with errno. */
evt_store_t *evt_store_open(const char *path, const char *server, long max_records);
void evt_store_close(evt_store_t **st);

/* Result of an append. */
typedef enum { EVT_STORE_WRITTEN, EVT_STORE_DUPLICATE, EVT_STORE_GAP } evt_store_result_t;

/* True (and counted as a duplicate) when source_seq of source was already
 * handled (stored or routed elsewhere). */
bool evt_store_seen(evt_store_t *st, const char *source, uint64_t source_seq);

/* Remembers that source_seq of source was handled without a record (an event
 * routed to syslog/mail/trap only). In memory: see docs/alerts.md. */
void evt_store_note_source(evt_store_t *st, const char *source, uint64_t source_seq);

/* Appends a local event: rec->origin and rec->seq are assigned here. A
 * (source, source_seq) already stored is reported as a duplicate and not
 * written. Returns 0 (with *res) or -errno. */
int evt_store_append_local(evt_store_t *st, clp_alert_rec_t *rec, evt_store_result_t *res);

/* Appends a record from another server as is: written when its seq is the
 * next of its origin, DUPLICATE when not newer, GAP (not written) when records
 * are missing before it. Returns 0 (with *res) or -errno. */
int evt_store_append_remote(evt_store_t *st, const clp_alert_rec_t *rec, evt_store_result_t *res);

/* Appends the records of recs (any origins, each origin's in ascending seq)
 * that continue their origin, skipping duplicates and stopping an origin at
 * its first gap, with one write and one fdatasync. *gaps (may be NULL)
 * receives the number refused for a gap. Returns the number written or -errno
 * (then nothing new is known to be durable). */
long evt_store_append_remote_batch(evt_store_t *st, const clp_alert_rec_t *recs, size_t n,
                                   size_t *gaps);

/* Declares that origin's records up to seq no longer exist anywhere (its own
 * retention dropped them): the next record expected is seq + 1. Ignored when
 * not newer. Returns 0 or -errno. */
int evt_store_skip_to(evt_store_t *st, const char *origin, uint64_t seq);

/* Highest stored seq of origin (0 if none). */
uint64_t evt_store_last_seq(const evt_store_t *st, const char *origin);
/* The highest source_seq handled for source (0 if none). */
uint64_t evt_store_source_hwm(const evt_store_t *st, const char *source);

/* Calls fn for every origin known (name, last seq). */
void evt_store_origins(const evt_store_t *st,
                       void (*fn)(void *arg, const char *origin, uint64_t last_seq), void *arg);

long evt_store_count(const evt_store_t *st);
unsigned long evt_store_written(const evt_store_t *st);
unsigned long evt_store_duplicates(const evt_store_t *st);
unsigned long evt_store_gaps(const evt_store_t *st);
unsigned long evt_store_compactions(const evt_store_t *st);

#endif

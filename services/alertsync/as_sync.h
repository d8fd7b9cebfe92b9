/*
 * as_sync: the replication decisions of alertsync (pure: no I/O, time given).
 *
 * For every origin server it knows what this server holds (the newest seq in
 * the local alert log or confirmed by evt) and what each peer announced
 * (newest and oldest seq it holds). It decides which pulls to send: for an
 * origin where some peer holds newer records, one pull at a time, to the
 * origin itself when it has them (else to the peer holding the most), from the
 * first missing seq, retried after AS_PULL_TIMEOUT_MS. It decides whether
 * records that arrive continue the local log (only then are they handed to
 * evt, one batch per origin at a time); evt enforces the order once more.
 * A peer that holds only records newer than a gap is not asked, except the
 * origin itself, which may say that older records are gone (retention).
 */
#ifndef AS_SYNC_H
#define AS_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AS_PULL_TIMEOUT_MS 1500
#define AS_PEER_INFO_TTL_MS 15000
#define AS_NAME_MAX 64

typedef struct as_sync as_sync_t;

typedef struct {
    char origin[AS_NAME_MAX];
    char peer[AS_NAME_MAX];
    uint64_t from;
} as_pull_t;

/* self: this server's name (its own records are never pulled). */
as_sync_t *as_sync_new(const char *self);
void as_sync_destroy(as_sync_t **s);

/* This server holds origin's records up to last (raises, never lowers). */
void as_sync_local(as_sync_t *s, const char *origin, uint64_t last);
uint64_t as_sync_local_last(const as_sync_t *s, const char *origin);

/* Peer announced that it holds origin's records first..last. */
void as_sync_peer(as_sync_t *s, const char *peer, const char *origin, uint64_t first, uint64_t last,
                  uint64_t now_ms);

/* The pulls to send now (at most max); each is marked in flight. */
size_t as_sync_pulls(as_sync_t *s, uint64_t now_ms, as_pull_t *out, size_t max);

/* Records of origin arrived: n records starting at first_rec (0 when n is 0);
 * from_origin/first_avail as the sender said. True when they continue the
 * local log (or the origin says the missing ones are gone): hand them to evt,
 * and call as_sync_evt_done afterwards. */
bool as_sync_records(as_sync_t *s, const char *origin, uint64_t first_rec, size_t n,
                     bool from_origin, uint64_t first_avail);

/* evt finished (ok or not) appending origin's batch. */
void as_sync_evt_done(as_sync_t *s, const char *origin);

/* Every origin this server knows (for announces): count and i-th name. */
size_t as_sync_n_origins(const as_sync_t *s);
const char *as_sync_origin(const as_sync_t *s, size_t i);

/* Origins where a peer is known to hold more than this server. */
size_t as_sync_behind(const as_sync_t *s, uint64_t now_ms);

#endif

/*
 * witness: the decisions of the HTTP witness (tools/clpwitness), pure, so that
 * they are unit-tested (test/unit/test_witness.c) apart from the HTTP daemon.
 *
 * The servers of a cluster ask the witness during network-partition
 * resolution (services/core/np_http.c). A request names the cluster, the
 * asking server, the side it still hears (itself included), a lease time and
 * the sender's wall clock:
 *
 *   cluster=<name>&server=<name>&side=<s1,s2,...>&ttl=<ms>&t=<wall ms>
 *
 * "resolve": when the cluster has no lease in force, the asking side gets one
 * for ttl and survives; while a lease is in force, a server of the holding
 * side survives (and the lease is extended to at least now + ttl), any other
 * loses. "hold": the winner renews its lease; a server outside the holding
 * side loses, and a hold with no lease in force takes one (the witness may
 * have restarted without its state file). Every request must be fresh: its t
 * within the window of the witness's clock, and larger than the last t from
 * the same server (a recorded request sent again is refused). The MAC over the
 * body is checked by the daemon before witness_decide.
 */
#ifndef WITNESS_H
#define WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WITNESS_NAME_MAX 64
#define WITNESS_SIDE_MAX 32

typedef struct {
    char cluster[WITNESS_NAME_MAX];
    char server[WITNESS_NAME_MAX];
    char side[WITNESS_SIDE_MAX][WITNESS_NAME_MAX];
    int n_side;
    long ttl_ms;
    uint64_t t; /* the sender's wall clock, ms */
} witness_req_t;

typedef enum {
    WITNESS_SURVIVE = 0,
    WITNESS_LOSE = 1,
    WITNESS_REFUSED = 2, /* stale, replayed or malformed: answered 403 / 400 */
} witness_verdict_t;

/* Parses a request body. Returns 0, or -EINVAL with the reason in why. */
int witness_parse(const char *body, size_t len, witness_req_t *r, char *why, size_t n);

typedef struct witness witness_t;

/* window_ms: how far t may be from the witness's wall clock. */
witness_t *witness_new(uint64_t window_ms);
void witness_destroy(witness_t **w);

/* Decides r. hold: a renewal. now_mono: the witness's monotonic clock (lease
 * times); now_wall: its wall clock (freshness of t). why gets a sentence. */
witness_verdict_t witness_decide(witness_t *w, const witness_req_t *r, bool hold, uint64_t now_mono,
                                 uint64_t now_wall, char *why, size_t n);

/* Leases in force, one line each: "<cluster> <s1,s2,...> <ms left>". */
void witness_dump(const witness_t *w, uint64_t now_mono, FILE *out);

/* State file: the leases in force with their end on the wall clock, and the
 * last t of every server, so that a restarted witness neither hands a lease to
 * the other side nor accepts an old request. Returns 0 or -errno. */
int witness_save(const witness_t *w, uint64_t now_mono, uint64_t now_wall, FILE *out);
int witness_load(witness_t *w, uint64_t now_mono, uint64_t now_wall, FILE *in);

#endif

/*
 * clp_msg: the envelope every message travels in (proto/envelope.proto).
 *
 * A clp_msg_ctx_t holds the sending identity (cluster, server, process,
 * incarnation) and the next sequence number; clp_msg_stamp fills an
 * envelope's header from it. clp_msg_unpack is the single place where outside
 * bytes become an envelope: it enforces the size limit, the protocol version,
 * the cluster name and a set payload, counts what it rejects, and logs at most
 * one line per 10 s about rejects, so garbage on any socket never crashes or
 * floods anything.
 */
#ifndef CLP_MSG_H
#define CLP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "clp_proto/envelope.pb-c.h"

#define CLP_PROTO_VERSION 1
#define CLP_MSG_MAX (8u * 1024u * 1024u)

typedef struct clp_msg_ctx {
    char cluster[64];
    char sender[64];
    char origin[48];
    uint64_t incarnation;
    uint64_t seq;
    uint64_t n_rejected;      /* malformed, oversized, wrong version or cluster */
    uint64_t last_reject_log; /* monotonic ms of the last reject log line */
} clp_msg_ctx_t;

/* Initialises ctx. cluster may be "" (then the cluster name is not checked on
 * unpack). incarnation 0 picks one from the wall clock in microseconds. */
void clp_msg_ctx_init(clp_msg_ctx_t *ctx, const char *cluster, const char *sender,
                      const char *origin, uint64_t incarnation);

/* A new incarnation that is larger than any before for this state file:
 * max(previous + 1, wall clock in µs), persisted to statefile (may be NULL for
 * short-lived tools). */
uint64_t clp_incarnation_next(const char *statefile);

/* Fills version, cluster, sender, origin, incarnation and the next seq. The
 * string fields point into ctx, which must outlive the envelope's use. */
void clp_msg_stamp(clp_msg_ctx_t *ctx, Clp__Envelope *env);

/* Same, and marks env as the reply to req (reply_to = req->seq). */
void clp_msg_stamp_reply(clp_msg_ctx_t *ctx, Clp__Envelope *env, const Clp__Envelope *req);

/* Packs env into a heap buffer the caller frees. Returns 0, -EMSGSIZE or -ENOMEM. */
int clp_msg_pack(const Clp__Envelope *env, uint8_t **out, size_t *len);

/* Unpacks and checks buf. Returns the envelope (free with clp_msg_free) or NULL,
 * with the reason in err. ctx may be NULL; when given, rejects are counted and
 * logged (rate-limited) with where naming the socket. */
Clp__Envelope *clp_msg_unpack(clp_msg_ctx_t *ctx, const char *where, const void *buf, size_t len,
                              char *err, size_t errlen);

void clp_msg_free(Clp__Envelope *env);

/* Counts and logs (rate-limited) a rejected input. */
void clp_msg_reject(clp_msg_ctx_t *ctx, const char *where, const char *why);

/* Human name of an envelope's payload, for logs. */
const char *clp_msg_payload_name(const Clp__Envelope *env);

#endif

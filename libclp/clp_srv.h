/*
 * clp_srv: a request server on a ZeroMQ ROUTER socket, dispatching envelopes
 * by payload type through one handler table.
 *
 * Each received envelope is checked (clp_msg_unpack) and passed to the
 * handler registered for its payload case, with a clp_srv_req_t that
 * remembers who asked. A handler answers at once or later: either way it must
 * call clp_srv_reply or clp_srv_reply_error exactly once, which sends and frees
 * the request. A payload with no handler gets an ErrorReply naming it.
 */
#ifndef CLP_SRV_H
#define CLP_SRV_H

#include <event2/event.h>
#include <stddef.h>

#include "clp_msg.h"

struct clp_keys;
typedef struct clp_srv clp_srv_t;
typedef struct clp_srv_req clp_srv_req_t;

/* env is owned by the server and valid only during the call; copy what is kept. */
typedef void (*clp_srv_handler_fn)(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

typedef struct {
    int payload_case; /* CLP__ENVELOPE__PAYLOAD_* */
    clp_srv_handler_fn fn;
} clp_srv_handler_t;

/* Creates a ROUTER bound to endpoint (ipc:// or tcp://). table is terminated by
 * an entry with fn == NULL and must outlive the server. curve_keys, if non-NULL,
 * makes it a CURVE server (see clp_keys.h) whose clients the ZAP handler checks
 * under zap_domain. Returns NULL with a reason in err. */
clp_srv_t *clp_srv_new(struct event_base *base, void *zctx, const char *endpoint,
                       const clp_srv_handler_t *table, void *arg, clp_msg_ctx_t *mctx,
                       const struct clp_keys *curve_keys, const char *zap_domain,
                       char *err, size_t errlen);

void clp_srv_destroy(clp_srv_t **srv);

/* Sends rep (a copy stamped as the reply to the request; rep itself is not
 * changed, so an unpacked envelope may be relayed) and frees req. */
int clp_srv_reply(clp_srv_req_t *req, Clp__Envelope *rep);

/* Sends an ErrorReply with code and message and frees req. */
int clp_srv_reply_error(clp_srv_req_t *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Who sent the request (envelope sender / origin), copied at receipt. */
const char *clp_srv_req_sender(const clp_srv_req_t *req);
const char *clp_srv_req_origin(const clp_srv_req_t *req);
/* The peer address ZeroMQ reported for the connection ("" for ipc). */
const char *clp_srv_req_peer(const clp_srv_req_t *req);

/* The ZAP user of the connection: "cluster" (a cluster member), "client:NAME"
 * (an outside host's key), or "" (ipc, no authentication). */
const char *clp_srv_req_user(const clp_srv_req_t *req);

/* Frees req without replying (for fire-and-forget messages). */
void clp_srv_drop(clp_srv_req_t *req);

/* Counters for status replies. */
unsigned long clp_srv_requests(const clp_srv_t *srv);
unsigned long clp_srv_rejected(const clp_srv_t *srv);

#endif

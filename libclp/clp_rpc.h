/*
 * clp_rpc: request/reply with timeouts, for tools and for daemons.
 *
 * clp_rpc_call is the blocking form tools use: one DEALER socket, one request,
 * wait up to the timeout for the reply that answers it (replies to older
 * requests are skipped). For an ipc endpoint whose socket file does not exist
 * it fails at once with -ECONNREFUSED ("service not running") instead of
 * waiting.
 *
 * clp_aclient is the asynchronous form daemons use inside their libevent loop:
 * calls carry a callback and a timeout; a reply is matched to its call by
 * reply_to; a call that times out gets its callback with rep == NULL.
 */
#ifndef CLP_RPC_H
#define CLP_RPC_H

#include <event2/event.h>
#include <stddef.h>

#include "clp_keys.h"
#include "clp_msg.h"

/* Sends req (stamped from mctx) to endpoint and waits up to timeout_ms for the
 * reply. keys != NULL makes it a CURVE client of the cluster; ext != NULL a
 * CURVE client with an outside key (at most one of them). On success *rep is the
 * reply (free with clp_msg_free); an ErrorReply is returned as a reply too.
 * With CURVE, a server that refuses the key ends the call at once with -EACCES
 * (instead of reconnecting until the timeout).
 * Returns 0, -ETIMEDOUT, -ECONNREFUSED, -EACCES or -errno, with a sentence in err. */
int clp_rpc_call(void *zctx, const char *endpoint, const clp_keys_t *keys,
                 const clp_client_key_t *ext, clp_msg_ctx_t *mctx, Clp__Envelope *req,
                 Clp__Envelope **rep, int timeout_ms, char *err, size_t errlen);

/* Convenience: the local ipc endpoint of service name (evt, trn, core, ...). */
int clp_rpc_local(void *zctx, const char *root, const char *name, clp_msg_ctx_t *mctx,
                  Clp__Envelope *req, Clp__Envelope **rep, int timeout_ms, char *err,
                  size_t errlen);

typedef struct clp_aclient clp_aclient_t;

/* rep is NULL on timeout; it is owned by the client and valid during the call. */
typedef void (*clp_aclient_fn)(void *arg, const Clp__Envelope *rep);

clp_aclient_t *clp_aclient_new(struct event_base *base, void *zctx, const char *endpoint,
                               const clp_keys_t *keys, clp_msg_ctx_t *mctx);
void clp_aclient_destroy(clp_aclient_t **c);

/* Sends req (stamped here); fn(arg, reply or NULL) runs exactly once. Returns
 * 0, or -errno if the request could not even be queued (fn is not called). */
int clp_aclient_call(clp_aclient_t *c, Clp__Envelope *req, int timeout_ms, clp_aclient_fn fn,
                     void *arg);

/* Sends req without expecting a reply. */
int clp_aclient_send(clp_aclient_t *c, Clp__Envelope *req);

/* Cancels every pending call of arg (their callbacks are not called). */
void clp_aclient_cancel(clp_aclient_t *c, void *arg);

/* Pending calls. */
size_t clp_aclient_pending(const clp_aclient_t *c);

#endif

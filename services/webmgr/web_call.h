/*
 * web_call: one request to a daemon, asynchronously, for an operation.
 *
 * Each call has its own short-lived client socket, closed (pending messages
 * dropped) as soon as the reply or the timeout has come: a request to a core
 * that is down is never queued to run later when it comes back. A local
 * service whose socket file is missing is reported at once as not running.
 */
#ifndef WEB_CALL_H
#define WEB_CALL_H

#include "web.h"

/* rep is NULL on failure, with a sentence in err and status -ETIMEDOUT (no
 * answer in time: the request may have been received), -ECONNREFUSED (the
 * service is not running / cannot be reached), -EPROTO (an ErrorReply) or
 * -EINVAL; rep is valid during the call, status 0. */
typedef void (*web_call_fn)(void *arg, const Clp__Envelope *rep, int status, const char *err);

/* Sends env to the local service (core, trn, ...). fn runs exactly once,
 * possibly before this returns (service not running). */
void web_call_local(web_t *w, const char *service, Clp__Envelope *env, int timeout_ms,
                    web_call_fn fn, void *arg);

/* Sends env to the clusterpro_trn of server: the local one through ipc, another
 * over the data transfer port with CURVE and the cluster key. fn runs once. */
void web_call_trn(web_t *w, const char *server, Clp__Envelope *env, int timeout_ms, web_call_fn fn,
                  void *arg);

/* The address to reach server at (its first LAN heartbeat device). 0 or -ENOENT. */
int web_server_addr(const clp_conf_t *conf, const char *server, char *out, size_t n);

/* Sends a core request (ClusterRequest, MonitorRequest, ...) to the core of
 * server: the local core through ipc, another server's through its trn, which
 * relays it. fn runs once. */
void web_call_core_on(web_t *w, const char *server, Clp__Envelope *env, int timeout_ms,
                      web_call_fn fn, void *arg);

#endif

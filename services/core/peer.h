/*
 * peer: core <-> core messaging over the internal port (29001/TCP, CURVE).
 *
 * For each peer and each LAN heartbeat path the core keeps a connection to the
 * peer's address on that path; a message goes over the highest-priority path
 * that currently works (as membership sees it), so losing the interconnect
 * does not stop internal communication while the public LAN works. Each core
 * publishes its NodeState (its groups, monitors and view of the paths) to
 * every peer when it changes and every few seconds; the last state received
 * from each peer is kept here for the cluster view.
 */
#ifndef CORE_PEER_H
#define CORE_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_rpc.h"
#include "core.h"

typedef struct peer peer_t;

peer_t *peer_new(core_t *c);
void peer_destroy(peer_t **p);

/* Sends ns to every peer that is up (fire and forget). */
void peer_publish(peer_t *p, const Clp__NodeState *ns);

/* Sends req to server and calls fn with its reply or NULL (timeout / no path).
 * Returns 0, or -errno when no path to the server works (fn is not called). */
int peer_call(peer_t *p, int server, Clp__Envelope *req, int timeout_ms, clp_aclient_fn fn,
              void *arg);
/* Sends without expecting a reply. */
int peer_send(peer_t *p, int server, Clp__Envelope *req);

/* A NodeState arrived from sender (handler side). */
void peer_store(peer_t *p, const char *sender, const Clp__NodeState *ns);

/* The last NodeState of server (NULL if none); age in ms since it arrived. */
const Clp__NodeState *peer_state(const peer_t *p, int server, uint64_t *age_ms);

/* Forget the state of a server (its core restarted or it went down for good). */
void peer_forget(peer_t *p, int server);

/* Cancels pending calls whose callback argument is arg. */
void peer_cancel(peer_t *p, void *arg);

#endif

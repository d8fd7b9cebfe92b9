/*
 * clp_zsock: ZeroMQ sockets inside a libevent loop.
 *
 * ZMQ_FD is edge-triggered: it signals that ZMQ_EVENTS may have changed, not
 * that a message is waiting, and a send can consume the edge. A clp_zwatch
 * therefore drains the socket while ZMQ_EVENTS says POLLIN after every wake-up,
 * and must be kicked (clp_zwatch_kick) after every send on the socket. This
 * module is the only place in the product that touches ZMQ_FD.
 *
 * The watch reads whole multipart messages and hands their frames to the
 * callback; it processes at most a batch per wake-up and re-arms itself, so a
 * flooding peer cannot starve the loop.
 */
#ifndef CLP_ZSOCK_H
#define CLP_ZSOCK_H

#include <event2/event.h>
#include <stddef.h>
#include <zmq.h>

#include "clp_msg.h"

#define CLP_ZSOCK_MAX_PARTS 8

typedef struct clp_zwatch clp_zwatch_t;

/* Called once per received message with its frames (nparts >= 1). The frames
 * are closed by the watch after the callback returns. */
typedef void (*clp_zwatch_fn)(void *arg, void *sock, zmq_msg_t *parts, int nparts);

/* Starts watching sock. Returns NULL on failure (errno set). */
clp_zwatch_t *clp_zwatch_new(struct event_base *base, void *sock, clp_zwatch_fn fn, void *arg);

/* Must be called after each send on the watched socket (re-checks ZMQ_EVENTS). */
void clp_zwatch_kick(clp_zwatch_t *w);

/* Messages dropped because they had more than CLP_ZSOCK_MAX_PARTS frames. */
unsigned long clp_zwatch_dropped(const clp_zwatch_t *w);

void clp_zwatch_destroy(clp_zwatch_t **w);

/* Packs env and sends it as one frame, preceded by an identity frame when
 * identity is non-NULL (ROUTER replies). Non-blocking. Returns 0 or -errno. */
int clp_zsock_send_env(void *sock, const void *identity, size_t idlen, const Clp__Envelope *env);

/* A new socket with linger set to linger_ms and the common options applied. */
void *clp_zsock_new(void *zctx, int type, int linger_ms);

#endif

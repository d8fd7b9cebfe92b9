/*
 * svc_control: the supervisor's control endpoint, a clp_srv request server on
 * ipc://ROOT/run/clpsvc.sock answering SvcRequest (proto/svc.proto) with
 * SvcReply and StatusRequest with StatusReply. STATUS is answered at once;
 * START, STOP and RESTART are queued as supervisor jobs and answered when the
 * job is over, with the outcome and every service's state. After a STOP of
 * every service has been answered, the shutdown hook runs (the supervisor
 * exits).
 */
#ifndef SVC_CONTROL_H
#define SVC_CONTROL_H

#include <event2/event.h>
#include <stddef.h>

#include "svc_supervise.h"

typedef struct svc_control svc_control_t;

typedef void (*svc_shutdown_fn)(void *arg);

/* Binds the endpoint for root (a stale socket file is replaced: the caller holds
 * the supervisor's pid lock). sup must outlive the control. Returns NULL with
 * a reason in err. */
svc_control_t *svc_control_new(struct event_base *base, void *zctx, const char *root,
                               svc_sup_t *sup, svc_shutdown_fn on_shutdown, void *arg,
                               char *err, size_t errlen);

/* Closes the endpoint and removes its socket file. Destroy the supervisor
 * first, so that pending requests get their answer. */
void svc_control_destroy(svc_control_t **ctl);

#endif

/*
 * svc_supervise: the restarter. It owns one child process per service and
 * drives it through the states
 *
 *   offline -> starting -> online -> stopping -> disabled
 *                  ^          |
 *                  +----------+  (unexpected exit: restart at once)
 *   maintenance: exited too often, waiting for the back-off delay
 *
 * on a libevent loop. A service is started by fork/exec of its manifest's
 * start method with the install prefix replaced by the root, in its own process
 * group, output to log/<service>.out; it is "online" once it answers a
 * StatusRequest on ipc://ROOT/run/<ipc>.sock with its own pid (probed every
 * 20 ms, asynchronously). SIGCHLD is a libevent signal event. An unexpected
 * exit restarts the service at once unless svc_backoff says to wait; a
 * service stopped on purpose is never restarted, and a dependency's restart
 * does not touch its dependents (restart_on="none"). Every restart is logged
 * and sent as a monp alert.
 *
 * Operator actions (start/stop/restart of one service or all) are jobs, run one
 * after the other; each ends by calling its callback once with the outcome.
 */
#ifndef SVC_SUPERVISE_H
#define SVC_SUPERVISE_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clp_evclient.h"
#include "svc_manifest.h"

typedef struct svc_sup svc_sup_t;

typedef enum { SVC_ACT_START, SVC_ACT_STOP, SVC_ACT_RESTART } svc_action_t;

/* ok: the action reached its goal; message: a sentence (valid during the call). */
typedef void (*svc_done_fn)(void *arg, bool ok, const char *message);

typedef struct {
    const char *name;  /* clusterpro_evt, ... */
    const char *state; /* offline, starting, online, stopping, maintenance, disabled */
    int pid;           /* 0 when no process */
    unsigned restarts; /* automatic restarts since the supervisor started */
    uint64_t since_ms; /* wall clock of the last state change */
} svc_info_t;

/* Creates the supervisor for the n manifests m (copied) under root. ev (may be
 * NULL) receives the monp alerts and must outlive the supervisor. Nothing is
 * started yet. Returns NULL with a reason in err (bad graph, unsupported stop
 * method, bad start method). */
svc_sup_t *svc_sup_new(struct event_base *base, void *zctx, const char *root,
                       const svc_manifest_t *m, size_t n, clp_evclient_t *ev, char *err,
                       size_t errlen);

/* Frees the supervisor; queued jobs end with ok = false. Running services are
 * left running (stop them first with SVC_ACT_STOP). */
void svc_sup_destroy(svc_sup_t **sup);

/* Queues an action on service idx (svc_sup_find), or on all with idx -1: start
 * enables it (and what it needs) and starts in dependency order; stop stops
 * and disables (all: one by one in stop order); restart stops then starts.
 * fn(arg, ...) runs exactly once when the action is over, never before this
 * returns. Returns 0, -EINVAL (bad idx) or -ESHUTDOWN (the supervisor is
 * closing after a stop of all). After a stop of all no further job is taken. */
int svc_sup_submit(svc_sup_t *sup, svc_action_t action, int idx, svc_done_fn fn, void *arg);

/* Number of services. */
size_t svc_sup_count(const svc_sup_t *sup);

/* The k-th service in start order (k < svc_sup_count). Strings point into sup. */
void svc_sup_info(const svc_sup_t *sup, size_t k, svc_info_t *out);

/* The service name of service idx (as given to svc_sup_submit). */
const char *svc_sup_name(const svc_sup_t *sup, int idx);

/* Index for svc_sup_submit of the service named name (service name or FMRI), or -1. */
int svc_sup_find(const svc_sup_t *sup, const char *name);

#endif

/*
 * svc_daemon: the supervisor process. svc_daemon_spawn detaches it from the
 * command that asked (double fork, setsid, stdio to log/clpsvc.out) and waits
 * on a pipe for the outcome of its first start; svc_daemon_run is its body:
 * the pid lock run/clpsvc.pid, log/clpsvc.log, the event loop, the event
 * client for monp alerts, the supervisor, the control endpoint, SIGTERM and
 * SIGINT as "stop everything, then exit".
 */
#ifndef SVC_DAEMON_H
#define SVC_DAEMON_H

#include <stddef.h>

#include "svc_manifest.h"

/* Starts a detached supervisor for root over the n manifests m, which first
 * starts service idx (with what it needs) or every service (idx -1), and waits
 * until that start is over. Returns 0 when it succeeded, -EIO when it failed
 * (the supervisor keeps running and retrying), -EWOULDBLOCK when another
 * supervisor holds the lock (ask that one), or -errno; msg gets the sentence. */
int svc_daemon_spawn(const char *root, const svc_manifest_t *m, size_t n, int idx, char *msg,
                     size_t msglen);

/* The supervisor's body, in this process, until it is told to stop everything.
 * ready_fd (-1: none) gets one line, "ok ..." or "error ..." or "busy ...", when
 * the first start is over, and is closed. Returns the process exit status. */
int svc_daemon_run(const char *root, const svc_manifest_t *m, size_t n, int idx, int ready_fd);

#endif

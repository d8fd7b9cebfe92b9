/*
 * evt_cfsync: the configuration download at server start.
 *
 * A server that was down while the configuration was pushed must not start
 * its cluster service with the old one. clusterpro_evt starts first of the
 * five services, so before it serves anything it asks the other servers'
 * clusterpro_trn (ConfigPullRequest, info only, over the data transfer port)
 * which configuration they have and whether their cluster service runs, and
 * fetches the configuration when it must (evt_cfsync_decide):
 *
 *   - a server whose cluster service runs answered: the cluster runs its
 *     configuration; take it (the highest-priority such server) unless this
 *     server has the same (digest);
 *   - otherwise (a cluster starting): the master server (the first by
 *     priority in this server's clp.conf) decides after asking every other
 *     server once; any other server waits for the master server's answer, up
 *     to EVT_CFSYNC_WAIT_MS (2 minutes, as documented for the original); then
 *     the highest generation among the servers that answered is taken when it
 *     is newer than this server's, or the master server's when it has the
 *     same generation with another content; else this server keeps its own.
 *
 * Servers whose trn does not listen (refused or unreachable at TCP level) are
 * passed over at once. The download is skipped when this server's cluster
 * service is already running (evt restarted alone), when the cluster has one
 * server, or without the cluster key. The bundle fetched is checked (it loads,
 * this server is in it) and installed atomically with its generation
 * (clp_cfstore_install); the log says where it came from.
 */
#ifndef EVT_CFSYNC_H
#define EVT_CFSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clp_daemon.h"

#define EVT_CFSYNC_WAIT_MS 120000u

typedef struct {
    bool answered; /* its trn answered this round or an earlier one */
    bool running;  /* its cluster service runs */
    uint64_t generation;
    char digest[65];
} evt_cfsync_peer_t;

typedef enum { EVT_CFSYNC_WAIT, EVT_CFSYNC_KEEP, EVT_CFSYNC_FETCH } evt_cfsync_verdict_t;

/* Pure decision. peers[k] is server k of this server's configuration (in
 * priority order; server 0 is the master server; peers[self] is ignored);
 * asked_all: every other server was asked at least once; timed_out: the wait
 * is over. On FETCH *source is the server to fetch from. *why gets a phrase
 * for the log. */
evt_cfsync_verdict_t evt_cfsync_decide(const evt_cfsync_peer_t *peers, size_t n, int self,
                                       uint64_t my_gen, const char *my_digest, bool asked_all,
                                       bool timed_out, int *source, const char **why);

/* Runs the download (blocking, before evt serves anything). Returns 1 when a
 * new configuration was installed (the caller loads it), 0 when the local one
 * stays. wait_ms bounds the wait for the master server. */
int evt_cfsync_run(clp_daemon_t *d, uint32_t wait_ms);

#endif

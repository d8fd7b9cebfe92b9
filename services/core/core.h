/*
 * core: the clusterpro daemon's context and the wiring between its modules.
 *
 * One core_t per process (created in main.c). The modules keep their own
 * state and are pure where they decide something (nm membership, placement,
 * recovery sequence, NP chain); core.c connects them: heartbeat arrivals go to
 * nm, nm's events become alerts, NP resolution, fencing or group placement;
 * the tick timer drives time. Nothing here blocks: children run what may.
 */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "clp_daemon.h"
#include "fence.h"
#include "hb.h"
#include "nm.h"
#include "np.h"
#include "userw.h"

struct peer;
struct rc;
struct rm;

typedef struct core {
    clp_daemon_t *d;
    const clp_conf_t *conf;
    int self;
    nm_t *nm;
    hb_t *hb;
    np_t *np;
    fence_t *fence;
    userw_t *userw;
    struct peer *peer;
    struct rc *rc;
    struct rm *rm;
    struct event *tick;
    uint32_t tick_ms;
    struct event *wake; /* a tick at the next deadline within a tick (schedule_wake) */

    /* this server */
    bool leaving;        /* announced a graceful stop: groups are offline */
    bool cluster_stop;   /* the whole cluster is stopping: no failover */
    bool stopping;       /* stopping groups before leaving */
    bool fenced;         /* lost a partition: acting on npaction */
    bool suspended;
    fence_action_t shutdown_after_stop; /* clpdown / clpstdn: what to do once stopped */

    /* network-partition resolution: an episode starts with the first loss;
     * losses detected within one heartbeat interval join it (a partition
     * cuts every peer of the other side at once, but their silences are
     * noticed up to an interval apart) */
    uint64_t np_mask;         /* peers whose loss is being resolved */
    uint64_t np_members;      /* membership before the episode's first loss */
    uint64_t np_queue;        /* losses waiting for the next resolution */
    uint64_t np_settle_until; /* when the queued losses are resolved */
    bool np_episode;

    /* servers declared down whose groups may be taken over after a grace */
    uint64_t takeover_at[NM_MAX_SERVERS];
    uint64_t takeover_pending;
    uint32_t fstop_retry_ms[NM_MAX_SERVERS]; /* backoff of failed forced stops */

    /* timeout ratio (clptoratio) */
    uint32_t toratio;
    uint64_t toratio_until_wall;
    uint64_t started_ms; /* monotonic */

    /* version of this server's published state, and when it was last sent */
    uint64_t state_version;
    uint64_t published_version;
    uint64_t published_at;
    uint64_t leave_at; /* when the leaving announcement has been sent long enough */
    uint64_t leave_beat_at; /* the next extra leaving beat */

    /* configuration generations and reloads (confgen.c) */
    uint64_t conf_differs;             /* peers whose heartbeats announce another configuration */
    uint64_t conf_alerted;             /* ... for which cfmgr 10 was raised */
    uint64_t conf_gen[NM_MAX_SERVERS]; /* generation each peer announced */
    uint64_t conf_differs_since[NM_MAX_SERVERS];
    uint64_t reload_until;             /* a reload is pending until then (0: none) */
    bool reload_exit;                  /* left the loop for a reload: exit CLP_EXIT_RELOAD */
    bool reload_checked;               /* looked for what a reloaded predecessor left */
    uint64_t reload_quiet_at;          /* monitor checks ended for the reload (0: not yet) */

    /* counters */
    unsigned long n_np_runs, n_np_lost, n_servers_down;
} core_t;

/* Creates every module and starts heartbeats. Returns 0 or -errno. */
int core_init(core_t *c, clp_daemon_t *d);
/* Stops what core_init started, in reverse. */
void core_fini(core_t *c);

/* The daemon received SIGTERM: stop groups (failing them over unless the
 * cluster is stopping), announce leaving, leave the loop. */
void core_begin_stop(core_t *c, bool cluster_wide, const char *why);

/* Something in this server's published state changed (groups, monitors). */
void core_state_changed(core_t *c);

/* rc reports that no local group is active any more during a stop. */
void core_groups_stopped(core_t *c);

/* This server's state as heartbeats announce it. */
Clp__ServerState core_local_state(const core_t *c);

/* Applies a timeout ratio (1 = none) until wall-clock until_ms (0 = none). */
void core_set_toratio(core_t *c, uint32_t ratio, uint64_t until_ms);

/* Status counters for the daemon's status reply. */
void core_status(void *arg, Clp__StatusReply *rep);

/* Handlers for the ipc and TCP endpoints (api.c). */
extern const clp_srv_handler_t core_handlers[];

#endif

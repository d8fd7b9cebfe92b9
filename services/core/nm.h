/*
 * nm: membership. Decides, from heartbeat arrivals and the passing of time
 * alone, which servers are up, which heartbeat paths work, when a peer is lost
 * (network-partition resolution needed before anything is taken over), when
 * the start-up wait for all servers ends, and who the master is.
 *
 * This module does no I/O: the heartbeat transports feed it nm_rx(), a timer
 * calls nm_tick() with the monotonic time, and the events it returns are acted
 * on by the core (alerts, NP resolution, failover). Unit tests and simulators
 * drive it with invented times.
 *
 * Rules:
 * - A path to a peer is Normal while something arrived on it within the
 *   heartbeat timeout, Error after; a beat arriving later than the delay
 *   warning share of the timeout after the previous one is reported once
 *   (NM_EV_PATH_DELAY) and shows Caution for a while.
 * - A peer is lost only when no path delivered anything for the timeout, or
 *   when its own beats say it has not heard this server for the timeout (a
 *   one-way cut: it is about to declare this server lost). Losing one path of
 *   several is NM_EV_PATH_ERROR, never a loss.
 * - A lost peer is not down yet: NM_EV_NEED_NP asks for resolution with the
 *   set of lost peers; nm_np_result() then declares them down (survived) or
 *   the core fences itself (lost).
 * - A peer that announces it is leaving (graceful stop, groups already
 *   offline) goes down at once, without resolution.
 * - The master is the highest-priority server (lowest priority value) among
 *   this server and the peers that are up, online and "master ready": a
 *   server announces it is ready once it has been online for two heartbeat
 *   intervals, so a server that joins takes the master's role only after
 *   the running master has seen it, never at the same moment.
 */
#ifndef CORE_NM_H
#define CORE_NM_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_config.h"
#include "clp_proto/cluster.pb-c.h"

#define NM_MAX_SERVERS 64
#define NM_MAX_PATHS 16
#define NM_NEVER UINT32_MAX

typedef enum {
    NM_PEER_DOWN = 0,  /* not heard since start, or declared down */
    NM_PEER_UP,        /* heard within the timeout */
    NM_PEER_SUSPECT,   /* lost, resolution pending */
} nm_peer_state_t;

typedef enum {
    NM_EV_SERVER_UP = 1,   /* server: a peer is heard (again) */
    NM_EV_SERVER_DOWN,     /* server: declared down (after resolution or leaving) */
    NM_EV_NEED_NP,         /* mask: peers lost, resolve before any takeover */
    NM_EV_PATH_ERROR,      /* server, path: nothing on this path for the timeout */
    NM_EV_PATH_RECOVERED,  /* server, path */
    NM_EV_PATH_DELAY,      /* server, path, value = the gap in ms */
    NM_EV_SYNC_DONE,       /* every server heard during the start-up wait */
    NM_EV_SYNC_TIMEOUT,    /* the start-up wait ended without all servers */
    NM_EV_MASTER,          /* server: the master changed (-1: none) */
    NM_EV_PEER_RESTARTED,  /* server: same peer, new incarnation (its core restarted) */
} nm_event_kind_t;

typedef struct {
    nm_event_kind_t kind;
    int server;
    int path;
    uint64_t mask;
    uint32_t value;
} nm_event_t;

/* What a heartbeat told us, beyond its arrival. */
typedef struct {
    Clp__ServerState state;
    uint64_t incarnation;
    uint32_t hears_me_ms; /* the sender's age of its last beat from us (NM_NEVER = not heard) */
    bool leaving;
    bool cluster_stop;
    bool master_ready;    /* the sender may be the master */
    uint64_t seq;         /* the envelope's sequence (0: not ordered) */
} nm_hb_info_t;

typedef struct nm nm_t;

/* self: this server's index in conf->servers. now: monotonic ms at start. */
nm_t *nm_new(const clp_conf_t *conf, int self, uint64_t now);
void nm_destroy(nm_t **nm);

/* Effective timings (heartbeat timeout multiplied by the timeout ratio). */
void nm_set_ratio(nm_t *nm, uint32_t ratio);
uint32_t nm_timeout_ms(const nm_t *nm);
uint32_t nm_interval_ms(const nm_t *nm);

/* Whether this server announces it may be the master (see the rules above). */
bool nm_master_ready(const nm_t *nm);

/* This server's own state (what its heartbeats announce). */
void nm_set_local_state(nm_t *nm, Clp__ServerState state);
Clp__ServerState nm_local_state(const nm_t *nm);

/* A heartbeat from server on path arrived at now. */
/* Returns whether the beat is the newest heard from its sender (a higher
 * sequence of the same incarnation, or another incarnation): only then does
 * its content count. An older one (held up on a path that was down: a
 * carrier-less interface queues what is sent, and delivers it when the link
 * comes back) only shows that its path works again. */
bool nm_rx(nm_t *nm, int server, int path, uint64_t now, const nm_hb_info_t *info);

/* Advances time; writes up to max events to out and returns how many. */
int nm_tick(nm_t *nm, uint64_t now, nm_event_t *out, int max);

/* The outcome of resolution for the peers in mask. survived: they are declared
 * down (events on the next tick); not survived: nothing changes here (the core
 * fences itself). */
void nm_np_result(nm_t *nm, uint64_t mask, bool survived, uint64_t now);

/* Ends the start-up wait now (clpcl --skipwait / the operator). */
void nm_skip_sync(nm_t *nm);
bool nm_syncing(const nm_t *nm);

/* Queries. */
nm_peer_state_t nm_peer_state(const nm_t *nm, int server);
Clp__ServerState nm_peer_reported_state(const nm_t *nm, int server);
uint64_t nm_up_mask(const nm_t *nm);     /* servers up (self included) */
uint64_t nm_online_mask(const nm_t *nm); /* up and online (eligible for groups) */
int nm_master(const nm_t *nm);           /* -1 when none */
uint32_t nm_age_ms(const nm_t *nm, int server, uint64_t now); /* NM_NEVER when never */

/* When the earliest peer now up will have been silent for the heartbeat
 * timeout, so that nm_tick then finds its loss; UINT64_MAX when no peer is up.
 * Lets the caller run nm_tick at that moment rather than at its next tick. */
uint64_t nm_next_loss_at(const nm_t *nm);
Clp__PathState nm_path_state(const nm_t *nm, int server, int path, uint64_t now);
uint32_t nm_path_age_ms(const nm_t *nm, int server, int path, uint64_t now);
uint32_t nm_path_max_gap(const nm_t *nm, int server, int path);
bool nm_path_used(const nm_t *nm, int server, int path);
bool nm_peer_cluster_stop(const nm_t *nm, int server);
bool nm_peer_left(const nm_t *nm, int server); /* its last beat announced a graceful stop */
int nm_n_servers(const nm_t *nm);
int nm_n_paths(const nm_t *nm);
int nm_self(const nm_t *nm);

#endif

/*
 * rc: failover groups and their resources.
 *
 * Two roles live here. Every server runs its groups' resources (rc.c): it
 * activates a group's resources in dependency order (independent ones in
 * parallel, each in a child process), deactivates them in reverse, applies the
 * activation/deactivation failure sequence (retry, failover, final action,
 * stall action), writes what is active to work/ before acting, and after a
 * restart probes its resources and carries on without doubling or dropping
 * anything. The master server (the highest-priority server online) decides
 * where groups run (rc_master.c): starts, stops, moves, failovers, takeovers
 * of a lost server's groups, failback, all serialised per group, with the
 * destination chosen by placement.c and the reason logged (rc 64/65).
 *
 * Every server keeps the cluster-wide view of groups from the peers'
 * heartbeats and published states; requests that arrive at any server are
 * forwarded to the master.
 */
#ifndef CORE_RC_H
#define CORE_RC_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_proto/cluster.pb-c.h"
#include "clp_srv.h"
#include "core.h"

typedef struct rc rc_t;

int rc_init(core_t *c);
void rc_fini(core_t *c);

/* Heartbeat contents: this server's non-offline groups. */
void rc_fill_briefs(core_t *c, Clp__Heartbeat *msg);
/* A peer's heartbeat: note where its groups are. */
void rc_note_briefs(core_t *c, int server, uint64_t incarnation, const Clp__Heartbeat *hb);

/* Membership news. */
void rc_server_up(core_t *c, int server);
void rc_server_down(core_t *c, int server); /* after resolution and grace: may take over */
void rc_cluster_formed(core_t *c, bool joined);
/* Whether the cluster's auto start has been done (announced in heartbeats, so
 * a server that joins a running cluster knows not to do it again). */
bool rc_autostarted(core_t *c);
void rc_note_autostarted(core_t *c);
void rc_master_changed(core_t *c, int master);

void rc_tick(core_t *c, uint64_t now);

/* Removes addresses and kills processes of every local resource, at once. */
void rc_quick_fence(core_t *c);

/* Stops every local group (failing them over unless cluster_wide); the core
 * is told (core_groups_stopped) when none is left. */
void rc_stop_groups(core_t *c, bool cluster_wide);

/* NodeState contents and the view. */
void rc_fill_node_state(core_t *c, Clp__NodeState *ns);
void rc_free_node_state(Clp__NodeState *ns);
void rc_fill_view(core_t *c, Clp__ClusterStatus *st);
void rc_free_view(Clp__ClusterStatus *st);

/* Requests (api.c): from tools on any server, from peers. */
void rc_handle_group_request(core_t *c, clp_srv_req_t *req, const Clp__GroupRequest *gr,
                             const char *sender);
void rc_handle_resource_request(core_t *c, clp_srv_req_t *req, const Clp__ResourceRequest *rr,
                                const char *sender);
void rc_handle_group_command(core_t *c, clp_srv_req_t *req, const Clp__GroupCommand *cmd,
                             const char *sender);
void rc_handle_group_event(core_t *c, clp_srv_req_t *req, const Clp__GroupEvent *ev,
                           const char *sender);

/* For monitors (rm): ask the master for a recovery of the group holding
 * resource/group target. kind: RESTART (reactivate here) or FAILOVER. done(arg,
 * ok, message) runs when the master accepted or refused. */
typedef void (*rc_done_fn)(void *arg, bool ok, const char *msg);
int rc_request_recovery(core_t *c, const char *group, const char *resource, bool failover,
                        const char *cause, rc_done_fn done, void *arg);

/* A monitor's final action "stop group": asks the master to stop group. */
int rc_request_stop(core_t *c, const char *group, const char *cause);

/* Local queries for monitors. */
bool rc_resource_online_here(core_t *c, const char *resource);
bool rc_group_online_here(core_t *c, const char *group);
/* An activation or deactivation of group g (index) runs on this server. */
bool rc_group_busy_here(core_t *c, int g);
int rc_group_index(core_t *c, const char *group);
/* Servers where a monitor error forbids group g (set by rm). */
void rc_set_restricted(core_t *c, int g, int server, bool restricted);

#endif

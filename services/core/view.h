/*
 * view: what this server publishes about itself (NodeState, to the peers) and
 * the cluster status every tool and WebManager renders (ClusterStatus), built
 * from membership, the heartbeat paths, NP health, the groups and monitors,
 * and the states the peers published. Tools never parse logs: they ask for
 * this.
 */
#ifndef CORE_VIEW_H
#define CORE_VIEW_H

#include "core.h"

/* Builds this server's NodeState (free with view_free_node_state). */
void view_node_state(core_t *c, Clp__NodeState *ns);
void view_free_node_state(Clp__NodeState *ns);

/* Publishes NodeState to the peers when it changed, or every few seconds. */
void view_publish_tick(core_t *c, uint64_t now);

/* Builds the cluster status (free with view_free_status). */
void view_status(core_t *c, bool local_only, Clp__ClusterStatus *st);
void view_free_status(Clp__ClusterStatus *st);

#endif

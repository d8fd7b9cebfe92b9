/*
 * clp_confdiff: what changes between the configuration a cluster runs and a
 * new one, and how each change can be applied. Pure: two loaded
 * configurations (and bundles) and the names of the groups that are active
 * somewhere in, a list of classified changes out. docs/configuration.md has
 * the table; the rules live in one table per section here.
 *
 * Classes, from the mildest:
 *   live          the push applies it: every daemon of every server loads the
 *                 new configuration (the core restarts keeping its groups, one
 *                 server at a time), nothing that runs is touched; new groups
 *                 with automatic start are then started
 *   group-stop    a group that is active somewhere would have to change under
 *                 its running resources (a resource added, removed or with new
 *                 parameters, the group removed, its exclusive attribute or type
 *                 changed): the operator stops those groups first
 *   suspend       cluster-wide detection or reaction changes (heartbeat timing,
 *                 network-partition resources and action, stall and process
 *                 failure actions, forced stop, server groups, anything this
 *                 table does not know): the cluster must be suspended
 *                 (clpcl --suspend -a) so that nothing fails over while servers
 *                 reload one by one
 *   cluster-stop  membership changes (servers, their addresses or priorities,
 *                 heartbeat resources, ports, the cluster name): the cluster
 *                 must be stopped (clpcl -t -a)
 */
#ifndef CLP_CONFDIFF_H
#define CLP_CONFDIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_bundle.h"
#include "clp_config.h"

typedef enum {
    CLP_APPLY_NONE = 0,
    CLP_APPLY_LIVE,
    CLP_APPLY_GROUP_STOP,
    CLP_APPLY_SUSPEND,
    CLP_APPLY_CLUSTER_STOP,
} clp_apply_class_t;

typedef struct {
    clp_apply_class_t cls;
    char what[256];           /* e.g. "monitor genw1 changed (polling/interval 60 -> 5)" */
    char group[CLP_NAME_MAX]; /* group-stop: the group that must be stopped first */
} clp_change_t;

typedef struct {
    clp_change_t *v;
    size_t n, cap;
    clp_apply_class_t worst;     /* the strictest class of all changes */
    char (*start)[CLP_NAME_MAX]; /* groups added with automatic start */
    size_t n_start;
} clp_confdiff_t;

/* Compares old and new (either bundle may be NULL: scripts are then not
 * compared). active: names of the groups active (not offline) on some server.
 * Fills d (empty); 0 or -ENOMEM. */
int clp_confdiff(const clp_conf_t *old, const clp_conf_t *new, const clp_bundle_t *old_bundle,
                 const clp_bundle_t *new_bundle, const char *const *active, size_t n_active,
                 clp_confdiff_t *d);

void clp_confdiff_free(clp_confdiff_t *d);

/* "none", "live", "group-stop", "suspend", "cluster-stop". */
const char *clp_apply_class_name(clp_apply_class_t c);

/* The class a changed cluster-wide key (path below /root, e.g.
 * "cluster/heartbeat/timeout") needs. */
clp_apply_class_t clp_confdiff_cluster_key(const char *key);

#endif

/*
 * placement: where a failover group should run. A pure function of the
 * configuration, which servers can take groups, where every group is (or is
 * about to be), and which servers are excluded for this decision; no I/O, so
 * a table of cases in test/unit/test_placement.c pins the rules down.
 *
 * Rules, in order:
 * 1. Candidates are the group's startup servers (failover policy) in policy
 *    order (default: every server by priority), that are online, not
 *    excluded for this decision (e.g. the activation just failed there), not
 *    restricted by a monitor error on that server, unless forced.
 * 2. Complete exclusion: a server where another complete-exclusive group is
 *    online or pending is never a candidate.
 * 3. Normal exclusion: servers without another normal-exclusive group come
 *    first; if none is left, the others may be used.
 * 4. Server groups: when the group uses server-group failover and its last
 *    server is in a server group, candidates in that server group come first;
 *    when it may not fail over across server groups, only those.
 * 5. The first remaining candidate is the destination; its reason names the
 *    rule that chose it (policy order, or the seed's automatic choice when the
 *    policy's next server could not run the group).
 * Start dependencies: a group whose start-dependency groups are not online
 * (on the same server when sameserver is set) is not placed; the reason says
 * which it waits for.
 */
#ifndef CORE_PLACEMENT_H
#define CORE_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_config.h"

#define PLACE_NONE (-1)

typedef struct {
    const clp_conf_t *conf;
    uint64_t online;        /* servers that may take groups */
    const int *where;       /* per group: server where it is online or pending, or PLACE_NONE */
    const uint64_t *restrict_mask; /* per group: servers where monitors forbid it (may be NULL) */
} place_input_t;

typedef enum {
    PLACE_START,    /* a start (no previous server) */
    PLACE_FAILOVER, /* moving away from prev (crash, failure, move without target) */
    PLACE_FAILBACK, /* is there a better server than the current one? */
} place_mode_t;

typedef struct {
    int server;        /* destination, or PLACE_NONE */
    char reason[160];  /* why this server, or why none */
    bool same_sg;      /* chosen inside the previous server's server group */
    bool other_sg;     /* chosen outside it */
} place_result_t;

/* Chooses a destination for group g. prev: the server it runs or ran on
 * (PLACE_NONE if none), used for server groups and failback. exclude: servers
 * that must not be chosen. force: ignore monitor restrictions. */
void place_group(const place_input_t *in, int g, int prev, uint64_t exclude, place_mode_t mode,
                 bool force, place_result_t *out);

/* Can server s run group g now (policy, online, exclusion, restriction)?
 * Returns true, or false with a reason. ignore_policy: started with -f. */
bool place_allowed(const place_input_t *in, int g, int s, bool force, bool ignore_policy,
                   char *why, size_t n);

/* The position of server s in group g's policy (0 best), -1 when not in it. */
int place_policy_rank(const clp_conf_t *conf, int g, int s);

/* Are g's start dependencies satisfied for a start on server s? */
bool place_deps_ready(const place_input_t *in, int g, int s, char *why, size_t n);

#endif

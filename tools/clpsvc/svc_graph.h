/*
 * svc_graph: the service dependency graph, built from parsed manifests. Pure:
 * no I/O, no allocation, so unit tests drive it with hand-made manifests.
 *
 * A node is a manifest (by its index in the caller's array). An edge is a
 * require_all dependency on another svc:/application/clusterpro/ FMRI; other
 * FMRIs (milestones, the network) are outside clpsvc's world and ignored, and
 * other groupings (optional_all, exclude_all, require_any) do not order the
 * start. The start order is topological with ties broken by a fixed preferred
 * order (clusterpro_evt, clusterpro_trn, clusterpro, clusterpro_webmgr,
 * clusterpro_alertsync, then any other service by name); the stop order is its
 * exact reverse.
 */
#ifndef SVC_GRAPH_H
#define SVC_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "svc_manifest.h"

#define SVC_MAX 32

typedef struct {
    size_t n;
    uint32_t deps[SVC_MAX];   /* bit j set: node i requires node j (direct) */
    size_t start[SVC_MAX];    /* node indices in start order */
    size_t stop[SVC_MAX];     /* node indices in stop order (reverse of start) */
} svc_graph_t;

/* Builds g from the n manifests m (which the caller keeps; g stores indices).
 * Returns 0, or with a sentence in err: -E2BIG (more than SVC_MAX services),
 * -EEXIST (two manifests with one FMRI, service name or ipc name), -ENOENT (a
 * dependency on an unknown application/clusterpro service, naming file:line),
 * -ELOOP (a dependency cycle, naming its services in order). */
int svc_graph_build(svc_graph_t *g, const svc_manifest_t *m, size_t n, char *err, size_t errlen);

/* Every node that node i needs, directly or not (i itself excluded), as a bit set. */
uint32_t svc_graph_requires(const svc_graph_t *g, size_t i);

/* Every node that needs node i, directly or not (i itself excluded), as a bit set. */
uint32_t svc_graph_dependents(const svc_graph_t *g, size_t i);

/* The index of the manifest whose service name or FMRI is name, or -1. */
int svc_graph_find(const svc_manifest_t *m, size_t n, const char *name);

#endif

/*
 * svc_graph: Kahn's topological sort over at most 32 nodes kept as bit sets.
 * At each step the ready node with the best preferred rank is taken, so the
 * order is deterministic and, for the product's five services, exactly the
 * documented one. Nodes left over when no node is ready lie on or behind a
 * cycle; following unresolved dependencies from one of them finds the cycle
 * that the error message names.
 */
#include "svc_graph.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const preferred[] = {
    "clusterpro_evt", "clusterpro_trn", "clusterpro", "clusterpro_webmgr", "clusterpro_alertsync",
};

static size_t rank_of(const char *name)
{
    for (size_t i = 0; i < sizeof(preferred) / sizeof(preferred[0]); i++) {
        if (strcmp(name, preferred[i]) == 0) {
            return i;
        }
    }
    return sizeof(preferred) / sizeof(preferred[0]);
}

/* Negative when a starts before b among ready nodes. */
static int order_cmp(const svc_manifest_t *m, size_t a, size_t b)
{
    size_t ra = rank_of(m[a].name), rb = rank_of(m[b].name);
    if (ra != rb) {
        return ra < rb ? -1 : 1;
    }
    int c = strcmp(m[a].name, m[b].name);
    return c ? c : (a < b ? -1 : 1);
}

int svc_graph_find(const svc_manifest_t *m, size_t n, const char *name)
{
    char fmri[SVC_FMRI_MAX];
    svc_fmri_normalise(name, fmri, sizeof(fmri));
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].name, name) == 0 || strcmp(m[i].fmri, fmri) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int check_unique(const svc_manifest_t *m, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            const char *what = NULL;
            if (strcmp(m[i].fmri, m[j].fmri) == 0) {
                what = "FMRI";
            } else if (strcmp(m[i].name, m[j].name) == 0) {
                what = "service name";
            } else if (strcmp(m[i].ipc, m[j].ipc) == 0) {
                what = "ipc name";
            }
            if (what) {
                snprintf(err, errlen, "%s:%d: %s has the same %s as %s:%d", m[i].file, m[i].line,
                         m[i].fmri, what, m[j].file, m[j].line);
                return -EEXIST;
            }
        }
    }
    return 0;
}

static int link_deps(svc_graph_t *g, const svc_manifest_t *m, size_t n, char *err, size_t errlen)
{
    size_t plen = strlen(SVC_FMRI_PREFIX);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < m[i].n_deps; k++) {
            const svc_dep_t *d = &m[i].deps[k];
            if (strcmp(d->grouping, "require_all") != 0 ||
                strncmp(d->fmri, SVC_FMRI_PREFIX, plen) != 0) {
                continue;
            }
            int j = -1;
            for (size_t x = 0; x < n; x++) {
                if (strcmp(m[x].fmri, d->fmri) == 0) {
                    j = (int)x;
                }
            }
            if (j < 0) {
                snprintf(err, errlen, "%s:%d: %s depends on %s, which no manifest defines",
                         m[i].file, d->line, m[i].fmri, d->fmri);
                return -ENOENT;
            }
            g->deps[i] |= 1u << j;
        }
    }
    return 0;
}

/* Writes "a -> b -> ... -> a" for a cycle among the nodes in left. */
static void describe_cycle(const svc_graph_t *g, const svc_manifest_t *m, uint32_t left,
                           char *err, size_t errlen)
{
    size_t path[SVC_MAX + 1], len = 0, cur = (size_t)__builtin_ctz(left);
    int seen_at[SVC_MAX];
    for (size_t i = 0; i < SVC_MAX; i++) {
        seen_at[i] = -1;
    }
    /* every node in left has an unresolved dependency in left: walk until a repeat */
    while (seen_at[cur] < 0) {
        seen_at[cur] = (int)len;
        path[len++] = cur;
        cur = (size_t)__builtin_ctz(g->deps[cur] & left);
    }
    size_t off = (size_t)snprintf(err, errlen, "dependency cycle: ");
    for (size_t i = (size_t)seen_at[cur]; i < len && off < errlen; i++) {
        off += (size_t)snprintf(err + off, errlen - off, "%s -> ", m[path[i]].name);
    }
    if (off < errlen) {
        snprintf(err + off, errlen - off, "%s (%s)", m[cur].name, m[cur].file);
    }
}

int svc_graph_build(svc_graph_t *g, const svc_manifest_t *m, size_t n, char *err, size_t errlen)
{
    int rc;

    memset(g, 0, sizeof(*g));
    if (n > SVC_MAX) {
        snprintf(err, errlen, "%zu services: clpsvc supervises at most %d", n, SVC_MAX);
        return -E2BIG;
    }
    g->n = n;
    if ((rc = check_unique(m, n, err, errlen)) < 0 || (rc = link_deps(g, m, n, err, errlen)) < 0) {
        return rc;
    }
    uint32_t done = 0, all = n == 32 ? 0xffffffffu : ((1u << n) - 1);
    for (size_t step = 0; step < n; step++) {
        int best = -1;
        for (size_t i = 0; i < n; i++) {
            if (!(done & (1u << i)) && (g->deps[i] & ~done) == 0 &&
                (best < 0 || order_cmp(m, i, (size_t)best) < 0)) {
                best = (int)i;
            }
        }
        if (best < 0) {
            describe_cycle(g, m, all & ~done, err, errlen);
            return -ELOOP;
        }
        done |= 1u << best;
        g->start[step] = (size_t)best;
    }
    for (size_t i = 0; i < n; i++) {
        g->stop[i] = g->start[n - 1 - i];
    }
    return 0;
}

uint32_t svc_graph_requires(const svc_graph_t *g, size_t i)
{
    uint32_t set = g->deps[i], prev;
    do {
        prev = set;
        for (size_t j = 0; j < g->n; j++) {
            if (set & (1u << j)) {
                set |= g->deps[j];
            }
        }
    } while (set != prev);
    return set & ~(1u << i);
}

uint32_t svc_graph_dependents(const svc_graph_t *g, size_t i)
{
    uint32_t set = 0;
    for (size_t j = 0; j < g->n; j++) {
        if (j != i && (svc_graph_requires(g, j) & (1u << i))) {
            set |= 1u << j;
        }
    }
    return set;
}

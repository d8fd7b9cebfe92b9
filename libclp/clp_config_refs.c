/*
 * clp_config_refs: validation of groups, resources and monitors: the
 * references between them (policy -> server, group -> member resource,
 * depend -> resource or group, monitor -> target, recovery target and
 * servers), dependency cycles, per-type parameters and limits.
 *
 * Cycles are found by a depth-first search over the dependency graph; each
 * cycle is reported once, naming the element where the search entered it and
 * the whole chain ("fip1 -> exec1 -> fip1").
 */
#include "clp_config_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* ---- dependency cycles ---- */

typedef struct {
    size_t n;
    size_t (*degree)(const clp_conf_t *c, size_t u);
    ssize_t (*target)(const clp_conf_t *c, size_t u, size_t k); /* -1: no such node */
    void (*report)(clp_ld_t *ld, const size_t *cycle, size_t len);
} graph_t;

static size_t rsc_degree(const clp_conf_t *c, size_t u)
{
    return c->resources[u].n_depend;
}

static ssize_t rsc_target(const clp_conf_t *c, size_t u, size_t k)
{
    return clp_find_resource(c, c->resources[u].depend[k]);
}

static size_t grp_act_degree(const clp_conf_t *c, size_t u)
{
    return c->groups[u].n_act_deps;
}

static ssize_t grp_act_target(const clp_conf_t *c, size_t u, size_t k)
{
    return clp_find_group(c, c->groups[u].act_deps[k].group);
}

static size_t grp_deact_degree(const clp_conf_t *c, size_t u)
{
    return c->groups[u].n_deact_deps;
}

static ssize_t grp_deact_target(const clp_conf_t *c, size_t u, size_t k)
{
    return clp_find_group(c, c->groups[u].deact_deps[k]);
}

static char *cycle_text(clp_ld_t *ld, const size_t *cyc, size_t len, const char *(*name)(
                                                                           const clp_conf_t *,
                                                                           size_t))
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) {
        cap += strlen(name(ld->c, cyc[i])) + 4;
    }
    cap += strlen(name(ld->c, cyc[0]));
    char *s = clp_ld_calloc(ld, cap, 1);
    if (!s) {
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        strcat(s, name(ld->c, cyc[i]));
        strcat(s, " -> ");
    }
    strcat(s, name(ld->c, cyc[0]));
    return s;
}

static const char *rsc_name(const clp_conf_t *c, size_t i)
{
    return c->resources[i].name;
}

static const char *grp_name(const clp_conf_t *c, size_t i)
{
    return c->groups[i].name;
}

static void report_rsc_cycle(clp_ld_t *ld, const size_t *cyc, size_t len)
{
    const clp_resource_t *r = &ld->c->resources[cyc[0]];
    const clp_resource_t *next = &ld->c->resources[cyc[len > 1 ? 1 : 0]];
    char *txt = cycle_text(ld, cyc, len, rsc_name);
    char path[256];
    snprintf(path, sizeof(path), "/root/resource/%s@%s/depend@%s", r->type, r->name, next->name);
    clp_ld_diag(ld, CLP_DIAG_ERROR, clp_key_line(&r->params, "depend@", next->name, r->line), path,
                "resource dependencies form a cycle (%s); no resource of the cycle could ever "
                "start",
                txt ? txt : r->name);
    free(txt);
}

static void report_grp_cycle(clp_ld_t *ld, const size_t *cyc, size_t len, const char *sect)
{
    const clp_group_t *g = &ld->c->groups[cyc[0]];
    const clp_group_t *next = &ld->c->groups[cyc[len > 1 ? 1 : 0]];
    char *txt = cycle_text(ld, cyc, len, grp_name);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "depend/%s/depend@", sect);
    char path[256];
    snprintf(path, sizeof(path), "/root/group@%s/%s%s", g->name, prefix, next->name);
    clp_ld_diag(ld, CLP_DIAG_ERROR, clp_key_line(&g->params, prefix, next->name, g->line), path,
                "group %s dependencies form a cycle (%s); these groups would wait for each "
                "other forever",
                strcmp(sect, "act") == 0 ? "start" : "stop", txt ? txt : g->name);
    free(txt);
}

static void report_grp_act_cycle(clp_ld_t *ld, const size_t *cyc, size_t len)
{
    report_grp_cycle(ld, cyc, len, "act");
}

static void report_grp_deact_cycle(clp_ld_t *ld, const size_t *cyc, size_t len)
{
    report_grp_cycle(ld, cyc, len, "deact");
}

/* Depth-first search with colours; every cycle found is reported once, at the
 * node where the search entered it. */
static void dfs(clp_ld_t *ld, const graph_t *g, size_t u, char *color, size_t *stack, size_t depth)
{
    color[u] = 1;
    stack[depth] = u;
    size_t deg = g->degree(ld->c, u);
    for (size_t i = 0; i < deg && !ld->oom; i++) {
        ssize_t t = g->target(ld->c, u, i);
        if (t < 0 || (size_t)t == u) {
            continue; /* missing targets and self-dependencies are reported elsewhere */
        }
        size_t v = (size_t)t;
        if (color[v] == 1) {
            size_t j = 0;
            while (j <= depth && stack[j] != v) {
                j++;
            }
            g->report(ld, &stack[j], depth - j + 1);
        } else if (color[v] == 0) {
            dfs(ld, g, v, color, stack, depth + 1);
        }
    }
    color[u] = 2;
}

static void find_cycles(clp_ld_t *ld, const graph_t *g)
{
    if (g->n == 0) {
        return;
    }
    char *color = clp_ld_calloc(ld, g->n, 1);
    size_t *stack = clp_ld_calloc(ld, g->n, sizeof(size_t));
    for (size_t u = 0; color && stack && u < g->n; u++) {
        if (color[u] == 0) {
            dfs(ld, g, u, color, stack, 0);
        }
    }
    free(color);
    free(stack);
}

/* ---- groups ---- */

static void check_group_members(clp_ld_t *ld, clp_group_t *g, const char *path)
{
    clp_conf_t *c = ld->c;
    if (g->n_resources > CLP_MAX_GROUP_RESOURCES) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, g->line, path,
                    "group %s has %zu resources; a group has at most %d", g->name,
                    g->n_resources, CLP_MAX_GROUP_RESOURCES);
    }
    for (size_t k = 0; k < g->n_resources; k++) {
        const char *rn = g->resources[k], *rt = g->resource_types[k];
        char mk[192];
        snprintf(mk, sizeof(mk), "resource@%s@%s", rt, rn);
        char mp[512];
        snprintf(mp, sizeof(mp), "%s/%s", path, mk);
        int line = clp_params_line(&g->params, mk, g->line);
        ssize_t ri = clp_find_resource(c, rn);
        if (ri < 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, mp,
                        "group %s lists resource %s@%s, which is not defined under <resource>",
                        g->name, rt, rn);
            continue;
        }
        clp_resource_t *r = &c->resources[ri];
        if (strcmp(r->type, rt) != 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, mp,
                        "group %s lists resource %s as type %s, but %s is of type %s",
                        g->name, rn, rt, rn, r->type);
        }
        if (r->group[0] && strcmp(r->group, g->name) != 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, mp,
                        "resource %s is listed by group %s and by group %s; a resource belongs "
                        "to exactly one group",
                        rn, r->group, g->name);
        } else if (r->group[0]) {
            clp_ld_diag(ld, CLP_DIAG_WARNING, line, mp, "group %s lists resource %s twice",
                        g->name, rn);
        } else {
            clp_copy(r->group, sizeof(r->group), g->name);
        }
    }
}

void clp_validate_groups(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    if (c->n_groups > CLP_MAX_GROUPS) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, c->groups[CLP_MAX_GROUPS].line, "/root/group",
                    "%zu groups are defined; a cluster has at most %d", c->n_groups,
                    CLP_MAX_GROUPS);
    }
    for (size_t i = 0; i < c->n_groups; i++) {
        clp_group_t *g = &c->groups[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/group@%s", g->name);
        clp_check_name(ld, "group", g->name, g->line, path);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->groups[j].name, g->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, g->line, path,
                            "group %s is defined twice (also at line %d)", g->name,
                            c->groups[j].line);
            } else if (c->groups[j].gid == g->gid && clp_params_find(&g->params, "gid")) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(&g->params, "gid", g->line),
                            path, "group %s has gid %d, which group %s already has", g->name,
                            g->gid, c->groups[j].name);
            }
        }
        for (size_t k = 0; !g->policy_default && k < g->n_policy; k++) {
            const char *srv = g->policy[k].server;
            char pp[512];
            snprintf(pp, sizeof(pp), "%s/policy@%s", path, srv);
            int line = clp_key_line(&g->params, "policy@", srv, g->line);
            if (clp_conf_server_index(c, srv) < 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, pp,
                            "group %s: policy names server %s, which is not defined under "
                            "<server>",
                            g->name, srv);
            }
            for (size_t m = 0; m < k; m++) {
                if (strcmp(g->policy[m].server, srv) == 0) {
                    clp_ld_diag(ld, CLP_DIAG_ERROR, line, pp,
                                "group %s: policy names server %s twice", g->name, srv);
                }
            }
        }
        check_group_members(ld, g, path);
        for (size_t k = 0; k < g->n_act_deps; k++) {
            const char *dg = g->act_deps[k].group;
            char dp[512];
            snprintf(dp, sizeof(dp), "%s/depend/act/depend@%s", path, dg);
            int line = clp_key_line(&g->params, "depend/act/depend@", dg, g->line);
            if (clp_find_group(c, dg) < 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp,
                            "group %s waits at start for group %s, which is not defined",
                            g->name, dg);
            } else if (strcmp(dg, g->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp, "group %s depends on itself", g->name);
            }
        }
        for (size_t k = 0; k < g->n_deact_deps; k++) {
            const char *dg = g->deact_deps[k];
            char dp[512];
            snprintf(dp, sizeof(dp), "%s/depend/deact/depend@%s", path, dg);
            int line = clp_key_line(&g->params, "depend/deact/depend@", dg, g->line);
            if (clp_find_group(c, dg) < 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp,
                            "group %s waits at stop for group %s, which is not defined", g->name,
                            dg);
            } else if (strcmp(dg, g->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp, "group %s depends on itself", g->name);
            }
        }
    }
    graph_t ga = {c->n_groups, grp_act_degree, grp_act_target, report_grp_act_cycle};
    find_cycles(ld, &ga);
    graph_t gd = {c->n_groups, grp_deact_degree, grp_deact_target, report_grp_deact_cycle};
    find_cycles(ld, &gd);
}

/* ---- resources ---- */

void clp_validate_resources(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_resources; i++) {
        const clp_resource_t *r = &c->resources[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/resource/%s@%s", r->type, r->name);
        clp_check_name(ld, "resource", r->name, r->line, path);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->resources[j].name, r->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, r->line, path,
                            "resource %s is defined twice (also at line %d); resource names "
                            "are unique across all types",
                            r->name, c->resources[j].line);
            }
        }
        if (!r->group[0]) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, r->line, path,
                        "resource %s belongs to no group; list it in a group as <resource "
                        "name=\"%s@%s\"/>",
                        r->name, r->type, r->name);
        }
        for (size_t k = 0; k < r->n_depend; k++) {
            const char *d = r->depend[k];
            char dp[512];
            snprintf(dp, sizeof(dp), "%s/depend@%s", path, d);
            int line = clp_key_line(&r->params, "depend@", d, r->line);
            ssize_t di = clp_find_resource(c, d);
            if (di < 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp,
                            "resource %s depends on resource %s, which is not defined", r->name,
                            d);
            } else if ((size_t)di == i) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp, "resource %s depends on itself",
                            r->name);
            } else if (r->group[0] && c->resources[di].group[0] &&
                       strcmp(r->group, c->resources[di].group) != 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, line, dp,
                            "resource %s (group %s) depends on resource %s of another group "
                            "(%s); dependencies are only possible inside one group",
                            r->name, r->group, d, c->resources[di].group);
            }
        }
        for (size_t k = 0; k < r->n_overrides; k++) {
            if (clp_conf_server_index(c, r->overrides[k].server) < 0) {
                char op[512];
                snprintf(op, sizeof(op), "%s/server@%s", path, r->overrides[k].server);
                const clp_params_t *op_p = &r->overrides[k].params;
                clp_ld_diag(ld, CLP_DIAG_ERROR, op_p->n ? op_p->v[0].line : r->line, op,
                            "resource %s has settings for server %s, which is not defined",
                            r->name, r->overrides[k].server);
            }
        }
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_RESOURCE, r->type);
        if (t && t->supported) {
            clp_config_check_type(ld, t, r->name, &r->params, r->overrides, r->n_overrides, path,
                                  r->line);
        }
        if (strcmp(r->type, "exec") == 0) {
            long start = clp_params_int(&r->params, "parameters/timeout/start", 1800);
            if (clp_params_find(&r->params, "act/timeout") && r->act_timeout_s <= start) {
                clp_ld_diag(ld, CLP_DIAG_WARNING,
                            clp_params_line(&r->params, "act/timeout", r->line), path,
                            "exec %s: the activation timeout (%d s) is not longer than the "
                            "start script timeout (%ld s); the original uses 180 + the script "
                            "timeout",
                            r->name, r->act_timeout_s, start);
            }
            if (!clp_params_get(&r->params, "parameters/deact/path")) {
                clp_ld_diag(ld, CLP_DIAG_WARNING, r->line, path,
                            "exec %s has no stop script (parameters/deact/path); nothing runs "
                            "when it stops",
                            r->name);
            }
        }
    }
    graph_t g = {c->n_resources, rsc_degree, rsc_target, report_rsc_cycle};
    find_cycles(ld, &g);
}

/* ---- monitors ---- */

static void check_monitor_refs(clp_ld_t *ld, const clp_monitor_t *m, const char *path)
{
    const clp_conf_t *c = ld->c;
    const clp_params_t *p = &m->params;
    char sub[512];
    if (m->target[0] && clp_find_resource(c, m->target) < 0) {
        snprintf(sub, sizeof(sub), "%s/target", path);
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(p, "target", m->line), sub,
                    "monitor %s: target resource %s is not defined", m->name, m->target);
    }
    if (m->timing == CLP_TIMING_ACTIVE && !m->target[0]) {
        snprintf(sub, sizeof(sub), "%s/polling/timing", path);
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(p, "polling/timing", m->line), sub,
                    "monitor %s: timing is Active (1) but no target resource is set", m->name);
    }
    snprintf(sub, sizeof(sub), "%s/relation/name", path);
    int rline = clp_params_line(p, "relation/name", clp_params_line(p, "relation", m->line));
    if (m->rel_type == CLP_REL_RSC && clp_find_resource(c, m->rel_name) < 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, rline, sub,
                    "monitor %s: recovery target resource '%s' is not defined", m->name,
                    m->rel_name);
    } else if (m->rel_type == CLP_REL_GRP && clp_find_group(c, m->rel_name) < 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, rline, sub,
                    "monitor %s: recovery target group '%s' is not defined", m->name,
                    m->rel_name);
    } else if (m->rel_type == CLP_REL_CLS && strcmp(m->rel_name, "LocalServer") != 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, rline, sub,
                    "monitor %s: a cluster-level recovery target must be LocalServer, not '%s'",
                    m->name, m->rel_name);
    }
    for (size_t k = 0; k < m->n_servers; k++) {
        if (clp_conf_server_index(c, m->servers[k]) < 0) {
            snprintf(sub, sizeof(sub), "%s/polling/servers", path);
            int line = m->line;
            for (size_t q = 0; q < p->n; q++) {
                if (strncmp(p->v[q].key, "polling/servers@", 16) == 0 &&
                    strcmp(p->v[q].value, m->servers[k]) == 0) {
                    line = p->v[q].line;
                }
            }
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, sub,
                        "monitor %s runs on server %s, which is not defined", m->name,
                        m->servers[k]);
        }
    }
}

void clp_validate_monitors(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    if (c->n_monitors > CLP_MAX_MONITORS) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, c->monitors[CLP_MAX_MONITORS].line, "/root/monitor",
                    "%zu monitors are defined; a cluster has at most %d", c->n_monitors,
                    CLP_MAX_MONITORS);
    }
    for (size_t i = 0; i < c->n_monitors; i++) {
        const clp_monitor_t *m = &c->monitors[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/monitor/%s@%s", m->type, m->name);
        clp_check_name(ld, "monitor", m->name, m->line, path);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->monitors[j].name, m->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, m->line, path,
                            "monitor %s is defined twice (also at line %d)", m->name,
                            c->monitors[j].line);
            }
        }
        check_monitor_refs(ld, m, path);
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_MONITOR, m->type);
        if (t && t->supported) {
            clp_config_check_type(ld, t, m->name, &m->params, NULL, 0, path, m->line);
        }
    }
}

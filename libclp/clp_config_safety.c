/*
 * clp_config_safety: checks for configurations that load but would be
 * dangerous to run: every value is in range and every reference resolves, yet
 * the cluster could not do its job. clp_config_validate runs them last, so
 * they see a model whose references are already checked.
 *
 *   - a group with no server it can start on: its startup servers are all
 *     ruled out because a member resource has a required setting only for
 *     other servers (a per-server override and no common value);
 *   - a heartbeat path missing on a server: a LAN heartbeat whose device on
 *     some server is a template placeholder, the same address on two servers,
 *     or IPv4 on one server and IPv6 on another (no packet could pass);
 *   - a timeout that is not longer than its interval where that breaks
 *     detection: the user-space stall monitor (userw) with its own timing
 *     (the cluster heartbeat's pair is checked with the cluster values);
 *   - the original's input guards: a server sync wait of 0 is accepted and
 *     means "do not wait for the other servers" (the core still listens two
 *     heartbeat intervals before it acts, so a server never starts groups
 *     without hearing the peers already running) and is reported as a
 *     warning; an exec script timeout of 0 is out of the documented range
 *     1-9999 and refused by the type table.
 *
 * Ordinary monitors may have a timeout shorter than their interval: the
 * interval counts from the end of a check, so checks never overlap.
 */
#include "clp_config_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- groups: eligible servers ---- */

/* The first required key of r's type that neither r nor its override for
 * server sets, or NULL when r can run there. */
static const char *missing_on(const clp_resource_t *r, const char *server)
{
    const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_RESOURCE, r->type);
    if (!t || !t->supported) {
        return NULL;
    }
    for (size_t k = 0; k < t->n_params; k++) {
        const clp_type_param_t *tp = &t->params[k];
        if (!tp->required || strchr(tp->key, '*')) {
            continue;
        }
        const char *v = clp_conf_rsc_param(r, server, tp->key);
        if (v && v[0]) {
            continue;
        }
        /* Set for no server at all: the type check reports it once. */
        for (size_t o = 0; o < r->n_overrides; o++) {
            const char *ov = clp_params_get(&r->overrides[o].params, tp->key);
            if (ov && ov[0]) {
                return tp->key;
            }
        }
    }
    return NULL;
}

static void check_group_servers(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_groups; i++) {
        const clp_group_t *g = &c->groups[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/group@%s", g->name);
        size_t defined = 0, eligible = 0;
        char why[512] = "";
        size_t off = 0;
        for (size_t k = 0; k < g->n_policy; k++) {
            const char *srv = g->policy[k].server;
            if (clp_conf_server_index(c, srv) < 0) {
                continue; /* reported by the reference checks */
            }
            defined++;
            const char *key = NULL;
            const clp_resource_t *bad = NULL;
            for (size_t m = 0; m < g->n_resources && !key; m++) {
                const clp_resource_t *r = clp_conf_resource(c, g->resources[m]);
                if (r && strcmp(r->group, g->name) == 0) {
                    key = missing_on(r, srv);
                    bad = key ? r : NULL;
                }
            }
            if (!key) {
                eligible++;
                continue;
            }
            if (off < sizeof(why)) {
                off += (size_t)snprintf(why + off, sizeof(why) - off,
                                        "%s%s (resource %s has no %s for it)", off ? ", " : "", srv,
                                        bad->name, key);
            }
            if (g->n_policy > 1) {
                clp_ld_diag(ld, CLP_DIAG_WARNING, bad->line, path,
                            "group %s cannot start on server %s: resource %s has no %s for "
                            "that server",
                            g->name, srv, bad->name, key);
            }
        }
        if (defined > 0 && eligible == 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, g->line, path,
                        "group %s has no server it can start on: %s", g->name, why);
        }
    }
}

/* ---- heartbeats: a path that cannot carry packets ---- */

static bool is_v6(const char *a)
{
    return strchr(a, ':') != NULL;
}

static void check_hb_paths(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_hbs; i++) {
        const clp_hb_t *hb = &c->hbs[i];
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_HB, hb->type);
        if (!t || !t->supported || !(t->flags & CLP_TYPE_LAN) || hb->device < 0) {
            continue;
        }
        for (size_t s = 0; s < c->n_servers; s++) {
            const clp_device_t *d = clp_conf_device(&c->servers[s], hb->device);
            if (!d || !d->info) {
                continue; /* a missing device is reported by the heartbeat checks */
            }
            char dp[256];
            snprintf(dp, sizeof(dp), "/root/server@%s/device@%d/info", c->servers[s].name, d->id);
            if (clp_is_placeholder(d->info)) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, dp,
                            "heartbeat %s has no address on server %s (template placeholder "
                            "%s): that server would never be heard on this path",
                            hb->name, c->servers[s].name, d->info);
                continue;
            }
            if (!clp_is_ip(d->info, false)) {
                continue; /* reported by the device checks */
            }
            for (size_t o = 0; o < s; o++) {
                const clp_device_t *e = clp_conf_device(&c->servers[o], hb->device);
                if (!e || !e->info || !clp_is_ip(e->info, false)) {
                    continue;
                }
                if (strcmp(e->info, d->info) == 0) {
                    clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, dp,
                                "heartbeat %s: server %s has the address %s, which server %s "
                                "already has on this path",
                                hb->name, c->servers[s].name, d->info, c->servers[o].name);
                    break;
                }
                if (is_v6(e->info) != is_v6(d->info)) {
                    clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, dp,
                                "heartbeat %s: server %s has an %s address (%s) but server %s an "
                                "%s one (%s); no heartbeat can pass between them",
                                hb->name, c->servers[s].name, is_v6(d->info) ? "IPv6" : "IPv4",
                                d->info, c->servers[o].name, is_v6(e->info) ? "IPv6" : "IPv4",
                                e->info);
                    break;
                }
            }
        }
    }
}

/* ---- timeouts and intervals ---- */

static void check_timings(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    const clp_params_t *cp = &c->cluster.params;
    for (size_t i = 0; i < c->n_monitors; i++) {
        const clp_monitor_t *m = &c->monitors[i];
        if (strcmp(m->type, "userw") != 0 ||
            clp_params_int(&m->params, "parameters/usehb", 1) != 0) {
            continue;
        }
        if (m->timeout_s <= m->interval_s) {
            char path[256];
            snprintf(path, sizeof(path), "/root/monitor/userw@%s/polling/timeout", m->name);
            clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(&m->params, "polling/timeout", m->line),
                        path,
                        "userw %s: the timeout (%d s) must be longer than the interval (%d s); "
                        "the watchdog would reset the server between two checks",
                        m->name, m->timeout_s, m->interval_s);
        }
    }
    if (c->cluster.syncwait_s == 0 && clp_params_find(cp, "cluster/timeout/syncwait")) {
        clp_ld_diag(ld, CLP_DIAG_WARNING, clp_params_line(cp, "cluster/timeout/syncwait", 0),
                    "/root/cluster/timeout/syncwait",
                    "server sync wait 0: a starting server does not wait for the other servers; "
                    "it still listens two heartbeat intervals (%d ms) before it starts groups",
                    2 * c->cluster.hb_interval_ms);
    }
}

void clp_validate_safety(clp_ld_t *ld)
{
    check_group_servers(ld);
    check_hb_paths(ld);
    check_timings(ld);
}

/*
 * clp_config_objects: parses the object elements of clp.conf into the model:
 * servers (with their devices), server groups, heartbeats, network-partition
 * resources (with ping targets), groups (members, startup policy, group
 * dependencies), resources (dependencies, per-server overrides) and monitors
 * (recovery target, servers).
 *
 * Each object keeps every leaf below its element in its params (see
 * clp_config_parse.c); the lists are read from the nodes here because their
 * entries carry names in attributes. Values that can be judged alone are
 * checked here (device addresses and paths, ping targets, list entries of the
 * wrong form); numbers are read later (clp_config_defaults.c) and references
 * checked last (clp_config_validate.c).
 */
#include "clp_config_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- servers ---- */

static const char *const device_skip[] = {"type", "info", "extend", NULL};

static void check_device(clp_ld_t *ld, const clp_server_t *s, const clp_device_t *d)
{
    char path[256];
    snprintf(path, sizeof(path), "/root/server@%s/device@%d/info", s->name, d->id);
    const char *info = d->info ? d->info : "";
    const char *t = d->type;
    if (strcmp(t, "lan") == 0 || strcmp(t, "mdc") == 0 || strcmp(t, "bmc") == 0) {
        if (!clp_is_ip(info, false) && !clp_is_placeholder(info)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, path,
                        "server %s: device %d (%s) address '%s' is not a valid IPv4 or IPv6 "
                        "address",
                        s->name, d->id, t, info);
        }
    } else if (strcmp(t, "ping") == 0 || strcmp(t, "http") == 0 || strcmp(t, "witness") == 0) {
        if (*info && strcmp(info, "0") != 0 && strcmp(info, "1") != 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, path,
                        "server %s: device %d (%s) must be 1 (used by this server), 0 or empty, "
                        "not '%s'",
                        s->name, d->id, t, info);
        }
    } else if (strcmp(t, "disk") == 0 || strcmp(t, "disknp") == 0 || strcmp(t, "com") == 0) {
        if (info[0] != '/') {
            clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, path,
                        "server %s: device %d (%s) must be an absolute device path such as "
                        "/dev/sdb1, not '%s'",
                        s->name, d->id, t, info);
        }
    } else if (*t == '\0') {
        clp_ld_diag(ld, CLP_DIAG_ERROR, d->line, path,
                    "server %s: device %d has no <type> (lan, mdc, disk, ping, http, ...)",
                    s->name, d->id);
    } else {
        char key[64];
        snprintf(key, sizeof(key), "devtype:%s", t);
        if (clp_ld_once(ld, key)) {
            clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, d->line, path,
                        "device type %s is not known to this product; device %d of server %s "
                        "is kept but not used",
                        t, d->id, s->name);
        }
    }
}

static void parse_devices(clp_ld_t *ld, clp_server_t *s, const xmlNode *n)
{
    size_t k = clp_x_count_children(n, "device", NULL);
    s->devices = clp_ld_calloc(ld, k, sizeof(*s->devices));
    if (!s->devices) {
        return;
    }
    for (const xmlNode *ch = n->children; ch && !ld->oom; ch = ch->next) {
        if (!clp_x_is_elem(ch, "device")) {
            continue;
        }
        char *id = clp_x_attr_of(ld, ch, "id");
        long v = -1;
        if (!id || clp_parse_long(id, &v) < 0 || v < 0 || v > INT_MAX) {
            char path[256];
            snprintf(path, sizeof(path), "/root/server@%s/device@%s", s->name, id ? id : "");
            clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(ch), path,
                        "server %s: device id '%s' is not a whole number", s->name,
                        id ? id : "");
            free(id);
            continue;
        }
        free(id);
        clp_device_t *d = &s->devices[s->n_devices++];
        d->id = (int)v;
        d->line = clp_x_line_of(ch);
        char *type = clp_x_child_text(ld, ch, "type");
        clp_copy(d->type, sizeof(d->type), type);
        free(type);
        d->info = clp_x_child_text(ld, ch, "info");
        if (!d->info) {
            d->info = clp_ld_strdup(ld, "");
        }
        d->extend = clp_x_child_text(ld, ch, "extend");
        clp_x_flatten_to(ld, &d->params, ch, device_skip);
        check_device(ld, s, d);
    }
}

void clp_parse_server(clp_ld_t *ld, const xmlNode *n)
{
    char *name = clp_x_object_name(ld, n, "/root");
    if (!name) {
        return;
    }
    clp_server_t *s = &ld->c->servers[ld->c->n_servers++];
    clp_copy(s->name, sizeof(s->name), name);
    free(name);
    s->line = clp_x_line_of(n);
    s->priority = -1;
    clp_x_flatten_to(ld, &s->params, n, NULL);
    s->comment = clp_ld_strdup(ld, clp_params_str(&s->params, "comment", ""));
    parse_devices(ld, s, n);
}

void clp_parse_servergroup(clp_ld_t *ld, const xmlNode *n)
{
    char *name = clp_x_object_name(ld, n, "/root");
    if (!name) {
        return;
    }
    clp_servergroup_t *sg = &ld->c->servergroups[ld->c->n_servergroups++];
    clp_copy(sg->name, sizeof(sg->name), name);
    free(name);
    sg->line = clp_x_line_of(n);
    size_t k = clp_x_count_children(n, "server", NULL);
    int *order = clp_ld_calloc(ld, k, sizeof(int));
    sg->servers = clp_ld_calloc(ld, k, sizeof(char *));
    if (!order || !sg->servers) {
        free(order);
        return;
    }
    static const clp_range_t rg = {0, 9999, NULL, 0, NULL, ""};
    for (const xmlNode *ch = n->children; ch && !ld->oom; ch = ch->next) {
        if (!clp_x_is_elem(ch, "server")) {
            continue;
        }
        char *srv = clp_x_attr_of(ld, ch, "name");
        if (!srv) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(ch), "/root/servergroup",
                        "server group %s: a <server> entry has no name attribute", sg->name);
            continue;
        }
        char *o = clp_x_child_text(ld, ch, "order");
        char *path = clp_ld_printf(ld, "/root/servergroup@%s/server@%s/order", sg->name, srv);
        int ord;
        clp_ld_int_value(ld, o, clp_x_line_of(ch), path ? path : "/root/servergroup", "order", &rg,
                         (int)sg->n_servers, &ord);
        free(o);
        free(path);
        /* insertion keeps equal orders in file order */
        size_t i = sg->n_servers;
        while (i > 0 && order[i - 1] > ord) {
            order[i] = order[i - 1];
            sg->servers[i] = sg->servers[i - 1];
            i--;
        }
        order[i] = ord;
        sg->servers[i] = srv;
        sg->n_servers++;
    }
    free(order);
}

/* ---- heartbeats and network partition ---- */

static void parse_np_targets(clp_ld_t *ld, clp_np_t *np, const xmlNode *n)
{
    size_t k = clp_x_count_children(n, "grp", NULL);
    np->grps = clp_ld_calloc(ld, k, sizeof(*np->grps));
    if (!np->grps) {
        return;
    }
    for (const xmlNode *g = n->children; g && !ld->oom; g = g->next) {
        if (!clp_x_is_elem(g, "grp")) {
            continue;
        }
        clp_np_target_group_t *tg = &np->grps[np->n_grps++];
        for (const xmlNode *l = g->children; l && !ld->oom; l = l->next) {
            if (!clp_x_is_elem(l, "list")) {
                continue;
            }
            char *ip = clp_x_child_text(ld, l, "ip");
            if (!ip) {
                continue;
            }
            if (!clp_is_ip(ip, false) && !clp_is_placeholder(ip)) {
                char *gid = clp_x_attr_of(ld, g, "id");
                char *lid = clp_x_attr_of(ld, l, "id");
                char *path = clp_ld_printf(ld, "/root/networkpartition/%s@%s/grp@%s/list@%s/ip",
                                           np->type, np->name, gid ? gid : "", lid ? lid : "");
                clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(l), path ? path : "/root",
                            "%s %s: ping target '%s' is not a valid IPv4 or IPv6 address",
                            np->type, np->name, ip);
                free(gid);
                free(lid);
                free(path);
            }
            clp_x_strv_push(ld, &tg->ips, &tg->n_ips, ip);
        }
    }
}

void clp_parse_hb_np(clp_ld_t *ld, const xmlNode *n, bool np_section)
{
    const char *where = np_section ? "/root/networkpartition" : "/root/heartbeat";
    char *name = clp_x_object_name(ld, n, where);
    if (!name) {
        return;
    }
    const char *type = (const char *)n->name;
    if (np_section) {
        clp_np_t *np = &ld->c->nps[ld->c->n_nps++];
        clp_copy(np->name, sizeof(np->name), name);
        clp_copy(np->type, sizeof(np->type), type);
        np->line = clp_x_line_of(n);
        np->device = -1;
        clp_x_flatten_to(ld, &np->params, n, NULL);
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_NP, type);
        np->supported = t && t->supported;
        parse_np_targets(ld, np, n);
    } else {
        clp_hb_t *hb = &ld->c->hbs[ld->c->n_hbs++];
        clp_copy(hb->name, sizeof(hb->name), name);
        clp_copy(hb->type, sizeof(hb->type), type);
        hb->line = clp_x_line_of(n);
        hb->device = -1;
        clp_x_flatten_to(ld, &hb->params, n, NULL);
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_HB, type);
        hb->supported = t && t->supported;
    }
    free(name);
}

/* ---- groups ---- */

static void parse_group_members(clp_ld_t *ld, clp_group_t *g, const xmlNode *ch)
{
    char *v = clp_x_attr_of(ld, ch, "name");
    char *at = v ? strchr(v, '@') : NULL;
    if (!at || at == v || !at[1]) {
        char *path = clp_ld_printf(ld, "/root/group@%s/resource@%s", g->name, v ? v : "");
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(ch), path ? path : "/root",
                    "group %s: member '%s' must be written as <type>@<resource name>, "
                    "e.g. fip@fip1",
                    g->name, v ? v : "");
        free(path);
        free(v);
        return;
    }
    *at = '\0';
    size_t n = g->n_resources;
    char **nt = realloc(g->resource_types, (n + 1) * sizeof(*nt));
    if (nt) {
        g->resource_types = nt;
    }
    char **nr = nt ? realloc(g->resources, (n + 1) * sizeof(*nr)) : NULL;
    if (nr) {
        g->resources = nr;
    }
    char *type = strdup(v);
    char *name = strdup(at + 1);
    if (!nt || !nr || !type || !name) {
        free(type);
        free(name);
        ld->oom = true;
    } else {
        g->resource_types[n] = type;
        g->resources[n] = name;
        g->n_resources++;
    }
    free(v);
}

static void parse_group_policy(clp_ld_t *ld, clp_group_t *g, const xmlNode *ch)
{
    static const clp_range_t rg = {0, 9999, NULL, 0, NULL, ""};
    char *srv = clp_x_attr_of(ld, ch, "name");
    if (!srv) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(ch), "/root/group",
                    "group %s: a <policy> entry has no name attribute", g->name);
        return;
    }
    clp_policy_t *np = realloc(g->policy, (g->n_policy + 1) * sizeof(*np));
    if (!np) {
        free(srv);
        ld->oom = true;
        return;
    }
    g->policy = np;
    clp_policy_t *p = &g->policy[g->n_policy++];
    memset(p, 0, sizeof(*p));
    clp_copy(p->server, sizeof(p->server), srv);
    char *o = clp_x_child_text(ld, ch, "order");
    char *path = clp_ld_printf(ld, "/root/group@%s/policy@%s/order", g->name, srv);
    clp_ld_int_value(ld, o, clp_x_line_of(ch), path ? path : "/root/group", "startup server order",
                     &rg, (int)g->n_policy - 1, &p->order);
    free(o);
    free(path);
    free(srv);
}

static void parse_group_deps(clp_ld_t *ld, clp_group_t *g, const xmlNode *dep)
{
    for (const xmlNode *sec = dep->children; sec && !ld->oom; sec = sec->next) {
        bool act = clp_x_is_elem(sec, "act");
        if (!act && !clp_x_is_elem(sec, "deact")) {
            continue;
        }
        for (const xmlNode *d = sec->children; d && !ld->oom; d = d->next) {
            if (!clp_x_is_elem(d, "depend")) {
                continue;
            }
            char *name = clp_x_attr_of(ld, d, "name");
            if (!name || !*name) {
                free(name);
                continue;
            }
            if (act) {
                clp_group_dep_t *nv = realloc(g->act_deps, (g->n_act_deps + 1) * sizeof(*nv));
                if (!nv) {
                    ld->oom = true;
                    free(name);
                    return;
                }
                g->act_deps = nv;
                clp_group_dep_t *gd = &g->act_deps[g->n_act_deps++];
                clp_copy(gd->group, sizeof(gd->group), name);
                char *ss = clp_x_child_text(ld, d, "sameserver");
                gd->sameserver = ss && strcmp(ss, "1") == 0;
                free(ss);
                free(name);
            } else {
                clp_x_strv_push(ld, &g->deact_deps, &g->n_deact_deps, name);
            }
        }
    }
}

void clp_parse_group(clp_ld_t *ld, const xmlNode *n)
{
    char *name = clp_x_object_name(ld, n, "/root");
    if (!name) {
        return;
    }
    clp_group_t *g = &ld->c->groups[ld->c->n_groups++];
    clp_copy(g->name, sizeof(g->name), name);
    free(name);
    g->line = clp_x_line_of(n);
    g->gid = -1;
    clp_x_flatten_to(ld, &g->params, n, NULL);
    char *type = clp_x_child_text(ld, n, "type");
    clp_copy(g->type, sizeof(g->type), type && *type ? type : "failover");
    free(type);
    g->comment = clp_ld_strdup(ld, clp_params_str(&g->params, "comment", ""));
    for (const xmlNode *ch = n->children; ch && !ld->oom; ch = ch->next) {
        if (clp_x_is_elem(ch, "resource")) {
            parse_group_members(ld, g, ch);
        } else if (clp_x_is_elem(ch, "policy")) {
            parse_group_policy(ld, g, ch);
        } else if (clp_x_is_elem(ch, "depend")) {
            parse_group_deps(ld, g, ch);
        }
    }
}

/* ---- resources and monitors ---- */

static const char *const resource_skip[] = {"server", NULL};

void clp_parse_resource(clp_ld_t *ld, const xmlNode *n)
{
    char *name = clp_x_object_name(ld, n, "/root/resource");
    if (!name) {
        return;
    }
    clp_resource_t *r = &ld->c->resources[ld->c->n_resources++];
    clp_copy(r->name, sizeof(r->name), name);
    clp_copy(r->type, sizeof(r->type), (const char *)n->name);
    free(name);
    r->line = clp_x_line_of(n);
    const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_RESOURCE, r->type);
    r->supported = t && t->supported;
    clp_x_flatten_to(ld, &r->params, n, resource_skip);
    r->comment = clp_ld_strdup(ld, clp_params_str(&r->params, "comment", ""));
    r->depend_default = true;
    size_t k = clp_x_count_children(n, "server", NULL);
    r->overrides = clp_ld_calloc(ld, k, sizeof(*r->overrides));
    for (const xmlNode *ch = n->children; ch && !ld->oom; ch = ch->next) {
        if (clp_x_is_elem(ch, "depend")) {
            char *dep = clp_x_attr_of(ld, ch, "name");
            r->depend_default = false;
            if (dep && *dep) {
                clp_x_strv_push(ld, &r->depend, &r->n_depend, dep);
            } else {
                free(dep); /* <depend name=""/>: explicitly no dependency */
            }
        } else if (clp_x_is_elem(ch, "server") && r->overrides) {
            char *srv = clp_x_attr_of(ld, ch, "name");
            if (!srv) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(ch), "/root/resource",
                            "resource %s: a per-server <server> block has no name attribute",
                            r->name);
                continue;
            }
            clp_server_override_t *o = &r->overrides[r->n_overrides++];
            clp_copy(o->server, sizeof(o->server), srv);
            free(srv);
            clp_x_flatten_to(ld, &o->params, ch, NULL);
        }
    }
}

void clp_parse_monitor(clp_ld_t *ld, const xmlNode *n)
{
    char *name = clp_x_object_name(ld, n, "/root/monitor");
    if (!name) {
        return;
    }
    clp_monitor_t *m = &ld->c->monitors[ld->c->n_monitors++];
    clp_copy(m->name, sizeof(m->name), name);
    clp_copy(m->type, sizeof(m->type), (const char *)n->name);
    free(name);
    m->line = clp_x_line_of(n);
    const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_MONITOR, m->type);
    m->supported = t && t->supported;
    clp_x_flatten_to(ld, &m->params, n, NULL);
    const clp_params_t *p = &m->params;
    m->comment = clp_ld_strdup(ld, clp_params_str(p, "comment", ""));
    m->preaction_path = clp_ld_strdup(ld, clp_params_str(p, "emergency/preaction/path", ""));
    clp_copy(m->target, sizeof(m->target), clp_params_str(p, "target", ""));
    const char *rt = clp_params_str(p, "relation/type", "");
    const char *rn = clp_params_str(p, "relation/name", "");
    if (!*rt && !*rn) {
        m->rel_type = CLP_REL_CLS;
        rn = "LocalServer";
    } else if (strcmp(rt, "rsc") == 0) {
        m->rel_type = CLP_REL_RSC;
    } else if (strcmp(rt, "grp") == 0) {
        m->rel_type = CLP_REL_GRP;
    } else if (strcmp(rt, "cls") == 0) {
        m->rel_type = CLP_REL_CLS;
    } else if (strcmp(rt, "allgrp") == 0) {
        m->rel_type = CLP_REL_ALLGRP;
    } else {
        char *path = clp_ld_printf(ld, "/root/monitor/%s@%s/relation/type", m->type, m->name);
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(p, "relation/type", m->line),
                    path ? path : "/root/monitor",
                    "monitor %s: recovery target type '%s' must be rsc, grp, cls or allgrp",
                    m->name, rt);
        free(path);
        m->rel_type = CLP_REL_CLS;
    }
    clp_copy(m->rel_name, sizeof(m->rel_name), rn);
    for (const xmlNode *pl = n->children; pl && !ld->oom; pl = pl->next) {
        if (!clp_x_is_elem(pl, "polling")) {
            continue;
        }
        for (const xmlNode *s = pl->children; s && !ld->oom; s = s->next) {
            if (clp_x_is_elem(s, "servers")) {
                char *srv = clp_x_child_text(ld, s, "name");
                if (srv && *srv) {
                    clp_x_strv_push(ld, &m->servers, &m->n_servers, srv);
                } else {
                    free(srv);
                }
            }
        }
    }
}

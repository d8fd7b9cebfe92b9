/*
 * clp_confdiff: configuration changes and how to apply them (see
 * clp_confdiff.h). Objects are matched by name; an object's settings are
 * compared as its flattened parameters (element path -> text, as loaded), so
 * every element of clp.conf, known to this product or only kept, is seen.
 */
#include "clp_confdiff.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *clp_apply_class_name(clp_apply_class_t c)
{
    switch (c) {
    case CLP_APPLY_NONE:
        return "none";
    case CLP_APPLY_LIVE:
        return "live";
    case CLP_APPLY_GROUP_STOP:
        return "group-stop";
    case CLP_APPLY_SUSPEND:
        return "suspend";
    case CLP_APPLY_CLUSTER_STOP:
        return "cluster-stop";
    }
    return "cluster-stop";
}

/* ---- the cluster-wide keys (path prefix -> class); first match wins ---- */

static const struct {
    const char *prefix;
    clp_apply_class_t cls;
} cluster_keys[] = {
    {"cluster/name", CLP_APPLY_CLUSTER_STOP},
    {"cluster/port/", CLP_APPLY_CLUSTER_STOP},
    {"cluster/heartbeat/", CLP_APPLY_SUSPEND},
    {"cluster/networkpartition/", CLP_APPLY_SUSPEND},
    {"cluster/rsctimeout/", CLP_APPLY_SUSPEND},
    {"cluster/forcestop/", CLP_APPLY_SUSPEND},
    {"pm/", CLP_APPLY_SUSPEND},
    {"haltp/", CLP_APPLY_SUSPEND},
    {"cluster/comment", CLP_APPLY_LIVE},
    {"cluster/uuid", CLP_APPLY_LIVE},
    {"cluster/timeout/", CLP_APPLY_LIVE}, /* sync wait: used at start; internal timeout */
    {"cluster/messages/", CLP_APPLY_LIVE},
    {"cluster/mail/", CLP_APPLY_LIVE},
    {"cluster/trap/", CLP_APPLY_LIVE},
    {"cluster/syslog/", CLP_APPLY_LIVE},
    {"cluster/cialert/", CLP_APPLY_LIVE},
    {"cluster/sysinfo/", CLP_APPLY_LIVE},
    {"cluster/reboot/", CLP_APPLY_LIVE},
    {"cluster/rexec/", CLP_APPLY_LIVE},
    {"messages/", CLP_APPLY_LIVE},
    {"webalert/", CLP_APPLY_LIVE},
    {"webmgr/", CLP_APPLY_LIVE},
    {"rstd/", CLP_APPLY_LIVE},
    {"rm/", CLP_APPLY_LIVE},
    {"rc/", CLP_APPLY_LIVE},
    {"all/", CLP_APPLY_LIVE},
    {"trekking/", CLP_APPLY_LIVE},
    {"statsd/", CLP_APPLY_LIVE},
};

clp_apply_class_t clp_confdiff_cluster_key(const char *key)
{
    for (size_t i = 0; i < sizeof(cluster_keys) / sizeof(cluster_keys[0]); i++) {
        size_t n = strlen(cluster_keys[i].prefix);
        if (strncmp(key, cluster_keys[i].prefix, n) == 0) {
            return cluster_keys[i].cls;
        }
    }
    return CLP_APPLY_SUSPEND; /* not known here: the careful way */
}

/* ---- building the list ---- */

typedef struct {
    clp_confdiff_t *d;
    bool oom;
} ctx_t;

static void add(ctx_t *x, clp_apply_class_t cls, const char *group, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(ctx_t *x, clp_apply_class_t cls, const char *group, const char *fmt, ...)
{
    clp_confdiff_t *d = x->d;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        clp_change_t *v = realloc(d->v, cap * sizeof(*v));
        if (!v) {
            x->oom = true;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    clp_change_t *c = &d->v[d->n++];
    memset(c, 0, sizeof(*c));
    c->cls = cls;
    snprintf(c->group, sizeof(c->group), "%s", group ? group : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->what, sizeof(c->what), fmt, ap);
    va_end(ap);
    if (cls > d->worst) {
        d->worst = cls;
    }
}

static bool is_active(const char *group, const char *const *active, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(active[i], group) == 0) {
            return true;
        }
    }
    return false;
}

/* A key of p by exact match. */
static const char *get(const clp_params_t *p, const char *key)
{
    for (size_t i = 0; p && i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            return p->v[i].value;
        }
    }
    return NULL;
}

typedef bool (*key_filter_fn)(const char *key);

/* Appends "key old -> new" for each key that differs (and passes keep, when
 * not NULL) to buf; returns how many differ. */
static size_t params_diff(const clp_params_t *a, const clp_params_t *b, key_filter_fn keep,
                          char *buf, size_t n)
{
    size_t count = 0, off = strlen(buf);
    for (int pass = 0; pass < 2; pass++) {
        const clp_params_t *x = pass ? b : a, *y = pass ? a : b;
        for (size_t i = 0; x && i < x->n; i++) {
            const char *k = x->v[i].key;
            if (keep && !keep(k)) {
                continue;
            }
            const char *vx = x->v[i].value, *vy = get(y, k);
            if (pass == 1 && vy) {
                continue; /* compared in the first pass */
            }
            if (vy && strcmp(vx, vy) == 0) {
                continue;
            }
            count++;
            const char *old = pass ? "(none)" : vx, *nw = pass ? vx : (vy ? vy : "(none)");
            if (off < n && count <= 3) {
                off += (size_t)snprintf(buf + off, n - off, "%s%s %s -> %s", count > 1 ? ", " : "",
                                        k, old[0] ? old : "\"\"", nw[0] ? nw : "\"\"");
            } else if (off < n && count == 4) {
                off += (size_t)snprintf(buf + off, n - off, ", ...");
            }
        }
    }
    return count;
}

/* ---- sections ---- */

static void cluster_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b)
{
    const clp_params_t *pa = &a->cluster.params, *pb = &b->cluster.params;
    for (int pass = 0; pass < 2; pass++) {
        const clp_params_t *p = pass ? pb : pa, *q = pass ? pa : pb;
        for (size_t i = 0; i < p->n; i++) {
            const char *k = p->v[i].key, *v = p->v[i].value, *o = get(q, k);
            if ((pass == 1 && o) || (o && strcmp(o, v) == 0)) {
                continue;
            }
            const char *from = pass ? "(none)" : v, *to = pass ? v : (o ? o : "(none)");
            add(x, clp_confdiff_cluster_key(k), NULL, "%s: %s -> %s", k, from[0] ? from : "\"\"",
                to[0] ? to : "\"\"");
        }
    }
}

static bool devices_equal(const clp_server_t *a, const clp_server_t *b)
{
    if (a->n_devices != b->n_devices) {
        return false;
    }
    for (size_t i = 0; i < a->n_devices; i++) {
        const clp_device_t *d = &a->devices[i];
        const clp_device_t *e = clp_conf_device(b, d->id);
        char buf[8] = "";
        if (!e || strcmp(d->type, e->type) != 0 ||
            strcmp(d->info ? d->info : "", e->info ? e->info : "") != 0 ||
            strcmp(d->extend ? d->extend : "", e->extend ? e->extend : "") != 0 ||
            params_diff(&d->params, &e->params, NULL, buf, sizeof(buf)) > 0) {
            return false;
        }
    }
    return true;
}

static bool server_key_live(const char *k)
{
    return strcmp(k, "comment") == 0;
}

static bool server_key_other(const char *k)
{
    return strcmp(k, "comment") != 0 && strcmp(k, "priority") != 0 && strncmp(k, "device", 6) != 0;
}

static void servers_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b)
{
    for (size_t i = 0; i < b->n_servers; i++) {
        const clp_server_t *s = &b->servers[i], *o = clp_conf_server(a, s->name);
        if (!o) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "server %s added", s->name);
            continue;
        }
        if (o->priority != s->priority) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "server %s: priority %d -> %d", s->name,
                o->priority, s->priority);
        }
        if (!devices_equal(o, s)) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "server %s: devices (addresses) changed", s->name);
        }
        char buf[200] = "";
        if (params_diff(&o->params, &s->params, server_key_live, buf, sizeof(buf))) {
            add(x, CLP_APPLY_LIVE, NULL, "server %s changed (%s)", s->name, buf);
        }
        buf[0] = '\0';
        if (params_diff(&o->params, &s->params, server_key_other, buf, sizeof(buf))) {
            add(x, CLP_APPLY_SUSPEND, NULL, "server %s changed (%s)", s->name, buf);
        }
    }
    for (size_t i = 0; i < a->n_servers; i++) {
        if (!clp_conf_server(b, a->servers[i].name)) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "server %s removed", a->servers[i].name);
        }
    }
    bool sg_same = a->n_servergroups == b->n_servergroups;
    for (size_t i = 0; sg_same && i < a->n_servergroups; i++) {
        const clp_servergroup_t *p = &a->servergroups[i], *q = &b->servergroups[i];
        sg_same = strcmp(p->name, q->name) == 0 && p->n_servers == q->n_servers;
        for (size_t k = 0; sg_same && k < p->n_servers; k++) {
            sg_same = strcmp(p->servers[k], q->servers[k]) == 0;
        }
    }
    if (!sg_same) {
        add(x, CLP_APPLY_SUSPEND, NULL, "server groups changed");
    }
}

static void hbs_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b)
{
    for (size_t i = 0; i < b->n_hbs; i++) {
        const clp_hb_t *h = &b->hbs[i], *o = clp_conf_hb(a, h->name);
        char buf[200] = "";
        if (!o) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "heartbeat %s added", h->name);
        } else if (strcmp(o->type, h->type) != 0 || o->priority != h->priority ||
                   o->device != h->device ||
                   params_diff(&o->params, &h->params, NULL, buf, sizeof(buf))) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "heartbeat %s changed%s%s%s", h->name,
                buf[0] ? " (" : "", buf, buf[0] ? ")" : "");
        }
    }
    for (size_t i = 0; i < a->n_hbs; i++) {
        if (!clp_conf_hb(b, a->hbs[i].name)) {
            add(x, CLP_APPLY_CLUSTER_STOP, NULL, "heartbeat %s removed", a->hbs[i].name);
        }
    }
    /* Heartbeats travel with their index (clp.conf order): a new order is a new cluster. */
    bool same_order = a->n_hbs == b->n_hbs;
    for (size_t i = 0; same_order && i < a->n_hbs; i++) {
        same_order = strcmp(a->hbs[i].name, b->hbs[i].name) == 0;
    }
    if (!same_order && x->d->worst < CLP_APPLY_CLUSTER_STOP) {
        add(x, CLP_APPLY_CLUSTER_STOP, NULL, "heartbeat order changed");
    }
}

static bool np_targets_equal(const clp_np_t *a, const clp_np_t *b)
{
    if (a->n_grps != b->n_grps) {
        return false;
    }
    for (size_t g = 0; g < a->n_grps; g++) {
        if (a->grps[g].n_ips != b->grps[g].n_ips) {
            return false;
        }
        for (size_t i = 0; i < a->grps[g].n_ips; i++) {
            if (strcmp(a->grps[g].ips[i], b->grps[g].ips[i]) != 0) {
                return false;
            }
        }
    }
    return true;
}

static void nps_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b)
{
    for (size_t i = 0; i < b->n_nps; i++) {
        const clp_np_t *p = &b->nps[i], *o = clp_conf_np(a, p->name);
        char buf[200] = "";
        if (!o) {
            add(x, CLP_APPLY_SUSPEND, NULL, "network partition resource %s added", p->name);
        } else if (strcmp(o->type, p->type) != 0 || o->priority != p->priority ||
                   o->device != p->device || !np_targets_equal(o, p) ||
                   params_diff(&o->params, &p->params, NULL, buf, sizeof(buf))) {
            add(x, CLP_APPLY_SUSPEND, NULL, "network partition resource %s changed%s%s%s", p->name,
                buf[0] ? " (" : "", buf, buf[0] ? ")" : "");
        }
    }
    for (size_t i = 0; i < a->n_nps; i++) {
        if (!clp_conf_np(b, a->nps[i].name)) {
            add(x, CLP_APPLY_SUSPEND, NULL, "network partition resource %s removed",
                a->nps[i].name);
        }
    }
}

/* Keys of a group that change what runs: its members, its exclusivity. */
static bool group_key_structural(const char *k)
{
    return strncmp(k, "resource@", 9) == 0 || strcmp(k, "exclusive") == 0;
}

static bool group_key_other(const char *k)
{
    return !group_key_structural(k);
}

static void add_start(ctx_t *x, const char *name)
{
    clp_confdiff_t *d = x->d;
    char(*v)[CLP_NAME_MAX] = realloc(d->start, (d->n_start + 1) * sizeof(*v));
    if (!v) {
        x->oom = true;
        return;
    }
    d->start = v;
    snprintf(d->start[d->n_start++], CLP_NAME_MAX, "%s", name);
}

static void groups_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b,
                           const char *const *active, size_t n_active)
{
    for (size_t i = 0; i < b->n_groups; i++) {
        const clp_group_t *g = &b->groups[i], *o = clp_conf_group(a, g->name);
        if (!o) {
            add(x, CLP_APPLY_LIVE, NULL, "group %s added%s", g->name,
                g->start_auto ? " (automatic start: started after the push)" : "");
            if (g->start_auto) {
                add_start(x, g->name);
            }
            continue;
        }
        bool act = is_active(g->name, active, n_active);
        char buf[200] = "";
        if (params_diff(&o->params, &g->params, group_key_structural, buf, sizeof(buf)) ||
            strcmp(o->type, g->type) != 0) {
            add(x, act ? CLP_APPLY_GROUP_STOP : CLP_APPLY_LIVE, g->name,
                "group %s: members, type or exclusive attribute changed (%s)%s", g->name,
                buf[0] ? buf : "type", act ? "; it is active" : "");
        }
        buf[0] = '\0';
        if (params_diff(&o->params, &g->params, group_key_other, buf, sizeof(buf))) {
            add(x, CLP_APPLY_LIVE, NULL, "group %s changed (%s)", g->name, buf);
        }
    }
    for (size_t i = 0; i < a->n_groups; i++) {
        const char *name = a->groups[i].name;
        if (!clp_conf_group(b, name)) {
            bool act = is_active(name, active, n_active);
            add(x, act ? CLP_APPLY_GROUP_STOP : CLP_APPLY_LIVE, name, "group %s removed%s", name,
                act ? "; it is active" : "");
        }
    }
}

/* Recovery settings and timeouts of a resource apply at its next operation. */
static bool rsc_key_live(const char *k)
{
    return strncmp(k, "act/", 4) == 0 || strncmp(k, "deact/", 6) == 0 || strcmp(k, "comment") == 0;
}

static bool rsc_key_running(const char *k)
{
    return !rsc_key_live(k);
}

static bool overrides_equal(const clp_resource_t *a, const clp_resource_t *b)
{
    if (a->n_overrides != b->n_overrides) {
        return false;
    }
    for (size_t i = 0; i < a->n_overrides; i++) {
        char buf[8] = "";
        if (strcmp(a->overrides[i].server, b->overrides[i].server) != 0 ||
            params_diff(&a->overrides[i].params, &b->overrides[i].params, NULL, buf, sizeof(buf))) {
            return false;
        }
    }
    return true;
}

static void resources_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b,
                              const char *const *active, size_t n_active)
{
    for (size_t i = 0; i < b->n_resources; i++) {
        const clp_resource_t *r = &b->resources[i], *o = clp_conf_resource(a, r->name);
        bool act = is_active(r->group, active, n_active) && clp_conf_group(a, r->group);
        if (!o) {
            add(x, act ? CLP_APPLY_GROUP_STOP : CLP_APPLY_LIVE, r->group,
                "resource %s added to group %s%s", r->name, r->group,
                act ? ", which is active" : "");
            continue;
        }
        bool moved = strcmp(o->group, r->group) != 0 || strcmp(o->type, r->type) != 0;
        bool was_act = is_active(o->group, active, n_active);
        char buf[200] = "";
        if (moved || params_diff(&o->params, &r->params, rsc_key_running, buf, sizeof(buf)) ||
            !overrides_equal(o, r)) {
            bool running = act || (moved && was_act);
            add(x, running ? CLP_APPLY_GROUP_STOP : CLP_APPLY_LIVE,
                running && !act ? o->group : r->group, "resource %s changed (%s)%s", r->name,
                moved    ? "group or type"
                : buf[0] ? buf
                         : "per-server settings",
                running ? "; its group is active" : "");
        }
        buf[0] = '\0';
        if (params_diff(&o->params, &r->params, rsc_key_live, buf, sizeof(buf))) {
            add(x, CLP_APPLY_LIVE, NULL, "resource %s changed (%s)", r->name, buf);
        }
    }
    for (size_t i = 0; i < a->n_resources; i++) {
        const clp_resource_t *o = &a->resources[i];
        if (!clp_conf_resource(b, o->name)) {
            bool act = is_active(o->group, active, n_active);
            add(x, act ? CLP_APPLY_GROUP_STOP : CLP_APPLY_LIVE, o->group,
                "resource %s removed from group %s%s", o->name, o->group,
                act ? ", which is active" : "");
        }
    }
}

static void monitors_section(ctx_t *x, const clp_conf_t *a, const clp_conf_t *b)
{
    for (size_t i = 0; i < b->n_monitors; i++) {
        const clp_monitor_t *m = &b->monitors[i], *o = clp_conf_monitor(a, m->name);
        char buf[200] = "";
        if (!o) {
            add(x, CLP_APPLY_LIVE, NULL, "monitor %s added", m->name);
        } else if (strcmp(o->type, m->type) != 0) {
            add(x, CLP_APPLY_LIVE, NULL, "monitor %s changed (type %s -> %s)", m->name, o->type,
                m->type);
        } else if (params_diff(&o->params, &m->params, NULL, buf, sizeof(buf))) {
            add(x, CLP_APPLY_LIVE, NULL, "monitor %s changed (%s)", m->name, buf);
        }
    }
    for (size_t i = 0; i < a->n_monitors; i++) {
        if (!clp_conf_monitor(b, a->monitors[i].name)) {
            add(x, CLP_APPLY_LIVE, NULL, "monitor %s removed", a->monitors[i].name);
        }
    }
}

static void scripts_section(ctx_t *x, const clp_bundle_t *a, const clp_bundle_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const clp_bfile_t *f = &b->files[i], *o = clp_bundle_find(a, f->path);
        if (strcmp(f->path, "clp.conf") == 0) {
            continue;
        }
        if (!o) {
            add(x, CLP_APPLY_LIVE, NULL, "%s added", f->path);
        } else if (o->len != f->len || o->mode != f->mode ||
                   (f->len && memcmp(o->data, f->data, f->len) != 0)) {
            add(x, CLP_APPLY_LIVE, NULL, "%s changed (used from its next run)", f->path);
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->files[i].path, "clp.conf") != 0 && !clp_bundle_find(b, a->files[i].path)) {
            add(x, CLP_APPLY_LIVE, NULL, "%s removed", a->files[i].path);
        }
    }
}

int clp_confdiff(const clp_conf_t *old, const clp_conf_t *new, const clp_bundle_t *old_bundle,
                 const clp_bundle_t *new_bundle, const char *const *active, size_t n_active,
                 clp_confdiff_t *d)
{
    memset(d, 0, sizeof(*d));
    ctx_t x = {.d = d};
    cluster_section(&x, old, new);
    servers_section(&x, old, new);
    hbs_section(&x, old, new);
    nps_section(&x, old, new);
    groups_section(&x, old, new, active, n_active);
    resources_section(&x, old, new, active, n_active);
    monitors_section(&x, old, new);
    if (old_bundle && new_bundle) {
        scripts_section(&x, old_bundle, new_bundle);
    }
    if (x.oom) {
        clp_confdiff_free(d);
        return -ENOMEM;
    }
    return 0;
}

void clp_confdiff_free(clp_confdiff_t *d)
{
    if (!d) {
        return;
    }
    free(d->v);
    free(d->start);
    memset(d, 0, sizeof(*d));
}

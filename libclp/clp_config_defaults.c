/*
 * clp_config_defaults: fills the typed fields of every parsed object from its
 * params, applying the documented defaults (reference section 4), and sorts
 * the arrays the model promises sorted.
 *
 * The field tables of clp_config_fields.c do the plain cases. This file does
 * the rest: defaults that depend on other values (an exec resource's
 * act/deact timeout is 180 s + its script timeout; a resource-bound monitor
 * with a target is monitored only while the target is active; userw follows
 * the heartbeat interval and timeout), the default group policy (every server
 * by priority), the string-valued settings, and the ordering (servers,
 * heartbeats and NP resources by priority; groups by gid). Sorting uses the
 * element's line as the tie-break, so equal keys keep file order.
 */
#include "clp_config_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool str_in(const char *v, const char *const *set)
{
    for (size_t i = 0; set[i]; i++) {
        if (strcmp(v, set[i]) == 0) {
            return true;
        }
    }
    return false;
}

static void string_choice(clp_ld_t *ld, const clp_params_t *p, const char *key,
                          const char *const *set, const char *def, char *dst, size_t n)
{
    const clp_param_t *pr = clp_params_find(p, key);
    clp_copy(dst, n, def);
    if (!pr || !pr->value[0]) {
        return;
    }
    if (!str_in(pr->value, set)) {
        char list[128] = "";
        for (size_t i = 0; set[i]; i++) {
            strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
            strncat(list, set[i], sizeof(list) - strlen(list) - 1);
        }
        char path[256];
        snprintf(path, sizeof(path), "/root/%s", key);
        clp_ld_diag(ld, CLP_DIAG_ERROR, pr->line, path, "'%s' must be one of %s", pr->value,
                    list);
        return;
    }
    clp_copy(dst, n, pr->value);
}

static char *opt_strdup(clp_ld_t *ld, const clp_params_t *p, const char *key)
{
    const char *v = clp_params_get(p, key);
    return v ? clp_ld_strdup(ld, v) : NULL;
}

static void cluster_defaults(clp_ld_t *ld)
{
    static const char *const methods[] = {"keepalive", "softdog", "ipmi", NULL};
    static const char *const actions[] = {"RESET", "PANIC", NULL};
    clp_conf_t *c = ld->c;
    clp_cluster_t *cl = &c->cluster;
    const clp_params_t *p = &cl->params;

    cl->mon_delay_warning = -1; /* absent: the heartbeat's rate */
    clp_ld_fields(ld, p, "/root", cl, clp_cluster_fields, clp_n_cluster_fields);
    if (cl->mon_delay_warning < 0) {
        cl->mon_delay_warning = cl->hb_delay_warning;
    }
    clp_ld_fields(ld, p, "/root", &c->webmgr, clp_webmgr_fields, clp_n_webmgr_fields);
    clp_copy(cl->name, sizeof(cl->name), clp_params_str(p, "cluster/name", ""));
    cl->comment = clp_ld_strdup(ld, clp_params_str(p, "cluster/comment", ""));
    cl->uuid = clp_ld_strdup(ld, clp_params_str(p, "cluster/uuid", ""));
    clp_copy(c->charset, sizeof(c->charset), clp_params_str(p, "all/charset", ""));
    clp_copy(c->serveros, sizeof(c->serveros), clp_params_str(p, "all/serveros", "linux"));
    string_choice(ld, p, "haltp/method", methods, "keepalive", cl->haltp_method,
                  sizeof(cl->haltp_method));
    string_choice(ld, p, "haltp/action", actions, "RESET", cl->haltp_action,
                  sizeof(cl->haltp_action));

    const char *cid = clp_params_str(p, "trekking/configid", "");
    bool digits = *cid != '\0';
    for (const char *q = cid; *q; q++) {
        digits = digits && isdigit((unsigned char)*q);
    }
    c->generation = digits ? strtoul(cid, NULL, 10) : 0;

    /* the original wants the same value in pm/exec0..2; this product uses exec0 */
    const clp_field_t *pm = NULL;
    for (size_t i = 0; i < clp_n_cluster_fields; i++) {
        if (strcmp(clp_cluster_fields[i].key, "pm/exec0/recover") == 0) {
            pm = &clp_cluster_fields[i];
        }
    }
    for (int k = 1; pm && k <= 2; k++) {
        char key[32];
        int v;
        snprintf(key, sizeof(key), "pm/exec%d/recover", k);
        if (clp_ld_int(ld, p, "/root", key, &pm->range, cl->pm_recover, &v) == 0 &&
            v != cl->pm_recover) {
            char path[64];
            snprintf(path, sizeof(path), "/root/%s", key);
            clp_ld_diag(ld, CLP_DIAG_WARNING, clp_params_line(p, key, 0), path,
                        "%s is %d but pm/exec0/recover is %d; this product applies the "
                        "pm/exec0/recover action to every cluster process",
                        key, v, cl->pm_recover);
        }
    }
    c->webmgr.password_operation = opt_strdup(ld, p, "webmgr/security/password/operation");
    c->webmgr.password_reference = opt_strdup(ld, p, "webmgr/security/password/reference");
}

static int cmp_server(const void *a, const void *b)
{
    const clp_server_t *x = a, *y = b;
    if (x->priority != y->priority) {
        return x->priority < y->priority ? -1 : 1;
    }
    return (x->line > y->line) - (x->line < y->line);
}

static int cmp_hb(const void *a, const void *b)
{
    const clp_hb_t *x = a, *y = b;
    if (x->priority != y->priority) {
        return x->priority < y->priority ? -1 : 1;
    }
    return (x->line > y->line) - (x->line < y->line);
}

static int cmp_np(const void *a, const void *b)
{
    const clp_np_t *x = a, *y = b;
    if (x->priority != y->priority) {
        return x->priority < y->priority ? -1 : 1;
    }
    return (x->line > y->line) - (x->line < y->line);
}

static int cmp_group(const void *a, const void *b)
{
    const clp_group_t *x = a, *y = b;
    if (x->gid != y->gid) {
        return x->gid < y->gid ? -1 : 1;
    }
    return (x->line > y->line) - (x->line < y->line);
}

static void server_defaults(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_servers; i++) {
        clp_server_t *s = &c->servers[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/server@%s", s->name);
        clp_ld_fields(ld, &s->params, path, s, clp_server_fields, clp_n_server_fields);
        if (!clp_params_find(&s->params, "priority")) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, s->line, path,
                        "server %s has no <priority> (0 for the master server, then 1, 2, ...)",
                        s->name);
        }
    }
    if (c->n_servers > 1) {
        qsort(c->servers, c->n_servers, sizeof(*c->servers), cmp_server);
    }
}

/* Reads priority and device of a heartbeat or NP object. */
static void prio_device(clp_ld_t *ld, const clp_params_t *p, const char *path, int line,
                        const char *what, const char *name, bool need_device, int *prio,
                        int *device)
{
    static const clp_range_t prio_rg = {0, 9999, NULL, 0, NULL, ""};
    static const clp_range_t dev_rg = {0, 99999, NULL, 0, NULL, ""};
    clp_ld_int(ld, p, path, "priority", &prio_rg, -1, prio);
    if (!clp_params_find(p, "priority")) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path, "%s %s has no <priority>", what, name);
    }
    clp_ld_int(ld, p, path, "device", &dev_rg, -1, device);
    if (need_device && !clp_params_find(p, "device")) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                    "%s %s has no <device> (the device id its servers define)", what, name);
    }
}

static void hb_np_defaults(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_hbs; i++) {
        clp_hb_t *hb = &c->hbs[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/heartbeat/%s@%s", hb->type, hb->name);
        prio_device(ld, &hb->params, path, hb->line, "heartbeat", hb->name, true, &hb->priority,
                    &hb->device);
    }
    for (size_t i = 0; i < c->n_nps; i++) {
        clp_np_t *np = &c->nps[i];
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_NP, np->type);
        bool nodev = t && (t->flags & CLP_TYPE_NODEV);
        bool need = !nodev && strcmp(np->type, "httpnp") != 0;
        char path[256];
        snprintf(path, sizeof(path), "/root/networkpartition/%s@%s", np->type, np->name);
        prio_device(ld, &np->params, path, np->line, "network partition resource", np->name,
                    need, &np->priority, &np->device);
        if (nodev) {
            np->device = -1;
        }
    }
    if (c->n_hbs > 1) {
        qsort(c->hbs, c->n_hbs, sizeof(*c->hbs), cmp_hb);
    }
    if (c->n_nps > 1) {
        qsort(c->nps, c->n_nps, sizeof(*c->nps), cmp_np);
    }
}

static void default_policy(clp_ld_t *ld, clp_group_t *g)
{
    const clp_conf_t *c = ld->c;
    if (g->n_policy > 0) {
        /* stable insertion sort by order */
        for (size_t i = 1; i < g->n_policy; i++) {
            clp_policy_t t = g->policy[i];
            size_t j = i;
            while (j > 0 && g->policy[j - 1].order > t.order) {
                g->policy[j] = g->policy[j - 1];
                j--;
            }
            g->policy[j] = t;
        }
        return;
    }
    g->policy_default = true;
    if (c->n_servers == 0) {
        return;
    }
    free(g->policy);
    g->policy = clp_ld_calloc(ld, c->n_servers, sizeof(*g->policy));
    if (!g->policy) {
        return;
    }
    for (size_t i = 0; i < c->n_servers; i++) {
        clp_copy(g->policy[i].server, sizeof(g->policy[i].server), c->servers[i].name);
        g->policy[i].order = (int)i;
    }
    g->n_policy = c->n_servers;
}

static void group_defaults(clp_ld_t *ld)
{
    static const char *const gtypes[] = {"failover", "cluster", "virtualmachine", NULL};
    clp_conf_t *c = ld->c;
    int max_gid = -1;
    for (size_t i = 0; i < c->n_groups; i++) {
        clp_group_t *g = &c->groups[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/group@%s", g->name);
        clp_ld_fields(ld, &g->params, path, g, clp_group_fields, clp_n_group_fields);
        if (g->gid > max_gid) {
            max_gid = g->gid;
        }
        if (!str_in(g->type, gtypes)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(&g->params, "type", g->line), path,
                        "group %s: type '%s' must be failover, cluster or virtualmachine",
                        g->name, g->type);
        } else if (strcmp(g->type, "virtualmachine") == 0 && clp_ld_once(ld, "grptype:vm")) {
            clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, g->line, path,
                        "group type virtualmachine is not supported by this product; group %s "
                        "is kept and handled as a failover group",
                        g->name);
        }
        default_policy(ld, g);
    }
    /* groups without <gid> get the next free ids in file order */
    for (size_t i = 0; i < c->n_groups; i++) {
        if (c->groups[i].gid < 0) {
            c->groups[i].gid = ++max_gid;
        }
    }
    if (c->n_groups > 1) {
        qsort(c->groups, c->n_groups, sizeof(*c->groups), cmp_group);
    }
}

static int script_timeout(const clp_params_t *p, const char *key)
{
    long v = clp_params_int(p, key, 1800);
    return (v >= 1 && v <= 9999) ? (int)v : 1800;
}

static void resource_defaults(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_resources; i++) {
        clp_resource_t *r = &c->resources[i];
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_RESOURCE, r->type);
        r->act_timeout_s = t ? t->act_timeout_s : 180;
        r->deact_timeout_s = t ? t->deact_timeout_s : 180;
        if (strcmp(r->type, "exec") == 0) {
            r->act_timeout_s = 180 + script_timeout(&r->params, "parameters/timeout/start");
            r->deact_timeout_s = 180 + script_timeout(&r->params, "parameters/timeout/stop");
        }
        char path[256];
        snprintf(path, sizeof(path), "/root/resource/%s@%s", r->type, r->name);
        clp_ld_fields(ld, &r->params, path, r, clp_resource_fields, clp_n_resource_fields);
    }
}

static void monitor_defaults(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    const clp_cluster_t *cl = &c->cluster;
    for (size_t i = 0; i < c->n_monitors; i++) {
        clp_monitor_t *m = &c->monitors[i];
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_MONITOR, m->type);
        m->interval_s = 60;
        m->timeout_s = 120;
        m->retry = t ? t->retry : 1;
        m->timing = (t && (t->flags & CLP_TYPE_BOUND) && m->target[0]) ? CLP_TIMING_ACTIVE
                                                                       : CLP_TIMING_ALWAYS;
        char path[256];
        snprintf(path, sizeof(path), "/root/monitor/%s@%s", m->type, m->name);
        clp_ld_fields(ld, &m->params, path, m, clp_monitor_fields, clp_n_monitor_fields);
        m->delay_warning = cl->mon_delay_warning;
        if (strcmp(m->type, "userw") == 0 && clp_params_int(&m->params, "parameters/usehb", 1)) {
            m->interval_s = (cl->hb_interval_ms + 999) / 1000;
            m->timeout_s = (cl->hb_timeout_ms + 999) / 1000;
        }
    }
}

void clp_config_defaults(clp_ld_t *ld)
{
    cluster_defaults(ld);
    server_defaults(ld);
    hb_np_defaults(ld);
    group_defaults(ld);
    resource_defaults(ld);
    monitor_defaults(ld);
}

/*
 * clp_config_validate: the checks that look at more than one value: names
 * (length, characters, uniqueness), priorities, references between objects
 * (policy -> server, group -> resource, depend -> resource/group, monitor ->
 * target/recovery target, heartbeat -> device on every server), dependency
 * cycles, port clashes, product limits, and the once-per-type report of
 * elements this product keeps but does not run.
 *
 * Groups, resources and monitors (references and dependency cycles) are
 * checked in clp_config_refs.c; this file checks the cluster, servers, server
 * groups, heartbeats and NP resources, and runs the whole validation.
 *
 * Every problem is reported and checking goes on, so one run lists them all.
 * Each diagnostic names the element (path and line) the sysadmin has to edit.
 *
 * Names: 1 to 31 characters (CLP_NAME_LEN_MAX) of ASCII letters, digits, '-',
 * '_' and '.', not starting with '-' or '.'. Server names are host names; an
 * uppercase letter there is only a warning (the original expects the lowercase
 * output of hostname).
 */
#include "clp_config_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* ---- helpers ---- */

bool clp_check_name(clp_ld_t *ld, const char *what, const char *name, int line,
                       const char *path)
{
    size_t n = strlen(name);
    if (n == 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path, "%s name is empty", what);
        return false;
    }
    if (n > CLP_NAME_LEN_MAX) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                    "%s name '%s' is %zu characters long; at most %d are allowed", what, name, n,
                    CLP_NAME_LEN_MAX);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        bool ok = isascii(ch) && (isalnum(ch) || ch == '-' || ch == '_' || ch == '.');
        if (!ok || (i == 0 && (ch == '-' || ch == '.'))) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                        "%s name '%s' has a character that is not allowed ('%c' at position "
                        "%zu); use letters, digits, '-', '_' and '.', not starting with '-' or "
                        "'.'",
                        what, name, isprint(ch) ? ch : '?', i + 1);
            return false;
        }
    }
    return true;
}

ssize_t clp_find_resource(const clp_conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_resources; i++) {
        if (strcmp(c->resources[i].name, name) == 0) {
            return (ssize_t)i;
        }
    }
    return -1;
}

ssize_t clp_find_group(const clp_conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->n_groups; i++) {
        if (strcmp(c->groups[i].name, name) == 0) {
            return (ssize_t)i;
        }
    }
    return -1;
}

/* Line of the param whose key is exactly prefix + name or starts with it + "/". */
int clp_key_line(const clp_params_t *p, const char *prefix, const char *name, int def)
{
    char k[256];
    snprintf(k, sizeof(k), "%s%s", prefix, name);
    return clp_params_line(p, k, def);
}

/* ---- cluster ---- */

typedef struct {
    const char *key;
    const int *port;
    const char *what;
    bool tcp;
    bool on;
} port_use_t;

static void check_ports(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    const clp_ports_t *pt = &c->cluster.ports;
    const port_use_t use[] = {
        {"cluster/port/internal", &pt->internal, "internal communication", true, true},
        {"cluster/port/datatrans", &pt->datatrans, "data transfer", true, true},
        {"cluster/port/webmgr", &pt->webmgr, "WebManager", true, true},
        {"cluster/port/api", &pt->api, "REST API", true, c->webmgr.api_use != 0},
        {"cluster/port/heartbeat", &pt->heartbeat, "heartbeat", false, true},
        {"cluster/port/alertsync", &pt->alertsync, "alert sync", false, true},
    };
    size_t n = sizeof(use) / sizeof(use[0]);
    const clp_params_t *p = &c->cluster.params;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (!use[i].on || !use[j].on || use[i].tcp != use[j].tcp ||
                *use[i].port != *use[j].port) {
                continue;
            }
            /* name the one the file sets (the later one when both are set) */
            size_t k = clp_params_find(p, use[j].key) ? j : i;
            size_t o = k == j ? i : j;
            char path[64];
            snprintf(path, sizeof(path), "/root/%s", use[k].key);
            clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(p, use[k].key, ld->root_line), path,
                        "%s port %d is also the %s port; two %s services cannot share a port",
                        use[k].what, *use[k].port, use[o].what, use[k].tcp ? "TCP" : "UDP");
        }
    }
}

static void check_cluster(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    const clp_cluster_t *cl = &c->cluster;
    const clp_params_t *p = &cl->params;
    int cl_line = clp_params_line(p, "cluster", ld->root_line);
    if (!cl->name[0]) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(p, "cluster/name", cl_line),
                    "/root/cluster/name", "the cluster has no name; set <cluster><name>");
    } else {
        clp_check_name(ld, "cluster", clp_params_str(p, "cluster/name", ""),
                   clp_params_line(p, "cluster/name", cl_line), "/root/cluster/name");
    }
    if (cl->hb_timeout_ms <= cl->hb_interval_ms) {
        const char *key = clp_params_find(p, "cluster/heartbeat/timeout")
                              ? "cluster/heartbeat/timeout"
                              : "cluster/heartbeat/interval";
        char path[64];
        snprintf(path, sizeof(path), "/root/%s", key);
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(p, key, cl_line), path,
                    "the heartbeat timeout (%d ms) must be longer than the heartbeat interval "
                    "(%d ms)",
                    cl->hb_timeout_ms, cl->hb_interval_ms);
    }
    check_ports(ld);
    if (strcmp(c->serveros, "windows") == 0 && clp_ld_once(ld, "os:windows")) {
        clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, clp_params_line(p, "all/serveros", cl_line),
                    "/root/all/serveros",
                    "this configuration was written for Windows servers; this product runs on "
                    "Linux, so Windows-only settings are kept but ignored");
    }
    int acc = clp_params_line(p, "cluster/account", 0);
    if (acc && clp_ld_once(ld, "win:account")) {
        clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, acc, "/root/cluster/account",
                    "cluster accounts are a Windows-only setting; they are kept but ignored");
    }
}

/* ---- servers ---- */

static void check_servers(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    if (c->n_servers == 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, ld->root_line, "/root",
                    "no <server> is defined; a cluster needs at least one server");
        return;
    }
    if (c->n_servers > CLP_MAX_SERVERS) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, c->servers[CLP_MAX_SERVERS].line, "/root/server",
                    "%zu servers are defined; a cluster has at most %d", c->n_servers,
                    CLP_MAX_SERVERS);
    }
    for (size_t i = 0; i < c->n_servers; i++) {
        const clp_server_t *s = &c->servers[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/server@%s", s->name);
        if (clp_check_name(ld, "server", s->name, s->line, path)) {
            for (const char *q = s->name; *q; q++) {
                if (isupper((unsigned char)*q)) {
                    clp_ld_diag(ld, CLP_DIAG_WARNING, s->line, path,
                                "server name %s has uppercase letters; the original product "
                                "expects the lowercase host name (the output of hostname)",
                                s->name);
                    break;
                }
            }
        }
        for (size_t j = 0; j < i; j++) {
            const clp_server_t *o = &c->servers[j];
            if (strcmp(o->name, s->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, s->line, path,
                            "server %s is defined twice (also at line %d)", s->name, o->line);
            } else if (o->priority == s->priority && s->priority >= 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(&s->params, "priority", s->line),
                            path, "server %s has priority %d, which server %s already has; "
                                  "priorities must be unique",
                            s->name, s->priority, o->name);
            }
        }
        for (size_t d = 0; d < s->n_devices; d++) {
            for (size_t e = 0; e < d; e++) {
                if (s->devices[d].id == s->devices[e].id) {
                    char dp[512];
                    snprintf(dp, sizeof(dp), "%s/device@%d", path, s->devices[d].id);
                    clp_ld_diag(ld, CLP_DIAG_ERROR, s->devices[d].line, dp,
                                "server %s defines device %d twice (also at line %d)", s->name,
                                s->devices[d].id, s->devices[e].line);
                    break;
                }
            }
        }
        const char *bmc = clp_params_get(&s->params, "bmc/ip");
        if (bmc && *bmc && !clp_is_host(bmc)) {
            char bp[300];
            snprintf(bp, sizeof(bp), "%s/bmc/ip", path);
            clp_ld_diag(ld, CLP_DIAG_ERROR, clp_params_line(&s->params, "bmc/ip", s->line), bp,
                        "server %s: BMC address '%s' is neither an IP address nor a host name",
                        s->name, bmc);
        } else if (c->cluster.forcestop_use && !clp_conf_bmc_addr(s)) {
            clp_ld_diag(ld, CLP_DIAG_WARNING, s->line, path,
                        "forced stop is on (cluster/forcestop/use) but server %s has no BMC "
                        "address (bmc/ip): when it is lost, its groups are never failed over",
                        s->name);
        }
        int hba = clp_key_line(&s->params, "hba", "", 0);
        for (size_t k = 0; !hba && k < s->params.n; k++) {
            if (strncmp(s->params.v[k].key, "hba@", 4) == 0) {
                hba = s->params.v[k].line;
            }
        }
        if (hba && clp_ld_once(ld, "win:hba")) {
            clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, hba, path,
                        "HBA settings (Windows shared-disk filter) are Windows-only; they are "
                        "kept but ignored");
        }
    }
}

static void check_servergroups(clp_ld_t *ld)
{
    clp_conf_t *c = ld->c;
    if (c->n_servergroups > CLP_MAX_SERVERGROUPS) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, c->servergroups[CLP_MAX_SERVERGROUPS].line,
                    "/root/servergroup", "%zu server groups are defined; at most %d are allowed",
                    c->n_servergroups, CLP_MAX_SERVERGROUPS);
    }
    for (size_t i = 0; i < c->n_servergroups; i++) {
        const clp_servergroup_t *sg = &c->servergroups[i];
        char path[256];
        snprintf(path, sizeof(path), "/root/servergroup@%s", sg->name);
        clp_check_name(ld, "server group", sg->name, sg->line, path);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->servergroups[j].name, sg->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, sg->line, path,
                            "server group %s is defined twice (also at line %d)", sg->name,
                            c->servergroups[j].line);
            }
        }
        for (size_t k = 0; k < sg->n_servers; k++) {
            char sp[512];
            snprintf(sp, sizeof(sp), "%s/server@%s", path, sg->servers[k]);
            int si = clp_conf_server_index(c, sg->servers[k]);
            if (si < 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, sg->line, sp,
                            "server group %s names server %s, which is not defined under "
                            "<server>",
                            sg->name, sg->servers[k]);
                continue;
            }
            clp_server_t *s = &c->servers[si];
            if (s->servergroup[0] && strcmp(s->servergroup, sg->name) != 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, sg->line, sp,
                            "server %s is in server group %s and in server group %s; a server "
                            "belongs to one server group",
                            s->name, s->servergroup, sg->name);
            } else {
                clp_copy(s->servergroup, sizeof(s->servergroup), sg->name);
            }
        }
    }
}

/* ---- heartbeats and network partition ---- */

static const char *hb_device_type(const char *hbtype)
{
    static const char *const map[][2] = {
        {"lanhb", "lan"},   {"lankhb", "lan"},  {"diskhb", "disk"},
        {"comhb", "com"},   {"bmchb", "bmc"},   {"witnesshb", "witness"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(map[i][0], hbtype) == 0) {
            return map[i][1];
        }
    }
    return NULL;
}

static void check_device_on_servers(clp_ld_t *ld, const char *what, const char *name,
                                    const char *path, int line, int dev, const char *dtype,
                                    const char *dtype2)
{
    const clp_conf_t *c = ld->c;
    for (size_t s = 0; s < c->n_servers; s++) {
        const clp_device_t *d = clp_conf_device(&c->servers[s], dev);
        if (!d) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                        "%s %s uses device %d, which server %s does not define (add <device "
                        "id=\"%d\"> to <server name=\"%s\">)",
                        what, name, dev, c->servers[s].name, dev, c->servers[s].name);
        } else if (dtype && strcmp(d->type, dtype) != 0 &&
                   !(dtype2 && strcmp(d->type, dtype2) == 0)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                        "%s %s uses device %d, which is of type '%s' on server %s; it must be "
                        "'%s'",
                        what, name, dev, d->type, c->servers[s].name, dtype);
        }
    }
}

static void check_hbs(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    bool lan = false;
    for (size_t i = 0; i < c->n_hbs; i++) {
        const clp_hb_t *hb = &c->hbs[i];
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_HB, hb->type);
        char path[256];
        snprintf(path, sizeof(path), "/root/heartbeat/%s@%s", hb->type, hb->name);
        clp_check_name(ld, "heartbeat", hb->name, hb->line, path);
        lan = lan || (t && (t->flags & CLP_TYPE_LAN));
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->hbs[j].name, hb->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, hb->line, path,
                            "heartbeat %s is defined twice (also at line %d)", hb->name,
                            c->hbs[j].line);
            } else if (c->hbs[j].priority == hb->priority && hb->priority >= 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR,
                            clp_params_line(&hb->params, "priority", hb->line), path,
                            "heartbeat %s has priority %d, which heartbeat %s already has; "
                            "priorities must be unique",
                            hb->name, hb->priority, c->hbs[j].name);
            }
        }
        if (hb->device >= 0) {
            char dp[512];
            snprintf(dp, sizeof(dp), "%s/device", path);
            check_device_on_servers(ld, "heartbeat", hb->name, dp,
                                    clp_params_line(&hb->params, "device", hb->line), hb->device,
                                    hb_device_type(hb->type), NULL);
        }
        if (strcmp(hb->type, "comhb") == 0 && c->n_servers > 2) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, hb->line, path,
                        "COM heartbeat %s works between two servers only; this cluster has %zu",
                        hb->name, c->n_servers);
        }
        if (t && t->supported && t->n_params) {
            clp_config_check_type(ld, t, hb->name, &hb->params, NULL, 0, path, hb->line);
        }
    }
    if (!lan) {
        int line = c->n_hbs ? c->hbs[0].line : ld->root_line;
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, "/root/heartbeat",
                    "no LAN heartbeat (lanhb or lankhb) is defined; at least one is required");
    }
}

static void check_nps(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    for (size_t i = 0; i < c->n_nps; i++) {
        const clp_np_t *np = &c->nps[i];
        const clp_type_info_t *t = clp_conf_type_info(CLP_OBJ_NP, np->type);
        char path[256];
        snprintf(path, sizeof(path), "/root/networkpartition/%s@%s", np->type, np->name);
        clp_check_name(ld, "network partition resource", np->name, np->line, path);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->nps[j].name, np->name) == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, np->line, path,
                            "network partition resource %s is defined twice (also at line %d)",
                            np->name, c->nps[j].line);
            } else if (c->nps[j].priority == np->priority && np->priority >= 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR,
                            clp_params_line(&np->params, "priority", np->line), path,
                            "network partition resource %s has priority %d, which %s already "
                            "has; priorities must be unique",
                            np->name, np->priority, c->nps[j].name);
            }
        }
        int dline = clp_params_line(&np->params, "device", np->line);
        char dp[512];
        snprintf(dp, sizeof(dp), "%s/device", path);
        if (strcmp(np->type, "pingnp") == 0) {
            size_t targets = 0;
            for (size_t g = 0; g < np->n_grps; g++) {
                targets += np->grps[g].n_ips;
            }
            if (targets == 0) {
                clp_ld_diag(ld, CLP_DIAG_ERROR, np->line, path,
                            "pingnp %s has no ping target (grp/list/ip)", np->name);
            }
            bool used = false;
            for (size_t s = 0; s < c->n_servers && np->device >= 0; s++) {
                const clp_device_t *d = clp_conf_device(&c->servers[s], np->device);
                used = used || (d && strcmp(d->info ? d->info : "", "1") == 0);
            }
            if (np->device >= 0 && !used) {
                clp_ld_diag(ld, CLP_DIAG_WARNING, dline, dp,
                            "no server uses pingnp %s (no server has <device id=\"%d\"> with "
                            "<info>1</info>)",
                            np->name, np->device);
            }
        } else if (strcmp(np->type, "disknp") == 0 && np->device >= 0) {
            check_device_on_servers(ld, "disknp", np->name, dp, dline, np->device, "disk",
                                    "disknp");
        }
        if (t && t->supported && t->n_params) {
            clp_config_check_type(ld, t, np->name, &np->params, NULL, 0, path, np->line);
        }
    }
}

/* ---- kept but not run: one report per type ---- */

typedef struct {
    clp_obj_kind_t kind;
    const char *what, *whats, *fate, *section;
} kind_words_t;

static const kind_words_t words[] = {
    {CLP_OBJ_RESOURCE, "resource", "resources", "will not be activated", "resource"},
    {CLP_OBJ_MONITOR, "monitor", "monitors", "will not run", "monitor"},
    {CLP_OBJ_HB, "heartbeat", "heartbeats", "will not be used", "heartbeat"},
    {CLP_OBJ_NP, "network partition resource", "network partition resources",
     "will not be used", "networkpartition"},
};

static void report_type(clp_ld_t *ld, const kind_words_t *w, const char *type, const char *first,
                        int line, const char *names, size_t count)
{
    const clp_type_info_t *t = clp_conf_type_info(w->kind, type);
    char path[256];
    snprintf(path, sizeof(path), "/root/%s/%s@%s", w->section, type, first);
    if (t && t->supported && strcmp(type, "lankhb") == 0) {
        clp_ld_diag(ld, CLP_DIAG_WARNING, line, path,
                    "heartbeat type lankhb (kernel-mode LAN heartbeat) runs in user space in "
                    "this product, as a LAN heartbeat; %s %s %s accepted",
                    count > 1 ? w->whats : w->what, names, count > 1 ? "are" : "is");
    } else if (!t) {
        clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, line, path,
                    "%s type %s is not known to this product; %s %s %s kept in the "
                    "configuration but %s",
                    w->what, type, count > 1 ? w->whats : w->what, names,
                    count > 1 ? "are" : "is", w->fate);
    } else if (!t->supported) {
        clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, line, path,
                    "%s type %s (%s) is not supported by this product; %s %s %s kept in the "
                    "configuration but %s",
                    w->what, type, t->desc, count > 1 ? w->whats : w->what, names,
                    count > 1 ? "are" : "is", w->fate);
    }
}

/* Object i of kind: its type, name and line. */
static bool object_at(const clp_conf_t *c, clp_obj_kind_t kind, size_t i, const char **type,
                      const char **name, int *line)
{
#define AT(arr, n)                                                                                 \
    if (i >= c->n) {                                                                               \
        return false;                                                                              \
    }                                                                                              \
    *type = c->arr[i].type;                                                                        \
    *name = c->arr[i].name;                                                                        \
    *line = c->arr[i].line;                                                                        \
    return true
    switch (kind) {
    case CLP_OBJ_RESOURCE:
        AT(resources, n_resources);
    case CLP_OBJ_MONITOR:
        AT(monitors, n_monitors);
    case CLP_OBJ_HB:
        AT(hbs, n_hbs);
    case CLP_OBJ_NP:
        AT(nps, n_nps);
    }
#undef AT
    return false;
}

static void report_unsupported(clp_ld_t *ld)
{
    const clp_conf_t *c = ld->c;
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        const char *type, *name;
        int line;
        for (size_t i = 0; object_at(c, words[w].kind, i, &type, &name, &line); i++) {
            const clp_type_info_t *t = clp_conf_type_info(words[w].kind, type);
            if (t && t->supported && strcmp(type, "lankhb") != 0) {
                continue;
            }
            char key[64];
            snprintf(key, sizeof(key), "type:%d:%s", (int)words[w].kind, type);
            if (!clp_ld_once(ld, key)) {
                continue;
            }
            /* every object of this type, in file order of the array */
            size_t count = 0, len = 1;
            const char *ty2, *nm2;
            int l2;
            for (size_t j = i; object_at(c, words[w].kind, j, &ty2, &nm2, &l2); j++) {
                if (strcmp(ty2, type) == 0) {
                    count++;
                    len += strlen(nm2) + 2;
                }
            }
            char *names = clp_ld_calloc(ld, len, 1);
            if (!names) {
                return;
            }
            for (size_t j = i; object_at(c, words[w].kind, j, &ty2, &nm2, &l2); j++) {
                if (strcmp(ty2, type) == 0) {
                    if (names[0]) {
                        strcat(names, ", ");
                    }
                    strcat(names, nm2);
                }
            }
            report_type(ld, &words[w], type, name, line, names, count);
            free(names);
        }
    }
}

void clp_config_validate(clp_ld_t *ld)
{
    check_cluster(ld);
    check_servers(ld);
    check_servergroups(ld);
    check_hbs(ld);
    check_nps(ld);
    clp_validate_groups(ld);
    clp_validate_resources(ld);
    clp_validate_monitors(ld);
    clp_validate_safety(ld);
    clp_validate_rexec(ld);
    report_unsupported(ld);
}

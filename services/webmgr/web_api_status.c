/*
 * web_api_status: the GET side of the REST API (reference §9.2) and the
 * WebManager's status tree, rendered from the core's ClusterStatus with the
 * status words clpstat prints (clpstat_fmt).
 *
 *   /api/v1/cluster            {"cluster":{"name","status"}}
 *   /api/v1/cluster/toratio    {"toratio":N}
 *   /api/v1/servers[/S]        {"servers":[{"name","status",...}]}
 *   /api/v1/groups[/G]         {"groups":[{"name","status","current","resources":[...]}]}
 *   /api/v1/resources[/R]      {"resources":[{"name","type","status","current","group"}]}
 *   /api/v1/monitors[/M]       {"monitors":[{"name","type","status","servers":[...]}]}
 *   /api/v1/status             everything the operation view draws, in one reply
 * ?select=name keeps only the names.
 */
#define CLP_LOG_TAG "webmgr.api"
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clpstat_fmt.h"
#include "web_api.h"
#include "web_status.h"

static void on_status(void *arg, const Clp__ClusterStatus *st, const char *err)
{
    web_req_t *r = arg;
    if (!st) {
        web_reply_error(r, 503, "%s", err ? err : "the cluster status is not available");
        return;
    }
    r->then(r, st);
}

void web_with_status(web_req_t *r, void (*then)(web_req_t *r, const Clp__ClusterStatus *st))
{
    r->then = then;
    web_status_get(r->w->status, on_status, r);
}

const char *web_cluster_word(const Clp__ClusterStatus *st)
{
    size_t online = 0, suspended = 0;
    for (size_t k = 0; k < st->n_servers; k++) {
        switch (st->servers[k]->state) {
        case CLP__SERVER_STATE__SERVER_ONLINE:
            online++;
            break;
        case CLP__SERVER_STATE__SERVER_SUSPENDED:
            suspended++;
            break;
        default:
            break;
        }
    }
    if (suspended && suspended + online == st->n_servers) {
        return "Suspend";
    }
    if (online == 0 && suspended == 0) {
        return "Offline";
    }
    return online == st->n_servers ? "Online" : "Caution";
}

static bool names_only(web_req_t *r)
{
    const char *sel = web_query(r, "select");
    return sel && strcmp(sel, "name") == 0;
}

static const char *or_none(const char *s)
{
    return s && s[0] ? s : "None";
}

static void write_path(wj_t *w, const Clp__PathStatus *p, bool peers)
{
    wj_obj(w, NULL);
    wj_str(w, "name", p->name);
    wj_str(w, "type", p->type);
    wj_str(w, "status", clpstat_path_word(p->state));
    if (peers) {
        wj_arr(w, "peers");
        for (size_t i = 0; i < p->n_peers; i++) {
            const Clp__PathPeer *pp = p->peers[i];
            wj_obj(w, NULL);
            wj_str(w, "name", pp->server);
            wj_str(w, "status", clpstat_path_word(pp->state));
            if (pp->last_rx_age_ms == 0xffffffffu) {
                wj_null(w, "last_rx_age_ms");
            } else {
                wj_uint(w, "last_rx_age_ms", pp->last_rx_age_ms);
            }
            wj_uint(w, "max_delay_ms", pp->max_delay_ms);
            wj_end(w);
        }
        wj_end(w);
    }
    wj_end(w);
}

static void write_server(wj_t *w, const Clp__ServerView *sv, bool full)
{
    wj_obj(w, NULL);
    wj_str(w, "name", sv->name);
    if (full) {
        wj_str(w, "status", clpstat_server_word(sv));
        wj_uint(w, "priority", sv->priority);
        wj_bool(w, "master", sv->is_master);
        wj_arr(w, "heartbeats");
        for (size_t j = 0; j < sv->n_paths; j++) {
            write_path(w, sv->paths[j], true);
        }
        wj_end(w);
        wj_arr(w, "np");
        for (size_t i = 0; i < sv->n_nps; i++) {
            wj_obj(w, NULL);
            wj_str(w, "name", sv->nps[i]->name);
            wj_str(w, "type", sv->nps[i]->type);
            wj_str(w, "status", clpstat_path_word(sv->nps[i]->state));
            wj_str(w, "message", sv->nps[i]->message);
            wj_end(w);
        }
        wj_end(w);
    }
    wj_end(w);
}

static void write_resource(wj_t *w, const Clp__ResourceView *rv, const char *group, bool full)
{
    wj_obj(w, NULL);
    wj_str(w, "name", rv->name);
    if (full) {
        wj_str(w, "type", rv->type);
        wj_str(w, "status", clpstat_group_word(rv->state));
        wj_str(w, "current", or_none(rv->current));
        wj_str(w, "group", group);
        wj_arr(w, "servers");
        for (size_t s = 0; s < rv->n_per_server; s++) {
            wj_obj(w, NULL);
            wj_str(w, "name", rv->per_server[s]->server);
            wj_str(w, "status", clpstat_group_word(rv->per_server[s]->state));
            wj_end(w);
        }
        wj_end(w);
        if (rv->message && rv->message[0]) {
            wj_str(w, "message", rv->message);
        }
    }
    wj_end(w);
}

static void write_group(wj_t *w, const Clp__GroupView *gv, bool full)
{
    wj_obj(w, NULL);
    wj_str(w, "name", gv->name);
    if (full) {
        wj_str(w, "type", gv->type);
        wj_str(w, "status", clpstat_group_word(gv->state));
        wj_str(w, "current", or_none(gv->current));
        if (gv->operation && gv->operation[0]) {
            wj_str(w, "operation", gv->operation);
        }
        wj_arr(w, "resources");
        for (size_t i = 0; i < gv->n_resources; i++) {
            write_resource(w, gv->resources[i], gv->name, true);
        }
        wj_end(w);
        wj_arr(w, "servers");
        for (size_t s = 0; s < gv->n_per_server; s++) {
            wj_obj(w, NULL);
            wj_str(w, "name", gv->per_server[s]->server);
            wj_str(w, "status", clpstat_group_word(gv->per_server[s]->state));
            wj_end(w);
        }
        wj_end(w);
    }
    wj_end(w);
}

static void write_monitor(wj_t *w, const Clp__MonitorView *mv, bool full)
{
    wj_obj(w, NULL);
    wj_str(w, "name", mv->name);
    if (full) {
        wj_str(w, "type", mv->type);
        wj_str(w, "status", clpstat_monitor_word(mv->state));
        wj_bool(w, "suspended", mv->suspended);
        wj_arr(w, "servers");
        for (size_t k = 0; k < mv->n_per_server; k++) {
            const Clp__MonitorServerState *ms = mv->per_server[k];
            wj_obj(w, NULL);
            wj_str(w, "name", ms->server);
            wj_str(w, "status", clpstat_monitor_word(ms->state));
            if (ms->message && ms->message[0]) {
                wj_str(w, "message", ms->message);
            }
            wj_uint(w, "restart_count", ms->restart_count);
            wj_uint(w, "failover_count", ms->failover_count);
            wj_uint(w, "final_count", ms->final_count);
            wj_end(w);
        }
        wj_end(w);
    }
    wj_end(w);
}

static void write_cluster(wj_t *w, const Clp__ClusterStatus *st)
{
    wj_obj(w, "cluster");
    wj_str(w, "name", st->cluster);
    wj_str(w, "status", web_cluster_word(st));
    wj_end(w);
}

/* The object named by the first path parameter must exist: 404 otherwise. */
static bool want(web_req_t *r, const char *name)
{
    return r->n_param == 0 || strcmp(r->param[0], name) == 0;
}

static void r_cluster(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    web_json_begin(&w);
    write_cluster(&w, st);
    web_reply_json(r, &w);
}

void api_get_cluster(web_req_t *r)
{
    web_with_status(r, r_cluster);
}

static void r_toratio(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    web_json_begin(&w);
    wj_uint(&w, "toratio", st->toratio ? st->toratio : 1);
    if (st->toratio > 1 && st->toratio_until_wall_ms) {
        wj_uint(&w, "until_ms", st->toratio_until_wall_ms);
    }
    web_reply_json(r, &w);
}

void api_get_toratio(web_req_t *r)
{
    web_with_status(r, r_toratio);
}

static void r_servers(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    struct evbuffer *b = web_json_begin(&w);
    bool full = !names_only(r);
    size_t found = 0;
    wj_arr(&w, "servers");
    for (size_t k = 0; k < st->n_servers; k++) {
        if (want(r, st->servers[k]->name)) {
            write_server(&w, st->servers[k], full);
            found++;
        }
    }
    if (r->n_param && !found) {
        evbuffer_free(b);
        web_reply_error(r, 404, "server %s is not defined in the configuration", r->param[0]);
        return;
    }
    web_reply_json(r, &w);
}

void api_get_servers(web_req_t *r)
{
    web_with_status(r, r_servers);
}

static void r_groups(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    struct evbuffer *b = web_json_begin(&w);
    bool full = !names_only(r);
    size_t found = 0;
    wj_arr(&w, "groups");
    for (size_t g = 0; g < st->n_groups; g++) {
        if (want(r, st->groups[g]->name)) {
            write_group(&w, st->groups[g], full);
            found++;
        }
    }
    if (r->n_param && !found) {
        evbuffer_free(b);
        web_reply_error(r, 404, "group %s is not defined in the configuration", r->param[0]);
        return;
    }
    web_reply_json(r, &w);
}

void api_get_groups(web_req_t *r)
{
    web_with_status(r, r_groups);
}

static void r_resources(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    struct evbuffer *b = web_json_begin(&w);
    bool full = !names_only(r);
    size_t found = 0;
    wj_arr(&w, "resources");
    for (size_t g = 0; g < st->n_groups; g++) {
        const Clp__GroupView *gv = st->groups[g];
        for (size_t i = 0; i < gv->n_resources; i++) {
            if (want(r, gv->resources[i]->name)) {
                write_resource(&w, gv->resources[i], gv->name, full);
                found++;
            }
        }
    }
    if (r->n_param && !found) {
        evbuffer_free(b);
        web_reply_error(r, 404, "resource %s is not defined in the configuration", r->param[0]);
        return;
    }
    web_reply_json(r, &w);
}

void api_get_resources(web_req_t *r)
{
    web_with_status(r, r_resources);
}

static void r_monitors(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    struct evbuffer *b = web_json_begin(&w);
    bool full = !names_only(r);
    size_t found = 0;
    wj_arr(&w, "monitors");
    for (size_t m = 0; m < st->n_monitors; m++) {
        if (want(r, st->monitors[m]->name)) {
            write_monitor(&w, st->monitors[m], full);
            found++;
        }
    }
    if (r->n_param && !found) {
        evbuffer_free(b);
        web_reply_error(r, 404, "monitor %s is not defined in the configuration", r->param[0]);
        return;
    }
    web_reply_json(r, &w);
}

void api_get_monitors(web_req_t *r)
{
    web_with_status(r, r_monitors);
}

static void r_status(web_req_t *r, const Clp__ClusterStatus *st)
{
    wj_t w;
    web_json_begin(&w);
    write_cluster(&w, st);
    wj_str(&w, "local_server", st->local_server);
    wj_str(&w, "master", st->master);
    wj_uint(&w, "toratio", st->toratio ? st->toratio : 1);
    wj_bool(&w, "config_mismatch", st->config_mismatch);
    wj_arr(&w, "servers");
    for (size_t k = 0; k < st->n_servers; k++) {
        write_server(&w, st->servers[k], true);
    }
    wj_end(&w);
    wj_arr(&w, "groups");
    for (size_t g = 0; g < st->n_groups; g++) {
        write_group(&w, st->groups[g], true);
    }
    wj_end(&w);
    wj_arr(&w, "monitors");
    for (size_t m = 0; m < st->n_monitors; m++) {
        write_monitor(&w, st->monitors[m], true);
    }
    wj_end(&w);
    web_reply_json(r, &w);
}

void api_get_status(web_req_t *r)
{
    web_with_status(r, r_status);
}

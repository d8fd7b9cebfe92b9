/*
 * web_api_config: the configuration the daemon runs with (d->conf), as the
 * objects an operator knows rather than raw XML, and its export.
 *
 *   GET /api/v1/config            {"config":{"cluster","servers","heartbeats","nps",
 *                                            "groups":[{... "resources":[...]}],"monitors",
 *                                            "webmgr"}}
 *   GET /api/v1/config/clp.conf   the file itself, byte for byte (operation right:
 *                                 it holds the password hashes)
 * Parameters whose key mentions a password are never shown.
 */
#define CLP_LOG_TAG "webmgr.config"
#include <stdio.h>
#include <string.h>

#include "web_api.h"

static void write_params(wj_t *w, const char *key, const clp_params_t *p)
{
    wj_obj(w, key);
    for (size_t i = 0; i < p->n; i++) {
        if (strstr(p->v[i].key, "password")) {
            continue;
        }
        wj_str(w, p->v[i].key, p->v[i].value);
    }
    wj_end(w);
}

static void write_names(wj_t *w, const char *key, char **v, size_t n)
{
    wj_arr(w, key);
    for (size_t i = 0; i < n; i++) {
        wj_str(w, NULL, v[i]);
    }
    wj_end(w);
}

static void write_cluster(wj_t *w, const clp_conf_t *c)
{
    const clp_cluster_t *cl = &c->cluster;
    wj_obj(w, "cluster");
    wj_str(w, "name", cl->name);
    wj_str(w, "comment", cl->comment ? cl->comment : "");
    wj_int(w, "heartbeat_interval_ms", cl->hb_interval_ms);
    wj_int(w, "heartbeat_timeout_ms", cl->hb_timeout_ms);
    wj_int(w, "syncwait_s", cl->syncwait_s);
    wj_obj(w, "ports");
    wj_int(w, "internal", cl->ports.internal);
    wj_int(w, "datatrans", cl->ports.datatrans);
    wj_int(w, "heartbeat", cl->ports.heartbeat);
    wj_int(w, "alertsync", cl->ports.alertsync);
    wj_int(w, "webmgr", cl->ports.webmgr);
    wj_int(w, "api", cl->ports.api);
    wj_end(w);
    wj_int(w, "npaction", cl->npaction);
    wj_str(w, "shutdown_monitor", cl->haltp_method);
    wj_int(w, "alertlog_max", cl->alertlog_max);
    wj_str(w, "sha256", c->sha256);
    wj_uint(w, "generation", c->generation);
    wj_end(w);
}

static void write_servers(wj_t *w, const clp_conf_t *c)
{
    wj_arr(w, "servers");
    for (size_t i = 0; i < c->n_servers; i++) {
        const clp_server_t *s = &c->servers[i];
        wj_obj(w, NULL);
        wj_str(w, "name", s->name);
        wj_int(w, "priority", s->priority);
        wj_str(w, "comment", s->comment ? s->comment : "");
        wj_str(w, "servergroup", s->servergroup);
        wj_arr(w, "devices");
        for (size_t k = 0; k < s->n_devices; k++) {
            wj_obj(w, NULL);
            wj_int(w, "id", s->devices[k].id);
            wj_str(w, "type", s->devices[k].type);
            wj_str(w, "info", s->devices[k].info ? s->devices[k].info : "");
            wj_end(w);
        }
        wj_end(w);
        wj_end(w);
    }
    wj_end(w);
}

static void write_hbs(wj_t *w, const clp_conf_t *c)
{
    wj_arr(w, "heartbeats");
    for (size_t i = 0; i < c->n_hbs; i++) {
        const clp_hb_t *h = &c->hbs[i];
        wj_obj(w, NULL);
        wj_str(w, "name", h->name);
        wj_str(w, "type", h->type);
        wj_int(w, "priority", h->priority);
        wj_int(w, "device", h->device);
        wj_bool(w, "supported", h->supported);
        write_params(w, "parameters", &h->params);
        wj_end(w);
    }
    wj_end(w);
    wj_arr(w, "nps");
    for (size_t i = 0; i < c->n_nps; i++) {
        const clp_np_t *np = &c->nps[i];
        wj_obj(w, NULL);
        wj_str(w, "name", np->name);
        wj_str(w, "type", np->type);
        wj_int(w, "priority", np->priority);
        wj_bool(w, "supported", np->supported);
        write_params(w, "parameters", &np->params);
        wj_end(w);
    }
    wj_end(w);
}

static void write_resource(wj_t *w, const clp_resource_t *r)
{
    wj_obj(w, NULL);
    wj_str(w, "name", r->name);
    wj_str(w, "type", r->type);
    wj_str(w, "comment", r->comment ? r->comment : "");
    write_names(w, "depend", r->depend, r->n_depend);
    wj_int(w, "activation_retry", r->act_retry);
    wj_int(w, "activation_failover", r->act_fo);
    wj_int(w, "activation_final_action", r->act_action);
    wj_int(w, "activation_timeout_s", r->act_timeout_s);
    wj_int(w, "deactivation_retry", r->deact_retry);
    wj_int(w, "deactivation_final_action", r->deact_action);
    wj_int(w, "deactivation_timeout_s", r->deact_timeout_s);
    wj_bool(w, "supported", r->supported);
    write_params(w, "parameters", &r->params);
    wj_end(w);
}

static void write_groups(wj_t *w, const clp_conf_t *c)
{
    static const char *excl[] = {"off", "normal", "complete"};
    wj_arr(w, "groups");
    for (size_t g = 0; g < c->n_groups; g++) {
        const clp_group_t *G = &c->groups[g];
        wj_obj(w, NULL);
        wj_str(w, "name", G->name);
        wj_str(w, "type", G->type);
        wj_str(w, "comment", G->comment ? G->comment : "");
        wj_arr(w, "policy");
        for (size_t i = 0; i < G->n_policy; i++) {
            wj_str(w, NULL, G->policy[i].server);
        }
        wj_end(w);
        wj_str(w, "startup", G->start_auto ? "auto" : "manual");
        wj_str(w, "failover", G->failover_auto ? "auto" : "manual");
        wj_str(w, "failback", G->failback_auto ? "auto" : "manual");
        wj_str(w, "exclusive", G->exclusive >= 0 && G->exclusive <= 2 ? excl[G->exclusive] : "");
        wj_arr(w, "resources");
        for (size_t i = 0; i < G->n_resources; i++) {
            const clp_resource_t *r = clp_conf_resource(c, G->resources[i]);
            if (r) {
                write_resource(w, r);
            }
        }
        wj_end(w);
        wj_end(w);
    }
    wj_end(w);
}

static void write_monitors(wj_t *w, const clp_conf_t *c)
{
    static const char *rel[] = {"resource", "group", "cluster", "all groups"};
    wj_arr(w, "monitors");
    for (size_t i = 0; i < c->n_monitors; i++) {
        const clp_monitor_t *m = &c->monitors[i];
        wj_obj(w, NULL);
        wj_str(w, "name", m->name);
        wj_str(w, "type", m->type);
        wj_str(w, "comment", m->comment ? m->comment : "");
        wj_str(w, "target", m->target);
        wj_str(w, "timing", m->timing == CLP_TIMING_ACTIVE ? "active" : "always");
        wj_int(w, "interval_s", m->interval_s);
        wj_int(w, "timeout_s", m->timeout_s);
        wj_int(w, "retry", m->retry);
        write_names(w, "servers", m->servers, m->n_servers);
        wj_str(w, "recovery_target_type",
               m->rel_type >= 0 && m->rel_type <= 3 ? rel[m->rel_type] : "");
        wj_str(w, "recovery_target", m->rel_name);
        wj_int(w, "restart_threshold", m->th_restart);
        wj_int(w, "failover_threshold", m->th_fo);
        wj_int(w, "final_action", m->action);
        wj_bool(w, "supported", m->supported);
        write_params(w, "parameters", &m->params);
        wj_end(w);
    }
    wj_end(w);
}

void api_get_config(web_req_t *r)
{
    const clp_conf_t *c = r->w->d->conf;
    wj_t w;
    web_json_begin(&w);
    wj_obj(&w, "config");
    write_cluster(&w, c);
    write_servers(&w, c);
    write_hbs(&w, c);
    write_groups(&w, c);
    write_monitors(&w, c);
    wj_obj(&w, "webmgr");
    wj_bool(&w, "iprest", c->webmgr.iprest != 0);
    wj_arr(&w, "clients");
    for (size_t i = 0; i < c->webmgr.n_clients; i++) {
        wj_obj(&w, NULL);
        wj_str(&w, "address", c->webmgr.clients[i].addr);
        wj_str(&w, "right", c->webmgr.clients[i].readonly ? "reference" : "operation");
        wj_end(&w);
    }
    wj_end(&w);
    wj_bool(&w, "operation_password", c->webmgr.password_operation != NULL);
    wj_bool(&w, "reference_password", c->webmgr.password_reference != NULL);
    wj_bool(&w, "api", c->webmgr.api_use != 0);
    wj_end(&w);
    wj_end(&w);
    web_reply_json(r, &w);
}

void api_get_config_export(web_req_t *r)
{
    const clp_conf_t *c = r->w->d->conf;
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, c->raw, c->raw_len);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition",
                      "attachment; filename=\"clp.conf\"");
    web_reply(r, 200, "application/xml", b);
}

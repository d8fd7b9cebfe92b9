/*
 * web_api_ops: the POST side of the REST API: operations on the cluster,
 * servers, groups, resources and monitors, the timeout ratio, scripts/run.
 *
 * Each operation is recorded first as the apisv alert of the reference
 * ("There was a request to move group(failover1) from the WebManager(IP=...)")
 * and then sent as the request the command-line tools send:
 *   cluster start/stop/suspend/resume/shutdown/reboot   ServiceControl to every
 *        server's clusterpro_trn (clpcl -a, clpstdn), in parallel
 *   server start/stop/shutdown/reboot                   ServiceControl to that server's trn
 *   group and resource operations                       GroupRequest / ResourceRequest
 *        to the local core, which hands them to the master (clpgrp, clprsc)
 *   monitor suspend/resume/dummy failure                MonitorRequest per server (clpmonctrl)
 *   toratio set/reset                                   ClusterRequest per server (clptoratio)
 *   scripts/run                                         RexecRequest SCRIPT to the target
 *        server's clusterpro_trn (clprexec --script), answered when the script ends
 * The reply comes when every target has accepted or refused the request (the
 * operation itself goes on; the status shows its progress), or after a
 * timeout, with one result per target. A failure is recorded as the apisv
 * 1xx alert. Where the reference has no apisv row (cluster and server start,
 * cluster resume), the trn's cl alert records the request with the same
 * requester string.
 */
#define CLP_LOG_TAG "webmgr.ops"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_rexec.h"
#include "clp_xalloc.h"
#include "web_api.h"
#include "web_call.h"

#define ACCEPT_TIMEOUT_MS 10000

enum { K_SVC, K_GROUP, K_GROUPS_ALL, K_RESOURCE, K_MONITOR, K_TORATIO };

typedef struct {
    int kind;
    const char *op; /* last path segment(s) */
    int proto_op;
    unsigned alert_ok, alert_fail; /* apisv rows, 0 = none */
} opdef_t;

static const opdef_t cluster_ops[] = {
    {K_SVC, "start", CLP__SERVICE_CONTROL__OP__START, 0, 0},
    {K_SVC, "stop", CLP__SERVICE_CONTROL__OP__STOP, 1, 101},
    {K_SVC, "shutdown", CLP__SERVICE_CONTROL__OP__SHUTDOWN, 2, 102},
    {K_SVC, "reboot", CLP__SERVICE_CONTROL__OP__REBOOT, 3, 103},
    {K_SVC, "suspend", CLP__SERVICE_CONTROL__OP__SUSPEND, 4, 104},
    {K_SVC, "resume", CLP__SERVICE_CONTROL__OP__RESUME, 0, 0},
    {0, NULL, 0, 0, 0},
};

static const opdef_t server_ops[] = {
    {K_SVC, "start", CLP__SERVICE_CONTROL__OP__START, 0, 0},
    {K_SVC, "stop", CLP__SERVICE_CONTROL__OP__STOP, 10, 110},
    {K_SVC, "shutdown", CLP__SERVICE_CONTROL__OP__SHUTDOWN, 11, 111},
    {K_SVC, "reboot", CLP__SERVICE_CONTROL__OP__REBOOT, 12, 112},
    {0, NULL, 0, 0, 0},
};

static const opdef_t group_ops[] = {
    {K_GROUP, "start", CLP__GROUP_REQUEST__OP__START, 30, 130},
    {K_GROUP, "stop", CLP__GROUP_REQUEST__OP__STOP, 32, 132},
    {K_GROUP, "restart", CLP__GROUP_REQUEST__OP__RESTART, 34, 134},
    {K_GROUP, "move", CLP__GROUP_REQUEST__OP__MOVE, 36, 136},
    {K_GROUP, "failover", CLP__GROUP_REQUEST__OP__FAILOVER, 38, 138},
    {0, NULL, 0, 0, 0},
};

static const opdef_t groups_all_ops[] = {
    {K_GROUPS_ALL, "start", CLP__GROUP_REQUEST__OP__START, 31, 131},
    {K_GROUPS_ALL, "stop", CLP__GROUP_REQUEST__OP__STOP, 33, 133},
    {0, NULL, 0, 0, 0},
};

static const opdef_t resource_ops[] = {
    {K_RESOURCE, "start", CLP__RESOURCE_REQUEST__OP__START, 50, 150},
    {K_RESOURCE, "stop", CLP__RESOURCE_REQUEST__OP__STOP, 52, 152},
    {K_RESOURCE, "restart", CLP__RESOURCE_REQUEST__OP__RESTART, 54, 154},
    {0, NULL, 0, 0, 0},
};

static const opdef_t monitor_ops[] = {
    {K_MONITOR, "suspend", CLP__MONITOR_REQUEST__OP__SUSPEND, 60, 160},
    {K_MONITOR, "resume", CLP__MONITOR_REQUEST__OP__RESUME, 61, 161},
    {K_MONITOR, "dummy-failure/start", CLP__MONITOR_REQUEST__OP__DUMMY_ON, 62, 162},
    {K_MONITOR, "dummy-failure/stop", CLP__MONITOR_REQUEST__OP__DUMMY_OFF, 63, 163},
    {0, NULL, 0, 0, 0},
};

static const opdef_t toratio_op = {K_TORATIO, "set", CLP__CLUSTER_REQUEST__OP__SET_TORATIO, 0, 0};
static const opdef_t toratio_reset_op = {K_TORATIO, "reset",
                                         CLP__CLUSTER_REQUEST__OP__CLEAR_TORATIO, 0, 0};

static const opdef_t *find_op(const opdef_t *t, const char *op)
{
    for (; t->op; t++) {
        if (strcmp(t->op, op) == 0) {
            return t;
        }
    }
    return NULL;
}

/* ---- fan-out of one operation to its targets ---- */

typedef struct fan fan_t;

typedef struct {
    fan_t *f;
    char server[CLP_NAME_MAX];
    int state; /* 0 waiting, 1 ok, 2 refused, 3 unreachable / no answer */
    char msg[256];
} slot_t;

struct fan {
    web_req_t *r;
    const opdef_t *def;
    char object[CLP_NAME_MAX];
    char requester[128];
    size_t n, pending;
    slot_t *slots;
    uint32_t ratio;
    uint64_t period_ms;
};

static void finish(fan_t *f)
{
    web_req_t *r = f->r;
    web_t *w = r->w;
    size_t ok = 0, refused = 0, down = 0;
    for (size_t i = 0; i < f->n; i++) {
        ok += f->slots[i].state == 1;
        refused += f->slots[i].state == 2;
        down += f->slots[i].state == 3;
    }
    if ((refused || down) && f->def->alert_fail) {
        char code[16];
        snprintf(code, sizeof(code), "%u", down && !refused ? 0x0bu : 0x01u);
        bool named = f->object[0] && !(f->def->kind == K_MONITOR && f->def->alert_ok < 62);
        if (named) {
            CLP_ALERT(w->d->ev, "apisv", f->def->alert_fail, f->object, code);
        } else {
            CLP_ALERT(w->d->ev, "apisv", f->def->alert_fail, code);
        }
    }
    struct evbuffer *b = evbuffer_new();
    wj_t j;
    wj_init(&j, b);
    wj_obj(&j, NULL);
    int http = 200;
    const char *msg = "Command succeeded.";
    if (refused || down) {
        http = refused ? 409 : 503;
        msg = f->n == 1 ? f->slots[0].msg
              : ok      ? "the request failed on some servers"
                        : "the request failed";
    }
    wj_obj(&j, "result");
    wj_int(&j, "code", http == 200 ? 0 : http);
    wj_str(&j, "message", msg);
    wj_end(&j);
    wj_arr(&j, "results");
    for (size_t i = 0; i < f->n; i++) {
        wj_obj(&j, NULL);
        if (f->slots[i].server[0]) {
            wj_str(&j, "server", f->slots[i].server);
        }
        wj_bool(&j, "ok", f->slots[i].state == 1);
        wj_str(&j, "message", f->slots[i].msg);
        wj_end(&j);
    }
    wj_end(&j);
    wj_end(&j);
    evbuffer_add(b, "\n", 1);
    free(f->slots);
    free(f);
    web_reply(r, http, "application/json; charset=utf-8", b);
}

static void on_done(void *arg, const Clp__Envelope *rep, int status, const char *err)
{
    slot_t *s = arg;
    fan_t *f = s->f;
    bool ok = false;
    const char *msg = err;
    if (rep) {
        switch (rep->payload_case) {
        case CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY:
            ok = rep->generic_reply->ok;
            msg = rep->generic_reply->message;
            break;
        case CLP__ENVELOPE__PAYLOAD_GROUP_REPLY:
            ok = rep->group_reply->ok;
            msg = rep->group_reply->n_results && !ok ? rep->group_reply->results[0]->message
                                                     : rep->group_reply->message;
            break;
        case CLP__ENVELOPE__PAYLOAD_MONITOR_REPLY:
            ok = rep->monitor_reply->ok;
            msg = rep->monitor_reply->message;
            break;
        default:
            msg = "unexpected reply";
            break;
        }
    }
    s->state = rep ? (ok ? 1 : 2) : status == -EPROTO ? 2 : 3;
    if (!rep && status == -ETIMEDOUT && f->def->kind == K_SVC &&
        f->def->proto_op != CLP__SERVICE_CONTROL__OP__START &&
        f->def->proto_op != CLP__SERVICE_CONTROL__OP__RESUME &&
        f->def->proto_op != CLP__SERVICE_CONTROL__OP__SUSPEND) {
        /* Stopping, shutting down or rebooting a server can take longer than
         * we wait, and a server that goes down cannot answer: report the
         * request as sent; the status shows what happens. */
        s->state = 1;
        msg = "Request sent; no answer within 10 s (a server that stops or reboots may not "
              "answer): see its status.";
        ok = true;
    }
    snprintf(s->msg, sizeof(s->msg), "%s",
             msg && msg[0] ? msg
             : ok          ? "Command succeeded."
                           : "the request failed");
    if (--f->pending == 0) {
        finish(f);
    }
}

static fan_t *fan_new(web_req_t *r, const opdef_t *def, const char *object, size_t n)
{
    fan_t *f = xcalloc(1, sizeof(*f));
    f->r = r;
    f->def = def;
    snprintf(f->object, sizeof(f->object), "%s", object ? object : "");
    snprintf(f->requester, sizeof(f->requester), "%s(IP=%s)", web_via(r), r->client);
    f->n = n;
    f->pending = n;
    f->slots = xcalloc(n ? n : 1, sizeof(*f->slots));
    for (size_t i = 0; i < n; i++) {
        f->slots[i].f = f;
    }
    return f;
}

/* The apisv "request" alert: (object, via, ip) or (via, ip). */
static void alert_request(web_req_t *r, const opdef_t *def, const char *object)
{
    if (!def->alert_ok) {
        return;
    }
    if (object) {
        CLP_ALERT(r->w->d->ev, "apisv", def->alert_ok, object, web_via(r), r->client);
    } else {
        CLP_ALERT(r->w->d->ev, "apisv", def->alert_ok, web_via(r), r->client);
    }
}

/* Sends the request of slot i: builds the payload from the fan's definition. */
static void send_slot(fan_t *f, size_t i)
{
    slot_t *s = &f->slots[i];
    web_t *w = f->r->w;
    const char *target = wjv_get_str(f->r->body, "target");
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    switch (f->def->kind) {
    case K_SVC: {
        Clp__ServiceControl sc = CLP__SERVICE_CONTROL__INIT;
        sc.op = f->def->proto_op;
        sc.all = f->n > 1 || strncmp(f->r->path, "/api/v1/cluster/", 16) == 0;
        sc.requester = f->requester;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_SERVICE_CONTROL;
        env.service_control = &sc;
        web_call_trn(w, s->server, &env, ACCEPT_TIMEOUT_MS, on_done, s);
        return;
    }
    case K_GROUP:
    case K_GROUPS_ALL: {
        Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
        gr.op = f->def->proto_op;
        gr.group = f->object;
        gr.target = (char *)(target ? target : "");
        gr.requester = f->requester;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
        env.group_request = &gr;
        web_call_local(w, "core", &env, ACCEPT_TIMEOUT_MS, on_done, s);
        return;
    }
    case K_RESOURCE: {
        Clp__ResourceRequest rr = CLP__RESOURCE_REQUEST__INIT;
        rr.op = f->def->proto_op;
        rr.resource = f->object;
        rr.target = (char *)(target ? target : "");
        rr.requester = f->requester;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_RESOURCE_REQUEST;
        env.resource_request = &rr;
        web_call_local(w, "core", &env, ACCEPT_TIMEOUT_MS, on_done, s);
        return;
    }
    case K_MONITOR: {
        Clp__MonitorRequest mr = CLP__MONITOR_REQUEST__INIT;
        mr.op = f->def->proto_op;
        mr.monitor = f->object;
        mr.requester = f->requester;
        mr.server = s->server;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST;
        env.monitor_request = &mr;
        web_call_local(w, "core", &env, ACCEPT_TIMEOUT_MS, on_done, s);
        return;
    }
    case K_TORATIO: {
        Clp__ClusterRequest cr = CLP__CLUSTER_REQUEST__INIT;
        cr.op = f->def->proto_op;
        cr.ratio = f->ratio;
        cr.period_ms = f->period_ms;
        cr.requester = f->requester;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST;
        env.cluster_request = &cr;
        web_call_core_on(w, s->server, &env, ACCEPT_TIMEOUT_MS, on_done, s);
        return;
    }
    default:
        on_done(s, NULL, -EINVAL, "unknown operation");
        return;
    }
}

static void fan_start(fan_t *f)
{
    size_t n = f->n;
    for (size_t i = 0; i < n; i++) {
        send_slot(f, i); /* the fan may be finished (and freed) by the last one */
    }
}

/* ---- handlers ---- */

static bool check_target(web_req_t *r, bool required)
{
    const wjv_t *t = wjv_get(r->body, "target");
    if (!t) {
        if (required) {
            web_reply_error(r, 400, "\"target\" (a server name) is required");
            return false;
        }
        return true;
    }
    if (t->kind != WJV_STR || !clp_conf_server(r->w->d->conf, t->str)) {
        web_reply_error(r, 400, "\"target\" must name a server of the cluster");
        return false;
    }
    return true;
}

/* The last path segment(s) after the object name: "move", "dummy-failure/start". */
static const char *op_suffix(web_req_t *r, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(r->path, prefix, n) == 0 ? r->path + n : "";
}

void api_post_cluster(web_req_t *r)
{
    const opdef_t *def = find_op(cluster_ops, r->param[0]);
    if (!def) {
        web_reply_error(r, 404, "unknown cluster operation '%s'", r->param[0]);
        return;
    }
    const clp_conf_t *c = r->w->d->conf;
    alert_request(r, def, NULL);
    fan_t *f = fan_new(r, def, NULL, c->n_servers);
    for (size_t i = 0; i < c->n_servers; i++) {
        snprintf(f->slots[i].server, sizeof(f->slots[i].server), "%s", c->servers[i].name);
    }
    fan_start(f);
}

void api_post_server(web_req_t *r)
{
    const opdef_t *def = find_op(server_ops, r->param[1]);
    if (!clp_conf_server(r->w->d->conf, r->param[0])) {
        web_reply_error(r, 404, "server %s is not defined in the configuration", r->param[0]);
        return;
    }
    if (!def) {
        web_reply_error(r, 404, "unknown server operation '%s'", r->param[1]);
        return;
    }
    alert_request(r, def, NULL);
    fan_t *f = fan_new(r, def, NULL, 1);
    snprintf(f->slots[0].server, sizeof(f->slots[0].server), "%s", r->param[0]);
    fan_start(f);
}

void api_post_server_dummy(web_req_t *r)
{
    if (!clp_conf_server(r->w->d->conf, r->param[0])) {
        web_reply_error(r, 404, "server %s is not defined in the configuration", r->param[0]);
        return;
    }
    web_reply_error(r, 501, "server dummy failure is not implemented by this product");
}

void api_post_groups_all(web_req_t *r)
{
    const opdef_t *def = find_op(groups_all_ops, r->param[0]);
    if (!def) {
        /* /api/v1/groups/{group} without an operation */
        web_reply_error(r, 404, "unknown operation '%s' on all groups", r->param[0]);
        return;
    }
    if (!check_target(r, true)) {
        return;
    }
    alert_request(r, def, NULL);
    fan_t *f = fan_new(r, def, "", 1);
    fan_start(f);
}

void api_post_group(web_req_t *r)
{
    const opdef_t *def = find_op(group_ops, r->param[1]);
    if (!clp_conf_group(r->w->d->conf, r->param[0])) {
        web_reply_error(r, 404, "group %s is not defined in the configuration", r->param[0]);
        return;
    }
    if (!def) {
        web_reply_error(r, 404, "unknown group operation '%s'", r->param[1]);
        return;
    }
    if (!check_target(r, false)) {
        return;
    }
    alert_request(r, def, r->param[0]);
    fan_t *f = fan_new(r, def, r->param[0], 1);
    fan_start(f);
}

void api_post_resource(web_req_t *r)
{
    const opdef_t *def = find_op(resource_ops, r->param[1]);
    if (!clp_conf_resource(r->w->d->conf, r->param[0])) {
        web_reply_error(r, 404, "resource %s is not defined in the configuration", r->param[0]);
        return;
    }
    if (!def) {
        web_reply_error(r, 404, "unknown resource operation '%s'", r->param[1]);
        return;
    }
    if (!check_target(r, false)) {
        return;
    }
    alert_request(r, def, r->param[0]);
    fan_t *f = fan_new(r, def, r->param[0], 1);
    fan_start(f);
}

static void monitor_op(web_req_t *r, const opdef_t *def)
{
    const clp_conf_t *c = r->w->d->conf;
    const clp_monitor_t *m = clp_conf_monitor(c, r->param[0]);
    if (!m) {
        web_reply_error(r, 404, "monitor %s is not defined in the configuration", r->param[0]);
        return;
    }
    if (!def) {
        web_reply_error(r, 404, "unknown monitor operation");
        return;
    }
    if (!check_target(r, false)) {
        return;
    }
    const char *target = wjv_get_str(r->body, "target");
    /* One request per server that runs the monitor (or the one named). */
    const char *names[CLP_NAME_MAX];
    size_t n = 0;
    for (size_t i = 0; i < c->n_servers && n < CLP_NAME_MAX; i++) {
        const char *sv = c->servers[i].name;
        bool runs = m->n_servers == 0;
        for (size_t k = 0; k < m->n_servers; k++) {
            runs = runs || strcmp(m->servers[k], sv) == 0;
        }
        if (runs && (!target || strcmp(target, sv) == 0)) {
            names[n++] = sv;
        }
    }
    if (n == 0) {
        web_reply_error(r, 400, "monitor %s does not run on server %s", m->name, target);
        return;
    }
    /* apisv 60/61 name no monitor; 62/63 do. */
    alert_request(r, def, def->alert_ok >= 62 ? m->name : NULL);
    fan_t *f = fan_new(r, def, m->name, n);
    for (size_t i = 0; i < n; i++) {
        snprintf(f->slots[i].server, sizeof(f->slots[i].server), "%s", names[i]);
    }
    fan_start(f);
}

void api_post_monitor(web_req_t *r)
{
    monitor_op(r, find_op(monitor_ops, r->param[1]));
}

void api_post_monitor_dummy(web_req_t *r)
{
    char prefix[160];
    snprintf(prefix, sizeof(prefix), "/api/v1/monitors/%s/", r->param[0]);
    monitor_op(r, find_op(monitor_ops, op_suffix(r, prefix)));
}

/* "2m", "3h", "4d" -> ms; -1 when malformed. */
static long long parse_period(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0 || end[0] == '\0' || end[1] != '\0') {
        return -1;
    }
    switch (end[0]) {
    case 'm':
        return v * 60000LL;
    case 'h':
        return v * 3600000LL;
    case 'd':
        return v * 86400000LL;
    default:
        return -1;
    }
}

static void toratio_all(web_req_t *r, const opdef_t *def, uint32_t ratio, uint64_t period_ms)
{
    const clp_conf_t *c = r->w->d->conf;
    fan_t *f = fan_new(r, def, NULL, c->n_servers);
    f->ratio = ratio;
    f->period_ms = period_ms;
    for (size_t i = 0; i < c->n_servers; i++) {
        snprintf(f->slots[i].server, sizeof(f->slots[i].server), "%s", c->servers[i].name);
    }
    clp_info("timeout ratio %u for %llu ms requested by %s(IP=%s)", ratio,
             (unsigned long long)period_ms, web_via(r), r->client);
    fan_start(f);
}

void api_post_toratio_set(web_req_t *r)
{
    const wjv_t *ratio = wjv_get(r->body, "ratio");
    const char *time = wjv_get_str(r->body, "time");
    if (!ratio || ratio->kind != WJV_NUM || ratio->num != floor(ratio->num) || ratio->num < 1 ||
        ratio->num > 10000) {
        web_reply_error(r, 400, "\"ratio\" must be a whole number from 1 to 10000");
        return;
    }
    if (ratio->num == 1) {
        toratio_all(r, &toratio_reset_op, 1, 0);
        return;
    }
    long long ms = time ? parse_period(time) : -1;
    if (ms < 0) {
        web_reply_error(r, 400, "\"time\" must be a period such as \"90m\", \"3h\" or \"2d\"");
        return;
    }
    if (ms > 30LL * 86400000LL) {
        web_reply_error(r, 400, "\"time\" must not exceed 30 days");
        return;
    }
    toratio_all(r, &toratio_op, (uint32_t)ratio->num, (uint64_t)ms);
}

void api_post_toratio_reset(web_req_t *r)
{
    toratio_all(r, &toratio_reset_op, 1, 0);
}

/* ---- scripts/run: clprexec --script through the target server's trn ---- */

typedef struct {
    web_req_t *r;
    char server[CLP_NAME_MAX];
} script_run_t;

/* The server named by target: a server name, or an address of one of its LAN
 * devices (the reference's "server IP"); NULL when none. */
static const clp_server_t *script_target(const clp_conf_t *c, const char *target)
{
    const clp_server_t *s = clp_conf_server(c, target);
    for (size_t i = 0; !s && i < c->n_servers; i++) {
        for (size_t d = 0; d < c->servers[i].n_devices; d++) {
            const clp_device_t *dev = &c->servers[i].devices[d];
            if (strcmp(dev->type, "lan") == 0 && dev->info && strcmp(dev->info, target) == 0) {
                s = &c->servers[i];
                break;
            }
        }
    }
    return s;
}

static void on_script_done(void *arg, const Clp__Envelope *rep, int status, const char *err)
{
    script_run_t *sr = arg;
    web_req_t *r = sr->r;
    bool ok = false;
    const char *msg = err && err[0] ? err : "the request failed";
    const char *output = "";
    int exit_status = -1;
    int http = status == -EPROTO ? 409 : 503;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_REXEC_REPLY) {
        ok = rep->rexec_reply->ok;
        msg = rep->rexec_reply->message;
        output = rep->rexec_reply->output;
        exit_status = rep->rexec_reply->exit_status;
        http = ok ? 200 : 409;
    } else if (rep) {
        msg = "unexpected reply";
    }
    struct evbuffer *b = evbuffer_new();
    wj_t j;
    wj_init(&j, b);
    wj_obj(&j, NULL);
    wj_obj(&j, "result");
    wj_int(&j, "code", http == 200 ? 0 : http);
    wj_str(&j, "message", msg);
    wj_end(&j);
    wj_arr(&j, "results");
    wj_obj(&j, NULL);
    wj_str(&j, "server", sr->server);
    wj_bool(&j, "ok", ok);
    wj_str(&j, "message", msg);
    wj_int(&j, "exitCode", exit_status);
    wj_str(&j, "output", output);
    wj_end(&j);
    wj_end(&j);
    wj_end(&j);
    evbuffer_add(b, "\n", 1);
    free(sr);
    web_reply(r, http, "application/json; charset=utf-8", b);
}

void api_post_scripts_run(web_req_t *r)
{
    const clp_conf_t *c = r->w->d->conf;
    const char *script = wjv_get_str(r->body, "script");
    const char *target = wjv_get_str(r->body, "target");
    const wjv_t *timeout = wjv_get(r->body, "timeout");
    char err[300];
    if (clp_rexec_check_script_name(script, err, sizeof(err)) < 0) {
        web_reply_error(r, 400, "\"script\" must name a file in work/rexec/: %s", err);
        return;
    }
    const clp_server_t *s = target ? script_target(c, target) : clp_conf_server(c, r->w->d->server);
    if (!s) {
        web_reply_error(r, 400, "\"target\" must be a server of the cluster (its name or address)");
        return;
    }
    if (timeout && (timeout->kind != WJV_NUM || timeout->num != floor(timeout->num) ||
                    timeout->num < 1 || timeout->num > CLP_REXEC_WAIT_MAX_S)) {
        web_reply_error(r, 400, "\"timeout\" must be a whole number of seconds from 1 to %d",
                        CLP_REXEC_WAIT_MAX_S);
        return;
    }
    uint32_t wait_ms = (uint32_t)(timeout ? timeout->num : CLP_REXEC_WAIT_DEFAULT_S) * 1000u;
    script_run_t *sr = xcalloc(1, sizeof(*sr));
    sr->r = r;
    snprintf(sr->server, sizeof(sr->server), "%s", s->name);
    Clp__RexecRequest rr = CLP__REXEC_REQUEST__INIT;
    rr.op = CLP__REXEC_REQUEST__OP__SCRIPT;
    rr.script = (char *)script;
    rr.wait_ms = wait_ms;
    rr.requester = r->client;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST;
    env.rexec_request = &rr;
    clp_info("script %s on %s requested by %s(IP=%s)", script, s->name, web_via(r), r->client);
    web_call_trn(r->w, s->name, &env, (int)wait_ms + 1000, on_script_done, sr);
}

/*
 * api: the core's request handlers, for the local ipc endpoint (tools,
 * WebManager) and the internal TCP port (peers). One table; each row hands the
 * request to the module that owns it.
 */
#define CLP_LOG_TAG "api"
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clp_log.h"
#include "clp_time.h"
#include "confgen.h"
#include "core.h"
#include "peer.h"
#include "rc.h"
#include "rm.h"
#include "view.h"

static core_t *CORE(void *arg)
{
    return ((clp_daemon_t *)arg)->app;
}

static void on_cluster_status(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    core_t *c = CORE(arg);
    Clp__ClusterStatus st;
    view_status(c, env->cluster_status_request->local_only, &st);
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS;
    rep.cluster_status = &st;
    clp_srv_reply(req, &rep);
    view_free_status(&st);
}

static void on_node_state(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    core_t *c = CORE(arg);
    peer_store(c->peer, env->sender, env->node_state);
    clp_srv_drop(req); /* fire and forget */
}

static void on_group_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    rc_handle_group_request(CORE(arg), req, env->group_request, env->sender);
}

static void on_resource_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    rc_handle_resource_request(CORE(arg), req, env->resource_request, env->sender);
}

static void on_group_command(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    rc_handle_group_command(CORE(arg), req, env->group_command, env->sender);
}

static void on_group_event(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    rc_handle_group_event(CORE(arg), req, env->group_event, env->sender);
}

static void on_monitor_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    rm_handle_request(CORE(arg), req, env->monitor_request, env->sender);
}

static void on_rexec_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    rm_handle_rexec(CORE(arg), req, env->rexec_request);
}

static void generic(clp_srv_req_t *req, bool ok, const char *msg)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GenericReply g = CLP__GENERIC_REPLY__INIT;
    g.ok = ok;
    g.message = (char *)msg;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY;
    rep.generic_reply = &g;
    clp_srv_reply(req, &rep);
}

static void on_cluster_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    core_t *c = CORE(arg);
    const Clp__ClusterRequest *cr = env->cluster_request;
    const char *who = cr->requester && cr->requester[0] ? cr->requester : env->sender;
    switch (cr->op) {
    case CLP__CLUSTER_REQUEST__OP__STOP:
        CLP_ALERT(c->d->ev, "pm", 31, who);
        generic(req, true, "Command succeeded.");
        core_begin_stop(c, cr->all, "a request to stop the cluster service");
        return;
    case CLP__CLUSTER_REQUEST__OP__SUSPEND:
        CLP_ALERT(c->d->ev, "pm", 35, who);
        c->suspended = true;
        nm_set_local_state(c->nm, CLP__SERVER_STATE__SERVER_SUSPENDED);
        rm_suspend_all(c, true);
        core_state_changed(c);
        hb_send_now(c->hb);
        generic(req, true, "Command succeeded.");
        return;
    case CLP__CLUSTER_REQUEST__OP__RESUME:
        CLP_ALERT(c->d->ev, "pm", 34, who);
        c->suspended = false;
        nm_set_local_state(c->nm, CLP__SERVER_STATE__SERVER_ONLINE);
        rm_suspend_all(c, false);
        core_state_changed(c);
        hb_send_now(c->hb);
        generic(req, true, "Command succeeded.");
        return;
    case CLP__CLUSTER_REQUEST__OP__SET_TORATIO:
        if (cr->ratio < 1 || cr->ratio > 10000) {
            generic(req, false, "the timeout ratio must be between 1 and 10000");
            return;
        }
        if (cr->period_ms > 30ull * 24 * 3600 * 1000) {
            generic(req, false, "the period must not exceed 30 days");
            return;
        }
        core_set_toratio(c, cr->ratio, cr->ratio > 1 ? clp_wall_ms() + cr->period_ms : 0);
        generic(req, true, "Command succeeded.");
        return;
    case CLP__CLUSTER_REQUEST__OP__SKIPWAIT:
        if (nm_syncing(c->nm)) {
            nm_skip_sync(c->nm);
            CLP_ALERT(c->d->ev, "nm", 9);
            generic(req, true, "Command succeeded.");
        } else {
            generic(req, false, "the cluster service is not waiting for the other servers");
        }
        return;
    case CLP__CLUSTER_REQUEST__OP__RELOAD: {
        char why[200];
        if (confgen_reload(c, who, why, sizeof(why)) < 0) {
            generic(req, false, why);
        } else {
            CLP_ALERT(c->d->ev, "pm", 33, who);
            generic(req, true, "Command succeeded.");
        }
        return;
    }
    case CLP__CLUSTER_REQUEST__OP__CLEAR_TORATIO:
        core_set_toratio(c, 1, 0);
        generic(req, true, "Command succeeded.");
        return;
    case CLP__CLUSTER_REQUEST__OP__SHUTDOWN:
    case CLP__CLUSTER_REQUEST__OP__REBOOT:
        CLP_ALERT(c->d->ev, "pm", cr->op == CLP__CLUSTER_REQUEST__OP__SHUTDOWN ? 30 : 32, who);
        generic(req, true, "Command succeeded.");
        c->shutdown_after_stop = cr->op == CLP__CLUSTER_REQUEST__OP__SHUTDOWN ? FENCE_SHUTDOWN
                                                                               : FENCE_REBOOT;
        core_begin_stop(c, cr->all, cr->op == CLP__CLUSTER_REQUEST__OP__SHUTDOWN
                                        ? "a request to shut the server down"
                                        : "a request to reboot the server");
        return;
    default:
        generic(req, false, "unknown cluster operation");
        return;
    }
}

const clp_srv_handler_t core_handlers[] = {
    {CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST, on_cluster_status},
    {CLP__ENVELOPE__PAYLOAD_NODE_STATE, on_node_state},
    {CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST, on_group_request},
    {CLP__ENVELOPE__PAYLOAD_RESOURCE_REQUEST, on_resource_request},
    {CLP__ENVELOPE__PAYLOAD_GROUP_COMMAND, on_group_command},
    {CLP__ENVELOPE__PAYLOAD_GROUP_EVENT, on_group_event},
    {CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST, on_monitor_request},
    {CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST, on_cluster_request},
    {CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST, on_rexec_request},
    {0, NULL},
};

/*
 * svc_control: translates SvcRequest into svc_sup_submit and the job's
 * outcome into SvcReply. A pending request keeps its clp_srv_req_t until the
 * job's callback answers it.
 */
#define CLP_LOG_TAG "control"
#include "svc_control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_daemon.h"
#include "clp_log.h"
#include "clp_paths.h"
#include "clp_srv.h"
#include "clp_time.h"
#include "clp_xalloc.h"

struct svc_control {
    svc_sup_t *sup;
    clp_srv_t *srv;
    clp_msg_ctx_t mctx;
    char sockfile[CLP_PATH_MAX];
    uint64_t start_ms;
    svc_shutdown_fn on_shutdown;
    void *arg;
};

typedef struct {
    svc_control_t *ctl;
    clp_srv_req_t *req;
    int idx;
    bool shutdown_after;
    char what[96]; /* "stop clusterpro_evt", for the log */
} pending_t;

static const char *action_name(svc_action_t a)
{
    return a == SVC_ACT_START ? "start" : a == SVC_ACT_STOP ? "stop" : "restart";
}

/* Answers req with ok/message and the state of service idx (all when -1). */
static void reply(svc_control_t *ctl, clp_srv_req_t *req, bool ok, const char *message, int idx)
{
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__SvcReply rep = CLP__SVC_REPLY__INIT;
    size_t n = svc_sup_count(ctl->sup);
    Clp__SvcStatus st[32], *ptrs[32];

    rep.ok = ok;
    rep.message = (char *)message;
    for (size_t k = 0; k < n && k < 32; k++) {
        svc_info_t info;
        svc_sup_info(ctl->sup, k, &info);
        if (idx >= 0 && strcmp(info.name, svc_sup_name(ctl->sup, idx)) != 0) {
            continue;
        }
        Clp__SvcStatus *s = &st[rep.n_services];
        clp__svc_status__init(s);
        s->name = (char *)info.name;
        s->state = (char *)info.state;
        s->pid = info.pid;
        s->restarts = info.restarts;
        s->since_ms = info.since_ms;
        ptrs[rep.n_services++] = s;
    }
    rep.services = ptrs;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_SVC_REPLY;
    env.svc_reply = &rep;
    clp_srv_reply(req, &env);
}

static void on_done(void *arg, bool ok, const char *message)
{
    pending_t *p = arg;
    svc_control_t *ctl = p->ctl;
    if (ok) {
        clp_info("%s: done", p->what);
    } else {
        clp_error("%s: failed: %s", p->what, message);
    }
    reply(ctl, p->req, ok, message, p->idx);
    bool shutdown = p->shutdown_after;
    free(p);
    if (shutdown && ctl->on_shutdown) {
        ctl->on_shutdown(ctl->arg);
    }
}

static void on_svc_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    svc_control_t *ctl = arg;
    const Clp__SvcRequest *r = env->svc_request;
    int idx = -1;
    char msg[256];

    if (r->service && *r->service) {
        idx = svc_sup_find(ctl->sup, r->service);
        if (idx < 0) {
            snprintf(msg, sizeof(msg), "unknown service '%s'", r->service);
            reply(ctl, req, false, msg, -1);
            return;
        }
    }
    svc_action_t action;
    switch (r->action) {
    case CLP__SVC_REQUEST__ACTION__STATUS:
        reply(ctl, req, true, "", idx);
        return;
    case CLP__SVC_REQUEST__ACTION__START:
        action = SVC_ACT_START;
        break;
    case CLP__SVC_REQUEST__ACTION__STOP:
        action = SVC_ACT_STOP;
        break;
    case CLP__SVC_REQUEST__ACTION__RESTART:
        action = SVC_ACT_RESTART;
        break;
    default:
        reply(ctl, req, false, "unknown action", idx);
        return;
    }
    pending_t *p = xcalloc(1, sizeof(*p));
    snprintf(p->what, sizeof(p->what), "%s %.64s", action_name(action),
             idx < 0 ? "(every service)" : svc_sup_name(ctl->sup, idx));
    clp_info("request from %s: %s", clp_srv_req_origin(req), p->what);
    p->ctl = ctl;
    p->req = req;
    p->idx = idx;
    p->shutdown_after = action == SVC_ACT_STOP && idx < 0;
    int rc = svc_sup_submit(ctl->sup, action, idx, on_done, p);
    if (rc < 0) {
        free(p);
        reply(ctl, req, false,
              rc == -ESHUTDOWN ? "the supervisor is shutting down" : "request refused", idx);
    }
}

static void on_status_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    svc_control_t *ctl = arg;
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__StatusReply st = CLP__STATUS_REPLY__INIT;
    st.service = "clpsvc";
    st.state = "running";
    st.pid = getpid();
    st.uptime_ms = clp_mono_ms() - ctl->start_ms;
    st.server = ctl->mctx.sender;
    st.version = CLP_VERSION;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REPLY;
    rep.status_reply = &st;
    clp_srv_reply(req, &rep);
}

static const clp_srv_handler_t handlers[] = {
    {CLP__ENVELOPE__PAYLOAD_SVC_REQUEST, on_svc_request},
    {CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST, on_status_request},
    {0, NULL},
};

svc_control_t *svc_control_new(struct event_base *base, void *zctx, const char *root,
                               svc_sup_t *sup, svc_shutdown_fn on_shutdown, void *arg,
                               char *err, size_t errlen)
{
    char ep[CLP_PATH_MAX], host[64] = "";
    svc_control_t *ctl = xcalloc(1, sizeof(*ctl));
    ctl->sup = sup;
    ctl->on_shutdown = on_shutdown;
    ctl->arg = arg;
    ctl->start_ms = clp_mono_ms();
    clp_hostname(host, sizeof(host));
    clp_msg_ctx_init(&ctl->mctx, "", host, "clpsvc", 0);
    clp_endpoint_ipc(ep, sizeof(ep), root, "clpsvc");
    clp_endpoint_file(ctl->sockfile, sizeof(ctl->sockfile), root, "clpsvc");
    unlink(ctl->sockfile);
    ctl->srv = clp_srv_new(base, zctx, ep, handlers, ctl, &ctl->mctx, NULL, NULL, err, errlen);
    if (!ctl->srv) {
        free(ctl);
        return NULL;
    }
    return ctl;
}

void svc_control_destroy(svc_control_t **pctl)
{
    if (!pctl || !*pctl) {
        return;
    }
    svc_control_t *ctl = *pctl;
    clp_srv_destroy(&ctl->srv);
    unlink(ctl->sockfile);
    free(ctl);
    *pctl = NULL;
}

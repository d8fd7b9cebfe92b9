/*
 * trn_svcctl: a ServiceControl request runs as a short chain of asynchronous
 * steps against the local core and restarter:
 *
 *   START     clpsvc: start clusterpro
 *   STOP      core: stop (cluster-wide when `all`: no failover), then clpsvc:
 *             stop clusterpro (so it is not restarted)
 *   RESTART   STOP, then START
 *   SUSPEND / RESUME / SKIPWAIT   core
 *   SHUTDOWN / REBOOT   core: stop, then shut down / reboot; clpsvc: stop. The
 *                       answer goes once the core has accepted: the power-off
 *                       ends this daemon before clpsvc would answer.
 *
 * The cl/down alerts of the reference record each request with the requester.
 * On a host where the services run under systemd instead of clpsvc, start and
 * stop fall back to systemctl.
 */
#define CLP_LOG_TAG "trn.svcctl"
#include "trn_svcctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_xalloc.h"
#include "trn_local.h"

#define CORE_STOP_WAIT_MS (3600 * 1000)

typedef struct {
    trn_t *t;
    clp_srv_req_t *req;
    Clp__ServiceControl__Op op;
    bool all;
    int step;
    char requester[128];
} job_t;

/* Answers the request (unless answered already) without ending the job. */
static void answer(job_t *j, bool ok, const char *msg)
{
    if (!j->req) {
        return;
    }
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GenericReply g = CLP__GENERIC_REPLY__INIT;
    g.ok = ok;
    g.message = (char *)msg;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY;
    rep.generic_reply = &g;
    clp_srv_reply(j->req, &rep);
    j->req = NULL;
}

static void reply(job_t *j, bool ok, const char *msg)
{
    answer(j, ok, msg);
    free(j);
}

static void next(job_t *j);

static void on_svc(void *arg, const Clp__Envelope *rep)
{
    job_t *j = arg;
    if (!rep) {
        reply(j, false, "the restarter (clpsvc) did not answer in time");
        return;
    }
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_SVC_REPLY && !rep->svc_reply->ok) {
        reply(j, false, rep->svc_reply->message);
        return;
    }
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        reply(j, false, rep->error_reply->message);
        return;
    }
    j->step++;
    next(j);
}

static void on_core(void *arg, const Clp__Envelope *rep)
{
    job_t *j = arg;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY &&
        !rep->generic_reply->ok) {
        reply(j, false, rep->generic_reply->message);
        return;
    }
    j->step++;
    next(j);
}

static int systemctl(const char *verb)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("systemctl", "systemctl", verb, "clusterpro.service", (char *)NULL);
        _exit(127);
    }
    return pid < 0 ? -errno : 0;
}

static void svc(job_t *j, Clp__SvcRequest__Action action)
{
    if (!trn_local_svc_present(j->t)) {
        if (systemctl(action == CLP__SVC_REQUEST__ACTION__START ? "start" : "stop") < 0) {
            reply(j, false, "neither clpsvc nor systemctl can control the cluster service here");
            return;
        }
        j->step++;
        next(j);
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__SvcRequest sr = CLP__SVC_REQUEST__INIT;
    sr.action = action;
    sr.service = "clusterpro";
    sr.wait_ms = CORE_STOP_WAIT_MS;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_SVC_REQUEST;
    env.svc_request = &sr;
    if (clp_aclient_call(trn_local_svc(j->t), &env, CORE_STOP_WAIT_MS + 5000, on_svc, j) < 0) {
        reply(j, false, "cannot reach the restarter (clpsvc)");
    }
}

static void core(job_t *j, Clp__ClusterRequest__Op op)
{
    if (!trn_local_core_present(j->t)) {
        if (op == CLP__CLUSTER_REQUEST__OP__STOP || op == CLP__CLUSTER_REQUEST__OP__SHUTDOWN ||
            op == CLP__CLUSTER_REQUEST__OP__REBOOT) {
            j->step++; /* not running: nothing to stop there */
            next(j);
        } else {
            reply(j, false, "the cluster service is not running on this server");
        }
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__ClusterRequest cr = CLP__CLUSTER_REQUEST__INIT;
    cr.op = op;
    cr.all = j->all;
    cr.requester = j->requester;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST;
    env.cluster_request = &cr;
    if (clp_aclient_call(trn_local_core(j->t), &env, 10000, on_core, j) < 0) {
        reply(j, false, "cannot reach the cluster service");
    }
}

static void next(job_t *j)
{
    switch (j->op) {
    case CLP__SERVICE_CONTROL__OP__START:
        if (j->step == 0) {
            svc(j, CLP__SVC_REQUEST__ACTION__START);
        } else {
            reply(j, true, "Command succeeded.");
        }
        return;
    case CLP__SERVICE_CONTROL__OP__STOP:
    case CLP__SERVICE_CONTROL__OP__SHUTDOWN:
    case CLP__SERVICE_CONTROL__OP__REBOOT:
        if (j->step == 0) {
            core(j, j->op == CLP__SERVICE_CONTROL__OP__STOP       ? CLP__CLUSTER_REQUEST__OP__STOP
                    : j->op == CLP__SERVICE_CONTROL__OP__SHUTDOWN ? CLP__CLUSTER_REQUEST__OP__SHUTDOWN
                                                                  : CLP__CLUSTER_REQUEST__OP__REBOOT);
        } else if (j->step == 1) {
            /* The core has accepted a shutdown or reboot: the server goes
             * down once its groups are stopped, and this daemon with it,
             * before clpsvc could answer. Answer now (clpstdn waits for
             * every other server before its own). */
            if (j->op != CLP__SERVICE_CONTROL__OP__STOP) {
                answer(j, true, "Command succeeded.");
            }
            svc(j, CLP__SVC_REQUEST__ACTION__STOP);
        } else {
            reply(j, true, "Command succeeded.");
        }
        return;
    case CLP__SERVICE_CONTROL__OP__RESTART:
        if (j->step == 0) {
            core(j, CLP__CLUSTER_REQUEST__OP__STOP);
        } else if (j->step == 1) {
            svc(j, CLP__SVC_REQUEST__ACTION__STOP);
        } else if (j->step == 2) {
            svc(j, CLP__SVC_REQUEST__ACTION__START);
        } else {
            reply(j, true, "Command succeeded.");
        }
        return;
    case CLP__SERVICE_CONTROL__OP__SUSPEND:
    case CLP__SERVICE_CONTROL__OP__RESUME:
    case CLP__SERVICE_CONTROL__OP__SKIPWAIT:
        if (j->step == 0) {
            core(j, j->op == CLP__SERVICE_CONTROL__OP__SUSPEND  ? CLP__CLUSTER_REQUEST__OP__SUSPEND
                    : j->op == CLP__SERVICE_CONTROL__OP__RESUME ? CLP__CLUSTER_REQUEST__OP__RESUME
                                                                : CLP__CLUSTER_REQUEST__OP__SKIPWAIT);
        } else {
            reply(j, true, "Command succeeded.");
        }
        return;
    default:
        reply(j, false, "unknown service operation");
        return;
    }
}

void trn_svcctl_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    trn_t *t = d->app;
    const Clp__ServiceControl *sc = env->service_control;
    const char *user = clp_srv_req_user(req);
    if (user[0] && strcmp(user, "cluster") != 0) {
        clp_srv_reply_error(req, -EPERM, "service control is only for the cluster's own servers");
        return;
    }
    job_t *j = xcalloc(1, sizeof(*j));
    j->t = t;
    j->req = req;
    j->op = sc->op;
    j->all = sc->all;
    snprintf(j->requester, sizeof(j->requester), "%s",
             sc->requester && sc->requester[0] ? sc->requester : env->sender);
    const char *self = d->server;
    switch (sc->op) {
    case CLP__SERVICE_CONTROL__OP__START:
        CLP_ALERT(d->ev, "cl", 1, self, j->requester);
        break;
    case CLP__SERVICE_CONTROL__OP__STOP:
    case CLP__SERVICE_CONTROL__OP__RESTART:
        CLP_ALERT(d->ev, "cl", 2, self, j->requester);
        break;
    case CLP__SERVICE_CONTROL__OP__SUSPEND:
        CLP_ALERT(d->ev, "cl", 3, self, j->requester);
        break;
    case CLP__SERVICE_CONTROL__OP__RESUME:
        CLP_ALERT(d->ev, "cl", 4, self, j->requester);
        break;
    case CLP__SERVICE_CONTROL__OP__SHUTDOWN:
        CLP_ALERT(d->ev, "down", 1, self, j->requester);
        break;
    case CLP__SERVICE_CONTROL__OP__REBOOT:
        CLP_ALERT(d->ev, "down", 2, self, j->requester);
        break;
    default:
        break;
    }
    next(j);
}

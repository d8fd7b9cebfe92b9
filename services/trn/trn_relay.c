/*
 * trn_relay: one request in, the same request to the local core, its reply out.
 */
#define CLP_LOG_TAG "trn.relay"
#include "trn_relay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clp_xalloc.h"
#include "trn_local.h"

typedef struct {
    clp_srv_req_t *req;
} relay_t;

static void on_reply(void *arg, const Clp__Envelope *rep)
{
    relay_t *r = arg;
    if (rep) {
        clp_srv_reply(r->req, (Clp__Envelope *)rep);
    } else {
        clp_srv_reply_error(r->req, -ETIMEDOUT, "the cluster service did not answer in time");
    }
    free(r);
}

void trn_relay_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    trn_t *t = d->app;
    const char *user = clp_srv_req_user(req);
    if (user[0] && strcmp(user, "cluster") != 0) {
        clp_srv_reply_error(req, -EPERM, "only the cluster's own servers may send %s",
                            clp_msg_payload_name(env));
        return;
    }
    if (!trn_local_core_present(t)) {
        clp_srv_reply_error(req, -ECONNREFUSED,
                            "the cluster service is not running on server %s", d->server);
        return;
    }
    int timeout = 15000;
    if (env->payload_case == CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST) {
        timeout += (int)env->group_request->wait_ms;
    } else if (env->payload_case == CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST) {
        timeout += (int)env->monitor_request->wait_ms;
    }
    relay_t *r = xcalloc(1, sizeof(*r));
    r->req = req;
    Clp__Envelope fwd = *env;
    if (clp_aclient_call(trn_local_core(t), &fwd, timeout, on_reply, r) < 0) {
        free(r);
        clp_srv_reply_error(req, -EIO, "cannot pass the request to the cluster service");
    }
}

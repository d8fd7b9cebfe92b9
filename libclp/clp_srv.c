/*
 * clp_srv: ROUTER request server. Frames are [identity][envelope].
 */
#define CLP_LOG_TAG "srv"
#include "clp_srv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_keys.h"
#include "clp_log.h"
#include "clp_zsock.h"

struct clp_srv {
    void *sock;
    clp_zwatch_t *watch;
    const clp_srv_handler_t *table;
    void *arg;
    clp_msg_ctx_t *mctx;
    char where[128];
    unsigned long n_requests;
    unsigned long n_rejected;
};

struct clp_srv_req {
    clp_srv_t *srv;
    unsigned char identity[256];
    size_t idlen;
    uint64_t seq;
    char sender[64];
    char origin[48];
    char peer[64];
    char user[80];
};

static void on_message(void *arg, void *sock, zmq_msg_t *parts, int nparts)
{
    clp_srv_t *srv = arg;
    char err[160];

    if (nparts != 2 || zmq_msg_size(&parts[0]) > sizeof(((clp_srv_req_t *)0)->identity)) {
        srv->n_rejected++;
        clp_msg_reject(srv->mctx, srv->where, "message with an unexpected frame count");
        return;
    }
    Clp__Envelope *env = clp_msg_unpack(srv->mctx, srv->where, zmq_msg_data(&parts[1]),
                                        zmq_msg_size(&parts[1]), err, sizeof(err));
    if (!env) {
        srv->n_rejected++;
        return;
    }
    srv->n_requests++;
    clp_srv_req_t *req = calloc(1, sizeof(*req));
    if (!req) {
        clp_msg_free(env);
        return;
    }
    req->srv = srv;
    req->idlen = zmq_msg_size(&parts[0]);
    memcpy(req->identity, zmq_msg_data(&parts[0]), req->idlen);
    req->seq = env->seq;
    snprintf(req->sender, sizeof(req->sender), "%s", env->sender);
    snprintf(req->origin, sizeof(req->origin), "%s", env->origin);
    const char *peer = zmq_msg_gets(&parts[1], "Peer-Address");
    snprintf(req->peer, sizeof(req->peer), "%s", peer ? peer : "");
    const char *user = zmq_msg_gets(&parts[1], "User-Id");
    snprintf(req->user, sizeof(req->user), "%s", user ? user : "");

    for (const clp_srv_handler_t *h = srv->table; h && h->fn; h++) {
        if (h->payload_case == (int)env->payload_case) {
            h->fn(srv->arg, req, env);
            clp_msg_free(env);
            return;
        }
    }
    clp_srv_reply_error(req, -EPROTONOSUPPORT, "request %s is not handled by this service",
                        clp_msg_payload_name(env));
    clp_msg_free(env);
}

clp_srv_t *clp_srv_new(struct event_base *base, void *zctx, const char *endpoint,
                       const clp_srv_handler_t *table, void *arg, clp_msg_ctx_t *mctx,
                       const struct clp_keys *curve_keys, const char *zap_domain,
                       char *err, size_t errlen)
{
    clp_srv_t *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->table = table;
    srv->arg = arg;
    srv->mctx = mctx;
    snprintf(srv->where, sizeof(srv->where), "%s", endpoint);
    srv->sock = clp_zsock_new(zctx, ZMQ_ROUTER, 0);
    if (!srv->sock) {
        snprintf(err, errlen, "cannot create socket: %s", zmq_strerror(errno));
        free(srv);
        return NULL;
    }
    if (zap_domain) {
        zmq_setsockopt(srv->sock, ZMQ_ZAP_DOMAIN, zap_domain, strlen(zap_domain));
    }
    if (curve_keys && clp_keys_curve_server(srv->sock, curve_keys) < 0) {
        snprintf(err, errlen, "cannot enable CURVE on %s: %s", endpoint, zmq_strerror(errno));
        goto fail;
    }
    if (zmq_bind(srv->sock, endpoint) < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", endpoint, zmq_strerror(errno));
        goto fail;
    }
    srv->watch = clp_zwatch_new(base, srv->sock, on_message, srv);
    if (!srv->watch) {
        snprintf(err, errlen, "cannot watch %s", endpoint);
        goto fail;
    }
    return srv;
fail:
    zmq_close(srv->sock);
    free(srv);
    return NULL;
}

void clp_srv_destroy(clp_srv_t **psrv)
{
    if (!psrv || !*psrv) {
        return;
    }
    clp_srv_t *srv = *psrv;
    clp_zwatch_destroy(&srv->watch);
    if (srv->sock) {
        zmq_close(srv->sock);
    }
    free(srv);
    *psrv = NULL;
}

int clp_srv_reply(clp_srv_req_t *req, Clp__Envelope *rep)
{
    clp_srv_t *srv = req->srv;
    Clp__Envelope fake_req = CLP__ENVELOPE__INIT;
    fake_req.seq = req->seq;
    /* Stamp a copy: rep may be an unpacked envelope its owner frees later
     * (a relayed reply), whose header strings must stay its own. */
    Clp__Envelope out = *rep;
    clp_msg_stamp_reply(srv->mctx, &out, &fake_req);
    int rc = clp_zsock_send_env(srv->sock, req->identity, req->idlen, &out);
    if (rc < 0) {
        clp_debug("reply to %s/%s not sent: %s", req->sender, req->origin, strerror(-rc));
    }
    clp_zwatch_kick(srv->watch);
    free(req);
    return rc;
}

int clp_srv_reply_error(clp_srv_req_t *req, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__ErrorReply er = CLP__ERROR_REPLY__INIT;
    er.code = code;
    er.message = msg;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_ERROR_REPLY;
    rep.error_reply = &er;
    return clp_srv_reply(req, &rep);
}

const char *clp_srv_req_sender(const clp_srv_req_t *req)
{
    return req->sender;
}

const char *clp_srv_req_origin(const clp_srv_req_t *req)
{
    return req->origin;
}

const char *clp_srv_req_peer(const clp_srv_req_t *req)
{
    return req->peer;
}

const char *clp_srv_req_user(const clp_srv_req_t *req)
{
    return req->user;
}

void clp_srv_drop(clp_srv_req_t *req)
{
    free(req);
}

unsigned long clp_srv_requests(const clp_srv_t *srv)
{
    return srv->n_requests;
}

unsigned long clp_srv_rejected(const clp_srv_t *srv)
{
    return srv->n_rejected;
}

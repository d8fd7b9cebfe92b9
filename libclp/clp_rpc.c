/*
 * clp_rpc: blocking and asynchronous request/reply over DEALER sockets.
 */
#define CLP_LOG_TAG "rpc"
#include "clp_rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "clp_log.h"
#include "clp_paths.h"
#include "clp_time.h"
#include "clp_zsock.h"

static int ipc_missing(const char *endpoint)
{
    struct stat st;
    if (strncmp(endpoint, "ipc://", 6) != 0) {
        return 0;
    }
    return stat(endpoint + 6, &st) < 0;
}

/* For a CURVE client: a PAIR socket that receives s's handshake failures, so
 * that a refused key ends the call at once instead of at the timeout (the
 * DEALER would keep reconnecting and being refused). NULL if unavailable. */
static void *handshake_monitor(void *zctx, void *s)
{
    char ep[64];
    snprintf(ep, sizeof(ep), "inproc://clp-rpc-mon-%p", s);
    if (zmq_socket_monitor(s, ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) < 0) {
        return NULL;
    }
    void *mon = clp_zsock_new(zctx, ZMQ_PAIR, 0);
    if (mon && zmq_connect(mon, ep) < 0) {
        zmq_close(mon);
        mon = NULL;
    }
    if (!mon) {
        zmq_socket_monitor(s, NULL, 0);
    }
    return mon;
}

/* Reads one monitor event: fills err and returns -EACCES, or 0 when it was
 * not a handshake failure. */
static int handshake_failure(void *mon, const char *endpoint, char *err, size_t errlen)
{
    zmq_msg_t m;
    uint16_t ev = 0;
    uint32_t value = 0;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) >= 0 && zmq_msg_size(&m) >= 6) {
        memcpy(&ev, zmq_msg_data(&m), 2);
        memcpy(&value, (char *)zmq_msg_data(&m) + 2, 4);
    }
    while (zmq_msg_more(&m)) {
        zmq_msg_close(&m);
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
            break;
        }
    }
    zmq_msg_close(&m);
    if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        snprintf(err, errlen,
                 "%s refused this host's key (authentication status %u): the key is not one "
                 "the cluster accepts",
                 endpoint, (unsigned)value);
        return -EACCES;
    }
    if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
        snprintf(err, errlen,
                 "the encrypted handshake with %s failed: the key does not belong to this "
                 "cluster",
                 endpoint);
        return -EACCES;
    }
    return 0;
}

int clp_rpc_call(void *zctx, const char *endpoint, const clp_keys_t *keys,
                 const clp_client_key_t *ext, clp_msg_ctx_t *mctx, Clp__Envelope *req,
                 Clp__Envelope **rep, int timeout_ms, char *err, size_t errlen)
{
    void *s, *mon = NULL;
    int rc = 0;

    *rep = NULL;
    if (ipc_missing(endpoint)) {
        snprintf(err, errlen, "not running (no socket at %s)", endpoint + 6);
        return -ECONNREFUSED;
    }
    s = clp_zsock_new(zctx, ZMQ_DEALER, 0);
    if (!s) {
        snprintf(err, errlen, "cannot create a socket: %s", zmq_strerror(errno));
        return -errno;
    }
    if ((keys && clp_keys_curve_client(s, keys) < 0) ||
        (ext && clp_keys_curve_client_ext(s, ext) < 0)) {
        rc = -errno;
        snprintf(err, errlen, "cannot enable CURVE: %s", zmq_strerror(errno));
        goto out;
    }
    if (keys || ext) {
        mon = handshake_monitor(zctx, s);
    }
    if (zmq_connect(s, endpoint) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(errno));
        goto out;
    }
    clp_msg_stamp(mctx, req);
    uint8_t *buf;
    size_t len;
    rc = clp_msg_pack(req, &buf, &len);
    if (rc < 0) {
        snprintf(err, errlen, "cannot pack the request: %s", strerror(-rc));
        goto out;
    }
    int sndto = timeout_ms;
    zmq_setsockopt(s, ZMQ_SNDTIMEO, &sndto, sizeof(sndto));
    if (zmq_send(s, buf, len, 0) < 0) {
        rc = -errno;
        free(buf);
        snprintf(err, errlen, "cannot send to %s: %s", endpoint, zmq_strerror(errno));
        goto out;
    }
    free(buf);

    uint64_t deadline = clp_mono_ms() + (uint64_t)timeout_ms;
    for (;;) {
        uint64_t now = clp_mono_ms();
        if (now >= deadline) {
            rc = -ETIMEDOUT;
            snprintf(err, errlen, "no reply from %s within %d ms", endpoint, timeout_ms);
            goto out;
        }
        zmq_pollitem_t it[2] = {{.socket = s, .events = ZMQ_POLLIN},
                                {.socket = mon, .events = ZMQ_POLLIN}};
        int n = zmq_poll(it, mon ? 2 : 1, (long)(deadline - now));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            snprintf(err, errlen, "poll failed: %s", zmq_strerror(errno));
            goto out;
        }
        if (mon && (it[1].revents & ZMQ_POLLIN) &&
            (rc = handshake_failure(mon, endpoint, err, errlen)) < 0) {
            goto out;
        }
        if (!(it[0].revents & ZMQ_POLLIN)) {
            continue;
        }
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0) {
            zmq_msg_close(&m);
            continue;
        }
        char why[160];
        Clp__Envelope *env =
            clp_msg_unpack(mctx, endpoint, zmq_msg_data(&m), zmq_msg_size(&m), why, sizeof(why));
        zmq_msg_close(&m);
        if (!env) {
            continue;
        }
        if (env->reply_to != req->seq) {
            clp_msg_free(env);
            continue;
        }
        *rep = env;
        rc = 0;
        break;
    }
out:
    if (mon) {
        zmq_socket_monitor(s, NULL, 0);
        zmq_close(mon);
    }
    zmq_close(s);
    return rc;
}

int clp_rpc_local(void *zctx, const char *root, const char *name, clp_msg_ctx_t *mctx,
                  Clp__Envelope *req, Clp__Envelope **rep, int timeout_ms, char *err,
                  size_t errlen)
{
    char ep[CLP_PATH_MAX];
    if (clp_endpoint_ipc(ep, sizeof(ep), root, name) < 0) {
        snprintf(err, errlen, "root path too long");
        return -ENAMETOOLONG;
    }
    return clp_rpc_call(zctx, ep, NULL, NULL, mctx, req, rep, timeout_ms, err, errlen);
}

/* ---- asynchronous client ---- */

typedef struct pending {
    struct pending *next;
    clp_aclient_t *c;
    uint64_t seq;
    clp_aclient_fn fn;
    void *arg;
    struct event *timer;
} pending_t;

struct clp_aclient {
    struct event_base *base;
    void *sock;
    clp_zwatch_t *watch;
    clp_msg_ctx_t *mctx;
    char endpoint[256];
    pending_t *pending;
    size_t n_pending;
};

static void pending_unlink(clp_aclient_t *c, pending_t *p)
{
    for (pending_t **pp = &c->pending; *pp; pp = &(*pp)->next) {
        if (*pp == p) {
            *pp = p->next;
            c->n_pending--;
            break;
        }
    }
    if (p->timer) {
        event_free(p->timer);
    }
    free(p);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    pending_t *p = arg;
    clp_aclient_t *c = p->c;
    clp_aclient_fn fn = p->fn;
    void *farg = p->arg;
    pending_unlink(c, p);
    fn(farg, NULL);
}

static void on_reply(void *arg, void *sock, zmq_msg_t *parts, int nparts)
{
    clp_aclient_t *c = arg;
    char why[160];

    if (nparts != 1) {
        clp_msg_reject(c->mctx, c->endpoint, "reply with an unexpected frame count");
        return;
    }
    Clp__Envelope *env = clp_msg_unpack(c->mctx, c->endpoint, zmq_msg_data(&parts[0]),
                                        zmq_msg_size(&parts[0]), why, sizeof(why));
    if (!env) {
        return;
    }
    for (pending_t *p = c->pending; p; p = p->next) {
        if (p->seq == env->reply_to) {
            clp_aclient_fn fn = p->fn;
            void *farg = p->arg;
            pending_unlink(c, p);
            fn(farg, env);
            break;
        }
    }
    clp_msg_free(env);
}

clp_aclient_t *clp_aclient_new(struct event_base *base, void *zctx, const char *endpoint,
                               const clp_keys_t *keys, clp_msg_ctx_t *mctx)
{
    clp_aclient_t *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->base = base;
    c->mctx = mctx;
    snprintf(c->endpoint, sizeof(c->endpoint), "%s", endpoint);
    c->sock = clp_zsock_new(zctx, ZMQ_DEALER, 0);
    if (!c->sock) {
        free(c);
        return NULL;
    }
    int ivl = 100, ivlmax = 1000;
    zmq_setsockopt(c->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
    zmq_setsockopt(c->sock, ZMQ_RECONNECT_IVL_MAX, &ivlmax, sizeof(ivlmax));
    if ((keys && clp_keys_curve_client(c->sock, keys) < 0) || zmq_connect(c->sock, endpoint) < 0) {
        clp_error("cannot connect to %s: %s", endpoint, zmq_strerror(errno));
        zmq_close(c->sock);
        free(c);
        return NULL;
    }
    c->watch = clp_zwatch_new(base, c->sock, on_reply, c);
    return c;
}

void clp_aclient_destroy(clp_aclient_t **pc)
{
    if (!pc || !*pc) {
        return;
    }
    clp_aclient_t *c = *pc;
    while (c->pending) {
        pending_unlink(c, c->pending);
    }
    clp_zwatch_destroy(&c->watch);
    zmq_close(c->sock);
    free(c);
    *pc = NULL;
}

static int send_req(clp_aclient_t *c, Clp__Envelope *req)
{
    clp_msg_stamp(c->mctx, req);
    int rc = clp_zsock_send_env(c->sock, NULL, 0, req);
    clp_zwatch_kick(c->watch);
    return rc;
}

int clp_aclient_call(clp_aclient_t *c, Clp__Envelope *req, int timeout_ms, clp_aclient_fn fn,
                     void *arg)
{
    int rc = send_req(c, req);
    if (rc < 0) {
        return rc;
    }
    pending_t *p = calloc(1, sizeof(*p));
    if (!p) {
        return -ENOMEM;
    }
    p->c = c;
    p->seq = req->seq;
    p->fn = fn;
    p->arg = arg;
    p->timer = evtimer_new(c->base, on_timeout, p);
    struct timeval tv = clp_tv_ms((uint64_t)timeout_ms);
    evtimer_add(p->timer, &tv);
    p->next = c->pending;
    c->pending = p;
    c->n_pending++;
    return 0;
}

int clp_aclient_send(clp_aclient_t *c, Clp__Envelope *req)
{
    return send_req(c, req);
}

void clp_aclient_cancel(clp_aclient_t *c, void *arg)
{
    pending_t *p = c->pending;
    while (p) {
        pending_t *next = p->next;
        if (p->arg == arg) {
            pending_unlink(c, p);
        }
        p = next;
    }
}

size_t clp_aclient_pending(const clp_aclient_t *c)
{
    return c->n_pending;
}

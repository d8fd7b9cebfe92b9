/*
 * web_status: a coalescing, very short-lived cache of the core's status.
 */
#define CLP_LOG_TAG "webmgr.status"
#include "web_status.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "clp_xalloc.h"

typedef struct waiter {
    struct waiter *next;
    web_status_fn fn;
    void *arg;
} waiter_t;

struct web_status {
    web_t *w;
    clp_aclient_t *core;
    char sock_file[CLP_PATH_MAX];
    Clp__ClusterStatus *cached;
    uint64_t cached_ms;
    bool in_flight;
    waiter_t *waiters, **tail;
    unsigned long asked, failed;
};

static void answer_all(web_status_t *s, const Clp__ClusterStatus *st, const char *err)
{
    waiter_t *list = s->waiters;
    s->waiters = NULL;
    s->tail = &s->waiters;
    while (list) {
        waiter_t *x = list;
        list = x->next;
        x->fn(x->arg, st, err);
        free(x);
    }
}

static void on_reply(void *arg, const Clp__Envelope *rep)
{
    web_status_t *s = arg;
    s->in_flight = false;
    if (!rep || rep->payload_case != CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS) {
        s->failed++;
        answer_all(s, NULL,
                   !rep ? "the cluster service (clusterpro) does not answer on this server"
                   : rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY
                       ? rep->error_reply->message
                       : "unexpected reply from the cluster service");
        return;
    }
    /* Keep a copy of our own: the reply belongs to the client. */
    size_t n = clp__cluster_status__get_packed_size(rep->cluster_status);
    uint8_t *buf = xmalloc(n ? n : 1);
    clp__cluster_status__pack(rep->cluster_status, buf);
    Clp__ClusterStatus *copy = clp__cluster_status__unpack(NULL, n, buf);
    free(buf);
    if (s->cached) {
        clp__cluster_status__free_unpacked(s->cached, NULL);
    }
    s->cached = copy;
    s->cached_ms = clp_mono_ms();
    answer_all(s, copy, copy ? NULL : "cannot copy the status");
}

web_status_t *web_status_new(web_t *w)
{
    web_status_t *s = xcalloc(1, sizeof(*s));
    char ep[CLP_PATH_MAX];
    s->w = w;
    s->tail = &s->waiters;
    clp_endpoint_ipc(ep, sizeof(ep), w->d->root, "core");
    clp_endpoint_file(s->sock_file, sizeof(s->sock_file), w->d->root, "core");
    s->core = clp_aclient_new(w->d->base, w->d->zctx, ep, NULL, &w->d->mctx);
    if (!s->core) {
        free(s);
        return NULL;
    }
    return s;
}

void web_status_destroy(web_status_t **ps)
{
    if (!ps || !*ps) {
        return;
    }
    web_status_t *s = *ps;
    clp_aclient_destroy(&s->core);
    answer_all(s, NULL, "WebManager is stopping");
    if (s->cached) {
        clp__cluster_status__free_unpacked(s->cached, NULL);
    }
    free(s);
    *ps = NULL;
}

void web_status_get(web_status_t *s, web_status_fn fn, void *arg)
{
    if (s->cached && clp_mono_ms() - s->cached_ms < WEB_STATUS_FRESH_MS) {
        fn(arg, s->cached, NULL);
        return;
    }
    if (!s->in_flight && access(s->sock_file, F_OK) < 0) {
        s->failed++;
        fn(arg, NULL, "the cluster service (clusterpro) is not running on this server");
        return;
    }
    waiter_t *x = xcalloc(1, sizeof(*x));
    x->fn = fn;
    x->arg = arg;
    *s->tail = x;
    s->tail = &x->next;
    if (s->in_flight) {
        return;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
    req.cluster_status_request = &sr;
    s->asked++;
    if (clp_aclient_call(s->core, &req, WEB_STATUS_TIMEOUT_MS, on_reply, s) < 0) {
        s->failed++;
        answer_all(s, NULL, "cannot send a request to the cluster service");
        return;
    }
    s->in_flight = true;
}

unsigned long web_status_asked(const web_status_t *s)
{
    return s->asked;
}

unsigned long web_status_failed(const web_status_t *s)
{
    return s->failed;
}

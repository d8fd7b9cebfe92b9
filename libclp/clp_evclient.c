/*
 * clp_evclient: numbered events with acknowledgement, resend and spool.
 */
#define CLP_LOG_TAG "evclient"
#include "clp_evclient.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_log.h"
#include "clp_msg.h"
#include "clp_paths.h"
#include "clp_time.h"
#include "clp_zsock.h"

#define MAX_QUEUED 100000
#define RESEND_MS 1000

typedef struct queued {
    struct queued *next;
    uint64_t seq;
    uint8_t *packed; /* packed Event (payload only) */
    size_t len;
} queued_t;

struct clp_evclient {
    struct event_base *base;
    void *zctx;
    void *sock;
    clp_zwatch_t *watch;
    struct event *timer;
    char root[CLP_PATH_MAX];
    char source[96];
    char server[64];
    clp_msg_ctx_t mctx;
    uint64_t next_seq;
    uint64_t acked;
    uint64_t last_send_ms;
    queued_t *head, *tail;
    size_t n_queued;
    unsigned long n_spooled;
};

static void drop_acked(clp_evclient_t *ev)
{
    while (ev->head && ev->head->seq <= ev->acked) {
        queued_t *q = ev->head;
        ev->head = q->next;
        if (!ev->head) {
            ev->tail = NULL;
        }
        free(q->packed);
        free(q);
        ev->n_queued--;
    }
}

static void handle_reply(clp_evclient_t *ev, const void *data, size_t len)
{
    Clp__Envelope *env = clp_msg_unpack(&ev->mctx, "evt reply", data, len, NULL, 0);
    if (!env) {
        return;
    }
    if (env->payload_case == CLP__ENVELOPE__PAYLOAD_EVENT_ACK &&
        strcmp(env->event_ack->source, ev->source) == 0 && env->event_ack->source_seq > ev->acked) {
        ev->acked = env->event_ack->source_seq;
        drop_acked(ev);
    }
    clp_msg_free(env);
}

static void on_reply(void *arg, void *sock, zmq_msg_t *parts, int nparts)
{
    clp_evclient_t *ev = arg;
    if (nparts == 1) {
        handle_reply(ev, zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]));
    }
}

static int send_one(clp_evclient_t *ev, const queued_t *q)
{
    Clp__Event *e = clp__event__unpack(NULL, q->len, q->packed);
    if (!e) {
        return -EINVAL;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_EVENT;
    env.event = e;
    clp_msg_stamp(&ev->mctx, &env);
    int rc = clp_zsock_send_env(ev->sock, NULL, 0, &env);
    clp__event__free_unpacked(e, NULL);
    if (ev->watch) {
        clp_zwatch_kick(ev->watch);
    }
    ev->last_send_ms = clp_mono_ms();
    return rc;
}

static void resend_all(clp_evclient_t *ev)
{
    for (queued_t *q = ev->head; q; q = q->next) {
        if (send_one(ev, q) < 0) {
            break;
        }
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    clp_evclient_t *ev = arg;
    if (ev->head && clp_mono_ms() - ev->last_send_ms >= RESEND_MS) {
        resend_all(ev);
    }
}

int clp_evclient_spool(const char *root, const void *packed, size_t len, const char *source,
                       unsigned long long seq)
{
    char dir[CLP_PATH_MAX], path[CLP_PATH_MAX + 160];
    char safe[96];
    size_t i;

    clp_path(dir, sizeof(dir), root, "work/evt-spool");
    int rc = clp_mkdirs(dir, 0755);
    if (rc < 0) {
        return rc;
    }
    for (i = 0; source[i] && i < sizeof(safe) - 1; i++) {
        safe[i] = (source[i] == '/' || source[i] == ':') ? '_' : source[i];
    }
    safe[i] = '\0';
    snprintf(path, sizeof(path), "%s/%s-%020llu.ev", dir, safe, seq);
    return clp_write_atomic(path, packed, len, 0644);
}

static void spool_queue(clp_evclient_t *ev)
{
    while (ev->head) {
        queued_t *q = ev->head;
        if (clp_evclient_spool(ev->root, q->packed, q->len, ev->source,
                               (unsigned long long)q->seq) == 0) {
            ev->n_spooled++;
        } else {
            clp_error("lost an event: cannot write it to the spool under %s", ev->root);
        }
        ev->head = q->next;
        free(q->packed);
        free(q);
        ev->n_queued--;
    }
    ev->tail = NULL;
}

clp_evclient_t *clp_evclient_new(struct event_base *base, void *zctx, const char *root,
                                 const char *server, const char *origin)
{
    char ep[CLP_PATH_MAX];
    clp_evclient_t *ev = calloc(1, sizeof(*ev));
    if (!ev) {
        return NULL;
    }
    ev->base = base;
    ev->zctx = zctx;
    snprintf(ev->root, sizeof(ev->root), "%s", root);
    snprintf(ev->server, sizeof(ev->server), "%s", server ? server : "");
    clp_msg_ctx_init(&ev->mctx, "", server, origin, 0);
    snprintf(ev->source, sizeof(ev->source), "%s:%d:%" PRIu64, origin, (int)getpid(),
             ev->mctx.incarnation);
    ev->sock = clp_zsock_new(zctx, ZMQ_DEALER, 0);
    clp_endpoint_ipc(ep, sizeof(ep), root, "evt");
    int ivl = 100, ivlmax = 500;
    if (ev->sock) {
        zmq_setsockopt(ev->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof(ivl));
        zmq_setsockopt(ev->sock, ZMQ_RECONNECT_IVL_MAX, &ivlmax, sizeof(ivlmax));
    }
    if (!ev->sock || zmq_connect(ev->sock, ep) < 0) {
        if (ev->sock) {
            zmq_close(ev->sock);
        }
        free(ev);
        return NULL;
    }
    if (base) {
        ev->watch = clp_zwatch_new(base, ev->sock, on_reply, ev);
        ev->timer = event_new(base, -1, EV_PERSIST, on_timer, ev);
        struct timeval tv = clp_tv_ms(RESEND_MS / 2);
        event_add(ev->timer, &tv);
    }
    return ev;
}

size_t clp_evclient_unacked(const clp_evclient_t *ev)
{
    return ev ? ev->n_queued : 0;
}

size_t clp_evclient_flush(clp_evclient_t *ev, int timeout_ms)
{
    uint64_t deadline = clp_mono_ms() + (uint64_t)timeout_ms;
    uint64_t last_resend = clp_mono_ms();

    while (ev->head) {
        uint64_t now = clp_mono_ms();
        if (now >= deadline) {
            break;
        }
        if (now - last_resend >= 300) {
            resend_all(ev);
            last_resend = now;
        }
        zmq_pollitem_t it = {.socket = ev->sock, .events = ZMQ_POLLIN};
        long wait = (long)(deadline - now);
        if (zmq_poll(&it, 1, wait < 100 ? wait : 100) > 0) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            while (zmq_msg_recv(&m, ev->sock, ZMQ_DONTWAIT) >= 0) {
                handle_reply(ev, zmq_msg_data(&m), zmq_msg_size(&m));
                zmq_msg_close(&m);
                zmq_msg_init(&m);
            }
            zmq_msg_close(&m);
        }
    }
    return ev->n_queued;
}

void clp_evclient_destroy(clp_evclient_t **pev)
{
    if (!pev || !*pev) {
        return;
    }
    clp_evclient_t *ev = *pev;
    if (ev->head) {
        clp_evclient_flush(ev, 1000);
    }
    spool_queue(ev);
    if (ev->timer) {
        event_free(ev->timer);
    }
    clp_zwatch_destroy(&ev->watch);
    zmq_close(ev->sock);
    free(ev);
    *pev = NULL;
}

static int enqueue(clp_evclient_t *ev, Clp__Event *e)
{
    queued_t *q = calloc(1, sizeof(*q));
    if (!q) {
        return -ENOMEM;
    }
    e->source = ev->source;
    e->source_seq = ++ev->next_seq;
    q->seq = e->source_seq;
    q->len = clp__event__get_packed_size(e);
    q->packed = malloc(q->len ? q->len : 1);
    if (!q->packed) {
        free(q);
        return -ENOMEM;
    }
    clp__event__pack(e, q->packed);
    if (ev->n_queued >= MAX_QUEUED) {
        /* evt has been away for long: keep the event on disk instead of memory. */
        int rc =
            clp_evclient_spool(ev->root, q->packed, q->len, ev->source, (unsigned long long)q->seq);
        free(q->packed);
        free(q);
        ev->n_spooled++;
        return rc;
    }
    if (ev->tail) {
        ev->tail->next = q;
    } else {
        ev->head = q;
    }
    ev->tail = q;
    ev->n_queued++;
    send_one(ev, q);
    if (!ev->base) {
        /* Tool mode: wait briefly for the ack, spool if evt is away. */
        if (clp_evclient_flush(ev, 1000) > 0) {
            spool_queue(ev);
        }
    }
    return 0;
}

/* Every alert also goes to the sender's own log, tagged with its module. */
static void log_alert(const char *module, unsigned id, int level, const char *text)
{
    clp_log_level_t l = level == CLP_LVL_ERROR     ? CLP_LOG_ERROR
                        : level == CLP_LVL_WARNING ? CLP_LOG_WARN
                                                   : CLP_LOG_INFO;
    if (l <= clp_log_level()) {
        clp_log_write(l, module, "%s %u: %s", module, id, text);
    }
}

int clp_alert_text(clp_evclient_t *ev, const char *module, unsigned id, int level, unsigned dest,
                   const char *text)
{
    Clp__Event e = CLP__EVENT__INIT;
    e.module = (char *)module;
    e.event_id = id;
    e.level = (Clp__Level)level;
    e.text = (char *)text;
    e.wall_ms = clp_wall_ms();
    e.dest = dest;
    log_alert(module, id, level, text);
    if (!ev) {
        return -EINVAL;
    }
    return enqueue(ev, &e);
}

int clp_alert_v(clp_evclient_t *ev, const char *module, unsigned id, unsigned dest,
                const char *const *args)
{
    const clp_msgdef_t *d = clp_msgcat_find(module, id);
    char text[2048];
    size_t nargs = 0;

    if (!d) {
        clp_error("bug: alert %s %u is not in the message catalogue", module, id);
        return -ENOENT;
    }
    clp_msgcat_format(d->text, args, text, sizeof(text));
    while (args && args[nargs]) {
        nargs++;
    }
    Clp__Event e = CLP__EVENT__INIT;
    e.module = (char *)module;
    e.event_id = id;
    e.level = (Clp__Level)d->level;
    e.text = text;
    e.n_args = nargs;
    e.args = (char **)args;
    e.wall_ms = clp_wall_ms();
    e.dest = dest;
    log_alert(module, id, d->level, text);
    if (!ev) {
        return -EINVAL;
    }
    return enqueue(ev, &e);
}

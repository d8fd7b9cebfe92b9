/*
 * as_service: datagrams, timers and the evt client.
 */
#define CLP_LOG_TAG "alertsync"
#include "as_service.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "as_log.h"
#include "as_sync.h"
#include "clp_dgram.h"
#include "clp_log.h"
#include "clp_msgcat.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "clp_udp.h"
#include "clp_xalloc.h"

#define TAIL_MS 200
#define ANNOUNCE_MS 1000
#define PULL_BUDGET 40000 /* bytes of record lines per AlertRecords datagram */
#define PULL_MAX_RECORDS 256
#define EVT_TIMEOUT_MS 5000

typedef struct {
    char name[CLP_NAME_MAX];
    struct sockaddr_storage addr[4];
    socklen_t addrlen[4];
    size_t n_addr;
    struct sockaddr_storage last_from; /* where its datagrams come from */
    socklen_t last_from_len;
} peer_t;

typedef struct call {
    struct call *next, *prev;
    struct as_service *as;
    char origin[AS_NAME_MAX];
} call_t;

struct as_service {
    clp_daemon_t *d;
    int fd;
    struct event *ev_read, *ev_tail, *ev_announce;
    as_log_t *log;
    as_sync_t *sync;
    clp_aclient_t *evt;
    clp_msg_ctx_t rx; /* counts datagram rejects */
    clp_replay_t replay;
    peer_t *peers;
    size_t n_peers;
    call_t *calls;
    uint64_t own_announced;
    uint64_t last_announce_ms;
    clp_alert_rec_t *scratch; /* PULL_MAX_RECORDS records for answering pulls */
    unsigned long received, accepted, bad_sender, replayed, announces_in, announces_out;
    unsigned long pulls_in, pulls_out, records_in, records_out, batches_to_evt, evt_errors;
    unsigned long send_errors;
};

/* ---- sending ---- */

static void send_env(as_service_t *as, Clp__Envelope *env, const struct sockaddr *sa, socklen_t len)
{
    uint8_t *buf = xmalloc(CLP_DGRAM_MAX);
    clp_msg_stamp(&as->d->mctx, env);
    int n = clp_dgram_seal(&as->d->keys, env, buf, CLP_DGRAM_MAX);
    if (n < 0 || sendto(as->fd, buf, (size_t)n, 0, sa, len) < 0) {
        as->send_errors++;
    }
    free(buf);
}

static peer_t *peer_by_name(as_service_t *as, const char *name)
{
    for (size_t i = 0; i < as->n_peers; i++) {
        if (strcmp(as->peers[i].name, name) == 0) {
            return &as->peers[i];
        }
    }
    return NULL;
}

static void announce(as_service_t *as)
{
    size_t n = as_sync_n_origins(as->sync);
    Clp__OriginSeq *v = xcalloc(n ? n : 1, sizeof(*v));
    Clp__OriginSeq **p = xcalloc(n ? n : 1, sizeof(*p));
    for (size_t i = 0; i < n; i++) {
        const char *o = as_sync_origin(as->sync, i);
        clp__origin_seq__init(&v[i]);
        v[i].origin = (char *)o;
        v[i].last_seq = as_sync_local_last(as->sync, o);
        v[i].first_seq = as_log_first(as->log, o);
        if (!v[i].first_seq && v[i].last_seq) {
            v[i].first_seq = v[i].last_seq + 1; /* holds none of them any more */
        }
        p[i] = &v[i];
    }
    Clp__AlertAnnounce ann = CLP__ALERT_ANNOUNCE__INIT;
    ann.n_origins = n;
    ann.origins = p;
    for (size_t i = 0; i < as->n_peers; i++) {
        for (size_t k = 0; k < as->peers[i].n_addr; k++) {
            Clp__Envelope env = CLP__ENVELOPE__INIT;
            env.payload_case = CLP__ENVELOPE__PAYLOAD_ALERT_ANNOUNCE;
            env.alert_announce = &ann;
            send_env(as, &env, (struct sockaddr *)&as->peers[i].addr[k], as->peers[i].addrlen[k]);
            as->announces_out++;
        }
    }
    as->last_announce_ms = clp_mono_ms();
    as->own_announced = as_sync_local_last(as->sync, as->d->server);
    free(v);
    free(p);
}

static void send_pulls(as_service_t *as)
{
    as_pull_t pulls[16];
    size_t n = as_sync_pulls(as->sync, clp_mono_ms(), pulls, 16);
    for (size_t i = 0; i < n; i++) {
        peer_t *p = peer_by_name(as, pulls[i].peer);
        if (!p || !p->last_from_len) {
            continue;
        }
        Clp__AlertPull pull = CLP__ALERT_PULL__INIT;
        pull.origin = pulls[i].origin;
        pull.from_seq = pulls[i].from;
        pull.max_bytes = PULL_BUDGET;
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_ALERT_PULL;
        env.alert_pull = &pull;
        send_env(as, &env, (struct sockaddr *)&p->last_from, p->last_from_len);
        as->pulls_out++;
        clp_debug("pull %s from %" PRIu64 " asked of %s", pulls[i].origin, pulls[i].from,
                  pulls[i].peer);
    }
}

/* ---- evt ---- */

static void learn_from_evt(as_service_t *as, const Clp__AlertAnnounce *ann)
{
    for (size_t i = 0; i < ann->n_origins; i++) {
        if (ann->origins[i]->origin && ann->origins[i]->origin[0]) {
            as_sync_local(as->sync, ann->origins[i]->origin, ann->origins[i]->last_seq);
        }
    }
}

static void on_evt_reply(void *arg, const Clp__Envelope *rep)
{
    call_t *c = arg;
    as_service_t *as = c->as;

    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_ALERT_ANNOUNCE) {
        learn_from_evt(as, rep->alert_announce);
    } else {
        as->evt_errors++;
        if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
            clp_warn("evt refused records of %s: %s", c->origin, rep->error_reply->message);
        }
    }
    as_sync_evt_done(as->sync, c->origin);
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        as->calls = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    free(c);
    send_pulls(as);
}

static void hand_to_evt(as_service_t *as, const Clp__AlertRecords *ar)
{
    call_t *c = xcalloc(1, sizeof(*c));
    c->as = as;
    snprintf(c->origin, sizeof(c->origin), "%s", ar->origin);
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_ALERT_RECORDS;
    env.alert_records = (Clp__AlertRecords *)ar;
    if (clp_aclient_call(as->evt, &env, EVT_TIMEOUT_MS, on_evt_reply, c) < 0) {
        as->evt_errors++;
        as_sync_evt_done(as->sync, c->origin);
        free(c);
        return;
    }
    c->next = as->calls;
    if (as->calls) {
        as->calls->prev = c;
    }
    as->calls = c;
    as->batches_to_evt++;
}

/* ---- receiving ---- */

static void on_announce(as_service_t *as, const char *peer, const Clp__AlertAnnounce *ann)
{
    uint64_t now = clp_mono_ms();
    as->announces_in++;
    for (size_t i = 0; i < ann->n_origins; i++) {
        const Clp__OriginSeq *o = ann->origins[i];
        if (!o->origin || !o->origin[0] || strlen(o->origin) >= AS_NAME_MAX) {
            continue;
        }
        as_sync_peer(as->sync, peer, o->origin, o->first_seq, o->last_seq, now);
    }
    send_pulls(as);
}

static void on_pull(as_service_t *as, const Clp__AlertPull *pull, const struct sockaddr *sa,
                    socklen_t salen)
{
    as->pulls_in++;
    if (!pull->origin || !pull->origin[0]) {
        return;
    }
    size_t budget =
        pull->max_bytes && pull->max_bytes < PULL_BUDGET ? pull->max_bytes : PULL_BUDGET;
    long n =
        as_log_read(as->log, pull->origin, pull->from_seq, as->scratch, PULL_MAX_RECORDS, budget);
    if (n < 0) {
        n = 0;
    }
    Clp__AlertRecord *rv = xcalloc((size_t)n + 1, sizeof(*rv));
    Clp__AlertRecord **rp = xcalloc((size_t)n + 1, sizeof(*rp));
    for (long i = 0; i < n; i++) {
        const clp_alert_rec_t *r = &as->scratch[i];
        clp__alert_record__init(&rv[i]);
        rv[i].origin = (char *)r->origin;
        rv[i].seq = r->seq;
        rv[i].wall_ms = r->wall_ms;
        rv[i].module = (char *)r->module;
        rv[i].event_id = r->event_id;
        rv[i].level = (Clp__Level)r->level;
        rv[i].dest = r->dest;
        rv[i].source = (char *)r->source;
        rv[i].source_seq = r->source_seq;
        rv[i].text = (char *)r->text;
        rp[i] = &rv[i];
    }
    Clp__AlertRecords ar = CLP__ALERT_RECORDS__INIT;
    ar.origin = pull->origin;
    ar.records = rp;
    ar.n_records = (size_t)n;
    ar.first_seq = as_log_first(as->log, pull->origin);
    ar.last_seq = as_log_last(as->log, pull->origin);
    ar.from_origin = strcmp(pull->origin, as->d->server) == 0;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_ALERT_RECORDS;
    env.alert_records = &ar;
    send_env(as, &env, sa, salen);
    as->records_out += (unsigned long)n;
    free(rv);
    free(rp);
}

static void on_records(as_service_t *as, const Clp__AlertRecords *ar)
{
    if (!ar->origin || !ar->origin[0] || strlen(ar->origin) >= AS_NAME_MAX) {
        return;
    }
    as->records_in += ar->n_records;
    for (size_t i = 0; i < ar->n_records; i++) {
        /* consecutive from the first: anything else is not used */
        if (ar->records[i]->seq != ar->records[0]->seq + i) {
            return;
        }
    }
    uint64_t first = ar->n_records ? ar->records[0]->seq : 0;
    if (as_sync_records(as->sync, ar->origin, first, ar->n_records, ar->from_origin,
                        ar->first_seq)) {
        hand_to_evt(as, ar);
    }
}

static void on_datagram(evutil_socket_t fd, short what, void *arg)
{
    as_service_t *as = arg;
    uint8_t *buf = xmalloc(CLP_DGRAM_MAX);

    for (int budget = 0; budget < 256; budget++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, CLP_DGRAM_MAX, 0, (struct sockaddr *)&from, &fl);
        if (n < 0) {
            break;
        }
        as->received++;
        Clp__Envelope *env = clp_dgram_open(&as->d->keys, &as->rx, "alertsync udp", buf, (size_t)n);
        if (!env) {
            continue;
        }
        peer_t *p = env->sender ? peer_by_name(as, env->sender) : NULL;
        if (!p) {
            as->bad_sender++;
            clp_msg_reject(&as->rx, "alertsync udp", "datagram from a server not in clp.conf");
            clp_msg_free(env);
            continue;
        }
        if (!clp_replay_accept(&as->replay, env->sender, env->incarnation, env->seq)) {
            as->replayed++;
            clp_msg_free(env);
            continue;
        }
        as->accepted++;
        memcpy(&p->last_from, &from, fl);
        p->last_from_len = fl;
        switch (env->payload_case) {
        case CLP__ENVELOPE__PAYLOAD_ALERT_ANNOUNCE:
            on_announce(as, p->name, env->alert_announce);
            break;
        case CLP__ENVELOPE__PAYLOAD_ALERT_PULL:
            on_pull(as, env->alert_pull, (struct sockaddr *)&from, fl);
            break;
        case CLP__ENVELOPE__PAYLOAD_ALERT_RECORDS:
            on_records(as, env->alert_records);
            break;
        default:
            clp_msg_reject(&as->rx, "alertsync udp", "unexpected payload");
            break;
        }
        clp_msg_free(env);
    }
    free(buf);
}

/* ---- timers ---- */

static void refresh_log(as_service_t *as)
{
    long n = as_log_refresh(as->log);
    if (n < 0) {
        clp_warn("cannot read the alert log: %s", strerror((int)-n));
        return;
    }
    for (size_t i = 0; i < as_log_n_origins(as->log); i++) {
        const char *o = as_log_origin(as->log, i);
        as_sync_local(as->sync, o, as_log_last(as->log, o));
    }
}

static void on_tail(evutil_socket_t fd, short what, void *arg)
{
    as_service_t *as = arg;
    refresh_log(as);
    uint64_t own = as_sync_local_last(as->sync, as->d->server);
    if (own > as->own_announced && clp_mono_ms() - as->last_announce_ms >= TAIL_MS) {
        announce(as);
    }
    send_pulls(as);
}

static void on_announce_timer(evutil_socket_t fd, short what, void *arg)
{
    as_service_t *as = arg;
    refresh_log(as);
    announce(as);
    send_pulls(as);
}

/* ---- set-up ---- */

static void load_peers(as_service_t *as)
{
    const clp_conf_t *c = as->d->conf;
    as->peers = xcalloc(c->n_servers ? c->n_servers : 1, sizeof(*as->peers));
    for (size_t i = 0; i < c->n_servers; i++) {
        const clp_server_t *s = &c->servers[i];
        if (strcmp(s->name, as->d->server) == 0) {
            continue;
        }
        peer_t *p = &as->peers[as->n_peers++];
        snprintf(p->name, sizeof(p->name), "%s", s->name);
        for (size_t k = 0; k < s->n_devices && p->n_addr < 4; k++) {
            const clp_device_t *dv = &s->devices[k];
            if (strcmp(dv->type, "lan") != 0 || !dv->info) {
                continue;
            }
            if (clp_sockaddr(dv->info, c->cluster.ports.alertsync, &p->addr[p->n_addr],
                             &p->addrlen[p->n_addr]) == 0) {
                p->n_addr++;
            }
        }
    }
}

as_service_t *as_service_new(clp_daemon_t *d)
{
    char path[CLP_PATH_MAX], ep[CLP_PATH_MAX];
    as_service_t *as = xcalloc(1, sizeof(*as));

    as->d = d;
    clp_msg_ctx_init(&as->rx, d->conf->cluster.name, d->server, "alertsync", 1);
    as->fd = clp_udp_bind(NULL, d->conf->cluster.ports.alertsync);
    if (as->fd < 0) {
        clp_error("cannot bind UDP port %d: %s", d->conf->cluster.ports.alertsync,
                  strerror(-as->fd));
        free(as);
        return NULL;
    }
    int rcvbuf = 4 << 20;
    setsockopt(as->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    clp_path(path, sizeof(path), d->root, "alert/alert.log");
    as->log = as_log_new(path);
    as->sync = as_sync_new(d->server);
    as->scratch = xcalloc(PULL_MAX_RECORDS, sizeof(*as->scratch));
    clp_endpoint_ipc(ep, sizeof(ep), d->root, "evt");
    as->evt = clp_aclient_new(d->base, d->zctx, ep, NULL, &d->mctx);
    if (!as->log || !as->evt) {
        as_service_destroy(&as);
        return NULL;
    }
    load_peers(as);
    refresh_log(as);
    as->ev_read = event_new(d->base, as->fd, EV_READ | EV_PERSIST, on_datagram, as);
    as->ev_tail = event_new(d->base, -1, EV_PERSIST, on_tail, as);
    as->ev_announce = event_new(d->base, -1, EV_PERSIST, on_announce_timer, as);
    struct timeval tail = clp_tv_ms(TAIL_MS), ann = clp_tv_ms(ANNOUNCE_MS);
    event_add(as->ev_read, NULL);
    event_add(as->ev_tail, &tail);
    event_add(as->ev_announce, &ann);
    announce(as);
    clp_info("alert sync on UDP port %d with %zu peers; %zu origins in the local alert log",
             d->conf->cluster.ports.alertsync, as->n_peers, as_log_n_origins(as->log));
    return as;
}

void as_service_destroy(as_service_t **pas)
{
    if (!pas || !*pas) {
        return;
    }
    as_service_t *as = *pas;
    if (as->ev_read) {
        event_free(as->ev_read);
        event_free(as->ev_tail);
        event_free(as->ev_announce);
    }
    clp_aclient_destroy(&as->evt);
    while (as->calls) {
        call_t *c = as->calls;
        as->calls = c->next;
        free(c);
    }
    as_log_destroy(&as->log);
    as_sync_destroy(&as->sync);
    clp_replay_free(&as->replay);
    if (as->fd >= 0) {
        close(as->fd);
    }
    free(as->scratch);
    free(as->peers);
    free(as);
    *pas = NULL;
}

void as_service_status(void *arg, Clp__StatusReply *rep)
{
    as_service_t *as = arg;
    clp_status_counter(rep, "datagrams_received", as->received);
    clp_status_counter(rep, "datagrams_accepted", as->accepted);
    clp_status_counter(rep, "datagrams_rejected", as->rx.n_rejected);
    clp_status_counter(rep, "datagrams_unknown_sender", as->bad_sender);
    clp_status_counter(rep, "datagrams_replayed", as->replayed);
    clp_status_counter(rep, "announces_sent", as->announces_out);
    clp_status_counter(rep, "announces_received", as->announces_in);
    clp_status_counter(rep, "pulls_sent", as->pulls_out);
    clp_status_counter(rep, "pulls_answered", as->pulls_in);
    clp_status_counter(rep, "records_received", as->records_in);
    clp_status_counter(rep, "records_sent", as->records_out);
    clp_status_counter(rep, "batches_to_evt", as->batches_to_evt);
    clp_status_counter(rep, "evt_errors", as->evt_errors);
    clp_status_counter(rep, "send_errors", as->send_errors);
    clp_status_counter(rep, "origins", as_sync_n_origins(as->sync));
    clp_status_counter(rep, "origins_behind", as_sync_behind(as->sync, clp_mono_ms()));
    clp_status_counter(rep, "log_rebuilds", as_log_rebuilds(as->log));
}

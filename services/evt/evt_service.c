/*
 * evt_service: event intake, routing, spool ingestion, remote appends.
 */
#define CLP_LOG_TAG "evt"
#include "evt_service.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_msgcat.h"
#include "clp_syslog.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "evt_notify.h"

struct evt_service {
    clp_daemon_t *d;
    evt_store_t *store;
    clp_syslog_t *syslog;
    evt_notify_t *notify;
    struct event *spool_timer;
    unsigned long received, spooled_in, store_errors, remote_batches, remote_written;
    unsigned long routed_no_alert;
    uint64_t self_seq;
};

int evt_platform_value(const char *root, const char *key, char *out, size_t n)
{
    char path[CLP_PATH_MAX], *data = NULL, *save = NULL;
    size_t len = 0, kl = strlen(key);
    int rc = -ENOENT;

    clp_path(path, sizeof(path), root, "etc/platform.conf");
    if (clp_read_file(path, 1 << 16, &data, &len) < 0) {
        return -ENOENT;
    }
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, key, kl) == 0 && l[kl] == '=') {
            snprintf(out, n, "%s", l + kl + 1);
            rc = 0;
        }
    }
    free(data);
    return rc;
}

static void to_syslog(evt_service_t *svc, const clp_alert_rec_t *rec)
{
    char line[CLP_ALERT_TEXT_MAX + 128];
    int prio = rec->level == CLP_LVL_ERROR     ? LOG_ERR
               : rec->level == CLP_LVL_WARNING ? LOG_WARNING
                                               : LOG_INFO;
    evt_syslog_line(rec, svc->d->conf->cluster.syslog_level, line, sizeof(line));
    clp_syslog_send(svc->syslog, prio, line);
}

/* Routes a record that now has its final destinations; stores it first when
 * it goes to the alert log. Returns 0 when the event is handled for good. */
static int route_record(evt_service_t *svc, clp_alert_rec_t *rec)
{
    evt_store_result_t res = EVT_STORE_WRITTEN;

    if (rec->dest & CLP_DEST_ALERT) {
        int rc = evt_store_append_local(svc->store, rec, &res);
        if (rc < 0) {
            svc->store_errors++;
            clp_error("cannot write the alert log: %s", strerror(-rc));
            return rc;
        }
        if (res == EVT_STORE_DUPLICATE) {
            return 0;
        }
    } else {
        snprintf(rec->origin, sizeof(rec->origin), "%s", svc->d->server);
        evt_store_note_source(svc->store, rec->source, rec->source_seq);
        svc->routed_no_alert++;
    }
    if (rec->dest & CLP_DEST_SYSLOG) {
        to_syslog(svc, rec);
    }
    if (rec->dest & CLP_DEST_MAIL) {
        evt_notify_send(svc->notify, EVT_NOTIFY_MAIL, rec);
    }
    if (rec->dest & CLP_DEST_TRAP) {
        evt_notify_send(svc->notify, EVT_NOTIFY_TRAP, rec);
    }
    return 0;
}

/* Stores one Event; returns 0 when it is handled (now or before). */
static int store_event(evt_service_t *svc, const Clp__Event *e)
{
    if (evt_store_seen(svc->store, e->source, e->source_seq)) {
        return 0;
    }
    clp_alert_rec_t *rec = xcalloc(1, sizeof(*rec));
    rec->wall_ms = e->wall_ms ? e->wall_ms : clp_wall_ms();
    snprintf(rec->module, sizeof(rec->module), "%s", e->module[0] ? e->module : "user");
    rec->event_id = e->event_id;
    rec->level = e->level >= 1 && e->level <= 3 ? (int)e->level : CLP_LVL_INFO;
    rec->dest = evt_route_dest(svc->d->conf, rec->module, rec->event_id, e->dest);
    snprintf(rec->source, sizeof(rec->source), "%s", e->source);
    rec->source_seq = e->source_seq;
    snprintf(rec->text, sizeof(rec->text), "%s", e->text);
    int rc = route_record(svc, rec);
    free(rec);
    return rc;
}

/* An alert evt raises itself (mail 5 / mail 6): straight into the router. */
static void self_alert(evt_service_t *svc, const char *module, unsigned id, const char *const *args)
{
    const clp_msgdef_t *def = clp_msgcat_find(module, id);
    if (!def) {
        return;
    }
    clp_alert_rec_t *rec = xcalloc(1, sizeof(*rec));
    rec->wall_ms = clp_wall_ms();
    snprintf(rec->module, sizeof(rec->module), "%s", module);
    rec->event_id = id;
    rec->level = def->level;
    /* never mail about mail */
    rec->dest = evt_route_dest(svc->d->conf, module, id, 0) & ~(unsigned)CLP_DEST_MAIL;
    snprintf(rec->source, sizeof(rec->source), "clusterpro_evt:%d:%" PRIu64, (int)getpid(),
             svc->d->mctx.incarnation);
    rec->source_seq = ++svc->self_seq;
    clp_msgcat_format(def->text, args, rec->text, sizeof(rec->text));
    route_record(svc, rec);
    free(rec);
}

static void on_notify_result(void *arg, evt_notify_kind_t kind, bool ok, const char *server,
                             const char *message)
{
    evt_service_t *svc = arg;
    if (kind != EVT_NOTIFY_MAIL) {
        return;
    }
    if (ok) {
        self_alert(svc, "mail", 6, (const char *const[]){server, NULL});
    } else {
        self_alert(svc, "mail", 5, (const char *const[]){message, server, NULL});
    }
}

static void on_event(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    evt_service_t *svc = d->app;
    const Clp__Event *e = env->event;

    svc->received++;
    if (!e->source || !e->source[0] || e->source_seq == 0) {
        clp_srv_reply_error(req, -EINVAL, "event without a source or sequence number");
        return;
    }
    if (store_event(svc, e) < 0) {
        /* No ack: the sender keeps the event and resends it. */
        clp_srv_reply_error(req, -EIO, "the alert log cannot be written");
        return;
    }
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__EventAck ack = CLP__EVENT_ACK__INIT;
    ack.source = e->source;
    ack.source_seq = e->source_seq;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_EVENT_ACK;
    rep.event_ack = &ack;
    clp_srv_reply(req, &rep);
}

typedef struct {
    Clp__OriginSeq *v;
    Clp__OriginSeq **p;
    size_t n, cap;
} origins_t;

static void add_origin(void *arg, const char *origin, uint64_t last)
{
    origins_t *o = arg;
    if (o->n == o->cap) {
        return;
    }
    clp__origin_seq__init(&o->v[o->n]);
    o->v[o->n].origin = (char *)origin;
    o->v[o->n].last_seq = last;
    o->p[o->n] = &o->v[o->n];
    o->n++;
}

static void reply_announce(evt_service_t *svc, clp_srv_req_t *req)
{
    origins_t o = {.cap = 1024};
    o.v = xcalloc(o.cap, sizeof(*o.v));
    o.p = xcalloc(o.cap, sizeof(*o.p));
    evt_store_origins(svc->store, add_origin, &o);
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__AlertAnnounce ann = CLP__ALERT_ANNOUNCE__INIT;
    ann.n_origins = o.n;
    ann.origins = o.p;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_ALERT_ANNOUNCE;
    rep.alert_announce = &ann;
    clp_srv_reply(req, &rep);
    free(o.v);
    free(o.p);
}

/* alertsync -> evt: records of another server to append in order. */
static void on_records(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    evt_service_t *svc = d->app;
    const Clp__AlertRecords *ar = env->alert_records;
    size_t n = ar->n_records;

    if (!ar->origin || !ar->origin[0] || strcmp(ar->origin, d->server) == 0) {
        /* This server's own records are numbered here only. */
        reply_announce(svc, req);
        return;
    }
    if (ar->from_origin && ar->first_seq > 1) {
        evt_store_skip_to(svc->store, ar->origin, ar->first_seq - 1);
    }
    clp_alert_rec_t *recs = xcalloc(n ? n : 1, sizeof(*recs));
    for (size_t i = 0; i < n; i++) {
        const Clp__AlertRecord *r = ar->records[i];
        clp_alert_rec_t *o = &recs[i];
        snprintf(o->origin, sizeof(o->origin), "%s", ar->origin);
        o->seq = r->seq;
        o->wall_ms = r->wall_ms;
        snprintf(o->module, sizeof(o->module), "%s", r->module);
        o->event_id = r->event_id;
        o->level = r->level >= 1 && r->level <= 3 ? (int)r->level : CLP_LVL_INFO;
        o->dest = r->dest;
        snprintf(o->source, sizeof(o->source), "%s", r->source);
        o->source_seq = r->source_seq;
        snprintf(o->text, sizeof(o->text), "%s", r->text);
    }
    size_t gaps = 0;
    long w = evt_store_append_remote_batch(svc->store, recs, n, &gaps);
    free(recs);
    svc->remote_batches++;
    if (w < 0) {
        svc->store_errors++;
        clp_srv_reply_error(req, (int)w, "the alert log cannot be written: %s", strerror((int)-w));
        return;
    }
    svc->remote_written += (unsigned long)w;
    reply_announce(svc, req);
}

/* alertsync -> evt: what do you hold? (an empty announce asks) */
static void on_announce(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    reply_announce(d->app, req);
}

const clp_srv_handler_t evt_handlers[] = {
    {CLP__ENVELOPE__PAYLOAD_EVENT, on_event},
    {CLP__ENVELOPE__PAYLOAD_ALERT_RECORDS, on_records},
    {CLP__ENVELOPE__PAYLOAD_ALERT_ANNOUNCE, on_announce},
    {0, NULL},
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int evt_service_ingest_spool(evt_service_t *svc)
{
    char dir[CLP_PATH_MAX];
    DIR *dh;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int stored = 0;

    clp_path(dir, sizeof(dir), svc->d->root, "work/evt-spool");
    if (!(dh = opendir(dir))) {
        return 0;
    }
    while ((de = readdir(dh))) {
        size_t len = strlen(de->d_name);
        if (len > 3 && strcmp(de->d_name + len - 3, ".ev") == 0) {
            names = xrealloc(names, (n + 1) * sizeof(*names));
            names[n++] = xstrdup(de->d_name);
        }
    }
    closedir(dh);
    /* Names embed the source and a zero-padded seq: sorted order is send order.
     * (qsort must not be given the NULL of an empty spool.) */
    if (n > 1) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    for (size_t i = 0; i < n; i++) {
        char path[CLP_PATH_MAX + 300];
        char *data = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (clp_read_file(path, 1 << 20, &data, &len) == 0) {
            Clp__Event *e = clp__event__unpack(NULL, len, (uint8_t *)data);
            if (!e) {
                clp_warn("spooled event %s is not valid; removed", path);
                unlink(path);
            } else if (store_event(svc, e) == 0) {
                unlink(path);
                stored++;
                svc->spooled_in++;
            }
            if (e) {
                clp__event__free_unpacked(e, NULL);
            }
            free(data);
        }
        free(names[i]);
    }
    free(names);
    if (stored) {
        clp_info("ingested %d spooled events", stored);
    }
    return stored;
}

static void on_spool_timer(evutil_socket_t fd, short what, void *arg)
{
    evt_service_ingest_spool(arg);
}

evt_service_t *evt_service_new(clp_daemon_t *d)
{
    char path[CLP_PATH_MAX], sock[CLP_PATH_MAX] = "";
    evt_service_t *svc = xcalloc(1, sizeof(*svc));

    svc->d = d;
    clp_path(path, sizeof(path), d->root, "alert/alert.log");
    svc->store = evt_store_open(path, d->server, d->conf->cluster.alertlog_max);
    if (!svc->store) {
        clp_error("cannot open the alert log %s: %s", path, strerror(errno));
        free(svc);
        return NULL;
    }
    evt_platform_value(d->root, "syslog_socket", sock, sizeof(sock));
    svc->syslog = clp_syslog_new(sock, "expresscls", CLP_SYSLOG_FAC_DAEMON);
    svc->notify = evt_notify_new(d->base, d->conf, on_notify_result, svc);
    evt_service_ingest_spool(svc);
    svc->spool_timer = event_new(d->base, -1, EV_PERSIST, on_spool_timer, svc);
    struct timeval tv = clp_tv_ms(2000);
    event_add(svc->spool_timer, &tv);
    return svc;
}

void evt_service_destroy(evt_service_t **psvc)
{
    if (!psvc || !*psvc) {
        return;
    }
    evt_service_t *svc = *psvc;
    if (svc->spool_timer) {
        event_free(svc->spool_timer);
    }
    evt_notify_destroy(&svc->notify);
    clp_syslog_destroy(&svc->syslog);
    evt_store_close(&svc->store);
    free(svc);
    *psvc = NULL;
}

void evt_service_status(void *arg, Clp__StatusReply *rep)
{
    evt_service_t *svc = arg;
    evt_notify_stats_t ns;
    evt_notify_stats(svc->notify, &ns);
    clp_status_counter(rep, "events_received", svc->received);
    clp_status_counter(rep, "events_written", evt_store_written(svc->store));
    clp_status_counter(rep, "events_duplicate", evt_store_duplicates(svc->store));
    clp_status_counter(rep, "events_from_spool", svc->spooled_in);
    clp_status_counter(rep, "events_not_for_alertlog", svc->routed_no_alert);
    clp_status_counter(rep, "alertlog_records", (uint64_t)evt_store_count(svc->store));
    clp_status_counter(rep, "alertlog_compactions", evt_store_compactions(svc->store));
    clp_status_counter(rep, "remote_batches", svc->remote_batches);
    clp_status_counter(rep, "remote_written", svc->remote_written);
    clp_status_counter(rep, "remote_gaps_refused", evt_store_gaps(svc->store));
    clp_status_counter(rep, "store_errors", svc->store_errors);
    clp_status_counter(rep, "syslog_sent", clp_syslog_sent(svc->syslog));
    clp_status_counter(rep, "syslog_dropped", clp_syslog_dropped(svc->syslog));
    clp_status_counter(rep, "mails_sent", ns.mails_sent);
    clp_status_counter(rep, "mails_failed", ns.mails_failed);
    clp_status_counter(rep, "traps_sent", ns.traps_sent);
    clp_status_counter(rep, "traps_failed", ns.traps_failed);
    clp_status_counter(rep, "notify_dropped", ns.dropped);
}

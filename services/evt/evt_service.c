/*
 * evt_service: event intake, syslog output, spool ingestion.
 */
#define CLP_LOG_TAG "evt"
#include "evt_service.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_msgcat.h"
#include "clp_time.h"
#include "clp_xalloc.h"

struct evt_service {
    clp_daemon_t *d;
    evt_store_t *store;
    struct event *spool_timer;
    unsigned long received, spooled_in, store_errors;
};

void evt_syslog_line(const clp_alert_rec_t *rec, int level_tag, char *out, size_t n)
{
    static const char *tags[] = {"", "[E] ", "[W] ", "[I] "};
    const char *tag = level_tag && rec->level >= 1 && rec->level <= 3 ? tags[rec->level] : "";
    snprintf(out, n, "%s<type: %s><event: %u> %s", tag, rec->module, rec->event_id, rec->text);
}

static void to_syslog(evt_service_t *svc, const clp_alert_rec_t *rec)
{
    char line[CLP_ALERT_TEXT_MAX + 128];
    int prio = rec->level == CLP_LVL_ERROR     ? LOG_ERR
               : rec->level == CLP_LVL_WARNING ? LOG_WARNING
                                               : LOG_INFO;
    evt_syslog_line(rec, svc->d->conf->cluster.syslog_level, line, sizeof(line));
    syslog(prio, "%s", line);
}

/* Stores one Event; returns 0 when it is durable (written now or before). */
static int store_event(evt_service_t *svc, const Clp__Event *e)
{
    clp_alert_rec_t *rec = xcalloc(1, sizeof(*rec));
    evt_store_result_t res;

    rec->wall_ms = e->wall_ms ? e->wall_ms : clp_wall_ms();
    snprintf(rec->module, sizeof(rec->module), "%s", e->module[0] ? e->module : "user");
    rec->event_id = e->event_id;
    rec->level = e->level >= 1 && e->level <= 3 ? (int)e->level : CLP_LVL_INFO;
    const clp_msgdef_t *def = clp_msgcat_find(rec->module, rec->event_id);
    rec->dest = e->dest ? e->dest : def ? def->dest : (CLP_DEST_ALERT | CLP_DEST_SYSLOG);
    snprintf(rec->source, sizeof(rec->source), "%s", e->source);
    rec->source_seq = e->source_seq;
    snprintf(rec->text, sizeof(rec->text), "%s", e->text);
    int rc = evt_store_append_local(svc->store, rec, &res);
    if (rc < 0) {
        svc->store_errors++;
        clp_error("cannot write the alert log: %s", strerror(-rc));
    } else if (res == EVT_STORE_WRITTEN && (rec->dest & CLP_DEST_SYSLOG)) {
        to_syslog(svc, rec);
    }
    free(rec);
    return rc;
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

const clp_srv_handler_t evt_handlers[] = {
    {CLP__ENVELOPE__PAYLOAD_EVENT, on_event},
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
    /* Names embed the source and a zero-padded seq: sorted order is send order. */
    qsort(names, n, sizeof(*names), cmp_names);
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
    char path[CLP_PATH_MAX];
    evt_service_t *svc = xcalloc(1, sizeof(*svc));

    svc->d = d;
    clp_path(path, sizeof(path), d->root, "alert/alert.log");
    svc->store = evt_store_open(path, d->server, d->conf->cluster.alertlog_max);
    if (!svc->store) {
        clp_error("cannot open the alert log %s: %s", path, strerror(errno));
        free(svc);
        return NULL;
    }
    openlog("expresscls", LOG_PID | LOG_NDELAY, LOG_DAEMON);
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
    evt_store_close(&svc->store);
    closelog();
    free(svc);
    *psvc = NULL;
}

void evt_service_status(void *arg, Clp__StatusReply *rep)
{
    evt_service_t *svc = arg;
    clp_status_counter(rep, "events_received", svc->received);
    clp_status_counter(rep, "events_written", evt_store_written(svc->store));
    clp_status_counter(rep, "events_duplicate", evt_store_duplicates(svc->store));
    clp_status_counter(rep, "events_from_spool", svc->spooled_in);
    clp_status_counter(rep, "alertlog_records", (uint64_t)evt_store_count(svc->store));
    clp_status_counter(rep, "store_errors", svc->store_errors);
}

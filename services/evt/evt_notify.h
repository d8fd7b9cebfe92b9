/*
 * evt_notify: alert mail and SNMP traps, sent in child processes so that
 * clusterpro_evt's loop never waits on a network peer.
 *
 * Each mail or trap is one job. At most EVT_NOTIFY_CHILDREN jobs run at once
 * (the rest wait in a queue of at most EVT_NOTIFY_QUEUE; beyond that a job is
 * dropped and counted). A job's child tries each configured server in turn
 * (SMTP servers by priority, every SNMP manager), writes one result line to a
 * pipe and exits; a child still running after its deadline is killed. The
 * result of a mail is reported through the callback (evt turns it into
 * mail 5 / mail 6).
 *
 * Configuration (clp.conf, reference section 3.2):
 *   cluster/mail/address                  recipients (separated by , ; or blanks)
 *   cluster/mail/subject                  default "CLUSTERPRO"
 *   cluster/mail/smtp/timeout             seconds per server, default 30
 *   cluster/mail/smtp/smtpsrv@N/{priority,srvname,port,senderaddress,auth,
 *                                authmethod,username,passwd}
 *   cluster/trap/snmpsrv@N/{srvname,port,snmpver,snmpcom}
 */
#ifndef EVT_NOTIFY_H
#define EVT_NOTIFY_H

#include <event2/event.h>
#include <stdbool.h>

#include "clp_alertlog.h"
#include "clp_config.h"
#include "clp_smtp.h"
#include "evt_trap.h"

#define EVT_NOTIFY_CHILDREN 4
#define EVT_NOTIFY_QUEUE 1000
#define EVT_NOTIFY_MAX_SERVERS 8

typedef enum { EVT_NOTIFY_MAIL, EVT_NOTIFY_TRAP } evt_notify_kind_t;

typedef struct {
    char host[256];
    int port;
    int priority;
    char from[256];
    int auth;
    char authmethod[16];
    char username[128];
    char password[128];
} evt_smtp_conf_t;

typedef struct {
    char cluster[64];
    char address[1024];
    char subject[256];
    int smtp_timeout_s;
    evt_smtp_conf_t smtp[EVT_NOTIFY_MAX_SERVERS]; /* sorted by priority */
    size_t n_smtp;
    evt_trap_dest_t traps[EVT_NOTIFY_MAX_SERVERS];
    size_t n_traps;
} evt_notify_conf_t;

/* Reads the mail and trap settings of conf (pure). */
void evt_notify_conf_load(const clp_conf_t *conf, evt_notify_conf_t *out);

/* ok, the server that took it (or the last one tried) and a sentence. */
typedef void (*evt_notify_result_fn)(void *arg, evt_notify_kind_t kind, bool ok, const char *server,
                                     const char *message);

typedef struct evt_notify evt_notify_t;

evt_notify_t *evt_notify_new(struct event_base *base, const clp_conf_t *conf,
                             evt_notify_result_fn fn, void *arg);
/* Kills running children and frees everything. */
void evt_notify_destroy(evt_notify_t **n);

/* Queues a mail or a trap for rec. Returns 0, -ENOENT when nothing is
 * configured for it (no address or no server), or -ENOBUFS when the queue is full. */
int evt_notify_send(evt_notify_t *n, evt_notify_kind_t kind, const clp_alert_rec_t *rec);

typedef struct {
    unsigned long mails_sent, mails_failed, traps_sent, traps_failed, dropped;
    unsigned long running, queued;
} evt_notify_stats_t;

void evt_notify_stats(const evt_notify_t *n, evt_notify_stats_t *st);

#endif

/*
 * evt_service: clusterpro_evt's request handling. Receives Event messages on
 * the local ipc endpoint, stores them in the alert log (evt_store), writes the
 * syslog line, and acknowledges; ingests the spool directory where senders
 * left events while evt was away.
 */
#ifndef EVT_SERVICE_H
#define EVT_SERVICE_H

#include "clp_daemon.h"
#include "evt_store.h"

typedef struct evt_service evt_service_t;

/* The handler table for the ipc endpoint (beyond StatusRequest). */
extern const clp_srv_handler_t evt_handlers[];

evt_service_t *evt_service_new(clp_daemon_t *d);
void evt_service_destroy(evt_service_t **svc);
void evt_service_status(void *arg, Clp__StatusReply *rep);

/* Ingests every spooled event now. Returns the number stored. */
int evt_service_ingest_spool(evt_service_t *svc);

/* Formats the syslog line of a record ("<type: rc><event: 61> text", with a
 * level tag when level_tag is set). */
void evt_syslog_line(const clp_alert_rec_t *rec, int level_tag, char *out, size_t n);

#endif

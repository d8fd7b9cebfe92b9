/*
 * evt_service: clusterpro_evt's request handling. Receives Event messages on
 * the local ipc endpoint, routes them (evt_route): stores those for the alert
 * log (evt_store), writes the syslog line (clp_syslog), hands mail and traps to
 * evt_notify, and acknowledges; ingests the spool directory where senders left
 * events while evt was away; appends the records alertsync brings from other
 * servers (AlertRecords, answered with this server's AlertAnnounce).
 *
 * The syslog socket is /dev/log unless etc/platform.conf says
 * syslog_socket=PATH (the test bed gives each server its own).
 */
#ifndef EVT_SERVICE_H
#define EVT_SERVICE_H

#include "clp_daemon.h"
#include "evt_route.h"
#include "evt_store.h"

typedef struct evt_service evt_service_t;

/* The handler table for the ipc endpoint (beyond StatusRequest). */
extern const clp_srv_handler_t evt_handlers[];

evt_service_t *evt_service_new(clp_daemon_t *d);
void evt_service_destroy(evt_service_t **svc);
void evt_service_status(void *arg, Clp__StatusReply *rep);

/* Ingests every spooled event now. Returns the number stored. */
int evt_service_ingest_spool(evt_service_t *svc);

/* The value of key in ROOT/etc/platform.conf ("key=value" lines) into out;
 * returns 0, or -ENOENT when absent. */
int evt_platform_value(const char *root, const char *key, char *out, size_t n);

#endif

/*
 * as_service: clusterpro_alertsync's network side and glue.
 *
 * One UDP socket on the alert sync port carries sealed envelopes (clp_dgram:
 * cluster MAC, replay protection per sender incarnation and sequence). Every
 * second, and at once when this server's own alert log grows, an
 * AlertAnnounce goes to every other server's LAN addresses (each lan device of
 * clp.conf). What arrives is checked in this order, each failure counted: the
 * seal (MAC), the envelope, a sender that is a server of clp.conf (not this
 * one), the replay window. AlertPull is answered from the local alert log
 * (as_log) to the datagram's source address; AlertRecords that continue the
 * local log (as_sync) are handed to evt over ipc, which appends them in order
 * and answers with what it holds. See docs/alerts.md for the protocol.
 */
#ifndef AS_SERVICE_H
#define AS_SERVICE_H

#include "clp_daemon.h"

typedef struct as_service as_service_t;

/* Binds the port and starts the timers. Returns NULL with the reason logged. */
as_service_t *as_service_new(clp_daemon_t *d);
void as_service_destroy(as_service_t **as);
void as_service_status(void *arg, Clp__StatusReply *rep);

#endif

/*
 * evt_trap: one SNMP trap per alert, through net-snmp (Debian's libsnmp).
 *
 * The trap carries the alert's cluster, server, module, event ID, level, text
 * and time as strings/integers under this product's enterprise arc (see
 * docs/alerts.md: the original's MIB is not public, so the OIDs are this
 * product's own). SNMPv1 sends an enterprise-specific trap (specific type 1),
 * SNMPv2c a TRAP2 with snmpTrapOID EVT_TRAP_OID. Blocking: called in a child.
 */
#ifndef EVT_TRAP_H
#define EVT_TRAP_H

#include <stddef.h>

#include "clp_alertlog.h"

#define EVT_TRAP_ENTERPRISE "1.3.6.1.4.1.119.2.3.207"
#define EVT_TRAP_OID EVT_TRAP_ENTERPRISE ".0.1"

typedef struct {
    char host[256];
    int port;    /* 162 */
    int version; /* 1 or 2 (v2c) */
    char community[64];
} evt_trap_dest_t;

/* Sends the trap of rec to d. Returns 0 or -errno with a sentence in err. */
int evt_trap_send(const evt_trap_dest_t *d, const clp_alert_rec_t *rec, const char *cluster,
                  char *err, size_t errlen);

#endif

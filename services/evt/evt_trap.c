/*
 * evt_trap: the net-snmp calls.
 */
#include "evt_trap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

static int add_str(netsnmp_pdu *pdu, const char *oidtxt, const char *value)
{
    oid name[MAX_OID_LEN];
    size_t len = MAX_OID_LEN;
    if (!read_objid(oidtxt, name, &len)) {
        return -EINVAL;
    }
    snmp_pdu_add_variable(pdu, name, len, ASN_OCTET_STR, value, strlen(value));
    return 0;
}

static int add_int(netsnmp_pdu *pdu, const char *oidtxt, long value)
{
    oid name[MAX_OID_LEN];
    size_t len = MAX_OID_LEN;
    if (!read_objid(oidtxt, name, &len)) {
        return -EINVAL;
    }
    snmp_pdu_add_variable(pdu, name, len, ASN_INTEGER, &value, sizeof(value));
    return 0;
}

int evt_trap_send(const evt_trap_dest_t *d, const clp_alert_rec_t *rec, const char *cluster,
                  char *err, size_t errlen)
{
    netsnmp_session sess, *ss;
    char peer[300], when[32];
    time_t t = (time_t)(rec->wall_ms / 1000);
    struct tm tm;

    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_QUICK_PRINT, 1);
    init_snmp("clusterpro_evt");

    snmp_sess_init(&sess);
    snprintf(peer, sizeof(peer), "udp:%s:%d", d->host, d->port > 0 ? d->port : 162);
    sess.peername = peer;
    sess.version = d->version == 1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
    sess.community = (u_char *)d->community;
    sess.community_len = strlen(d->community);
    ss = snmp_open(&sess);
    if (!ss) {
        snprintf(err, errlen, "cannot open an SNMP session to %s", peer);
        return -EHOSTUNREACH;
    }
    netsnmp_pdu *pdu;
    if (sess.version == SNMP_VERSION_1) {
        oid ent[MAX_OID_LEN];
        size_t entlen = MAX_OID_LEN;
        pdu = snmp_pdu_create(SNMP_MSG_TRAP);
        read_objid(EVT_TRAP_ENTERPRISE, ent, &entlen);
        pdu->enterprise = snmp_duplicate_objid(ent, entlen);
        pdu->enterprise_length = entlen;
        pdu->trap_type = SNMP_TRAP_ENTERPRISESPECIFIC;
        pdu->specific_type = 1;
        pdu->time = get_uptime();
    } else {
        pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
        oid up[] = {1, 3, 6, 1, 2, 1, 1, 3, 0};
        u_long ticks = get_uptime();
        snmp_pdu_add_variable(pdu, up, sizeof(up) / sizeof(up[0]), ASN_TIMETICKS, &ticks,
                              sizeof(ticks));
        oid trapoid[] = {1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0};
        oid val[MAX_OID_LEN];
        size_t vlen = MAX_OID_LEN;
        read_objid(EVT_TRAP_OID, val, &vlen);
        snmp_pdu_add_variable(pdu, trapoid, sizeof(trapoid) / sizeof(trapoid[0]), ASN_OBJECT_ID,
                              val, vlen * sizeof(oid));
    }
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
    add_str(pdu, EVT_TRAP_ENTERPRISE ".1.1", cluster);
    add_str(pdu, EVT_TRAP_ENTERPRISE ".1.2", rec->origin);
    add_str(pdu, EVT_TRAP_ENTERPRISE ".1.3", rec->module);
    add_int(pdu, EVT_TRAP_ENTERPRISE ".1.4", (long)rec->event_id);
    add_int(pdu, EVT_TRAP_ENTERPRISE ".1.5", (long)rec->level);
    add_str(pdu, EVT_TRAP_ENTERPRISE ".1.6", rec->text);
    add_str(pdu, EVT_TRAP_ENTERPRISE ".1.7", when);
    int rc = 0;
    if (snmp_send(ss, pdu) == 0) {
        snprintf(err, errlen, "cannot send the SNMP trap to %s", peer);
        snmp_free_pdu(pdu);
        rc = -EIO;
    }
    snmp_close(ss);
    return rc;
}

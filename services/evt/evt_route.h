/*
 * evt_route: where an event goes (pure: no I/O).
 *
 * The destinations of an event are, in this order:
 *   1. what the sender asked for (clplogcmd --alert/--syslog/--mail/--trap),
 *      else the catalogue row's defaults, else alert log + syslog;
 *   2. with the alert service on (cluster/messages/use = 1), the per-message
 *      settings of clp.conf <messages><MODULE id="ID"><alert>1</alert>
 *      <syslog>0</syslog><mail>1</mail><trap>0</trap></MODULE></messages>
 *      replace the destinations they name ("1" or an empty element = on,
 *      "0" = off), for catalogue messages;
 *   3. with the alert service off, mail and trap are dropped (the original
 *      sends only to the alert log and syslog then).
 * The syslog line is "<type: MODULE><event: ID> TEXT", preceded by "[E] ",
 * "[W] " or "[I] " when cluster/syslog/format/level is 1.
 */
#ifndef EVT_ROUTE_H
#define EVT_ROUTE_H

#include <stddef.h>

#include "clp_alertlog.h"
#include "clp_config.h"

/* The final CLP_DEST_* mask of an event of (module, id) with the sender's
 * requested mask (0 = defaults). conf may be NULL (defaults only). */
unsigned evt_route_dest(const clp_conf_t *conf, const char *module, unsigned id,
                        unsigned requested);

/* The syslog message of rec (without the syslog header). */
void evt_syslog_line(const clp_alert_rec_t *rec, int level_tag, char *out, size_t n);

/* The body of an alert mail for rec, cluster being the cluster's name. */
void evt_mail_body(const clp_alert_rec_t *rec, const char *cluster, char *out, size_t n);

#endif

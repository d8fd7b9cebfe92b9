/*
 * evt_route: destinations, the syslog line and the mail body.
 */
#include "evt_route.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clp_msgcat.h"

static void apply(const clp_conf_t *conf, const char *module, unsigned id, const char *key,
                  unsigned bit, unsigned *dest)
{
    char path[160];
    snprintf(path, sizeof(path), "messages/%s@%u/%s", module, id, key);
    const char *v = clp_params_get(&conf->cluster.params, path);
    if (!v) {
        return;
    }
    if (strcmp(v, "0") == 0) {
        *dest &= ~bit;
    } else {
        *dest |= bit;
    }
}

unsigned evt_route_dest(const clp_conf_t *conf, const char *module, unsigned id, unsigned requested)
{
    const clp_msgdef_t *def = clp_msgcat_find(module, id);
    unsigned dest = requested ? requested : def ? def->dest : (CLP_DEST_ALERT | CLP_DEST_SYSLOG);

    if (conf && conf->cluster.messages_use && def) {
        apply(conf, module, id, "alert", CLP_DEST_ALERT, &dest);
        apply(conf, module, id, "syslog", CLP_DEST_SYSLOG, &dest);
        apply(conf, module, id, "mail", CLP_DEST_MAIL, &dest);
        apply(conf, module, id, "trap", CLP_DEST_TRAP, &dest);
    }
    if (!conf || !conf->cluster.messages_use) {
        dest &= ~(unsigned)(CLP_DEST_MAIL | CLP_DEST_TRAP);
    }
    return dest & (CLP_DEST_ALERT | CLP_DEST_SYSLOG | CLP_DEST_MAIL | CLP_DEST_TRAP);
}

void evt_syslog_line(const clp_alert_rec_t *rec, int level_tag, char *out, size_t n)
{
    if (level_tag) {
        snprintf(out, n, "[%c] <type: %s><event: %u> %s", clp_msgcat_level_letter(rec->level),
                 rec->module, rec->event_id, rec->text);
    } else {
        snprintf(out, n, "<type: %s><event: %u> %s", rec->module, rec->event_id, rec->text);
    }
}

void evt_mail_body(const clp_alert_rec_t *rec, const char *cluster, char *out, size_t n)
{
    char when[32];
    time_t t = (time_t)(rec->wall_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
    snprintf(out, n,
             "Message: %s\n"
             "Type: %s\n"
             "ID: %u\n"
             "Level: %s\n"
             "Cluster: %s\n"
             "Server: %s\n"
             "Time: %s.%03u\n",
             rec->text, rec->module, rec->event_id, clp_msgcat_level_name(rec->level), cluster,
             rec->origin, when, (unsigned)(rec->wall_ms % 1000));
}

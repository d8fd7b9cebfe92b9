/*
 * clp_config_fields: the common numeric fields of clp.conf objects (cluster,
 * WebManager, server, group, resource, monitor) as tables, and the value checks
 * every stage uses (numbers, template placeholders, addresses, host names).
 *
 * Each table row names a key relative to the object's element, the int in the
 * model it fills, the default and the allowed range or code set. Applying a
 * table reads each key from the object's flattened params: an absent or empty
 * element gives the default; a template placeholder (__LIKE_THIS__) gives the
 * default with a warning; anything else that is not a number in range is an
 * error naming the element. Rows whose default depends on other values
 * (exec act/timeout, pidw retry, userw interval) use CLP_DEF_PRESET: the caller
 * stores the computed default in the struct first.
 */
#include "clp_config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- value checks ---- */

bool clp_is_placeholder(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    bool letter = false;
    if (n < 5 || strncmp(s, "__", 2) != 0 || strcmp(s + n - 2, "__") != 0) {
        return false;
    }
    for (size_t i = 2; i < n - 2; i++) {
        if (isupper((unsigned char)s[i])) {
            letter = true;
        } else if (!isdigit((unsigned char)s[i]) && s[i] != '_') {
            return false;
        }
    }
    return letter;
}

int clp_parse_long(const char *s, long *out)
{
    if (!s) {
        return -EINVAL;
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    const char *p = s;
    if (*p == '+' || *p == '-') {
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        return -EINVAL;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE) {
        return -EINVAL;
    }
    while (isspace((unsigned char)*end)) {
        end++;
    }
    if (*end) {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

bool clp_is_ip(const char *s, bool allow_prefix)
{
    char buf[64];
    unsigned char addr[16];
    if (!s || strlen(s) >= sizeof(buf)) {
        return false;
    }
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    long plen = -1;
    if (slash) {
        if (!allow_prefix || clp_parse_long(slash + 1, &plen) < 0 || plen < 0 ||
            !isdigit((unsigned char)slash[1])) {
            return false;
        }
        *slash = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1) {
        return plen <= 32;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        return plen <= 128;
    }
    return false;
}

bool clp_is_host(const char *s)
{
    if (!s || !*s) {
        return false;
    }
    if (clp_is_ip(s, false)) {
        return true;
    }
    size_t n = strlen(s), label = 0;
    if (n > 253) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.') {
            if (label == 0 || s[i - 1] == '-') {
                return false;
            }
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_') {
            return false;
        }
        if (label == 0 && ch == '-') {
            return false;
        }
        if (++label > 63) {
            return false;
        }
    }
    return s[n - 1] != '-';
}

static const char *unit_word(const char *unit)
{
    if (!unit || !*unit) {
        return "";
    }
    if (strcmp(unit, "ms") == 0) {
        return " milliseconds";
    }
    if (strcmp(unit, "s") == 0) {
        return " seconds";
    }
    if (strcmp(unit, "%") == 0) {
        return " percent";
    }
    return "";
}

int clp_ld_int_value(clp_ld_t *ld, const char *value, int line, const char *path,
                     const char *meaning, const clp_range_t *rg, int def, int *out)
{
    long v;
    const char *what = meaning ? meaning : "value";
    *out = def;
    if (!value || !*value) {
        return 0;
    }
    if (clp_is_placeholder(value)) {
        clp_ld_diag(ld, CLP_DIAG_WARNING, line, path,
                    "%s: template placeholder %s not substituted; the default %d is used", what,
                    value, def);
        return 0;
    }
    if (clp_parse_long(value, &v) < 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path, "%s: '%s' is not a whole number", what,
                    value);
        return -EINVAL;
    }
    if (rg->n_codes) {
        for (size_t i = 0; i < rg->n_codes; i++) {
            if (rg->codes[i] == v) {
                *out = (int)v;
                return 0;
            }
        }
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                    "%s: %ld is not a valid code; the valid codes are %s", what, v,
                    rg->codes_text);
        return -EINVAL;
    }
    if (v < rg->min || v > rg->max) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, line, path,
                    "%s: %ld is out of range; it must be from %ld to %ld%s", what, v, rg->min,
                    rg->max, unit_word(rg->unit));
        return -EINVAL;
    }
    *out = (int)v;
    return 0;
}

int clp_ld_int(clp_ld_t *ld, const clp_params_t *p, const char *objpath, const char *key,
               const clp_range_t *rg, int def, int *out)
{
    const clp_param_t *pr = clp_params_find(p, key);
    if (!pr) {
        *out = def;
        return 0;
    }
    char *path = clp_ld_printf(ld, "%s/%s", objpath, key);
    int rc = clp_ld_int_value(ld, pr->value, pr->line, path ? path : objpath, NULL, rg, def, out);
    free(path);
    return rc;
}

void clp_ld_fields(clp_ld_t *ld, const clp_params_t *p, const char *objpath, void *base,
                   const clp_field_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int *dst = (int *)((char *)base + f[i].off);
        int def = f[i].def == CLP_DEF_PRESET ? *dst : f[i].def;
        const clp_param_t *pr = clp_params_find(p, f[i].key);
        if (!pr) {
            *dst = def;
            continue;
        }
        char *path = clp_ld_printf(ld, "%s/%s", objpath, f[i].key);
        clp_ld_int_value(ld, pr->value, pr->line, path ? path : objpath, f[i].meaning,
                         &f[i].range, def, dst);
        free(path);
    }
}

/* ---- code sets ---- */

static const int act_codes[] = {0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
static const int deact_codes[] = {0, 1, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15};
static const int mon_codes[] = {1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const int rscto_codes[] = {0, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15};
static const int pm_codes[] = {2, 3, 5, 6, 7, 8, 9, 10, 11, 12};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RANGE(lo, hi, u) {(lo), (hi), NULL, 0, NULL, (u)}
#define CODES(a, text) {0, 0, (a), N(a), (text), ""}
#define BOOL01 RANGE(0, 1, "")
#define PORT RANGE(1, 65535, "")

/* ---- tables ---- */

#define CF(key, field, def, rg, meaning) {key, offsetof(clp_cluster_t, field), def, rg, meaning}

const clp_field_t clp_cluster_fields[] = {
    CF("cluster/heartbeat/interval", hb_interval_ms, 3000, RANGE(50, 600000, "ms"),
       "heartbeat interval"),
    CF("cluster/heartbeat/timeout", hb_timeout_ms, 90000, RANGE(150, 9999000, "ms"),
       "heartbeat timeout"),
    CF("cluster/heartbeat/delaywarning", hb_delay_warning, 80, RANGE(0, 100, "%"),
       "delay warning rate"),
    CF("cluster/monitor/delaywarning", mon_delay_warning, CLP_DEF_PRESET, RANGE(0, 100, "%"),
       "monitor delay warning rate"),
    CF("cluster/timeout/syncwait", syncwait_s, 300, RANGE(0, 99999, "s"), "server sync wait time"),
    CF("cluster/timeout/internal", internal_timeout_s, 180, RANGE(1, 9999, "s"),
       "internal communication timeout"),
    CF("cluster/port/internal", ports.internal, 29001, PORT, "internal communication port"),
    CF("cluster/port/datatrans", ports.datatrans, 29002, PORT, "data transfer port"),
    CF("cluster/port/heartbeat", ports.heartbeat, 29002, PORT, "heartbeat port"),
    CF("cluster/port/alertsync", ports.alertsync, 29003, PORT, "alert sync port"),
    CF("cluster/port/webmgr", ports.webmgr, 29003, PORT, "WebManager port"),
    CF("cluster/port/api", ports.api, 29009, PORT, "REST API port"),
    CF("cluster/networkpartition/npaction", npaction, 2, RANGE(0, 11, ""),
       "action at network partition"),
    CF("cluster/rsctimeout/rsctoaction", rsctoaction, 2, CODES(rscto_codes, "0, 2, 3, 8-15"),
       "action at activation/deactivation stall"),
    CF("pm/exec0/recover", pm_recover, 2, CODES(pm_codes, "2, 3, 5-12"),
       "action at cluster service process failure"),
    CF("cluster/messages/use", messages_use, 0, BOOL01, "alert service"),
    CF("cluster/syslog/format/level", syslog_level, 1, BOOL01, "syslog level prefix"),
    CF("rm/errordetect/norecovery", rm_norecovery, 0, BOOL01,
       "disable recovery at monitor error"),
    CF("cluster/survive/monitor", survive_monitor, 0, BOOL01,
       "suppress an OS-stopping final action of a monitor when no other server runs normally"),
    CF("rc/errordetect/rscact/norecovery", rc_act_norecovery, 0, BOOL01,
       "disable recovery at activation failure"),
    CF("rc/errordetect/rscdeact/norecovery", rc_deact_norecovery, 0, BOOL01,
       "disable recovery at deactivation failure"),
    CF("webalert/use", webalert_use, 1, BOOL01, "alert log"),
    CF("webalert/main/alertlog/maxrecordcount", alertlog_max, 10000, RANGE(1, 99999999, ""),
       "alert log record count"),
    CF("cluster/reboot/max", max_reboot, 0, RANGE(0, 9999, ""), "maximum reboot count"),
    CF("cluster/rexec/allowany", rexec_allow_any, 1, BOOL01, "accept clprexec from any host"),
    CF("cluster/forcestop/use", forcestop_use, 0, BOOL01, "forced stop of a lost server"),
    CF("cluster/forcestop/action", forcestop_action, 0, RANGE(0, 3, ""),
       "forced stop action (0 power off, 1 power cycle, 2 reset, 3 NMI)"),
    CF("cluster/forcestop/timeout", forcestop_timeout_s, 30, RANGE(1, 999, "s"),
       "forced stop timeout"),
};
const size_t clp_n_cluster_fields = N(clp_cluster_fields);

#define WF(key, field, def, rg, meaning) {key, offsetof(clp_webmgr_t, field), def, rg, meaning}

const clp_field_t clp_webmgr_fields[] = {
    WF("webmgr/security/clientlist/iprest", iprest, 0, BOOL01, "client IP restriction"),
    WF("rstd/use", api_use, 0, BOOL01, "REST API service"),
};
const size_t clp_n_webmgr_fields = N(clp_webmgr_fields);

#define SF(key, field, def, rg, meaning) {key, offsetof(clp_server_t, field), def, rg, meaning}

const clp_field_t clp_server_fields[] = {
    SF("priority", priority, CLP_DEF_PRESET, RANGE(0, CLP_MAX_SERVERS - 1, ""), "server priority"),
    SF("survive", survive, 0, BOOL01, "survive flag"),
    SF("bmc/port", bmc_port, 623, PORT, "BMC port"),
    SF("bmc/cipher", bmc_cipher, -1, RANGE(0, 17, ""), "BMC cipher suite"),
};
const size_t clp_n_server_fields = N(clp_server_fields);

#define GF(key, field, def, rg, meaning) {key, offsetof(clp_group_t, field), def, rg, meaning}

const clp_field_t clp_group_fields[] = {
    GF("gid", gid, CLP_DEF_PRESET, RANGE(0, 99999, ""), "group id"),
    GF("start", start_auto, 1, BOOL01, "startup attribute"),
    GF("failover", failover_auto, 1, BOOL01, "failover attribute"),
    GF("failback", failback_auto, 0, BOOL01, "failback attribute"),
    GF("exclusive", exclusive, CLP_EXCL_OFF, RANGE(0, 2, ""), "failover exclusive attribute"),
    GF("depend/act/timeout", act_dep_timeout_s, 1800, RANGE(0, 99999, "s"),
       "start dependency wait timeout"),
    GF("depend/deact/timeout", deact_dep_timeout_s, 1800, RANGE(0, 99999, "s"),
       "stop dependency wait timeout"),
    GF("depend/deact/cluster/use", deact_wait_cluster, 1, BOOL01,
       "wait for dependent groups at cluster stop"),
    GF("depend/deact/server/use", deact_wait_server, 0, BOOL01,
       "wait for dependent groups at server stop"),
    GF("depend/deact/other/use", deact_wait_group, 0, BOOL01,
       "wait for dependent groups at group stop"),
    GF("servergroup/use", servergroup_use, 0, BOOL01, "prefer the current server group"),
    GF("servergroup/across", servergroup_across, 1, BOOL01, "fail over across server groups"),
};
const size_t clp_n_group_fields = N(clp_group_fields);

#define RF(key, field, def, rg, meaning) {key, offsetof(clp_resource_t, field), def, rg, meaning}

const clp_field_t clp_resource_fields[] = {
    RF("act/retry", act_retry, 0, RANGE(0, 99, ""), "activation retry count"),
    RF("act/fo", act_fo, 1, RANGE(0, 99, ""), "failover threshold"),
    RF("act/action", act_action, 1, CODES(act_codes, "0-5, 8-15"),
       "final action at activation failure"),
    RF("act/timeout", act_timeout_s, CLP_DEF_PRESET, RANGE(1, 99999, "s"), "activation timeout"),
    RF("deact/retry", deact_retry, 0, RANGE(0, 99, ""), "deactivation retry count"),
    RF("deact/action", deact_action, 4, CODES(deact_codes, "0, 1, 4, 5, 8-15"),
       "final action at deactivation failure"),
    RF("deact/timeout", deact_timeout_s, CLP_DEF_PRESET, RANGE(1, 99999, "s"),
       "deactivation timeout"),
};
const size_t clp_n_resource_fields = N(clp_resource_fields);

#define MF(key, field, def, rg, meaning) {key, offsetof(clp_monitor_t, field), def, rg, meaning}

const clp_field_t clp_monitor_fields[] = {
    MF("polling/interval", interval_s, CLP_DEF_PRESET, RANGE(1, 999999, "s"),
       "monitor interval"),
    MF("polling/timeout", timeout_s, CLP_DEF_PRESET, RANGE(1, 999999, "s"), "monitor timeout"),
    MF("polling/reconfirmation", retry, CLP_DEF_PRESET, RANGE(0, 999, ""), "retry count"),
    MF("polling/timing", timing, CLP_DEF_PRESET, RANGE(0, 1, ""), "monitor timing"),
    MF("firstmonwait", firstmonwait_s, 0, RANGE(0, 9999, "s"), "wait time to start monitoring"),
    MF("emergency/threshold/restart", th_restart, 3, RANGE(0, 99, ""),
       "maximum reactivation count"),
    MF("emergency/threshold/fo", th_fo, 1, RANGE(0, 99, ""), "maximum failover count"),
    MF("emergency/threshold/script", th_script, 0, RANGE(0, 99, ""),
       "recovery script execution count"),
    MF("emergency/action", action, 1, CODES(mon_codes, "1-5, 8-16"), "final action"),
    MF("emergency/preaction/use", preaction_use, 0, BOOL01,
       "execute script before final action"),
    MF("emergency/preaction/userestart", preaction_restart, 0, BOOL01,
       "execute script before reactivation"),
    MF("emergency/preaction/usefailover", preaction_failover, 0, BOOL01,
       "execute script before failover"),
    MF("emergency/preaction/timeout", preaction_timeout_s, 5, RANGE(1, 9999, "s"),
       "recovery script timeout"),
    MF("emergency/timeout/notreconfirmation/use", timeout_noretry, 1, BOOL01,
       "do not retry at timeout"),
    MF("emergency/timeout/notrecovery/use", timeout_norecovery, 1, BOOL01,
       "do not recover at timeout"),
    MF("emergency/dumpcollect/use", dumpcollect, 0, BOOL01, "dump collection at timeout"),
};
const size_t clp_n_monitor_fields = N(clp_monitor_fields);

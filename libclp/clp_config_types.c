/*
 * clp_config_types: the one table of resource, monitor, heartbeat and
 * network-partition types, and the check of an object's parameters against
 * its row.
 *
 * Every type the original product lists has a row, with this product's
 * support flag: unsupported types are still loaded and kept (the validator
 * reports them once), so a configuration written for the original never loses
 * anything. A row lists the type's own keys (relative to the object element)
 * with their kind, documented default and range; keys the table does not know
 * are kept without a check, because the original writes many keys this
 * product does not read. Defaults and ranges come from the reference (section
 * 4) and NEC's clpcfset documentation; keys marked [U] in docs/config-reference.md
 * are this product's choice. Adding a type is one row here.
 */
#include "clp_config_int.h"

#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define P_STR(k, def, m) {k, CLP_PT_STR, def, 0, 0, NULL, false, m}
#define P_REQ(k, kind, m) {k, kind, NULL, 0, 0, NULL, true, m}
#define P_INT(k, def, lo, hi, m) {k, CLP_PT_INT, def, lo, hi, NULL, false, m}
#define P_BOOL(k, def, m) {k, CLP_PT_INT, def, 0, 1, NULL, false, m}
#define P_ENUM(k, def, ch, m) {k, CLP_PT_ENUM, def, 0, 0, ch, false, m}
#define P_IP(k, m) {k, CLP_PT_IP, NULL, 0, 0, NULL, false, m}
#define P_HOST(k, def, m) {k, CLP_PT_HOST, def, 0, 0, NULL, false, m}
#define P_PATH(k, def, m) {k, CLP_PT_PATH, def, 0, 0, NULL, false, m}

/* ---- resources ---- */

static const clp_type_param_t fip_params[] = {
    P_REQ("parameters/ip", CLP_PT_IP, "floating IP address"),
};

static const clp_type_param_t vip_params[] = {
    P_REQ("parameters/ip", CLP_PT_IP, "virtual IP address"),
    P_INT("parameters/netmask", "24", 1, 128, "prefix length"),
    P_STR("parameters/nic", NULL, "network interface"),
};

static const clp_type_param_t disk_params[] = {
    P_ENUM("parameters/disktype", "disk", "disk|raw|lvm|vxvm", "disk type"),
    P_ENUM("parameters/fs", NULL, "ext2|ext3|ext4|xfs|reiserfs|vxfs|zfs|none", "file system"),
    P_REQ("parameters/device", CLP_PT_PATH, "device name"),
    P_PATH("parameters/rawdevice", NULL, "raw device name"),
    P_PATH("parameters/mount/point", NULL, "mount point"),
    P_STR("parameters/mount/option", "rw", "mount option"),
    P_INT("parameters/mount/timeout", "180", 1, 999, "mount timeout (s)"),
    P_INT("parameters/mount/retry", "3", 0, 999, "mount retry count"),
    P_BOOL("parameters/mount/action", "1", "fsck when mount fails"),
    P_BOOL("parameters/mount/xfsaction", "0", "xfs_repair when mount fails"),
    P_INT("parameters/umount/timeout", "120", 1, 999, "unmount timeout (s)"),
    P_INT("parameters/umount/retry", "3", 0, 999, "unmount retry count"),
    P_INT("parameters/umount/interval", "5", 0, 999, "unmount retry interval (s)"),
    P_ENUM("parameters/umount/action", "kill", "kill|none", "forced action at unmount failure"),
    P_STR("parameters/fsck/option", "-y", "fsck option"),
    P_INT("parameters/fsck/timeout", "7200", 1, 9999, "fsck timeout (s)"),
    P_INT("parameters/fsck/timing", "2", 0, 2, "fsck before mount (0 never, 1 always, 2 every N)"),
    P_INT("parameters/fsck/interval", "10", 0, 999, "mounts between fsck runs"),
    P_BOOL("parameters/fsck/fixopt", "0", "rebuild reiserfs"),
    P_STR("parameters/fsck/xfsoption", "", "xfs_repair option"),
    P_INT("parameters/fsck/xfstimeout", "7200", 1, 9999, "xfs_repair timeout (s)"),
};

static const clp_type_param_t exec_params[] = {
    P_REQ("parameters/act/path", CLP_PT_PATH, "start script path"),
    P_PATH("parameters/deact/path", NULL, "stop script path"),
    P_INT("parameters/timeout/start", "1800", 1, 9999, "start script timeout (s)"),
    P_INT("parameters/timeout/stop", "1800", 1, 9999, "stop script timeout (s)"),
    P_BOOL("parameters/act/sync", "1", "start script synchronous"),
    P_BOOL("parameters/deact/sync", "1", "stop script synchronous"),
    P_BOOL("parameters/act/postrunothers", "0", "run start script on standby servers"),
    P_BOOL("parameters/deact/prerunothers", "0", "run stop script on standby servers"),
    P_INT("parameters/timeout/startothers", "1800", 1, 9999, "standby start script timeout (s)"),
    P_INT("parameters/timeout/stopothers", "1800", 1, 9999, "standby stop script timeout (s)"),
    P_PATH("parameters/userlog", NULL, "script log file"),
    P_BOOL("parameters/logrotate/use", "0", "rotate the script log"),
    P_INT("parameters/logrotate/size", "1000000", 1, 999999999, "rotation size (bytes)"),
};

static const clp_type_param_t volmgr_params[] = {
    P_ENUM("parameters/type", "lvm", "lvm|vxvm", "volume manager"),
    P_REQ("parameters/devname", CLP_PT_STR, "volume group name"),
};

static const clp_type_param_t nas_params[] = {
    P_REQ("parameters/server", CLP_PT_HOST, "NFS server"),
    P_REQ("parameters/share", CLP_PT_STR, "shared path on the server"),
    P_REQ("parameters/mount/point", CLP_PT_PATH, "mount point"),
    P_STR("parameters/fs", "nfs", "file system"),
    P_STR("parameters/mount/option", "rw", "mount option"),
    P_INT("parameters/mount/timeout", "60", 1, 999, "mount timeout (s)"),
    P_INT("parameters/mount/retry", "3", 0, 999, "mount retry count"),
    P_INT("parameters/umount/timeout", "60", 1, 999, "unmount timeout (s)"),
    P_INT("parameters/umount/retry", "3", 0, 999, "unmount retry count"),
    P_ENUM("parameters/umount/action", "kill", "kill|none", "forced action at unmount failure"),
};

static const clp_type_param_t ddns_params[] = {
    P_REQ("parameters/hostname", CLP_PT_HOST, "virtual host name"),
    P_REQ("parameters/ip", CLP_PT_IP, "IP address registered for the name"),
    P_REQ("parameters/server", CLP_PT_IP, "DNS server address"),
    P_INT("parameters/port", "53", 1, 65535, "DNS server port"),
    P_INT("parameters/ttl", "0", 0, 2147483647, "record TTL (s)"),
    P_PATH("parameters/keyfile", NULL, "TSIG key file"),
};

/* ---- monitors ---- */

static const clp_type_param_t userw_params[] = {
    P_BOOL("parameters/usehb", "1", "use the heartbeat interval and timeout"),
    P_ENUM("parameters/method", "keepalive", "keepalive|softdog|ipmi", "monitor method"),
    P_ENUM("parameters/action", "RESET", "RESET|PANIC|NMI", "action at timeout"),
    P_BOOL("parameters/repopen", "0", "open/close a dummy file"),
    P_BOOL("parameters/repwrite", "0", "write to the dummy file"),
    P_INT("parameters/writesize", "10000", 1, 9999999, "write size (bytes)"),
    P_BOOL("parameters/mkthread", "0", "create a dummy thread"),
};

static const clp_type_param_t genw_params[] = {
    P_REQ("parameters/path", CLP_PT_PATH, "monitor script path"),
    P_BOOL("parameters/sync", "1", "synchronous script"),
    P_INT("parameters/waitmonstart", "0", 0, 9999, "wait before monitoring an async script (s)"),
    P_PATH("parameters/userlog", NULL, "script log file"),
    P_BOOL("parameters/logrotate/use", "0", "rotate the script log"),
    P_INT("parameters/logrotate/size", "1000000", 1, 999999999, "rotation size (bytes)"),
    P_INT("parameters/normalval", "0", -2147483647, 2147483647, "normal return value"),
    P_BOOL("parameters/waitstop", "0", "wait for the monitor to stop at cluster stop"),
};

static const clp_type_param_t ipw_params[] = {
    P_IP("parameters/list@*/ip", "address to ping"),
};

static const clp_type_param_t fipw_params[] = {
    P_BOOL("parameters/monmii", "0", "also monitor NIC link up/down"),
};

static const clp_type_param_t miiw_params[] = {
    P_REQ("parameters/object", CLP_PT_STR, "network interface name"),
};

static const clp_type_param_t diskw_params[] = {
    P_REQ("parameters/object", CLP_PT_PATH, "disk device or file"),
    P_ENUM("parameters/method", "READ", "READ|READ(O_DIRECT)|READ(RAW)|READ(VxVM)|WRITE(FILE)|TUR",
           "monitor method"),
    P_INT("parameters/size", "2000000", 1, 99999999, "I/O size (bytes)"),
};

static const clp_type_param_t mtw_params[] = {
    P_STR("parameters/object@*/name", NULL, "monitors watched together"),
};

static const clp_type_param_t volmgrw_params[] = {
    P_ENUM("parameters/type", "lvm", "lvm|vxvm", "volume manager"),
    P_REQ("parameters/devname", CLP_PT_STR, "volume group name"),
};

static const clp_type_param_t psw_params[] = {
    P_REQ("parameters/processname", CLP_PT_STR, "process name"),
    P_INT("parameters/processnum", "1", 1, 999, "minimum number of processes"),
};

static const clp_type_param_t httpw_params[] = {
    P_HOST("parameters/servername", "localhost", "web server"),
    P_INT("parameters/port", "80", 1, 65535, "port"),
    P_STR("parameters/requesturi", "/", "request URI"),
    P_BOOL("parameters/https", "0", "use HTTPS"),
    P_BOOL("parameters/requesttype", "0", "request type (0 HEAD, 1 GET)"),
    P_STR("parameters/username", NULL, "user name"),
    P_STR("parameters/password", NULL, "password (encrypted)"),
};

#define DB_PARAMS(port, user, table)                                                               \
    P_ENUM("parameters/docreatedrop", "0", "0|1|3", "monitor level (3 select, 0 update, 1 "        \
                                                    "create/drop)"),                               \
        P_REQ("parameters/database", CLP_PT_STR, "database name"),                                 \
        P_HOST("parameters/ipaddress", "127.0.0.1", "database server address"),                    \
        P_INT("parameters/port", port, 1, 65535, "database port"),                                 \
        P_STR("parameters/username", user, "user name"),                                           \
        P_STR("parameters/password", NULL, "password (encrypted)"),                                \
        P_STR("parameters/table", table, "monitor table"),                                         \
        P_PATH("parameters/libraryfullpath", NULL, "client library path")

static const clp_type_param_t psqlw_params[] = {
    DB_PARAMS("5432", "postgres", "psqlwatch"),
};

static const clp_type_param_t mysqlw_params[] = {
    DB_PARAMS("3306", NULL, "mysqlwatch"),
    P_STR("parameters/engine", "InnoDB", "storage engine"),
};

static const clp_type_param_t sambaw_params[] = {
    P_REQ("parameters/share", CLP_PT_STR, "share name"),
    P_HOST("parameters/ipaddress", "127.0.0.1", "Samba server address"),
    P_INT("parameters/port", "139", 1, 65535, "port"),
    P_STR("parameters/username", NULL, "user name"),
    P_STR("parameters/password", NULL, "password"),
};

static const clp_type_param_t nfsw_params[] = {
    P_REQ("parameters/share", CLP_PT_PATH, "exported directory"),
    P_HOST("parameters/nfsserver", "127.0.0.1", "NFS server address"),
    P_ENUM("parameters/version", "v4", "v2|v3|v4", "NFS version"),
};

static const clp_type_param_t mrw_params[] = {
    P_REQ("parameters/category", CLP_PT_STR, "category of external errors"),
    P_STR("parameters/keyword", NULL, "keyword of external errors"),
};

static const clp_type_param_t oraclew_params[] = {
    P_ENUM("parameters/monmethod", "0", "0|1|2", "method (0 listener and instance, 1 listener, "
                                                  "2 instance)"),
    P_ENUM("parameters/docreatedrop", "0", "0|1|2|3", "monitor level"),
    P_STR("parameters/connectstr", NULL, "connect string"),
    P_STR("parameters/username", "sys", "user name"),
    P_STR("parameters/password", NULL, "password (encrypted)"),
    P_ENUM("parameters/auth", "SYSDBA", "SYSDBA|DEFAULT", "authority"),
    P_STR("parameters/table", "orawatch", "monitor table"),
    P_PATH("parameters/libraryfullpath", NULL, "client library path"),
    P_BOOL("parameters/ignoreuse", "0", "treat initialising/shutting down as an error"),
    P_BOOL("emergency/infocollect/use", "0", "collect application information at failure"),
    P_INT("emergency/infocollect/timeout", "600", 1, 9999, "collection timeout (s)"),
};

/* ---- heartbeats and NP ---- */

static const clp_type_param_t witnesshb_params[] = {
    P_HOST("host", NULL, "witness server"),
    P_INT("port", "80", 1, 65535, "witness server port"),
};

static const clp_type_param_t pingnp_params[] = {
    P_INT("parameters/interval", "5", 1, 999, "ping interval (s)"),
    P_INT("parameters/timeout", "3", 1, 999, "ping timeout (s)"),
    P_INT("parameters/retry", "3", 0, 999, "ping retry count"),
};

static const clp_type_param_t httpnp_params[] = {
    P_REQ("host", CLP_PT_HOST, "witness HTTP server"),
    P_INT("port", "80", 1, 65535, "witness HTTP server port"),
    P_INT("parameters/interval", "5", 1, 999, "request interval (s)"),
    P_INT("parameters/timeout", "20", 1, 999, "request timeout (s)"),
};

static const clp_type_param_t disknp_params[] = {
    P_INT("parameters/interval", "3", 1, 999, "lock check interval (s)"),
};

/* ---- the table ---- */

#define RSC(name, desc, sup, flags, act, deact, params)                                           \
    {CLP_OBJ_RESOURCE, name, desc, sup, flags, act, deact, 0, params, N(params)}
#define RSC0(name, desc, flags) {CLP_OBJ_RESOURCE, name, desc, false, flags, 180, 180, 0, NULL, 0}
#define MON(name, desc, sup, flags, retry, params)                                                 \
    {CLP_OBJ_MONITOR, name, desc, sup, flags, 0, 0, retry, params, N(params)}
#define MONP(name, desc, flags, retry)                                                             \
    {CLP_OBJ_MONITOR, name, desc, true, flags, 0, 0, retry, NULL, 0}
#define MON0(name, desc, flags) {CLP_OBJ_MONITOR, name, desc, false, flags, 0, 0, 1, NULL, 0}
#define HB(name, desc, sup, flags) {CLP_OBJ_HB, name, desc, sup, flags, 0, 0, 0, NULL, 0}
#define HBP(name, desc, sup, flags, params)                                                        \
    {CLP_OBJ_HB, name, desc, sup, flags, 0, 0, 0, params, N(params)}
#define NP(name, desc, sup, flags, params)                                                         \
    {CLP_OBJ_NP, name, desc, sup, flags, 0, 0, 0, params, N(params)}
#define NP0(name, desc, sup, flags) {CLP_OBJ_NP, name, desc, sup, flags, 0, 0, 0, NULL, 0}

static const clp_type_info_t types[] = {
    RSC("fip", "floating IP", true, 0, 180, 180, fip_params),
    RSC("vip", "virtual IP", true, 0, 180, 180, vip_params),
    RSC("disk", "disk", true, 0, 1800, 1800, disk_params),
    RSC("exec", "EXEC", true, 0, 1980, 1980, exec_params),
    RSC("volmgr", "volume manager", true, 0, 1800, 1800, volmgr_params),
    RSC("nas", "NAS", true, 0, 1800, 1800, nas_params),
    RSC("ddns", "dynamic DNS", true, 0, 180, 180, ddns_params),
    RSC0("md", "mirror disk", 0),
    RSC0("hd", "hybrid disk", 0),
    RSC0("vm", "virtual machine", 0),
    RSC0("awsvip", "AWS virtual IP", 0),
    RSC0("awseip", "AWS elastic IP", 0),
    RSC0("awsdns", "AWS DNS", 0),
    RSC0("azurepp", "Azure probe port", 0),
    RSC0("azuredns", "Azure DNS", 0),
    RSC0("sd", "shared disk (Windows)", CLP_TYPE_WINDOWS),
    RSC0("script", "script (Windows)", CLP_TYPE_WINDOWS),
    RSC0("appli", "application (Windows)", CLP_TYPE_WINDOWS),
    RSC0("service", "service (Windows)", CLP_TYPE_WINDOWS),

    MON("userw", "user mode monitor", true, 0, 1, userw_params),
    MONP("pidw", "PID monitor", CLP_TYPE_BOUND, 0),
    MON("genw", "custom monitor", true, 0, 1, genw_params),
    MON("ipw", "IP monitor", true, 0, 1, ipw_params),
    MON("fipw", "floating IP monitor", true, CLP_TYPE_BOUND, 1, fipw_params),
    MONP("vipw", "virtual IP monitor", CLP_TYPE_BOUND, 1),
    MON("miiw", "NIC link up/down monitor", true, 0, 1, miiw_params),
    MON("diskw", "disk monitor", true, 0, 1, diskw_params),
    MON("mtw", "multi target monitor", true, 0, 1, mtw_params),
    MON("volmgrw", "volume manager monitor", true, CLP_TYPE_BOUND, 1, volmgrw_params),
    MONP("ddnsw", "dynamic DNS monitor", CLP_TYPE_BOUND, 1),
    MON("psw", "process name monitor", true, 0, 1, psw_params),
    MON("httpw", "HTTP monitor", true, 0, 1, httpw_params),
    MON("psqlw", "PostgreSQL monitor", true, 0, 1, psqlw_params),
    MON("mysqlw", "MySQL monitor", true, 0, 1, mysqlw_params),
    MON("sambaw", "Samba monitor", true, 0, 1, sambaw_params),
    MON("nfsw", "NFS monitor", true, 0, 1, nfsw_params),
    MON("mrw", "message receive monitor", true, 0, 1, mrw_params),
    MON("oraclew", "Oracle monitor", true, 0, 1, oraclew_params),
    MON0("mdw", "mirror disk monitor", 0),
    MON0("mdnw", "mirror disk connect monitor", 0),
    MON0("hdw", "hybrid disk monitor", 0),
    MON0("hdnw", "hybrid disk connect monitor", 0),
    MON0("vmw", "virtual machine monitor", CLP_TYPE_BOUND),
    MON0("bmcw", "BMC monitor", 0),
    MON0("osmw", "Oracle Clusterware monitor", 0),
    MON0("db2w", "DB2 monitor", 0),
    MON0("odbcw", "ODBC monitor", 0),
    MON0("sqlserverw", "SQL Server monitor", 0),
    MON0("sybasew", "Sybase monitor", 0),
    MON0("ftpw", "FTP monitor", 0),
    MON0("smtpw", "SMTP monitor", 0),
    MON0("awsvipw", "AWS virtual IP monitor", CLP_TYPE_BOUND),
    MON0("awseipw", "AWS elastic IP monitor", CLP_TYPE_BOUND),
    MON0("awsdnsw", "AWS DNS monitor", CLP_TYPE_BOUND),
    MON0("awsazw", "AWS AZ monitor", 0),
    MON0("azureppw", "Azure probe port monitor", CLP_TYPE_BOUND),
    MON0("azurelbw", "Azure load balancer monitor", 0),
    MON0("azurednsw", "Azure DNS monitor", CLP_TYPE_BOUND),
    MON0("sdw", "shared disk monitor (Windows)", CLP_TYPE_WINDOWS),

    HB("lanhb", "LAN heartbeat", true, CLP_TYPE_LAN),
    HB("lankhb", "kernel-mode LAN heartbeat", true, CLP_TYPE_LAN),
    HB("diskhb", "disk heartbeat", true, 0),
    HB("comhb", "COM heartbeat", true, 0),
    HB("bmchb", "BMC heartbeat", false, 0),
    HBP("witnesshb", "witness heartbeat", false, 0, witnesshb_params),

    NP("pingnp", "ping network partition resolution", true, 0, pingnp_params),
    NP("httpnp", "HTTP network partition resolution", true, 0, httpnp_params),
    NP0("majority", "majority network partition resolution", true, CLP_TYPE_NODEV),
    NP("disknp", "disk network partition resolution", true, 0, disknp_params),
};

const clp_type_info_t *clp_conf_types(size_t *n)
{
    if (n) {
        *n = N(types);
    }
    return types;
}

const clp_type_info_t *clp_conf_type_info(clp_obj_kind_t kind, const char *type)
{
    for (size_t i = 0; type && i < N(types); i++) {
        if (types[i].kind == kind && strcmp(types[i].name, type) == 0) {
            return &types[i];
        }
    }
    return NULL;
}

bool clp_key_match(const char *pat, const char *key)
{
    while (*pat && *key) {
        if (pat[0] == '@' && pat[1] == '*') {
            if (*key != '@') {
                return false;
            }
            key++;
            while (*key && *key != '/') {
                key++;
            }
            pat += 2;
            continue;
        }
        if (*pat != *key) {
            return false;
        }
        pat++;
        key++;
    }
    return *pat == '\0' && *key == '\0';
}

const clp_type_param_t *clp_conf_type_param(const clp_type_info_t *t, const char *key)
{
    for (size_t i = 0; t && key && i < t->n_params; i++) {
        if (clp_key_match(t->params[i].key, key)) {
            return &t->params[i];
        }
    }
    return NULL;
}

static bool choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);
        if (k == n && strncmp(p, v, n) == 0) {
            return true;
        }
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

static void check_value(clp_ld_t *ld, const clp_type_info_t *t, const char *objname,
                        const clp_type_param_t *tp, const clp_param_t *pr, const char *path)
{
    const char *v = pr->value;
    if (!*v || tp->kind == CLP_PT_STR || tp->kind == CLP_PT_PATH) {
        return;
    }
    if (tp->kind == CLP_PT_INT) {
        clp_range_t rg = {tp->min, tp->max, NULL, 0, NULL, ""};
        long def = 0;
        int out;
        if (!tp->def || clp_parse_long(tp->def, &def) < 0) {
            def = tp->min;
        }
        clp_ld_int_value(ld, v, pr->line, path, tp->meaning, &rg, (int)def, &out);
        return;
    }
    if (clp_is_placeholder(v)) {
        clp_ld_diag(ld, CLP_DIAG_WARNING, pr->line, path,
                    "%s: template placeholder %s not substituted; the default %s is used",
                    tp->meaning, v, tp->def ? tp->def : "(none)");
        return;
    }
    switch (tp->kind) {
    case CLP_PT_ENUM:
        if (!choice_ok(tp->choices, v)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, pr->line, path, "%s %s: %s '%s' must be one of %s",
                        t->name, objname, tp->meaning, v, tp->choices);
        }
        break;
    case CLP_PT_IP:
        if (!clp_is_ip(v, true)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, pr->line, path,
                        "%s %s: %s '%s' is not a valid IPv4 or IPv6 address", t->name, objname,
                        tp->meaning, v);
        }
        break;
    case CLP_PT_HOST:
        if (!clp_is_host(v)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, pr->line, path,
                        "%s %s: %s '%s' is neither an IP address nor a valid host name", t->name,
                        objname, tp->meaning, v);
        }
        break;
    default:
        break;
    }
}

/* key without a leading "server@<name>/" (per-server value of a monitor). */
static const char *strip_server(const char *key)
{
    if (strncmp(key, "server@", 7) == 0) {
        const char *slash = strchr(key, '/');
        return slash ? slash + 1 : key;
    }
    return key;
}

static void check_values(clp_ld_t *ld, const clp_type_info_t *t, const char *objname,
                         const clp_params_t *p, const char *objpath)
{
    for (size_t i = 0; i < p->n && !ld->oom; i++) {
        const clp_type_param_t *tp = clp_conf_type_param(t, strip_server(p->v[i].key));
        if (!tp) {
            continue;
        }
        char *path = clp_ld_printf(ld, "%s/%s", objpath, p->v[i].key);
        check_value(ld, t, objname, tp, &p->v[i], path ? path : objpath);
        free(path);
    }
}

static bool is_set(const clp_params_t *p, const char *pat)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].value[0] && clp_key_match(pat, strip_server(p->v[i].key))) {
            return true;
        }
    }
    return false;
}

void clp_config_check_type(clp_ld_t *ld, const clp_type_info_t *t, const char *objname,
                           const clp_params_t *p, const clp_server_override_t *ov, size_t n_ov,
                           const char *objpath, int objline)
{
    if (!t) {
        return;
    }
    check_values(ld, t, objname, p, objpath);
    for (size_t i = 0; i < n_ov; i++) {
        char *path = clp_ld_printf(ld, "%s/server@%s", objpath, ov[i].server);
        check_values(ld, t, objname, &ov[i].params, path ? path : objpath);
        free(path);
    }
    for (size_t k = 0; k < t->n_params; k++) {
        const clp_type_param_t *tp = &t->params[k];
        if (!tp->required || is_set(p, tp->key)) {
            continue;
        }
        bool in_override = false;
        for (size_t i = 0; i < n_ov && !in_override; i++) {
            in_override = is_set(&ov[i].params, tp->key);
        }
        if (in_override) {
            continue;
        }
        char *path = clp_ld_printf(ld, "%s/%s", objpath, tp->key);
        clp_ld_diag(ld, CLP_DIAG_ERROR, objline, path ? path : objpath,
                    "%s %s: the %s (%s) is not set; it is required", t->name, objname,
                    tp->meaning, tp->key);
        free(path);
    }
}

/*
 * clp_config: clp.conf (the original product's XML element tree) loaded into a
 * typed model, with the documented defaults, validated as a whole.
 *
 * clp_conf_load parses the file with libxml2, fills the model, applies
 * defaults, then validates the whole model. Every problem becomes one
 * clp_diag_item (file, line, element path, a sentence a sysadmin understands).
 * Errors make the load fail: a config with any error is refused whole, and the
 * caller keeps whatever it ran before. Elements of the original product that
 * this product does not implement are kept (their values stay in the params
 * lists and the raw file is kept byte for byte) and reported once each as
 * CLP_DIAG_UNSUPPORTED; they are never silently dropped.
 *
 * Element paths use the original's notation: "elem@value" is <elem name="value">
 * (or id="value" for device, list, grp, servers, netdev, hba, smtpsrv, snmpsrv).
 * Type-specific parameters of resources, monitors, heartbeats and NP resources
 * are kept as flattened key/value pairs relative to the object's element
 * (e.g. "parameters/act/path") and read through clp_params_*; the per-type
 * table in clp_config_types.c knows each type's keys, ranges and defaults and
 * validates them.
 *
 * Times: heartbeat interval/timeout are milliseconds as in clp.conf; every other
 * time in the model is in seconds, as in clp.conf.
 */
#ifndef CLP_CONFIG_H
#define CLP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CLP_NAME_MAX 64
#define CLP_TYPE_MAX 24

/* ---- diagnostics ---- */

typedef enum {
    CLP_DIAG_ERROR,
    CLP_DIAG_WARNING,
    CLP_DIAG_UNSUPPORTED,
} clp_diag_kind_t;

typedef struct {
    clp_diag_kind_t kind;
    char *file;    /* path of the file as given to the loader */
    int line;      /* 1-based, 0 when unknown */
    char *path;    /* element path, e.g. /root/group@failover1/policy@srv9 */
    char *message; /* one sentence */
} clp_diag_item_t;

typedef struct {
    clp_diag_item_t *items;
    size_t n, cap;
    size_t n_errors;
} clp_diag_t;

/* Frees the items; the struct itself may be on the stack. */
void clp_diag_free(clp_diag_t *d);
/* Prints "file:line: error: path: message" per item. Returns the number printed. */
int clp_diag_print(FILE *out, const clp_diag_t *d);

/* Appends one item (the strings are copied; fmt is printf-style and makes the
 * message). Counts errors in d->n_errors. Returns 0 or -ENOMEM (d unchanged). */
int clp_diag_add(clp_diag_t *d, clp_diag_kind_t kind, const char *file, int line,
                 const char *path, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* "error", "warning" or "not supported". */
const char *clp_diag_kind_name(clp_diag_kind_t kind);
/* Number of items of one kind. */
size_t clp_diag_count(const clp_diag_t *d, clp_diag_kind_t kind);
/* Writes the items as one JSON object: {"file", "valid", "errors", "warnings",
 * "unsupported", "diagnostics": [{"kind","file","line","path","message"}...]}.
 * file may be NULL. Returns 0 or -EIO when the stream reports an error. */
int clp_diag_print_json(FILE *out, const clp_diag_t *d, const char *file, bool valid);

/* ---- generic parameters ---- */

typedef struct {
    char *key;   /* relative element path, e.g. "parameters/act/path" */
    char *value; /* text content ("" for an empty element) */
    int line;
} clp_param_t;

typedef struct {
    clp_param_t *v;
    size_t n;
} clp_params_t;

/* The value of key, or NULL when absent. */
const char *clp_params_get(const clp_params_t *p, const char *key);
/* Integer value of key, or def when absent or not a number. */
long clp_params_int(const clp_params_t *p, const char *key, long def);
/* String value of key, or def when absent. */
const char *clp_params_str(const clp_params_t *p, const char *key, const char *def);

/* ---- cluster-wide ---- */

typedef struct {
    int internal;  /* TCP, core <-> core (29001) */
    int datatrans; /* TCP, clusterpro_trn (29002) */
    int heartbeat; /* UDP, lanhb (29002) */
    int alertsync; /* UDP, clusterpro_alertsync (29003) */
    int webmgr;    /* TCP, WebManager HTTP (29003) */
    int api;       /* TCP, REST API when enabled (29009) */
} clp_ports_t;

typedef struct {
    char name[CLP_NAME_MAX];
    char *comment;
    char *uuid;
    int hb_interval_ms;     /* cluster/heartbeat/interval, default 3000 */
    int hb_timeout_ms;      /* cluster/heartbeat/timeout, default 90000 */
    int hb_delay_warning;   /* percent of timeout, default 80 */
    int mon_delay_warning;  /* cluster/monitor/delaywarning, percent; default: hb_delay_warning */
    int syncwait_s;         /* server sync wait at cluster start, default 300 */
    int internal_timeout_s; /* internal communication timeout, default 180 */
    clp_ports_t ports;
    int npaction;           /* cluster/networkpartition/npaction, default 2 */
    int rsctoaction;        /* cluster/rsctimeout/rsctoaction, default 2 */
    int pm_recover;         /* pm/exec0/recover, default 2 */
    char haltp_method[16];  /* keepalive (default) | softdog | ipmi */
    char haltp_action[16];  /* RESET (default) | PANIC */
    int messages_use;       /* cluster/messages/use, default 0 */
    int syslog_level;       /* cluster/syslog/format/level, default 1 */
    int rm_norecovery;      /* rm/errordetect/norecovery, default 0 */
    int survive_monitor;    /* cluster/survive/monitor: no OS-stopping final action of a
                               monitor while no other server runs normally, default 0 */
    int rc_act_norecovery;  /* rc/errordetect/rscact/norecovery, default 0 */
    int rc_deact_norecovery;/* rc/errordetect/rscdeact/norecovery, default 0 */
    int webalert_use;       /* webalert/use, default 1 */
    int alertlog_max;       /* webalert/main/alertlog/maxrecordcount, default 10000 */
    int max_reboot;         /* max reboot count for final actions, default 0 (no limit) */
    int rexec_allow_any;    /* accept clprexec from any host with the key, default 1 */
    int forcestop_use;      /* cluster/forcestop/use: power a lost server off first, default 0 */
    int forcestop_action;   /* cluster/forcestop/action: 0 off, 1 cycle, 2 reset, 3 NMI */
    int forcestop_timeout_s;/* cluster/forcestop/timeout: how long the BMC may take, 30 s */
    clp_params_t params;    /* every cluster/... element, flattened */
} clp_cluster_t;

/* ---- servers ---- */

typedef struct {
    int id;                   /* device id: 0.. lan, 300.. disk, 400.. mdc, 10200.. ping ... */
    char type[CLP_TYPE_MAX];  /* lan, disk, mdc, ping, http, witness, bmc, com ... */
    char *info;               /* per-server value: IP address, device path, "1" ... */
    char *extend;
    int line;
    clp_params_t params;      /* other child elements */
} clp_device_t;

typedef struct {
    char name[CLP_NAME_MAX];
    int priority;        /* 0 = master (highest) */
    char *comment;
    int survive;
    int bmc_port;        /* bmc/port (IPMI over LAN), default 623 */
    int bmc_cipher;      /* bmc/cipher: IPMI v2 cipher suite, -1 = let ipmitool choose */
    clp_device_t *devices;
    size_t n_devices;
    char servergroup[CLP_NAME_MAX]; /* "" when in none */
    int line;
    clp_params_t params; /* server@name/... flattened (bmc/forcestop settings live here) */
} clp_server_t;

typedef struct {
    char name[CLP_NAME_MAX];
    char **servers; /* in order of preference */
    size_t n_servers;
    int line;
} clp_servergroup_t;

/* ---- heartbeats and network-partition resources ---- */

typedef struct {
    char name[CLP_NAME_MAX];     /* lanhb1 */
    char type[CLP_TYPE_MAX];     /* lanhb, lankhb, diskhb, comhb, bmchb, witnesshb */
    int priority;
    int device;                  /* device id on every server */
    bool supported;
    int line;
    clp_params_t params;
} clp_hb_t;

typedef struct {
    char **ips;
    size_t n_ips;
} clp_np_target_group_t;

typedef struct {
    char name[CLP_NAME_MAX];     /* pingnp1 */
    char type[CLP_TYPE_MAX];     /* pingnp, httpnp, majority, disknp */
    int priority;
    int device;                  /* device id (-1 if none) */
    clp_np_target_group_t *grps; /* pingnp: grp@N/list@M/ip */
    size_t n_grps;
    bool supported;
    int line;
    clp_params_t params;
} clp_np_t;

/* ---- groups ---- */

typedef struct {
    char server[CLP_NAME_MAX];
    int order; /* 0 = highest */
} clp_policy_t;

typedef struct {
    char group[CLP_NAME_MAX];
    bool sameserver;
} clp_group_dep_t;

enum { CLP_EXCL_OFF = 0, CLP_EXCL_NORMAL = 1, CLP_EXCL_COMPLETE = 2 };

typedef struct {
    char name[CLP_NAME_MAX];
    char type[CLP_TYPE_MAX]; /* failover (default), cluster, virtualmachine */
    char *comment;
    int gid;
    char **resources; /* member resource names, in the order listed */
    size_t n_resources;
    char **resource_types; /* type of each member as listed ("fip" for "fip@fip1") */
    clp_policy_t *policy; /* sorted by order; default: every server by priority */
    size_t n_policy;
    bool policy_default;
    int start_auto;    /* 1 auto (default), 0 manual */
    int failover_auto; /* 1 auto (default), 0 manual */
    int failback_auto; /* 0 manual (default), 1 auto */
    int exclusive;     /* CLP_EXCL_* */
    clp_group_dep_t *act_deps;
    size_t n_act_deps;
    int act_dep_timeout_s; /* 1800 */
    char **deact_deps;
    size_t n_deact_deps;
    int deact_dep_timeout_s; /* 1800 */
    int deact_wait_cluster;  /* 1 */
    int deact_wait_server;   /* 0 */
    int deact_wait_group;    /* 0 */
    int servergroup_use;     /* 1 = fail over inside the current server group first */
    int servergroup_across;  /* 1 = may fail over across server groups (default) */
    int line;
    clp_params_t params;
} clp_group_t;

/* ---- group resources ---- */

typedef struct {
    char server[CLP_NAME_MAX];
    clp_params_t params; /* resource/<type>@<name>/server@<srv>/... */
} clp_server_override_t;

typedef struct {
    char name[CLP_NAME_MAX];
    char type[CLP_TYPE_MAX];  /* fip, vip, disk, exec, volmgr, nas, ddns, md ... */
    char group[CLP_NAME_MAX]; /* owning group (resolved from group@G/resource) */
    char *comment;
    char **depend; /* explicit dependencies (resource names) */
    size_t n_depend;
    bool depend_default; /* no explicit depend: follow the default order by type */
    int act_retry;       /* 0 */
    int act_fo;          /* 1 */
    int act_action;      /* 1 = no operation, do not activate next resource */
    int act_timeout_s;
    int deact_retry;     /* 0 */
    int deact_action;    /* 4 = stop cluster service and shut down OS */
    int deact_timeout_s;
    bool supported;
    int line;
    clp_params_t params; /* resource/<type>@<name>/... flattened, e.g. "parameters/ip" */
    clp_server_override_t *overrides;
    size_t n_overrides;
} clp_resource_t;

/* ---- monitors ---- */

enum { CLP_REL_RSC = 0, CLP_REL_GRP = 1, CLP_REL_CLS = 2, CLP_REL_ALLGRP = 3 };
enum { CLP_TIMING_ALWAYS = 0, CLP_TIMING_ACTIVE = 1 };

typedef struct {
    char name[CLP_NAME_MAX];
    char type[CLP_TYPE_MAX];
    char *comment;
    char target[CLP_NAME_MAX]; /* resource bound for "active" timing ("" if none) */
    int rel_type;              /* CLP_REL_* */
    char rel_name[CLP_NAME_MAX];
    int interval_s;      /* 60 */
    int timeout_s;       /* 120 */
    int retry;           /* polling/reconfirmation, 1 */
    int timing;          /* CLP_TIMING_* */
    char **servers;      /* polling/servers@N/name; none = all servers */
    size_t n_servers;
    int firstmonwait_s;  /* 0 */
    int delay_warning;   /* percent, default: the cluster's hb_delay_warning */
    int th_restart;      /* emergency/threshold/restart, 3 */
    int th_fo;           /* emergency/threshold/fo, 1 */
    int th_script;       /* emergency/threshold/script, 0 */
    int action;          /* emergency/action, 1 = no operation */
    int preaction_use;   /* emergency/preaction/use: script before the final action */
    int preaction_restart;  /* emergency/preaction/userestart: before a reactivation */
    int preaction_failover; /* emergency/preaction/usefailover: before a failover */
    char *preaction_path;
    int preaction_timeout_s;
    int timeout_noretry;    /* emergency/timeout/notreconfirmation/use, 1 */
    int timeout_norecovery; /* emergency/timeout/notrecovery/use, 1 */
    int dumpcollect;        /* emergency/dumpcollect/use, 0 */
    bool supported;
    int line;
    clp_params_t params; /* monitor/<type>@<name>/... flattened */
} clp_monitor_t;

/* ---- WebManager ---- */

typedef struct {
    char addr[64]; /* address or CIDR */
    bool readonly; /* ipro@ entry */
} clp_client_t;

typedef struct {
    int iprest; /* webmgr/security/clientlist/iprest */
    clp_client_t *clients;
    size_t n_clients;
    char *password_operation; /* stored hash, see docs/config-reference.md */
    char *password_reference;
    int api_use;              /* rstd/use: REST API on ports.api */
} clp_webmgr_t;

/* ---- the whole configuration ---- */

typedef struct clp_conf {
    char *file;          /* path it was loaded from */
    char sha256[65];     /* hex digest of the raw bytes */
    char *raw;           /* the raw file, byte for byte */
    size_t raw_len;
    unsigned long generation; /* trekking/configid as a number if numeric, else 0 */
    char charset[16];    /* all/charset */
    char encoding[24];   /* encoding declared in the XML declaration ("" = UTF-8 default) */
    char serveros[16];   /* all/serveros */

    clp_cluster_t cluster;
    clp_server_t *servers; /* sorted by priority */
    size_t n_servers;
    clp_servergroup_t *servergroups;
    size_t n_servergroups;
    clp_hb_t *hbs; /* sorted by priority */
    size_t n_hbs;
    clp_np_t *nps; /* sorted by priority */
    size_t n_nps;
    clp_group_t *groups; /* in gid order, then file order */
    size_t n_groups;
    clp_resource_t *resources;
    size_t n_resources;
    clp_monitor_t *monitors;
    size_t n_monitors;
    clp_webmgr_t webmgr;
} clp_conf_t;

/* Loads and validates path. On success returns the model (caller owns; free
 * with clp_conf_free) and adds only warnings/unsupported items to diag. On any
 * error returns NULL and diag holds every error found. diag may be NULL.
 * On NULL, errno tells why: EINVAL = the configuration has errors (diag says
 * which), ENOMEM = out of memory, anything else = the file could not be read
 * (also reported in diag, line 0). */
clp_conf_t *clp_conf_load(const char *path, clp_diag_t *diag);

/* Same from a memory buffer; name is used as the file name in diagnostics. */
clp_conf_t *clp_conf_load_mem(const char *data, size_t len, const char *name, clp_diag_t *diag);

void clp_conf_free(clp_conf_t **conf);

/* Lookups by name; NULL when absent. */
const clp_server_t *clp_conf_server(const clp_conf_t *c, const char *name);
int clp_conf_server_index(const clp_conf_t *c, const char *name); /* -1 when absent */
const clp_group_t *clp_conf_group(const clp_conf_t *c, const char *name);
const clp_resource_t *clp_conf_resource(const clp_conf_t *c, const char *name);
const clp_monitor_t *clp_conf_monitor(const clp_conf_t *c, const char *name);
const clp_hb_t *clp_conf_hb(const clp_conf_t *c, const char *name);
const clp_np_t *clp_conf_np(const clp_conf_t *c, const char *name);
/* The device of a server by id; NULL when the server has none. */
const clp_device_t *clp_conf_device(const clp_server_t *s, int id);
/* The address of a server's BMC: bmc/ip, else the info of its device of type
 * bmc; NULL when it has none. */
const char *clp_conf_bmc_addr(const clp_server_t *s);

/* A resource's parameter, honouring the per-server override for server (may be NULL).
 * When neither sets key, returns the documented default of the type table
 * (clp_conf_type_info), or NULL when the type documents none. */
const char *clp_conf_rsc_param(const clp_resource_t *r, const char *server, const char *key);

/* A monitor's parameter, honouring "server@<server>/<key>" (per-server value, e.g.
 * miiw parameters/object) when server is not NULL, then the type-table default;
 * NULL when none. */
const char *clp_conf_mon_param(const clp_monitor_t *m, const char *server, const char *key);

/* ---- the table of known types (clp_config_types.c) ----
 * One row per resource, monitor, heartbeat and network-partition type the
 * original product knows, with this product's support flag and the type's
 * own parameter keys (relative to the object's element), value kinds, ranges
 * and defaults. The loader checks the parameters of supported types against it. */

typedef enum {
    CLP_OBJ_RESOURCE,
    CLP_OBJ_MONITOR,
    CLP_OBJ_HB,
    CLP_OBJ_NP,
} clp_obj_kind_t;

typedef enum {
    CLP_PT_STR,  /* any text */
    CLP_PT_INT,  /* whole number in [min, max] */
    CLP_PT_ENUM, /* one of choices ("a|b|c") */
    CLP_PT_IP,   /* IPv4 or IPv6 address, optionally "/prefix" */
    CLP_PT_HOST, /* IP address or host name */
    CLP_PT_PATH, /* file or device path (a script name is relative to the script dir) */
} clp_ptype_t;

#define CLP_TYPE_BOUND 0x1u   /* monitor: default timing is Active when a target is set */
#define CLP_TYPE_LAN 0x2u     /* heartbeat: a LAN heartbeat (device type lan) */
#define CLP_TYPE_WINDOWS 0x4u /* exists only in the Windows edition of the original */
#define CLP_TYPE_NODEV 0x8u   /* heartbeat/NP: has no device id */

typedef struct {
    const char *key;     /* relative path; a segment "list@*" matches list@<any name or id> */
    clp_ptype_t kind;
    const char *def;     /* documented default as text, NULL when none */
    long min, max;       /* CLP_PT_INT */
    const char *choices; /* CLP_PT_ENUM */
    bool required;
    const char *meaning; /* short description (for docs and messages) */
} clp_type_param_t;

typedef struct {
    clp_obj_kind_t kind;
    const char *name;    /* element name, e.g. "fip" */
    const char *desc;    /* e.g. "floating IP" */
    bool supported;
    unsigned flags;      /* CLP_TYPE_* */
    int act_timeout_s;   /* resource: default act/timeout (exec: 180 + timeout/start) */
    int deact_timeout_s; /* resource: default deact/timeout (exec: 180 + timeout/stop) */
    int retry;           /* monitor: default polling/reconfirmation */
    const clp_type_param_t *params;
    size_t n_params;
} clp_type_info_t;

/* The row of type, or NULL when the type is unknown to the table. */
const clp_type_info_t *clp_conf_type_info(clp_obj_kind_t kind, const char *type);
/* The whole table; *n receives the number of rows. */
const clp_type_info_t *clp_conf_types(size_t *n);
/* The row's parameter whose key (pattern) matches key, or NULL. */
const clp_type_param_t *clp_conf_type_param(const clp_type_info_t *t, const char *key);

#endif

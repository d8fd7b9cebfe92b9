/*
 * mon: the monitor-type interface and its table.
 *
 * A monitor type is one file in monitors/ implementing mon_type_t and one row
 * in mon_types (rm.c). check() decides one polling round: it runs in a child
 * process with the monitor's timeout (it may block: scripts, database
 * sessions, disk reads, HTTP), unless the type is marked inproc, in which case
 * it runs in the core and must be immediate (a kill(pid, 0), a netlink query).
 * It returns MON_CHECK_OK, MON_CHECK_WARN or MON_CHECK_ERROR and prints the
 * detail (shown in rm 9 "(code : detail)").
 */
#ifndef CORE_MON_H
#define CORE_MON_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_config.h"
#include "clp_paths.h"

enum { MON_CHECK_OK = 0, MON_CHECK_WARN = 1, MON_CHECK_ERROR = 2 };

typedef struct {
    const clp_conf_t *conf;
    const clp_monitor_t *mon;
    int self;
    const char *server;
    const char *root;
    const clp_resource_t *target; /* the resource it watches (timing Active), may be NULL */
    const clp_group_t *target_group;
    char *detail;                 /* inproc checks write their detail here */
    size_t detail_len;
    const char *notice;           /* mrw: the external error notice standing, NULL if none */
} mon_ctx_t;

typedef struct mon_type {
    const char *name;
    bool inproc;
    int (*check)(mon_ctx_t *ctx);
    /* Called when the monitor starts/stops on this server (may be NULL). */
    int (*start)(mon_ctx_t *ctx);
    void (*stop)(mon_ctx_t *ctx);
    /* Optional (may be NULL): a file descriptor that becomes readable when what
     * the monitor watches may just have failed (pidw: a pidfd of the process),
     * or -1. The engine owns it; when it fires, the check runs at once instead
     * of at the next interval (the verdict is still the check's). Asked after
     * every normal check while none is armed. Runs in the core: immediate. */
    int (*watch)(mon_ctx_t *ctx);
} mon_type_t;

/* The row for a type name, or NULL when this product does not implement it. */
const mon_type_t *mon_type(const char *name);

/* A monitor parameter (per-server value first, then the type default). */
const char *mon_param(const mon_ctx_t *ctx, const char *key);
long mon_param_int(const mon_ctx_t *ctx, const char *key, long def);

/* Writes the detail for inproc checks (printf-style). */
void mon_detail(mon_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern const mon_type_t mon_userw;
extern const mon_type_t mon_pidw;
extern const mon_type_t mon_genw;
extern const mon_type_t mon_ipw;
extern const mon_type_t mon_fipw;
extern const mon_type_t mon_vipw;
extern const mon_type_t mon_miiw;
extern const mon_type_t mon_diskw;
extern const mon_type_t mon_mtw;
extern const mon_type_t mon_volmgrw;
extern const mon_type_t mon_ddnsw;
extern const mon_type_t mon_psw;
extern const mon_type_t mon_httpw;
extern const mon_type_t mon_psqlw;
extern const mon_type_t mon_mysqlw;
extern const mon_type_t mon_sambaw;
extern const mon_type_t mon_nfsw;
extern const mon_type_t mon_oraclew;
extern const mon_type_t mon_mrw;

/* mrw: does monitor m (on server) take a notice of category and keyword? */
bool mrw_accepts(const clp_monitor_t *m, const char *server, const char *category,
                 const char *keyword);

#endif

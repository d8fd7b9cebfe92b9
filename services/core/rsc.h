/*
 * rsc: the group-resource type interface and its table.
 *
 * A resource type is one file in resources/ implementing rsc_type_t and one
 * row in rsc_types (rsc.c). activate, deactivate and probe run in a child
 * process forked by the core (they may block: scripts, fsck, mounts, ARP
 * probes); their return value is the child's exit code (0 success) and what
 * they print is the error detail shown in alerts (rc 32 "(code : detail)").
 * quick_fence runs in the core itself and must be immediate (remove an
 * address, kill a process group): it is what a server that lost a network
 * partition does before anything else.
 *
 * Each resource has a private directory work/rsc/<name>/ for what must
 * survive a core restart (an async script's pid, a process group).
 */
#ifndef CORE_RSC_H
#define CORE_RSC_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_config.h"
#include "clp_paths.h"

/* Dependency levels of the default order (reference §5.2). */
enum { RSC_LEVEL_IP = 0, RSC_LEVEL_VOLUME = 1, RSC_LEVEL_STORAGE = 2, RSC_LEVEL_APP = 3 };

/* Exit codes with a meaning to the core. */
enum {
    RSC_OK = 0,
    RSC_PROBE_INACTIVE = 1, /* probe: not active here */
    RSC_ERR = 2,            /* generic failure */
    RSC_ERR_BUSY = 3,       /* fip: the address already answers */
    RSC_ERR_TIMEOUT = 99,   /* as the original: "99 : command is timeout" */
};

typedef struct {
    const char *event;       /* CLP_EVENT: START, FAILOVER */
    const char *factor;      /* CLP_FACTOR for stop scripts */
    const char *server_role; /* CLP_SERVER: HOME, OTHER */
    const char *disk;        /* CLP_DISK: SUCCESS, FAILURE */
    int priority;            /* CLP_PRIORITY: 1-based rank in the failover policy */
    const char *prev_server; /* CLP_SERVER_PREV */
    const char *behavior;    /* CLP_BEHAVIOR: HALT, REBOOT, NONE */
} rsc_env_t;

typedef struct {
    const clp_conf_t *conf;
    const clp_resource_t *res;
    const clp_group_t *grp;
    int self;
    const char *server;
    const char *root;
    rsc_env_t env;
    char state_dir[CLP_PATH_MAX];
} rsc_ctx_t;

typedef struct rsc_type {
    const char *name;
    int level; /* RSC_LEVEL_*: default dependency order */
    int (*activate)(rsc_ctx_t *ctx);
    int (*deactivate)(rsc_ctx_t *ctx);
    /* RSC_OK when active here, RSC_PROBE_INACTIVE when not, else an error. */
    int (*probe)(rsc_ctx_t *ctx);
    /* In the core, immediate, best effort. May be NULL. */
    void (*quick_fence)(const rsc_ctx_t *ctx);
    /* Re-announce (gratuitous ARP) after a partition heals; in a child. May be NULL. */
    int (*announce)(rsc_ctx_t *ctx);
} rsc_type_t;

/* The row for a type name, or NULL when this product does not implement it. */
const rsc_type_t *rsc_type(const char *name);

/* Fills ctx for resource r of group g (state_dir created). */
void rsc_ctx_init(rsc_ctx_t *ctx, const clp_conf_t *conf, int self, const char *root,
                  const clp_resource_t *r, const clp_group_t *g);

/* Builds the CLP_* environment for a script of ctx into a NULL-terminated
 * array (caller frees with rsc_env_free). extra may add "NAME=value" strings. */
char **rsc_env_build(const rsc_ctx_t *ctx, const char *const *extra);
void rsc_env_free(char **envp);

/* A resource parameter (per-server override, then the type default). */
const char *rsc_param(const rsc_ctx_t *ctx, const char *key);
long rsc_param_int(const rsc_ctx_t *ctx, const char *key, long def);

/* Reads/writes a small value file in the resource's state directory (replaced
 * atomically, not fsynced: see rsc_state_write). */
int rsc_state_write(const rsc_ctx_t *ctx, const char *name, const char *value);
int rsc_state_read(const rsc_ctx_t *ctx, const char *name, char *out, size_t n);
void rsc_state_remove(const rsc_ctx_t *ctx, const char *name);

/* Resolves a script path: absolute as is, else scripts/<group>/<resource>/<path>. */
void rsc_script_path(const rsc_ctx_t *ctx, const char *path, char *out, size_t n);

extern const rsc_type_t rsc_fip;
extern const rsc_type_t rsc_vip;
extern const rsc_type_t rsc_exec;
extern const rsc_type_t rsc_disk;
extern const rsc_type_t rsc_volmgr;
extern const rsc_type_t rsc_nas;
extern const rsc_type_t rsc_ddns;

#endif

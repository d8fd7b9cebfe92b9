/*
 * trn_config_priv: what the two halves of configuration transfer in
 * clusterpro_trn share, and no other module uses: the module state (one per
 * trn), bundles as messages, and this server's steps of a push (stage,
 * commit, apply; trn_config.c), which the coordinator (trn_push.c) runs
 * directly for this server instead of sending itself a request.
 */
#ifndef TRN_CONFIG_PRIV_H
#define TRN_CONFIG_PRIV_H

#include "clp_bundle.h"
#include "trn_config.h"

typedef struct job job_t;

typedef struct cfg {
    trn_t *t;
    /* the one stage this server holds (txid "" = none) */
    char stage_txid[72];
    char stage_from[CLP_NAME_MAX];
    char stage_by[128];
    uint64_t stage_at;
    job_t *job; /* the push this server coordinates */
    uint64_t next_tx;
    unsigned long pushes, stages, commits, applies, pulls, failures;
} cfg_t;

static inline cfg_t *CFG(clp_daemon_t *d)
{
    return ((trn_t *)d->app)->modules[TRN_MOD_CONFIG];
}

/* ---- bundles as messages (trn_config.c) ---- */

/* Adds the files of pb to b (the caller's, freed by the caller in any case)
 * and sorts them. 0, or -EINVAL (no message, a file name that cannot be
 * installed, no clp.conf), -EFBIG or -ENOMEM with a sentence in err. */
int trn_config_bundle_from_proto(const Clp__ConfigBundle *pb, clp_bundle_t *b, char *err, size_t n);

typedef struct {
    Clp__ConfigBundle msg;
    Clp__ConfigFile *files;
    Clp__ConfigFile **ptrs;
} pbundle_t;

/* Fills p with a message view of b (pointing into b, which must outlive it);
 * trn_config_pbundle_free releases what it allocated. */
void trn_config_bundle_to_proto(const clp_bundle_t *b, pbundle_t *p);
void trn_config_pbundle_free(pbundle_t *p);

/* ---- this server's steps of a push (trn_config.c) ---- */

typedef void (*stage_done_fn)(void *arg, const Clp__ConfigStageReply *r);

/* Checks b (it must load and name this server), writes it to this server's
 * stage txid (one stage at a time) and calls fn(arg, reply) exactly once, at
 * once or when the local core has said what it runs: ok and a sentence, the
 * generation and digest installed here, the core's state and the groups
 * active here. b stays the caller's. from: the coordinating server;
 * pushed_by: who pushed (NULL: from). */
void trn_config_stage_begin(cfg_t *cfg, const char *txid, const clp_bundle_t *b, const char *from,
                            const char *pushed_by, stage_done_fn fn, void *arg);

/* Installs (commit) as the given generation, or drops, the stage txid. 0, or
 * -errno (-ENOENT: nothing staged for txid) with a sentence in msg. */
int trn_config_commit_do(cfg_t *cfg, const char *txid, bool commit, uint64_t generation, char *msg,
                         size_t n);

typedef void (*apply_done_fn)(void *arg, bool ok, const char *msg);

/* Applies the generation m names, which must be installed here: restarts the
 * services m lists (evt, alertsync, webmgr only) and, with m->reload_core,
 * reloads the core and waits until it runs that generation and is online (or
 * suspended) again; then fn(arg, ok, message) once. */
void trn_config_apply_begin(cfg_t *cfg, const Clp__ConfigApply *m, apply_done_fn fn, void *arg);

/* ---- the coordinator (trn_push.c) ---- */

/* Ends the push cfg coordinates, if one runs (trn stopping): clpcfctrl gets
 * an error (-ECANCELED) and the job is freed. */
void trn_push_cancel(cfg_t *cfg);

#endif

/*
 * trn: clusterpro_trn, the data transfer service. It answers on the local
 * ipc endpoint (tools) and on the CURVE-protected data transfer port (other
 * servers and, with a client key, outside hosts). Each concern is one module
 * with its handlers listed in trn_handlers.c: service control for clpcl
 * (trn_svcctl.c), log collection (trn_logcc.c), configuration push and pull
 * (trn_config.c; the coordinator of a push: trn_push.c), external requests
 * from clprexec (trn_rexec.c).
 */
#ifndef TRN_H
#define TRN_H

#include "clp_daemon.h"

typedef struct trn {
    clp_daemon_t *d;
    void *modules[8]; /* per-module state, indexed by the TRN_MOD_* values */
} trn_t;

enum { TRN_MOD_SVCCTL = 0, TRN_MOD_LOGCC, TRN_MOD_CONFIG, TRN_MOD_REXEC, TRN_MOD_LOCAL };

/* The handler table of both endpoints (terminated by fn == NULL). */
extern const clp_srv_handler_t trn_handlers[];

/* Module start-up and tear-down, called from main.c in this order. */
int trn_modules_init(trn_t *t);
void trn_modules_fini(trn_t *t);
void trn_status(void *arg, Clp__StatusReply *rep);

#endif

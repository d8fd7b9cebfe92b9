/*
 * trn_local: clusterpro_trn's connections to the other local services it
 * drives: the core (ipc run/core.sock) and the restarter clpsvc (ipc
 * run/clpsvc.sock). Asynchronous clients, created at start, reconnecting by
 * themselves when the other side restarts.
 */
#ifndef TRN_LOCAL_H
#define TRN_LOCAL_H

#include "clp_rpc.h"
#include "trn.h"

int trn_local_init(trn_t *t);
void trn_local_fini(trn_t *t);
clp_aclient_t *trn_local_core(trn_t *t);
clp_aclient_t *trn_local_svc(trn_t *t);
/* Is the restarter's control socket there (clpsvc supervises this root)? */
bool trn_local_svc_present(trn_t *t);
/* Is the core's socket there? */
bool trn_local_core_present(trn_t *t);

#endif

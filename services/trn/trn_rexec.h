/*
 * trn_rexec: clprexec requests on the data transfer port (and, from the
 * WebManager, on the local ipc endpoint).
 *
 * A request from the network is served only when its source may send one
 * (clp_rexec_source_allowed: cluster/rexec/allowany, the cluster's own
 * servers, cluster/rexec/clientlist); otherwise it is refused with trnsv 1.
 * A connection that the key check (ZAP) refuses on this port is reported the
 * same way (trnsv 1, at most once per address every 10 s). An accepted request
 * is checked (clp_rexec_check_request) and recorded with trnsv 10, then:
 *
 *   FAILOVER  a GroupRequest FAILOVER to the local core, which passes it to
 *             the master; the reply waits for the failover to finish (within
 *             the requester's wait); trnsv 30 / 31 record the outcome.
 *   SCRIPT    <root>/work/rexec/<script> (clp_rexec_script_path: nothing
 *             outside that directory) runs in its own process group with the
 *             requester's wait as its timeout; exit status and the start of
 *             its output go back; trnsv 30 / 31.
 *   NOTICE,   passed to the local core, whose message receive monitors (mrw)
 *   CLEAR     match it (the core records their recovery: trnsv 20/21/22).
 */
#ifndef TRN_REXEC_H
#define TRN_REXEC_H

#include "trn.h"

int trn_rexec_init(trn_t *t);
void trn_rexec_fini(trn_t *t);
void trn_rexec_status(trn_t *t, Clp__StatusReply *rep);

/* Handler of RexecRequest (trn_handlers.c). */
void trn_rexec_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

/* Reports connections the key check refuses on the data transfer port
 * (call once the port is open). */
void trn_rexec_watch_keys(trn_t *t);

#endif

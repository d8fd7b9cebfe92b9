/*
 * trn_config: configuration push and pull in clusterpro_trn.
 *
 * clpcfctrl --push sends the bundle to its local trn (ConfigPushRequest, ipc
 * only), which coordinates (trn_push.c; every server's side of it is
 * trn_config.c):
 *
 *   1. check: the new clp.conf is validated and the bundle checked (every
 *      script it names is there); any error ends the push, nothing changed;
 *   2. stage: every server of the new configuration gets the bundle
 *      (ConfigStage over the data transfer port; this server directly); each
 *      validates it again, writes it below ROOT/.cfstage-<txid>/ (fsynced) and
 *      answers with its installed generation and digest, whether its cluster
 *      service runs (online, suspended...) and which groups are active on it;
 *   3. decide: a server that does not answer ends the push unless --force;
 *      clp_confdiff classifies the changes against what the cluster runs: a
 *      change that needs a state the cluster is not in (groups stopped, the
 *      cluster suspended or stopped) ends the push with the exact commands
 *      to run first; --check ends it here with the plan; every stage is
 *      dropped (ConfigCommit commit=false) and nothing changed anywhere;
 *   4. commit: every staged server installs the bundle atomically with the
 *      new generation (one more than any server had) and logs cfmgr 1;
 *   5. apply, one server at a time, servers whose cluster service is stopped
 *      first, then the running ones from the lowest priority to the master
 *      (ConfigApply): clusterpro_evt, _alertsync and _webmgr are restarted
 *      through clpsvc, the core reloads (ClusterRequest RELOAD: it leaves
 *      without stopping anything and comes back with the new configuration,
 *      adopting its groups), and the next server waits until this one's core
 *      answers with the new generation and is online again (suspended again
 *      if it was; with no other server online its start-up wait is ended);
 *      this trn loads the new configuration in place at the commit;
 *   6. groups the push added with automatic start are started.
 * The reply lists every change with its class, each server's outcome and the
 * generation the cluster now runs.
 *
 * A server keeps one stage at a time: a stage of another push younger than
 * TRN_CONFIG_STAGE_TTL_S is refused ("another push is in progress"), older
 * ones are dropped. ConfigPullRequest answers with the installed bundle (or
 * only its generation and digest); clpcfctrl --pull and clusterpro_evt's
 * start-up download use it. Requests from outside hosts (client keys) are
 * refused: only this server's tools and the cluster's own servers may push or
 * pull a configuration.
 */
#ifndef TRN_CONFIG_H
#define TRN_CONFIG_H

#include "trn.h"

#define TRN_CONFIG_STAGE_TTL_S 300

int trn_config_init(trn_t *t);
void trn_config_fini(trn_t *t);
void trn_config_status(trn_t *t, Clp__StatusReply *rep);

/* Handlers (rows of trn_handlers); the push itself is trn_push_on_request. */
void trn_config_on_stage(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);
void trn_config_on_commit(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);
void trn_config_on_apply(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);
void trn_config_on_pull(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

#endif

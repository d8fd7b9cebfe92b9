/*
 * trn_handlers: the one table of requests clusterpro_trn answers, and the
 * list of its modules. Adding a request is one row here and one handler in
 * the module that owns it.
 */
#include "trn.h"
#include "trn_config.h"
#include "trn_local.h"
#include "trn_logcc.h"
#include "trn_push.h"
#include "trn_relay.h"
#include "trn_rexec.h"
#include "trn_svcctl.h"

const clp_srv_handler_t trn_handlers[] = {
    /* log collection (trn_logcc.c) */
    {CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REQUEST, trn_logcc_on_collect},
    {CLP__ENVELOPE__PAYLOAD_LOG_PREPARE_REQUEST, trn_logcc_on_prepare},
    {CLP__ENVELOPE__PAYLOAD_LOG_CHUNK_REQUEST, trn_logcc_on_chunk},
    /* clpcl, clpdown, clpstdn (trn_svcctl.c) */
    {CLP__ENVELOPE__PAYLOAD_SERVICE_CONTROL, trn_svcctl_on_request},
    /* requests for the core from other servers (trn_relay.c) */
    {CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST, trn_relay_on_request},
    {CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST, trn_relay_on_request},
    {CLP__ENVELOPE__PAYLOAD_RESOURCE_REQUEST, trn_relay_on_request},
    {CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST, trn_relay_on_request},
    {CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST, trn_relay_on_request},
    /* clprexec and WebManager scripts/run (trn_rexec.c) */
    {CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST, trn_rexec_on_request},
    /* clpcfctrl push, coordinated here (trn_push.c) */
    {CLP__ENVELOPE__PAYLOAD_CONFIG_PUSH_REQUEST, trn_push_on_request},
    /* every server's side of a push, clpcfctrl pull, start-up download (trn_config.c) */
    {CLP__ENVELOPE__PAYLOAD_CONFIG_STAGE, trn_config_on_stage},
    {CLP__ENVELOPE__PAYLOAD_CONFIG_COMMIT, trn_config_on_commit},
    {CLP__ENVELOPE__PAYLOAD_CONFIG_APPLY, trn_config_on_apply},
    {CLP__ENVELOPE__PAYLOAD_CONFIG_PULL_REQUEST, trn_config_on_pull},
    {0, NULL},
};

int trn_modules_init(trn_t *t)
{
    int rc = trn_local_init(t);
    if (rc < 0) {
        return rc;
    }
    rc = trn_logcc_init(t);
    if (rc < 0) {
        return rc;
    }
    rc = trn_rexec_init(t);
    if (rc < 0) {
        return rc;
    }
    rc = trn_config_init(t);
    if (rc < 0) {
        return rc;
    }
    return 0;
}

void trn_modules_fini(trn_t *t)
{
    trn_config_fini(t);
    trn_rexec_fini(t);
    trn_logcc_fini(t);
    trn_local_fini(t);
}

void trn_status(void *arg, Clp__StatusReply *rep)
{
    trn_t *t = arg;
    trn_logcc_status(t, rep);
    trn_rexec_status(t, rep);
    trn_config_status(t, rep);
}

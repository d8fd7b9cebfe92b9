/*
 * trn_handlers: the one table of requests clusterpro_trn answers, and the
 * list of its modules. Adding a request is one row here and one handler in
 * the module that owns it.
 */
#include "trn.h"
#include "trn_logcc.h"

const clp_srv_handler_t trn_handlers[] = {
    /* log collection (trn_logcc.c) */
    {CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REQUEST, trn_logcc_on_collect},
    {CLP__ENVELOPE__PAYLOAD_LOG_PREPARE_REQUEST, trn_logcc_on_prepare},
    {CLP__ENVELOPE__PAYLOAD_LOG_CHUNK_REQUEST, trn_logcc_on_chunk},
    {0, NULL},
};

int trn_modules_init(trn_t *t)
{
    int rc = trn_logcc_init(t);
    if (rc < 0) {
        return rc;
    }
    return 0;
}

void trn_modules_fini(trn_t *t)
{
    trn_logcc_fini(t);
}

void trn_status(void *arg, Clp__StatusReply *rep)
{
    trn_t *t = arg;
    trn_logcc_status(t, rep);
}

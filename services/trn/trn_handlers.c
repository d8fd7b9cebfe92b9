/*
 * trn_handlers: the one table of requests clusterpro_trn answers, and the
 * list of its modules. Adding a request is one row here and one handler in
 * the module that owns it.
 */
#include "trn.h"

const clp_srv_handler_t trn_handlers[] = {
    {0, NULL},
};

int trn_modules_init(trn_t *t)
{
    return 0;
}

void trn_modules_fini(trn_t *t)
{
}

void trn_status(void *arg, Clp__StatusReply *rep)
{
}

/*
 * trn_push: the coordinator of a configuration push in clusterpro_trn.
 *
 * The trn that clpcfctrl --push asks (ipc only) checks the bundle, stages it
 * on every server of the new configuration, decides from their answers,
 * commits (or drops) every stage, applies one server at a time and starts the
 * groups the push added; trn_config.h describes these steps and the reply.
 * Each server's side of them is trn_config.c, which this module calls
 * directly for this server. One push at a time per server.
 */
#ifndef TRN_PUSH_H
#define TRN_PUSH_H

#include "trn.h"

/* Handler (row of trn_handlers): ConfigPushRequest, from this server's tools
 * only (-EPERM otherwise, -EBUSY while another push runs); answers with a
 * ConfigPushReply once the push has ended. */
void trn_push_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

#endif

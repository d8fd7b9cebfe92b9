/*
 * trn_svcctl: starting, stopping, suspending and resuming the cluster service
 * of this server on request (clpcl, clpdown, clpstdn, WebManager), through the
 * restarter (clpsvc) and the core. See trn_svcctl.c.
 */
#ifndef TRN_SVCCTL_H
#define TRN_SVCCTL_H

#include "trn.h"

void trn_svcctl_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

#endif

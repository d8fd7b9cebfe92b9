/*
 * trn_relay: requests for the core that arrive at this server's data transfer
 * port from another cluster server (clpstat -h, clpgrp -h, clpmonctrl -h,
 * WebManager of another server) are passed to the local core and its answer
 * back. Only cluster members (the cluster's CURVE key) may use it.
 */
#ifndef TRN_RELAY_H
#define TRN_RELAY_H

#include "trn.h"

void trn_relay_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

#endif

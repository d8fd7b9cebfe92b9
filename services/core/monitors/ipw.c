/*
 * ipw: pings the configured addresses (parameters/list@N/ip); the monitor is
 * normal while at least one answers (the original's behaviour for an IP
 * monitor with several addresses).
 */
#include <stdio.h>
#include <string.h>

#include "../mon.h"
#include "clp_icmp.h"

static int check(mon_ctx_t *ctx)
{
    const clp_params_t *p = &ctx->mon->params;
    int tried = 0;
    int tmo = ctx->mon->timeout_s * 1000;
    if (tmo > 2000) {
        tmo = 2000;
    }
    for (size_t i = 0; i < p->n; i++) {
        const char *k = p->v[i].key;
        size_t kl = strlen(k);
        if (strncmp(k, "parameters/list@", 16) != 0 || kl < 3 || strcmp(k + kl - 3, "/ip") != 0) {
            continue;
        }
        tried++;
        if (clp_ping(p->v[i].value, 2, 200, tmo) == 0) {
            return MON_CHECK_OK;
        }
    }
    printf(tried ? "no monitored address answers ping" : "no address to monitor is configured");
    return MON_CHECK_ERROR;
}

const mon_type_t mon_ipw = {
    .name = "ipw",
    .inproc = false,
    .check = check,
};

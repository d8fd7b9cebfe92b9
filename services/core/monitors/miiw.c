/*
 * miiw: link (carrier) state of a network interface (parameters/object, per
 * server), read by netlink. A warning-level detail is never taken for an
 * error (a bug of the original's miiw).
 */
#include <string.h>

#include "../mon.h"
#include "clp_net.h"

static int check(mon_ctx_t *ctx)
{
    const char *ifname = mon_param(ctx, "parameters/object");
    if (!ifname || !ifname[0]) {
        mon_detail(ctx, "no interface configured (parameters/object)");
        return MON_CHECK_ERROR;
    }
    int st = clp_net_link_state(ifname);
    if (st == 1) {
        return MON_CHECK_OK;
    }
    mon_detail(ctx, st == 0 ? "the link of %s is down" : "interface %s cannot be read", ifname);
    return MON_CHECK_ERROR;
}

const mon_type_t mon_miiw = {
    .name = "miiw",
    .inproc = true,
    .check = check,
};

/*
 * fipw: the floating address of its target fip resource is still configured
 * on this server (and, with parameters/monmii 1, its interface has carrier).
 */
#include <string.h>

#include "../mon.h"
#include "clp_net.h"

static int check(mon_ctx_t *ctx)
{
    if (!ctx->target) {
        mon_detail(ctx, "no target fip resource");
        return MON_CHECK_ERROR;
    }
    const char *ip = clp_conf_rsc_param(ctx->target, ctx->server, "parameters/ip");
    char ifname[64];
    if (!ip || clp_net_addr_present(ip, ifname, sizeof(ifname)) != 1) {
        mon_detail(ctx, "%s is not configured on this server", ip ? ip : "the address");
        return MON_CHECK_ERROR;
    }
    if (mon_param_int(ctx, "parameters/monmii", 0) && clp_net_link_state(ifname) != 1) {
        mon_detail(ctx, "the link of %s (holding %s) is down", ifname, ip);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

const mon_type_t mon_fipw = {
    .name = "fipw",
    .inproc = true,
    .check = check,
};

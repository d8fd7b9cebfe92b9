/*
 * vipw: the monitor of a virtual IP resource (its target, a vip). The vip's
 * address is reached only through the routers that learn by RIP which server
 * holds it; the announcements come from the resource's announcer process
 * (resources/vip.c). vipw checks, in the core (every step is immediate):
 *   1. the address is configured on this server, on the resource's
 *      interface (parameters/nic) when one is set;
 *   2. that interface has its link (carrier): without it no router hears
 *      the announcements;
 *   3. the announcer runs (its pid in the resource's state directory, the
 *      process named VIP_ANNOUNCER_NAME);
 *   4. it announced recently: the last successful send (the modification
 *      time of the state file VIP_STATE_ANNOUNCED) is no older than twice the
 *      announcement interval (parameters/rip/interval of the vip) plus 1 s.
 * The original's vipw sends the RIP packets itself; here the resource's
 * announcer sends them (they go on while the core restarts) and vipw watches
 * that they go out (docs/monitors.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../mon.h"
#include "../resources/vip.h"
#include "clp_net.h"

/* The resource's state file NAME (work/rsc/<vip>/NAME). */
static void state_path(const mon_ctx_t *ctx, const char *name, char *out, size_t n)
{
    clp_path(out, n, ctx->root, "work/rsc/%s/%s", ctx->target->name, name);
}

/* The announcer's pid when it runs, else 0. */
static long announcer_running(const mon_ctx_t *ctx)
{
    char path[CLP_PATH_MAX], *data = NULL;
    state_path(ctx, VIP_STATE_ANNOUNCER, path, sizeof(path));
    if (clp_read_file(path, 64, &data, NULL) < 0) {
        return 0;
    }
    long pid = strtol(data, NULL, 10);
    free(data);
    if (pid <= 1) {
        return 0;
    }
    char comm_path[64], comm[32] = "";
    snprintf(comm_path, sizeof(comm_path), "/proc/%ld/comm", pid);
    FILE *f = fopen(comm_path, "re");
    if (!f) {
        return 0;
    }
    if (!fgets(comm, sizeof(comm), f)) {
        comm[0] = '\0';
    }
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return strcmp(comm, VIP_ANNOUNCER_NAME) == 0 ? pid : 0;
}

static int check(mon_ctx_t *ctx)
{
    if (!ctx->target || strcmp(ctx->target->type, "vip") != 0) {
        mon_detail(ctx, "the target of a vipw must be a vip resource (target %s)",
                   ctx->target ? ctx->target->name : "none");
        return MON_CHECK_ERROR;
    }
    const char *ip = clp_conf_rsc_param(ctx->target, ctx->server, "parameters/ip");
    const char *nic = clp_conf_rsc_param(ctx->target, ctx->server, "parameters/nic");
    const char *iv = clp_conf_rsc_param(ctx->target, ctx->server, "parameters/rip/interval");
    long interval = iv && iv[0] ? strtol(iv, NULL, 10) : 30;
    if (interval < 1) {
        interval = 1;
    }
    char ifname[64];
    if (!ip || clp_net_addr_present(ip, ifname, sizeof(ifname)) != 1) {
        mon_detail(ctx, "%s is not configured on this server", ip ? ip : "the virtual address");
        return MON_CHECK_ERROR;
    }
    if (nic && nic[0] && strcmp(nic, ifname) != 0) {
        mon_detail(ctx, "%s is configured on %s, not on %s", ip, ifname, nic);
        return MON_CHECK_ERROR;
    }
    int link = clp_net_link_state(ifname);
    if (link != 1) {
        mon_detail(ctx,
                   link == 0 ? "the link of %s (holding %s) is down: no router hears its RIP "
                               "announcements"
                             : "the link state of %s (holding %s) cannot be read",
                   ifname, ip);
        return MON_CHECK_ERROR;
    }
    if (announcer_running(ctx) == 0) {
        mon_detail(ctx, "the RIP announcer of %s (resource %s) is not running", ip,
                   ctx->target->name);
        return MON_CHECK_ERROR;
    }
    char mark[CLP_PATH_MAX];
    state_path(ctx, VIP_STATE_ANNOUNCED, mark, sizeof(mark));
    struct stat st;
    if (stat(mark, &st) < 0) {
        mon_detail(ctx, "no RIP announcement of %s has been sent (%s)", ip, strerror(errno));
        return MON_CHECK_ERROR;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long age_ms = ((long long)now.tv_sec - st.st_mtim.tv_sec) * 1000 +
                       (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
    if (age_ms > (2 * interval + 1) * 1000) {
        mon_detail(ctx, "no RIP announcement of %s for %lld.%lld s (one every %ld s expected)",
                   ip, age_ms / 1000, age_ms % 1000 / 100, interval);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

const mon_type_t mon_vipw = {
    .name = "vipw",
    .inproc = true,
    .check = check,
};

/*
 * fip: floating IP address (IPv4 or IPv6). Activation finds the interface
 * that owns the address's subnet on this server, refuses when somebody already
 * answers for the address (ARP probe for IPv4, ping for IPv6) unless forced
 * activation is set, adds the address with the subnet's prefix by netlink and
 * announces it (gratuitous ARP / unsolicited neighbour advertisement).
 *
 * Parameters: parameters/ip; parameters/forceactive (0/1, default 0: the
 * original ignored it, this product honours it); parameters/ping/timeout (s,
 * default 1; the "does anybody answer" check; parameters/ping/timeoutms in ms);
 * parameters/arp/count (announcements, default 2). When the group comes from
 * another server of the cluster (a move or failover), the probe lasts at most
 * MOVE_PROBE_MS.
 */
#define CLP_LOG_TAG "fip"
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_icmp.h"
#include "clp_net.h"
#include "rsc.h"

/* The duplicate-address probe of a move or failover inside the cluster, ms. */
#define MOVE_PROBE_MS 10

static int probe_ms(const rsc_ctx_t *ctx)
{
    long ms = rsc_param_int(ctx, "parameters/ping/timeoutms", -1);
    if (ms < 0) {
        ms = rsc_param_int(ctx, "parameters/ping/timeout", 1) * 1000;
    }
    return ms < 50 ? 50 : (int)ms;
}

/* One gratuitous ARP on the open socket, or an unsolicited neighbour
 * advertisement (IPv6, or when no ARP socket could be opened). */
static void announce(clp_arp_t *arp, const char *ifname, const char *ip)
{
    if (arp->fd >= 0) {
        clp_net_arp_announce_on(arp, ip);
    } else {
        clp_net_announce(ifname, ip, 1);
    }
}

static int fip_activate(rsc_ctx_t *ctx)
{
    const char *ip = rsc_param(ctx, "parameters/ip");
    char ifname[64], who[32] = "";
    int prefix;
    if (!ip) {
        printf("no address configured");
        return RSC_ERR;
    }
    int rc = clp_net_addr_present(ip, ifname, sizeof(ifname));
    if (rc == 1) {
        printf("%s is already configured on %s of this server", ip, ifname);
        return RSC_OK;
    }
    rc = clp_net_iface_for(ip, ifname, sizeof(ifname), &prefix);
    if (rc < 0) {
        printf("no interface of this server is in the subnet of %s", ip);
        return RSC_ERR;
    }
    bool force = rsc_param_int(ctx, "parameters/forceactive", 0) != 0;
    bool v6 = strchr(ip, ':') != NULL;
    /* Moved or failed over inside the cluster: the previous holder has released
     * (or been fenced off) the address just now, so a short probe suffices to
     * catch an outside host using it (an ARP reply on a LAN takes well under a
     * millisecond, and one that arrives while this process waits for the CPU is
     * queued on the socket). A first start waits the full probe time. */
    int wait = probe_ms(ctx);
    if (ctx->env.prev_server && wait > MOVE_PROBE_MS) {
        wait = MOVE_PROBE_MS;
    }
    /* IPv4: one ARP socket for the probe and every announcement (opening and
     * closing one each wait for the kernel; see clp_net.h). */
    clp_arp_t arp = {.fd = -1};
    int busy;
    if (v6) {
        busy = clp_ping(ip, 1, 100, wait) == 0;
    } else if (clp_net_arp_open(&arp, ifname) == 0) {
        busy = clp_net_arp_probe_on(&arp, ip, wait, who, sizeof(who));
    } else {
        busy = clp_net_arp_probe(ifname, ip, wait, who, sizeof(who));
    }
    if (busy > 0) {
        if (!force) {
            printf("%s already answers on the network%s%s: refusing to activate (a duplicate "
                   "address)",
                   ip, who[0] ? " from " : "", who);
            clp_net_arp_close(&arp);
            return RSC_ERR_BUSY;
        }
        printf("%s already answers%s%s; activating anyway (forced activation)", ip,
               who[0] ? " from " : "", who);
    }
    rc = clp_net_addr_add(ifname, ip, prefix, true);
    if (rc < 0 && rc != -EEXIST) {
        printf("cannot add %s/%d to %s: %s", ip, prefix, ifname, strerror(-rc));
        clp_net_arp_close(&arp);
        return RSC_ERR;
    }
    rsc_state_write(ctx, "iface", ifname);
    /* The first announcement now; the repeats from a detached process, so the
     * activation (and what waits for it) does not wait for them. That process
     * inherits the ARP socket and closes it last, off the activation's path. */
    int count = (int)rsc_param_int(ctx, "parameters/arp/count", 2);
    announce(&arp, ifname, ip);
    if (count > 1) {
        int pfd[2];
        if (pipe(pfd) == 0 && fork() == 0) {
            setsid();
            pid_t announcer = fork();
            if (announcer == 0) {
                /* Each repeat only while the address is still here: a late
                 * announcement after a deactivation would claim an address
                 * another server is taking over. */
                for (int i = 1; i < count; i++) {
                    usleep(100000);
                    if (clp_net_addr_present(ip, NULL, 0) != 1) {
                        break;
                    }
                    announce(&arp, ifname, ip);
                }
                clp_net_arp_close(&arp);
                _exit(0);
            }
            char buf[32];
            int n = snprintf(buf, sizeof(buf), "%d\n", (int)announcer);
            if (write(pfd[1], buf, (size_t)n) < 0) {
                _exit(1);
            }
            _exit(0);
        }
        close(pfd[1]);
        char buf[32] = "";
        ssize_t r = read(pfd[0], buf, sizeof(buf) - 1);
        close(pfd[0]);
        if (r > 0) {
            buf[r] = '\0';
            rsc_state_write(ctx, "announcer", buf);
        }
    }
    clp_net_arp_close(&arp);
    return RSC_OK;
}

/* Ends a background announcer still repeating for this address. */
static void stop_announcer(const rsc_ctx_t *ctx)
{
    char buf[32];
    if (rsc_state_read(ctx, "announcer", buf, sizeof(buf)) == 0) {
        pid_t pid = (pid_t)atoi(buf);
        if (pid > 1) {
            kill(pid, SIGKILL);
        }
        rsc_state_remove(ctx, "announcer");
    }
}

static int fip_deactivate(rsc_ctx_t *ctx)
{
    const char *ip = rsc_param(ctx, "parameters/ip");
    stop_announcer(ctx);
    int rc = clp_net_addr_del(ip);
    if (rc < 0) {
        printf("cannot remove %s: %s", ip, strerror(-rc));
        return RSC_ERR;
    }
    if (clp_net_addr_present(ip, NULL, 0) == 1) {
        printf("%s is still configured after removal", ip);
        return RSC_ERR;
    }
    return RSC_OK;
}

static int fip_probe(rsc_ctx_t *ctx)
{
    int rc = clp_net_addr_present(rsc_param(ctx, "parameters/ip"), NULL, 0);
    return rc == 1 ? RSC_OK : rc == 0 ? RSC_PROBE_INACTIVE : RSC_ERR;
}

static void fip_quick_fence(const rsc_ctx_t *ctx)
{
    stop_announcer(ctx);
    clp_net_addr_del(rsc_param(ctx, "parameters/ip"));
}

/* After a dual activation the keeper announces the address again (in a
 * child of the core). A host that learnt the other holder's MAC a moment ago
 * ignores a gratuitous ARP for as long as its entry is younger than its
 * locktime (net.ipv4.neigh.*.locktime, 1 s by default on Linux), so the
 * announcements span longer than that: at 0, 0.6 and 1.2 s, each only while
 * the address is still here. */
#define FIP_REANNOUNCE_GAP_US 600000
#define FIP_REANNOUNCE_COUNT 3

static int fip_announce(rsc_ctx_t *ctx)
{
    const char *ip = rsc_param(ctx, "parameters/ip");
    char ifname[64];
    int rc = RSC_OK;
    for (int i = 0; i < FIP_REANNOUNCE_COUNT; i++) {
        if (i > 0) {
            usleep(FIP_REANNOUNCE_GAP_US);
        }
        if (clp_net_addr_present(ip, ifname, sizeof(ifname)) != 1) {
            return i == 0 ? RSC_PROBE_INACTIVE : rc;
        }
        if (clp_net_announce(ifname, ip, 1) != 0) {
            rc = RSC_ERR;
        }
    }
    return rc;
}

const rsc_type_t rsc_fip = {
    .name = "fip",
    .level = RSC_LEVEL_IP,
    .activate = fip_activate,
    .deactivate = fip_deactivate,
    .probe = fip_probe,
    .quick_fence = fip_quick_fence,
    .announce = fip_announce,
};

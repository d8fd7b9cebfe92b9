/*
 * vip: a virtual IP address, a host address on a virtual network that exists
 * on no LAN, reached through routers that learn by RIP which server holds it
 * (reference §3.3). The original product's model, kept here.
 *
 * Parameters: parameters/ip (IPv4), parameters/netmask (prefix length of the
 * address on the interface, default 24), parameters/nic (the interface to add
 * it to and to announce on; default: the interface of the default route), and
 * this product's parameters/rip/interval (s between announcements, default
 * 30, RIP's update period), parameters/rip/metric (1..15, default 1),
 * parameters/rip/port (default 520), parameters/forceactive (0/1, default 0),
 * parameters/ping/timeoutms (the duplicate check, default 500 ms; 30 ms when
 * the group comes from another server of the cluster).
 *
 * Activation: refuse when the address answers ARP on the interface already
 * (another holder on the same LAN) unless forced; add ip/netmask to the
 * interface by netlink; announce it (gratuitous ARP, for the hosts of the
 * LAN) and start the announcer: a detached process (its pid in the state
 * directory) that sends a RIPv2 response for the host route ip/32 with this
 * server's interface address as next hop to 224.0.0.9 (RIP routers) every
 * rip/interval seconds, and on SIGTERM, or when the address is no longer
 * there, a last one with metric 16 (route withdrawn). Deactivation: end the
 * announcer (it withdraws the route), remove the address. Probe: the address
 * is on the interface and the announcer runs. After every announcement it
 * sent, the announcer touches the state file "announced" (vip.h): vipw, the
 * resource's monitor, checks that announcements still go out. Quick fence: kill the announcer
 * and remove the address at once (no withdrawal: the new holder's
 * announcements replace the route).
 */
#define CLP_LOG_TAG "vip"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clp_net.h"
#include "clp_time.h"
#include "rsc.h"
#include "vip.h"

#define ANNOUNCER_NAME VIP_ANNOUNCER_NAME

/* The interface of the IPv4 default route (/proc/net/route). */
static int default_iface(char *ifname, size_t n)
{
    FILE *f = fopen("/proc/net/route", "re");
    char line[256];
    int rc = -ENOENT;
    while (f && fgets(line, sizeof(line), f)) {
        char name[IF_NAMESIZE + 1];
        unsigned dest, mask;
        if (sscanf(line, "%16s %x %*x %*x %*d %*d %*d %x", name, &dest, &mask) == 3 && dest == 0 &&
            mask == 0) {
            snprintf(ifname, n, "%s", name);
            rc = 0;
            break;
        }
    }
    if (f) {
        fclose(f);
    }
    return rc;
}

/* The first IPv4 address of ifname other than vip (the RIP next hop). */
static int iface_addr(const char *ifname, const char *vip, struct in_addr *out)
{
    struct ifaddrs *ifa, *i;
    struct in_addr v;
    inet_pton(AF_INET, vip, &v);
    if (getifaddrs(&ifa) < 0) {
        return -errno;
    }
    int rc = -EADDRNOTAVAIL;
    for (i = ifa; i; i = i->ifa_next) {
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && strcmp(i->ifa_name, ifname) == 0) {
            struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
            if (a.s_addr != v.s_addr) {
                *out = a;
                rc = 0;
                break;
            }
        }
    }
    freeifaddrs(ifa);
    return rc;
}

typedef struct {
    char ip[64];
    char ifname[IF_NAMESIZE + 1];
    long interval_s;
    int metric;
    int port;
    char mark[CLP_PATH_MAX + 32]; /* VIP_STATE_ANNOUNCED: touched after each announcement */
} vip_t;

static int vip_params(const rsc_ctx_t *ctx, vip_t *v, bool need_iface)
{
    const char *ip = rsc_param(ctx, "parameters/ip");
    struct in_addr a;
    if (!ip || inet_pton(AF_INET, ip, &a) != 1) {
        printf("parameters/ip must be an IPv4 address (RIP announces IPv4 routes)");
        return RSC_ERR;
    }
    snprintf(v->ip, sizeof(v->ip), "%s", ip);
    snprintf(v->mark, sizeof(v->mark), "%s/%s", ctx->state_dir, VIP_STATE_ANNOUNCED);
    const char *nic = rsc_param(ctx, "parameters/nic");
    if (nic && nic[0]) {
        snprintf(v->ifname, sizeof(v->ifname), "%s", nic);
    } else if (default_iface(v->ifname, sizeof(v->ifname)) < 0 && need_iface) {
        printf("no parameters/nic and no default route to choose an interface");
        return RSC_ERR;
    }
    v->interval_s = rsc_param_int(ctx, "parameters/rip/interval", 30);
    if (v->interval_s < 1) {
        v->interval_s = 1;
    }
    v->metric = (int)rsc_param_int(ctx, "parameters/rip/metric", 1);
    if (v->metric < 1 || v->metric > 15) {
        v->metric = 1;
    }
    v->port = (int)rsc_param_int(ctx, "parameters/rip/port", 520);
    return RSC_OK;
}

/* One RIPv2 response (RFC 2453) for ip/32 with the given metric, from the
 * interface's address and port (520 when it can be had: receivers check it). */
static int rip_send(const vip_t *v, int metric)
{
    struct in_addr src, dst;
    if (iface_addr(v->ifname, v->ip, &src) < 0) {
        return -EADDRNOTAVAIL;
    }
    inet_pton(AF_INET, v->ip, &dst);
    unsigned char pkt[4 + 20] = {2, 2, 0, 0};
    unsigned char *e = pkt + 4;
    e[0] = 0;
    e[1] = AF_INET;  /* address family 2 */
    e[2] = e[3] = 0; /* route tag */
    memcpy(e + 4, &dst.s_addr, 4);
    memset(e + 8, 0xff, 4); /* mask /32 */
    memset(e + 12, 0, 4);   /* next hop: the sender */
    e[16] = e[17] = e[18] = 0;
    e[19] = (unsigned char)metric;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1, ttl = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, v->ifname, (socklen_t)strlen(v->ifname));
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)v->port), .sin_addr = src};
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        sa.sin_port = 0;
        bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &src, sizeof(src));
    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)v->port)};
    inet_pton(AF_INET, "224.0.0.9", &to.sin_addr);
    ssize_t k = sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
    int err = k < 0 ? -errno : 0;
    close(fd);
    return err;
}

/* Records that an announcement went out: the mark's modification time is
 * now (vipw reads it). */
static void mark_announced(const vip_t *v)
{
    int fd = open(v->mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        futimens(fd, NULL);
        close(fd);
    }
}

static volatile sig_atomic_t g_stop;

static void on_term(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* The announcer's body: never returns. */
static void announcer(const vip_t *v)
{
    prctl(PR_SET_NAME, ANNOUNCER_NAME, 0, 0, 0);
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    while (!g_stop && clp_net_addr_present(v->ip, NULL, 0) == 1) {
        if (rip_send(v, v->metric) == 0) {
            mark_announced(v);
        }
        uint64_t until = clp_mono_ms() + (uint64_t)v->interval_s * 1000u;
        while (!g_stop && clp_mono_ms() < until) {
            struct timespec ts = {0, 50000000};
            nanosleep(&ts, NULL);
        }
    }
    rip_send(v, 16);
    _exit(0);
}

/* Is pid our announcer (and not a recycled pid)? */
static bool announcer_alive(pid_t pid)
{
    char path[64], comm[32] = "";
    if (pid <= 1 || kill(pid, 0) < 0) {
        return false;
    }
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        return false;
    }
    if (!fgets(comm, sizeof(comm), f)) {
        comm[0] = '\0';
    }
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    return strcmp(comm, ANNOUNCER_NAME) == 0;
}

static pid_t announcer_pid(const rsc_ctx_t *ctx)
{
    char buf[32];
    if (rsc_state_read(ctx, VIP_STATE_ANNOUNCER, buf, sizeof(buf)) < 0) {
        return 0;
    }
    pid_t pid = (pid_t)atoi(buf);
    return announcer_alive(pid) ? pid : 0;
}

/* Starts the announcer detached (own session, no descriptor of the core's),
 * and records its pid. */
static int announcer_start(const rsc_ctx_t *ctx, const vip_t *v)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -errno;
    }
    pid_t mid = fork();
    if (mid < 0) {
        return -errno;
    }
    if (mid == 0) {
        setsid();
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            close_range(3, ~0u, 0);
            announcer(v);
        }
        ssize_t w = write(p[1], &pid, sizeof(pid));
        (void)w;
        _exit(0);
    }
    close(p[1]);
    pid_t pid = -1;
    ssize_t r = read(p[0], &pid, sizeof(pid));
    close(p[0]);
    waitpid(mid, NULL, 0);
    if (r != sizeof(pid) || pid <= 0) {
        return -ECHILD;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    rsc_state_write(ctx, VIP_STATE_ANNOUNCER, buf);
    return 0;
}

static int vip_activate(rsc_ctx_t *ctx)
{
    vip_t v;
    if (vip_params(ctx, &v, true) != RSC_OK) {
        return RSC_ERR;
    }
    int prefix = (int)rsc_param_int(ctx, "parameters/netmask", 24);
    if (prefix < 1 || prefix > 32) {
        printf("parameters/netmask %d is not an IPv4 prefix length", prefix);
        return RSC_ERR;
    }
    char where[64];
    if (clp_net_addr_present(v.ip, where, sizeof(where)) == 1) {
        if (strcmp(where, v.ifname) != 0) {
            printf("%s is already configured on %s, not %s", v.ip, where, v.ifname);
            return RSC_ERR;
        }
    } else {
        int wait = (int)rsc_param_int(ctx, "parameters/ping/timeoutms", 500);
        if (ctx->env.prev_server && wait > 30) {
            wait = 30;
        }
        char who[32] = "";
        int busy = clp_net_arp_probe(v.ifname, v.ip, wait, who, sizeof(who));
        if (busy > 0 && rsc_param_int(ctx, "parameters/forceactive", 0) == 0) {
            printf("%s already answers on %s%s%s: refusing to activate (a duplicate address)", v.ip,
                   v.ifname, who[0] ? " from " : "", who);
            return RSC_ERR_BUSY;
        }
        int rc = clp_net_addr_add(v.ifname, v.ip, prefix, true);
        if (rc < 0 && rc != -EEXIST) {
            printf("cannot add %s/%d to %s: %s", v.ip, prefix, v.ifname, strerror(-rc));
            return RSC_ERR;
        }
    }
    clp_net_announce(v.ifname, v.ip, 1);
    if (announcer_pid(ctx) > 0) {
        return RSC_OK;
    }
    if (rip_send(&v, v.metric) < 0) {
        printf("cannot send a RIP announcement for %s on %s: %s", v.ip, v.ifname, strerror(errno));
        clp_net_addr_del(v.ip);
        return RSC_ERR;
    }
    mark_announced(&v);
    int rc = announcer_start(ctx, &v);
    if (rc < 0) {
        printf("cannot start the RIP announcer: %s", strerror(-rc));
        clp_net_addr_del(v.ip);
        return RSC_ERR;
    }
    return RSC_OK;
}

static int vip_deactivate(rsc_ctx_t *ctx)
{
    vip_t v;
    if (vip_params(ctx, &v, false) != RSC_OK) {
        return RSC_ERR;
    }
    pid_t pid = announcer_pid(ctx);
    if (pid > 0) {
        kill(pid, SIGTERM);
        uint64_t end = clp_mono_ms() + 3000;
        while (announcer_alive(pid) && clp_mono_ms() < end) {
            usleep(20000);
        }
        if (announcer_alive(pid)) {
            kill(pid, SIGKILL);
        }
    }
    rsc_state_remove(ctx, VIP_STATE_ANNOUNCER);
    rsc_state_remove(ctx, VIP_STATE_ANNOUNCED);
    if (v.ifname[0]) {
        rip_send(&v, 16);
    }
    int rc = clp_net_addr_del(v.ip);
    if (rc < 0) {
        printf("cannot remove %s: %s", v.ip, strerror(-rc));
        return RSC_ERR;
    }
    if (clp_net_addr_present(v.ip, NULL, 0) == 1) {
        printf("%s is still configured after removal", v.ip);
        return RSC_ERR;
    }
    return RSC_OK;
}

static int vip_probe(rsc_ctx_t *ctx)
{
    vip_t v;
    if (vip_params(ctx, &v, false) != RSC_OK) {
        return RSC_ERR;
    }
    int rc = clp_net_addr_present(v.ip, NULL, 0);
    if (rc < 0) {
        return RSC_ERR;
    }
    if (rc == 0) {
        return RSC_PROBE_INACTIVE;
    }
    if (announcer_pid(ctx) <= 0) {
        printf("%s is configured but its RIP announcer is not running", v.ip);
        return RSC_ERR;
    }
    return RSC_OK;
}

static void vip_quick_fence(const rsc_ctx_t *ctx)
{
    char buf[32];
    if (rsc_state_read(ctx, VIP_STATE_ANNOUNCER, buf, sizeof(buf)) == 0) {
        pid_t pid = (pid_t)atoi(buf);
        if (announcer_alive(pid)) {
            kill(pid, SIGKILL);
        }
    }
    const char *ip = rsc_param(ctx, "parameters/ip");
    if (ip) {
        clp_net_addr_del(ip);
    }
}

static int vip_announce(rsc_ctx_t *ctx)
{
    vip_t v;
    if (vip_params(ctx, &v, true) != RSC_OK) {
        return RSC_ERR;
    }
    if (clp_net_addr_present(v.ip, NULL, 0) != 1) {
        return RSC_PROBE_INACTIVE;
    }
    clp_net_announce(v.ifname, v.ip, 3);
    if (rip_send(&v, v.metric) != 0) {
        return RSC_ERR;
    }
    mark_announced(&v);
    return RSC_OK;
}

const rsc_type_t rsc_vip = {
    .name = "vip",
    .level = RSC_LEVEL_IP,
    .activate = vip_activate,
    .deactivate = vip_deactivate,
    .probe = vip_probe,
    .quick_fence = vip_quick_fence,
    .announce = vip_announce,
};

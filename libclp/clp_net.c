/*
 * clp_net: rtnetlink address management, carrier state, ARP probe and
 * announcements.
 */
#include "clp_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_time.h"

typedef struct {
    int family;
    unsigned char bytes[16];
} addr_t;

static int parse_addr(const char *s, addr_t *a)
{
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, s, a->bytes) == 1) {
        a->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, a->bytes) == 1) {
        a->family = AF_INET6;
        return 0;
    }
    return -EINVAL;
}

static bool same_prefix(const unsigned char *x, const unsigned char *y, int prefix)
{
    int full = prefix / 8, rest = prefix % 8;
    if (memcmp(x, y, (size_t)full) != 0) {
        return false;
    }
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        return (x[full] & mask) == (y[full] & mask);
    }
    return true;
}

static int mask_len(const struct sockaddr *m)
{
    const unsigned char *b;
    int len, bits = 0;
    if (m->sa_family == AF_INET) {
        b = (const unsigned char *)&((const struct sockaddr_in *)m)->sin_addr;
        len = 4;
    } else {
        b = (const unsigned char *)&((const struct sockaddr_in6 *)m)->sin6_addr;
        len = 16;
    }
    for (int i = 0; i < len; i++) {
        bits += __builtin_popcount(b[i]);
    }
    return bits;
}

static const unsigned char *sa_bytes(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET
               ? (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr
               : (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
}

int clp_net_iface_for(const char *addr, char *ifname, size_t n, int *prefix)
{
    addr_t a;
    struct ifaddrs *ifs, *i;
    if (parse_addr(addr, &a) < 0) {
        return -EINVAL;
    }
    if (getifaddrs(&ifs) < 0) {
        return -errno;
    }
    int rc = -ENOENT;
    for (i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != a.family ||
            (i->ifa_flags & IFF_LOOPBACK)) {
            continue;
        }
        int p = mask_len(i->ifa_netmask);
        if (p == (a.family == AF_INET ? 32 : 128)) {
            continue; /* a host route (e.g. a floating address added /32) */
        }
        if (same_prefix(sa_bytes(i->ifa_addr), a.bytes, p) &&
            memcmp(sa_bytes(i->ifa_addr), a.bytes, a.family == AF_INET ? 4 : 16) != 0) {
            snprintf(ifname, n, "%s", i->ifa_name);
            *prefix = p;
            rc = 0;
            break;
        }
    }
    freeifaddrs(ifs);
    return rc;
}

int clp_net_addr_present(const char *addr, char *ifname, size_t n)
{
    addr_t a;
    struct ifaddrs *ifs, *i;
    if (parse_addr(addr, &a) < 0) {
        return -EINVAL;
    }
    if (getifaddrs(&ifs) < 0) {
        return -errno;
    }
    int found = 0;
    for (i = ifs; i; i = i->ifa_next) {
        if (i->ifa_addr && i->ifa_addr->sa_family == a.family &&
            memcmp(sa_bytes(i->ifa_addr), a.bytes, a.family == AF_INET ? 4 : 16) == 0) {
            if (ifname) {
                snprintf(ifname, n, "%s", i->ifa_name);
            }
            found = 1;
            break;
        }
    }
    freeifaddrs(ifs);
    return found;
}

/* ---- rtnetlink ---- */

static int nl_talk(struct nlmsghdr *req)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        return -errno;
    }
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    req->nlmsg_seq = (uint32_t)clp_mono_us();
    if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    char buf[8192];
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 2000) <= 0) {
            close(fd);
            return -ETIMEDOUT;
        }
        ssize_t len = recv(fd, buf, sizeof(buf), 0);
        if (len < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len);
             h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_seq != req->nlmsg_seq) {
                continue;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *err = NLMSG_DATA(h);
                close(fd);
                return err->error;
            }
        }
    }
}

/* Appends an attribute to the message in buf (max bytes in all). */
static void add_attr(char *buf, size_t max, int type, const void *data, size_t len)
{
    struct nlmsghdr *n = (struct nlmsghdr *)buf;
    size_t off = NLMSG_ALIGN(n->nlmsg_len);
    size_t rlen = RTA_LENGTH(len);
    if (off + RTA_ALIGN(rlen) > max) {
        return;
    }
    struct rtattr rta = {.rta_len = (unsigned short)rlen, .rta_type = (unsigned short)type};
    memcpy(buf + off, &rta, sizeof(rta));
    memcpy(buf + off + RTA_LENGTH(0), data, len);
    n->nlmsg_len = (uint32_t)(off + RTA_ALIGN(rlen));
}

static int addr_msg(int type, int flags, int ifindex, const addr_t *a, int prefix, bool nodad)
{
    struct {
        struct nlmsghdr n;
        struct ifaddrmsg ifa;
        char attrs[256];
    } req;
    memset(&req, 0, sizeof(req));
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    req.n.nlmsg_type = (unsigned short)type;
    req.n.nlmsg_flags = (unsigned short)flags;
    req.ifa.ifa_family = (unsigned char)a->family;
    req.ifa.ifa_prefixlen = (unsigned char)prefix;
    req.ifa.ifa_index = (unsigned)ifindex;
    req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
    size_t alen = a->family == AF_INET ? 4 : 16;
    add_attr((char *)&req, sizeof(req), IFA_LOCAL, a->bytes, alen);
    add_attr((char *)&req, sizeof(req), IFA_ADDRESS, a->bytes, alen);
    if (nodad && a->family == AF_INET6) {
        uint32_t fl = IFA_F_NODAD;
        add_attr((char *)&req, sizeof(req), IFA_FLAGS, &fl, sizeof(fl));
    }
    return nl_talk(&req.n);
}

int clp_net_addr_add(const char *ifname, const char *addr, int prefix, bool nodad)
{
    addr_t a;
    if (parse_addr(addr, &a) < 0) {
        return -EINVAL;
    }
    int idx = (int)if_nametoindex(ifname);
    if (idx == 0) {
        return -ENODEV;
    }
    return addr_msg(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, idx, &a, prefix, nodad);
}

int clp_net_addr_del(const char *addr)
{
    addr_t a;
    struct ifaddrs *ifs, *i;
    if (parse_addr(addr, &a) < 0) {
        return -EINVAL;
    }
    if (getifaddrs(&ifs) < 0) {
        return -errno;
    }
    int rc = 0;
    for (i = ifs; i; i = i->ifa_next) {
        if (i->ifa_addr && i->ifa_addr->sa_family == a.family && i->ifa_netmask &&
            memcmp(sa_bytes(i->ifa_addr), a.bytes, a.family == AF_INET ? 4 : 16) == 0) {
            int idx = (int)if_nametoindex(i->ifa_name);
            int r = addr_msg(RTM_DELADDR, 0, idx, &a, mask_len(i->ifa_netmask), false);
            if (r < 0 && r != -EADDRNOTAVAIL) {
                rc = r;
            }
        }
    }
    freeifaddrs(ifs);
    return rc;
}

int clp_net_link_state(const char *ifname)
{
    int idx = (int)if_nametoindex(ifname);
    if (idx == 0) {
        return -ENODEV;
    }
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        return -errno;
    }
    struct {
        struct nlmsghdr n;
        struct ifinfomsg i;
    } req;
    memset(&req, 0, sizeof(req));
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    req.n.nlmsg_type = RTM_GETLINK;
    req.n.nlmsg_flags = NLM_F_REQUEST;
    req.n.nlmsg_seq = (uint32_t)clp_mono_us();
    req.i.ifi_family = AF_UNSPEC;
    req.i.ifi_index = idx;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    char buf[16384];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 2000) <= 0) {
        close(fd);
        return -ETIMEDOUT;
    }
    ssize_t len = recv(fd, buf, sizeof(buf), 0);
    close(fd);
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; len > 0 && NLMSG_OK(h, (unsigned)len);
         h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_type == RTM_NEWLINK) {
            struct ifinfomsg *ifi = NLMSG_DATA(h); /* bit 16 = IFF_LOWER_UP (carrier) */
            return (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & (1u << 16)) ? 1 : 0;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
            return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        }
    }
    return -EIO;
}

/* ---- ARP and neighbour advertisements ---- */

struct arp_pkt {
    struct ether_header eth;
    struct ether_arp arp;
} __attribute__((packed));

/* The socket is created without a protocol and bound to ETH_P_ARP on the
 * interface: created with ETH_P_ARP, the bind would first remove the socket's
 * hook for every interface, which waits for an RCU grace period. */
static int packet_socket(const char *ifname, int *ifindex, unsigned char mac[6])
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
        close(fd);
        return -ENODEV;
    }
    *ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll ll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = *ifindex};
    if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int send_arp(int fd, int ifindex, const unsigned char mac[6], int op,
                    const unsigned char sip[4], const unsigned char tip[4])
{
    struct arp_pkt p;
    memset(&p, 0, sizeof(p));
    memset(p.eth.ether_dhost, 0xff, 6);
    memcpy(p.eth.ether_shost, mac, 6);
    p.eth.ether_type = htons(ETH_P_ARP);
    p.arp.arp_hrd = htons(ARPHRD_ETHER);
    p.arp.arp_pro = htons(ETH_P_IP);
    p.arp.arp_hln = 6;
    p.arp.arp_pln = 4;
    p.arp.arp_op = htons((uint16_t)op);
    memcpy(p.arp.arp_sha, mac, 6);
    memcpy(p.arp.arp_spa, sip, 4);
    memcpy(p.arp.arp_tpa, tip, 4);
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
                             .sll_ifindex = ifindex, .sll_halen = 6};
    memset(ll.sll_addr, 0xff, 6);
    if (sendto(fd, &p, sizeof(p), 0, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
        return -errno;
    }
    return 0;
}

int clp_net_arp_open(clp_arp_t *a, const char *ifname)
{
    a->fd = packet_socket(ifname, &a->ifindex, a->mac);
    return a->fd < 0 ? a->fd : 0;
}

void clp_net_arp_close(clp_arp_t *a)
{
    if (a->fd >= 0) {
        close(a->fd);
        a->fd = -1;
    }
}

int clp_net_arp_probe_on(clp_arp_t *a, const char *ipv4, int timeout_ms, char *who, size_t n)
{
    unsigned char tip[4], zero[4] = {0};
    if (inet_pton(AF_INET, ipv4, tip) != 1) {
        return -EINVAL;
    }
    uint64_t deadline = clp_mono_ms() + (uint64_t)timeout_ms;
    uint64_t next = 0;
    for (;;) {
        uint64_t now = clp_mono_ms();
        if (now >= deadline) {
            return 0;
        }
        if (now >= next) {
            send_arp(a->fd, a->ifindex, a->mac, ARPOP_REQUEST, zero, tip);
            next = now + 100;
        }
        struct pollfd p = {.fd = a->fd, .events = POLLIN};
        uint64_t until = next < deadline ? next : deadline;
        if (poll(&p, 1, (int)(until - now)) <= 0) {
            continue;
        }
        struct arp_pkt r;
        ssize_t len = recv(a->fd, &r, sizeof(r), MSG_DONTWAIT);
        if (len < (ssize_t)sizeof(r) || ntohs(r.arp.arp_op) != ARPOP_REPLY ||
            memcmp(r.arp.arp_spa, tip, 4) != 0 || memcmp(r.arp.arp_sha, a->mac, 6) == 0) {
            continue;
        }
        if (who) {
            snprintf(who, n, "%02x:%02x:%02x:%02x:%02x:%02x", r.arp.arp_sha[0], r.arp.arp_sha[1],
                     r.arp.arp_sha[2], r.arp.arp_sha[3], r.arp.arp_sha[4], r.arp.arp_sha[5]);
        }
        return 1;
    }
}

int clp_net_arp_announce_on(clp_arp_t *a, const char *ipv4)
{
    unsigned char ip[4];
    if (inet_pton(AF_INET, ipv4, ip) != 1) {
        return -EINVAL;
    }
    int rc = send_arp(a->fd, a->ifindex, a->mac, ARPOP_REQUEST, ip, ip);
    send_arp(a->fd, a->ifindex, a->mac, ARPOP_REPLY, ip, ip);
    return rc;
}

int clp_net_arp_probe(const char *ifname, const char *ipv4, int timeout_ms, char *who, size_t n)
{
    unsigned char tip[4];
    if (inet_pton(AF_INET, ipv4, tip) != 1) {
        return -EINVAL;
    }
    clp_arp_t a;
    int rc = clp_net_arp_open(&a, ifname);
    if (rc < 0) {
        return rc;
    }
    rc = clp_net_arp_probe_on(&a, ipv4, timeout_ms, who, n);
    clp_net_arp_close(&a);
    return rc;
}

static int announce6(const char *ifname, const unsigned char addr[16], int count)
{
    int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
        return -errno;
    }
    int hops = 255;
    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
    unsigned idx = if_nametoindex(ifname);
    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof(idx));
    struct {
        struct nd_neighbor_advert na;
        struct nd_opt_hdr opt;
        unsigned char mac[6];
    } __attribute__((packed)) pkt;
    memset(&pkt, 0, sizeof(pkt));
    pkt.na.nd_na_type = ND_NEIGHBOR_ADVERT;
    pkt.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
    memcpy(&pkt.na.nd_na_target, addr, 16);
    pkt.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
    pkt.opt.nd_opt_len = 1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) {
        memcpy(pkt.mac, ifr.ifr_hwaddr.sa_data, 6);
    }
    struct sockaddr_in6 dst = {.sin6_family = AF_INET6, .sin6_scope_id = idx};
    inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
    for (int i = 0; i < count; i++) {
        sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&dst, sizeof(dst));
        if (i + 1 < count) {
            usleep(100000);
        }
    }
    close(fd);
    return 0;
}

int clp_net_announce(const char *ifname, const char *addr, int count)
{
    addr_t a;
    if (parse_addr(addr, &a) < 0) {
        return -EINVAL;
    }
    if (count < 1) {
        count = 1;
    }
    if (a.family == AF_INET6) {
        return announce6(ifname, a.bytes, count);
    }
    unsigned char mac[6];
    int ifindex;
    int fd = packet_socket(ifname, &ifindex, mac);
    if (fd < 0) {
        return fd;
    }
    int rc = 0;
    for (int i = 0; i < count; i++) {
        rc = send_arp(fd, ifindex, mac, ARPOP_REQUEST, a.bytes, a.bytes);
        send_arp(fd, ifindex, mac, ARPOP_REPLY, a.bytes, a.bytes);
        if (i + 1 < count) {
            usleep(100000);
        }
    }
    close(fd);
    return rc;
}

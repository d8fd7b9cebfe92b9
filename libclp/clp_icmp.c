/*
 * clp_icmp: echo request/reply over raw ICMP sockets (root), matched by a
 * per-call identifier.
 */
#include "clp_icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_time.h"
#include "clp_udp.h"

static uint16_t checksum(const void *data, size_t len)
{
    const uint16_t *p = data;
    uint32_t sum = 0;
    while (len > 1) {
        sum += *p++;
        len -= 2;
    }
    if (len) {
        sum += *(const uint8_t *)p;
    }
    sum = (sum >> 16) + (sum & 0xffff);
    sum += sum >> 16;
    return (uint16_t)~sum;
}

int clp_ping(const char *addr, int count, int interval_ms, int timeout_ms)
{
    struct sockaddr_storage ss;
    socklen_t slen;
    if (clp_sockaddr(addr, 0, &ss, &slen) < 0) {
        return -EINVAL;
    }
    bool v6 = ss.ss_family == AF_INET6;
    int fd = socket(ss.ss_family, SOCK_RAW | SOCK_CLOEXEC, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    if (fd < 0) {
        return -errno;
    }
    uint16_t ident = (uint16_t)(getpid() ^ (clp_mono_us() & 0xffff));
    uint8_t pkt[64], buf[1500];
    uint64_t start = clp_mono_ms();
    uint64_t next_send = start;
    int sent = 0;
    if (count < 1) {
        count = 1;
    }
    for (;;) {
        uint64_t now = clp_mono_ms();
        if (sent < count && now >= next_send) {
            memset(pkt, 0, sizeof(pkt));
            if (v6) {
                struct icmp6_hdr *h = (struct icmp6_hdr *)pkt;
                h->icmp6_type = ICMP6_ECHO_REQUEST;
                h->icmp6_id = htons(ident);
                h->icmp6_seq = htons((uint16_t)sent);
            } else {
                struct icmphdr *h = (struct icmphdr *)pkt;
                h->type = ICMP_ECHO;
                h->un.echo.id = htons(ident);
                h->un.echo.sequence = htons((uint16_t)sent);
                h->checksum = checksum(pkt, sizeof(pkt));
            }
            sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, slen);
            sent++;
            next_send = now + (uint64_t)interval_ms;
        }
        uint64_t deadline = (sent < count ? next_send : start + (uint64_t)(count - 1) * interval_ms +
                                                            (uint64_t)timeout_ms);
        /* Past the deadline, what has arrived is still read (once, without
         * waiting): a pinger that got the CPU back late must not call a reply
         * that came in time a timeout. */
        bool expired = sent >= count && now >= deadline;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int wait = deadline > now ? (int)(deadline - now) : 0;
        if (poll(&pfd, 1, wait) <= 0) {
            if (expired) {
                close(fd);
                return -ETIMEDOUT;
            }
            continue;
        }
        struct sockaddr_storage from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
        if (n <= 0) {
            continue;
        }
        if (v6) {
            if ((size_t)n < sizeof(struct icmp6_hdr)) {
                continue;
            }
            struct icmp6_hdr *h = (struct icmp6_hdr *)buf;
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&from, *b = (struct sockaddr_in6 *)&ss;
            if (h->icmp6_type == ICMP6_ECHO_REPLY && ntohs(h->icmp6_id) == ident &&
                memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0) {
                close(fd);
                return 0;
            }
        } else {
            struct iphdr *ip = (struct iphdr *)buf;
            size_t hl = (size_t)ip->ihl * 4;
            if ((size_t)n < hl + sizeof(struct icmphdr)) {
                continue;
            }
            struct icmphdr *h = (struct icmphdr *)(buf + hl);
            if (h->type == ICMP_ECHOREPLY && ntohs(h->un.echo.id) == ident &&
                ip->saddr == ((struct sockaddr_in *)&ss)->sin_addr.s_addr) {
                close(fd);
                return 0;
            }
        }
    }
}

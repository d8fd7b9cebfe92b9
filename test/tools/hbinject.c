/*
 * hbinject: a test tool that puts hostile heartbeat datagrams on the wire, to
 * show that the LAN heartbeat refuses them (test/cluster/t_hb_auth.sh).
 *
 *   hbinject capture --src ADDR [--port P] [--count N] [--timeout S] --out FILE
 *       records the UDP payloads that ADDR sends to port P (default 29002) as
 *       seen by this host (a packet socket: the datagrams are still delivered
 *       normally); writes them to FILE (4-byte length, big-endian, then the
 *       bytes, per datagram) and prints sender, incarnation and sequence of each.
 *   hbinject replay --in FILE --src ADDR --dst ADDR [--port P] [--repeat N]
 *       [--interval MS]
 *       sends the recorded datagrams again, unchanged, with the source address
 *       ADDR (a raw socket: the sender's address is forged too, so that only
 *       the MAC and the replay window can tell them apart).
 *   hbinject forge --cluster NAME --sender SERVER --path J --src ADDR --dst ADDR
 *       [--port P] [--count N] [--interval MS]
 *       builds heartbeats of SERVER (state online, path J, a fresh incarnation
 *       and increasing sequence numbers) sealed with a random key instead of
 *       the cluster secret, and sends them from the forged source ADDR.
 *
 * Needs root (raw and packet sockets). Exit 0 when done, 1 on failure, 2 on
 * bad options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clp_dgram.h"
#include "clp_keys.h"
#include "clp_msg.h"
#include "clp_time.h"

#define MAX_DGRAMS 4096

typedef struct {
    uint8_t *buf;
    size_t len;
} dgram_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: hbinject capture --src ADDR [--port P] [--count N] [--timeout S] --out FILE\n"
            "       hbinject replay --in FILE --src ADDR --dst ADDR [--port P] [--repeat N]\n"
            "                       [--interval MS]\n"
            "       hbinject forge --cluster NAME --sender SERVER --path J --src ADDR --dst ADDR\n"
            "                      [--port P] [--count N] [--interval MS]\n");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* Prints what a datagram claims to be (without checking its MAC). */
static void describe(const uint8_t *buf, size_t len, FILE *out)
{
    Clp__Sealed *s = clp__sealed__unpack(NULL, len, buf);
    if (!s) {
        fprintf(out, "  %zu bytes: not a sealed envelope\n", len);
        return;
    }
    Clp__Envelope *env = clp_msg_unpack(NULL, "hbinject", s->body.data, s->body.len, NULL, 0);
    if (env) {
        fprintf(out, "  %zu bytes: %s from %s, incarnation %llu, seq %llu\n", len,
                clp_msg_payload_name(env), env->sender, (unsigned long long)env->incarnation,
                (unsigned long long)env->seq);
        clp_msg_free(env);
    } else {
        fprintf(out, "  %zu bytes: sealed, body not an envelope\n", len);
    }
    clp__sealed__free_unpacked(s, NULL);
}

static int cmd_capture(const char *src, int port, int count, int timeout_s, const char *path)
{
    struct in_addr want;
    if (inet_pton(AF_INET, src, &want) != 1) {
        fprintf(stderr, "hbinject: --src %s is not an IPv4 address\n", src);
        return 2;
    }
    int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    if (fd < 0) {
        fprintf(stderr, "hbinject: packet socket: %s\n", strerror(errno));
        return 1;
    }
    FILE *out = fopen(path, "wb");
    if (!out) {
        fprintf(stderr, "hbinject: %s: %s\n", path, strerror(errno));
        close(fd);
        return 1;
    }
    uint64_t deadline = clp_mono_ms() + (uint64_t)timeout_s * 1000u;
    int got = 0;
    while (got < count) {
        uint64_t now = clp_mono_ms();
        if (now >= deadline) {
            break;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(deadline - now)) <= 0) {
            continue;
        }
        uint8_t pkt[65536];
        struct sockaddr_ll from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &flen);
        if (n < (ssize_t)sizeof(struct iphdr) || from.sll_pkttype == PACKET_OUTGOING) {
            continue;
        }
        const struct iphdr *ip = (const struct iphdr *)pkt;
        size_t ihl = (size_t)ip->ihl * 4;
        if (ip->version != 4 || ip->protocol != IPPROTO_UDP || ip->saddr != want.s_addr ||
            (size_t)n < ihl + sizeof(struct udphdr)) {
            continue;
        }
        const struct udphdr *udp = (const struct udphdr *)(pkt + ihl);
        if (ntohs(udp->dest) != port) {
            continue;
        }
        size_t len = (size_t)ntohs(udp->len);
        if (len < sizeof(*udp) || ihl + len > (size_t)n) {
            continue;
        }
        len -= sizeof(*udp);
        uint32_t be = htonl((uint32_t)len);
        fwrite(&be, 4, 1, out);
        fwrite(pkt + ihl + sizeof(*udp), 1, len, out);
        describe(pkt + ihl + sizeof(*udp), len, stdout);
        got++;
    }
    close(fd);
    if (fclose(out) != 0) {
        fprintf(stderr, "hbinject: %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("captured %d datagrams from %s to port %d\n", got, src, port);
    if (got < count) {
        fprintf(stderr, "hbinject: only %d of %d datagrams within %d s\n", got, count, timeout_s);
        return 1;
    }
    return 0;
}

/* Sends payload as a UDP datagram from src:port to dst:port through a raw socket. */
static int send_forged(int fd, const char *src, const char *dst, int port, const uint8_t *payload,
                       size_t len)
{
    uint8_t pkt[CLP_DGRAM_MAX + 64];
    if (len > CLP_DGRAM_MAX) {
        return -EMSGSIZE;
    }
    struct iphdr *ip = (struct iphdr *)pkt;
    struct udphdr *udp = (struct udphdr *)(pkt + sizeof(*ip));
    memset(pkt, 0, sizeof(*ip) + sizeof(*udp));
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons((uint16_t)(sizeof(*ip) + sizeof(*udp) + len));
    inet_pton(AF_INET, src, &ip->saddr);
    inet_pton(AF_INET, dst, &ip->daddr);
    udp->source = htons((uint16_t)port);
    udp->dest = htons((uint16_t)port);
    udp->len = htons((uint16_t)(sizeof(*udp) + len));
    udp->check = 0; /* optional over IPv4 */
    memcpy(pkt + sizeof(*ip) + sizeof(*udp), payload, len);
    struct sockaddr_in to = {.sin_family = AF_INET};
    to.sin_addr.s_addr = ip->daddr;
    if (sendto(fd, pkt, sizeof(*ip) + sizeof(*udp) + len, 0, (struct sockaddr *)&to, sizeof(to)) <
        0) {
        return -errno;
    }
    return 0;
}

static int raw_socket(void)
{
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) {
        fprintf(stderr, "hbinject: raw socket: %s\n", strerror(errno));
    }
    return fd;
}

static int cmd_replay(const char *path, const char *src, const char *dst, int port, int repeat,
                      int interval_ms)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "hbinject: %s: %s\n", path, strerror(errno));
        return 1;
    }
    static dgram_t d[MAX_DGRAMS];
    size_t n = 0;
    uint32_t be;
    while (n < MAX_DGRAMS && fread(&be, 4, 1, in) == 1) {
        size_t len = ntohl(be);
        if (len > CLP_DGRAM_MAX) {
            fprintf(stderr, "hbinject: %s: corrupt record %zu\n", path, n);
            fclose(in);
            return 1;
        }
        d[n].buf = malloc(len ? len : 1);
        d[n].len = len;
        if (!d[n].buf || fread(d[n].buf, 1, len, in) != len) {
            fprintf(stderr, "hbinject: %s: truncated record %zu\n", path, n);
            fclose(in);
            return 1;
        }
        n++;
    }
    fclose(in);
    if (n == 0) {
        fprintf(stderr, "hbinject: %s holds no datagram\n", path);
        return 1;
    }
    int fd = raw_socket();
    if (fd < 0) {
        return 1;
    }
    unsigned long sent = 0, failed = 0;
    for (int r = 0; r < repeat; r++) {
        for (size_t i = 0; i < n; i++) {
            if (send_forged(fd, src, dst, port, d[i].buf, d[i].len) == 0) {
                sent++;
            } else {
                failed++;
            }
        }
        if (interval_ms > 0 && r + 1 < repeat) {
            sleep_ms(interval_ms);
        }
    }
    close(fd);
    for (size_t i = 0; i < n; i++) {
        free(d[i].buf);
    }
    printf("replayed %zu datagrams %d times from %s to %s:%d: %lu sent, %lu failed\n", n, repeat,
           src, dst, port, sent, failed);
    return failed ? 1 : 0;
}

static int cmd_forge(const char *cluster, const char *sender, int path, const char *src,
                     const char *dst, int port, int count, int interval_ms)
{
    if (sodium_init() < 0) {
        return 1;
    }
    uint8_t secret[32];
    randombytes_buf(secret, sizeof(secret)); /* not the cluster's: the MAC is wrong */
    clp_keys_t keys;
    clp_keys_derive(&keys, secret);
    clp_msg_ctx_t mctx;
    /* An incarnation far ahead of any real one: only the MAC can refuse it. */
    clp_msg_ctx_init(&mctx, cluster, sender, "clusterpro", clp_wall_ms() * 1000u * 2u);
    int fd = raw_socket();
    if (fd < 0) {
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < count; i++) {
        Clp__Heartbeat hb = CLP__HEARTBEAT__INIT;
        hb.state = CLP__SERVER_STATE__SERVER_ONLINE;
        hb.path = (uint32_t)path;
        hb.interval_ms = 200;
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_HEARTBEAT;
        env.heartbeat = &hb;
        clp_msg_stamp(&mctx, &env);
        uint8_t buf[CLP_DGRAM_MAX];
        int len = clp_dgram_seal(&keys, &env, buf, sizeof(buf));
        if (len < 0 || send_forged(fd, src, dst, port, buf, (size_t)len) < 0) {
            failed++;
        }
        if (interval_ms > 0 && i + 1 < count) {
            sleep_ms(interval_ms);
        }
    }
    close(fd);
    printf("forged %d heartbeats of %s (path %d) from %s to %s:%d with a random key: %d failed\n",
           count, sender, path, src, dst, port, failed);
    return failed ? 1 : 0;
}

static int int_arg(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"src", required_argument, NULL, 's'},      {"dst", required_argument, NULL, 'd'},
        {"port", required_argument, NULL, 'p'},     {"count", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},  {"out", required_argument, NULL, 'o'},
        {"in", required_argument, NULL, 'i'},       {"repeat", required_argument, NULL, 'r'},
        {"interval", required_argument, NULL, 'I'}, {"cluster", required_argument, NULL, 'c'},
        {"sender", required_argument, NULL, 'S'},   {"path", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    const char *src = NULL, *dst = NULL, *out = NULL, *in = NULL, *cluster = NULL, *sender = NULL;
    int port = 29002, count = 10, timeout_s = 10, repeat = 1, interval_ms = 0, path = -1;
    int c, bad = 0;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            src = optarg;
            break;
        case 'd':
            dst = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'i':
            in = optarg;
            break;
        case 'c':
            cluster = optarg;
            break;
        case 'S':
            sender = optarg;
            break;
        case 'p':
            bad |= int_arg(optarg, 1, 65535, &port);
            break;
        case 'n':
            bad |= int_arg(optarg, 1, MAX_DGRAMS, &count);
            break;
        case 't':
            bad |= int_arg(optarg, 1, 3600, &timeout_s);
            break;
        case 'r':
            bad |= int_arg(optarg, 1, 1000000, &repeat);
            break;
        case 'I':
            bad |= int_arg(optarg, 0, 60000, &interval_ms);
            break;
        case 'P':
            bad |= int_arg(optarg, 0, 63, &path);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (bad || optind != argc) {
        fprintf(stderr, "hbinject: bad option value or extra argument\n");
        usage(stderr);
        return 2;
    }
    struct in_addr a;
    if ((src && inet_pton(AF_INET, src, &a) != 1) || (dst && inet_pton(AF_INET, dst, &a) != 1)) {
        fprintf(stderr, "hbinject: --src and --dst take IPv4 addresses\n");
        return 2;
    }
    if (strcmp(cmd, "capture") == 0 && src && out) {
        return cmd_capture(src, port, count, timeout_s, out);
    }
    if (strcmp(cmd, "replay") == 0 && in && src && dst) {
        return cmd_replay(in, src, dst, port, repeat, interval_ms);
    }
    if (strcmp(cmd, "forge") == 0 && cluster && sender && path >= 0 && src && dst) {
        return cmd_forge(cluster, sender, path, src, dst, port, count, interval_ms);
    }
    fprintf(stderr, "hbinject: unknown command or missing option\n");
    usage(stderr);
    return 2;
}

/*
 * fuzz_dgram: heartbeat datagrams as the core receives them on its lanhb
 * port. Each input is sent as one real UDP datagram over the loopback to a
 * heartbeat engine (hb_new with a one-path lanhb configuration, this server
 * 127.0.0.1, its peer 127.0.0.2), so the bytes take the whole receive path:
 * hb_lan's recvfrom loop, hb_deliver (clp_dgram_open: size, Sealed unpack,
 * MAC, envelope checks; then sender, path, source address and replay checks)
 * and, for a beat that passes, membership (nm_rx and nm_tick) fed the way the
 * core feeds it.
 *
 * The first byte picks how the rest is sent: bit 0 clear = the bytes as they
 * are (an outsider without the key: must be refused before any decoding
 * beyond the Sealed wrapper); bit 0 set = the bytes are the envelope and the
 * harness seals them with the cluster key (a peer that has the key: the
 * decoding after the MAC). Bit 1 sends from 127.0.0.3, an address that is no
 * server's. Each input gets a fresh engine and membership, so the replay
 * window does not make runs depend on earlier inputs.
 *
 * FUZZ_MAKE_SEEDS=DIR writes real heartbeats made by this code (the seed
 * corpus) and exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_config.h"
#include "clp_dgram.h"
#include "fuzz_common.h"
#include "hb.h"
#include "nm.h"

static struct event_base *base;
static clp_conf_t *conf;
static clp_keys_t keys;
static clp_msg_ctx_t mctx;
static int peer_fd = -1, stranger_fd = -1;
static struct sockaddr_in target;

typedef struct {
    nm_t *nm;
    unsigned long beats;
} harness_t;

static void build(void *arg, int path, bool compact, Clp__Heartbeat *msg)
{
}

/* What the core's hb_rx does with a beat (services/core/core.c). */
static void rx(void *arg, int server, int path, const Clp__Envelope *env)
{
    harness_t *h = arg;
    const Clp__Heartbeat *hb = env->heartbeat;
    int self = 0;
    nm_hb_info_t info = {
        .state = hb->state,
        .incarnation = env->incarnation,
        .hears_me_ms = (size_t)self < hb->n_hear_age_ms ? hb->hear_age_ms[self] : NM_NEVER,
        .leaving = hb->leaving,
        .cluster_stop = hb->cluster_stop,
        .master_ready = hb->master_ready,
    };
    nm_rx(h->nm, server, path, 1000, &info);
    for (size_t i = 0; i < hb->n_groups; i++) {
        (void)hb->groups[i]->index;
        (void)hb->groups[i]->state;
    }
    h->beats++;
}

static int udp_from(const char *addr)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "fuzz_dgram: cannot bind to %s: %s\n", addr, strerror(errno));
        abort();
    }
    return fd;
}

/* A UDP port free on 127.0.0.1 now. */
static int free_port(void)
{
    int fd = udp_from("127.0.0.1");
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

static void make_seeds(const char *dir);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_logs();
    uint8_t secret[32];
    for (int i = 0; i < 32; i++) {
        secret[i] = (uint8_t)(i * 7 + 1);
    }
    clp_keys_derive(&keys, secret);
    int port = free_port();
    char text[2048];
    snprintf(text, sizeof(text),
             "<?xml version=\"1.0\" encoding=\"ASCII\"?><root>"
             "<cluster><name>fuzz</name><heartbeat><interval>1000</interval>"
             "<timeout>10000</timeout></heartbeat><port><heartbeat>%d</heartbeat></port></cluster>"
             "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
             "<info>127.0.0.1</info></device></server>"
             "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
             "<info>127.0.0.2</info></device></server>"
             "<heartbeat><types name=\"lanhb\"/>"
             "<lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb></heartbeat>"
             "</root>",
             port);
    clp_diag_t d = {0};
    conf = clp_conf_load_mem(text, strlen(text), "fuzz-dgram.conf", &d);
    if (!conf) {
        clp_diag_print(stderr, &d);
        abort();
    }
    clp_diag_free(&d);
    base = event_base_new();
    clp_msg_ctx_init(&mctx, "fuzz", "s1", "clusterpro", 1);
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &target.sin_addr);
    peer_fd = udp_from("127.0.0.2");
    stranger_fd = udp_from("127.0.0.3");
    const char *seeds = getenv("FUZZ_MAKE_SEEDS");
    if (seeds) {
        make_seeds(seeds);
        exit(0);
    }
    return 0;
}

/* The bytes sealed with the cluster key, as a peer would send them. */
static size_t seal_raw(const uint8_t *body, size_t len, uint8_t *out, size_t cap)
{
    uint8_t mac[CLP_MAC_BYTES];
    clp_mac(&keys, body, len, mac);
    Clp__Sealed s = CLP__SEALED__INIT;
    s.body.data = (uint8_t *)body;
    s.body.len = len;
    s.mac.data = mac;
    s.mac.len = sizeof(mac);
    size_t n = clp__sealed__get_packed_size(&s);
    if (n > cap) {
        return 0;
    }
    return clp__sealed__pack(&s, out);
}

/* Whether the datagram is a Sealed message whose MAC is right (checked here
 * independently of clp_dgram_open). */
static bool mac_valid(const uint8_t *dg, size_t len)
{
    Clp__Sealed *s = clp__sealed__unpack(NULL, len, dg);
    if (!s) {
        return false;
    }
    uint8_t mac[CLP_MAC_BYTES];
    clp_mac(&keys, s->body.data, s->body.len, mac);
    bool ok = s->mac.len == sizeof(mac) && memcmp(mac, s->mac.data, sizeof(mac)) == 0;
    clp__sealed__free_unpacked(s, NULL);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[CLP_DGRAM_MAX + 64];
    if (size < 1 || size > CLP_DGRAM_MAX) {
        return 0;
    }
    uint8_t how = data[0];
    const uint8_t *dg = data + 1;
    size_t len = size - 1;
    if (how & 1) {
        len = seal_raw(dg, len, buf, sizeof(buf));
        if (len == 0 || len > CLP_DGRAM_MAX) {
            return 0;
        }
        dg = buf;
    }
    harness_t h = {.nm = nm_new(conf, 0, 1)};
    hb_t *hb = hb_new(base, conf, 0, &keys, &mctx, build, rx, &h);
    const hb_path_t *p = hb_path(hb, 0);
    if (!p || !p->open) {
        fprintf(stderr, "fuzz_dgram: the heartbeat path did not open\n");
        abort();
    }
    int fd = (how & 2) ? stranger_fd : peer_fd;
    if (sendto(fd, dg, len, 0, (struct sockaddr *)&target, sizeof(target)) < 0) {
        fprintf(stderr, "fuzz_dgram: sendto: %s\n", strerror(errno));
        abort();
    }
    for (int i = 0; i < 200 && p->rx + p->rx_bad == 0; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    if (p->rx + p->rx_bad != 1) {
        fprintf(stderr, "fuzz_dgram: the datagram was not received once (%lu + %lu)\n", p->rx,
                p->rx_bad);
        __builtin_trap();
    }
    if ((how & 2) && p->rx) {
        __builtin_trap(); /* a beat from an address that is no peer's was accepted */
    }
    if (!(how & 1) && p->rx && !mac_valid(dg, len)) {
        __builtin_trap(); /* accepted without a valid MAC: a forgery got through */
    }
    if (p->rx != h.beats) {
        __builtin_trap();
    }
    nm_event_t ev[32];
    (void)nm_tick(h.nm, 2000, ev, 32);
    (void)nm_tick(h.nm, 20000, ev, 32);
    hb_destroy(&hb);
    nm_destroy(&h.nm);
    return 0;
}

/* ---- seeds ---- */

static void write_seed(const char *dir, const char *name, uint8_t how, const uint8_t *b, size_t n)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fuzz_dgram: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fwrite(&how, 1, 1, f);
    fwrite(b, 1, n, f);
    fclose(f);
}

static void make_seeds(const char *dir)
{
    static uint32_t ages[2] = {120, NM_NEVER};
    Clp__GroupBrief g1 = CLP__GROUP_BRIEF__INIT, *gs[1] = {&g1};
    g1.index = 0;
    g1.state = CLP__GROUP_STATE__GROUP_ONLINE;
    Clp__Heartbeat msg = CLP__HEARTBEAT__INIT;
    msg.state = CLP__SERVER_STATE__SERVER_ONLINE;
    msg.interval_ms = 1000;
    msg.n_hear_age_ms = 2;
    msg.hear_age_ms = ages;
    msg.state_version = 7;
    msg.config_hash.data = (uint8_t *)conf->sha256;
    msg.config_hash.len = 8;
    msg.toratio = 1;
    msg.master_ready = true;
    msg.n_groups = 1;
    msg.groups = gs;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_HEARTBEAT;
    env.heartbeat = &msg;
    clp_msg_ctx_t peer;
    clp_msg_ctx_init(&peer, "fuzz", "s2", "clusterpro", 1700000000000000ull);
    clp_msg_stamp(&peer, &env);

    /* what the peer really sends (a sealed beat), as an outsider replays it */
    uint8_t buf[CLP_DGRAM_MAX];
    int n = clp_dgram_seal(&keys, &env, buf, sizeof(buf));
    write_seed(dir, "sealed-beat", 0, buf, (size_t)n);
    write_seed(dir, "sealed-beat-stranger", 2, buf, (size_t)n);
    /* the same beat's envelope, for the harness to seal (the peer's view) */
    uint8_t *body;
    size_t blen;
    clp_msg_pack(&env, &body, &blen);
    write_seed(dir, "beat-envelope", 1, body, blen);
    free(body);
    /* a compact beat (disk/serial form: no groups) that is leaving */
    msg.n_groups = 0;
    msg.leaving = true;
    msg.state = CLP__SERVER_STATE__SERVER_OFFLINE;
    clp_msg_stamp(&peer, &env);
    clp_msg_pack(&env, &body, &blen);
    write_seed(dir, "beat-leaving", 1, body, blen);
    free(body);
    /* an alert-sync datagram (not a heartbeat) */
    Clp__AlertAnnounce aa = CLP__ALERT_ANNOUNCE__INIT;
    Clp__Envelope env2 = CLP__ENVELOPE__INIT;
    env2.payload_case = CLP__ENVELOPE__PAYLOAD_ALERT_ANNOUNCE;
    env2.alert_announce = &aa;
    clp_msg_stamp(&peer, &env2);
    n = clp_dgram_seal(&keys, &env2, buf, sizeof(buf));
    write_seed(dir, "sealed-announce", 0, buf, (size_t)n);
    printf("fuzz_dgram: seeds written to %s\n", dir);
}

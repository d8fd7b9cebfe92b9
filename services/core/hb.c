/*
 * hb: the heartbeat engine: transport table, periodic rounds, the checked
 * receive path.
 */
#define CLP_LOG_TAG "hb"
#include "hb.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"

static const hb_transport_t *const hb_transports[] = {
    &hb_lan_transport,
    &hb_disk_transport,
    &hb_com_transport,
};

struct hb {
    struct event_base *base;
    const clp_conf_t *conf;
    int self;
    const clp_keys_t *keys;
    clp_msg_ctx_t *mctx;
    hb_build_fn build;
    hb_rx_fn rx;
    void *arg;
    hb_path_t *paths;
    int npaths;
    struct event *timer;
    clp_replay_t replay;
    unsigned long rejected;
};

static const hb_transport_t *transport_for(const char *type)
{
    if (strcmp(type, "lankhb") == 0) {
        type = "lanhb";
    }
    for (size_t i = 0; i < sizeof(hb_transports) / sizeof(hb_transports[0]); i++) {
        if (strcmp(hb_transports[i]->type, type) == 0) {
            return hb_transports[i];
        }
    }
    return NULL;
}

struct event_base *hb_base(const hb_t *hb)
{
    return hb->base;
}

const clp_conf_t *hb_conf(const hb_t *hb)
{
    return hb->conf;
}

int hb_self(const hb_t *hb)
{
    return hb->self;
}

const char *hb_peer_info(const hb_path_t *p, int server)
{
    const clp_conf_t *c = p->hb->conf;
    if (server < 0 || (size_t)server >= c->n_servers) {
        return NULL;
    }
    const clp_device_t *d = clp_conf_device(&c->servers[server], p->conf->device);
    return d ? d->info : NULL;
}

static void send_round(hb_t *hb)
{
    uint8_t buf[CLP_DGRAM_MAX];

    for (int j = 0; j < hb->npaths; j++) {
        hb_path_t *p = &hb->paths[j];
        if (!p->open) {
            continue;
        }
        Clp__Heartbeat msg = CLP__HEARTBEAT__INIT;
        hb->build(hb->arg, j, p->t->compact, &msg);
        msg.path = (uint32_t)j;
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_HEARTBEAT;
        env.heartbeat = &msg;
        clp_msg_stamp(hb->mctx, &env);
        int n = clp_dgram_seal(hb->keys, &env, buf, sizeof(buf));
        if (n < 0) {
            clp_error("cannot seal a heartbeat for %s: %s", p->conf->name, strerror(-n));
            continue;
        }
        for (size_t k = 0; k < hb->conf->n_servers; k++) {
            if ((int)k == hb->self) {
                continue;
            }
            if (p->t->send(p, (int)k, buf, (size_t)n) == 0) {
                p->tx++;
            } else {
                p->tx_err++;
            }
        }
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    send_round(arg);
}

/* Compares two textual addresses in their canonical form. */
static bool same_address(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    if (!b) {
        return false;
    }
    if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1) {
        return memcmp(x, y, 4) == 0;
    }
    if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1) {
        return memcmp(x, y, 16) == 0;
    }
    return strcmp(a, b) == 0;
}

void hb_deliver(hb_path_t *p, const uint8_t *buf, size_t len, const char *from_addr)
{
    hb_t *hb = p->hb;
    char where[96];
    snprintf(where, sizeof(where), "%s from %s", p->conf->name, from_addr ? from_addr : "?");
    Clp__Envelope *env = clp_dgram_open(hb->keys, hb->mctx, where, buf, len);
    if (!env) {
        p->rx_bad++;
        hb->rejected++;
        return;
    }
    int server = clp_conf_server_index(hb->conf, env->sender);
    if (env->payload_case != CLP__ENVELOPE__PAYLOAD_HEARTBEAT || server < 0 ||
        server == hb->self || env->heartbeat->path != (uint32_t)p->index) {
        clp_msg_reject(hb->mctx, where, "not a heartbeat from a peer of this cluster on this path");
        p->rx_bad++;
        hb->rejected++;
        clp_msg_free(env);
        return;
    }
    if (from_addr && !same_address(from_addr, hb_peer_info(p, server))) {
        clp_msg_reject(hb->mctx, where, "heartbeat from an address that is not the sender's");
        p->rx_bad++;
        hb->rejected++;
        clp_msg_free(env);
        return;
    }
    char key[96];
    snprintf(key, sizeof(key), "%s/%d", env->sender, p->index);
    if (!clp_replay_accept(&hb->replay, key, env->incarnation, env->seq)) {
        clp_msg_reject(hb->mctx, where, "replayed or stale heartbeat");
        p->rx_bad++;
        hb->rejected++;
        clp_msg_free(env);
        return;
    }
    p->rx++;
    hb->rx(hb->arg, server, p->index, env);
    clp_msg_free(env);
}

hb_t *hb_new(struct event_base *base, const clp_conf_t *conf, int self, const clp_keys_t *keys,
             clp_msg_ctx_t *mctx, hb_build_fn build, hb_rx_fn rx, void *arg)
{
    hb_t *hb = xcalloc(1, sizeof(*hb));
    hb->base = base;
    hb->conf = conf;
    hb->self = self;
    hb->keys = keys;
    hb->mctx = mctx;
    hb->build = build;
    hb->rx = rx;
    hb->arg = arg;
    hb->npaths = (int)conf->n_hbs;
    hb->paths = xcalloc((size_t)hb->npaths + 1, sizeof(*hb->paths));
    for (int j = 0; j < hb->npaths; j++) {
        hb_path_t *p = &hb->paths[j];
        p->hb = hb;
        p->index = j;
        p->conf = &conf->hbs[j];
        p->t = transport_for(p->conf->type);
        if (!p->conf->supported || !p->t) {
            clp_warn("heartbeat %s (%s) is not supported; it is not used", p->conf->name,
                     p->conf->type);
            continue;
        }
        int rc = p->t->open(p);
        if (rc < 0) {
            clp_error("heartbeat %s cannot start: %s", p->conf->name, strerror(-rc));
            continue;
        }
        p->open = true;
    }
    hb->timer = event_new(base, -1, EV_PERSIST, on_timer, hb);
    return hb;
}

void hb_start(hb_t *hb)
{
    struct timeval tv = clp_tv_ms((uint64_t)hb->conf->cluster.hb_interval_ms);
    event_add(hb->timer, &tv);
    send_round(hb);
}

void hb_stop(hb_t *hb)
{
    event_del(hb->timer);
}

void hb_send_now(hb_t *hb)
{
    send_round(hb);
}

void hb_destroy(hb_t **phb)
{
    if (!phb || !*phb) {
        return;
    }
    hb_t *hb = *phb;
    for (int j = 0; j < hb->npaths; j++) {
        if (hb->paths[j].open) {
            hb->paths[j].t->close(&hb->paths[j]);
        }
    }
    event_free(hb->timer);
    clp_replay_free(&hb->replay);
    free(hb->paths);
    free(hb);
    *phb = NULL;
}

unsigned long hb_rejected(const hb_t *hb)
{
    return hb->rejected;
}

const hb_path_t *hb_path(const hb_t *hb, int index)
{
    return index >= 0 && index < hb->npaths ? &hb->paths[index] : NULL;
}

int hb_n_paths(const hb_t *hb)
{
    return hb->npaths;
}

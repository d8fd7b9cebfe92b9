/*
 * peer: connections per (peer, path), best-path choice, state store.
 */
#define CLP_LOG_TAG "peer"
#include "peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"

typedef struct {
    clp_aclient_t *conn[NM_MAX_PATHS];
    Clp__NodeState *state;
    uint64_t state_at;
} peer_slot_t;

struct peer {
    core_t *c;
    peer_slot_t slot[NM_MAX_SERVERS];
    int n;
    unsigned long sent, send_errors, received;
};

peer_t *peer_new(core_t *c)
{
    peer_t *p = xcalloc(1, sizeof(*p));
    p->c = c;
    p->n = (int)c->conf->n_servers;
    return p;
}

void peer_destroy(peer_t **pp)
{
    if (!pp || !*pp) {
        return;
    }
    peer_t *p = *pp;
    for (int k = 0; k < p->n; k++) {
        for (int j = 0; j < NM_MAX_PATHS; j++) {
            clp_aclient_destroy(&p->slot[k].conn[j]);
        }
        if (p->slot[k].state) {
            clp__node_state__free_unpacked(p->slot[k].state, NULL);
        }
    }
    free(p);
    *pp = NULL;
}

static bool lan_type(const char *type)
{
    return strcmp(type, "lanhb") == 0 || strcmp(type, "lankhb") == 0;
}

/* The connection to server over the best working LAN path, created on demand. */
static clp_aclient_t *best_conn(peer_t *p, int server)
{
    core_t *c = p->c;
    uint64_t now = clp_mono_ms();
    int fallback = -1;
    for (size_t j = 0; j < c->conf->n_hbs && j < NM_MAX_PATHS; j++) {
        const clp_hb_t *hb = &c->conf->hbs[j];
        if (!hb->supported || !lan_type(hb->type) || !nm_path_used(c->nm, server, (int)j)) {
            continue;
        }
        Clp__PathState st = nm_path_state(c->nm, server, (int)j, now);
        if (st == CLP__PATH_STATE__PATH_NORMAL || st == CLP__PATH_STATE__PATH_CAUTION) {
            fallback = (int)j;
            break;
        }
        if (fallback < 0) {
            fallback = (int)j;
        }
    }
    if (fallback < 0) {
        return NULL;
    }
    peer_slot_t *s = &p->slot[server];
    if (!s->conn[fallback]) {
        const clp_device_t *dev =
            clp_conf_device(&c->conf->servers[server], c->conf->hbs[fallback].device);
        if (!dev || !dev->info) {
            return NULL;
        }
        char ep[128];
        bool v6 = strchr(dev->info, ':') != NULL;
        snprintf(ep, sizeof(ep), v6 ? "tcp://[%s]:%d" : "tcp://%s:%d", dev->info,
                 c->conf->cluster.ports.internal);
        s->conn[fallback] = clp_aclient_new(c->d->base, c->d->zctx, ep, &c->d->keys, &c->d->mctx);
    }
    return s->conn[fallback];
}

void peer_publish(peer_t *p, const Clp__NodeState *ns)
{
    core_t *c = p->c;
    for (int k = 0; k < p->n; k++) {
        if (k == c->self || nm_peer_state(c->nm, k) != NM_PEER_UP) {
            continue;
        }
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_NODE_STATE;
        env.node_state = (Clp__NodeState *)ns;
        peer_send(p, k, &env);
    }
}

int peer_call(peer_t *p, int server, Clp__Envelope *req, int timeout_ms, clp_aclient_fn fn,
              void *arg)
{
    clp_aclient_t *conn = best_conn(p, server);
    if (!conn) {
        return -EHOSTUNREACH;
    }
    int rc = clp_aclient_call(conn, req, timeout_ms, fn, arg);
    if (rc < 0) {
        p->send_errors++;
    } else {
        p->sent++;
    }
    return rc;
}

int peer_send(peer_t *p, int server, Clp__Envelope *req)
{
    clp_aclient_t *conn = best_conn(p, server);
    if (!conn) {
        return -EHOSTUNREACH;
    }
    int rc = clp_aclient_send(conn, req);
    if (rc < 0) {
        p->send_errors++;
    } else {
        p->sent++;
    }
    return rc;
}

void peer_store(peer_t *p, const char *sender, const Clp__NodeState *ns)
{
    int k = clp_conf_server_index(p->c->conf, sender);
    if (k < 0 || k == p->c->self) {
        return;
    }
    size_t len = clp__node_state__get_packed_size(ns);
    uint8_t *buf = xmalloc(len ? len : 1);
    clp__node_state__pack(ns, buf);
    Clp__NodeState *copy = clp__node_state__unpack(NULL, len, buf);
    free(buf);
    if (!copy) {
        return;
    }
    peer_slot_t *s = &p->slot[k];
    if (s->state && s->state->incarnation == copy->incarnation &&
        s->state->version > copy->version) {
        clp__node_state__free_unpacked(copy, NULL); /* an older update overtaken */
        return;
    }
    if (s->state) {
        clp__node_state__free_unpacked(s->state, NULL);
    }
    s->state = copy;
    s->state_at = clp_mono_ms();
    p->received++;
}

const Clp__NodeState *peer_state(const peer_t *p, int server, uint64_t *age_ms)
{
    if (server < 0 || server >= p->n) {
        return NULL;
    }
    const peer_slot_t *s = &p->slot[server];
    if (age_ms) {
        *age_ms = s->state ? clp_mono_ms() - s->state_at : 0;
    }
    return s->state;
}

void peer_forget(peer_t *p, int server)
{
    peer_slot_t *s = &p->slot[server];
    if (s->state) {
        clp__node_state__free_unpacked(s->state, NULL);
        s->state = NULL;
    }
}

void peer_cancel(peer_t *p, void *arg)
{
    for (int k = 0; k < p->n; k++) {
        for (int j = 0; j < NM_MAX_PATHS; j++) {
            if (p->slot[k].conn[j]) {
                clp_aclient_cancel(p->slot[k].conn[j], arg);
            }
        }
    }
}

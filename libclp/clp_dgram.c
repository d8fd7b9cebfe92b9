/*
 * clp_dgram: seal/open and the replay window.
 */
#define CLP_LOG_TAG "dgram"
#include "clp_dgram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int clp_dgram_seal(const clp_keys_t *k, const Clp__Envelope *env, uint8_t *out, size_t outcap)
{
    uint8_t *body;
    size_t blen;
    uint8_t mac[CLP_MAC_BYTES];
    int rc = clp_msg_pack(env, &body, &blen);
    if (rc < 0) {
        return rc;
    }
    clp_mac(k, body, blen, mac);
    Clp__Sealed s = CLP__SEALED__INIT;
    s.body.data = body;
    s.body.len = blen;
    s.mac.data = mac;
    s.mac.len = sizeof(mac);
    size_t n = clp__sealed__get_packed_size(&s);
    if (n > outcap || n > CLP_DGRAM_MAX) {
        free(body);
        return -EMSGSIZE;
    }
    clp__sealed__pack(&s, out);
    free(body);
    return (int)n;
}

Clp__Envelope *clp_dgram_open(const clp_keys_t *k, clp_msg_ctx_t *mctx, const char *where,
                              const void *buf, size_t len)
{
    if (len == 0 || len > CLP_DGRAM_MAX) {
        clp_msg_reject(mctx, where, "datagram of a wrong size");
        return NULL;
    }
    Clp__Sealed *s = clp__sealed__unpack(NULL, len, buf);
    if (!s) {
        clp_msg_reject(mctx, where, "datagram is not a sealed envelope");
        return NULL;
    }
    if (!clp_mac_ok(k, s->body.data, s->body.len, s->mac.data, s->mac.len)) {
        clp__sealed__free_unpacked(s, NULL);
        clp_msg_reject(mctx, where, "datagram with a wrong MAC (not from this cluster)");
        return NULL;
    }
    Clp__Envelope *env = clp_msg_unpack(mctx, where, s->body.data, s->body.len, NULL, 0);
    clp__sealed__free_unpacked(s, NULL);
    return env;
}

bool clp_replay_accept(clp_replay_t *r, const char *sender, uint64_t incarnation, uint64_t seq)
{
    for (size_t i = 0; i < r->n; i++) {
        clp_replay_entry_t *e = &r->v[i];
        if (strcmp(e->sender, sender) != 0) {
            continue;
        }
        if (incarnation > e->incarnation || (incarnation == e->incarnation && seq > e->seq)) {
            e->incarnation = incarnation;
            e->seq = seq;
            return true;
        }
        r->n_replayed++;
        return false;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        clp_replay_entry_t *nv = realloc(r->v, cap * sizeof(*nv));
        if (!nv) {
            return false;
        }
        r->v = nv;
        r->cap = cap;
    }
    clp_replay_entry_t *e = &r->v[r->n++];
    snprintf(e->sender, sizeof(e->sender), "%s", sender);
    e->incarnation = incarnation;
    e->seq = seq;
    return true;
}

void clp_replay_free(clp_replay_t *r)
{
    free(r->v);
    memset(r, 0, sizeof(*r));
}

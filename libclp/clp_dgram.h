/*
 * clp_dgram: envelopes in authenticated UDP datagrams (heartbeats on 29002,
 * alert sync on 29003).
 *
 * A datagram is a packed Sealed message: the packed Envelope and a MAC over it
 * keyed with the cluster secret. clp_dgram_open checks size, MAC and envelope
 * before anything else looks at the bytes. Replay protection is per sender:
 * a clp_replay_t remembers the newest (incarnation, seq) seen from each server
 * and accepts only strictly newer ones; a new incarnation must be larger than
 * the previous one (incarnations grow across restarts, see
 * clp_incarnation_next), so an old datagram recorded and sent again is refused.
 */
#ifndef CLP_DGRAM_H
#define CLP_DGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clp_keys.h"
#include "clp_msg.h"

#define CLP_DGRAM_MAX 65000

/* Packs env (already stamped) into a sealed datagram in out (at most outcap
 * bytes). Returns the length or -EMSGSIZE/-ENOMEM. */
int clp_dgram_seal(const clp_keys_t *k, const Clp__Envelope *env, uint8_t *out, size_t outcap);

/* Verifies and unpacks a datagram. Returns the envelope (free with
 * clp_msg_free) or NULL, with the reason counted/logged through mctx. */
Clp__Envelope *clp_dgram_open(const clp_keys_t *k, clp_msg_ctx_t *mctx, const char *where,
                              const void *buf, size_t len);

typedef struct {
    char sender[64];
    uint64_t incarnation;
    uint64_t seq;
} clp_replay_entry_t;

typedef struct {
    clp_replay_entry_t *v;
    size_t n, cap;
    unsigned long n_replayed;
} clp_replay_t;

/* True (and remembered) when (sender, incarnation, seq) is newer than anything
 * seen from sender; false for a replay or an older incarnation. */
bool clp_replay_accept(clp_replay_t *r, const char *sender, uint64_t incarnation, uint64_t seq);
void clp_replay_free(clp_replay_t *r);

#endif

/*
 * as_sync: per-origin state, peer holdings, pull decisions.
 */
#include "as_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_xalloc.h"

typedef struct {
    char peer[AS_NAME_MAX];
    uint64_t first, last, seen_ms;
} holding_t;

typedef struct {
    char name[AS_NAME_MAX];
    uint64_t local;
    bool evt_busy;
    bool pulling;
    uint64_t pull_deadline;
    holding_t *h;
    size_t n_h;
} origin_t;

struct as_sync {
    char self[AS_NAME_MAX];
    origin_t *o;
    size_t n_o;
};

as_sync_t *as_sync_new(const char *self)
{
    as_sync_t *s = xcalloc(1, sizeof(*s));
    snprintf(s->self, sizeof(s->self), "%s", self);
    return s;
}

void as_sync_destroy(as_sync_t **ps)
{
    if (!ps || !*ps) {
        return;
    }
    for (size_t i = 0; i < (*ps)->n_o; i++) {
        free((*ps)->o[i].h);
    }
    free((*ps)->o);
    free(*ps);
    *ps = NULL;
}

static origin_t *get(as_sync_t *s, const char *name, bool create)
{
    for (size_t i = 0; i < s->n_o; i++) {
        if (strcmp(s->o[i].name, name) == 0) {
            return &s->o[i];
        }
    }
    if (!create || !name[0] || strlen(name) >= AS_NAME_MAX) {
        return NULL;
    }
    s->o = xrealloc(s->o, (s->n_o + 1) * sizeof(*s->o));
    origin_t *o = &s->o[s->n_o++];
    memset(o, 0, sizeof(*o));
    snprintf(o->name, sizeof(o->name), "%s", name);
    return o;
}

void as_sync_local(as_sync_t *s, const char *origin, uint64_t last)
{
    origin_t *o = get(s, origin, true);
    if (o && last > o->local) {
        o->local = last;
        o->pulling = false; /* progress: the next pull may go at once */
    }
}

uint64_t as_sync_local_last(const as_sync_t *s, const char *origin)
{
    origin_t *o = get((as_sync_t *)s, origin, false);
    return o ? o->local : 0;
}

void as_sync_peer(as_sync_t *s, const char *peer, const char *origin, uint64_t first, uint64_t last,
                  uint64_t now_ms)
{
    origin_t *o = get(s, origin, true);
    if (!o || strlen(peer) >= AS_NAME_MAX) {
        return;
    }
    holding_t *h = NULL;
    for (size_t i = 0; i < o->n_h; i++) {
        if (strcmp(o->h[i].peer, peer) == 0) {
            h = &o->h[i];
        }
    }
    if (!h) {
        o->h = xrealloc(o->h, (o->n_h + 1) * sizeof(*o->h));
        h = &o->h[o->n_h++];
        memset(h, 0, sizeof(*h));
        snprintf(h->peer, sizeof(h->peer), "%s", peer);
    }
    h->first = first;
    h->last = last;
    h->seen_ms = now_ms;
}

/* The peer to pull origin o from, or NULL. */
static const holding_t *source_of(const origin_t *o, uint64_t now_ms)
{
    const holding_t *best = NULL;
    for (size_t i = 0; i < o->n_h; i++) {
        const holding_t *h = &o->h[i];
        bool is_origin = strcmp(h->peer, o->name) == 0;
        if (h->last <= o->local || now_ms - h->seen_ms > AS_PEER_INFO_TTL_MS) {
            continue;
        }
        if (!is_origin && h->first > o->local + 1) {
            continue; /* it would leave a gap */
        }
        if (is_origin) {
            return h;
        }
        if (!best || h->last > best->last) {
            best = h;
        }
    }
    return best;
}

size_t as_sync_pulls(as_sync_t *s, uint64_t now_ms, as_pull_t *out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n_o && k < max; i++) {
        origin_t *o = &s->o[i];
        if (strcmp(o->name, s->self) == 0 || o->evt_busy ||
            (o->pulling && now_ms < o->pull_deadline)) {
            continue;
        }
        const holding_t *h = source_of(o, now_ms);
        if (!h) {
            o->pulling = false;
            continue;
        }
        snprintf(out[k].origin, sizeof(out[k].origin), "%s", o->name);
        snprintf(out[k].peer, sizeof(out[k].peer), "%s", h->peer);
        out[k].from = o->local + 1;
        o->pulling = true;
        o->pull_deadline = now_ms + AS_PULL_TIMEOUT_MS;
        k++;
    }
    return k;
}

bool as_sync_records(as_sync_t *s, const char *origin, uint64_t first_rec, size_t n,
                     bool from_origin, uint64_t first_avail)
{
    origin_t *o = get(s, origin, false);
    if (!o || strcmp(origin, s->self) == 0 || o->evt_busy) {
        return false;
    }
    bool continues = n > 0 && first_rec == o->local + 1;
    bool gone = from_origin && first_avail > o->local + 1;
    if (!continues && !gone) {
        return false;
    }
    o->evt_busy = true;
    o->pulling = false;
    return true;
}

void as_sync_evt_done(as_sync_t *s, const char *origin)
{
    origin_t *o = get(s, origin, false);
    if (o) {
        o->evt_busy = false;
    }
}

size_t as_sync_n_origins(const as_sync_t *s)
{
    return s->n_o;
}

const char *as_sync_origin(const as_sync_t *s, size_t i)
{
    return i < s->n_o ? s->o[i].name : NULL;
}

size_t as_sync_behind(const as_sync_t *s, uint64_t now_ms)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n_o; i++) {
        if (strcmp(s->o[i].name, s->self) != 0 && source_of(&s->o[i], now_ms)) {
            k++;
        }
    }
    return k;
}

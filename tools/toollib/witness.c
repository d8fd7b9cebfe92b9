/*
 * witness: request parsing, leases and freshness (see witness.h).
 */
#include "witness.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLUSTERS 64
#define MAX_SEEN 1024

typedef struct {
    char cluster[WITNESS_NAME_MAX];
    char side[WITNESS_SIDE_MAX][WITNESS_NAME_MAX];
    int n_side;
    uint64_t until; /* monotonic ms */
} lease_t;

typedef struct {
    char cluster[WITNESS_NAME_MAX];
    char server[WITNESS_NAME_MAX];
    uint64_t t;
} seen_t;

struct witness {
    uint64_t window_ms;
    lease_t leases[MAX_CLUSTERS];
    int n_leases;
    seen_t seen[MAX_SEEN];
    int n_seen;
};

static bool name_ok(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.') {
            return false;
        }
    }
    return true;
}

static int copy_name(char *dst, const char *v, size_t vlen)
{
    if (vlen == 0 || vlen >= WITNESS_NAME_MAX) {
        return -EINVAL;
    }
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
    return name_ok(dst) ? 0 : -EINVAL;
}

static int parse_u64(const char *v, size_t vlen, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    if (vlen == 0 || vlen > 19) {
        return -EINVAL;
    }
    for (size_t i = 0; i < vlen; i++) {
        if (!isdigit((unsigned char)v[i])) {
            return -EINVAL;
        }
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > max) {
        return -EINVAL;
    }
    *out = x;
    return 0;
}

int witness_parse(const char *body, size_t len, witness_req_t *r, char *why, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->ttl_ms = -1;
    unsigned seen = 0;
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (!eq) {
            snprintf(why, n, "malformed field '%.*s'", (int)(stop - p > 40 ? 40 : stop - p), p);
            return -EINVAL;
        }
        size_t klen = (size_t)(eq - p), vlen = (size_t)(stop - eq - 1);
        const char *v = eq + 1;
        int rc = 0;
        unsigned bit = 0;
        if (klen == 7 && memcmp(p, "cluster", 7) == 0) {
            bit = 1;
            rc = copy_name(r->cluster, v, vlen);
        } else if (klen == 6 && memcmp(p, "server", 6) == 0) {
            bit = 2;
            rc = copy_name(r->server, v, vlen);
        } else if (klen == 4 && memcmp(p, "side", 4) == 0) {
            bit = 4;
            const char *q = v, *vend = v + vlen;
            while (rc == 0 && q < vend) {
                const char *comma = memchr(q, ',', (size_t)(vend - q));
                const char *qe = comma ? comma : vend;
                if (r->n_side >= WITNESS_SIDE_MAX) {
                    rc = -EINVAL;
                    break;
                }
                rc = copy_name(r->side[r->n_side++], q, (size_t)(qe - q));
                q = comma ? comma + 1 : vend;
            }
        } else if (klen == 3 && memcmp(p, "ttl", 3) == 0) {
            uint64_t t = 0;
            bit = 8;
            rc = parse_u64(v, vlen, 24u * 3600u * 1000u, &t);
            r->ttl_ms = (long)t;
        } else if (klen == 1 && *p == 't') {
            bit = 16;
            rc = parse_u64(v, vlen, UINT64_MAX / 2, &r->t);
        } else {
            snprintf(why, n, "unknown field '%.*s'", (int)(klen > 20 ? 20 : klen), p);
            return -EINVAL;
        }
        if (rc < 0 || (seen & bit)) {
            snprintf(why, n, "bad or repeated field '%.*s'", (int)(klen > 20 ? 20 : klen), p);
            return -EINVAL;
        }
        seen |= bit;
        p = amp ? amp + 1 : end;
    }
    if (seen != 31) {
        snprintf(why, n, "cluster, server, side, ttl and t are all required");
        return -EINVAL;
    }
    for (int i = 0; i < r->n_side; i++) {
        if (strcmp(r->side[i], r->server) == 0) {
            return 0;
        }
    }
    snprintf(why, n, "server %s is not in its own side", r->server);
    return -EINVAL;
}

witness_t *witness_new(uint64_t window_ms)
{
    witness_t *w = calloc(1, sizeof(*w));
    if (w) {
        w->window_ms = window_ms;
    }
    return w;
}

void witness_destroy(witness_t **w)
{
    if (w && *w) {
        free(*w);
        *w = NULL;
    }
}

static lease_t *lease_of(witness_t *w, const char *cluster, bool create)
{
    for (int i = 0; i < w->n_leases; i++) {
        if (strcmp(w->leases[i].cluster, cluster) == 0) {
            return &w->leases[i];
        }
    }
    if (!create || w->n_leases == MAX_CLUSTERS) {
        return NULL;
    }
    lease_t *l = &w->leases[w->n_leases++];
    memset(l, 0, sizeof(*l));
    snprintf(l->cluster, sizeof(l->cluster), "%s", cluster);
    return l;
}

static seen_t *seen_of(witness_t *w, const char *cluster, const char *server)
{
    for (int i = 0; i < w->n_seen; i++) {
        if (strcmp(w->seen[i].cluster, cluster) == 0 && strcmp(w->seen[i].server, server) == 0) {
            return &w->seen[i];
        }
    }
    if (w->n_seen == MAX_SEEN) {
        return NULL;
    }
    seen_t *s = &w->seen[w->n_seen++];
    memset(s, 0, sizeof(*s));
    snprintf(s->cluster, sizeof(s->cluster), "%s", cluster);
    snprintf(s->server, sizeof(s->server), "%s", server);
    return s;
}

static bool in_side(const lease_t *l, const char *server)
{
    for (int i = 0; i < l->n_side; i++) {
        if (strcmp(l->side[i], server) == 0) {
            return true;
        }
    }
    return false;
}

static void side_text(const char (*side)[WITNESS_NAME_MAX], int n_side, char *out, size_t n)
{
    size_t off = 0;
    out[0] = '\0';
    for (int i = 0; i < n_side && off < n; i++) {
        off += (size_t)snprintf(out + off, n - off, "%s%s", i ? "," : "", side[i]);
    }
}

witness_verdict_t witness_decide(witness_t *w, const witness_req_t *r, bool hold, uint64_t now_mono,
                                 uint64_t now_wall, char *why, size_t n)
{
    uint64_t skew = r->t > now_wall ? r->t - now_wall : now_wall - r->t;
    if (skew > w->window_ms) {
        snprintf(why, n,
                 "stale request from %s/%s: its clock is %" PRIu64 " ms off (window %" PRIu64
                 " ms)",
                 r->cluster, r->server, skew, w->window_ms);
        return WITNESS_REFUSED;
    }
    seen_t *s = seen_of(w, r->cluster, r->server);
    if (!s) {
        snprintf(why, n, "too many servers known");
        return WITNESS_REFUSED;
    }
    if (r->t <= s->t) {
        snprintf(why, n, "replayed request from %s/%s (t %" PRIu64 " not after %" PRIu64 ")",
                 r->cluster, r->server, r->t, s->t);
        return WITNESS_REFUSED;
    }
    s->t = r->t;
    lease_t *l = lease_of(w, r->cluster, true);
    if (!l) {
        snprintf(why, n, "too many clusters known");
        return WITNESS_REFUSED;
    }
    char side[WITNESS_SIDE_MAX * WITNESS_NAME_MAX];
    uint64_t until = now_mono + (uint64_t)r->ttl_ms;
    if (l->until > now_mono) {
        side_text((const char(*)[WITNESS_NAME_MAX])l->side, l->n_side, side, sizeof(side));
        if (!in_side(l, r->server)) {
            snprintf(why, n, "%s %s/%s: lose (the lease is held by %s for %" PRIu64 " ms more)",
                     hold ? "hold" : "resolve", r->cluster, r->server, side, l->until - now_mono);
            return WITNESS_LOSE;
        }
        if (until > l->until) {
            l->until = until;
        }
        snprintf(why, n, "%s %s/%s: survive (lease of %s until +%" PRIu64 " ms)",
                 hold ? "hold" : "resolve", r->cluster, r->server, side, l->until - now_mono);
        return WITNESS_SURVIVE;
    }
    memcpy(l->side, r->side, sizeof(l->side));
    l->n_side = r->n_side;
    l->until = until;
    side_text((const char(*)[WITNESS_NAME_MAX])l->side, l->n_side, side, sizeof(side));
    snprintf(why, n, "%s %s/%s: survive (lease granted to %s for %ld ms)",
             hold ? "hold" : "resolve", r->cluster, r->server, side, r->ttl_ms);
    return WITNESS_SURVIVE;
}

void witness_dump(const witness_t *w, uint64_t now_mono, FILE *out)
{
    for (int i = 0; i < w->n_leases; i++) {
        const lease_t *l = &w->leases[i];
        if (l->until <= now_mono) {
            continue;
        }
        char side[WITNESS_SIDE_MAX * WITNESS_NAME_MAX];
        side_text((const char(*)[WITNESS_NAME_MAX])l->side, l->n_side, side, sizeof(side));
        fprintf(out, "%s %s %" PRIu64 "\n", l->cluster, side, l->until - now_mono);
    }
}

int witness_save(const witness_t *w, uint64_t now_mono, uint64_t now_wall, FILE *out)
{
    for (int i = 0; i < w->n_leases; i++) {
        const lease_t *l = &w->leases[i];
        if (l->until <= now_mono) {
            continue;
        }
        char side[WITNESS_SIDE_MAX * WITNESS_NAME_MAX];
        side_text((const char(*)[WITNESS_NAME_MAX])l->side, l->n_side, side, sizeof(side));
        fprintf(out, "lease %s %s %" PRIu64 "\n", l->cluster, side,
                now_wall + (l->until - now_mono));
    }
    for (int i = 0; i < w->n_seen; i++) {
        fprintf(out, "seen %s %s %" PRIu64 "\n", w->seen[i].cluster, w->seen[i].server,
                w->seen[i].t);
    }
    return ferror(out) ? -EIO : 0;
}

int witness_load(witness_t *w, uint64_t now_mono, uint64_t now_wall, FILE *in)
{
    char line[WITNESS_SIDE_MAX * WITNESS_NAME_MAX + 256];
    while (fgets(line, sizeof(line), in)) {
        char kind[8], a[WITNESS_NAME_MAX], b[WITNESS_SIDE_MAX * WITNESS_NAME_MAX];
        uint64_t v;
        if (sscanf(line, "%7s %63s %2047s %" SCNu64, kind, a, b, &v) != 4 || !name_ok(a)) {
            return -EINVAL;
        }
        if (strcmp(kind, "lease") == 0) {
            witness_req_t r;
            char why[128];
            char body[sizeof(b) + 128];
            int bl = snprintf(body, sizeof(body), "cluster=%s&server=x&side=x,%s&ttl=0&t=1", a, b);
            if (witness_parse(body, (size_t)bl, &r, why, sizeof(why)) < 0) {
                return -EINVAL;
            }
            lease_t *l = lease_of(w, a, true);
            if (!l) {
                return -ENOSPC;
            }
            memcpy(l->side, r.side + 1, sizeof(r.side) - sizeof(r.side[0]));
            l->n_side = r.n_side - 1;
            l->until = v > now_wall ? now_mono + (v - now_wall) : 0;
        } else if (strcmp(kind, "seen") == 0) {
            if (!name_ok(b)) {
                return -EINVAL;
            }
            seen_t *s = seen_of(w, a, b);
            if (!s) {
                return -ENOSPC;
            }
            s->t = v;
        } else {
            return -EINVAL;
        }
    }
    return ferror(in) ? -EIO : 0;
}

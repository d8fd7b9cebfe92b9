/*
 * as_log: tail and index of the alert log.
 */
#include "as_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    uint64_t seq;
    off_t off;
    uint32_t len;
} entry_t;

typedef struct {
    char name[64];
    entry_t *v; /* ascending seq (records of an origin are appended in order) */
    size_t n, cap;
} origin_t;

struct as_log {
    char path[4096];
    int fd;
    ino_t ino;
    off_t pos; /* end of the last complete line read */
    origin_t *o;
    size_t n_o, cap_o;
    unsigned long rebuilds;
    clp_alert_rec_t scratch;
};

as_log_t *as_log_new(const char *path)
{
    as_log_t *l = calloc(1, sizeof(*l));
    if (!l) {
        return NULL;
    }
    snprintf(l->path, sizeof(l->path), "%s", path);
    l->fd = -1;
    return l;
}

static void reset(as_log_t *l)
{
    for (size_t i = 0; i < l->n_o; i++) {
        free(l->o[i].v);
    }
    free(l->o);
    l->o = NULL;
    l->n_o = l->cap_o = 0;
    l->pos = 0;
    if (l->fd >= 0) {
        close(l->fd);
        l->fd = -1;
    }
}

void as_log_destroy(as_log_t **pl)
{
    if (!pl || !*pl) {
        return;
    }
    reset(*pl);
    free(*pl);
    *pl = NULL;
}

static origin_t *find(const as_log_t *l, const char *name)
{
    for (size_t i = 0; i < l->n_o; i++) {
        if (strcmp(l->o[i].name, name) == 0) {
            return &l->o[i];
        }
    }
    return NULL;
}

static int add(as_log_t *l, const clp_alert_rec_t *r, off_t off, size_t len)
{
    origin_t *o = find(l, r->origin);
    if (!o) {
        if (l->n_o == l->cap_o) {
            size_t cap = l->cap_o ? l->cap_o * 2 : 8;
            origin_t *nv = realloc(l->o, cap * sizeof(*nv));
            if (!nv) {
                return -ENOMEM;
            }
            l->o = nv;
            l->cap_o = cap;
        }
        o = &l->o[l->n_o++];
        memset(o, 0, sizeof(*o));
        snprintf(o->name, sizeof(o->name), "%s", r->origin);
    }
    if (o->n && r->seq <= o->v[o->n - 1].seq) {
        return 0; /* not newer: evt never writes this; ignore */
    }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        entry_t *nv = realloc(o->v, cap * sizeof(*nv));
        if (!nv) {
            return -ENOMEM;
        }
        o->v = nv;
        o->cap = cap;
    }
    o->v[o->n++] = (entry_t){.seq = r->seq, .off = off, .len = (uint32_t)len};
    return 0;
}

long as_log_refresh(as_log_t *l)
{
    struct stat st;
    long added = 0;

    if (stat(l->path, &st) < 0) {
        if (errno == ENOENT) {
            if (l->fd >= 0) {
                reset(l);
            }
            return 0;
        }
        return -errno;
    }
    if (l->fd >= 0 && (st.st_ino != l->ino || st.st_size < l->pos)) {
        reset(l);
        l->rebuilds++;
    }
    if (l->fd < 0) {
        l->fd = open(l->path, O_RDONLY | O_CLOEXEC);
        if (l->fd < 0) {
            return -errno;
        }
        struct stat fst;
        fstat(l->fd, &fst);
        l->ino = fst.st_ino;
    }
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    if (!buf) {
        return -ENOMEM;
    }
    size_t have = 0;
    for (;;) {
        if (have == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = pread(l->fd, buf + have, cap - have, l->pos + (off_t)have);
        if (r < 0) {
            int e = errno;
            free(buf);
            return -e;
        }
        if (r == 0) {
            break;
        }
        have += (size_t)r;
        /* Index the complete lines; keep a partial last one for the next read. */
        size_t start = 0;
        for (;;) {
            char *nl = memchr(buf + start, '\n', have - start);
            if (!nl) {
                break;
            }
            size_t len = (size_t)(nl - (buf + start)) + 1;
            *nl = '\0';
            if (clp_alertrec_parse(buf + start, &l->scratch) == 0) {
                if (add(l, &l->scratch, l->pos + (off_t)start, len) < 0) {
                    free(buf);
                    return -ENOMEM;
                }
                added++;
            }
            start += len;
        }
        l->pos += (off_t)start;
        memmove(buf, buf + start, have - start);
        have -= start;
    }
    free(buf);
    return added;
}

uint64_t as_log_last(const as_log_t *l, const char *origin)
{
    origin_t *o = find(l, origin);
    return o && o->n ? o->v[o->n - 1].seq : 0;
}

uint64_t as_log_first(const as_log_t *l, const char *origin)
{
    origin_t *o = find(l, origin);
    return o && o->n ? o->v[0].seq : 0;
}

size_t as_log_n_origins(const as_log_t *l)
{
    return l->n_o;
}

const char *as_log_origin(const as_log_t *l, size_t i)
{
    return i < l->n_o ? l->o[i].name : NULL;
}

long as_log_read(as_log_t *l, const char *origin, uint64_t from, clp_alert_rec_t *recs, size_t max,
                 size_t budget)
{
    origin_t *o = find(l, origin);
    size_t lo = 0, hi, k = 0, used = 0;
    char *line = NULL;

    if (!o || l->fd < 0 || max == 0) {
        return 0;
    }
    hi = o->n;
    while (lo < hi) { /* first entry with seq >= from */
        size_t mid = (lo + hi) / 2;
        if (o->v[mid].seq < from) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (size_t i = lo; i < o->n && k < max; i++) {
        const entry_t *e = &o->v[i];
        if (k > 0 && used + e->len > budget) {
            break;
        }
        char *nl = realloc(line, e->len + 1);
        if (!nl) {
            free(line);
            return -ENOMEM;
        }
        line = nl;
        if (pread(l->fd, line, e->len, e->off) != (ssize_t)e->len) {
            break;
        }
        line[e->len] = '\0';
        if (clp_alertrec_parse(line, &recs[k]) < 0 || recs[k].seq != e->seq) {
            break; /* the file changed under us: the next refresh rebuilds */
        }
        used += e->len;
        k++;
    }
    free(line);
    return (long)k;
}

unsigned long as_log_rebuilds(const as_log_t *l)
{
    return l->rebuilds;
}

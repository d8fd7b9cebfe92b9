/*
 * evt_store: append, de-duplicate, compact.
 */
#define CLP_LOG_TAG "evt.store"
#include "evt_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_xalloc.h"

typedef struct {
    char key[96];
    uint64_t value;
} kv_t;

typedef struct {
    kv_t *v;
    size_t n, cap;
} kvmap_t;

struct evt_store {
    char path[4096];
    char server[64];
    int fd;
    long max_records;
    long count;
    kvmap_t origins; /* origin -> last seq */
    kvmap_t sources; /* source -> last source_seq */
    unsigned long written, duplicates;
};

static kv_t *kv_find(kvmap_t *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].key, key) == 0) {
            return &m->v[i];
        }
    }
    return NULL;
}

static void kv_set(kvmap_t *m, const char *key, uint64_t value, size_t limit)
{
    kv_t *e = kv_find(m, key);
    if (e) {
        if (value > e->value) {
            e->value = value;
        }
        return;
    }
    if (limit && m->n >= limit) {
        /* Forget the oldest entry: sources of long-gone processes. */
        memmove(&m->v[0], &m->v[1], (m->n - 1) * sizeof(kv_t));
        m->n--;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->v = xrealloc(m->v, m->cap * sizeof(kv_t));
    }
    snprintf(m->v[m->n].key, sizeof(m->v[m->n].key), "%s", key);
    m->v[m->n].value = value;
    m->n++;
}

static int load_one(void *arg, const clp_alert_rec_t *r)
{
    evt_store_t *st = arg;
    kv_set(&st->origins, r->origin, r->seq, 0);
    if (strcmp(r->origin, st->server) == 0 && r->source[0]) {
        kv_set(&st->sources, r->source, r->source_seq, 4096);
    }
    return 0;
}

evt_store_t *evt_store_open(const char *path, const char *server, long max_records)
{
    evt_store_t *st = xcalloc(1, sizeof(*st));
    long bad = 0;

    snprintf(st->path, sizeof(st->path), "%s", path);
    snprintf(st->server, sizeof(st->server), "%s", server);
    st->max_records = max_records > 0 ? max_records : 10000;
    long cut = clp_alertlog_repair(path);
    if (cut > 0) {
        clp_warn("alert log %s: removed a torn last record (%ld bytes)", path, cut);
    }
    long n = clp_alertlog_scan(path, load_one, st, &bad);
    if (n < 0) {
        errno = (int)-n;
        free(st);
        return NULL;
    }
    if (bad) {
        clp_warn("alert log %s: skipped %ld malformed lines", path, bad);
    }
    st->count = n;
    st->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (st->fd < 0) {
        int e = errno;
        free(st->origins.v);
        free(st->sources.v);
        free(st);
        errno = e;
        return NULL;
    }
    return st;
}

void evt_store_close(evt_store_t **pst)
{
    if (!pst || !*pst) {
        return;
    }
    evt_store_t *st = *pst;
    if (st->fd >= 0) {
        close(st->fd);
    }
    free(st->origins.v);
    free(st->sources.v);
    free(st);
    *pst = NULL;
}

typedef struct {
    FILE *out;
    long skip;
    long kept;
} compact_t;

static int copy_tail(void *arg, const clp_alert_rec_t *r)
{
    compact_t *c = arg;
    char line[CLP_ALERT_TEXT_MAX * 2 + 512];
    if (c->skip > 0) {
        c->skip--;
        return 0;
    }
    int n = clp_alertrec_format(r, line, sizeof(line));
    if (n > 0) {
        fwrite(line, 1, (size_t)n, c->out);
        c->kept++;
    }
    return 0;
}

static void compact(evt_store_t *st)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.compact", st->path);
    FILE *out = fopen(tmp, "we");
    if (!out) {
        clp_warn("cannot compact the alert log: %s", strerror(errno));
        return;
    }
    compact_t c = {.out = out, .skip = st->count - st->max_records};
    clp_alertlog_scan(st->path, copy_tail, &c, NULL);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
        fclose(out);
        unlink(tmp);
        return;
    }
    fclose(out);
    if (rename(tmp, st->path) < 0) {
        unlink(tmp);
        return;
    }
    close(st->fd);
    st->fd = open(st->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    clp_info("alert log compacted from %ld to %ld records (limit %ld)", st->count, c.kept,
             st->max_records);
    st->count = c.kept;
}

static int write_rec(evt_store_t *st, const clp_alert_rec_t *rec)
{
    char line[CLP_ALERT_TEXT_MAX * 2 + 512];
    int n = clp_alertrec_format(rec, line, sizeof(line));
    if (n < 0) {
        return n;
    }
    ssize_t w = write(st->fd, line, (size_t)n);
    if (w != n) {
        return w < 0 ? -errno : -EIO;
    }
    if (fdatasync(st->fd) < 0) {
        return -errno;
    }
    st->count++;
    st->written++;
    if (st->count > st->max_records + st->max_records / 10) {
        compact(st);
    }
    return 0;
}

int evt_store_append_local(evt_store_t *st, clp_alert_rec_t *rec, evt_store_result_t *res)
{
    if (rec->source[0] && rec->source_seq <= evt_store_source_hwm(st, rec->source)) {
        st->duplicates++;
        *res = EVT_STORE_DUPLICATE;
        return 0;
    }
    snprintf(rec->origin, sizeof(rec->origin), "%s", st->server);
    rec->seq = evt_store_last_seq(st, st->server) + 1;
    int rc = write_rec(st, rec);
    if (rc < 0) {
        return rc;
    }
    kv_set(&st->origins, st->server, rec->seq, 0);
    if (rec->source[0]) {
        kv_set(&st->sources, rec->source, rec->source_seq, 4096);
    }
    *res = EVT_STORE_WRITTEN;
    return 0;
}

int evt_store_append_remote(evt_store_t *st, const clp_alert_rec_t *rec, evt_store_result_t *res)
{
    if (rec->seq <= evt_store_last_seq(st, rec->origin)) {
        st->duplicates++;
        *res = EVT_STORE_DUPLICATE;
        return 0;
    }
    int rc = write_rec(st, rec);
    if (rc < 0) {
        return rc;
    }
    kv_set(&st->origins, rec->origin, rec->seq, 0);
    *res = EVT_STORE_WRITTEN;
    return 0;
}

uint64_t evt_store_last_seq(const evt_store_t *st, const char *origin)
{
    kv_t *e = kv_find((kvmap_t *)&st->origins, origin);
    return e ? e->value : 0;
}

uint64_t evt_store_source_hwm(const evt_store_t *st, const char *source)
{
    kv_t *e = kv_find((kvmap_t *)&st->sources, source);
    return e ? e->value : 0;
}

long evt_store_count(const evt_store_t *st)
{
    return st->count;
}

unsigned long evt_store_written(const evt_store_t *st)
{
    return st->written;
}

unsigned long evt_store_duplicates(const evt_store_t *st)
{
    return st->duplicates;
}

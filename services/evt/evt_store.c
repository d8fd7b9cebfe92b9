/*
 * evt_store: append, de-duplicate, keep order per origin, compact.
 */
#define CLP_LOG_TAG "evt.store"
#include "evt_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_paths.h"
#include "clp_xalloc.h"

#define LINE_MAX_BYTES (CLP_ALERT_TEXT_MAX * 2 + 512)
#define SOURCES_KEPT 4096

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
    unsigned long written, duplicates, gaps, compactions;
};

static kv_t *kv_find(const kvmap_t *m, const char *key)
{
    for (size_t i = m->n; i > 0; i--) {
        if (strcmp(m->v[i - 1].key, key) == 0) {
            return &m->v[i - 1];
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
        kv_set(&st->sources, r->source, r->source_seq, SOURCES_KEPT);
    }
    return 0;
}

/* PATH.hwm: "origin<TAB>last_seq" lines. */
static void load_hwm(evt_store_t *st)
{
    char path[4200], *data = NULL, *save = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s.hwm", st->path);
    if (clp_read_file(path, 1 << 20, &data, &len) < 0) {
        return;
    }
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        if (tab && tab != line) {
            *tab = '\0';
            kv_set(&st->origins, line, strtoull(tab + 1, NULL, 10), 0);
        }
    }
    free(data);
}

static int save_hwm(evt_store_t *st)
{
    char path[4200];
    size_t cap = st->origins.n * 128 + 1, len = 0;
    char *buf = xmalloc(cap);
    buf[0] = '\0';
    for (size_t i = 0; i < st->origins.n; i++) {
        len += (size_t)snprintf(buf + len, cap - len, "%s\t%" PRIu64 "\n", st->origins.v[i].key,
                                st->origins.v[i].value);
    }
    snprintf(path, sizeof(path), "%s.hwm", st->path);
    int rc = clp_write_atomic(path, buf, len, 0644);
    free(buf);
    if (rc < 0) {
        clp_warn("cannot write %s: %s", path, strerror(-rc));
    }
    return rc;
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
    load_hwm(st);
    long n = clp_alertlog_scan(path, load_one, st, &bad);
    if (n < 0) {
        free(st->origins.v);
        free(st->sources.v);
        free(st);
        errno = (int)-n;
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
    char line[LINE_MAX_BYTES];
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
    if (save_hwm(st) < 0) {
        return; /* without the marks a restart would pull dropped records again */
    }
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
    st->compactions++;
}

/* Writes buf (whole lines) and makes it durable. On any failure the file is
 * cut back to where it was, so no partial or undurable line stays in it (the
 * sender resends, and a later append never continues a partial line). */
static int write_durable(evt_store_t *st, const char *buf, size_t len, long nrec)
{
    if (st->fd < 0) {
        st->fd = open(st->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (st->fd < 0) {
            return -errno;
        }
    }
    off_t start = lseek(st->fd, 0, SEEK_END);
    if (start < 0) {
        return -errno;
    }
    size_t done = 0;
    int rc = 0;
    while (done < len) {
        ssize_t w = write(st->fd, buf + done, len - done);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            break;
        }
        done += (size_t)w;
    }
    if (rc == 0 && fdatasync(st->fd) < 0) {
        rc = -errno;
    }
    if (rc < 0) {
        if (ftruncate(st->fd, start) < 0) {
            clp_error("alert log %s: cannot cut back a failed append: %s", st->path,
                      strerror(errno));
        }
        return rc;
    }
    st->count += nrec;
    st->written += (unsigned long)nrec;
    if (st->count > st->max_records + st->max_records / 10) {
        compact(st);
    }
    return 0;
}

static int write_rec(evt_store_t *st, const clp_alert_rec_t *rec)
{
    char *line = xmalloc(LINE_MAX_BYTES);
    int n = clp_alertrec_format(rec, line, LINE_MAX_BYTES);
    int rc = n < 0 ? n : write_durable(st, line, (size_t)n, 1);
    free(line);
    return rc;
}

bool evt_store_seen(evt_store_t *st, const char *source, uint64_t source_seq)
{
    if (source && source[0] && source_seq <= evt_store_source_hwm(st, source)) {
        st->duplicates++;
        return true;
    }
    return false;
}

void evt_store_note_source(evt_store_t *st, const char *source, uint64_t source_seq)
{
    if (source && source[0]) {
        kv_set(&st->sources, source, source_seq, SOURCES_KEPT);
    }
}

int evt_store_append_local(evt_store_t *st, clp_alert_rec_t *rec, evt_store_result_t *res)
{
    if (evt_store_seen(st, rec->source, rec->source_seq)) {
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
    evt_store_note_source(st, rec->source, rec->source_seq);
    *res = EVT_STORE_WRITTEN;
    return 0;
}

int evt_store_append_remote(evt_store_t *st, const clp_alert_rec_t *rec, evt_store_result_t *res)
{
    size_t gaps = 0;
    long n = evt_store_append_remote_batch(st, rec, 1, &gaps);
    if (n < 0) {
        return (int)n;
    }
    *res = n == 1 ? EVT_STORE_WRITTEN : gaps ? EVT_STORE_GAP : EVT_STORE_DUPLICATE;
    return 0;
}

/* The seq expected next for origin, counting records accepted earlier in the batch. */
static uint64_t batch_next(const evt_store_t *st, const kvmap_t *pending, const char *origin)
{
    kv_t *p = kv_find(pending, origin);
    return (p ? p->value : evt_store_last_seq(st, origin)) + 1;
}

long evt_store_append_remote_batch(evt_store_t *st, const clp_alert_rec_t *recs, size_t n,
                                   size_t *gaps)
{
    kvmap_t pending = {0};
    size_t cap = 0, len = 0, ngap = 0;
    char *buf = NULL;
    long nrec = 0;
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        const clp_alert_rec_t *r = &recs[i];
        if (!r->origin[0] || r->seq == 0) {
            continue;
        }
        uint64_t next = batch_next(st, &pending, r->origin);
        if (r->seq < next) {
            st->duplicates++;
            continue;
        }
        if (r->seq > next) {
            ngap++;
            continue;
        }
        if (len + LINE_MAX_BYTES > cap) {
            cap = (len + LINE_MAX_BYTES) * 2;
            buf = xrealloc(buf, cap);
        }
        int k = clp_alertrec_format(r, buf + len, cap - len);
        if (k < 0) {
            rc = k;
            break;
        }
        len += (size_t)k;
        nrec++;
        kv_set(&pending, r->origin, r->seq, 0);
    }
    if (rc == 0 && nrec > 0) {
        rc = write_durable(st, buf, len, nrec);
    }
    if (rc == 0) {
        for (size_t i = 0; i < pending.n; i++) {
            kv_set(&st->origins, pending.v[i].key, pending.v[i].value, 0);
        }
    }
    st->gaps += ngap;
    if (gaps) {
        *gaps = ngap;
    }
    free(buf);
    free(pending.v);
    return rc < 0 ? rc : nrec;
}

int evt_store_skip_to(evt_store_t *st, const char *origin, uint64_t seq)
{
    if (seq <= evt_store_last_seq(st, origin)) {
        return 0;
    }
    kv_set(&st->origins, origin, seq, 0);
    clp_info("alert log: records of %s up to %" PRIu64 " are past retention everywhere", origin,
             seq);
    return save_hwm(st);
}

uint64_t evt_store_last_seq(const evt_store_t *st, const char *origin)
{
    kv_t *e = kv_find(&st->origins, origin);
    return e ? e->value : 0;
}

uint64_t evt_store_source_hwm(const evt_store_t *st, const char *source)
{
    kv_t *e = kv_find(&st->sources, source);
    return e ? e->value : 0;
}

void evt_store_origins(const evt_store_t *st,
                       void (*fn)(void *arg, const char *origin, uint64_t last_seq), void *arg)
{
    for (size_t i = 0; i < st->origins.n; i++) {
        fn(arg, st->origins.v[i].key, st->origins.v[i].value);
    }
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

unsigned long evt_store_gaps(const evt_store_t *st)
{
    return st->gaps;
}

unsigned long evt_store_compactions(const evt_store_t *st)
{
    return st->compactions;
}

/*
 * clp_alertlog: record formatting/parsing with escaping, scanning and repair.
 */
#include "clp_alertlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t escape(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = in; *p; p++) {
        char e = 0;
        switch (*p) {
        case '\\':
            e = '\\';
            break;
        case '\t':
            e = 't';
            break;
        case '\n':
            e = 'n';
            break;
        case '\r':
            e = 'r';
            break;
        default:
            break;
        }
        if (e) {
            if (k + 2 < n) {
                out[k] = '\\';
                out[k + 1] = e;
            }
            k += 2;
        } else {
            if (k + 1 < n) {
                out[k] = *p;
            }
            k++;
        }
    }
    if (n) {
        out[k < n ? k : n - 1] = '\0';
    }
    return k;
}

static void unescape(const char *in, size_t len, char *out, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        char c = in[i];
        if (c == '\\' && i + 1 < len) {
            char e = in[++i];
            c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : e;
        }
        out[k++] = c;
    }
    out[k] = '\0';
}

int clp_alertrec_format(const clp_alert_rec_t *r, char *out, size_t n)
{
    char text[CLP_ALERT_TEXT_MAX * 2];
    char src[sizeof(r->source) * 2];
    escape(r->text, text, sizeof(text));
    escape(r->source, src, sizeof(src));
    int k = snprintf(out, n,
                     "%s\t%" PRIu64 "\t%" PRIu64 "\t%s\t%u\t%d\t%u\t%s\t%" PRIu64 "\t%s\n",
                     r->origin, r->seq, r->wall_ms, r->module, r->event_id, r->level, r->dest,
                     src, r->source_seq, text);
    if (k < 0 || (size_t)k >= n) {
        return -ENOSPC;
    }
    return k;
}

static int field_u64(const char *s, size_t len, uint64_t *out)
{
    char buf[32];
    char *end;
    if (len == 0 || len >= sizeof(buf)) {
        return -EINVAL;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || *end || buf[0] == '-') {
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int clp_alertrec_parse(const char *line, clp_alert_rec_t *r)
{
    const char *f[10];
    size_t fl[10];
    const char *p = line;
    int nf = 0;

    memset(r, 0, sizeof(*r));
    while (nf < 10) {
        const char *end = nf < 9 ? strchr(p, '\t') : p + strcspn(p, "\n");
        if (!end) {
            return -EINVAL;
        }
        f[nf] = p;
        fl[nf] = (size_t)(end - p);
        nf++;
        p = end + 1;
    }
    uint64_t v;
    if (fl[0] == 0 || fl[0] >= sizeof(r->origin) || fl[3] == 0 || fl[3] >= sizeof(r->module)) {
        return -EINVAL;
    }
    memcpy(r->origin, f[0], fl[0]);
    memcpy(r->module, f[3], fl[3]);
    if (field_u64(f[1], fl[1], &r->seq) < 0 || field_u64(f[2], fl[2], &r->wall_ms) < 0 ||
        field_u64(f[8], fl[8], &r->source_seq) < 0) {
        return -EINVAL;
    }
    if (field_u64(f[4], fl[4], &v) < 0 || v > UINT32_MAX) {
        return -EINVAL;
    }
    r->event_id = (unsigned)v;
    if (field_u64(f[5], fl[5], &v) < 0 || v > 3) {
        return -EINVAL;
    }
    r->level = (int)v;
    if (field_u64(f[6], fl[6], &v) < 0 || v > 0xffff) {
        return -EINVAL;
    }
    r->dest = (unsigned)v;
    unescape(f[7], fl[7], r->source, sizeof(r->source));
    unescape(f[9], fl[9], r->text, sizeof(r->text));
    return r->seq > 0 ? 0 : -EINVAL;
}

long clp_alertlog_scan(const char *path, clp_alertlog_fn fn, void *arg, long *bad)
{
    FILE *f = fopen(path, "re");
    char *line = NULL;
    size_t cap = 0;
    long n = 0, nbad = 0;
    clp_alert_rec_t *rec;

    if (!f) {
        return errno == ENOENT ? 0 : -errno;
    }
    rec = malloc(sizeof(*rec));
    if (!rec) {
        fclose(f);
        return -ENOMEM;
    }
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] != '\n' || clp_alertrec_parse(line, rec) < 0) {
            nbad++;
            continue;
        }
        n++;
        if (fn && fn(arg, rec) != 0) {
            break;
        }
    }
    free(line);
    free(rec);
    fclose(f);
    if (bad) {
        *bad = nbad;
    }
    return n;
}

long clp_alertlog_repair(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    char buf[4096];

    if (fd < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    if (fstat(fd, &st) < 0 || st.st_size == 0) {
        close(fd);
        return 0;
    }
    off_t end = st.st_size;
    off_t pos = end;
    /* Find the last newline. */
    while (pos > 0) {
        size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
        if (pread(fd, buf, chunk, pos - (off_t)chunk) != (ssize_t)chunk) {
            close(fd);
            return -EIO;
        }
        for (size_t i = chunk; i > 0; i--) {
            if (buf[i - 1] == '\n') {
                off_t keep = pos - (off_t)chunk + (off_t)i;
                long removed = (long)(end - keep);
                if (removed > 0 && ftruncate(fd, keep) < 0) {
                    removed = -errno;
                }
                close(fd);
                return removed;
            }
        }
        pos -= (off_t)chunk;
    }
    long removed = (long)end;
    if (ftruncate(fd, 0) < 0) {
        removed = -errno;
    }
    close(fd);
    return removed;
}

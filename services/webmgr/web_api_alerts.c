/*
 * web_api_alerts: the alert log (alert/alert.log, written by clusterpro_evt and
 * replicated by alertsync) for the alert view, with filters and a cursor.
 *
 *   GET /api/v1/alerts?limit=N&level=error|warning|info&module=M&server=S&text=T&cursor=C
 *
 * Without a cursor the reply holds the last N matching records (default 200,
 * at most 2000); with the cursor of a previous reply, only the records
 * appended since (live tail). The cursor is "<inode>:<offset>" of the file:
 * when the file has been replaced or cut (retention), the reply says
 * "reset":true and starts over. Records are in the file's order (oldest
 * first). Reading is a plain sequential read of a local file.
 */
#define CLP_LOG_TAG "webmgr.alerts"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "clp_alertlog.h"
#include "clp_msgcat.h"
#include "clp_xalloc.h"
#include "web_api.h"

#define DEF_LIMIT 200
#define MAX_LIMIT 2000

typedef struct {
    int level; /* 0 = any */
    const char *module, *server, *text;
} filter_t;

static bool match(const filter_t *f, const clp_alert_rec_t *rec)
{
    return (!f->level || rec->level == f->level) &&
           (!f->module || strcmp(f->module, rec->module) == 0) &&
           (!f->server || strcmp(f->server, rec->origin) == 0) &&
           (!f->text || strcasestr(rec->text, f->text) != NULL);
}

static void write_rec(wj_t *w, const clp_alert_rec_t *rec)
{
    char when[40];
    time_t t = (time_t)(rec->wall_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    size_t k = strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
    snprintf(when + k, sizeof(when) - k, ".%03u", (unsigned)(rec->wall_ms % 1000));
    wj_obj(w, NULL);
    wj_str(w, "server", rec->origin);
    wj_uint(w, "seq", rec->seq);
    wj_uint(w, "time_ms", rec->wall_ms);
    wj_str(w, "time", when);
    wj_str(w, "module", rec->module);
    wj_uint(w, "id", rec->event_id);
    wj_str(w, "level",
           rec->level == CLP_LVL_ERROR     ? "Error"
           : rec->level == CLP_LVL_WARNING ? "Warning"
                                           : "Info");
    wj_str(w, "text", rec->text);
    wj_end(w);
}

void api_get_alerts(web_req_t *r)
{
    filter_t f = {0};
    const char *lv = web_query(r, "level");
    if (lv && lv[0]) {
        f.level = clp_msgcat_parse_level(lv);
        if (f.level < 0) {
            web_reply_error(r, 400, "level must be error, warning or info");
            return;
        }
    }
    const char *m = web_query(r, "module"), *s = web_query(r, "server"), *t = web_query(r, "text");
    f.module = m && m[0] ? m : NULL;
    f.server = s && s[0] ? s : NULL;
    f.text = t && t[0] ? t : NULL;
    long limit = DEF_LIMIT;
    const char *ls = web_query(r, "limit");
    if (ls) {
        char *end;
        limit = strtol(ls, &end, 10);
        if (*end || limit < 1 || limit > MAX_LIMIT) {
            web_reply_error(r, 400, "limit must be from 1 to %d", MAX_LIMIT);
            return;
        }
    }
    unsigned long long c_ino = 0, c_off = 0;
    const char *cur = web_query(r, "cursor");
    bool have_cursor = false;
    if (cur && cur[0]) {
        if (sscanf(cur, "%llu:%llu", &c_ino, &c_off) != 2) {
            web_reply_error(r, 400, "bad cursor");
            return;
        }
        have_cursor = true;
    }

    wj_t w;
    web_json_begin(&w);
    FILE *fp = fopen(r->w->alert_log, "r");
    struct stat st = {0};
    bool reset = false;
    uint64_t end_off = 0;
    if (fp && fstat(fileno(fp), &st) == 0) {
        if (have_cursor &&
            (c_ino != (unsigned long long)st.st_ino || c_off > (unsigned long long)st.st_size)) {
            reset = true;
            have_cursor = false;
        }
        if (have_cursor) {
            fseeko(fp, (off_t)c_off, SEEK_SET);
            end_off = c_off;
        }
    }
    /* A ring of the last `limit` matches (without a cursor), or the first
     * `limit` new ones (with one: the rest come with the next call). */
    char **ring = xcalloc((size_t)limit, sizeof(*ring));
    clp_alert_rec_t *rec = xmalloc(sizeof(*rec));
    size_t n = 0, head = 0;
    unsigned long total = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (fp && (len = getline(&line, &cap, fp)) > 0) {
        if (line[len - 1] != '\n') {
            break; /* a line being written: read it next time */
        }
        end_off += (uint64_t)len;
        if (clp_alertrec_parse(line, rec) < 0 || !match(&f, rec)) {
            continue;
        }
        total++;
        if (have_cursor) {
            ring[n++] = xstrdup(line);
            if (n == (size_t)limit) {
                break;
            }
        } else {
            size_t slot = (head + n) % (size_t)limit;
            free(ring[slot]);
            ring[slot] = xstrdup(line);
            if (n < (size_t)limit) {
                n++;
            } else {
                head = (head + 1) % (size_t)limit;
            }
        }
    }
    free(line);
    wj_arr(&w, "alerts");
    for (size_t i = 0; i < n; i++) {
        if (clp_alertrec_parse(ring[(head + i) % (size_t)limit], rec) == 0) {
            write_rec(&w, rec);
        }
    }
    wj_end(&w);
    for (size_t i = 0; i < (size_t)limit; i++) {
        free(ring[i]);
    }
    free(ring);
    free(rec);
    char cbuf[64];
    snprintf(cbuf, sizeof(cbuf), "%llu:%" PRIu64, (unsigned long long)st.st_ino, end_off);
    wj_str(&w, "cursor", cbuf);
    wj_bool(&w, "reset", reset);
    wj_uint(&w, "matched", total);
    if (fp) {
        fclose(fp);
    } else if (errno != ENOENT) {
        wj_str(&w, "warning", "the alert log cannot be read");
    }
    web_reply_json(r, &w);
}

/*
 * web_metrics: the Prometheus exposition of the cluster's state.
 */
#define CLP_LOG_TAG "webmgr.metrics"
#include "web_metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clp_msgcat.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "clpstat_fmt.h"
#include "web_api.h"
#include "web_status.h"

#define MAX_GROUPS 256

enum { KIND_FAILOVER, KIND_MOVE, N_KINDS };

typedef struct {
    uint64_t started, completed, failed;
    uint64_t pending_since_ms; /* 0 = none in progress */
    double sum_s, last_s;
} kstat_t;

typedef struct {
    char name[CLP_NAME_MAX];
    kstat_t k[N_KINDS];
} gstat_t;

struct web_metrics {
    web_t *w;
    unsigned long long ino;
    uint64_t offset;
    gstat_t *g;
    size_t n;
};

web_metrics_t *web_metrics_new(web_t *w)
{
    web_metrics_t *m = xcalloc(1, sizeof(*m));
    m->w = w;
    m->g = xcalloc(MAX_GROUPS, sizeof(*m->g));
    return m;
}

void web_metrics_destroy(web_metrics_t **pm)
{
    if (pm && *pm) {
        free((*pm)->g);
        free(*pm);
        *pm = NULL;
    }
}

/* The %1 of catalogue row (rc, id) in text, or false. */
static bool arg1(unsigned id, const char *text, char *out, size_t n)
{
    const clp_msgdef_t *def = clp_msgcat_find("rc", id);
    const char *p = def ? strstr(def->text, "%1") : NULL;
    if (!p) {
        return false;
    }
    size_t pre = (size_t)(p - def->text);
    const char *suf = p + 2;
    size_t tl = strlen(text), sl = strlen(suf);
    if (tl < pre + sl || strncmp(text, def->text, pre) != 0 || strcmp(text + tl - sl, suf) != 0) {
        return false;
    }
    size_t k = tl - pre - sl;
    if (k == 0 || k >= n) {
        return false;
    }
    memcpy(out, text + pre, k);
    out[k] = '\0';
    return true;
}

static gstat_t *group(web_metrics_t *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->g[i].name, name) == 0) {
            return &m->g[i];
        }
    }
    if (m->n == MAX_GROUPS) {
        return NULL;
    }
    gstat_t *g = &m->g[m->n++];
    snprintf(g->name, sizeof(g->name), "%s", name);
    return g;
}

void web_metrics_feed(web_metrics_t *m, const clp_alert_rec_t *rec)
{
    static const struct {
        unsigned id;
        int kind, what; /* 0 start, 1 done, 2 failed */
    } rows[] = {
        {60, KIND_FAILOVER, 0}, {61, KIND_FAILOVER, 1}, {62, KIND_FAILOVER, 2},
        {50, KIND_MOVE, 0},     {51, KIND_MOVE, 1},     {52, KIND_MOVE, 2},
    };
    if (strcmp(rec->module, "rc") != 0) {
        return;
    }
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char name[CLP_NAME_MAX];
        if (rows[i].id != rec->event_id || !arg1(rows[i].id, rec->text, name, sizeof(name))) {
            continue;
        }
        gstat_t *g = group(m, name);
        if (!g) {
            return;
        }
        kstat_t *k = &g->k[rows[i].kind];
        if (rows[i].what == 0) {
            k->started++;
            k->pending_since_ms = rec->wall_ms;
            return;
        }
        if (rows[i].what == 1) {
            k->completed++;
        } else {
            k->failed++;
        }
        if (k->pending_since_ms && rec->wall_ms >= k->pending_since_ms) {
            k->last_s = (double)(rec->wall_ms - k->pending_since_ms) / 1000.0;
            if (rows[i].what == 1) {
                k->sum_s += k->last_s;
            }
        }
        k->pending_since_ms = 0;
        return;
    }
}

/* Reads what the alert log got since the last scrape. */
static void catch_up(web_metrics_t *m)
{
    FILE *fp = fopen(m->w->alert_log, "r");
    if (!fp) {
        return;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) < 0) {
        fclose(fp);
        return;
    }
    if ((unsigned long long)st.st_ino != m->ino || (uint64_t)st.st_size < m->offset) {
        /* a new file (or cut by retention): count again from its start */
        m->ino = (unsigned long long)st.st_ino;
        m->offset = 0;
        memset(m->g, 0, MAX_GROUPS * sizeof(*m->g));
        m->n = 0;
    }
    fseeko(fp, (off_t)m->offset, SEEK_SET);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    clp_alert_rec_t *rec = xmalloc(sizeof(*rec));
    while ((len = getline(&line, &cap, fp)) > 0 && line[len - 1] == '\n') {
        m->offset += (uint64_t)len;
        if (clp_alertrec_parse(line, rec) == 0) {
            web_metrics_feed(m, rec);
        }
    }
    free(rec);
    free(line);
    fclose(fp);
}

/* Appends s as a label value (escaped). */
static void lv(struct evbuffer *b, const char *s)
{
    evbuffer_add(b, "\"", 1);
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '"') {
            evbuffer_add_printf(b, "\\%c", *s);
        } else if (*s == '\n') {
            evbuffer_add(b, "\\n", 2);
        } else {
            evbuffer_add(b, s, 1);
        }
    }
    evbuffer_add(b, "\"", 1);
}

static void help(struct evbuffer *b, const char *name, const char *type, const char *text)
{
    evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* name{k1="v1",k2="v2"} value: labels as alternating key, value; NULL-terminated. */
static void sample(struct evbuffer *b, const char *name, double value, ...)
{
    va_list ap;
    va_start(ap, value);
    evbuffer_add_printf(b, "%s", name);
    const char *k = va_arg(ap, const char *);
    bool first = true;
    while (k) {
        const char *v = va_arg(ap, const char *);
        evbuffer_add_printf(b, "%s%s=", first ? "{" : ",", k);
        lv(b, v);
        first = false;
        k = va_arg(ap, const char *);
    }
    va_end(ap);
    evbuffer_add_printf(b, "%s %.15g\n", first ? "" : "}", value);
}

void web_metrics_write_groups(web_metrics_t *m, struct evbuffer *b)
{
    static const char *kn[N_KINDS] = {"failover", "move"};
    for (int k = 0; k < N_KINDS; k++) {
        char name[96];
        snprintf(name, sizeof(name), "clp_group_%ss_total", kn[k]);
        help(b, name, "counter",
             k ? "Group moves started (rc 50), from the alert log."
               : "Group failovers started (rc 60), from the alert log.");
        for (size_t i = 0; i < m->n; i++) {
            sample(b, name, (double)m->g[i].k[k].started, "group", m->g[i].name, NULL);
        }
        snprintf(name, sizeof(name), "clp_group_%s_failures_total", kn[k]);
        help(b, name, "counter", "Failed ones (rc 62 / rc 52).");
        for (size_t i = 0; i < m->n; i++) {
            sample(b, name, (double)m->g[i].k[k].failed, "group", m->g[i].name, NULL);
        }
        snprintf(name, sizeof(name), "clp_group_%s_duration_seconds", kn[k]);
        help(b, name, "summary", "Time from started to completed, completed ones only.");
        for (size_t i = 0; i < m->n; i++) {
            char sum[128], cnt[128];
            snprintf(sum, sizeof(sum), "%s_sum", name);
            snprintf(cnt, sizeof(cnt), "%s_count", name);
            sample(b, sum, m->g[i].k[k].sum_s, "group", m->g[i].name, NULL);
            sample(b, cnt, (double)m->g[i].k[k].completed, "group", m->g[i].name, NULL);
        }
        snprintf(name, sizeof(name), "clp_group_%s_last_duration_seconds", kn[k]);
        help(b, name, "gauge", "Duration of the last one that ended.");
        for (size_t i = 0; i < m->n; i++) {
            sample(b, name, m->g[i].k[k].last_s, "group", m->g[i].name, NULL);
        }
        snprintf(name, sizeof(name), "clp_group_%s_in_progress", kn[k]);
        help(b, name, "gauge", "1 while one has started and not ended.");
        for (size_t i = 0; i < m->n; i++) {
            sample(b, name, m->g[i].k[k].pending_since_ms ? 1 : 0, "group", m->g[i].name, NULL);
        }
    }
}

static void write_status(struct evbuffer *b, const Clp__ClusterStatus *st)
{
    help(b, "clp_cluster_info", "gauge", "The cluster, its master and the server answering.");
    sample(b, "clp_cluster_info", 1, "cluster", st->cluster, "status", web_cluster_word(st),
           "master", st->master, "local_server", st->local_server, NULL);
    help(b, "clp_toratio", "gauge", "Timeout ratio in effect (1 = none).");
    sample(b, "clp_toratio", st->toratio ? st->toratio : 1, NULL);

    help(b, "clp_server_status", "gauge", "Server status word (value 1).");
    for (size_t k = 0; k < st->n_servers; k++) {
        sample(b, "clp_server_status", 1, "server", st->servers[k]->name, "status",
               clpstat_server_word(st->servers[k]), NULL);
    }
    help(b, "clp_server_online", "gauge", "1 when the server's cluster service is up.");
    for (size_t k = 0; k < st->n_servers; k++) {
        Clp__ServerState s = st->servers[k]->state;
        sample(b, "clp_server_online",
               s == CLP__SERVER_STATE__SERVER_ONLINE || s == CLP__SERVER_STATE__SERVER_SUSPENDED,
               "server", st->servers[k]->name, NULL);
    }
    help(b, "clp_heartbeat_status", "gauge",
         "Heartbeat path to a server as the answering server sees it (value 1).");
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        for (size_t j = 0; j < sv->n_paths; j++) {
            sample(b, "clp_heartbeat_status", 1, "server", sv->name, "path", sv->paths[j]->name,
                   "status", clpstat_path_word(sv->paths[j]->state), NULL);
        }
    }
    help(b, "clp_heartbeat_last_rx_age_seconds", "gauge",
         "Time since server last heard peer on path (each server's own view).");
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        for (size_t j = 0; j < sv->n_own_paths; j++) {
            const Clp__PathStatus *p = sv->own_paths[j];
            for (size_t i = 0; i < p->n_peers; i++) {
                if (p->peers[i]->last_rx_age_ms == 0xffffffffu) {
                    continue;
                }
                sample(b, "clp_heartbeat_last_rx_age_seconds", p->peers[i]->last_rx_age_ms / 1000.0,
                       "server", sv->name, "path", p->name, "peer", p->peers[i]->server, NULL);
            }
        }
    }
    help(b, "clp_heartbeat_max_delay_seconds", "gauge",
         "Worst beat-to-beat gap seen recently from peer on path (each server's own view).");
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        for (size_t j = 0; j < sv->n_own_paths; j++) {
            const Clp__PathStatus *p = sv->own_paths[j];
            for (size_t i = 0; i < p->n_peers; i++) {
                sample(b, "clp_heartbeat_max_delay_seconds", p->peers[i]->max_delay_ms / 1000.0,
                       "server", sv->name, "path", p->name, "peer", p->peers[i]->server, NULL);
            }
        }
    }
    help(b, "clp_np_status", "gauge", "Network partition resolution resource (value 1).");
    for (size_t k = 0; k < st->n_servers; k++) {
        const Clp__ServerView *sv = st->servers[k];
        for (size_t i = 0; i < sv->n_nps; i++) {
            sample(b, "clp_np_status", 1, "server", sv->name, "np", sv->nps[i]->name, "status",
                   clpstat_path_word(sv->nps[i]->state), NULL);
        }
    }
    help(b, "clp_group_status", "gauge", "Group status word and current server (value 1).");
    for (size_t g = 0; g < st->n_groups; g++) {
        const Clp__GroupView *gv = st->groups[g];
        sample(b, "clp_group_status", 1, "group", gv->name, "status", clpstat_group_word(gv->state),
               "current", gv->current[0] ? gv->current : "None", NULL);
    }
    help(b, "clp_group_online", "gauge", "1 where the group is online.");
    for (size_t g = 0; g < st->n_groups; g++) {
        const Clp__GroupView *gv = st->groups[g];
        for (size_t s = 0; s < gv->n_per_server; s++) {
            sample(b, "clp_group_online",
                   gv->per_server[s]->state == CLP__GROUP_STATE__GROUP_ONLINE, "group", gv->name,
                   "server", gv->per_server[s]->server, NULL);
        }
    }
    help(b, "clp_resource_status", "gauge", "Group resource status word (value 1).");
    for (size_t g = 0; g < st->n_groups; g++) {
        const Clp__GroupView *gv = st->groups[g];
        for (size_t i = 0; i < gv->n_resources; i++) {
            sample(b, "clp_resource_status", 1, "group", gv->name, "resource",
                   gv->resources[i]->name, "status", clpstat_group_word(gv->resources[i]->state),
                   NULL);
        }
    }
    help(b, "clp_monitor_status", "gauge", "Monitor status word per server (value 1).");
    for (size_t m = 0; m < st->n_monitors; m++) {
        const Clp__MonitorView *mv = st->monitors[m];
        for (size_t k = 0; k < mv->n_per_server; k++) {
            sample(b, "clp_monitor_status", 1, "monitor", mv->name, "server",
                   mv->per_server[k]->server, "status",
                   clpstat_monitor_word(mv->per_server[k]->state), NULL);
        }
    }
    static const char *cn[] = {"clp_monitor_restarts_total", "clp_monitor_failovers_total",
                               "clp_monitor_final_actions_total"};
    static const char *ch[] = {"Reactivations done by the monitor's recovery.",
                               "Failovers requested by the monitor's recovery.",
                               "Final actions run by the monitor's recovery."};
    for (int c = 0; c < 3; c++) {
        help(b, cn[c], "counter", ch[c]);
        for (size_t m = 0; m < st->n_monitors; m++) {
            const Clp__MonitorView *mv = st->monitors[m];
            for (size_t k = 0; k < mv->n_per_server; k++) {
                const Clp__MonitorServerState *ms = mv->per_server[k];
                uint32_t v = c == 0   ? ms->restart_count
                             : c == 1 ? ms->failover_count
                                      : ms->final_count;
                sample(b, cn[c], v, "monitor", mv->name, "server", ms->server, NULL);
            }
        }
    }
}

static void write_self(struct evbuffer *b, web_t *w)
{
    const web_http_counters_t *c = web_http_counters(w->http);
    static const char *cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    help(b, "clp_webmgr_http_requests_total", "counter", "HTTP requests answered, by class.");
    for (int i = 1; i < 6; i++) {
        sample(b, "clp_webmgr_http_requests_total", (double)c->by_class[i], "code", cls[i], NULL);
    }
    help(b, "clp_webmgr_http_request_seconds_sum", "counter", "Time spent answering requests.");
    sample(b, "clp_webmgr_http_request_seconds_sum", c->latency_sum_ms / 1000.0, NULL);
    help(b, "clp_webmgr_denied_total", "counter", "Requests refused with 401 or 403.");
    sample(b, "clp_webmgr_denied_total", (double)(c->denied + c->unauthorized), NULL);
    help(b, "clp_webmgr_status_requests_total", "counter", "Status requests sent to the core.");
    sample(b, "clp_webmgr_status_requests_total", (double)web_status_asked(w->status), NULL);
    help(b, "clp_webmgr_status_failures_total", "counter", "Status requests that failed.");
    sample(b, "clp_webmgr_status_failures_total", (double)web_status_failed(w->status), NULL);
    help(b, "clp_webmgr_sessions", "gauge", "Live browser sessions.");
    sample(b, "clp_webmgr_sessions", (double)web_sessions_count(w->sessions, clp_mono_ms()), NULL);
}

static void on_status(void *arg, const Clp__ClusterStatus *st, const char *err)
{
    web_req_t *r = arg;
    web_t *w = r->w;
    struct evbuffer *b = evbuffer_new();
    help(b, "clp_status_available", "gauge",
         "1 when the local cluster service answered the status request.");
    sample(b, "clp_status_available", st ? 1 : 0, NULL);
    if (st) {
        write_status(b, st);
    }
    catch_up(w->metrics);
    web_metrics_write_groups(w->metrics, b);
    write_self(b, w);
    web_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b);
}

void api_get_metrics(web_req_t *r)
{
    web_status_get(r->w->status, on_status, r);
}

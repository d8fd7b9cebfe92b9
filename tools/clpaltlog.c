/*
 * clpaltlog: the alert viewer of the command line. Reads this server's alert
 * log (alert/alert.log: every server's alerts, replicated by alertsync; the
 * log the WebManager shows) and prints the records that pass the filters, in
 * log order:
 *
 *   clpaltlog [--server NAME] [--module TYPE] [--id ID] [-l LEVEL] [--grep TEXT]
 *             [--since TIME] [--until TIME] [-n N] [-f] [-c] [-o text|json]
 *   clpaltlog --status
 *
 * Text output, one record per line:
 *   YYYY/MM/DD HH:MM:SS.mmm SERVER LEVEL MODULE ID TEXT
 * (LEVEL is INFO, WARNING or ERROR; TEXT is the rest of the line, with
 * newlines and tabs shown as \n and \t). -o json prints a JSON array of
 * objects {"server","seq","time","wall_ms","level","module","event_id",
 * "destinations","source","text"}; with -f one object per line instead.
 * -f follows the log (also across evt's retention compaction). -c prints the
 * number of matching records only. TIME is "YYYY-MM-DD[ HH:MM[:SS]]" (also
 * with / or T), seconds since the epoch ("@1700000000"), or an age ("30s",
 * "10m", "2h", "1d" ago). -l LEVEL keeps that level and more severe ones.
 * --status prints the counters of clusterpro_evt and clusterpro_alertsync.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_alertlog.h"
#include "clp_config.h"
#include "clp_msg.h"
#include "clp_msgcat.h"
#include "clp_paths.h"
#include "clp_rpc.h"

typedef struct {
    const char *server, *module, *grep;
    long id;
    int level;
    uint64_t since_ms, until_ms;
    long last_n;
    bool follow, count, json;
} opts_t;

typedef struct {
    char origin[64];
    uint64_t seq;
} mark_t;

typedef struct {
    const opts_t *o;
    long matched;
    bool first_json;
    /* -n: a ring of the last N formatted records */
    char **ring;
    long ring_n, ring_pos;
    /* follow: the newest seq printed per origin */
    mark_t *marks;
    size_t n_marks;
} view_t;

static void usage(FILE *out)
{
    fputs("usage: clpaltlog [--server NAME] [--module TYPE] [--id ID] [-l LEVEL] [--grep TEXT]\n"
          "                 [--since TIME] [--until TIME] [-n N] [-f] [-c] [-o text|json]\n"
          "                 [--root DIR]\n"
          "       clpaltlog --status [--root DIR]\n"
          "Prints this server's alert log (the alerts of every server).\n"
          "  --server NAME   only alerts that happened on server NAME\n"
          "  --module TYPE   only this module type (rc, nm, pm, logcmd, ...)\n"
          "  --id ID         only this event ID\n"
          "  -l LEVEL        INFO, WARN or ERR: this level and more severe ones\n"
          "  --grep TEXT     only alerts whose text contains TEXT\n"
          "  --since TIME    from TIME: YYYY-MM-DD[ HH:MM[:SS]], @EPOCH or an age (30s, 10m, "
          "2h, 1d)\n"
          "  --until TIME    up to TIME (same forms)\n"
          "  -n N            only the last N matching alerts\n"
          "  -f              follow: print new alerts as they arrive\n"
          "  -c              print the number of matching alerts only\n"
          "  -o json         JSON output (an array; one object per line with -f)\n"
          "  --status        counters of clusterpro_evt and clusterpro_alertsync\n",
          out);
}

/* Parses TIME into ms since the epoch. Returns 0 or -EINVAL. */
static int parse_time(const char *s, uint64_t *out)
{
    char *end;
    if (s[0] == '@') {
        errno = 0;
        unsigned long long v = strtoull(s + 1, &end, 10);
        if (errno || *end || !s[1]) {
            return -EINVAL;
        }
        *out = v * 1000;
        return 0;
    }
    if (s[0] >= '0' && s[0] <= '9') {
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        unsigned long long unit = 0;
        if (!errno && end[0] && !end[1]) {
            unit = end[0] == 's'   ? 1
                   : end[0] == 'm' ? 60
                   : end[0] == 'h' ? 3600
                   : end[0] == 'd' ? 86400
                                   : 0;
        }
        if (unit) {
            time_t now = time(NULL);
            *out = ((uint64_t)now - v * unit) * 1000;
            return 0;
        }
    }
    struct tm tm = {0};
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *p = buf; *p; p++) {
        if (*p == '/') {
            *p = '-';
        } else if (*p == 'T') {
            *p = ' ';
        }
    }
    const char *fmts[] = {"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"};
    for (size_t i = 0; i < 3; i++) {
        memset(&tm, 0, sizeof(tm));
        char *e = strptime(buf, fmts[i], &tm);
        if (e && !*e) {
            tm.tm_isdst = -1;
            time_t t = mktime(&tm);
            if (t == (time_t)-1) {
                return -EINVAL;
            }
            *out = (uint64_t)t * 1000;
            return 0;
        }
    }
    return -EINVAL;
}

static bool matches(const opts_t *o, const clp_alert_rec_t *r)
{
    return (!o->server || strcmp(r->origin, o->server) == 0) &&
           (!o->module || strcmp(r->module, o->module) == 0) &&
           (o->id < 0 || (long)r->event_id == o->id) && (!o->level || r->level <= o->level) &&
           (!o->since_ms || r->wall_ms >= o->since_ms) &&
           (!o->until_ms || r->wall_ms <= o->until_ms) && (!o->grep || strstr(r->text, o->grep));
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void escape_text(const char *in, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = in; *p && k + 3 < n; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r') {
            out[k++] = '\\';
            out[k++] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
        } else {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
}

/* Formats a record for output (heap string, caller frees). */
static char *format_rec(const opts_t *o, const clp_alert_rec_t *r)
{
    char when[40], iso[40];
    time_t t = (time_t)(r->wall_ms / 1000);
    struct tm tm;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        return NULL;
    }
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
    if (!o->json) {
        char *text = malloc(sizeof(r->text) * 2);
        escape_text(r->text, text, sizeof(r->text) * 2);
        fprintf(f, "%s.%03u %s %s %s %u %s", when, (unsigned)(r->wall_ms % 1000), r->origin,
                clp_msgcat_level_name(r->level), r->module, r->event_id, text);
        free(text);
    } else {
        strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
        char tz[8];
        strftime(tz, sizeof(tz), "%z", &tm);
        fputs("{\"server\":", f);
        json_str(f, r->origin);
        fprintf(f,
                ",\"seq\":%" PRIu64 ",\"time\":\"%s.%03u%.3s:%s\",\"wall_ms\":%" PRIu64
                ",\"level\":\"%s\",\"module\":",
                r->seq, iso, (unsigned)(r->wall_ms % 1000), tz, tz + 3, r->wall_ms,
                clp_msgcat_level_name(r->level));
        json_str(f, r->module);
        fprintf(f, ",\"event_id\":%u,\"destinations\":[", r->event_id);
        static const char *const names[] = {"alert", "syslog", "mail", "trap"};
        bool first = true;
        for (int i = 0; i < 4; i++) {
            if (r->dest & (1u << i)) {
                fprintf(f, "%s\"%s\"", first ? "" : ",", names[i]);
                first = false;
            }
        }
        fputs("],\"source\":", f);
        json_str(f, r->source);
        fputs(",\"text\":", f);
        json_str(f, r->text);
        fputc('}', f);
    }
    fclose(f);
    return buf;
}

static void emit(view_t *v, const char *line)
{
    if (v->o->json && !v->o->follow) {
        printf("%s\n  %s", v->first_json ? "[" : ",", line);
        v->first_json = false;
    } else {
        printf("%s\n", line);
    }
}

static mark_t *mark_of(view_t *v, const char *origin)
{
    for (size_t i = 0; i < v->n_marks; i++) {
        if (strcmp(v->marks[i].origin, origin) == 0) {
            return &v->marks[i];
        }
    }
    mark_t *nm = realloc(v->marks, (v->n_marks + 1) * sizeof(*nm));
    if (!nm) {
        return NULL;
    }
    v->marks = nm;
    mark_t *m = &v->marks[v->n_marks++];
    snprintf(m->origin, sizeof(m->origin), "%s", origin);
    m->seq = 0;
    return m;
}

static int on_rec(void *arg, const clp_alert_rec_t *r)
{
    view_t *v = arg;
    mark_t *m = mark_of(v, r->origin);
    if (m) {
        if (r->seq <= m->seq) {
            return 0; /* printed before (a compacted file is read again) */
        }
        m->seq = r->seq;
    }
    if (!matches(v->o, r)) {
        return 0;
    }
    v->matched++;
    if (v->o->count) {
        return 0;
    }
    char *line = format_rec(v->o, r);
    if (!line) {
        return 0;
    }
    if (v->ring) {
        free(v->ring[v->ring_pos]);
        v->ring[v->ring_pos] = line;
        v->ring_pos = (v->ring_pos + 1) % v->ring_n;
        return 0;
    }
    emit(v, line);
    free(line);
    return 0;
}

/* Prints what the ring kept (nothing when show is false: -n 0). */
static void flush_ring(view_t *v, bool show)
{
    if (!v->ring) {
        return;
    }
    for (long i = 0; i < v->ring_n; i++) {
        long k = (v->ring_pos + i) % v->ring_n;
        if (v->ring[k]) {
            if (show) {
                emit(v, v->ring[k]);
            }
            free(v->ring[k]);
        }
    }
    free(v->ring);
    v->ring = NULL;
}

/* Reads complete lines of path from *pos on. */
static int read_from(const char *path, off_t *pos, ino_t *ino, view_t *v)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    if (st.st_ino != *ino || st.st_size < *pos) {
        *pos = 0; /* replaced by a compaction: read again, marks skip what was printed */
        *ino = st.st_ino;
    }
    FILE *f = fopen(path, "re");
    if (!f) {
        return -errno;
    }
    if (fseeko(f, *pos, SEEK_SET) < 0) {
        fclose(f);
        return -errno;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    clp_alert_rec_t *rec = malloc(sizeof(*rec));
    while (rec && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n') {
            break; /* a line being written: read it next time */
        }
        *pos += n;
        if (clp_alertrec_parse(line, rec) == 0) {
            on_rec(v, rec);
        }
    }
    free(rec);
    free(line);
    fclose(f);
    fflush(stdout);
    return 0;
}

static int print_status(const char *root)
{
    static const char *const services[] = {"evt", "alertsync"};
    void *zctx = zmq_ctx_new();
    clp_msg_ctx_t mctx;
    int rc = 0;

    clp_msg_ctx_init(&mctx, "", "", "clpaltlog", 0);
    for (size_t i = 0; i < 2; i++) {
        Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
        Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
        char err[256];
        req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
        req.status_request = &sr;
        if (clp_rpc_local(zctx, root, services[i], &mctx, &req, &rep, 3000, err, sizeof(err)) < 0 ||
            rep->payload_case != CLP__ENVELOPE__PAYLOAD_STATUS_REPLY) {
            fprintf(stderr, "clpaltlog: clusterpro_%s: %s\n", services[i],
                    rep ? "unexpected reply" : err);
            clp_msg_free(rep);
            rc = 1;
            continue;
        }
        const Clp__StatusReply *st = rep->status_reply;
        printf("%s state=%s pid=%d\n", st->service, st->state, st->pid);
        for (size_t k = 0; k < st->n_counters; k++) {
            printf("%s %s=%" PRIu64 "\n", st->service, st->counters[k]->name,
                   st->counters[k]->value);
        }
        clp_msg_free(rep);
    }
    zmq_ctx_term(zctx);
    return rc;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = 1;
}

int main(int argc, char **argv)
{
    enum { O_SERVER = 1000, O_MODULE, O_ID, O_GREP, O_SINCE, O_UNTIL, O_STATUS, O_ROOT };
    static const struct option lopts[] = {
        {"server", required_argument, NULL, O_SERVER},
        {"module", required_argument, NULL, O_MODULE},
        {"id", required_argument, NULL, O_ID},
        {"grep", required_argument, NULL, O_GREP},
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"status", no_argument, NULL, O_STATUS},
        {"root", required_argument, NULL, O_ROOT},
        {"follow", no_argument, NULL, 'f'},
        {"count", no_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opts_t o = {.id = -1, .last_n = -1};
    const char *root_arg = NULL;
    bool status = false;
    char root[CLP_PATH_MAX], path[CLP_PATH_MAX], *end;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "l:n:fco:h", lopts, NULL)) != -1) {
        switch (ch) {
        case O_SERVER:
            o.server = optarg;
            break;
        case O_MODULE:
            o.module = optarg;
            break;
        case O_ID:
            o.id = strtol(optarg, &end, 10);
            if (*end || o.id < 0) {
                fprintf(stderr, "clpaltlog: --id needs a number\n");
                usage(stderr);
                return 2;
            }
            break;
        case O_GREP:
            o.grep = optarg;
            break;
        case O_SINCE:
        case O_UNTIL:
            if (parse_time(optarg, ch == O_SINCE ? &o.since_ms : &o.until_ms) < 0) {
                fprintf(stderr, "clpaltlog: cannot read the time '%s'\n", optarg);
                usage(stderr);
                return 2;
            }
            break;
        case O_STATUS:
            status = true;
            break;
        case O_ROOT:
            root_arg = optarg;
            break;
        case 'l':
            o.level = clp_msgcat_parse_level(optarg);
            if (o.level < 0) {
                fprintf(stderr, "clpaltlog: unknown level '%s' (INFO, WARN or ERR)\n", optarg);
                usage(stderr);
                return 2;
            }
            break;
        case 'n':
            o.last_n = strtol(optarg, &end, 10);
            if (*end || o.last_n < 0) {
                fprintf(stderr, "clpaltlog: -n needs a number\n");
                usage(stderr);
                return 2;
            }
            break;
        case 'f':
            o.follow = true;
            break;
        case 'c':
            o.count = true;
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(stderr, "clpaltlog: -o takes text or json\n");
                usage(stderr);
                return 2;
            }
            o.json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "clpaltlog: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (clp_root_resolve(root_arg, root, sizeof(root)) < 0) {
        fprintf(stderr, "clpaltlog: cannot use root directory %s\n", root_arg ? root_arg : "");
        return 1;
    }
    if (status) {
        return print_status(root);
    }
    clp_path(path, sizeof(path), root, "alert/alert.log");
    view_t v = {.o = &o, .first_json = true};
    if (o.last_n >= 0 && !o.count) {
        v.ring_n = o.last_n > 0 ? o.last_n : 1;
        v.ring = calloc((size_t)v.ring_n, sizeof(char *));
    }
    off_t pos = 0;
    ino_t ino = 0;
    int rc = read_from(path, &pos, &ino, &v);
    if (rc < 0) {
        fprintf(stderr, "clpaltlog: cannot read %s: %s\n", path, strerror(-rc));
        return 1;
    }
    flush_ring(&v, o.last_n != 0);
    if (o.count) {
        printf("%ld\n", v.matched);
    } else if (o.json && !o.follow) {
        printf(v.first_json ? "[]\n" : "\n]\n");
    }
    fflush(stdout);
    if (o.follow) {
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, on_signal);
        while (!stop) {
            usleep(200 * 1000);
            if (read_from(path, &pos, &ino, &v) < 0) {
                break;
            }
            if (o.count) {
                printf("%ld\n", v.matched);
                fflush(stdout);
            }
        }
    }
    free(v.marks);
    return 0;
}

/*
 * trn_logcc: the collector's job, the packing children and chunk serving.
 */
#define CLP_LOG_TAG "trn.logcc"
#include "trn_logcc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_paths.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "clp_xalloc.h"

#define PREPARE_TIMEOUT_MS 120000
#define CHUNK_TIMEOUT_MS 30000
#define CHILD_TIMEOUT_S 180
#define STALE_S 900

/* Packs one server's logs: $1 root, $2 output tar.gz, $3 scratch dir, $4 name, $5 type.
 * The names in $have are fixed relative paths (log, alert, etc/clp.conf, ...). */
static const char prepare_script[] =
    "set -u\n"
    "root=$1 out=$2 tmp=$3 name=$4 type=$5\n"
    "rm -rf \"$tmp\" && mkdir -p \"$tmp/sysinfo\" || exit 1\n"
    "set -- log alert\n"
    "if [ \"$type\" != type3 ]; then\n"
    "  for f in etc/clp.conf etc/platform.conf; do [ -e \"$root/$f\" ] && set -- \"$@\" \"$f\"; "
    "done\n"
    "  s=\"$tmp/sysinfo\"\n"
    "  uname -a >\"$s/uname.txt\" 2>&1; hostname >\"$s/hostname.txt\" 2>&1\n"
    "  date >\"$s/date.txt\" 2>&1; uptime >\"$s/uptime.txt\" 2>&1\n"
    "  ip addr >\"$s/ip-addr.txt\" 2>&1; ip route >\"$s/ip-route.txt\" 2>&1\n"
    "  ip -s link >\"$s/ip-link.txt\" 2>&1\n"
    "  cat /proc/mounts >\"$s/mounts.txt\" 2>&1; df -h >\"$s/df.txt\" 2>&1\n"
    "  free >\"$s/free.txt\" 2>&1; ps -ef >\"$s/ps.txt\" 2>&1\n"
    "fi\n"
    "[ \"$type\" = type2 ] && set -- \"$@\" work\n"
    "have=\"\"; for f in \"$@\"; do [ -e \"$root/$f\" ] && have=\"$have $f\"; done\n"
    "set -- czf \"$out.part\" --warning=no-file-changed --warning=no-file-ignored "
    "--ignore-failed-read --exclude='*.sock' --exclude='*.key' --transform \"s,^,$name/,\" "
    "-C \"$root\" $have\n"
    "[ \"$type\" = type3 ] || set -- \"$@\" -C \"$tmp\" sysinfo\n"
    "tar \"$@\"\n"
    "rc=$?; rm -rf \"$tmp\"\n"
    "[ $rc -le 1 ] || exit $rc\n"
    "mv \"$out.part\" \"$out\"\n";

/* Unpacks every *.tar.gz of $1 in place and packs $1 into $2. */
static const char pack_script[] =
    "set -u\n"
    "dir=$1 out=$2\n"
    "cd \"$dir\" || exit 1\n"
    "for f in *.tar.gz; do [ -e \"$f\" ] || continue; tar xzf \"$f\" && rm -f \"$f\" || exit 1; "
    "done\n"
    "tar czf \"$out.part\" -C \"$dir\" . && mv \"$out.part\" \"$out\"\n";

/* ---- children ---- */

typedef void (*child_done_fn)(void *arg, int status, const char *output);

typedef struct child {
    pid_t pid;
    int fd;
    struct event *ev, *timer;
    char out[512];
    size_t out_len;
    child_done_fn fn;
    void *arg;
    struct logcc *lc;
    struct child *next;
} child_t;

typedef struct source source_t;
typedef struct job job_t;

typedef struct logcc {
    trn_t *t;
    char dir[CLP_PATH_MAX]; /* work/logcc */
    child_t *children;
    job_t *jobs;
    unsigned long collects, prepares, chunks_served, bytes_served, failures;
    uint64_t next_job;
} logcc_t;

static void child_finish(child_t *c, int status)
{
    logcc_t *lc = c->lc;
    for (child_t **pp = &lc->children; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    c->out[c->out_len] = '\0';
    event_free(c->ev);
    event_free(c->timer);
    close(c->fd);
    if (c->fn) {
        c->fn(c->arg, status, c->out);
    }
    free(c);
}

static void on_child_out(evutil_socket_t fd, short what, void *arg)
{
    child_t *c = arg;
    char buf[512];
    ssize_t r = read(fd, buf, sizeof(buf));
    if (r > 0) {
        size_t keep = sizeof(c->out) - 1;
        for (ssize_t i = 0; i < r; i++) {
            if (c->out_len == keep) {
                memmove(c->out, c->out + 1, keep - 1);
                c->out_len--;
            }
            c->out[c->out_len++] = buf[i];
        }
        return;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    int status = 0;
    waitpid(c->pid, &status, 0);
    child_finish(c, status);
}

static void on_child_timeout(evutil_socket_t fd, short what, void *arg)
{
    child_t *c = arg;
    clp_warn("log packing process %d did not finish in %d s: killed", (int)c->pid, CHILD_TIMEOUT_S);
    kill(-c->pid, SIGKILL);
}

/* Runs script with args in /bin/sh in its own process group; fn gets the
 * wait status and the end of its output. Returns 0 or -errno. */
static int spawn(logcc_t *lc, const char *script, const char *const *args, child_done_fn fn,
                 void *arg)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        const char *argv[12] = {"sh", "-c", script, "sh"};
        size_t k = 4;
        for (size_t i = 0; args[i] && k < 11; i++) {
            argv[k++] = args[i];
        }
        argv[k] = NULL;
        setpgid(0, 0);
        dup2(p[1], 1);
        dup2(p[1], 2);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) {
            dup2(nul, 0);
        }
        signal(SIGPIPE, SIG_DFL);
        execv("/bin/sh", (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    evutil_make_socket_nonblocking(p[0]);
    child_t *c = xcalloc(1, sizeof(*c));
    c->pid = pid;
    c->fd = p[0];
    c->fn = fn;
    c->arg = arg;
    c->lc = lc;
    c->ev = event_new(lc->t->d->base, p[0], EV_READ | EV_PERSIST, on_child_out, c);
    c->timer = evtimer_new(lc->t->d->base, on_child_timeout, c);
    struct timeval tv = {.tv_sec = CHILD_TIMEOUT_S};
    event_add(c->ev, NULL);
    event_add(c->timer, &tv);
    c->next = lc->children;
    lc->children = c;
    return 0;
}

static bool child_ok(int status)
{
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- serving side: prepare and chunks ---- */

bool trn_logcc_job_ok(const char *s)
{
    return clp_path_token_ok(s);
}

static bool type_ok(const char *t)
{
    return !t || !t[0] || strcmp(t, "type1") == 0 || strcmp(t, "type2") == 0 ||
           strcmp(t, "type3") == 0;
}

/* Removes what crashed or abandoned collections left (older than STALE_S). */
static void clean_stale(logcc_t *lc)
{
    DIR *dh = opendir(lc->dir);
    struct dirent *de;
    time_t now = time(NULL);
    if (!dh) {
        return;
    }
    while ((de = readdir(dh))) {
        char path[CLP_PATH_MAX + 300];
        struct stat st;
        if (de->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", lc->dir, de->d_name);
        if (lstat(path, &st) == 0 && now - st.st_mtime > STALE_S) {
            if (S_ISDIR(st.st_mode)) {
                const char *args[] = {path, NULL};
                spawn(lc, "rm -rf \"$1\"", args, NULL, NULL);
            } else {
                unlink(path);
            }
        }
    }
    closedir(dh);
}

typedef struct {
    logcc_t *lc;
    clp_srv_req_t *req;
    char job[72];
    char out[CLP_PATH_MAX + 100];
} prep_t;

static void prepared(void *arg, int status, const char *output)
{
    prep_t *p = arg;
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__LogPrepareReply pr = CLP__LOG_PREPARE_REPLY__INIT;
    struct stat st;
    char name[CLP_NAME_MAX + 8];

    snprintf(name, sizeof(name), "%s.tar.gz", p->lc->t->d->server);
    pr.job = p->job;
    pr.name = name;
    if (child_ok(status) && stat(p->out, &st) == 0) {
        pr.ok = true;
        pr.size = (uint64_t)st.st_size;
        pr.message = "";
    } else {
        p->lc->failures++;
        pr.message = (char *)(output[0] ? output : "packing the logs failed");
        clp_warn("packing the logs for job %s failed: %s", p->job, pr.message);
    }
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_PREPARE_REPLY;
    rep.log_prepare_reply = &pr;
    if (p->req) {
        clp_srv_reply(p->req, &rep);
    }
    free(p);
}

/* Packs this server's logs into work/logcc/out-<job>.tar.gz; fn runs when done. */
static int prepare_local(logcc_t *lc, const char *job, const char *type, child_done_fn fn,
                         void *arg, char *out, size_t outlen)
{
    char tmp[CLP_PATH_MAX + 100];
    snprintf(out, outlen, "%s/out-%s.tar.gz", lc->dir, job);
    snprintf(tmp, sizeof(tmp), "%s/tmp-%s", lc->dir, job);
    unlink(out);
    const char *args[] = {
        lc->t->d->root, out, tmp, lc->t->d->server, type && type[0] ? type : "type1", NULL};
    lc->prepares++;
    return spawn(lc, prepare_script, args, fn, arg);
}

/* Logs are for this server's tools (ipc) and the cluster's servers, never for
 * an outside client key (which may only send clprexec requests). */
static bool outside_refused(clp_srv_req_t *req)
{
    const char *user = clp_srv_req_user(req);
    if (user[0] && strcmp(user, "cluster") != 0) {
        clp_srv_reply_error(req, -EPERM, "only the cluster's own servers may collect logs");
        return true;
    }
    return false;
}

void trn_logcc_on_prepare(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    logcc_t *lc = ((trn_t *)d->app)->modules[TRN_MOD_LOGCC];
    const Clp__LogPrepareRequest *r = env->log_prepare_request;

    if (outside_refused(req)) {
        return;
    }
    if (!trn_logcc_job_ok(r->job) || !type_ok(r->type)) {
        clp_srv_reply_error(req, -EINVAL, "bad log collection job or type");
        return;
    }
    clean_stale(lc);
    prep_t *p = xcalloc(1, sizeof(*p));
    p->lc = lc;
    p->req = req;
    snprintf(p->job, sizeof(p->job), "%s", r->job);
    int rc = prepare_local(lc, r->job, r->type, prepared, p, p->out, sizeof(p->out));
    if (rc < 0) {
        free(p);
        clp_srv_reply_error(req, rc, "cannot start packing the logs: %s", strerror(-rc));
    }
}

void trn_logcc_on_chunk(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    logcc_t *lc = ((trn_t *)d->app)->modules[TRN_MOD_LOGCC];
    const Clp__LogChunkRequest *r = env->log_chunk_request;
    char path[CLP_PATH_MAX + 100];

    if (outside_refused(req)) {
        return;
    }
    if (!trn_logcc_job_ok(r->job)) {
        clp_srv_reply_error(req, -EINVAL, "bad log collection job");
        return;
    }
    snprintf(path, sizeof(path), "%s/out-%s.tar.gz", lc->dir, r->job);
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__LogChunk ch = CLP__LOG_CHUNK__INIT;
    ch.job = r->job;
    ch.offset = r->offset;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_CHUNK;
    rep.log_chunk = &ch;
    if (r->done) {
        unlink(path);
        ch.eof = true;
        clp_srv_reply(req, &rep);
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        clp_srv_reply_error(req, -errno, "no archive for job %s", r->job);
        return;
    }
    size_t max =
        r->max_bytes && r->max_bytes < TRN_LOGCC_CHUNK_MAX ? r->max_bytes : TRN_LOGCC_CHUNK_MAX;
    uint8_t *buf = xmalloc(max);
    ssize_t n = pread(fd, buf, max, (off_t)r->offset);
    struct stat st;
    fstat(fd, &st);
    close(fd);
    if (n < 0) {
        free(buf);
        clp_srv_reply_error(req, -EIO, "cannot read the archive of job %s", r->job);
        return;
    }
    ch.data.data = buf;
    ch.data.len = (size_t)n;
    ch.eof = r->offset + (uint64_t)n >= (uint64_t)st.st_size;
    lc->chunks_served++;
    lc->bytes_served += (unsigned long)n;
    clp_srv_reply(req, &rep);
    free(buf);
}

/* ---- collector side ---- */

struct source {
    job_t *job;
    char name[CLP_NAME_MAX];
    bool local;
    clp_aclient_t *ac;
    int fd;
    uint64_t size, got;
    bool done, ok;
    char message[256];
    char local_out[CLP_PATH_MAX + 100];
};

struct job {
    logcc_t *lc;
    job_t *next;
    clp_srv_req_t *req;
    char id[72];
    char type[16];
    char dir[CLP_PATH_MAX + 100];
    char archive[CLP_PATH_MAX + 200];
    source_t *src;
    size_t n_src, n_done;
    uint32_t timeout_ms;
    bool starting; /* sources are being started: do not finish yet */
};

static void free_aclient_later(evutil_socket_t fd, short what, void *arg)
{
    clp_aclient_t *ac = arg;
    clp_aclient_destroy(&ac);
}

static void job_free(job_t *j)
{
    logcc_t *lc = j->lc;
    for (job_t **pp = &lc->jobs; *pp; pp = &(*pp)->next) {
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    }
    for (size_t i = 0; i < j->n_src; i++) {
        if (j->src[i].fd >= 0) {
            close(j->src[i].fd);
        }
        if (j->src[i].ac) {
            event_base_once(lc->t->d->base, -1, EV_TIMEOUT, free_aclient_later, j->src[i].ac, NULL);
        }
    }
    free(j->src);
    free(j);
}

static void job_reply(job_t *j, bool ok, const char *message)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__LogCollectReply cr = CLP__LOG_COLLECT_REPLY__INIT;
    Clp__LogServerResult *rv = xcalloc(j->n_src ? j->n_src : 1, sizeof(*rv));
    Clp__LogServerResult **rp = xcalloc(j->n_src ? j->n_src : 1, sizeof(*rp));
    for (size_t i = 0; i < j->n_src; i++) {
        clp__log_server_result__init(&rv[i]);
        rv[i].server = j->src[i].name;
        rv[i].ok = j->src[i].ok;
        rv[i].message = j->src[i].message;
        rv[i].bytes = j->src[i].got;
        rp[i] = &rv[i];
    }
    cr.ok = ok;
    cr.message = (char *)message;
    cr.archive = ok ? j->archive : "";
    cr.n_servers = j->n_src;
    cr.servers = rp;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REPLY;
    rep.log_collect_reply = &cr;
    clp_srv_reply(j->req, &rep);
    free(rv);
    free(rp);
}

static void packed(void *arg, int status, const char *output)
{
    job_t *j = arg;
    const char *args[] = {j->dir, NULL};
    if (child_ok(status)) {
        clp_info("log collection %s: %s", j->id, j->archive);
        job_reply(j, true, "collected");
    } else {
        j->lc->failures++;
        job_reply(j, false, output[0] ? output : "packing the archive failed");
    }
    spawn(j->lc, "rm -rf \"$1\"", args, NULL, NULL);
    job_free(j);
}

/* When every source is done: pack what came (or fail when nothing did). */
static void job_maybe_finish(job_t *j)
{
    if (j->starting || j->n_done < j->n_src) {
        return;
    }
    size_t good = 0;
    for (size_t i = 0; i < j->n_src; i++) {
        good += j->src[i].ok;
    }
    if (good == 0) {
        job_reply(j, false, "no server's logs could be collected");
        const char *args[] = {j->dir, NULL};
        spawn(j->lc, "rm -rf \"$1\"", args, NULL, NULL);
        job_free(j);
        return;
    }
    const char *args[] = {j->dir, j->archive, NULL};
    if (spawn(j->lc, pack_script, args, packed, j) < 0) {
        job_reply(j, false, "cannot start packing the archive");
        job_free(j);
    }
}

static void source_done(source_t *s, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void source_done(source_t *s, bool ok, const char *fmt, ...)
{
    job_t *j = s->job;
    va_list ap;
    if (s->done) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(s->message, sizeof(s->message), fmt, ap);
    va_end(ap);
    s->done = true;
    s->ok = ok;
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    if (!ok) {
        clp_warn("log collection %s: server %s: %s", j->id, s->name, s->message);
    }
    j->n_done++;
    job_maybe_finish(j);
}

static void local_prepared(void *arg, int status, const char *output)
{
    source_t *s = arg;
    char dst[CLP_PATH_MAX + 200];
    struct stat st;
    snprintf(dst, sizeof(dst), "%s/%s.tar.gz", s->job->dir, s->name);
    if (child_ok(status) && rename(s->local_out, dst) == 0 && stat(dst, &st) == 0) {
        s->got = (uint64_t)st.st_size;
        source_done(s, true, "collected");
    } else {
        source_done(s, false, "%s", output[0] ? output : "packing the logs failed");
    }
}

static void ask_chunk(source_t *s);

static void on_chunk_reply(void *arg, const Clp__Envelope *rep)
{
    source_t *s = arg;
    if (!rep) {
        source_done(s, false, "no answer from its trn in time");
        return;
    }
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        source_done(s, false, "%s", rep->error_reply->message);
        return;
    }
    if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_LOG_CHUNK || rep->log_chunk->offset != s->got) {
        source_done(s, false, "unexpected answer from its trn");
        return;
    }
    const Clp__LogChunk *c = rep->log_chunk;
    size_t done = 0;
    while (done < c->data.len) {
        ssize_t w = write(s->fd, c->data.data + done, c->data.len - done);
        if (w < 0) {
            source_done(s, false, "cannot write its archive: %s", strerror(errno));
            return;
        }
        done += (size_t)w;
    }
    s->got += c->data.len;
    if (c->eof || (s->size && s->got >= s->size)) {
        Clp__Envelope req = CLP__ENVELOPE__INIT;
        Clp__LogChunkRequest cr = CLP__LOG_CHUNK_REQUEST__INIT;
        cr.job = s->job->id;
        cr.done = true;
        req.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_CHUNK_REQUEST;
        req.log_chunk_request = &cr;
        clp_aclient_send(s->ac, &req);
        source_done(s, true, "collected");
        return;
    }
    if (c->data.len == 0) {
        source_done(s, false, "its archive ended early");
        return;
    }
    ask_chunk(s);
}

static void ask_chunk(source_t *s)
{
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__LogChunkRequest cr = CLP__LOG_CHUNK_REQUEST__INIT;
    cr.job = s->job->id;
    cr.offset = s->got;
    cr.max_bytes = TRN_LOGCC_CHUNK_MAX;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_CHUNK_REQUEST;
    req.log_chunk_request = &cr;
    if (clp_aclient_call(s->ac, &req, CHUNK_TIMEOUT_MS, on_chunk_reply, s) < 0) {
        source_done(s, false, "cannot ask its trn");
    }
}

static void on_prepare_reply(void *arg, const Clp__Envelope *rep)
{
    source_t *s = arg;
    char path[CLP_PATH_MAX + 200];
    if (!rep) {
        source_done(s, false, "no answer from its trn in time");
        return;
    }
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        source_done(s, false, "%s", rep->error_reply->message);
        return;
    }
    if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_LOG_PREPARE_REPLY ||
        !rep->log_prepare_reply->ok) {
        source_done(s, false, "%s",
                    rep->payload_case == CLP__ENVELOPE__PAYLOAD_LOG_PREPARE_REPLY
                        ? rep->log_prepare_reply->message
                        : "unexpected answer from its trn");
        return;
    }
    s->size = rep->log_prepare_reply->size;
    snprintf(path, sizeof(path), "%s/%s.tar.gz", s->job->dir, s->name);
    s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s->fd < 0) {
        source_done(s, false, "cannot create %s: %s", path, strerror(errno));
        return;
    }
    ask_chunk(s);
}

/* The data transfer endpoint of server s (its first LAN address). */
static int endpoint_of(const clp_daemon_t *d, const clp_server_t *s, char *ep, size_t n)
{
    for (size_t k = 0; k < s->n_devices; k++) {
        const clp_device_t *dv = &s->devices[k];
        if (strcmp(dv->type, "lan") == 0 && dv->info && dv->info[0]) {
            bool v6 = strchr(dv->info, ':') != NULL;
            snprintf(ep, n, v6 ? "tcp://[%s]:%d" : "tcp://%s:%d", dv->info,
                     d->conf->cluster.ports.datatrans);
            return 0;
        }
    }
    return -ENOENT;
}

/* A server named by -h: its name, or one of its addresses. */
static const clp_server_t *find_server(const clp_conf_t *c, const char *what)
{
    const clp_server_t *s = clp_conf_server(c, what);
    for (size_t i = 0; !s && i < c->n_servers; i++) {
        for (size_t k = 0; k < c->servers[i].n_devices; k++) {
            const clp_device_t *dv = &c->servers[i].devices[k];
            if (dv->info && strcmp(dv->info, what) == 0) {
                s = &c->servers[i];
            }
        }
    }
    return s;
}

static void start_source(source_t *s)
{
    job_t *j = s->job;
    clp_daemon_t *d = j->lc->t->d;
    if (s->local) {
        char job[100];
        snprintf(job, sizeof(job), "%s-local", j->id);
        if (prepare_local(j->lc, job, j->type, local_prepared, s, s->local_out,
                          sizeof(s->local_out)) < 0) {
            source_done(s, false, "cannot start packing the logs");
        }
        return;
    }
    char ep[128];
    const clp_server_t *srv = clp_conf_server(d->conf, s->name);
    if (!srv || endpoint_of(d, srv, ep, sizeof(ep)) < 0) {
        source_done(s, false, "no LAN address in clp.conf");
        return;
    }
    s->ac = clp_aclient_new(d->base, d->zctx, ep, &d->keys, &d->mctx);
    if (!s->ac) {
        source_done(s, false, "cannot connect to %s", ep);
        return;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__LogPrepareRequest pr = CLP__LOG_PREPARE_REQUEST__INIT;
    pr.job = j->id;
    pr.type = j->type;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_PREPARE_REQUEST;
    req.log_prepare_request = &pr;
    if (clp_aclient_call(s->ac, &req, (int)j->timeout_ms, on_prepare_reply, s) < 0) {
        source_done(s, false, "cannot ask its trn");
    }
}

void trn_logcc_on_collect(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    logcc_t *lc = ((trn_t *)d->app)->modules[TRN_MOD_LOGCC];
    const Clp__LogCollectRequest *r = env->log_collect_request;
    const clp_conf_t *c = d->conf;

    if (outside_refused(req)) {
        return;
    }
    if (!type_ok(r->type)) {
        clp_srv_reply_error(req, -EINVAL,
                            "unknown log collection type '%s' (type1, type2, "
                            "type3)",
                            r->type);
        return;
    }
    for (size_t i = 0; i < r->n_servers; i++) {
        if (!find_server(c, r->servers[i])) {
            clp_srv_reply_error(req, -ENOENT, "server '%s' is not in the cluster configuration",
                                r->servers[i]);
            return;
        }
    }
    clean_stale(lc);
    job_t *j = xcalloc(1, sizeof(*j));
    j->lc = lc;
    j->req = req;
    j->timeout_ms = r->timeout_ms ? r->timeout_ms : PREPARE_TIMEOUT_MS;
    snprintf(j->type, sizeof(j->type), "%s", r->type && r->type[0] ? r->type : "type1");
    snprintf(j->id, sizeof(j->id), "%s-%" PRIu64 "-%" PRIu64, d->server, d->mctx.incarnation,
             ++lc->next_job);
    snprintf(j->dir, sizeof(j->dir), "%s/job-%s", lc->dir, j->id);
    time_t now = time(NULL);
    struct tm tm;
    char when[32];
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
    snprintf(j->archive, sizeof(j->archive), "%s/clplogcc-%s-%s-%" PRIu64 ".tar.gz", lc->dir,
             c->cluster.name, when, lc->next_job);
    if (clp_mkdirs(j->dir, 0700) < 0) {
        clp_srv_reply_error(req, -EIO, "cannot create %s", j->dir);
        free(j);
        return;
    }
    size_t n = r->n_servers ? r->n_servers : c->n_servers;
    j->src = xcalloc(n ? n : 1, sizeof(*j->src));
    for (size_t i = 0; i < n; i++) {
        const clp_server_t *s = r->n_servers ? find_server(c, r->servers[i]) : &c->servers[i];
        bool dup = false;
        for (size_t k = 0; k < j->n_src; k++) {
            dup |= strcmp(j->src[k].name, s->name) == 0;
        }
        if (dup) {
            continue;
        }
        source_t *src = &j->src[j->n_src++];
        src->job = j;
        src->fd = -1;
        snprintf(src->name, sizeof(src->name), "%s", s->name);
        src->local = strcmp(s->name, d->server) == 0;
    }
    j->next = lc->jobs;
    lc->jobs = j;
    lc->collects++;
    clp_info("log collection %s (%s) from %zu servers", j->id, j->type, j->n_src);
    j->starting = true;
    for (size_t i = 0; i < j->n_src; i++) {
        start_source(&j->src[i]);
    }
    j->starting = false;
    job_maybe_finish(j);
}

/* ---- module ---- */

int trn_logcc_init(trn_t *t)
{
    logcc_t *lc = xcalloc(1, sizeof(*lc));
    lc->t = t;
    clp_path(lc->dir, sizeof(lc->dir), t->d->root, "work/logcc");
    int rc = clp_mkdirs(lc->dir, 0700);
    if (rc < 0) {
        clp_error("cannot create %s: %s", lc->dir, strerror(-rc));
        free(lc);
        return rc;
    }
    t->modules[TRN_MOD_LOGCC] = lc;
    return 0;
}

void trn_logcc_fini(trn_t *t)
{
    logcc_t *lc = t->modules[TRN_MOD_LOGCC];
    if (!lc) {
        return;
    }
    while (lc->jobs) {
        job_t *j = lc->jobs;
        clp_srv_reply_error(j->req, -ECANCELED, "clusterpro_trn is stopping");
        for (size_t i = 0; i < j->n_src; i++) {
            if (j->src[i].ac) {
                clp_aclient_destroy(&j->src[i].ac);
            }
        }
        job_free(j);
    }
    while (lc->children) {
        child_t *c = lc->children;
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        c->fn = NULL; /* their requests are answered or gone with the jobs */
        child_finish(c, -1);
    }
    free(lc);
    t->modules[TRN_MOD_LOGCC] = NULL;
}

void trn_logcc_status(trn_t *t, Clp__StatusReply *rep)
{
    logcc_t *lc = t->modules[TRN_MOD_LOGCC];
    if (!lc) {
        return;
    }
    size_t jobs = 0;
    for (job_t *j = lc->jobs; j; j = j->next) {
        jobs++;
    }
    clp_status_counter(rep, "logcc_collections", lc->collects);
    clp_status_counter(rep, "logcc_running", jobs);
    clp_status_counter(rep, "logcc_prepares", lc->prepares);
    clp_status_counter(rep, "logcc_chunks_served", lc->chunks_served);
    clp_status_counter(rep, "logcc_bytes_served", lc->bytes_served);
    clp_status_counter(rep, "logcc_failures", lc->failures);
}

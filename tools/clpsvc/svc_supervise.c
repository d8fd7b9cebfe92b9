/*
 * svc_supervise: per-service state machine plus a FIFO of operator jobs.
 *
 * Every event (child exit, probe answer, timer) updates one service and then
 * kicks the job engine, a deferred libevent event that advances the job at the
 * head of the queue from a clean stack. A job is a list of steps: STOP one
 * service (SIGTERM or the manifest's :kill signal, SIGKILL after the stop
 * timeout) or START a set of services (each started only when its
 * dependencies are online, one start in flight at a time, in start order).
 * Automatic restarts after a crash bypass the queue: they happen at once.
 */
#define CLP_LOG_TAG "svc"
#include "svc_supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_daemon.h"
#include "clp_log.h"
#include "clp_paths.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "svc_backoff.h"
#include "svc_graph.h"
#include "svc_proc.h"

#define PROBE_INTERVAL_MS 20
#define PROBE_TIMEOUT_MS 500

typedef enum { ST_OFFLINE, ST_STARTING, ST_ONLINE, ST_STOPPING, ST_MAINTENANCE, ST_DISABLED } st_t;

static const char *const st_names[] = {"offline",  "starting",    "online",
                                       "stopping", "maintenance", "disabled"};

typedef struct svc {
    struct svc_sup *sup;
    const svc_manifest_t *m;
    char **argv;
    char outpath[CLP_PATH_MAX];
    char sockfile[CLP_PATH_MAX];
    char endpoint[CLP_PATH_MAX];
    int stop_signal;
    st_t state;
    bool enabled;
    bool failed;       /* the last start attempt failed (cleared when online) */
    bool restarting;   /* the current start is an automatic restart */
    char why[CLP_PATH_MAX + 256]; /* why it failed */
    pid_t pid;
    uint64_t spawned_ms; /* monotonic */
    uint64_t since_ms;   /* wall clock */
    unsigned restarts;
    svc_backoff_t backoff;
    struct event *probe_tv, *deadline_tv, *retry_tv, *kill_tv, *drop_ev;
    clp_aclient_t *probe;
    bool probe_busy;
} svc_t;

typedef enum { STEP_STOP, STEP_START } step_kind_t;

typedef struct {
    step_kind_t kind;
    size_t idx;    /* STEP_STOP */
    uint32_t mask; /* STEP_START */
} step_t;

typedef struct job {
    struct job *next;
    step_t steps[SVC_MAX + 1];
    size_t n_steps, cur;
    bool begun;
    bool failed;
    char msg[1024];
    svc_done_fn fn;
    void *arg;
} job_t;

struct svc_sup {
    struct event_base *base;
    void *zctx;
    char root[CLP_PATH_MAX];
    svc_manifest_t *m;
    svc_graph_t g;
    svc_t svc[SVC_MAX];
    clp_evclient_t *ev;
    clp_msg_ctx_t mctx;
    job_t *jobs, *jobs_tail;
    struct event *sigchld, *kick;
    bool closing;
};

static void spawn_service(svc_t *s);

static void kick(svc_sup_t *sup)
{
    event_active(sup->kick, EV_TIMEOUT, 0);
}

static void set_state(svc_t *s, st_t st, const char *reason)
{
    if (s->state != st || reason) {
        clp_info("service %s: %s -> %s%s%s%s", s->m->name, st_names[s->state], st_names[st],
                 reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
    }
    s->state = st;
    s->since_ms = clp_wall_ms();
}

static void alert(svc_t *s, unsigned id, const char *arg2)
{
    if (!s->sup->ev) {
        return;
    }
    if (arg2) {
        CLP_ALERT(s->sup->ev, "monp", id, s->m->name, arg2);
    } else {
        CLP_ALERT(s->sup->ev, "monp", id, s->m->name);
    }
}

/* Sends sig to the service's process, or to its whole process group when the
 * manifest's kill_mode is "group" and group is set. */
static void signal_service(svc_t *s, pid_t pid, int sig, bool group)
{
    if (pid <= 0) {
        return;
    }
    if (group && strcmp(s->m->kill_mode, "group") == 0) {
        kill(-pid, sig);
    } else {
        kill(pid, sig);
    }
}

/* ---- readiness ---- */

/* Frees the probe client; never from inside one of its callbacks. */
static void probe_drop(svc_t *s)
{
    clp_aclient_destroy(&s->probe);
    s->probe_busy = false;
}

/* Deferred from a probe callback once the service is online. */
static void on_drop_probe(evutil_socket_t fd, short what, void *arg)
{
    svc_t *s = arg;
    if (s->state != ST_STARTING) {
        probe_drop(s);
    }
}

static void became_online(svc_t *s)
{
    char buf[32];
    evtimer_del(s->probe_tv);
    evtimer_del(s->deadline_tv);
    s->failed = false;
    s->why[0] = '\0';
    uint64_t took = clp_mono_ms() - s->spawned_ms;
    if (s->restarting) {
        snprintf(buf, sizeof(buf), "%d", (int)s->pid);
        clp_info("service %s: restarted (pid %d, restart %u, online after %llu ms)", s->m->name,
                 (int)s->pid, s->restarts, (unsigned long long)took);
        alert(s, 4, buf);
        s->restarting = false;
    }
    char reason[64];
    snprintf(reason, sizeof(reason), "pid %d answered after %llu ms", (int)s->pid,
             (unsigned long long)took);
    set_state(s, ST_ONLINE, reason);
    event_active(s->drop_ev, EV_TIMEOUT, 0);
    kick(s->sup);
}

static void on_probe(void *arg, const Clp__Envelope *rep)
{
    svc_t *s = arg;
    s->probe_busy = false;
    if (s->state != ST_STARTING || !rep) {
        return;
    }
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_STATUS_REPLY &&
        rep->status_reply->pid == (int32_t)s->pid) {
        became_online(s);
    }
}

static void on_probe_tick(evutil_socket_t fd, short what, void *arg)
{
    svc_t *s = arg;
    struct stat st;
    if (s->state != ST_STARTING || s->probe_busy || stat(s->sockfile, &st) < 0) {
        return;
    }
    probe_drop(s);
    s->probe = clp_aclient_new(s->sup->base, s->sup->zctx, s->endpoint, NULL, &s->sup->mctx);
    if (!s->probe) {
        return;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    req.status_request = &sr;
    if (clp_aclient_call(s->probe, &req, PROBE_TIMEOUT_MS, on_probe, s) == 0) {
        s->probe_busy = true;
    }
}

static void on_start_deadline(evutil_socket_t fd, short what, void *arg)
{
    svc_t *s = arg;
    if (s->state != ST_STARTING) {
        return;
    }
    snprintf(s->why, sizeof(s->why), "did not answer its status request within %u s",
             s->m->start_timeout_s);
    s->failed = true;
    clp_error("service %s: %s: killing pid %d", s->m->name, s->why, (int)s->pid);
    alert(s, 1, "timeout");
    signal_service(s, s->pid, SIGKILL, true);
    kick(s->sup);
}

/* ---- start, exit, restart ---- */

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    svc_t *s = arg;
    if (!s->enabled || (s->state != ST_MAINTENANCE && s->state != ST_OFFLINE)) {
        return;
    }
    alert(s, 3, NULL);
    s->restarts++;
    s->restarting = true;
    spawn_service(s);
}

/* Decides what follows an unexpected end of the service's process (or a failed
 * spawn: spawned false): restart at once, or wait in maintenance. */
static void after_failure(svc_t *s, const char *what, uint64_t uptime_ms, bool spawned)
{
    uint64_t delay = svc_backoff_exit(&s->backoff, clp_mono_ms(), uptime_ms);
    if (delay == 0) {
        if (spawned) {
            alert(s, 3, NULL);
            clp_warn("service %s: %s after %llu ms: restarting at once", s->m->name, what,
                     (unsigned long long)uptime_ms);
            s->restarts++;
            s->restarting = true;
            spawn_service(s);
        } else {
            set_state(s, ST_OFFLINE, what);
            struct timeval tv = {0, 0};
            evtimer_add(s->retry_tv, &tv); /* not from here: no recursion on a bad binary */
        }
    } else {
        char secs[24], reason[CLP_PATH_MAX + 320];
        snprintf(secs, sizeof(secs), "%llu", (unsigned long long)(delay / 1000));
        s->failed = true;
        snprintf(s->why, sizeof(s->why),
                 "%s; it keeps terminating (see log/%s.log and log/%s.out): next attempt in %s s",
                 what, s->m->name, s->m->name, secs);
        snprintf(reason, sizeof(reason), "%s; next attempt in %s s", what, secs);
        set_state(s, ST_MAINTENANCE, reason);
        alert(s, 5, secs);
        struct timeval tv = clp_tv_ms(delay);
        evtimer_add(s->retry_tv, &tv);
    }
}

static void spawn_service(svc_t *s)
{
    pid_t pid;

    evtimer_del(s->retry_tv);
    probe_drop(s);
    int rc = svc_spawn(s->argv, s->outpath, &pid);
    if (rc < 0) {
        char what[CLP_PATH_MAX + 64];
        snprintf(what, sizeof(what), "cannot execute %s: %s", s->argv[0], strerror(-rc));
        clp_error("service %s: %s", s->m->name, what);
        snprintf(s->why, sizeof(s->why), "%s", what);
        alert(s, 1, strerror(-rc));
        after_failure(s, what, 0, false);
        return;
    }
    s->pid = pid;
    s->spawned_ms = clp_mono_ms();
    char reason[64];
    snprintf(reason, sizeof(reason), "pid %d", (int)pid);
    set_state(s, ST_STARTING, reason);
    struct timeval tv = clp_tv_ms(PROBE_INTERVAL_MS);
    event_add(s->probe_tv, &tv);
    if (s->m->start_timeout_s) {
        tv = clp_tv_ms((uint64_t)s->m->start_timeout_s * 1000);
        evtimer_add(s->deadline_tv, &tv);
    }
}

static void handle_exit(svc_t *s, int status)
{
    char what[128];
    pid_t old = s->pid;
    uint64_t uptime = clp_mono_ms() - s->spawned_ms;

    s->pid = 0;
    evtimer_del(s->probe_tv);
    evtimer_del(s->deadline_tv);
    evtimer_del(s->kill_tv);
    probe_drop(s);
    signal_service(s, old, SIGKILL, true); /* leftovers of its process group */
    if (s->state == ST_ONLINE || s->state == ST_STOPPING) {
        /* its socket file, stale now: the next probe then waits for the new one
         * instead of connecting to nothing (never while starting: a second
         * instance that was refused must not remove the first one's socket) */
        unlink(s->sockfile);
    }
    svc_status_text(status, what, sizeof(what));
    if (s->state == ST_STOPPING || !s->enabled) {
        set_state(s, ST_DISABLED, what);
        kick(s->sup);
        return;
    }
    if (s->state == ST_ONLINE && WIFEXITED(status) && WEXITSTATUS(status) == CLP_EXIT_RELOAD) {
        /* It left on purpose to load a new configuration (clpcfctrl): no
         * failure, no back-off, started again at once. */
        clp_info("service %s: pid %d left to reload its configuration: starting it again",
                 s->m->name, (int)old);
        spawn_service(s);
        kick(s->sup);
        return;
    }
    bool was_starting = s->state == ST_STARTING;
    clp_warn("service %s: pid %d %s (%s for %llu ms)", s->m->name, (int)old, what,
             st_names[s->state], (unsigned long long)uptime);
    alert(s, was_starting ? 1 : 2, what);
    if (was_starting && !s->failed) {
        snprintf(s->why, sizeof(s->why), "%s while starting (see log/%s.out)", what, s->m->name);
    }
    after_failure(s, what, uptime, true);
    kick(s->sup);
}

static void on_sigchld(evutil_socket_t fd, short what, void *arg)
{
    svc_sup_t *sup = arg;
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < sup->g.n; i++) {
            if (sup->svc[i].pid == pid) {
                handle_exit(&sup->svc[i], status);
                break;
            }
        }
    }
}

/* ---- stop ---- */

static void on_kill_timer(evutil_socket_t fd, short what, void *arg)
{
    svc_t *s = arg;
    if (s->state != ST_STOPPING || s->pid <= 0) {
        return;
    }
    clp_warn("service %s: pid %d did not stop within %u s: sending SIGKILL", s->m->name,
             (int)s->pid, s->m->stop_timeout_s);
    signal_service(s, s->pid, SIGKILL, true);
}

static void begin_stop(svc_t *s)
{
    char reason[64];
    evtimer_del(s->probe_tv);
    evtimer_del(s->deadline_tv);
    snprintf(reason, sizeof(reason), "sending %s to pid %d", sigabbrev_np(s->stop_signal),
             (int)s->pid);
    set_state(s, ST_STOPPING, reason);
    kill(s->pid, s->stop_signal);
    if (s->m->stop_timeout_s) {
        struct timeval tv = clp_tv_ms((uint64_t)s->m->stop_timeout_s * 1000);
        evtimer_add(s->kill_tv, &tv);
    }
}

/* ---- jobs ---- */

static void job_note(job_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void job_note(job_t *j, const char *fmt, ...)
{
    size_t off = strlen(j->msg);
    va_list ap;
    if (off + 2 >= sizeof(j->msg)) {
        return;
    }
    if (off) {
        off += (size_t)snprintf(j->msg + off, sizeof(j->msg) - off, "; ");
    }
    va_start(ap, fmt);
    vsnprintf(j->msg + off, sizeof(j->msg) - off, fmt, ap);
    va_end(ap);
}

static void step_begin(svc_sup_t *sup, step_t *st)
{
    if (st->kind == STEP_STOP) {
        svc_t *s = &sup->svc[st->idx];
        s->enabled = false;
        evtimer_del(s->retry_tv);
        if (s->state == ST_STARTING || s->state == ST_ONLINE) {
            begin_stop(s);
        } else if (s->state != ST_STOPPING) {
            set_state(s, ST_DISABLED, "stopped by the operator");
        }
        return;
    }
    for (size_t i = 0; i < sup->g.n; i++) {
        svc_t *s = &sup->svc[i];
        if (!(st->mask & (1u << i))) {
            continue;
        }
        s->enabled = true;
        s->failed = false;
        s->why[0] = '\0';
        if (s->state == ST_MAINTENANCE || s->state == ST_DISABLED) {
            evtimer_del(s->retry_tv);
            svc_backoff_reset(&s->backoff);
            set_state(s, ST_OFFLINE, "enabled by the operator");
        }
    }
}

/* Advances a START step; returns true once every service of it is online or
 * cannot come online (failed, or a dependency failed). */
static bool start_progress(svc_sup_t *sup, job_t *j, uint32_t mask)
{
    bool busy = false, settled = true;
    for (size_t i = 0; i < sup->g.n; i++) {
        if ((mask & (1u << i)) && sup->svc[i].state == ST_STARTING) {
            busy = true;
        }
    }
    for (size_t k = 0; k < sup->g.n; k++) {
        size_t i = sup->g.start[k];
        svc_t *s = &sup->svc[i];
        if (!(mask & (1u << i)) || s->state == ST_ONLINE || s->failed) {
            continue;
        }
        uint32_t need = svc_graph_requires(&sup->g, i);
        bool deps_online = true, dep_failed = false;
        for (size_t d = 0; d < sup->g.n; d++) {
            if (need & (1u << d)) {
                deps_online &= sup->svc[d].state == ST_ONLINE;
                dep_failed |= sup->svc[d].failed || !sup->svc[d].enabled;
            }
        }
        if (dep_failed) {
            continue;
        }
        settled = false;
        if (s->state == ST_OFFLINE && deps_online && !busy) {
            s->restarting = false;
            spawn_service(s);
            busy = s->state == ST_STARTING;
        }
    }
    if (!settled) {
        return false;
    }
    for (size_t k = 0; k < sup->g.n; k++) {
        size_t i = sup->g.start[k];
        svc_t *s = &sup->svc[i];
        if (!(mask & (1u << i)) || s->state == ST_ONLINE) {
            continue;
        }
        j->failed = true;
        if (s->failed) {
            job_note(j, "%s: %s", s->m->name, s->why[0] ? s->why : "failed");
        } else {
            uint32_t need = svc_graph_requires(&sup->g, i);
            const char *dep = "?";
            for (size_t d = 0; d < sup->g.n; d++) {
                if ((need & (1u << d)) && sup->svc[d].state != ST_ONLINE) {
                    dep = sup->svc[d].m->name;
                    break;
                }
            }
            job_note(j, "%s: not started: it needs %s, which is not online", s->m->name, dep);
        }
    }
    return true;
}

static bool step_progress(svc_sup_t *sup, job_t *j, step_t *st)
{
    if (st->kind == STEP_STOP) {
        return sup->svc[st->idx].pid == 0;
    }
    return start_progress(sup, j, st->mask);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    svc_sup_t *sup = arg;
    job_t *j;
    while ((j = sup->jobs)) {
        if (j->cur < j->n_steps) {
            step_t *st = &j->steps[j->cur];
            if (!j->begun) {
                j->begun = true;
                step_begin(sup, st);
            }
            if (!step_progress(sup, j, st)) {
                return;
            }
            j->cur++;
            j->begun = false;
            continue;
        }
        sup->jobs = j->next;
        if (!sup->jobs) {
            sup->jobs_tail = NULL;
        }
        if (!j->failed && !j->msg[0]) {
            snprintf(j->msg, sizeof(j->msg), "done");
        }
        j->fn(j->arg, !j->failed, j->msg);
        free(j);
    }
}

int svc_sup_submit(svc_sup_t *sup, svc_action_t action, int idx, svc_done_fn fn, void *arg)
{
    if (idx < -1 || idx >= (int)sup->g.n) {
        return -EINVAL;
    }
    if (sup->closing) {
        return -ESHUTDOWN;
    }
    job_t *j = xcalloc(1, sizeof(*j));
    j->fn = fn;
    j->arg = arg;
    uint32_t all = sup->g.n == 32 ? 0xffffffffu : (1u << sup->g.n) - 1;
    if (action == SVC_ACT_STOP || action == SVC_ACT_RESTART) {
        for (size_t k = 0; k < sup->g.n; k++) {
            size_t i = sup->g.stop[k];
            if (idx < 0 || (size_t)idx == i) {
                j->steps[j->n_steps++] = (step_t){.kind = STEP_STOP, .idx = i};
            }
        }
    }
    if (action == SVC_ACT_START || action == SVC_ACT_RESTART) {
        uint32_t mask = idx < 0 ? all : (1u << idx) | svc_graph_requires(&sup->g, (size_t)idx);
        j->steps[j->n_steps++] = (step_t){.kind = STEP_START, .mask = mask};
    }
    if (action == SVC_ACT_STOP && idx < 0) {
        sup->closing = true;
    }
    if (sup->jobs_tail) {
        sup->jobs_tail->next = j;
    } else {
        sup->jobs = j;
    }
    sup->jobs_tail = j;
    kick(sup);
    return 0;
}

/* ---- lifecycle ---- */

static int parse_stop_method(const svc_manifest_t *m, int *sig, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        int sig;
    } sigs[] = {{"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT},
                {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}};
    const char *e = m->stop_exec;
    *sig = SIGTERM;
    if (strcmp(e, ":kill") == 0) {
        return 0;
    }
    if (strncmp(e, ":kill -", 7) == 0) {
        const char *n = e + 7;
        if (strncmp(n, "SIG", 3) == 0) {
            n += 3;
        }
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
            if (strcmp(n, sigs[i].name) == 0) {
                *sig = sigs[i].sig;
                return 0;
            }
        }
        char *end;
        long v = strtol(n, &end, 10);
        if (!*end && v > 0 && v < NSIG) {
            *sig = (int)v;
            return 0;
        }
    }
    snprintf(err, errlen, "%s:%d: stop method '%s' is not supported by clpsvc (use :kill or "
             ":kill -SIGNAL)", m->file, m->line, e);
    return -EINVAL;
}

static int svc_init(svc_sup_t *sup, size_t i, char *err, size_t errlen)
{
    svc_t *s = &sup->svc[i];
    s->sup = sup;
    s->m = &sup->m[i];
    s->state = ST_OFFLINE;
    s->since_ms = clp_wall_ms();
    if (parse_stop_method(s->m, &s->stop_signal, err, errlen) < 0) {
        return -EINVAL;
    }
    char why[256];
    s->argv = svc_argv_build(s->m->start_exec, sup->root, why, sizeof(why));
    if (!s->argv) {
        snprintf(err, errlen, "%s:%d: %s", s->m->file, s->m->line, why);
        return -EINVAL;
    }
    clp_path(s->outpath, sizeof(s->outpath), sup->root, "log/%s.out", s->m->name);
    clp_endpoint_ipc(s->endpoint, sizeof(s->endpoint), sup->root, s->m->ipc);
    clp_endpoint_file(s->sockfile, sizeof(s->sockfile), sup->root, s->m->ipc);
    s->probe_tv = event_new(sup->base, -1, EV_PERSIST, on_probe_tick, s);
    s->deadline_tv = evtimer_new(sup->base, on_start_deadline, s);
    s->retry_tv = evtimer_new(sup->base, on_retry, s);
    s->kill_tv = evtimer_new(sup->base, on_kill_timer, s);
    s->drop_ev = event_new(sup->base, -1, 0, on_drop_probe, s);
    return 0;
}

svc_sup_t *svc_sup_new(struct event_base *base, void *zctx, const char *root,
                       const svc_manifest_t *m, size_t n, clp_evclient_t *ev, char *err,
                       size_t errlen)
{
    char host[64] = "";
    svc_sup_t *sup = xcalloc(1, sizeof(*sup));
    sup->base = base;
    sup->zctx = zctx;
    sup->ev = ev;
    snprintf(sup->root, sizeof(sup->root), "%s", root);
    if (svc_graph_build(&sup->g, m, n, err, errlen) < 0) {
        free(sup);
        return NULL;
    }
    sup->m = xcalloc(n, sizeof(*m));
    memcpy(sup->m, m, n * sizeof(*m));
    clp_hostname(host, sizeof(host));
    clp_msg_ctx_init(&sup->mctx, "", host, "clpsvc", 0);
    sup->kick = event_new(base, -1, 0, on_kick, sup);
    sup->sigchld = evsignal_new(base, SIGCHLD, on_sigchld, sup);
    evsignal_add(sup->sigchld, NULL);
    for (size_t i = 0; i < n; i++) {
        if (svc_init(sup, i, err, errlen) < 0) {
            svc_sup_destroy(&sup);
            return NULL;
        }
    }
    return sup;
}

void svc_sup_destroy(svc_sup_t **psup)
{
    if (!psup || !*psup) {
        return;
    }
    svc_sup_t *sup = *psup;
    job_t *j;
    while ((j = sup->jobs)) {
        sup->jobs = j->next;
        j->fn(j->arg, false, "the supervisor is exiting");
        free(j);
    }
    for (size_t i = 0; i < sup->g.n; i++) {
        svc_t *s = &sup->svc[i];
        struct event *evs[] = {s->probe_tv, s->deadline_tv, s->retry_tv, s->kill_tv, s->drop_ev};
        for (size_t k = 0; k < sizeof(evs) / sizeof(evs[0]); k++) {
            if (evs[k]) {
                event_free(evs[k]);
            }
        }
        probe_drop(s);
        svc_argv_free(&s->argv);
    }
    if (sup->kick) {
        event_free(sup->kick);
    }
    if (sup->sigchld) {
        event_free(sup->sigchld);
    }
    free(sup->m);
    free(sup);
    *psup = NULL;
}

size_t svc_sup_count(const svc_sup_t *sup)
{
    return sup->g.n;
}

void svc_sup_info(const svc_sup_t *sup, size_t k, svc_info_t *out)
{
    const svc_t *s = &sup->svc[sup->g.start[k]];
    out->name = s->m->name;
    out->state = st_names[s->state];
    out->pid = (int)s->pid;
    out->restarts = s->restarts;
    out->since_ms = s->since_ms;
}

int svc_sup_find(const svc_sup_t *sup, const char *name)
{
    return svc_graph_find(sup->m, sup->g.n, name);
}

const char *svc_sup_name(const svc_sup_t *sup, int idx)
{
    return idx >= 0 && (size_t)idx < sup->g.n ? sup->m[idx].name : "";
}

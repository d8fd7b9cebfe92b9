/*
 * trn_rexec: source checks, request checks, failover through the core,
 * scripts in children, notices for the core's mrw monitors (see trn_rexec.h).
 */
#define CLP_LOG_TAG "trn.rexec"
#include "trn_rexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_rexec.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "trn_local.h"

#define MAX_SCRIPTS 8         /* scripts running at once */
#define OUTPUT_MAX 4096       /* bytes of a script's output sent back */
#define DENY_SLOTS 16         /* addresses remembered for trnsv 1 rate limiting */
#define DENY_QUIET_MS 10000   /* one trnsv 1 per address in this period */
#define CORE_TIMEOUT_MS 15000 /* answer time of the core for notices */
#define REPLY_MARGIN_MS 2000  /* the reply must reach the requester before its wait ends */

typedef struct script script_t;

typedef struct {
    trn_t *t;
    script_t *scripts;
    size_t n_scripts;
    struct {
        char addr[64];
        uint64_t last_ms;
    } deny[DENY_SLOTS];
    unsigned long accepted, denied, invalid, failed;
} rexec_t;

/* One request being served (failover, notice, script). */
typedef struct {
    rexec_t *rx;
    clp_srv_req_t *req;
    char addr[64];
    char desc[200];
    char group[CLP_NAME_MAX];
} job_t;

struct script {
    job_t job;
    pid_t pid;
    int pidfd, out_fd;
    struct event *ev_exit, *ev_out, *timer;
    char name[CLP_REXEC_SCRIPT_MAX + 1];
    char out[OUTPUT_MAX + 1];
    size_t out_len;
    bool timed_out;
    script_t *next;
};

static rexec_t *RX(trn_t *t)
{
    return t->modules[TRN_MOD_REXEC];
}

int trn_rexec_init(trn_t *t)
{
    rexec_t *rx = xcalloc(1, sizeof(*rx));
    rx->t = t;
    t->modules[TRN_MOD_REXEC] = rx;
    char dir[CLP_PATH_MAX];
    clp_path(dir, sizeof(dir), t->d->root, CLP_REXEC_DIR);
    if (clp_mkdirs(dir, 0755) < 0) {
        clp_warn("cannot create the clprexec script directory %s: %s", dir, strerror(errno));
    }
    return 0;
}

static void reply_rexec(clp_srv_req_t *req, bool ok, const char *msg, const char *group,
                        const char *server, int exit_status, const char *output)
{
    Clp__RexecReply r = CLP__REXEC_REPLY__INIT;
    r.ok = ok;
    r.message = (char *)msg;
    r.group = (char *)(group ? group : "");
    r.server = (char *)(server ? server : "");
    r.exit_status = exit_status;
    r.output = (char *)(output ? output : "");
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_REXEC_REPLY;
    env.rexec_reply = &r;
    clp_srv_reply(req, &env);
}

/* trnsv 30 / 31 and the counters for a finished action. */
static void action_done(job_t *j, bool ok, const char *why)
{
    clp_daemon_t *d = j->rx->t->d;
    if (ok) {
        CLP_ALERT(d->ev, "trnsv", 30, j->desc);
        clp_info("%s from %s: done", j->desc, j->addr);
    } else {
        j->rx->failed++;
        CLP_ALERT(d->ev, "trnsv", 31, j->desc);
        clp_warn("%s from %s: failed: %s", j->desc, j->addr, why);
    }
}

/* ---- refusals ---- */

/* trnsv 1 for addr, at most once per DENY_QUIET_MS per address. */
static void denied(rexec_t *rx, const char *addr, const char *why)
{
    uint64_t now = clp_mono_ms();
    size_t slot = 0;
    rx->denied++;
    for (size_t i = 0; i < DENY_SLOTS; i++) {
        if (strcmp(rx->deny[i].addr, addr) == 0) {
            slot = i;
            break;
        }
        if (rx->deny[i].last_ms < rx->deny[slot].last_ms) {
            slot = i;
        }
    }
    clp_warn("refused a request from %s: %s", addr, why);
    if (strcmp(rx->deny[slot].addr, addr) == 0 && rx->deny[slot].last_ms &&
        now - rx->deny[slot].last_ms < DENY_QUIET_MS) {
        return;
    }
    snprintf(rx->deny[slot].addr, sizeof(rx->deny[slot].addr), "%s", addr);
    rx->deny[slot].last_ms = now;
    CLP_ALERT(rx->t->d->ev, "trnsv", 1, addr);
}

static void on_key_denied(void *arg, const char *domain, const char *addr, const char *why)
{
    trn_t *t = arg;
    if (strcmp(domain, "trn") == 0 && RX(t)) {
        denied(RX(t), addr, why);
    }
}

void trn_rexec_watch_keys(trn_t *t)
{
    clp_zap_on_deny(t->d->zap, on_key_denied, t);
}

/* ---- failover ---- */

static void on_failover_reply(void *arg, const Clp__Envelope *rep)
{
    job_t *j = arg;
    if (!rep) {
        action_done(j, false, "no answer from the cluster service");
        reply_rexec(j->req, false, "the cluster service did not answer in time", j->group, NULL, 0,
                    NULL);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_GROUP_REPLY) {
        const Clp__GroupReply *g = rep->group_reply;
        const char *server = g->n_results ? g->results[0]->server : "";
        bool ok = g->ok && (!g->n_results || g->results[0]->ok);
        const char *msg = g->n_results && g->results[0]->message && g->results[0]->message[0]
                              ? g->results[0]->message
                              : g->message;
        action_done(j, ok, msg);
        reply_rexec(j->req, ok, ok ? "Command succeeded." : msg, j->group, server, 0, NULL);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        action_done(j, false, rep->error_reply->message);
        reply_rexec(j->req, false, rep->error_reply->message, j->group, NULL, 0, NULL);
    } else {
        action_done(j, false, "unexpected answer");
        reply_rexec(j->req, false, "unexpected answer from the cluster service", j->group, NULL, 0,
                    NULL);
    }
    free(j);
}

static void do_failover(job_t *j, const Clp__RexecRequest *r)
{
    trn_t *t = j->rx->t;
    const clp_conf_t *conf = t->d->conf;
    const char *group = r->group;
    if (r->resource && r->resource[0]) {
        const clp_resource_t *rs = clp_conf_resource(conf, r->resource);
        if (!rs) {
            action_done(j, false, "no such resource");
            reply_rexec(j->req, false, "resource is not defined in the configuration", NULL, NULL,
                        0, NULL);
            free(j);
            return;
        }
        if (group && group[0] && strcmp(group, rs->group) != 0) {
            char msg[300];
            snprintf(msg, sizeof(msg), "resource %s belongs to group %s, not %s", rs->name,
                     rs->group, group);
            action_done(j, false, msg);
            reply_rexec(j->req, false, msg, NULL, NULL, 0, NULL);
            free(j);
            return;
        }
        group = rs->group;
    }
    if (!clp_conf_group(conf, group)) {
        char msg[300];
        snprintf(msg, sizeof(msg), "group %s is not defined in the configuration", group);
        action_done(j, false, msg);
        reply_rexec(j->req, false, msg, NULL, NULL, 0, NULL);
        free(j);
        return;
    }
    snprintf(j->group, sizeof(j->group), "%s", group);
    if (!trn_local_core_present(t)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "the cluster service is not running on server %s", t->d->server);
        action_done(j, false, msg);
        reply_rexec(j->req, false, msg, j->group, NULL, 0, NULL);
        free(j);
        return;
    }
    uint32_t wait = r->wait_ms ? r->wait_ms : CLP_REXEC_WAIT_DEFAULT_S * 1000u;
    char who[128];
    snprintf(who, sizeof(who), "clprexec(IP=%s)", j->addr);
    Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
    gr.op = CLP__GROUP_REQUEST__OP__FAILOVER;
    gr.group = j->group;
    gr.target = "";
    gr.requester = who;
    gr.factor = "";
    gr.wait_ms = wait > REPLY_MARGIN_MS + 1000 ? wait - REPLY_MARGIN_MS : 1000;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    env.group_request = &gr;
    if (clp_aclient_call(trn_local_core(t), &env, (int)gr.wait_ms + CORE_TIMEOUT_MS,
                         on_failover_reply, j) < 0) {
        action_done(j, false, "cannot reach the cluster service");
        reply_rexec(j->req, false, "cannot pass the request to the cluster service", j->group, NULL,
                    0, NULL);
        free(j);
    }
}

/* ---- notices for the core's mrw ---- */

static void on_notice_reply(void *arg, const Clp__Envelope *rep)
{
    job_t *j = arg;
    if (rep) {
        clp_srv_reply(j->req, (Clp__Envelope *)rep);
    } else {
        j->rx->failed++;
        reply_rexec(j->req, false, "the cluster service did not answer in time", NULL, NULL, 0,
                    NULL);
    }
    free(j);
}

static void do_notice(job_t *j, const Clp__RexecRequest *r)
{
    trn_t *t = j->rx->t;
    if (!trn_local_core_present(t)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "the cluster service is not running on server %s", t->d->server);
        j->rx->failed++;
        reply_rexec(j->req, false, msg, NULL, NULL, 0, NULL);
        free(j);
        return;
    }
    Clp__RexecRequest fwd = *r;
    fwd.requester = j->addr;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST;
    env.rexec_request = &fwd;
    if (clp_aclient_call(trn_local_core(t), &env, CORE_TIMEOUT_MS, on_notice_reply, j) < 0) {
        j->rx->failed++;
        reply_rexec(j->req, false, "cannot pass the notice to the cluster service", NULL, NULL, 0,
                    NULL);
        free(j);
    }
}

/* ---- scripts ---- */

static void script_free(script_t *s)
{
    rexec_t *rx = s->job.rx;
    for (script_t **pp = &rx->scripts; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            rx->n_scripts--;
            break;
        }
    }
    if (s->ev_exit) {
        event_free(s->ev_exit);
    }
    if (s->ev_out) {
        event_free(s->ev_out);
    }
    if (s->timer) {
        event_free(s->timer);
    }
    if (s->pidfd >= 0) {
        close(s->pidfd);
    }
    if (s->out_fd >= 0) {
        close(s->out_fd);
    }
    free(s);
}

/* Reads what the pipe holds now; keeps the first OUTPUT_MAX bytes. Returns
 * false at end of file or error. */
static bool script_read(script_t *s)
{
    char buf[4096];
    for (;;) {
        ssize_t r = read(s->out_fd, buf, sizeof(buf));
        if (r > 0) {
            size_t take = OUTPUT_MAX - s->out_len;
            if ((size_t)r < take) {
                take = (size_t)r;
            }
            memcpy(s->out + s->out_len, buf, take);
            s->out_len += take;
            continue;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return r < 0 && errno == EAGAIN;
    }
}

static void on_script_out(evutil_socket_t fd, short what, void *arg)
{
    script_t *s = arg;
    if (!script_read(s)) {
        event_del(s->ev_out);
    }
}

static void on_script_timeout(evutil_socket_t fd, short what, void *arg)
{
    script_t *s = arg;
    s->timed_out = true;
    kill(-s->pid, SIGKILL);
}

static void on_script_exit(evutil_socket_t fd, short what, void *arg)
{
    script_t *s = arg;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)s->pid, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0) {
        return;
    }
    script_read(s); /* what it wrote before exiting; a background child may keep the pipe */
    s->out[s->out_len] = '\0';
    int status = si.si_code == CLD_EXITED ? si.si_status : -1;
    char msg[400];
    bool ok = !s->timed_out && status == 0;
    if (s->timed_out) {
        snprintf(msg, sizeof(msg), "script %.200s did not finish in time and was killed", s->name);
    } else if (si.si_code != CLD_EXITED) {
        snprintf(msg, sizeof(msg), "script %.200s was killed by signal %d", s->name, si.si_status);
    } else if (status != 0) {
        snprintf(msg, sizeof(msg), "script %.200s exited with status %d", s->name, status);
    } else {
        snprintf(msg, sizeof(msg), "Command succeeded.");
    }
    action_done(&s->job, ok, msg);
    reply_rexec(s->job.req, ok, msg, NULL, NULL, status, s->out);
    script_free(s);
}

static void do_script(job_t *j, const Clp__RexecRequest *r)
{
    rexec_t *rx = j->rx;
    clp_daemon_t *d = rx->t->d;
    char path[CLP_PATH_MAX], err[400], dir[CLP_PATH_MAX];
    if (clp_rexec_script_path(d->root, r->script, path, sizeof(path), err, sizeof(err)) < 0) {
        action_done(j, false, err);
        reply_rexec(j->req, false, err, NULL, NULL, -1, NULL);
        free(j);
        return;
    }
    if (rx->n_scripts >= MAX_SCRIPTS) {
        snprintf(err, sizeof(err), "%d clprexec scripts are running already; try again later",
                 MAX_SCRIPTS);
        action_done(j, false, err);
        reply_rexec(j->req, false, err, NULL, NULL, -1, NULL);
        free(j);
        return;
    }
    clp_path(dir, sizeof(dir), d->root, CLP_REXEC_DIR);
    /* Everything the child needs is prepared here: after fork only async-signal-
     * safe calls (the daemon has threads). */
    size_t ne = 0;
    while (environ[ne]) {
        ne++;
    }
    char **envp = xcalloc(ne + 4, sizeof(*envp));
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) {
        if (strncmp(environ[i], "CLP_REXEC_SOURCE=", 17) != 0 &&
            strncmp(environ[i], "CLP_SERVER=", 11) != 0) {
            envp[k++] = environ[i];
        }
    }
    char e_src[96], e_srv[96];
    snprintf(e_src, sizeof(e_src), "CLP_REXEC_SOURCE=%s", j->addr);
    snprintf(e_srv, sizeof(e_srv), "CLP_SERVER=%s", d->server);
    envp[k++] = e_src;
    envp[k++] = e_srv;
    char *argv[] = {path, NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, sizeof(err), "cannot create a pipe: %s", strerror(errno));
        free(envp);
        action_done(j, false, err);
        reply_rexec(j->req, false, err, NULL, NULL, -1, NULL);
        free(j);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) {
            dup2(nul, 0);
        }
        dup2(p[1], 1);
        dup2(p[1], 2);
        syscall(SYS_close_range, 3u, ~0u, 0u); /* none of trn's descriptors */
        signal(SIGPIPE, SIG_DFL);
        if (chdir(dir) < 0) {
            _exit(126);
        }
        execve(path, argv, envp);
        _exit(127);
    }
    int fork_errno = errno;
    free(envp);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        snprintf(err, sizeof(err), "cannot start script %s: %s", r->script, strerror(fork_errno));
        action_done(j, false, err);
        reply_rexec(j->req, false, err, NULL, NULL, -1, NULL);
        free(j);
        return;
    }
    setpgid(pid, pid);
    script_t *s = xcalloc(1, sizeof(*s));
    s->job = *j;
    snprintf(s->name, sizeof(s->name), "%s", r->script);
    free(j);
    s->pid = pid;
    s->out_fd = p[0];
    s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    evutil_make_socket_nonblocking(s->out_fd);
    s->next = rx->scripts;
    rx->scripts = s;
    rx->n_scripts++;
    if (s->pidfd < 0) {
        clp_error("pidfd_open(%d) failed: %s; script %s killed", (int)pid, strerror(errno),
                  r->script);
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        action_done(&s->job, false, "cannot watch the script");
        reply_rexec(s->job.req, false, "cannot watch the script's process", NULL, NULL, -1, NULL);
        script_free(s);
        return;
    }
    uint32_t wait = r->wait_ms ? r->wait_ms : CLP_REXEC_WAIT_DEFAULT_S * 1000u;
    uint32_t limit = wait > REPLY_MARGIN_MS + 1000 ? wait - REPLY_MARGIN_MS : 1000;
    struct timeval tv = {.tv_sec = limit / 1000, .tv_usec = (limit % 1000) * 1000};
    s->ev_exit = event_new(d->base, s->pidfd, EV_READ | EV_PERSIST, on_script_exit, s);
    s->ev_out = event_new(d->base, s->out_fd, EV_READ | EV_PERSIST, on_script_out, s);
    s->timer = evtimer_new(d->base, on_script_timeout, s);
    event_add(s->ev_exit, NULL);
    event_add(s->ev_out, NULL);
    event_add(s->timer, &tv);
    clp_info("%s from %s: running %s (pid %d, up to %u ms)", s->job.desc, s->job.addr, path,
             (int)pid, limit);
}

/* ---- the request ---- */

void trn_rexec_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    trn_t *t = d->app;
    rexec_t *rx = RX(t);
    const Clp__RexecRequest *r = env->rexec_request;
    const char *user = clp_srv_req_user(req);
    char addr[64], err[400];

    if (user[0]) {
        /* the network: the peer's address decides */
        snprintf(addr, sizeof(addr), "%s", clp_srv_req_peer(req));
        if (!clp_rexec_source_allowed(d->conf, addr)) {
            denied(rx, addr, "not in cluster/rexec/clientlist (cluster/rexec/allowany is 0)");
            clp_srv_reply_error(req, -EPERM, "server %s does not accept clprexec requests from %s",
                                d->server, addr);
            return;
        }
        if (strcmp(user, "cluster") == 0 && r->requester && r->requester[0]) {
            /* a cluster server passing a request on (WebManager): name its origin */
            snprintf(addr, sizeof(addr), "%.60s", r->requester);
        }
    } else {
        /* the local ipc endpoint (WebManager, local tools): it names the requester */
        snprintf(addr, sizeof(addr), "%.60s",
                 r->requester && r->requester[0] ? r->requester : "127.0.0.1");
    }
    if (clp_rexec_check_request(r, err, sizeof(err)) < 0) {
        rx->invalid++;
        clp_warn("invalid clprexec request from %s: %s", addr, err);
        clp_srv_reply_error(req, -EINVAL, "%s", err);
        return;
    }
    rx->accepted++;
    job_t *j = xcalloc(1, sizeof(*j));
    j->rx = rx;
    j->req = req;
    snprintf(j->addr, sizeof(j->addr), "%s", addr);
    clp_rexec_describe(r, j->desc, sizeof(j->desc));
    CLP_ALERT(d->ev, "trnsv", 10, j->desc, addr);
    switch (r->op) {
    case CLP__REXEC_REQUEST__OP__FAILOVER:
        do_failover(j, r);
        return;
    case CLP__REXEC_REQUEST__OP__SCRIPT:
        do_script(j, r);
        return;
    default:
        do_notice(j, r);
        return;
    }
}

void trn_rexec_status(trn_t *t, Clp__StatusReply *rep)
{
    rexec_t *rx = RX(t);
    if (!rx) {
        return;
    }
    clp_status_counter(rep, "rexec_accepted", rx->accepted);
    clp_status_counter(rep, "rexec_denied", rx->denied);
    clp_status_counter(rep, "rexec_invalid", rx->invalid);
    clp_status_counter(rep, "rexec_failed", rx->failed);
    clp_status_counter(rep, "rexec_scripts_running", rx->n_scripts);
}

void trn_rexec_fini(trn_t *t)
{
    rexec_t *rx = RX(t);
    if (!rx) {
        return;
    }
    clp_zap_on_deny(t->d->zap, NULL, NULL);
    while (rx->scripts) {
        script_t *s = rx->scripts;
        kill(-s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        clp_srv_reply_error(s->job.req, -ECANCELED, "clusterpro_trn is stopping");
        script_free(s);
    }
    free(rx);
    t->modules[TRN_MOD_REXEC] = NULL;
}

/*
 * trn_config: configuration push (coordinator and participant) and pull (see
 * trn_config.h).
 */
#define CLP_LOG_TAG "trn.config"
#include "trn_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_bundle.h"
#include "clp_cfstore.h"
#include "clp_confdiff.h"
#include "clp_log.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "trn_local.h"

#define PROBE_TIMEOUT_MS 2000
#define STAGE_TIMEOUT_MS 10000
#define COMMIT_TIMEOUT_MS 20000
#define APPLY_TIMEOUT_MS 180000
#define SVC_WAIT_MS 60000
#define CORE_BACK_MS 120000
#define POLL_MS 250
#define START_WAIT_MS 30000

typedef struct job job_t;

typedef struct cfg {
    trn_t *t;
    /* the one stage this server holds (txid "" = none) */
    char stage_txid[72];
    char stage_from[CLP_NAME_MAX];
    char stage_by[128];
    uint64_t stage_at;
    job_t *job; /* the push this server coordinates */
    uint64_t next_tx;
    unsigned long pushes, stages, commits, applies, pulls, failures;
} cfg_t;

static cfg_t *CFG(clp_daemon_t *d)
{
    return ((trn_t *)d->app)->modules[TRN_MOD_CONFIG];
}

/* Only this server's tools (ipc) and the cluster's servers; no outside keys. */
static bool user_ok(clp_srv_req_t *req, const Clp__Envelope *env)
{
    const char *user = clp_srv_req_user(req);
    if (user[0] && strcmp(user, "cluster") != 0) {
        clp_srv_reply_error(req, -EPERM, "only the cluster's own servers may send %s",
                            clp_msg_payload_name(env));
        return false;
    }
    return true;
}

static void free_aclient_later(evutil_socket_t fd, short what, void *arg)
{
    clp_aclient_t *ac = arg;
    clp_aclient_destroy(&ac);
}

static void reply_generic(clp_srv_req_t *req, bool ok, const char *msg)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GenericReply g = CLP__GENERIC_REPLY__INIT;
    g.ok = ok;
    g.message = (char *)msg;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY;
    rep.generic_reply = &g;
    clp_srv_reply(req, &rep);
}

/* ---- bundles as messages ---- */

static int bundle_from_proto(const Clp__ConfigBundle *pb, clp_bundle_t *b, char *err, size_t n)
{
    if (!pb) {
        snprintf(err, n, "the request carries no configuration");
        return -EINVAL;
    }
    for (size_t i = 0; i < pb->n_files; i++) {
        const Clp__ConfigFile *f = pb->files[i];
        int rc = clp_bundle_add(b, f->path, f->data.data, f->data.len, f->mode ? f->mode : 0644);
        if (rc < 0) {
            snprintf(err, n, "%s: %s", f->path,
                     rc == -EINVAL  ? "a file name that cannot be installed"
                     : rc == -EFBIG ? "the bundle is too large"
                                    : "out of memory");
            return rc;
        }
    }
    if (!clp_bundle_find(b, "clp.conf")) {
        snprintf(err, n, "the bundle has no clp.conf");
        return -EINVAL;
    }
    clp_bundle_sort(b);
    return 0;
}

typedef struct {
    Clp__ConfigBundle msg;
    Clp__ConfigFile *files;
    Clp__ConfigFile **ptrs;
} pbundle_t;

/* A message view of b (pointing into b, which must outlive it). */
static void bundle_to_proto(const clp_bundle_t *b, pbundle_t *p)
{
    clp__config_bundle__init(&p->msg);
    p->files = xcalloc(b->n + 1, sizeof(*p->files));
    p->ptrs = xcalloc(b->n + 1, sizeof(*p->ptrs));
    for (size_t i = 0; i < b->n; i++) {
        clp__config_file__init(&p->files[i]);
        p->files[i].path = b->files[i].path;
        p->files[i].data.data = b->files[i].data;
        p->files[i].data.len = b->files[i].len;
        p->files[i].mode = b->files[i].mode;
        p->ptrs[i] = &p->files[i];
    }
    p->msg.n_files = b->n;
    p->msg.files = p->ptrs;
}

static void pbundle_free(pbundle_t *p)
{
    free(p->files);
    free(p->ptrs);
}

/* ---- this trn's own configuration ---- */

/* Loads the installed configuration in place of the one trn started with. */
static void reload_self(cfg_t *cfg)
{
    clp_daemon_t *d = cfg->t->d;
    clp_diag_t diag = {0};
    clp_conf_t *nc = clp_conf_load(d->conf_path, &diag);
    clp_diag_free(&diag);
    if (!nc) {
        clp_error("cannot load the configuration just installed (%s): keeping the previous one",
                  d->conf_path);
        return;
    }
    clp_cfstore_apply(d->root, nc);
    const clp_server_t *self = clp_conf_server(nc, d->server);
    if (!self) {
        clp_error("the configuration just installed has no server %s: keeping the previous one",
                  d->server);
        clp_conf_free(&nc);
        return;
    }
    clp_conf_t *old = d->conf;
    d->conf = nc;
    d->self = self;
    clp_conf_free(&old);
    clp_info("now running configuration generation %lu", nc->generation);
}

/* ---- participant: stage ---- */

typedef void (*stage_done_fn)(void *arg, const Clp__ConfigStageReply *r);

typedef struct {
    cfg_t *cfg;
    stage_done_fn fn;
    void *arg;
    bool ok;
    char txid[72];
    char message[768];
    bool core_running;
    char core_state[16];
    char **groups;
    size_t n_groups;
} stage_job_t;

static const char *state_word(Clp__ServerState s)
{
    switch (s) {
    case CLP__SERVER_STATE__SERVER_ONLINE:
        return "online";
    case CLP__SERVER_STATE__SERVER_SUSPENDED:
        return "suspended";
    case CLP__SERVER_STATE__SERVER_STARTING:
        return "starting";
    case CLP__SERVER_STATE__SERVER_STOPPING:
        return "stopping";
    default:
        return "unknown";
    }
}

static void stage_finish(stage_job_t *s)
{
    cfg_t *cfg = s->cfg;
    Clp__ConfigStageReply r = CLP__CONFIG_STAGE_REPLY__INIT;
    char digest[65] = "";
    uint64_t gen = 0;
    clp_cfstore_current(cfg->t->d->root, &gen, digest);
    r.ok = s->ok;
    r.message = s->message;
    r.txid = s->txid;
    r.generation = gen;
    r.digest = digest;
    r.core_running = s->core_running;
    r.core_state = s->core_state;
    r.n_active_groups = s->n_groups;
    r.active_groups = s->groups;
    if (!s->ok) {
        cfg->failures++;
    }
    s->fn(s->arg, &r);
    for (size_t i = 0; i < s->n_groups; i++) {
        free(s->groups[i]);
    }
    free(s->groups);
    free(s);
}

static void stage_core_status(void *arg, const Clp__Envelope *rep)
{
    stage_job_t *s = arg;
    const char *self = s->cfg->t->d->server;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS) {
        const Clp__ClusterStatus *st = rep->cluster_status;
        s->core_running = true;
        snprintf(s->core_state, sizeof(s->core_state), "%s", state_word(st->local_state));
        s->groups = xcalloc(st->n_groups + 1, sizeof(char *));
        for (size_t g = 0; g < st->n_groups; g++) {
            const Clp__GroupView *gv = st->groups[g];
            bool here = strcmp(gv->current, self) == 0;
            for (size_t k = 0; k < gv->n_per_server; k++) {
                here |= strcmp(gv->per_server[k]->server, self) == 0 &&
                        gv->per_server[k]->state != CLP__GROUP_STATE__GROUP_OFFLINE;
            }
            if (here) {
                s->groups[s->n_groups++] = xstrdup(gv->name);
            }
        }
    } else {
        /* its socket is there but it does not answer: count it as running */
        s->core_running = true;
        snprintf(s->core_state, sizeof(s->core_state), "unknown");
    }
    stage_finish(s);
}

/* Drops this server's stage if it is older than the TTL. */
static void expire_stage(cfg_t *cfg)
{
    if (cfg->stage_txid[0] &&
        clp_mono_ms() - cfg->stage_at >= (uint64_t)TRN_CONFIG_STAGE_TTL_S * 1000u) {
        clp_warn("configuration push %s from %s was never committed: dropped", cfg->stage_txid,
                 cfg->stage_from);
        clp_cfstore_drop(cfg->t->d->root, cfg->stage_txid);
        cfg->stage_txid[0] = '\0';
    }
}

/* Writes b to a stage and answers fn with this server's state. */
static void stage_begin(cfg_t *cfg, const char *txid, const clp_bundle_t *b, const char *from,
                        const char *pushed_by, stage_done_fn fn, void *arg)
{
    clp_daemon_t *d = cfg->t->d;
    stage_job_t *s = xcalloc(1, sizeof(*s));
    s->cfg = cfg;
    s->fn = fn;
    s->arg = arg;
    snprintf(s->txid, sizeof(s->txid), "%s", txid);
    snprintf(s->core_state, sizeof(s->core_state), "stopped");
    cfg->stages++;
    expire_stage(cfg);
    if (cfg->stage_txid[0] && strcmp(cfg->stage_txid, txid) != 0) {
        snprintf(s->message, sizeof(s->message),
                 "another configuration push (%s, from %s) is in progress on this server",
                 cfg->stage_txid, cfg->stage_from);
        stage_finish(s);
        return;
    }
    const clp_bfile_t *cf = clp_bundle_find(b, "clp.conf");
    clp_diag_t diag = {0};
    clp_conf_t *nc =
        cf ? clp_conf_load_mem((const char *)cf->data, cf->len, "clp.conf", &diag) : NULL;
    if (!nc) {
        size_t off = (size_t)snprintf(s->message, sizeof(s->message),
                                      "the configuration does not load here:");
        for (size_t i = 0; i < diag.n && off < sizeof(s->message); i++) {
            if (diag.items[i].kind == CLP_DIAG_ERROR) {
                off += (size_t)snprintf(s->message + off, sizeof(s->message) - off, " line %d: %s;",
                                        diag.items[i].line, diag.items[i].message);
            }
        }
        clp_diag_free(&diag);
        stage_finish(s);
        return;
    }
    clp_diag_free(&diag);
    bool member = clp_conf_server(nc, d->server) != NULL;
    clp_conf_free(&nc);
    if (!member) {
        snprintf(s->message, sizeof(s->message),
                 "the new configuration has no server %s (this server)", d->server);
        stage_finish(s);
        return;
    }
    char err[512];
    if (clp_cfstore_stage(d->root, txid, b, err, sizeof(err)) < 0) {
        snprintf(s->message, sizeof(s->message), "cannot stage it: %s", err);
        stage_finish(s);
        return;
    }
    snprintf(cfg->stage_txid, sizeof(cfg->stage_txid), "%s", txid);
    snprintf(cfg->stage_from, sizeof(cfg->stage_from), "%s", from);
    snprintf(cfg->stage_by, sizeof(cfg->stage_by), "%s", pushed_by ? pushed_by : from);
    cfg->stage_at = clp_mono_ms();
    s->ok = true;
    snprintf(s->message, sizeof(s->message), "staged");
    clp_info("configuration push %s from %s staged (%zu files, %zu bytes)", txid, from, b->n,
             b->bytes);
    if (trn_local_core_present(cfg->t)) {
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
        sr.local_only = true;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
        env.cluster_status_request = &sr;
        if (clp_aclient_call(trn_local_core(cfg->t), &env, 3000, stage_core_status, s) == 0) {
            return;
        }
    }
    stage_finish(s);
}

static void stage_replied(void *arg, const Clp__ConfigStageReply *r)
{
    clp_srv_req_t *req = arg;
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_STAGE_REPLY;
    rep.config_stage_reply = (Clp__ConfigStageReply *)r;
    clp_srv_reply(req, &rep);
}

void trn_config_on_stage(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    cfg_t *cfg = CFG(d);
    const Clp__ConfigStage *st = env->config_stage;
    char err[256];
    if (!user_ok(req, env)) {
        return;
    }
    if (!clp_cfstore_txid_ok(st->txid)) {
        clp_srv_reply_error(req, -EINVAL, "bad configuration push id");
        return;
    }
    clp_bundle_t b = {0};
    if (bundle_from_proto(st->bundle, &b, err, sizeof(err)) < 0) {
        clp_bundle_free(&b);
        clp_srv_reply_error(req, -EINVAL, "%s", err);
        return;
    }
    stage_begin(cfg, st->txid, &b, env->sender, st->bundle->pushed_by, stage_replied, req);
    clp_bundle_free(&b);
}

/* ---- participant: commit ---- */

/* Installs (commit) or drops the stage txid. 0, or -errno with a sentence. */
static int commit_do(cfg_t *cfg, const char *txid, bool commit, uint64_t generation, char *msg,
                     size_t n)
{
    clp_daemon_t *d = cfg->t->d;
    if (!cfg->stage_txid[0] || strcmp(cfg->stage_txid, txid) != 0) {
        if (!commit) {
            snprintf(msg, n, "nothing staged for %s", txid);
            return 0;
        }
        snprintf(msg, n, "no configuration staged for push %s on server %s (it expired?)", txid,
                 d->server);
        return -ENOENT;
    }
    if (!commit) {
        clp_cfstore_drop(d->root, txid);
        cfg->stage_txid[0] = '\0';
        clp_info("configuration push %s dropped", txid);
        snprintf(msg, n, "dropped");
        return 0;
    }
    clp_cfmeta_t m = {.generation = generation, .pushed_wall_ms = clp_wall_ms()};
    snprintf(m.pushed_by, sizeof(m.pushed_by), "%s", cfg->stage_by);
    char err[512];
    int rc = clp_cfstore_commit(d->root, txid, &m, err, sizeof(err));
    cfg->stage_txid[0] = '\0';
    if (rc < 0) {
        cfg->failures++;
        clp_error("configuration push %s: commit failed: %s", txid, err);
        clp_cfstore_drop(d->root, txid);
        snprintf(msg, n, "cannot install it on server %s: %s", d->server, err);
        return rc;
    }
    cfg->commits++;
    clp_info("configuration push %s installed: generation %" PRIu64 " (by %s)", txid, generation,
             m.pushed_by);
    CLP_ALERT(d->ev, "cfmgr", 1, m.pushed_by);
    reload_self(cfg);
    snprintf(msg, n, "installed generation %" PRIu64, generation);
    return 0;
}

void trn_config_on_commit(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    const Clp__ConfigCommit *c = env->config_commit;
    char msg[768];
    if (!user_ok(req, env)) {
        return;
    }
    int rc = commit_do(CFG(d), c->txid ? c->txid : "", c->commit, c->generation, msg, sizeof(msg));
    reply_generic(req, rc == 0, msg);
}

/* ---- participant: apply ---- */

typedef void (*apply_done_fn)(void *arg, bool ok, const char *msg);

typedef struct {
    cfg_t *cfg;
    apply_done_fn fn;
    void *arg;
    uint64_t generation;
    bool reload_core, alone;
    char *restart[8];
    size_t n_restart, next_restart;
    int step;
    int old_pid;
    bool was_suspended, skipped_wait, resuspended;
    uint64_t t0, deadline, starting_since;
    struct event *timer;
    char notes[512];
} apply_job_t;

static void apply_next(apply_job_t *a);

static void apply_end(apply_job_t *a, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void apply_end(apply_job_t *a, bool ok, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!ok) {
        a->cfg->failures++;
        clp_warn("applying the configuration: %s", msg);
    } else {
        clp_info("configuration generation %" PRIu64 " applied here: %s", a->generation, msg);
    }
    a->fn(a->arg, ok, msg);
    for (size_t i = 0; i < a->n_restart; i++) {
        free(a->restart[i]);
    }
    if (a->timer) {
        event_free(a->timer);
    }
    free(a);
}

static void note(apply_job_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(apply_job_t *a, const char *fmt, ...)
{
    size_t off = strlen(a->notes);
    if (off >= sizeof(a->notes) - 1) {
        return;
    }
    if (off) {
        off += (size_t)snprintf(a->notes + off, sizeof(a->notes) - off, "; ");
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->notes + off, sizeof(a->notes) - off, fmt, ap);
    va_end(ap);
}

static void on_apply_timer(evutil_socket_t fd, short what, void *arg)
{
    apply_next(arg);
}

static void later(apply_job_t *a, int ms)
{
    if (!a->timer) {
        a->timer = evtimer_new(a->cfg->t->d->base, on_apply_timer, a);
    }
    struct timeval tv = clp_tv_ms((uint64_t)ms);
    evtimer_add(a->timer, &tv);
}

static int systemctl_restart(const char *service)
{
    char unit[96];
    snprintf(unit, sizeof(unit), "%s.service", service);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("systemctl", "systemctl", "restart", unit, (char *)NULL);
        _exit(127);
    }
    return pid < 0 ? -errno : 0;
}

static void on_svc_restarted(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    const char *svc = a->restart[a->next_restart];
    if (!rep) {
        note(a, "%s: the restarter did not answer in time", svc);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_SVC_REPLY && !rep->svc_reply->ok) {
        note(a, "%s: %s", svc, rep->svc_reply->message);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        note(a, "%s: %s", svc, rep->error_reply->message);
    }
    a->next_restart++;
    apply_next(a);
}

static void restart_service(apply_job_t *a)
{
    const char *svc = a->restart[a->next_restart];
    if (!trn_local_svc_present(a->cfg->t)) {
        if (systemctl_restart(svc) < 0) {
            note(a, "%s: neither clpsvc nor systemctl can restart it", svc);
        }
        a->next_restart++;
        apply_next(a);
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__SvcRequest sr = CLP__SVC_REQUEST__INIT;
    sr.action = CLP__SVC_REQUEST__ACTION__RESTART;
    sr.service = (char *)svc;
    sr.wait_ms = SVC_WAIT_MS;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_SVC_REQUEST;
    env.svc_request = &sr;
    if (clp_aclient_call(trn_local_svc(a->cfg->t), &env, SVC_WAIT_MS + 5000, on_svc_restarted, a) <
        0) {
        note(a, "%s: cannot reach the restarter", svc);
        a->next_restart++;
        apply_next(a);
    }
}

static void core_call(apply_job_t *a, Clp__Envelope *env, clp_aclient_fn fn, int timeout)
{
    if (clp_aclient_call(trn_local_core(a->cfg->t), env, timeout, fn, a) < 0) {
        later(a, POLL_MS);
    }
}

static void on_pre_status(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_STATUS_REPLY) {
        a->old_pid = rep->status_reply->pid;
    }
    a->step = 2;
    apply_next(a);
}

static void on_pre_cluster(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS) {
        a->was_suspended = rep->cluster_status->local_state == CLP__SERVER_STATE__SERVER_SUSPENDED;
    }
    a->step = 1;
    apply_next(a);
}

static void on_reload_answer(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY &&
        !rep->generic_reply->ok) {
        apply_end(a, false, "the cluster service refused to reload: %s",
                  rep->generic_reply->message);
        return;
    }
    a->step = 3;
    later(a, POLL_MS);
}

static void on_new_status(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_STATUS_REPLY &&
        rep->status_reply->pid != a->old_pid &&
        rep->status_reply->config_generation == a->generation) {
        note(a, "cluster service reloaded (pid %d -> %d)", a->old_pid, rep->status_reply->pid);
        a->step = 4;
        apply_next(a);
        return;
    }
    later(a, POLL_MS);
}

static void on_generic_done(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    later(a, POLL_MS);
}

static void send_cluster_op(apply_job_t *a, Clp__ClusterRequest__Op op, clp_aclient_fn fn)
{
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__ClusterRequest cr = CLP__CLUSTER_REQUEST__INIT;
    cr.op = op;
    cr.requester = "clpcfctrl";
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST;
    env.cluster_request = &cr;
    core_call(a, &env, fn, 5000);
}

static void on_back_status(void *arg, const Clp__Envelope *rep)
{
    apply_job_t *a = arg;
    uint64_t now = clp_mono_ms();
    if (!rep || rep->payload_case != CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS) {
        later(a, POLL_MS);
        return;
    }
    Clp__ServerState s = rep->cluster_status->local_state;
    if (s == CLP__SERVER_STATE__SERVER_ONLINE && a->was_suspended && !a->resuspended) {
        a->resuspended = true;
        note(a, "suspended again, as before the reload");
        send_cluster_op(a, CLP__CLUSTER_REQUEST__OP__SUSPEND, on_generic_done);
        return;
    }
    if (s == CLP__SERVER_STATE__SERVER_ONLINE || s == CLP__SERVER_STATE__SERVER_SUSPENDED) {
        apply_end(a, true, "%s; back in operation after %.1f s",
                  a->notes[0] ? a->notes : "reloaded", (double)(now - a->t0) / 1000.0);
        return;
    }
    if (s == CLP__SERVER_STATE__SERVER_STARTING) {
        if (!a->starting_since) {
            a->starting_since = now;
        }
        /* Alone before the reload: nobody will come to end its start-up wait. */
        uint32_t iv = (uint32_t)a->cfg->t->d->conf->cluster.hb_interval_ms;
        if (a->alone && !a->skipped_wait && now - a->starting_since > 3ull * iv + 1000) {
            a->skipped_wait = true;
            note(a, "no other server online: its start-up wait was ended");
            send_cluster_op(a, CLP__CLUSTER_REQUEST__OP__SKIPWAIT, on_generic_done);
            return;
        }
    }
    later(a, POLL_MS);
}

static void apply_next(apply_job_t *a)
{
    if (a->next_restart < a->n_restart) {
        restart_service(a);
        return;
    }
    if (!a->reload_core || (a->step == 0 && !trn_local_core_present(a->cfg->t))) {
        apply_end(a, true, "%s", a->notes[0] ? a->notes : "services restarted");
        return;
    }
    if (!a->deadline) { /* counted from the reload, after the services' restarts */
        a->deadline = clp_mono_ms() + CORE_BACK_MS;
    }
    if (clp_mono_ms() >= a->deadline) {
        apply_end(a, false, "the cluster service did not come back within %d s%s%s",
                  CORE_BACK_MS / 1000, a->notes[0] ? "; " : "", a->notes);
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    switch (a->step) {
    case 0: { /* suspended now? */
        Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
        sr.local_only = true;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
        env.cluster_status_request = &sr;
        core_call(a, &env, on_pre_cluster, 5000);
        return;
    }
    case 1: { /* its pid now */
        Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
        env.status_request = &sr;
        core_call(a, &env, on_pre_status, 5000);
        return;
    }
    case 2:
        a->t0 = clp_mono_ms();
        send_cluster_op(a, CLP__CLUSTER_REQUEST__OP__RELOAD, on_reload_answer);
        return;
    case 3: { /* the new process, with the new generation */
        Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
        env.status_request = &sr;
        core_call(a, &env, on_new_status, 1000);
        return;
    }
    default: { /* online (or suspended) again */
        Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
        sr.local_only = true;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
        env.cluster_status_request = &sr;
        core_call(a, &env, on_back_status, 1000);
        return;
    }
    }
}

static void apply_begin(cfg_t *cfg, const Clp__ConfigApply *m, apply_done_fn fn, void *arg)
{
    apply_job_t *a = xcalloc(1, sizeof(*a));
    a->cfg = cfg;
    a->fn = fn;
    a->arg = arg;
    a->generation = m->generation;
    a->reload_core = m->reload_core;
    a->alone = m->alone;
    a->t0 = clp_mono_ms();
    static const char *const allowed[] = {"clusterpro_evt", "clusterpro_alertsync",
                                          "clusterpro_webmgr"};
    for (size_t i = 0; i < m->n_restart && a->n_restart < 8; i++) {
        for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++) {
            if (strcmp(m->restart[i], allowed[k]) == 0) {
                a->restart[a->n_restart++] = xstrdup(allowed[k]);
            }
        }
    }
    cfg->applies++;
    uint64_t gen = 0;
    char digest[65];
    clp_cfstore_current(cfg->t->d->root, &gen, digest);
    if (gen != m->generation) {
        apply_end(a, false, "server %s has generation %" PRIu64 " installed, not %" PRIu64,
                  cfg->t->d->server, gen, m->generation);
        return;
    }
    apply_next(a);
}

static void apply_replied(void *arg, bool ok, const char *msg)
{
    reply_generic(arg, ok, msg);
}

void trn_config_on_apply(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    if (!user_ok(req, env)) {
        return;
    }
    apply_begin(CFG(d), env->config_apply, apply_replied, req);
}

/* ---- pull ---- */

void trn_config_on_pull(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    cfg_t *cfg = CFG(d);
    if (!user_ok(req, env)) {
        return;
    }
    cfg->pulls++;
    clp_bundle_t b = {0};
    char err[512], digest[65] = "";
    uint64_t gen = 0;
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__ConfigPullReply pr = CLP__CONFIG_PULL_REPLY__INIT;
    pbundle_t pb = {0};
    clp_cfmeta_t meta;
    int rc = clp_bundle_read_root(&b, d->root, err, sizeof(err));
    if (rc < 0) {
        clp_bundle_free(&b);
        clp_srv_reply_error(req, rc, "server %s: %s", d->server, err);
        return;
    }
    clp_cfstore_current(d->root, &gen, digest);
    bundle_to_proto(&b, &pb);
    if (env->config_pull_request->info_only) {
        pb.msg.n_files = 0;
    }
    pb.msg.generation = gen;
    pb.msg.digest = digest;
    if (clp_cfmeta_read(d->root, &meta) == 0 && meta.generation == gen) {
        pb.msg.pushed_by = meta.pushed_by;
        pb.msg.pushed_wall_ms = meta.pushed_wall_ms;
    }
    pr.ok = true;
    pr.message = "";
    pr.server = d->server;
    pr.bundle = &pb.msg;
    pr.core_running = trn_local_core_present(cfg->t);
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_PULL_REPLY;
    rep.config_pull_reply = &pr;
    clp_srv_reply(req, &rep);
    pbundle_free(&pb);
    clp_bundle_free(&b);
}

/* ---- the coordinator ---- */

typedef struct {
    char **v;
    size_t n;
} strv_t;

static void strv_add(strv_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void strv_add(strv_t *s, const char *fmt, ...)
{
    char *str = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&str, fmt, ap) < 0) {
        str = NULL;
    }
    va_end(ap);
    if (!str) {
        return;
    }
    s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
    s->v[s->n++] = str;
}

static void strv_free(strv_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

typedef struct {
    job_t *job;
    char name[CLP_NAME_MAX];
    int prio; /* index in the new configuration (priority order) */
    bool local;
    clp_aclient_t *ac;
    bool answered, staged, committed, applied, failed;
    char message[768];
    uint64_t generation;
    char digest[65];
    bool core_running;
    char core_state[16];
    char ep[128]; /* its trn's endpoint */
    int probe_fd; /* the connection test before the stage (-1: none) */
    struct event *probe_ev;
} target_t;

enum { PH_STAGE = 1, PH_COMMIT, PH_APPLY, PH_START, PH_DONE };

struct job {
    cfg_t *cfg;
    clp_srv_req_t *req;
    bool force, check_only;
    char requester[128];
    char txid[72];
    clp_bundle_t nb, ob;
    clp_conf_t *nc, *oc;
    char ndigest[65];
    target_t *tg;
    size_t n_tg, pending;
    int phase;
    uint64_t gen, prev_gen;
    clp_confdiff_t diff;
    bool have_diff;
    size_t *order; /* apply order (indices into tg) */
    size_t n_order, next;
    strv_t changes, steps, diags, started;
    strv_t active; /* groups active on some server, from the stage answers */
    size_t n_start_pending;
    bool alone;
    pbundle_t pb;  /* the bundle as sent to every server */
    bool final_ok; /* how the push ends once the stages are dropped */
    char final[2048];
};

static void job_free(job_t *j)
{
    for (size_t i = 0; i < j->n_tg; i++) {
        if (j->tg[i].probe_ev) {
            event_free(j->tg[i].probe_ev);
        }
        if (j->tg[i].probe_fd >= 0) {
            close(j->tg[i].probe_fd);
        }
        if (j->tg[i].ac) {
            clp_aclient_cancel(j->tg[i].ac, &j->tg[i]);
            event_base_once(j->cfg->t->d->base, -1, EV_TIMEOUT, free_aclient_later, j->tg[i].ac,
                            NULL);
        }
    }
    free(j->tg);
    free(j->order);
    pbundle_free(&j->pb);
    clp_bundle_free(&j->nb);
    clp_bundle_free(&j->ob);
    clp_conf_free(&j->nc);
    clp_conf_free(&j->oc);
    if (j->have_diff) {
        clp_confdiff_free(&j->diff);
    }
    strv_free(&j->changes);
    strv_free(&j->steps);
    strv_free(&j->diags);
    strv_free(&j->started);
    strv_free(&j->active);
    if (j->cfg->job == j) {
        j->cfg->job = NULL;
    }
    free(j);
}

/* Sends the reply to clpcfctrl and ends the job. */
static void job_reply(job_t *j, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_reply(job_t *j, bool ok, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__ConfigPushReply pr = CLP__CONFIG_PUSH_REPLY__INIT;
    Clp__ConfigServerResult *rv = xcalloc(j->n_tg + 1, sizeof(*rv));
    Clp__ConfigServerResult **rp = xcalloc(j->n_tg + 1, sizeof(*rp));
    for (size_t i = 0; i < j->n_tg; i++) {
        clp__config_server_result__init(&rv[i]);
        rv[i].server = j->tg[i].name;
        rv[i].ok = !j->tg[i].failed && j->tg[i].answered;
        rv[i].message = j->tg[i].message;
        rv[i].generation = j->tg[i].generation;
        rp[i] = &rv[i];
    }
    pr.ok = ok;
    pr.message = msg;
    pr.generation = j->phase >= PH_APPLY && j->phase != PH_DONE ? j->gen : j->prev_gen;
    pr.previous_generation = j->prev_gen;
    pr.apply_class = (char *)clp_apply_class_name(j->have_diff ? j->diff.worst : CLP_APPLY_NONE);
    pr.n_changes = j->changes.n;
    pr.changes = j->changes.v;
    pr.n_steps = j->steps.n;
    pr.steps = j->steps.v;
    pr.n_servers = j->n_tg;
    pr.servers = rp;
    pr.n_diagnostics = j->diags.n;
    pr.diagnostics = j->diags.v;
    pr.n_started_groups = j->started.n;
    pr.started_groups = j->started.v;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_PUSH_REPLY;
    rep.config_push_reply = &pr;
    if (!ok) {
        j->cfg->failures++;
    }
    clp_info("configuration push %s: %s: %s", j->txid, ok ? "done" : "not done", msg);
    clp_srv_reply(j->req, &rep);
    free(rv);
    free(rp);
    job_free(j);
}

static void phase_done(job_t *j);

/* One answer (or one hold) of the current phase is in. */
static void job_release(job_t *j)
{
    if (j->pending > 0) {
        j->pending--;
    }
    if (j->pending == 0) {
        phase_done(j);
    }
}

static void target_done(target_t *t)
{
    job_release(t->job);
}

/* -- stage -- */

static void stage_answer(target_t *t, const Clp__ConfigStageReply *r)
{
    t->answered = true;
    t->staged = r->ok;
    t->failed = !r->ok;
    snprintf(t->message, sizeof(t->message), "%s", r->message);
    t->generation = r->generation;
    snprintf(t->digest, sizeof(t->digest), "%s", r->digest);
    t->core_running = r->core_running;
    snprintf(t->core_state, sizeof(t->core_state), "%s", r->core_state);
    job_t *j = t->job;
    for (size_t i = 0; i < r->n_active_groups; i++) {
        bool dup = false;
        for (size_t k = 0; k < j->active.n && !dup; k++) {
            dup = strcmp(j->active.v[k], r->active_groups[i]) == 0;
        }
        if (!dup) {
            strv_add(&j->active, "%s", r->active_groups[i]);
        }
    }
}

static void local_stage_done(void *arg, const Clp__ConfigStageReply *r)
{
    target_t *t = arg;
    stage_answer(t, r);
    target_done(t);
}

static void on_stage_reply(void *arg, const Clp__Envelope *rep)
{
    target_t *t = arg;
    if (!rep) {
        snprintf(t->message, sizeof(t->message), "no answer from its clusterpro_trn in %d s",
                 STAGE_TIMEOUT_MS / 1000);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        t->answered = true;
        t->failed = true;
        snprintf(t->message, sizeof(t->message), "%s", rep->error_reply->message);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_CONFIG_STAGE_REPLY) {
        stage_answer(t, rep->config_stage_reply);
    } else {
        t->answered = true;
        t->failed = true;
        snprintf(t->message, sizeof(t->message), "unexpected answer");
    }
    target_done(t);
}

static void send_stage(target_t *t)
{
    job_t *j = t->job;
    clp_daemon_t *d = j->cfg->t->d;
    t->ac = clp_aclient_new(d->base, d->zctx, t->ep, &d->keys, &d->mctx);
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__ConfigStage st = CLP__CONFIG_STAGE__INIT;
    st.txid = j->txid;
    st.bundle = &j->pb.msg;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_STAGE;
    env.config_stage = &st;
    if (!t->ac || clp_aclient_call(t->ac, &env, STAGE_TIMEOUT_MS, on_stage_reply, t) < 0) {
        snprintf(t->message, sizeof(t->message), "cannot reach its clusterpro_trn at %s", t->ep);
        target_done(t);
    }
}

/* The connection test ended: stage there, or count it as not answering. */
static void on_probe(evutil_socket_t fd, short what, void *arg)
{
    target_t *t = arg;
    int err = ETIMEDOUT;
    if (what & EV_WRITE) {
        socklen_t len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
            err = errno;
        }
    }
    event_free(t->probe_ev);
    t->probe_ev = NULL;
    close(t->probe_fd);
    t->probe_fd = -1;
    if (err == 0) {
        send_stage(t);
        return;
    }
    snprintf(t->message, sizeof(t->message), "its clusterpro_trn does not answer at %s (%s)", t->ep,
             err == ETIMEDOUT ? "no answer within 2 s" : strerror(err));
    target_done(t);
}

/* Tests a TCP connection to addr:port without blocking; on_probe follows. */
static int probe(target_t *t, const char *addr, int port)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char ap[160];
    snprintf(ap, sizeof(ap), strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr, port);
    if (evutil_parse_sockaddr_port(ap, (struct sockaddr *)&ss, &len) < 0) {
        return -EINVAL;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (connect(fd, (struct sockaddr *)&ss, (socklen_t)len) < 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return -e;
    }
    t->probe_fd = fd;
    t->probe_ev = event_new(t->job->cfg->t->d->base, fd, EV_WRITE, on_probe, t);
    struct timeval tv = clp_tv_ms(PROBE_TIMEOUT_MS);
    event_add(t->probe_ev, &tv);
    return 0;
}

static void start_stage(job_t *j)
{
    clp_daemon_t *d = j->cfg->t->d;
    bundle_to_proto(&j->nb, &j->pb);
    j->pb.msg.digest = j->ndigest;
    j->pb.msg.pushed_by = j->requester;
    j->phase = PH_STAGE;
    j->pending = j->n_tg + 1; /* +1: held until every request is out */
    for (size_t i = 0; i < j->n_tg; i++) {
        target_t *t = &j->tg[i];
        if (t->local) {
            stage_begin(j->cfg, j->txid, &j->nb, d->server, j->requester, local_stage_done, t);
            continue;
        }
        /* reached where the cluster knows it now (a new server: where it will be) */
        const clp_conf_t *where = j->oc && clp_conf_server(j->oc, t->name) ? j->oc : j->nc;
        int port = where->cluster.ports.datatrans;
        const char *addr = NULL;
        const clp_server_t *s = clp_conf_server(where, t->name);
        for (size_t k = 0; s && k < s->n_devices && !addr; k++) {
            if (strcmp(s->devices[k].type, "lan") == 0 && s->devices[k].info &&
                s->devices[k].info[0]) {
                addr = s->devices[k].info;
            }
        }
        if (!addr) {
            snprintf(t->message, sizeof(t->message), "no LAN address in clp.conf");
            target_done(t);
            continue;
        }
        snprintf(t->ep, sizeof(t->ep), strchr(addr, ':') ? "tcp://[%s]:%d" : "tcp://%s:%d", addr,
                 port);
        int rc = probe(t, addr, port);
        if (rc < 0) {
            snprintf(t->message, sizeof(t->message),
                     "its clusterpro_trn does not answer at %s (%s)", t->ep, strerror(-rc));
            target_done(t);
        }
    }
    job_release(j); /* the hold */
}

/* -- commit (and drop) -- */

static void on_commit_reply(void *arg, const Clp__Envelope *rep)
{
    target_t *t = arg;
    job_t *j = t->job;
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY &&
        rep->generic_reply->ok) {
        t->committed = j->phase == PH_COMMIT;
        if (t->committed) {
            t->generation = j->gen;
            snprintf(t->message, sizeof(t->message), "%s", rep->generic_reply->message);
        }
    } else if (j->phase == PH_COMMIT) {
        t->failed = true;
        snprintf(t->message, sizeof(t->message), "%s",
                 !rep ? "no answer to the commit"
                 : rep->payload_case == CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY
                     ? rep->generic_reply->message
                 : rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY
                     ? rep->error_reply->message
                     : "unexpected answer");
    }
    target_done(t);
}

/* Commits (phase PH_COMMIT) or drops every stage; phase_done follows. */
static void send_commits(job_t *j, bool commit)
{
    j->pending = 1;
    for (size_t i = 0; i < j->n_tg; i++) {
        target_t *t = &j->tg[i];
        if (!t->staged) {
            continue;
        }
        if (!commit) {
            snprintf(t->message, sizeof(t->message),
                     "unchanged: generation %" PRIu64 " (the staged copy was dropped)",
                     t->generation);
        }
        j->pending++;
        if (t->local) {
            char msg[768];
            int rc = commit_do(j->cfg, j->txid, commit, j->gen, msg, sizeof(msg));
            if (commit) {
                t->committed = rc == 0;
                t->failed = rc < 0;
                t->generation = rc == 0 ? j->gen : t->generation;
                snprintf(t->message, sizeof(t->message), "%s", msg);
            }
            target_done(t);
            continue;
        }
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        Clp__ConfigCommit cm = CLP__CONFIG_COMMIT__INIT;
        cm.txid = j->txid;
        cm.commit = commit;
        cm.generation = j->gen;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_COMMIT;
        env.config_commit = &cm;
        if (clp_aclient_call(t->ac, &env, COMMIT_TIMEOUT_MS, on_commit_reply, t) < 0) {
            if (commit) {
                t->failed = true;
                snprintf(t->message, sizeof(t->message), "cannot send the commit");
            }
            target_done(t);
        }
    }
    job_release(j); /* the hold */
}

/* Ends the push without changing anything: every stage is dropped first, then
 * clpcfctrl gets the message (ok: a check, or nothing to change). */
static void abort_push(job_t *j, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void abort_push(job_t *j, bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->final, sizeof(j->final), fmt, ap);
    va_end(ap);
    j->final_ok = ok;
    j->phase = PH_DONE;
    send_commits(j, false);
}

/* -- apply -- */

static void apply_one(job_t *j);

static void apply_answer(target_t *t, bool ok, const char *msg)
{
    t->applied = ok;
    if (!ok) {
        t->failed = true;
    }
    snprintf(t->message, sizeof(t->message), "%s", msg);
    t->job->next++;
    apply_one(t->job);
}

static void local_apply_done(void *arg, bool ok, const char *msg)
{
    apply_answer(arg, ok, msg);
}

static void on_apply_reply(void *arg, const Clp__Envelope *rep)
{
    target_t *t = arg;
    if (!rep) {
        apply_answer(t, false, "no answer from its clusterpro_trn while applying");
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY) {
        apply_answer(t, rep->generic_reply->ok, rep->generic_reply->message);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        apply_answer(t, false, rep->error_reply->message);
    } else {
        apply_answer(t, false, "unexpected answer");
    }
}

static void start_groups(job_t *j);

static void apply_one(job_t *j)
{
    if (j->next >= j->n_order) {
        start_groups(j);
        return;
    }
    target_t *t = &j->tg[j->order[j->next]];
    static char *restart[] = {"clusterpro_evt", "clusterpro_alertsync", "clusterpro_webmgr"};
    Clp__ConfigApply ap = CLP__CONFIG_APPLY__INIT;
    ap.txid = j->txid;
    ap.generation = j->gen;
    ap.reload_core = t->core_running;
    ap.n_restart = 3;
    ap.restart = restart;
    ap.alone = j->alone;
    ap.timeout_ms = APPLY_TIMEOUT_MS;
    clp_info("configuration push %s: applying on %s%s", j->txid, t->name,
             t->core_running ? " (cluster service reload)" : "");
    if (t->local) {
        apply_begin(j->cfg, &ap, local_apply_done, t);
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_APPLY;
    env.config_apply = &ap;
    if (clp_aclient_call(t->ac, &env, APPLY_TIMEOUT_MS, on_apply_reply, t) < 0) {
        apply_answer(t, false, "cannot send the apply request");
    }
}

/* -- groups added with automatic start -- */

static void start_next(job_t *j);

static void on_group_started(void *arg, const Clp__Envelope *rep)
{
    job_t *j = arg;
    const char *g = j->diff.start[j->n_start_pending];
    if (rep && rep->payload_case == CLP__ENVELOPE__PAYLOAD_GROUP_REPLY && rep->group_reply->ok) {
        strv_add(&j->started, "%s", g);
    } else {
        strv_add(
            &j->diags, "group %s was not started: %s", g,
            !rep                                                      ? "no answer in time"
            : rep->payload_case == CLP__ENVELOPE__PAYLOAD_GROUP_REPLY ? rep->group_reply->message
            : rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY ? rep->error_reply->message
                                                                      : "unexpected answer");
    }
    j->n_start_pending++;
    start_next(j);
}

static void finish(job_t *j)
{
    size_t failed = 0;
    for (size_t i = 0; i < j->n_tg; i++) {
        failed += j->tg[i].failed;
    }
    if (failed) {
        job_reply(j, false,
                  "generation %" PRIu64 " installed, but %zu server%s reported a problem (see "
                  "below); the cluster alerts (cfmgr 10) while servers differ",
                  j->gen, failed, failed > 1 ? "s" : "");
        return;
    }
    job_reply(j, true, "generation %" PRIu64 " installed and applied (%s)", j->gen,
              clp_apply_class_name(j->diff.worst));
}

static void start_next(job_t *j)
{
    if (j->n_start_pending >= j->diff.n_start) {
        finish(j);
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
    gr.op = CLP__GROUP_REQUEST__OP__START;
    gr.group = j->diff.start[j->n_start_pending];
    gr.requester = "clpcfctrl";
    gr.wait_ms = START_WAIT_MS;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    env.group_request = &gr;
    clp_aclient_t *ac = NULL;
    if (trn_local_core_present(j->cfg->t)) {
        ac = trn_local_core(j->cfg->t);
    } else {
        for (size_t i = 0; i < j->n_tg && !ac; i++) {
            if (!j->tg[i].local && j->tg[i].core_running && j->tg[i].ac) {
                ac = j->tg[i].ac; /* its trn relays to its core */
            }
        }
    }
    if (!ac || clp_aclient_call(ac, &env, START_WAIT_MS + 20000, on_group_started, j) < 0) {
        on_group_started(j, NULL);
    }
}

static void start_groups(job_t *j)
{
    j->phase = PH_START;
    bool running = false;
    for (size_t i = 0; i < j->n_tg; i++) {
        running |= j->tg[i].core_running;
    }
    if (!running) {
        if (j->diff.n_start) {
            strv_add(&j->diags, "the cluster is stopped: the groups added start with it");
        }
        finish(j);
        return;
    }
    start_next(j);
}

/* -- deciding -- */

static bool any_running(const job_t *j)
{
    for (size_t i = 0; i < j->n_tg; i++) {
        if (j->tg[i].core_running) {
            return true;
        }
    }
    return false;
}

static bool all_running_suspended(const job_t *j)
{
    for (size_t i = 0; i < j->n_tg; i++) {
        if (j->tg[i].core_running && strcmp(j->tg[i].core_state, "suspended") != 0) {
            return false;
        }
    }
    return true;
}

static void decide(job_t *j)
{
    size_t missing = 0, refused = 0;
    char who[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < j->n_tg; i++) {
        target_t *t = &j->tg[i];
        if (!t->answered) {
            missing++;
            off += (size_t)snprintf(who + off, off < sizeof(who) ? sizeof(who) - off : 0, "%s%s",
                                    off ? ", " : "", t->name);
        } else if (t->failed) {
            refused++;
        }
    }
    if (refused) {
        abort_push(j, false, "a server refused the configuration (see below); nothing was changed");
        return;
    }
    for (size_t i = 0; j->force && i < j->n_tg; i++) {
        target_t *t = &j->tg[i];
        if (!t->answered) {
            char why[256];
            snprintf(why, sizeof(why), "%.200s", t->message);
            snprintf(t->message, sizeof(t->message),
                     "left out (--force): %s; it fetches the configuration when it starts", why);
        }
    }
    if (missing && !j->force) {
        abort_push(j, false,
                   "server%s %s did not answer: nothing was changed. Start %s, or push with "
                   "--force (a server left out fetches the configuration when it starts)",
                   missing > 1 ? "s" : "", who, missing > 1 ? "them" : "it");
        return;
    }
    /* the generation: one more than any server has */
    uint64_t top = j->prev_gen;
    bool all_same = true;
    for (size_t i = 0; i < j->n_tg; i++) {
        if (j->tg[i].answered) {
            top = j->tg[i].generation > top ? j->tg[i].generation : top;
            all_same &= strcmp(j->tg[i].digest, j->ndigest) == 0;
        }
    }
    j->gen = top + 1;
    /* A running cluster service that did not say what it holds may hold
     * anything: every group counts as active. */
    for (size_t i = 0; i < j->n_tg; i++) {
        if (j->tg[i].core_running && strcmp(j->tg[i].core_state, "unknown") == 0) {
            strv_free(&j->active);
            for (size_t g = 0; g < j->oc->n_groups; g++) {
                strv_add(&j->active, "%s", j->oc->groups[g].name);
            }
            break;
        }
    }
    int rc = clp_confdiff(j->oc, j->nc, &j->ob, &j->nb, (const char *const *)j->active.v,
                          j->active.n, &j->diff);
    if (rc < 0) {
        abort_push(j, false, "out of memory comparing the configurations");
        return;
    }
    j->have_diff = true;
    for (size_t i = 0; i < j->diff.n; i++) {
        strv_add(&j->changes, "%s: %s", clp_apply_class_name(j->diff.v[i].cls), j->diff.v[i].what);
    }
    if (j->diff.worst == CLP_APPLY_NONE && all_same && !missing) {
        abort_push(j, true,
                   "nothing to change: every server already runs this configuration "
                   "(generation %" PRIu64 ")",
                   j->prev_gen);
        return;
    }
    if (j->diff.worst == CLP_APPLY_NONE) {
        j->diff.worst = CLP_APPLY_LIVE; /* a server that differed gets it again */
        strv_add(&j->changes, "live: the same configuration again, for the servers that run "
                              "another one");
    }
    bool running = any_running(j);
    if (j->diff.worst == CLP_APPLY_CLUSTER_STOP && running) {
        strv_add(&j->steps, "clpcl -t -a");
        strv_add(&j->steps, "clpcfctrl --push -x DIR");
        strv_add(&j->steps, "clpcl -s -a");
        abort_push(j, false,
                   "these changes need the cluster stopped (cluster-stop): stop it, push "
                   "again, start it; nothing was changed");
        return;
    }
    if (j->diff.worst == CLP_APPLY_SUSPEND && running && !all_running_suspended(j)) {
        strv_add(&j->steps, "clpcl --suspend -a");
        strv_add(&j->steps, "clpcfctrl --push -x DIR");
        strv_add(&j->steps, "clpcl --resume -a");
        abort_push(j, false,
                   "these changes need the cluster suspended (suspend): suspend it, push "
                   "again, resume it; nothing was changed");
        return;
    }
    if (j->diff.worst == CLP_APPLY_GROUP_STOP) {
        strv_t groups = {0};
        for (size_t i = 0; i < j->diff.n; i++) {
            const char *g = j->diff.v[i].group;
            bool dup = !g[0];
            for (size_t k = 0; k < groups.n && !dup; k++) {
                dup = strcmp(groups.v[k], g) == 0;
            }
            if (!dup && j->diff.v[i].cls == CLP_APPLY_GROUP_STOP) {
                strv_add(&groups, "%s", g);
            }
        }
        for (size_t k = 0; k < groups.n; k++) {
            strv_add(&j->steps, "clpgrp -t %s", groups.v[k]);
        }
        strv_add(&j->steps, "clpcfctrl --push -x DIR");
        for (size_t k = 0; k < groups.n; k++) {
            if (clp_conf_group(j->nc, groups.v[k])) {
                strv_add(&j->steps, "clpgrp -s %s", groups.v[k]);
            }
        }
        strv_free(&groups);
        abort_push(j, false,
                   "these changes touch groups that are active (group-stop): stop them, push "
                   "again, start them; nothing was changed");
        return;
    }
    if (j->check_only) {
        abort_push(j, true,
                   "check only: the push would apply these changes (%s) and give generation "
                   "%" PRIu64 "; nothing was changed",
                   clp_apply_class_name(j->diff.worst), j->gen);
        return;
    }
    j->phase = PH_COMMIT;
    send_commits(j, true);
}

static void build_order(job_t *j)
{
    j->order = xcalloc(j->n_tg + 1, sizeof(size_t));
    size_t running = 0;
    /* stopped servers first (nothing to reload), then running ones from the
     * lowest priority to the highest (the master last) */
    for (size_t i = 0; i < j->n_tg; i++) {
        if (j->tg[i].committed && !j->tg[i].core_running) {
            j->order[j->n_order++] = i;
        }
    }
    for (size_t i = j->n_tg; i-- > 0;) {
        if (j->tg[i].committed && j->tg[i].core_running) {
            j->order[j->n_order++] = i;
            running++;
        }
    }
    j->alone = running == 1;
}

static void phase_done(job_t *j)
{
    switch (j->phase) {
    case PH_STAGE:
        decide(j);
        return;
    case PH_COMMIT: {
        size_t ok = 0;
        for (size_t i = 0; i < j->n_tg; i++) {
            ok += j->tg[i].committed;
        }
        if (ok == 0) {
            job_reply(j, false, "no server could install the configuration (see below)");
            return;
        }
        j->phase = PH_APPLY;
        build_order(j);
        apply_one(j);
        return;
    }
    case PH_DONE:
        job_reply(j, j->final_ok, "%s", j->final);
        return;
    default:
        return;
    }
}

/* -- the request -- */

static void diag_lines(strv_t *out, const clp_diag_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const clp_diag_item_t *it = &d->items[i];
        if (it->line > 0) {
            strv_add(out, "%s:%d: %s: %s%s%s", it->file, it->line, clp_diag_kind_name(it->kind),
                     it->path, it->path[0] ? ": " : "", it->message);
        } else {
            strv_add(out, "%s: %s: %s%s%s", it->file, clp_diag_kind_name(it->kind), it->path,
                     it->path[0] ? ": " : "", it->message);
        }
    }
}

void trn_config_on_push(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    cfg_t *cfg = CFG(d);
    const Clp__ConfigPushRequest *pr = env->config_push_request;
    char err[512];
    if (clp_srv_req_user(req)[0]) {
        clp_srv_reply_error(req, -EPERM,
                            "a configuration is pushed with clpcfctrl on a server of the "
                            "cluster, not through the network");
        return;
    }
    if (cfg->job) {
        clp_srv_reply_error(req, -EBUSY, "another configuration push (%s) is in progress",
                            cfg->job->txid);
        return;
    }
    cfg->pushes++;
    job_t *j = xcalloc(1, sizeof(*j));
    j->cfg = cfg;
    j->req = req;
    j->force = pr->force;
    j->check_only = pr->check_only;
    snprintf(j->requester, sizeof(j->requester), "%s",
             pr->requester && pr->requester[0] ? pr->requester : env->sender);
    snprintf(j->txid, sizeof(j->txid), "%s-%" PRIu64 "-%" PRIu64, d->server, d->mctx.incarnation,
             ++cfg->next_tx);
    if (bundle_from_proto(pr->bundle, &j->nb, err, sizeof(err)) < 0) {
        job_reply(j, false, "%s", err);
        return;
    }
    clp_bundle_digest(&j->nb, j->ndigest);
    /* 1. check the whole new configuration */
    clp_diag_t diag = {0};
    const clp_bfile_t *cf = clp_bundle_find(&j->nb, "clp.conf");
    j->nc = clp_conf_load_mem((const char *)cf->data, cf->len, "clp.conf", &diag);
    if (j->nc) {
        clp_bundle_check(&j->nb, j->nc, "clp.conf", &diag);
    }
    diag_lines(&j->diags, &diag);
    size_t errors = diag.n_errors;
    clp_diag_free(&diag);
    if (!j->nc || errors) {
        job_reply(j, false, "the configuration has %zu error%s: nothing was changed", errors,
                  errors == 1 ? "" : "s");
        return;
    }
    if (!clp_conf_server(j->nc, d->server)) {
        job_reply(j, false,
                  "the new configuration has no server %s: push it from a server that stays in "
                  "the cluster",
                  d->server);
        return;
    }
    /* what this server runs now */
    if (clp_bundle_read_root(&j->ob, d->root, err, sizeof(err)) == 0) {
        const clp_bfile_t *of = clp_bundle_find(&j->ob, "clp.conf");
        j->oc = clp_conf_load_mem((const char *)of->data, of->len, "etc/clp.conf", NULL);
    }
    if (!j->oc) {
        job_reply(j, false, "the installed configuration of server %s does not load", d->server);
        return;
    }
    char odigest[65];
    clp_cfstore_current(d->root, &j->prev_gen, odigest);
    /* 2. stage on every server of the new configuration */
    j->n_tg = j->nc->n_servers;
    j->tg = xcalloc(j->n_tg + 1, sizeof(*j->tg));
    for (size_t i = 0; i < j->n_tg; i++) {
        target_t *t = &j->tg[i];
        t->job = j;
        t->prio = (int)i;
        t->probe_fd = -1;
        snprintf(t->name, sizeof(t->name), "%s", j->nc->servers[i].name);
        t->local = strcmp(t->name, d->server) == 0;
    }
    cfg->job = j;
    clp_info("configuration push %s by %s: %zu files, %zu bytes, to %zu servers%s%s", j->txid,
             j->requester, j->nb.n, j->nb.bytes, j->n_tg, j->force ? " (--force)" : "",
             j->check_only ? " (check only)" : "");
    start_stage(j);
}

/* ---- module ---- */

int trn_config_init(trn_t *t)
{
    cfg_t *cfg = xcalloc(1, sizeof(*cfg));
    cfg->t = t;
    t->modules[TRN_MOD_CONFIG] = cfg;
    int n = clp_cfstore_clean(t->d->root, 0); /* whatever a previous trn left staged */
    if (n > 0) {
        clp_info("removed %d configuration stage%s left by a previous clusterpro_trn", n,
                 n > 1 ? "s" : "");
    }
    return 0;
}

void trn_config_fini(trn_t *t)
{
    cfg_t *cfg = t->modules[TRN_MOD_CONFIG];
    if (!cfg) {
        return;
    }
    if (cfg->job) {
        clp_srv_reply_error(cfg->job->req, -ECANCELED, "clusterpro_trn is stopping");
        for (size_t i = 0; i < cfg->job->n_tg; i++) {
            clp_aclient_destroy(&cfg->job->tg[i].ac);
        }
        cfg->job->req = NULL;
        job_free(cfg->job);
    }
    if (cfg->stage_txid[0]) {
        clp_cfstore_drop(t->d->root, cfg->stage_txid);
    }
    free(cfg);
    t->modules[TRN_MOD_CONFIG] = NULL;
}

void trn_config_status(trn_t *t, Clp__StatusReply *rep)
{
    cfg_t *cfg = t->modules[TRN_MOD_CONFIG];
    if (!cfg) {
        return;
    }
    clp_status_counter(rep, "config_pushes", cfg->pushes);
    clp_status_counter(rep, "config_stages", cfg->stages);
    clp_status_counter(rep, "config_commits", cfg->commits);
    clp_status_counter(rep, "config_applies", cfg->applies);
    clp_status_counter(rep, "config_pulls", cfg->pulls);
    clp_status_counter(rep, "config_failures", cfg->failures);
    clp_status_counter(rep, "config_push_running", cfg->job != NULL);
}

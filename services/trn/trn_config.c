/*
 * trn_config: every server's side of a configuration push (stage, commit,
 * apply, with the service restarts and the core's reload) and the pull (see
 * trn_config.h). The coordinator of a push is trn_push.c; it runs these steps
 * directly for this server.
 */
#define CLP_LOG_TAG "trn.config"
#include "trn_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_bundle.h"
#include "clp_cfstore.h"
#include "clp_log.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "trn_config_priv.h"
#include "trn_local.h"

#define SVC_WAIT_MS 60000
#define CORE_BACK_MS 120000
#define POLL_MS 250

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

int trn_config_bundle_from_proto(const Clp__ConfigBundle *pb, clp_bundle_t *b, char *err, size_t n)
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

/* A message view of b (pointing into b, which must outlive it). */
void trn_config_bundle_to_proto(const clp_bundle_t *b, pbundle_t *p)
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

void trn_config_pbundle_free(pbundle_t *p)
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
void trn_config_stage_begin(cfg_t *cfg, const char *txid, const clp_bundle_t *b, const char *from,
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
    if (trn_config_bundle_from_proto(st->bundle, &b, err, sizeof(err)) < 0) {
        clp_bundle_free(&b);
        clp_srv_reply_error(req, -EINVAL, "%s", err);
        return;
    }
    trn_config_stage_begin(cfg, st->txid, &b, env->sender, st->bundle->pushed_by, stage_replied,
                           req);
    clp_bundle_free(&b);
}

/* ---- participant: commit ---- */

/* Installs (commit) or drops the stage txid. 0, or -errno with a sentence. */
int trn_config_commit_do(cfg_t *cfg, const char *txid, bool commit, uint64_t generation, char *msg,
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
    int rc = trn_config_commit_do(CFG(d), c->txid ? c->txid : "", c->commit, c->generation, msg,
                                  sizeof(msg));
    reply_generic(req, rc == 0, msg);
}

/* ---- participant: apply ---- */

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

void trn_config_apply_begin(cfg_t *cfg, const Clp__ConfigApply *m, apply_done_fn fn, void *arg)
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
    trn_config_apply_begin(CFG(d), env->config_apply, apply_replied, req);
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
    trn_config_bundle_to_proto(&b, &pb);
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
    trn_config_pbundle_free(&pb);
    clp_bundle_free(&b);
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
    trn_push_cancel(cfg);
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

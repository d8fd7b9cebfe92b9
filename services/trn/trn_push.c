/*
 * trn_push: the coordinator of a configuration push (see trn_push.h and, for
 * the steps, trn_config.h): the job and its targets, the connection test and
 * the stage on every server, the decision (clp_confdiff), commits or drops,
 * the apply one server at a time, the start of the groups added, the reply.
 * For this server it calls trn_config.c's steps directly.
 */
#define CLP_LOG_TAG "trn.config"
#include "trn_push.h"

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
#include "trn_config_priv.h"
#include "trn_local.h"

#define PROBE_TIMEOUT_MS 2000
#define STAGE_TIMEOUT_MS 10000
#define COMMIT_TIMEOUT_MS 20000
#define APPLY_TIMEOUT_MS 180000
#define START_WAIT_MS 30000

static void free_aclient_later(evutil_socket_t fd, short what, void *arg)
{
    clp_aclient_t *ac = arg;
    clp_aclient_destroy(&ac);
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
    trn_config_pbundle_free(&j->pb);
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
    trn_config_bundle_to_proto(&j->nb, &j->pb);
    j->pb.msg.digest = j->ndigest;
    j->pb.msg.pushed_by = j->requester;
    j->phase = PH_STAGE;
    j->pending = j->n_tg + 1; /* +1: held until every request is out */
    for (size_t i = 0; i < j->n_tg; i++) {
        target_t *t = &j->tg[i];
        if (t->local) {
            trn_config_stage_begin(j->cfg, j->txid, &j->nb, d->server, j->requester,
                                   local_stage_done, t);
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
            int rc = trn_config_commit_do(j->cfg, j->txid, commit, j->gen, msg, sizeof(msg));
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
        trn_config_apply_begin(j->cfg, &ap, local_apply_done, t);
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

void trn_push_on_request(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
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
    if (trn_config_bundle_from_proto(pr->bundle, &j->nb, err, sizeof(err)) < 0) {
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

/* -- clusterpro_trn stopping -- */

void trn_push_cancel(cfg_t *cfg)
{
    if (cfg->job) {
        clp_srv_reply_error(cfg->job->req, -ECANCELED, "clusterpro_trn is stopping");
        for (size_t i = 0; i < cfg->job->n_tg; i++) {
            clp_aclient_destroy(&cfg->job->tg[i].ac);
        }
        cfg->job->req = NULL;
        job_free(cfg->job);
    }
}

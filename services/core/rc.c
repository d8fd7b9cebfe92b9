/*
 * rc: local execution of group operations, the cluster-wide view of groups,
 * and the entry points core.c and api.c call (see rc.h).
 */
#define CLP_LOG_TAG "rc"
#include "rc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "fence.h"
#include "peer.h"
#include "placement.h"
#include "rc_int.h"

static rc_t *RC(core_t *c)
{
    return c->rc;
}

const char *rc_state_name(Clp__GroupState s)
{
    switch (s) {
    case CLP__GROUP_STATE__GROUP_OFFLINE:
        return "Offline";
    case CLP__GROUP_STATE__GROUP_ONLINE_PENDING:
        return "Online Pending";
    case CLP__GROUP_STATE__GROUP_ONLINE:
        return "Online";
    case CLP__GROUP_STATE__GROUP_OFFLINE_PENDING:
        return "Offline Pending";
    case CLP__GROUP_STATE__GROUP_ONLINE_FAILURE:
        return "Online Failure";
    case CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE:
        return "Offline Failure";
    default:
        return "Unknown";
    }
}

static const char *self_name(rc_t *rc)
{
    return rc->c->conf->servers[rc->c->self].name;
}

void rc_set_local_state(rc_t *rc, int g, Clp__GroupState s)
{
    grt_t *G = &rc->grp[g];
    if (G->local != s) {
        clp_info("group %s: %s -> %s on %s", G->conf->name, rc_state_name(G->local),
                 rc_state_name(s), self_name(rc));
        G->local = s;
        G->at[rc->c->self] = s;
        G->since_wall = clp_wall_ms();
        core_state_changed(rc->c);
        hb_send_now(rc->c->hb);
    }
}

bool rc_group_busy_locally(const rc_t *rc, int g)
{
    return rc->grp[g].op != LOP_NONE;
}

/* ---- dependency graph of a group's members ---- */

static void build_deps(rc_t *rc, grt_t *G)
{
    for (int i = 0; i < G->n_members; i++) {
        rrt_t *r = &rc->rsc[G->members[i]];
        r->member = i;
        r->deps = 0;
        if (!r->conf->depend_default) {
            for (size_t d = 0; d < r->conf->n_depend; d++) {
                for (int j = 0; j < G->n_members; j++) {
                    if (strcmp(rc->rsc[G->members[j]].conf->name, r->conf->depend[d]) == 0) {
                        r->deps |= 1ull << j;
                    }
                }
            }
            continue;
        }
        int lvl = r->type ? r->type->level : RSC_LEVEL_APP;
        for (int j = 0; j < G->n_members; j++) {
            rrt_t *o = &rc->rsc[G->members[j]];
            int olvl = o->type ? o->type->level : RSC_LEVEL_APP;
            if (j != i && olvl < lvl) {
                r->deps |= 1ull << j;
            }
        }
    }
}

/* ---- child results ---- */

typedef struct {
    rc_t *rc;
    int r;
    bool activate;
} rjob_t;

static int act_body(void *arg);
static int deact_body(void *arg);
static void step_activate(rc_t *rc, int g);
static void step_deactivate(rc_t *rc, int g);

typedef struct {
    rc_t *rc;
    int r;
    rsc_ctx_t ctx;
} rchild_t;

static void fill_env(rc_t *rc, grt_t *G, rsc_ctx_t *ctx)
{
    core_t *c = rc->c;
    int rank = place_policy_rank(c->conf, G->index, c->self);
    ctx->env.event = G->event[0] ? G->event : "START";
    ctx->env.factor = G->factor[0] ? G->factor : NULL;
    ctx->env.server_role = rank == 0 ? "HOME" : "OTHER";
    ctx->env.disk = "SUCCESS";
    for (int i = 0; i < G->n_members; i++) {
        rrt_t *o = &rc->rsc[G->members[i]];
        if (o->type && (strcmp(o->conf->type, "disk") == 0 || strcmp(o->conf->type, "nas") == 0 ||
                        strcmp(o->conf->type, "volmgr") == 0) &&
            o->state != CLP__GROUP_STATE__GROUP_ONLINE && G->op == LOP_ACTIVATE) {
            ctx->env.disk = "FAILURE";
        }
    }
    ctx->env.priority = rank >= 0 ? rank + 1 : 0;
    ctx->env.prev_server = G->prev_server[0] ? G->prev_server : NULL;
    ctx->env.behavior = rc->stop_cluster_wide ? "NONE" : NULL;
}

static int act_body(void *arg)
{
    rchild_t *j = arg;
    return j->rc->rsc[j->r].type->activate(&j->ctx);
}

static int deact_body(void *arg)
{
    rchild_t *j = arg;
    return j->rc->rsc[j->r].type->deactivate(&j->ctx);
}

static void on_rsc_done(void *arg, int status, const char *output, int elapsed_ms);

static void start_child(rc_t *rc, int r, bool activate)
{
    rrt_t *R = &rc->rsc[r];
    grt_t *G = &rc->grp[R->group];
    core_t *c = rc->c;
    rchild_t *j = xcalloc(1, sizeof(*j));
    j->rc = rc;
    j->r = r;
    rsc_ctx_init(&j->ctx, c->conf, c->self, c->d->root, R->conf, G->conf);
    fill_env(rc, G, &j->ctx);
    R->state = activate ? CLP__GROUP_STATE__GROUP_ONLINE_PENDING
                        : CLP__GROUP_STATE__GROUP_OFFLINE_PENDING;
    CLP_ALERT(c->d->ev, "rc", activate ? 30 : 40, R->conf->name);
    int timeout_s = activate ? R->conf->act_timeout_s : R->conf->deact_timeout_s;
    R->child = child_run_fn(c->d->base, activate ? act_body : deact_body, j, timeout_s * 1000,
                            NULL, on_rsc_done, j);
    if (!R->child) {
        clp_error("resource %s: cannot fork: %s", R->conf->name, strerror(errno));
        on_rsc_done(j, RSC_ERR, "cannot start a child process", 0);
    }
    core_state_changed(c);
}

/* Runs the server-level part of a final action (codes 3..15). */
static void final_server_action(rc_t *rc, int code, const char *what)
{
    core_t *c = rc->c;
    uint64_t others = nm_online_mask(c->nm) & ~(1ull << c->self);
    if (!others) {
        clp_warn("final action for %s suppressed: no other server is running", what);
        return;
    }
    fence_execute(c->fence, fence_from_final(code), what);
}

static void activation_failed(rc_t *rc, int g, int r)
{
    grt_t *G = &rc->grp[g];
    rrt_t *R = &rc->rsc[r];
    core_t *c = rc->c;
    const clp_resource_t *rc_conf = R->conf;
    uint64_t others = nm_online_mask(c->nm) & ~(1ull << c->self);

    if (R->retries < rc_conf->act_retry) {
        R->retries++;
        CLP_ALERT(c->d->ev, "rc", 200, rc_conf->name, rc_conf->name);
        start_child(rc, r, true);
        return;
    }
    if (R->fo_done < rc_conf->act_fo && others && G->conf->failover_auto &&
        !c->conf->cluster.rc_act_norecovery) {
        R->fo_done++;
        G->want_failover = true;
        G->failed_member = R->member;
        rc_report(rc, g, CLP__GROUP_EVENT__KIND__NEED_FAILOVER, false, R->msg, rc_conf->name);
        return;
    }
    G->failed_member = R->member;
    rc_local_no_failover(rc, g);
}

/* The failover was refused or impossible: the final action. */
void rc_local_no_failover(rc_t *rc, int g)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    G->want_failover = false;
    if (G->failed_member < 0 || G->failed_member >= G->n_members) {
        return;
    }
    rrt_t *R = &rc->rsc[G->members[G->failed_member]];
    int action = R->conf->act_action;
    R->state = CLP__GROUP_STATE__GROUP_ONLINE_FAILURE;
    if (c->conf->cluster.rc_act_norecovery) {
        action = 1;
    }
    switch (action) {
    case 0: /* continue with the next resources */
        break;
    case 1:
        G->halted = true;
        break;
    case 2:
        CLP_ALERT(c->d->ev, "rc", 202, G->conf->name, R->conf->name);
        G->stop_after = true;
        break;
    default: {
        static const unsigned ids[16] = {[3] = 203, [4] = 204, [5] = 205, [8] = 240, [9] = 241,
                                         [10] = 242, [11] = 243, [12] = 244, [13] = 245,
                                         [14] = 246, [15] = 247};
        if (action > 0 && action < 16 && ids[action]) {
            CLP_ALERT(c->d->ev, "rc", ids[action], R->conf->name);
        }
        G->halted = true;
        final_server_action(rc, action, R->conf->name);
        break;
    }
    }
    step_activate(rc, g);
}

static void deactivation_failed(rc_t *rc, int g, int r)
{
    rrt_t *R = &rc->rsc[r];
    core_t *c = rc->c;
    if (R->retries < R->conf->deact_retry) {
        R->retries++;
        CLP_ALERT(c->d->ev, "rc", 220, R->conf->name, R->conf->name);
        start_child(rc, r, false);
        return;
    }
    R->state = CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE;
    int action = R->conf->deact_action;
    if (c->conf->cluster.rc_deact_norecovery) {
        action = 1;
    }
    static const unsigned ids[16] = {[2] = 222, [3] = 223, [4] = 224, [5] = 225, [8] = 280,
                                     [9] = 281,  [10] = 282, [11] = 283, [12] = 284,
                                     [13] = 285, [14] = 286, [15] = 287};
    if (action > 1 && action < 16 && ids[action]) {
        CLP_ALERT(c->d->ev, "rc", ids[action], action == 2 ? rc->grp[g].conf->name : R->conf->name,
                  R->conf->name);
    }
    if (action >= 3) {
        final_server_action(rc, action, R->conf->name);
    }
    step_deactivate(rc, g);
}

static void on_rsc_done(void *arg, int status, const char *output, int elapsed_ms)
{
    rchild_t *j = arg;
    rc_t *rc = j->rc;
    int r = j->r;
    rrt_t *R = &rc->rsc[r];
    grt_t *G = &rc->grp[R->group];
    core_t *c = rc->c;
    bool activate = R->state == CLP__GROUP_STATE__GROUP_ONLINE_PENDING;
    free(j);
    R->child = NULL;
    char code[16];
    if (status == CHILD_TIMED_OUT) {
        snprintf(code, sizeof(code), "%d", RSC_ERR_TIMEOUT);
        snprintf(R->msg, sizeof(R->msg), "command is timeout");
        int act = c->conf->cluster.rsctoaction;
        CLP_ALERT(c->d->ev, "rc", activate ? 32 : 42, R->conf->name, code, R->msg);
        if (act != 0) {
            /* A stall: the cluster-wide stall action, then nothing else here. */
            fence_execute(c->fence, act == 2 ? FENCE_SHUTDOWN : fence_from_final(act),
                          "group resource stalled");
        }
        if (activate) {
            activation_failed(rc, R->group, r);
        } else {
            deactivation_failed(rc, R->group, r);
        }
        rc_persist_save(rc);
        return;
    }
    if (status == RSC_OK) {
        R->state = activate ? CLP__GROUP_STATE__GROUP_ONLINE : CLP__GROUP_STATE__GROUP_OFFLINE;
        R->msg[0] = '\0';
        if (activate) {
            R->fo_done = 0;
        }
        CLP_ALERT(c->d->ev, "rc", activate ? 31 : 41, R->conf->name);
        rc_persist_save(rc);
        core_state_changed(c);
        if (activate) {
            step_activate(rc, R->group);
        } else {
            step_deactivate(rc, R->group);
        }
        return;
    }
    snprintf(code, sizeof(code), "%d", status < 0 ? -status : status);
    snprintf(R->msg, sizeof(R->msg), "%s", output && output[0] ? output : "failed");
    size_t l = strlen(R->msg);
    while (l > 0 && (R->msg[l - 1] == '\n' || R->msg[l - 1] == ' ')) {
        R->msg[--l] = '\0';
    }
    CLP_ALERT(c->d->ev, "rc", activate ? 32 : 42, R->conf->name, code, R->msg);
    (void)G;
    if (activate) {
        activation_failed(rc, R->group, r);
    } else {
        deactivation_failed(rc, R->group, r);
    }
    rc_persist_save(rc);
}

/* ---- activation ---- */

static bool member_done_ok(const rrt_t *o)
{
    return o->state == CLP__GROUP_STATE__GROUP_ONLINE;
}

static void finish_activation(rc_t *rc, int g)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    bool all_ok = true, scope_ok = true;
    for (int i = 0; i < G->n_members; i++) {
        const rrt_t *o = &rc->rsc[G->members[i]];
        if (o->type && !member_done_ok(o)) {
            all_ok = false;
            if ((G->scope >> i) & 1u) {
                scope_ok = false;
            }
        }
    }
    G->op = LOP_NONE;
    G->halted = false;
    if (G->scope != ~0ull) {
        /* A single resource started (clprsc): the group is whole or partial. */
        G->scope = ~0ull;
        rc_set_local_state(rc, g, all_ok ? CLP__GROUP_STATE__GROUP_ONLINE
                                         : CLP__GROUP_STATE__GROUP_ONLINE_FAILURE);
        rc_persist_save(rc);
        rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, scope_ok,
                  scope_ok ? "" : "the resource failed to start", NULL);
        return;
    }
    rc_set_local_state(rc, g, all_ok ? CLP__GROUP_STATE__GROUP_ONLINE
                                     : CLP__GROUP_STATE__GROUP_ONLINE_FAILURE);
    CLP_ALERT(c->d->ev, "rc", all_ok ? 11 : 12, G->conf->name);
    rc->n_activations++;
    rc_persist_save(rc);
    rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, all_ok,
              all_ok ? "" : "some resources failed to activate", NULL);
}

static void step_activate(rc_t *rc, int g)
{
    grt_t *G = &rc->grp[g];
    if (G->op != LOP_ACTIVATE || G->want_failover) {
        return;
    }
    int running = 0;
    for (int i = 0; i < G->n_members; i++) {
        if (rc->rsc[G->members[i]].child) {
            running++;
        }
    }
    if (G->stop_after) {
        if (running == 0) {
            G->stop_after = false;
            G->op = LOP_NONE;
            rc_local_deactivate(rc, g, "GROUPSTOP", G->op_id, G->op_origin);
        }
        return;
    }
    if (!G->halted) {
        for (int i = 0; i < G->n_members; i++) {
            rrt_t *R = &rc->rsc[G->members[i]];
            if (!R->type || R->child || R->state != CLP__GROUP_STATE__GROUP_OFFLINE ||
                !((G->scope >> i) & 1u)) {
                continue;
            }
            bool ready = true;
            for (int k = 0; k < G->n_members; k++) {
                const rrt_t *d = &rc->rsc[G->members[k]];
                /* A failed dependency blocks unless its final action was "continue". */
                if (((R->deps >> k) & 1u) && d->type &&
                    !(d->state == CLP__GROUP_STATE__GROUP_ONLINE ||
                      (d->state == CLP__GROUP_STATE__GROUP_ONLINE_FAILURE &&
                       d->conf->act_action == 0))) {
                    ready = false;
                }
            }
            if (ready) {
                R->retries = 0;
                start_child(rc, G->members[i], true);
                running++;
            }
        }
    }
    if (running == 0) {
        finish_activation(rc, g);
    }
}

/* Another server that is up and, in this server's view, holds group g (or is
 * still letting it go); -1 if none. */
static int other_holder(const rc_t *rc, int g)
{
    const core_t *c = rc->c;
    const grt_t *G = &rc->grp[g];
    for (int k = 0; k < nm_n_servers(c->nm); k++) {
        if (k == c->self || nm_peer_state(c->nm, k) != NM_PEER_UP) {
            continue;
        }
        switch (G->at[k]) {
        case CLP__GROUP_STATE__GROUP_ONLINE:
        case CLP__GROUP_STATE__GROUP_ONLINE_PENDING:
        case CLP__GROUP_STATE__GROUP_ONLINE_FAILURE:
        case CLP__GROUP_STATE__GROUP_OFFLINE_PENDING:
            return k;
        default:
            break;
        }
    }
    return -1;
}

static void activate_now(rc_t *rc, int g, const char *event, uint64_t op_id, const char *prev,
                         int origin, bool fresh);

/* The last line of defence against a dual activation: whatever the master
 * decided, a server does not activate a group that another up server still
 * holds. Its view may lag by a heartbeat (a state change is announced at once,
 * but datagrams and commands travel separately), so the activation is held for
 * a few intervals and refused if the other server keeps the group. */
void rc_local_activate(rc_t *rc, int g, const char *event, uint64_t op_id, const char *prev,
                       int origin, bool fresh)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    if (other_holder(rc, g) >= 0 && G->local == CLP__GROUP_STATE__GROUP_OFFLINE) {
        G->conflict_until = clp_mono_ms() + 3ull * nm_interval_ms(c->nm) + 500u;
        G->op = LOP_ACTIVATE;
        G->op_id = op_id;
        G->op_origin = origin;
        G->pend_fresh = fresh;
        G->pend_origin = origin;
        G->pend_op_id = op_id;
        snprintf(G->pend_event, sizeof(G->pend_event), "%s", event ? event : "");
        snprintf(G->pend_prev, sizeof(G->pend_prev), "%s", prev ? prev : "");
        clp_info("group %s: %s still holds it in this server's view: activation held", G->conf->name,
                 c->conf->servers[other_holder(rc, g)].name);
        return;
    }
    activate_now(rc, g, event, op_id, prev, origin, fresh);
}

/* Held activations proceed once the view clears, or are refused. */
static void conflicts_tick(rc_t *rc, uint64_t now)
{
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (!G->conflict_until) {
            continue;
        }
        int k = other_holder(rc, (int)g);
        if (k < 0) {
            G->conflict_until = 0;
            activate_now(rc, (int)g, G->pend_event, G->pend_op_id, G->pend_prev, G->pend_origin,
                         G->pend_fresh);
        } else if (now >= G->conflict_until) {
            G->conflict_until = 0;
            G->op = LOP_NONE;
            char why[3 * CLP_NAME_MAX + 64];
            snprintf(why, sizeof(why), "group %s is still active on %s: not activated on %s",
                     G->conf->name, rc->c->conf->servers[k].name, self_name(rc));
            clp_error("%s", why);
            rc_report(rc, (int)g, CLP__GROUP_EVENT__KIND__DONE, false, why, NULL);
        }
    }
}

static void activate_now(rc_t *rc, int g, const char *event, uint64_t op_id, const char *prev,
                         int origin, bool fresh)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    G->conflict_until = 0;
    G->op = LOP_ACTIVATE;
    G->op_id = op_id;
    G->op_origin = origin;
    G->want_failover = false;
    G->halted = false;
    G->stop_after = false;
    G->failed_member = -1;
    snprintf(G->event, sizeof(G->event), "%s", event && event[0] ? event : "START");
    G->factor[0] = '\0';
    snprintf(G->prev_server, sizeof(G->prev_server), "%s", prev ? prev : "");
    for (int i = 0; i < G->n_members; i++) {
        rrt_t *R = &rc->rsc[G->members[i]];
        if (R->state != CLP__GROUP_STATE__GROUP_ONLINE) {
            R->state = CLP__GROUP_STATE__GROUP_OFFLINE;
        }
        R->retries = 0;
        if (fresh) {
            R->fo_done = 0;
        }
        if (!R->type) {
            clp_warn("group %s: resource %s (%s) is not supported by this product; it is not "
                     "activated",
                     G->conf->name, R->conf->name, R->conf->type);
        }
    }
    G->lost = false;
    rc_set_local_state(rc, g, CLP__GROUP_STATE__GROUP_ONLINE_PENDING);
    rc_persist_save(rc);
    CLP_ALERT(c->d->ev, "rc", 10, G->conf->name);
    step_activate(rc, g);
}

/* ---- deactivation ---- */

static void finish_deactivation(rc_t *rc, int g)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    bool all_ok = true;
    for (int i = 0; i < G->n_members; i++) {
        const rrt_t *o = &rc->rsc[G->members[i]];
        if (((G->scope >> i) & 1u) && o->state != CLP__GROUP_STATE__GROUP_OFFLINE) {
            all_ok = false;
        }
    }
    G->op = LOP_NONE;
    if (G->scope != ~0ull) {
        /* A resource restart (the master starts it again next) or a single
         * resource stop (clprsc): the rest of the group stays. */
        G->scope = ~0ull;
        if (strcmp(G->factor, "RESOURCESTOP") == 0) {
            bool any = false;
            for (int i = 0; i < G->n_members; i++) {
                if (rc->rsc[G->members[i]].state != CLP__GROUP_STATE__GROUP_OFFLINE) {
                    any = true;
                }
            }
            rc_set_local_state(rc, g, any ? CLP__GROUP_STATE__GROUP_ONLINE_FAILURE
                                          : CLP__GROUP_STATE__GROUP_OFFLINE);
        }
        rc_persist_save(rc);
        rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, all_ok,
                  all_ok ? "" : "the resource failed to stop", NULL);
        return;
    }
    if (strcmp(G->factor, "GROUPFAILOVER") != 0) {
        /* A stop that is not part of a failover: the failover counts of an
         * activation failure start again at the next start. */
        for (int i = 0; i < G->n_members; i++) {
            rc->rsc[G->members[i]].fo_done = 0;
        }
    }
    rc_set_local_state(rc, g, all_ok ? CLP__GROUP_STATE__GROUP_OFFLINE
                                     : CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE);
    CLP_ALERT(c->d->ev, "rc", all_ok ? 21 : 22, G->conf->name);
    rc->n_deactivations++;
    rc_persist_save(rc);
    rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, all_ok,
              all_ok ? "" : "some resources failed to stop", NULL);
    if (rc->stopping) {
        rc_stop_groups(c, rc->stop_cluster_wide);
    }
}

static void step_deactivate(rc_t *rc, int g)
{
    grt_t *G = &rc->grp[g];
    if (G->op != LOP_DEACTIVATE) {
        return;
    }
    int running = 0;
    for (int i = 0; i < G->n_members; i++) {
        if (rc->rsc[G->members[i]].child) {
            running++;
        }
    }
    for (int i = 0; i < G->n_members; i++) {
        rrt_t *R = &rc->rsc[G->members[i]];
        if (!R->type || R->child || R->state == CLP__GROUP_STATE__GROUP_OFFLINE ||
            R->state == CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE || !((G->scope >> i) & 1u)) {
            continue;
        }
        bool ready = true;
        for (int k = 0; k < G->n_members; k++) {
            const rrt_t *d = &rc->rsc[G->members[k]];
            /* Stop after everything that depends on it has stopped. */
            if (((d->deps >> i) & 1u) && d->type &&
                d->state != CLP__GROUP_STATE__GROUP_OFFLINE &&
                d->state != CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE) {
                ready = false;
            }
        }
        if (ready) {
            R->retries = 0;
            start_child(rc, G->members[i], false);
            running++;
        }
    }
    if (running == 0) {
        finish_deactivation(rc, g);
    }
}

void rc_local_deactivate(rc_t *rc, int g, const char *factor, uint64_t op_id, int origin)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    if (G->op == LOP_DEACTIVATE) {
        return;
    }
    G->conflict_until = 0; /* a held activation is dropped */
    G->op = LOP_DEACTIVATE;
    G->op_id = op_id;
    G->op_origin = origin;
    G->want_failover = false;
    if (G->scope == 0) {
        G->scope = ~0ull;
    }
    snprintf(G->factor, sizeof(G->factor), "%s", factor ? factor : "GROUPSTOP");
    for (int i = 0; i < G->n_members; i++) {
        rrt_t *R = &rc->rsc[G->members[i]];
        /* A pending activation child is left to finish; its resource then stops. */
        if (R->state == CLP__GROUP_STATE__GROUP_ONLINE_FAILURE) {
            R->state = CLP__GROUP_STATE__GROUP_ONLINE;
        }
    }
    rc_set_local_state(rc, g, CLP__GROUP_STATE__GROUP_OFFLINE_PENDING);
    rc_persist_save(rc);
    CLP_ALERT(c->d->ev, "rc", 20, G->conf->name);
    step_deactivate(rc, g);
}

void rc_local_deactivate_resource(rc_t *rc, int g, const char *resource, const char *factor,
                                  bool force, uint64_t op_id, int origin)
{
    grt_t *G = &rc->grp[g];
    int target = -1;
    for (int i = 0; i < G->n_members; i++) {
        if (strcmp(rc->rsc[G->members[i]].conf->name, resource) == 0) {
            target = i;
        }
    }
    if (target < 0 || G->op != LOP_NONE) {
        G->op_id = op_id;
        G->op_origin = origin;
        rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, false,
                  target < 0 ? "no such resource in the group" : "the group is busy", NULL);
        return;
    }
    /* The resource and, transitively, everything depending on it. */
    uint64_t scope = 1ull << target;
    for (bool grew = true; grew;) {
        grew = false;
        for (int i = 0; i < G->n_members; i++) {
            if (!((scope >> i) & 1u) && (rc->rsc[G->members[i]].deps & scope)) {
                scope |= 1ull << i;
                grew = true;
            }
        }
    }
    if (!force && strcmp(factor ? factor : "", "RESOURCESTOP") == 0) {
        for (int i = 0; i < G->n_members; i++) {
            const rrt_t *d = &rc->rsc[G->members[i]];
            if (i != target && ((scope >> i) & 1u) && d->state != CLP__GROUP_STATE__GROUP_OFFLINE) {
                G->op_id = op_id;
                G->op_origin = origin;
                char why[300];
                snprintf(why, sizeof(why), "%s depends on %s and is active (use -f)",
                         d->conf->name, resource);
                rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, false, why, NULL);
                return;
            }
        }
    }
    G->scope = scope;
    G->op = LOP_DEACTIVATE;
    G->op_id = op_id;
    G->op_origin = origin;
    snprintf(G->factor, sizeof(G->factor), "%s", factor ? factor : "RESOURCERESTART");
    if (strcmp(G->factor, "RESOURCERESTART") == 0) {
        CLP_ALERT(rc->c->d->ev, "rc", 80, resource);
    }
    rc_persist_save(rc);
    step_deactivate(rc, g);
}

void rc_local_activate_resource(rc_t *rc, int g, const char *resource, bool force,
                                uint64_t op_id, int origin)
{
    grt_t *G = &rc->grp[g];
    int target = -1;
    for (int i = 0; i < G->n_members; i++) {
        if (strcmp(rc->rsc[G->members[i]].conf->name, resource) == 0) {
            target = i;
        }
    }
    if (target < 0 || G->op != LOP_NONE) {
        G->op_id = op_id;
        G->op_origin = origin;
        rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, false,
                  target < 0 ? "no such resource in the group" : "the group is busy", NULL);
        return;
    }
    /* The resource and, with force, everything it depends on, transitively. */
    uint64_t scope = 1ull << target;
    for (bool grew = force; grew;) {
        grew = false;
        for (int i = 0; i < G->n_members; i++) {
            if (((scope >> i) & 1u) && (rc->rsc[G->members[i]].deps & ~scope)) {
                scope |= rc->rsc[G->members[i]].deps;
                grew = true;
            }
        }
    }
    rrt_t *R = &rc->rsc[G->members[target]];
    for (int k = 0; k < G->n_members && !force; k++) {
        const rrt_t *d = &rc->rsc[G->members[k]];
        if (((R->deps >> k) & 1u) && d->type && d->state != CLP__GROUP_STATE__GROUP_ONLINE) {
            G->op_id = op_id;
            G->op_origin = origin;
            char why[300];
            snprintf(why, sizeof(why), "%s depends on %s, which is not active (use -f)",
                     R->conf->name, d->conf->name);
            rc_report(rc, g, CLP__GROUP_EVENT__KIND__DONE, false, why, NULL);
            return;
        }
    }
    G->scope = scope;
    G->op = LOP_ACTIVATE;
    G->op_id = op_id;
    G->op_origin = origin;
    G->want_failover = false;
    G->halted = false;
    G->stop_after = false;
    G->failed_member = -1;
    snprintf(G->event, sizeof(G->event), "START");
    G->factor[0] = '\0';
    if (G->local == CLP__GROUP_STATE__GROUP_OFFLINE) {
        rc_set_local_state(rc, g, CLP__GROUP_STATE__GROUP_ONLINE_PENDING);
    }
    rc_persist_save(rc);
    step_activate(rc, g);
}

/* ---- announce (after a dual activation) ---- */

static int announce_body(void *arg)
{
    rchild_t *j = arg;
    const rsc_type_t *t = j->rc->rsc[j->r].type;
    return t->announce ? t->announce(&j->ctx) : 0;
}

static void on_announce_done(void *arg, int status, const char *output, int elapsed_ms)
{
    free(arg);
}

void rc_local_announce(rc_t *rc, int g)
{
    grt_t *G = &rc->grp[g];
    for (int i = 0; i < G->n_members; i++) {
        rrt_t *R = &rc->rsc[G->members[i]];
        if (!R->type || !R->type->announce || R->state != CLP__GROUP_STATE__GROUP_ONLINE) {
            continue;
        }
        rchild_t *j = xcalloc(1, sizeof(*j));
        j->rc = rc;
        j->r = G->members[i];
        rsc_ctx_init(&j->ctx, rc->c->conf, rc->c->self, rc->c->d->root, R->conf, G->conf);
        if (!child_run_fn(rc->c->d->base, announce_body, j, 5000, NULL, on_announce_done, j)) {
            free(j);
        }
    }
}

/* ---- reporting to the master ---- */

void rc_report(rc_t *rc, int g, Clp__GroupEvent__Kind kind, bool ok, const char *msg,
               const char *resource)
{
    core_t *c = rc->c;
    grt_t *G = &rc->grp[g];
    Clp__GroupEvent ev = CLP__GROUP_EVENT__INIT;
    ev.kind = kind;
    ev.group = (char *)G->conf->name;
    ev.op_id = G->op_id;
    ev.ok = ok;
    ev.message = (char *)(msg ? msg : "");
    ev.resource = (char *)(resource ? resource : "");
    /* The server that commanded the operation tracks it; else the master. */
    int m = G->op_origin >= 0 && nm_peer_state(c->nm, G->op_origin) == NM_PEER_UP
                ? G->op_origin
                : nm_master(c->nm);
    /* A commander only suspected lost (its resolution pending) may well be
     * back in a moment: it gets the answer too (a master tracking no such
     * operation ignores it). NEED_FAILOVER asks for a decision, from one
     * master only. */
    if (kind == CLP__GROUP_EVENT__KIND__DONE && G->op_origin >= 0 && G->op_origin != m &&
        G->op_origin != c->self && nm_peer_state(c->nm, G->op_origin) == NM_PEER_SUSPECT) {
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_EVENT;
        env.group_event = &ev;
        (void)peer_send(c->peer, G->op_origin, &env);
    }
    if (m == c->self) {
        rc_master_on_event(rc, c->self, &ev);
        return;
    }
    if (m < 0) {
        if (kind == CLP__GROUP_EVENT__KIND__NEED_FAILOVER) {
            rc_local_no_failover(rc, g);
        }
        return;
    }
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_EVENT;
    env.group_event = &ev;
    if (peer_send(c->peer, m, &env) < 0 && kind == CLP__GROUP_EVENT__KIND__NEED_FAILOVER) {
        rc_local_no_failover(rc, g);
    }
}

/* ---- entry points ---- */

int rc_init(core_t *c)
{
    rc_t *rc = xcalloc(1, sizeof(*rc));
    c->rc = rc;
    rc->c = c;
    rc->n_rsc = c->conf->n_resources;
    rc->n_grp = c->conf->n_groups;
    rc->rsc = xcalloc(rc->n_rsc + 1, sizeof(*rc->rsc));
    rc->grp = xcalloc(rc->n_grp + 1, sizeof(*rc->grp));
    rc->next_op_id = clp_wall_ms() << 8;
    rc->briefs = xcalloc(rc->n_grp + 1, sizeof(*rc->briefs));
    rc->brief_ptrs = xcalloc(rc->n_grp + 1, sizeof(*rc->brief_ptrs));
    for (size_t i = 0; i < rc->n_rsc; i++) {
        rrt_t *R = &rc->rsc[i];
        R->conf = &c->conf->resources[i];
        R->type = R->conf->supported ? rsc_type(R->conf->type) : NULL;
        R->group = rc_group_index(c, R->conf->group);
    }
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        G->conf = &c->conf->groups[g];
        G->index = (int)g;
        G->failed_member = -1;
        G->scope = ~0ull;
        G->members = xcalloc(G->conf->n_resources + 1, sizeof(int));
        for (size_t k = 0; k < G->conf->n_resources; k++) {
            for (size_t i = 0; i < rc->n_rsc; i++) {
                if (strcmp(rc->rsc[i].conf->name, G->conf->resources[k]) == 0) {
                    G->members[G->n_members++] = (int)i;
                }
            }
        }
        build_deps(rc, G);
    }
    rc_persist_recover(rc);
    return 0;
}

void rc_fini(core_t *c)
{
    rc_t *rc = RC(c);
    if (!rc) {
        return;
    }
    rc_master_cleanup(rc);
    for (size_t i = 0; i < rc->n_rsc; i++) {
        child_abandon(rc->rsc[i].child);
    }
    for (size_t g = 0; g < rc->n_grp; g++) {
        free(rc->grp[g].members);
    }
    free(rc->briefs);
    free(rc->brief_ptrs);
    free(rc->rsc);
    free(rc->grp);
    free(rc);
    c->rc = NULL;
}

int rc_group_index(core_t *c, const char *group)
{
    for (size_t g = 0; g < c->conf->n_groups; g++) {
        if (strcmp(c->conf->groups[g].name, group) == 0) {
            return (int)g;
        }
    }
    return -1;
}

void rc_fill_briefs(core_t *c, Clp__Heartbeat *msg)
{
    rc_t *rc = RC(c);
    size_t n = 0;
    for (size_t g = 0; g < rc->n_grp; g++) {
        if (rc->grp[g].local == CLP__GROUP_STATE__GROUP_OFFLINE && !rc->grp[g].lost) {
            continue;
        }
        clp__group_brief__init(&rc->briefs[n]);
        rc->briefs[n].index = (uint32_t)g;
        rc->briefs[n].state = rc->grp[g].probing &&
                                      rc->grp[g].local == CLP__GROUP_STATE__GROUP_ONLINE
                                  ? CLP__GROUP_STATE__GROUP_ONLINE_PENDING
                                  : rc->grp[g].local;
        rc->briefs[n].lost = rc->grp[g].lost;
        rc->brief_ptrs[n] = &rc->briefs[n];
        n++;
    }
    msg->n_groups = n;
    msg->groups = rc->brief_ptrs;
}

void rc_note_briefs(core_t *c, int server, uint64_t incarnation, const Clp__Heartbeat *hb)
{
    rc_t *rc = RC(c);
    bool changed = false;
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        Clp__GroupState s = CLP__GROUP_STATE__GROUP_OFFLINE;
        bool lost = false;
        for (size_t i = 0; i < hb->n_groups; i++) {
            if (hb->groups[i]->index == g) {
                s = hb->groups[i]->state;
                lost = hb->groups[i]->lost;
            }
        }
        if (G->at[server] != s) {
            G->at[server] = s;
            changed = true;
        }
        uint64_t bit = 1ull << server;
        if (lost != ((G->lost_at & bit) != 0)) {
            G->lost_at = lost ? G->lost_at | bit : G->lost_at & ~bit;
            changed = true;
        }
        /* Once it is active again somewhere, it is no longer lost here. */
        if (G->lost && s != CLP__GROUP_STATE__GROUP_OFFLINE) {
            G->lost = false;
            changed = true;
        }
    }
    if (changed) {
        core_state_changed(c);
    }
}

/* A server is up again (started, or back after a partition). Its side may
 * have run some of this server's groups meanwhile and stopped them the moment
 * it saw them here (rc 92 on its side only, before its first beat reached
 * this server): hosts that learnt the other holder's MAC would keep it until
 * their ARP entry expires. So this server announces again the addresses of
 * the groups it holds and the returning server does not (a group both hold
 * is the dual activation rc_tick resolves, announcing on the keeper). */
void rc_server_up(core_t *c, int server)
{
    rc_t *rc = RC(c);
    for (size_t g = 0; g < rc->n_grp; g++) {
        const grt_t *G = &rc->grp[g];
        if (G->local == CLP__GROUP_STATE__GROUP_ONLINE && !rc->stopping &&
            G->at[server] != CLP__GROUP_STATE__GROUP_ONLINE) {
            rc_local_announce(rc, (int)g);
        }
    }
    rc_master_server_up(rc, server);
}

void rc_server_down(core_t *c, int server)
{
    rc_t *rc = RC(c);
    rc->down_ok |= 1ull << server;
    rc_master_server_gone(rc, server);
}

void rc_cluster_formed(core_t *c, bool joined)
{
    rc_t *rc = RC(c);
    rc->formed = true;
    /* Whoever is master does it, once per cluster start: a server joining a
     * cluster that has done it learns so from the heartbeats. */
    rc->autostart_pending = !rc->autostarted;
}

bool rc_autostarted(core_t *c)
{
    return RC(c)->autostarted;
}

void rc_note_autostarted(core_t *c)
{
    rc_t *rc = RC(c);
    if (!rc->autostarted) {
        rc->autostarted = true;
        rc->autostart_pending = false;
    }
}

void rc_master_changed(core_t *c, int master)
{
    rc_t *rc = RC(c);
    rc->master_since = master == c->self ? clp_mono_ms() : 0;
}

bool rc_resource_online_here(core_t *c, const char *resource)
{
    rc_t *rc = RC(c);
    for (size_t i = 0; i < rc->n_rsc; i++) {
        if (strcmp(rc->rsc[i].conf->name, resource) == 0) {
            return rc->rsc[i].state == CLP__GROUP_STATE__GROUP_ONLINE &&
                   rc->grp[rc->rsc[i].group].local == CLP__GROUP_STATE__GROUP_ONLINE;
        }
    }
    return false;
}

bool rc_group_online_here(core_t *c, const char *group)
{
    int g = rc_group_index(c, group);
    return g >= 0 && RC(c)->grp[g].local == CLP__GROUP_STATE__GROUP_ONLINE;
}

bool rc_group_busy_here(core_t *c, int g)
{
    return g >= 0 && (size_t)g < RC(c)->n_grp && rc_group_busy_locally(RC(c), g);
}

void rc_set_restricted(core_t *c, int g, int server, bool restricted)
{
    rc_t *rc = RC(c);
    if (g < 0 || (size_t)g >= rc->n_grp) {
        return;
    }
    if (restricted) {
        rc->grp[g].restricted |= 1ull << server;
    } else {
        rc->grp[g].restricted &= ~(1ull << server);
    }
}

void rc_quick_fence(core_t *c)
{
    rc_t *rc = RC(c);
    if (!rc) {
        return;
    }
    for (size_t i = 0; i < rc->n_rsc; i++) {
        rrt_t *R = &rc->rsc[i];
        if (!R->type || !R->type->quick_fence || rc->grp[R->group].local == CLP__GROUP_STATE__GROUP_OFFLINE) {
            continue;
        }
        rsc_ctx_t ctx;
        rsc_ctx_init(&ctx, c->conf, c->self, c->d->root, R->conf, rc->grp[R->group].conf);
        R->type->quick_fence(&ctx);
    }
}

static void on_handoff_answer(void *arg, bool ok, const char *msg)
{
    grt_t *G = arg;
    if (ok) {
        return;
    }
    clp_warn("group %s: no failover while stopping this server (%s): stopping it here",
             G->conf->name, msg);
    G->handoff = false;
    rc_stop_groups(G->rc_core, false);
}

void rc_stop_groups(core_t *c, bool cluster_wide)
{
    rc_t *rc = RC(c);
    rc->stopping = true;
    rc->stop_cluster_wide = cluster_wide;
    bool busy = false;
    uint64_t others = nm_online_mask(c->nm) & ~(1ull << c->self);
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (G->local == CLP__GROUP_STATE__GROUP_OFFLINE && G->op == LOP_NONE) {
            G->handoff = false;
            continue;
        }
        busy = true;
        if (G->op == LOP_ACTIVATE) {
            /* Let the in-flight activation settle, then stop it. */
            G->stop_after = true;
            continue;
        }
        if (G->op == LOP_DEACTIVATE || G->handoff) {
            continue;
        }
        /* One server stopping: its groups fail over to the others (the stop
         * scripts see CLP_FACTOR=SERVERSHUTDOWN, the start scripts there
         * CLP_EVENT=FAILOVER). The whole cluster stopping: they just stop. */
        if (!cluster_wide && others && G->conf->failover_auto && nm_master(c->nm) >= 0) {
            G->handoff = true;
            G->rc_core = c;
            if (rc_request_handoff(c, G->conf->name, on_handoff_answer, G) == 0) {
                continue;
            }
            G->handoff = false;
        }
        rc_local_deactivate(rc, (int)g, cluster_wide ? "CLUSTERSHUTDOWN" : "SERVERSHUTDOWN", 0,
                            -1);
    }
    if (!busy) {
        core_groups_stopped(c);
    }
}

void rc_tick(core_t *c, uint64_t now)
{
    rc_t *rc = RC(c);
    conflicts_tick(rc, now);
    /* Activations waiting for a stale view (another server still reported as
     * holding the group) proceed once it clears, or fail after a while. */
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (G->op == LOP_ACTIVATE && G->want_failover) {
            continue;
        }
        /* Dual activation: this server and another one that is up both hold it. */
        if (G->local == CLP__GROUP_STATE__GROUP_ONLINE && !rc->stopping) {
            for (int k = 0; k < nm_n_servers(c->nm); k++) {
                if (k == c->self || nm_peer_state(c->nm, k) != NM_PEER_UP ||
                    G->at[k] != CLP__GROUP_STATE__GROUP_ONLINE) {
                    continue;
                }
                if (!((G->dual_alerted >> k) & 1u)) {
                    G->dual_alerted |= 1ull << k;
                    CLP_ALERT(c->d->ev, "rc", 92, G->conf->name);
                    int mine = place_policy_rank(c->conf, (int)g, c->self);
                    int theirs = place_policy_rank(c->conf, (int)g, k);
                    bool keep = mine >= 0 && (theirs < 0 || mine < theirs ||
                                              (mine == theirs && c->self < k));
                    if (keep) {
                        clp_warn("group %s is also online on %s: keeping it here, announcing "
                                 "its addresses",
                                 G->conf->name, c->conf->servers[k].name);
                        rc_local_announce(rc, (int)g);
                    } else {
                        clp_warn("group %s is also online on %s, which has priority: stopping "
                                 "it here",
                                 G->conf->name, c->conf->servers[k].name);
                        rc_local_deactivate(rc, (int)g, "GROUPSTOP", 0, -1);
                    }
                }
            }
        } else if (G->dual_alerted && G->local == CLP__GROUP_STATE__GROUP_ONLINE) {
            G->dual_alerted = 0;
        }
        if (G->local == CLP__GROUP_STATE__GROUP_OFFLINE && G->dual_alerted) {
            G->dual_alerted = 0;
        }
    }
    /* The keeper re-announces once the other side has let go. */
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (G->dual_alerted && G->local == CLP__GROUP_STATE__GROUP_ONLINE) {
            bool still = false;
            for (int k = 0; k < nm_n_servers(c->nm); k++) {
                if (((G->dual_alerted >> k) & 1u) && G->at[k] == CLP__GROUP_STATE__GROUP_ONLINE) {
                    still = true;
                }
            }
            if (!still) {
                rc_local_announce(rc, (int)g);
                G->dual_alerted = 0;
            }
        }
    }
    if (rc_is_master(rc)) {
        rc_master_tick(rc, now);
    }
    rc_deferred_tick(rc, now);
}

/* ---- NodeState and view ---- */

void rc_fill_node_state(core_t *c, Clp__NodeState *ns)
{
    rc_t *rc = RC(c);
    ns->n_groups = rc->n_grp;
    ns->groups = xcalloc(rc->n_grp + 1, sizeof(*ns->groups));
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        Clp__GroupStatus *gs = xcalloc(1, sizeof(*gs));
        clp__group_status__init(gs);
        gs->name = (char *)G->conf->name;
        gs->state = G->local;
        gs->since_wall_ms = G->since_wall;
        gs->last_event = G->event;
        gs->n_resources = (size_t)G->n_members;
        gs->resources = xcalloc((size_t)G->n_members + 1, sizeof(*gs->resources));
        for (int i = 0; i < G->n_members; i++) {
            rrt_t *R = &rc->rsc[G->members[i]];
            Clp__ResourceStatus *rs = xcalloc(1, sizeof(*rs));
            clp__resource_status__init(rs);
            rs->name = (char *)R->conf->name;
            rs->state = R->state;
            rs->message = R->msg;
            gs->resources[i] = rs;
        }
        ns->groups[g] = gs;
    }
}

void rc_free_node_state(Clp__NodeState *ns)
{
    for (size_t g = 0; g < ns->n_groups; g++) {
        for (size_t i = 0; i < ns->groups[g]->n_resources; i++) {
            free(ns->groups[g]->resources[i]);
        }
        free(ns->groups[g]->resources);
        free(ns->groups[g]);
    }
    free(ns->groups);
    ns->groups = NULL;
    ns->n_groups = 0;
}

static Clp__GroupState overall(const Clp__GroupState *at, int n, uint64_t up, int *current)
{
    static const int rank[] = {
        [CLP__GROUP_STATE__GROUP_OFFLINE] = 0,         [CLP__GROUP_STATE__GROUP_ONLINE_PENDING] = 4,
        [CLP__GROUP_STATE__GROUP_ONLINE] = 5,          [CLP__GROUP_STATE__GROUP_OFFLINE_PENDING] = 3,
        [CLP__GROUP_STATE__GROUP_ONLINE_FAILURE] = 6,  [CLP__GROUP_STATE__GROUP_OFFLINE_FAILURE] = 2,
        [CLP__GROUP_STATE__GROUP_UNKNOWN] = 1,
    };
    Clp__GroupState best = CLP__GROUP_STATE__GROUP_OFFLINE;
    *current = -1;
    for (int k = 0; k < n; k++) {
        if (!((up >> k) & 1u)) {
            continue;
        }
        Clp__GroupState s = at[k];
        if ((unsigned)s > CLP__GROUP_STATE__GROUP_UNKNOWN) {
            continue;
        }
        if (rank[s] > rank[best]) {
            best = s;
            *current = s == CLP__GROUP_STATE__GROUP_OFFLINE ? -1 : k;
        }
    }
    return best;
}

void rc_fill_view(core_t *c, Clp__ClusterStatus *st)
{
    rc_t *rc = RC(c);
    int n = nm_n_servers(c->nm);
    uint64_t up = nm_up_mask(c->nm);
    st->n_groups = rc->n_grp;
    st->groups = xcalloc(rc->n_grp + 1, sizeof(*st->groups));
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        Clp__GroupView *gv = xcalloc(1, sizeof(*gv));
        clp__group_view__init(gv);
        gv->name = (char *)G->conf->name;
        gv->type = (char *)(G->conf->type[0] ? G->conf->type : "failover");
        int cur;
        G->at[c->self] = G->local;
        gv->state = overall(G->at, n, up, &cur);
        gv->current = cur >= 0 ? (char *)c->conf->servers[cur].name : "";
        gv->operation = G->mop ? "busy" : "";
        gv->n_per_server = (size_t)n;
        gv->per_server = xcalloc((size_t)n + 1, sizeof(*gv->per_server));
        for (int k = 0; k < n; k++) {
            Clp__ServerGroupState *ps = xcalloc(1, sizeof(*ps));
            clp__server_group_state__init(ps);
            ps->server = (char *)c->conf->servers[k].name;
            ps->state = ((up >> k) & 1u) ? G->at[k] : CLP__GROUP_STATE__GROUP_OFFLINE;
            gv->per_server[k] = ps;
        }
        gv->n_resources = (size_t)G->n_members;
        gv->resources = xcalloc((size_t)G->n_members + 1, sizeof(*gv->resources));
        for (int i = 0; i < G->n_members; i++) {
            rrt_t *R = &rc->rsc[G->members[i]];
            Clp__ResourceView *rv = xcalloc(1, sizeof(*rv));
            clp__resource_view__init(rv);
            rv->name = (char *)R->conf->name;
            rv->type = (char *)R->conf->type;
            rv->state = CLP__GROUP_STATE__GROUP_OFFLINE;
            rv->current = "";
            rv->message = "";
            if (cur == c->self) {
                rv->state = R->state;
                rv->current = gv->current;
                rv->message = R->msg;
            } else if (cur >= 0) {
                const Clp__NodeState *ns = peer_state(c->peer, cur, NULL);
                for (size_t x = 0; ns && x < ns->n_groups; x++) {
                    if (strcmp(ns->groups[x]->name, G->conf->name) != 0) {
                        continue;
                    }
                    for (size_t y = 0; y < ns->groups[x]->n_resources; y++) {
                        if (strcmp(ns->groups[x]->resources[y]->name, R->conf->name) == 0) {
                            rv->state = ns->groups[x]->resources[y]->state;
                            rv->message = ns->groups[x]->resources[y]->message;
                        }
                    }
                }
                rv->current = gv->current;
            }
            gv->resources[i] = rv;
        }
        st->groups[g] = gv;
    }
}

void rc_free_view(Clp__ClusterStatus *st)
{
    for (size_t g = 0; g < st->n_groups; g++) {
        Clp__GroupView *gv = st->groups[g];
        for (size_t k = 0; k < gv->n_per_server; k++) {
            free(gv->per_server[k]);
        }
        free(gv->per_server);
        for (size_t i = 0; i < gv->n_resources; i++) {
            free(gv->resources[i]);
        }
        free(gv->resources);
        free(gv);
    }
    free(st->groups);
    st->groups = NULL;
    st->n_groups = 0;
}

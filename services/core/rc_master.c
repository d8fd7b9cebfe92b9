/*
 * rc_master: group decisions, taken on the master server only, one operation
 * per group at a time; and the request handling that brings every request to
 * the master and every command from it to its target.
 */
#define CLP_LOG_TAG "rc.master"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "confgen.h"
#include "peer.h"
#include "placement.h"
#include "rc_int.h"
#include "rm.h"

#define FORWARD_TIMEOUT_MS 10000

bool rc_is_master(const rc_t *rc)
{
    return nm_master(rc->c->nm) == rc->c->self;
}

static const char *sname(const rc_t *rc, int s)
{
    return s >= 0 ? rc->c->conf->servers[s].name : "none";
}

static bool holding(Clp__GroupState s)
{
    return s == CLP__GROUP_STATE__GROUP_ONLINE || s == CLP__GROUP_STATE__GROUP_ONLINE_PENDING ||
           s == CLP__GROUP_STATE__GROUP_ONLINE_FAILURE ||
           s == CLP__GROUP_STATE__GROUP_OFFLINE_PENDING;
}

int rc_where(const rc_t *rc, int g)
{
    const grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    if (G->mop && G->mop->phase == 1 && G->mop->target >= 0) {
        return G->mop->target;
    }
    uint64_t up = nm_up_mask(c->nm);
    for (int k = 0; k < nm_n_servers(c->nm); k++) {
        Clp__GroupState s = k == c->self ? G->local : G->at[k];
        if (((up >> k) & 1u) && holding(s)) {
            return k;
        }
    }
    return -1;
}

/* A lost server that still holds g until its takeover: counts as "where". */
static int holder_including_down(const rc_t *rc, int g)
{
    int w = rc_where(rc, g);
    if (w >= 0) {
        return w;
    }
    const grt_t *G = &rc->grp[g];
    for (int k = 0; k < nm_n_servers(rc->c->nm); k++) {
        if (k != rc->c->self && holding(G->at[k])) {
            return k;
        }
    }
    return -1;
}

static void make_input(rc_t *rc, place_input_t *in, int *where, uint64_t *restr)
{
    for (size_t g = 0; g < rc->n_grp; g++) {
        where[g] = rc_where(rc, (int)g);
        restr[g] = rc->grp[g].restricted | rm_restricted_servers(rc->c, (int)g);
    }
    in->conf = rc->c->conf;
    in->online = nm_online_mask(rc->c->nm);
    in->where = where;
    in->restrict_mask = restr;
}

static void place(rc_t *rc, int g, int prev, uint64_t exclude, place_mode_t mode, bool force,
                  place_result_t *out)
{
    int *where = xcalloc(rc->n_grp + 1, sizeof(int));
    uint64_t *restr = xcalloc(rc->n_grp + 1, sizeof(uint64_t));
    place_input_t in;
    make_input(rc, &in, where, restr);
    place_group(&in, g, prev, exclude, mode, force, out);
    free(where);
    free(restr);
}

static bool allowed(rc_t *rc, int g, int s, bool force, char *why, size_t n)
{
    int *where = xcalloc(rc->n_grp + 1, sizeof(int));
    uint64_t *restr = xcalloc(rc->n_grp + 1, sizeof(uint64_t));
    place_input_t in;
    make_input(rc, &in, where, restr);
    bool ok = place_allowed(&in, g, s, force, force, why, n);
    free(where);
    free(restr);
    return ok;
}

/* ---- commands to targets ---- */

static void send_command_r(rc_t *rc, int target, Clp__GroupCommand__Action action, int g,
                           const char *event, const char *factor, uint64_t op_id,
                           const char *prev, const char *resource)
{
    mop_t *op = rc->grp[g].mop;
    bool fresh = op && (op->kind == M_START || op->kind == M_MOVE || op->kind == M_FAILBACK);
    core_t *c = rc->c;
    grt_t *G = &rc->grp[g];
    if (target == c->self) {
        switch (action) {
        case CLP__GROUP_COMMAND__ACTION__DEACTIVATE_RESOURCE:
            rc_local_deactivate_resource(rc, g, resource, factor, prev && strcmp(prev, "force") == 0,
                                         op_id, c->self);
            break;
        case CLP__GROUP_COMMAND__ACTION__ACTIVATE_RESOURCE:
            rc_local_activate_resource(rc, g, resource, prev && strcmp(prev, "force") == 0,
                                       op_id, c->self);
            break;
        case CLP__GROUP_COMMAND__ACTION__ACTIVATE:
            rc_local_activate(rc, g, event, op_id, prev, c->self, fresh);
            break;
        case CLP__GROUP_COMMAND__ACTION__DEACTIVATE:
            rc_local_deactivate(rc, g, factor, op_id, c->self);
            break;
        case CLP__GROUP_COMMAND__ACTION__NO_FAILOVER:
            rc_local_no_failover(rc, g);
            break;
        case CLP__GROUP_COMMAND__ACTION__ANNOUNCE:
            rc_local_announce(rc, g);
            break;
        default:
            break;
        }
        return;
    }
    Clp__GroupCommand cmd = CLP__GROUP_COMMAND__INIT;
    cmd.action = action;
    cmd.group = (char *)G->conf->name;
    cmd.event = (char *)(event ? event : "");
    cmd.factor = (char *)(factor ? factor : "");
    cmd.op_id = op_id;
    cmd.requester = (char *)(prev ? prev : "");
    cmd.resource = (char *)(resource ? resource : "");
    cmd.fresh = fresh;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_COMMAND;
    env.group_command = &cmd;
    if (peer_send(c->peer, target, &env) < 0) {
        clp_error("group %s: cannot reach server %s for the command", G->conf->name,
                  sname(rc, target));
    }
}

static void send_command(rc_t *rc, int target, Clp__GroupCommand__Action action, int g,
                         const char *event, const char *factor, uint64_t op_id, const char *prev)
{
    send_command_r(rc, target, action, g, event, factor, op_id, prev, NULL);
}

/* ---- operations ---- */

static void op_reply(clp_srv_req_t *req, bool ok, const char *msg, const char *group,
                     const char *server)
{
    if (!req) {
        return;
    }
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GroupReply gr = CLP__GROUP_REPLY__INIT;
    Clp__GroupResult res = CLP__GROUP_RESULT__INIT;
    Clp__GroupResult *pres = &res;
    res.group = (char *)group;
    res.ok = ok;
    res.message = (char *)msg;
    res.server = (char *)(server ? server : "");
    gr.ok = ok;
    gr.message = (char *)msg;
    gr.n_results = 1;
    gr.results = &pres;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REPLY;
    rep.group_reply = &gr;
    clp_srv_reply(req, &rep);
}

static const unsigned op_alerts[][3] = {
    [M_RSC_START] = {83, 84, 85},    [M_RSC_STOP] = {87, 88, 89},
    [M_START] = {0, 0, 0},           [M_STOP] = {0, 0, 0},       [M_MOVE] = {50, 51, 52},
    [M_FAILOVER] = {60, 61, 62},     [M_RESTART] = {70, 71, 72}, [M_TAKEOVER] = {60, 61, 62},
    [M_FAILBACK] = {74, 75, 76},
};

static void finish_op(rc_t *rc, int g, bool ok, const char *msg)
{
    grt_t *G = &rc->grp[g];
    mop_t *m = G->mop;
    if (!m) {
        return;
    }
    core_t *c = rc->c;
    if (m->kind == M_RESTART && m->resource[0]) {
        CLP_ALERT(c->d->ev, "rc", ok ? 81 : 82, m->resource);
    } else if (m->kind == M_RSC_START || m->kind == M_RSC_STOP) {
        CLP_ALERT(c->d->ev, "rc", ok ? op_alerts[m->kind][1] : op_alerts[m->kind][2],
                  m->resource);
    } else if (op_alerts[m->kind][1]) {
        CLP_ALERT(c->d->ev, "rc", ok ? op_alerts[m->kind][1] : op_alerts[m->kind][2],
                  G->conf->name);
    }
    if (m->kind == M_FAILOVER || m->kind == M_TAKEOVER) {
        rc->n_failovers++;
    }
    clp_info("group %s: operation %d %s (%s)", G->conf->name, (int)m->kind,
             ok ? "completed" : "failed", msg && msg[0] ? msg : "-");
    op_reply(m->waiter, ok, msg && msg[0] ? msg : (ok ? "Command succeeded." : "failed"),
             G->conf->name, sname(rc, m->target));
    free(m);
    G->mop = NULL;
}

static uint64_t new_op_id(rc_t *rc)
{
    return ++rc->next_op_id;
}

/* Chooses the destination (or validates the requested one) and starts the
 * activation phase. Returns false when there is none (op finished). */
static bool start_phase1(rc_t *rc, int g, int requested)
{
    grt_t *G = &rc->grp[g];
    mop_t *m = G->mop;
    core_t *c = rc->c;
    char why[200];
    int dest = requested;
    if (dest >= 0) {
        /* A restart in place (a monitor's reactivation) is no new placement:
         * the monitor error that asked for it restricts this server as a
         * destination, not the recovery of what already runs there. */
        if (!allowed(rc, g, dest, m->force || m->kind == M_RESTART, why, sizeof(why))) {
            CLP_ALERT(c->d->ev, "rc", 63, sname(rc, dest), G->conf->name);
            finish_op(rc, g, false, why);
            return false;
        }
    } else {
        place_result_t res;
        place_mode_t mode = m->kind == M_START ? PLACE_START : PLACE_FAILOVER;
        place(rc, g, m->source, m->exclude, mode, m->force, &res);
        if (res.server < 0) {
            CLP_ALERT(c->d->ev, "rc", 65, G->conf->name, res.reason);
            finish_op(rc, g, false, res.reason);
            return false;
        }
        dest = res.server;
        const char *sg = m->source >= 0 ? c->conf->servers[m->source].servergroup : "";
        if (res.same_sg) {
            CLP_ALERT(c->d->ev, "rc", 67, sname(rc, dest), sg, G->conf->name);
        } else if (res.other_sg) {
            CLP_ALERT(c->d->ev, "rc", 68, sname(rc, dest), sg, G->conf->name);
        } else {
            CLP_ALERT(c->d->ev, "rc", 64, sname(rc, dest), G->conf->name, res.reason);
        }
    }
    m->target = dest;
    m->phase = 1;
    m->shown_since = 0;
    m->op_id = new_op_id(rc);
    const char *event = (m->kind == M_FAILOVER || m->kind == M_TAKEOVER) ? "FAILOVER" : "START";
    send_command(rc, dest, CLP__GROUP_COMMAND__ACTION__ACTIVATE, g, event, NULL, m->op_id,
                 m->source >= 0 ? sname(rc, m->source) : NULL);
    return true;
}

static const char *stop_factor(mkind_t k)
{
    switch (k) {
    case M_MOVE:
    case M_FAILBACK:
        return "GROUPMOVE";
    case M_FAILOVER:
        return "GROUPFAILOVER";
    case M_RESTART:
        return "GROUPRESTART";
    default:
        return "GROUPSTOP";
    }
}

static mop_t *new_op(rc_t *rc, int g, mkind_t kind, int source, const char *requester,
                     bool force, clp_srv_req_t *waiter)
{
    mop_t *m = xcalloc(1, sizeof(*m));
    m->kind = kind;
    m->source = source;
    m->target = -1;
    m->force = force;
    m->waiter = waiter;
    m->started = clp_mono_ms();
    snprintf(m->requester, sizeof(m->requester), "%s", requester ? requester : "");
    rc->grp[g].mop = m;
    return m;
}

int rc_master_begin(rc_t *rc, int g, const Clp__GroupRequest *gr, clp_srv_req_t *waiter,
                    char *why, size_t n)
{
    grt_t *G = &rc->grp[g];
    core_t *c = rc->c;
    int target = -1;
    if (gr->target && gr->target[0]) {
        target = clp_conf_server_index(c->conf, gr->target);
        if (target < 0) {
            snprintf(why, n, "server %s is not defined in the configuration", gr->target);
            return -ENOENT;
        }
    }
    if (G->mop) {
        snprintf(why, n,
                 "group %s: another operation is in progress (started %" PRIu64
                 " ms ago by %s); try again when it has completed",
                 G->conf->name, clp_mono_ms() - G->mop->started,
                 G->mop->requester[0] ? G->mop->requester : "the cluster");
        return -EBUSY;
    }
    if (c->suspended) {
        snprintf(why, n, "the cluster is suspended: resume it first (clpcl --resume)");
        return -EAGAIN;
    }
    int where = holder_including_down(rc, g);
    switch (gr->op) {
    case CLP__GROUP_REQUEST__OP__START:
        if (where >= 0) {
            snprintf(why, n, "group %s is already active on %s", G->conf->name, sname(rc, where));
            return -EALREADY;
        }
        if (target >= 0) {
            if (!allowed(rc, g, target, gr->force, why, n)) {
                /* a start refused there (a monitor error, the policy, ...) */
                CLP_ALERT(c->d->ev, "rc", 66, sname(rc, target), G->conf->name, why);
                return -EPERM;
            }
        } else {
            place_result_t res;
            place(rc, g, -1, 0, PLACE_START, gr->force, &res);
            if (res.server < 0) {
                CLP_ALERT(c->d->ev, "rc", 65, G->conf->name, res.reason);
                snprintf(why, n, "there is no appropriate destination for group %s (%s)",
                         G->conf->name, res.reason);
                return -ENOENT;
            }
        }
        new_op(rc, g, M_START, -1, gr->requester, gr->force, waiter);
        start_phase1(rc, g, target);
        return 0;
    case CLP__GROUP_REQUEST__OP__STOP:
        if (where < 0) {
            snprintf(why, n, "group %s is not active", G->conf->name);
            return -EALREADY;
        }
        if (nm_peer_state(c->nm, where) != NM_PEER_UP) {
            snprintf(why, n, "group %s is on %s, which is not reachable", G->conf->name,
                     sname(rc, where));
            return -EHOSTUNREACH;
        }
        {
            mop_t *m = new_op(rc, g, M_STOP, where, gr->requester, gr->force, waiter);
            m->op_id = new_op_id(rc);
            send_command(rc, where, CLP__GROUP_COMMAND__ACTION__DEACTIVATE, g, NULL, "GROUPSTOP",
                         m->op_id, NULL);
        }
        return 0;
    case CLP__GROUP_REQUEST__OP__MOVE:
    case CLP__GROUP_REQUEST__OP__FAILOVER:
    case CLP__GROUP_REQUEST__OP__RESTART: {
        if (where < 0) {
            snprintf(why, n, "group %s is not active", G->conf->name);
            return -EALREADY;
        }
        if (nm_peer_state(c->nm, where) != NM_PEER_UP) {
            snprintf(why, n, "group %s is on %s, which is not reachable", G->conf->name,
                     sname(rc, where));
            return -EHOSTUNREACH;
        }
        mkind_t kind = gr->op == CLP__GROUP_REQUEST__OP__MOVE       ? M_MOVE
                       : gr->op == CLP__GROUP_REQUEST__OP__FAILOVER ? M_FAILOVER
                                                                    : M_RESTART;
        if (kind == M_RESTART) {
            target = where;
        } else if (target == where) {
            snprintf(why, n, "group %s is already active on %s", G->conf->name, sname(rc, where));
            return -EALREADY;
        }
        if (target >= 0 && kind != M_RESTART && !allowed(rc, g, target, gr->force, why, n)) {
            CLP_ALERT(c->d->ev, "rc", 63, sname(rc, target), G->conf->name);
            return -EPERM;
        }
        if (target < 0 && kind != M_RESTART) {
            place_result_t res;
            place(rc, g, where, 1ull << where, PLACE_FAILOVER, gr->force, &res);
            if (res.server < 0) {
                CLP_ALERT(c->d->ev, "rc", 65, G->conf->name, res.reason);
                snprintf(why, n, "there is no appropriate destination for group %s (%s)",
                         G->conf->name, res.reason);
                return -ENOENT;
            }
        }
        mop_t *m = new_op(rc, g, kind, where, gr->requester, gr->force, waiter);
        if (!(kind == M_RESTART && gr->resource && gr->resource[0]) && op_alerts[kind][0]) {
            CLP_ALERT(c->d->ev, "rc", op_alerts[kind][0], G->conf->name);
        }
        m->target = target;
        m->exclude = kind == M_RESTART ? 0 : 1ull << where;
        m->op_id = new_op_id(rc);
        if (kind == M_RESTART && gr->resource && gr->resource[0]) {
            snprintf(m->resource, sizeof(m->resource), "%s", gr->resource);
            send_command_r(rc, where, CLP__GROUP_COMMAND__ACTION__DEACTIVATE_RESOURCE, g, NULL,
                           "RESOURCERESTART", m->op_id, "force", gr->resource);
            return 0;
        }
        send_command(rc, where, CLP__GROUP_COMMAND__ACTION__DEACTIVATE, g, NULL,
                     gr->factor && gr->factor[0] ? gr->factor : stop_factor(kind), m->op_id,
                     NULL);
        return 0;
    }
    default:
        snprintf(why, n, "unknown group operation %d", (int)gr->op);
        return -EINVAL;
    }
}

void rc_master_on_event(rc_t *rc, int from, const Clp__GroupEvent *ev)
{
    int g = rc_group_index(rc->c, ev->group);
    if (g < 0) {
        return;
    }
    grt_t *G = &rc->grp[g];
    mop_t *m = G->mop;
    core_t *c = rc->c;
    if (ev->kind == CLP__GROUP_EVENT__KIND__NEED_FAILOVER) {
        /* Activation failed on `from` past its retries: another server? */
        if (!m) {
            m = new_op(rc, g, M_FAILOVER, from, "activation failure", false, NULL);
        }
        m->exclude |= 1ull << from;
        place_result_t res;
        place(rc, g, from, m->exclude, PLACE_FAILOVER, false, &res);
        if (res.server < 0) {
            send_command(rc, from, CLP__GROUP_COMMAND__ACTION__NO_FAILOVER, g, NULL, NULL,
                         ev->op_id, NULL);
            CLP_ALERT(c->d->ev, "rc", 206, G->conf->name);
            finish_op(rc, g, false, "no other server can run the group");
            return;
        }
        CLP_ALERT(c->d->ev, "rc", 201, G->conf->name, sname(rc, res.server), ev->resource);
        CLP_ALERT(c->d->ev, "rc", 60, G->conf->name);
        m->kind = M_FAILOVER;
        m->source = from;
        m->target = res.server;
        m->phase = 0;
        m->op_id = new_op_id(rc);
        send_command(rc, from, CLP__GROUP_COMMAND__ACTION__DEACTIVATE, g, NULL, "GROUPFAILOVER",
                     m->op_id, NULL);
        return;
    }
    if (!m || (ev->op_id && ev->op_id != m->op_id)) {
        return; /* an operation this master does not track (a previous master's) */
    }
    if (m->phase == 0) {
        if (m->kind == M_STOP) {
            finish_op(rc, g, ev->ok, ev->message);
            return;
        }
        if (!ev->ok) {
            finish_op(rc, g, false, "the group could not be stopped on its current server");
            return;
        }
        start_phase1(rc, g, m->target);
        return;
    }
    finish_op(rc, g, ev->ok, ev->message);
}

/* ---- periodic work on the master ---- */

static void takeover_orphans(rc_t *rc)
{
    core_t *c = rc->c;
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (G->mop) {
            continue;
        }
        for (int k = 0; k < nm_n_servers(c->nm); k++) {
            if (k == c->self || !holding(G->at[k]) || nm_peer_state(c->nm, k) == NM_PEER_UP) {
                continue;
            }
            if (!((rc->down_ok >> k) & 1u)) {
                continue; /* resolution or its grace is not over */
            }
            G->at[k] = CLP__GROUP_STATE__GROUP_OFFLINE;
            core_state_changed(c);
            if (c->cluster_stop || nm_peer_cluster_stop(c->nm, k)) {
                continue;
            }
            if (!G->conf->failover_auto) {
                clp_warn("group %s was on %s, which is down: not failed over (manual failover)",
                         G->conf->name, sname(rc, k));
                continue;
            }
            if (rc_where(rc, (int)g) >= 0) {
                continue;
            }
            mop_t *m = new_op(rc, (int)g, M_TAKEOVER, k, "server down", false, NULL);
            CLP_ALERT(c->d->ev, "rc", 60, G->conf->name);
            m->exclude = 1ull << k;
            start_phase1(rc, (int)g, -1);
        }
    }
}

/* What placement depends on, folded into one number: the servers online and
 * where every group runs. A failover that found no destination is tried again
 * only once this changes. */
static uint64_t placement_sig(const rc_t *rc)
{
    uint64_t h = 1469598103934665603ull ^ nm_online_mask(rc->c->nm);
    for (size_t g = 0; g < rc->n_grp; g++) {
        h = (h ^ (uint64_t)(rc_where(rc, (int)g) + 1)) * 1099511628211ull;
    }
    return h | 1u; /* never 0: 0 means "not blocked" */
}

/* Groups a restarted server found broken (and stopped): fail them over. */
static void takeover_lost(rc_t *rc)
{
    core_t *c = rc->c;
    uint64_t sig = 0;
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        uint64_t lost = G->lost_at | (G->lost ? 1ull << c->self : 0);
        if (!lost || G->mop || rc_where(rc, (int)g) >= 0 || !G->conf->failover_auto ||
            c->cluster_stop) {
            continue;
        }
        if (!sig) {
            sig = placement_sig(rc);
        }
        if (G->lost_blocked == sig) {
            continue;
        }
        int from = __builtin_ctzll(lost);
        clp_warn("group %s was lost on %s (its server restarted): failing it over", G->conf->name,
                 sname(rc, from));
        mop_t *m = new_op(rc, (int)g, M_TAKEOVER, from, "server restart", false, NULL);
        CLP_ALERT(c->d->ev, "rc", 60, G->conf->name);
        m->exclude = 1ull << from;
        G->lost_blocked = start_phase1(rc, (int)g, -1) ? 0 : placement_sig(rc);
    }
}

static void autostart(rc_t *rc, uint64_t now)
{
    core_t *c = rc->c;
    bool waiting = false;
    /* Servers heard but still finishing their own start-up wait will take
     * groups in a moment: place nothing before they can. */
    for (int k = 0; k < nm_n_servers(c->nm); k++) {
        if (k != c->self && nm_peer_state(c->nm, k) == NM_PEER_UP &&
            nm_peer_reported_state(c->nm, k) == CLP__SERVER_STATE__SERVER_STARTING) {
            return;
        }
    }
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (!G->conf->start_auto || G->autostart || G->mop ||
            holder_including_down(rc, (int)g) >= 0) {
            continue;
        }
        place_result_t res;
        place(rc, (int)g, -1, 0, PLACE_START, false, &res);
        if (res.server < 0) {
            if (strncmp(res.reason, "waiting for group", 17) == 0) {
                if (!G->autostart_since) {
                    G->autostart_since = now;
                    CLP_ALERT(c->d->ev, "rc", 15, G->conf->name);
                }
                if (now - G->autostart_since < (uint64_t)G->conf->act_dep_timeout_s * 1000u) {
                    waiting = true;
                    continue;
                }
                CLP_ALERT(c->d->ev, "rc", 17, G->conf->name);
            } else {
                CLP_ALERT(c->d->ev, "rc", 65, G->conf->name, res.reason);
            }
            G->autostart = true;
            continue;
        }
        G->autostart = true;
        if (G->autostart_since) {
            CLP_ALERT(c->d->ev, "rc", 16, G->conf->name);
        }
        new_op(rc, (int)g, M_START, -1, "cluster start", false, NULL);
        start_phase1(rc, (int)g, res.server);
    }
    rc->autostart_pending = waiting;
    if (!waiting) {
        rc->autostarted = true;
    }
}

/* A new master waits two heartbeat intervals before it decides anything: the
 * previous master's last commands have reached their targets by then and their
 * effects are in this server's view (state changes are announced at once). */
static bool settled(const rc_t *rc, uint64_t now)
{
    /* ...and while an up server runs another configuration generation, it
     * decides nothing: group indices and placement rules may differ there. */
    return rc->master_since && now - rc->master_since >= 2ull * nm_interval_ms(rc->c->nm) &&
           !confgen_blocked(rc->c);
}

/* Operations whose answer got lost: the server running the step reports the
 * group's state in its heartbeats and NodeState, so a step shown done there
 * (the group Offline after a stop, Online after a start) for two intervals
 * and a second without its GroupEvent is taken as done. An answer goes to the
 * server that commanded the step only while the sender counts it as up; one
 * sent during a brief loss of the commander went to the master of the
 * sender's view, which tracks no such operation, and the operation waited
 * for good with the group down everywhere (fault campaign seed 1130 step
 * 393). Resource-level operations are not visible in group states and are
 * left to their answers. */
static void reconcile_ops(rc_t *rc, uint64_t now)
{
    core_t *c = rc->c;
    uint64_t quiet = 2ull * nm_interval_ms(c->nm) + 1000;
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        mop_t *m = G->mop;
        if (!m || m->kind == M_RSC_START || m->kind == M_RSC_STOP ||
            (m->kind == M_RESTART && m->resource[0])) {
            continue;
        }
        int step = m->phase == 0 ? m->source : m->target;
        if (step < 0 || (step != c->self && nm_peer_state(c->nm, step) != NM_PEER_UP)) {
            m->shown_since = 0;
            continue;
        }
        Clp__GroupState want =
            m->phase == 0 ? CLP__GROUP_STATE__GROUP_OFFLINE : CLP__GROUP_STATE__GROUP_ONLINE;
        if (G->at[step] != want) {
            m->shown_since = 0;
            continue;
        }
        if (!m->shown_since) {
            m->shown_since = now;
            continue;
        }
        if (now - m->shown_since < quiet) {
            continue;
        }
        clp_warn("group %s: no answer from %s to operation %d, which reports the group %s: "
                 "taken as done",
                 G->conf->name, sname(rc, step), (int)m->kind, m->phase == 0 ? "Offline" : "Online");
        Clp__GroupEvent ev = CLP__GROUP_EVENT__INIT;
        ev.kind = CLP__GROUP_EVENT__KIND__DONE;
        ev.group = (char *)G->conf->name;
        ev.op_id = m->op_id;
        ev.ok = true;
        ev.message = "";
        rc_master_on_event(rc, step, &ev);
    }
}

void rc_master_tick(rc_t *rc, uint64_t now)
{
    core_t *c = rc->c;
    if (c->suspended || c->stopping || c->fenced || !settled(rc, now)) {
        return;
    }
    reconcile_ops(rc, now);
    takeover_orphans(rc);
    takeover_lost(rc);
    if (rc->autostart_pending && rc->formed) {
        autostart(rc, now);
    }
}

void rc_master_server_up(rc_t *rc, int server)
{
    rc->down_ok &= ~(1ull << server);
    if (!rc_is_master(rc) || rc->c->suspended || confgen_blocked(rc->c)) {
        return;
    }
    /* Failback: groups that prefer the returning server. */
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (!G->conf->failback_auto || G->mop) {
            continue;
        }
        int cur = rc_where(rc, (int)g);
        if (cur < 0) {
            continue;
        }
        place_result_t res;
        place(rc, (int)g, cur, 0, PLACE_FAILBACK, false, &res);
        if (res.server == server) {
            Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
            gr.op = CLP__GROUP_REQUEST__OP__MOVE;
            gr.target = (char *)rc->c->conf->servers[server].name;
            gr.requester = "failback";
            char why[200];
            if (rc_master_begin(rc, (int)g, &gr, NULL, why, sizeof(why)) == 0) {
                G->mop->kind = M_FAILBACK;
                CLP_ALERT(rc->c->d->ev, "rc", 74, G->conf->name);
            }
        }
    }
}

void rc_master_server_gone(rc_t *rc, int server)
{
    /* Operations whose current step runs on the lost server are over; the
     * takeover of what it held starts from the group states. */
    for (size_t g = 0; g < rc->n_grp; g++) {
        mop_t *m = rc->grp[g].mop;
        if (!m) {
            continue;
        }
        int step_server = m->phase == 0 ? m->source : m->target;
        if (step_server == server) {
            finish_op(rc, (int)g, false, "the server running the operation went down");
        }
    }
}

static void deferred_cleanup(rc_t *rc);

void rc_master_cleanup(rc_t *rc)
{
    deferred_cleanup(rc);
    /* Operations still running elsewhere finish there without this server: no
     * verdict (and no failure alert) is given for them here. */
    for (size_t g = 0; g < rc->n_grp; g++) {
        mop_t *m = rc->grp[g].mop;
        if (!m) {
            continue;
        }
        int step = m->phase == 0 ? m->source : m->target;
        clp_info("group %s: operation %d left to server %s as this service stops",
                 rc->grp[g].conf->name, (int)m->kind, sname(rc, step));
        op_reply(m->waiter, false,
                 "the cluster service stopped while the operation was in progress",
                 rc->grp[g].conf->name, sname(rc, step));
        free(m);
        rc->grp[g].mop = NULL;
    }
}

/* ---- requests ---- */

typedef struct {
    clp_srv_req_t *req;
} fwd_t;

static void on_forward_reply(void *arg, const Clp__Envelope *rep)
{
    fwd_t *f = arg;
    if (!rep) {
        clp_srv_reply_error(f->req, -ETIMEDOUT, "the master server did not answer in time");
    } else {
        clp_srv_reply(f->req, (Clp__Envelope *)rep);
    }
    free(f);
}

static void forward_to_master(core_t *c, clp_srv_req_t *req, Clp__Envelope *env, int timeout_ms)
{
    int m = nm_master(c->nm);
    if (m < 0) {
        clp_srv_reply_error(req, -EAGAIN, "the cluster is not running (no master server)");
        return;
    }
    fwd_t *f = xcalloc(1, sizeof(*f));
    f->req = req;
    if (peer_call(c->peer, m, env, timeout_ms, on_forward_reply, f) < 0) {
        free(f);
        clp_srv_reply_error(req, -EHOSTUNREACH, "the master server %s cannot be reached",
                            c->conf->servers[m].name);
    }
}

static void reply_many(clp_srv_req_t *req, Clp__GroupResult **res, size_t n)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GroupReply gr = CLP__GROUP_REPLY__INIT;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        ok = ok && res[i]->ok;
    }
    gr.ok = ok;
    gr.message = ok ? "Command succeeded." : "Command failed for some groups.";
    gr.n_results = n;
    gr.results = res;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REPLY;
    rep.group_reply = &gr;
    clp_srv_reply(req, &rep);
}

/* ---- requests held while no master has settled ----
 * Right after servers come up (or a master goes) there is, for a few heartbeat
 * intervals, no master that may decide. A request arriving then waits for one
 * instead of failing; it is answered with an error only if none settles. */

typedef struct deferred {
    struct deferred *next;
    clp_srv_req_t *req;
    Clp__Envelope *env; /* an owned copy of the request */
    uint64_t deadline;
} deferred_t;

static uint64_t defer_limit_ms(const rc_t *rc)
{
    return 8ull * nm_interval_ms(rc->c->nm) + 2000u;
}

/* A master exists and, if it is this server, it has settled. */
static bool master_ready(const rc_t *rc)
{
    int m = nm_master(rc->c->nm);
    return m >= 0 && (m != rc->c->self || settled(rc, clp_mono_ms()));
}

static void defer_request(rc_t *rc, clp_srv_req_t *req, const Clp__Envelope *env,
                          uint64_t deadline)
{
    size_t len = clp__envelope__get_packed_size(env);
    uint8_t *buf = xmalloc(len ? len : 1);
    clp__envelope__pack(env, buf);
    Clp__Envelope *copy = clp__envelope__unpack(NULL, len, buf);
    free(buf);
    if (!copy) {
        clp_srv_reply_error(req, -ENOMEM, "the request could not be held");
        return;
    }
    deferred_t *d = xcalloc(1, sizeof(*d));
    d->req = req;
    d->env = copy;
    d->deadline = deadline;
    deferred_t **pp = &rc->deferred;
    while (*pp) {
        pp = &(*pp)->next;
    }
    *pp = d;
}

static void dispatch_request(core_t *c, clp_srv_req_t *req, const Clp__Envelope *env);

void rc_deferred_tick(rc_t *rc, uint64_t now)
{
    if (!rc->deferred) {
        return;
    }
    bool ready = master_ready(rc);
    deferred_t *list = rc->deferred;
    rc->deferred = NULL;
    while (list) {
        deferred_t *d = list;
        list = d->next;
        if (ready) {
            dispatch_request(rc->c, d->req, d->env);
        } else if (now >= d->deadline) {
            clp_srv_reply_error(d->req, -EAGAIN, "%s",
                                confgen_blocked(rc->c)
                                    ? "servers run different configuration generations (a "
                                      "configuration push is being applied, or a server missed "
                                      "one): no group is placed until they agree; try again"
                                    : "the cluster has no master server yet (servers are still "
                                      "starting or one just went down); try again");
        } else {
            d->next = NULL;
            deferred_t **pp = &rc->deferred;
            while (*pp) {
                pp = &(*pp)->next;
            }
            *pp = d;
            continue;
        }
        clp__envelope__free_unpacked(d->env, NULL);
        free(d);
    }
}

static void deferred_cleanup(rc_t *rc)
{
    while (rc->deferred) {
        deferred_t *d = rc->deferred;
        rc->deferred = d->next;
        clp_srv_reply_error(d->req, -ESHUTDOWN, "the cluster service stopped");
        clp__envelope__free_unpacked(d->env, NULL);
        free(d);
    }
}

/* Holds the request when no master may decide yet; true when it was held. */
static bool held(rc_t *rc, clp_srv_req_t *req, const Clp__Envelope *env)
{
    if (master_ready(rc)) {
        return false;
    }
    defer_request(rc, req, env, clp_mono_ms() + defer_limit_ms(rc));
    return true;
}

/* A request only the master may decide: held while none has settled, sent on
 * to the master when it is another server. True when it was dealt with so. */
static bool not_for_here(rc_t *rc, clp_srv_req_t *req, Clp__Envelope *env, uint32_t wait_ms)
{
    if (held(rc, req, env)) {
        return true;
    }
    if (!rc_is_master(rc)) {
        forward_to_master(rc->c, req, env, (int)(wait_ms + FORWARD_TIMEOUT_MS + defer_limit_ms(rc)));
        return true;
    }
    return false;
}

void rc_handle_group_request(core_t *c, clp_srv_req_t *req, const Clp__GroupRequest *gr,
                             const char *sender)
{
    rc_t *rc = c->rc;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    env.group_request = (Clp__GroupRequest *)gr;
    if (not_for_here(rc, req, &env, gr->wait_ms)) {
        return;
    }
    char why[300];
    if (gr->group && gr->group[0]) {
        int g = rc_group_index(c, gr->group);
        if (g < 0) {
            clp_srv_reply_error(req, -ENOENT, "group %s is not defined in the configuration",
                                gr->group);
            return;
        }
        int rcode = rc_master_begin(rc, g, gr, gr->wait_ms ? req : NULL, why, sizeof(why));
        if (rcode < 0) {
            op_reply(req, false, why, gr->group, NULL);
        } else if (!gr->wait_ms) {
            op_reply(req, true, "Command succeeded.", gr->group, NULL);
        } else if (!rc->grp[g].mop) {
            /* finished at once (e.g. no destination): already replied */
        }
        return;
    }
    /* Every group: start the startable ones, stop those on the target (or all). */
    Clp__GroupResult **res = xcalloc(rc->n_grp + 1, sizeof(*res));
    size_t n = 0;
    int target = gr->target && gr->target[0] ? clp_conf_server_index(c->conf, gr->target) : -1;
    for (size_t g = 0; g < rc->n_grp; g++) {
        int where = rc_where(rc, (int)g);
        if (gr->op == CLP__GROUP_REQUEST__OP__START && where >= 0) {
            continue;
        }
        if (gr->op != CLP__GROUP_REQUEST__OP__START &&
            (where < 0 || (target >= 0 && where != target))) {
            continue;
        }
        Clp__GroupRequest one = *gr;
        one.group = (char *)rc->grp[g].conf->name;
        one.wait_ms = 0;
        if (gr->op == CLP__GROUP_REQUEST__OP__STOP) {
            one.target = "";
        }
        Clp__GroupResult *r = xcalloc(1, sizeof(*r));
        clp__group_result__init(r);
        r->group = (char *)rc->grp[g].conf->name;
        r->ok = rc_master_begin(rc, (int)g, &one, NULL, why, sizeof(why)) == 0;
        r->message = xstrdup(r->ok ? "Command succeeded." : why);
        r->server = "";
        res[n++] = r;
    }
    reply_many(req, res, n);
    for (size_t i = 0; i < n; i++) {
        free(res[i]->message);
        free(res[i]);
    }
    free(res);
}

void rc_handle_resource_request(core_t *c, clp_srv_req_t *req, const Clp__ResourceRequest *rr,
                                const char *sender)
{
    rc_t *rc = c->rc;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_RESOURCE_REQUEST;
    env.resource_request = (Clp__ResourceRequest *)rr;
    if (not_for_here(rc, req, &env, rr->wait_ms)) {
        return;
    }
    const clp_resource_t *res = clp_conf_resource(c->conf, rr->resource);
    if (!res) {
        clp_srv_reply_error(req, -ENOENT, "resource %s is not defined in the configuration",
                            rr->resource);
        return;
    }
    int g = rc_group_index(c, res->group);
    grt_t *G = &rc->grp[g];
    if (G->mop) {
        clp_srv_reply_error(req, -EBUSY,
                            "group %s: another operation is in progress; try again when it has "
                            "completed",
                            G->conf->name);
        return;
    }
    int where = rc_where(rc, g);
    int target = rr->target && rr->target[0] ? clp_conf_server_index(c->conf, rr->target) : -1;
    if (rr->target && rr->target[0] && target < 0) {
        clp_srv_reply_error(req, -ENOENT, "server %s is not defined in the configuration",
                            rr->target);
        return;
    }
    bool start = rr->op == CLP__RESOURCE_REQUEST__OP__START;
    if (!start && rr->op != CLP__RESOURCE_REQUEST__OP__STOP) {
        clp_srv_reply_error(req, -EINVAL, "unknown resource operation");
        return;
    }
    int server;
    if (where >= 0) {
        if (target >= 0 && target != where) {
            CLP_ALERT(c->d->ev, "rc", 86, c->conf->servers[target].name, rr->resource);
            clp_srv_reply_error(req, -EPERM, "group %s is active on %s: resource %s can only be "
                                "operated there", G->conf->name, c->conf->servers[where].name,
                                rr->resource);
            return;
        }
        server = where;
    } else if (!start) {
        clp_srv_reply_error(req, -EALREADY, "resource %s is not active", rr->resource);
        return;
    } else if (target >= 0) {
        char why[200];
        if (!allowed(rc, g, target, rr->force, why, sizeof(why))) {
            CLP_ALERT(c->d->ev, "rc", 86, c->conf->servers[target].name, rr->resource);
            clp_srv_reply_error(req, -EPERM, "%s", why);
            return;
        }
        server = target;
    } else {
        place_result_t res_pl;
        place(rc, g, -1, 0, PLACE_START, rr->force, &res_pl);
        if (res_pl.server < 0) {
            clp_srv_reply_error(req, -ENOENT, "no server can start resource %s (%s)", rr->resource,
                                res_pl.reason);
            return;
        }
        server = res_pl.server;
    }
    mop_t *m = new_op(rc, g, start ? M_RSC_START : M_RSC_STOP, server, rr->requester, rr->force,
                      rr->wait_ms ? req : NULL);
    snprintf(m->resource, sizeof(m->resource), "%s", rr->resource);
    m->target = server;
    m->phase = 1;
    m->op_id = new_op_id(rc);
    CLP_ALERT(c->d->ev, "rc", start ? 83 : 87, rr->resource);
    send_command_r(rc, server,
                   start ? CLP__GROUP_COMMAND__ACTION__ACTIVATE_RESOURCE
                         : CLP__GROUP_COMMAND__ACTION__DEACTIVATE_RESOURCE,
                   g, "START", start ? NULL : "RESOURCESTOP",
                   m->op_id, rr->force ? "force" : NULL, rr->resource);
    if (!rr->wait_ms) {
        op_reply(req, true, "Command succeeded.", G->conf->name, c->conf->servers[server].name);
    }
}

static void dispatch_request(core_t *c, clp_srv_req_t *req, const Clp__Envelope *env)
{
    if (env->payload_case == CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST) {
        rc_handle_group_request(c, req, env->group_request, env->sender);
    } else {
        rc_handle_resource_request(c, req, env->resource_request, env->sender);
    }
}

void rc_handle_group_command(core_t *c, clp_srv_req_t *req, const Clp__GroupCommand *cmd,
                             const char *sender)
{
    rc_t *rc = c->rc;
    int g = rc_group_index(c, cmd->group);
    if (req) {
        clp_srv_drop(req); /* commands are fire and forget; the outcome is a GroupEvent */
    }
    if (g < 0 || c->fenced) {
        return;
    }
    int origin = clp_conf_server_index(c->conf, sender);
    switch (cmd->action) {
    case CLP__GROUP_COMMAND__ACTION__ACTIVATE:
        rc_local_activate(rc, g, cmd->event, cmd->op_id, cmd->requester, origin, cmd->fresh);
        break;
    case CLP__GROUP_COMMAND__ACTION__DEACTIVATE:
        rc_local_deactivate(rc, g, cmd->factor, cmd->op_id, origin);
        break;
    case CLP__GROUP_COMMAND__ACTION__DEACTIVATE_RESOURCE:
        rc_local_deactivate_resource(rc, g, cmd->resource, cmd->factor,
                                     strcmp(cmd->requester, "force") == 0, cmd->op_id, origin);
        break;
    case CLP__GROUP_COMMAND__ACTION__ACTIVATE_RESOURCE:
        rc_local_activate_resource(rc, g, cmd->resource, strcmp(cmd->requester, "force") == 0,
                                   cmd->op_id, origin);
        break;
    case CLP__GROUP_COMMAND__ACTION__NO_FAILOVER:
        rc_local_no_failover(rc, g);
        break;
    case CLP__GROUP_COMMAND__ACTION__ANNOUNCE:
        rc_local_announce(rc, g);
        break;
    default:
        break;
    }
}

void rc_handle_group_event(core_t *c, clp_srv_req_t *req, const Clp__GroupEvent *ev,
                           const char *sender)
{
    if (req) {
        clp_srv_drop(req); /* fire and forget */
    }
    int from = clp_conf_server_index(c->conf, sender);
    int g = rc_group_index(c, ev->group);
    /* The master decides; a server that was master when it started an
     * operation still sees that operation through. */
    if (from < 0 || g < 0 || (!rc_is_master(c->rc) && !c->rc->grp[g].mop)) {
        return;
    }
    rc_master_on_event(c->rc, from, ev);
}

/* ---- recovery requests from monitors ---- */

typedef struct {
    rc_done_fn done;
    void *arg;
} rec_t;

static void on_recovery_reply(void *arg, const Clp__Envelope *rep)
{
    rec_t *r = arg;
    if (!rep) {
        r->done(r->arg, false, "the master server did not answer");
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_GROUP_REPLY) {
        r->done(r->arg, rep->group_reply->ok, rep->group_reply->message);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        r->done(r->arg, false, rep->error_reply->message);
    } else {
        r->done(r->arg, false, "unexpected reply");
    }
    free(r);
}

int rc_request_recovery(core_t *c, const char *group, const char *resource, bool failover,
                        const char *cause, rc_done_fn done, void *arg)
{
    rc_t *rc = c->rc;
    int g = rc_group_index(c, group);
    if (g < 0) {
        return -ENOENT;
    }
    Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
    gr.op = failover ? CLP__GROUP_REQUEST__OP__FAILOVER : CLP__GROUP_REQUEST__OP__RESTART;
    gr.group = (char *)group;
    gr.resource = (char *)(resource && !failover ? resource : "");
    gr.target = "";
    gr.requester = (char *)cause;
    if (rc_is_master(rc)) {
        char why[300];
        int rcode = rc_master_begin(rc, g, &gr, NULL, why, sizeof(why));
        done(arg, rcode == 0, rcode == 0 ? "accepted" : why);
        return 0;
    }
    int m = nm_master(c->nm);
    if (m < 0) {
        return -EAGAIN;
    }
    rec_t *r = xcalloc(1, sizeof(*r));
    r->done = done;
    r->arg = arg;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    env.group_request = &gr;
    int rcode = peer_call(c->peer, m, &env, FORWARD_TIMEOUT_MS, on_recovery_reply, r);
    if (rcode < 0) {
        free(r);
    }
    return rcode;
}

static void on_stop_answer(void *arg, bool ok, const char *msg)
{
    if (!ok) {
        clp_warn("stopping group %s was refused: %s", (const char *)arg, msg);
    }
}

int rc_request_stop(core_t *c, const char *group, const char *cause)
{
    int g = rc_group_index(c, group);
    if (g < 0) {
        return -ENOENT;
    }
    Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
    gr.op = CLP__GROUP_REQUEST__OP__STOP;
    gr.group = (char *)group;
    gr.target = "";
    gr.requester = (char *)cause;
    if (rc_is_master(c->rc)) {
        char why[300];
        int rcode = rc_master_begin(c->rc, g, &gr, NULL, why, sizeof(why));
        on_stop_answer((void *)c->conf->groups[g].name, rcode == 0, why);
        return 0;
    }
    int m = nm_master(c->nm);
    if (m < 0) {
        return -EAGAIN;
    }
    rec_t *r = xcalloc(1, sizeof(*r));
    r->done = on_stop_answer;
    r->arg = (void *)c->conf->groups[g].name;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    env.group_request = &gr;
    int rcode = peer_call(c->peer, m, &env, FORWARD_TIMEOUT_MS, on_recovery_reply, r);
    if (rcode < 0) {
        free(r);
    }
    return rcode;
}

int rc_request_handoff(core_t *c, const char *group, rc_done_fn done, void *arg)
{
    int g = rc_group_index(c, group);
    if (g < 0) {
        return -ENOENT;
    }
    Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
    gr.op = CLP__GROUP_REQUEST__OP__FAILOVER;
    gr.group = (char *)group;
    gr.target = "";
    gr.factor = "SERVERSHUTDOWN";
    gr.requester = "server shutdown";
    if (rc_is_master(c->rc)) {
        char why[300];
        int rcode = rc_master_begin(c->rc, g, &gr, NULL, why, sizeof(why));
        if (rcode < 0) {
            return rcode;
        }
        return 0;
    }
    int m = nm_master(c->nm);
    if (m < 0) {
        return -EAGAIN;
    }
    rec_t *r = xcalloc(1, sizeof(*r));
    r->done = done;
    r->arg = arg;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    env.group_request = &gr;
    int rcode = peer_call(c->peer, m, &env, FORWARD_TIMEOUT_MS, on_recovery_reply, r);
    if (rcode < 0) {
        free(r);
    }
    return rcode;
}

/*
 * core: lifecycle, the tick, heartbeat contents, and what membership events
 * lead to (alerts, network-partition resolution, fencing, takeover).
 */
#define CLP_LOG_TAG "core"
#include "core.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "clp_log.h"
#include "clp_paths.h"
#include "confgen.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "peer.h"
#include "rc.h"
#include "rm.h"
#include "view.h"

#define PUBLISH_EVERY_MS 2000
#define MAX_EVENTS 256

static uint64_t now_ms(void)
{
    return clp_mono_ms();
}

Clp__ServerState core_local_state(const core_t *c)
{
    return nm_local_state(c->nm);
}

static void set_local_state(core_t *c, Clp__ServerState s)
{
    if (nm_local_state(c->nm) != s) {
        nm_set_local_state(c->nm, s);
        core_state_changed(c);
        hb_send_now(c->hb);
    }
}

void core_state_changed(core_t *c)
{
    c->state_version++;
}

/* ---- heartbeats ---- */

static void hb_build(void *arg, int path, bool compact, Clp__Heartbeat *msg)
{
    core_t *c = arg;
    static uint32_t ages[NM_MAX_SERVERS];
    uint64_t now = now_ms();
    int n = nm_n_servers(c->nm);
    for (int k = 0; k < n; k++) {
        ages[k] = nm_age_ms(c->nm, k, now);
    }
    msg->state = core_local_state(c);
    msg->interval_ms = nm_interval_ms(c->nm);
    msg->n_hear_age_ms = (size_t)n;
    msg->hear_age_ms = ages;
    msg->state_version = c->state_version;
    confgen_fill(c, msg);
    msg->leaving = c->leaving;
    msg->cluster_stop = c->cluster_stop;
    msg->toratio = c->toratio;
    msg->toratio_until_wall_ms = c->toratio_until_wall;
    msg->autostarted = rc_autostarted(c);
    msg->master_ready = nm_master_ready(c->nm);
    if (!compact) {
        rc_fill_briefs(c, msg);
        msg->groups_included = true;
    }
}

/* A server that starts while a timeout ratio is in force elsewhere (it was
 * down when clptoratio ran) takes it from its peers' heartbeats: with ratio 1
 * it would declare them down, and resolve a partition, long before they would
 * do the same for it. Only in its first timeout: later, ratios change by
 * clptoratio on every server at once, and a late beat must not undo a -i. */
static void adopt_toratio(core_t *c, int server, const Clp__Heartbeat *hb)
{
    if (c->toratio != 1 || hb->toratio <= 1 ||
        now_ms() - c->started_ms > (uint64_t)c->conf->cluster.hb_timeout_ms) {
        return;
    }
    uint64_t until = hb->toratio_until_wall_ms;
    if (until && until <= clp_wall_ms()) {
        return;
    }
    clp_info("timeout ratio %u in force on %s%s: applied here too", hb->toratio,
             c->conf->servers[server].name, until ? " until its end" : "");
    core_set_toratio(c, hb->toratio, until);
}

static void hb_rx(void *arg, int server, int path, const Clp__Envelope *env)
{
    core_t *c = arg;
    const Clp__Heartbeat *hb = env->heartbeat;
    nm_hb_info_t info = {
        .state = hb->state,
        .incarnation = env->incarnation,
        .hears_me_ms = (size_t)c->self < hb->n_hear_age_ms ? hb->hear_age_ms[c->self] : NM_NEVER,
        .leaving = hb->leaving,
        .cluster_stop = hb->cluster_stop,
        .master_ready = hb->master_ready,
        .seq = env->seq,
    };
    if (!nm_rx(c->nm, server, path, now_ms(), &info)) {
        return; /* an older beat than one already heard: its content is stale */
    }
    if (hb->autostarted) {
        rc_note_autostarted(c);
    }
    if (hb->cluster_stop && !c->cluster_stop) {
        clp_info("server %s announces that the whole cluster is stopping",
                 c->conf->servers[server].name);
        c->cluster_stop = true;
    }
    confgen_note(c, server, env->incarnation, hb); /* and the group briefs to rc */
    adopt_toratio(c, server, hb);
}

/* ---- network partition ---- */

/* Peers heard recently enough to count on this side of a partition: a peer
 * whose silence is already long is about to be lost too. */
static uint64_t fresh_mask(core_t *c)
{
    uint64_t now = now_ms(), m = 1ull << c->self;
    uint32_t limit = nm_timeout_ms(c->nm) / 2;
    if (limit < 2 * nm_interval_ms(c->nm)) {
        limit = 2 * nm_interval_ms(c->nm);
    }
    for (int k = 0; k < nm_n_servers(c->nm); k++) {
        if (k != c->self && nm_peer_state(c->nm, k) == NM_PEER_UP &&
            nm_age_ms(c->nm, k, now) < limit) {
            m |= 1ull << k;
        }
    }
    return m;
}


static void np_start(core_t *c, uint64_t mask);

static void np_done(void *arg, np_verdict_t v, const char *why, int elapsed_ms)
{
    core_t *c = arg;
    uint64_t mask = c->np_mask;
    c->np_mask = 0;
    char names[512] = "";
    size_t off = 0;
    for (int k = 0; k < nm_n_servers(c->nm); k++) {
        if ((mask >> k) & 1u) {
            off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", off ? "," : "",
                                    c->conf->servers[k].name);
            if (off >= sizeof(names)) {
                break;
            }
        }
    }
    if (v == NP_SURVIVE) {
        clp_warn("network partition resolution for %s: this server survives (%s, %d ms)", names,
                 why, elapsed_ms);
        np_input_t in = {.conf = c->conf, .keys = &c->d->keys, .self = c->self,
                         .members = c->np_members, .reachable = fresh_mask(c) & ~mask,
                         .lost = mask};
        np_hold(c->np, &in);
        uint64_t at = now_ms() + np_grace_ms(c->np);
        for (int k = 0; k < nm_n_servers(c->nm); k++) {
            if ((mask >> k) & 1u) {
                c->takeover_at[k] = at;
            }
        }
        nm_np_result(c->nm, mask, true, now_ms());
    } else {
        c->n_np_lost++;
        c->fenced = true;
        const char *self = c->conf->servers[c->self].name;
        int npaction = c->conf->cluster.npaction;
        clp_error("network partition resolution for %s: this server must stop (%s, %d ms)",
                  names, why, elapsed_ms);
        switch (npaction) {
        case 1:
            CLP_ALERT(c->d->ev, "nm", 40, self);
            break;
        case 2:
            CLP_ALERT(c->d->ev, "nm", 30, self);
            break;
        case 3:
            CLP_ALERT(c->d->ev, "nm", 42, self);
            break;
        default: {
            char code[16];
            snprintf(code, sizeof(code), "%d", npaction);
            CLP_ALERT(c->d->ev, "nm", 43, code, self);
            break;
        }
        }
        nm_np_result(c->nm, mask, false, now_ms());
        if (npaction == 0) {
            clp_warn("npaction is 0 (no operation): this server keeps running, as configured");
            c->fenced = false;
        } else if (fence_execute(c->fence, fence_from_npaction(npaction), "network partition") < 0) {
            core_begin_stop(c, false, "network partition: the configured action failed");
        }
    }
    if (!c->np_queue) {
        c->np_episode = false;
    }
}

/* A loss joins the current episode; the resolution starts one interval after
 * the episode's first loss, with every loss found by then. */
static void np_queue_loss(core_t *c, uint64_t mask)
{
    if (!c->np_episode) {
        c->np_episode = true;
        c->np_members = nm_up_mask(c->nm) | mask;
        /* Wait for more losses only if some other peer is already silent for
         * long: when all the others were heard just now, this is no partition
         * of several and the resolution can start at once. */
        uint64_t others = nm_up_mask(c->nm) & ~mask & ~(1ull << c->self);
        bool doubtful = (others & ~fresh_mask(c)) != 0;
        c->np_settle_until = now_ms() + (doubtful ? nm_interval_ms(c->nm) + 20 : 0);
    }
    c->np_queue |= mask;
}

static void np_start(core_t *c, uint64_t mask)
{
    c->np_mask = mask;
    np_input_t in = {.conf = c->conf, .keys = &c->d->keys, .self = c->self,
                     .members = c->np_members, .reachable = fresh_mask(c) & ~mask, .lost = mask};
    c->n_np_runs++;
    int rc = np_resolve(c->np, &in, np_done, c);
    if (rc < 0) {
        np_done(c, NP_LOSE, "cannot start network partition resolution", 0);
    }
}

static void on_np_health(void *arg, int index, bool ok, const char *why)
{
    core_t *c = arg;
    const char *name = c->conf->nps[index].name;
    const char *self = c->conf->servers[c->self].name;
    if (ok) {
        CLP_ALERT(c->d->ev, "nm", 36, name, self);
    } else {
        CLP_ALERT(c->d->ev, "nm", 37, name, self);
        clp_warn("%s: %s", name, why);
    }
    core_state_changed(c);
}

/* ---- membership events ---- */

static void delay_alert(core_t *c, int server, int path, uint32_t gap)
{
    const clp_hb_t *hb = &c->conf->hbs[path];
    char t[16], ratio[16], actual[16], rate[16];
    snprintf(t, sizeof(t), "%d", c->conf->cluster.hb_timeout_ms);
    snprintf(ratio, sizeof(ratio), "%u", c->toratio);
    snprintf(actual, sizeof(actual), "%u", gap);
    snprintf(rate, sizeof(rate), "%d", c->conf->cluster.hb_delay_warning);
    const char *module = strcmp(hb->type, "lankhb") == 0 ? "lankhb" : hb->type;
    CLP_ALERT(c->d->ev, module, 71, hb->name, c->conf->servers[server].name, t, ratio, actual,
              rate);
}

static void on_nm_event(core_t *c, const nm_event_t *e)
{
    const char *name = e->server >= 0 ? c->conf->servers[e->server].name : "";
    switch (e->kind) {
    case NM_EV_SERVER_UP:
        c->fstop_retry_ms[e->server] = 0;
        c->takeover_pending &= ~(1ull << e->server);
        c->takeover_at[e->server] = 0;
        CLP_ALERT(c->d->ev, "nm", 1, name);
        core_state_changed(c);
        rc_server_up(c, e->server);
        break;
    case NM_EV_SERVER_DOWN:
        c->n_servers_down++;
        CLP_ALERT(c->d->ev, "nm", 2, name);
        if (c->takeover_at[e->server] == 0) {
            c->takeover_at[e->server] = now_ms(); /* it left gracefully: no wait */
        }
        c->takeover_pending |= 1ull << e->server;
        core_state_changed(c);
        break;
    case NM_EV_NEED_NP:
        if (core_local_state(c) == CLP__SERVER_STATE__SERVER_ONLINE && !c->suspended &&
            !c->cluster_stop) {
            np_queue_loss(c, e->mask);
        } else {
            /* Holding nothing that could be taken over: no resolution needed. */
            nm_np_result(c->nm, e->mask, true, now_ms());
        }
        break;
    case NM_EV_PATH_ERROR:
        CLP_ALERT(c->d->ev, "nm", 4, c->conf->hbs[e->path].name, name);
        core_state_changed(c);
        break;
    case NM_EV_PATH_RECOVERED:
        CLP_ALERT(c->d->ev, "nm", 3, c->conf->hbs[e->path].name, name);
        core_state_changed(c);
        break;
    case NM_EV_PATH_DELAY:
        delay_alert(c, e->server, e->path, e->value);
        break;
    case NM_EV_SYNC_DONE:
        if (e->value == 0) {
            CLP_ALERT(c->d->ev, "nm", 6);
        }
        set_local_state(c, CLP__SERVER_STATE__SERVER_ONLINE);
        rc_cluster_formed(c, e->value != 0);
        break;
    case NM_EV_SYNC_TIMEOUT:
        CLP_ALERT(c->d->ev, "nm", 7);
        set_local_state(c, CLP__SERVER_STATE__SERVER_ONLINE);
        rc_cluster_formed(c, false);
        break;
    case NM_EV_MASTER:
        clp_info("master server: %s", e->server >= 0 ? name : "none");
        core_state_changed(c);
        rc_master_changed(c, e->server);
        break;
    case NM_EV_PEER_RESTARTED:
        clp_info("the cluster service of server %s restarted", name);
        peer_forget(c->peer, e->server);
        core_state_changed(c);
        break;
    }
}

/* ---- forced stop (fence.c): a lost server's groups wait for its power-off ---- */

/* A failed forced stop (the BMC unreachable, the power-off not confirmed) is
 * tried again, 10 s later and then twice as late each time up to 5 minutes:
 * until the lost server is known to be off its groups stay where they were,
 * and a BMC that comes back must not leave them down for good. */
#define FSTOP_RETRY_FIRST_MS 10000u
#define FSTOP_RETRY_MAX_MS 300000u

static void forced_stop_done(void *arg, int server, bool ok)
{
    core_t *c = arg;
    if (c->fenced || nm_peer_state(c->nm, server) == NM_PEER_UP) {
        c->fstop_retry_ms[server] = 0;
        return;
    }
    if (ok) {
        c->fstop_retry_ms[server] = 0;
        rc_server_down(c, server);
        return;
    }
    uint32_t wait = c->fstop_retry_ms[server] ? c->fstop_retry_ms[server] * 2 : FSTOP_RETRY_FIRST_MS;
    c->fstop_retry_ms[server] = wait < FSTOP_RETRY_MAX_MS ? wait : FSTOP_RETRY_MAX_MS;
    clp_warn("forced stop of %s failed: its groups are not taken over; trying again in %u s",
             c->conf->servers[server].name, c->fstop_retry_ms[server] / 1000);
    c->takeover_at[server] = now_ms() + c->fstop_retry_ms[server];
    c->takeover_pending |= 1ull << server;
}

static void server_gone(core_t *c, int k)
{
    if (nm_peer_left(c->nm, k) || c->cluster_stop || nm_peer_cluster_stop(c->nm, k) ||
        fence_force_stop(c->fence, k, forced_stop_done, c) == FENCE_STOP_NOT_NEEDED) {
        rc_server_down(c, k);
    }
}

/* ---- the tick ---- */

/* Runs the tick at the next deadline that falls before the next tick: a peer's
 * silence reaching the heartbeat timeout, or the end of a takeover's grace. A
 * loss is then found, and a takeover started, when it is due rather than up to
 * a tick later (half an interval, 10-100 ms: 25 ms at 50 ms), here and
 * on a partition's losing side alike: the grace's margin for the loser's fence
 * no longer shrinks by the loser's tick. Costs nothing while beats arrive (the
 * next loss is then a whole timeout away). */
static void schedule_wake(core_t *c, uint64_t now)
{
    uint64_t at = nm_next_loss_at(c->nm);
    for (int k = 0; k < nm_n_servers(c->nm); k++) {
        if (((c->takeover_pending >> k) & 1u) && c->takeover_at[k] < at) {
            at = c->takeover_at[k];
        }
    }
    if (at <= now || at >= now + c->tick_ms) {
        return;
    }
    struct timeval tv = clp_tv_ms((uint32_t)(at - now) + 1);
    evtimer_add(c->wake, &tv);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    core_t *c = arg;
    uint64_t now = now_ms();
    static nm_event_t ev[MAX_EVENTS];

    userw_pet(c->userw);
    if (c->toratio > 1 && c->toratio_until_wall && clp_wall_ms() >= c->toratio_until_wall) {
        clp_info("timeout ratio %u expired", c->toratio);
        core_set_toratio(c, 1, 0);
    }
    int n = nm_tick(c->nm, now, ev, MAX_EVENTS);
    for (int i = 0; i < n; i++) {
        on_nm_event(c, &ev[i]);
    }
    if (c->np_queue && !c->fenced && !np_busy(c->np) && now >= c->np_settle_until) {
        uint64_t q = c->np_queue;
        c->np_queue = 0;
        np_start(c, q);
    }
    for (int k = 0; k < nm_n_servers(c->nm) && c->takeover_pending; k++) {
        if (((c->takeover_pending >> k) & 1u) && now >= c->takeover_at[k]) {
            c->takeover_pending &= ~(1ull << k);
            c->takeover_at[k] = 0;
            if (!c->fenced) {
                server_gone(c, k);
            }
        }
    }
    rc_tick(c, now);
    rm_tick(c, now);
    view_publish_tick(c, now);
    confgen_tick(c, now);
    schedule_wake(c, now);
    if (c->leave_at && now < c->leave_at && now >= c->leave_beat_at) {
        c->leave_beat_at = now + 250;
        hb_send_now(c->hb);
    }
    if (c->leave_at && now >= c->leave_at) {
        c->leave_at = 0;
        clp_daemon_exit_loop(c->d);
    }
}

/* work/toratio: "RATIO UNTIL_WALL_MS", so that a restarted core keeps it. */
static void toratio_path(const core_t *c, char *path, size_t n)
{
    clp_path(path, n, c->d->root, "work/toratio");
}

void core_set_toratio(core_t *c, uint32_t ratio, uint64_t until_ms)
{
    c->toratio = ratio ? ratio : 1;
    c->toratio_until_wall = ratio > 1 ? until_ms : 0;
    nm_set_ratio(c->nm, c->toratio);
    rm_set_toratio(c, c->toratio);
    core_state_changed(c);
    hb_send_now(c->hb);
    char path[CLP_PATH_MAX], line[64];
    toratio_path(c, path, sizeof(path));
    if (c->toratio == 1) {
        unlink(path);
    } else {
        int n = snprintf(line, sizeof(line), "%u %" PRIu64 "\n", c->toratio, c->toratio_until_wall);
        if (clp_write_replace(path, line, (size_t)n, 0644) < 0) {
            clp_warn("cannot record the timeout ratio in %s", path);
        }
    }
}

static void toratio_restore(core_t *c)
{
    char path[CLP_PATH_MAX], *data = NULL;
    toratio_path(c, path, sizeof(path));
    if (clp_read_file(path, 256, &data, NULL) < 0) {
        return;
    }
    unsigned ratio = 0;
    uint64_t until = 0;
    if (sscanf(data, "%u %" SCNu64, &ratio, &until) == 2 && ratio > 1 &&
        (!until || until > clp_wall_ms())) {
        clp_info("timeout ratio %u still in force after the restart", ratio);
        core_set_toratio(c, ratio, until);
    } else {
        unlink(path);
    }
    free(data);
}

/* ---- fencing hooks ---- */

static void quick_fence(void *arg)
{
    core_t *c = arg;
    rc_quick_fence(c);
}

static void stop_service(void *arg)
{
    core_begin_stop(arg, false, "final action: stop the cluster service");
}

/* ---- lifecycle ---- */

int core_init(core_t *c, clp_daemon_t *d)
{
    memset(c, 0, sizeof(*c));
    c->d = d;
    c->conf = d->conf;
    c->self = clp_conf_server_index(d->conf, d->server);
    c->toratio = 1;
    uint64_t now = now_ms();
    c->nm = nm_new(c->conf, c->self, now);
    c->fence = fence_new(d->base, c->conf, c->self, d->root, quick_fence, stop_service, c, d->ev);
    c->np = np_new(d->base, c->conf, c->self, &d->keys, d->root);
    c->peer = peer_new(c);
    if (rc_init(c) < 0 || rm_init(c) < 0) {
        return -EIO;
    }
    c->hb = hb_new(d->base, c->conf, c->self, &d->keys, &d->mctx, hb_build, hb_rx, c);
    const char *wd = fence_platform(c->fence, "watchdog");
    c->userw = userw_new(c->conf, d->root, fence_platform(c->fence, "reset"),
                         wd && strcmp(wd, "process") == 0);
    uint32_t interval = (uint32_t)c->conf->cluster.hb_interval_ms;
    c->tick_ms = interval / 2;
    c->tick_ms = c->tick_ms < 10 ? 10 : c->tick_ms > 100 ? 100 : c->tick_ms;
    c->tick = event_new(d->base, -1, EV_PERSIST, on_tick, c);
    c->wake = evtimer_new(d->base, on_tick, c);
    struct timeval tv = clp_tv_ms(c->tick_ms);
    event_add(c->tick, &tv);
    np_health_start(c->np, interval * 5 > 5000 ? interval * 5 : 5000, on_np_health, c);
    c->started_ms = now;
    CLP_ALERT(d->ev, "nm", 5);
    hb_start(c->hb);
    toratio_restore(c);
    return 0;
}

void core_begin_stop(core_t *c, bool cluster_wide, const char *why)
{
    if (c->stopping) {
        return;
    }
    clp_info("stopping the cluster service (%s)%s", why, cluster_wide ? ", cluster-wide" : "");
    c->stopping = true;
    if (cluster_wide) {
        c->cluster_stop = true;
    }
    set_local_state(c, CLP__SERVER_STATE__SERVER_STOPPING);
    rm_stop_all(c);
    rc_stop_groups(c, cluster_wide);
}

void core_groups_stopped(core_t *c)
{
    if (c->leaving) {
        return;
    }
    clp_info("every group of this server is stopped: leaving the cluster");
    c->leaving = true;
    core_state_changed(c);
    hb_send_now(c->hb);
    /* Let the leaving beats reach every path before the loop ends: a few
     * more beats over up to two intervals (at most 1.5 s), or none when no
     * other server is up to hear them. */
    uint64_t now = now_ms();
    uint64_t others = nm_up_mask(c->nm) & ~(1ull << c->self);
    uint32_t wait = 2u * nm_interval_ms(c->nm) + 50;
    c->leave_at = now + (others ? (wait < 1500 ? wait : 1500) : 0);
    c->leave_beat_at = now + 250;
    if (c->shutdown_after_stop != FENCE_NONE) {
        fence_execute(c->fence, c->shutdown_after_stop, "requested shutdown");
    }
}

void core_fini(core_t *c)
{
    if (c->tick) {
        event_free(c->tick);
    }
    if (c->wake) {
        event_free(c->wake);
    }
    userw_destroy(&c->userw);
    hb_destroy(&c->hb);
    rm_fini(c);
    rc_fini(c);
    peer_destroy(&c->peer);
    np_destroy(&c->np);
    fence_destroy(&c->fence);
    nm_destroy(&c->nm);
}

void core_status(void *arg, Clp__StatusReply *rep)
{
    core_t *c = arg;
    clp_status_counter(rep, "heartbeats_rejected", hb_rejected(c->hb));
    clp_status_counter(rep, "np_resolutions", c->n_np_runs);
    clp_status_counter(rep, "np_lost", c->n_np_lost);
    clp_status_counter(rep, "servers_down_seen", c->n_servers_down);
    clp_status_counter(rep, "messages_rejected", c->d->mctx.n_rejected);
    clp_status_counter(rep, "children_running", (uint64_t)child_running());
    clp_status_counter(rep, "forced_stops_running", (uint64_t)fence_force_stops_running(c->fence));
    for (int j = 0; j < hb_n_paths(c->hb); j++) {
        const hb_path_t *p = hb_path(c->hb, j);
        char name[96];
        snprintf(name, sizeof(name), "hb_%s_rx", p->conf->name);
        clp_status_counter(rep, name, p->rx);
        snprintf(name, sizeof(name), "hb_%s_rx_bad", p->conf->name);
        clp_status_counter(rep, name, p->rx_bad);
        snprintf(name, sizeof(name), "hb_%s_tx", p->conf->name);
        clp_status_counter(rep, name, p->tx);
    }
}

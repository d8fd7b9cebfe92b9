/*
 * nm: membership state and its pure transition rules (see nm.h).
 */
#include "nm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DELAY_CAUTION_MS 10000 /* a delayed path shows Caution this long */

typedef struct {
    uint64_t last_rx[NM_MAX_PATHS];
    uint64_t delay_until[NM_MAX_PATHS];
    uint32_t max_gap[NM_MAX_PATHS];
    bool path_err[NM_MAX_PATHS];
    bool used[NM_MAX_PATHS];
    uint64_t last_any;
    nm_peer_state_t state;
    Clp__ServerState reported;
    uint64_t incarnation;
    uint64_t incarnation_seen; /* when this incarnation was first heard */
    uint64_t newest_seq;       /* of the newest beat heard from this incarnation */
    uint32_t hears_me;
    uint64_t up_since; /* when it last came up (its hears_me is stale until it hears us) */
    bool leaving;
    bool cluster_stop;
    bool announce_up;
    bool restarted;
    bool declare_down;
    bool master_ready;
} peer_t;

struct nm {
    const clp_conf_t *conf;
    int self;
    int n;
    int npaths;
    uint32_t base_interval, base_timeout, ratio;
    uint32_t delay_pct;
    Clp__ServerState local_state;
    peer_t peers[NM_MAX_SERVERS];
    uint64_t start;
    uint64_t sync_deadline;
    uint64_t sync_min;
    bool syncing;
    bool sync_skip;
    uint64_t np_pending;
    int master;
    uint64_t online_since; /* when this server became online (0: not online) */
    bool ready_cached;
};

static uint32_t eff_timeout(const nm_t *nm)
{
    return nm->base_timeout * nm->ratio;
}

nm_t *nm_new(const clp_conf_t *conf, int self, uint64_t now)
{
    nm_t *nm = calloc(1, sizeof(*nm));
    if (!nm) {
        return NULL;
    }
    nm->conf = conf;
    nm->self = self;
    nm->n = (int)(conf->n_servers < NM_MAX_SERVERS ? conf->n_servers : NM_MAX_SERVERS);
    nm->npaths = (int)(conf->n_hbs < NM_MAX_PATHS ? conf->n_hbs : NM_MAX_PATHS);
    nm->base_interval = (uint32_t)conf->cluster.hb_interval_ms;
    nm->base_timeout = (uint32_t)conf->cluster.hb_timeout_ms;
    nm->ratio = 1;
    nm->delay_pct = (uint32_t)conf->cluster.hb_delay_warning;
    nm->local_state = CLP__SERVER_STATE__SERVER_STARTING;
    nm->start = now;
    nm->syncing = true;
    /* Whatever the configured wait, listen for two intervals first: a server
     * that starts must hear the peers already running before it acts. */
    nm->sync_min = now + 2ull * nm->base_interval + 100;
    nm->sync_deadline = now + (uint64_t)conf->cluster.syncwait_s * 1000u;
    if (nm->sync_deadline < nm->sync_min) {
        nm->sync_deadline = nm->sync_min;
    }
    nm->master = -1;
    const clp_server_t *me = &conf->servers[self];
    for (int k = 0; k < nm->n; k++) {
        peer_t *p = &nm->peers[k];
        p->reported = CLP__SERVER_STATE__SERVER_OFFLINE;
        p->hears_me = NM_NEVER;
        for (int j = 0; j < nm->npaths; j++) {
            const clp_hb_t *hb = &conf->hbs[j];
            if (!hb->supported || k == self) {
                p->used[j] = false;
                continue;
            }
            if (hb->device < 0) {
                p->used[j] = true;
                continue;
            }
            p->used[j] = clp_conf_device(me, hb->device) &&
                         clp_conf_device(&conf->servers[k], hb->device);
            if (strcmp(hb->type, "comhb") == 0 && conf->n_servers > 2) {
                p->used[j] = false;
            }
        }
    }
    nm->peers[self].state = NM_PEER_UP;
    return nm;
}

void nm_destroy(nm_t **pnm)
{
    if (pnm && *pnm) {
        free(*pnm);
        *pnm = NULL;
    }
}

void nm_set_ratio(nm_t *nm, uint32_t ratio)
{
    nm->ratio = ratio ? ratio : 1;
}

uint32_t nm_timeout_ms(const nm_t *nm)
{
    return eff_timeout(nm);
}

uint32_t nm_interval_ms(const nm_t *nm)
{
    return nm->base_interval;
}

void nm_set_local_state(nm_t *nm, Clp__ServerState state)
{
    if (state != CLP__SERVER_STATE__SERVER_ONLINE &&
        state != CLP__SERVER_STATE__SERVER_SUSPENDED) {
        nm->online_since = 0;
    }
    nm->local_state = state;
}

static bool self_ready(const nm_t *nm, uint64_t now)
{
    return nm->online_since && now - nm->online_since >= 2ull * nm->base_interval;
}

bool nm_master_ready(const nm_t *nm)
{
    /* Without a clock here, readiness is settled in nm_tick (ready_cached). */
    return nm->online_since && nm->ready_cached;
}

Clp__ServerState nm_local_state(const nm_t *nm)
{
    return nm->local_state;
}

bool nm_rx(nm_t *nm, int server, int path, uint64_t now, const nm_hb_info_t *info)
{
    if (server < 0 || server >= nm->n || server == nm->self || path < 0 || path >= nm->npaths) {
        return false;
    }
    peer_t *p = &nm->peers[server];
    /* Incarnations only grow (persisted, clp_incarnation_next): a lower one is
     * an older life of the sender, e.g. beats it queued before a reboot and
     * delivered when the path came back. Unless the current one has been
     * silent for a whole timeout (a server reinstalled with its state lost):
     * then the lower one is its new life. */
    bool older_life = p->incarnation != 0 && info->incarnation < p->incarnation &&
                      now - p->last_any < eff_timeout(nm);
    bool newest = !older_life && (info->seq == 0 || info->incarnation != p->incarnation ||
                                  info->seq > p->newest_seq);
    /* A late beat on a working path is a delay; the silence of a path that was
     * down, or of a server that was down or restarted, is not. */
    if (p->last_rx[path] && p->state == NM_PEER_UP && !p->path_err[path] &&
        info->incarnation == p->incarnation) {
        uint32_t gap = (uint32_t)(now - p->last_rx[path]);
        if (gap > p->max_gap[path] && gap < eff_timeout(nm)) {
            p->max_gap[path] = gap;
        }
    }
    p->last_rx[path] = now;
    if (!newest) {
        return false;
    }
    p->newest_seq = info->seq;
    p->last_any = now;
    p->reported = info->state;
    p->hears_me = info->hears_me_ms;
    p->leaving = info->leaving;
    p->cluster_stop = info->cluster_stop;
    p->master_ready = info->master_ready;
    if (info->incarnation != p->incarnation) {
        if (p->incarnation != 0 && p->state == NM_PEER_UP) {
            p->restarted = true;
        }
        p->incarnation = info->incarnation;
        p->incarnation_seen = now;
    }
    if (info->leaving) {
        if (p->state == NM_PEER_UP || p->state == NM_PEER_SUSPECT) {
            p->declare_down = true;
        }
        return true;
    }
    if (p->state == NM_PEER_DOWN) {
        p->state = NM_PEER_UP;
        p->up_since = now;
        p->announce_up = true;
    }
    return true;
}

static bool peer_lost(const nm_t *nm, const peer_t *p, uint64_t now)
{
    uint32_t t = eff_timeout(nm);
    if (now - p->last_any >= t) {
        return true;
    }
    /* A one-way cut: it does not hear us, and will declare us lost. */
    if (p->hears_me == NM_NEVER) {
        return now - p->incarnation_seen >= t && now - nm->start >= t;
    }
    /* A server that just came back (a healed partition) still reports how
     * long it went without hearing us until our beats reach it: a one-way
     * cut only when it has been up a whole timeout and still does not. */
    return p->hears_me >= t && now - p->up_since >= t;
}

static int push(nm_event_t *out, int max, int *n, nm_event_kind_t kind, int server, int path,
                uint64_t mask, uint32_t value)
{
    if (*n >= max) {
        return -1;
    }
    out[*n] = (nm_event_t){.kind = kind, .server = server, .path = path, .mask = mask,
                           .value = value};
    (*n)++;
    return 0;
}

static int compute_master(const nm_t *nm)
{
    int best = -1;
    for (int k = 0; k < nm->n; k++) {
        bool online;
        if (k == nm->self) {
            online = (nm->local_state == CLP__SERVER_STATE__SERVER_ONLINE ||
                      nm->local_state == CLP__SERVER_STATE__SERVER_SUSPENDED) &&
                     nm->ready_cached;
        } else {
            const peer_t *p = &nm->peers[k];
            online = p->state == NM_PEER_UP && p->master_ready &&
                     (p->reported == CLP__SERVER_STATE__SERVER_ONLINE ||
                      p->reported == CLP__SERVER_STATE__SERVER_SUSPENDED);
        }
        if (online && (best < 0 || nm->conf->servers[k].priority < nm->conf->servers[best].priority)) {
            best = k;
        }
    }
    return best;
}

int nm_tick(nm_t *nm, uint64_t now, nm_event_t *out, int max)
{
    int n = 0;
    uint32_t t = eff_timeout(nm);
    uint32_t delay_limit = (uint32_t)((uint64_t)t * nm->delay_pct / 100u);
    uint64_t newly_lost = 0;

    for (int k = 0; k < nm->n; k++) {
        if (k == nm->self) {
            continue;
        }
        peer_t *p = &nm->peers[k];
        if (p->announce_up) {
            p->announce_up = false;
            push(out, max, &n, NM_EV_SERVER_UP, k, -1, 0, 0);
        }
        if (p->restarted) {
            p->restarted = false;
            push(out, max, &n, NM_EV_PEER_RESTARTED, k, -1, 0, 0);
        }
        if (p->declare_down) {
            p->declare_down = false;
            p->state = NM_PEER_DOWN;
            nm->np_pending &= ~(1ull << k);
            push(out, max, &n, NM_EV_SERVER_DOWN, k, -1, 0, 0);
            continue;
        }
        if (p->state == NM_PEER_DOWN) {
            continue;
        }
        for (int j = 0; j < nm->npaths; j++) {
            if (!p->used[j]) {
                continue;
            }
            uint64_t last = p->last_rx[j];
            bool err = last == 0 ? (now - nm->start >= t) : (now - last >= t);
            if (err && !p->path_err[j]) {
                p->path_err[j] = true;
                push(out, max, &n, NM_EV_PATH_ERROR, k, j, 0, 0);
            } else if (!err && p->path_err[j]) {
                p->path_err[j] = false;
                push(out, max, &n, NM_EV_PATH_RECOVERED, k, j, 0, 0);
            }
            if (p->max_gap[j] > delay_limit && p->delay_until[j] <= now && delay_limit > 0 &&
                nm->delay_pct < 100) {
                p->delay_until[j] = now + DELAY_CAUTION_MS;
                push(out, max, &n, NM_EV_PATH_DELAY, k, j, 0, p->max_gap[j]);
                p->max_gap[j] = 0;
            }
        }
        if (p->state == NM_PEER_UP && peer_lost(nm, p, now)) {
            p->state = NM_PEER_SUSPECT;
            newly_lost |= 1ull << k;
        }
    }
    if (newly_lost) {
        nm->np_pending |= newly_lost;
        push(out, max, &n, NM_EV_NEED_NP, -1, -1, newly_lost, 0);
    }
    if (nm->syncing && now >= nm->sync_min) {
        bool all = true, joined = false;
        for (int k = 0; k < nm->n; k++) {
            if (k == nm->self) {
                continue;
            }
            const peer_t *p = &nm->peers[k];
            if (p->state != NM_PEER_UP) {
                all = false;
            } else if (p->reported == CLP__SERVER_STATE__SERVER_ONLINE ||
                       p->reported == CLP__SERVER_STATE__SERVER_SUSPENDED) {
                joined = true;
            }
        }
        if (all || joined || nm->sync_skip) {
            nm->syncing = false;
            push(out, max, &n, NM_EV_SYNC_DONE, -1, -1, 0, joined ? 1u : 0u);
        } else if (now >= nm->sync_deadline) {
            nm->syncing = false;
            push(out, max, &n, NM_EV_SYNC_TIMEOUT, -1, -1, 0, 0);
        }
    }
    bool online = nm->local_state == CLP__SERVER_STATE__SERVER_ONLINE ||
                  nm->local_state == CLP__SERVER_STATE__SERVER_SUSPENDED;
    if (online && !nm->online_since) {
        nm->online_since = now;
    }
    nm->ready_cached = online && self_ready(nm, now);
    int m = compute_master(nm);
    if (m != nm->master) {
        nm->master = m;
        push(out, max, &n, NM_EV_MASTER, m, -1, 0, 0);
    }
    return n;
}

void nm_np_result(nm_t *nm, uint64_t mask, bool survived, uint64_t now)
{
    nm->np_pending &= ~mask;
    if (!survived) {
        return;
    }
    for (int k = 0; k < nm->n; k++) {
        if ((mask >> k) & 1u) {
            peer_t *p = &nm->peers[k];
            if (p->state == NM_PEER_SUSPECT) {
                p->declare_down = true;
            }
        }
    }
}

void nm_skip_sync(nm_t *nm)
{
    nm->sync_skip = true;
}

bool nm_syncing(const nm_t *nm)
{
    return nm->syncing;
}

nm_peer_state_t nm_peer_state(const nm_t *nm, int server)
{
    return nm->peers[server].state;
}

Clp__ServerState nm_peer_reported_state(const nm_t *nm, int server)
{
    if (server == nm->self) {
        return nm->local_state;
    }
    const peer_t *p = &nm->peers[server];
    return p->state == NM_PEER_DOWN ? CLP__SERVER_STATE__SERVER_OFFLINE : p->reported;
}

uint64_t nm_up_mask(const nm_t *nm)
{
    uint64_t m = 0;
    for (int k = 0; k < nm->n; k++) {
        if (nm->peers[k].state == NM_PEER_UP) {
            m |= 1ull << k;
        }
    }
    return m;
}

uint64_t nm_online_mask(const nm_t *nm)
{
    uint64_t m = 0;
    for (int k = 0; k < nm->n; k++) {
        Clp__ServerState s = nm_peer_reported_state(nm, k);
        if (nm->peers[k].state == NM_PEER_UP && s == CLP__SERVER_STATE__SERVER_ONLINE) {
            m |= 1ull << k;
        }
    }
    return m;
}

int nm_master(const nm_t *nm)
{
    return nm->master;
}

uint32_t nm_age_ms(const nm_t *nm, int server, uint64_t now)
{
    if (server == nm->self) {
        return 0;
    }
    uint64_t last = nm->peers[server].last_any;
    if (!last) {
        return NM_NEVER;
    }
    uint64_t age = now - last;
    return age >= NM_NEVER ? NM_NEVER - 1 : (uint32_t)age;
}

uint64_t nm_next_loss_at(const nm_t *nm)
{
    uint64_t at = UINT64_MAX;
    for (int k = 0; k < nm->n; k++) {
        const peer_t *p = &nm->peers[k];
        if (k != nm->self && p->state == NM_PEER_UP && p->last_any &&
            p->last_any + eff_timeout(nm) < at) {
            at = p->last_any + eff_timeout(nm);
        }
    }
    return at;
}

Clp__PathState nm_path_state(const nm_t *nm, int server, int path, uint64_t now)
{
    const peer_t *p = &nm->peers[server];
    if (server == nm->self || !p->used[path]) {
        return CLP__PATH_STATE__PATH_UNUSED;
    }
    uint64_t last = p->last_rx[path];
    if (!last || now - last >= eff_timeout(nm)) {
        return CLP__PATH_STATE__PATH_ERROR;
    }
    if (p->delay_until[path] > now) {
        return CLP__PATH_STATE__PATH_CAUTION;
    }
    return CLP__PATH_STATE__PATH_NORMAL;
}

uint32_t nm_path_age_ms(const nm_t *nm, int server, int path, uint64_t now)
{
    uint64_t last = nm->peers[server].last_rx[path];
    return last ? (uint32_t)(now - last) : NM_NEVER;
}

uint32_t nm_path_max_gap(const nm_t *nm, int server, int path)
{
    return nm->peers[server].max_gap[path];
}

bool nm_path_used(const nm_t *nm, int server, int path)
{
    return nm->peers[server].used[path];
}

bool nm_peer_cluster_stop(const nm_t *nm, int server)
{
    return nm->peers[server].cluster_stop;
}

bool nm_peer_left(const nm_t *nm, int server)
{
    return nm->peers[server].leaving;
}

int nm_n_servers(const nm_t *nm)
{
    return nm->n;
}

int nm_n_paths(const nm_t *nm)
{
    return nm->npaths;
}

int nm_self(const nm_t *nm)
{
    return nm->self;
}

/*
 * confgen: configuration generations in heartbeats, and reloads (see
 * confgen.h).
 */
#define CLP_LOG_TAG "confgen"
#include "confgen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "peer.h"
#include "rc.h"
#include "rc_int.h"
#include "rm.h"

#define HASH_BYTES 8

void confgen_fill(core_t *c, Clp__Heartbeat *msg)
{
    msg->config_hash.data = (uint8_t *)c->conf->sha256;
    msg->config_hash.len = HASH_BYTES;
    msg->config_generation = c->conf->generation;
}

/* Group states of server k by name, from its last NodeState, as briefs with
 * this server's group indices. */
static void briefs_by_name(core_t *c, int k, uint64_t incarnation)
{
    uint64_t age = 0;
    const Clp__NodeState *ns = peer_state(c->peer, k, &age);
    if (!ns) {
        return; /* nothing known by name yet: keep what was known */
    }
    size_t n = c->conf->n_groups;
    Clp__GroupBrief *b = xcalloc(n + 1, sizeof(*b));
    Clp__GroupBrief **p = xcalloc(n + 1, sizeof(*p));
    size_t used = 0;
    for (size_t i = 0; i < ns->n_groups; i++) {
        const Clp__GroupStatus *gs = ns->groups[i];
        if (gs->state == CLP__GROUP_STATE__GROUP_OFFLINE) {
            continue;
        }
        for (size_t g = 0; g < n && used < n; g++) {
            if (strcmp(c->conf->groups[g].name, gs->name) == 0) {
                clp__group_brief__init(&b[used]);
                b[used].index = (uint32_t)g;
                b[used].state = gs->state;
                p[used] = &b[used];
                used++;
                break;
            }
        }
    }
    Clp__Heartbeat hb = CLP__HEARTBEAT__INIT;
    hb.n_groups = used;
    hb.groups = p;
    rc_note_briefs(c, k, incarnation, &hb);
    free(p);
    free(b);
}

void confgen_note(core_t *c, int server, uint64_t incarnation, const Clp__Heartbeat *hb)
{
    if (server < 0 || server >= NM_MAX_SERVERS || server == c->self) {
        return;
    }
    bool differs = false;
    if (hb->config_hash.len >= HASH_BYTES) {
        differs = memcmp(hb->config_hash.data, c->conf->sha256, HASH_BYTES) != 0 ||
                  hb->config_generation != c->conf->generation;
    }
    uint64_t bit = 1ull << server;
    bool was = (c->conf_differs & bit) != 0;
    c->conf_gen[server] = hb->config_generation;
    if (differs != was) {
        const char *name = c->conf->servers[server].name;
        if (differs) {
            c->conf_differs |= bit;
            c->conf_differs_since[server] = clp_mono_ms();
            clp_warn("server %s runs configuration generation %" PRIu64 " (clp.conf %.*s...), "
                     "this server generation %lu (%.*s...): its groups are read by name and no "
                     "placement decision is taken until they agree",
                     name, hb->config_generation, HASH_BYTES, (const char *)hb->config_hash.data,
                     c->conf->generation, HASH_BYTES, c->conf->sha256);
        } else {
            c->conf_differs &= ~bit;
            clp_info("server %s runs the same configuration as this server again (generation "
                     "%lu)",
                     name, c->conf->generation);
            if (c->conf_alerted & bit) {
                char mine[24];
                snprintf(mine, sizeof(mine), "%lu", c->conf->generation);
                CLP_ALERT(c->d->ev, "cfmgr", 11, name, mine);
                c->conf_alerted &= ~bit;
            }
        }
        core_state_changed(c);
    }
    if (differs) {
        briefs_by_name(c, server, incarnation);
    } else if (hb->groups_included) {
        /* A compact beat (disk, COM) says nothing of the groups: read as
         * "no group", it would make the sender's groups look offline. */
        rc_note_briefs(c, server, incarnation, hb);
    }
}

bool confgen_differs(const core_t *c, int k)
{
    return k >= 0 && k < NM_MAX_SERVERS && ((c->conf_differs >> k) & 1u);
}

uint64_t confgen_generation(const core_t *c, int k)
{
    return k == c->self ? c->conf->generation : c->conf_gen[k];
}

bool confgen_blocked(const core_t *c)
{
    return (c->conf_differs & nm_up_mask(c->nm) & ~(1ull << c->self)) != 0;
}

/* ---- reload ---- */

static bool rc_idle(const core_t *c)
{
    const rc_t *rc = c->rc;
    if (!rc) {
        return true;
    }
    for (size_t i = 0; i < rc->n_rsc; i++) {
        if (rc->rsc[i].child) {
            return false;
        }
    }
    for (size_t g = 0; g < rc->n_grp; g++) {
        const grt_t *G = &rc->grp[g];
        if (G->op != LOP_NONE || G->mop || G->local == CLP__GROUP_STATE__GROUP_ONLINE_PENDING ||
            G->local == CLP__GROUP_STATE__GROUP_OFFLINE_PENDING) {
            return false;
        }
    }
    return true;
}

int confgen_reload(core_t *c, const char *who, char *why, size_t n)
{
    if (c->stopping || c->fenced) {
        snprintf(why, n, "the cluster service is stopping on this server");
        return -EBUSY;
    }
    clp_info("reload requested by %s: leaving without stopping anything once no group "
             "operation runs (within %d s)",
             who, CONFGEN_RELOAD_WAIT_MS / 1000);
    c->reload_until = clp_mono_ms() + CONFGEN_RELOAD_WAIT_MS;
    confgen_tick(c, clp_mono_ms());
    return 0;
}

/* A reload is no cluster start: the automatic start this one did must not be
 * done again by the next core (a group an operator stopped would start). The
 * leaving core leaves a note; the next one reads it before its start-up wait
 * can end. */
#define RELOAD_NOTE "work/reload.autostarted"
#define RELOAD_NOTE_MAX_AGE_MS (10u * 60u * 1000u)

static void leave_note(core_t *c)
{
    char path[CLP_PATH_MAX], buf[32];
    clp_path(path, sizeof(path), c->d->root, RELOAD_NOTE);
    if (!rc_autostarted(c)) {
        unlink(path);
        return;
    }
    int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", clp_wall_ms());
    if (clp_write_replace(path, buf, (size_t)n, 0644) < 0) {
        clp_warn("cannot write %s: the next core may start groups automatically again", path);
    }
}

static void read_note(core_t *c)
{
    char path[CLP_PATH_MAX], *data = NULL;
    size_t len = 0;
    c->reload_checked = true;
    clp_path(path, sizeof(path), c->d->root, RELOAD_NOTE);
    if (clp_read_file(path, 64, &data, &len) < 0) {
        return;
    }
    uint64_t at = strtoull(data, NULL, 10), now = clp_wall_ms();
    free(data);
    unlink(path);
    if (at && now >= at && now - at < RELOAD_NOTE_MAX_AGE_MS) {
        clp_info(
            "started by a reload: this cluster start's automatic group start was already done");
        rc_note_autostarted(c);
    }
}

/* A difference that outlasts a push's rolling apply becomes an alert. */
static void alert_lasting(core_t *c, uint64_t now)
{
    uint64_t pending = c->conf_differs & ~c->conf_alerted & nm_up_mask(c->nm);
    for (int k = 0; pending && k < nm_n_servers(c->nm); k++) {
        if (!((pending >> k) & 1u) || now - c->conf_differs_since[k] < CONFGEN_ALERT_AFTER_MS) {
            continue;
        }
        char theirs[24], mine[24];
        snprintf(theirs, sizeof(theirs), "%" PRIu64, c->conf_gen[k]);
        snprintf(mine, sizeof(mine), "%lu", c->conf->generation);
        CLP_ALERT(c->d->ev, "cfmgr", 10, c->conf->servers[k].name, theirs, mine);
        c->conf_alerted |= 1ull << k;
    }
}

void confgen_tick(core_t *c, uint64_t now)
{
    if (!c->reload_checked) {
        read_note(c);
    }
    alert_lasting(c, now);
    if (!c->reload_until || c->reload_exit) {
        return;
    }
    if (c->stopping || c->fenced) {
        c->reload_until = 0;
        return;
    }
    if (!rc_idle(c)) {
        if (c->reload_quiet_at) { /* an operation came in meanwhile: monitors back */
            rm_suspend_all(c, c->suspended);
            c->reload_quiet_at = 0;
        }
        if (now >= c->reload_until) {
            clp_warn("reload given up: group operations kept running for %d s",
                     CONFGEN_RELOAD_WAIT_MS / 1000);
            c->reload_until = 0;
        }
        return;
    }
    /* Monitor checks in flight are ended and reaped first: the process must
     * not leave children it would no longer watch (nor their memory). */
    if (!c->reload_quiet_at) {
        rm_suspend_all(c, true);
        c->reload_quiet_at = now ? now : 1;
        return;
    }
    if (child_running() > 0 && now - c->reload_quiet_at < CONFGEN_QUIET_WAIT_MS) {
        return;
    }
    clp_info("leaving for a reload: groups and resources stay as they are; the restarter "
             "starts the cluster service again with the new configuration");
    leave_note(c);
    c->reload_exit = true;
    clp_daemon_exit_loop(c->d);
}

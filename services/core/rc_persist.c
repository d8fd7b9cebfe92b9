/*
 * rc_persist: what is active on this server, written to work/rc.state before
 * acting and after, and read back by a restarted core (written for a restart
 * of the core, not for a power loss: see rc_persist_save).
 *
 * The file is text, one line per group that is not offline and one per
 * resource that is not offline:
 *   group <name> <state> <event>
 *   rsc <name> <state>
 * (states are the GroupState numbers). A restarted core probes each recorded
 * resource (in a child, like any resource operation): a group that was online
 * and whose resources all still run is online again, untouched; anything else
 * (an operation interrupted by the restart, a resource gone) is stopped
 * cleanly, so the group is either wholly there or wholly gone, and the master
 * decides from there.
 */
#define CLP_LOG_TAG "rc.persist"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_xalloc.h"
#include "rc_int.h"

static void state_path(rc_t *rc, char *out, size_t n)
{
    clp_path(out, n, rc->c->d->root, "work/rc.state");
}

void rc_persist_save(rc_t *rc)
{
    size_t cap = 256 + (rc->n_grp + rc->n_rsc) * 160, len = 0;
    char *buf = xmalloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "# written by clusterpro: what is active here\n");
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (G->local != CLP__GROUP_STATE__GROUP_OFFLINE) {
            len += (size_t)snprintf(buf + len, cap - len, "group %s %d %s\n", G->conf->name,
                                    (int)G->local, G->event[0] ? G->event : "START");
        }
    }
    for (size_t i = 0; i < rc->n_rsc; i++) {
        rrt_t *R = &rc->rsc[i];
        if (R->state != CLP__GROUP_STATE__GROUP_OFFLINE) {
            len += (size_t)snprintf(buf + len, cap - len, "rsc %s %d\n", R->conf->name,
                                    (int)R->state);
        }
    }
    char path[CLP_PATH_MAX];
    state_path(rc, path, sizeof(path));
    /* Replaced atomically, not fsynced: a restarted core reads it from the page
     * cache, and after a power loss nothing it names is active any more (the
     * probes at start find that either way). It is written several times per
     * group operation from the event loop, where two fsyncs cost 1-14 ms each. */
    int err = clp_write_replace(path, buf, len, 0644);
    if (err < 0) {
        clp_error("cannot record the active groups in %s: %s", path, strerror(-err));
    }
    free(buf);
}

/* ---- recovery after a restart ---- */

typedef struct {
    rc_t *rc;
    int g;
    int pending;
    bool all_active;
    bool was_online;
} recov_t;

typedef struct {
    recov_t *rv;
    int r;
    rsc_ctx_t ctx;
} probe_t;

static int probe_body(void *arg)
{
    probe_t *p = arg;
    return p->rv->rc->rsc[p->r].type->probe(&p->ctx);
}

static void recovered(recov_t *rv)
{
    rc_t *rc = rv->rc;
    grt_t *G = &rc->grp[rv->g];
    G->probing = false;
    if (rv->was_online && rv->all_active) {
        clp_info("group %s: all its resources are still active after the restart: Online",
                 G->conf->name);
        for (int i = 0; i < G->n_members; i++) {
            rc->rsc[G->members[i]].state = CLP__GROUP_STATE__GROUP_ONLINE;
        }
        G->op = LOP_NONE;
        G->want_failover = false;
        rc_set_local_state(rc, rv->g, CLP__GROUP_STATE__GROUP_ONLINE);
        rc_persist_save(rc);
    } else {
        clp_warn("group %s: found %s after the restart; stopping what is left of it, then it "
                 "fails over",
                 G->conf->name, rv->was_online ? "resources missing" : "an interrupted operation");
        G->lost = true;
        G->op = LOP_NONE;
        G->want_failover = false;
        rc_local_deactivate(rc, rv->g, "GROUPSTOP", 0, -1);
    }
    free(rv);
}

static void on_probe(void *arg, int status, const char *output, int elapsed_ms)
{
    probe_t *p = arg;
    recov_t *rv = p->rv;
    rrt_t *R = &rv->rc->rsc[p->r];
    if (status == RSC_OK) {
        R->state = CLP__GROUP_STATE__GROUP_ONLINE;
    } else {
        rv->all_active = false;
        /* Not active (or unknown): stopping it again is harmless. */
        R->state = CLP__GROUP_STATE__GROUP_ONLINE;
    }
    free(p);
    if (--rv->pending == 0) {
        recovered(rv);
    }
}

int rc_persist_recover(rc_t *rc)
{
    char path[CLP_PATH_MAX], *data = NULL;
    state_path(rc, path, sizeof(path));
    if (clp_read_file(path, 1 << 20, &data, NULL) < 0) {
        return 0;
    }
    int found = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char kind[8], name[CLP_NAME_MAX], event[16] = "";
        int st;
        if (sscanf(line, "%7s %63s %d %15s", kind, name, &st, event) < 3) {
            continue;
        }
        if (strcmp(kind, "group") == 0) {
            int g = rc_group_index(rc->c, name);
            if (g >= 0) {
                rc->grp[g].local = (Clp__GroupState)st;
                rc->grp[g].at[rc->c->self] = (Clp__GroupState)st;
                snprintf(rc->grp[g].event, sizeof(rc->grp[g].event), "%s", event);
                found++;
            }
        } else if (strcmp(kind, "rsc") == 0) {
            for (size_t i = 0; i < rc->n_rsc; i++) {
                if (strcmp(rc->rsc[i].conf->name, name) == 0) {
                    rc->rsc[i].state = (Clp__GroupState)st;
                }
            }
        }
    }
    free(data);
    for (size_t g = 0; g < rc->n_grp; g++) {
        grt_t *G = &rc->grp[g];
        if (G->local == CLP__GROUP_STATE__GROUP_OFFLINE) {
            continue;
        }
        clp_info("group %s was %s on this server before the restart: probing its resources",
                 G->conf->name, rc_state_name(G->local));
        recov_t *rv = xcalloc(1, sizeof(*rv));
        rv->rc = rc;
        rv->g = (int)g;
        rv->all_active = true;
        rv->was_online = G->local == CLP__GROUP_STATE__GROUP_ONLINE;
        /* Keep the group marked busy until the probes end, and announce it as
         * pending: until they answer, "Online" is only what was recorded
         * before the restart (another server may hold it by now, and would
         * take it for a dual activation). */
        G->op = LOP_ACTIVATE;
        G->want_failover = true;
        G->probing = true;
        for (int i = 0; i < G->n_members; i++) {
            rrt_t *R = &rc->rsc[G->members[i]];
            if (!R->type || !R->type->probe) {
                continue;
            }
            probe_t *p = xcalloc(1, sizeof(*p));
            p->rv = rv;
            p->r = G->members[i];
            rsc_ctx_init(&p->ctx, rc->c->conf, rc->c->self, rc->c->d->root, R->conf, G->conf);
            rv->pending++;
            if (!child_run_fn(rc->c->d->base, probe_body, p, 30000, NULL, on_probe, p)) {
                rv->pending--;
                rv->all_active = false;
                free(p);
            }
        }
        if (rv->pending == 0) {
            recovered(rv);
        }
    }
    return found;
}

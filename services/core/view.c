/*
 * view: NodeState and ClusterStatus building.
 */
#define CLP_LOG_TAG "view"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_time.h"
#include "clp_xalloc.h"
#include "confgen.h"
#include "peer.h"
#include "rc.h"
#include "rm.h"

#define PUBLISH_EVERY_MS 2000

static Clp__PathStatus *path_status(core_t *c, int j, uint64_t now)
{
    const clp_hb_t *hb = &c->conf->hbs[j];
    Clp__PathStatus *ps = xcalloc(1, sizeof(*ps));
    clp__path_status__init(ps);
    ps->name = (char *)hb->name;
    ps->type = (char *)hb->type;
    int n = nm_n_servers(c->nm), used = 0, ok = 0;
    ps->peers = xcalloc((size_t)n + 1, sizeof(*ps->peers));
    for (int k = 0; k < n; k++) {
        if (k == c->self || !nm_path_used(c->nm, k, j)) {
            continue;
        }
        bool peer_up = nm_peer_state(c->nm, k) != NM_PEER_DOWN;
        Clp__PathPeer *pp = xcalloc(1, sizeof(*pp));
        clp__path_peer__init(pp);
        pp->server = (char *)c->conf->servers[k].name;
        pp->state = nm_path_state(c->nm, k, j, now);
        pp->last_rx_age_ms = nm_path_age_ms(c->nm, k, j, now);
        pp->max_delay_ms = nm_path_max_gap(c->nm, k, j);
        ps->peers[ps->n_peers++] = pp;
        /* A path to a server that is down is not this server's fault. */
        if (peer_up) {
            used++;
            if (pp->state == CLP__PATH_STATE__PATH_NORMAL) {
                ok++;
            }
        }
    }
    if (!hb->supported) {
        ps->state = CLP__PATH_STATE__PATH_UNUSED;
    } else if (used == 0) {
        ps->state = CLP__PATH_STATE__PATH_NORMAL;
    } else if (ok == used) {
        ps->state = CLP__PATH_STATE__PATH_NORMAL;
    } else if (ok == 0) {
        ps->state = CLP__PATH_STATE__PATH_ERROR;
    } else {
        ps->state = CLP__PATH_STATE__PATH_CAUTION;
    }
    return ps;
}

static void free_path_status(Clp__PathStatus *ps)
{
    for (size_t i = 0; i < ps->n_peers; i++) {
        free(ps->peers[i]);
    }
    free(ps->peers);
    free(ps);
}

static Clp__NpStatus *np_status(core_t *c, int i)
{
    Clp__NpStatus *s = xcalloc(1, sizeof(*s));
    clp__np_status__init(s);
    s->name = (char *)c->conf->nps[i].name;
    s->type = (char *)c->conf->nps[i].type;
    const char *why = "";
    int h = np_health(c->np, i, &why);
    if (!np_applies(c->conf, c->self, &c->conf->nps[i])) {
        s->state = CLP__PATH_STATE__PATH_UNUSED;
    } else if (strcmp(c->conf->nps[i].type, "majority") == 0) {
        s->state = CLP__PATH_STATE__PATH_NORMAL;
    } else {
        s->state = h == 1 ? CLP__PATH_STATE__PATH_NORMAL
                   : h == 0 ? CLP__PATH_STATE__PATH_ERROR
                            : CLP__PATH_STATE__PATH_UNKNOWN;
    }
    s->message = (char *)why;
    return s;
}

void view_node_state(core_t *c, Clp__NodeState *ns)
{
    uint64_t now = clp_mono_ms();
    clp__node_state__init(ns);
    ns->server = (char *)c->conf->servers[c->self].name;
    ns->state = core_local_state(c);
    ns->version = c->state_version;
    ns->config_generation = c->conf->generation;
    ns->config_hash = (char *)c->conf->sha256;
    ns->toratio = c->toratio;
    ns->toratio_until_wall_ms = c->toratio_until_wall;
    ns->incarnation = c->d->mctx.incarnation;
    ns->n_paths = c->conf->n_hbs;
    ns->paths = xcalloc(c->conf->n_hbs + 1, sizeof(*ns->paths));
    for (size_t j = 0; j < c->conf->n_hbs; j++) {
        ns->paths[j] = path_status(c, (int)j, now);
    }
    ns->n_nps = c->conf->n_nps;
    ns->nps = xcalloc(c->conf->n_nps + 1, sizeof(*ns->nps));
    for (size_t i = 0; i < c->conf->n_nps; i++) {
        ns->nps[i] = np_status(c, (int)i);
    }
    rc_fill_node_state(c, ns);
    rm_fill_node_state(c, ns);
}

void view_free_node_state(Clp__NodeState *ns)
{
    for (size_t j = 0; j < ns->n_paths; j++) {
        free_path_status(ns->paths[j]);
    }
    free(ns->paths);
    for (size_t i = 0; i < ns->n_nps; i++) {
        free(ns->nps[i]);
    }
    free(ns->nps);
    rc_free_node_state(ns);
    rm_free_node_state(ns);
}

void view_publish_tick(core_t *c, uint64_t now)
{
    if (c->state_version == c->published_version && c->published_at &&
        now - c->published_at < PUBLISH_EVERY_MS) {
        return;
    }
    c->published_version = c->state_version;
    c->published_at = now;
    Clp__NodeState ns;
    view_node_state(c, &ns);
    peer_publish(c->peer, &ns);
    view_free_node_state(&ns);
}

/* ---- ClusterStatus ---- */

static Clp__ServerView *server_view(core_t *c, int k, bool local_only, uint64_t now)
{
    Clp__ServerView *sv = xcalloc(1, sizeof(*sv));
    clp__server_view__init(sv);
    const clp_server_t *s = &c->conf->servers[k];
    sv->name = (char *)s->name;
    sv->priority = (uint32_t)s->priority;
    sv->is_master = nm_master(c->nm) == k;
    sv->state = nm_peer_reported_state(c->nm, k);
    if (k != c->self && nm_peer_state(c->nm, k) == NM_PEER_SUSPECT) {
        sv->state = CLP__SERVER_STATE__SERVER_UNKNOWN;
    }
    /* Paths as seen from here: for a peer, its rows are our path to it. */
    sv->n_paths = c->conf->n_hbs;
    sv->paths = xcalloc(c->conf->n_hbs + 1, sizeof(*sv->paths));
    bool any_error = false;
    for (size_t j = 0; j < c->conf->n_hbs; j++) {
        Clp__PathStatus *ps = path_status(c, (int)j, now);
        if (k != c->self) {
            ps->state = nm_path_state(c->nm, k, (int)j, now);
            if (nm_peer_state(c->nm, k) == NM_PEER_DOWN) {
                ps->state = CLP__PATH_STATE__PATH_ERROR;
            }
        }
        if (ps->state == CLP__PATH_STATE__PATH_ERROR ||
            ps->state == CLP__PATH_STATE__PATH_CAUTION) {
            any_error = true;
        }
        sv->paths[j] = ps;
    }
    sv->caution = any_error && (sv->state == CLP__SERVER_STATE__SERVER_ONLINE);
    if (k == c->self) {
        sv->n_own_paths = sv->n_paths;
        sv->own_paths = sv->paths; /* the same objects: freed once, through paths */
        sv->n_nps = c->conf->n_nps;
        sv->nps = xcalloc(c->conf->n_nps + 1, sizeof(*sv->nps));
        for (size_t i = 0; i < c->conf->n_nps; i++) {
            sv->nps[i] = np_status(c, (int)i);
        }
        sv->config_hash = (char *)c->conf->sha256;
        sv->config_generation = c->conf->generation;
    } else {
        uint64_t age = 0;
        const Clp__NodeState *ns = local_only ? NULL : peer_state(c->peer, k, &age);
        bool fresh = ns && nm_peer_state(c->nm, k) == NM_PEER_UP;
        sv->n_nps = c->conf->n_nps;
        sv->nps = xcalloc(c->conf->n_nps + 1, sizeof(*sv->nps));
        for (size_t i = 0; i < c->conf->n_nps; i++) {
            Clp__NpStatus *np = xcalloc(1, sizeof(*np));
            clp__np_status__init(np);
            np->name = (char *)c->conf->nps[i].name;
            np->type = (char *)c->conf->nps[i].type;
            /* A stopped server's NP status is unknown, never "normal" (a bug of the
             * original showed it as normal). */
            np->state = CLP__PATH_STATE__PATH_UNKNOWN;
            np->message = "";
            for (size_t x = 0; fresh && x < ns->n_nps; x++) {
                if (strcmp(ns->nps[x]->name, np->name) == 0) {
                    np->state = ns->nps[x]->state;
                }
            }
            sv->nps[i] = np;
        }
        if (fresh) {
            sv->n_own_paths = ns->n_paths; /* borrowed from the stored NodeState */
            sv->own_paths = ns->paths;
        }
        sv->config_hash = fresh ? ns->config_hash : "";
        sv->config_generation = fresh ? ns->config_generation : 0;
        sv->state_age_ms = age;
        if (nm_peer_state(c->nm, k) == NM_PEER_UP) {
            /* what its heartbeats say, fresher than its last NodeState */
            sv->config_generation = confgen_generation(c, k);
            sv->config_differs = confgen_differs(c, k);
            sv->caution = sv->caution || sv->config_differs;
        }
    }
    return sv;
}

static void free_server_view(Clp__ServerView *sv, bool local)
{
    for (size_t j = 0; j < sv->n_paths; j++) {
        free_path_status(sv->paths[j]);
    }
    free(sv->paths);
    for (size_t i = 0; i < sv->n_nps; i++) {
        free(sv->nps[i]);
    }
    free(sv->nps);
    free(sv);
}

void view_status(core_t *c, bool local_only, Clp__ClusterStatus *st)
{
    uint64_t now = clp_mono_ms();
    clp__cluster_status__init(st);
    st->cluster = (char *)c->conf->cluster.name;
    st->local_server = (char *)c->conf->servers[c->self].name;
    int m = nm_master(c->nm);
    st->master = m >= 0 ? (char *)c->conf->servers[m].name : "";
    st->local_state = core_local_state(c);
    st->toratio = c->toratio;
    st->toratio_until_wall_ms = c->toratio_until_wall;
    st->config_generation = c->conf->generation;
    int n = nm_n_servers(c->nm);
    st->n_servers = (size_t)n;
    st->servers = xcalloc((size_t)n + 1, sizeof(*st->servers));
    for (int k = 0; k < n; k++) {
        st->servers[k] = server_view(c, k, local_only, now);
        if ((st->servers[k]->config_hash[0] &&
             strcmp(st->servers[k]->config_hash, c->conf->sha256) != 0) ||
            st->servers[k]->config_differs) {
            st->config_mismatch = true;
        }
    }
    rc_fill_view(c, st);
    rm_fill_view(c, st, local_only);
}

void view_free_status(Clp__ClusterStatus *st)
{
    for (size_t k = 0; k < st->n_servers; k++) {
        free_server_view(st->servers[k], false);
    }
    free(st->servers);
    rc_free_view(st);
    rm_free_view(st);
}

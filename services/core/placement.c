/*
 * placement: the candidate filter and ordering (see placement.h).
 */
#include "placement.h"

#include <stdio.h>
#include <string.h>

int place_policy_rank(const clp_conf_t *conf, int g, int s)
{
    const clp_group_t *grp = &conf->groups[g];
    for (size_t i = 0; i < grp->n_policy; i++) {
        if (strcmp(grp->policy[i].server, conf->servers[s].name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static bool holds_exclusive(const place_input_t *in, int s, int g, int kind)
{
    for (size_t h = 0; h < in->conf->n_groups; h++) {
        if ((int)h != g && in->where[h] == s && in->conf->groups[h].exclusive == kind) {
            return true;
        }
    }
    return false;
}

bool place_deps_ready(const place_input_t *in, int g, int s, char *why, size_t n)
{
    const clp_group_t *grp = &in->conf->groups[g];
    for (size_t i = 0; i < grp->n_act_deps; i++) {
        const clp_group_dep_t *dep = &grp->act_deps[i];
        int h = -1;
        for (size_t k = 0; k < in->conf->n_groups; k++) {
            if (strcmp(in->conf->groups[k].name, dep->group) == 0) {
                h = (int)k;
            }
        }
        if (h < 0) {
            continue;
        }
        if (in->where[h] == PLACE_NONE || (dep->sameserver && in->where[h] != s)) {
            if (why) {
                snprintf(why, n, "waiting for group %s to start%s", dep->group,
                         dep->sameserver ? " on the same server" : "");
            }
            return false;
        }
    }
    return true;
}

bool place_allowed(const place_input_t *in, int g, int s, bool force, bool ignore_policy,
                   char *why, size_t n)
{
    const clp_conf_t *conf = in->conf;
    const char *name = conf->servers[s].name;
    if (!((in->online >> s) & 1u)) {
        snprintf(why, n, "server %s is not running the cluster service", name);
        return false;
    }
    if (!ignore_policy && place_policy_rank(conf, g, s) < 0) {
        snprintf(why, n, "server %s is not a startup server of group %s", name,
                 conf->groups[g].name);
        return false;
    }
    if (!force && in->restrict_mask && ((in->restrict_mask[g] >> s) & 1u)) {
        snprintf(why, n, "a monitor error on server %s forbids starting group %s", name,
                 conf->groups[g].name);
        return false;
    }
    if (conf->groups[g].exclusive == CLP_EXCL_COMPLETE &&
        holds_exclusive(in, s, g, CLP_EXCL_COMPLETE)) {
        snprintf(why, n, "server %s already runs a complete-exclusive group", name);
        return false;
    }
    return true;
}

void place_group(const place_input_t *in, int g, int prev, uint64_t exclude, place_mode_t mode,
                 bool force, place_result_t *out)
{
    const clp_conf_t *conf = in->conf;
    const clp_group_t *grp = &conf->groups[g];
    int cand[64], ncand = 0;
    char why[160] = "";
    bool first_skipped = false;

    memset(out, 0, sizeof(*out));
    out->server = PLACE_NONE;
    for (size_t i = 0; i < grp->n_policy && ncand < 64; i++) {
        int s = clp_conf_server_index(conf, grp->policy[i].server);
        if (s < 0) {
            continue;
        }
        if ((exclude >> s) & 1u) {
            if (!why[0]) {
                snprintf(why, sizeof(why), "server %s is excluded", conf->servers[s].name);
            }
            first_skipped = first_skipped || ncand == 0;
            continue;
        }
        if (mode == PLACE_FAILOVER && s == prev) {
            continue;
        }
        char w[160];
        if (!place_allowed(in, g, s, force, false, w, sizeof(w))) {
            if (!why[0] || ((in->online >> s) & 1u)) {
                snprintf(why, sizeof(why), "%s", w);
            }
            first_skipped = first_skipped || ncand == 0;
            continue;
        }
        if (!place_deps_ready(in, g, s, w, sizeof(w))) {
            snprintf(why, sizeof(why), "%s", w);
            continue;
        }
        cand[ncand++] = s;
    }
    if (mode == PLACE_FAILBACK) {
        /* Failback only to a server better than the current one. */
        int cur = prev >= 0 ? place_policy_rank(conf, g, prev) : -1;
        if (ncand == 0 || cur < 0 || place_policy_rank(conf, g, cand[0]) >= cur) {
            snprintf(out->reason, sizeof(out->reason), "no server better than the current one");
            return;
        }
        out->server = cand[0];
        snprintf(out->reason, sizeof(out->reason), "failback to a higher-priority server");
        return;
    }
    if (ncand == 0) {
        snprintf(out->reason, sizeof(out->reason), "%s",
                 why[0] ? why : "no startup server is running the cluster service");
        return;
    }
    /* Normal exclusion: prefer servers without another normal-exclusive group. */
    if (grp->exclusive == CLP_EXCL_NORMAL) {
        int kept[64], nk = 0;
        for (int i = 0; i < ncand; i++) {
            if (!holds_exclusive(in, cand[i], g, CLP_EXCL_NORMAL)) {
                kept[nk++] = cand[i];
            }
        }
        if (nk > 0) {
            if (nk < ncand) {
                first_skipped = true;
            }
            memcpy(cand, kept, (size_t)nk * sizeof(int));
            ncand = nk;
        }
    }
    /* Server groups. */
    const char *sg = prev >= 0 ? conf->servers[prev].servergroup : "";
    if (grp->servergroup_use && sg[0]) {
        int same = -1;
        for (int i = 0; i < ncand; i++) {
            if (strcmp(conf->servers[cand[i]].servergroup, sg) == 0) {
                same = cand[i];
                break;
            }
        }
        if (same >= 0) {
            out->server = same;
            out->same_sg = true;
            snprintf(out->reason, sizeof(out->reason), "first startup server in server group %s",
                     sg);
            return;
        }
        if (!grp->servergroup_across) {
            snprintf(out->reason, sizeof(out->reason),
                     "no startup server of server group %s can run it, and failover across "
                     "server groups is off",
                     sg);
            return;
        }
        out->other_sg = true;
    }
    out->server = cand[0];
    if (first_skipped) {
        snprintf(out->reason, sizeof(out->reason),
                 "chosen automatically: the failover policy's earlier servers cannot run it");
    } else {
        snprintf(out->reason, sizeof(out->reason), "failover policy order");
    }
}

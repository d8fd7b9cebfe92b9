/*
 * np: the method table, the pure decision chain, and the resolution and
 * health-check children.
 */
#define CLP_LOG_TAG "np"
#include "np.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"

static const np_method_t *const np_methods[] = {
    &np_ping_method,
    &np_majority_method,
    &np_disk_method,
    &np_http_method,
};

const np_method_t *np_method(const char *type)
{
    for (size_t i = 0; i < sizeof(np_methods) / sizeof(np_methods[0]); i++) {
        if (strcmp(np_methods[i]->type, type) == 0) {
            return np_methods[i];
        }
    }
    return NULL;
}

bool np_applies(const clp_conf_t *conf, int self, const clp_np_t *np)
{
    if (!np->supported || !np_method(np->type)) {
        return false;
    }
    if (strcmp(np->type, "pingnp") == 0 && np->device >= 0) {
        const clp_device_t *d = clp_conf_device(&conf->servers[self], np->device);
        return d && d->info && strcmp(d->info, "1") == 0;
    }
    if (strcmp(np->type, "disknp") == 0) {
        return clp_conf_device(&conf->servers[self], np->device) != NULL;
    }
    return true;
}

static int popcount64(uint64_t m)
{
    return __builtin_popcountll(m);
}

np_verdict_t np_majority(const np_input_t *in)
{
    int total = popcount64(in->members);
    int mine = popcount64(in->members & in->reachable);
    if (2 * mine > total) {
        return NP_SURVIVE;
    }
    if (2 * mine < total) {
        return NP_LOSE;
    }
    return NP_UNDECIDED;
}

np_verdict_t np_tiebreak(const np_input_t *in)
{
    int best = -1;
    for (size_t k = 0; k < in->conf->n_servers && k < 64; k++) {
        if (!((in->members >> k) & 1u)) {
            continue;
        }
        if (best < 0 || in->conf->servers[k].priority < in->conf->servers[best].priority) {
            best = (int)k;
        }
    }
    if (best < 0) {
        return NP_SURVIVE;
    }
    return ((in->reachable >> best) & 1u) ? NP_SURVIVE : NP_LOSE;
}

np_verdict_t np_decide(const np_input_t *in, const np_verdict_t *results, char *why, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < in->conf->n_nps; i++) {
        const clp_np_t *np = &in->conf->nps[i];
        if (!np_applies(in->conf, in->self, np)) {
            continue;
        }
        any = true;
        if (results[i] != NP_UNDECIDED) {
            snprintf(why, n, "%s decided: %s", np->name,
                     results[i] == NP_SURVIVE ? "this server survives" : "this server must stop");
            return results[i];
        }
    }
    if (!any) {
        snprintf(why, n, "no network partition resolution resource is configured; surviving");
        return NP_SURVIVE;
    }
    np_verdict_t v = np_tiebreak(in);
    snprintf(why, n, "no resource decided; the side with the highest-priority server %s",
             v == NP_SURVIVE ? "is this side: surviving" : "is the other side: stopping");
    return v;
}

/* ---- orchestration ---- */

typedef struct {
    np_input_t in;
    bool holding;
} np_job_t;

typedef struct {
    int status; /* 1 ok, 0 error, -1 unknown */
    char why[160];
    child_t *child;
} np_health_t;

struct np {
    struct event_base *base;
    const clp_conf_t *conf;
    const clp_keys_t *keys;
    int self;
    child_t *resolving;
    np_done_fn done;
    void *done_arg;
    np_job_t job;
    child_t *holder;
    np_health_t *health;
    struct event *health_timer;
    np_health_fn health_fn;
    void *health_arg;
};

np_t *np_new(struct event_base *base, const clp_conf_t *conf, int self, const clp_keys_t *keys,
             const char *root)
{
    np_t *np = xcalloc(1, sizeof(*np));
    np->base = base;
    np->conf = conf;
    np->self = self;
    np->keys = keys;
    np->health = xcalloc(conf->n_nps + 1, sizeof(*np->health));
    for (size_t i = 0; i < conf->n_nps; i++) {
        np->health[i].status = -1;
    }
    return np;
}

void np_destroy(np_t **pnp)
{
    if (!pnp || !*pnp) {
        return;
    }
    np_t *np = *pnp;
    child_abandon(np->resolving);
    child_abandon(np->holder);
    for (size_t i = 0; i < np->conf->n_nps; i++) {
        child_abandon(np->health[i].child);
    }
    if (np->health_timer) {
        event_free(np->health_timer);
    }
    free(np->health);
    free(np);
    *pnp = NULL;
}

static int resolve_body(void *arg)
{
    np_t *np = arg;
    const np_input_t *in = &np->job.in;
    np_verdict_t *res = xcalloc(in->conf->n_nps + 1, sizeof(*res));
    char why[256];
    for (size_t i = 0; i < in->conf->n_nps; i++) {
        const clp_np_t *r = &in->conf->nps[i];
        res[i] = NP_UNDECIDED;
        if (!np_applies(in->conf, in->self, r)) {
            continue;
        }
        char mwhy[256] = "";
        res[i] = np_method(r->type)->resolve(in, r, mwhy, sizeof(mwhy));
        printf("%s: %s\n", r->name, mwhy);
        if (res[i] != NP_UNDECIDED) {
            break; /* the chain stops at the first decisive resource */
        }
    }
    np_verdict_t v = np_decide(in, res, why, sizeof(why));
    printf("%s\n", why);
    fflush(stdout);
    return (int)v;
}

static void on_resolved(void *arg, int status, const char *output, int elapsed_ms)
{
    np_t *np = arg;
    np->resolving = NULL;
    np_verdict_t v;
    char why[512];
    if (status == NP_SURVIVE || status == NP_LOSE) {
        v = (np_verdict_t)status;
        /* The last output line is the chain's reason. */
        const char *end = output + strlen(output);
        while (end > output && end[-1] == '\n') {
            end--;
        }
        const char *start = end;
        while (start > output && start[-1] != '\n') {
            start--;
        }
        snprintf(why, sizeof(why), "%.*s", (int)(end - start), start);
    } else {
        /* The resolution itself failed: data protection first. */
        v = NP_LOSE;
        snprintf(why, sizeof(why), "network partition resolution failed (status %d)", status);
    }
    np->done(np->done_arg, v, why, elapsed_ms);
}

int np_resolve(np_t *np, const np_input_t *in, np_done_fn done, void *arg)
{
    if (np->resolving) {
        return -EBUSY;
    }
    np->job.in = *in;
    np->done = done;
    np->done_arg = arg;
    /* Generous overall bound: every method has its own, shorter timeout. */
    int limit = 10000;
    for (size_t i = 0; i < np->conf->n_nps; i++) {
        const np_method_t *m = np_method(np->conf->nps[i].type);
        if (m && m->skew_ms) {
            limit += m->skew_ms(np->conf, &np->conf->nps[i]);
        }
    }
    limit += 4 * np->conf->cluster.hb_interval_ms;
    np->resolving = child_run_fn(np->base, resolve_body, np, limit, NULL, on_resolved, np);
    return np->resolving ? 0 : -errno;
}

bool np_busy(const np_t *np)
{
    return np->resolving != NULL;
}

static int hold_body(void *arg)
{
    np_t *np = arg;
    const np_input_t *in = &np->job.in;
    int hold_ms = np->conf->cluster.hb_timeout_ms + 4 * np->conf->cluster.hb_interval_ms + 2000;
    for (size_t i = 0; i < in->conf->n_nps; i++) {
        const clp_np_t *r = &in->conf->nps[i];
        const np_method_t *m = np_method(r->type);
        if (np_applies(in->conf, in->self, r) && m->hold) {
            m->hold(in, r, hold_ms);
            return 0; /* only one resource can be held at a time */
        }
    }
    return 0;
}

static void on_hold_done(void *arg, int status, const char *output, int elapsed_ms)
{
    np_t *np = arg;
    np->holder = NULL;
}

void np_hold(np_t *np, const np_input_t *in)
{
    bool any = false;
    for (size_t i = 0; i < np->conf->n_nps; i++) {
        const np_method_t *m = np_method(np->conf->nps[i].type);
        if (m && m->hold && np_applies(np->conf, np->self, &np->conf->nps[i])) {
            any = true;
        }
    }
    if (!any || np->holder) {
        return;
    }
    np->job.in = *in;
    np->holder = child_run_fn(np->base, hold_body, np, 0, NULL, on_hold_done, np);
}

int np_grace_margin_ms(int interval_ms)
{
    return interval_ms < 25 ? 25 : interval_ms > 100 ? 100 : interval_ms;
}

uint32_t np_grace_ms(const np_t *np)
{
    int skew = 0;
    for (size_t i = 0; i < np->conf->n_nps; i++) {
        const clp_np_t *r = &np->conf->nps[i];
        const np_method_t *m = np_method(r->type);
        if (m && m->skew_ms && r->supported) {
            int s = m->skew_ms(np->conf, r);
            if (s > skew) {
                skew = s;
            }
        }
    }
    int interval = np->conf->cluster.hb_interval_ms;
    /* The loser detects the loss up to one interval after the winner, and may
     * decide skew ms later. With more than two servers, a loser that finds
     * every peer silent also waits interval + 20 ms (and a tick) to gather
     * them into one resolution (core.c, np_queue_loss): the winner waits for
     * that as well. On top, a margin for the loser's timers running late: one
     * interval, at least 25 ms and at most 100 ms - a server whose timers
     * are later than an interval is already late with its own beats, which
     * bench/hbjitter.sh measures. docs/np-timing.md gives the sums. */
    int margin = np_grace_margin_ms(interval);
    int settle = np->conf->n_servers > 2 ? interval + 120 : 0;
    return (uint32_t)(skew + interval + margin + settle);
}

/* ---- health ---- */

typedef struct {
    np_t *np;
    int index;
} health_ctx_t;

static int health_body(void *arg)
{
    health_ctx_t *j = arg;
    np_t *np = j->np;
    const clp_np_t *r = &np->conf->nps[j->index];
    np_input_t in = {.conf = np->conf, .keys = np->keys, .self = np->self};
    char why[256] = "";
    int rc = np_method(r->type)->health(&in, r, why, sizeof(why));
    printf("%s", why);
    fflush(stdout);
    return rc == 0 ? 0 : 1;
}

static void on_health(void *arg, int status, const char *output, int elapsed_ms)
{
    health_ctx_t *h = arg;
    np_t *np = h->np;
    np_health_t *st = &np->health[h->index];
    st->child = NULL;
    int now = status == 0 ? 1 : 0;
    char why[160];
    snprintf(why, sizeof(why), "%s", status == CHILD_TIMED_OUT ? "health check timed out" : output);
    if (now != st->status) {
        st->status = now;
        snprintf(st->why, sizeof(st->why), "%s", why);
        if (np->health_fn) {
            np->health_fn(np->health_arg, h->index, now == 1, why);
        }
    }
    free(h);
}

static void on_health_timer(evutil_socket_t fd, short what, void *arg)
{
    np_t *np = arg;
    for (size_t i = 0; i < np->conf->n_nps; i++) {
        const clp_np_t *r = &np->conf->nps[i];
        const np_method_t *m = np_method(r->type);
        if (!np_applies(np->conf, np->self, r) || !m->health || np->health[i].child) {
            continue;
        }
        health_ctx_t *h = xcalloc(1, sizeof(*h));
        h->np = np;
        h->index = (int)i;
        np->health[i].child = child_run_fn(np->base, health_body, h, 10000, NULL, on_health, h);
        if (!np->health[i].child) {
            free(h);
        }
    }
}

void np_health_start(np_t *np, uint32_t period_ms, np_health_fn fn, void *arg)
{
    np->health_fn = fn;
    np->health_arg = arg;
    if (!np->health_timer) {
        np->health_timer = event_new(np->base, -1, EV_PERSIST, on_health_timer, np);
    }
    struct timeval tv = clp_tv_ms(period_ms);
    event_add(np->health_timer, &tv);
    on_health_timer(-1, 0, np);
}

int np_health(const np_t *np, int index, const char **why)
{
    if (index < 0 || (size_t)index >= np->conf->n_nps) {
        return -1;
    }
    if (!np_applies(np->conf, np->self, &np->conf->nps[index])) {
        return -1;
    }
    if (why) {
        *why = np->health[index].why;
    }
    return np->health[index].status;
}

/*
 * np_majority: the side holding more than half of the servers that were up
 * before the loss survives; an exact half is undecided (the next resource, or
 * the tie-break, decides). Meant for 3 servers or more.
 */
#include <stdio.h>

#include "np.h"

static np_verdict_t resolve(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    np_verdict_t v = np_majority(in);
    snprintf(why, n, "this side holds %d of %d servers",
             __builtin_popcountll(in->members & in->reachable),
             __builtin_popcountll(in->members));
    return v;
}

static int skew(const clp_conf_t *conf, const clp_np_t *np)
{
    return 0;
}

const np_method_t np_majority_method = {
    .type = "majority",
    .resolve = resolve,
    .health = NULL,
    .hold = NULL,
    .skew_ms = skew,
};

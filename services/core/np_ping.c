/*
 * np_ping: ping network-partition resolution. The targets are grouped
 * (grp@N/list@M/ip): a group is reachable when any of its addresses answers,
 * and this server survives when every group is reachable. Each address gets
 * retry+1 echo requests 100 ms apart and the timeout after the last one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clp_icmp.h"
#include "np.h"

static void timing(const clp_np_t *np, int *count, int *timeout_ms)
{
    long t = clp_params_int(&np->params, "parameters/timeoutms", -1);
    if (t <= 0) {
        t = clp_params_int(&np->params, "parameters/timeout", 3) * 1000;
    }
    *timeout_ms = (int)t;
    *count = (int)clp_params_int(&np->params, "parameters/retry", 3) + 1;
}

static int check(const clp_np_t *np, char *why, size_t n)
{
    int count, timeout;
    timing(np, &count, &timeout);
    for (size_t g = 0; g < np->n_grps; g++) {
        const clp_np_target_group_t *grp = &np->grps[g];
        int ok = 0;
        for (size_t i = 0; i < grp->n_ips && !ok; i++) {
            ok = clp_ping(grp->ips[i], count, 100, timeout) == 0;
        }
        if (!ok) {
            snprintf(why, n, "no address of target group %zu answers ping (first: %s)", g,
                     grp->n_ips ? grp->ips[0] : "none");
            return -1;
        }
    }
    snprintf(why, n, "every ping target group answers");
    return 0;
}

static np_verdict_t resolve(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    return check(np, why, n) == 0 ? NP_SURVIVE : NP_LOSE;
}

static int health(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    return check(np, why, n);
}

static int skew(const clp_conf_t *conf, const clp_np_t *np)
{
    int count, timeout;
    timing(np, &count, &timeout);
    return (count - 1) * 100 + timeout;
}

const np_method_t np_ping_method = {
    .type = "pingnp",
    .resolve = resolve,
    .health = health,
    .hold = NULL,
    .skew_ms = skew,
};

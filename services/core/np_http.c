/*
 * np_http: HTTP witness network-partition resolution. The witness
 * (tools/clpwitness) grants a lease to the first side that asks, naming the
 * servers of that side, and refuses the other side while the lease lasts; the
 * winner renews it while it holds. Requests carry a MAC over the body keyed
 * with the cluster secret, so nobody else can take or renew a lease. A witness
 * that cannot be reached means this side loses.
 *
 * POST /clp/np/v1/resolve and /clp/np/v1/hold with the body
 *   cluster=<name>&server=<name>&side=<s1,s2,...>&ttl=<ms>
 * and the header X-Clp-Mac: <hex>; the answer is "survive" or "lose".
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clp_http.h"
#include "clp_time.h"
#include "np.h"

static int timeout_ms(const clp_np_t *np)
{
    long t = clp_params_int(&np->params, "parameters/timeoutms", -1);
    if (t <= 0) {
        t = clp_params_int(&np->params, "parameters/timeout", 20) * 1000;
    }
    return (int)t;
}

static int ask(const np_input_t *in, const clp_np_t *np, const char *op, int ttl, char *why,
               size_t n)
{
    char body[2048], side[1600] = "", hdr[160], mac_hex[2 * CLP_MAC_BYTES + 1];
    uint8_t mac[CLP_MAC_BYTES];
    size_t off = 0;
    for (size_t k = 0; k < in->conf->n_servers && k < 64; k++) {
        if ((in->reachable >> k) & 1u) {
            off += (size_t)snprintf(side + off, sizeof(side) - off, "%s%s", off ? "," : "",
                                    in->conf->servers[k].name);
            if (off >= sizeof(side)) {
                break;
            }
        }
    }
    int bl = snprintf(body, sizeof(body), "cluster=%s&server=%s&side=%s&ttl=%d&t=%llu",
                      in->conf->cluster.name, in->conf->servers[in->self].name, side, ttl,
                      (unsigned long long)clp_wall_ms());
    clp_mac(in->keys, body, (size_t)bl, mac);
    clp_hex(mac, sizeof(mac), mac_hex);
    snprintf(hdr, sizeof(hdr), "Content-Type: application/x-www-form-urlencoded\r\n"
                               "X-Clp-Mac: %s\r\n", mac_hex);
    const char *host = clp_params_str(&np->params, "host", "127.0.0.1");
    int port = (int)clp_params_int(&np->params, "port", 80);
    char path[64];
    snprintf(path, sizeof(path), "/clp/np/v1/%s", op);
    clp_http_resp_t r;
    int rc = clp_http_request(host, port, "POST", path, hdr, body, (size_t)bl, timeout_ms(np),
                              4096, &r);
    if (rc < 0) {
        snprintf(why, n, "witness %s:%d unreachable: %s", host, port, strerror(-rc));
        return -1;
    }
    int survive = r.status == 200 && strncmp(r.body, "survive", 7) == 0;
    snprintf(why, n, "witness %s:%d answered %d %.40s", host, port, r.status, r.body);
    clp_http_resp_free(&r);
    return survive ? 0 : 1;
}

static np_verdict_t resolve(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    int ttl = in->conf->cluster.hb_timeout_ms * 2 + 5000;
    return ask(in, np, "resolve", ttl, why, n) == 0 ? NP_SURVIVE : NP_LOSE;
}

static int hold(const np_input_t *in, const clp_np_t *np, int hold_ms)
{
    char why[256];
    uint64_t end = clp_mono_ms() + (uint64_t)hold_ms;
    int ttl = in->conf->cluster.hb_timeout_ms * 2 + 5000;
    while (clp_mono_ms() < end) {
        ask(in, np, "hold", ttl, why, sizeof(why));
        struct timespec ts = {.tv_sec = 1};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static int health(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    const char *host = clp_params_str(&np->params, "host", "127.0.0.1");
    int port = (int)clp_params_int(&np->params, "port", 80);
    clp_http_resp_t r;
    int rc = clp_http_request(host, port, "GET", "/clp/np/v1/health", NULL, NULL, 0,
                              timeout_ms(np), 4096, &r);
    if (rc < 0) {
        snprintf(why, n, "witness %s:%d unreachable: %s", host, port, strerror(-rc));
        return -1;
    }
    int ok = r.status == 200;
    snprintf(why, n, "witness %s:%d answered %d", host, port, r.status);
    clp_http_resp_free(&r);
    return ok ? 0 : -1;
}

static int skew(const clp_conf_t *conf, const clp_np_t *np)
{
    return timeout_ms(np);
}

const np_method_t np_http_method = {
    .type = "httpnp",
    .resolve = resolve,
    .health = health,
    .hold = hold,
    .skew_ms = skew,
};

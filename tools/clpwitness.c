/*
 * clpwitness: the HTTP witness for network-partition resolution (httpnp,
 * services/core/np_http.c): a small libevent HTTP daemon, for tests and for
 * real use on a host outside the cluster that every server reaches.
 *
 *   clpwitness --key [CLUSTER=]FILE [--key ...] [--listen ADDR] [--port P]
 *              [--state FILE] [--window MS] [--pidfile FILE]
 *
 *   POST /clp/np/v1/resolve   body cluster=&server=&side=&ttl=&t=, header X-Clp-Mac
 *   POST /clp/np/v1/hold      the same: the winner renews its lease
 *   GET  /clp/np/v1/health    200 "ok"
 *   GET  /clp/np/v1/leases    the leases in force, one "cluster side ms-left" line each
 *
 * A request is answered 200 "survive" or 200 "lose" (witness.h says when), 403
 * when its MAC is wrong (not made with the cluster's key), it is stale or
 * replayed, 400 when it is malformed, 404/405 for other paths and methods.
 * The key file is the cluster's etc/clp.key (64 hex characters); a key given
 * without CLUSTER= serves any cluster name. With --state, leases and the last
 * request time of every server survive a restart of the witness (written
 * before each answer that changed them). Every decision is logged on stdout.
 * SIGTERM or SIGINT ends it. Exit 0 after a signal, 2 for bad options, 1 when
 * it cannot start. See docs/witness.md.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_keys.h"
#include "clp_time.h"
#include "witness.h"

#define MAX_KEYS 32

typedef struct {
    char cluster[WITNESS_NAME_MAX]; /* "" = any */
    clp_keys_t keys;
} wkey_t;

typedef struct {
    witness_t *w;
    wkey_t keys[MAX_KEYS];
    int n_keys;
    const char *state;
    struct event_base *base;
} ctx_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: clpwitness --key [CLUSTER=]FILE [--key ...] [--listen ADDR] [--port P]\n"
                 "                  [--state FILE] [--window MS] [--pidfile FILE]\n"
                 "  --key FILE      a cluster's etc/clp.key; CLUSTER= limits it to that cluster\n"
                 "  --listen ADDR   address to listen on (default 0.0.0.0)\n"
                 "  --port P        TCP port (default 80)\n"
                 "  --state FILE    keep leases and request times across restarts\n"
                 "  --window MS     accepted clock difference of a request (default 30000)\n"
                 "  --pidfile FILE  write the pid here once listening\n");
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    char ts[40];
    clp_fmt_wall(clp_wall_ms(), ts, sizeof(ts));
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ts);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

static int load_key(const char *arg, wkey_t *k)
{
    const char *file = arg, *eq = strchr(arg, '=');
    memset(k, 0, sizeof(*k));
    if (eq) {
        size_t n = (size_t)(eq - arg);
        if (n == 0 || n >= sizeof(k->cluster)) {
            fprintf(stderr, "clpwitness: --key %s: bad cluster name\n", arg);
            return -1;
        }
        memcpy(k->cluster, arg, n);
        file = eq + 1;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "clpwitness: --key %s: %s\n", file, strerror(errno));
        return -1;
    }
    char hex[80] = "";
    if (!fgets(hex, sizeof(hex), f)) {
        hex[0] = '\0';
    }
    fclose(f);
    hex[strcspn(hex, "\r\n")] = '\0';
    uint8_t secret[32];
    if (strlen(hex) != 64 || clp_unhex(hex, secret, sizeof(secret)) < 0) {
        fprintf(stderr, "clpwitness: --key %s: not a cluster key (64 hex characters)\n", file);
        return -1;
    }
    clp_keys_derive(&k->keys, secret);
    return 0;
}

static const clp_keys_t *key_for(const ctx_t *c, const char *cluster)
{
    const clp_keys_t *any = NULL;
    for (int i = 0; i < c->n_keys; i++) {
        if (strcmp(c->keys[i].cluster, cluster) == 0) {
            return &c->keys[i].keys;
        }
        if (!c->keys[i].cluster[0] && !any) {
            any = &c->keys[i].keys;
        }
    }
    return any;
}

static void reply(struct evhttp_request *req, int code, const char *reason, const char *text)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "%s\n", text);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_send_reply(req, code, reason, b);
    evbuffer_free(b);
}

static void save_state(ctx_t *c)
{
    if (!c->state) {
        return;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", c->state);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        logf_("cannot write %s: %s", tmp, strerror(errno));
        return;
    }
    int rc = witness_save(c->w, clp_mono_ms(), clp_wall_ms(), f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = -errno;
    }
    fclose(f);
    if (rc < 0 || rename(tmp, c->state) < 0) {
        logf_("cannot save the state to %s", c->state);
    }
}

static void handle_np(ctx_t *c, struct evhttp_request *req, bool hold)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    char body[4096];
    if (len == 0 || len >= sizeof(body)) {
        reply(req, 400, "Bad Request", "lose: no or oversized body");
        return;
    }
    evbuffer_copyout(in, body, len);
    body[len] = '\0';
    char why[512];
    witness_req_t r;
    if (witness_parse(body, len, &r, why, sizeof(why)) < 0) {
        logf_("refused a malformed request from %s: %s",
              evhttp_request_get_host(req) ? evhttp_request_get_host(req) : "?", why);
        reply(req, 400, "Bad Request", "lose: malformed request");
        return;
    }
    const char *mac_hex = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Clp-Mac");
    const clp_keys_t *k = key_for(c, r.cluster);
    uint8_t mac[CLP_MAC_BYTES];
    if (!k || !mac_hex || strlen(mac_hex) != 2 * CLP_MAC_BYTES ||
        clp_unhex(mac_hex, mac, sizeof(mac)) < 0 || !clp_mac_ok(k, body, len, mac, sizeof(mac))) {
        logf_("refused %s from %s/%s: %s", hold ? "hold" : "resolve", r.cluster, r.server,
              !k ? "no key for this cluster" : "wrong MAC (not made with the cluster's key)");
        reply(req, 403, "Forbidden", "lose: not authenticated");
        return;
    }
    witness_verdict_t v =
        witness_decide(c->w, &r, hold, clp_mono_ms(), clp_wall_ms(), why, sizeof(why));
    logf_("%s", why);
    if (v == WITNESS_REFUSED) {
        reply(req, 403, "Forbidden", "lose: stale or replayed request");
        return;
    }
    save_state(c);
    reply(req, 200, "OK", v == WITNESS_SURVIVE ? "survive" : "lose");
}

static void on_request(struct evhttp_request *req, void *arg)
{
    ctx_t *c = arg;
    const char *uri = evhttp_request_get_uri(req);
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    char path[128];
    snprintf(path, sizeof(path), "%s", uri ? uri : "");
    path[strcspn(path, "?")] = '\0';
    bool resolve = strcmp(path, "/clp/np/v1/resolve") == 0;
    bool hold = strcmp(path, "/clp/np/v1/hold") == 0;
    if (resolve || hold) {
        if (m != EVHTTP_REQ_POST) {
            reply(req, 405, "Method Not Allowed", "use POST");
            return;
        }
        handle_np(c, req, hold);
        return;
    }
    if (strcmp(path, "/clp/np/v1/health") == 0 || strcmp(path, "/clp/np/v1/leases") == 0) {
        if (m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
            reply(req, 405, "Method Not Allowed", "use GET");
            return;
        }
        if (path[11] == 'h') {
            reply(req, 200, "OK", "ok");
            return;
        }
        char *text = NULL;
        size_t tlen = 0;
        FILE *mem = open_memstream(&text, &tlen);
        if (!mem) {
            reply(req, 500, "Internal Server Error", "out of memory");
            return;
        }
        witness_dump(c->w, clp_mono_ms(), mem);
        fclose(mem);
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, text, tlen);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
        evhttp_send_reply(req, 200, "OK", b);
        evbuffer_free(b);
        free(text);
        return;
    }
    reply(req, 404, "Not Found", "no such path");
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    ctx_t *c = arg;
    logf_("signal %d: stopping", (int)sig);
    event_base_loopexit(c->base, NULL);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},    {"listen", required_argument, NULL, 'l'},
        {"port", required_argument, NULL, 'p'},   {"state", required_argument, NULL, 's'},
        {"window", required_argument, NULL, 'w'}, {"pidfile", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    static ctx_t c;
    const char *key_args[MAX_KEYS];
    int n_key_args = 0;
    const char *listen = "0.0.0.0", *pidfile = NULL;
    long port = 80, window = 30000;
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'k':
            if (n_key_args == MAX_KEYS) {
                fprintf(stderr, "clpwitness: at most %d keys\n", MAX_KEYS);
                usage(stderr);
                return 2;
            }
            key_args[n_key_args++] = optarg;
            break;
        case 'l':
            listen = optarg;
            break;
        case 'p':
            port = strtol(optarg, &end, 10);
            if (*end || port < 1 || port > 65535) {
                fprintf(stderr, "clpwitness: --port takes 1 to 65535\n");
                usage(stderr);
                return 2;
            }
            break;
        case 's':
            c.state = optarg;
            break;
        case 'w':
            window = strtol(optarg, &end, 10);
            if (*end || window < 100 || window > 3600000) {
                fprintf(stderr, "clpwitness: --window takes 100 to 3600000 ms\n");
                usage(stderr);
                return 2;
            }
            break;
        case 'P':
            pidfile = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || n_key_args == 0) {
        fprintf(stderr, "clpwitness: %s\n",
                n_key_args == 0 ? "at least one --key is required" : "unexpected argument");
        usage(stderr);
        return 2;
    }
    for (int i = 0; i < n_key_args; i++) {
        if (load_key(key_args[i], &c.keys[c.n_keys]) < 0) {
            return 1;
        }
        c.n_keys++;
    }
    c.w = witness_new((uint64_t)window);
    if (!c.w) {
        return 1;
    }
    if (c.state) {
        FILE *f = fopen(c.state, "r");
        if (f) {
            int rc = witness_load(c.w, clp_mono_ms(), clp_wall_ms(), f);
            fclose(f);
            if (rc < 0) {
                fprintf(stderr, "clpwitness: %s is not a witness state file\n", c.state);
                return 1;
            }
        } else if (errno != ENOENT) {
            fprintf(stderr, "clpwitness: %s: %s\n", c.state, strerror(errno));
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    c.base = event_base_new();
    struct evhttp *http = c.base ? evhttp_new(c.base) : NULL;
    if (!http) {
        return 1;
    }
    evhttp_set_max_body_size(http, 4096);
    evhttp_set_max_headers_size(http, 8192);
    evhttp_set_timeout(http, 10);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_gencb(http, on_request, &c);
    if (!evhttp_bind_socket_with_handle(http, listen, (ev_uint16_t)port)) {
        fprintf(stderr, "clpwitness: cannot listen on %s port %ld: %s\n", listen, port,
                strerror(errno));
        return 1;
    }
    struct event *sigterm = evsignal_new(c.base, SIGTERM, on_signal, &c);
    struct event *sigint = evsignal_new(c.base, SIGINT, on_signal, &c);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");
        if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
            fprintf(stderr, "clpwitness: cannot write %s\n", pidfile);
            return 1;
        }
    }
    logf_("listening on %s port %ld (%d key%s, window %ld ms%s%s)", listen, port, c.n_keys,
          c.n_keys > 1 ? "s" : "", window, c.state ? ", state " : "", c.state ? c.state : "");
    event_base_dispatch(c.base);
    event_free(sigterm);
    event_free(sigint);
    evhttp_free(http);
    event_base_free(c.base);
    witness_destroy(&c.w);
    return 0;
}

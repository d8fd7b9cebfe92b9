/*
 * web_call: per-operation request clients.
 */
#define CLP_LOG_TAG "webmgr.call"
#include "web_call.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_rpc.h"
#include "clp_xalloc.h"

typedef struct {
    web_t *w;
    clp_aclient_t *c;
    web_call_fn fn;
    void *arg;
    char what[96];
} call_t;

static void destroy_later(evutil_socket_t fd, short what, void *arg)
{
    call_t *c = arg;
    clp_aclient_destroy(&c->c);
    free(c);
}

static void on_reply(void *arg, const Clp__Envelope *rep)
{
    call_t *c = arg;
    char err[160];
    if (!rep) {
        snprintf(err, sizeof(err), "%s did not answer in time", c->what);
        c->fn(c->arg, NULL, -ETIMEDOUT, err);
    } else if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        snprintf(err, sizeof(err), "%s", rep->error_reply->message);
        c->fn(c->arg, NULL, -EPROTO, err);
    } else {
        c->fn(c->arg, rep, 0, NULL);
    }
    struct timeval zero = {0, 0};
    event_base_once(c->w->d->base, -1, EV_TIMEOUT, destroy_later, c, &zero);
}

static void start(web_t *w, const char *endpoint, const clp_keys_t *keys, const char *what,
                  Clp__Envelope *env, int timeout_ms, web_call_fn fn, void *arg)
{
    clp_daemon_t *d = w->d;
    call_t *c = xcalloc(1, sizeof(*c));
    c->w = w;
    c->fn = fn;
    c->arg = arg;
    snprintf(c->what, sizeof(c->what), "%s", what);
    c->c = clp_aclient_new(d->base, d->zctx, endpoint, keys, &d->mctx);
    if (!c->c || clp_aclient_call(c->c, env, timeout_ms, on_reply, c) < 0) {
        char err[160];
        snprintf(err, sizeof(err), "cannot send the request to %s", what);
        clp_aclient_destroy(&c->c);
        free(c);
        fn(arg, NULL, -ECONNREFUSED, err);
    }
}

static const char *service_name(const char *service)
{
    return strcmp(service, "core") == 0  ? "the cluster service (clusterpro)"
           : strcmp(service, "trn") == 0 ? "clusterpro_trn"
                                         : service;
}

void web_call_local(web_t *w, const char *service, Clp__Envelope *env, int timeout_ms,
                    web_call_fn fn, void *arg)
{
    char file[CLP_PATH_MAX], ep[CLP_PATH_MAX], err[160];
    if (clp_endpoint_file(file, sizeof(file), w->d->root, service) < 0 ||
        clp_endpoint_ipc(ep, sizeof(ep), w->d->root, service) < 0) {
        fn(arg, NULL, -EINVAL, "root path too long");
        return;
    }
    if (access(file, F_OK) < 0) {
        snprintf(err, sizeof(err), "%s is not running on server %s", service_name(service),
                 w->d->server);
        fn(arg, NULL, -ECONNREFUSED, err);
        return;
    }
    char what[96];
    snprintf(what, sizeof(what), "%s on %s", service_name(service), w->d->server);
    start(w, ep, NULL, what, env, timeout_ms, fn, arg);
}

int web_server_addr(const clp_conf_t *conf, const char *server, char *out, size_t n)
{
    const clp_server_t *s = clp_conf_server(conf, server);
    if (!s) {
        return -ENOENT;
    }
    for (size_t j = 0; j < conf->n_hbs; j++) {
        const clp_hb_t *hb = &conf->hbs[j];
        if (strcmp(hb->type, "lanhb") != 0 && strcmp(hb->type, "lankhb") != 0) {
            continue;
        }
        const clp_device_t *dv = clp_conf_device(s, hb->device);
        if (dv && dv->info) {
            snprintf(out, n, "%s", dv->info);
            return 0;
        }
    }
    return -ENOENT;
}

void web_call_trn(web_t *w, const char *server, Clp__Envelope *env, int timeout_ms, web_call_fn fn,
                  void *arg)
{
    clp_daemon_t *d = w->d;
    if (strcmp(server, d->server) == 0) {
        web_call_local(w, "trn", env, timeout_ms, fn, arg);
        return;
    }
    char addr[128], ep[192], err[200], what[96];
    if (web_server_addr(d->conf, server, addr, sizeof(addr)) < 0) {
        snprintf(err, sizeof(err), "server %s has no LAN address in the configuration", server);
        fn(arg, NULL, -EINVAL, err);
        return;
    }
    if (!d->have_keys) {
        fn(arg, NULL, -EINVAL, "the cluster key (etc/clp.key) is needed to reach another server");
        return;
    }
    snprintf(ep, sizeof(ep), strchr(addr, ':') ? "tcp://[%s]:%d" : "tcp://%s:%d", addr,
             d->conf->cluster.ports.datatrans);
    snprintf(what, sizeof(what), "clusterpro_trn on %s", server);
    start(w, ep, &d->keys, what, env, timeout_ms, fn, arg);
}

void web_call_core_on(web_t *w, const char *server, Clp__Envelope *env, int timeout_ms,
                      web_call_fn fn, void *arg)
{
    if (!server || strcmp(server, w->d->server) == 0) {
        web_call_local(w, "core", env, timeout_ms, fn, arg);
    } else {
        web_call_trn(w, server, env, timeout_ms, fn, arg);
    }
}

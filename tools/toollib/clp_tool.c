/*
 * clp_tool: shared command plumbing.
 */
#include "clp_tool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clp_cfstore.h"
#include "clp_daemon.h"
#include "clp_rpc.h"

void clp_tool_error(const clp_tool_t *t, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", t->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void clp_tool_init(clp_tool_t *t, const char *prog, const char *root_arg, bool need_conf)
{
    memset(t, 0, sizeof(*t));
    t->prog = prog;
    t->timeout_ms = 15000;
    if (clp_root_resolve(root_arg, t->root, sizeof(t->root)) < 0) {
        fprintf(stderr, "%s: bad root directory\n", prog);
        exit(TOOL_USAGE);
    }
    clp_hostname(t->server, sizeof(t->server));
    t->zctx = zmq_ctx_new();
    clp_msg_ctx_init(&t->mctx, "", t->server, prog, 0);
    char err[512];
    t->have_keys = clp_keys_load(t->root, &t->keys, err, sizeof(err)) == 0;
    if (need_conf) {
        char path[CLP_PATH_MAX];
        clp_path(path, sizeof(path), t->root, "etc/clp.conf");
        clp_diag_t diag = {0};
        t->conf = clp_conf_load(path, &diag);
        if (!t->conf) {
            fprintf(stderr, "%s: cannot load %s:\n", prog, path);
            clp_diag_print(stderr, &diag);
            clp_diag_free(&diag);
            exit(TOOL_CONFIG);
        }
        clp_diag_free(&diag);
        clp_cfstore_apply(t->root, t->conf);
        snprintf(t->mctx.cluster, sizeof(t->mctx.cluster), "%s", t->conf->cluster.name);
    }
}

void clp_tool_fini(clp_tool_t *t)
{
    clp_conf_free(&t->conf);
    if (t->zctx) {
        zmq_ctx_term(t->zctx);
    }
}

int clp_tool_host_addr(clp_tool_t *t, const char *host, char *addr, size_t n)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1) {
        snprintf(addr, n, "%s", host);
        return 0;
    }
    if (!t->conf) {
        return -ENOENT;
    }
    const clp_server_t *s = clp_conf_server(t->conf, host);
    if (!s) {
        return -ENOENT;
    }
    for (size_t j = 0; j < t->conf->n_hbs; j++) {
        const clp_hb_t *hb = &t->conf->hbs[j];
        if (strcmp(hb->type, "lanhb") != 0 && strcmp(hb->type, "lankhb") != 0) {
            continue;
        }
        const clp_device_t *d = clp_conf_device(s, hb->device);
        if (d && d->info) {
            snprintf(addr, n, "%s", d->info);
            return 0;
        }
    }
    return -ENOENT;
}

const char *clp_tool_host_server(const clp_tool_t *t, const char *host)
{
    if (!t->conf || !host) {
        return NULL;
    }
    const clp_server_t *s = clp_conf_server(t->conf, host);
    if (s) {
        return s->name;
    }
    for (size_t i = 0; i < t->conf->n_servers; i++) {
        const clp_server_t *sv = &t->conf->servers[i];
        for (size_t j = 0; j < sv->n_devices; j++) {
            if (sv->devices[j].info && strcmp(sv->devices[j].info, host) == 0) {
                return sv->name;
            }
        }
    }
    return NULL;
}

int clp_tool_call(clp_tool_t *t, const char *service, const char *host, Clp__Envelope *req,
                  Clp__Envelope **rep)
{
    char err[512];
    int rc;
    if (host && host[0] && strcmp(host, t->server) != 0) {
        char addr[128], ep[192];
        if (clp_tool_host_addr(t, host, addr, sizeof(addr)) < 0) {
            clp_tool_error(t, "unknown server '%s' (not in the configuration, not an address)",
                           host);
            return TOOL_USAGE;
        }
        if (!t->have_keys) {
            clp_tool_error(t, "the cluster key (etc/clp.key) is needed to reach another server");
            return TOOL_NOSVC;
        }
        int port = t->conf ? t->conf->cluster.ports.datatrans : 29002;
        snprintf(ep, sizeof(ep), strchr(addr, ':') ? "tcp://[%s]:%d" : "tcp://%s:%d", addr, port);
        rc = clp_rpc_call(t->zctx, ep, &t->keys, NULL, &t->mctx, req, rep, t->timeout_ms, err,
                          sizeof(err));
        if (rc < 0) {
            clp_tool_error(t, "server %s: %s", host, err);
            return TOOL_NOSVC;
        }
    } else {
        rc = clp_rpc_local(t->zctx, t->root, service, &t->mctx, req, rep, t->timeout_ms, err,
                           sizeof(err));
        if (rc < 0) {
            const char *names[][2] = {{"core", "the cluster service (clusterpro)"},
                                      {"trn", "clusterpro_trn"},
                                      {"evt", "clusterpro_evt"}};
            const char *what = service;
            for (size_t i = 0; i < 3; i++) {
                if (strcmp(names[i][0], service) == 0) {
                    what = names[i][1];
                }
            }
            clp_tool_error(t, "%s is not running on this server (%s)", what, err);
            return TOOL_NOSVC;
        }
    }
    if ((*rep)->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        clp_tool_error(t, "%s", (*rep)->error_reply->message);
        return TOOL_FAIL;
    }
    return 0;
}

/*
 * evt_cfsync: the configuration download at server start (see evt_cfsync.h).
 */
#define CLP_LOG_TAG "evt.cfsync"
#include "evt_cfsync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_bundle.h"
#include "clp_cfstore.h"
#include "clp_log.h"
#include "clp_rpc.h"
#include "clp_time.h"

#define PROBE_MS 300
#define ASK_MS 1500
#define FETCH_MS 15000
#define ROUND_PAUSE_MS 500

/* ---- the decision ---- */

/* The answered server with the highest generation (lowest index on ties). */
static int newest(const evt_cfsync_peer_t *p, size_t n, int self)
{
    int best = -1;
    for (size_t k = 0; k < n; k++) {
        if ((int)k != self && p[k].answered && (best < 0 || p[k].generation > p[best].generation)) {
            best = (int)k;
        }
    }
    return best;
}

evt_cfsync_verdict_t evt_cfsync_decide(const evt_cfsync_peer_t *p, size_t n, int self,
                                       uint64_t my_gen, const char *my_digest, bool asked_all,
                                       bool timed_out, int *source, const char **why)
{
    *source = -1;
    /* 1. a cluster in operation: follow it */
    for (size_t k = 0; k < n; k++) {
        if ((int)k == self || !p[k].answered || !p[k].running) {
            continue;
        }
        if (strcmp(p[k].digest, my_digest) == 0) {
            *why = "same configuration as a server in operation";
            return EVT_CFSYNC_KEEP;
        }
        *source = (int)k;
        *why = "the configuration a server in operation runs";
        return EVT_CFSYNC_FETCH;
    }
    /* 2. a cluster starting */
    bool master_answered = self == 0 || (n > 0 && p[0].answered);
    if (self == 0 ? !asked_all : !master_answered && !timed_out) {
        return EVT_CFSYNC_WAIT;
    }
    int best = newest(p, n, self);
    if (best >= 0 && p[best].generation > my_gen) {
        *source = best;
        *why = "a newer generation than this server's";
        return EVT_CFSYNC_FETCH;
    }
    if (self != 0 && p[0].answered && p[0].generation == my_gen &&
        strcmp(p[0].digest, my_digest) != 0) {
        *source = 0;
        *why = "the master server's configuration (same generation, other content)";
        return EVT_CFSYNC_FETCH;
    }
    *why = self != 0 && !master_answered ? "the master server did not answer in time"
                                         : "no server has a newer configuration";
    return EVT_CFSYNC_KEEP;
}

/* ---- talking to the other servers ---- */

/* The first LAN address of server s, or NULL. */
static const char *lan_addr(const clp_server_t *s)
{
    for (size_t k = 0; k < s->n_devices; k++) {
        if (strcmp(s->devices[k].type, "lan") == 0 && s->devices[k].info && s->devices[k].info[0]) {
            return s->devices[k].info;
        }
    }
    return NULL;
}

/* Does anything accept TCP connections at addr:port (within PROBE_MS)? */
static bool listening(const char *addr, int port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        len = sizeof(*a4);
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        len = sizeof(*a6);
    } else {
        return false;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    bool ok = false;
    if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
        ok = true;
    } else if (errno == EINPROGRESS) {
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        if (poll(&pf, 1, PROBE_MS) == 1) {
            int e = 0;
            socklen_t el = sizeof(e);
            ok = getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0;
        }
    }
    close(fd);
    return ok;
}

/* Asks server k's trn; on success *rep is its ConfigPullReply envelope. */
static int ask(clp_daemon_t *d, const clp_server_t *s, bool info_only, int timeout_ms,
               Clp__Envelope **rep)
{
    const char *addr = lan_addr(s);
    int port = d->conf->cluster.ports.datatrans;
    if (!addr || !listening(addr, port)) {
        return -ECONNREFUSED;
    }
    char ep[128], err[256];
    snprintf(ep, sizeof(ep), strchr(addr, ':') ? "tcp://[%s]:%d" : "tcp://%s:%d", addr, port);
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__ConfigPullRequest pr = CLP__CONFIG_PULL_REQUEST__INIT;
    pr.info_only = info_only;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_PULL_REQUEST;
    env.config_pull_request = &pr;
    int rc = clp_rpc_call(d->zctx, ep, &d->keys, NULL, &d->mctx, &env, rep, timeout_ms, err,
                          sizeof(err));
    if (rc < 0) {
        clp_debug("server %s: %s", s->name, err);
        return rc;
    }
    if ((*rep)->payload_case != CLP__ENVELOPE__PAYLOAD_CONFIG_PULL_REPLY ||
        !(*rep)->config_pull_reply->bundle) {
        if ((*rep)->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
            clp_warn("server %s: %s", s->name, (*rep)->error_reply->message);
        }
        clp_msg_free(*rep);
        *rep = NULL;
        return -EPROTO;
    }
    return 0;
}

/* Is this server's cluster service running (its pid file locked)? */
static bool core_running(const char *root)
{
    char path[CLP_PATH_MAX];
    clp_path(path, sizeof(path), root, "run/clusterpro.pid");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool locked = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return locked;
}

/* Fetches server k's bundle and installs it. 0 or -errno (logged). */
static int fetch(clp_daemon_t *d, int k, const char *why)
{
    const clp_server_t *s = &d->conf->servers[k];
    Clp__Envelope *rep = NULL;
    int rc = ask(d, s, false, FETCH_MS, &rep);
    if (rc < 0) {
        clp_warn("cannot fetch the configuration from server %s: %s", s->name, strerror(-rc));
        return rc;
    }
    const Clp__ConfigBundle *pb = rep->config_pull_reply->bundle;
    clp_bundle_t b = {0};
    for (size_t i = 0; i < pb->n_files && rc == 0; i++) {
        rc = clp_bundle_add(&b, pb->files[i]->path, pb->files[i]->data.data, pb->files[i]->data.len,
                            pb->files[i]->mode);
    }
    const clp_bfile_t *cf = clp_bundle_find(&b, "clp.conf");
    clp_conf_t *nc = NULL;
    if (rc == 0 && cf) {
        nc = clp_conf_load_mem((const char *)cf->data, cf->len, "clp.conf", NULL);
    }
    if (rc < 0 || !nc || !clp_conf_server(nc, d->server)) {
        clp_error("the configuration server %s sent is not usable here (%s): keeping the local "
                  "one",
                  s->name,
                  rc < 0 ? "bad file"
                  : !nc  ? "it does not load"
                         : "this server is not in it");
        clp_conf_free(&nc);
        clp_bundle_free(&b);
        clp_msg_free(rep);
        return -EINVAL;
    }
    clp_conf_free(&nc);
    clp_cfmeta_t m = {.generation = pb->generation, .pushed_wall_ms = pb->pushed_wall_ms};
    snprintf(m.pushed_by, sizeof(m.pushed_by), "%s",
             pb->pushed_by && pb->pushed_by[0] ? pb->pushed_by : s->name);
    char err[512];
    rc = clp_cfstore_install(d->root, &b, &m, err, sizeof(err));
    if (rc < 0) {
        clp_error("cannot install the configuration fetched from server %s: %s", s->name, err);
    } else {
        clp_info("configuration generation %" PRIu64 " fetched from server %s (%s): %zu files, "
                 "%zu bytes installed",
                 pb->generation, s->name, why, b.n, b.bytes);
    }
    clp_bundle_free(&b);
    clp_msg_free(rep);
    return rc;
}

int evt_cfsync_run(clp_daemon_t *d, uint32_t wait_ms)
{
    const clp_conf_t *c = d->conf;
    int self = clp_conf_server_index(c, d->server);
    if (c->n_servers < 2 || self < 0) {
        return 0;
    }
    if (!d->have_keys) {
        clp_warn("no cluster key: the configuration is not compared with the other servers");
        return 0;
    }
    if (core_running(d->root)) {
        clp_info("the cluster service is running: no configuration download");
        return 0;
    }
    uint64_t my_gen = 0;
    char my_digest[65] = "";
    if (clp_cfstore_current(d->root, &my_gen, my_digest) < 0) {
        return 0;
    }
    clp_info("comparing this server's configuration (generation %" PRIu64 ", %.12s) with the "
             "other servers'%s",
             my_gen, my_digest, self == 0 ? "" : "; waiting for the master server up to 2 minutes");
    evt_cfsync_peer_t *p = calloc(c->n_servers, sizeof(*p));
    if (!p) {
        return 0;
    }
    uint64_t t0 = clp_mono_ms();
    bool asked_all = false;
    int installed = 0;
    for (;;) {
        evt_cfsync_verdict_t v = EVT_CFSYNC_WAIT;
        int src = -1;
        const char *why = "";
        for (size_t k = 0; k < c->n_servers; k++) {
            if ((int)k == self) {
                continue;
            }
            Clp__Envelope *rep = NULL;
            if (ask(d, &c->servers[k], true, ASK_MS, &rep) == 0) {
                const Clp__ConfigPullReply *r = rep->config_pull_reply;
                p[k].answered = true;
                p[k].running = r->core_running;
                p[k].generation = r->bundle->generation;
                snprintf(p[k].digest, sizeof(p[k].digest), "%s", r->bundle->digest);
                clp_msg_free(rep);
            }
            /* a server in operation settles it at once */
            v = evt_cfsync_decide(p, c->n_servers, self, my_gen, my_digest, false, false, &src,
                                  &why);
            if (v != EVT_CFSYNC_WAIT && p[k].answered && p[k].running) {
                break;
            }
            v = EVT_CFSYNC_WAIT;
        }
        asked_all = true;
        bool timed_out = clp_mono_ms() - t0 >= wait_ms;
        if (v == EVT_CFSYNC_WAIT) {
            v = evt_cfsync_decide(p, c->n_servers, self, my_gen, my_digest, asked_all, timed_out,
                                  &src, &why);
        }
        if (v == EVT_CFSYNC_KEEP) {
            clp_info("keeping this server's configuration (generation %" PRIu64 "): %s", my_gen,
                     why);
            break;
        }
        if (v == EVT_CFSYNC_FETCH) {
            installed = fetch(d, src, why) == 0;
            break;
        }
        usleep(ROUND_PAUSE_MS * 1000);
    }
    clp_info("configuration check took %.1f s", (double)(clp_mono_ms() - t0) / 1000.0);
    free(p);
    return installed;
}

/*
 * fuzz_http: HTTP requests to the WebManager, through the whole daemon-side
 * pipeline: libevent's evhttp parser, web_http's request handling (path
 * decoding, query string, client IP lists, session cookie, HTTP Basic
 * credentials checked by the password worker, route table, rights, CSRF and
 * Origin checks, the JSON body) and the handlers behind the routes, with the
 * WebManager's modules set up as clusterpro_webmgr sets them up. A stand-in
 * core answers on the root's run/core.sock (a fixed cluster status of two
 * servers, a group, a resource and a monitor; every operation succeeds), so
 * the pages and API replies are rendered; trn does not run, so what needs it
 * is answered at once as not running.
 *
 * Each input is written to a fresh TCP connection on the loopback; the first
 * byte picks the listener (bit 0: the REST API port instead of the WebManager
 * port), the client (bit 1: 127.0.0.2, which the client list allows only to
 * look, instead of 127.0.0.1, allowed to operate) and whether the core is
 * there (bit 2 set: its socket file is moved away for this input). The text "@SID@" and
 * "@CSRF@" in the input are replaced by a live session's id and CSRF token so
 * that the session paths are reachable; the passwords are "op" (operation)
 * and "ref" (reference). Oracles besides the sanitizers: every connection
 * ends (no request hangs the daemon), and no response contains the canary
 * written into the root's etc/clp.key (no path escapes the document root).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_daemon.h"
#include "clp_time.h"
#include "fuzz_common.h"
#include "web.h"
#include "web_http.h"
#include "web_logcc.h"
#include "web_metrics.h"
#include "web_static.h"
#include "web_status.h"

static clp_daemon_t d;
static web_t w;
static int ports[2];
static char sid[65], csrf[65];
/* Random per process and looked for by a search the fuzzer cannot watch, so it
 * cannot learn the canary and simply send it to be echoed in a 404. */
static char canary[40];
static bool show; /* FUZZ_LOG=1: the responses go to stderr too */

static const char CONF[] =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?><root>"
    "<cluster><name>fuzz</name></cluster>"
    "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
    "<info>127.0.0.1</info></device></server>"
    "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
    "<info>127.0.0.2</info></device></server>"
    "<heartbeat><types name=\"lanhb\"/>"
    "<lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb></heartbeat>"
    "<group name=\"failover1\"><gid>0</gid><resource name=\"exec@exec1\"/></group>"
    "<resource><types name=\"exec\"/><exec name=\"exec1\"><parameters><act><path>start.sh</path>"
    "</act><deact><path>stop.sh</path></deact></parameters></exec></resource>"
    "<monitor><types name=\"userw\"/><userw name=\"userw\"><target></target></userw></monitor>"
    "<webmgr><security><clientlist><iprest>1</iprest><ip name=\"127.0.0.1\"/>"
    "<ipro name=\"127.0.0.2\"/></clientlist></security></webmgr>"
    "<rstd><use>1</use></rstd>"
    "</root>";

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_http: %s: %s\n", what, strerror(errno));
    abort();
}

/* ---- the stand-in core ---- */

static clp_srv_t *core;
static char core_sock[CLP_PATH_MAX], core_away[CLP_PATH_MAX + 8];

static Clp__ClusterStatus *status_of(void)
{
    static Clp__ClusterStatus cs = CLP__CLUSTER_STATUS__INIT;
    static Clp__ServerView sv[2], *svp[2];
    static Clp__GroupView gv = CLP__GROUP_VIEW__INIT, *gvp[1] = {&gv};
    static Clp__ResourceView rv = CLP__RESOURCE_VIEW__INIT, *rvp[1] = {&rv};
    static Clp__ServerGroupState sg[2], *sgp[2];
    static Clp__MonitorView mv = CLP__MONITOR_VIEW__INIT, *mvp[1] = {&mv};
    static Clp__MonitorServerState ms[2], *msp[2];
    static const char *names[2] = {"s1", "s2"};
    for (int i = 0; i < 2; i++) {
        clp__server_view__init(&sv[i]);
        sv[i].name = (char *)names[i];
        sv[i].priority = (uint32_t)i;
        sv[i].state = CLP__SERVER_STATE__SERVER_ONLINE;
        sv[i].is_master = i == 0;
        svp[i] = &sv[i];
        clp__server_group_state__init(&sg[i]);
        sg[i].server = (char *)names[i];
        sg[i].state = i == 0 ? CLP__GROUP_STATE__GROUP_ONLINE : CLP__GROUP_STATE__GROUP_OFFLINE;
        sgp[i] = &sg[i];
        clp__monitor_server_state__init(&ms[i]);
        ms[i].server = (char *)names[i];
        ms[i].state = i == 0 ? CLP__MONITOR_STATE__MON_NORMAL : CLP__MONITOR_STATE__MON_ERROR;
        ms[i].message = (char *)(i == 0 ? "" : "notice <app.disk> & \"quoted\"");
        msp[i] = &ms[i];
    }
    rv.name = (char *)"exec1";
    rv.type = (char *)"exec";
    rv.state = CLP__GROUP_STATE__GROUP_ONLINE;
    rv.current = (char *)"s1";
    rv.n_per_server = 2;
    rv.per_server = sgp;
    gv.name = (char *)"failover1";
    gv.type = (char *)"failover";
    gv.state = CLP__GROUP_STATE__GROUP_ONLINE;
    gv.current = (char *)"s1";
    gv.n_resources = 1;
    gv.resources = rvp;
    gv.n_per_server = 2;
    gv.per_server = sgp;
    mv.name = (char *)"userw";
    mv.type = (char *)"userw";
    mv.state = CLP__MONITOR_STATE__MON_CAUTION;
    mv.n_per_server = 2;
    mv.per_server = msp;
    cs.cluster = (char *)"fuzz";
    cs.local_server = (char *)"s1";
    cs.master = (char *)"s1";
    cs.local_state = CLP__SERVER_STATE__SERVER_ONLINE;
    cs.n_servers = 2;
    cs.servers = svp;
    cs.n_groups = 1;
    cs.groups = gvp;
    cs.n_monitors = 1;
    cs.monitors = mvp;
    cs.toratio = 1;
    return &cs;
}

static void core_status(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS;
    rep.cluster_status = status_of();
    clp_srv_reply(req, &rep);
}

static void core_group(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GroupReply gr = CLP__GROUP_REPLY__INIT;
    Clp__GroupResult res = CLP__GROUP_RESULT__INIT, *resp[1] = {&res};
    res.group = env->group_request->group[0] ? env->group_request->group : (char *)"failover1";
    res.ok = true;
    res.message = (char *)"done";
    res.server = env->group_request->target;
    gr.ok = true;
    gr.message = (char *)"done";
    gr.n_results = 1;
    gr.results = resp;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REPLY;
    rep.group_reply = &gr;
    clp_srv_reply(req, &rep);
}

static void core_generic(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__GenericReply g = CLP__GENERIC_REPLY__INIT;
    Clp__MonitorReply m = CLP__MONITOR_REPLY__INIT;
    if (env->payload_case == CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST) {
        m.ok = true;
        m.message = (char *)"done";
        rep.payload_case = CLP__ENVELOPE__PAYLOAD_MONITOR_REPLY;
        rep.monitor_reply = &m;
    } else {
        g.ok = true;
        g.message = (char *)"done";
        rep.payload_case = CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY;
        rep.generic_reply = &g;
    }
    clp_srv_reply(req, &rep);
}

static const clp_srv_handler_t core_table[] = {
    {CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST, core_status},
    {CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST, core_group},
    {CLP__ENVELOPE__PAYLOAD_RESOURCE_REQUEST, core_generic},
    {CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST, core_generic},
    {CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST, core_generic},
    {0, NULL},
};

/* A TCP port free on the loopback now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        fail("free port");
    }
    close(fd);
    return ntohs(sa.sin_port);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fail(path);
    }
    fputs(text, f);
    fclose(f);
}

static void fresh_session(void)
{
    if (sid[0] && web_session_find(w.sessions, sid, clp_mono_ms())) {
        return;
    }
    const web_session_t *s = web_session_create(w.sessions, WEB_RIGHT_OP, clp_mono_ms());
    if (!s) {
        fail("session");
    }
    memcpy(sid, s->id, sizeof(sid));
    memcpy(csrf, s->csrf, sizeof(csrf));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_logs();
    show = getenv("FUZZ_LOG") != NULL;
    if (sodium_init() < 0) {
        fail("sodium");
    }
    char tmpl[] = "/tmp/fuzz_http.XXXXXX";
    if (!mkdtemp(tmpl)) {
        fail("mkdtemp");
    }
    snprintf(d.root, sizeof(d.root), "%s", tmpl);
    char path[CLP_PATH_MAX];
    const char *dirs[] = {"etc", "log", "alert", "work", "run"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        clp_path(path, sizeof(path), d.root, "%s", dirs[i]);
        mkdir(path, 0700);
    }
    uint8_t rnd[16];
    randombytes_buf(rnd, sizeof(rnd));
    memcpy(canary, "CANARY", 6);
    sodium_bin2hex(canary + 6, sizeof(canary) - 6, rnd, sizeof(rnd));
    clp_path(path, sizeof(path), d.root, "etc/clp.key");
    write_file(path, canary);
    clp_path(path, sizeof(path), d.root, "etc/clp.conf");
    write_file(path, CONF);
    clp_path(w.alert_log, sizeof(w.alert_log), d.root, "alert/alert.log");

    clp_diag_t diag = {0};
    d.conf = clp_conf_load_mem(CONF, sizeof(CONF) - 1, path, &diag);
    if (!d.conf) {
        clp_diag_print(stderr, &diag);
        abort();
    }
    clp_diag_free(&diag);
    snprintf(d.server, sizeof(d.server), "s1");
    snprintf(d.conf_path, sizeof(d.conf_path), "%s", path);
    d.self = clp_conf_server(d.conf, "s1");
    d.base = event_base_new();
    d.zctx = zmq_ctx_new();
    d.state = "running";
    d.start_ms = clp_mono_ms();
    clp_msg_ctx_init(&d.mctx, "fuzz", "s1", "clusterpro_webmgr", 1);

    /* Cheap password hashes (the hash string carries its own cost), so that a
     * check takes microseconds, not the product's deliberate 100 ms. */
    static char op[crypto_pwhash_STRBYTES], ref[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(op, "op", 2, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) ||
        crypto_pwhash_str(ref, "ref", 3, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN)) {
        fail("password hash");
    }
    w.d = &d;
    d.app = &w;
    int bad = 0;
    w.acl = web_acl_new(&d.conf->webmgr, &bad);
    w.auth = web_auth_new(d.base, op, ref);
    w.sessions = web_sessions_new();
    w.status = web_status_new(&w);
    w.logcc = web_logcc_new(&w);
    w.metrics = web_metrics_new(&w);
    w.stat = web_static_new(&w);
    w.http = web_http_new(&w);
    if (!w.acl || !w.auth || !w.sessions || !w.status) {
        fail("webmgr modules");
    }
    char ep[CLP_PATH_MAX + 16], err[256];
    clp_endpoint_ipc(ep, sizeof(ep), d.root, "core");
    clp_endpoint_file(core_sock, sizeof(core_sock), d.root, "core");
    snprintf(core_away, sizeof(core_away), "%s.away", core_sock);
    core = clp_srv_new(d.base, d.zctx, ep, core_table, NULL, &d.mctx, NULL, NULL, err, sizeof(err));
    if (!core) {
        fprintf(stderr, "fuzz_http: the stand-in core: %s\n", err);
        abort();
    }
    for (int i = 0; i < 2; i++) {
        ports[i] = free_port();
        int rc = web_http_listen(w.http, ports[i], i == 1, NULL);
        if (rc < 0) {
            errno = -rc;
            fail("listen");
        }
    }
    return 0;
}

/* Copies data into out, replacing the placeholders. Returns the length. */
static size_t substitute(const uint8_t *data, size_t size, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < size;) {
        if (size - i >= 5 && memcmp(data + i, "@SID@", 5) == 0) {
            memcpy(out + o, sid, 64);
            o += 64;
            i += 5;
        } else if (size - i >= 6 && memcmp(data + i, "@CSRF@", 6) == 0) {
            memcpy(out + o, csrf, 64);
            o += 64;
            i += 6;
        } else {
            out[o++] = data[i++];
        }
    }
    return o;
}

typedef struct {
    int fd;
    struct event *ev;
    bool eof;
    size_t got;
    char tail[256]; /* the last bytes read, to find the canary across reads */
    size_t tail_len;
    bool echo_ok; /* the request itself holds the canary: an echo is no leak */
} client_t;

/* Whether buf holds the canary; not instrumented, so that libFuzzer's
 * comparison hooks do not hand the canary to the mutator. */
#if defined(__clang__)
#define NOT_WATCHED __attribute__((no_sanitize("coverage")))
#else
#define NOT_WATCHED
#endif
NOT_WATCHED static bool has_canary(const char *buf, size_t n)
{
    size_t cl = strlen(canary);
    for (size_t i = 0; i + cl <= n; i++) {
        size_t k = 0;
        while (k < cl && buf[i + k] == canary[k]) {
            k++;
        }
        if (k == cl) {
            return true;
        }
    }
    return false;
}

static void check_canary(client_t *c, const char *buf, size_t n)
{
    /* keep the previous tail plus this read, search, keep the new tail */
    static char win[sizeof(c->tail) + 65536];
    memcpy(win, c->tail, c->tail_len);
    memcpy(win + c->tail_len, buf, n);
    size_t wl = c->tail_len + n;
    if (!c->echo_ok && has_canary(win, wl)) {
        fprintf(stderr, "fuzz_http: a response contains the root's etc/clp.key\n");
        __builtin_trap();
    }
    c->tail_len = wl < sizeof(c->tail) ? wl : sizeof(c->tail);
    memcpy(c->tail, win + wl - c->tail_len, c->tail_len);
}

static void on_client(evutil_socket_t fd, short what, void *arg)
{
    client_t *c = arg;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            c->got += (size_t)n;
            check_canary(c, buf, (size_t)n);
            if (show) {
                fwrite(buf, 1, (size_t)n, stderr);
            }
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            c->eof = true;
            event_del(c->ev);
            event_base_loopbreak(d.base);
        }
        return;
    }
}

/* connect(), finished when a signal (libFuzzer's SIGALRM for -timeout)
 * interrupted it: the connection then goes on in the background. */
static int connect_fully(int fd, const struct sockaddr *to, socklen_t len)
{
    if (connect(fd, to, len) == 0) {
        return 0;
    }
    if (errno != EINTR) {
        return -1;
    }
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int r;
    while ((r = poll(&p, 1, 5000)) < 0 && errno == EINTR) {
    }
    int err = 0;
    socklen_t el = sizeof(err);
    if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
        errno = r == 0 ? ETIMEDOUT : err ? err : errno;
        return -1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20) {
        return 0;
    }
    fresh_session();
    bool core_down = (data[0] & 4) != 0;
    if (core_down && rename(core_sock, core_away) < 0) {
        fail("moving the core's socket away");
    }
    uint8_t *req = malloc(size * 13 + 1);
    size_t len = substitute(data + 1, size - 1, req);

    client_t c = {0};
    c.echo_ok = has_canary((const char *)req, len);
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in me = {.sin_family = AF_INET};
    inet_pton(AF_INET, (data[0] & 2) ? "127.0.0.2" : "127.0.0.1", &me.sin_addr);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)ports[data[0] & 1])};
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (c.fd < 0 || bind(c.fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
        connect_fully(c.fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
        fail("connect");
    }
    /* Write while letting the server read: a large input does not fit in the
     * socket buffers at once. */
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    c.ev = event_new(d.base, c.fd, EV_READ | EV_PERSIST, on_client, &c);
    event_add(c.ev, NULL);
    size_t off = 0;
    uint64_t deadline = clp_mono_ms() + 5000;
    while (off < len && clp_mono_ms() < deadline && !c.eof) {
        ssize_t n = write(c.fd, req + off, len - off);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            break; /* the server closed: it has seen enough */
        }
        event_base_loop(d.base, EVLOOP_NONBLOCK);
    }
    shutdown(c.fd, SHUT_WR);
    struct timeval tick = {0, 20000};
    while (!c.eof && clp_mono_ms() < deadline) {
        event_base_loopexit(d.base, &tick);
        event_base_loop(d.base, EVLOOP_ONCE);
    }
    if (!c.eof) {
        fprintf(stderr, "fuzz_http: the connection was still open after 5 s\n");
        __builtin_trap();
    }
    event_free(c.ev);
    close(c.fd);
    free(req);
    /* let the server side finish with the closed connection */
    for (int i = 0; i < 4; i++) {
        event_base_loop(d.base, EVLOOP_NONBLOCK);
    }
    if (core_down && rename(core_away, core_sock) < 0) {
        fail("moving the core's socket back");
    }
    return 0;
}

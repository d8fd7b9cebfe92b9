/*
 * fuzz_msg: envelopes from outside, on every path that turns ZeroMQ frames
 * into one. The first byte of the input picks the path, the rest is the bytes
 * (frames separated by the marker FRAME_SEP):
 *
 *   0  clp_msg_unpack alone (size limit, protobuf, version, cluster name,
 *      payload); an accepted envelope must pack again and give the same bytes
 *      after a second round (what relays do with it);
 *   1  the frames sent by a DEALER to a clp_srv ROUTER (what every daemon's
 *      ipc and tcp endpoint is) through the real clp_zwatch drain: frame
 *      count and identity checks, the unpack, the copy of the header, the
 *      handler table (a handler that answers, one that drops, and the error
 *      reply for unhandled payloads); every reply must unpack;
 *   2  the frames sent back to a clp_aclient that has a request pending (what
 *      daemons and the WebManager do with replies): the reply is matched to
 *      the request by reply_to (1) or left pending (then cancelled).
 *
 * The sockets talk over inproc:// inside the fuzzer, so nothing leaves the
 * process and each input is handled before the call returns.
 *
 * FUZZ_MAKE_SEEDS=DIR writes real envelopes made by this code (the seed
 * corpus) and exits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "clp_msg.h"
#include "clp_rpc.h"
#include "clp_srv.h"
#include "clp_zsock.h"
#include "fuzz_common.h"

#define FRAME_SEP                                                                                  \
    "\xff"                                                                                         \
    "FR\xff"
#define MAX_FRAMES 12

static struct event_base *base;
static void *zctx;
static clp_msg_ctx_t srv_ctx, cli_ctx, acl_ctx;
static clp_srv_t *srv;
static void *dealer; /* talks to srv */
static void *router; /* plays the server for the aclient */
static clp_aclient_t *acl;
static int replied;

static void on_status(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__StatusReply sr = CLP__STATUS_REPLY__INIT;
    char who[256];
    snprintf(who, sizeof(who), "%s/%s/%s/%s", clp_srv_req_sender(req), clp_srv_req_origin(req),
             clp_srv_req_peer(req), clp_srv_req_user(req));
    sr.service = who;
    sr.state = (char *)"running";
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REPLY;
    rep.status_reply = &sr;
    clp_srv_reply(req, &rep);
}

static void on_dropped(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_srv_drop(req);
}

static void on_error(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_srv_reply_error(req, -EINVAL, "payload %s from %s", clp_msg_payload_name(env), env->sender);
}

static const clp_srv_handler_t handlers[] = {
    {CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST, on_status},
    {CLP__ENVELOPE__PAYLOAD_EVENT, on_dropped},
    {CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST, on_error},
    {0, NULL},
};

static void make_seeds(const char *dir);

static void die(const char *what)
{
    fprintf(stderr, "fuzz_msg: %s: %s\n", what, zmq_strerror(errno));
    abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];
    fuzz_quiet_logs();
    base = event_base_new();
    zctx = zmq_ctx_new();
    clp_msg_ctx_init(&srv_ctx, "fuzz", "srv1", "fuzz_srv", 1);
    clp_msg_ctx_init(&cli_ctx, "fuzz", "srv2", "fuzz_cli", 1);
    clp_msg_ctx_init(&acl_ctx, "fuzz", "srv1", "fuzz_acl", 1);
    srv = clp_srv_new(base, zctx, "inproc://fuzz-srv", handlers, NULL, &srv_ctx, NULL, NULL, err,
                      sizeof(err));
    if (!srv) {
        fprintf(stderr, "fuzz_msg: %s\n", err);
        abort();
    }
    dealer = clp_zsock_new(zctx, ZMQ_DEALER, 0);
    if (!dealer || zmq_connect(dealer, "inproc://fuzz-srv") < 0) {
        die("dealer");
    }
    router = clp_zsock_new(zctx, ZMQ_ROUTER, 0);
    if (!router || zmq_bind(router, "inproc://fuzz-acl") < 0) {
        die("router");
    }
    acl = clp_aclient_new(base, zctx, "inproc://fuzz-acl", NULL, &acl_ctx);
    if (!acl) {
        die("aclient");
    }
    const char *seeds = getenv("FUZZ_MAKE_SEEDS");
    if (seeds) {
        make_seeds(seeds);
        exit(0);
    }
    return 0;
}

/* Splits data at FRAME_SEP into at most MAX_FRAMES frames (the last takes the rest). */
static int split(const uint8_t *data, size_t size, const uint8_t **f, size_t *fl)
{
    int n = 0;
    size_t sl = sizeof(FRAME_SEP) - 1;
    while (n < MAX_FRAMES - 1) {
        const uint8_t *p = memmem(data, size, FRAME_SEP, sl);
        if (!p) {
            break;
        }
        f[n] = data;
        fl[n++] = (size_t)(p - data);
        size -= (size_t)(p - data) + sl;
        data = p + sl;
    }
    f[n] = data;
    fl[n++] = size;
    return n;
}

static void send_frames(void *sock, const void *id, size_t idlen, const uint8_t **f,
                        const size_t *fl, int n)
{
    if (id && zmq_send(sock, id, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        die("send identity");
    }
    for (int i = 0; i < n; i++) {
        if (zmq_send(sock, f[i], fl[i], (i + 1 < n ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT) < 0) {
            die("send");
        }
    }
}

/* Runs the loop until done() or a bound of iterations (each input is handled
 * within a few; the bound only stops a stuck loop). */
static void spin(int (*done)(void))
{
    for (int i = 0; i < 2000 && !done(); i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
}

static unsigned long srv_seen;
static int srv_done(void)
{
    return clp_srv_requests(srv) + clp_srv_rejected(srv) != srv_seen;
}

/* Every reply the server sent must be a valid envelope answering something. */
static void drain_dealer(void)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, dealer, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        char err[160];
        Clp__Envelope *env =
            clp_msg_unpack(&cli_ctx, "reply", zmq_msg_data(&m), zmq_msg_size(&m), err, sizeof(err));
        if (!env) {
            fprintf(stderr, "fuzz_msg: the server sent a reply that does not unpack: %s\n", err);
            __builtin_trap();
        }
        clp_msg_free(env);
        zmq_msg_close(&m);
    }
}

static void via_server(const uint8_t *data, size_t size)
{
    const uint8_t *f[MAX_FRAMES];
    size_t fl[MAX_FRAMES];
    int n = split(data, size, f, fl);
    srv_seen = clp_srv_requests(srv) + clp_srv_rejected(srv);
    send_frames(dealer, NULL, 0, f, fl, n);
    if (n + 1 <= CLP_ZSOCK_MAX_PARTS) {
        spin(srv_done);
        if (!srv_done()) {
            fprintf(stderr, "fuzz_msg: the server neither handled nor rejected a message\n");
            __builtin_trap();
        }
    } else {
        /* dropped by the watch as too many frames: let it happen */
        for (int i = 0; i < 20; i++) {
            event_base_loop(base, EVLOOP_NONBLOCK);
        }
    }
    for (int i = 0; i < 20; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    drain_dealer();
}

static void on_acl_reply(void *arg, const Clp__Envelope *rep)
{
    replied = 1;
    if (rep) {
        (void)clp_msg_payload_name(rep);
    }
}

static int acl_done(void)
{
    return replied;
}

static uint8_t acl_id[256];
static size_t acl_idlen;

/* Receives the aclient's request on the router; returns 0 when one came. */
static int take_request(void)
{
    for (int i = 0; i < 2000; i++) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, router, ZMQ_DONTWAIT) >= 0) {
            acl_idlen = zmq_msg_size(&id);
            memcpy(acl_id, zmq_msg_data(&id), acl_idlen < sizeof(acl_id) ? acl_idlen : 0);
            zmq_msg_close(&id);
            zmq_msg_init(&body);
            zmq_msg_recv(&body, router, 0);
            zmq_msg_close(&body);
            return 0;
        }
        zmq_msg_close(&id);
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    return -1;
}

static void via_aclient(const uint8_t *data, size_t size)
{
    const uint8_t *f[MAX_FRAMES];
    size_t fl[MAX_FRAMES];
    int n = split(data, size, f, fl);
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    req.status_request = &sr;
    acl_ctx.seq = 0; /* the request is seq 1, whatever came before */
    replied = 0;
    if (clp_aclient_call(acl, &req, 60000, on_acl_reply, &replied) < 0 || take_request() < 0) {
        fprintf(stderr, "fuzz_msg: the aclient's request did not arrive\n");
        __builtin_trap();
    }
    send_frames(router, acl_id, acl_idlen, f, fl, n);
    for (int i = 0; i < 50 && !acl_done(); i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    spin(acl_done);
    clp_aclient_cancel(acl, &replied);
}

static void direct(const uint8_t *data, size_t size)
{
    char err[160];
    Clp__Envelope *env = clp_msg_unpack(&srv_ctx, "fuzz", data, size, err, sizeof(err));
    if (!env) {
        return;
    }
    (void)clp_msg_payload_name(env);
    uint8_t *a, *b;
    size_t al, bl;
    if (clp_msg_pack(env, &a, &al) < 0) {
        __builtin_trap(); /* what was accepted must pack */
    }
    clp_msg_free(env);
    env = clp_msg_unpack(NULL, "fuzz", a, al, err, sizeof(err));
    if (!env) {
        fprintf(stderr, "fuzz_msg: a packed envelope is refused: %s\n", err);
        __builtin_trap();
    }
    if (clp_msg_pack(env, &b, &bl) < 0 || bl != al || memcmp(a, b, al) != 0) {
        __builtin_trap(); /* packing is stable after one round */
    }
    free(a);
    free(b);
    clp_msg_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    switch (data[0] % 3) {
    case 0:
        direct(data + 1, size - 1);
        break;
    case 1:
        via_server(data + 1, size - 1);
        break;
    default:
        via_aclient(data + 1, size - 1);
        break;
    }
    return 0;
}

/* ---- seeds ---- */

static void write_seed(const char *dir, const char *name, uint8_t mode, const Clp__Envelope *a,
                       const Clp__Envelope *b)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        die(path);
    }
    fwrite(&mode, 1, 1, f);
    for (const Clp__Envelope *e = a; e; e = e == a ? b : NULL) {
        uint8_t *buf;
        size_t len;
        if (e == b) {
            fwrite(FRAME_SEP, 1, sizeof(FRAME_SEP) - 1, f);
        }
        clp_msg_pack(e, &buf, &len);
        fwrite(buf, 1, len, f);
        free(buf);
    }
    fclose(f);
}

static void make_seeds(const char *dir)
{
    clp_msg_ctx_t c;
    clp_msg_ctx_init(&c, "fuzz", "srv2", "clpgrp", 1700000000000000ull);

    Clp__Envelope st = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    st.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    st.status_request = &sr;
    clp_msg_stamp(&c, &st);

    Clp__Envelope gr = CLP__ENVELOPE__INIT;
    Clp__GroupRequest g = CLP__GROUP_REQUEST__INIT;
    g.op = CLP__GROUP_REQUEST__OP__MOVE;
    g.group = (char *)"failover1";
    gr.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    gr.group_request = &g;
    clp_msg_stamp(&c, &gr);

    Clp__Envelope ev = CLP__ENVELOPE__INIT;
    Clp__Event e = CLP__EVENT__INIT;
    char *args[] = {(char *)"failover1", (char *)"srv1"};
    e.module = (char *)"rc";
    e.event_id = 10;
    e.level = CLP__LEVEL__LEVEL_INFO;
    e.text = (char *)"The start of group failover1 has been started.";
    e.n_args = 2;
    e.args = args;
    e.source = (char *)"clusterpro:1234";
    e.source_seq = 5;
    ev.payload_case = CLP__ENVELOPE__PAYLOAD_EVENT;
    ev.event = &e;
    clp_msg_stamp(&c, &ev);

    Clp__Envelope cs = CLP__ENVELOPE__INIT;
    Clp__ClusterStatusRequest csr = CLP__CLUSTER_STATUS_REQUEST__INIT;
    cs.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
    cs.cluster_status_request = &csr;
    clp_msg_stamp(&c, &cs);

    /* replies to the aclient's request (seq 1) */
    Clp__Envelope er = CLP__ENVELOPE__INIT;
    Clp__ErrorReply erp = CLP__ERROR_REPLY__INIT;
    erp.code = -2;
    erp.message = (char *)"group failover1 is not online";
    er.payload_case = CLP__ENVELOPE__PAYLOAD_ERROR_REPLY;
    er.error_reply = &erp;
    clp_msg_stamp(&c, &er);
    er.reply_to = 1;

    Clp__Envelope rp = CLP__ENVELOPE__INIT;
    Clp__StatusReply srp = CLP__STATUS_REPLY__INIT;
    srp.service = (char *)"clusterpro";
    srp.state = (char *)"running";
    rp.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REPLY;
    rp.status_reply = &srp;
    clp_msg_stamp(&c, &rp);
    rp.reply_to = 1;

    write_seed(dir, "direct-status-request", 0, &st, NULL);
    write_seed(dir, "direct-group-move", 0, &gr, NULL);
    write_seed(dir, "direct-event", 0, &ev, NULL);
    write_seed(dir, "server-status-request", 1, &st, NULL);
    write_seed(dir, "server-group-move", 1, &gr, NULL);
    write_seed(dir, "server-event", 1, &ev, NULL);
    write_seed(dir, "server-unhandled", 1, &cs, NULL);
    write_seed(dir, "server-two-frames", 1, &st, &gr);
    write_seed(dir, "client-error-reply", 2, &er, NULL);
    write_seed(dir, "client-status-reply", 2, &rp, NULL);
    write_seed(dir, "client-two-frames", 2, &rp, &er);
    printf("fuzz_msg: seeds written to %s\n", dir);
}

/* Unit tests for clp_zsock / clp_srv / clp_rpc: the edge-triggered drain, the
 * handler table, deferred replies, timeouts and garbage on the socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clp_rpc.h"
#include "clp_srv.h"
#include "clp_time.h"
#include "clp_zsock.h"

typedef struct {
    struct event_base *base;
    void *zctx;
    clp_srv_t *srv;
    clp_msg_ctx_t mctx;
    char ep[128];
    int handled;
    clp_srv_req_t *parked;
    atomic_bool stop; /* set by the main thread: the loop thread leaves its loop */
} fixture_t;

static void on_status(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    fixture_t *f = arg;
    f->handled++;
    if (env->status_request->verbose) {
        /* Never answered: the caller must time out. */
        f->parked = req;
        return;
    }
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__StatusReply st = CLP__STATUS_REPLY__INIT;
    st.service = "test";
    st.state = "running";
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REPLY;
    rep.status_reply = &st;
    clp_srv_reply(req, &rep);
}

static const clp_srv_handler_t table[] = {
    {CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST, on_status},
    {0, NULL},
};

static void *loop_thread(void *arg)
{
    fixture_t *f = arg;
    event_base_dispatch(f->base);
    return NULL;
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    event_base_loopbreak(arg);
}

/* The loop thread's own timer: libevent is not told about threads, so the main
 * thread must not touch the base while the loop runs; it sets f->stop and this
 * tick, in the loop thread, ends the loop. */
static void stop_tick(evutil_socket_t fd, short what, void *arg)
{
    fixture_t *f = arg;
    if (atomic_load(&f->stop)) {
        event_base_loopbreak(f->base);
    }
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    char err[256];
    f->base = event_base_new();
    f->zctx = zmq_ctx_new();
    snprintf(f->ep, sizeof(f->ep), "ipc:///tmp/clp_test_rpc_%d.sock", (int)getpid());
    clp_msg_ctx_init(&f->mctx, "", "srv", "test", 1);
    f->srv = clp_srv_new(f->base, f->zctx, f->ep, table, f, &f->mctx, NULL, NULL, err,
                         sizeof(err));
    assert_non_null(f->srv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    free(f->parked);
    clp_srv_destroy(&f->srv);
    zmq_ctx_term(f->zctx);
    event_base_free(f->base);
    free(f);
    return 0;
}

static int call(fixture_t *f, bool verbose, int timeout_ms, Clp__Envelope **rep)
{
    clp_msg_ctx_t cctx;
    char err[256];
    clp_msg_ctx_init(&cctx, "", "cli", "tool", 2);
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    sr.verbose = verbose;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    req.status_request = &sr;
    void *zc = zmq_ctx_new();
    int rc = clp_rpc_call(zc, f->ep, NULL, NULL, &cctx, &req, rep, timeout_ms, err, sizeof(err));
    zmq_ctx_term(zc);
    return rc;
}

static void test_blocking_call_and_timeout(void **state)
{
    fixture_t *f = *state;
    pthread_t th;
    struct event *tick = event_new(f->base, -1, EV_PERSIST, stop_tick, f);
    struct timeval every = {0, 10000};
    evtimer_add(tick, &every);
    pthread_create(&th, NULL, loop_thread, f);
    Clp__Envelope *rep = NULL;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(call(f, false, 2000, &rep), 0);
        assert_int_equal(rep->payload_case, CLP__ENVELOPE__PAYLOAD_STATUS_REPLY);
        assert_string_equal(rep->status_reply->state, "running");
        clp_msg_free(rep);
    }
    uint64_t t0 = clp_mono_ms();
    assert_int_equal(call(f, true, 300, &rep), -ETIMEDOUT);
    uint64_t dt = clp_mono_ms() - t0;
    assert_true(dt >= 290 && dt < 2000);
    atomic_store(&f->stop, true);
    pthread_join(th, NULL);
    event_free(tick);
    assert_int_equal(f->handled, 51);
}

static void test_missing_ipc_fails_fast(void **state)
{
    clp_msg_ctx_t cctx;
    char err[256];
    Clp__Envelope *rep;
    clp_msg_ctx_init(&cctx, "", "cli", "tool", 2);
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    req.status_request = &sr;
    void *zc = zmq_ctx_new();
    uint64_t t0 = clp_mono_ms();
    int rc = clp_rpc_call(zc, "ipc:///tmp/definitely-not-there.sock", NULL, NULL, &cctx, &req,
                          &rep, 5000, err, sizeof(err));
    assert_int_equal(rc, -ECONNREFUSED);
    assert_true(clp_mono_ms() - t0 < 500);
    assert_non_null(strstr(err, "not running"));
    zmq_ctx_term(zc);
}

typedef struct {
    int replies, timeouts;
    struct event_base *base;
    int expected;
} acount_t;

static void on_areply(void *arg, const Clp__Envelope *rep)
{
    acount_t *a = arg;
    if (rep) {
        a->replies++;
    } else {
        a->timeouts++;
    }
    if (a->replies + a->timeouts == a->expected) {
        event_base_loopbreak(a->base);
    }
}

static void test_async_client_many(void **state)
{
    fixture_t *f = *state;
    clp_msg_ctx_t cctx;
    clp_msg_ctx_init(&cctx, "", "cli", "async", 3);
    clp_aclient_t *c = clp_aclient_new(f->base, f->zctx, f->ep, NULL, &cctx);
    assert_non_null(c);
    acount_t a = {.base = f->base, .expected = 1001};
    for (int i = 0; i < 1000; i++) {
        Clp__Envelope req = CLP__ENVELOPE__INIT;
        Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
        req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
        req.status_request = &sr;
        assert_int_equal(clp_aclient_call(c, &req, 5000, on_areply, &a), 0);
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    sr.verbose = true;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    req.status_request = &sr;
    assert_int_equal(clp_aclient_call(c, &req, 200, on_areply, &a), 0);
    event_base_dispatch(f->base);
    assert_int_equal(a.replies, 1000);
    assert_int_equal(a.timeouts, 1);
    assert_int_equal(clp_aclient_pending(c), 0);
    clp_aclient_destroy(&c);
}

static void test_garbage_is_counted(void **state)
{
    fixture_t *f = *state;
    void *s = clp_zsock_new(f->zctx, ZMQ_DEALER, 0);
    assert_int_equal(zmq_connect(s, f->ep), 0);
    zmq_send(s, "\xff\xff\xff", 3, 0);
    zmq_send(s, "a", 1, ZMQ_SNDMORE);
    zmq_send(s, "b", 1, 0);
    struct event *stop = evtimer_new(f->base, stop_cb, f->base);
    struct timeval tv = {0, 200000};
    evtimer_add(stop, &tv);
    event_base_dispatch(f->base);
    event_free(stop);
    assert_int_equal(clp_srv_rejected(f->srv), 2);
    assert_int_equal(f->handled, 0);
    zmq_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_blocking_call_and_timeout, setup, teardown),
        cmocka_unit_test(test_missing_ipc_fails_fast),
        cmocka_unit_test_setup_teardown(test_async_client_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_is_counted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

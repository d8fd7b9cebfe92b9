/*
 * test_evt_cfsync: the start-up download's decision (services/evt/evt_cfsync.c):
 * follow a server in operation; at a cluster start the master server decides
 * after asking everybody once, the others wait for the master server (up to
 * the limit), and take a newer generation, or the master server's content at
 * the same generation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "evt_cfsync.h"

#define D_OLD "aaaa"
#define D_NEW "bbbb"

static void set(evt_cfsync_peer_t *p, bool running, uint64_t gen, const char *digest)
{
    p->answered = true;
    p->running = running;
    p->generation = gen;
    strcpy(p->digest, digest);
}

/* srv3 (index 2) was down during a push: srv1 and srv2 run generation 5. */
static void test_follow_server_in_operation(void **state)
{
    (void)state;
    evt_cfsync_peer_t p[3] = {0};
    int src;
    const char *why;
    set(&p[1], true, 5, D_NEW);
    assert_int_equal(evt_cfsync_decide(p, 3, 2, 4, D_OLD, false, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    assert_int_equal(src, 1);
    /* the master server too, preferred when it answered */
    set(&p[0], true, 5, D_NEW);
    assert_int_equal(evt_cfsync_decide(p, 3, 2, 4, D_OLD, false, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    assert_int_equal(src, 0);
    /* same content: nothing to fetch */
    assert_int_equal(evt_cfsync_decide(p, 3, 2, 5, D_NEW, false, false, &src, &why),
                     EVT_CFSYNC_KEEP);
    /* a running cluster wins even with an older generation than this server's */
    assert_int_equal(evt_cfsync_decide(p, 3, 2, 9, D_OLD, false, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    /* the master server itself, restarted after missing a push */
    evt_cfsync_peer_t q[3] = {0};
    set(&q[2], true, 5, D_NEW);
    assert_int_equal(evt_cfsync_decide(q, 3, 0, 4, D_OLD, false, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    assert_int_equal(src, 2);
}

static void test_cold_start_master(void **state)
{
    (void)state;
    evt_cfsync_peer_t p[3] = {0};
    int src;
    const char *why;
    /* not asked everybody yet */
    assert_int_equal(evt_cfsync_decide(p, 3, 0, 4, D_OLD, false, false, &src, &why),
                     EVT_CFSYNC_WAIT);
    /* nobody listening (all starting): its own */
    assert_int_equal(evt_cfsync_decide(p, 3, 0, 4, D_OLD, true, false, &src, &why),
                     EVT_CFSYNC_KEEP);
    /* a stopped server has a newer one */
    set(&p[2], false, 6, D_NEW);
    assert_int_equal(evt_cfsync_decide(p, 3, 0, 4, D_OLD, true, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    assert_int_equal(src, 2);
}

static void test_cold_start_other(void **state)
{
    (void)state;
    evt_cfsync_peer_t p[3] = {0};
    int src;
    const char *why;
    /* waits for the master server... */
    set(&p[2], false, 4, D_OLD);
    assert_int_equal(evt_cfsync_decide(p, 3, 1, 4, D_OLD, true, false, &src, &why),
                     EVT_CFSYNC_WAIT);
    /* ...up to the limit */
    assert_int_equal(evt_cfsync_decide(p, 3, 1, 4, D_OLD, true, true, &src, &why),
                     EVT_CFSYNC_KEEP);
    /* the master server answers with the same generation and other content */
    set(&p[0], false, 4, D_NEW);
    assert_int_equal(evt_cfsync_decide(p, 3, 1, 4, D_OLD, true, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    assert_int_equal(src, 0);
    /* an older one on the master server: this server keeps its newer one */
    set(&p[0], false, 3, D_NEW);
    assert_int_equal(evt_cfsync_decide(p, 3, 1, 4, D_OLD, true, false, &src, &why),
                     EVT_CFSYNC_KEEP);
    /* the newest among those that answered */
    set(&p[2], false, 7, D_NEW);
    assert_int_equal(evt_cfsync_decide(p, 3, 1, 4, D_OLD, true, false, &src, &why),
                     EVT_CFSYNC_FETCH);
    assert_int_equal(src, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follow_server_in_operation),
        cmocka_unit_test(test_cold_start_master),
        cmocka_unit_test(test_cold_start_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

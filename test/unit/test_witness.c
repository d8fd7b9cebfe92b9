/*
 * test_witness: the HTTP witness's decisions (tools/toollib/witness.c): request
 * parsing, one lease per cluster given to the first side that asks, renewals,
 * expiry, freshness of requests (clock window, replays) and the state file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "witness.h"

#define WALL 1800000000000ull

static witness_req_t req(const char *cluster, const char *server, const char *side, long ttl,
                         uint64_t t)
{
    char body[512], why[256];
    witness_req_t r;
    int n = snprintf(body, sizeof(body), "cluster=%s&server=%s&side=%s&ttl=%ld&t=%llu", cluster,
                     server, side, ttl, (unsigned long long)t);
    assert_int_equal(witness_parse(body, (size_t)n, &r, why, sizeof(why)), 0);
    return r;
}

static int parse(const char *body)
{
    char why[256];
    witness_req_t r;
    return witness_parse(body, strlen(body), &r, why, sizeof(why));
}

static void test_parse(void **state)
{
    witness_req_t r = req("bedcluster", "srv2", "srv2,srv3", 7000, WALL);
    assert_string_equal(r.cluster, "bedcluster");
    assert_string_equal(r.server, "srv2");
    assert_int_equal(r.n_side, 2);
    assert_string_equal(r.side[1], "srv3");
    assert_int_equal(r.ttl_ms, 7000);
    assert_true(r.t == WALL);
    /* what np_http.c sends, field for field */
    assert_int_equal(parse("cluster=c&server=s1&side=s1&ttl=1&t=2"), 0);
    assert_int_equal(parse("cluster=c&server=s1&side=s2&ttl=1&t=2"), -EINVAL); /* not in side */
    assert_int_equal(parse("cluster=c&server=s1&side=s1&ttl=1"), -EINVAL);     /* no t */
    assert_int_equal(parse("cluster=c&server=s1&side=s1&ttl=x&t=2"), -EINVAL);
    assert_int_equal(parse("cluster=c&server=s1&side=s1&ttl=1&t=2&t=3"), -EINVAL);
    assert_int_equal(parse("cluster=c&server=s1&side=s1&ttl=1&t=2&x=1"), -EINVAL);
    assert_int_equal(parse("cluster=c d&server=s1&side=s1&ttl=1&t=2"), -EINVAL);
    assert_int_equal(parse("cluster=c&server=s1&side=s1,,s2&ttl=1&t=2"), -EINVAL);
    assert_int_equal(parse("cluster&server=s1&side=s1&ttl=1&t=2"), -EINVAL);
    assert_int_equal(parse(""), -EINVAL);
}

static void test_first_side_wins(void **state)
{
    witness_t *w = witness_new(30000);
    char why[256];
    witness_req_t a = req("c", "srv1", "srv1", 7000, WALL);
    witness_req_t b = req("c", "srv2", "srv2,srv3", 7000, WALL + 5);
    witness_req_t b3 = req("c", "srv3", "srv3,srv2", 7000, WALL + 6);
    assert_int_equal(witness_decide(w, &a, false, 1000, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    assert_non_null(strstr(why, "granted"));
    assert_int_equal(witness_decide(w, &b, false, 1100, WALL, why, sizeof(why)), WITNESS_LOSE);
    assert_non_null(strstr(why, "held by srv1"));
    assert_int_equal(witness_decide(w, &b3, false, 1100, WALL, why, sizeof(why)), WITNESS_LOSE);
    /* another cluster has its own lease */
    witness_req_t o = req("other", "srv2", "srv2", 7000, WALL + 7);
    assert_int_equal(witness_decide(w, &o, false, 1200, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    witness_destroy(&w);
    assert_null(w);
}

static void test_same_side_and_hold(void **state)
{
    witness_t *w = witness_new(30000);
    char why[256];
    witness_req_t s2 = req("c", "srv2", "srv2,srv3", 5000, WALL);
    witness_req_t s3 = req("c", "srv3", "srv3", 5000, WALL + 1);
    witness_req_t s1 = req("c", "srv1", "srv1", 5000, WALL + 2);
    assert_int_equal(witness_decide(w, &s2, false, 0, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    /* a member of the holding side survives too, whatever side it names */
    assert_int_equal(witness_decide(w, &s3, false, 100, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    /* renewals keep the lease: srv1 still loses after the first ttl */
    for (uint64_t now = 1000, t = WALL + 10; now <= 9000; now += 1000, t++) {
        witness_req_t h = req("c", "srv2", "srv2,srv3", 5000, t);
        assert_int_equal(witness_decide(w, &h, true, now, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    }
    assert_int_equal(witness_decide(w, &s1, false, 13000, WALL, why, sizeof(why)), WITNESS_LOSE);
    /* a hold from outside the holding side loses and changes nothing */
    witness_req_t h1 = req("c", "srv1", "srv1", 5000, WALL + 100);
    assert_int_equal(witness_decide(w, &h1, true, 13500, WALL, why, sizeof(why)), WITNESS_LOSE);
    /* once the lease has expired, the next side to ask gets it */
    witness_req_t s1b = req("c", "srv1", "srv1", 5000, WALL + 101);
    assert_int_equal(witness_decide(w, &s1b, false, 14001, WALL, why, sizeof(why)),
                     WITNESS_SURVIVE);
    witness_req_t s2b = req("c", "srv2", "srv2", 5000, WALL + 102);
    assert_int_equal(witness_decide(w, &s2b, false, 14002, WALL, why, sizeof(why)), WITNESS_LOSE);
    witness_destroy(&w);
}

static void test_freshness(void **state)
{
    witness_t *w = witness_new(30000);
    char why[256];
    witness_req_t r = req("c", "srv1", "srv1", 5000, WALL);
    assert_int_equal(witness_decide(w, &r, false, 0, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    /* the same request again (a recording): refused */
    assert_int_equal(witness_decide(w, &r, false, 10, WALL, why, sizeof(why)), WITNESS_REFUSED);
    assert_non_null(strstr(why, "replayed"));
    /* clocks too far apart either way: refused */
    witness_req_t old = req("c", "srv2", "srv2", 5000, WALL - 30001);
    assert_int_equal(witness_decide(w, &old, false, 10, WALL, why, sizeof(why)), WITNESS_REFUSED);
    assert_non_null(strstr(why, "stale"));
    witness_req_t future = req("c", "srv2", "srv2", 5000, WALL + 30001);
    assert_int_equal(witness_decide(w, &future, false, 10, WALL, why, sizeof(why)),
                     WITNESS_REFUSED);
    /* a refused request does not move the lease: srv2 still loses when fresh */
    witness_req_t fresh = req("c", "srv2", "srv2", 5000, WALL + 1);
    assert_int_equal(witness_decide(w, &fresh, false, 20, WALL, why, sizeof(why)), WITNESS_LOSE);
    witness_destroy(&w);
}

static void test_state_file(void **state)
{
    witness_t *w = witness_new(30000);
    char why[256];
    witness_req_t r = req("c", "srv2", "srv2,srv3", 8000, WALL);
    assert_int_equal(witness_decide(w, &r, false, 1000, WALL, why, sizeof(why)), WITNESS_SURVIVE);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(witness_save(w, 3000, WALL + 2000, f), 0);
    fclose(f);
    witness_destroy(&w);
    /* a witness restarted 1 s later (new monotonic clock) keeps the lease and the replay window */
    witness_t *w2 = witness_new(30000);
    f = fmemopen(text, len, "r");
    assert_int_equal(witness_load(w2, 50, WALL + 3000, f), 0);
    fclose(f);
    witness_req_t s1 = req("c", "srv1", "srv1", 8000, WALL + 3000);
    assert_int_equal(witness_decide(w2, &s1, false, 60, WALL + 3000, why, sizeof(why)),
                     WITNESS_LOSE);
    assert_int_equal(witness_decide(w2, &r, false, 70, WALL + 3000, why, sizeof(why)),
                     WITNESS_REFUSED);
    char *dump = NULL;
    size_t dlen = 0;
    f = open_memstream(&dump, &dlen);
    witness_dump(w2, 50, f);
    fclose(f);
    assert_string_equal(dump, "c srv2,srv3 5000\n"); /* 8000 - 2000 - 1000 left */
    free(dump);
    /* garbage is refused */
    const char *bad = "lease c srv2 notanumber\n";
    f = fmemopen((void *)bad, strlen(bad), "r");
    assert_int_equal(witness_load(w2, 0, WALL, f), -EINVAL);
    fclose(f);
    witness_destroy(&w2);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_first_side_wins),
        cmocka_unit_test(test_same_side_and_hold),
        cmocka_unit_test(test_freshness),
        cmocka_unit_test(test_state_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

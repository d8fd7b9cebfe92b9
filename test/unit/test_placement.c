/* Table-driven tests of placement (services/core/placement.c): policy order,
 * online servers, exclusions, monitor restrictions, complete and normal
 * exclusivity, server groups, failback, start dependencies, force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "placement.h"

/* Four servers s1..s4 (priority order), groups:
 *  g0  default policy, no exclusion
 *  g1  policy s3, s1 (s2, s4 not startup servers)
 *  g2  complete exclusive, default policy
 *  g3  complete exclusive, default policy
 *  g4  normal exclusive, default policy
 *  g5  normal exclusive, default policy
 *  g6  starts after g0 (any server)
 *  g7  starts after g0 on the same server
 *  g8  server groups on (sgA = s1,s2; sgB = s3,s4), may cross
 *  g9  server groups on, may not cross
 */
static const char *CONF =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?><root>"
    "<cluster><name>c</name></cluster>"
    "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type><info>10.0.0.1</info></device></server>"
    "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type><info>10.0.0.2</info></device></server>"
    "<server name=\"s3\"><priority>2</priority><device id=\"0\"><type>lan</type><info>10.0.0.3</info></device></server>"
    "<server name=\"s4\"><priority>3</priority><device id=\"0\"><type>lan</type><info>10.0.0.4</info></device></server>"
    "<servergroup name=\"sgA\"><server name=\"s1\"><order>0</order></server><server name=\"s2\"><order>1</order></server></servergroup>"
    "<servergroup name=\"sgB\"><server name=\"s3\"><order>0</order></server><server name=\"s4\"><order>1</order></server></servergroup>"
    "<heartbeat><types name=\"lanhb\"/><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb></heartbeat>"
    "<group name=\"g0\"><gid>0</gid></group>"
    "<group name=\"g1\"><gid>1</gid><policy name=\"s3\"><order>0</order></policy><policy name=\"s1\"><order>1</order></policy></group>"
    "<group name=\"g2\"><gid>2</gid><exclusive>2</exclusive></group>"
    "<group name=\"g3\"><gid>3</gid><exclusive>2</exclusive></group>"
    "<group name=\"g4\"><gid>4</gid><exclusive>1</exclusive></group>"
    "<group name=\"g5\"><gid>5</gid><exclusive>1</exclusive></group>"
    "<group name=\"g6\"><gid>6</gid><depend><act><depend name=\"g0\"/></act></depend></group>"
    "<group name=\"g7\"><gid>7</gid><depend><act><depend name=\"g0\"><sameserver>1</sameserver></depend></act></depend></group>"
    "<group name=\"g8\"><gid>8</gid><servergroup><use>1</use><across>1</across></servergroup></group>"
    "<group name=\"g9\"><gid>9</gid><servergroup><use>1</use><across>0</across></servergroup></group>"
    "</root>";

#define N 10
#define S1 0
#define S2 1
#define S3 2
#define S4 3
#define NONE PLACE_NONE
#define ALL 0xfull
#define B(x) (1ull << (x))

typedef struct {
    const char *what;
    int g;
    uint64_t online;
    int where[N];       /* per group; {0} means all NONE when unset: use the macro below */
    bool where_set;
    uint64_t restrict_g; /* restriction mask for group g */
    int prev;
    uint64_t exclude;
    place_mode_t mode;
    bool force;
    int expect;
    const char *reason; /* substring of the reason, or NULL */
} tcase_t;

#define W(...) .where = {__VA_ARGS__}, .where_set = true

static const tcase_t cases[] = {
    /* policy order */
    {"default policy: first server", 0, ALL, .prev = NONE, .mode = PLACE_START, .expect = S1, .reason = "policy order"},
    {"default policy: s1 down", 0, B(S2) | B(S3) | B(S4), .prev = NONE, .mode = PLACE_START, .expect = S2, .reason = "automatically"},
    {"default policy: only s4", 0, B(S4), .prev = NONE, .mode = PLACE_START, .expect = S4},
    {"default policy: nobody online", 0, 0, .prev = NONE, .mode = PLACE_START, .expect = NONE, .reason = "not running"},
    {"explicit policy: s3 first", 1, ALL, .prev = NONE, .mode = PLACE_START, .expect = S3},
    {"explicit policy: s3 down -> s1", 1, B(S1) | B(S2) | B(S4), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"explicit policy: s1,s3 down -> none (s2,s4 not startup)", 1, B(S2) | B(S4), .prev = NONE, .mode = PLACE_START, .expect = NONE},
    /* failover: skip the previous server */
    {"failover from s1 -> s2", 0, ALL, .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S2},
    {"failover from s2 -> s1", 0, ALL, .prev = S2, .exclude = B(S2), .mode = PLACE_FAILOVER, .expect = S1},
    {"failover from s1, s2 down -> s3", 0, B(S1) | B(S3) | B(S4), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S3},
    {"failover from s1, all others down -> none", 0, B(S1), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = NONE},
    {"failover excluding s1,s2 -> s3", 0, ALL, .prev = S1, .exclude = B(S1) | B(S2), .mode = PLACE_FAILOVER, .expect = S3},
    {"failover excluding all -> none", 0, ALL, .prev = S1, .exclude = ALL, .mode = PLACE_FAILOVER, .expect = NONE, .reason = "excluded"},
    {"explicit policy failover from s3 -> s1", 1, ALL, .prev = S3, .exclude = B(S3), .mode = PLACE_FAILOVER, .expect = S1},
    {"explicit policy failover from s1 -> s3", 1, ALL, .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S3},
    {"explicit policy failover from s3, s1 down -> none", 1, B(S2) | B(S3) | B(S4), .prev = S3, .exclude = B(S3), .mode = PLACE_FAILOVER, .expect = NONE},
    /* monitor restrictions */
    {"restricted on s1 -> s2", 0, ALL, .restrict_g = B(S1), .prev = NONE, .mode = PLACE_START, .expect = S2, .reason = "automatically"},
    {"restricted on s1,s2 -> s3", 0, ALL, .restrict_g = B(S1) | B(S2), .prev = NONE, .mode = PLACE_START, .expect = S3},
    {"restricted everywhere -> none", 0, ALL, .restrict_g = ALL, .prev = NONE, .mode = PLACE_START, .expect = NONE, .reason = "monitor"},
    {"restricted everywhere, forced -> s1", 0, ALL, .restrict_g = ALL, .prev = NONE, .mode = PLACE_START, .force = true, .expect = S1},
    {"restricted on s2, failover from s1 -> s3", 0, ALL, .restrict_g = B(S2), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S3},
    {"restricted on s3 (policy g1) -> s1", 1, ALL, .restrict_g = B(S3), .prev = NONE, .mode = PLACE_START, .expect = S1},
    /* complete exclusion */
    {"complete: g3 on s1, g2 -> s2", 2, ALL, W(NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S2},
    {"complete: g3 on s1, s2 down, g2 -> s3", 2, B(S1) | B(S3) | B(S4), W(NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S3},
    {"complete: g3 on s2, failover g2 from s1 -> s3", 2, ALL, W(NONE, NONE, S1, S2, NONE, NONE, NONE, NONE, NONE, NONE), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S3},
    {"complete: g3 on s2, only s1,s2 up, failover g2 from s1 -> none", 2, B(S1) | B(S2), W(NONE, NONE, S1, S2, NONE, NONE, NONE, NONE, NONE, NONE), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = NONE, .reason = "complete-exclusive"},
    {"complete: own position does not block itself", 2, ALL, W(NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"complete: a non-exclusive group on s1 does not block", 2, ALL, W(S1, S1, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"complete: a normal-exclusive group on s1 does not block complete", 2, ALL, W(NONE, NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"complete: g3 on s1, force does not override exclusivity", 2, ALL, W(NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .force = true, .expect = S2},
    /* normal exclusion */
    {"normal: g5 on s1, g4 -> s2", 4, ALL, W(NONE, NONE, NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S2},
    {"normal: g5 on s1 and s2 only up -> s2", 4, B(S1) | B(S2), W(NONE, NONE, NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S2},
    {"normal: g5 on s1, only s1 up -> s1 anyway", 4, B(S1), W(NONE, NONE, NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"normal: g5 on s2, failover g4 from s1, s3 down -> s4", 4, B(S1) | B(S2) | B(S4), W(NONE, NONE, NONE, NONE, S1, S2, NONE, NONE, NONE, NONE), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S4},
    {"normal: g5 on s2, only s1,s2 up, failover g4 from s1 -> s2", 4, B(S1) | B(S2), W(NONE, NONE, NONE, NONE, S1, S2, NONE, NONE, NONE, NONE), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S2},
    {"normal: complete group on s1 does not count for normal", 4, ALL, W(NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"normal: non-exclusive g0 untouched by g5", 0, ALL, W(NONE, NONE, NONE, NONE, NONE, S1, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    /* start dependencies */
    {"dependency: g0 not online -> g6 waits", 6, ALL, .prev = NONE, .mode = PLACE_START, .expect = NONE, .reason = "waiting for group g0"},
    {"dependency: g0 on s2 -> g6 on s1", 6, ALL, W(S2, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"same-server dependency: g0 on s2 -> g7 on s2", 7, ALL, W(S2, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S2},
    {"same-server dependency: g0 on s3 -> g7 on s3", 7, ALL, W(S3, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S3},
    {"same-server dependency: g0 nowhere -> none", 7, ALL, .prev = NONE, .mode = PLACE_START, .expect = NONE, .reason = "same server"},
    {"same-server dependency: g0 on s3, s3 excluded -> none", 7, ALL, W(S3, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = S3, .exclude = B(S3), .mode = PLACE_FAILOVER, .expect = NONE},
    /* server groups */
    {"server group: failover from s1 stays in sgA -> s2", 8, ALL, .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S2, .reason = "server group sgA"},
    {"server group: failover from s3 stays in sgB -> s4", 8, ALL, .prev = S3, .exclude = B(S3), .mode = PLACE_FAILOVER, .expect = S4, .reason = "sgB"},
    {"server group: from s1, s2 down, may cross -> s3", 8, B(S1) | B(S3) | B(S4), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = S3},
    {"server group: from s4, s3 down, may cross -> s1", 8, B(S1) | B(S2) | B(S4), .prev = S4, .exclude = B(S4), .mode = PLACE_FAILOVER, .expect = S1},
    {"server group: from s1, s2 down, may not cross -> none", 9, B(S1) | B(S3) | B(S4), .prev = S1, .exclude = B(S1), .mode = PLACE_FAILOVER, .expect = NONE, .reason = "across"},
    {"server group: from s3, s4 up, may not cross -> s4", 9, ALL, .prev = S3, .exclude = B(S3), .mode = PLACE_FAILOVER, .expect = S4},
    {"server group: start (no previous) -> policy order", 8, ALL, .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"server group: start with s1,s2 down -> s3", 9, B(S3) | B(S4), .prev = NONE, .mode = PLACE_START, .expect = S3},
    /* failback */
    {"failback: on s2, s1 back -> s1", 0, ALL, .prev = S2, .mode = PLACE_FAILBACK, .expect = S1},
    {"failback: on s1 already -> none", 0, ALL, .prev = S1, .mode = PLACE_FAILBACK, .expect = NONE, .reason = "no server better"},
    {"failback: on s3, s1 down, s2 up -> s2", 0, B(S2) | B(S3) | B(S4), .prev = S3, .mode = PLACE_FAILBACK, .expect = S2},
    {"failback: on s2, s1 restricted -> none", 0, ALL, .restrict_g = B(S1), .prev = S2, .mode = PLACE_FAILBACK, .expect = NONE},
    {"failback: explicit policy, on s1, s3 back -> s3", 1, ALL, .prev = S1, .mode = PLACE_FAILBACK, .expect = S3},
    {"failback: explicit policy, on s3 -> none", 1, ALL, .prev = S3, .mode = PLACE_FAILBACK, .expect = NONE},
    {"failback: complete exclusive blocked on s1 -> none", 2, ALL, W(NONE, NONE, S2, S1, NONE, NONE, NONE, NONE, NONE, NONE), .prev = S2, .mode = PLACE_FAILBACK, .expect = NONE},
    {"failback: no current server -> none", 0, ALL, .prev = NONE, .mode = PLACE_FAILBACK, .expect = NONE},
    /* more combinations */
    {"offline server excluded even if listed first", 1, B(S1), .prev = NONE, .mode = PLACE_START, .expect = S1},
    {"everything excluded but s4 -> s4", 0, ALL, .prev = S1, .exclude = B(S1) | B(S2) | B(S3), .mode = PLACE_FAILOVER, .expect = S4},
    {"restricted s4, excluded s1-s3 -> none", 0, ALL, .restrict_g = B(S4), .prev = S1, .exclude = B(S1) | B(S2) | B(S3), .mode = PLACE_FAILOVER, .expect = NONE},
    {"restricted s4, excluded s1-s3, forced -> s4", 0, ALL, .restrict_g = B(S4), .prev = S1, .exclude = B(S1) | B(S2) | B(S3), .mode = PLACE_FAILOVER, .force = true, .expect = S4},
    {"complete: three complete groups, two servers busy -> third", 3, ALL, W(NONE, NONE, S1, NONE, NONE, NONE, NONE, NONE, NONE, NONE), .prev = NONE, .mode = PLACE_START, .expect = S2},
};

static clp_conf_t *conf;

static int setup(void **state)
{
    clp_diag_t d = {0};
    conf = clp_conf_load_mem(CONF, strlen(CONF), "placement-test.conf", &d);
    if (!conf) {
        clp_diag_print(stderr, &d);
    }
    clp_diag_free(&d);
    return conf ? 0 : -1;
}

static int teardown(void **state)
{
    clp_conf_free(&conf);
    return 0;
}

static void test_table(void **state)
{
    size_t n = sizeof(cases) / sizeof(cases[0]);
    assert_true(n >= 60);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const tcase_t *t = &cases[i];
        int where[N];
        uint64_t restr[N] = {0};
        for (int g = 0; g < N; g++) {
            where[g] = t->where_set ? t->where[g] : NONE;
        }
        restr[t->g] = t->restrict_g;
        place_input_t in = {.conf = conf, .online = t->online, .where = where, .restrict_mask = restr};
        place_result_t r;
        place_group(&in, t->g, t->prev, t->exclude, t->mode, t->force, &r);
        bool ok = r.server == t->expect && (!t->reason || strstr(r.reason, t->reason));
        if (!ok) {
            printf("case %zu \"%s\": got server %d (%s), expected %d%s%s\n", i, t->what, r.server,
                   r.reason, t->expect, t->reason ? " with reason containing " : "",
                   t->reason ? t->reason : "");
            failures++;
        }
    }
    printf("%zu placement cases, %d failed\n", n, failures);
    assert_int_equal(failures, 0);
}

static void test_policy_rank(void **state)
{
    assert_int_equal(place_policy_rank(conf, 1, S3), 0);
    assert_int_equal(place_policy_rank(conf, 1, S1), 1);
    assert_int_equal(place_policy_rank(conf, 1, S2), -1);
    assert_int_equal(place_policy_rank(conf, 0, S4), 3);
}

static void test_allowed(void **state)
{
    int where[N];
    for (int g = 0; g < N; g++) {
        where[g] = NONE;
    }
    where[3] = S2;
    place_input_t in = {.conf = conf, .online = ALL, .where = where, .restrict_mask = NULL};
    char why[160];
    assert_true(place_allowed(&in, 2, S1, false, false, why, sizeof(why)));
    assert_false(place_allowed(&in, 2, S2, false, false, why, sizeof(why)));
    assert_non_null(strstr(why, "complete-exclusive"));
    assert_false(place_allowed(&in, 1, S2, false, false, why, sizeof(why)));
    assert_non_null(strstr(why, "not a startup server"));
    assert_true(place_allowed(&in, 1, S2, false, true, why, sizeof(why)));
    in.online = B(S1);
    assert_false(place_allowed(&in, 0, S2, false, false, why, sizeof(why)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_policy_rank),
        cmocka_unit_test(test_allowed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

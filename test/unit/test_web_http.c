/* Unit tests for the WebManager's pure pieces: route matching and the route
 * table, Accept-Language, client IP lists, password rights, sessions, the
 * static path resolver, and the failover/move statistics of /metrics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sodium.h>

#include "web_acl.h"
#include "web_api.h"
#include "web_auth.h"
#include "web_http.h"
#include "web_metrics.h"
#include "web_session.h"
#include "web_static.h"

static bool match(const char *pattern, const char *path, const char **p, int *n)
{
    static char segs[1024];
    return web_route_match(pattern, path, segs, sizeof(segs), p, n);
}

static void test_route_match(void **state)
{
    const char *p[WEB_MAX_PARAMS];
    int n;
    assert_true(match("/api/v1/groups", "/api/v1/groups", p, &n));
    assert_int_equal(n, 0);
    assert_false(match("/api/v1/groups", "/api/v1/groups/", p, &n));
    assert_false(match("/api/v1/groups", "/api/v1/group", p, &n));
    assert_false(match("/api/v1/groups", "/api/v1/groupsx", p, &n));
    assert_true(match("/api/v1/groups/{}/{}", "/api/v1/groups/failover1/move", p, &n));
    assert_int_equal(n, 2);
    assert_string_equal(p[0], "failover1");
    assert_string_equal(p[1], "move");
    assert_false(match("/api/v1/groups/{}/{}", "/api/v1/groups//move", p, &n));
    assert_false(match("/api/v1/groups/{}", "/api/v1/groups/a/b", p, &n));
    assert_true(match("/*", "/", p, &n));
    assert_true(match("/*", "/css/app.css", p, &n));
    assert_false(match("/api", "api", p, &n));
    char longp[2000];
    memset(longp, 'a', sizeof(longp));
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    assert_false(match("/*", longp, p, &n));
}

/* Which row answers METHOD PATH, as the pipeline picks it. */
static const web_route_t *route_of(unsigned method, const char *path)
{
    static char segs[1024];
    const char *p[WEB_MAX_PARAMS];
    int n;
    bool api = strncmp(path, "/api/", 5) == 0 || strcmp(path, "/metrics") == 0;
    for (const web_route_t *r = web_routes; r->fn; r++) {
        if (strchr(r->pattern, '*') && api) {
            continue;
        }
        if (web_route_match(r->pattern, path, segs, sizeof(segs), p, &n) && (r->methods & method)) {
            return r;
        }
    }
    return NULL;
}

static void test_route_table(void **state)
{
    struct {
        unsigned m;
        const char *path;
        web_handler_fn fn;
        web_right_t need;
    } cases[] = {
        {WEB_GET, "/api/v1/cluster", api_get_cluster, WEB_RIGHT_REF},
        {WEB_GET, "/api/v1/cluster/toratio", api_get_toratio, WEB_RIGHT_REF},
        {WEB_POST, "/api/v1/cluster/toratio/set", api_post_toratio_set, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/cluster/stop", api_post_cluster, WEB_RIGHT_OP},
        {WEB_GET, "/api/v1/servers/srv1", api_get_servers, WEB_RIGHT_REF},
        {WEB_POST, "/api/v1/servers/srv1/reboot", api_post_server, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/servers/srv1/dummy-failure/start", api_post_server_dummy, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/groups/start", api_post_groups_all, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/groups/g/move", api_post_group, WEB_RIGHT_OP},
        {WEB_GET, "/api/v1/resources/r", api_get_resources, WEB_RIGHT_REF},
        {WEB_POST, "/api/v1/resources/r/stop", api_post_resource, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/monitors/m/dummy-failure/stop", api_post_monitor_dummy, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/monitors/m/suspend", api_post_monitor, WEB_RIGHT_OP},
        {WEB_POST, "/api/v1/scripts/run", api_post_scripts_run, WEB_RIGHT_OP},
        {WEB_GET, "/api/v1/config/clp.conf", api_get_config_export, WEB_RIGHT_OP},
        {WEB_GET, "/metrics", api_get_metrics, WEB_RIGHT_REF},
        {WEB_GET, "/api/v1/session", api_get_session, WEB_RIGHT_NONE},
        {WEB_POST, "/api/v1/login", api_post_login, WEB_RIGHT_NONE},
        {WEB_GET, "/index.html", api_get_static, WEB_RIGHT_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const web_route_t *r = route_of(cases[i].m, cases[i].path);
        if (!r || r->fn != cases[i].fn || r->need != cases[i].need) {
            fail_msg("wrong route for %s", cases[i].path);
        }
    }
    assert_null(route_of(WEB_GET, "/api/v1/nosuch"));
    assert_null(route_of(WEB_POST, "/api/v1/cluster"));
    assert_null(route_of(WEB_GET, "/api/v1/groups/g/move"));
    /* every operation needs the operation right; nothing but the session and
     * the UI's files is open without rights */
    for (const web_route_t *r = web_routes; r->fn; r++) {
        if ((r->methods & WEB_POST) && strcmp(r->pattern, "/api/v1/login") &&
            strcmp(r->pattern, "/api/v1/logout")) {
            assert_int_equal(r->need, WEB_RIGHT_OP);
        }
        if (r->need == WEB_RIGHT_NONE) {
            assert_true(strstr(r->pattern, "/session") || strstr(r->pattern, "/log") ||
                        strcmp(r->pattern, "/*") == 0);
        }
    }
}

static void test_lang(void **state)
{
    assert_string_equal(web_pick_lang(NULL), "en");
    assert_string_equal(web_pick_lang("ja"), "ja");
    assert_string_equal(web_pick_lang("ja-JP,ja;q=0.9,en;q=0.8"), "ja");
    assert_string_equal(web_pick_lang("en-US,en;q=0.9,ja;q=0.8"), "en");
    assert_string_equal(web_pick_lang("fr, ja;q=0.5, en;q=0.4"), "ja");
    assert_string_equal(web_pick_lang("jav, fr"), "en");
    assert_string_equal(web_pick_lang("*"), "en");
}

static void test_acl(void **state)
{
    clp_client_t cl[] = {
        {"10.32.0.200", false}, {"10.32.1.0/24", false}, {"10.32.0.254", true},
        {"fd00::/64", true},    {"bogus", false},
    };
    clp_webmgr_t w = {.iprest = 1, .clients = cl, .n_clients = 5};
    int bad = 0;
    web_acl_t *a = web_acl_new(&w, &bad);
    assert_int_equal(bad, 1);
    assert_int_equal(web_acl_check(a, "10.32.0.200"), WEB_RIGHT_OP);
    assert_int_equal(web_acl_check(a, "::ffff:10.32.0.200"), WEB_RIGHT_OP);
    assert_int_equal(web_acl_check(a, "10.32.1.77"), WEB_RIGHT_OP);
    assert_int_equal(web_acl_check(a, "10.32.2.1"), WEB_RIGHT_NONE);
    assert_int_equal(web_acl_check(a, "10.32.0.254"), WEB_RIGHT_REF);
    assert_int_equal(web_acl_check(a, "fd00::5"), WEB_RIGHT_REF);
    assert_int_equal(web_acl_check(a, "fd01::5"), WEB_RIGHT_NONE);
    assert_int_equal(web_acl_check(a, "127.0.0.1"), WEB_RIGHT_NONE);
    assert_int_equal(web_acl_check(a, ""), WEB_RIGHT_NONE);
    assert_int_equal(web_acl_check(a, NULL), WEB_RIGHT_NONE);
    web_acl_destroy(&a);
    assert_null(a);
    w.iprest = 0;
    a = web_acl_new(&w, NULL);
    assert_int_equal(web_acl_check(a, "192.0.2.1"), WEB_RIGHT_OP);
    web_acl_destroy(&a);
    assert_string_equal(web_right_name(WEB_RIGHT_REF), "reference");
}

typedef struct {
    int calls;
    web_right_t got;
    struct event_base *base;
} cb_t;

static void on_right(void *arg, web_right_t r)
{
    cb_t *c = arg;
    c->calls++;
    c->got = r;
    event_base_loopbreak(c->base);
}

static web_right_t check(web_auth_t *a, cb_t *c, const char *pw)
{
    c->calls = 0;
    assert_int_equal(web_auth_check(a, pw, on_right, c), 0);
    if (!c->calls) {
        event_base_dispatch(c->base);
    }
    assert_int_equal(c->calls, 1);
    return c->got;
}

static void test_auth(void **state)
{
    assert_true(sodium_init() >= 0);
    char op[crypto_pwhash_STRBYTES], ref[crypto_pwhash_STRBYTES];
    assert_int_equal(
        crypto_pwhash_str(op, "op", 2, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
    assert_int_equal(
        crypto_pwhash_str(ref, "ref", 3, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN),
        0);
    cb_t c = {.base = event_base_new()};
    web_auth_t *a = web_auth_new(c.base, op, ref);
    assert_non_null(a);
    assert_int_equal(web_auth_anonymous(a), WEB_RIGHT_NONE);
    assert_true(web_auth_has_passwords(a));
    assert_int_equal(check(a, &c, "op"), WEB_RIGHT_OP);
    assert_int_equal(check(a, &c, "ref"), WEB_RIGHT_REF);
    assert_int_equal(check(a, &c, "nope"), WEB_RIGHT_NONE);
    unsigned long v = web_auth_verifications(a);
    assert_int_equal(check(a, &c, "op"), WEB_RIGHT_OP); /* remembered */
    assert_int_equal(web_auth_verifications(a), v);
    web_auth_destroy(&a);
    assert_null(a);

    a = web_auth_new(c.base, op, NULL); /* operation password only */
    assert_int_equal(web_auth_anonymous(a), WEB_RIGHT_REF);
    web_auth_destroy(&a);
    a = web_auth_new(c.base, NULL, ref); /* reference password only */
    assert_int_equal(web_auth_anonymous(a), WEB_RIGHT_NONE);
    assert_int_equal(check(a, &c, "ref"), WEB_RIGHT_OP);
    web_auth_destroy(&a);
    a = web_auth_new(c.base, NULL, NULL); /* none */
    assert_int_equal(web_auth_anonymous(a), WEB_RIGHT_OP);
    assert_false(web_auth_has_passwords(a));
    web_auth_destroy(&a);
    event_base_free(c.base);
}

static void test_sessions(void **state)
{
    web_sessions_t *s = web_sessions_new();
    const web_session_t *x = web_session_create(s, WEB_RIGHT_OP, 1000);
    char id[65], csrf[65];
    memcpy(id, x->id, sizeof(id));
    memcpy(csrf, x->csrf, sizeof(csrf));
    assert_int_equal(strlen(id), 64);
    assert_string_not_equal(id, csrf);
    const web_session_t *f = web_session_find(s, id, 2000);
    assert_non_null(f);
    assert_int_equal(f->right, WEB_RIGHT_OP);
    assert_true(web_session_csrf_ok(f, csrf));
    assert_false(web_session_csrf_ok(f, id));
    assert_false(web_session_csrf_ok(f, "short"));
    assert_false(web_session_csrf_ok(f, NULL));
    assert_null(web_session_find(s, "nope", 2000));
    /* idle expiry counts from the last use */
    assert_non_null(web_session_find(s, id, 2000 + WEB_SESSION_IDLE_MS - 1));
    assert_null(web_session_find(s, id, 2000 + 2 * WEB_SESSION_IDLE_MS));
    x = web_session_create(s, WEB_RIGHT_REF, 5000);
    memcpy(id, x->id, sizeof(id));
    web_session_end(s, id);
    assert_null(web_session_find(s, id, 5001));
    /* a full table evicts the least recently used */
    for (int i = 0; i < WEB_SESSION_MAX + 10; i++) {
        web_session_create(s, WEB_RIGHT_REF, 10000 + (uint64_t)i);
    }
    assert_int_equal(web_sessions_count(s, 20000), WEB_SESSION_MAX);
    web_sessions_destroy(&s);
    assert_null(s);
}

static void test_static_resolve(void **state)
{
    char out[256];
    assert_int_equal(web_static_resolve("/d", "/", out, sizeof(out)), 0);
    assert_string_equal(out, "/d/index.html");
    assert_int_equal(web_static_resolve("/d", "/app.js", out, sizeof(out)), 0);
    assert_string_equal(out, "/d/app.js");
    assert_true(web_static_resolve("/d", "/../etc/passwd", out, sizeof(out)) < 0);
    assert_true(web_static_resolve("/d", "/a/..", out, sizeof(out)) < 0);
    assert_true(web_static_resolve("/d", "/a\\b", out, sizeof(out)) < 0);
    assert_true(web_static_resolve("/d", "rel", out, sizeof(out)) < 0);
    assert_true(web_static_resolve("/d", "/x", out, 4) < 0);
    assert_int_equal(web_static_resolve("/d", "/a..b", out, sizeof(out)), 0);

    char dir[] = "/tmp/test_web_XXXXXX", path[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/bin", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/webmgr", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/webmgr/index.html", dir);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    char root[512], exe[512];
    snprintf(root, sizeof(root), "%s/noroot", dir);
    snprintf(exe, sizeof(exe), "%s/bin", dir);
    web_static_find_docroot(root, exe, out, sizeof(out));
    snprintf(path, sizeof(path), "%s/webmgr", dir);
    assert_string_equal(out, path); /* next to the executable */
    web_static_find_docroot(dir, exe, out, sizeof(out));
    assert_string_equal(out, path); /* the root's own copy */
    snprintf(path, sizeof(path), "rm -rf %s", dir);
    assert_int_equal(system(path), 0);
}

static void feed(web_metrics_t *m, uint64_t ms, unsigned id, const char *text)
{
    clp_alert_rec_t r = {0};
    snprintf(r.module, sizeof(r.module), "rc");
    r.event_id = id;
    r.wall_ms = ms;
    snprintf(r.text, sizeof(r.text), "%s", text);
    web_metrics_feed(m, &r);
}

static void test_metrics_groups(void **state)
{
    web_t w = {0};
    web_metrics_t *m = web_metrics_new(&w);
    feed(m, 1000, 60, "Failover group failover1 has started.");
    feed(m, 3500, 61, "Failover group failover1 has completed.");
    feed(m, 5000, 50, "Moving group g2 has started.");
    feed(m, 5200, 52, "Moving group g2 has failed.");
    feed(m, 6000, 60, "Failover group failover1 has started.");
    feed(m, 6000, 61, "Something else entirely.");
    struct evbuffer *b = evbuffer_new();
    web_metrics_write_groups(m, b);
    size_t n = evbuffer_get_length(b);
    char *s = calloc(1, n + 1);
    evbuffer_remove(b, s, n);
    assert_non_null(strstr(s, "clp_group_failovers_total{group=\"failover1\"} 2\n"));
    assert_non_null(
        strstr(s, "clp_group_failover_duration_seconds_sum{group=\"failover1\"} 2.5\n"));
    assert_non_null(
        strstr(s, "clp_group_failover_duration_seconds_count{group=\"failover1\"} 1\n"));
    assert_non_null(strstr(s, "clp_group_failover_in_progress{group=\"failover1\"} 1\n"));
    assert_non_null(strstr(s, "clp_group_move_failures_total{group=\"g2\"} 1\n"));
    assert_non_null(strstr(s, "clp_group_move_duration_seconds_count{group=\"g2\"} 0\n"));
    assert_non_null(strstr(s, "# TYPE clp_group_failovers_total counter\n"));
    free(s);
    evbuffer_free(b);
    web_metrics_destroy(&m);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_match),    cmocka_unit_test(test_route_table),
        cmocka_unit_test(test_lang),           cmocka_unit_test(test_acl),
        cmocka_unit_test(test_auth),           cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_static_resolve), cmocka_unit_test(test_metrics_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

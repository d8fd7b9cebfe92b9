/* Unit tests for clpsvc's svc_manifest (and the argv built from a start
 * method, svc_proc): the real manifests in smf-manifests/ parse with the
 * documented FMRIs, names, methods and timeouts; bad manifests are refused
 * with file:line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svc_manifest.h"
#include "svc_proc.h"

#define MANIFESTS CLP_SOURCE_DIR "/smf-manifests"
#define DATA CLP_SOURCE_DIR "/test/data/manifests"

static const struct {
    const char *file, *fmri, *name, *ipc, *kill_mode;
    unsigned stop_timeout;
} expected[] = {
    {"clusterpro_evt.xml", "svc:/application/clusterpro/evt", "clusterpro_evt", "evt", "group",
     60},
    {"clusterpro_trn.xml", "svc:/application/clusterpro/trn", "clusterpro_trn", "trn", "group",
     60},
    {"clusterpro.xml", "svc:/application/clusterpro/core", "clusterpro", "core", "process", 3600},
    {"clusterpro_webmgr.xml", "svc:/application/clusterpro/webmgr", "clusterpro_webmgr",
     "webmgr", "group", 60},
    {"clusterpro_alertsync.xml", "svc:/application/clusterpro/alertsync",
     "clusterpro_alertsync", "alertsync", "group", 60},
};

static void test_real_manifests(void **state)
{
    char path[1024], err[1024], exec[256];
    svc_manifest_t m;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", MANIFESTS, expected[i].file);
        int rc = svc_manifest_load(path, &m, err, sizeof(err));
        if (rc != 0) {
            fail_msg("%s", err);
        }
        assert_string_equal(m.fmri, expected[i].fmri);
        assert_string_equal(m.name, expected[i].name);
        assert_string_equal(m.ipc, expected[i].ipc);
        assert_string_equal(m.kill_mode, expected[i].kill_mode);
        snprintf(exec, sizeof(exec), "/opt/nec/clusterpro/bin/%s --root /opt/nec/clusterpro",
                 expected[i].name);
        assert_string_equal(m.start_exec, exec);
        /* evt may wait 2 minutes for the master server's configuration at start */
        assert_int_equal(m.start_timeout_s,
                         strcmp(expected[i].name, "clusterpro_evt") == 0 ? 180 : 60);
        assert_string_equal(m.stop_exec, ":kill");
        assert_int_equal(m.stop_timeout_s, expected[i].stop_timeout);
        assert_true(m.line > 0);
        /* every dependency is a require_all with restart_on none */
        for (size_t k = 0; k < m.n_deps; k++) {
            assert_string_equal(m.deps[k].grouping, "require_all");
            assert_string_equal(m.deps[k].restart_on, "none");
        }
    }
}

/* Those that open network ports wait for the network milestone; evt does not. */
static void test_network_milestone(void **state)
{
    char path[1024], err[1024];
    svc_manifest_t m;
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", MANIFESTS, expected[i].file);
        assert_int_equal(svc_manifest_load(path, &m, err, sizeof(err)), 0);
        int net = 0;
        for (size_t k = 0; k < m.n_deps; k++) {
            net |= strcmp(m.deps[k].fmri, "svc:/milestone/network") == 0;
        }
        assert_int_equal(net, strcmp(m.name, "clusterpro_evt") != 0);
    }
}

static void test_load_dir(void **state)
{
    char err[1024];
    svc_manifest_t *m = NULL;
    int n = svc_manifest_load_dir(MANIFESTS, &m, err, sizeof(err));
    if (n < 0) {
        fail_msg("%s", err);
    }
    assert_int_equal(n, 5);
    /* sorted by file name */
    assert_string_equal(m[0].name, "clusterpro");
    assert_string_equal(m[4].name, "clusterpro_webmgr");
    free(m);

    assert_int_equal(svc_manifest_load_dir(DATA "/nosuchdir", &m, err, sizeof(err)), -ENOENT);
    assert_null(m);
    /* a directory with a bad manifest fails as a whole */
    assert_int_equal(svc_manifest_load_dir(DATA "/bad", &m, err, sizeof(err)), -EINVAL);
    assert_null(m);
}

/* Loads path, expects -EINVAL and an error that starts with "path:line: " and holds what. */
static void expect_bad(const char *name, int line, const char *what)
{
    char path[1024], err[1024], want[1100];
    svc_manifest_t m;
    snprintf(path, sizeof(path), "%s/bad/%s", DATA, name);
    assert_int_equal(svc_manifest_load(path, &m, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want), "%s:%d: ", path, line);
    if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, what)) {
        fail_msg("got '%s', want prefix '%s' and '%s'", err, want, what);
    }
}

static void test_malformed(void **state)
{
    expect_bad("not-well-formed.xml", 9, "not well-formed");
    expect_bad("no-start-method.xml", 4, "no start method");
    expect_bad("bad-timeout.xml", 6, "timeout_seconds 'soon'");
    expect_bad("not-a-manifest.xml", 3, "type=\"manifest\"");
}

static void test_missing_file(void **state)
{
    char err[1024];
    svc_manifest_t m;
    assert_int_equal(svc_manifest_load(DATA "/none.xml", &m, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "none.xml"));
}

static void test_fmri_normalise(void **state)
{
    char out[256];
    svc_fmri_normalise("svc:/application/clusterpro/evt:default", out, sizeof(out));
    assert_string_equal(out, "svc:/application/clusterpro/evt");
    svc_fmri_normalise("application/clusterpro/evt", out, sizeof(out));
    assert_string_equal(out, "svc:/application/clusterpro/evt");
    svc_fmri_normalise("/milestone/network:default", out, sizeof(out));
    assert_string_equal(out, "svc:/milestone/network");
    svc_fmri_normalise("svc:/a/b:other", out, sizeof(out));
    assert_string_equal(out, "svc:/a/b:other");
}

static void test_argv_substitutes_root(void **state)
{
    char err[256];
    const char *exec = "/opt/nec/clusterpro/bin/clusterpro_evt --root /opt/nec/clusterpro";
    char **argv = svc_argv_build(exec, "/tmp/r1", err, sizeof(err));
    assert_non_null(argv);
    assert_string_equal(argv[0], "/tmp/r1/bin/clusterpro_evt");
    assert_string_equal(argv[1], "--root");
    assert_string_equal(argv[2], "/tmp/r1");
    assert_null(argv[3]);
    svc_argv_free(&argv);
    assert_null(argv);

    /* --root is added when missing; a look-alike prefix is left alone */
    argv = svc_argv_build("/opt/nec/clusterpro/bin/x  /opt/nec/clusterprox/y", "/r", err,
                          sizeof(err));
    assert_non_null(argv);
    assert_string_equal(argv[0], "/r/bin/x");
    assert_string_equal(argv[1], "/opt/nec/clusterprox/y");
    assert_string_equal(argv[2], "--root");
    assert_string_equal(argv[3], "/r");
    assert_null(argv[4]);
    svc_argv_free(&argv);

    assert_null(svc_argv_build("   ", "/r", err, sizeof(err)));
    assert_null(svc_argv_build("/bin/sh -c 'x y'", "/r", err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_manifests),  cmocka_unit_test(test_network_milestone),
        cmocka_unit_test(test_load_dir),        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_missing_file),    cmocka_unit_test(test_fmri_normalise),
        cmocka_unit_test(test_argv_substitutes_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

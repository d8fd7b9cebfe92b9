/* Unit tests for clpsvc's svc_graph: the real manifests give exactly the
 * documented graph and orders; cycles, unknown dependencies and duplicates
 * are refused with a sentence naming them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "svc_graph.h"
#include "svc_manifest.h"

#define MANIFESTS CLP_SOURCE_DIR "/smf-manifests"
#define DATA CLP_SOURCE_DIR "/test/data/manifests"

static const char *const order[] = {"clusterpro_evt", "clusterpro_trn", "clusterpro",
                                    "clusterpro_webmgr", "clusterpro_alertsync"};

static int load(const char *dir, svc_manifest_t **m)
{
    char err[1024];
    int n = svc_manifest_load_dir(dir, m, err, sizeof(err));
    if (n < 0) {
        fail_msg("%s", err);
    }
    return n;
}

static uint32_t bit(const svc_manifest_t *m, size_t n, const char *name)
{
    int i = svc_graph_find(m, n, name);
    assert_true(i >= 0);
    return 1u << i;
}

static void test_real_graph(void **state)
{
    svc_manifest_t *m;
    svc_graph_t g;
    char err[1024];
    size_t n = (size_t)load(MANIFESTS, &m);
    assert_int_equal(n, 5);
    assert_int_equal(svc_graph_build(&g, m, n, err, sizeof(err)), 0);

    uint32_t evt = bit(m, n, "clusterpro_evt"), trn = bit(m, n, "clusterpro_trn");
    uint32_t core = bit(m, n, "clusterpro");
    /* direct edges, exactly as documented (the network milestone is outside the graph) */
    assert_int_equal(g.deps[svc_graph_find(m, n, "clusterpro_evt")], 0);
    assert_int_equal(g.deps[svc_graph_find(m, n, "clusterpro_trn")], evt);
    assert_int_equal(g.deps[svc_graph_find(m, n, "clusterpro")], trn);
    assert_int_equal(g.deps[svc_graph_find(m, n, "clusterpro_webmgr")], evt);
    assert_int_equal(g.deps[svc_graph_find(m, n, "clusterpro_alertsync")], evt);
    /* transitive */
    assert_int_equal(svc_graph_requires(&g, (size_t)svc_graph_find(m, n, "clusterpro")),
                     evt | trn);
    assert_int_equal(svc_graph_dependents(&g, (size_t)svc_graph_find(m, n, "clusterpro")), 0);
    assert_int_equal(svc_graph_dependents(&g, (size_t)svc_graph_find(m, n, "clusterpro_trn")),
                     core);
    assert_int_equal(svc_graph_dependents(&g, (size_t)svc_graph_find(m, n, "clusterpro_evt")),
                     0x1fu & ~evt);

    for (size_t k = 0; k < 5; k++) {
        assert_string_equal(m[g.start[k]].name, order[k]);
        assert_string_equal(m[g.stop[k]].name, order[4 - k]);
    }
    /* lookup by FMRI, with or without the default instance */
    assert_int_equal(svc_graph_find(m, n, "svc:/application/clusterpro/core:default"),
                     svc_graph_find(m, n, "clusterpro"));
    assert_int_equal(svc_graph_find(m, n, "nosuch"), -1);
    free(m);
}

/* A hand-made manifest: name, fmri svc:/application/clusterpro/<name>, deps. */
static void mk(svc_manifest_t *m, const char *name, const char *dep1, const char *dep2)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->file, sizeof(m->file), "%s.xml", name);
    m->line = 3;
    snprintf(m->name, sizeof(m->name), "%s", name);
    snprintf(m->ipc, sizeof(m->ipc), "%s", name);
    snprintf(m->fmri, sizeof(m->fmri), SVC_FMRI_PREFIX "%s", name);
    const char *deps[] = {dep1, dep2};
    for (size_t i = 0; i < 2; i++) {
        if (!deps[i]) {
            continue;
        }
        svc_dep_t *d = &m->deps[m->n_deps++];
        if (strchr(deps[i], ':')) {
            snprintf(d->fmri, sizeof(d->fmri), "%s", deps[i]);
        } else {
            snprintf(d->fmri, sizeof(d->fmri), SVC_FMRI_PREFIX "%s", deps[i]);
        }
        snprintf(d->grouping, sizeof(d->grouping), "require_all");
        d->line = 7 + (int)i;
    }
}

/* Whatever order the manifests come in, the start order is the preferred one. */
static void test_order_independent_of_input(void **state)
{
    svc_manifest_t m[5];
    svc_graph_t g;
    char err[512];
    mk(&m[0], "clusterpro_alertsync", "clusterpro_evt", "svc:/milestone/network");
    mk(&m[1], "clusterpro_webmgr", "clusterpro_evt", NULL);
    mk(&m[2], "clusterpro", "clusterpro_trn", NULL);
    mk(&m[3], "clusterpro_trn", "clusterpro_evt", NULL);
    mk(&m[4], "clusterpro_evt", NULL, NULL);
    assert_int_equal(svc_graph_build(&g, m, 5, err, sizeof(err)), 0);
    for (size_t k = 0; k < 5; k++) {
        assert_string_equal(m[g.start[k]].name, order[k]);
        assert_string_equal(m[g.stop[k]].name, order[4 - k]);
    }
}

/* Dependencies beat the preferred order; unknown names come last, by name. */
static void test_dependencies_beat_preference(void **state)
{
    svc_manifest_t m[4];
    svc_graph_t g;
    char err[512];
    mk(&m[0], "clusterpro_evt", "zeta", NULL);
    mk(&m[1], "zeta", NULL, NULL);
    mk(&m[2], "alpha", NULL, NULL);
    mk(&m[3], "clusterpro", NULL, NULL);
    assert_int_equal(svc_graph_build(&g, m, 4, err, sizeof(err)), 0);
    const char *want[] = {"clusterpro", "alpha", "zeta", "clusterpro_evt"};
    for (size_t k = 0; k < 4; k++) {
        assert_string_equal(m[g.start[k]].name, want[k]);
    }
}

static void test_cycle(void **state)
{
    svc_manifest_t m[4];
    svc_graph_t g;
    char err[512];
    mk(&m[0], "a", "c", NULL);
    mk(&m[1], "b", "a", NULL);
    mk(&m[2], "c", "b", NULL);
    mk(&m[3], "d", NULL, NULL);
    assert_int_equal(svc_graph_build(&g, m, 4, err, sizeof(err)), -ELOOP);
    assert_non_null(strstr(err, "dependency cycle: a -> c -> b -> a"));

    mk(&m[0], "self", "self", NULL);
    assert_int_equal(svc_graph_build(&g, m, 1, err, sizeof(err)), -ELOOP);
    assert_non_null(strstr(err, "self -> self"));
}

static void test_cycle_from_files(void **state)
{
    svc_manifest_t *m;
    svc_graph_t g;
    char err[1024];
    size_t n = (size_t)load(DATA "/cycle", &m);
    assert_int_equal(n, 3);
    assert_int_equal(svc_graph_build(&g, m, n, err, sizeof(err)), -ELOOP);
    assert_non_null(strstr(err, "dependency cycle"));
    free(m);
}

static void test_unknown_dependency(void **state)
{
    svc_manifest_t *m;
    svc_graph_t g;
    char err[1024], want[1100];
    size_t n = (size_t)load(DATA "/unknown-dep", &m);
    assert_int_equal(n, 2);
    assert_int_equal(svc_graph_build(&g, m, n, err, sizeof(err)), -ENOENT);
    snprintf(want, sizeof(want), "%s/unknown-dep/b.xml:9: ", DATA);
    if (strncmp(err, want, strlen(want)) != 0 ||
        !strstr(err, "svc:/application/clusterpro/nosuch")) {
        fail_msg("got '%s'", err);
    }
    free(m);
}

/* Dependencies outside application/clusterpro and non-require_all groupings do not order. */
static void test_outside_dependencies_ignored(void **state)
{
    svc_manifest_t m[2];
    svc_graph_t g;
    char err[512];
    mk(&m[0], "a", "svc:/milestone/network", "svc:/system/nosuch");
    mk(&m[1], "b", "a", NULL);
    snprintf(m[1].deps[0].grouping, sizeof(m[1].deps[0].grouping), "optional_all");
    assert_int_equal(svc_graph_build(&g, m, 2, err, sizeof(err)), 0);
    assert_int_equal(g.deps[0], 0);
    assert_int_equal(g.deps[1], 0);
}

static void test_duplicates(void **state)
{
    svc_manifest_t m[2];
    svc_graph_t g;
    char err[512];
    mk(&m[0], "a", NULL, NULL);
    mk(&m[1], "a", NULL, NULL);
    assert_int_equal(svc_graph_build(&g, m, 2, err, sizeof(err)), -EEXIST);
    assert_non_null(strstr(err, "same FMRI"));
    mk(&m[1], "b", NULL, NULL);
    snprintf(m[1].ipc, sizeof(m[1].ipc), "a");
    assert_int_equal(svc_graph_build(&g, m, 2, err, sizeof(err)), -EEXIST);
    assert_non_null(strstr(err, "same ipc name"));
}

static void test_too_many(void **state)
{
    static svc_manifest_t m[SVC_MAX + 1];
    svc_graph_t g;
    char err[512];
    assert_int_equal(svc_graph_build(&g, m, SVC_MAX + 1, err, sizeof(err)), -E2BIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_graph),
        cmocka_unit_test(test_order_independent_of_input),
        cmocka_unit_test(test_dependencies_beat_preference),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_cycle_from_files),
        cmocka_unit_test(test_unknown_dependency),
        cmocka_unit_test(test_outside_dependencies_ignored),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_too_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

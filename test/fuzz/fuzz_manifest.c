/*
 * fuzz_manifest: SMF service manifests as clpsvc reads them
 * (svc_manifest_parse: libxml2 without network or DTD, the service_bundle
 * walk, dependencies, exec methods, property groups). A manifest that parses
 * is then put into the service graph in place of the product's own manifest
 * of the same service (or beside them), the way clpsvc builds its start order
 * from a directory: cycles, unknown or duplicate services and dependencies on
 * itself must be refused there, not crash it.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "svc_graph.h"
#include "svc_manifest.h"

#ifndef CLP_SOURCE_DIR
#define CLP_SOURCE_DIR "."
#endif

static svc_manifest_t *product;
static size_t n_product;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[512];
    fuzz_quiet_logs();
    int n = svc_manifest_load_dir(CLP_SOURCE_DIR "/smf-manifests", &product, err, sizeof(err));
    if (n < 0) {
        fprintf(stderr, "fuzz_manifest: the product's manifests: %s\n", err);
        n = 0;
    }
    n_product = (size_t)n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static svc_manifest_t set[SVC_MAX + 1];
    svc_manifest_t m;
    char err[512];
    err[0] = '\0';
    if (svc_manifest_parse((const char *)data, size, "fuzz.xml", &m, err, sizeof(err)) < 0) {
        if (!err[0]) {
            __builtin_trap(); /* a refusal must say why */
        }
        return 0;
    }
    if (strnlen(m.fmri, sizeof(m.fmri)) == sizeof(m.fmri) || m.n_deps > SVC_DEPS_MAX) {
        __builtin_trap();
    }
    size_t n = 0, replaced = 0;
    for (size_t i = 0; i < n_product && n < SVC_MAX; i++) {
        if (!replaced && strcmp(product[i].fmri, m.fmri) == 0) {
            set[n++] = m;
            replaced = 1;
        } else {
            set[n++] = product[i];
        }
    }
    if (!replaced) {
        set[n++] = m;
    }
    svc_graph_t g;
    if (svc_graph_build(&g, set, n, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < g.n; i++) {
            (void)svc_graph_requires(&g, i);
            (void)svc_graph_dependents(&g, i);
            if (g.start[i] >= n || g.stop[g.n - 1 - i] != g.start[i]) {
                __builtin_trap(); /* the stop order is the start order reversed */
            }
        }
    }
    (void)svc_graph_find(set, n, m.name);
    return 0;
}

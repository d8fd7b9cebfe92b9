/*
 * fuzz_config: clp.conf from memory (clp_conf_load_mem): the libxml2 parse,
 * the model filled from the element tree, defaults, the per-type parameter
 * table and the whole-model validation. A config that loads is then read the
 * way the daemons read it (every lookup by name, devices, per-server
 * parameters), and the diagnostics are printed as text and as JSON (what
 * clpcfchk shows), so that the messages built from hostile names are
 * formatted too.
 */
#include <stdio.h>

#include "clp_config.h"
#include "fuzz_common.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_logs();
    devnull = fopen("/dev/null", "w");
    return 0;
}

static void walk(const clp_conf_t *c)
{
    for (size_t i = 0; i < c->n_servers; i++) {
        const clp_server_t *s = &c->servers[i];
        if (clp_conf_server(c, s->name) == NULL || clp_conf_server_index(c, s->name) < 0) {
            __builtin_trap(); /* a loaded server must be found by its name */
        }
        for (size_t d = 0; d < s->n_devices; d++) {
            (void)clp_conf_device(s, s->devices[d].id);
        }
        for (size_t j = 0; j < c->n_hbs; j++) {
            (void)clp_conf_device(s, c->hbs[j].device);
        }
    }
    for (size_t i = 0; i < c->n_hbs; i++) {
        (void)clp_conf_hb(c, c->hbs[i].name);
    }
    for (size_t i = 0; i < c->n_nps; i++) {
        (void)clp_conf_np(c, c->nps[i].name);
    }
    for (size_t i = 0; i < c->n_groups; i++) {
        const clp_group_t *g = &c->groups[i];
        (void)clp_conf_group(c, g->name);
        for (size_t r = 0; r < g->n_resources; r++) {
            (void)clp_conf_resource(c, g->resources[r]);
        }
    }
    for (size_t i = 0; i < c->n_resources; i++) {
        const clp_resource_t *r = &c->resources[i];
        (void)clp_conf_resource(c, r->name);
        (void)clp_conf_type_info(CLP_OBJ_RESOURCE, r->type);
        for (size_t s = 0; s < c->n_servers; s++) {
            (void)clp_conf_rsc_param(r, c->servers[s].name, "parameters/ip");
        }
        for (size_t k = 0; k < r->params.n; k++) {
            (void)clp_conf_rsc_param(r, NULL, r->params.v[k].key);
        }
    }
    for (size_t i = 0; i < c->n_monitors; i++) {
        const clp_monitor_t *m = &c->monitors[i];
        (void)clp_conf_monitor(c, m->name);
        (void)clp_conf_type_info(CLP_OBJ_MONITOR, m->type);
        for (size_t k = 0; k < m->params.n; k++) {
            (void)clp_conf_mon_param(m, m->n_servers ? m->servers[0] : NULL, m->params.v[k].key);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clp_diag_t diag = {0};
    clp_conf_t *c = clp_conf_load_mem((const char *)data, size, "fuzz.conf", &diag);
    if (c) {
        if (diag.n_errors != 0) {
            __builtin_trap(); /* a config with errors must be refused whole */
        }
        walk(c);
    } else if (diag.n_errors == 0 && diag.n == 0) {
        __builtin_trap(); /* a refusal must say why */
    }
    clp_diag_print(devnull, &diag);
    clp_diag_print_json(devnull, &diag, "fuzz.conf", c != NULL);
    clp_diag_free(&diag);
    clp_conf_free(&c);
    return 0;
}

/*
 * clp_config_rexec: the checks of what clprexec relies on in clp.conf: the
 * entries of cluster/rexec/clientlist (each ip@ADDR with an IPv4 or IPv6
 * address or address/prefix) and the category and keyword of every message
 * receive monitor (mrw), with the limits of clp_rexec.h, so that a keyword
 * no notice could ever carry (longer than CLP_REXEC_KEYWORD_MAX, or with a
 * control character) is refused at load instead of never matching.
 */
#include <stdio.h>
#include <string.h>

#include "clp_config_int.h"
#include "clp_rexec.h"

static void check_clientlist(clp_ld_t *ld)
{
    const clp_params_t *p = &ld->c->cluster.params;
    static const char prefix[] = "cluster/rexec/clientlist/";
    for (size_t i = 0; i < p->n; i++) {
        const clp_param_t *v = &p->v[i];
        if (strncmp(v->key, prefix, sizeof(prefix) - 1) != 0) {
            continue;
        }
        const char *entry = v->key + sizeof(prefix) - 1;
        char path[300];
        snprintf(path, sizeof(path), "/root/%.250s", v->key);
        if (strncmp(entry, "ip@", 3) != 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, v->line, path,
                        "cluster/rexec/clientlist holds <ip name=\"ADDRESS\"/> entries only");
        } else if (!clp_is_ip(entry + 3, true)) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, v->line, path,
                        "clprexec client '%s' is not a valid IP address or address/prefix",
                        entry + 3);
        }
    }
}

static void check_mrw(clp_ld_t *ld, const clp_monitor_t *m)
{
    char path[300], err[200];
    const clp_param_t *cat = clp_params_find(&m->params, "parameters/category");
    const clp_param_t *kw = clp_params_find(&m->params, "parameters/keyword");
    if (cat && cat->value[0] && clp_rexec_check_category(cat->value, err, sizeof(err)) < 0) {
        snprintf(path, sizeof(path), "/root/monitor/mrw@%s/parameters/category", m->name);
        clp_ld_diag(ld, CLP_DIAG_ERROR, cat->line, path, "monitor %s: %s", m->name, err);
    }
    if (kw && clp_rexec_check_keyword(kw->value, err, sizeof(err)) < 0) {
        snprintf(path, sizeof(path), "/root/monitor/mrw@%s/parameters/keyword", m->name);
        clp_ld_diag(ld, CLP_DIAG_ERROR, kw->line, path, "monitor %s: %s", m->name, err);
    }
}

void clp_validate_rexec(clp_ld_t *ld)
{
    check_clientlist(ld);
    for (size_t i = 0; i < ld->c->n_monitors; i++) {
        if (strcmp(ld->c->monitors[i].type, "mrw") == 0) {
            check_mrw(ld, &ld->c->monitors[i]);
        }
    }
}

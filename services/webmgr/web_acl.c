/*
 * web_acl: client IP allow lists with prefix matching.
 */
#include "web_acl.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_cidr.h"
#include "clp_xalloc.h"

typedef struct {
    int family;
    unsigned char addr[16];
    int prefix;
    bool readonly;
} entry_t;

struct web_acl {
    bool restrict_ips;
    entry_t *e;
    size_t n;
};

web_acl_t *web_acl_new(const clp_webmgr_t *w, int *bad)
{
    web_acl_t *acl = xcalloc(1, sizeof(*acl));
    int nbad = 0;
    acl->restrict_ips = w && w->iprest;
    if (w && w->n_clients) {
        acl->e = xcalloc(w->n_clients, sizeof(*acl->e));
        for (size_t i = 0; i < w->n_clients; i++) {
            entry_t *e = &acl->e[acl->n];
            if (clp_cidr_parse(w->clients[i].addr, &e->family, e->addr, &e->prefix) < 0) {
                nbad++;
                continue;
            }
            e->readonly = w->clients[i].readonly;
            acl->n++;
        }
    }
    if (bad) {
        *bad = nbad;
    }
    return acl;
}

void web_acl_destroy(web_acl_t **pacl)
{
    if (pacl && *pacl) {
        free((*pacl)->e);
        free(*pacl);
        *pacl = NULL;
    }
}

web_right_t web_acl_check(const web_acl_t *acl, const char *text)
{
    if (!acl->restrict_ips) {
        return WEB_RIGHT_OP;
    }
    int family, prefix;
    unsigned char addr[16];
    if (!text || clp_cidr_parse(text, &family, addr, &prefix) < 0) {
        return WEB_RIGHT_NONE;
    }
    web_right_t best = WEB_RIGHT_NONE;
    for (size_t i = 0; i < acl->n; i++) {
        const entry_t *e = &acl->e[i];
        if (e->family == family && clp_cidr_prefix_match(addr, e->addr, e->prefix)) {
            web_right_t r = e->readonly ? WEB_RIGHT_REF : WEB_RIGHT_OP;
            if (r > best) {
                best = r;
            }
        }
    }
    return best;
}

const char *web_right_name(web_right_t r)
{
    switch (r) {
    case WEB_RIGHT_REF:
        return "reference";
    case WEB_RIGHT_OP:
        return "operation";
    default:
        return "none";
    }
}

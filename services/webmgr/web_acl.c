/*
 * web_acl: client IP allow lists with prefix matching.
 */
#include "web_acl.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Parses "addr" or "addr/prefix" into family, bytes and prefix length. */
static int parse_addr(const char *text, int *family, unsigned char *addr, int *prefix)
{
    char buf[80];
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash++ = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        *prefix = 32;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = AF_INET6;
        *prefix = 128;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0 && !slash) {
            memmove(addr, addr + 12, 4);
            *family = AF_INET;
            *prefix = 32;
        }
    } else {
        return -1;
    }
    if (slash) {
        char *end;
        long p = strtol(slash, &end, 10);
        if (*slash == '\0' || *end || p < 0 || p > *prefix) {
            return -1;
        }
        *prefix = (int)p;
    }
    return 0;
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0) {
        return false;
    }
    if (rest == 0) {
        return true;
    }
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

web_acl_t *web_acl_new(const clp_webmgr_t *w, int *bad)
{
    web_acl_t *acl = xcalloc(1, sizeof(*acl));
    int nbad = 0;
    acl->restrict_ips = w && w->iprest;
    if (w && w->n_clients) {
        acl->e = xcalloc(w->n_clients, sizeof(*acl->e));
        for (size_t i = 0; i < w->n_clients; i++) {
            entry_t *e = &acl->e[acl->n];
            if (parse_addr(w->clients[i].addr, &e->family, e->addr, &e->prefix) < 0) {
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
    if (!text || parse_addr(text, &family, addr, &prefix) < 0) {
        return WEB_RIGHT_NONE;
    }
    web_right_t best = WEB_RIGHT_NONE;
    for (size_t i = 0; i < acl->n; i++) {
        const entry_t *e = &acl->e[i];
        if (e->family == family && prefix_match(addr, e->addr, e->prefix)) {
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

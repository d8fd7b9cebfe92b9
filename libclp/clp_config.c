/*
 * clp_config: the public face of the clp.conf loader: load/free, lookups,
 * parameter access and diagnostics.
 *
 * clp_conf_load_mem runs the stages of one load in a clp_ld_t (see
 * clp_config_int.h): parse (XML -> model), common fields (defaults and ranges),
 * validate (cross-references). A load with any error is refused whole and
 * returns NULL with errno EINVAL; running out of memory anywhere returns NULL
 * with errno ENOMEM. Nothing here aborts.
 */
#include "clp_config.h"
#include "clp_config_int.h"
#include "clp_paths.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- diagnostics ---- */

const char *clp_diag_kind_name(clp_diag_kind_t kind)
{
    switch (kind) {
    case CLP_DIAG_ERROR:
        return "error";
    case CLP_DIAG_WARNING:
        return "warning";
    case CLP_DIAG_UNSUPPORTED:
        return "not supported";
    }
    return "error";
}

static int diag_vadd(clp_diag_t *d, clp_diag_kind_t kind, const char *file, int line,
                     const char *path, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) {
        return -ENOMEM;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        clp_diag_item_t *items = realloc(d->items, cap * sizeof(*items));
        if (!items) {
            free(msg);
            return -ENOMEM;
        }
        d->items = items;
        d->cap = cap;
    }
    clp_diag_item_t *it = &d->items[d->n];
    it->kind = kind;
    it->line = line;
    it->message = msg;
    it->file = strdup(file ? file : "");
    it->path = strdup(path ? path : "");
    if (!it->file || !it->path) {
        free(it->file);
        free(it->path);
        free(msg);
        return -ENOMEM;
    }
    d->n++;
    if (kind == CLP_DIAG_ERROR) {
        d->n_errors++;
    }
    return 0;
}

int clp_diag_add(clp_diag_t *d, clp_diag_kind_t kind, const char *file, int line,
                 const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = diag_vadd(d, kind, file, line, path, fmt, ap);
    va_end(ap);
    return rc;
}

void clp_diag_free(clp_diag_t *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].path);
        free(d->items[i].message);
    }
    free(d->items);
    d->items = NULL;
    d->n = d->cap = d->n_errors = 0;
}

size_t clp_diag_count(const clp_diag_t *d, clp_diag_kind_t kind)
{
    size_t k = 0;
    for (size_t i = 0; d && i < d->n; i++) {
        k += d->items[i].kind == kind;
    }
    return k;
}

int clp_diag_print(FILE *out, const clp_diag_t *d)
{
    int k = 0;
    for (size_t i = 0; d && i < d->n; i++) {
        const clp_diag_item_t *it = &d->items[i];
        if (it->line > 0) {
            fprintf(out, "%s:%d: ", it->file, it->line);
        } else {
            fprintf(out, "%s: ", it->file);
        }
        fprintf(out, "%s: ", clp_diag_kind_name(it->kind));
        if (it->path[0]) {
            fprintf(out, "%s: ", it->path);
        }
        fprintf(out, "%s\n", it->message);
        k++;
    }
    return k;
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", out);
        } else if (*p == '\t') {
            fputs("\\t", out);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", *p);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

int clp_diag_print_json(FILE *out, const clp_diag_t *d, const char *file, bool valid)
{
    fputs("{\"file\":", out);
    json_str(out, file);
    fprintf(out, ",\"valid\":%s,\"errors\":%zu,\"warnings\":%zu,\"unsupported\":%zu,",
            valid ? "true" : "false", clp_diag_count(d, CLP_DIAG_ERROR),
            clp_diag_count(d, CLP_DIAG_WARNING), clp_diag_count(d, CLP_DIAG_UNSUPPORTED));
    fputs("\"diagnostics\":[", out);
    for (size_t i = 0; d && i < d->n; i++) {
        const clp_diag_item_t *it = &d->items[i];
        fputs(i ? ",{\"kind\":" : "{\"kind\":", out);
        json_str(out, clp_diag_kind_name(it->kind));
        fputs(",\"file\":", out);
        json_str(out, it->file);
        fprintf(out, ",\"line\":%d,\"path\":", it->line);
        json_str(out, it->path);
        fputs(",\"message\":", out);
        json_str(out, it->message);
        fputc('}', out);
    }
    fputs("]}\n", out);
    return ferror(out) ? -EIO : 0;
}

/* ---- loader helpers (clp_config_int.h) ---- */

void clp_ld_diag(clp_ld_t *ld, clp_diag_kind_t kind, int line, const char *path, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (diag_vadd(ld->diag, kind, ld->file, line, path, fmt, ap) < 0) {
        ld->oom = true;
    }
    va_end(ap);
}

bool clp_ld_once(clp_ld_t *ld, const char *key)
{
    for (size_t i = 0; i < ld->n_once; i++) {
        if (strcmp(ld->once[i], key) == 0) {
            return false;
        }
    }
    if (ld->n_once == ld->cap_once) {
        size_t cap = ld->cap_once ? ld->cap_once * 2 : 16;
        char **v = realloc(ld->once, cap * sizeof(*v));
        if (!v) {
            ld->oom = true;
            return true;
        }
        ld->once = v;
        ld->cap_once = cap;
    }
    char *k = strdup(key);
    if (!k) {
        ld->oom = true;
        return true;
    }
    ld->once[ld->n_once++] = k;
    return true;
}

char *clp_ld_strdup(clp_ld_t *ld, const char *s)
{
    char *r = strdup(s ? s : "");
    if (!r) {
        ld->oom = true;
    }
    return r;
}

void *clp_ld_calloc(clp_ld_t *ld, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        ld->oom = true;
    }
    return p;
}

char *clp_ld_printf(clp_ld_t *ld, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int k = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (k < 0) {
        ld->oom = true;
        return NULL;
    }
    return s;
}

void clp_pvec_add(clp_ld_t *ld, clp_pvec_t *pv, char *key, char *value, int line)
{
    if (!key || !value) {
        free(key);
        free(value);
        ld->oom = true;
        return;
    }
    if (pv->n == pv->cap) {
        size_t cap = pv->cap ? pv->cap * 2 : 8;
        clp_param_t *v = realloc(pv->v, cap * sizeof(*v));
        if (!v) {
            free(key);
            free(value);
            ld->oom = true;
            return;
        }
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n].key = key;
    pv->v[pv->n].value = value;
    pv->v[pv->n].line = line;
    pv->n++;
}

void clp_pvec_move(clp_pvec_t *pv, clp_params_t *p)
{
    p->v = pv->v;
    p->n = pv->n;
    pv->v = NULL;
    pv->n = pv->cap = 0;
}

void clp_params_clear(clp_params_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

const clp_param_t *clp_params_find(const clp_params_t *p, const char *key)
{
    for (size_t i = 0; p && i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            return &p->v[i];
        }
    }
    return NULL;
}

int clp_params_line(const clp_params_t *p, const char *prefix, int def)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; p && i < p->n; i++) {
        const char *k = p->v[i].key;
        if (strncmp(k, prefix, n) == 0 && (k[n] == '\0' || k[n] == '/')) {
            return p->v[i].line;
        }
    }
    return def;
}

void clp_copy(char *dst, size_t n, const char *s)
{
    snprintf(dst, n, "%s", s ? s : "");
}

/* ---- generic parameters ---- */

const char *clp_params_get(const clp_params_t *p, const char *key)
{
    const clp_param_t *pr = clp_params_find(p, key);
    return pr ? pr->value : NULL;
}

long clp_params_int(const clp_params_t *p, const char *key, long def)
{
    long v;
    const char *s = clp_params_get(p, key);
    if (!s || clp_parse_long(s, &v) < 0) {
        return def;
    }
    return v;
}

const char *clp_params_str(const clp_params_t *p, const char *key, const char *def)
{
    const char *s = clp_params_get(p, key);
    return s ? s : def;
}

/* ---- load / free ---- */

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i]);
    }
    free(v);
}

static void free_server(clp_server_t *s)
{
    free(s->comment);
    for (size_t i = 0; i < s->n_devices; i++) {
        free(s->devices[i].info);
        free(s->devices[i].extend);
        clp_params_clear(&s->devices[i].params);
    }
    free(s->devices);
    clp_params_clear(&s->params);
}

static void free_np(clp_np_t *np)
{
    for (size_t i = 0; i < np->n_grps; i++) {
        free_strv(np->grps[i].ips, np->grps[i].n_ips);
    }
    free(np->grps);
    clp_params_clear(&np->params);
}

static void free_group(clp_group_t *g)
{
    free(g->comment);
    free_strv(g->resources, g->n_resources);
    free_strv(g->resource_types, g->n_resources);
    free(g->policy);
    free(g->act_deps);
    free_strv(g->deact_deps, g->n_deact_deps);
    clp_params_clear(&g->params);
}

static void free_resource(clp_resource_t *r)
{
    free(r->comment);
    free_strv(r->depend, r->n_depend);
    clp_params_clear(&r->params);
    for (size_t i = 0; i < r->n_overrides; i++) {
        clp_params_clear(&r->overrides[i].params);
    }
    free(r->overrides);
}

static void free_monitor(clp_monitor_t *m)
{
    free(m->comment);
    free(m->preaction_path);
    free_strv(m->servers, m->n_servers);
    clp_params_clear(&m->params);
}

void clp_conf_free(clp_conf_t **conf)
{
    if (!conf || !*conf) {
        return;
    }
    clp_conf_t *c = *conf;
    free(c->file);
    free(c->raw);
    free(c->cluster.comment);
    free(c->cluster.uuid);
    clp_params_clear(&c->cluster.params);
    for (size_t i = 0; c->servers && i < c->n_servers; i++) {
        free_server(&c->servers[i]);
    }
    free(c->servers);
    for (size_t i = 0; c->servergroups && i < c->n_servergroups; i++) {
        free_strv(c->servergroups[i].servers, c->servergroups[i].n_servers);
    }
    free(c->servergroups);
    for (size_t i = 0; c->hbs && i < c->n_hbs; i++) {
        clp_params_clear(&c->hbs[i].params);
    }
    free(c->hbs);
    for (size_t i = 0; c->nps && i < c->n_nps; i++) {
        free_np(&c->nps[i]);
    }
    free(c->nps);
    for (size_t i = 0; c->groups && i < c->n_groups; i++) {
        free_group(&c->groups[i]);
    }
    free(c->groups);
    for (size_t i = 0; c->resources && i < c->n_resources; i++) {
        free_resource(&c->resources[i]);
    }
    free(c->resources);
    for (size_t i = 0; c->monitors && i < c->n_monitors; i++) {
        free_monitor(&c->monitors[i]);
    }
    free(c->monitors);
    free(c->webmgr.clients);
    free(c->webmgr.password_operation);
    free(c->webmgr.password_reference);
    free(c);
    *conf = NULL;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, len);
    for (size_t i = 0; i < sizeof(h); i++) {
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    }
}

typedef struct {
    clp_diag_item_t item;
    size_t index;
} ordered_item_t;

static int cmp_ordered(const void *a, const void *b)
{
    const ordered_item_t *x = a, *y = b;
    if (x->item.line != y->item.line) {
        return x->item.line < y->item.line ? -1 : 1;
    }
    return (x->index > y->index) - (x->index < y->index);
}

/* Puts the items from index first on in line order (stable); a failed
 * allocation just leaves them in the order found. */
static void sort_items(clp_diag_t *d, size_t first)
{
    size_t n = d->n - first;
    if (n < 2) {
        return;
    }
    ordered_item_t *tmp = malloc(n * sizeof(*tmp));
    if (!tmp) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        tmp[i].item = d->items[first + i];
        tmp[i].index = i;
    }
    qsort(tmp, n, sizeof(*tmp), cmp_ordered);
    for (size_t i = 0; i < n; i++) {
        d->items[first + i] = tmp[i].item;
    }
    free(tmp);
}

clp_conf_t *clp_conf_load_mem(const char *data, size_t len, const char *name, clp_diag_t *diag)
{
    clp_diag_t local = {0};
    clp_diag_t *d = diag ? diag : &local;
    size_t errors_before = d->n_errors;
    size_t items_before = d->n;
    clp_ld_t ld = {.diag = d, .file = name ? name : "clp.conf"};
    int err = 0;

    clp_conf_t *c = calloc(1, sizeof(*c));
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    ld.c = c;
    c->file = clp_ld_strdup(&ld, ld.file);
    c->raw = malloc(len + 1);
    if (c->raw) {
        if (len) {
            memcpy(c->raw, data, len);
        }
        c->raw[len] = '\0';
        c->raw_len = len;
        sha256_hex(data ? data : "", len, c->sha256);
    } else {
        ld.oom = true;
    }

    if (!ld.oom && clp_config_parse(&ld, data ? data : "", len) == 0 && !ld.oom) {
        clp_config_defaults(&ld);
        if (!ld.oom) {
            clp_config_validate(&ld);
        }
    }

    sort_items(d, items_before);
    if (ld.oom) {
        err = ENOMEM;
    } else if (d->n_errors > errors_before) {
        err = EINVAL;
    }
    free_strv(ld.once, ld.n_once);
    clp_params_t top = {0};
    clp_pvec_move(&ld.top, &top);
    clp_params_clear(&top);
    if (!diag) {
        clp_diag_free(&local);
    }
    if (err) {
        clp_conf_free(&c);
        errno = err;
        return NULL;
    }
    return c;
}

clp_conf_t *clp_conf_load(const char *path, clp_diag_t *diag)
{
    char *data = NULL;
    size_t len = 0;
    int rc = clp_read_file(path, CLP_CONF_MAX_BYTES, &data, &len);
    if (rc < 0) {
        if (diag) {
            if (rc == -EFBIG) {
                clp_diag_add(diag, CLP_DIAG_ERROR, path, 0, "", "the file is larger than %u bytes",
                             CLP_CONF_MAX_BYTES);
            } else {
                clp_diag_add(diag, CLP_DIAG_ERROR, path, 0, "", "cannot read the file: %s",
                             strerror(-rc));
            }
        }
        errno = -rc;
        return NULL;
    }
    clp_conf_t *c = clp_conf_load_mem(data, len, path, diag);
    int e = errno;
    free(data);
    errno = e;
    return c;
}

/* ---- lookups ---- */

const clp_server_t *clp_conf_server(const clp_conf_t *c, const char *name)
{
    int i = clp_conf_server_index(c, name);
    return i < 0 ? NULL : &c->servers[i];
}

int clp_conf_server_index(const clp_conf_t *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n_servers && i < INT_MAX; i++) {
        if (strcmp(c->servers[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

#define FIND_BY_NAME(arr, n)                                                                       \
    do {                                                                                           \
        for (size_t i_ = 0; c && name && i_ < c->n; i_++) {                                       \
            if (strcmp(c->arr[i_].name, name) == 0) {                                              \
                return &c->arr[i_];                                                                \
            }                                                                                      \
        }                                                                                          \
        return NULL;                                                                               \
    } while (0)

const clp_group_t *clp_conf_group(const clp_conf_t *c, const char *name)
{
    FIND_BY_NAME(groups, n_groups);
}

const clp_resource_t *clp_conf_resource(const clp_conf_t *c, const char *name)
{
    FIND_BY_NAME(resources, n_resources);
}

const clp_monitor_t *clp_conf_monitor(const clp_conf_t *c, const char *name)
{
    FIND_BY_NAME(monitors, n_monitors);
}

const clp_hb_t *clp_conf_hb(const clp_conf_t *c, const char *name)
{
    FIND_BY_NAME(hbs, n_hbs);
}

const clp_np_t *clp_conf_np(const clp_conf_t *c, const char *name)
{
    FIND_BY_NAME(nps, n_nps);
}

const clp_device_t *clp_conf_device(const clp_server_t *s, int id)
{
    for (size_t i = 0; s && i < s->n_devices; i++) {
        if (s->devices[i].id == id) {
            return &s->devices[i];
        }
    }
    return NULL;
}

const char *clp_conf_bmc_addr(const clp_server_t *s)
{
    const char *ip = clp_params_get(&s->params, "bmc/ip");
    if (ip && *ip) {
        return ip;
    }
    for (size_t i = 0; i < s->n_devices; i++) {
        if (strcmp(s->devices[i].type, "bmc") == 0 && s->devices[i].info && *s->devices[i].info) {
            return s->devices[i].info;
        }
    }
    return NULL;
}

static const char *type_default(clp_obj_kind_t kind, const char *type, const char *key)
{
    const clp_type_param_t *tp = clp_conf_type_param(clp_conf_type_info(kind, type), key);
    return tp ? tp->def : NULL;
}

const char *clp_conf_rsc_param(const clp_resource_t *r, const char *server, const char *key)
{
    if (!r || !key) {
        return NULL;
    }
    for (size_t i = 0; server && i < r->n_overrides; i++) {
        if (strcmp(r->overrides[i].server, server) == 0) {
            const char *v = clp_params_get(&r->overrides[i].params, key);
            if (v) {
                return v;
            }
        }
    }
    const char *v = clp_params_get(&r->params, key);
    return v ? v : type_default(CLP_OBJ_RESOURCE, r->type, key);
}

const char *clp_conf_mon_param(const clp_monitor_t *m, const char *server, const char *key)
{
    if (!m || !key) {
        return NULL;
    }
    if (server) {
        char k[512];
        int n = snprintf(k, sizeof(k), "server@%s/%s", server, key);
        if (n > 0 && (size_t)n < sizeof(k)) {
            const char *v = clp_params_get(&m->params, k);
            if (v) {
                return v;
            }
        }
    }
    const char *v = clp_params_get(&m->params, key);
    return v ? v : type_default(CLP_OBJ_MONITOR, m->type, key);
}

/*
 * clp_config_parse: clp.conf XML -> model objects, with the checks that need
 * only one value (device addresses, ping targets, WebManager client addresses,
 * list entries that are not of the form the original writes).
 *
 * libxml2 parses from memory with network access off and no DTD: a file with
 * a DOCTYPE is refused, so no entity can be expanded from anywhere. Parser
 * errors arrive through the context's structured-error hook and become one
 * diagnostic each, with the file and line libxml2 reports. Only the encodings
 * the original writes (ASCII, EUC-JP, SJIS, GB2312) and UTF-8 are accepted;
 * libxml2 converts them to UTF-8, so every string in the model is UTF-8.
 *
 * The tree is walked once. Each object element (server, group, resource,
 * monitor, heartbeat, network partition) becomes one model object whose
 * params hold every leaf below it, keyed by its path relative to the object
 * ("parameters/act/path", "policy@srv1/order"). Everything that is not an
 * object (cluster, pm, haltp, webmgr, messages, trekking, unknown elements...)
 * is flattened into the cluster's params, keyed by its path below <root>.
 * The object elements themselves are parsed in clp_config_objects.c with the
 * node helpers (clp_x_*) defined here.
 */
#include "clp_config_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#define MAX_XML_ERRORS 50

typedef struct {
    const char *name;
    bool supported;
    const char *desc;
} top_elem_t;

/* Top-level elements other than the object sections. */
static const top_elem_t top_elems[] = {
    {"all", true, "character set and OS"},
    {"cluster", true, "cluster properties"},
    {"pm", true, "process manager recovery actions"},
    {"haltp", true, "shutdown monitoring"},
    {"rm", true, "monitor manager switches"},
    {"rc", true, "resource controller switches"},
    {"webmgr", true, "WebManager settings"},
    {"webalert", true, "alert log settings"},
    {"messages", true, "alert destinations"},
    {"trekking", true, "save history"},
    {"rstd", true, "REST API service"},
    {"alertservice", false, "network warning light"},
    {"statsd", false, "StatsD metrics export"},
};

static const char *const accepted_encodings[] = {
    "ASCII", "US-ASCII", "UTF-8", "EUC-JP", "SJIS", "Shift_JIS", "Shift-JIS", "GB2312",
};

/* ---- small node helpers ---- */

bool clp_x_is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && (!name || strcmp((const char *)n->name, name) == 0);
}

int clp_x_line_of(const xmlNode *n)
{
    long l = xmlGetLineNo((xmlNodePtr)n);
    return l < 0 ? 0 : (l > INT_MAX ? INT_MAX : (int)l);
}

static bool has_element_child(const xmlNode *n)
{
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type == XML_ELEMENT_NODE) {
            return true;
        }
    }
    return false;
}

/* The attribute value (heap, caller frees) or NULL when absent. */
char *clp_x_attr_of(clp_ld_t *ld, const xmlNode *n, const char *attr)
{
    if (!xmlHasProp((xmlNodePtr)n, (const xmlChar *)attr)) {
        return NULL;
    }
    xmlChar *v = xmlGetProp((xmlNodePtr)n, (const xmlChar *)attr);
    char *r = clp_ld_strdup(ld, v ? (const char *)v : "");
    xmlFree(v);
    return r;
}

/* Trimmed text content (heap, caller frees). */
char *clp_x_text_of(clp_ld_t *ld, const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent((xmlNodePtr)n);
    const char *s = t ? (const char *)t : "";
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    char *r = malloc(len + 1);
    if (r) {
        memcpy(r, s, len);
        r[len] = '\0';
    } else {
        ld->oom = true;
    }
    xmlFree(t);
    return r;
}

/* Text of the first child element called name, or NULL. */
char *clp_x_child_text(clp_ld_t *ld, const xmlNode *n, const char *name)
{
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (clp_x_is_elem(ch, name)) {
            return clp_x_text_of(ld, ch);
        }
    }
    return NULL;
}

/* "elem@key" when the element has a name (or id) attribute, else "elem". */
static char *segment_of(clp_ld_t *ld, const xmlNode *n)
{
    char *v = clp_x_attr_of(ld, n, "name");
    if (!v) {
        v = clp_x_attr_of(ld, n, "id");
    }
    char *s = v ? clp_ld_printf(ld, "%s@%s", (const char *)n->name, v)
                : clp_ld_strdup(ld, (const char *)n->name);
    free(v);
    return s;
}

static bool in_list(const char *name, const char *const *skip)
{
    for (size_t i = 0; skip && skip[i]; i++) {
        if (strcmp(name, skip[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Adds every leaf below parent to pv, keyed by its path below parent (prefixed
 * by prefix when not NULL). Direct children named in skip are left out. */
static void flatten(clp_ld_t *ld, clp_pvec_t *pv, const xmlNode *parent, const char *prefix,
                    const char *const *skip)
{
    for (const xmlNode *ch = parent->children; ch && !ld->oom; ch = ch->next) {
        if (!clp_x_is_elem(ch, NULL) || in_list((const char *)ch->name, skip)) {
            continue;
        }
        char *seg = segment_of(ld, ch);
        if (!seg) {
            return;
        }
        char *key = prefix ? clp_ld_printf(ld, "%s/%s", prefix, seg) : seg;
        if (prefix) {
            free(seg);
        }
        if (!key) {
            return;
        }
        if (has_element_child(ch)) {
            flatten(ld, pv, ch, key, NULL);
            free(key);
        } else {
            clp_pvec_add(ld, pv, key, clp_x_text_of(ld, ch), clp_x_line_of(ch));
        }
    }
}

void clp_x_flatten_to(clp_ld_t *ld, clp_params_t *p, const xmlNode *n, const char *const *skip)
{
    clp_pvec_t pv = {0};
    flatten(ld, &pv, n, NULL, skip);
    clp_pvec_move(&pv, p);
}

size_t clp_x_count_children(const xmlNode *n, const char *name, const char *except)
{
    size_t k = 0;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (clp_x_is_elem(ch, name) && !(except && clp_x_is_elem(ch, except))) {
            k++;
        }
    }
    return k;
}

/* Appends s (owned) to a string vector of n entries. */
void clp_x_strv_push(clp_ld_t *ld, char ***v, size_t *n, char *s)
{
    if (!s) {
        ld->oom = true;
        return;
    }
    char **nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv) {
        free(s);
        ld->oom = true;
        return;
    }
    nv[(*n)++] = s;
    *v = nv;
}

/* The name attribute of an object element, or NULL after an error. */
char *clp_x_object_name(clp_ld_t *ld, const xmlNode *n, const char *where)
{
    char *name = clp_x_attr_of(ld, n, "name");
    if (!name || !*name) {
        char *path = clp_ld_printf(ld, "%s/%s", where, (const char *)n->name);
        clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(n), path ? path : where,
                    "<%s> has no name attribute; every %s element needs name=\"...\"",
                    (const char *)n->name, (const char *)n->name);
        free(path);
        free(name);
        return NULL;
    }
    return name;
}

/* ---- top level ---- */

static void parse_webmgr(clp_ld_t *ld, const xmlNode *n)
{
    for (const xmlNode *sec = n->children; sec; sec = sec->next) {
        if (!clp_x_is_elem(sec, "security")) {
            continue;
        }
        for (const xmlNode *cl = sec->children; cl; cl = cl->next) {
            if (!clp_x_is_elem(cl, "clientlist")) {
                continue;
            }
            for (const xmlNode *e = cl->children; e && !ld->oom; e = e->next) {
                bool ro = clp_x_is_elem(e, "ipro");
                if (!ro && !clp_x_is_elem(e, "ip")) {
                    continue;
                }
                char *addr = clp_x_attr_of(ld, e, "name");
                if (!addr || !clp_is_ip(addr, true) || strlen(addr) >= 64) {
                    char *path = clp_ld_printf(ld, "/root/webmgr/security/clientlist/%s@%s",
                                               ro ? "ipro" : "ip", addr ? addr : "");
                    clp_ld_diag(ld, CLP_DIAG_ERROR, clp_x_line_of(e), path ? path : "/root/webmgr",
                                "WebManager client '%s' is not a valid IP address or "
                                "address/prefix",
                                addr ? addr : "");
                    free(path);
                    free(addr);
                    continue;
                }
                clp_webmgr_t *w = &ld->c->webmgr;
                clp_client_t *nv = realloc(w->clients, (w->n_clients + 1) * sizeof(*nv));
                if (!nv) {
                    ld->oom = true;
                    free(addr);
                    return;
                }
                w->clients = nv;
                clp_copy(nv[w->n_clients].addr, sizeof(nv[0].addr), addr);
                nv[w->n_clients].readonly = ro;
                w->n_clients++;
                free(addr);
            }
        }
    }
}

static void parse_top(clp_ld_t *ld, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    const top_elem_t *te = NULL;
    for (size_t i = 0; i < sizeof(top_elems) / sizeof(top_elems[0]); i++) {
        if (strcmp(top_elems[i].name, name) == 0) {
            te = &top_elems[i];
        }
    }
    char *seg = segment_of(ld, n);
    if (!seg) {
        return;
    }
    if (has_element_child(n)) {
        flatten(ld, &ld->top, n, seg, NULL);
        free(seg);
    } else {
        clp_pvec_add(ld, &ld->top, seg, clp_x_text_of(ld, n), clp_x_line_of(n));
    }
    if (strcmp(name, "webmgr") == 0) {
        parse_webmgr(ld, n);
    }
    char key[160];
    snprintf(key, sizeof(key), "top:%s", name);
    char path[256];
    snprintf(path, sizeof(path), "/root/%s", name);
    if (!te && clp_ld_once(ld, key)) {
        clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, clp_x_line_of(n), path,
                    "element <%s> is not known to this product; it is kept in the "
                    "configuration but ignored",
                    name);
    } else if (te && !te->supported && clp_ld_once(ld, key)) {
        clp_ld_diag(ld, CLP_DIAG_UNSUPPORTED, clp_x_line_of(n), path,
                    "<%s> (%s) is not supported by this product; it is kept in the "
                    "configuration but ignored",
                    name, te->desc);
    }
}

static int allocate(clp_ld_t *ld, const xmlNode *root)
{
    size_t ns = 0, nsg = 0, nhb = 0, nnp = 0, ng = 0, nr = 0, nm = 0;
    for (const xmlNode *n = root->children; n; n = n->next) {
        if (clp_x_is_elem(n, "server")) {
            ns++;
        } else if (clp_x_is_elem(n, "servergroup")) {
            nsg++;
        } else if (clp_x_is_elem(n, "group")) {
            ng++;
        } else if (clp_x_is_elem(n, "heartbeat")) {
            nhb += clp_x_count_children(n, NULL, "types");
        } else if (clp_x_is_elem(n, "networkpartition")) {
            nnp += clp_x_count_children(n, NULL, "types");
        } else if (clp_x_is_elem(n, "resource")) {
            nr += clp_x_count_children(n, NULL, "types");
        } else if (clp_x_is_elem(n, "monitor")) {
            nm += clp_x_count_children(n, NULL, "types");
        }
    }
    clp_conf_t *c = ld->c;
    c->servers = clp_ld_calloc(ld, ns, sizeof(*c->servers));
    c->servergroups = clp_ld_calloc(ld, nsg, sizeof(*c->servergroups));
    c->hbs = clp_ld_calloc(ld, nhb, sizeof(*c->hbs));
    c->nps = clp_ld_calloc(ld, nnp, sizeof(*c->nps));
    c->groups = clp_ld_calloc(ld, ng, sizeof(*c->groups));
    c->resources = clp_ld_calloc(ld, nr, sizeof(*c->resources));
    c->monitors = clp_ld_calloc(ld, nm, sizeof(*c->monitors));
    return ld->oom ? -ENOMEM : 0;
}

static void walk(clp_ld_t *ld, const xmlNode *root)
{
    for (const xmlNode *n = root->children; n && !ld->oom; n = n->next) {
        if (!clp_x_is_elem(n, NULL)) {
            continue;
        }
        if (clp_x_is_elem(n, "server")) {
            clp_parse_server(ld, n);
        } else if (clp_x_is_elem(n, "servergroup")) {
            clp_parse_servergroup(ld, n);
        } else if (clp_x_is_elem(n, "group")) {
            clp_parse_group(ld, n);
        } else if (clp_x_is_elem(n, "heartbeat") || clp_x_is_elem(n, "networkpartition") ||
                   clp_x_is_elem(n, "resource") || clp_x_is_elem(n, "monitor")) {
            for (const xmlNode *ch = n->children; ch && !ld->oom; ch = ch->next) {
                if (!clp_x_is_elem(ch, NULL) || clp_x_is_elem(ch, "types")) {
                    continue;
                }
                if (clp_x_is_elem(n, "heartbeat")) {
                    clp_parse_hb_np(ld, ch, false);
                } else if (clp_x_is_elem(n, "networkpartition")) {
                    clp_parse_hb_np(ld, ch, true);
                } else if (clp_x_is_elem(n, "resource")) {
                    clp_parse_resource(ld, ch);
                } else {
                    clp_parse_monitor(ld, ch);
                }
            }
        } else {
            parse_top(ld, n);
        }
    }
}

/* ---- XML ---- */

typedef struct {
    clp_ld_t *ld;
    int n_errors;
} xml_err_ctx_t;

static void on_xml_error(void *data, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = data;
    xml_err_ctx_t *x = ctxt ? ctxt->_private : NULL;
    if (!x || !e) {
        return;
    }
    if (++x->n_errors > MAX_XML_ERRORS) {
        return;
    }
    char msg[512];
    clp_copy(msg, sizeof(msg), e->message ? e->message : "malformed XML");
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' ')) {
        msg[--len] = '\0';
    }
    clp_diag_kind_t kind = e->level == XML_ERR_WARNING ? CLP_DIAG_WARNING : CLP_DIAG_ERROR;
    if (e->code == XML_ERR_UNSUPPORTED_ENCODING) {
        clp_ld_diag(x->ld, kind, e->line, "/",
                    "the declared encoding cannot be converted on this system (%s)", msg);
    } else {
        clp_ld_diag(x->ld, kind, e->line, "/", "XML: %s", msg);
    }
}

/* libxml2's fallback channel (used when it has no parser context to report
 * through, e.g. when the context itself cannot be allocated) would print on
 * stderr; libclp never does. The loader still sees the failure. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Reads the encoding of the XML declaration; errors when it is not accepted. */
static int check_encoding(clp_ld_t *ld, const char *data, size_t len)
{
    size_t lim = len < 256 ? len : 256;
    char head[257];
    memcpy(head, data, lim);
    head[lim] = '\0';
    const char *p = head;
    if (lim >= 2 && (((unsigned char)p[0] == 0xFF && (unsigned char)p[1] == 0xFE) ||
                     ((unsigned char)p[0] == 0xFE && (unsigned char)p[1] == 0xFF) ||
                     p[0] == '\0' || p[1] == '\0')) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, 1, "/",
                    "the file is UTF-16 or UTF-32; clp.conf must be ASCII, EUC-JP, SJIS "
                    "(Shift_JIS), GB2312 or UTF-8");
        return -EINVAL;
    }
    if (lim >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) {
        p += 3;
    }
    if (strncmp(p, "<?xml", 5) != 0) {
        return 0;
    }
    const char *end = strstr(p, "?>");
    const char *enc = strstr(p, "encoding");
    if (!enc || (end && enc > end)) {
        return 0;
    }
    enc += 8;
    while (*enc == ' ' || *enc == '\t' || *enc == '=' || *enc == '\r' || *enc == '\n') {
        enc++;
    }
    if (*enc != '"' && *enc != '\'') {
        return 0;
    }
    char q = *enc++;
    const char *close = strchr(enc, q);
    if (!close) {
        return 0;
    }
    char name[32];
    size_t n = (size_t)(close - enc);
    if (n >= sizeof(name)) {
        n = sizeof(name) - 1;
    }
    memcpy(name, enc, n);
    name[n] = '\0';
    clp_copy(ld->c->encoding, sizeof(ld->c->encoding), name);
    for (size_t i = 0; i < sizeof(accepted_encodings) / sizeof(accepted_encodings[0]); i++) {
        if (strcasecmp(name, accepted_encodings[i]) == 0) {
            return 0;
        }
    }
    clp_ld_diag(ld, CLP_DIAG_ERROR, 1, "/",
                "encoding \"%s\" is not supported; clp.conf must be ASCII, EUC-JP, SJIS "
                "(Shift_JIS), GB2312 or UTF-8",
                name);
    return -EINVAL;
}

int clp_config_parse(clp_ld_t *ld, const char *data, size_t len)
{
    if (len > INT_MAX) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, 0, "/", "the file is too large");
        return -EINVAL;
    }
    if (len == 0) {
        clp_ld_diag(ld, CLP_DIAG_ERROR, 0, "/", "the file is empty");
        return -EINVAL;
    }
    if (check_encoding(ld, data, len) < 0) {
        return -EINVAL;
    }
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        xmlSetGenericErrorFunc(saved_ctx, saved_fn);
        ld->oom = true;
        return -ENOMEM;
    }
    xml_err_ctx_t x = {.ld = ld};
    ctxt->_private = &x;
    ctxt->sax->serror = on_xml_error;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, ld->file, NULL,
                                      XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    int rc = 0;
    if (!doc || !ctxt->wellFormed || x.n_errors > 0) {
        if (x.n_errors == 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, 0, "/", "XML: the file is not well-formed");
        } else if (x.n_errors > MAX_XML_ERRORS) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, 0, "/", "XML: %d more errors not shown",
                        x.n_errors - MAX_XML_ERRORS);
        }
        rc = -EINVAL;
    } else if (doc->intSubset || doc->extSubset) {
        const char *dt = memmem(data, len, "<!DOCTYPE", 9);
        int line = 1;
        for (const char *q = data; dt && q < dt; q++) {
            line += *q == '\n';
        }
        clp_ld_diag(ld, CLP_DIAG_ERROR, dt ? line : 0, "/",
                    "a DOCTYPE declaration is not allowed in clp.conf");
        rc = -EINVAL;
    } else {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        if (!root || strcmp((const char *)root->name, "root") != 0) {
            clp_ld_diag(ld, CLP_DIAG_ERROR, root ? clp_x_line_of(root) : 0, "/",
                        "the top element must be <root>, not <%s>",
                        root ? (const char *)root->name : "");
            rc = -EINVAL;
        } else if (allocate(ld, root) == 0) {
            ld->root_line = clp_x_line_of(root);
            walk(ld, root);
        }
    }
    if (doc) {
        xmlFreeDoc(doc);
    }
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    clp_pvec_move(&ld->top, &ld->c->cluster.params);
    return ld->oom ? -ENOMEM : rc;
}

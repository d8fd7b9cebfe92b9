/*
 * svc_manifest: libxml2 tree walk over one service_bundle. The parser runs
 * with XML_PARSE_NONET and without DTD loading or entity substitution, so a
 * manifest can never make the restarter fetch or expand anything; a
 * well-formedness error is reported with the line libxml2 found it on.
 */
#include "svc_manifest.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static int is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Copies src into dst (n bytes), cut if longer. */
static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Copies attribute name of n into out ("" when absent); returns 1 if present. */
static int attr(const xmlNode *n, const char *name, char *out, size_t len)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) {
        out[0] = '\0';
        return 0;
    }
    snprintf(out, len, "%s", (const char *)v);
    xmlFree(v);
    return 1;
}

static int fail(char *err, size_t errlen, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *file, long line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s:%ld: %s", file, line, msg);
    return -EINVAL;
}

void svc_fmri_normalise(const char *in, char *out, size_t n)
{
    const char *pfx = strncmp(in, "svc:/", 5) == 0 ? "" : "svc:/";
    const char *body = in[0] == '/' && *pfx ? in + 1 : in;
    snprintf(out, n, "%s%s", pfx, body);
    size_t len = strlen(out);
    const char *inst = ":default";
    size_t ilen = strlen(inst);
    if (len > ilen && strcmp(out + len - ilen, inst) == 0) {
        out[len - ilen] = '\0';
    }
}

/* Parses an SMF timeout: a decimal number; "-1" and "0" mean no limit. */
static int parse_timeout(const char *s, unsigned *out)
{
    char *end;
    if (!*s) {
        return -EINVAL;
    }
    long v = strtol(s, &end, 10);
    if (*end || v < -1 || v > 86400 * 7) {
        return -EINVAL;
    }
    *out = v <= 0 ? 0 : (unsigned)v;
    return 0;
}

static int read_dependency(const xmlNode *n, svc_manifest_t *m, char *err, size_t errlen)
{
    char name[SVC_NAME_MAX], grouping[24], restart_on[16], type[24];
    attr(n, "name", name, sizeof(name));
    attr(n, "grouping", grouping, sizeof(grouping));
    attr(n, "restart_on", restart_on, sizeof(restart_on));
    attr(n, "type", type, sizeof(type));
    long line = xmlGetLineNo(n);

    if (strcmp(type, "service") != 0) {
        return 0; /* path dependencies and the like do not order services */
    }
    if (strcmp(grouping, "require_all") != 0 && strcmp(grouping, "require_any") != 0 &&
        strcmp(grouping, "optional_all") != 0 && strcmp(grouping, "exclude_all") != 0) {
        return fail(err, errlen, m->file, line,
                    "dependency '%s' has grouping '%s' (expected require_all, require_any, "
                    "optional_all or exclude_all)",
                    name, grouping);
    }
    int found = 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (!is_elem(c, "service_fmri")) {
            continue;
        }
        char value[SVC_FMRI_MAX];
        if (!attr(c, "value", value, sizeof(value)) || !*value) {
            return fail(err, errlen, m->file, xmlGetLineNo(c),
                        "<service_fmri> of dependency '%s' has no value", name);
        }
        if (m->n_deps >= SVC_DEPS_MAX) {
            return fail(err, errlen, m->file, xmlGetLineNo(c), "more than %d dependencies",
                        SVC_DEPS_MAX);
        }
        svc_dep_t *d = &m->deps[m->n_deps++];
        snprintf(d->name, sizeof(d->name), "%s", name);
        svc_fmri_normalise(value, d->fmri, sizeof(d->fmri));
        snprintf(d->grouping, sizeof(d->grouping), "%s", grouping);
        snprintf(d->restart_on, sizeof(d->restart_on), "%s", *restart_on ? restart_on : "none");
        d->line = (int)xmlGetLineNo(c);
        found = 1;
    }
    if (!found) {
        return fail(err, errlen, m->file, line, "dependency '%s' names no <service_fmri>", name);
    }
    return 0;
}

static int read_exec_method(const xmlNode *n, svc_manifest_t *m, int *have_start, char *err,
                            size_t errlen)
{
    char name[32], exec[SVC_EXEC_MAX], timeout[24];
    long line = xmlGetLineNo(n);
    attr(n, "name", name, sizeof(name));
    if (!attr(n, "exec", exec, sizeof(exec)) || !*exec) {
        return fail(err, errlen, m->file, line, "exec_method '%s' has no exec attribute", name);
    }
    attr(n, "timeout_seconds", timeout, sizeof(timeout));
    unsigned t = 0;
    if (parse_timeout(timeout, &t) < 0) {
        return fail(err, errlen, m->file, line,
                    "exec_method '%s' has timeout_seconds '%s' (expected a number of seconds)",
                    name, timeout);
    }
    if (strcmp(name, "start") == 0) {
        if (exec[0] != '/') {
            return fail(err, errlen, m->file, line,
                        "the start method must run an absolute path, not '%s'", exec);
        }
        snprintf(m->start_exec, sizeof(m->start_exec), "%s", exec);
        m->start_timeout_s = t;
        *have_start = 1;
    } else if (strcmp(name, "stop") == 0) {
        snprintf(m->stop_exec, sizeof(m->stop_exec), "%s", exec);
        m->stop_timeout_s = t;
    }
    return 0; /* refresh and other methods are not used by clpsvc */
}

static void read_property_group(const xmlNode *n, svc_manifest_t *m)
{
    char pg[SVC_NAME_MAX];
    attr(n, "name", pg, sizeof(pg));
    if (strcmp(pg, "clusterpro") != 0) {
        return;
    }
    for (const xmlNode *c = n->children; c; c = c->next) {
        char name[SVC_NAME_MAX], value[SVC_NAME_MAX];
        if (!is_elem(c, "propval")) {
            continue;
        }
        attr(c, "name", name, sizeof(name));
        attr(c, "value", value, sizeof(value));
        if (strcmp(name, "service_name") == 0) {
            copy_str(m->name, sizeof(m->name), value);
        } else if (strcmp(name, "ipc_name") == 0) {
            copy_str(m->ipc, sizeof(m->ipc), value);
        } else if (strcmp(name, "kill_mode") == 0) {
            copy_str(m->kill_mode, sizeof(m->kill_mode), value);
        }
    }
}

/* Fills the names that the property group did not give. */
static int complete_names(svc_manifest_t *m, char *err, size_t errlen)
{
    if (!*m->name) {
        /* the start method's executable: "/opt/.../bin/clusterpro_evt --root ..." */
        char exe[SVC_EXEC_MAX];
        snprintf(exe, sizeof(exe), "%s", m->start_exec);
        exe[strcspn(exe, " \t")] = '\0';
        const char *base = strrchr(exe, '/');
        copy_str(m->name, sizeof(m->name), base ? base + 1 : exe);
    }
    if (!*m->ipc) {
        const char *last = strrchr(m->fmri, '/');
        copy_str(m->ipc, sizeof(m->ipc), last ? last + 1 : m->fmri);
    }
    if (!*m->kill_mode) {
        snprintf(m->kill_mode, sizeof(m->kill_mode), "group");
    }
    if (strcmp(m->kill_mode, "group") != 0 && strcmp(m->kill_mode, "process") != 0) {
        return fail(err, errlen, m->file, m->line,
                    "clusterpro/kill_mode is '%s' (expected group or process)", m->kill_mode);
    }
    for (const char *p = m->name; *p; p++) {
        if (!(*p == '_' || *p == '-' || *p == '.' || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
            return fail(err, errlen, m->file, m->line,
                        "service name '%s' may hold only letters, digits, '_', '-' and '.'",
                        m->name);
        }
    }
    return 0;
}

static int read_service(const xmlNode *svc, svc_manifest_t *m, char *err, size_t errlen)
{
    char name[SVC_FMRI_MAX];
    int have_start = 0, rc;

    m->line = (int)xmlGetLineNo(svc);
    if (!attr(svc, "name", name, sizeof(name)) || !*name) {
        return fail(err, errlen, m->file, m->line, "<service> has no name attribute");
    }
    svc_fmri_normalise(name, m->fmri, sizeof(m->fmri));
    snprintf(m->stop_exec, sizeof(m->stop_exec), ":kill");
    m->stop_timeout_s = 60;
    for (const xmlNode *c = svc->children; c; c = c->next) {
        if (is_elem(c, "dependency")) {
            rc = read_dependency(c, m, err, errlen);
        } else if (is_elem(c, "exec_method")) {
            rc = read_exec_method(c, m, &have_start, err, errlen);
        } else if (is_elem(c, "property_group")) {
            read_property_group(c, m);
            rc = 0;
        } else {
            rc = 0;
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (!have_start) {
        return fail(err, errlen, m->file, m->line,
                    "service %s has no start method (<exec_method name=\"start\" ...>)", name);
    }
    return complete_names(m, err, errlen);
}

/* The first error libxml2 reports (later ones are usually consequences). */
typedef struct {
    int have;
    int line;
    char msg[256];
} first_error_t;

static void on_xml_error(void *arg, xmlErrorPtr e)
{
    first_error_t *fe = arg;
    if (fe->have || !e || e->level < XML_ERR_ERROR) {
        return;
    }
    fe->have = 1;
    fe->line = e->line;
    copy_str(fe->msg, sizeof(fe->msg), e->message ? e->message : "cannot parse");
    fe->msg[strcspn(fe->msg, "\n")] = '\0';
}

/* Parses the manifest from the file path (data NULL) or from len bytes of data
 * (named path in messages). */
static int load(const char *path, const char *data, size_t len, svc_manifest_t *out, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->file, sizeof(out->file), "%s", path);

    if (!data) {
        FILE *f = fopen(path, "r");
        if (!f) {
            int e = errno;
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(e));
            return -e;
        }
        fclose(f);
    }
    if (data && len > INT_MAX) {
        return fail(err, errlen, path, 0, "the manifest is too large");
    }

    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    first_error_t fe = {0};
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlSetStructuredErrorFunc(&fe, on_xml_error);
    xmlDocPtr doc = data ? xmlCtxtReadMemory(ctxt, data, (int)len, path, NULL, opts)
                         : xmlCtxtReadFile(ctxt, path, NULL, opts);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc || fe.have) {
        int rc = fail(err, errlen, path, fe.line, "not well-formed XML: %s",
                      fe.have ? fe.msg : "cannot parse");
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return rc;
    }
    xmlFreeParserCtxt(ctxt);

    int rc = 0;
    const xmlNode *root = xmlDocGetRootElement(doc);
    char type[32];
    if (!root || !is_elem(root, "service_bundle")) {
        rc = fail(err, errlen, path, root ? xmlGetLineNo(root) : 1,
                  "the root element must be <service_bundle>");
        goto out;
    }
    attr(root, "type", type, sizeof(type));
    if (strcmp(type, "manifest") != 0) {
        rc = fail(err, errlen, path, xmlGetLineNo(root),
                  "<service_bundle> must have type=\"manifest\", not \"%s\"", type);
        goto out;
    }
    const xmlNode *svc = NULL;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (!is_elem(c, "service")) {
            continue;
        }
        if (svc) {
            rc = fail(err, errlen, path, xmlGetLineNo(c),
                      "a second <service>: clpsvc expects one service per manifest");
            goto out;
        }
        svc = c;
    }
    if (!svc) {
        rc = fail(err, errlen, path, xmlGetLineNo(root), "the bundle holds no <service>");
        goto out;
    }
    rc = read_service(svc, out, err, errlen);
out:
    xmlFreeDoc(doc);
    return rc;
}

int svc_manifest_load(const char *path, svc_manifest_t *out, char *err, size_t errlen)
{
    return load(path, NULL, 0, out, err, errlen);
}

int svc_manifest_parse(const char *data, size_t len, const char *name, svc_manifest_t *out,
                       char *err, size_t errlen)
{
    return load(name, data, len, out, err, errlen);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int svc_manifest_load_dir(const char *dir, svc_manifest_t **out, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t n = 0;
    int rc = 0;

    *out = NULL;
    if (!d) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open the manifest directory: %s", dir, strerror(e));
        return -e;
    }
    for (struct dirent *de; (de = readdir(d));) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0) {
            continue;
        }
        char *s = strdup(de->d_name);
        char **nn = s ? realloc(names, (n + 1) * sizeof(*names)) : NULL;
        if (!nn) {
            free(s);
            rc = -ENOMEM;
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        names = nn;
        names[n++] = s;
    }
    if (n == 0) {
        rc = -ENOENT;
        snprintf(err, errlen, "%s: no manifests (*.xml) found", dir);
        goto out;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    svc_manifest_t *m = calloc(n, sizeof(*m));
    if (!m) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char path[SVC_FILE_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        rc = svc_manifest_load(path, &m[i], err, errlen);
        if (rc < 0) {
            free(m);
            goto out;
        }
    }
    *out = m;
    rc = (int)n;
out:
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    closedir(d);
    return rc;
}

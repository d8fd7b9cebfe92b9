/*
 * clp_rexec: request checks, notice matching, source lists and the script
 * path rule of clprexec (see clp_rexec.h).
 */
#include "clp_rexec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_cidr.h"
#include "clp_paths.h"

/* The first control character of s (C0 or DEL), or NULL. */
static const char *control_char(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x20 || ch == 0x7f) {
            return s;
        }
    }
    return NULL;
}

int clp_rexec_check_category(const char *s, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        snprintf(err, errlen, "the category is empty; -k needs CATEGORY[.KEYWORD]");
        return -EINVAL;
    }
    if (n > CLP_REXEC_CATEGORY_MAX) {
        snprintf(err, errlen, "the category is %zu bytes long; at most %d are allowed", n,
                 CLP_REXEC_CATEGORY_MAX);
        return -EINVAL;
    }
    if (strchr(s, '.')) {
        snprintf(err, errlen, "the category must not contain '.' (it separates the keyword)");
        return -EINVAL;
    }
    if (control_char(s)) {
        snprintf(err, errlen, "the category contains a control character");
        return -EINVAL;
    }
    return 0;
}

int clp_rexec_check_keyword(const char *s, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n > CLP_REXEC_KEYWORD_MAX) {
        snprintf(err, errlen, "the keyword is %zu bytes long; at most %d are allowed", n,
                 CLP_REXEC_KEYWORD_MAX);
        return -EINVAL;
    }
    if (n && control_char(s)) {
        snprintf(err, errlen, "the keyword contains a control character");
        return -EINVAL;
    }
    return 0;
}

int clp_rexec_split_key(const char *arg, char *cat, size_t catlen, char *kw, size_t kwlen,
                        char *err, size_t errlen)
{
    if (!arg || !*arg) {
        snprintf(err, errlen, "-k needs CATEGORY[.KEYWORD]");
        return -EINVAL;
    }
    const char *dot = strchr(arg, '.');
    size_t cn = dot ? (size_t)(dot - arg) : strlen(arg);
    const char *k = dot ? dot + 1 : "";
    if (cn == 0) {
        snprintf(err, errlen, "the category before '.' is empty; -k needs CATEGORY[.KEYWORD]");
        return -EINVAL;
    }
    if (cn > CLP_REXEC_CATEGORY_MAX || cn >= catlen) {
        snprintf(err, errlen, "the category is %zu bytes long; at most %d are allowed", cn,
                 CLP_REXEC_CATEGORY_MAX);
        return -EINVAL;
    }
    size_t kn = strlen(k);
    if (kn > CLP_REXEC_KEYWORD_MAX || kn >= kwlen) {
        snprintf(err, errlen, "the keyword is %zu bytes long; at most %d are allowed", kn,
                 CLP_REXEC_KEYWORD_MAX);
        return -EINVAL;
    }
    memcpy(cat, arg, cn);
    cat[cn] = '\0';
    memcpy(kw, k, kn + 1);
    int rc = clp_rexec_check_category(cat, err, errlen);
    return rc < 0 ? rc : clp_rexec_check_keyword(kw, err, errlen);
}

int clp_rexec_check_script_name(const char *name, char *err, size_t errlen)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0) {
        snprintf(err, errlen, "no script named; it must be a file name in %s/", CLP_REXEC_DIR);
        return -EINVAL;
    }
    if (n > CLP_REXEC_SCRIPT_MAX) {
        snprintf(err, errlen, "the script name is %zu bytes long; at most %d are allowed", n,
                 CLP_REXEC_SCRIPT_MAX);
        return -EINVAL;
    }
    if (strchr(name, '/')) {
        snprintf(err, errlen, "the script must be a plain file name in %s/, not a path ('%s')",
                 CLP_REXEC_DIR, name);
        return -EINVAL;
    }
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        snprintf(err, errlen, "'%s' is not a script name", name);
        return -EINVAL;
    }
    if (control_char(name)) {
        snprintf(err, errlen, "the script name contains a control character");
        return -EINVAL;
    }
    return 0;
}

/* An object name (group, resource, monitor): present, shorter than
 * CLP_NAME_MAX, no control characters. Whether it exists is for the server. */
static int check_name(const char *what, const char *s, bool required, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        if (required) {
            snprintf(err, errlen, "no %s named", what);
            return -EINVAL;
        }
        return 0;
    }
    if (n >= CLP_NAME_MAX) {
        snprintf(err, errlen, "the %s name is %zu bytes long; at most %d are allowed", what, n,
                 CLP_NAME_MAX - 1);
        return -EINVAL;
    }
    if (control_char(s)) {
        snprintf(err, errlen, "the %s name contains a control character", what);
        return -EINVAL;
    }
    return 0;
}

int clp_rexec_check_request(const Clp__RexecRequest *r, char *err, size_t errlen)
{
    int rc;
    if (!r) {
        snprintf(err, errlen, "empty request");
        return -EINVAL;
    }
    if (r->wait_ms > (uint32_t)CLP_REXEC_WAIT_MAX_S * 1000u) {
        snprintf(err, errlen, "the wait time must not exceed %d s", CLP_REXEC_WAIT_MAX_S);
        return -EINVAL;
    }
    if (r->requester && strlen(r->requester) > 255) {
        snprintf(err, errlen, "the requester text is too long");
        return -EINVAL;
    }
    switch (r->op) {
    case CLP__REXEC_REQUEST__OP__FAILOVER:
        if ((!r->group || !r->group[0]) && (!r->resource || !r->resource[0])) {
            snprintf(err, errlen, "a failover request needs a group or a resource (-r)");
            return -EINVAL;
        }
        if ((rc = check_name("group", r->group, false, err, errlen)) < 0 ||
            (rc = check_name("resource", r->resource, false, err, errlen)) < 0) {
            return rc;
        }
        return 0;
    case CLP__REXEC_REQUEST__OP__SCRIPT:
        return clp_rexec_check_script_name(r->script, err, errlen);
    case CLP__REXEC_REQUEST__OP__NOTICE:
    case CLP__REXEC_REQUEST__OP__CLEAR: {
        bool has_mon = r->monitor && r->monitor[0];
        bool has_cat = r->category && r->category[0];
        if (!has_mon && !has_cat) {
            snprintf(err, errlen, "a %s needs a monitor name or -k CATEGORY[.KEYWORD]",
                     clp_rexec_op_name(r->op));
            return -EINVAL;
        }
        if ((rc = check_name("monitor", r->monitor, false, err, errlen)) < 0) {
            return rc;
        }
        if (has_cat && (rc = clp_rexec_check_category(r->category, err, errlen)) < 0) {
            return rc;
        }
        if (!has_cat && r->keyword && r->keyword[0]) {
            snprintf(err, errlen, "a keyword needs a category (-k CATEGORY.KEYWORD)");
            return -EINVAL;
        }
        return clp_rexec_check_keyword(r->keyword, err, errlen);
    }
    default:
        snprintf(err, errlen, "unknown clprexec operation %d", (int)r->op);
        return -EINVAL;
    }
}

bool clp_rexec_match(const char *mon_category, const char *mon_keyword, const char *category,
                     const char *keyword)
{
    if (!mon_category || !category || strcmp(mon_category, category) != 0) {
        return false;
    }
    if (!mon_keyword || !mon_keyword[0]) {
        return true;
    }
    return keyword && strcmp(mon_keyword, keyword) == 0;
}

bool clp_rexec_addr_match(const char *entry, const char *addr)
{
    int fe, fa, pe, pa;
    unsigned char e[16], a[16];
    if (clp_cidr_parse(entry, &fe, e, &pe) < 0 || clp_cidr_parse(addr, &fa, a, &pa) < 0 ||
        fe != fa || strchr(addr, '/')) {
        return false;
    }
    return clp_cidr_prefix_match(a, e, pe);
}

bool clp_rexec_source_allowed(const clp_conf_t *c, const char *addr)
{
    if (c->cluster.rexec_allow_any) {
        return true;
    }
    if (!addr || !addr[0]) {
        return false;
    }
    for (size_t s = 0; s < c->n_servers; s++) {
        const clp_server_t *sv = &c->servers[s];
        for (size_t d = 0; d < sv->n_devices; d++) {
            const clp_device_t *dev = &sv->devices[d];
            if (strcmp(dev->type, "lan") == 0 && dev->info &&
                clp_rexec_addr_match(dev->info, addr) && !strchr(dev->info, '/')) {
                return true;
            }
        }
    }
    size_t klen = strlen(CLP_REXEC_CLIENT_KEY);
    for (size_t i = 0; i < c->cluster.params.n; i++) {
        const char *key = c->cluster.params.v[i].key;
        if (strncmp(key, CLP_REXEC_CLIENT_KEY, klen) == 0 &&
            clp_rexec_addr_match(key + klen, addr)) {
            return true;
        }
    }
    return false;
}

int clp_rexec_script_path(const char *root, const char *name, char *out, size_t outlen, char *err,
                          size_t errlen)
{
    char dir[CLP_PATH_MAX], path[CLP_PATH_MAX + 256], realdir[PATH_MAX], real[PATH_MAX];
    struct stat st;
    int rc = clp_rexec_check_script_name(name, err, errlen);
    if (rc < 0) {
        return rc;
    }
    clp_path(dir, sizeof(dir), root, CLP_REXEC_DIR);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!realpath(dir, realdir)) {
        snprintf(err, errlen, "there is no script directory %s", dir);
        return -ENOENT;
    }
    if (!realpath(path, real)) {
        int e = errno;
        snprintf(err, errlen, "script %s not found in %s/ (%s)", name, CLP_REXEC_DIR, strerror(e));
        return -ENOENT;
    }
    size_t dl = strlen(realdir);
    if (strncmp(real, realdir, dl) != 0 || real[dl] != '/' || strchr(real + dl + 1, '/')) {
        snprintf(err, errlen, "script %s leads outside %s/ (to %s); refused", name, CLP_REXEC_DIR,
                 real);
        return -EPERM;
    }
    if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "script %s is not a regular file", name);
        return -EACCES;
    }
    if (access(real, X_OK) < 0) {
        snprintf(err, errlen, "script %s is not executable", name);
        return -EACCES;
    }
    if ((size_t)snprintf(out, outlen, "%s", real) >= outlen) {
        snprintf(err, errlen, "the path of script %s is too long", name);
        return -ENAMETOOLONG;
    }
    return 0;
}

const char *clp_rexec_op_name(int op)
{
    switch (op) {
    case CLP__REXEC_REQUEST__OP__FAILOVER:
        return "failover";
    case CLP__REXEC_REQUEST__OP__SCRIPT:
        return "script";
    case CLP__REXEC_REQUEST__OP__NOTICE:
        return "notice";
    case CLP__REXEC_REQUEST__OP__CLEAR:
        return "clear";
    default:
        return "unknown";
    }
}

/* Appends s to out, cut to at most max bytes with "..." when longer. */
static void put_cut(char *out, size_t n, const char *s, size_t max)
{
    size_t used = strlen(out);
    if (used >= n) {
        return;
    }
    size_t len = strlen(s);
    if (len <= max) {
        snprintf(out + used, n - used, "%s", s);
    } else {
        snprintf(out + used, n - used, "%.*s...", (int)max, s);
    }
}

void clp_rexec_describe(const Clp__RexecRequest *r, char *out, size_t n)
{
    if (!n) {
        return;
    }
    snprintf(out, n, "%s", clp_rexec_op_name(r->op));
    switch (r->op) {
    case CLP__REXEC_REQUEST__OP__FAILOVER:
        put_cut(out, n, " ", 1);
        put_cut(out, n, r->group && r->group[0] ? r->group : "", 63);
        if (r->resource && r->resource[0]) {
            put_cut(out, n, r->group && r->group[0] ? " -r " : "-r ", 4);
            put_cut(out, n, r->resource, 63);
        }
        break;
    case CLP__REXEC_REQUEST__OP__SCRIPT:
        put_cut(out, n, " ", 1);
        put_cut(out, n, r->script ? r->script : "", 64);
        break;
    case CLP__REXEC_REQUEST__OP__NOTICE:
    case CLP__REXEC_REQUEST__OP__CLEAR:
        if (r->monitor && r->monitor[0]) {
            put_cut(out, n, " ", 1);
            put_cut(out, n, r->monitor, 63);
        }
        if (r->category && r->category[0]) {
            put_cut(out, n, " ", 1);
            put_cut(out, n, r->category, 64);
            if (r->keyword && r->keyword[0]) {
                put_cut(out, n, ".", 1);
                put_cut(out, n, r->keyword, 64);
            }
        }
        break;
    default:
        break;
    }
}

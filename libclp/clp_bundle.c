/*
 * clp_bundle: configuration bundles in memory (see clp_bundle.h).
 */
#include "clp_bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_paths.h"

void clp_bundle_free(clp_bundle_t *b)
{
    if (!b) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        free(b->files[i].path);
        free(b->files[i].data);
    }
    free(b->files);
    memset(b, 0, sizeof(*b));
}

bool clp_bundle_path_ok(const char *path)
{
    if (!path || !*path || strlen(path) >= 1024) {
        return false;
    }
    if (strcmp(path, "clp.conf") == 0) {
        return true;
    }
    if (strncmp(path, "scripts/", 8) != 0 || !path[8]) {
        return false;
    }
    /* every part a plain name */
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)p[i] < 0x20) {
                return false;
            }
        }
        if (!slash) {
            break;
        }
        p = slash + 1;
        if (!*p) {
            return false; /* trailing slash */
        }
    }
    return true;
}

int clp_bundle_add(clp_bundle_t *b, const char *path, const void *data, size_t len, unsigned mode)
{
    if (!clp_bundle_path_ok(path)) {
        return -EINVAL;
    }
    clp_bfile_t *old = (clp_bfile_t *)clp_bundle_find(b, path);
    size_t bytes = b->bytes - (old ? old->len : 0) + len;
    if (bytes > CLP_BUNDLE_MAX_BYTES || (!old && b->n >= CLP_BUNDLE_MAX_FILES)) {
        return -EFBIG;
    }
    unsigned char *copy = malloc(len + 1);
    if (!copy) {
        return -ENOMEM;
    }
    if (len) {
        memcpy(copy, data, len);
    }
    copy[len] = '\0';
    if (old) {
        free(old->data);
        old->data = copy;
        old->len = len;
        old->mode = mode & 07777;
        b->bytes = bytes;
        return 0;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        clp_bfile_t *f = realloc(b->files, cap * sizeof(*f));
        if (!f) {
            free(copy);
            return -ENOMEM;
        }
        b->files = f;
        b->cap = cap;
    }
    char *p = strdup(path);
    if (!p) {
        free(copy);
        return -ENOMEM;
    }
    b->files[b->n++] = (clp_bfile_t){.path = p, .data = copy, .len = len, .mode = mode & 07777};
    b->bytes = bytes;
    return 0;
}

const clp_bfile_t *clp_bundle_find(const clp_bundle_t *b, const char *path)
{
    for (size_t i = 0; b && i < b->n; i++) {
        if (strcmp(b->files[i].path, path) == 0) {
            return &b->files[i];
        }
    }
    return NULL;
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const clp_bfile_t *)a)->path, ((const clp_bfile_t *)b)->path);
}

void clp_bundle_sort(clp_bundle_t *b)
{
    if (b->n > 1) {
        qsort(b->files, b->n, sizeof(*b->files), cmp_file);
    }
}

/* ---- reading ---- */

static int add_file(clp_bundle_t *b, const char *fs_path, const char *rel, mode_t mode, char *err,
                    size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    int rc = clp_read_file(fs_path, CLP_BUNDLE_MAX_BYTES, &data, &len);
    if (rc == -EFBIG) {
        snprintf(err, errlen, "%s is larger than a bundle may be (%u bytes)", fs_path,
                 CLP_BUNDLE_MAX_BYTES);
        return rc;
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot read %s: %s", fs_path, strerror(-rc));
        return rc;
    }
    rc = clp_bundle_add(b, rel, data, len, (unsigned)mode & 07777);
    free(data);
    if (rc == -EINVAL) {
        snprintf(err, errlen, "%s: the name cannot travel in a bundle", fs_path);
    } else if (rc == -EFBIG) {
        snprintf(err, errlen, "the bundle is larger than %u bytes or %u files at %s",
                 CLP_BUNDLE_MAX_BYTES, CLP_BUNDLE_MAX_FILES, fs_path);
    } else if (rc < 0) {
        snprintf(err, errlen, "out of memory reading %s", fs_path);
    }
    return rc;
}

/* Adds every regular file below fs_dir as rel_dir/... */
static int add_tree(clp_bundle_t *b, const char *fs_dir, const char *rel_dir, int depth, char *err,
                    size_t errlen)
{
    if (depth > 16) {
        snprintf(err, errlen, "%s: directories nested too deep", fs_dir);
        return -ELOOP;
    }
    DIR *dh = opendir(fs_dir);
    if (!dh) {
        snprintf(err, errlen, "cannot read directory %s: %s", fs_dir, strerror(errno));
        return -errno;
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(dh))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }
        char fs[CLP_PATH_MAX], rel[CLP_PATH_MAX];
        if (snprintf(fs, sizeof(fs), "%s/%s", fs_dir, de->d_name) >= (int)sizeof(fs) ||
            snprintf(rel, sizeof(rel), "%s/%s", rel_dir, de->d_name) >= (int)sizeof(rel)) {
            snprintf(err, errlen, "%s/%s: name too long", fs_dir, de->d_name);
            rc = -ENAMETOOLONG;
            break;
        }
        struct stat st;
        if (lstat(fs, &st) < 0) {
            snprintf(err, errlen, "cannot read %s: %s", fs, strerror(errno));
            rc = -errno;
        } else if (S_ISDIR(st.st_mode)) {
            rc = add_tree(b, fs, rel, depth + 1, err, errlen);
        } else if (S_ISREG(st.st_mode)) {
            rc = add_file(b, fs, rel, st.st_mode, err, errlen);
        } else {
            snprintf(err, errlen,
                     "%s is not a regular file (a symbolic link or a device): only regular "
                     "files travel in a bundle",
                     fs);
            rc = -EINVAL;
        }
    }
    closedir(dh);
    return rc;
}

static int read_pair(clp_bundle_t *b, const char *conf, const char *scripts, char *err,
                     size_t errlen)
{
    struct stat st;
    if (stat(conf, &st) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", conf, strerror(errno));
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", conf);
        return -EINVAL;
    }
    int rc = add_file(b, conf, "clp.conf", st.st_mode, err, errlen);
    if (rc < 0) {
        return rc;
    }
    if (lstat(scripts, &st) < 0) {
        if (errno == ENOENT) {
            return 0;
        }
        int e = errno;
        snprintf(err, errlen, "cannot read %s: %s", scripts, strerror(e));
        return -e;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", scripts);
        return -ENOTDIR;
    }
    rc = add_tree(b, scripts, "scripts", 0, err, errlen);
    if (rc == 0) {
        clp_bundle_sort(b);
    }
    return rc;
}

int clp_bundle_read_dir(clp_bundle_t *b, const char *dir, char *err, size_t errlen)
{
    char conf[CLP_PATH_MAX], scripts[CLP_PATH_MAX];
    snprintf(conf, sizeof(conf), "%s/clp.conf", dir);
    snprintf(scripts, sizeof(scripts), "%s/scripts", dir);
    return read_pair(b, conf, scripts, err, errlen);
}

int clp_bundle_read_root(clp_bundle_t *b, const char *root, char *err, size_t errlen)
{
    char conf[CLP_PATH_MAX], scripts[CLP_PATH_MAX];
    clp_path(conf, sizeof(conf), root, "etc/clp.conf");
    clp_path(scripts, sizeof(scripts), root, "scripts");
    return read_pair(b, conf, scripts, err, errlen);
}

/* ---- writing ---- */

int clp_bundle_write_file(const char *path, const void *data, size_t len, unsigned mode)
{
    char tmp[CLP_PATH_MAX], dir[CLP_PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -errno;
    }
    int rc = 0;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            rc = -errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (rc == 0 && fchmod(fd, mode & 07777) < 0) {
        rc = -errno;
    }
    if (rc == 0 && fsync(fd) < 0) {
        rc = -errno;
    }
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0) {
        rc = -errno;
    }
    if (rc < 0) {
        unlink(tmp);
        return rc;
    }
    snprintf(dir, sizeof(dir), "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int clp_bundle_write_dir(const clp_bundle_t *b, const char *dir, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->n; i++) {
        const clp_bfile_t *f = &b->files[i];
        char path[CLP_PATH_MAX], parent[CLP_PATH_MAX];
        if (!clp_bundle_path_ok(f->path) ||
            snprintf(path, sizeof(path), "%s/%s", dir, f->path) >= (int)sizeof(path)) {
            snprintf(err, errlen, "bad file name in the bundle: %s", f->path);
            return -EINVAL;
        }
        snprintf(parent, sizeof(parent), "%s", path);
        int rc = clp_mkdirs(dirname(parent), 0755);
        if (rc == 0) {
            rc = clp_bundle_write_file(path, f->data, f->len, f->mode);
        }
        if (rc < 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/* ---- digest ---- */

void clp_bundle_digest(const clp_bundle_t *b, char out[65])
{
    const clp_bfile_t **order = calloc(b->n ? b->n : 1, sizeof(*order));
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    for (size_t i = 0; i < b->n; i++) {
        if (order) {
            order[i] = &b->files[i];
        }
    }
    /* insertion sort of pointers: bundles are small and this never fails */
    for (size_t i = 1; order && i < b->n; i++) {
        const clp_bfile_t *t = order[i];
        size_t j = i;
        while (j > 0 && strcmp(order[j - 1]->path, t->path) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = t;
    }
    for (size_t i = 0; i < b->n; i++) {
        const clp_bfile_t *f = order ? order[i] : &b->files[i];
        unsigned char meta[12];
        uint64_t len = f->len;
        for (int k = 0; k < 4; k++) {
            meta[k] = (unsigned char)(f->mode >> (8 * k));
        }
        for (int k = 0; k < 8; k++) {
            meta[4 + k] = (unsigned char)(len >> (8 * k));
        }
        crypto_hash_sha256_update(&st, (const unsigned char *)f->path, strlen(f->path) + 1);
        crypto_hash_sha256_update(&st, meta, sizeof(meta));
        crypto_hash_sha256_update(&st, f->data, f->len);
    }
    crypto_hash_sha256_final(&st, h);
    free(order);
    for (size_t i = 0; i < sizeof(h); i++) {
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    }
}

/* ---- checks against the configuration ---- */

static int param_line(const clp_params_t *p, const char *key, int def)
{
    for (size_t i = 0; p && i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            return p->v[i].line;
        }
    }
    return def;
}

/* Records that rel is used; reports it missing. */
static size_t need(const clp_bundle_t *b, bool *used, const char *rel, clp_diag_t *d,
                   const char *file, int line, const char *epath, const char *what)
{
    const clp_bfile_t *f = clp_bundle_find(b, rel);
    if (f) {
        used[f - b->files] = true;
        return 0;
    }
    clp_diag_add(d, CLP_DIAG_ERROR, file, line, epath,
                 "%s is not in the bundle: add %s to the directory you push", what, rel);
    return 1;
}

size_t clp_bundle_check(const clp_bundle_t *b, const clp_conf_t *conf, const char *conf_file,
                        clp_diag_t *d)
{
    size_t errors = 0;
    bool *used = calloc(b->n ? b->n : 1, sizeof(bool));
    if (!used) {
        return 0;
    }
    for (size_t i = 0; i < conf->n_resources; i++) {
        const clp_resource_t *r = &conf->resources[i];
        if (strcmp(r->type, "exec") != 0) {
            continue;
        }
        static const char *const keys[][2] = {{"parameters/act/path", "start script"},
                                              {"parameters/deact/path", "stop script"}};
        for (size_t k = 0; k < 2; k++) {
            const char *v = clp_params_get(&r->params, keys[k][0]);
            if (!v || !v[0] || v[0] == '/') {
                continue; /* none, or a user application elsewhere on the server */
            }
            char rel[CLP_PATH_MAX], what[256], epath[320];
            snprintf(rel, sizeof(rel), "scripts/%s/%s/%s", r->group, r->name, v);
            snprintf(what, sizeof(what), "the %s of exec %s", keys[k][1], r->name);
            snprintf(epath, sizeof(epath), "/root/resource/exec@%s/%s", r->name, keys[k][0]);
            errors += need(b, used, rel, d, conf_file, param_line(&r->params, keys[k][0], r->line),
                           epath, what);
        }
    }
    for (size_t i = 0; i < conf->n_monitors; i++) {
        const clp_monitor_t *m = &conf->monitors[i];
        if (strcmp(m->type, "genw") != 0) {
            continue;
        }
        const char *v = clp_params_get(&m->params, "parameters/path");
        if (v && v[0] == '/') {
            continue;
        }
        char rel[CLP_PATH_MAX], what[256], epath[320];
        snprintf(rel, sizeof(rel), "scripts/monitor.s/%s/%s", m->name, v && v[0] ? v : "genw.sh");
        snprintf(what, sizeof(what), "the script of monitor %s", m->name);
        snprintf(epath, sizeof(epath), "/root/monitor/genw@%s/parameters/path", m->name);
        errors += need(b, used, rel, d, conf_file,
                       param_line(&m->params, "parameters/path", m->line), epath, what);
    }
    /* Anything below a resource's or monitor's own directory belongs to it
     * (helper files of its scripts); other files are kept but reported. */
    for (size_t i = 0; i < b->n; i++) {
        const char *p = b->files[i].path;
        if (used[i] || strncmp(p, "scripts/", 8) != 0) {
            continue;
        }
        bool owned = false;
        for (size_t r = 0; r < conf->n_resources && !owned; r++) {
            char pre[CLP_PATH_MAX];
            snprintf(pre, sizeof(pre), "scripts/%s/%s/", conf->resources[r].group,
                     conf->resources[r].name);
            owned = strncmp(p, pre, strlen(pre)) == 0;
        }
        for (size_t m = 0; m < conf->n_monitors && !owned; m++) {
            char pre[CLP_PATH_MAX];
            snprintf(pre, sizeof(pre), "scripts/monitor.s/%s/", conf->monitors[m].name);
            owned = strncmp(p, pre, strlen(pre)) == 0;
        }
        if (!owned) {
            clp_diag_add(d, CLP_DIAG_WARNING, p, 0, "",
                         "no resource or monitor of the configuration uses this file; it is "
                         "distributed anyway");
        }
    }
    free(used);
    return errors;
}

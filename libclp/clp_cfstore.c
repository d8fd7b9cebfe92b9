/*
 * clp_cfstore: the installed configuration and its generation record (see
 * clp_cfstore.h).
 */
#include "clp_cfstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clp_paths.h"

#define STAGE_PREFIX ".cfstage-"

/* ---- helpers ---- */

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    for (size_t i = 0; i < sizeof(h); i++) {
        snprintf(out + 2 * i, 3, "%02x", h[i]);
    }
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP) {
        rmdir(path);
    } else {
        unlink(path);
    }
    return 0;
}

/* rm -rf path (0 also when it does not exist). */
static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        return errno == ENOENT ? 0 : -errno;
    }
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return lstat(path, &st) < 0 ? 0 : -EIO;
}

static int fsync_dir_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_D || flag == FTW_DP) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
    }
    return 0;
}

static void fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int stage_dir(const char *root, const char *txid, char *out, size_t n)
{
    return clp_path(out, n, root, STAGE_PREFIX "%s", txid);
}

/* ---- the generation record ---- */

int clp_cfmeta_read(const char *root, clp_cfmeta_t *m)
{
    char path[CLP_PATH_MAX], *data = NULL;
    size_t len = 0;
    memset(m, 0, sizeof(*m));
    clp_path(path, sizeof(path), root, "etc/clp.conf.gen");
    int rc = clp_read_file(path, 64 * 1024, &data, &len);
    if (rc < 0) {
        return rc;
    }
    bool have_gen = false;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) {
            continue;
        }
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (strcmp(k, "generation") == 0) {
            char *end;
            errno = 0;
            m->generation = strtoull(v, &end, 10);
            have_gen = errno == 0 && end != v && *end == '\0';
        } else if (strcmp(k, "conf_sha256") == 0) {
            snprintf(m->conf_sha256, sizeof(m->conf_sha256), "%s", v);
        } else if (strcmp(k, "digest") == 0) {
            snprintf(m->digest, sizeof(m->digest), "%s", v);
        } else if (strcmp(k, "pushed_by") == 0) {
            snprintf(m->pushed_by, sizeof(m->pushed_by), "%s", v);
        } else if (strcmp(k, "pushed_wall_ms") == 0) {
            m->pushed_wall_ms = strtoull(v, NULL, 10);
        }
    }
    free(data);
    return have_gen && strlen(m->conf_sha256) == 64 ? 0 : -EINVAL;
}

int clp_cfmeta_write(const char *root, const clp_cfmeta_t *m)
{
    char path[CLP_PATH_MAX], buf[1024];
    clp_path(path, sizeof(path), root, "etc/clp.conf.gen");
    char by[sizeof(m->pushed_by)];
    snprintf(by, sizeof(by), "%s", m->pushed_by);
    for (char *p = by; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    int n = snprintf(buf, sizeof(buf),
                     "generation=%" PRIu64 "\nconf_sha256=%s\ndigest=%s\npushed_by=%s\n"
                     "pushed_wall_ms=%" PRIu64 "\n",
                     m->generation, m->conf_sha256, m->digest, by, m->pushed_wall_ms);
    return clp_bundle_write_file(path, buf, (size_t)n, 0644);
}

int clp_cfstore_apply(const char *root, clp_conf_t *conf)
{
    clp_cfmeta_t m;
    int rc = clp_cfmeta_read(root, &m);
    if (rc < 0) {
        return 0;
    }
    if (strcmp(m.conf_sha256, conf->sha256) != 0) {
        return -ESTALE;
    }
    conf->generation = (unsigned long)m.generation;
    return 1;
}

int clp_cfstore_current(const char *root, uint64_t *generation, char digest[65])
{
    clp_bundle_t b = {0};
    char err[256];
    int rc = clp_bundle_read_root(&b, root, err, sizeof(err));
    if (rc < 0) {
        clp_bundle_free(&b);
        return rc;
    }
    clp_bundle_digest(&b, digest);
    *generation = 0;
    clp_cfmeta_t m;
    const clp_bfile_t *conf = clp_bundle_find(&b, "clp.conf");
    if (conf && clp_cfmeta_read(root, &m) == 0) {
        char sha[65];
        sha256_hex(conf->data, conf->len, sha);
        if (strcmp(sha, m.conf_sha256) == 0) {
            *generation = m.generation;
        }
    }
    clp_bundle_free(&b);
    return 0;
}

/* ---- staging and committing ---- */

bool clp_cfstore_txid_ok(const char *s)
{
    return clp_path_token_ok(s);
}

int clp_cfstore_stage(const char *root, const char *txid, const clp_bundle_t *b, char *err,
                      size_t errlen)
{
    char dir[CLP_PATH_MAX], scripts[CLP_PATH_MAX + 32];
    if (!clp_cfstore_txid_ok(txid)) {
        snprintf(err, errlen, "bad transaction id");
        return -EINVAL;
    }
    if (!clp_bundle_find(b, "clp.conf")) {
        snprintf(err, errlen, "the bundle has no clp.conf");
        return -EINVAL;
    }
    stage_dir(root, txid, dir, sizeof(dir));
    rm_tree(dir);
    snprintf(scripts, sizeof(scripts), "%s/scripts", dir);
    int rc = clp_mkdirs(scripts, 0755);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create %s: %s", scripts, strerror(-rc));
        return rc;
    }
    rc = clp_bundle_write_dir(b, dir, err, errlen);
    if (rc < 0) {
        rm_tree(dir);
        return rc;
    }
    nftw(dir, fsync_dir_one, 16, FTW_PHYS);
    fsync_path(root);
    return 0;
}

/* Puts the staged scripts tree in place of ROOT/scripts; the old tree ends up
 * as old (inside the stage directory). */
static int swap_scripts(const char *root, const char *staged, const char *old, char *err,
                        size_t errlen)
{
    char live[CLP_PATH_MAX];
    struct stat st;
    clp_path(live, sizeof(live), root, "scripts");
    if (lstat(live, &st) < 0) {
        if (rename(staged, live) < 0) {
            snprintf(err, errlen, "cannot install %s: %s", live, strerror(errno));
            return -errno;
        }
        fsync_path(root);
        return 0;
    }
    if (renameat2(AT_FDCWD, staged, AT_FDCWD, live, RENAME_EXCHANGE) == 0) {
        /* the old tree is where the staged one was: removed with the stage */
        fsync_path(root);
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
        snprintf(err, errlen, "cannot exchange %s with the new scripts: %s", live, strerror(errno));
        return -errno;
    }
    /* No exchange on this file system: two renames (clean() undoes a half). */
    if (rename(live, old) < 0) {
        snprintf(err, errlen, "cannot move %s aside: %s", live, strerror(errno));
        return -errno;
    }
    if (rename(staged, live) < 0) {
        int e = errno;
        rename(old, live);
        snprintf(err, errlen, "cannot install %s: %s", live, strerror(e));
        return -e;
    }
    fsync_path(root);
    return 0;
}

int clp_cfstore_commit(const char *root, const char *txid, clp_cfmeta_t *m, char *err,
                       size_t errlen)
{
    char dir[CLP_PATH_MAX], staged[CLP_PATH_MAX + 32], old[CLP_PATH_MAX + 32], conf[CLP_PATH_MAX];
    struct stat st;
    if (!clp_cfstore_txid_ok(txid)) {
        snprintf(err, errlen, "bad transaction id");
        return -EINVAL;
    }
    stage_dir(root, txid, dir, sizeof(dir));
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "no staged configuration %s on this server", txid);
        return -ENOENT;
    }
    clp_bundle_t b = {0};
    int rc = clp_bundle_read_dir(&b, dir, err, errlen);
    if (rc < 0) {
        clp_bundle_free(&b);
        return rc;
    }
    const clp_bfile_t *cf = clp_bundle_find(&b, "clp.conf");
    sha256_hex(cf->data, cf->len, m->conf_sha256);
    clp_bundle_digest(&b, m->digest);
    snprintf(staged, sizeof(staged), "%s/scripts", dir);
    snprintf(old, sizeof(old), "%s/scripts.old", dir);
    rc = swap_scripts(root, staged, old, err, errlen);
    if (rc == 0) {
        clp_path(conf, sizeof(conf), root, "etc/clp.conf");
        rc = clp_bundle_write_file(conf, cf->data, cf->len, cf->mode ? cf->mode : 0644);
        if (rc < 0) {
            snprintf(err, errlen, "cannot write %s: %s", conf, strerror(-rc));
        }
    }
    if (rc == 0) {
        rc = clp_cfmeta_write(root, m);
        if (rc < 0) {
            snprintf(err, errlen, "cannot write the generation record: %s", strerror(-rc));
        }
    }
    clp_bundle_free(&b);
    if (rc == 0) {
        rm_tree(dir);
    }
    return rc;
}

int clp_cfstore_drop(const char *root, const char *txid)
{
    char dir[CLP_PATH_MAX];
    if (!clp_cfstore_txid_ok(txid)) {
        return -EINVAL;
    }
    stage_dir(root, txid, dir, sizeof(dir));
    return rm_tree(dir);
}

int clp_cfstore_install(const char *root, const clp_bundle_t *b, clp_cfmeta_t *m, char *err,
                        size_t errlen)
{
    char txid[64];
    snprintf(txid, sizeof(txid), "local-%d-%ld", (int)getpid(), (long)time(NULL));
    int rc = clp_cfstore_stage(root, txid, b, err, errlen);
    if (rc == 0) {
        rc = clp_cfstore_commit(root, txid, m, err, errlen);
    }
    if (rc < 0) {
        clp_cfstore_drop(root, txid);
    }
    return rc;
}

int clp_cfstore_clean(const char *root, unsigned max_age_s)
{
    char live[CLP_PATH_MAX];
    struct stat st;
    clp_path(live, sizeof(live), root, "scripts");
    bool scripts_missing = lstat(live, &st) < 0 && errno == ENOENT;
    DIR *dh = opendir(root);
    if (!dh) {
        return 0;
    }
    int removed = 0;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (strncmp(de->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) != 0) {
            continue;
        }
        char dir[CLP_PATH_MAX], old[CLP_PATH_MAX + 32];
        if (snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name) >= (int)sizeof(dir)) {
            continue;
        }
        snprintf(old, sizeof(old), "%s/scripts.old", dir);
        if (scripts_missing && lstat(old, &st) == 0 && rename(old, live) == 0) {
            scripts_missing = false; /* a two-rename commit stopped half-way */
        }
        if (lstat(dir, &st) == 0 && now - st.st_mtime >= (time_t)max_age_s) {
            rm_tree(dir);
            removed++;
        }
    }
    closedir(dh);
    return removed;
}

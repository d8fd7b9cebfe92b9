/* clp_paths: root resolution, path building and small file helpers. */
#include "clp_paths.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CLP_DEFAULT_ROOT
#define CLP_DEFAULT_ROOT "/opt/nec/clusterpro"
#endif

int clp_root_resolve(const char *arg, char *out, size_t n)
{
    const char *r = arg;
    char abs[PATH_MAX];

    if (!r || !*r) {
        r = getenv("CLP_ROOT");
    }
    if (!r || !*r) {
        r = CLP_DEFAULT_ROOT;
    }
    if (r[0] != '/') {
        if (!getcwd(abs, sizeof(abs))) {
            return -errno;
        }
        if (strlen(abs) + 1 + strlen(r) + 1 > sizeof(abs)) {
            return -ENAMETOOLONG;
        }
        strcat(abs, "/");
        strcat(abs, r);
        r = abs;
    }
    size_t len = strlen(r);
    while (len > 1 && r[len - 1] == '/') {
        len--;
    }
    if (len + 1 > n) {
        return -ENAMETOOLONG;
    }
    memmove(out, r, len);
    out[len] = '\0';
    return 0;
}

int clp_path(char *out, size_t n, const char *root, const char *fmt, ...)
{
    va_list ap;
    int k = snprintf(out, n, "%s/", root);
    if (k < 0 || (size_t)k >= n) {
        return -ENAMETOOLONG;
    }
    va_start(ap, fmt);
    int m = vsnprintf(out + k, n - (size_t)k, fmt, ap);
    va_end(ap);
    if (m < 0 || (size_t)(k + m) >= n) {
        return -ENAMETOOLONG;
    }
    return 0;
}

int clp_endpoint_file(char *out, size_t n, const char *root, const char *name)
{
    return clp_path(out, n, root, "run/%s.sock", name);
}

int clp_endpoint_ipc(char *out, size_t n, const char *root, const char *name)
{
    int k = snprintf(out, n, "ipc://%s/run/%s.sock", root, name);
    return (k < 0 || (size_t)k >= n) ? -ENAMETOOLONG : 0;
}

int clp_mkdirs(const char *path, unsigned mode)
{
    char tmp[CLP_PATH_MAX];
    size_t len = strlen(path);

    if (len == 0 || len >= sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    memcpy(tmp, path, len + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
                return -errno;
            }
            *p = '/';
        }
    }
    if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
        return -errno;
    }
    return 0;
}

int clp_root_prepare(const char *root)
{
    static const char *dirs[] = {"etc", "log", "alert", "work", "run", "scripts"};
    char p[CLP_PATH_MAX];

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        int rc = clp_path(p, sizeof(p), root, "%s", dirs[i]);
        if (rc == 0) {
            rc = clp_mkdirs(p, 0755);
        }
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

static int write_atomic(const char *path, const void *data, size_t len, unsigned mode, bool durable)
{
    char tmp[CLP_PATH_MAX];
    char dir[CLP_PATH_MAX];
    int fd, rc = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
        return -ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        return -errno;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            rc = -errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (rc == 0 && durable && fsync(fd) < 0) {
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
    if (!durable) {
        return 0;
    }
    snprintf(dir, sizeof(dir), "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int clp_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    return write_atomic(path, data, len, mode, true);
}

int clp_write_replace(const char *path, const void *data, size_t len, unsigned mode)
{
    return write_atomic(path, data, len, mode, false);
}

int clp_read_file(const char *path, size_t max, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf;
    size_t cap, used = 0;

    if (fd < 0) {
        return -errno;
    }
    if (fstat(fd, &st) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return -EFBIG;
    }
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (used == cap) {
            if (cap > max) {
                free(buf);
                close(fd);
                return -EFBIG;
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                close(fd);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + used, cap - used);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = -errno;
            free(buf);
            close(fd);
            return e;
        }
        if (r == 0) {
            break;
        }
        used += (size_t)r;
    }
    close(fd);
    if (used > max) {
        free(buf);
        return -EFBIG;
    }
    buf[used] = '\0';
    *data = buf;
    if (len) {
        *len = used;
    }
    return 0;
}

bool clp_path_token_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64 || s[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

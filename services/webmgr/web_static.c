/*
 * web_static: the static file handler (the catch-all row of the route table).
 */
#define CLP_LOG_TAG "webmgr.static"
#include "web_static.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_xalloc.h"
#include "web_api.h"

struct web_static {
    char docroot[CLP_PATH_MAX];
    unsigned long served, not_found;
};

int web_static_resolve(const char *docroot, const char *uri_path, char *out, size_t n)
{
    if (!uri_path || uri_path[0] != '/') {
        return -EINVAL;
    }
    for (const char *p = uri_path; *p; p++) {
        if (p[0] == '/' && p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0')) {
            return -EINVAL;
        }
        if (*p == '\\') {
            return -EINVAL;
        }
    }
    const char *rel = strcmp(uri_path, "/") == 0 ? "/index.html" : uri_path;
    int k = snprintf(out, n, "%s%s", docroot, rel);
    if (k < 0 || (size_t)k >= n) {
        return -ENAMETOOLONG;
    }
    return 0;
}

void web_static_find_docroot(const char *root, const char *exe_dir, char *out, size_t n)
{
    char probe[CLP_PATH_MAX + 16];
    snprintf(out, n, "%s/webmgr", root);
    if (snprintf(probe, sizeof(probe), "%s/index.html", out) >= (int)sizeof(probe) ||
        access(probe, R_OK) == 0 || !exe_dir) {
        return;
    }
    char alt[CLP_PATH_MAX + 16];
    snprintf(alt, sizeof(alt), "%s/../webmgr", exe_dir);
    if (snprintf(probe, sizeof(probe), "%s/index.html", alt) < (int)sizeof(probe) &&
        access(probe, R_OK) == 0) {
        char *real = realpath(alt, NULL);
        snprintf(out, n, "%s", real ? real : alt);
        free(real);
    }
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "application/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return "application/octet-stream";
}

void api_get_static(web_req_t *r)
{
    web_static_t *ws = r->w->stat;
    char path[CLP_PATH_MAX];
    struct stat st;
    if (web_static_resolve(ws->docroot, r->path, path, sizeof(path)) < 0) {
        web_reply_error(r, 400, "bad path");
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        ws->not_found++;
        web_reply_error(r, 404, "no such file: %s", r->path);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_file(b, fd, 0, st.st_size);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(oh, "Cache-Control", "no-cache");
    evhttp_add_header(oh, "Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                      "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
    ws->served++;
    web_reply(r, 200, mime_of(path), b);
}

web_static_t *web_static_new(web_t *w)
{
    web_static_t *ws = xcalloc(1, sizeof(*ws));
    char exe[CLP_PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    const char *dir = NULL;
    if (k > 0) {
        exe[k] = '\0';
        dir = dirname(exe);
    }
    web_static_find_docroot(w->d->root, dir, ws->docroot, sizeof(ws->docroot));
    clp_info("serving the WebManager's files from %s", ws->docroot);
    return ws;
}

void web_static_destroy(web_static_t **pws)
{
    if (pws && *pws) {
        free(*pws);
        *pws = NULL;
    }
}

const char *web_static_docroot(const web_static_t *ws)
{
    return ws->docroot;
}

/*
 * web_static: the static file handler (generic callback of the evhttp server).
 */
#define CLP_LOG_TAG "webmgr"
#include "web_static.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_xalloc.h"

struct web_static {
    clp_daemon_t *d;
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
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].type;
        }
    }
    return "application/octet-stream";
}

static void reply_json_error(struct evhttp_request *req, int code, const char *msg)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "{\"result\":{\"code\":%d,\"message\":\"%s\"}}\n", code, msg);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, code, msg, b);
    evbuffer_free(b);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    web_static_t *ws = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
    char path[CLP_PATH_MAX];
    struct stat st;

    if (!raw) {
        reply_json_error(req, 400, "Bad Request");
        return;
    }
    char *decoded = evhttp_uridecode(raw, 0, NULL);
    if (!decoded || strncmp(decoded, "/api/", 5) == 0) {
        free(decoded);
        ws->not_found++;
        reply_json_error(req, 404, "Not Found");
        return;
    }
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
        evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
        free(decoded);
        reply_json_error(req, 405, "Method Not Allowed");
        return;
    }
    int rc = web_static_resolve(ws->docroot, decoded, path, sizeof(path));
    free(decoded);
    if (rc < 0) {
        reply_json_error(req, 400, "Bad Request");
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) {
            close(fd);
        }
        ws->not_found++;
        reply_json_error(req, 404, "Not Found");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_file(b, fd, 0, st.st_size);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", mime_of(path));
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
    ws->served++;
}

web_static_t *web_static_new(clp_daemon_t *d, struct evhttp *http)
{
    web_static_t *ws = xcalloc(1, sizeof(*ws));
    ws->d = d;
    clp_path(ws->docroot, sizeof(ws->docroot), d->root, "webmgr");
    evhttp_set_gencb(http, on_request, ws);
    evhttp_set_max_headers_size(http, 16384);
    evhttp_set_max_body_size(http, 1 << 20);
    evhttp_set_timeout(http, 30);
    return ws;
}

void web_static_destroy(web_static_t **pws)
{
    if (pws && *pws) {
        free(*pws);
        *pws = NULL;
    }
}

/*
 * web_http: listeners, the request pipeline (IP list, credentials, route,
 * right, CSRF, body) and the reply helpers.
 */
#define CLP_LOG_TAG "webmgr.http"
#include "web_http.h"

#include <ctype.h>
#include <errno.h>
#include <event2/http_struct.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "web_tls.h"

#define SESSION_COOKIE "CLPSESSION"
#define MAX_LISTENERS 2

typedef struct {
    web_http_t *h;
    struct evhttp *http;
    bool api;
} listener_t;

struct web_http {
    web_t *w;
    listener_t l[MAX_LISTENERS];
    int n;
    bool secure; /* HTTPS: cookies get the Secure flag */
    web_http_counters_t c;
};

bool web_http_secure(const web_http_t *h)
{
    return h->secure;
}

/* ---- pure helpers ---- */

bool web_route_match(const char *pattern, const char *path, char *segs, size_t segs_len,
                     const char **params, int *n_params)
{
    *n_params = 0;
    size_t plen = strlen(path);
    if (path[0] != '/' || pattern[0] != '/' || plen >= segs_len) {
        return false;
    }
    memcpy(segs, path, plen + 1);
    const char *seg[64];
    size_t nseg = 0;
    for (char *s = segs + 1;;) {
        if (nseg == 64) {
            return false;
        }
        seg[nseg++] = s;
        char *e = strchr(s, '/');
        if (!e) {
            break;
        }
        *e = '\0';
        s = e + 1;
    }
    const char *pp = pattern + 1;
    for (size_t i = 0;; i++) {
        const char *pe = strchr(pp, '/');
        size_t pn = pe ? (size_t)(pe - pp) : strlen(pp);
        if (pn == 1 && pp[0] == '*') {
            return true;
        }
        if (i >= nseg) {
            return false;
        }
        if (pn == 2 && pp[0] == '{' && pp[1] == '}') {
            if (!seg[i][0] || *n_params >= WEB_MAX_PARAMS) {
                return false;
            }
            params[(*n_params)++] = seg[i];
        } else if (strlen(seg[i]) != pn || memcmp(seg[i], pp, pn) != 0) {
            return false;
        }
        if (!pe) {
            return i + 1 == nseg;
        }
        pp = pe + 1;
    }
}

const char *web_pick_lang(const char *al)
{
    /* The highest-q language among ja and en; ja wins ties only when first. */
    double best_q = -1;
    const char *best = "en";
    if (!al) {
        return best;
    }
    const char *p = al;
    while (*p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        const char *tag = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ') {
            p++;
        }
        size_t tn = (size_t)(p - tag);
        double q = 1.0;
        while (*p && *p != ',') {
            if (*p == 'q' && p[1] == '=') {
                q = strtod(p + 2, NULL);
            }
            p++;
        }
        const char *lang = NULL;
        if (tn >= 2 && strncasecmp(tag, "ja", 2) == 0 && (tn == 2 || tag[2] == '-')) {
            lang = "ja";
        } else if (tn >= 2 && strncasecmp(tag, "en", 2) == 0 && (tn == 2 || tag[2] == '-')) {
            lang = "en";
        }
        if (lang && q > best_q) {
            best_q = q;
            best = lang;
        }
    }
    return best;
}

const char *web_query(web_req_t *r, const char *key)
{
    return r->have_query ? evhttp_find_header(&r->query, key) : NULL;
}

const char *web_via(const web_req_t *r)
{
    return r->api_port ? "REST API" : "WebManager";
}

static void free_req(web_req_t *r)
{
    if (r->have_query) {
        evhttp_clear_headers(&r->query);
    }
    wjv_free(&r->body);
    free(r);
}

void web_reply(web_req_t *r, int code, const char *ctype, struct evbuffer *body)
{
    web_http_t *h = r->w->http;
    struct evkeyvalq *oh = evhttp_request_get_output_headers(r->req);
    if (ctype) {
        evhttp_add_header(oh, "Content-Type", ctype);
    }
    evhttp_add_header(oh, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(oh, "X-Frame-Options", "DENY");
    evhttp_add_header(oh, "Referrer-Policy", "no-referrer");
    if (!evhttp_find_header(oh, "Cache-Control")) {
        evhttp_add_header(oh, "Cache-Control", "no-store");
    }
    int cls = code / 100;
    h->c.by_class[cls >= 1 && cls <= 5 ? cls : 0]++;
    h->c.latency_sum_ms += (double)(clp_mono_ms() - r->t0_ms);
    const char *reason = code == 200   ? "OK"
                         : code == 400 ? "Bad Request"
                         : code == 401 ? "Unauthorized"
                         : code == 403 ? "Forbidden"
                         : code == 404 ? "Not Found"
                         : code == 405 ? "Method Not Allowed"
                         : code == 413 ? "Payload Too Large"
                         : code == 501 ? "Not Implemented"
                         : code == 503 ? "Service Unavailable"
                                       : "Status";
    if (r->req->type == EVHTTP_REQ_HEAD && body) {
        evbuffer_drain(body, evbuffer_get_length(body));
    }
    evhttp_send_reply(r->req, code, reason, body);
    if (body) {
        evbuffer_free(body);
    }
    free_req(r);
}

struct evbuffer *web_json_begin(wj_t *w)
{
    struct evbuffer *b = evbuffer_new();
    wj_init(w, b);
    wj_obj(w, NULL);
    wj_obj(w, "result");
    wj_int(w, "code", 0);
    wj_str(w, "message", "Command succeeded.");
    wj_end(w);
    return b;
}

void web_reply_json(web_req_t *r, wj_t *w)
{
    while (w->depth > 0) {
        wj_end(w);
    }
    evbuffer_add(w->b, "\n", 1);
    web_reply(r, 200, "application/json; charset=utf-8", w->b);
}

void web_reply_error(web_req_t *r, int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct evbuffer *b = evbuffer_new();
    wj_t w;
    wj_init(&w, b);
    wj_obj(&w, NULL);
    wj_obj(&w, "result");
    wj_int(&w, "code", code);
    wj_str(&w, "message", msg);
    wj_end(&w);
    wj_end(&w);
    evbuffer_add(b, "\n", 1);
    if (code == 401 && !r->by_session && !evhttp_find_header(r->req->input_headers, "X-CLP-UI")) {
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "WWW-Authenticate",
                          "Basic realm=\"CLUSTERPRO WebManager\", charset=\"UTF-8\"");
    }
    if (code >= 500) {
        clp_debug("%s %s from %s: %d %s", r->method == WEB_POST ? "POST" : "GET", r->path,
                  r->client, code, msg);
    }
    web_reply(r, code, "application/json; charset=utf-8", b);
}

void web_reply_ok(web_req_t *r, const char *msg)
{
    wj_t w;
    struct evbuffer *b = evbuffer_new();
    wj_init(&w, b);
    wj_obj(&w, NULL);
    wj_obj(&w, "result");
    wj_int(&w, "code", 0);
    wj_str(&w, "message", msg ? msg : "Command succeeded.");
    web_reply_json(r, &w);
}

const web_http_counters_t *web_http_counters(const web_http_t *h)
{
    return &h->c;
}

/* ---- the pipeline ---- */

static const char *cookie_value(struct evhttp_request *req, const char *name, char *out, size_t n)
{
    const char *c = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
    size_t nl = strlen(name);
    while (c && *c) {
        while (*c == ' ' || *c == ';') {
            c++;
        }
        if (strncmp(c, name, nl) == 0 && c[nl] == '=') {
            const char *v = c + nl + 1;
            size_t k = strcspn(v, "; ");
            if (k >= n) {
                return NULL;
            }
            memcpy(out, v, k);
            out[k] = '\0';
            return out;
        }
        c = strchr(c, ';');
    }
    return NULL;
}

static void run(web_req_t *r);

static void after_auth(void *arg, web_right_t right)
{
    web_req_t *r = arg;
    r->cred_right = right;
    run(r);
}

/* Same origin: an Origin header, when present, names the host the request was
 * sent to. Browsers send it on cross-site POSTs. */
static bool origin_ok(web_req_t *r)
{
    struct evkeyvalq *ih = evhttp_request_get_input_headers(r->req);
    const char *origin = evhttp_find_header(ih, "Origin");
    const char *host = evhttp_find_header(ih, "Host");
    if (!origin) {
        return true;
    }
    if (!host) {
        return false;
    }
    const char *o = strstr(origin, "://");
    return o && strcmp(o + 3, host) == 0;
}

static void run(web_req_t *r)
{
    web_http_t *h = r->w->http;
    r->right = r->cred_right < r->ip_right ? r->cred_right : r->ip_right;
    const web_route_t *rt = r->route;
    if (r->right < rt->need) {
        if (r->cred_right < rt->need) {
            h->c.unauthorized++;
            web_reply_error(r, 401,
                            r->had_credentials ? "the password does not give the right to do this"
                                               : "authentication is required");
        } else {
            h->c.denied++;
            web_reply_error(r, 403, "this client address (%s) is not allowed to do this",
                            r->client);
        }
        return;
    }
    if (r->method == WEB_POST) {
        if (r->by_session) {
            const char *tok =
                evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-CSRF-Token");
            if (!tok || strlen(tok) != 64 || sodium_memcmp(tok, r->csrf, 64) != 0) {
                h->c.denied++;
                web_reply_error(r, 403, "missing or wrong CSRF token (X-CSRF-Token)");
                return;
            }
        }
        if (!origin_ok(r)) {
            h->c.denied++;
            web_reply_error(r, 403, "cross-site request refused (Origin does not match Host)");
            return;
        }
        struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
        size_t len = evbuffer_get_length(in);
        if (len > WEB_BODY_MAX) {
            web_reply_error(r, 413, "the request body is larger than %d bytes", WEB_BODY_MAX);
            return;
        }
        if (len > 0) {
            char err[160];
            const char *data = (const char *)evbuffer_pullup(in, (ev_ssize_t)len);
            r->body = wjv_parse(data, len, err, sizeof(err));
            if (!r->body) {
                h->c.bad_json++;
                web_reply_error(r, 400, "%s", err);
                return;
            }
            if (r->body->kind != WJV_OBJ) {
                h->c.bad_json++;
                web_reply_error(r, 400, "the request body must be a JSON object");
                return;
            }
        }
    }
    rt->fn(r);
}

static bool is_api_path(const char *p)
{
    return strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0 || strcmp(p, "/metrics") == 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
    listener_t *l = arg;
    web_http_t *h = l->h;
    web_t *w = h->w;
    h->c.requests++;
    web_req_t *r = xcalloc(1, sizeof(*r));
    r->w = w;
    r->req = req;
    r->api_port = l->api;
    r->t0_ms = clp_mono_ms();
    char *peer = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
    snprintf(r->client, sizeof(r->client), "%s", peer ? peer : "");

    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    r->method = cmd == EVHTTP_REQ_POST                              ? WEB_POST
                : (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD) ? WEB_GET
                                                                    : 0;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
    size_t dlen = 0;
    char *dec = raw ? evhttp_uridecode(raw, 0, &dlen) : NULL;
    if (!dec || dlen != strlen(dec) || dlen >= sizeof(r->path) || dec[0] != '/') {
        free(dec);
        r->route = NULL;
        web_reply_error(r, 400, "bad request path");
        return;
    }
    memcpy(r->path, dec, dlen + 1);
    free(dec);
    const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
    if (q) {
        TAILQ_INIT(&r->query);
        r->have_query = true;
        if (evhttp_parse_query_str(q, &r->query) < 0) {
            web_reply_error(r, 400, "bad query string");
            return;
        }
    }

    r->ip_right = web_acl_check(w->acl, r->client);
    if (r->ip_right == WEB_RIGHT_NONE) {
        h->c.denied++;
        web_reply_error(r, 403, "client %s is not in the WebManager's client list", r->client);
        return;
    }

    /* Route: API paths never fall through to the static files. */
    bool api = is_api_path(r->path);
    bool path_known = false;
    for (const web_route_t *rt = web_routes; rt->fn; rt++) {
        bool wildcard = strchr(rt->pattern, '*') != NULL;
        if (wildcard && api) {
            continue;
        }
        if (!web_route_match(rt->pattern, r->path, r->segs, sizeof(r->segs), r->param,
                             &r->n_param)) {
            continue;
        }
        path_known = true;
        if (r->method & rt->methods) {
            r->route = rt;
            break;
        }
    }
    if (!r->route) {
        if (path_known) {
            evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, POST");
            web_reply_error(r, 405, "method not allowed on %s", r->path);
        } else {
            h->c.not_found++;
            web_reply_error(r, 404, "no such resource: %s", r->path);
        }
        return;
    }
    if (r->api_port && !api) {
        h->c.not_found++;
        web_reply_error(r, 404, "the REST API port serves /api/v1 only");
        return;
    }

    /* Credentials: the session cookie (WebManager port), else HTTP Basic. */
    char sid[80];
    if (!r->api_port && cookie_value(req, SESSION_COOKIE, sid, sizeof(sid))) {
        /* an unknown or expired session counts as no credentials */
        const web_session_t *s = web_session_find(w->sessions, sid, clp_mono_ms());
        if (s) {
            r->had_credentials = true;
            r->by_session = true;
            r->cred_right = s->right;
            memcpy(r->csrf, s->csrf, sizeof(r->csrf));
            memcpy(r->session_id, s->id, sizeof(r->session_id));
            run(r);
            return;
        }
    }
    const char *authz = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    if (authz && strncasecmp(authz, "Basic ", 6) == 0) {
        r->had_credentials = true;
        unsigned char bin[512];
        size_t bl = 0;
        const char *b64 = authz + 6;
        while (*b64 == ' ') {
            b64++;
        }
        if (sodium_base642bin(bin, sizeof(bin) - 1, b64, strlen(b64), NULL, &bl, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            h->c.unauthorized++;
            web_reply_error(r, 401, "malformed Authorization header");
            return;
        }
        bin[bl] = '\0';
        char *colon = memchr(bin, ':', bl);
        if (!colon || strlen((char *)bin) != bl) {
            h->c.unauthorized++;
            web_reply_error(r, 401, "malformed Authorization header");
            return;
        }
        int rc = web_auth_check(w->auth, colon + 1, after_auth, r);
        sodium_memzero(bin, sizeof(bin));
        if (rc < 0) {
            h->c.busy++;
            web_reply_error(r, 503, "too many password checks are waiting; try again");
        }
        return;
    }
    r->cred_right = web_auth_anonymous(w->auth);
    run(r);
}

web_http_t *web_http_new(web_t *w)
{
    web_http_t *h = xcalloc(1, sizeof(*h));
    h->w = w;
    return h;
}

void web_http_destroy(web_http_t **ph)
{
    if (!ph || !*ph) {
        return;
    }
    for (int i = 0; i < (*ph)->n; i++) {
        evhttp_free((*ph)->l[i].http);
    }
    free(*ph);
    *ph = NULL;
}

int web_http_listen(web_http_t *h, int port, bool api, struct web_tls *tls)
{
    if (h->n >= MAX_LISTENERS) {
        return -ENOSPC;
    }
    struct evhttp *http = evhttp_new(h->w->d->base);
    if (!http) {
        return -ENOMEM;
    }
    if (evhttp_bind_socket(http, "0.0.0.0", (ev_uint16_t)port) < 0) {
        int e = errno ? errno : EADDRINUSE;
        evhttp_free(http);
        return -e;
    }
    listener_t *l = &h->l[h->n++];
    l->h = h;
    l->http = http;
    l->api = api;
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                         EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                         EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(http, 16384);
    /* Bodies up to 1 MiB reach the pipeline, which answers 413 in JSON above
     * WEB_BODY_MAX; larger ones are cut off by evhttp itself. */
    evhttp_set_max_body_size(http, 1 << 20);
    evhttp_set_timeout(http, 60);
    evhttp_set_gencb(http, on_request, l);
    if (tls) {
        web_tls_attach(tls, http);
        h->secure = true;
    }
    return 0;
}

/*
 * web_http: the HTTP front of clusterpro_webmgr (libevent evhttp).
 *
 * Every request goes through one path: client address against the IP lists
 * (web_acl), credentials (session cookie, else HTTP Basic, else none: see
 * web_auth), the route table (web_routes.c: method, path pattern, the right it
 * needs, handler), CSRF / Origin checks for POSTs, the JSON body for POSTs, and
 * then the handler. Whatever goes wrong is answered with a JSON error
 * {"result":{"code":C,"message":M}} where C is the HTTP status; nothing a
 * client sends can crash the daemon.
 *
 * A handler answers exactly once, at once or later (after asking the core),
 * with one of the web_reply_* functions, which free the request.
 */
#ifndef WEB_HTTP_H
#define WEB_HTTP_H

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdbool.h>
#include <stdint.h>

#include "clp_proto/cluster.pb-c.h"
#include "web.h"
#include "web_json.h"

#define WEB_BODY_MAX (64 * 1024) /* JSON bodies larger than this get 413 */
#define WEB_MAX_PARAMS 4

enum { WEB_GET = 1, WEB_POST = 2 };

typedef struct web_req web_req_t;
typedef void (*web_handler_fn)(web_req_t *r);

typedef struct {
    unsigned methods;    /* WEB_GET | WEB_POST */
    const char *pattern; /* "/api/v1/groups/{}/move"; "{}" = one segment; a final "*" = the rest */
    web_right_t need;
    web_handler_fn fn;
} web_route_t;

struct web_req {
    web_t *w;
    struct evhttp_request *req;
    unsigned method; /* WEB_GET or WEB_POST (HEAD is a GET) */
    char path[1024]; /* decoded */
    char segs[1024]; /* path split at '/', for the params */
    const char *param[WEB_MAX_PARAMS];
    int n_param;
    struct evkeyvalq query;
    bool have_query;
    char client[64];      /* the client's address */
    bool api_port;        /* came in on the REST API port */
    bool by_session;      /* credentials were the session cookie */
    bool had_credentials; /* a cookie or Authorization header was given */
    web_right_t ip_right; /* most the client's address allows */
    web_right_t cred_right;
    web_right_t right; /* min(ip_right, cred_right) */
    char csrf[65];     /* the session's CSRF token */
    char session_id[65];
    const web_route_t *route;
    wjv_t *body; /* parsed POST body (NULL when empty) */
    uint64_t t0_ms;
    /* for handlers that wait for the status or a daemon */
    void (*then)(web_req_t *r, const Clp__ClusterStatus *st);
    void *ctx;
    int op;
};

/* The route table (web_routes.c), terminated by a row with fn == NULL. */
extern const web_route_t web_routes[];

web_http_t *web_http_new(web_t *w);
void web_http_destroy(web_http_t **h);

/* Listens on port (all IPv4 addresses); api marks the REST API port; tls (may
 * be NULL) makes it HTTPS. Returns 0 or -errno. */
struct web_tls;
int web_http_listen(web_http_t *h, int port, bool api, struct web_tls *tls);

/* Matches path against pattern, filling params (pointers into segs, a scratch
 * copy of path). Returns true on a match. Pure: unit-tested. */
bool web_route_match(const char *pattern, const char *path, char *segs, size_t segs_len,
                     const char **params, int *n_params);

/* The preferred language from an Accept-Language value: "ja" or "en". */
const char *web_pick_lang(const char *accept_language);

/* A query parameter, or NULL. */
const char *web_query(web_req_t *r, const char *key);

/* "WebManager" or "REST API": who asked, for alerts and requester strings. */
const char *web_via(const web_req_t *r);

/* Sends body (may be NULL) with code and content type, then frees r and body. */
void web_reply(web_req_t *r, int code, const char *ctype, struct evbuffer *body);

/* Starts a JSON reply {"result":{"code":0,"message":"Command succeeded."}, ... }:
 * the caller adds members with w and ends with web_reply_json. */
struct evbuffer *web_json_begin(wj_t *w);
/* Closes the object opened by web_json_begin and sends it (200). */
void web_reply_json(web_req_t *r, wj_t *w);
/* {"result":{"code":code,"message":...}} with HTTP status code. */
void web_reply_error(web_req_t *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* {"result":{"code":0,"message":msg}} with 200. */
void web_reply_ok(web_req_t *r, const char *msg);

/* Whether the listeners speak HTTPS. */
bool web_http_secure(const web_http_t *h);

/* Counters for /metrics. */
typedef struct {
    unsigned long requests, by_class[6], denied, unauthorized, bad_json, not_found;
    unsigned long operations, busy;
    double latency_sum_ms;
} web_http_counters_t;
const web_http_counters_t *web_http_counters(const web_http_t *h);

#endif

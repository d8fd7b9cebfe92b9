/*
 * web_api_session: login and logout of the browser, and what the page needs
 * to know about its session (rights, CSRF token, language).
 *
 *   GET  /api/v1/session   {"session":{"right","authenticated","passwords","csrf","lang",...}}
 *   POST /api/v1/login     {"password":"..."} -> Set-Cookie CLPSESSION=...; {"session":{...}}
 *   POST /api/v1/logout
 */
#define CLP_LOG_TAG "webmgr.session"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "clp_log.h"
#include "clp_time.h"
#include "web_api.h"

static void write_session(wj_t *w, web_req_t *r, web_right_t cred, const char *csrf)
{
    web_right_t eff = cred < r->ip_right ? cred : r->ip_right;
    wj_obj(w, "session");
    wj_str(w, "right", web_right_name(eff));
    wj_bool(w, "authenticated", csrf != NULL);
    wj_bool(w, "passwords", web_auth_has_passwords(r->w->auth));
    wj_str(w, "anonymous_right", web_right_name(web_auth_anonymous(r->w->auth)));
    wj_str(w, "client", r->client);
    wj_str(w, "client_limit", web_right_name(r->ip_right));
    if (csrf) {
        wj_str(w, "csrf", csrf);
    }
    wj_str(w, "lang",
           web_pick_lang(
               evhttp_find_header(evhttp_request_get_input_headers(r->req), "Accept-Language")));
    wj_str(w, "server", r->w->d->server);
    wj_str(w, "cluster", r->w->d->conf->cluster.name);
    wj_str(w, "version", CLP_VERSION);
    wj_end(w);
}

void api_get_session(web_req_t *r)
{
    wj_t w;
    web_json_begin(&w);
    write_session(&w, r, r->cred_right, r->by_session ? r->csrf : NULL);
    web_reply_json(r, &w);
}

static void after_check(void *arg, web_right_t right)
{
    web_req_t *r = arg;
    if (right == WEB_RIGHT_NONE) {
        clp_info("login refused for %s: wrong password", r->client);
        web_reply_error(r, 401, "wrong password");
        return;
    }
    const web_session_t *s = web_session_create(r->w->sessions, right, clp_mono_ms());
    char cookie[160];
    snprintf(cookie, sizeof(cookie), "CLPSESSION=%s; Path=/; HttpOnly; SameSite=Strict%s", s->id,
             web_http_secure(r->w->http) ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Set-Cookie", cookie);
    clp_info("login from %s: %s rights", r->client, web_right_name(right));
    wj_t w;
    web_json_begin(&w);
    write_session(&w, r, right, s->csrf);
    web_reply_json(r, &w);
}

void api_post_login(web_req_t *r)
{
    const char *pw = wjv_get_str(r->body, "password");
    if (!pw) {
        web_reply_error(r, 400, "\"password\" is required");
        return;
    }
    if (!web_auth_has_passwords(r->w->auth)) {
        after_check(r, web_auth_anonymous(r->w->auth));
        return;
    }
    if (web_auth_check(r->w->auth, pw, after_check, r) < 0) {
        web_reply_error(r, 503, "too many password checks are waiting; try again");
    }
}

void api_post_logout(web_req_t *r)
{
    if (r->by_session) {
        web_session_end(r->w->sessions, r->session_id);
    }
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Set-Cookie",
                      "CLPSESSION=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    web_reply_ok(r, "Logged out.");
}

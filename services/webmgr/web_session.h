/*
 * web_session: the browser's login sessions.
 *
 * A session is created at login with the rights the password gave. Its id (32
 * random bytes, hex) travels in an HttpOnly, SameSite=Strict cookie; its CSRF
 * token (another 32 random bytes) is given to the page in the login reply and
 * must come back in the X-CSRF-Token header of every POST. A session ends at
 * logout, after WEB_SESSION_IDLE_MS without a request, or when the table is
 * full and it is the least recently used.
 */
#ifndef WEB_SESSION_H
#define WEB_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "web_acl.h"

#define WEB_SESSION_MAX 256
#define WEB_SESSION_IDLE_MS (30u * 60u * 1000u)

typedef struct {
    char id[65];
    char csrf[65];
    web_right_t right;
    uint64_t last_ms; /* monotonic */
    bool used;
} web_session_t;

typedef struct web_sessions web_sessions_t;

web_sessions_t *web_sessions_new(void);
void web_sessions_destroy(web_sessions_t **s);

/* A new session with right, at monotonic time now. Never fails (evicts). */
const web_session_t *web_session_create(web_sessions_t *s, web_right_t right, uint64_t now);

/* The live session with id (touched: its idle time restarts), or NULL. */
const web_session_t *web_session_find(web_sessions_t *s, const char *id, uint64_t now);

/* Ends the session with id; no-op when there is none. */
void web_session_end(web_sessions_t *s, const char *id);

/* Whether token is the session's CSRF token (constant-time). */
bool web_session_csrf_ok(const web_session_t *sess, const char *token);

/* Live sessions. */
size_t web_sessions_count(web_sessions_t *s, uint64_t now);

#endif

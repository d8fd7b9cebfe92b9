/*
 * web_session: a fixed table of sessions, found by constant-time comparison.
 */
#include "web_session.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "clp_xalloc.h"

struct web_sessions {
    web_session_t s[WEB_SESSION_MAX];
};

static void random_hex(char out[65])
{
    unsigned char b[32];
    randombytes_buf(b, sizeof(b));
    sodium_bin2hex(out, 65, b, sizeof(b));
}

static bool live(const web_session_t *x, uint64_t now)
{
    return x->used && now - x->last_ms < WEB_SESSION_IDLE_MS;
}

web_sessions_t *web_sessions_new(void)
{
    if (sodium_init() < 0) {
        return NULL;
    }
    return xcalloc(1, sizeof(web_sessions_t));
}

void web_sessions_destroy(web_sessions_t **ps)
{
    if (ps && *ps) {
        sodium_memzero(*ps, sizeof(**ps));
        free(*ps);
        *ps = NULL;
    }
}

const web_session_t *web_session_create(web_sessions_t *s, web_right_t right, uint64_t now)
{
    web_session_t *victim = &s->s[0];
    for (size_t i = 0; i < WEB_SESSION_MAX; i++) {
        web_session_t *x = &s->s[i];
        if (!live(x, now)) {
            victim = x;
            break;
        }
        if (x->last_ms < victim->last_ms) {
            victim = x;
        }
    }
    memset(victim, 0, sizeof(*victim));
    random_hex(victim->id);
    random_hex(victim->csrf);
    victim->right = right;
    victim->last_ms = now;
    victim->used = true;
    return victim;
}

const web_session_t *web_session_find(web_sessions_t *s, const char *id, uint64_t now)
{
    if (!id || strlen(id) != 64) {
        return NULL;
    }
    for (size_t i = 0; i < WEB_SESSION_MAX; i++) {
        web_session_t *x = &s->s[i];
        if (x->used && sodium_memcmp(x->id, id, 64) == 0) {
            if (!live(x, now)) {
                memset(x, 0, sizeof(*x));
                return NULL;
            }
            x->last_ms = now;
            return x;
        }
    }
    return NULL;
}

void web_session_end(web_sessions_t *s, const char *id)
{
    if (!id || strlen(id) != 64) {
        return;
    }
    for (size_t i = 0; i < WEB_SESSION_MAX; i++) {
        web_session_t *x = &s->s[i];
        if (x->used && sodium_memcmp(x->id, id, 64) == 0) {
            memset(x, 0, sizeof(*x));
        }
    }
}

bool web_session_csrf_ok(const web_session_t *sess, const char *token)
{
    return sess && token && strlen(token) == 64 && sodium_memcmp(sess->csrf, token, 64) == 0;
}

size_t web_sessions_count(web_sessions_t *s, uint64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < WEB_SESSION_MAX; i++) {
        n += live(&s->s[i], now);
    }
    return n;
}

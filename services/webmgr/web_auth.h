/*
 * web_auth: who may do what, from the passwords of clp.conf.
 *
 * webmgr/security/password/operation and .../reference hold libsodium
 * crypto_pwhash_str strings ("$argon2id$v=19$m=...,t=...,p=...$salt$hash",
 * made by clpwebpasswd). The rights without any password:
 *   neither password set            operation
 *   only the operation password     reference
 *   a reference password set        none
 * A password that matches the operation hash gives operation rights, one that
 * matches the reference hash gives reference rights (operation when no
 * operation password is set).
 *
 * Argon2 takes tens of milliseconds on purpose, so a check never runs in the
 * event loop: a worker thread verifies, and its result comes back to the loop
 * through a pipe. Verified answers are remembered for a few minutes under a
 * keyed hash of the password (never the password itself), so HTTP Basic
 * clients that send their password with every request cost one check, not
 * one per request. At most WEB_AUTH_QUEUE checks wait at once; more are
 * refused (the caller answers 503).
 */
#ifndef WEB_AUTH_H
#define WEB_AUTH_H

#include <event2/event.h>
#include <stdbool.h>

#include "web_acl.h"

#define WEB_AUTH_QUEUE 64

typedef struct web_auth web_auth_t;

/* hash_op / hash_ref may be NULL (no such password). Returns NULL when the
 * worker cannot be started. */
web_auth_t *web_auth_new(struct event_base *base, const char *hash_op, const char *hash_ref);
void web_auth_destroy(web_auth_t **a);

/* The rights of a request that brings no password. */
web_right_t web_auth_anonymous(const web_auth_t *a);

/* Whether any password is configured (the UI then shows a login form). */
bool web_auth_has_passwords(const web_auth_t *a);

/* Called once with the rights password gives (WEB_RIGHT_NONE: wrong). */
typedef void (*web_auth_fn)(void *arg, web_right_t right);

/* Checks password: fn runs at once when the answer is remembered, else from
 * the loop when the worker is done. Returns 0, or -EBUSY when too many checks
 * wait (fn is not called). */
int web_auth_check(web_auth_t *a, const char *password, web_auth_fn fn, void *arg);

/* Checks done by the worker (not answered from memory). */
unsigned long web_auth_verifications(const web_auth_t *a);

#endif

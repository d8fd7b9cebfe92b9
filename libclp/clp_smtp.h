/*
 * clp_smtp: alert mail. Composes an RFC 5322 message and sends it with a
 * small, blocking SMTP client (RFC 5321: EHLO, optional AUTH PLAIN or LOGIN,
 * MAIL, RCPT, DATA with dot-stuffing, QUIT). Every read and write waits at
 * most the server's timeout. Blocking by design: clusterpro_evt calls it in a
 * child process, never in its event loop.
 */
#ifndef CLP_SMTP_H
#define CLP_SMTP_H

#include <stddef.h>
#include <time.h>

#define CLP_SMTP_MAX_RCPT 32

typedef struct {
    const char *host;     /* SMTP server name or address */
    int port;             /* 25 when 0 */
    const char *from;     /* envelope and header sender */
    const char *username; /* NULL or "" = no authentication */
    const char *password;
    const char *authmethod; /* "PLAIN" (default) or "LOGIN" */
    int timeout_ms;         /* per step; 30000 when 0 */
} clp_smtp_server_t;

/* Splits a list of addresses separated by commas, semicolons or blanks into
 * at most max entries of buf (modified in place). Returns the count. */
size_t clp_smtp_split_addresses(char *buf, const char **out, size_t max);

/* Builds the message (headers, blank line, body) with CRLF line ends.
 * Returns a heap string the caller frees, or NULL on ENOMEM. */
char *clp_smtp_compose(const char *from, const char *const *to, size_t n_to, const char *subject,
                       const char *body, time_t date);

/* Sends msg (as composed) to every address of to through srv. Returns 0, or
 * -errno / -EPROTO with a sentence in err (the server's reply when it refused). */
int clp_smtp_send(const clp_smtp_server_t *srv, const char *const *to, size_t n_to, const char *msg,
                  char *err, size_t errlen);

#endif

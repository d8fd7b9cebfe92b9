/*
 * clp_http: a small blocking HTTP/1.0 client (plain TCP) for the HTTP witness,
 * the HTTP monitor and tests. Callers run it in a child process or thread.
 */
#ifndef CLP_HTTP_H
#define CLP_HTTP_H

#include <stddef.h>

typedef struct {
    int status;     /* HTTP status code */
    char *body;     /* NUL-terminated, caller frees */
    size_t body_len;
} clp_http_resp_t;

/* Sends method path to host:port with optional extra header lines
 * ("Name: value\r\n"...) and body; waits up to timeout_ms for the whole
 * exchange. Returns 0 (resp filled) or -errno (-ETIMEDOUT, -ECONNREFUSED, ...).
 * The response body is limited to max_body bytes (-EFBIG beyond). */
int clp_http_request(const char *host, int port, const char *method, const char *path,
                     const char *headers, const char *body, size_t body_len, int timeout_ms,
                     size_t max_body, clp_http_resp_t *resp);

void clp_http_resp_free(clp_http_resp_t *resp);

#endif

/*
 * httpw: HTTP monitor. Each check sends one request (parameters/requesttype:
 * 0 HEAD, 1 GET) for parameters/requesturi to parameters/servername:port and
 * reads the status line of the answer: 2xx and 3xx are normal; anything else,
 * no answer, a refused connection or a malformed answer is an error. With
 * parameters/username the request carries Basic authentication
 * (parameters/password as plain text).
 *
 * HTTPS (parameters/https 1) uses OpenSSL's libssl.so.3, loaded with dlopen()
 * at check time (Debian's libssl3 is on every system; nothing is linked into
 * the core). The server's certificate is not verified: the monitor asks
 * whether the service answers, as the original does, not whether it is
 * trusted. SNI carries the server name.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../mon.h"

/* Parses the status line at the start of buf (len bytes): "HTTP/x.y NNN ...".
 * Returns the status code, -EAGAIN when the line is not complete yet, or
 * -EPROTO when it is not an HTTP status line. */
static int httpw_status(const char *buf, size_t len)
{
    const char *eol = memchr(buf, '\n', len);
    if (!eol) {
        return len > 256 ? -EPROTO : -EAGAIN;
    }
    size_t n = (size_t)(eol - buf);
    if (n < 10 || strncmp(buf, "HTTP/", 5) != 0) {
        return -EPROTO;
    }
    const char *p = buf + 5;
    while (p < eol && *p != ' ') {
        if (!((*p >= '0' && *p <= '9') || *p == '.')) {
            return -EPROTO;
        }
        p++;
    }
    if (p + 4 > eol || p[0] != ' ') {
        return -EPROTO;
    }
    p++;
    for (int i = 0; i < 3; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -EPROTO;
        }
    }
    if (p + 3 < eol && p[3] != ' ' && p[3] != '\r') {
        return -EPROTO;
    }
    int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    return code >= 100 ? code : -EPROTO;
}

/* Standard base64 of in (n bytes) into out (room for 4*ceil(n/3)+1). */
static void httpw_base64(const unsigned char *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n) {
            v |= (unsigned)in[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= in[i + 2];
        }
        out[k++] = tab[(v >> 18) & 63];
        out[k++] = tab[(v >> 12) & 63];
        out[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[k] = '\0';
}

/* The request text into out. Returns its length, or -1 when it does not fit. */
static int httpw_request(char *out, size_t n, bool get, const char *host, int port, const char *uri,
                         const char *user, const char *pass)
{
    char auth[600] = "";
    if (user && user[0]) {
        char cred[400], b64[540];
        int cl = snprintf(cred, sizeof(cred), "%s:%s", user, pass ? pass : "");
        if (cl < 0 || (size_t)cl >= sizeof(cred)) {
            return -1;
        }
        httpw_base64((const unsigned char *)cred, (size_t)cl, b64);
        snprintf(auth, sizeof(auth), "Authorization: Basic %s\r\n", b64);
    }
    bool v6 = strchr(host, ':') != NULL;
    int r = snprintf(out, n,
                     "%s %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nUser-Agent: clusterpro-httpw\r\n"
                     "Accept: */*\r\nConnection: close\r\n%s\r\n",
                     get ? "GET" : "HEAD", uri && uri[0] ? uri : "/", v6 ? "[" : "", host,
                     v6 ? "]" : "", port, auth);
    return r < 0 || (size_t)r >= n ? -1 : r;
}

/* ---- OpenSSL, loaded at check time ---- */

typedef struct {
    void *lib;
    const void *(*client_method)(void);
    void *(*ctx_new)(const void *method);
    void *(*ssl_new)(void *ctx);
    int (*set_fd)(void *ssl, int fd);
    long (*ctrl)(void *ssl, int cmd, long larg, void *parg);
    int (*connect)(void *ssl);
    int (*write)(void *ssl, const void *buf, int n);
    int (*read)(void *ssl, void *buf, int n);
    unsigned long (*err_get)(void);
    void (*err_string)(unsigned long e, char *buf, size_t n);
    void *ssl;
} tls_t;

#define TLS_CTRL_SET_TLSEXT_HOSTNAME 55
#define TLS_NAMETYPE_HOST_NAME 0

static int tls_load(tls_t *t)
{
    memset(t, 0, sizeof(*t));
    t->lib = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!t->lib) {
        printf("HTTPS needs OpenSSL's libssl.so.3: %s", dlerror());
        return -1;
    }
    struct {
        const char *name;
        void **slot;
    } syms[] = {
        {"TLS_client_method", (void **)&t->client_method},
        {"SSL_CTX_new", (void **)&t->ctx_new},
        {"SSL_new", (void **)&t->ssl_new},
        {"SSL_set_fd", (void **)&t->set_fd},
        {"SSL_ctrl", (void **)&t->ctrl},
        {"SSL_connect", (void **)&t->connect},
        {"SSL_write", (void **)&t->write},
        {"SSL_read", (void **)&t->read},
        {"ERR_get_error", (void **)&t->err_get},
        {"ERR_error_string_n", (void **)&t->err_string},
    };
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        *syms[i].slot = dlsym(t->lib, syms[i].name);
        if (!*syms[i].slot) {
            printf("libssl.so.3 has no %s", syms[i].name);
            return -1;
        }
    }
    return 0;
}

static const char *tls_error(tls_t *t, char *buf, size_t n)
{
    unsigned long e = t->err_get();
    if (e) {
        t->err_string(e, buf, n);
    } else {
        snprintf(buf, n, "%s", errno ? strerror(errno) : "connection closed");
    }
    return buf;
}

/* ---- the exchange ---- */

static int connect_to(const char *host, int port, int timeout_s, char *err, size_t n)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", port);
    int gai = getaddrinfo(host, ps, &hints, &res);
    if (gai != 0) {
        snprintf(err, n, "cannot resolve %s: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        struct timeval tv = {.tv_sec = timeout_s};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, n, "cannot connect to %s port %d: %s", host, port,
                 strerror(e == EINPROGRESS ? ETIMEDOUT : e));
    }
    return fd;
}

static int check(mon_ctx_t *ctx)
{
    const char *host = mon_param(ctx, "parameters/servername");
    long port = mon_param_int(ctx, "parameters/port", 80);
    const char *uri = mon_param(ctx, "parameters/requesturi");
    bool https = mon_param_int(ctx, "parameters/https", 0) != 0;
    bool get = mon_param_int(ctx, "parameters/requesttype", 0) != 0;
    const char *user = mon_param(ctx, "parameters/username");
    const char *pass = mon_param(ctx, "parameters/password");
    if (!host || !host[0]) {
        host = "localhost";
    }
    if (!uri || !uri[0]) {
        uri = "/";
    }
    char req[2048], err[256];
    int rl = httpw_request(req, sizeof(req), get, host, (int)port, uri, user, pass);
    if (rl < 0) {
        printf("the request for %s is too long", uri);
        return MON_CHECK_ERROR;
    }
    tls_t tls = {0};
    if (https && tls_load(&tls) < 0) {
        return MON_CHECK_ERROR;
    }
    int tmo = ctx->mon->timeout_s > 1 ? ctx->mon->timeout_s : 1;
    int fd = connect_to(host, (int)port, tmo, err, sizeof(err));
    if (fd < 0) {
        printf("%s", err);
        return MON_CHECK_ERROR;
    }
    const char *scheme = https ? "https" : "http";
    if (https) {
        void *sctx = tls.ctx_new(tls.client_method());
        tls.ssl = sctx ? tls.ssl_new(sctx) : NULL;
        if (!tls.ssl || tls.set_fd(tls.ssl, fd) != 1) {
            printf("cannot set up TLS: %s", tls_error(&tls, err, sizeof(err)));
            close(fd);
            return MON_CHECK_ERROR;
        }
        tls.ctrl(tls.ssl, TLS_CTRL_SET_TLSEXT_HOSTNAME, TLS_NAMETYPE_HOST_NAME, (void *)host);
        errno = 0;
        if (tls.connect(tls.ssl) != 1) {
            printf("TLS handshake with %s port %ld failed: %s", host, port,
                   tls_error(&tls, err, sizeof(err)));
            close(fd);
            return MON_CHECK_ERROR;
        }
    }
    errno = 0;
    ssize_t w = https ? tls.write(tls.ssl, req, rl) : send(fd, req, (size_t)rl, MSG_NOSIGNAL);
    if (w != rl) {
        printf("cannot send the request to %s://%s:%ld%s: %s", scheme, host, port, uri,
               https ? tls_error(&tls, err, sizeof(err)) : strerror(errno ? errno : EPIPE));
        close(fd);
        return MON_CHECK_ERROR;
    }
    char buf[1024];
    size_t len = 0;
    int code = -EAGAIN;
    while (code == -EAGAIN && len < sizeof(buf)) {
        errno = 0;
        ssize_t r = https ? tls.read(tls.ssl, buf + len, (int)(sizeof(buf) - len))
                          : recv(fd, buf + len, sizeof(buf) - len, 0);
        if (r < 0 && !https && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        len += (size_t)r;
        code = httpw_status(buf, len);
    }
    int e = errno;
    close(fd);
    if (code == -EAGAIN) {
        printf("no answer from %s://%s:%ld%s%s%s", scheme, host, port, uri, e ? ": " : "",
               e ? strerror(e == EAGAIN ? ETIMEDOUT : e) : "");
        return MON_CHECK_ERROR;
    }
    if (code < 0) {
        printf("%s://%s:%ld%s did not answer with an HTTP status line", scheme, host, port, uri);
        return MON_CHECK_ERROR;
    }
    if (code >= 200 && code < 400) {
        return MON_CHECK_OK;
    }
    printf("%s %s://%s:%ld%s answered HTTP status %d", get ? "GET" : "HEAD", scheme, host, port,
           uri, code);
    return MON_CHECK_ERROR;
}

const mon_type_t mon_httpw = {
    .name = "httpw",
    .inproc = false,
    .check = check,
};

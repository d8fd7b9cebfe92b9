/*
 * clp_smtp: message composition and the SMTP dialogue.
 */
#include "clp_smtp.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

size_t clp_smtp_split_addresses(char *buf, const char **out, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",; \t\r\n", &save); t && n < max;
         t = strtok_r(NULL, ",; \t\r\n", &save)) {
        out[n++] = t;
    }
    return n;
}

typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} buf_t;

static void bput(buf_t *b, const char *s, size_t len)
{
    if (b->oom) {
        return;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, len);
    b->len += len;
    b->p[b->len] = '\0';
}

static void bputs(buf_t *b, const char *s)
{
    bput(b, s, strlen(s));
}

/* Appends text with every line end made CRLF. */
static void bput_crlf(buf_t *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\r') {
            continue;
        }
        if (*p == '\n') {
            bputs(b, "\r\n");
        } else {
            bput(b, p, 1);
        }
    }
}

char *clp_smtp_compose(const char *from, const char *const *to, size_t n_to, const char *subject,
                       const char *body, time_t date)
{
    buf_t b = {0};
    char line[512];
    struct tm tm;

    localtime_r(&date, &tm);
    strftime(line, sizeof(line), "Date: %a, %d %b %Y %H:%M:%S %z\r\n", &tm);
    bputs(&b, line);
    snprintf(line, sizeof(line), "From: %s\r\n", from);
    bputs(&b, line);
    bputs(&b, "To: ");
    for (size_t i = 0; i < n_to; i++) {
        bputs(&b, i ? ", " : "");
        bputs(&b, to[i]);
    }
    bputs(&b, "\r\nSubject: ");
    bput_crlf(&b, subject);
    bputs(&b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\n");
    bput_crlf(&b, body);
    if (b.len < 2 || strcmp(b.p + b.len - 2, "\r\n") != 0) {
        bputs(&b, "\r\n");
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

typedef struct {
    int fd;
    int timeout_ms;
    char in[4096];
    size_t in_len;
    char *err;
    size_t errlen;
} conn_t;

static int set_err(conn_t *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int set_err(conn_t *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static int wait_fd(conn_t *c, short events)
{
    struct pollfd p = {.fd = c->fd, .events = events};
    int n = poll(&p, 1, c->timeout_ms);
    if (n == 0) {
        return -ETIMEDOUT;
    }
    return n < 0 ? -errno : 0;
}

static int send_all(conn_t *c, const char *s, size_t len)
{
    while (len > 0) {
        int rc = wait_fd(c, POLLOUT);
        if (rc < 0) {
            return set_err(c, rc, "cannot send to the SMTP server: %s", strerror(-rc));
        }
        ssize_t w = send(c->fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            return set_err(c, -errno, "cannot send to the SMTP server: %s", strerror(errno));
        }
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads one reply (all its lines); returns the 3-digit code or -errno. The
 * last line is left in c->err for messages. */
static int read_reply(conn_t *c)
{
    for (;;) {
        char *nl = memchr(c->in, '\n', c->in_len);
        if (nl) {
            size_t ll = (size_t)(nl - c->in) + 1;
            char line[sizeof(c->in) + 1];
            memcpy(line, c->in, ll);
            line[ll] = '\0';
            memmove(c->in, c->in + ll, c->in_len - ll);
            c->in_len -= ll;
            line[strcspn(line, "\r\n")] = '\0';
            if (strlen(line) < 3 || line[0] < '1' || line[0] > '5') {
                return set_err(c, -EPROTO, "SMTP server sent a malformed reply: %.200s", line);
            }
            if (line[3] == '-') {
                continue;
            }
            snprintf(c->err, c->errlen, "%s", line);
            return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        }
        if (c->in_len == sizeof(c->in)) {
            return set_err(c, -EPROTO, "SMTP server sent an over-long line");
        }
        int rc = wait_fd(c, POLLIN);
        if (rc < 0) {
            return set_err(c, rc, "no reply from the SMTP server: %s", strerror(-rc));
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
        if (r == 0) {
            return set_err(c, -ECONNRESET, "the SMTP server closed the connection");
        }
        if (r < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                continue;
            }
            return set_err(c, -errno, "cannot read from the SMTP server: %s", strerror(errno));
        }
        c->in_len += (size_t)r;
    }
}

/* Sends a command line and expects a reply code of class want (2 or 3). */
static int command(conn_t *c, int want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int command(conn_t *c, int want, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line) - 2) {
        return set_err(c, -EINVAL, "SMTP command too long");
    }
    memcpy(line + n, "\r\n", 3);
    int rc = send_all(c, line, (size_t)n + 2);
    if (rc < 0) {
        return rc;
    }
    rc = read_reply(c);
    if (rc < 0) {
        return rc;
    }
    if (rc / 100 != want) {
        char reply[256];
        snprintf(reply, sizeof(reply), "%s", c->err);
        line[strcspn(line, " \r")] = '\0';
        return set_err(c, -EPROTO, "SMTP server refused %s: %s", line, reply);
    }
    return 0;
}

static int dial(conn_t *c, const char *host, int port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ports[16];
    int rc = -EHOSTUNREACH;

    snprintf(ports, sizeof(ports), "%d", port > 0 ? port : 25);
    int g = getaddrinfo(host, ports, &hints, &res);
    if (g != 0) {
        return set_err(c, -EHOSTUNREACH, "cannot resolve SMTP server %s: %s", host,
                       gai_strerror(g));
    }
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        c->fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            rc = -errno;
            continue;
        }
        if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            rc = wait_fd(c, POLLOUT);
            if (rc == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && !soerr) {
                freeaddrinfo(res);
                return 0;
            }
            rc = rc < 0 ? rc : -(soerr ? soerr : ECONNREFUSED);
        } else {
            rc = -errno;
        }
        close(c->fd);
        c->fd = -1;
    }
    freeaddrinfo(res);
    return set_err(c, rc, "cannot connect to SMTP server %s:%s: %s", host, ports, strerror(-rc));
}

static int authenticate(conn_t *c, const clp_smtp_server_t *srv)
{
    char raw[512], b64[sodium_base64_ENCODED_LEN(512, sodium_base64_VARIANT_ORIGINAL)];
    size_t ul = strlen(srv->username), pl = strlen(srv->password ? srv->password : "");

    if (ul + pl + 2 > sizeof(raw)) {
        return set_err(c, -EINVAL, "SMTP user name or password too long");
    }
    if (srv->authmethod && strcasecmp(srv->authmethod, "LOGIN") == 0) {
        int rc = command(c, 3, "AUTH LOGIN");
        if (rc == 0) {
            sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)srv->username, ul,
                              sodium_base64_VARIANT_ORIGINAL);
            rc = command(c, 3, "%s", b64);
        }
        if (rc == 0) {
            sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)srv->password, pl,
                              sodium_base64_VARIANT_ORIGINAL);
            rc = command(c, 2, "%s", b64);
        }
        return rc;
    }
    raw[0] = '\0';
    memcpy(raw + 1, srv->username, ul);
    raw[ul + 1] = '\0';
    memcpy(raw + ul + 2, srv->password ? srv->password : "", pl);
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)raw, ul + pl + 2,
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(raw, sizeof(raw));
    return command(c, 2, "AUTH PLAIN %s", b64);
}

/* The message body with dot-stuffing and the final dot line. */
static int send_data(conn_t *c, const char *msg)
{
    buf_t b = {0};
    int bol = 1;
    for (const char *p = msg; *p; p++) {
        if (bol && *p == '.') {
            bputs(&b, ".");
        }
        bput(&b, p, 1);
        bol = *p == '\n';
    }
    bputs(&b, bol ? ".\r\n" : "\r\n.\r\n");
    if (b.oom) {
        free(b.p);
        return set_err(c, -ENOMEM, "out of memory");
    }
    int rc = send_all(c, b.p, b.len);
    free(b.p);
    if (rc == 0) {
        rc = read_reply(c);
        if (rc >= 0 && rc / 100 != 2) {
            char reply[256];
            snprintf(reply, sizeof(reply), "%s", c->err);
            return set_err(c, -EPROTO, "SMTP server refused the message: %s", reply);
        }
    }
    return rc < 0 ? rc : 0;
}

int clp_smtp_send(const clp_smtp_server_t *srv, const char *const *to, size_t n_to, const char *msg,
                  char *err, size_t errlen)
{
    conn_t c = {.fd = -1,
                .timeout_ms = srv->timeout_ms > 0 ? srv->timeout_ms : 30000,
                .err = err,
                .errlen = errlen};
    char host[256];
    int rc;

    if (n_to == 0) {
        return set_err(&c, -EINVAL, "no mail address is set");
    }
    if ((rc = dial(&c, srv->host, srv->port)) < 0) {
        return rc;
    }
    if (gethostname(host, sizeof(host)) < 0) {
        snprintf(host, sizeof(host), "localhost");
    }
    rc = read_reply(&c);
    if (rc >= 0 && rc / 100 != 2) {
        rc = set_err(&c, -EPROTO, "SMTP server is not ready: %.200s", err);
    }
    if (rc >= 0) {
        rc = command(&c, 2, "EHLO %s", host);
    }
    if (rc >= 0 && srv->username && srv->username[0]) {
        rc = authenticate(&c, srv);
    }
    if (rc >= 0) {
        rc = command(&c, 2, "MAIL FROM:<%s>", srv->from ? srv->from : "");
    }
    for (size_t i = 0; rc >= 0 && i < n_to; i++) {
        rc = command(&c, 2, "RCPT TO:<%s>", to[i]);
    }
    if (rc >= 0) {
        rc = command(&c, 3, "DATA");
    }
    if (rc >= 0) {
        rc = send_data(&c, msg);
    }
    if (rc >= 0) {
        command(&c, 2, "QUIT");
        err[0] = '\0';
        rc = 0;
    }
    close(c.fd);
    return rc;
}

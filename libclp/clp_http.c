/*
 * clp_http: connect with a deadline, send the request, read until close.
 */
#include "clp_http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_time.h"

static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = clp_mono_ms();
        if (now >= deadline) {
            return -ETIMEDOUT;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)(deadline - now));
        if (r > 0) {
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            return -errno;
        }
    }
}

static int connect_to(const char *host, int port, uint64_t deadline)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0) {
        return -EHOSTUNREACH;
    }
    int err = -ECONNREFUSED;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = -errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
            err = -errno;
            close(fd);
            continue;
        }
        int w = wait_fd(fd, POLLOUT, deadline);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (w == 0) {
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        }
        if (w == 0 && soerr == 0) {
            freeaddrinfo(res);
            return fd;
        }
        err = w < 0 ? w : -soerr;
        close(fd);
    }
    freeaddrinfo(res);
    return err;
}

static int send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN) {
                int w = wait_fd(fd, POLLOUT, deadline);
                if (w < 0) {
                    return w;
                }
                continue;
            }
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int clp_http_request(const char *host, int port, const char *method, const char *path,
                     const char *headers, const char *body, size_t body_len, int timeout_ms,
                     size_t max_body, clp_http_resp_t *resp)
{
    uint64_t deadline = clp_mono_ms() + (uint64_t)timeout_ms;
    memset(resp, 0, sizeof(*resp));
    int fd = connect_to(host, port, deadline);
    if (fd < 0) {
        return fd;
    }
    char head[2048];
    int hl = snprintf(head, sizeof(head),
                      "%s %s HTTP/1.0\r\nHost: %s:%d\r\nConnection: close\r\n"
                      "Content-Length: %zu\r\n%s\r\n",
                      method, path, host, port, body ? body_len : 0, headers ? headers : "");
    if (hl < 0 || (size_t)hl >= sizeof(head)) {
        close(fd);
        return -ENAMETOOLONG;
    }
    int rc = send_all(fd, head, (size_t)hl, deadline);
    if (rc == 0 && body && body_len) {
        rc = send_all(fd, body, body_len, deadline);
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    size_t cap = 4096, len = 0, limit = max_body + 8192;
    char *buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= limit) {
                free(buf);
                close(fd);
                return -EFBIG;
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                close(fd);
                return -ENOMEM;
            }
            buf = nb;
        }
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (n == 0) {
            break;
        }
        if (errno == EAGAIN) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w < 0) {
                free(buf);
                close(fd);
                return w;
            }
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        rc = -errno;
        free(buf);
        close(fd);
        return rc;
    }
    close(fd);
    buf[len] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1) {
        free(buf);
        return -EPROTO;
    }
    char *sep = strstr(buf, "\r\n\r\n");
    size_t off = sep ? (size_t)(sep - buf) + 4 : len;
    if (len - off > max_body) {
        free(buf);
        return -EFBIG;
    }
    resp->status = status;
    resp->body_len = len - off;
    resp->body = malloc(resp->body_len + 1);
    if (!resp->body) {
        free(buf);
        return -ENOMEM;
    }
    memcpy(resp->body, buf + off, resp->body_len);
    resp->body[resp->body_len] = '\0';
    free(buf);
    return 0;
}

void clp_http_resp_free(clp_http_resp_t *resp)
{
    free(resp->body);
    resp->body = NULL;
}

/*
 * http_responder - the service behind the floating address in the failover
 * benchmarks: a tiny HTTP/1.0 server whose every answer is the name of the
 * server it runs on, so the probe (failover_probe.c) can tell which server
 * answered. The same binary serves our product and the peers (keepalived,
 * Pacemaker), so their figures compare.
 *
 * One process, one poll loop, no fork per connection: it reads the request
 * head (up to an empty line, 2 KiB or 1 s), writes
 *
 *   HTTP/1.0 200 OK, Content-Length, Connection: close, then "NAME\n"
 *
 * and closes. Reading the request before closing makes the close a FIN, not a
 * RST that could discard the answer at the client. It listens on the
 * wildcard address, so it may start before or after the floating address is
 * added. NAME is -n NAME, else the host name (uname -n: srvK on the bed).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX_CONNS 512
#define RESP_HEAD_MAX 2048
#define RESP_IDLE_S 1.0

struct resp_conn {
    int fd;
    double t_accept;
    size_t len;
    char buf[RESP_HEAD_MAX];
};

struct responder {
    int lfd;
    char answer[256];
    size_t answer_len;
    struct resp_conn conns[RESP_MAX_CONNS];
};

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int listen_on(const char *addr, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1, fd;

    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        return -EINVAL;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* The floating address may not be there yet when bound to it. */
    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1024) < 0) {
        int err = -errno;

        close(fd);
        return err;
    }
    return fd;
}

static void conn_close(struct resp_conn *c)
{
    close(c->fd);
    c->fd = -1;
}

static void conn_accept(struct responder *r)
{
    for (;;) {
        int fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct resp_conn *c = NULL;

        if (fd < 0) {
            return;
        }
        for (int i = 0; i < RESP_MAX_CONNS; i++) {
            if (r->conns[i].fd < 0) {
                c = &r->conns[i];
                break;
            }
        }
        if (!c) {
            close(fd); /* full: the client sees a reset, counted as an error */
            continue;
        }
        c->fd = fd;
        c->len = 0;
        c->t_accept = now_mono();
    }
}

/* Reads what the client sent; answers and closes once the head is complete. */
static void conn_read(struct responder *r, struct resp_conn *c)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);

    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    if (!strstr(c->buf, "\r\n\r\n") && !strstr(c->buf, "\n\n") && c->len < sizeof(c->buf) - 1) {
        return;
    }
    if (send(c->fd, r->answer, r->answer_len, MSG_NOSIGNAL) < 0) {
        /* the client is gone: nothing to do */
    }
    conn_close(c);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: http_responder [-b ADDR] [-p PORT] [-n NAME] [-P PIDFILE]\n"
               "  answers every HTTP request with NAME (default: uname -n) on ADDR:PORT\n"
               "  (default 0.0.0.0:80); SIGTERM/SIGINT stop it.\n");
}

int main(int argc, char **argv)
{
    static struct responder r;
    struct pollfd pfd[RESP_MAX_CONNS + 1];
    int map[RESP_MAX_CONNS + 1];
    const char *addr = "0.0.0.0", *name = NULL, *pidfile = NULL;
    struct utsname u;
    struct sigaction sa;
    int port = 80, c;

    while ((c = getopt(argc, argv, "b:p:n:P:h")) != -1) {
        switch (c) {
        case 'b':
            addr = optarg;
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'n':
            name = optarg;
            break;
        case 'P':
            pidfile = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || port <= 0 || port > 65535) {
        usage(stderr);
        return 2;
    }
    if (!name) {
        if (uname(&u) < 0) {
            perror("http_responder: uname");
            return 1;
        }
        name = u.nodename;
    }
    r.answer_len = (size_t)snprintf(r.answer, sizeof(r.answer),
                                    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                                    strlen(name) + 1, name);
    if (r.answer_len >= sizeof(r.answer)) {
        fprintf(stderr, "http_responder: name too long\n");
        return 2;
    }
    r.lfd = listen_on(addr, port);
    if (r.lfd < 0) {
        fprintf(stderr, "http_responder: cannot listen on %s:%d: %s\n", addr, port,
                strerror(-r.lfd));
        return 1;
    }
    if (pidfile) {
        FILE *f = fopen(pidfile, "w");

        if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
            fprintf(stderr, "http_responder: cannot write %s\n", pidfile);
            return 1;
        }
    }
    for (int i = 0; i < RESP_MAX_CONNS; i++) {
        r.conns[i].fd = -1;
    }
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_flag) {
        double t = now_mono();
        int n = 1;

        pfd[0].fd = r.lfd;
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        for (int i = 0; i < RESP_MAX_CONNS; i++) {
            if (r.conns[i].fd < 0) {
                continue;
            }
            if (t - r.conns[i].t_accept > RESP_IDLE_S) {
                conn_close(&r.conns[i]);
                continue;
            }
            pfd[n].fd = r.conns[i].fd;
            pfd[n].events = POLLIN;
            pfd[n].revents = 0;
            map[n++] = i;
        }
        if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR) {
            perror("http_responder: poll");
            return 1;
        }
        for (int k = 1; k < n; k++) {
            if (pfd[k].revents) {
                conn_read(&r, &r.conns[map[k]]);
            }
        }
        if (pfd[0].revents & POLLIN) {
            conn_accept(&r);
        }
    }
    if (pidfile) {
        unlink(pidfile);
    }
    return 0;
}

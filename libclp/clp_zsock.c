/*
 * clp_zsock: the ZMQ_FD drain loop and a few socket helpers.
 */
#define CLP_LOG_TAG "zsock"
#include "clp_zsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"

#define BATCH 256

struct clp_zwatch {
    struct event *ev;
    void *sock;
    clp_zwatch_fn fn;
    void *arg;
    unsigned long dropped;
};

static int read_message(clp_zwatch_t *w, zmq_msg_t *parts, int *nparts)
{
    int n = 0, more = 0, over = 0;
    zmq_msg_t junk;

    do {
        zmq_msg_t *m = n < CLP_ZSOCK_MAX_PARTS ? &parts[n] : &junk;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, w->sock, ZMQ_DONTWAIT) < 0) {
            int e = errno;
            zmq_msg_close(m);
            for (int i = 0; i < n && i < CLP_ZSOCK_MAX_PARTS; i++) {
                zmq_msg_close(&parts[i]);
            }
            return -e;
        }
        more = zmq_msg_more(m);
        if (m == &junk) {
            zmq_msg_close(&junk);
            over = 1;
        } else {
            n++;
        }
    } while (more);
    if (over) {
        for (int i = 0; i < n; i++) {
            zmq_msg_close(&parts[i]);
        }
        w->dropped++;
        *nparts = 0;
        return 0;
    }
    *nparts = n;
    return 0;
}

static void on_fd(evutil_socket_t fd, short what, void *arg)
{
    clp_zwatch_t *w = arg;
    int handled = 0;

    for (;;) {
        int events = 0;
        size_t sz = sizeof(events);
        if (zmq_getsockopt(w->sock, ZMQ_EVENTS, &events, &sz) < 0) {
            return;
        }
        if (!(events & ZMQ_POLLIN)) {
            return;
        }
        if (handled >= BATCH) {
            /* Yield to the rest of the loop; come back at once. */
            event_active(w->ev, EV_READ, 0);
            return;
        }
        zmq_msg_t parts[CLP_ZSOCK_MAX_PARTS];
        int n = 0;
        if (read_message(w, parts, &n) < 0) {
            return;
        }
        handled++;
        if (n > 0) {
            w->fn(w->arg, w->sock, parts, n);
            for (int i = 0; i < n; i++) {
                zmq_msg_close(&parts[i]);
            }
        }
    }
}

clp_zwatch_t *clp_zwatch_new(struct event_base *base, void *sock, clp_zwatch_fn fn, void *arg)
{
    int fd;
    size_t sz = sizeof(fd);
    clp_zwatch_t *w;

    if (zmq_getsockopt(sock, ZMQ_FD, &fd, &sz) < 0) {
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    w->sock = sock;
    w->fn = fn;
    w->arg = arg;
    w->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_fd, w);
    if (!w->ev || event_add(w->ev, NULL) < 0) {
        if (w->ev) {
            event_free(w->ev);
        }
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    /* Messages may already be queued: the edge happened before we watched. */
    event_active(w->ev, EV_READ, 0);
    return w;
}

void clp_zwatch_kick(clp_zwatch_t *w)
{
    if (w && w->ev) {
        event_active(w->ev, EV_READ, 0);
    }
}

unsigned long clp_zwatch_dropped(const clp_zwatch_t *w)
{
    return w ? w->dropped : 0;
}

void clp_zwatch_destroy(clp_zwatch_t **pw)
{
    if (!pw || !*pw) {
        return;
    }
    clp_zwatch_t *w = *pw;
    if (w->ev) {
        event_free(w->ev);
    }
    free(w);
    *pw = NULL;
}

int clp_zsock_send_env(void *sock, const void *identity, size_t idlen, const Clp__Envelope *env)
{
    uint8_t *buf;
    size_t len;
    int rc = clp_msg_pack(env, &buf, &len);
    if (rc < 0) {
        return rc;
    }
    if (identity) {
        if (zmq_send(sock, identity, idlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
            rc = -errno;
            free(buf);
            return rc;
        }
    }
    if (zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0) {
        rc = -errno;
    }
    free(buf);
    return rc;
}

void *clp_zsock_new(void *zctx, int type, int linger_ms)
{
    void *s = zmq_socket(zctx, type);
    if (!s) {
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_LINGER, &linger_ms, sizeof(linger_ms));
    int hwm = 10000;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
    int64_t maxmsg = CLP_MSG_MAX;
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg));
    if (type == ZMQ_ROUTER) {
        int on = 1;
        zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &on, sizeof(on));
    }
    return s;
}

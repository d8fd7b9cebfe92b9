/*
 * hb_com: COM heartbeat over a serial line between two servers (device info =
 * the tty path on each server). The line is put in raw mode at 38400 baud;
 * each beat is framed as "CLPB" + 2-byte big-endian length + the sealed beat,
 * and the reader resynchronises on the magic after any garbage.
 */
#define CLP_LOG_TAG "hb.com"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_xalloc.h"
#include "hb.h"

#define FRAME_MAX 2048

typedef struct {
    int fd;
    struct event *ev;
    uint8_t buf[FRAME_MAX * 2];
    size_t len;
} com_t;

static void parse(hb_path_t *p, com_t *c)
{
    for (;;) {
        size_t i = 0;
        while (i + 4 <= c->len && memcmp(c->buf + i, "CLPB", 4) != 0) {
            i++;
        }
        if (i > 0) {
            memmove(c->buf, c->buf + i, c->len - i);
            c->len -= i;
        }
        if (c->len < 6) {
            return;
        }
        size_t flen = ((size_t)c->buf[4] << 8) | c->buf[5];
        if (flen == 0 || flen > FRAME_MAX) {
            memmove(c->buf, c->buf + 4, c->len - 4); /* bad header: resync */
            c->len -= 4;
            continue;
        }
        if (c->len < 6 + flen) {
            return;
        }
        hb_deliver(p, c->buf + 6, flen, NULL);
        memmove(c->buf, c->buf + 6 + flen, c->len - 6 - flen);
        c->len -= 6 + flen;
    }
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    hb_path_t *p = arg;
    com_t *c = p->priv;
    for (;;) {
        if (c->len == sizeof(c->buf)) {
            c->len = 0; /* garbage flood: drop and resync */
        }
        ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
        if (n <= 0) {
            break;
        }
        c->len += (size_t)n;
        parse(p, c);
    }
}

static int com_open(hb_path_t *p)
{
    const char *tty = hb_peer_info(p, hb_self(p->hb));
    if (!tty) {
        return -ENODEV;
    }
    int fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, B38400);
        cfsetospeed(&t, B38400);
        t.c_cflag |= CLOCAL | CREAD;
        tcsetattr(fd, TCSANOW, &t);
    }
    com_t *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->ev = event_new(hb_base(p->hb), fd, EV_READ | EV_PERSIST, on_readable, p);
    event_add(c->ev, NULL);
    p->priv = c;
    clp_info("%s: COM heartbeat on %s", p->conf->name, tty);
    return 0;
}

static int com_send(hb_path_t *p, int server, const uint8_t *buf, size_t len)
{
    com_t *c = p->priv;
    uint8_t frame[6 + FRAME_MAX];
    if (len > FRAME_MAX) {
        return -EMSGSIZE;
    }
    memcpy(frame, "CLPB", 4);
    frame[4] = (uint8_t)(len >> 8);
    frame[5] = (uint8_t)len;
    memcpy(frame + 6, buf, len);
    ssize_t w = write(c->fd, frame, 6 + len);
    return w == (ssize_t)(6 + len) ? 0 : -EAGAIN;
}

static void com_close(hb_path_t *p)
{
    com_t *c = p->priv;
    if (!c) {
        return;
    }
    event_free(c->ev);
    close(c->fd);
    free(c);
    p->priv = NULL;
}

const hb_transport_t hb_com_transport = {
    .type = "comhb",
    .compact = true,
    .open = com_open,
    .send = com_send,
    .close = com_close,
};

/*
 * hb_disk: disk heartbeat on a shared block device. The device (per-server
 * device id of the heartbeat, info = its path on that server) holds one 4 KiB
 * block per server, at offset 4096 * server index: each server writes its own
 * block with O_DIRECT every interval and reads the others'. A block whose
 * content changed since the last read is a new beat (the sealed envelope's
 * sequence number makes every beat different).
 *
 * The I/O blocks, so it runs in a thread of its own; the thread and the event
 * loop talk through a socketpair: the loop sends the beat to write, the thread
 * sends back each changed peer block. A hung device therefore delays nothing
 * but this path (whose beats then stop, as they should).
 */
#define CLP_LOG_TAG "hb.disk"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_xalloc.h"
#include "hb.h"

#define BLOCK 4096
#define MAGIC 0x434c5048u /* "CLPH" */

typedef struct {
    hb_path_t *p;
    int dev;
    int sock[2]; /* [0] loop side, [1] thread side */
    struct event *ev;
    pthread_t thread;
    bool thread_ok;
    int nservers;
    int self;
    int interval_ms;
    char path[256];
    unsigned long io_errors;
} disk_t;

typedef struct {
    uint32_t magic;
    uint32_t len;
} block_hdr_t;

static void *disk_thread(void *arg)
{
    disk_t *d = arg;
    uint8_t *wbuf = NULL, *rbuf = NULL, *last = NULL;
    size_t area = (size_t)d->nservers * BLOCK;
    uint8_t msg[BLOCK + 8];

    if (posix_memalign((void **)&wbuf, BLOCK, BLOCK) || posix_memalign((void **)&rbuf, BLOCK, area)) {
        return NULL;
    }
    last = calloc(1, area);
    memset(wbuf, 0, BLOCK);
    for (;;) {
        struct pollfd pfd = {.fd = d->sock[1], .events = POLLIN};
        int pr = poll(&pfd, 1, d->interval_ms);
        if (pr > 0) {
            ssize_t n = recv(d->sock[1], msg, sizeof(msg), 0);
            if (n <= 0) {
                break; /* the loop closed its side: stop */
            }
            if ((size_t)n <= BLOCK - sizeof(block_hdr_t)) {
                block_hdr_t h = {.magic = MAGIC, .len = (uint32_t)n};
                memset(wbuf, 0, BLOCK);
                memcpy(wbuf, &h, sizeof(h));
                memcpy(wbuf + sizeof(h), msg, (size_t)n);
                if (pwrite(d->dev, wbuf, BLOCK, (off_t)d->self * BLOCK) != BLOCK) {
                    d->io_errors++;
                }
            }
        }
        if (pread(d->dev, rbuf, area, 0) != (ssize_t)area) {
            d->io_errors++;
            continue;
        }
        for (int k = 0; k < d->nservers; k++) {
            uint8_t *b = rbuf + (size_t)k * BLOCK;
            if (k == d->self || memcmp(b, last + (size_t)k * BLOCK, BLOCK) == 0) {
                continue;
            }
            memcpy(last + (size_t)k * BLOCK, b, BLOCK);
            block_hdr_t h;
            memcpy(&h, b, sizeof(h));
            if (h.magic != MAGIC || h.len == 0 || h.len > BLOCK - sizeof(h)) {
                continue;
            }
            send(d->sock[1], b + sizeof(h), h.len, MSG_DONTWAIT);
        }
    }
    free(wbuf);
    free(rbuf);
    free(last);
    /* The thread owns the device and its end of the pair, and frees d. */
    close(d->sock[1]);
    close(d->dev);
    free(d);
    return NULL;
}

static void on_block(evutil_socket_t fd, short what, void *arg)
{
    disk_t *d = arg;
    uint8_t buf[BLOCK];
    for (int i = 0; i < 64; i++) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n <= 0) {
            return;
        }
        hb_deliver(d->p, buf, (size_t)n, NULL);
    }
}

static int disk_open(hb_path_t *p)
{
    const char *dev = hb_peer_info(p, hb_self(p->hb));
    if (!dev) {
        return -ENODEV;
    }
    disk_t *d = xcalloc(1, sizeof(*d));
    d->p = p;
    d->self = hb_self(p->hb);
    d->nservers = (int)hb_conf(p->hb)->n_servers;
    d->interval_ms = hb_conf(p->hb)->cluster.hb_interval_ms;
    snprintf(d->path, sizeof(d->path), "%s", dev);
    d->dev = open(dev, O_RDWR | O_DIRECT | O_SYNC | O_CLOEXEC);
    if (d->dev < 0) {
        int e = errno;
        free(d);
        return -e;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, d->sock) < 0) {
        int e = errno;
        close(d->dev);
        free(d);
        return -e;
    }
    p->priv = d;
    d->ev = event_new(hb_base(p->hb), d->sock[0], EV_READ | EV_PERSIST, on_block, d);
    event_add(d->ev, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    d->thread_ok = pthread_create(&d->thread, &attr, disk_thread, d) == 0;
    pthread_attr_destroy(&attr);
    clp_info("%s: disk heartbeat on %s (block %d of %d)", p->conf->name, dev, d->self,
             d->nservers);
    return d->thread_ok ? 0 : -EAGAIN;
}

static int disk_send(hb_path_t *p, int server, const uint8_t *buf, size_t len)
{
    disk_t *d = p->priv;
    /* One write covers every peer: send it for the first peer only. */
    int first = d->self == 0 ? 1 : 0;
    if (server != first) {
        return 0;
    }
    if (send(d->sock[0], buf, len, MSG_DONTWAIT) < 0) {
        return -errno;
    }
    return 0;
}

static void disk_close(hb_path_t *p)
{
    disk_t *d = p->priv;
    if (!d) {
        return;
    }
    event_free(d->ev);
    /* The thread sees its end close and exits, freeing d; if the device hangs
     * it stays blocked until the process exits, delaying nothing else. */
    shutdown(d->sock[0], SHUT_RDWR);
    close(d->sock[0]);
    if (!d->thread_ok) {
        close(d->sock[1]);
        close(d->dev);
        free(d);
    }
    p->priv = NULL;
}

const hb_transport_t hb_disk_transport = {
    .type = "diskhb",
    .compact = true,
    .open = disk_open,
    .send = disk_send,
    .close = disk_close,
};

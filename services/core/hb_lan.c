/*
 * hb_lan: LAN heartbeat (lanhb, and lankhb run the same way in user space) over
 * UDP. One socket per path, bound to this server's address on that path (with
 * IP_FREEBIND, so a path whose interface is not up yet still opens), sending to
 * each peer's address for the same device id. A datagram whose source address
 * is not the claimed peer's address on this path is dropped.
 */
#define CLP_LOG_TAG "hb.lan"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_udp.h"
#include "clp_xalloc.h"
#include "hb.h"

typedef struct {
    int fd;
    struct event *ev;
    int port;
} lan_t;

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    hb_path_t *p = arg;
    uint8_t buf[CLP_DGRAM_MAX];
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
        if (n < 0) {
            return;
        }
        char addr[64];
        clp_sockaddr_str((struct sockaddr *)&from, addr, sizeof(addr));
        hb_deliver(p, buf, (size_t)n, addr);
    }
}

static int lan_open(hb_path_t *p)
{
    const clp_conf_t *c = hb_conf(p->hb);
    const char *mine = hb_peer_info(p, hb_self(p->hb));
    if (!mine) {
        return -ENODEV;
    }
    lan_t *l = xcalloc(1, sizeof(*l));
    l->port = c->cluster.ports.heartbeat;
    struct sockaddr_storage ss;
    socklen_t len;
    if (clp_sockaddr(mine, l->port, &ss, &len) < 0) {
        free(l);
        return -EINVAL;
    }
    l->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        int e = errno;
        free(l);
        return -e;
    }
    int on = 1;
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    setsockopt(l->fd, SOL_IP, IP_FREEBIND, &on, sizeof(on));
    int tos = 0xb8; /* EF: heartbeats must not queue behind bulk traffic */
    setsockopt(l->fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
    if (bind(l->fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        close(l->fd);
        free(l);
        return -e;
    }
    l->ev = event_new(hb_base(p->hb), l->fd, EV_READ | EV_PERSIST, on_readable, p);
    event_add(l->ev, NULL);
    p->priv = l;
    clp_info("%s: LAN heartbeat on %s port %d", p->conf->name, mine, l->port);
    return 0;
}

static int lan_send(hb_path_t *p, int server, const uint8_t *buf, size_t len)
{
    lan_t *l = p->priv;
    const char *peer = hb_peer_info(p, server);
    struct sockaddr_storage ss;
    socklen_t slen;
    if (!peer || clp_sockaddr(peer, l->port, &ss, &slen) < 0) {
        return -EINVAL;
    }
    if (sendto(l->fd, buf, len, 0, (struct sockaddr *)&ss, slen) < 0) {
        return -errno;
    }
    return 0;
}

static void lan_close(hb_path_t *p)
{
    lan_t *l = p->priv;
    if (!l) {
        return;
    }
    event_free(l->ev);
    close(l->fd);
    free(l);
    p->priv = NULL;
}

const hb_transport_t hb_lan_transport = {
    .type = "lanhb",
    .compact = false,
    .open = lan_open,
    .send = lan_send,
    .close = lan_close,
};

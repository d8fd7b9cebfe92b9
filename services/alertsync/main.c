/*
 * clusterpro_alertsync: alert log replication. Wiring only: common daemon
 * start-up, the authenticated datagram socket (29003/UDP by default,
 * cluster/port/alertsync), the loop, tear-down.
 */
#define CLP_LOG_TAG "alertsync"
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "clp_daemon.h"
#include "clp_dgram.h"
#include "clp_log.h"
#include "clp_udp.h"

typedef struct {
    clp_daemon_t *d;
    int fd;
    struct event *ev;
    unsigned long received, accepted;
} alertsync_t;

static void on_datagram(evutil_socket_t fd, short what, void *arg)
{
    alertsync_t *as = arg;
    uint8_t buf[CLP_DGRAM_MAX];

    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            return;
        }
        as->received++;
        Clp__Envelope *env = clp_dgram_open(&as->d->keys, &as->d->mctx, "alertsync udp", buf,
                                            (size_t)n);
        if (env) {
            as->accepted++;
            clp_msg_free(env);
        }
    }
}

static void status(void *arg, Clp__StatusReply *rep)
{
    alertsync_t *as = arg;
    clp_status_counter(rep, "datagrams_received", as->received);
    clp_status_counter(rep, "datagrams_accepted", as->accepted);
    clp_status_counter(rep, "datagrams_rejected", as->d->mctx.n_rejected);
}

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    static alertsync_t as;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_alertsync",
        .short_name = "alertsync",
        .need_keys = true,
        .connect_evt = true,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    as.d = &d;
    as.fd = clp_udp_bind(NULL, d.conf->cluster.ports.alertsync);
    if (as.fd < 0) {
        clp_error("cannot bind UDP port %d: %s", d.conf->cluster.ports.alertsync,
                  strerror(-as.fd));
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    as.ev = event_new(d.base, as.fd, EV_READ | EV_PERSIST, on_datagram, &as);
    event_add(as.ev, NULL);
    d.status_fn = status;
    d.status_arg = &as;
    clp_daemon_run(&d);
    event_free(as.ev);
    close(as.fd);
    clp_daemon_fini(&d);
    return 0;
}

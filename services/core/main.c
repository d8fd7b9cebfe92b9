/*
 * clusterpro: the cluster core. Wiring only: common daemon start-up, the
 * core <-> core port (29001/TCP, CURVE) and the heartbeat port (29002/UDP),
 * the loop, tear-down in reverse.
 */
#define CLP_LOG_TAG "core"
#include <string.h>
#include <unistd.h>

#include "clp_daemon.h"
#include "clp_log.h"
#include "clp_udp.h"

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    clp_daemon_opts_t opts = {
        .service = "clusterpro",
        .short_name = "core",
        .need_keys = true,
        .connect_evt = true,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    CLP_ALERT(d.ev, "pm", 1);
    if (!clp_daemon_listen_tcp(&d, d.conf->cluster.ports.internal, "core", false)) {
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    int hb = clp_udp_bind(NULL, d.conf->cluster.ports.heartbeat);
    if (hb < 0) {
        clp_error("cannot bind UDP port %d: %s", d.conf->cluster.ports.heartbeat, strerror(-hb));
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    clp_daemon_run(&d);
    CLP_ALERT(d.ev, "pm", 2);
    close(hb);
    clp_daemon_fini(&d);
    return 0;
}

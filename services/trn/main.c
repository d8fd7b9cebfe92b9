/*
 * clusterpro_trn: the data transfer service. Wiring only: common daemon
 * start-up, the local ipc endpoint and the CURVE-protected data transfer port
 * (29002/TCP by default, cluster/port/datatrans), the loop, tear-down.
 */
#define CLP_LOG_TAG "trn"
#include "clp_daemon.h"
#include "clp_log.h"

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_trn",
        .short_name = "trn",
        .need_keys = true,
        .connect_evt = true,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    if (!clp_daemon_listen_tcp(&d, d.conf->cluster.ports.datatrans, "trn", true)) {
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    clp_daemon_run(&d);
    clp_daemon_fini(&d);
    return 0;
}

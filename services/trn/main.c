/*
 * clusterpro_trn: the data transfer service. Wiring only: common daemon
 * start-up, the modules, the CURVE-protected data transfer port (29002/TCP by
 * default, cluster/port/datatrans), the loop, tear-down in reverse.
 */
#define CLP_LOG_TAG "trn"
#include "clp_daemon.h"
#include "clp_log.h"
#include "trn.h"
#include "trn_rexec.h"

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    static trn_t t;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_trn",
        .short_name = "trn",
        .need_keys = true,
        .connect_evt = true,
        .extra_handlers = trn_handlers,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    t.d = &d;
    d.app = &t;
    d.status_fn = trn_status;
    d.status_arg = &t;
    if (trn_modules_init(&t) < 0) {
        clp_daemon_fini(&d);
        return CLP_EXIT_INIT;
    }
    if (!clp_daemon_listen_tcp(&d, d.conf->cluster.ports.datatrans, "trn", true)) {
        trn_modules_fini(&t);
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    trn_rexec_watch_keys(&t);
    clp_daemon_run(&d);
    trn_modules_fini(&t);
    clp_daemon_fini(&d);
    return 0;
}

/*
 * clusterpro_alertsync: alert log replication. Wiring only: common daemon
 * start-up (the cluster key is required: every datagram is sealed), the
 * replication service (as_service), the loop, tear-down in reverse.
 */
#define CLP_LOG_TAG "alertsync"
#include "as_service.h"
#include "clp_daemon.h"
#include "clp_log.h"

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_alertsync",
        .short_name = "alertsync",
        .need_keys = true,
        .connect_evt = true,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    as_service_t *as = as_service_new(&d);
    if (!as) {
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    d.app = as;
    d.status_fn = as_service_status;
    d.status_arg = as;
    clp_daemon_run(&d);
    as_service_destroy(&as);
    clp_daemon_fini(&d);
    return 0;
}

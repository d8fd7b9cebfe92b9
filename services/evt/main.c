/*
 * clusterpro_evt: the event service. Wiring only: common daemon start-up,
 * the alert log service, the loop, tear-down in reverse.
 */
#define CLP_LOG_TAG "evt"
#include <stdlib.h>

#include "clp_daemon.h"
#include "clp_log.h"
#include "evt_service.h"

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_evt",
        .short_name = "evt",
        .need_keys = false,
        .connect_evt = false,
        .extra_handlers = evt_handlers,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    evt_service_t *svc = evt_service_new(&d);
    if (!svc) {
        clp_daemon_fini(&d);
        return CLP_EXIT_INIT;
    }
    d.app = svc;
    d.status_fn = evt_service_status;
    d.status_arg = svc;
    clp_daemon_run(&d);
    evt_service_destroy(&svc);
    clp_daemon_fini(&d);
    return 0;
}

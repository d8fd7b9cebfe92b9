/*
 * clusterpro_evt: the event service. Wiring only: common daemon start-up,
 * the configuration download (evt_cfsync.c: before anything else of the
 * server starts), the alert log service, the loop, tear-down in reverse.
 */
#define CLP_LOG_TAG "evt"
#include <stdlib.h>

#include "clp_cfstore.h"
#include "clp_daemon.h"
#include "clp_log.h"
#include "evt_cfsync.h"
#include "evt_service.h"

/* Loads the configuration the download installed in place of the one
 * clp_daemon_init loaded. */
static void reload_conf(clp_daemon_t *d)
{
    clp_diag_t diag = {0};
    clp_conf_t *nc = clp_conf_load(d->conf_path, &diag);
    clp_diag_free(&diag);
    const clp_server_t *self = nc ? clp_conf_server(nc, d->server) : NULL;
    if (!self) {
        clp_error("the configuration installed does not load or lacks this server: exiting");
        clp_conf_free(&nc);
        clp_daemon_fini(d);
        exit(CLP_EXIT_CONFIG);
    }
    clp_cfstore_apply(d->root, nc);
    clp_conf_free(&d->conf);
    d->conf = nc;
    d->self = self;
}

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
    if (evt_cfsync_run(&d, EVT_CFSYNC_WAIT_MS) > 0) {
        reload_conf(&d);
    }
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

/*
 * clusterpro: the cluster core. Wiring only: common daemon start-up (with the
 * core's request table), the core <-> core port (29001/TCP, CURVE), the core
 * modules, the loop, tear-down in reverse. SIGTERM stops the local groups
 * (failing them over) before the process leaves; a reload (confgen.c) leaves
 * them as they are and exits with CLP_EXIT_RELOAD for the restarter.
 */
#define CLP_LOG_TAG "core"
#include "clp_daemon.h"
#include "clp_log.h"
#include "core.h"

static void on_stop(clp_daemon_t *d)
{
    core_begin_stop(d->app, false, "the cluster service is stopping");
}

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    static core_t core;
    clp_daemon_opts_t opts = {
        .service = "clusterpro",
        .short_name = "core",
        .need_keys = true,
        .connect_evt = true,
        .extra_handlers = core_handlers,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    d.app = &core;
    CLP_ALERT(d.ev, "pm", 1);
    if (!clp_daemon_listen_tcp(&d, d.conf->cluster.ports.internal, "core", false)) {
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    if (core_init(&core, &d) < 0) {
        CLP_ALERT(d.ev, "pm", 22, "clusterpro", "init");
        clp_daemon_fini(&d);
        return CLP_EXIT_INIT;
    }
    d.on_stop = on_stop;
    d.status_fn = core_status;
    d.status_arg = &core;
    clp_daemon_run(&d);
    bool reload = core.reload_exit;
    if (reload) {
        CLP_ALERT(d.ev, "pm", 26, "clusterpro");
    } else {
        CLP_ALERT(d.ev, "pm", 2);
    }
    core_fini(&core);
    clp_daemon_fini(&d);
    return reload ? CLP_EXIT_RELOAD : 0;
}

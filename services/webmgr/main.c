/*
 * clusterpro_webmgr: the WebManager HTTP server. Wiring only: common daemon
 * start-up, the HTTP listener (29003/TCP by default, cluster/port/webmgr),
 * the loop, tear-down.
 */
#define CLP_LOG_TAG "webmgr"
#include <event2/http.h>

#include "clp_daemon.h"
#include "clp_log.h"
#include "web_static.h"

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_webmgr",
        .short_name = "webmgr",
        .need_keys = false,
        .connect_evt = true,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    struct evhttp *http = evhttp_new(d.base);
    int port = d.conf->cluster.ports.webmgr;
    if (!http || evhttp_bind_socket(http, "0.0.0.0", (ev_uint16_t)port) < 0) {
        clp_error("cannot listen on HTTP port %d", port);
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    web_static_t *st = web_static_new(&d, http);
    clp_daemon_run(&d);
    web_static_destroy(&st);
    evhttp_free(http);
    clp_daemon_fini(&d);
    return 0;
}

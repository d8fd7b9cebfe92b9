/*
 * clusterpro_webmgr: the WebManager (browser UI) and the REST API. Wiring
 * only: common daemon start-up, the modules in order (client lists, password
 * rights, sessions, status, log collection, metrics, static files), the HTTP
 * listeners (cluster/port/webmgr, 29003; and cluster/port/api, 29009, when
 * rstd/use is 1), the loop, tear-down in reverse.
 */
#define CLP_LOG_TAG "webmgr"
#include <stdio.h>
#include <string.h>

#include "clp_daemon.h"
#include "clp_log.h"
#include "web.h"
#include "web_http.h"
#include "web_logcc.h"
#include "web_metrics.h"
#include "web_static.h"
#include "web_status.h"
#include "web_tls.h"

static void status_counters(void *arg, Clp__StatusReply *rep)
{
    web_t *w = arg;
    const web_http_counters_t *c = web_http_counters(w->http);
    clp_status_counter(rep, "http_requests", c->requests);
    clp_status_counter(rep, "http_4xx", c->by_class[4]);
    clp_status_counter(rep, "http_5xx", c->by_class[5]);
    clp_status_counter(rep, "denied", c->denied + c->unauthorized);
    clp_status_counter(rep, "core_status_requests", web_status_asked(w->status));
    clp_status_counter(rep, "password_checks", web_auth_verifications(w->auth));
}

int main(int argc, char **argv)
{
    static clp_daemon_t d;
    static web_t w;
    clp_daemon_opts_t opts = {
        .service = "clusterpro_webmgr",
        .short_name = "webmgr",
        .need_keys = false,
        .connect_evt = true,
    };

    clp_daemon_init(&d, &opts, argc, argv);
    w.d = &d;
    d.app = &w;
    clp_path(w.alert_log, sizeof(w.alert_log), d.root, "alert/alert.log");
    int bad = 0;
    w.acl = web_acl_new(&d.conf->webmgr, &bad);
    w.auth =
        web_auth_new(d.base, d.conf->webmgr.password_operation, d.conf->webmgr.password_reference);
    w.sessions = web_sessions_new();
    w.status = web_status_new(&w);
    w.logcc = web_logcc_new(&w);
    w.metrics = web_metrics_new(&w);
    w.stat = web_static_new(&w);
    w.http = web_http_new(&w);
    if (!w.auth || !w.sessions || !w.status) {
        clp_error("cannot initialise the WebManager (password worker, sessions or core client)");
        clp_daemon_fini(&d);
        return CLP_EXIT_INIT;
    }
    d.status_fn = status_counters;
    d.status_arg = &w;

    char err[512];
    web_tls_t *tls = web_tls_new(d.conf, err, sizeof(err));
    if (!tls && err[0]) {
        clp_error("HTTPS: %s; serving HTTP", err);
        CLP_ALERT(d.ev, "webmgr", 21);
    }
    int port = d.conf->cluster.ports.webmgr;
    int rc = web_http_listen(w.http, port, false, tls);
    if (rc < 0) {
        clp_error("cannot listen on the WebManager port %d: %s", port, strerror(-rc));
        clp_daemon_fini(&d);
        return CLP_EXIT_ENDPOINT;
    }
    clp_info("WebManager on port %d (%s)", port, tls ? "HTTPS" : "HTTP");
    if (d.conf->webmgr.api_use && d.conf->cluster.ports.api != port) {
        rc = web_http_listen(w.http, d.conf->cluster.ports.api, true, tls);
        if (rc < 0) {
            clp_error("cannot listen on the REST API port %d: %s", d.conf->cluster.ports.api,
                      strerror(-rc));
            clp_daemon_fini(&d);
            return CLP_EXIT_ENDPOINT;
        }
        clp_info("REST API on port %d", d.conf->cluster.ports.api);
    }

    clp_daemon_run(&d);

    web_http_destroy(&w.http);
    web_tls_destroy(&tls);
    web_static_destroy(&w.stat);
    web_metrics_destroy(&w.metrics);
    web_logcc_destroy(&w.logcc);
    web_status_destroy(&w.status);
    web_sessions_destroy(&w.sessions);
    web_auth_destroy(&w.auth);
    web_acl_destroy(&w.acl);
    clp_daemon_fini(&d);
    return 0;
}

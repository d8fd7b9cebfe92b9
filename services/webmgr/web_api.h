/*
 * web_api: the handlers of the route table (web_routes.c), one module per
 * kind of object:
 *   web_api_status.c   GET cluster, servers, groups, resources, monitors, the UI's tree
 *   web_api_ops.c      POST operations (core and trn requests), toratio, scripts/run
 *   web_api_session.c  login, logout, the session's rights and language
 *   web_api_alerts.c   the alert log with filters and a cursor for live tail
 *   web_api_config.c   the configuration as objects, export of clp.conf
 *   web_logcc.c        log collection and the archive's download
 *   web_metrics.c      /metrics (Prometheus text)
 *   web_static.c       the UI's files
 */
#ifndef WEB_API_H
#define WEB_API_H

#include "web_http.h"

/* Runs then(r, st) with the current status, or answers 503 when the core does
 * not answer. */
void web_with_status(web_req_t *r, void (*then)(web_req_t *r, const Clp__ClusterStatus *st));

/* The cluster's status word from the servers' states. */
const char *web_cluster_word(const Clp__ClusterStatus *st);

void api_get_cluster(web_req_t *r);
void api_get_toratio(web_req_t *r);
void api_get_servers(web_req_t *r);
void api_get_groups(web_req_t *r);
void api_get_resources(web_req_t *r);
void api_get_monitors(web_req_t *r);
void api_get_status(web_req_t *r);

void api_post_cluster(web_req_t *r);
void api_post_server(web_req_t *r);
void api_post_server_dummy(web_req_t *r);
void api_post_groups_all(web_req_t *r);
void api_post_group(web_req_t *r);
void api_post_resource(web_req_t *r);
void api_post_monitor(web_req_t *r);
void api_post_monitor_dummy(web_req_t *r);
void api_post_toratio_set(web_req_t *r);
void api_post_toratio_reset(web_req_t *r);
void api_post_scripts_run(web_req_t *r);

void api_get_session(web_req_t *r);
void api_post_login(web_req_t *r);
void api_post_logout(web_req_t *r);

void api_get_alerts(web_req_t *r);

void api_get_config(web_req_t *r);
void api_get_config_export(web_req_t *r);

void api_post_logs_collect(web_req_t *r);
void api_get_logs_job(web_req_t *r);
void api_get_logs_download(web_req_t *r);

void api_get_metrics(web_req_t *r);

void api_get_static(web_req_t *r);

#endif

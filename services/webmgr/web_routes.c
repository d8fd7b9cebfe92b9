/*
 * web_routes: every path the WebManager answers, in one table: method, path
 * pattern ("{}" one segment, a final "*" the rest), the right it needs and
 * the handler. The first row whose pattern and method match wins; a path that
 * matches only with another method gets 405, no match 404. docs/webmanager.md
 * documents each row.
 */
#include "web_api.h"

#define REF WEB_RIGHT_REF
#define OP WEB_RIGHT_OP
#define ANY WEB_RIGHT_NONE

const web_route_t web_routes[] = {
    /* session (the login page must load without rights) */
    {WEB_GET, "/api/v1/session", ANY, api_get_session},
    {WEB_POST, "/api/v1/login", ANY, api_post_login},
    {WEB_POST, "/api/v1/logout", ANY, api_post_logout},

    /* status (reference §9.2) */
    {WEB_GET, "/api/v1/cluster", REF, api_get_cluster},
    {WEB_GET, "/api/v1/cluster/toratio", REF, api_get_toratio},
    {WEB_POST, "/api/v1/cluster/toratio/set", OP, api_post_toratio_set},
    {WEB_POST, "/api/v1/cluster/toratio/reset", OP, api_post_toratio_reset},
    {WEB_POST, "/api/v1/cluster/{}", OP, api_post_cluster},
    {WEB_GET, "/api/v1/servers", REF, api_get_servers},
    {WEB_GET, "/api/v1/servers/{}", REF, api_get_servers},
    {WEB_POST, "/api/v1/servers/{}/dummy-failure/{}", OP, api_post_server_dummy},
    {WEB_POST, "/api/v1/servers/{}/{}", OP, api_post_server},
    {WEB_GET, "/api/v1/groups", REF, api_get_groups},
    {WEB_GET, "/api/v1/groups/{}", REF, api_get_groups},
    {WEB_POST, "/api/v1/groups/{}", OP, api_post_groups_all},
    {WEB_POST, "/api/v1/groups/{}/{}", OP, api_post_group},
    {WEB_GET, "/api/v1/resources", REF, api_get_resources},
    {WEB_GET, "/api/v1/resources/{}", REF, api_get_resources},
    {WEB_POST, "/api/v1/resources/{}/{}", OP, api_post_resource},
    {WEB_GET, "/api/v1/monitors", REF, api_get_monitors},
    {WEB_GET, "/api/v1/monitors/{}", REF, api_get_monitors},
    {WEB_POST, "/api/v1/monitors/{}/dummy-failure/{}", OP, api_post_monitor_dummy},
    {WEB_POST, "/api/v1/monitors/{}/{}", OP, api_post_monitor},
    {WEB_POST, "/api/v1/scripts/run", OP, api_post_scripts_run},

    /* WebManager */
    {WEB_GET, "/api/v1/status", REF, api_get_status},
    {WEB_GET, "/api/v1/alerts", REF, api_get_alerts},
    {WEB_GET, "/api/v1/config", REF, api_get_config},
    {WEB_GET, "/api/v1/config/clp.conf", OP, api_get_config_export},
    {WEB_POST, "/api/v1/logs/collect", OP, api_post_logs_collect},
    {WEB_GET, "/api/v1/logs/collect/{}", OP, api_get_logs_job},
    {WEB_GET, "/api/v1/logs/download/{}", OP, api_get_logs_download},
    {WEB_GET, "/metrics", REF, api_get_metrics},

    /* the UI's files */
    {WEB_GET, "/*", ANY, api_get_static},
    {0, NULL, ANY, NULL},
};

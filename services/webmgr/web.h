/*
 * web: the WebManager's context, shared by its modules. clusterpro_webmgr
 * keeps no cluster state of its own: every answer is rendered from what the
 * core (status, operations), trn (service control, log collection) and the
 * alert log report at the time of the request.
 */
#ifndef WEB_H
#define WEB_H

#include <event2/http.h>

#include "clp_daemon.h"
#include "web_acl.h"
#include "web_auth.h"
#include "web_session.h"

typedef struct web_status web_status_t;
typedef struct web_logcc web_logcc_t;
typedef struct web_static web_static_t;
typedef struct web_http web_http_t;
typedef struct web_metrics web_metrics_t;

typedef struct web {
    clp_daemon_t *d;
    web_acl_t *acl;
    web_auth_t *auth;
    web_sessions_t *sessions;
    web_status_t *status;
    web_logcc_t *logcc;
    web_static_t *stat;
    web_http_t *http; /* listeners and request counters */
    web_metrics_t *metrics;
    char alert_log[CLP_PATH_MAX];
} web_t;

#endif

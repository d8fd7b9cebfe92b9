/*
 * web_status: the cluster status as the local core reports it, for every
 * page, API call and /metrics.
 *
 * Requests that arrive together share one ClusterStatusRequest: while one is
 * on its way, later callers wait for the same reply. A reply younger than
 * WEB_STATUS_FRESH_MS is handed out again (the UI polls every 500 ms and a
 * load test sends thousands of requests a second; the core is asked at most a
 * few times a second). Nothing older is ever shown: when the core does not
 * answer within WEB_STATUS_TIMEOUT_MS, or is not running, callers get an error
 * and the API answers 503.
 */
#ifndef WEB_STATUS_H
#define WEB_STATUS_H

#include "clp_proto/cluster.pb-c.h"
#include "web.h"

#define WEB_STATUS_FRESH_MS 200
#define WEB_STATUS_TIMEOUT_MS 2000

/* st is NULL on failure with a sentence in err; st is valid during the call. */
typedef void (*web_status_fn)(void *arg, const Clp__ClusterStatus *st, const char *err);

web_status_t *web_status_new(web_t *w);
void web_status_destroy(web_status_t **s);

/* fn runs exactly once: at once with a fresh status, else when the core answers. */
void web_status_get(web_status_t *s, web_status_fn fn, void *arg);

/* Requests sent to the core, and how many failed. */
unsigned long web_status_asked(const web_status_t *s);
unsigned long web_status_failed(const web_status_t *s);

#endif

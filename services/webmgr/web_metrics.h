/*
 * web_metrics: GET /metrics in the Prometheus text format (version 0.0.4).
 *
 * States come from the core's ClusterStatus at the time of the scrape (one
 * series per object with its status word as a label, value 1, plus 0/1
 * gauges), heartbeat delays from each server's own view of its paths, monitor
 * recovery counters from the monitors' per-server rows. Failover and move
 * counts and durations come from the alert log: each "Failover group G has
 * started" (rc 60) is paired with the next "has completed" (rc 61) or "has
 * failed" (rc 62) of G, moves likewise (rc 50/51/52); the log is read
 * incrementally from where the previous scrape stopped. When the core does not
 * answer, the reply still comes (200) with clp_status_available 0 and the
 * series that do not need it.
 */
#ifndef WEB_METRICS_H
#define WEB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "clp_alertlog.h"
#include "web.h"

web_metrics_t *web_metrics_new(web_t *w);
void web_metrics_destroy(web_metrics_t **m);

/* Feeds one alert record to the failover/move statistics (exposed for unit
 * tests; the scrape calls it for every new record of the log). */
void web_metrics_feed(web_metrics_t *m, const clp_alert_rec_t *rec);

/* Writes the alert-derived series to b (unit tests). */
struct evbuffer;
void web_metrics_write_groups(web_metrics_t *m, struct evbuffer *b);

#endif

/*
 * svc_backoff: when to restart a service that exited. Pure: the caller passes
 * the monotonic time and how long the process ran.
 *
 * A service that dies is restarted at once, up to 5 exits within 60 s. The
 * sixth exit within 60 s, and every one after it, waits 1, 2, 4, 8, 16 and
 * then 30 s before the next attempt. A process that had been running for 60 s
 * or more when it exited clears the history: it was healthy.
 */
#ifndef SVC_BACKOFF_H
#define SVC_BACKOFF_H

#include <stdint.h>

#define SVC_BACKOFF_WINDOW_MS 60000u
#define SVC_BACKOFF_FREE_EXITS 5u
#define SVC_BACKOFF_MAX_MS 30000u

typedef struct {
    uint64_t exits[SVC_BACKOFF_FREE_EXITS + 1]; /* most recent exits, oldest first */
    unsigned n;
    unsigned level; /* delays given since the history was last cleared */
} svc_backoff_t;

/* Forgets every exit (an operator's start, or a healthy run). */
void svc_backoff_reset(svc_backoff_t *b);

/* Records an exit at now_ms of a process that had run uptime_ms; returns how
 * many milliseconds to wait before starting it again (0: at once). */
uint64_t svc_backoff_exit(svc_backoff_t *b, uint64_t now_ms, uint64_t uptime_ms);

#endif

/*
 * svc_backoff: a sliding window of the last six exit times plus a doubling
 * level; see the header for the policy.
 */
#include "svc_backoff.h"

#include <string.h>

void svc_backoff_reset(svc_backoff_t *b)
{
    memset(b, 0, sizeof(*b));
}

uint64_t svc_backoff_exit(svc_backoff_t *b, uint64_t now_ms, uint64_t uptime_ms)
{
    const unsigned cap = SVC_BACKOFF_FREE_EXITS + 1;

    if (uptime_ms >= SVC_BACKOFF_WINDOW_MS) {
        svc_backoff_reset(b);
    }
    if (b->n == cap) {
        memmove(b->exits, b->exits + 1, (cap - 1) * sizeof(b->exits[0]));
        b->n--;
    }
    b->exits[b->n++] = now_ms;
    unsigned recent = 0;
    for (unsigned i = 0; i < b->n; i++) {
        if (now_ms - b->exits[i] < SVC_BACKOFF_WINDOW_MS) {
            recent++;
        }
    }
    if (recent <= SVC_BACKOFF_FREE_EXITS) {
        return 0;
    }
    uint64_t delay = b->level >= 15 ? SVC_BACKOFF_MAX_MS : 1000u << b->level;
    if (delay > SVC_BACKOFF_MAX_MS) {
        delay = SVC_BACKOFF_MAX_MS;
    }
    b->level++;
    return delay;
}

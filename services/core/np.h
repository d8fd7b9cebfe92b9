/*
 * np: network-partition resolution. When peers are lost, this server must
 * learn whether it may survive (and take their groups over) or must fence
 * itself, before anything is taken over.
 *
 * Methods are rows of one table (np_methods in np.c): pingnp (the configured
 * targets answer), majority (this side holds more than half of the servers
 * that were up), disknp (a lock on the shared disk, Fischer-style with the
 * winner refreshing it), httpnp (an HTTP witness grants one side a lease).
 * The configured NP resources are tried in priority order; the first that
 * decides (survive or lose) wins; if none decides, the side that holds the
 * highest-priority server of the previous membership survives. With no NP
 * resource at all this server survives, as the original did (documented as
 * unsafe for a 2-server cluster).
 *
 * np_decide() is the pure chain over injected method results, for tests;
 * np_resolve() runs the real chain in a child process and reports the verdict
 * as an event. np_grace_ms() is how long a winner waits before taking over so
 * that a loser that started resolving up to one heartbeat interval later has
 * finished fencing itself (docs/np-timing.md gives the argument).
 */
#ifndef CORE_NP_H
#define CORE_NP_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clp_config.h"
#include "clp_keys.h"

typedef enum { NP_SURVIVE = 0, NP_LOSE = 1, NP_UNDECIDED = 2 } np_verdict_t;

typedef struct {
    const clp_conf_t *conf;
    const clp_keys_t *keys;
    int self;
    uint64_t members;   /* servers up before the loss, self included */
    uint64_t reachable; /* servers still heard, self included */
    uint64_t lost;
} np_input_t;

typedef struct np_method {
    const char *type;
    /* Decides for one NP resource; may block (runs in the resolution child). */
    np_verdict_t (*resolve)(const np_input_t *in, const clp_np_t *np, char *why, size_t n);
    /* 0 when the NP resource works from this server (periodic health check). */
    int (*health)(const np_input_t *in, const clp_np_t *np, char *why, size_t n);
    /* After winning: keep the win asserted for hold_ms (disk lock, witness lease). */
    int (*hold)(const np_input_t *in, const clp_np_t *np, int hold_ms);
    /* How much longer than the winner the loser may need to decide (ms). */
    int (*skew_ms)(const clp_conf_t *conf, const clp_np_t *np);
} np_method_t;

const np_method_t *np_method(const char *type);

/* Does this server take part in NP resource np (pingnp: its device info is 1)? */
bool np_applies(const clp_conf_t *conf, int self, const clp_np_t *np);

/* Pure: the verdict of the chain, given each NP resource's verdict (by conf
 * index, NP_UNDECIDED for those not applying). why names the deciding one. */
np_verdict_t np_decide(const np_input_t *in, const np_verdict_t *results, char *why, size_t n);

/* Pure: the majority verdict and the tie-break. */
np_verdict_t np_majority(const np_input_t *in);
np_verdict_t np_tiebreak(const np_input_t *in);

typedef struct np np_t;
/* verdict and a sentence saying why; elapsed in ms. */
typedef void (*np_done_fn)(void *arg, np_verdict_t verdict, const char *why, int elapsed_ms);
/* Health of one NP resource changed (for clpstat and nm 36/37). */
typedef void (*np_health_fn)(void *arg, int np_index, bool ok, const char *why);

np_t *np_new(struct event_base *base, const clp_conf_t *conf, int self, const clp_keys_t *keys,
             const char *root);
void np_destroy(np_t **np);

/* Starts resolution for in; done runs once. Returns 0 or -errno. */
int np_resolve(np_t *np, const np_input_t *in, np_done_fn done, void *arg);
bool np_busy(const np_t *np);

/* Starts holding the win (disk lock, witness lease) in the background. */
void np_hold(np_t *np, const np_input_t *in);

/* How long a winner waits before taking over (ms). */
uint32_t np_grace_ms(const np_t *np);
/* The grace's margin for the loser's late timers at heartbeat interval I. */
int np_grace_margin_ms(int interval_ms);

/* Periodic health checks of the NP resources (every period_ms). */
void np_health_start(np_t *np, uint32_t period_ms, np_health_fn fn, void *arg);
/* Last health: 1 ok, 0 error, -1 unknown/not applying. */
int np_health(const np_t *np, int index, const char **why);

extern const np_method_t np_ping_method;
extern const np_method_t np_majority_method;
extern const np_method_t np_disk_method;
extern const np_method_t np_http_method;

#endif

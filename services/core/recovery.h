/*
 * recovery: the monitor recovery sequence as a pure decision. Given a
 * monitor's configuration and its counters on this server, what happens at
 * the next detected error: a script before the step (if configured), a
 * reactivation of the recovery target, a failover, the final action, or
 * nothing (counters exhausted, recovery disabled, the target not active).
 * rm.c applies the answer (and the alert of a skip); test/unit/test_recovery.c
 * pins the sequence.
 */
#ifndef CORE_RECOVERY_H
#define CORE_RECOVERY_H

#include <stdbool.h>

#include "clp_config.h"

typedef enum {
    REC_NONE = 0, /* no recovery (see reason) */
    REC_RESTART,  /* reactivate the target here (rm 13) */
    REC_FAILOVER, /* fail the target's group over (rm 14) */
    REC_FINAL,    /* the final action (emergency/action) */
} rec_step_t;

typedef struct {
    int restart_count;
    int failover_count;
    int final_count;
    int script_count;
} rec_counters_t;

typedef struct {
    bool target_active; /* the recovery target is online on this server */
    bool timeout;       /* the error was a timeout */
    bool norecovery;    /* rm/errordetect/norecovery (cluster-wide switch) */
    bool other_server;  /* another server could take a failover */
    int max_reboot;     /* cluster limit on reboot-type final actions (0 none) */
    int reboots_done;   /* reboot-type final actions done on this server */
} rec_input_t;

/* Why there is no step (REC_NONE); each has its own alert in rm.c. */
typedef enum {
    REC_SKIP_NONE = 0,     /* a step was chosen */
    REC_SKIP_NORECOVERY,   /* the cluster-wide switch (rm 192) */
    REC_SKIP_TIMEOUT,      /* a timeout, with "do not recover at timeout" (rm 193) */
    REC_SKIP_INACTIVE,     /* the recovery target is not active here (rm 25) */
    REC_SKIP_REBOOT_LIMIT, /* the final action would pass the reboot limit (rm 100) */
    REC_SKIP_FINAL_DONE,   /* the final action was already carried out */
    REC_SKIP_EXHAUSTED,    /* thresholds exhausted, final action "no operation" */
} rec_skip_t;

typedef struct {
    rec_step_t step;
    bool run_script;    /* run the pre-action script first */
    rec_skip_t skip;    /* why REC_NONE */
    const char *reason; /* the same in words (or why the final action is skipped) */
} rec_decision_t;

/* Decides the next step and advances the counters accordingly. */
rec_decision_t recovery_next(const clp_monitor_t *m, const rec_input_t *in, rec_counters_t *cnt);

#endif

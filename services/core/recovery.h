/*
 * recovery: the monitor recovery sequence as a pure decision. Given a
 * monitor's configuration and its counters on this server, what happens at
 * the next detected error: the recovery script alone, a reactivation of the
 * recovery target, a failover, the final action — each of the last three
 * optionally preceded by the monitor's script — or nothing (counters
 * exhausted, recovery disabled, the target not active, the final action
 * suppressed). rm.c applies the answer (runs the script off the event loop,
 * then the step; the alert of a skip); test/unit/test_recovery.c pins it.
 */
#ifndef CORE_RECOVERY_H
#define CORE_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_config.h"

typedef enum {
    REC_NONE = 0, /* no recovery (see skip) */
    REC_SCRIPT,   /* run the recovery script only (CLP_ACTION=RECOVERY; rm 170) */
    REC_RESTART,  /* reactivate the target here (rm 13) */
    REC_FAILOVER, /* fail the target's group over (rm 14) */
    REC_FINAL,    /* the final action (emergency/action) */
} rec_step_t;

typedef struct {
    int restart_count;
    int failover_count;
    int final_count;
    int script_count; /* recovery script runs (REC_SCRIPT), up to threshold/script */
} rec_counters_t;

typedef struct {
    bool target_active; /* the recovery target is online on this server */
    bool timeout;       /* the error was a timeout */
    bool norecovery;    /* rm/errordetect/norecovery (cluster-wide switch) */
    bool other_server;  /* another server could take a failover */
    bool other_normal;  /* another server of the cluster runs normally (online) */
    bool suppress_final; /* cluster/survive/monitor: suppress an OS-stopping final
                            action while no other server runs normally */
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
    REC_SKIP_SUPPRESSED,   /* an OS-stopping final action while no other server runs
                              normally, with cluster/survive/monitor (rm 200) */
    REC_SKIP_FINAL_DONE,   /* the final action was already carried out */
    REC_SKIP_EXHAUSTED,    /* thresholds exhausted, final action "no operation" */
} rec_skip_t;

typedef struct {
    rec_step_t step;
    bool run_script;    /* run the monitor's script first (always for REC_SCRIPT) */
    const char *action; /* the script's CLP_ACTION: RECOVERY, RESTART, FAILOVER, FINALACTION */
    int count;          /* the step's count including this one (CLP_RECOVERYCOUNT, ...) */
    rec_skip_t skip;    /* why REC_NONE */
    const char *reason; /* the same in words (or why the final action is skipped) */
} rec_decision_t;

/* Decides the next step and advances the counters accordingly. */
rec_decision_t recovery_next(const clp_monitor_t *m, const rec_input_t *in, rec_counters_t *cnt);

/* Does final action code a stop the operating system (shutdown, reboot, panic,
 * reset, BMC and I/O fencing: 4, 5, 8-15)? Those are what
 * cluster/survive/monitor suppresses. */
bool recovery_final_stops_os(int action);

/* The final action's name (rm 200's %1), e.g. "stop the cluster service and
 * reboot OS"; "final action N" for a code without one. */
const char *recovery_final_name(int action);

/* The engine's other decision: is a check that took elapsed_ms (and ended
 * before its timeout of timeout_ms) a delay (rm 71, Caution) at the monitor
 * delay warning rate (percent of the timeout)? 0 warns at every check, 100
 * never; otherwise from rate % of the timeout on. */
bool recovery_check_delayed(uint32_t elapsed_ms, uint32_t timeout_ms, int rate);

#endif

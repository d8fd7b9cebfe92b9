/*
 * recovery: the sequence of reference §5.4 (recovery script, reactivation
 * threshold, failover threshold, final action), with the documented
 * switches.
 */
#include "recovery.h"

#include <stddef.h>

bool recovery_final_stops_os(int action)
{
    return action == 4 || action == 5 || (action >= 8 && action <= 15);
}

const char *recovery_final_name(int action)
{
    static const char *const names[] = {
        [1] = "no operation",
        [2] = "stop group",
        [3] = "stop the cluster service",
        [4] = "stop the cluster service and shutdown OS",
        [5] = "stop the cluster service and reboot OS",
        [8] = "sysrq panic",
        [9] = "keepalive reset",
        [10] = "keepalive panic",
        [11] = "BMC reset",
        [12] = "BMC power off",
        [13] = "BMC power cycle",
        [14] = "BMC NMI",
        [15] = "I/O fencing",
        [16] = "stop resource",
    };
    if (action > 0 && (size_t)action < sizeof(names) / sizeof(names[0]) && names[action]) {
        return names[action];
    }
    return "final action";
}

static rec_decision_t skip(rec_skip_t why, const char *reason)
{
    rec_decision_t d = {REC_NONE, false, "", 0, why, reason};
    return d;
}

rec_decision_t recovery_next(const clp_monitor_t *m, const rec_input_t *in, rec_counters_t *cnt)
{
    if (in->norecovery) {
        return skip(REC_SKIP_NORECOVERY, "recovery actions are disabled for the cluster");
    }
    if (in->timeout && m->timeout_norecovery) {
        return skip(REC_SKIP_TIMEOUT, "the error was a timeout, and recovery at timeout is off");
    }
    bool cls = m->rel_type == CLP_REL_CLS;
    if (!cls && !in->target_active) {
        return skip(REC_SKIP_INACTIVE, "the recovery target is not active");
    }
    rec_decision_t d = {REC_NONE, false, "", 0, REC_SKIP_NONE, ""};
    if (cnt->script_count < m->th_script) {
        d.step = REC_SCRIPT;
        d.run_script = true;
        d.action = "RECOVERY";
        d.count = ++cnt->script_count;
        return d;
    }
    if (!cls && cnt->restart_count < m->th_restart) {
        d.step = REC_RESTART;
        d.run_script = m->preaction_restart != 0;
        d.action = "RESTART";
        d.count = ++cnt->restart_count;
        return d;
    }
    if (!cls && cnt->failover_count < m->th_fo && in->other_server) {
        d.step = REC_FAILOVER;
        d.run_script = m->preaction_failover != 0;
        d.action = "FAILOVER";
        d.count = ++cnt->failover_count;
        return d;
    }
    if (m->action <= 1) {
        return skip(REC_SKIP_EXHAUSTED,
                    "the thresholds are exhausted and the final action is no operation");
    }
    if (cnt->final_count > 0) {
        return skip(REC_SKIP_FINAL_DONE, "the final action was already carried out");
    }
    bool reboot_kind = m->action >= 4 && m->action != 16;
    if (reboot_kind && in->max_reboot > 0 && in->reboots_done >= in->max_reboot) {
        return skip(REC_SKIP_REBOOT_LIMIT, "the reboot count limit is reached");
    }
    if (in->suppress_final && recovery_final_stops_os(m->action) && !in->other_normal) {
        return skip(REC_SKIP_SUPPRESSED,
                    "no other server runs normally and the final action would stop the OS");
    }
    d.step = REC_FINAL;
    d.run_script = m->preaction_use != 0;
    d.action = "FINALACTION";
    d.count = ++cnt->final_count;
    return d;
}

bool recovery_check_delayed(uint32_t elapsed_ms, uint32_t timeout_ms, int rate)
{
    if (rate >= 100) {
        return false;
    }
    if (rate <= 0) {
        return true;
    }
    return (uint64_t)elapsed_ms * 100u >= (uint64_t)timeout_ms * (uint64_t)rate;
}

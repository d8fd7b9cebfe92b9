/*
 * recovery: the sequence of reference §5.4 (reactivation threshold, failover
 * threshold, final action), with the documented switches.
 */
#include "recovery.h"

rec_decision_t recovery_next(const clp_monitor_t *m, const rec_input_t *in, rec_counters_t *cnt)
{
    rec_decision_t d = {REC_NONE, false, REC_SKIP_NONE, ""};
    if (in->norecovery) {
        d.skip = REC_SKIP_NORECOVERY;
        d.reason = "recovery actions are disabled for the cluster";
        return d;
    }
    if (in->timeout && m->timeout_norecovery) {
        d.skip = REC_SKIP_TIMEOUT;
        d.reason = "the error was a timeout, and recovery at timeout is off";
        return d;
    }
    bool cls = m->rel_type == CLP_REL_CLS;
    if (!cls && !in->target_active) {
        d.skip = REC_SKIP_INACTIVE;
        d.reason = "the recovery target is not active";
        return d;
    }
    d.run_script =
        m->preaction_use && cnt->script_count < (m->th_script > 0 ? m->th_script : 1 << 30);
    if (!cls && cnt->restart_count < m->th_restart) {
        cnt->restart_count++;
        d.step = REC_RESTART;
    } else if (!cls && cnt->failover_count < m->th_fo && in->other_server) {
        cnt->failover_count++;
        d.step = REC_FAILOVER;
    } else if (m->action > 1) {
        bool reboot_kind = m->action >= 4 && m->action != 16;
        if (reboot_kind && in->max_reboot > 0 && in->reboots_done >= in->max_reboot) {
            d.skip = REC_SKIP_REBOOT_LIMIT;
            d.reason = "the reboot count limit is reached";
            d.run_script = false;
            return d;
        }
        if (cnt->final_count > 0) {
            d.skip = REC_SKIP_FINAL_DONE;
            d.reason = "the final action was already carried out";
            d.run_script = false;
            return d;
        }
        cnt->final_count++;
        d.step = REC_FINAL;
    } else {
        d.skip = REC_SKIP_EXHAUSTED;
        d.reason = "the thresholds are exhausted and the final action is no operation";
        d.run_script = false;
        return d;
    }
    if (d.run_script) {
        cnt->script_count++;
    }
    return d;
}

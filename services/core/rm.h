/*
 * rm: monitor resources on this server. Each configured monitor that applies
 * here (its servers list) runs while it should (timing Always: while the
 * cluster runs; Active: while its target resource is online here), after the
 * wait before the first check, every interval, each check in a child with the
 * monitor's timeout (or in-process for immediate checks). An error counted
 * retry+1 times in a row (a timeout per the "do not retry at timeout" switch)
 * starts the recovery sequence (recovery.c) through rc: reactivation,
 * failover, final action, with the alerts of the reference (rm 9, 13, 14, 25,
 * 26, 71, ...). A monitor in error keeps the group it relates to from starting
 * on this server (rc 66), until it is normal again.
 *
 * One hung check never delays another: every check is its own child with its
 * own timer; the core's loop never waits for one.
 */
#ifndef CORE_RM_H
#define CORE_RM_H

#include <stdint.h>

#include "clp_srv.h"
#include "core.h"

int rm_init(core_t *c);
void rm_fini(core_t *c);
void rm_tick(core_t *c, uint64_t now);

/* Suspends or resumes every monitor (cluster suspend/resume). */
void rm_suspend_all(core_t *c, bool suspend);
/* Stops every monitor (cluster service stopping). */
void rm_stop_all(core_t *c);
/* The timeout ratio multiplies monitor timeouts. */
void rm_set_toratio(core_t *c, uint32_t ratio);

void rm_fill_node_state(core_t *c, Clp__NodeState *ns);
void rm_free_node_state(Clp__NodeState *ns);
void rm_fill_view(core_t *c, Clp__ClusterStatus *st, bool local_only);
void rm_free_view(Clp__ClusterStatus *st);

/* The servers (bit k = server k) on which a monitor is in error that keeps
 * group g from starting there: this server's own monitors, and the other up
 * servers' as their last NodeState says (a monitor in Error whose recovery
 * target is g or a resource of g). The master places groups with it (rc 63,
 * rc 65, rc 66). */
uint64_t rm_restricted_servers(core_t *c, int g);

/* clpmonctrl and WebManager requests. */
void rm_handle_request(core_t *c, clp_srv_req_t *req, const Clp__MonitorRequest *mr,
                       const char *sender);

/* External notices (clprexec --notice / --clear, passed on by trn) for this
 * server's message receive monitors (mrw): the named monitor, or every mrw
 * that takes the notice's category and keyword. A notice makes a running mrw
 * Error at once and starts its recovery; a clear makes it Normal again and
 * resets its recovery counters. Replies RexecReply naming the monitors
 * reached, or an error saying why none was. */
void rm_handle_rexec(core_t *c, clp_srv_req_t *req, const Clp__RexecRequest *rr);

#endif

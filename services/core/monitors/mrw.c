/*
 * mrw: the message receive monitor. It polls nothing: its state is what
 * external notices (clprexec --notice / --clear, through trn and the core's
 * API, rm_handle_rexec in rm.c) say. A notice whose category and keyword this
 * monitor takes (parameters/category, parameters/keyword; see
 * clp_rexec_match) makes it Error at once — no reconfirmation, the notice is
 * the detection — and the engine runs its recovery (relation, thresholds,
 * final action as for every monitor). The error stands until a --clear
 * that reaches it; then the next check (run at once) is Normal.
 */
#include <string.h>

#include "../mon.h"
#include "clp_rexec.h"

bool mrw_accepts(const clp_monitor_t *m, const char *server, const char *category,
                 const char *keyword)
{
    return clp_rexec_match(clp_conf_mon_param(m, server, "parameters/category"),
                           clp_conf_mon_param(m, server, "parameters/keyword"), category, keyword);
}

static int check(mon_ctx_t *ctx)
{
    if (ctx->notice && ctx->notice[0]) {
        mon_detail(ctx, "%s", ctx->notice);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

const mon_type_t mon_mrw = {
    .name = "mrw",
    .inproc = true,
    .check = check,
};

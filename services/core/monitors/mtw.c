/*
 * mtw: multi target monitor. Watches the monitors listed in
 * parameters/object@N/name on this server and decides from their states, as
 * the original's default thresholds do:
 *
 *   error    at least one member is in error and none is normal (members that
 *            are offline, suspended or not used here do not count as normal)
 *   caution  some members are in error, others are normal (a warning: rm 4)
 *   normal   otherwise (no member in error, including all offline)
 *
 * The check needs the other monitors' states, which mon_ctx_t does not carry.
 * It asks this server's core for them through the core's local API (the
 * MonitorRequest that clpmonctrl uses, without an operation), from the check's
 * child process, with a ZeroMQ context of its own.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "../mon.h"
#include "clp_msg.h"
#include "clp_rpc.h"

typedef struct {
    int error, normal, other;
} mtw_tally_t;

/* Adds one member's state to t. */
static void mtw_count(mtw_tally_t *t, Clp__MonitorState s)
{
    if (s == CLP__MONITOR_STATE__MON_ERROR) {
        t->error++;
    } else if (s == CLP__MONITOR_STATE__MON_NORMAL || s == CLP__MONITOR_STATE__MON_CAUTION) {
        t->normal++;
    } else {
        t->other++;
    }
}

/* The verdict for a tally: MON_CHECK_OK, _WARN or _ERROR. */
static int mtw_verdict(const mtw_tally_t *t)
{
    if (t->error == 0) {
        return MON_CHECK_OK;
    }
    return t->normal == 0 ? MON_CHECK_ERROR : MON_CHECK_WARN;
}

/* True when key names a member: "parameters/object@N/name". */
static bool is_member_key(const char *k)
{
    size_t kl = strlen(k);
    return strncmp(k, "parameters/object@", 18) == 0 && kl > 23 && strcmp(k + kl - 5, "/name") == 0;
}

static const char *state_word(Clp__MonitorState s)
{
    switch (s) {
    case CLP__MONITOR_STATE__MON_NORMAL:
        return "normal";
    case CLP__MONITOR_STATE__MON_CAUTION:
        return "caution";
    case CLP__MONITOR_STATE__MON_ERROR:
        return "error";
    case CLP__MONITOR_STATE__MON_SUSPEND:
        return "suspended";
    case CLP__MONITOR_STATE__MON_UNUSED:
        return "not used";
    case CLP__MONITOR_STATE__MON_OFFLINE:
        return "offline";
    default:
        return "unknown";
    }
}

static int check(mon_ctx_t *ctx)
{
    const clp_params_t *p = &ctx->mon->params;
    int members = 0;
    for (size_t i = 0; i < p->n; i++) {
        members += is_member_key(p->v[i].key) && p->v[i].value[0];
    }
    if (members == 0) {
        printf("no monitor to watch (parameters/object@N/name)");
        return MON_CHECK_ERROR;
    }
    void *zctx = zmq_ctx_new();
    if (!zctx) {
        printf("cannot create a ZeroMQ context");
        return MON_CHECK_ERROR;
    }
    clp_msg_ctx_t mctx;
    clp_msg_ctx_init(&mctx, ctx->conf->cluster.name, ctx->server, "mtw", 0);
    Clp__MonitorRequest mr = CLP__MONITOR_REQUEST__INIT;
    mr.op = CLP__MONITOR_REQUEST__OP__OP_NONE;
    mr.requester = (char *)ctx->mon->name;
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST;
    req.monitor_request = &mr;
    Clp__Envelope *rep = NULL;
    char err[256];
    int tmo = ctx->mon->timeout_s > 2 ? (ctx->mon->timeout_s - 1) * 1000 : 1000;
    int rc = clp_rpc_local(zctx, ctx->root, "core", &mctx, &req, &rep, tmo, err, sizeof(err));
    int verdict = MON_CHECK_ERROR;
    if (rc < 0) {
        printf("cannot read the monitors' states from the core: %s", err);
    } else if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_MONITOR_REPLY) {
        printf("the core did not answer with the monitors' states");
    } else {
        const Clp__MonitorReply *mrep = rep->monitor_reply;
        mtw_tally_t t = {0};
        char detail[512] = "";
        size_t dl = 0;
        for (size_t i = 0; i < p->n; i++) {
            if (!is_member_key(p->v[i].key) || !p->v[i].value[0]) {
                continue;
            }
            const char *name = p->v[i].value;
            Clp__MonitorState s = CLP__MONITOR_STATE__MON_UNKNOWN;
            bool found = false;
            for (size_t k = 0; k < mrep->n_monitors; k++) {
                if (strcmp(mrep->monitors[k]->name, name) == 0) {
                    s = mrep->monitors[k]->state;
                    found = true;
                }
            }
            if (!found) {
                s = CLP__MONITOR_STATE__MON_ERROR; /* a member that does not exist */
            }
            mtw_count(&t, s);
            int w = snprintf(detail + dl, sizeof(detail) - dl, "%s%s %s", dl ? ", " : "", name,
                             found ? state_word(s) : "not defined");
            if (w > 0 && (size_t)w < sizeof(detail) - dl) {
                dl += (size_t)w;
            }
        }
        verdict = mtw_verdict(&t);
        if (verdict != MON_CHECK_OK) {
            printf("%d of %d monitors in error (%s)", t.error, members, detail);
        }
    }
    clp_msg_free(rep);
    zmq_ctx_term(zctx);
    return verdict;
}

const mon_type_t mon_mtw = {
    .name = "mtw",
    .inproc = false,
    .check = check,
};

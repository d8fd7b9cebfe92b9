/*
 * rm: the monitor engine (see rm.h): scheduling, checks in children, error
 * counting, delay warnings, recovery through rc, suspension, dummy failures,
 * and the monitor part of NodeState and the cluster view.
 */
#define CLP_LOG_TAG "rm"
#include "rm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "clp_log.h"
#include "clp_rexec.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "mon.h"
#include "peer.h"
#include "rc.h"
#include "recovery.h"

#define RESET_STABLE_MS 60000 /* normal this long after a recovery: counters start over */

static const mon_type_t *const mon_types[] = {
    &mon_userw, &mon_pidw,   &mon_genw,    &mon_ipw,   &mon_fipw,    &mon_vipw,
    &mon_miiw,  &mon_diskw,  &mon_mtw,     &mon_volmgrw, &mon_ddnsw, &mon_psw,
    &mon_httpw, &mon_psqlw,  &mon_mysqlw,  &mon_sambaw, &mon_nfsw,   &mon_oraclew,
    &mon_mrw,
};

const mon_type_t *mon_type(const char *name)
{
    for (size_t i = 0; i < sizeof(mon_types) / sizeof(mon_types[0]); i++) {
        if (strcmp(mon_types[i]->name, name) == 0) {
            return mon_types[i];
        }
    }
    return NULL;
}

const char *mon_param(const mon_ctx_t *ctx, const char *key)
{
    return clp_conf_mon_param(ctx->mon, ctx->server, key);
}

long mon_param_int(const mon_ctx_t *ctx, const char *key, long def)
{
    const char *v = mon_param(ctx, key);
    if (!v || !*v) {
        return def;
    }
    char *end;
    long n = strtol(v, &end, 10);
    return *end ? def : n;
}

void mon_detail(mon_ctx_t *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (ctx->detail) {
        vsnprintf(ctx->detail, ctx->detail_len, fmt, ap);
    } else {
        vprintf(fmt, ap);
    }
    va_end(ap);
}

struct rm;

typedef struct {
    struct rm *rm;
    const clp_monitor_t *conf;
    const mon_type_t *type;
    int index;
    bool here;
    bool running;
    bool suspended;
    bool dummy;
    Clp__MonitorState state;
    uint64_t active_since;
    uint64_t next_check;
    child_t *child;
    int fails;
    rec_counters_t cnt;
    uint64_t last_recovery;
    uint64_t normal_since;
    bool in_error;
    bool recovering;
    bool restarting; /* a reactivation it asked for may still run here: no check */
    bool rearm;      /* reactivated: the next confirmed failure is a new error */
    uint64_t hold_until;
    char msg[256];
    uint64_t last_check_wall;
    uint32_t last_duration;
    uint64_t checks; /* completed checks (clpmonctrl -v): frozen while suspended */
    int rel_group;
    const clp_resource_t *target;
    const clp_group_t *target_group;
    char *notice;          /* mrw: the external error notice standing (heap), NULL if none */
    const char *rec_notice; /* the recovery in progress was caused by a notice: its step */
    int watch_fd;            /* the type's watch (mon_type_t.watch), -1 when none is armed */
    struct event *watch_ev;
    child_t *script;         /* the recovery script or the script before a step, running */
    rec_decision_t pending;  /* the step that waits for that script */
} mrt_t;

typedef struct rm {
    core_t *c;
    mrt_t *m;
    size_t n;
    uint32_t ratio;
    bool all_suspended;
    bool stopped;
    int reboots_done;
    size_t cursor; /* where rm_tick's scan resumes after its budget ran out */
} rm_t;

static rm_t *RM(core_t *c)
{
    return c->rm;
}

static const char *self_name(rm_t *rm)
{
    return rm->c->conf->servers[rm->c->self].name;
}

static void set_state(rm_t *rm, mrt_t *M, Clp__MonitorState s)
{
    if (M->state != s) {
        M->state = s;
        core_state_changed(rm->c);
    }
}

/* ---- start/stop ---- */

static bool should_run(rm_t *rm, mrt_t *M)
{
    core_t *c = rm->c;
    if (!M->here || !M->type || rm->stopped || c->stopping || c->fenced ||
        core_local_state(c) != CLP__SERVER_STATE__SERVER_ONLINE) {
        return false;
    }
    if (M->conf->timing == CLP_TIMING_ACTIVE) {
        return M->target && rc_resource_online_here(c, M->target->name);
    }
    return true;
}

static void fill_ctx(rm_t *rm, mrt_t *M, mon_ctx_t *ctx)
{
    core_t *c = rm->c;
    memset(ctx, 0, sizeof(*ctx));
    ctx->conf = c->conf;
    ctx->mon = M->conf;
    ctx->self = c->self;
    ctx->server = self_name(rm);
    ctx->root = c->d->root;
    ctx->target = M->target;
    ctx->target_group = M->target_group;
    ctx->notice = M->notice;
}

static void mon_start(rm_t *rm, mrt_t *M, uint64_t now)
{
    M->running = true;
    M->active_since = now;
    M->next_check = now + (uint64_t)M->conf->firstmonwait_s * 1000u;
    M->fails = 0;
    /* Normal from its start: the counters of an earlier recovery (the group
     * failed over away and came back) start over after RESET_STABLE_MS. */
    M->normal_since = now;
    set_state(rm, M,
              M->suspended ? CLP__MONITOR_STATE__MON_SUSPEND : CLP__MONITOR_STATE__MON_NORMAL);
    if (M->type->start) {
        mon_ctx_t ctx;
        fill_ctx(rm, M, &ctx);
        M->type->start(&ctx);
    }
    CLP_ALERT(rm->c->d->ev, "rm", 1, M->conf->name);
}

/* ---- event-driven checks (mon_type_t.watch) ---- */

static void run_check(rm_t *rm, mrt_t *M, uint64_t now);

static void watch_drop(mrt_t *M)
{
    if (M->watch_ev) {
        event_free(M->watch_ev);
        M->watch_ev = NULL;
    }
    if (M->watch_fd >= 0) {
        close(M->watch_fd);
        M->watch_fd = -1;
    }
}

/* What the monitor watches may have failed: check now, if it would be checked
 * at all now (not while its target is being stopped: the next tick stops it). */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    mrt_t *M = arg;
    rm_t *rm = M->rm;
    watch_drop(M);
    if (!M->running || !should_run(rm, M) || M->suspended || M->child || M->recovering ||
        M->restarting) {
        return;
    }
    run_check(rm, M, clp_mono_ms());
}

static void watch_arm(rm_t *rm, mrt_t *M)
{
    if (!M->type || !M->type->watch || M->watch_fd >= 0 || !M->running || M->suspended) {
        return;
    }
    mon_ctx_t ctx;
    fill_ctx(rm, M, &ctx);
    int fd = M->type->watch(&ctx);
    if (fd < 0) {
        return;
    }
    M->watch_fd = fd;
    M->watch_ev = event_new(rm->c->d->base, fd, EV_READ, on_watch, M);
    if (!M->watch_ev || event_add(M->watch_ev, NULL) < 0) {
        watch_drop(M);
    }
}

static void mon_stop(rm_t *rm, mrt_t *M)
{
    watch_drop(M);
    if (M->child) {
        child_abandon(M->child);
        M->child = NULL;
    }
    if (M->running && M->type && M->type->stop) {
        mon_ctx_t ctx;
        fill_ctx(rm, M, &ctx);
        M->type->stop(&ctx);
    }
    if (M->running) {
        CLP_ALERT(rm->c->d->ev, "rm", 2, M->conf->name);
    }
    M->running = false;
    M->in_error = false;
    M->restarting = false;
    M->rearm = false;
    if (M->rel_group >= 0) {
        rc_set_restricted(rm->c, M->rel_group, rm->c->self, false);
    }
    set_state(rm, M, M->here ? CLP__MONITOR_STATE__MON_OFFLINE : CLP__MONITOR_STATE__MON_UNUSED);
}

static void carry_out(rm_t *rm, mrt_t *M, rec_decision_t d);

/* ---- the monitor's script (recovery script, script before a step) ---- */

/* The script's path: emergency/preaction/path, absolute, or a name under
 * scripts/monitor.s/<monitor>/ (the script "created with this product",
 * preaction.sh when none is given). */
static void script_path(rm_t *rm, mrt_t *M, char *out, size_t n)
{
    const char *p = M->conf->preaction_path;
    if (p && p[0] == '/') {
        snprintf(out, n, "%s", p);
    } else {
        clp_path(out, n, rm->c->d->root, "scripts/monitor.s/%s/%s", M->conf->name,
                 p && p[0] ? p : "preaction.sh");
    }
}

static void env_push(char ***env, size_t *n, char *s)
{
    *env = xrealloc(*env, (*n + 2) * sizeof(char *));
    (*env)[(*n)++] = s;
    (*env)[*n] = NULL;
}

/* The script's environment (reference §13.4): CLP_ACTION, CLP_MONITORNAME,
 * the count of the step (CLP_RECOVERYCOUNT / CLP_RESTARTCOUNT /
 * CLP_FAILOVERCOUNT; none for FINALACTION), CLP_OSNAME, CLP_PATH,
 * CLP_VERSION_FULL, CLP_VERSION_MAJOR, and this product's
 * CLP_SERVER_LOCAL and CLP_ROOT; PATH, LANG, LC_ALL, TZ and HOME are kept. */
static char **script_env(rm_t *rm, mrt_t *M, const rec_decision_t *d)
{
    extern char **environ;
    char **env = NULL;
    size_t n = 0;
    static const char *const keep[] = {"PATH=", "LANG=", "LC_ALL=", "TZ=", "HOME=", NULL};
    for (char **e = environ; e && *e; e++) {
        for (const char *const *k = keep; *k; k++) {
            if (strncmp(*e, *k, strlen(*k)) == 0) {
                env_push(&env, &n, xstrdup(*e));
            }
        }
    }
    if (!getenv("PATH")) {
        env_push(&env, &n,
                 xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    }
    env_push(&env, &n, xasprintf("CLP_ACTION=%s", d->action));
    env_push(&env, &n, xasprintf("CLP_MONITORNAME=%s", M->conf->name));
    static const char *const count_var[] = {[REC_SCRIPT] = "CLP_RECOVERYCOUNT",
                                            [REC_RESTART] = "CLP_RESTARTCOUNT",
                                            [REC_FAILOVER] = "CLP_FAILOVERCOUNT"};
    if (d->step != REC_FINAL && d->step != REC_NONE) {
        env_push(&env, &n, xasprintf("%s=%d", count_var[d->step], d->count));
    }
    env_push(&env, &n, xstrdup("CLP_OSNAME=Linux"));
    env_push(&env, &n, xasprintf("CLP_PATH=%s", rm->c->d->root));
    env_push(&env, &n, xasprintf("CLP_VERSION_FULL=%s", CLP_VERSION));
    env_push(&env, &n,
             xasprintf("CLP_VERSION_MAJOR=%.*s", (int)strcspn(CLP_VERSION, "."), CLP_VERSION));
    env_push(&env, &n, xasprintf("CLP_SERVER_LOCAL=%s", self_name(rm)));
    env_push(&env, &n, xasprintf("CLP_ROOT=%s", rm->c->d->root));
    return env;
}

/* The step's name in rm 82 / 83 ("Script before %1 upon failure in monitor
 * resource %2 ...") and in trnsv 20. */
static const char *step_name(rec_step_t s)
{
    switch (s) {
    case REC_RESTART:
        return "reactivation";
    case REC_FAILOVER:
        return "failover";
    case REC_FINAL:
        return "final action";
    case REC_SCRIPT:
        return "recovery script";
    default:
        return "recovery";
    }
}

/* The script ended (status: its exit code, -signal, CHILD_TIMED_OUT; or
 * -1000000 when it could not be started): its alert, then the step. */
static void script_finished(rm_t *rm, mrt_t *M, int status, const char *output)
{
    core_t *c = rm->c;
    rec_decision_t d = M->pending;
    bool ok = status == 0;
    char how[64];
    if (status == CHILD_TIMED_OUT) {
        snprintf(how, sizeof(how), "timed out after %d s", M->conf->preaction_timeout_s);
    } else if (status == -1000000) {
        snprintf(how, sizeof(how), "could not be started");
    } else if (status < 0) {
        snprintf(how, sizeof(how), "was killed by signal %d", -status);
    } else {
        snprintf(how, sizeof(how), "exited with %d", status);
    }
    size_t ol = output ? strlen(output) : 0;
    while (ol > 0 && (output[ol - 1] == '\n' || output[ol - 1] == ' ')) {
        ol--;
    }
    if (ok) {
        clp_info("monitor %s: the script (%s, count %d) %s", M->conf->name, d.action, d.count,
                 how);
    } else {
        clp_warn("monitor %s: the script (%s, count %d) %s%s%.*s", M->conf->name, d.action,
                 d.count, how, ol ? ": " : "", (int)(ol > 200 ? 200 : ol),
                 ol > 200 ? output + ol - 200 : output ? output : "");
    }
    if (d.step == REC_SCRIPT) {
        if (ok) {
            CLP_ALERT(c->d->ev, "rm", 170, M->conf->name);
        } else {
            CLP_ALERT(c->d->ev, "rm", 171, M->conf->name);
        }
    } else {
        CLP_ALERT(c->d->ev, "rm", ok ? 82 : 83, step_name(d.step), M->conf->name);
    }
    M->recovering = false;
    if (rm->stopped || c->stopping) {
        clp_info("monitor %s: the cluster service is stopping: the %s is not carried out",
                 M->conf->name, step_name(d.step));
        return;
    }
    /* The step follows whatever the script's outcome (the script prepares
     * the recovery, it does not decide it). */
    carry_out(rm, M, d);
}

static void on_script_done(void *arg, int status, const char *output, int elapsed_ms)
{
    (void)elapsed_ms;
    mrt_t *M = arg;
    M->script = NULL;
    script_finished(M->rm, M, status, output);
}

/* Runs the monitor's script for step d off the event loop (a child with
 * emergency/preaction/timeout × the timeout ratio); the step follows when it
 * ends. */
static void run_script(rm_t *rm, mrt_t *M, rec_decision_t d)
{
    char path[CLP_PATH_MAX], logp[CLP_PATH_MAX];
    script_path(rm, M, path, sizeof(path));
    clp_path(logp, sizeof(logp), rm->c->d->root, "log/monitor-%s.script.log", M->conf->name);
    char *argv[] = {"/bin/sh", path, NULL};
    char **env = script_env(rm, M, &d);
    child_opts_t opts = {.log_path = logp};
    M->pending = d;
    M->recovering = true;
    clp_info("monitor %s: running %s (CLP_ACTION=%s, count %d) before the %s", M->conf->name, path,
             d.action, d.count, step_name(d.step));
    uint32_t tmo = (uint32_t)M->conf->preaction_timeout_s * 1000u * rm->ratio;
    M->script = access(path, R_OK) == 0 ? child_run_exec(rm->c->d->base, argv, env, (int)tmo,
                                                         &opts, on_script_done, M)
                                        : NULL;
    int err = errno;
    for (char **e = env; e && *e; e++) {
        free(*e);
    }
    free(env);
    if (!M->script) {
        char why[CLP_PATH_MAX + 64];
        snprintf(why, sizeof(why), "%s: %s", path, strerror(err));
        script_finished(rm, M, -1000000, why);
    }
}

/* ---- recovery ---- */

static void on_recovery_answer(void *arg, bool ok, const char *msg)
{
    mrt_t *M = arg;
    M->recovering = false;
    if (!ok) {
        clp_warn("monitor %s: recovery not carried out: %s", M->conf->name, msg);
    }
    if (M->rec_notice) {
        /* the recovery an external notice caused: its outcome (trnsv 21 / 22) */
        CLP_ALERT(M->rm->c->d->ev, "trnsv", ok ? 21 : 22, M->rec_notice, M->conf->name);
        M->rec_notice = NULL;
    }
}

static const char *target_group_name(rm_t *rm, mrt_t *M)
{
    if (M->rel_group >= 0) {
        return rm->c->conf->groups[M->rel_group].name;
    }
    return NULL;
}

/* Is the recovery target online on this server? */
static bool target_active(rm_t *rm, mrt_t *M)
{
    core_t *c = rm->c;
    const char *gname = target_group_name(rm, M);
    bool active = false;
    if (M->conf->rel_type == CLP_REL_RSC) {
        active = rc_resource_online_here(c, M->conf->rel_name);
    } else if (M->conf->rel_type == CLP_REL_GRP) {
        active = gname && rc_group_online_here(c, gname);
    } else if (M->conf->rel_type == CLP_REL_ALLGRP) {
        for (size_t g = 0; g < c->conf->n_groups; g++) {
            active = active || rc_group_online_here(c, c->conf->groups[g].name);
        }
    }
    return active;
}

static void recover(rm_t *rm, mrt_t *M, bool timeout)
{
    core_t *c = rm->c;
    bool others = (nm_online_mask(c->nm) & ~(1ull << c->self)) != 0;
    rec_input_t in = {
        .target_active = target_active(rm, M),
        .timeout = timeout,
        .norecovery = c->conf->cluster.rm_norecovery != 0,
        .other_server = others,
        .other_normal = others,
        .suppress_final = c->conf->cluster.survive_monitor != 0,
        .max_reboot = c->conf->cluster.max_reboot,
        .reboots_done = rm->reboots_done,
    };
    rec_decision_t d = recovery_next(M->conf, &in, &M->cnt);
    if (d.step == REC_NONE) {
        switch (d.skip) {
        case REC_SKIP_NORECOVERY:
            CLP_ALERT(c->d->ev, "rm", 192, M->conf->name);
            break;
        case REC_SKIP_TIMEOUT:
            CLP_ALERT(c->d->ev, "rm", 193, M->conf->name);
            break;
        case REC_SKIP_INACTIVE:
            CLP_ALERT(c->d->ev, "rm", 25, M->conf->rel_name);
            break;
        case REC_SKIP_REBOOT_LIMIT: {
            char lim[16];
            snprintf(lim, sizeof(lim), "%d", in.max_reboot);
            CLP_ALERT(c->d->ev, "rm", 100, lim, M->conf->name);
            break;
        }
        case REC_SKIP_SUPPRESSED:
            CLP_ALERT(c->d->ev, "rm", 200, recovery_final_name(M->conf->action), M->conf->name);
            break;
        default:
            break;
        }
        clp_info("monitor %s: no recovery: %s", M->conf->name, d.reason);
        return;
    }
    M->last_recovery = clp_mono_ms();
    core_state_changed(c);
    if (d.run_script) {
        run_script(rm, M, d);
        return;
    }
    carry_out(rm, M, d);
}

/* Carries out step d (after its script, if any). */
static void carry_out(rm_t *rm, mrt_t *M, rec_decision_t d)
{
    core_t *c = rm->c;
    const char *gname = target_group_name(rm, M);
    /* The recovery target as the messages name it: all groups have no name
     * in the configuration. */
    const char *target = M->conf->rel_type == CLP_REL_ALLGRP && !M->conf->rel_name[0]
                             ? "All Groups"
                             : M->conf->rel_name;
    if (d.step == REC_SCRIPT) {
        /* The recovery script was the whole step: the monitor checks again
         * at once, and its next confirmed failure is a new error that takes
         * the next step. */
        M->rearm = M->in_error;
        M->fails = 0;
        M->next_check = clp_mono_ms();
        return;
    }
    if (M->notice) {
        M->rec_notice = step_name(d.step);
        CLP_ALERT(c->d->ev, "trnsv", 20, M->rec_notice, M->conf->name);
        if (d.step == REC_FINAL) {
            M->rec_notice = NULL; /* carried out at once, no answer comes */
        }
    }
    switch (d.step) {
    case REC_RESTART:
        CLP_ALERT(c->d->ev, "rm", 13, target, M->conf->name);
        M->recovering = true;
        M->restarting = true;
        if (M->conf->rel_type == CLP_REL_ALLGRP) {
            for (size_t g = 0; g < c->conf->n_groups; g++) {
                if (rc_group_online_here(c, c->conf->groups[g].name)) {
                    rc_request_recovery(c, c->conf->groups[g].name, NULL, false, M->conf->name,
                                        on_recovery_answer, M);
                }
            }
        } else if (rc_request_recovery(c, gname, M->conf->rel_type == CLP_REL_RSC ? target : NULL,
                                       false, M->conf->name, on_recovery_answer, M) < 0) {
            on_recovery_answer(M, false, "the request could not reach the master server");
        }
        break;
    case REC_FAILOVER:
        CLP_ALERT(c->d->ev, "rm", 14, target, M->conf->name);
        M->recovering = true;
        if (M->conf->rel_type == CLP_REL_ALLGRP) {
            for (size_t g = 0; g < c->conf->n_groups; g++) {
                if (rc_group_online_here(c, c->conf->groups[g].name)) {
                    rc_request_recovery(c, c->conf->groups[g].name, NULL, true, M->conf->name,
                                        on_recovery_answer, M);
                }
            }
        } else if (rc_request_recovery(c, gname, NULL, true, M->conf->name, on_recovery_answer, M) <
                   0) {
            on_recovery_answer(M, false, "the request could not reach the master server");
        }
        break;
    case REC_FINAL: {
        int a = M->conf->action;
        if (a == 2 || a == 16) {
            CLP_ALERT(c->d->ev, "rm", 12, target, M->conf->name);
            if (gname) {
                rc_request_stop(c, gname, M->conf->name);
            }
        } else {
            /* The "has been required" message of each action (its %1 is the
             * monitor): stop cluster 15, shut down 16, reboot 17, sysrq panic
             * 35, keepalive reset 37 / panic 39, BMC reset 41 / power off 43 /
             * power cycle 45 / NMI 47, I/O fencing 210. */
            static const unsigned ids[16] = {
                [3] = 15,  [4] = 16,  [5] = 17,  [8] = 35,  [9] = 37,  [10] = 39,
                [11] = 41, [12] = 43, [13] = 45, [14] = 47, [15] = 210};
            if (a < 16 && ids[a]) {
                CLP_ALERT(c->d->ev, "rm", ids[a], M->conf->name);
            }
            if (a == 4 || a == 5) {
                rm->reboots_done++;
            }
            fence_execute(c->fence, fence_from_final(a), M->conf->name);
        }
        break;
    }
    default:
        break;
    }
}

/* ---- checks ---- */

typedef struct {
    rm_t *rm;
    mrt_t *M;
    mon_ctx_t ctx;
} mjob_t;

static int check_body(void *arg)
{
    mjob_t *j = arg;
    int rc = j->M->type->check(&j->ctx);
    fflush(stdout);
    return rc;
}

static uint32_t timeout_ms(rm_t *rm, mrt_t *M)
{
    return (uint32_t)M->conf->timeout_s * 1000u * rm->ratio;
}

static void handle_result(rm_t *rm, mrt_t *M, int result, const char *detail, uint32_t elapsed)
{
    core_t *c = rm->c;
    uint64_t now = clp_mono_ms();
    bool timeout = result == CHILD_TIMED_OUT;
    M->last_check_wall = clp_wall_ms();
    M->last_duration = elapsed;
    M->next_check = now + (uint64_t)M->conf->interval_s * 1000u;
    if (!M->running || M->suspended) {
        return;
    }
    M->checks++;
    if (M->dummy) {
        result = MON_CHECK_ERROR;
        detail = "dummy failure";
    }
    /* Delay warning: a check that took more than the ratio of the timeout. */
    bool delayed =
        !timeout && recovery_check_delayed(elapsed, timeout_ms(rm, M), M->conf->delay_warning);
    if (delayed) {
        char t[16], r[16], act[16], rate[16];
        snprintf(t, sizeof(t), "%d", M->conf->timeout_s);
        snprintf(r, sizeof(r), "%u", rm->ratio);
        snprintf(act, sizeof(act), "%.3f", elapsed / 1000.0);
        snprintf(rate, sizeof(rate), "%d", M->conf->delay_warning);
        /* vipw and ddnsw have their own row for it (the original's separate
         * monitor processes); every other type reports rm 71 */
        if (strcmp(M->conf->type, "vipw") == 0) {
            CLP_ALERT(c->d->ev, "vipw", 1, M->conf->name, t, r, act, rate);
        } else if (strcmp(M->conf->type, "ddnsw") == 0) {
            CLP_ALERT(c->d->ev, "ddnsw", 1, M->conf->name, t, r, act, rate);
        } else {
            CLP_ALERT(c->d->ev, "rm", 71, M->conf->name, t, r, act, rate);
        }
    }
    if (result == MON_CHECK_OK || result == MON_CHECK_WARN) {
        M->fails = 0;
        M->rearm = false;
        if (M->in_error) {
            M->in_error = false;
            CLP_ALERT(c->d->ev, "rm", 26, M->conf->name);
            if (M->rel_group >= 0) {
                rc_set_restricted(c, M->rel_group, c->self, false);
            }
            M->normal_since = now;
        }
        if (M->last_recovery && M->normal_since && now - M->normal_since >= RESET_STABLE_MS &&
            now - M->last_recovery >= RESET_STABLE_MS) {
            memset(&M->cnt, 0, sizeof(M->cnt));
            M->last_recovery = 0;
        }
        if (result == MON_CHECK_WARN && M->state != CLP__MONITOR_STATE__MON_CAUTION) {
            /* Once when it starts warning, not at every check. */
            CLP_ALERT(c->d->ev, "rm", 4, M->conf->name, "1", detail && detail[0] ? detail : "");
        }
        M->msg[0] = '\0';
        Clp__MonitorState ns = (result == MON_CHECK_WARN || delayed)
                                   ? CLP__MONITOR_STATE__MON_CAUTION
                                   : CLP__MONITOR_STATE__MON_NORMAL;
        if (M->state == CLP__MONITOR_STATE__MON_CAUTION && ns == CLP__MONITOR_STATE__MON_NORMAL) {
            CLP_ALERT(c->d->ev, "rm", 49, M->conf->name);
        }
        set_state(rm, M, ns);
        watch_arm(rm, M);
        return;
    }
    snprintf(M->msg, sizeof(M->msg), "%s", timeout ? "timeout" : detail ? detail : "error");
    size_t l = strlen(M->msg);
    while (l > 0 && (M->msg[l - 1] == '\n' || M->msg[l - 1] == ' ')) {
        M->msg[--l] = '\0';
    }
    M->fails++;
    /* an external notice is the detection itself: no reconfirmation */
    bool confirmed = M->fails > M->conf->retry || (timeout && M->conf->timeout_noretry) ||
                     M->notice != NULL;
    if (!confirmed) {
        return;
    }
    if (M->in_error && !M->rearm) {
        set_state(rm, M, CLP__MONITOR_STATE__MON_ERROR);
        return; /* one recovery per error; the next comes when it was normal again */
    }
    M->rearm = false;
    M->in_error = true;
    M->normal_since = 0;
    set_state(rm, M, CLP__MONITOR_STATE__MON_ERROR);
    char code[16];
    snprintf(code, sizeof(code), "%d", timeout ? 99 : result);
    CLP_ALERT(c->d->ev, "rm", 9, M->conf->name, code, M->msg);
    if (M->rel_group >= 0) {
        rc_set_restricted(c, M->rel_group, c->self, true);
    }
    recover(rm, M, timeout);
}

static void on_check_done(void *arg, int status, const char *output, int elapsed_ms)
{
    mjob_t *j = arg;
    rm_t *rm = j->rm;
    mrt_t *M = j->M;
    free(j);
    M->child = NULL;
    int result = status == CHILD_TIMED_OUT                              ? CHILD_TIMED_OUT
                 : (status == MON_CHECK_OK || status == MON_CHECK_WARN) ? status
                                                                        : MON_CHECK_ERROR;
    handle_result(rm, M, result, output, (uint32_t)elapsed_ms);
}

static void run_check(rm_t *rm, mrt_t *M, uint64_t now)
{
    if (M->type->inproc) {
        char detail[256] = "";
        mon_ctx_t ctx;
        fill_ctx(rm, M, &ctx);
        ctx.detail = detail;
        ctx.detail_len = sizeof(detail);
        uint64_t t0 = clp_mono_us();
        int r = M->type->check(&ctx);
        handle_result(rm, M, r, detail, (uint32_t)((clp_mono_us() - t0) / 1000u));
        return;
    }
    mjob_t *j = xcalloc(1, sizeof(*j));
    j->rm = rm;
    j->M = M;
    fill_ctx(rm, M, &j->ctx);
    char dump[CLP_PATH_MAX];
    child_opts_t opts = {.free_arg = free}; /* the job of a check that rm abandons */
    if (M->conf->dumpcollect) {
        clp_path(dump, sizeof(dump), rm->c->d->root, "log/monitor-%s.dump", M->conf->name);
        opts.dump_path = dump;
    }
    M->child = child_run_fn(rm->c->d->base, check_body, j, (int)timeout_ms(rm, M), &opts,
                            on_check_done, j);
    if (!M->child) {
        free(j);
        M->next_check = now + 1000;
    }
}

/* Does the reactivation a monitor asked for still run on this server? */
static bool restart_busy(rm_t *rm, mrt_t *M)
{
    core_t *c = rm->c;
    if (M->conf->rel_type == CLP_REL_ALLGRP) {
        for (size_t g = 0; g < c->conf->n_groups; g++) {
            if (rc_group_busy_here(c, (int)g)) {
                return true;
            }
        }
        return false;
    }
    return M->rel_group >= 0 && rc_group_busy_here(c, M->rel_group);
}

/* A burst - 200 monitors starting at once, each forking its first check -
 * would hold the core's loop and then bury it under as many runnable children
 * as there are checks, for longer than the stall monitor allows at the fastest
 * timing (T/2 = 75 ms without a pet resets the server), and delay its beats.
 * So one tick spends at most RM_TICK_BUDGET_MS starting monitors and launching
 * checks, and launches at most one check per RM_LAUNCH_GAP_MS of tick (200 a
 * second); the scan resumes where it stopped at the next tick, so a check due
 * but not launched goes first then. t_rm_burst. */
#define RM_TICK_BUDGET_MS 10
#define RM_LAUNCH_GAP_MS 5

void rm_tick(core_t *c, uint64_t now)
{
    rm_t *rm = RM(c);
    uint64_t t0 = clp_mono_ms();
    int launches = 0;
    int max_launches = c->tick_ms / RM_LAUNCH_GAP_MS > 1 ? c->tick_ms / RM_LAUNCH_GAP_MS : 1;
    for (size_t k = 0; k < rm->n; k++) {
        size_t i = (rm->cursor + k) % rm->n;
        if (k > 0 && (launches >= max_launches || clp_mono_ms() - t0 >= RM_TICK_BUDGET_MS)) {
            rm->cursor = i;
            return;
        }
        mrt_t *M = &rm->m[i];
        bool want = should_run(rm, M);
        if (want && !M->running) {
            mon_start(rm, M, now);
        } else if (!want && M->running) {
            mon_stop(rm, M);
        }
        if (M->restarting && !M->recovering && !restart_busy(rm, M)) {
            /* The reactivation is over (the target may have been restarted
             * between two ticks, the monitor running throughout): a failure
             * of what runs now is a new error, counted from scratch. */
            M->restarting = false;
            M->rearm = M->in_error;
            M->fails = 0;
            M->next_check = now;
        }
        if (!M->running || M->suspended || M->child || M->recovering || M->restarting ||
            now < M->next_check) {
            continue;
        }
        run_check(rm, M, now);
        launches++;
    }
}

/* ---- lifecycle ---- */

int rm_init(core_t *c)
{
    rm_t *rm = xcalloc(1, sizeof(*rm));
    c->rm = rm;
    rm->c = c;
    rm->ratio = 1;
    rm->n = c->conf->n_monitors;
    rm->m = xcalloc(rm->n + 1, sizeof(*rm->m));
    const char *self = c->conf->servers[c->self].name;
    if (c->conf->cluster.rm_norecovery) {
        /* said once per start of the cluster service: no monitor recovers */
        CLP_ALERT(c->d->ev, "rm", 190);
    }
    for (size_t i = 0; i < rm->n; i++) {
        mrt_t *M = &rm->m[i];
        M->rm = rm;
        M->watch_fd = -1;
        M->conf = &c->conf->monitors[i];
        M->index = (int)i;
        M->type = M->conf->supported ? mon_type(M->conf->type) : NULL;
        M->here = M->conf->n_servers == 0;
        for (size_t k = 0; k < M->conf->n_servers; k++) {
            if (strcmp(M->conf->servers[k], self) == 0) {
                M->here = true;
            }
        }
        M->state = M->here ? CLP__MONITOR_STATE__MON_OFFLINE : CLP__MONITOR_STATE__MON_UNUSED;
        M->target = M->conf->target[0] ? clp_conf_resource(c->conf, M->conf->target) : NULL;
        M->target_group = M->target ? clp_conf_group(c->conf, M->target->group) : NULL;
        M->rel_group = -1;
        if (M->conf->rel_type == CLP_REL_RSC) {
            const clp_resource_t *r = clp_conf_resource(c->conf, M->conf->rel_name);
            M->rel_group = r ? rc_group_index(c, r->group) : -1;
        } else if (M->conf->rel_type == CLP_REL_GRP) {
            M->rel_group = rc_group_index(c, M->conf->rel_name);
        }
        if (!M->type && M->here) {
            clp_warn("monitor %s (%s) is not supported by this product; it does not run",
                     M->conf->name, M->conf->type);
        }
    }
    return 0;
}

void rm_fini(core_t *c)
{
    rm_t *rm = RM(c);
    if (!rm) {
        return;
    }
    for (size_t i = 0; i < rm->n; i++) {
        if (rm->m[i].child) {
            child_abandon(rm->m[i].child);
        }
        if (rm->m[i].script) {
            child_abandon(rm->m[i].script);
        }
        watch_drop(&rm->m[i]);
        free(rm->m[i].notice);
    }
    free(rm->m);
    free(rm);
    c->rm = NULL;
}

void rm_suspend_all(core_t *c, bool suspend)
{
    rm_t *rm = RM(c);
    rm->all_suspended = suspend;
    for (size_t i = 0; i < rm->n; i++) {
        mrt_t *M = &rm->m[i];
        M->suspended = suspend;
        if (M->child) {
            child_abandon(M->child);
            M->child = NULL;
        }
        if (M->running) {
            set_state(rm, M,
                      suspend ? CLP__MONITOR_STATE__MON_SUSPEND : CLP__MONITOR_STATE__MON_NORMAL);
            M->next_check = clp_mono_ms();
        }
    }
    CLP_ALERT(c->d->ev, "rm", suspend ? 31 : 32);
}

void rm_stop_all(core_t *c)
{
    rm_t *rm = RM(c);
    rm->stopped = true;
    for (size_t i = 0; i < rm->n; i++) {
        mrt_t *M = &rm->m[i];
        if (M->script) {
            /* the cluster service stops: the step the script came before is
             * not carried out */
            clp_info("monitor %s: the cluster service is stopping: its script is ended and the "
                     "%s is not carried out",
                     M->conf->name, step_name(M->pending.step));
            child_abandon(M->script);
            M->script = NULL;
            M->recovering = false;
        }
        if (rm->m[i].running) {
            mon_stop(rm, &rm->m[i]);
        }
    }
}

void rm_set_toratio(core_t *c, uint32_t ratio)
{
    RM(c)->ratio = ratio ? ratio : 1;
}

/* ---- restriction of group starts ---- */

/* The group a monitor's error restricts (its recovery target's), or -1. */
static int restricted_group(core_t *c, const clp_monitor_t *m)
{
    if (m->rel_type == CLP_REL_RSC) {
        const clp_resource_t *r = clp_conf_resource(c->conf, m->rel_name);
        return r ? rc_group_index(c, r->group) : -1;
    }
    if (m->rel_type == CLP_REL_GRP) {
        return rc_group_index(c, m->rel_name);
    }
    return -1;
}

uint64_t rm_restricted_servers(core_t *c, int g)
{
    rm_t *rm = RM(c);
    uint64_t mask = 0;
    for (size_t i = 0; rm && i < rm->n; i++) {
        if (rm->m[i].in_error && rm->m[i].rel_group == g) {
            mask |= 1ull << c->self;
        }
    }
    int n = nm_n_servers(c->nm);
    for (int k = 0; k < n; k++) {
        if (k == c->self || nm_peer_state(c->nm, k) != NM_PEER_UP) {
            continue;
        }
        const Clp__NodeState *ns = peer_state(c->peer, k, NULL);
        for (size_t x = 0; ns && x < ns->n_monitors; x++) {
            if (ns->monitors[x]->state != CLP__MONITOR_STATE__MON_ERROR) {
                continue;
            }
            const clp_monitor_t *m = clp_conf_monitor(c->conf, ns->monitors[x]->name);
            if (m && restricted_group(c, m) == g) {
                mask |= 1ull << k;
            }
        }
    }
    return mask;
}

/* ---- NodeState and view ---- */

static Clp__MonitorStatus *status_of(mrt_t *M)
{
    Clp__MonitorStatus *s = xcalloc(1, sizeof(*s));
    clp__monitor_status__init(s);
    s->name = (char *)M->conf->name;
    s->state = M->state;
    s->message = M->msg;
    s->restart_count = (uint32_t)M->cnt.restart_count;
    s->failover_count = (uint32_t)M->cnt.failover_count;
    s->final_count = (uint32_t)M->cnt.final_count;
    s->script_count = (uint32_t)M->cnt.script_count;
    s->suspended = M->suspended;
    s->dummy_failure = M->dummy;
    s->last_check_wall_ms = M->last_check_wall;
    s->last_duration_ms = M->last_duration;
    s->check_count = M->checks;
    return s;
}

void rm_fill_node_state(core_t *c, Clp__NodeState *ns)
{
    rm_t *rm = RM(c);
    ns->n_monitors = rm->n;
    ns->monitors = xcalloc(rm->n + 1, sizeof(*ns->monitors));
    for (size_t i = 0; i < rm->n; i++) {
        ns->monitors[i] = status_of(&rm->m[i]);
    }
}

void rm_free_node_state(Clp__NodeState *ns)
{
    for (size_t i = 0; i < ns->n_monitors; i++) {
        free(ns->monitors[i]);
    }
    free(ns->monitors);
    ns->monitors = NULL;
    ns->n_monitors = 0;
}

static Clp__MonitorState overall(const Clp__MonitorState *s, int n)
{
    /* Error anywhere > Caution > Normal > Suspend > Offline > Unused. */
    static const int rank[] = {
        [CLP__MONITOR_STATE__MON_OFFLINE] = 1, [CLP__MONITOR_STATE__MON_NORMAL] = 3,
        [CLP__MONITOR_STATE__MON_CAUTION] = 4, [CLP__MONITOR_STATE__MON_ERROR] = 5,
        [CLP__MONITOR_STATE__MON_UNUSED] = 0,  [CLP__MONITOR_STATE__MON_SUSPEND] = 2,
        [CLP__MONITOR_STATE__MON_UNKNOWN] = 1,
    };
    Clp__MonitorState best = CLP__MONITOR_STATE__MON_UNUSED;
    for (int k = 0; k < n; k++) {
        if ((unsigned)s[k] <= CLP__MONITOR_STATE__MON_UNKNOWN && rank[s[k]] > rank[best]) {
            best = s[k];
        }
    }
    return best;
}

void rm_fill_view(core_t *c, Clp__ClusterStatus *st, bool local_only)
{
    rm_t *rm = RM(c);
    int n = nm_n_servers(c->nm);
    Clp__MonitorState *tmp = xcalloc((size_t)n + 1, sizeof(*tmp));
    st->n_monitors = rm->n;
    st->monitors = xcalloc(rm->n + 1, sizeof(*st->monitors));
    for (size_t i = 0; i < rm->n; i++) {
        mrt_t *M = &rm->m[i];
        Clp__MonitorView *mv = xcalloc(1, sizeof(*mv));
        clp__monitor_view__init(mv);
        mv->name = (char *)M->conf->name;
        mv->type = (char *)M->conf->type;
        mv->suspended = M->suspended;
        mv->n_per_server = (size_t)n;
        mv->per_server = xcalloc((size_t)n + 1, sizeof(*mv->per_server));
        for (int k = 0; k < n; k++) {
            Clp__MonitorServerState *ms = xcalloc(1, sizeof(*ms));
            clp__monitor_server_state__init(ms);
            ms->server = (char *)c->conf->servers[k].name;
            ms->message = "";
            if (k == c->self) {
                ms->state = M->state;
                ms->message = M->msg;
                ms->restart_count = (uint32_t)M->cnt.restart_count;
                ms->failover_count = (uint32_t)M->cnt.failover_count;
                ms->final_count = (uint32_t)M->cnt.final_count;
            } else {
                const Clp__NodeState *ns = local_only ? NULL : peer_state(c->peer, k, NULL);
                ms->state = nm_peer_state(c->nm, k) == NM_PEER_UP ? CLP__MONITOR_STATE__MON_UNKNOWN
                                                                  : CLP__MONITOR_STATE__MON_OFFLINE;
                for (size_t x = 0;
                     ns && nm_peer_state(c->nm, k) == NM_PEER_UP && x < ns->n_monitors; x++) {
                    if (strcmp(ns->monitors[x]->name, M->conf->name) == 0) {
                        ms->state = ns->monitors[x]->state;
                        ms->message = ns->monitors[x]->message;
                        ms->restart_count = ns->monitors[x]->restart_count;
                        ms->failover_count = ns->monitors[x]->failover_count;
                        ms->final_count = ns->monitors[x]->final_count;
                    }
                }
            }
            tmp[k] = ms->state;
            mv->per_server[k] = ms;
        }
        mv->state = overall(tmp, n);
        st->monitors[i] = mv;
    }
    free(tmp);
}

void rm_free_view(Clp__ClusterStatus *st)
{
    for (size_t i = 0; i < st->n_monitors; i++) {
        for (size_t k = 0; k < st->monitors[i]->n_per_server; k++) {
            free(st->monitors[i]->per_server[k]);
        }
        free(st->monitors[i]->per_server);
        free(st->monitors[i]);
    }
    free(st->monitors);
    st->monitors = NULL;
    st->n_monitors = 0;
}

/* ---- requests ---- */

typedef struct {
    clp_srv_req_t *req;
} mfwd_t;

static void on_mforward(void *arg, const Clp__Envelope *rep)
{
    mfwd_t *f = arg;
    if (rep) {
        clp_srv_reply(f->req, (Clp__Envelope *)rep);
    } else {
        clp_srv_reply_error(f->req, -ETIMEDOUT, "the server did not answer in time");
    }
    free(f);
}

void rm_handle_request(core_t *c, clp_srv_req_t *req, const Clp__MonitorRequest *mr,
                       const char *sender)
{
    rm_t *rm = RM(c);
    if (mr->server && mr->server[0] && strcmp(mr->server, self_name(rm)) != 0) {
        int k = clp_conf_server_index(c->conf, mr->server);
        if (k < 0) {
            clp_srv_reply_error(req, -ENOENT, "server %s is not defined in the configuration",
                                mr->server);
            return;
        }
        Clp__MonitorRequest fwd = *mr;
        fwd.server = "";
        Clp__Envelope env = CLP__ENVELOPE__INIT;
        env.payload_case = CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST;
        env.monitor_request = &fwd;
        mfwd_t *f = xcalloc(1, sizeof(*f));
        f->req = req;
        if (peer_call(c->peer, k, &env, 10000, on_mforward, f) < 0) {
            free(f);
            clp_srv_reply_error(req, -EHOSTUNREACH, "server %s cannot be reached", mr->server);
        }
        return;
    }
    bool all = !mr->monitor || !mr->monitor[0];
    bool found = all;
    Clp__MonitorReply mrep = CLP__MONITOR_REPLY__INIT;
    Clp__MonitorStatus **list = xcalloc(rm->n + 1, sizeof(*list));
    for (size_t i = 0; i < rm->n; i++) {
        mrt_t *M = &rm->m[i];
        if (!all && strcmp(M->conf->name, mr->monitor) != 0) {
            continue;
        }
        found = true;
        switch (mr->op) {
        case CLP__MONITOR_REQUEST__OP__SUSPEND:
            if (!M->suspended) {
                M->suspended = true;
                if (M->child) {
                    child_abandon(M->child);
                    M->child = NULL;
                }
                if (M->running) {
                    set_state(rm, M, CLP__MONITOR_STATE__MON_SUSPEND);
                }
                if (!all) {
                    CLP_ALERT(c->d->ev, "rm", 29, M->conf->name);
                }
            }
            break;
        case CLP__MONITOR_REQUEST__OP__RESUME:
            if (M->suspended) {
                M->suspended = false;
                M->fails = 0;
                M->next_check = clp_mono_ms();
                if (M->running) {
                    set_state(rm, M, CLP__MONITOR_STATE__MON_NORMAL);
                }
                if (!all) {
                    CLP_ALERT(c->d->ev, "rm", 30, M->conf->name);
                }
            }
            break;
        case CLP__MONITOR_REQUEST__OP__CLEAR:
            memset(&M->cnt, 0, sizeof(M->cnt));
            M->last_recovery = 0;
            core_state_changed(c);
            break;
        case CLP__MONITOR_REQUEST__OP__DUMMY_ON:
            M->dummy = true;
            CLP_ALERT(c->d->ev, "rm", 180, M->conf->name);
            break;
        case CLP__MONITOR_REQUEST__OP__DUMMY_OFF:
            M->dummy = false;
            CLP_ALERT(c->d->ev, "rm", 181, M->conf->name);
            break;
        default:
            break;
        }
        list[mrep.n_monitors++] = status_of(M);
    }
    if (all && (mr->op == CLP__MONITOR_REQUEST__OP__SUSPEND ||
                mr->op == CLP__MONITOR_REQUEST__OP__RESUME)) {
        CLP_ALERT(c->d->ev, "rm", mr->op == CLP__MONITOR_REQUEST__OP__SUSPEND ? 31 : 32);
    }
    if (!found) {
        for (size_t i = 0; i < mrep.n_monitors; i++) {
            free(list[i]);
        }
        free(list);
        clp_srv_reply_error(req, -ENOENT, "monitor %s is not defined in the configuration",
                            mr->monitor);
        return;
    }
    mrep.ok = true;
    mrep.message = "Command succeeded.";
    mrep.monitors = list;
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_MONITOR_REPLY;
    rep.monitor_reply = &mrep;
    clp_srv_reply(req, &rep);
    for (size_t i = 0; i < mrep.n_monitors; i++) {
        free(list[i]);
    }
    free(list);
}

/* ---- external notices (mrw) ---- */

/* Cuts s to at most max bytes for alert texts ("..." marks the cut). */
static const char *cut(const char *s, char *buf, size_t n, size_t max)
{
    if (strlen(s) <= max) {
        return s;
    }
    snprintf(buf, n, "%.*s...", (int)max, s);
    return buf;
}

/* Why monitor M cannot take a notice now, or NULL when it can. */
static const char *notice_refusal(rm_t *rm, mrt_t *M, char *why, size_t n)
{
    if (!M->here) {
        snprintf(why, n, "monitor %s does not run on server %s (its servers list)", M->conf->name,
                 self_name(rm));
    } else if (!M->running) {
        snprintf(why, n, "monitor %s is not running on server %s (cluster service not online)",
                 M->conf->name, self_name(rm));
    } else if (M->suspended) {
        snprintf(why, n, "monitor %s is suspended on server %s", M->conf->name, self_name(rm));
    } else {
        return NULL;
    }
    return why;
}

static void apply_notice(rm_t *rm, mrt_t *M, const Clp__RexecRequest *rr)
{
    core_t *c = rm->c;
    const char *cat = rr->category && rr->category[0]
                          ? rr->category
                          : clp_conf_mon_param(M->conf, self_name(rm), "parameters/category");
    const char *kw = rr->category && rr->category[0] ? rr->keyword : "";
    const char *from = rr->requester && rr->requester[0] ? rr->requester : "?";
    if (rr->op == CLP__REXEC_REQUEST__OP__NOTICE) {
        char b1[80], b2[140];
        size_t len = strlen(cat ? cat : "") + strlen(kw ? kw : "") + strlen(from) + 64;
        char *text = xmalloc(len);
        snprintf(text, len, "external error: category %s%s%s (from %s)", cat ? cat : "",
                 kw && kw[0] ? ", keyword " : "", kw ? kw : "", from);
        clp_info("monitor %s: external error notice from %s: category %s, keyword %s",
                 M->conf->name, from, cat ? cat : "", kw && kw[0] ? kw : "(none)");
        CLP_ALERT(c->d->ev, "mm", 903, cut(cat ? cat : "", b1, sizeof(b1), 64),
                  cut(kw ? kw : "", b2, sizeof(b2), 128), M->conf->name);
        bool standing = M->notice != NULL;
        free(M->notice);
        M->notice = text;
        if (standing) {
            return; /* already in error: one recovery per error */
        }
    } else {
        if (!M->notice) {
            return;
        }
        clp_info("monitor %s: external error cleared by %s", M->conf->name, from);
        free(M->notice);
        M->notice = NULL;
        memset(&M->cnt, 0, sizeof(M->cnt));
        M->last_recovery = 0;
        M->fails = 0;
    }
    /* mrw checks are immediate: the new state is there before the reply */
    if (!M->child) {
        run_check(rm, M, clp_mono_ms());
    }
}

void rm_handle_rexec(core_t *c, clp_srv_req_t *req, const Clp__RexecRequest *rr)
{
    rm_t *rm = RM(c);
    const char *self = self_name(rm);
    bool named = rr->monitor && rr->monitor[0];
    bool has_cat = rr->category && rr->category[0];
    char why[400] = "";
    char err[400];

    if (rr->op != CLP__REXEC_REQUEST__OP__NOTICE && rr->op != CLP__REXEC_REQUEST__OP__CLEAR) {
        clp_srv_reply_error(req, -EINVAL, "the cluster service takes only notices and clears");
        return;
    }
    if (clp_rexec_check_request(rr, err, sizeof(err)) < 0) {
        clp_srv_reply_error(req, -EINVAL, "%s", err);
        return;
    }
    mrt_t **hit = xcalloc(rm->n + 1, sizeof(*hit));
    size_t n_hit = 0, n_match = 0;
    for (size_t i = 0; i < rm->n; i++) {
        mrt_t *M = &rm->m[i];
        if (named && strcmp(M->conf->name, rr->monitor) != 0) {
            continue;
        }
        if (strcmp(M->conf->type, "mrw") != 0) {
            if (named) {
                snprintf(why, sizeof(why),
                         "monitor %s is a %s monitor, not a message receive monitor (mrw)",
                         M->conf->name, M->conf->type);
            }
            continue;
        }
        if (has_cat && !mrw_accepts(M->conf, self, rr->category, rr->keyword)) {
            if (named) {
                const char *mk = clp_conf_mon_param(M->conf, self, "parameters/keyword");
                snprintf(why, sizeof(why),
                         "monitor %s takes category %.64s%s%.64s%s, not this notice's", M->conf->name,
                         clp_conf_mon_param(M->conf, self, "parameters/category"),
                         mk && mk[0] ? " with keyword " : "", mk ? mk : "",
                         mk && strlen(mk) > 64 ? "..." : "");
            }
            continue;
        }
        n_match++;
        if (notice_refusal(rm, M, why, sizeof(why))) {
            continue;
        }
        hit[n_hit++] = M;
    }
    if (n_hit == 0) {
        if (!why[0] && named) {
            snprintf(why, sizeof(why), "monitor %s is not defined in the configuration",
                     rr->monitor);
        } else if (!why[0] || (!named && n_match == 0)) {
            char b[80];
            snprintf(why, sizeof(why),
                     "no message receive monitor (mrw) on server %s takes category %s%s%s", self,
                     rr->category, rr->keyword && rr->keyword[0] ? " with keyword " : "",
                     rr->keyword && rr->keyword[0] ? cut(rr->keyword, b, sizeof(b), 64) : "");
        }
        free(hit);
        clp_srv_reply_error(req, -ENOENT, "%s", why);
        return;
    }
    Clp__RexecReply rep = CLP__REXEC_REPLY__INIT;
    char **names = xcalloc(n_hit + 1, sizeof(*names));
    for (size_t i = 0; i < n_hit; i++) {
        apply_notice(rm, hit[i], rr);
        names[i] = (char *)hit[i]->conf->name;
    }
    rep.ok = true;
    rep.message = "Command succeeded.";
    rep.monitors = names;
    rep.n_monitors = n_hit;
    rep.group = "";
    rep.server = (char *)self;
    rep.output = "";
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_REXEC_REPLY;
    env.rexec_reply = &rep;
    clp_srv_reply(req, &env);
    free(names);
    free(hit);
}

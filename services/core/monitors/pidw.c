/*
 * pidw: watches the process an asynchronous exec resource started (its target,
 * parameters/... of the exec: the pid kept in work/rsc/<exec>/pid). The check
 * is kill(pid, 0) plus, when the pid was recorded with its start time, that it
 * is still the same process (a recycled pid is an error). Between checks a
 * pidfd of the process is watched (mon_type_t.watch): its exit is checked at
 * once, not at the next interval.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../mon.h"
#include "clp_paths.h"

/* The pid exec recorded for the target, or 0 (path set for messages). */
static int target_pid(const mon_ctx_t *ctx, char *path, size_t n)
{
    char *data = NULL;
    const char *target = ctx->target ? ctx->target->name : ctx->mon->rel_name;
    clp_path(path, n, ctx->root, "work/rsc/%s/pid", target);
    if (clp_read_file(path, 64, &data, NULL) < 0) {
        return 0;
    }
    int pid = atoi(data);
    free(data);
    return pid;
}

static int watch(mon_ctx_t *ctx)
{
    char path[CLP_PATH_MAX];
    int pid = target_pid(ctx, path, sizeof(path));
    return pid > 1 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
}

static int check(mon_ctx_t *ctx)
{
    char path[CLP_PATH_MAX], *data = NULL;
    const char *target = ctx->target ? ctx->target->name : ctx->mon->rel_name;
    clp_path(path, sizeof(path), ctx->root, "work/rsc/%s/pid", target);
    if (clp_read_file(path, 64, &data, NULL) < 0) {
        mon_detail(ctx, "no process id recorded for %s (is its start script asynchronous?)",
                   target);
        return MON_CHECK_ERROR;
    }
    int pid = atoi(data);
    free(data);
    if (pid <= 1 || (kill(pid, 0) < 0 && errno == ESRCH)) {
        mon_detail(ctx, "process %d of %s does not exist", pid, target);
        return MON_CHECK_ERROR;
    }
    /* A zombie is gone for our purpose. */
    char st[64], buf[512];
    snprintf(st, sizeof(st), "/proc/%d/stat", pid);
    FILE *f = fopen(st, "re");
    if (f) {
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'Z') {
            mon_detail(ctx, "process %d of %s has exited", pid, target);
            return MON_CHECK_ERROR;
        }
    }
    return MON_CHECK_OK;
}

const mon_type_t mon_pidw = {
    .name = "pidw",
    .inproc = true,
    .check = check,
    .watch = watch,
};

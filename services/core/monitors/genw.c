/*
 * genw: a custom monitor script (parameters/path: a name under
 * scripts/monitor.s/<monitor>/ or an absolute path). Synchronous (sync 1,
 * default): each check runs the script, whose exit status must equal
 * parameters/normalval (default 0). Asynchronous (sync 0): the script is
 * started once and must keep running; each check verifies it still does.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mon.h"

static void script_path(mon_ctx_t *ctx, char *out, size_t n)
{
    const char *p = mon_param(ctx, "parameters/path");
    if (p && p[0] == '/') {
        snprintf(out, n, "%s", p);
    } else {
        snprintf(out, n, "%s/scripts/monitor.s/%s/%s", ctx->root, ctx->mon->name, p ? p : "genw.sh");
    }
}

static void pid_path(mon_ctx_t *ctx, char *out, size_t n)
{
    snprintf(out, n, "%s/work/genw-%s.pid", ctx->root, ctx->mon->name);
}

static int run(mon_ctx_t *ctx, bool detach)
{
    char path[CLP_PATH_MAX];
    script_path(ctx, path, sizeof(path));
    char logp[CLP_PATH_MAX + 64];
    const char *user = mon_param(ctx, "parameters/userlog");
    if (user && user[0]) {
        snprintf(logp, sizeof(logp), "%s", user);
    } else {
        snprintf(logp, sizeof(logp), "%s/log/genw-%s.log", ctx->root, ctx->mon->name);
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (pid == 0) {
        if (detach) {
            setsid();
        }
        int fd = open(logp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setenv("CLP_MONITORNAME", ctx->mon->name, 1);
        execl("/bin/sh", "sh", path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int check(mon_ctx_t *ctx)
{
    bool sync = mon_param_int(ctx, "parameters/sync", 1) != 0;
    if (!sync) {
        char pp[CLP_PATH_MAX + 64], *data = NULL;
        pid_path(ctx, pp, sizeof(pp));
        if (clp_read_file(pp, 64, &data, NULL) == 0) {
            int pid = atoi(data);
            free(data);
            if (pid > 1 && kill(pid, 0) == 0) {
                return MON_CHECK_OK;
            }
        }
        printf("the asynchronous monitor script is not running");
        return MON_CHECK_ERROR;
    }
    int pid = run(ctx, false);
    if (pid < 0) {
        printf("cannot start the monitor script");
        return MON_CHECK_ERROR;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    long normal = mon_param_int(ctx, "parameters/normalval", 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == normal) {
        return MON_CHECK_OK;
    }
    char path[CLP_PATH_MAX];
    script_path(ctx, path, sizeof(path));
    printf("%s %s %d", path, WIFEXITED(st) ? "returned" : "was killed by signal",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return MON_CHECK_ERROR;
}

static int start(mon_ctx_t *ctx)
{
    if (mon_param_int(ctx, "parameters/sync", 1) != 0) {
        return 0;
    }
    int pid = run(ctx, true);
    if (pid > 0) {
        char pp[CLP_PATH_MAX + 64], buf[32];
        pid_path(ctx, pp, sizeof(pp));
        int n = snprintf(buf, sizeof(buf), "%d\n", pid);
        clp_write_atomic(pp, buf, (size_t)n, 0644);
    }
    return pid > 0 ? 0 : -1;
}

static void stop(mon_ctx_t *ctx)
{
    char pp[CLP_PATH_MAX + 64], *data = NULL;
    pid_path(ctx, pp, sizeof(pp));
    if (clp_read_file(pp, 64, &data, NULL) == 0) {
        int pid = atoi(data);
        free(data);
        if (pid > 1) {
            kill(-pid, SIGTERM);
        }
        unlink(pp);
    }
}

const mon_type_t mon_genw = {
    .name = "genw",
    .inproc = false,
    .check = check,
    .start = start,
    .stop = stop,
};

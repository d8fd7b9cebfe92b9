/*
 * exec: start and stop scripts with the CLP_* environment.
 *
 * The start script (parameters/act/path: a name under scripts/<group>/<resource>/
 * as created with the product, or an absolute path of a user application) runs
 * with /bin/sh in its own process group, with CLP_EVENT, CLP_SERVER, CLP_DISK,
 * CLP_GROUPNAME, CLP_RESOURCENAME, CLP_PRIORITY, CLP_FACTOR (stop) ... set, its
 * output appended to parameters/userlog (default log/exec-<resource>.log). There
 * is no limit on the environment's or the script's size beyond the kernel's.
 *
 * Synchronous (parameters/act/sync 1, default): activation waits for the
 * script, up to parameters/timeout/start seconds; exit 0 is success. Processes
 * the script leaves behind stay in its process group, whose id is kept in the
 * resource's state directory. Asynchronous (0): the script is started in a new
 * session and activation succeeds at once; its pid is kept for pidw.
 *
 * Deactivation runs the stop script (if any) the same way, then ends what is
 * left of the start script's process group (SIGTERM, then SIGKILL after 5 s),
 * so that a file system the application used can be unmounted.
 */
#define CLP_LOG_TAG "exec"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clp_time.h"
#include "rsc.h"

static int open_log(const rsc_ctx_t *ctx)
{
    char path[CLP_PATH_MAX + 64];
    const char *user = rsc_param(ctx, "parameters/userlog");
    if (user && user[0]) {
        snprintf(path, sizeof(path), "%s", user);
    } else {
        snprintf(path, sizeof(path), "%s/log/exec-%s.log", ctx->root, ctx->res->name);
    }
    long rot = rsc_param_int(ctx, "parameters/logrotate/use", 0);
    long size = rsc_param_int(ctx, "parameters/logrotate/size", 1000000);
    struct stat st;
    if (rot && stat(path, &st) == 0 && st.st_size > size) {
        char old[CLP_PATH_MAX + 80];
        snprintf(old, sizeof(old), "%s.1", path);
        rename(path, old);
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    return fd;
}

/* The state and process group of pid from /proc/PID/stat: 0, or -1 when it is
 * gone. */
static int proc_stat(pid_t pid, char *state, pid_t *pgrp)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int ppid, pg;
    if (!p || sscanf(p + 1, " %c %d %d", state, &ppid, &pg) != 3) {
        return -1;
    }
    *pgrp = (pid_t)pg;
    return 0;
}

/* Is pid a live (not zombie) member of process group pgid? */
static bool member_alive(pid_t pid, pid_t pgid)
{
    char state;
    pid_t pg;
    return proc_stat(pid, &state, &pg) == 0 && pg == pgid && state != 'Z' && state != 'X';
}

#define MAX_MEMBERS 64

/* The live (not zombie) processes of process group pgid, at most max of them in
 * out; returns how many there are (which may be more than max). Zombies count
 * for kill(-pgid, 0) until their new parent reaps them, which can take a while:
 * they hold nothing, so they do not count here. A scan of /proc costs a few
 * milliseconds on a busy host: callers scan once, then watch the members. */
static int group_members(pid_t pgid, pid_t *out, int max)
{
    if (pgid <= 1 || kill(-pgid, 0) < 0) {
        return 0;
    }
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d))) {
        pid_t pid = (pid_t)atoi(de->d_name);
        if (pid > 0 && member_alive(pid, pgid)) {
            if (n < max) {
                out[n] = pid;
            }
            n++;
        }
    }
    if (d) {
        closedir(d);
    }
    return n;
}

static bool group_alive(pid_t pgid)
{
    pid_t m[1];
    return group_members(pgid, m, 1) > 0;
}

/* Sleeps for the n-th poll of a wait: 1 ms at first, doubling up to 20 ms, so a
 * process that ends at once (most do, at SIGTERM) costs a millisecond, not a
 * whole polling period, and a long wait still costs little CPU. */
static void poll_sleep(int n)
{
    long ms = n < 5 ? 1L << n : 20;
    struct timespec ts = {0, (ms > 20 ? 20 : ms) * 1000000L};
    nanosleep(&ts, NULL);
}

/* SIGTERM to the group, then SIGKILL to what is left after grace_ms. The
 * group's leader (the start script, or the application it became) is watched
 * first; once the watched processes are gone, a scan of /proc (only if the
 * group still exists: members not reaped yet, or others) finds any other
 * member, which is then watched the same way. One scan in the common case. */
static void end_group(pid_t pgid, int grace_ms)
{
    if (pgid <= 1 || kill(-pgid, SIGTERM) < 0) {
        return; /* nothing left in the group (a zombie-only group just gets a signal) */
    }
    pid_t m[MAX_MEMBERS] = {pgid};
    int n = 1;
    uint64_t end = clp_mono_ms() + (uint64_t)grace_ms;
    for (int round = 0; n > 0 && clp_mono_ms() < end; round++) {
        if (n > MAX_MEMBERS) {
            n = group_members(pgid, m, MAX_MEMBERS); /* too many to watch one by one */
        } else {
            int left = 0;
            for (int i = 0; i < n; i++) {
                if (member_alive(m[i], pgid)) {
                    m[left++] = m[i];
                }
            }
            n = left > 0 ? left : kill(-pgid, 0) < 0 ? 0 : group_members(pgid, m, MAX_MEMBERS);
        }
        if (n > 0) {
            poll_sleep(round);
        }
    }
    if (n > 0 && group_alive(pgid)) {
        kill(-pgid, SIGKILL);
    }
}

/* Runs script; async: detached in a new session, returns at once. Returns the
 * exit status for sync scripts, RSC_ERR_TIMEOUT on timeout. */
static int run_script(rsc_ctx_t *ctx, const char *which, bool async, long timeout_s, pid_t *pgid)
{
    char key[64], path[CLP_PATH_MAX];
    snprintf(key, sizeof(key), "parameters/%s/path", which);
    const char *p = rsc_param(ctx, key);
    if (!p || !p[0]) {
        return strcmp(which, "act") == 0 ? RSC_ERR : RSC_OK;
    }
    rsc_script_path(ctx, p, path, sizeof(path));
    if (access(path, R_OK) < 0) {
        printf("script %s cannot be read: %s", path, strerror(errno));
        return RSC_ERR;
    }
    char **envp = rsc_env_build(ctx, NULL);
    int logfd = open_log(ctx);
    char ts[40];
    clp_fmt_wall(clp_wall_ms(), ts, sizeof(ts));
    if (logfd >= 0) {
        dprintf(logfd, "%s %s %s (%s) CLP_EVENT=%s\n", ts, ctx->res->name,
                strcmp(which, "act") == 0 ? "start" : "stop", path,
                ctx->env.event ? ctx->env.event : "");
    }
    pid_t pid = fork();
    if (pid < 0) {
        rsc_env_free(envp);
        return RSC_ERR;
    }
    if (pid == 0) {
        if (async) {
            setsid();
        } else {
            setpgid(0, 0);
        }
        if (logfd >= 0) {
            dup2(logfd, 1);
            dup2(logfd, 2);
        }
        char dir[CLP_PATH_MAX];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            if (chdir(dir) < 0) {
                _exit(126);
            }
        }
        execle("/bin/sh", "sh", path, (char *)NULL, envp);
        _exit(127);
    }
    setpgid(pid, pid);
    rsc_env_free(envp);
    if (logfd >= 0) {
        close(logfd);
    }
    *pgid = pid;
    if (async) {
        return RSC_OK;
    }
    uint64_t deadline = clp_mono_ms() + (uint64_t)timeout_s * 1000u;
    int st = 0;
    /* The script's end wakes this process at once through a pidfd; without
     * one (an old kernel), short polls. */
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    for (int n = 0;; n++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            break;
        }
        uint64_t now = clp_mono_ms();
        if (now >= deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            if (pidfd >= 0) {
                close(pidfd);
            }
            printf("script %s did not finish within %ld s", path, timeout_s);
            return RSC_ERR_TIMEOUT;
        }
        if (pidfd >= 0) {
            struct pollfd pf = {.fd = pidfd, .events = POLLIN};
            uint64_t left = deadline - now;
            poll(&pf, 1, left > 1000 ? 1000 : (int)left);
        } else {
            poll_sleep(n);
        }
    }
    if (pidfd >= 0) {
        close(pidfd);
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        return RSC_OK;
    }
    printf("script %s %s %d", path, WIFEXITED(st) ? "exited with" : "was killed by signal",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return RSC_ERR;
}

static int exec_activate(rsc_ctx_t *ctx)
{
    bool async = rsc_param_int(ctx, "parameters/act/sync", 1) == 0;
    long timeout = rsc_param_int(ctx, "parameters/timeout/start", 1800);
    pid_t pgid = 0;
    int rc = run_script(ctx, "act", async, timeout, &pgid);
    if (pgid > 0) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)pgid);
        rsc_state_write(ctx, "pgid", buf);
        if (async) {
            rsc_state_write(ctx, "pid", buf);
        }
    }
    return rc;
}

static int exec_deactivate(rsc_ctx_t *ctx)
{
    long timeout = rsc_param_int(ctx, "parameters/timeout/stop", 1800);
    bool async = rsc_param_int(ctx, "parameters/deact/sync", 1) == 0;
    pid_t stop_pgid = 0;
    int rc = run_script(ctx, "deact", async, timeout, &stop_pgid);
    char buf[32];
    if (rsc_state_read(ctx, "pgid", buf, sizeof(buf)) == 0) {
        end_group((pid_t)atoi(buf), 5000);
    }
    rsc_state_remove(ctx, "pgid");
    rsc_state_remove(ctx, "pid");
    return rc;
}

static int exec_probe(rsc_ctx_t *ctx)
{
    char buf[32];
    if (rsc_param_int(ctx, "parameters/act/sync", 1) == 0) {
        if (rsc_state_read(ctx, "pid", buf, sizeof(buf)) < 0) {
            return RSC_PROBE_INACTIVE;
        }
        return kill((pid_t)atoi(buf), 0) == 0 ? RSC_OK : RSC_PROBE_INACTIVE;
    }
    /* A synchronous start leaves nothing to check but what it started, if
     * anything: the recorded state is trusted. */
    return RSC_OK;
}

static void exec_quick_fence(const rsc_ctx_t *ctx)
{
    char buf[32];
    if (rsc_state_read(ctx, "pgid", buf, sizeof(buf)) == 0) {
        pid_t pgid = (pid_t)atoi(buf);
        if (pgid > 1) {
            kill(-pgid, SIGKILL);
        }
    }
}

const rsc_type_t rsc_exec = {
    .name = "exec",
    .level = RSC_LEVEL_APP,
    .activate = exec_activate,
    .deactivate = exec_deactivate,
    .probe = exec_probe,
    .quick_fence = exec_quick_fence,
    .announce = NULL,
};

/*
 * svc_proc: fork/exec with everything prepared before the fork, so that the
 * child only calls async-signal-safe functions (the supervisor has ZeroMQ
 * threads). Signals are blocked across the fork so that libevent's handlers
 * never run in the child; the child resets them to the default and unblocks.
 */
#include "svc_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_xalloc.h"

char **svc_argv_build(const char *exec, const char *root, char *err, size_t errlen)
{
    size_t plen = strlen(SVC_INSTALL_PREFIX), n = 0, cap = 8;
    int has_root = 0;

    if (strpbrk(exec, "\"'\\")) {
        snprintf(err, errlen, "start method '%s': quoting is not supported", exec);
        return NULL;
    }
    char *copy = xstrdup(exec), *save = NULL;
    char **argv = xcalloc(cap, sizeof(*argv));
    for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
        if (n + 4 > cap) {
            cap *= 2;
            argv = xrealloc(argv, cap * sizeof(*argv));
        }
        if (strncmp(w, SVC_INSTALL_PREFIX, plen) == 0 && (w[plen] == '\0' || w[plen] == '/')) {
            argv[n++] = xasprintf("%s%s", root, w + plen);
        } else {
            argv[n++] = xstrdup(w);
        }
        if (strcmp(w, "--root") == 0 || strncmp(w, "--root=", 7) == 0) {
            has_root = 1;
        }
    }
    free(copy);
    if (n == 0) {
        free(argv);
        snprintf(err, errlen, "empty start method");
        return NULL;
    }
    if (!has_root) {
        argv[n++] = xstrdup("--root");
        argv[n++] = xstrdup(root);
    }
    argv[n] = NULL;
    return argv;
}

void svc_argv_free(char ***argv)
{
    if (!argv || !*argv) {
        return;
    }
    for (char **a = *argv; *a; a++) {
        free(*a);
    }
    free(*argv);
    *argv = NULL;
}

int svc_spawn(char *const argv[], const char *outpath, pid_t *pid)
{
    sigset_t all, old, none;

    if (access(argv[0], X_OK) < 0) {
        return -errno;
    }
    int out = open(outpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0) {
        return -errno;
    }
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        int e = errno;
        close(out);
        return -e;
    }
    sigfillset(&all);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t p = fork();
    if (p == 0) {
        for (int sig = 1; sig < NSIG; sig++) {
            signal(sig, SIG_DFL);
        }
        setpgid(0, 0);
        if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            dup2(out, STDERR_FILENO) < 0) {
            _exit(127);
        }
        close_range(3, ~0u, 0);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        _exit(127);
    }
    int e = errno;
    if (p > 0) {
        setpgid(p, p); /* also here: no window in which a kill(-pgid) could miss it */
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(in);
    close(out);
    if (p < 0) {
        return -e;
    }
    *pid = p;
    return 0;
}

int svc_pidfile_take(const char *path)
{
    char buf[32];
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

void svc_pidfile_release(const char *path, int fd)
{
    if (fd < 0) {
        return;
    }
    unlink(path);
    close(fd);
}

int svc_pidfile_held(const char *path, pid_t *pid)
{
    char buf[32];
    *pid = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    int held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    if (!held) {
        flock(fd, LOCK_UN);
    } else {
        ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);
        if (k > 0) {
            buf[k] = '\0';
            *pid = (pid_t)atoi(buf);
        }
    }
    close(fd);
    return held;
}

static const char *stage_name(int code)
{
    static const char *const names[] = {
        [1] = "failure",           [2] = "usage error",         [3] = "cannot use the root",
        [4] = "cannot open its log", [5] = "already running",   [6] = "configuration error",
        [7] = "server not in the configuration", [8] = "cluster key error",
        [9] = "cannot open its endpoint", [10] = "initialisation failed",
    };
    if (code == 127) {
        return "cannot execute";
    }
    if (code > 0 && code < (int)(sizeof(names) / sizeof(names[0]))) {
        return names[code];
    }
    return NULL;
}

void svc_status_text(int status, char *out, size_t n)
{
    if (WIFEXITED(status)) {
        const char *stage = stage_name(WEXITSTATUS(status));
        if (stage) {
            snprintf(out, n, "exited with %d (%s)", WEXITSTATUS(status), stage);
        } else {
            snprintf(out, n, "exited with %d", WEXITSTATUS(status));
        }
    } else if (WIFSIGNALED(status)) {
        snprintf(out, n, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(out, n, "ended (status 0x%x)", (unsigned)status);
    }
}

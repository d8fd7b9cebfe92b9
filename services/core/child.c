/*
 * child: fork/exec with pidfd, process groups, output capture and timeouts.
 */
#define CLP_LOG_TAG "child"
#include "child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"

struct child {
    pid_t pid;
    int pidfd;
    int out_fd;
    int log_fd;
    struct event *ev_exit;
    struct event *ev_out;
    struct event *ev_timeout;
    child_done_fn done;
    void *done_arg;
    char out[CHILD_OUTPUT_MAX];
    size_t out_len;
    bool timed_out;
    bool abandoned;
    void (*free_arg)(void *); /* frees done_arg when done does not run (abandoned) */
    char dump_path[512];
    uint64_t start_ms;
    struct child *next; /* in g_children */
};

#define EXIT_POLL_MS 50

static int g_running;
/* Every child started and not reaped yet, abandoned ones included: they are
 * this module's until their exit is seen (also at the core's exit, when the
 * last abandoned ones may still be dying). */
static child_t *g_children;

int child_running(void)
{
    return g_running;
}

pid_t child_pid(const child_t *c)
{
    return c->pid;
}

static void append_output(child_t *c, const char *buf, size_t n)
{
    if (c->log_fd >= 0) {
        ssize_t w = write(c->log_fd, buf, n);
        (void)w;
    }
    if (n >= CHILD_OUTPUT_MAX - 1) {
        buf += n - (CHILD_OUTPUT_MAX - 1);
        n = CHILD_OUTPUT_MAX - 1;
    }
    if (c->out_len + n > CHILD_OUTPUT_MAX - 1) {
        size_t drop = c->out_len + n - (CHILD_OUTPUT_MAX - 1);
        memmove(c->out, c->out + drop, c->out_len - drop);
        c->out_len -= drop;
    }
    memcpy(c->out + c->out_len, buf, n);
    c->out_len += n;
    c->out[c->out_len] = '\0';
}

static void drain_output(child_t *c)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(c->out_fd, buf, sizeof(buf));
        if (n <= 0) {
            return;
        }
        append_output(c, buf, (size_t)n);
    }
}

static void on_output(evutil_socket_t fd, short what, void *arg)
{
    child_t *c = arg;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0) {
        append_output(c, buf, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        event_del(c->ev_out);
    }
}

static void child_free(child_t *c)
{
    for (child_t **pp = &g_children; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (c->ev_exit) {
        event_free(c->ev_exit);
    }
    if (c->ev_out) {
        event_free(c->ev_out);
    }
    if (c->ev_timeout) {
        event_free(c->ev_timeout);
    }
    if (c->pidfd >= 0) {
        close(c->pidfd);
    }
    if (c->out_fd >= 0) {
        close(c->out_fd);
    }
    if (c->log_fd >= 0) {
        close(c->log_fd);
    }
    free(c);
}

static void on_exit_ev(evutil_socket_t fd, short what, void *arg)
{
    child_t *c = arg;
    int wstatus = 0;
    pid_t r;

    do {
        r = waitpid(c->pid, &wstatus, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        return; /* spurious */
    }
    g_running--;
    drain_output(c);
    int status;
    if (c->timed_out) {
        status = CHILD_TIMED_OUT;
    } else if (r < 0) {
        status = -ECHILD;
    } else if (WIFEXITED(wstatus)) {
        status = WEXITSTATUS(wstatus);
    } else {
        status = -WTERMSIG(wstatus);
    }
    /* The group may still hold grandchildren (a timed-out script's children). */
    if (c->timed_out) {
        kill(-c->pid, SIGKILL);
    }
    if (!c->abandoned) {
        c->done(c->done_arg, status, c->out, (int)(clp_mono_ms() - c->start_ms));
    } else if (c->free_arg) {
        c->free_arg(c->done_arg);
    }
    child_free(c);
}

/* Appends what the hung process group is doing (status, wchan, stack) to path. */
static void dump_group(pid_t pgid, const char *path)
{
    FILE *out = fopen(path, "ae");
    DIR *d = opendir("/proc");
    struct dirent *de;
    if (!out || !d) {
        if (out) {
            fclose(out);
        }
        if (d) {
            closedir(d);
        }
        return;
    }
    char ts[40];
    clp_fmt_wall(clp_wall_ms(), ts, sizeof(ts));
    fprintf(out, "==== %s: timeout of process group %d\n", ts, (int)pgid);
    while ((de = readdir(d))) {
        pid_t pid = (pid_t)atoi(de->d_name);
        if (pid <= 0 || getpgid(pid) != pgid) {
            continue;
        }
        static const char *files[] = {"cmdline", "status", "wchan", "stack", "syscall"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
            char p[64], buf[4096];
            snprintf(p, sizeof(p), "/proc/%d/%s", (int)pid, files[i]);
            FILE *f = fopen(p, "re");
            if (!f) {
                continue;
            }
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            fclose(f);
            for (size_t k = 0; k < n; k++) {
                if (buf[k] == '\0') {
                    buf[k] = ' ';
                }
            }
            buf[n] = '\0';
            fprintf(out, "--- pid %d %s:\n%s\n", (int)pid, files[i], buf);
        }
    }
    closedir(d);
    fclose(out);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    child_t *c = arg;
    c->timed_out = true;
    if (c->dump_path[0]) {
        dump_group(c->pid, c->dump_path);
    }
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
}

static void child_setup(const child_opts_t *opts, int out_w)
{
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    if (opts && opts->new_session) {
        setsid();
    } else {
        setpgid(0, 0);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) {
        dup2(devnull, STDIN_FILENO);
        close(devnull);
    }
    dup2(out_w, STDOUT_FILENO);
    dup2(out_w, STDERR_FILENO);
    if (out_w > STDERR_FILENO) {
        close(out_w);
    }
    if (opts && opts->cwd && chdir(opts->cwd) < 0) {
        fprintf(stderr, "cannot chdir to %s: %s\n", opts->cwd, strerror(errno));
        _exit(126);
    }
}

/* A body child runs the core's code without exec, so the close-on-exec flag
 * of the core's sockets does not apply: it would keep the core's endpoints
 * (the listening port 29001, the heartbeat ports, the watchdog connection)
 * open for as long as it runs, and a core restarted after kill -9 meanwhile
 * could not listen again ("Address already in use") until the child ended.
 * A body opens whatever sockets it needs itself, so it closes every socket
 * it inherited. */
static void close_inherited_sockets(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) {
        return;
    }
    int keep = dirfd(dir);
    struct dirent *e;
    int fds[256];
    size_t n = 0;
    while ((e = readdir(dir)) != NULL && n < sizeof(fds) / sizeof(fds[0])) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        struct stat st;
        if (*end || end == e->d_name || fd <= STDERR_FILENO || fd == keep) {
            continue;
        }
        if (fstat((int)fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
            fds[n++] = (int)fd;
        }
    }
    closedir(dir);
    for (size_t i = 0; i < n; i++) {
        close(fds[i]);
    }
}

static child_t *start_common(struct event_base *base, int timeout_ms, const child_opts_t *opts,
                             child_done_fn done, void *done_arg, child_body_fn body,
                             void *body_arg, char *const argv[], char *const envp[])
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        return NULL;
    }
    child_t *c = xcalloc(1, sizeof(*c));
    c->pidfd = c->out_fd = c->log_fd = -1;
    c->done = done;
    c->done_arg = done_arg;
    c->free_arg = opts ? opts->free_arg : NULL;
    c->start_ms = clp_mono_ms();
    if (opts && opts->dump_path) {
        snprintf(c->dump_path, sizeof(c->dump_path), "%s", opts->dump_path);
    }
    if (opts && opts->log_path) {
        c->log_fd = open(opts->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pfd[0]);
        close(pfd[1]);
        child_free(c);
        errno = e;
        return NULL;
    }
    if (pid == 0) {
        close(pfd[0]);
        child_setup(opts, pfd[1]);
        if (body) {
            close_inherited_sockets();
            int rc = body(body_arg);
            fflush(NULL);
            _exit(rc & 0xff);
        }
        if (envp) {
            execve(argv[0], argv, envp);
        } else {
            execv(argv[0], argv);
        }
        fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    /* Mirror the child's own setpgid so kill(-pid) works at once. */
    if (!(opts && opts->new_session)) {
        setpgid(pid, pid);
    }
    c->pid = pid;
    c->out_fd = pfd[0];
    fcntl(c->out_fd, F_SETFL, O_NONBLOCK);
    c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (c->pidfd < 0 && errno != ENOSYS) {
        clp_error("pidfd_open(%d) failed: %s", (int)pid, strerror(errno));
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        child_free(c);
        return NULL;
    }
    g_running++;
    c->next = g_children;
    g_children = c;
    if (c->pidfd >= 0) {
        c->ev_exit = event_new(base, c->pidfd, EV_READ | EV_PERSIST, on_exit_ev, c);
        event_add(c->ev_exit, NULL);
    } else {
        /* No pidfd_open (a kernel before 5.3, valgrind before 3.20): look for
         * the exit every EXIT_POLL_MS instead. */
        static bool said;
        if (!said) {
            said = true;
            clp_warn("pidfd_open is not available: child exits are polled every %d ms",
                     EXIT_POLL_MS);
        }
        c->ev_exit = event_new(base, -1, EV_PERSIST, on_exit_ev, c);
        struct timeval poll = clp_tv_ms(EXIT_POLL_MS);
        event_add(c->ev_exit, &poll);
    }
    c->ev_out = event_new(base, c->out_fd, EV_READ | EV_PERSIST, on_output, c);
    event_add(c->ev_out, NULL);
    if (timeout_ms > 0) {
        c->ev_timeout = evtimer_new(base, on_timeout, c);
        struct timeval tv = clp_tv_ms((uint64_t)timeout_ms);
        evtimer_add(c->ev_timeout, &tv);
    }
    return c;
}

child_t *child_run_fn(struct event_base *base, child_body_fn body, void *arg, int timeout_ms,
                      const child_opts_t *opts, child_done_fn done, void *done_arg)
{
    return start_common(base, timeout_ms, opts, done, done_arg, body, arg, NULL, NULL);
}

child_t *child_run_exec(struct event_base *base, char *const argv[], char *const envp[],
                        int timeout_ms, const child_opts_t *opts, child_done_fn done,
                        void *done_arg)
{
    return start_common(base, timeout_ms, opts, done, done_arg, NULL, NULL, argv, envp);
}

void child_kill(child_t *c)
{
    if (c) {
        kill(-c->pid, SIGKILL);
        kill(c->pid, SIGKILL);
    }
}

void child_abandon(child_t *c)
{
    if (c) {
        c->abandoned = true;
        child_kill(c);
    }
}

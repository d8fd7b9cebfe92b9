/*
 * svc_daemon: process plumbing around svc_supervise and svc_control. Only
 * this file knows the supervisor is a daemon; the modules below it only see an
 * event base and a ZeroMQ context.
 */
#define CLP_LOG_TAG "clpsvc"
#include "svc_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_daemon.h"
#include "clp_evclient.h"
#include "clp_log.h"
#include "clp_paths.h"
#include "clp_time.h"
#include "svc_control.h"
#include "svc_proc.h"
#include "svc_supervise.h"

/* How long the reply to "stop everything" gets to leave before the loop ends. */
#define SHUTDOWN_GRACE_MS 200

typedef struct {
    struct event_base *base;
    svc_sup_t *sup;
    int ready_fd;
    struct event *sig_term, *sig_int, *sig_hup, *leave;
    bool stopping;
} run_t;

static void ready_say(run_t *r, const char *word, const char *message)
{
    if (r->ready_fd < 0) {
        return;
    }
    dprintf(r->ready_fd, "%s %s\n", word, message);
    close(r->ready_fd);
    r->ready_fd = -1;
}

static void on_first_start(void *arg, bool ok, const char *message)
{
    run_t *r = arg;
    if (ok) {
        clp_info("every service is online");
    } else {
        clp_error("start failed: %s", message);
    }
    ready_say(r, ok ? "ok" : "error", message);
}

static void on_leave(evutil_socket_t fd, short what, void *arg)
{
    run_t *r = arg;
    event_base_loopexit(r->base, NULL);
}

/* After every service is stopped: leave the loop once the reply is out. */
static void on_shutdown(void *arg)
{
    run_t *r = arg;
    struct timeval tv = clp_tv_ms(SHUTDOWN_GRACE_MS);
    clp_info("every service is stopped: the supervisor exits");
    evtimer_add(r->leave, &tv);
}

static void on_stopped_by_signal(void *arg, bool ok, const char *message)
{
    on_shutdown(arg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    run_t *r = arg;
    if (sig == SIGHUP) {
        return;
    }
    if (r->stopping) {
        clp_warn("second %s: leaving without waiting for the services", strsignal((int)sig));
        event_base_loopbreak(r->base);
        return;
    }
    r->stopping = true;
    clp_info("received %s: stopping every service", strsignal((int)sig));
    if (svc_sup_submit(r->sup, SVC_ACT_STOP, -1, on_stopped_by_signal, r) < 0) {
        clp_info("a stop of every service is already under way");
    }
}

/* Takes run/clpsvc.pid, retrying briefly: a client may hold a shared lock for
 * an instant while it checks whether a supervisor runs. */
static int take_lock(const char *path)
{
    uint64_t until = clp_mono_ms() + 1000;
    for (;;) {
        int fd = svc_pidfile_take(path);
        if (fd != -EWOULDBLOCK || clp_mono_ms() >= until) {
            return fd;
        }
        usleep(20000);
    }
}

int svc_daemon_run(const char *root, const svc_manifest_t *m, size_t n, int idx, int ready_fd)
{
    char path[CLP_PATH_MAX], pidpath[CLP_PATH_MAX], err[CLP_PATH_MAX + 512], host[64] = "";
    run_t r = {.ready_fd = ready_fd};
    int rc = 1;

    clp_path(pidpath, sizeof(pidpath), root, "run/clpsvc.pid");
    int pidfd = take_lock(pidpath);
    if (pidfd < 0) {
        snprintf(err, sizeof(err), "cannot take %s: %s", pidpath, strerror(-pidfd));
        ready_say(&r, pidfd == -EWOULDBLOCK ? "busy" : "error", err);
        return pidfd == -EWOULDBLOCK ? 5 : 3;
    }
    clp_log_set_level(CLP_LOG_INFO); /* the command line that forked us logs warnings only */
    clp_path(path, sizeof(path), root, "log/clpsvc.log");
    if (clp_log_open_file(path, 0) < 0) {
        snprintf(err, sizeof(err), "cannot open %s: %s", path, strerror(errno));
        ready_say(&r, "error", err);
        svc_pidfile_release(pidpath, pidfd);
        return 4;
    }
    signal(SIGPIPE, SIG_IGN);
    clp_hostname(host, sizeof(host));
    r.base = event_base_new();
    void *zctx = zmq_ctx_new();
    clp_evclient_t *ev = clp_evclient_new(r.base, zctx, root, host, "clpsvc");
    svc_control_t *ctl = NULL;
    r.sup = svc_sup_new(r.base, zctx, root, m, n, ev, err, sizeof(err));
    if (r.sup) {
        ctl = svc_control_new(r.base, zctx, root, r.sup, on_shutdown, &r, err, sizeof(err));
    }
    if (!r.sup || !ctl) {
        clp_error("%s", err);
        ready_say(&r, "error", err);
        goto out;
    }
    clp_info("clpsvc %s supervising %zu services under %s (pid %d)", CLP_VERSION, n, root,
             (int)getpid());
    r.sig_term = evsignal_new(r.base, SIGTERM, on_signal, &r);
    r.sig_int = evsignal_new(r.base, SIGINT, on_signal, &r);
    r.sig_hup = evsignal_new(r.base, SIGHUP, on_signal, &r);
    r.leave = evtimer_new(r.base, on_leave, &r);
    evsignal_add(r.sig_term, NULL);
    evsignal_add(r.sig_int, NULL);
    evsignal_add(r.sig_hup, NULL);
    svc_sup_submit(r.sup, SVC_ACT_START, idx, on_first_start, &r);
    event_base_dispatch(r.base);
    rc = 0;
out:
    svc_sup_destroy(&r.sup);
    svc_control_destroy(&ctl);
    ready_say(&r, "error", "the supervisor exited");
    clp_evclient_destroy(&ev);
    struct event *evs[] = {r.sig_term, r.sig_int, r.sig_hup, r.leave};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
        if (evs[i]) {
            event_free(evs[i]);
        }
    }
    zmq_ctx_term(zctx);
    event_base_free(r.base);
    clp_info("clpsvc stopped");
    clp_log_close_file();
    svc_pidfile_release(pidpath, pidfd);
    return rc;
}

/* In the grandchild: detach stdio, then run. */
static void become_supervisor(const char *root, const svc_manifest_t *m, size_t n, int idx,
                              int ready_fd)
{
    char out[CLP_PATH_MAX];
    clp_path(out, sizeof(out), root, "log/clpsvc.out");
    int in = open("/dev/null", O_RDONLY);
    int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) {
        dup2(in, STDIN_FILENO);
        close(in);
    }
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    if (ready_fd > 3) {
        close_range(3, (unsigned)ready_fd - 1, 0);
    }
    close_range((unsigned)ready_fd + 1, ~0u, 0);
    umask(022);
    if (chdir("/") < 0) {
        /* the root is absolute: the working directory does not matter */
    }
    _exit(svc_daemon_run(root, m, n, idx, ready_fd));
}

int svc_daemon_spawn(const char *root, const svc_manifest_t *m, size_t n, int idx, char *msg,
                     size_t msglen)
{
    int fds[2];

    if (clp_root_prepare(root) < 0) {
        snprintf(msg, msglen, "cannot prepare the root %s: %s", root, strerror(errno));
        return -errno;
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(msg, msglen, "pipe: %s", strerror(errno));
        return -errno;
    }
    fflush(NULL);
    pid_t p = fork();
    if (p < 0) {
        int e = errno;
        snprintf(msg, msglen, "fork: %s", strerror(e));
        close(fds[0]);
        close(fds[1]);
        return -e;
    }
    if (p == 0) {
        close(fds[0]);
        setsid();
        pid_t q = fork();
        if (q != 0) {
            _exit(q < 0 ? 1 : 0);
        }
        become_supervisor(root, m, n, idx, fds[1]);
    }
    close(fds[1]);
    waitpid(p, NULL, 0);

    char buf[1024];
    size_t len = 0;
    for (;;) {
        ssize_t k = read(fds[0], buf + len, sizeof(buf) - 1 - len);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0 || (len += (size_t)k) >= sizeof(buf) - 1) {
            break;
        }
    }
    close(fds[0]);
    buf[len] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    char *sp = strchr(buf, ' ');
    snprintf(msg, msglen, "%s", sp ? sp + 1 : "the supervisor ended without a word");
    if (strncmp(buf, "ok", 2) == 0) {
        return 0;
    }
    if (strncmp(buf, "busy", 4) == 0) {
        return -EWOULDBLOCK;
    }
    return -EIO;
}

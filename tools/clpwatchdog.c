/*
 * clpwatchdog: the user-space stall watchdog that lives outside the core.
 *
 * The core (userw) connects to run/watchdog.sock and writes one byte per tick;
 * if no byte arrives for --timeout ms, this process carries out --action (the
 * reset: on a real host "echo b > /proc/sysrq-trigger", on the test bed the
 * bed's crash command) and exits. A core that stops writing because it is
 * stalled (SIGSTOP, a hang) therefore resets the server before its peers
 * declare it down. A core that is restarted reconnects and goes on petting:
 * only silence longer than the timeout fires. "V" written before closing
 * disarms (the core stopping normally), as with Linux watchdog devices.
 *
 *   clpwatchdog --root DIR --timeout MS --action CMD
 *
 * It locks itself in memory and asks for real-time priority, so that the load
 * that may starve the core does not starve the watchdog too.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clp_paths.h"
#include "clp_time.h"

static void logf_line(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logf_line(FILE *log, const char *fmt, ...)
{
    char ts[40];
    va_list ap;
    clp_fmt_wall(clp_wall_ms(), ts, sizeof(ts));
    fprintf(log, "%s ", ts);
    va_start(ap, fmt);
    vfprintf(log, fmt, ap);
    va_end(ap);
    fputc('\n', log);
    fflush(log);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'},
        {"timeout", required_argument, NULL, 't'},
        {"action", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root_arg = NULL, *action = "echo b > /proc/sysrq-trigger";
    long timeout = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            root_arg = optarg;
            break;
        case 't': {
            char *end;
            timeout = strtol(optarg, &end, 10);
            if (*end || end == optarg) {
                timeout = -1;
            }
            break;
        }
        case 'a':
            action = optarg;
            break;
        case 'h':
            fprintf(stdout, "usage: clpwatchdog --root DIR --timeout MS --action CMD\n");
            return 0;
        default:
            fprintf(stderr, "usage: clpwatchdog --root DIR --timeout MS --action CMD\n");
            return 2;
        }
    }
    if (timeout < 50 || optind < argc) {
        fprintf(stderr, "clpwatchdog: %s\n", optind < argc ? "unexpected argument"
                                                           : "--timeout must be at least 50 ms");
        fprintf(stderr, "usage: clpwatchdog --root DIR --timeout MS --action CMD\n");
        return 2;
    }
    char root[CLP_PATH_MAX], path[CLP_PATH_MAX];
    if (clp_root_resolve(root_arg, root, sizeof(root)) < 0) {
        return 2;
    }
    clp_path(path, sizeof(path), root, "run/clpwatchdog.pid");
    int pidfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (pidfd < 0 || flock(pidfd, LOCK_EX | LOCK_NB) < 0) {
        return 5; /* one already watches this root */
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(pidfd, 0) == 0 && write(pidfd, buf, (size_t)n) != n) {
        return 3;
    }
    clp_path(path, sizeof(path), root, "log/clpwatchdog.log");
    FILE *log = fopen(path, "ae");
    if (!log) {
        log = stderr;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    mlockall(MCL_CURRENT | MCL_FUTURE);
    struct sched_param sp = {.sched_priority = 50};
    sched_setscheduler(0, SCHED_FIFO, &sp);

    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    clp_path(path, sizeof(path), root, "run/watchdog.sock");
    if (strlen(path) >= sizeof(sa.sun_path)) {
        logf_line(log, "socket path too long: %s", path);
        return 4;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    unlink(path);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 4) < 0) {
        logf_line(log, "cannot listen on %s: %s", path, strerror(errno));
        return 4;
    }
    logf_line(log, "watching %s: timeout %ld ms", root, timeout);
    int cs = -1;
    uint64_t last = clp_mono_ms();
    for (;;) {
        uint64_t now = clp_mono_ms();
        if (now - last >= (uint64_t)timeout) {
            logf_line(log, "no sign of life from the core for %ld ms: resetting",
                      (long)(now - last));
            logf_line(log, "action: %s", action);
            execl("/bin/sh", "sh", "-c", action, (char *)NULL);
            return 1;
        }
        struct pollfd p[2] = {{.fd = ls, .events = POLLIN}, {.fd = cs, .events = POLLIN}};
        int wait = (int)((uint64_t)timeout - (now - last));
        if (poll(p, cs >= 0 ? 2 : 1, wait > 20 ? 20 : wait) <= 0) {
            continue;
        }
        if (p[0].revents & POLLIN) {
            int ns = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
            if (ns >= 0) {
                if (cs >= 0) {
                    close(cs);
                }
                cs = ns;
                last = clp_mono_ms();
            }
        }
        if (cs >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            char b[64];
            ssize_t r = read(cs, b, sizeof(b));
            if (r <= 0) {
                close(cs);
                cs = -1; /* keep the deadline: a restarted core must reconnect in time */
                continue;
            }
            last = clp_mono_ms();
            if (memchr(b, 'V', (size_t)r)) {
                logf_line(log, "disarmed by the core");
                unlink(path);
                return 0;
            }
        }
    }
}

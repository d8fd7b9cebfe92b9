/*
 * failover_probe - measures one failover as an HTTP client sees it.
 *
 * Every INTERVAL ms the probe starts a new TCP connection to TARGET (by
 * default the floating address 10.32.0.100:80), sends "GET /" and reads the
 * answer: the body's first word is the name of the server that answered (see
 * http_responder.c). Each attempt may take TIMEOUT ms, so attempts overlap and
 * a connect stuck on SYNs sent to a dead server never hides the moment the
 * survivor starts answering. Times are CLOCK_MONOTONIC (the machine's, shared
 * by every namespace of the bed), in seconds.
 *
 * A run has three phases:
 *   1. wait until READY consecutive attempts are answered by one server (the
 *      "old" server), then print a `ready` line;
 *   2. SIGUSR1 stamps the fault time (taken in the signal handler) - the
 *      caller sends it just before injecting the fault;
 *   3. end once SETTLE consecutive attempts are answered by a server other than
 *      the old one (with -a: by any server, once an attempt started after the
 *      fault has failed), or MAX seconds after the fault.
 *
 * Command line (failover_probe -h):
 *   failover_probe [-t IP:PORT] [-i INTERVAL_MS] [-w TIMEOUT_MS] [-r READY]
 *                  [-s SETTLE] [-m MAX_S] [-a] [-l LOGFILE]
 *   defaults: -t 10.32.0.100:80 -i 10 -w 200 -r 20 -s 20 -m 60
 *
 * Output on stdout, one line per event, key=value words:
 *   ready pid=PID server=NAME mono=T
 *   fault mono=T
 *   result old=NAME new=NAME|none failover_s=S outage_s=S last_old_s=S
 *          fault_mono=T first_new_mono=T old_after_new=N
 *          attempts=N ok=N timeout=N refused=N error=N
 *   notready [streak=N server=NAME]         (no steady server within MAX_S)
 * where failover_s = first answer from the new server - fault stamp,
 *       outage_s   = first answer from the new server - last answer from the
 *                    old one (with -a: the last answer before the first failure),
 *       last_old_s = last answer from the old server - fault stamp (negative when
 *                    it stopped answering before the stamp),
 *       old_after_new = answers from the old server after the new one answered
 *                    (both answering: a duplicate address);
 * failover_s and outage_s are "-" when no new server answered. An answer's
 * time is when its body was read. -l writes one line per attempt:
 *   START_MONO END_MONO ok|timeout|refused|error NAME|-
 * Exit status: 0 failover seen, 1 none within MAX_S after the fault (or ended
 * by SIGTERM/SIGINT before), 2 usage, 3 never ready, 4 system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_MAX_SLOTS 256
#define PROBE_NAME_MAX 64
#define PROBE_BUF 512

enum probe_outcome { OUT_OK, OUT_TIMEOUT, OUT_REFUSED, OUT_ERROR };

static const char *const outcome_names[] = {"ok", "timeout", "refused", "error"};

/* One attempt in flight. */
struct probe_slot {
    int fd; /* -1 when the slot is free */
    int sent;
    double t_start;
    size_t len;
    char buf[PROBE_BUF];
};

struct probe_opts {
    struct sockaddr_in target;
    double interval; /* s */
    double timeout;  /* s */
    int ready_n;     /* consecutive answers from one server before `ready` */
    int settle_n;    /* consecutive answers from the new server(s) to end */
    double max_wait; /* s, per phase */
    int any;         /* -a: the survivor may be the old server */
    const char *log; /* per-attempt log, or NULL */
};

struct probe_run {
    struct probe_opts o;
    FILE *log;
    struct probe_slot slots[PROBE_MAX_SLOTS];
    double t_begin;
    /* phase 1 */
    char streak_name[PROBE_NAME_MAX];
    int streak;
    int ready;
    char old[PROBE_NAME_MAX];
    /* phase 2, 3 */
    int faulted;
    double t_fault;
    double last_old;  /* completion of the latest answer from the old server */
    double last_ok;   /* completion of the latest answer from anyone */
    double gap_start; /* -a: latest answer before the first failure after the fault */
    int failed_since; /* an attempt started after the fault has failed */
    double first_new; /* 0 until the new server answered */
    char newname[PROBE_NAME_MAX];
    int settled;
    int old_after_new; /* answers from the old server after the new one answered */
    long counts[4];
};

/* Set by the signal handlers: the only globals. */
static volatile sig_atomic_t fault_flag;
static volatile sig_atomic_t stop_flag;
static struct timespec fault_ts;

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_usr1(int sig)
{
    (void)sig;
    if (!fault_flag) {
        clock_gettime(CLOCK_MONOTONIC, &fault_ts);
        fault_flag = 1;
    }
}

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: failover_probe [-t IP:PORT] [-i INTERVAL_MS] [-w TIMEOUT_MS] [-r READY]\n"
           "                      [-s SETTLE] [-m MAX_S] [-a] [-l LOGFILE]\n"
           "  -t  target (default 10.32.0.100:80)\n"
           "  -i  start a new attempt every INTERVAL_MS (default 10)\n"
           "  -w  each attempt may take TIMEOUT_MS (default 200)\n"
           "  -r  consecutive answers from one server before `ready` (default 20)\n"
           "  -s  consecutive answers from the new server to end (default 20)\n"
           "  -m  give up MAX_S seconds after start (not ready) or after the fault (default 60)\n"
           "  -a  any server may be the survivor, the old one too (application restart)\n"
           "  -l  write every attempt to LOGFILE\n"
           "SIGUSR1 marks the fault; SIGTERM/SIGINT end the run early.\n"
           "Exit: 0 failover seen, 1 none within MAX_S, 2 usage, 3 never ready, 4 system error.\n");
}

static int parse_target(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    long port = 80;

    if (colon) {
        if ((size_t)(colon - s) >= sizeof(host)) {
            return -EINVAL;
        }
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = strtol(colon + 1, NULL, 10);
    } else {
        snprintf(host, sizeof(host), "%s", s);
    }
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        return -EINVAL;
    }
    return 0;
}

/* Starts one attempt in a free slot. Returns 0, or -errno when the socket
 * cannot even be made (which is recorded as an error attempt). */
static int attempt_start(struct probe_run *r, double t)
{
    struct probe_slot *s = NULL;
    int fd;

    for (int i = 0; i < PROBE_MAX_SLOTS; i++) {
        if (r->slots[i].fd < 0) {
            s = &r->slots[i];
            break;
        }
    }
    if (!s) {
        return -EMFILE;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    s->fd = fd;
    s->sent = 0;
    s->len = 0;
    s->t_start = t;
    if (connect(fd, (struct sockaddr *)&r->o.target, sizeof(r->o.target)) < 0 &&
        errno != EINPROGRESS) {
        return 0; /* reported by the next poll through SO_ERROR */
    }
    return 0;
}

/* The server name in an HTTP answer: the first word of the body. */
static int answer_name(const char *buf, size_t len, char *name, size_t size)
{
    const char *body = memmem(buf, len, "\r\n\r\n", 4);
    size_t n = 0;

    if (strncmp(buf, "HTTP/1.", 7) != 0 || !body || strncmp(buf + 8, " 200", 4) != 0) {
        return -EPROTO;
    }
    body += 4;
    while (body + n < buf + len && n + 1 < size && body[n] > ' ') {
        n++;
    }
    if (n == 0) {
        return -EPROTO;
    }
    memcpy(name, body, n);
    name[n] = '\0';
    return 0;
}

/* Records the end of one attempt and advances the run's phases. */
static void attempt_done(struct probe_run *r, struct probe_slot *s, enum probe_outcome out,
                         const char *name, double t)
{
    int after_fault = r->faulted && s->t_start >= r->t_fault;

    close(s->fd);
    s->fd = -1;
    r->counts[out]++;
    if (r->log) {
        fprintf(r->log, "%.6f %.6f %s %s\n", s->t_start, t, outcome_names[out],
                out == OUT_OK ? name : "-");
    }
    if (out != OUT_OK) {
        if (!r->ready) {
            r->streak = 0;
        }
        if (after_fault && !r->failed_since) {
            r->failed_since = 1;
            r->gap_start = r->last_ok;
        }
        if (r->first_new > 0) {
            r->settled = 0;
        }
        return;
    }
    r->last_ok = t;
    if (!r->ready) {
        if (strcmp(name, r->streak_name) != 0) {
            snprintf(r->streak_name, sizeof(r->streak_name), "%s", name);
            r->streak = 0;
        }
        if (++r->streak >= r->o.ready_n) {
            r->ready = 1;
            snprintf(r->old, sizeof(r->old), "%s", name);
            printf("ready pid=%ld server=%s mono=%.6f\n", (long)getpid(), name, t);
            fflush(stdout);
        }
        return;
    }
    if (r->o.any) {
        /* The survivor is whoever answers once the service has been seen down. */
        if (!after_fault || !r->failed_since) {
            return;
        }
    } else if (strcmp(name, r->old) == 0) {
        r->last_old = t;
        if (r->first_new > 0) {
            r->old_after_new++;
            r->settled = 0;
        }
        return;
    } else if (!r->faulted) {
        return; /* another server answering before the fault: only counted */
    }
    if (r->first_new == 0) {
        r->first_new = t;
        snprintf(r->newname, sizeof(r->newname), "%s", name);
        if (r->o.any) {
            r->last_old = r->gap_start;
        }
    }
    r->settled++;
}

static void attempt_io(struct probe_run *r, struct probe_slot *s, short revents, double t)
{
    char name[PROBE_NAME_MAX];
    int err = 0;
    socklen_t elen = sizeof(err);
    ssize_t n;

    if (!s->sent) {
        static const char req[] = "GET / HTTP/1.0\r\nHost: probe\r\n\r\n";

        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0) {
            err = errno;
        }
        if (err) {
            attempt_done(r, s, err == ECONNREFUSED ? OUT_REFUSED : OUT_ERROR, NULL, t);
            return;
        }
        if (!(revents & POLLOUT)) {
            return;
        }
        if (send(s->fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1) {
            attempt_done(r, s, OUT_ERROR, NULL, t);
            return;
        }
        s->sent = 1;
        return;
    }
    n = recv(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    if (n > 0) {
        s->len += (size_t)n;
        if (s->len < sizeof(s->buf) - 1) {
            return;
        }
    }
    s->buf[s->len] = '\0';
    if (n < 0 || answer_name(s->buf, s->len, name, sizeof(name)) < 0) {
        attempt_done(r, s, n < 0 && errno == ECONNREFUSED ? OUT_REFUSED : OUT_ERROR, NULL, t);
        return;
    }
    attempt_done(r, s, OUT_OK, name, t);
}

static void print_result(const struct probe_run *r)
{
    double fo = r->first_new > 0 ? r->first_new - r->t_fault : -1;
    double outage = r->first_new > 0 && r->last_old > 0 ? r->first_new - r->last_old : -1;

    printf("result old=%s new=%s", r->old, r->first_new > 0 ? r->newname : "none");
    if (r->first_new > 0) {
        printf(" failover_s=%.4f outage_s=%.4f", fo, outage);
    } else {
        printf(" failover_s=- outage_s=-");
    }
    printf(" last_old_s=%.4f fault_mono=%.6f first_new_mono=%.6f old_after_new=%d",
           r->last_old > 0 ? r->last_old - r->t_fault : 0.0, r->t_fault, r->first_new,
           r->old_after_new);
    printf(" attempts=%ld ok=%ld timeout=%ld refused=%ld error=%ld\n",
           r->counts[0] + r->counts[1] + r->counts[2] + r->counts[3], r->counts[OUT_OK],
           r->counts[OUT_TIMEOUT], r->counts[OUT_REFUSED], r->counts[OUT_ERROR]);
    fflush(stdout);
}

/* The probe loop: returns the exit status. */
static int probe_loop(struct probe_run *r)
{
    struct pollfd pfd[PROBE_MAX_SLOTS];
    int map[PROBE_MAX_SLOTS];
    double next = now_mono();

    r->t_begin = next;
    for (;;) {
        double t = now_mono();
        double wait = next - t;
        int n = 0, rc;

        if (fault_flag && !r->faulted && r->ready) {
            r->faulted = 1;
            r->t_fault = (double)fault_ts.tv_sec + (double)fault_ts.tv_nsec / 1e9;
            printf("fault mono=%.6f\n", r->t_fault);
            fflush(stdout);
        }
        if (r->first_new > 0 && r->settled >= r->o.settle_n) {
            print_result(r);
            return 0;
        }
        if (stop_flag || (r->faulted && t - r->t_fault > r->o.max_wait)) {
            if (r->ready) {
                print_result(r);
                return r->first_new > 0 ? 0 : 1;
            }
            printf("notready\n");
            return 3;
        }
        if (!r->ready && t - r->t_begin > r->o.max_wait) {
            printf("notready streak=%d server=%s\n", r->streak,
                   r->streak_name[0] ? r->streak_name : "-");
            return 3;
        }
        if (wait <= 0) {
            int err = attempt_start(r, t);

            if (err < 0) {
                fprintf(stderr, "failover_probe: cannot start an attempt: %s\n", strerror(-err));
                r->counts[OUT_ERROR]++;
            }
            next += r->o.interval;
            if (next < t) {
                next = t + r->o.interval; /* we fell behind: do not burst */
            }
            wait = next - t;
        }
        for (int i = 0; i < PROBE_MAX_SLOTS; i++) {
            struct probe_slot *s = &r->slots[i];

            if (s->fd < 0) {
                continue;
            }
            if (t - s->t_start >= r->o.timeout) {
                attempt_done(r, s, OUT_TIMEOUT, NULL, t);
                continue;
            }
            if (s->t_start + r->o.timeout - t < wait) {
                wait = s->t_start + r->o.timeout - t;
            }
            pfd[n].fd = s->fd;
            pfd[n].events = s->sent ? POLLIN : POLLOUT;
            pfd[n].revents = 0;
            map[n++] = i;
        }
        rc = poll(pfd, (nfds_t)n, (int)(wait * 1000) + 1);
        if (rc < 0 && errno != EINTR) {
            fprintf(stderr, "failover_probe: poll: %s\n", strerror(errno));
            return 4;
        }
        t = now_mono();
        for (int k = 0; rc > 0 && k < n; k++) {
            if (pfd[k].revents) {
                attempt_io(r, &r->slots[map[k]], pfd[k].revents, t);
            }
        }
    }
}

int main(int argc, char **argv)
{
    static struct probe_run run;
    struct sigaction sa;
    int c, rc;

    parse_target("10.32.0.100:80", &run.o.target);
    run.o.interval = 0.010;
    run.o.timeout = 0.200;
    run.o.ready_n = 20;
    run.o.settle_n = 20;
    run.o.max_wait = 60;
    while ((c = getopt(argc, argv, "t:i:w:r:s:m:al:h")) != -1) {
        switch (c) {
        case 't':
            if (parse_target(optarg, &run.o.target) < 0) {
                fprintf(stderr, "failover_probe: bad target '%s' (want IP:PORT)\n", optarg);
                return 2;
            }
            break;
        case 'i':
            run.o.interval = atof(optarg) / 1000;
            break;
        case 'w':
            run.o.timeout = atof(optarg) / 1000;
            break;
        case 'r':
            run.o.ready_n = atoi(optarg);
            break;
        case 's':
            run.o.settle_n = atoi(optarg);
            break;
        case 'm':
            run.o.max_wait = atof(optarg);
            break;
        case 'a':
            run.o.any = 1;
            break;
        case 'l':
            run.o.log = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || run.o.interval <= 0 || run.o.timeout <= 0 || run.o.ready_n < 1 ||
        run.o.settle_n < 1 || run.o.max_wait <= 0 ||
        run.o.timeout / run.o.interval > PROBE_MAX_SLOTS - 2) {
        usage(stderr);
        return 2;
    }
    for (int i = 0; i < PROBE_MAX_SLOTS; i++) {
        run.slots[i].fd = -1;
    }
    if (run.o.log) {
        run.log = fopen(run.o.log, "w");
        if (!run.log) {
            fprintf(stderr, "failover_probe: %s: %s\n", run.o.log, strerror(errno));
            return 4;
        }
    }
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = probe_loop(&run);
    if (run.log) {
        fclose(run.log);
    }
    return rc;
}

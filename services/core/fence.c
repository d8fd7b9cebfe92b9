/*
 * fence: final actions, platform overrides, BMC control and the forced stop of
 * lost servers (see fence.h).
 */
#define CLP_LOG_TAG "fence"
#include "fence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "clp_evclient.h"
#include "clp_log.h"
#include "clp_paths.h"
#include "clp_time.h"
#include "clp_xalloc.h"

#define MAX_KEYS 16

/* One forced stop in progress, per lost server. */
typedef struct {
    fence_t *f;
    int server;
    child_t *child;
    fence_stop_done_fn done;
    void *arg;
} force_stop_t;

struct fence {
    struct event_base *base;
    const clp_conf_t *conf;
    int self;
    char root[CLP_PATH_MAX];
    void (*quick)(void *);
    void (*stop_service)(void *);
    void *arg;
    clp_evclient_t *ev;
    char *keys[MAX_KEYS];
    char *values[MAX_KEYS];
    int nkeys;
    force_stop_t *stops; /* one per server */
};

fence_action_t fence_from_npaction(int code)
{
    static const fence_action_t map[] = {
        FENCE_NONE,         FENCE_STOP_SERVICE, FENCE_SHUTDOWN, FENCE_REBOOT,
        FENCE_SYSRQ_PANIC,  FENCE_KA_RESET,     FENCE_KA_PANIC, FENCE_BMC_RESET,
        FENCE_BMC_POWEROFF, FENCE_BMC_CYCLE,    FENCE_BMC_NMI,  FENCE_IOFENCE,
    };
    if (code < 0 || code >= (int)(sizeof(map) / sizeof(map[0]))) {
        return FENCE_SHUTDOWN;
    }
    return map[code];
}

fence_action_t fence_from_final(int code)
{
    switch (code) {
    case 3:
        return FENCE_STOP_SERVICE;
    case 4:
        return FENCE_SHUTDOWN;
    case 5:
        return FENCE_REBOOT;
    case 8:
        return FENCE_SYSRQ_PANIC;
    case 9:
        return FENCE_KA_RESET;
    case 10:
        return FENCE_KA_PANIC;
    case 11:
        return FENCE_BMC_RESET;
    case 12:
        return FENCE_BMC_POWEROFF;
    case 13:
        return FENCE_BMC_CYCLE;
    case 14:
        return FENCE_BMC_NMI;
    case 15:
        return FENCE_IOFENCE;
    default:
        return FENCE_NONE;
    }
}

const char *fence_name(fence_action_t a)
{
    static const char *names[] = {
        "no operation",  "stop the cluster service", "shut down the OS", "reboot the OS",
        "sysrq panic",   "keepalive reset",          "keepalive panic",  "BMC reset",
        "BMC power off", "BMC power cycle",          "BMC NMI",          "I/O fencing",
    };
    return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

static void load_platform(fence_t *f)
{
    char path[CLP_PATH_MAX];
    char *data = NULL;
    clp_path(path, sizeof(path), f->root, "etc/platform.conf");
    if (clp_read_file(path, 65536, &data, NULL) < 0) {
        return;
    }
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line && f->nkeys < MAX_KEYS;
         line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ' || *line == '\t') {
            line++;
        }
        char *eq = strchr(line, '=');
        if (*line == '#' || !eq) {
            continue;
        }
        *eq = '\0';
        f->keys[f->nkeys] = xstrdup(line);
        f->values[f->nkeys] = xstrdup(eq + 1);
        f->nkeys++;
    }
    free(data);
}

fence_t *fence_new(struct event_base *base, const clp_conf_t *conf, int self, const char *root,
                   void (*quick)(void *), void (*stop_service)(void *), void *arg,
                   struct clp_evclient *ev)
{
    fence_t *f = xcalloc(1, sizeof(*f));
    f->base = base;
    f->conf = conf;
    f->stops = xcalloc(conf->n_servers + 1, sizeof(*f->stops));
    f->self = self;
    snprintf(f->root, sizeof(f->root), "%s", root);
    f->quick = quick;
    f->stop_service = stop_service;
    f->arg = arg;
    f->ev = ev;
    load_platform(f);
    return f;
}

void fence_destroy(fence_t **pf)
{
    if (!pf || !*pf) {
        return;
    }
    fence_t *f = *pf;
    for (size_t k = 0; k < f->conf->n_servers; k++) {
        child_abandon(f->stops[k].child);
    }
    free(f->stops);
    for (int i = 0; i < f->nkeys; i++) {
        free(f->keys[i]);
        free(f->values[i]);
    }
    free(f);
    *pf = NULL;
}

const char *fence_platform(const fence_t *f, const char *key)
{
    for (int i = 0; i < f->nkeys; i++) {
        if (strcmp(f->keys[i], key) == 0) {
            return f->values[i];
        }
    }
    return NULL;
}

void fence_quick(fence_t *f)
{
    if (f->quick) {
        f->quick(f->arg);
    }
}

/* Runs cmd through /bin/sh, detached (it may kill this process). */
static int run_detached(const char *cmd)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (pid == 0) {
        setsid();
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return 0;
}

static int sysrq(char c)
{
    int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    ssize_t w = write(fd, &c, 1);
    int e = w == 1 ? 0 : -errno;
    close(fd);
    return e;
}

static int bmc_self(fence_t *f, const char *what)
{
    char cmd[512];
    const clp_server_t *s = &f->conf->servers[f->self];
    const char *ip = clp_conf_bmc_addr(s);
    if (ip) {
        char cipher[16] = "";
        if (s->bmc_cipher >= 0) {
            snprintf(cipher, sizeof(cipher), " -C %d", s->bmc_cipher);
        }
        snprintf(cmd, sizeof(cmd), "ipmitool -I lanplus -H '%s' -p %d%s -U '%s' -P '%s' %s", ip,
                 s->bmc_port, cipher, clp_params_str(&s->params, "bmc/user", ""),
                 clp_params_str(&s->params, "bmc/password", ""), what);
    } else {
        snprintf(cmd, sizeof(cmd), "ipmitool %s", what);
    }
    return run_detached(cmd);
}

int fence_execute(fence_t *f, fence_action_t a, const char *reason)
{
    const char *cmd = NULL;
    clp_warn("final action: %s (reason: %s)", fence_name(a), reason ? reason : "-");
    if (a == FENCE_NONE) {
        return 0;
    }
    fence_quick(f);
    if (a != FENCE_STOP_SERVICE && f->ev) {
        clp_evclient_flush(f->ev, 300);
    }
    switch (a) {
    case FENCE_STOP_SERVICE:
        if (f->stop_service) {
            f->stop_service(f->arg);
        }
        return 0;
    case FENCE_SHUTDOWN:
        cmd = fence_platform(f, "poweroff");
        return run_detached(cmd ? cmd : "/sbin/shutdown -h now || systemctl poweroff -f");
    case FENCE_REBOOT:
        cmd = fence_platform(f, "reboot");
        return run_detached(cmd ? cmd : "/sbin/shutdown -r now || systemctl reboot -f");
    case FENCE_SYSRQ_PANIC:
    case FENCE_KA_PANIC:
        if ((cmd = fence_platform(f, "panic"))) {
            return run_detached(cmd);
        }
        return sysrq('c');
    case FENCE_KA_RESET:
        if ((cmd = fence_platform(f, "reset"))) {
            return run_detached(cmd);
        }
        return sysrq('b');
    case FENCE_BMC_RESET:
    case FENCE_BMC_CYCLE:
    case FENCE_BMC_POWEROFF:
    case FENCE_BMC_NMI:
        if ((cmd = fence_platform(f, a == FENCE_BMC_POWEROFF ? "poweroff" : "reset"))) {
            return run_detached(cmd);
        }
        return bmc_self(f, a == FENCE_BMC_RESET      ? "chassis power reset"
                           : a == FENCE_BMC_CYCLE    ? "chassis power cycle"
                           : a == FENCE_BMC_POWEROFF ? "chassis power off"
                                                     : "chassis power diag");
    case FENCE_IOFENCE:
        clp_error("I/O fencing (High-End Server Option) is not available; shutting down instead");
        cmd = fence_platform(f, "poweroff");
        return run_detached(cmd ? cmd : "/sbin/shutdown -h now");
    default:
        return -EINVAL;
    }
}

/* Runs ipmitool against server's BMC with the given command words; its
 * standard output (at most outn - 1 bytes) goes to out. Returns the exit status
 * (127 when ipmitool cannot run, -1 when killed). */
static int ipmitool(const clp_server_t *s, const char *ip, const char *const *words, char *out,
                    size_t outn)
{
    char port[16], cipher[16];
    snprintf(port, sizeof(port), "%d", s->bmc_port);
    snprintf(cipher, sizeof(cipher), "%d", s->bmc_cipher);
    const char *argv[32] = {
        "ipmitool",
        "-I",
        "lanplus",
        "-H",
        ip,
        "-p",
        port,
        "-U",
        clp_params_str(&s->params, "bmc/user", ""),
        "-P",
        clp_params_str(&s->params, "bmc/password", ""),
        "-R",
        "1",
        "-N",
        "1",
    };
    int argc = 15;
    if (s->bmc_cipher >= 0) {
        argv[argc++] = "-C";
        argv[argc++] = cipher;
    }
    for (int i = 0; words[i] && argc < 31; i++) {
        argv[argc++] = words[i];
    }
    argv[argc] = NULL;
    int fds[2];
    if (pipe(fds) < 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(devnull, 2);
        execvp("ipmitool", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    size_t got = 0;
    for (;;) {
        char buf[256];
        ssize_t r = read(fds[0], buf, sizeof(buf));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        for (ssize_t i = 0; i < r && got + 1 < outn; i++) {
            out[got++] = buf[i];
        }
    }
    if (outn) {
        out[got < outn ? got : outn - 1] = '\0';
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int fence_bmc_remote(const clp_conf_t *conf, int server, const char *action, char *why, size_t n)
{
    const clp_server_t *s = &conf->servers[server];
    const char *ip = clp_conf_bmc_addr(s);
    if (!ip) {
        snprintf(why, n, "server %s has no BMC address (server@%s/bmc/ip)", s->name, s->name);
        return -ENOENT;
    }
    char out[512];
    const char *cmd[] = {"chassis", "power", action, NULL};
    int rc = ipmitool(s, ip, cmd, out, sizeof(out));
    if (rc != 0) {
        snprintf(why, n, "BMC %s:%d of server %s did not carry out power %s (ipmitool %s %d)", ip,
                 s->bmc_port, s->name, action, rc == 127 ? "cannot run, exit" : "exit", rc);
        return -EIO;
    }
    if (strcmp(action, "off") != 0) {
        snprintf(why, n, "BMC %s:%d of server %s carried out power %s", ip, s->bmc_port, s->name,
                 action);
        return 0;
    }
    /* The answer to "power off" may come before the power is cut: ask until the
     * chassis says it is off (the caller's timeout bounds this). */
    const char *status[] = {"chassis", "power", "status", NULL};
    for (int i = 0;; i++) {
        rc = ipmitool(s, ip, status, out, sizeof(out));
        if (rc == 0 && strstr(out, "Power is off")) {
            snprintf(why, n, "BMC %s:%d of server %s: power off done, the chassis power is off", ip,
                     s->bmc_port, s->name);
            return 0;
        }
        if (i % 8 == 0) {
            clp_info("BMC %s of server %s: power off sent, chassis status: %s", ip, s->name,
                     rc == 0 ? out : "no answer");
        }
        struct timespec ts = {.tv_nsec = 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* ---- forced stop ---- */

static const char *const stop_actions[] = {"off", "cycle", "reset", "diag"};

static int force_stop_body(void *arg)
{
    force_stop_t *st = arg;
    const fence_t *f = st->f;
    char why[512];
    int a = f->conf->cluster.forcestop_action;
    int rc = fence_bmc_remote(f->conf, st->server, stop_actions[a & 3], why, sizeof(why));
    printf("%s\n", why);
    fflush(stdout);
    return rc == 0 ? 0 : 1;
}

static void force_stop_done(void *arg, int status, const char *output, int elapsed_ms)
{
    force_stop_t *st = arg;
    fence_t *f = st->f;
    const char *name = f->conf->servers[st->server].name;
    int a = f->conf->cluster.forcestop_action & 3;
    st->child = NULL;
    char why[512];
    snprintf(why, sizeof(why), "%s",
             status == CHILD_TIMED_OUT ? "no confirmation within cluster/forcestop/timeout"
                                       : output);
    why[strcspn(why, "\n")] = '\0';
    bool ok = status == 0;
    if (ok) {
        clp_warn("forced stop of server %s done in %d ms: %s", name, elapsed_ms, why);
    } else {
        clp_error("forced stop of server %s failed after %d ms: %s; its groups are not failed "
                  "over",
                  name, elapsed_ms, why);
        if (f->ev) {
            CLP_ALERT(f->ev, "rc", 420 + a, name);
            CLP_ALERT(f->ev, "rc", 433, name);
        }
    }
    fence_stop_done_fn done = st->done;
    st->done = NULL;
    if (done) {
        done(st->arg, st->server, ok);
    }
}

int fence_force_stop(fence_t *f, int server, fence_stop_done_fn done, void *arg)
{
    if (!f->conf->cluster.forcestop_use) {
        return FENCE_STOP_NOT_NEEDED;
    }
    if (server < 0 || (size_t)server >= f->conf->n_servers || server == f->self) {
        return -EINVAL;
    }
    force_stop_t *st = &f->stops[server];
    if (st->child) {
        return 0; /* already under way: done runs when it ends */
    }
    const char *name = f->conf->servers[server].name;
    int a = f->conf->cluster.forcestop_action & 3;
    st->f = f;
    st->server = server;
    st->done = done;
    st->arg = arg;
    clp_warn("forced stop of server %s: BMC power %s before taking its groups over", name,
             stop_actions[a]);
    if (f->ev) {
        CLP_ALERT(f->ev, "rc", 400 + a, name);
    }
    st->child =
        child_run_fn(f->base, force_stop_body, st, f->conf->cluster.forcestop_timeout_s * 1000,
                     NULL, force_stop_done, st);
    if (!st->child) {
        int e = errno;
        clp_error("forced stop of server %s cannot start: %s; its groups are not failed over", name,
                  strerror(e));
        if (f->ev) {
            CLP_ALERT(f->ev, "rc", 420 + a, name);
            CLP_ALERT(f->ev, "rc", 433, name);
        }
        st->done = NULL;
        return -e;
    }
    return 0;
}

int fence_force_stops_running(const fence_t *f)
{
    int n = 0;
    for (size_t k = 0; k < f->conf->n_servers; k++) {
        n += f->stops[k].child != NULL;
    }
    return n;
}

/*
 * fence: final actions, platform overrides and BMC control.
 */
#define CLP_LOG_TAG "fence"
#include "fence.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_evclient.h"
#include "clp_log.h"
#include "clp_paths.h"
#include "clp_xalloc.h"

#define MAX_KEYS 16

struct fence {
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
};

fence_action_t fence_from_npaction(int code)
{
    static const fence_action_t map[] = {
        FENCE_NONE,       FENCE_STOP_SERVICE, FENCE_SHUTDOWN,  FENCE_REBOOT,
        FENCE_SYSRQ_PANIC, FENCE_KA_RESET,    FENCE_KA_PANIC,  FENCE_BMC_RESET,
        FENCE_BMC_POWEROFF, FENCE_BMC_CYCLE,  FENCE_BMC_NMI,   FENCE_IOFENCE,
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

fence_t *fence_new(const clp_conf_t *conf, int self, const char *root, void (*quick)(void *),
                   void (*stop_service)(void *), void *arg, struct clp_evclient *ev)
{
    fence_t *f = xcalloc(1, sizeof(*f));
    f->conf = conf;
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
    const char *ip = clp_params_get(&s->params, "bmc/ip");
    if (ip) {
        snprintf(cmd, sizeof(cmd), "ipmitool -I lanplus -H '%s' -p %ld -U '%s' -P '%s' %s", ip,
                 clp_params_int(&s->params, "bmc/port", 623),
                 clp_params_str(&s->params, "bmc/user", ""),
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

int fence_bmc_remote(const clp_conf_t *conf, int server, const char *action, char *why, size_t n)
{
    const clp_server_t *s = &conf->servers[server];
    const char *ip = clp_params_get(&s->params, "bmc/ip");
    if (!ip) {
        snprintf(why, n, "server %s has no BMC address (server@%s/bmc/ip)", s->name, s->name);
        return -ENOENT;
    }
    char port[16];
    snprintf(port, sizeof(port), "%ld", clp_params_int(&s->params, "bmc/port", 623));
    char *argv[] = {
        "ipmitool", "-I", "lanplus", "-H", (char *)ip, "-p", port, "-U",
        (char *)clp_params_str(&s->params, "bmc/user", ""), "-P",
        (char *)clp_params_str(&s->params, "bmc/password", ""), "-R", "1", "-N", "1",
        "chassis", "power", (char *)action, NULL,
    };
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "fork failed");
        return -errno;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execvp("ipmitool", argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        snprintf(why, n, "BMC %s of server %s answered: power %s", ip, s->name, action);
        return 0;
    }
    snprintf(why, n, "BMC %s of server %s did not carry out power %s (ipmitool exit %d)", ip,
             s->name, action, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return -EIO;
}

/*
 * userw: arming, petting and disarming the external watchdog.
 */
#define CLP_LOG_TAG "userw"
#include "userw.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_paths.h"
#include "clp_time.h"
#include "clp_xalloc.h"

struct userw {
    int fd;
    bool device;
    uint32_t timeout_ms;
    char root[CLP_PATH_MAX];
    char sock[CLP_PATH_MAX];
    uint64_t last_connect_try;
};

static const clp_monitor_t *find_userw(const clp_conf_t *conf)
{
    for (size_t i = 0; i < conf->n_monitors; i++) {
        if (strcmp(conf->monitors[i].type, "userw") == 0) {
            return &conf->monitors[i];
        }
    }
    return NULL;
}

static int connect_sock(userw_t *u)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (fd < 0) {
        return -errno;
    }
    if (strlen(u->sock) >= sizeof(sa.sun_path)) {
        close(fd);
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, u->sock, strlen(u->sock) + 1);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

static int spawn_process_watchdog(userw_t *u, const char *reset_cmd)
{
    char bin[CLP_PATH_MAX], tmo[32];
    clp_path(bin, sizeof(bin), u->root, "bin/clpwatchdog");
    snprintf(tmo, sizeof(tmo), "%u", u->timeout_ms);
    pid_t pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (pid == 0) {
        /* Its own session: signals to the core (SIGSTOP) do not reach it. */
        setsid();
        if (fork() != 0) {
            _exit(0);
        }
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(bin, "clpwatchdog", "--root", u->root, "--timeout", tmo, "--action",
              reset_cmd ? reset_cmd : "echo b > /proc/sysrq-trigger", (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    /* Wait briefly for its socket. */
    for (int i = 0; i < 100; i++) {
        int fd = connect_sock(u);
        if (fd >= 0) {
            return fd;
        }
        usleep(10000);
    }
    return -ETIMEDOUT;
}

userw_t *userw_new(const clp_conf_t *conf, const char *root, const char *reset_cmd,
                   bool force_process)
{
    const clp_monitor_t *m = find_userw(conf);
    if (!m) {
        return NULL;
    }
    userw_t *u = xcalloc(1, sizeof(*u));
    snprintf(u->root, sizeof(u->root), "%s", root);
    clp_path(u->sock, sizeof(u->sock), root, "run/watchdog.sock");
    int interval = conf->cluster.hb_interval_ms;
    int timeout = conf->cluster.hb_timeout_ms;
    if (!clp_params_int(&m->params, "parameters/usehb", 1)) {
        interval = m->interval_s * 1000;
        timeout = m->timeout_s * 1000;
    }
    int wd = timeout - 2 * interval;
    if (wd < timeout / 2) {
        wd = timeout / 2;
    }
    u->timeout_ms = (uint32_t)wd;
    const char *method = clp_params_str(&m->params, "parameters/method", "keepalive");
    if (!force_process && strcmp(method, "ipmi") != 0 && access("/dev/watchdog", W_OK) == 0) {
        u->fd = open("/dev/watchdog", O_WRONLY | O_CLOEXEC);
        if (u->fd >= 0) {
            int secs = (wd + 999) / 1000;
            ioctl(u->fd, WDIOC_SETTIMEOUT, &secs);
            u->device = true;
            clp_info("userw: petting /dev/watchdog (timeout %d s)", secs);
            return u;
        }
    }
    u->fd = connect_sock(u);
    if (u->fd < 0) {
        u->fd = spawn_process_watchdog(u, reset_cmd);
    }
    if (u->fd < 0) {
        clp_error("userw: cannot start the watchdog: %s", strerror(-u->fd));
        free(u);
        return NULL;
    }
    clp_info("userw: petting clpwatchdog (timeout %u ms)", u->timeout_ms);
    return u;
}

void userw_pet(userw_t *u)
{
    if (!u) {
        return;
    }
    if (u->fd < 0) {
        uint64_t now = clp_mono_ms();
        if (now - u->last_connect_try < 50) {
            return;
        }
        u->last_connect_try = now;
        u->fd = connect_sock(u);
        if (u->fd < 0) {
            return;
        }
    }
    if (write(u->fd, "p", 1) < 0 && !u->device && errno != EAGAIN) {
        close(u->fd);
        u->fd = -1;
    }
}

void userw_destroy(userw_t **pu)
{
    if (!pu || !*pu) {
        return;
    }
    userw_t *u = *pu;
    if (u->fd >= 0) {
        ssize_t w = write(u->fd, "V", 1);
        (void)w;
        close(u->fd);
    }
    free(u);
    *pu = NULL;
}

uint32_t userw_timeout_ms(const userw_t *u)
{
    return u ? u->timeout_ms : 0;
}

const char *userw_method(const userw_t *u)
{
    return !u ? "none" : u->device ? "/dev/watchdog" : "clpwatchdog";
}

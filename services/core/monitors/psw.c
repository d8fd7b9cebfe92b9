/*
 * psw: process name monitor. Counts the processes whose command line matches
 * parameters/processname and is in error when fewer than parameters/processnum
 * (default 1) run.
 *
 * The command line is what `ps -eo cmd` shows: the arguments joined by single
 * spaces, or "[comm]" for a process without one (a kernel thread). The pattern
 * matches the whole line; '*' stands for any run of characters (so "httpd*",
 * "*httpd" and "*httpd*" are the original's begins-with, ends-with and
 * contains matches), every other character is literal. Zombies do not count.
 *
 * Only processes in this server's network namespace are counted: on the test
 * bed (one process table for every server) the processes of the other servers
 * are not this server's, and on a real host neither are those of a container
 * with a network of its own.
 *
 * The /proc scan runs in the check's child: reading a process's command line
 * can block on a process stuck in the kernel.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../mon.h"

#define PSW_LINE_MAX 4096

/* True when text matches pattern, where '*' matches any run of characters. */
static bool psw_match(const char *pat, const char *text)
{
    const char *star = NULL, *resume = NULL;
    while (*text) {
        if (*pat == '*') {
            star = pat++;
            resume = text;
        } else if (*pat == *text) {
            pat++;
            text++;
        } else if (star) {
            pat = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }
    while (*pat == '*') {
        pat++;
    }
    return *pat == '\0';
}

/* The `ps -eo cmd` form of a raw /proc/PID/cmdline (NUL-separated arguments,
 * len bytes) into out; comm is used, as "[comm]", when there are no arguments. */
static void psw_cmdline(const char *raw, size_t len, const char *comm, char *out, size_t n)
{
    while (len > 0 && raw[len - 1] == '\0') {
        len--;
    }
    if (len == 0) {
        snprintf(out, n, "[%s]", comm ? comm : "");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++) {
        char ch = raw[i];
        out[k++] = (ch == '\0' || ch == '\n' || ch == '\t') ? ' ' : ch;
    }
    out[k] = '\0';
}

static ssize_t read_small(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

/* The state letter and comm of /proc/PID/stat ("pid (comm) S ..."), or 0. */
static char proc_state(const char *dir, char *comm, size_t n)
{
    char path[600], buf[512];
    snprintf(path, sizeof(path), "%s/stat", dir);
    ssize_t r = read_small(path, buf, sizeof(buf) - 1);
    if (r <= 0) {
        return 0;
    }
    buf[r] = '\0';
    char *l = strchr(buf, '('), *p = strrchr(buf, ')');
    if (!l || !p || p < l || p[1] != ' ') {
        return 0;
    }
    snprintf(comm, n, "%.*s", (int)(p - l - 1), l + 1);
    return p[2];
}

/* Counts the live processes under proc_root (normally "/proc") whose command
 * line matches pattern. netns (st_dev/st_ino of a ns/net file) limits the count
 * to one network namespace; NULL counts every process. skip_pid is left out.
 * Returns the count or -errno. */
static int psw_count(const char *proc_root, const char *pattern, const struct stat *netns,
                     pid_t skip_pid)
{
    int matched = 0;
    DIR *d = opendir(proc_root);
    if (!d) {
        return -errno;
    }
    struct dirent *e;
    char dir[512], path[600], comm[64];
    char raw[PSW_LINE_MAX], line[PSW_LINE_MAX];
    while ((e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        pid_t pid = (pid_t)atol(e->d_name);
        if (pid == skip_pid) {
            continue;
        }
        snprintf(dir, sizeof(dir), "%s/%s", proc_root, e->d_name);
        char st = proc_state(dir, comm, sizeof(comm));
        if (st == 0 || st == 'Z' || st == 'X') {
            continue;
        }
        if (netns) {
            struct stat ns;
            snprintf(path, sizeof(path), "%s/ns/net", dir);
            if (stat(path, &ns) == 0 &&
                (ns.st_dev != netns->st_dev || ns.st_ino != netns->st_ino)) {
                continue;
            }
        }
        snprintf(path, sizeof(path), "%s/cmdline", dir);
        ssize_t r = read_small(path, raw, sizeof(raw));
        if (r < 0) {
            continue;
        }
        psw_cmdline(raw, (size_t)r, comm, line, sizeof(line));
        if (psw_match(pattern, line)) {
            matched++;
        }
    }
    closedir(d);
    return matched;
}

static int check(mon_ctx_t *ctx)
{
    const char *name = mon_param(ctx, "parameters/processname");
    long want = mon_param_int(ctx, "parameters/processnum", 1);
    if (!name || !name[0]) {
        printf("no process name configured (parameters/processname)");
        return MON_CHECK_ERROR;
    }
    struct stat self;
    const struct stat *netns = stat("/proc/self/ns/net", &self) == 0 ? &self : NULL;
    int n = psw_count("/proc", name, netns, getpid());
    if (n < 0) {
        printf("cannot read /proc: %s", strerror(-n));
        return MON_CHECK_ERROR;
    }
    if (n >= want) {
        return MON_CHECK_OK;
    }
    if (n == 0) {
        printf("no process '%s' is running (at least %ld required)", name, want);
    } else {
        printf("%d process(es) '%s' running, at least %ld required", n, name, want);
    }
    return MON_CHECK_ERROR;
}

const mon_type_t mon_psw = {
    .name = "psw",
    .inproc = false,
    .check = check,
};

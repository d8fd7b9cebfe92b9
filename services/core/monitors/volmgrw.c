/*
 * volmgrw: volume manager monitor (parameters/type lvm). The volume group
 * parameters/devname must be known to LVM, complete (no missing physical
 * volume: not "partial") and not exported, and every logical volume of it
 * must be active (state 'a' in lv_attr). It asks LVM's own tools:
 *
 *   vgs --noheadings --separator '|' -o vg_name,vg_attr VG
 *   lvs --noheadings --separator '|' -o lv_name,lv_attr VG
 *
 * (run with LVM_SUPPRESS_FD_WARNINGS=1, output captured). VxVM (type vxvm) is
 * not available on Linux here: such a monitor reports so as an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mon.h"

/* Runs argv (argv[0] looked up in /usr/sbin, /sbin, then PATH) and captures
 * its stdout and stderr into out (NUL-terminated, cut to n-1). Returns the
 * exit status, or -1 when it could not run. */
static int run_capture(char *const argv[], char *out, size_t n)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(out, n, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out, n, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
        char path[256];
        const char *dirs[] = {"/usr/sbin", "/sbin"};
        for (size_t i = 0; i < 2; i++) {
            snprintf(path, sizeof(path), "%s/%s", dirs[i], argv[0]);
            execv(path, argv);
        }
        execvp(argv[0], argv);
        printf("cannot run %s: %s", argv[0], strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    close(pfd[1]);
    size_t got = 0;
    char sink[512];
    for (;;) {
        char *dst = got + 1 < n ? out + got : sink;
        size_t room = got + 1 < n ? n - 1 - got : sizeof(sink);
        ssize_t r = read(pfd[0], dst, room);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        if (dst != sink) {
            got += (size_t)r;
        }
    }
    out[got] = '\0';
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Copies the next line of *p (without its newline, spaces trimmed) into line;
 * false at the end. */
static bool next_line(const char **p, char *line, size_t n)
{
    while (**p == '\n') {
        (*p)++;
    }
    if (!**p) {
        return false;
    }
    const char *e = strchr(*p, '\n');
    size_t len = e ? (size_t)(e - *p) : strlen(*p);
    const char *s = *p;
    *p += len;
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r')) {
        len--;
    }
    snprintf(line, n, "%.*s", (int)len, s);
    return true;
}

/* Checks the vgs output for vg: 0 when it is there, complete and not
 * exported, else -1 with the reason in why. */
static int volmgrw_vg_ok(const char *out, const char *vg, char *why, size_t n)
{
    char line[256];
    const char *p = out;
    while (next_line(&p, line, sizeof(line))) {
        char *bar = strchr(line, '|');
        if (!bar) {
            continue;
        }
        *bar = '\0';
        if (strcmp(line, vg) != 0) {
            continue;
        }
        const char *attr = bar + 1;
        if (strlen(attr) < 6) {
            snprintf(why, n, "volume group %s: unexpected attributes '%s'", vg, attr);
            return -1;
        }
        if (attr[3] == 'p') {
            snprintf(why, n, "volume group %s is partial (a physical volume is missing)", vg);
            return -1;
        }
        if (attr[2] == 'x') {
            snprintf(why, n, "volume group %s is exported", vg);
            return -1;
        }
        return 0;
    }
    snprintf(why, n, "volume group %s is not found", vg);
    return -1;
}

/* Checks the lvs output: 0 when every logical volume is active (*count set to
 * their number), else -1 with the first inactive one in why. */
static int volmgrw_lvs_ok(const char *out, const char *vg, int *count, char *why, size_t n)
{
    char line[256];
    const char *p = out;
    *count = 0;
    while (next_line(&p, line, sizeof(line))) {
        char *bar = strchr(line, '|');
        if (!bar) {
            continue;
        }
        *bar = '\0';
        const char *attr = bar + 1;
        (*count)++;
        if (strlen(attr) < 5) {
            snprintf(why, n, "logical volume %s/%s: unexpected attributes '%s'", vg, line, attr);
            return -1;
        }
        if (attr[4] != 'a') {
            snprintf(why, n, "logical volume %s/%s is not active (lv_attr %s)", vg, line, attr);
            return -1;
        }
    }
    return 0;
}

static int check(mon_ctx_t *ctx)
{
    const char *type = mon_param(ctx, "parameters/type");
    const char *vg = mon_param(ctx, "parameters/devname");
    if (type && type[0] && strcmp(type, "lvm") != 0) {
        printf("volume manager %s is not supported by this product (only lvm)", type);
        return MON_CHECK_ERROR;
    }
    if (!vg || !vg[0]) {
        printf("no volume group configured (parameters/devname)");
        return MON_CHECK_ERROR;
    }
    char out[8192], why[768];
    char *vgs[] = {"vgs", "--noheadings",    "--separator", "|",
                   "-o",  "vg_name,vg_attr", (char *)vg,    NULL};
    int st = run_capture(vgs, out, sizeof(out));
    if (st != 0) {
        out[strcspn(out, "\n")] = '\0';
        printf("vgs %s failed (%d): %s", vg, st, out);
        return MON_CHECK_ERROR;
    }
    if (volmgrw_vg_ok(out, vg, why, sizeof(why)) < 0) {
        printf("%s", why);
        return MON_CHECK_ERROR;
    }
    char *lvs[] = {"lvs", "--noheadings",    "--separator", "|",
                   "-o",  "lv_name,lv_attr", (char *)vg,    NULL};
    st = run_capture(lvs, out, sizeof(out));
    if (st != 0) {
        out[strcspn(out, "\n")] = '\0';
        printf("lvs %s failed (%d): %s", vg, st, out);
        return MON_CHECK_ERROR;
    }
    int count;
    if (volmgrw_lvs_ok(out, vg, &count, why, sizeof(why)) < 0) {
        printf("%s", why);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

const mon_type_t mon_volmgrw = {
    .name = "volmgrw",
    .inproc = false,
    .check = check,
};

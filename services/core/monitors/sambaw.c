/*
 * sambaw: Samba monitor. Each check is a real SMB session: Samba's own client
 * connects to parameters/ipaddress:port (139, NetBIOS session service, by
 * default), authenticates (parameters/username with parameters/password as
 * plain text; without a user name, anonymously), connects to the share
 * parameters/share and lists its top directory:
 *
 *   smbclient //IPADDRESS/SHARE -p PORT -U USER | -N  -c ls
 *
 * The password reaches smbclient through its PASSWD environment variable,
 * never the command line. A non-zero exit (no server, refused login, no such
 * share, unreadable share) is an error; the NT_STATUS line is the detail.
 * smbclient (Debian's smbclient package) was chosen over linking libsmbclient:
 * no library in the core, and the same code path an operator tries by hand.
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

/* Runs argv with the extra environment entry env (may be NULL) and captures
 * stdout and stderr into out (NUL-terminated, cut to n-1). Returns the exit
 * status, or -1 when it could not run. */
static int run_capture(char *const argv[], const char *env, char *out, size_t n)
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
        if (env) {
            putenv((char *)env);
        } else {
            unsetenv("PASSWD");
        }
        execv("/usr/bin/smbclient", argv);
        execvp("smbclient", argv);
        printf("cannot run smbclient: %s", strerror(errno));
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

/* The most telling line of smbclient's output into why: the first one that
 * names an NT_STATUS, else the first non-empty one. */
static void sambaw_reason(const char *out, char *why, size_t n)
{
    const char *pick = NULL;
    size_t plen = 0;
    for (const char *p = out; *p;) {
        size_t len = strcspn(p, "\n");
        if (len > 0 && !pick) {
            pick = p;
            plen = len;
        }
        const char *st = strstr(p, "NT_STATUS_");
        if (st && st < p + len) {
            pick = p;
            plen = len;
            break;
        }
        p += len;
        p += *p == '\n';
    }
    snprintf(why, n, "%.*s", pick ? (int)plen : 0, pick ? pick : "");
}

static int check(mon_ctx_t *ctx)
{
    const char *share = mon_param(ctx, "parameters/share");
    const char *ip = mon_param(ctx, "parameters/ipaddress");
    long port = mon_param_int(ctx, "parameters/port", 139);
    const char *user = mon_param(ctx, "parameters/username");
    const char *pass = mon_param(ctx, "parameters/password");
    if (!share || !share[0]) {
        printf("no share configured (parameters/share)");
        return MON_CHECK_ERROR;
    }
    if (!ip || !ip[0]) {
        ip = "127.0.0.1";
    }
    char unc[512], ps[16], tm[16];
    snprintf(unc, sizeof(unc), "//%s/%s", ip, share[0] == '/' ? share + 1 : share);
    snprintf(ps, sizeof(ps), "%ld", port);
    snprintf(tm, sizeof(tm), "%d", ctx->mon->timeout_s > 1 ? ctx->mon->timeout_s : 1);
    char *argv[16];
    int k = 0;
    argv[k++] = "smbclient";
    argv[k++] = unc;
    argv[k++] = "-p";
    argv[k++] = ps;
    argv[k++] = "-t";
    argv[k++] = tm;
    if (user && user[0]) {
        argv[k++] = "-U";
        argv[k++] = (char *)user;
    } else {
        argv[k++] = "-N";
    }
    argv[k++] = "-c";
    argv[k++] = "ls";
    argv[k] = NULL;
    char env[300];
    snprintf(env, sizeof(env), "PASSWD=%s", pass ? pass : "");
    char out[4096], why[256];
    int st = run_capture(argv, user && user[0] ? env : NULL, out, sizeof(out));
    if (st == 0) {
        return MON_CHECK_OK;
    }
    sambaw_reason(out, why, sizeof(why));
    printf("SMB session to %s port %ld failed: %s", unc, port, why[0] ? why : "no detail");
    return MON_CHECK_ERROR;
}

const mon_type_t mon_sambaw = {
    .name = "sambaw",
    .inproc = false,
    .check = check,
};

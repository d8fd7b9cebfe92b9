/*
 * ddnsw: dynamic DNS monitor, bound to a ddns resource (its target). Each
 * check asks the resource's DNS server (parameters/server, port) directly for
 * the resource's name (parameters/hostname):
 *
 *   dig @SERVER -p PORT +short +time=T +tries=1 HOSTNAME A   (AAAA for IPv6)
 *
 * and is normal when the answer holds the resource's address (parameters/ip).
 * When the name is missing or points elsewhere, it registers it again, as the
 * original does, with the resource's settings (nsupdate, the TSIG key of
 * parameters/keyfile, parameters/ttl), and asks once more: still not there,
 * or a DNS server that does not answer, is an error.
 */
#define CLP_LOG_TAG "ddnsw"
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../mon.h"
#include "clp_log.h"

/* Runs argv (argv[0] looked up in /usr/bin, /usr/sbin, then PATH) and
 * captures its stdout and stderr into out (NUL-terminated, cut to n-1).
 * Returns the exit status, or -1 when it could not run. */
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
        char path[256];
        const char *dirs[] = {"/usr/bin", "/usr/sbin"};
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

/* True when one line of dig's +short output (addresses, and names for
 * CNAMEs) is exactly ip. */
static bool ddnsw_answer_has(const char *out, const char *ip)
{
    size_t il = strlen(ip);
    for (const char *p = out; *p;) {
        size_t len = strcspn(p, "\n"), l = len;
        while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' ')) {
            l--;
        }
        if (l == il && strncmp(p, ip, il) == 0) {
            return true;
        }
        p += len;
        p += *p == '\n';
    }
    return false;
}

/* The nsupdate script that registers host -> ip again into out. Returns 0, or
 * -1 when it does not fit or a value holds a line break. */
static int ddnsw_update_script(char *out, size_t n, const char *server, long port, const char *host,
                               long ttl, const char *ip)
{
    if (strpbrk(server, "\r\n") || strpbrk(host, "\r\n") || strpbrk(ip, "\r\n")) {
        return -1;
    }
    const char *rr = strchr(ip, ':') ? "AAAA" : "A";
    int r = snprintf(out, n, "server %s %ld\nupdate delete %s %s\nupdate add %s %ld %s %s\nsend\n",
                     server, port, host, rr, host, ttl, rr, ip);
    return r < 0 || (size_t)r >= n ? -1 : 0;
}

static int query(const char *server, long port, const char *host, const char *ip, int tmo,
                 char *out, size_t n)
{
    char at[300], ps[16], tm[24];
    snprintf(at, sizeof(at), "@%s", server);
    snprintf(ps, sizeof(ps), "%ld", port);
    snprintf(tm, sizeof(tm), "+time=%d", tmo);
    char *argv[] = {
        "dig", at, "-p", ps, "+short", tm, "+tries=1", (char *)host, strchr(ip, ':') ? "AAAA" : "A",
        NULL};
    return run_capture(argv, out, n);
}

static int check(mon_ctx_t *ctx)
{
    const clp_resource_t *r = ctx->target;
    if (!r || strcmp(r->type, "ddns") != 0) {
        printf("no target ddns resource");
        return MON_CHECK_ERROR;
    }
    const char *host = clp_conf_rsc_param(r, ctx->server, "parameters/hostname");
    const char *ip = clp_conf_rsc_param(r, ctx->server, "parameters/ip");
    const char *server = clp_conf_rsc_param(r, ctx->server, "parameters/server");
    const char *ps = clp_conf_rsc_param(r, ctx->server, "parameters/port");
    const char *ts = clp_conf_rsc_param(r, ctx->server, "parameters/ttl");
    const char *key = clp_conf_rsc_param(r, ctx->server, "parameters/keyfile");
    long port = ps && ps[0] ? atol(ps) : 53, ttl = ts && ts[0] ? atol(ts) : 0;
    if (!host || !host[0] || !ip || !ip[0] || !server || !server[0]) {
        printf("ddns resource %s lacks its host name, address or DNS server", r->name);
        return MON_CHECK_ERROR;
    }
    int tmo = ctx->mon->timeout_s > 4 ? ctx->mon->timeout_s / 4 : 1;
    char out[2048];
    int st = query(server, port, host, ip, tmo, out, sizeof(out));
    if (st != 0) {
        out[strcspn(out, "\n")] = '\0';
        printf("DNS server %s port %ld does not answer for %s: %s", server, port, host, out);
        return MON_CHECK_ERROR;
    }
    if (ddnsw_answer_has(out, ip)) {
        return MON_CHECK_OK;
    }
    /* Not registered (any more): register again, then ask once more. */
    char script[1024], path[CLP_PATH_MAX];
    if (ddnsw_update_script(script, sizeof(script), server, port, host, ttl, ip) < 0) {
        printf("cannot build the update for %s", host);
        return MON_CHECK_ERROR;
    }
    clp_path(path, sizeof(path), ctx->root, "work/ddnsw-%s.nsupdate", ctx->mon->name);
    if (clp_write_atomic(path, script, strlen(script), 0600) < 0) {
        printf("cannot write %s", path);
        return MON_CHECK_ERROR;
    }
    char tm[16];
    snprintf(tm, sizeof(tm), "%d", tmo);
    char *nsu_key[] = {"nsupdate", "-t", tm, "-k", (char *)key, path, NULL};
    char *nsu[] = {"nsupdate", "-t", tm, path, NULL};
    char uout[1024];
    st = run_capture(key && key[0] ? nsu_key : nsu, uout, sizeof(uout));
    unlink(path);
    if (st != 0) {
        uout[strcspn(uout, "\n")] = '\0';
        printf("%s is not registered as %s on %s and registering it again failed: %s", host, ip,
               server, uout);
        return MON_CHECK_ERROR;
    }
    st = query(server, port, host, ip, tmo, out, sizeof(out));
    if (st != 0 || !ddnsw_answer_has(out, ip)) {
        printf("%s is not registered as %s on %s, even after registering it again", host, ip,
               server);
        return MON_CHECK_ERROR;
    }
    clp_warn("monitor %s: %s was not registered as %s on %s: registered again", ctx->mon->name,
             host, ip, server);
    return MON_CHECK_OK;
}

const mon_type_t mon_ddnsw = {
    .name = "ddnsw",
    .inproc = false,
    .check = check,
};

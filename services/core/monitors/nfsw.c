/*
 * nfsw: NFS monitor. Each check asks the NFS server parameters/nfsserver:
 *
 *   1. the NFS service itself: an ONC RPC NULL call (procedure 0) to program
 *      100003 (nfs), version 2, 3 or 4 (parameters/version), over TCP to port
 *      2049, which must be accepted;
 *   2. for v2 and v3, the mount service and the export: `showmount -e SERVER`
 *      must succeed and list parameters/share. NFSv4 has no mount protocol and
 *      no export list, so for v4 the check is the NULL call alone.
 *
 * The RPC call is built here (no rpcbind look-up for nfs: its port is the
 * standard 2049, as for NFSv4 clients). showmount comes from nfs-common.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../mon.h"

#define NFS_PROGRAM 100003u
#define NFS_PORT 2049

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A NULL call to prog/vers with AUTH_NONE, with its TCP record mark, into out
 * (44 bytes). Returns the length. */
static size_t nfsw_null_call(unsigned char *out, uint32_t xid, uint32_t prog, uint32_t vers)
{
    uint32_t words[] = {xid,
                        0 /* CALL */,
                        2 /* RPC version */,
                        prog,
                        vers,
                        0 /* NULL */,
                        0,
                        0 /* cred AUTH_NONE */,
                        0,
                        0 /* verf AUTH_NONE */};
    size_t n = sizeof(words) / sizeof(words[0]);
    put32(out, 0x80000000u | (uint32_t)(n * 4));
    for (size_t i = 0; i < n; i++) {
        put32(out + 4 + 4 * i, words[i]);
    }
    return 4 + n * 4;
}

/* Decodes the reply (record mark included, len bytes) to a NULL call with
 * xid. Returns 0 when it was accepted, -EAGAIN when incomplete, or -EPROTO
 * with the reason in why. */
static int nfsw_null_reply(const unsigned char *buf, size_t len, uint32_t xid, char *why, size_t n)
{
    if (len < 4) {
        return -EAGAIN;
    }
    size_t rec = get32(buf) & 0x7fffffffu;
    if (len < 4 + rec) {
        return -EAGAIN;
    }
    const unsigned char *p = buf + 4;
    if (rec < 12 || get32(p) != xid || get32(p + 4) != 1 /* REPLY */) {
        snprintf(why, n, "not an RPC reply to the call");
        return -EPROTO;
    }
    if (get32(p + 8) != 0) { /* MSG_DENIED */
        snprintf(why, n, "the call was denied (%s)",
                 rec >= 16 && get32(p + 12) == 0 ? "RPC version mismatch" : "authentication");
        return -EPROTO;
    }
    if (rec < 20) {
        snprintf(why, n, "short RPC reply");
        return -EPROTO;
    }
    uint32_t vlen = get32(p + 16);
    size_t at = 20 + ((vlen + 3u) & ~3u);
    if (vlen > 400 || rec < at + 4) {
        snprintf(why, n, "malformed RPC reply");
        return -EPROTO;
    }
    uint32_t st = get32(p + at);
    if (st == 0) {
        return 0;
    }
    if (st == 2 && rec >= at + 12) {
        snprintf(why, n, "version not supported (the server has versions %u to %u)",
                 get32(p + at + 4), get32(p + at + 8));
    } else {
        static const char *const names[] = {"success",           "program unavailable",
                                            "version mismatch",  "procedure unavailable",
                                            "garbage arguments", "system error"};
        snprintf(why, n, "the call was not accepted (%s)", st < 6 ? names[st] : "unknown");
    }
    return -EPROTO;
}

/* The NULL call to nfs over TCP; 0 or -1 with the reason printed. */
static int null_call(const char *host, uint32_t vers, int timeout_s)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[8];
    snprintf(ps, sizeof(ps), "%d", NFS_PORT);
    int gai = getaddrinfo(host, ps, &hints, &res);
    if (gai != 0) {
        printf("cannot resolve %s: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            e = errno;
            continue;
        }
        struct timeval tv = {.tv_sec = timeout_s};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        printf("cannot connect to the NFS service of %s (TCP %d): %s", host, NFS_PORT,
               strerror(e == EINPROGRESS ? ETIMEDOUT : e));
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint32_t xid = (uint32_t)(ts.tv_nsec ^ getpid());
    unsigned char call[64], buf[512];
    size_t cl = nfsw_null_call(call, xid, NFS_PROGRAM, vers);
    if (send(fd, call, cl, MSG_NOSIGNAL) != (ssize_t)cl) {
        printf("cannot send to the NFS service of %s: %s", host, strerror(errno));
        close(fd);
        return -1;
    }
    size_t len = 0;
    char why[160] = "no answer";
    int rc = -EAGAIN;
    while (rc == -EAGAIN && len < sizeof(buf)) {
        ssize_t r = recv(fd, buf + len, sizeof(buf) - len, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            snprintf(why, sizeof(why), "no answer (%s)",
                     r == 0 ? "connection closed" : strerror(errno == EAGAIN ? ETIMEDOUT : errno));
            break;
        }
        len += (size_t)r;
        rc = nfsw_null_reply(buf, len, xid, why, sizeof(why));
    }
    close(fd);
    if (rc != 0) {
        printf("NFS v%u NULL call to %s: %s", vers, host, why);
        return -1;
    }
    return 0;
}

/* True when `showmount -e` output lists dir as an export ("DIR  clients"). */
static bool nfsw_exported(const char *out, const char *dir)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/') {
        dl--;
    }
    for (const char *p = out; *p;) {
        size_t len = strcspn(p, "\n");
        if (len >= dl && strncmp(p, dir, dl) == 0 && (len == dl || p[dl] == ' ' || p[dl] == '\t')) {
            return true;
        }
        p += len;
        p += *p == '\n';
    }
    return false;
}

static int run_showmount(const char *host, char *out, size_t n)
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
        execl("/usr/sbin/showmount", "showmount", "-e", "--no-headers", host, (char *)NULL);
        execlp("showmount", "showmount", "-e", "--no-headers", host, (char *)NULL);
        printf("cannot run showmount: %s", strerror(errno));
        fflush(stdout);
        _exit(127);
    }
    close(pfd[1]);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(pfd[0], out + got, n - 1 - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0 || (got += (size_t)r) + 1 >= n) {
            break;
        }
    }
    out[got] = '\0';
    close(pfd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int check(mon_ctx_t *ctx)
{
    const char *share = mon_param(ctx, "parameters/share");
    const char *host = mon_param(ctx, "parameters/nfsserver");
    const char *ver = mon_param(ctx, "parameters/version");
    if (!share || !share[0]) {
        printf("no exported directory configured (parameters/share)");
        return MON_CHECK_ERROR;
    }
    if (!host || !host[0]) {
        host = "127.0.0.1";
    }
    uint32_t vers = 4;
    if (ver && ver[0]) {
        vers = (uint32_t)atoi(ver[0] == 'v' || ver[0] == 'V' ? ver + 1 : ver);
    }
    if (vers < 2 || vers > 4) {
        printf("unknown NFS version %s (v2, v3 or v4)", ver);
        return MON_CHECK_ERROR;
    }
    int tmo = ctx->mon->timeout_s > 2 ? ctx->mon->timeout_s / 2 : 1;
    if (null_call(host, vers, tmo) < 0) {
        return MON_CHECK_ERROR;
    }
    if (vers == 4) {
        return MON_CHECK_OK;
    }
    char out[8192];
    int st = run_showmount(host, out, sizeof(out));
    if (st != 0) {
        out[strcspn(out, "\n")] = '\0';
        printf("the mount service of %s does not answer: %s", host, out);
        return MON_CHECK_ERROR;
    }
    if (!nfsw_exported(out, share)) {
        printf("%s does not export %s", host, share);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

const mon_type_t mon_nfsw = {
    .name = "nfsw",
    .inproc = false,
    .check = check,
};

/*
 * clp_syslog: RFC 3164 records on a unix datagram socket.
 */
#include "clp_syslog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define RECORD_MAX 8192

struct clp_syslog {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char tag[48];
    int facility;
    int fd;
    unsigned long sent, dropped;
};

size_t clp_syslog_format(char *out, size_t n, int facility, int severity, time_t t, const char *tag,
                         int pid, const char *msg)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    localtime_r(&t, &tm);
    int k =
        snprintf(out, n, "<%d>%s %2d %02d:%02d:%02d %s[%d]: %s", facility * 8 + (severity & 7),
                 mon[tm.tm_mon % 12], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tag, pid, msg);
    return k < 0 ? 0 : (size_t)k;
}

clp_syslog_t *clp_syslog_new(const char *path, const char *tag, int facility)
{
    clp_syslog_t *sl = calloc(1, sizeof(*sl));
    if (!sl) {
        return NULL;
    }
    snprintf(sl->path, sizeof(sl->path), "%s", path && path[0] ? path : CLP_SYSLOG_DEFAULT_PATH);
    snprintf(sl->tag, sizeof(sl->tag), "%s", tag);
    sl->facility = facility;
    sl->fd = -1;
    return sl;
}

void clp_syslog_destroy(clp_syslog_t **psl)
{
    if (!psl || !*psl) {
        return;
    }
    if ((*psl)->fd >= 0) {
        close((*psl)->fd);
    }
    free(*psl);
    *psl = NULL;
}

static int connect_socket(clp_syslog_t *sl)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    memcpy(sa.sun_path, sl->path, sizeof(sa.sun_path));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    sl->fd = fd;
    return 0;
}

int clp_syslog_send(clp_syslog_t *sl, int severity, const char *msg)
{
    char *rec = malloc(RECORD_MAX);
    int rc = 0;

    if (!rec) {
        sl->dropped++;
        return -ENOMEM;
    }
    size_t len = clp_syslog_format(rec, RECORD_MAX, sl->facility, severity, time(NULL), sl->tag,
                                   (int)getpid(), msg);
    if (len >= RECORD_MAX) {
        len = RECORD_MAX - 1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (sl->fd < 0 && (rc = connect_socket(sl)) < 0) {
            break;
        }
        if (send(sl->fd, rec, len, MSG_NOSIGNAL) >= 0) {
            rc = 0;
            break;
        }
        rc = -errno;
        if (rc == -EAGAIN || rc == -ENOBUFS) {
            break;
        }
        /* The daemon went away (or restarted with a new socket): reconnect once. */
        close(sl->fd);
        sl->fd = -1;
    }
    free(rec);
    if (rc < 0) {
        sl->dropped++;
    } else {
        sl->sent++;
    }
    return rc;
}

unsigned long clp_syslog_sent(const clp_syslog_t *sl)
{
    return sl ? sl->sent : 0;
}

unsigned long clp_syslog_dropped(const clp_syslog_t *sl)
{
    return sl ? sl->dropped : 0;
}

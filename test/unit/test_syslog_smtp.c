/* Unit tests for clp_syslog (record format, sending to a unix datagram socket,
 * dropping when nobody listens) and clp_smtp (addresses, composition, the
 * dialogue against a small SMTP server in a thread: AUTH, dot-stuffing,
 * refusals, timeouts). */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "clp_smtp.h"
#include "clp_syslog.h"

static void test_syslog_format(void **state)
{
    char out[256];
    struct tm tm = {.tm_year = 124,
                    .tm_mon = 2,
                    .tm_mday = 5,
                    .tm_hour = 9,
                    .tm_min = 7,
                    .tm_sec = 3,
                    .tm_isdst = -1};
    time_t t = mktime(&tm);
    clp_syslog_format(out, sizeof(out), CLP_SYSLOG_FAC_DAEMON, LOG_INFO, t, "expresscls", 42,
                      "[I] <type: rc><event: 61> Failover group failover1 has completed.");
    assert_string_equal(out, "<30>Mar  5 09:07:03 expresscls[42]: [I] <type: rc><event: 61> "
                             "Failover group failover1 has completed.");
    clp_syslog_format(out, sizeof(out), CLP_SYSLOG_FAC_DAEMON, LOG_ERR, t, "x", 1, "m");
    assert_memory_equal(out, "<27>", 4);
}

static void test_syslog_send_and_drop(void **state)
{
    char path[] = "/tmp/clp_syslog_XXXXXX";
    close(mkstemp(path));
    unlink(path);
    clp_syslog_t *sl = clp_syslog_new(path, "expresscls", CLP_SYSLOG_FAC_DAEMON);
    /* nobody listens: dropped and counted, no error beyond the return code */
    assert_true(clp_syslog_send(sl, LOG_INFO, "lost") < 0);
    assert_int_equal(clp_syslog_dropped(sl), 1);

    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char big[3001];
    memset(big, 'z', 3000);
    big[3000] = '\0';
    assert_int_equal(clp_syslog_send(sl, LOG_WARNING, big), 0);
    char buf[8192];
    ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
    assert_true(n > 3000);
    buf[n] = '\0';
    assert_memory_equal(buf, "<28>", 4);
    assert_non_null(strstr(buf, " expresscls["));
    assert_int_equal(strlen(strstr(buf, "]: ") + 3), 3000);
    assert_int_equal(clp_syslog_sent(sl), 1);

    /* the reader restarts (a new socket at the same path): the client reconnects */
    close(fd);
    unlink(path);
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(clp_syslog_send(sl, LOG_INFO, "again"), 0);
    n = recv(fd, buf, sizeof(buf) - 1, 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "]: again"));
    close(fd);
    unlink(path);
    clp_syslog_destroy(&sl);
    assert_null(sl);
}

static void test_smtp_addresses_and_compose(void **state)
{
    char buf[] = "a@x, b@y;c@z  d@w";
    const char *to[8];
    assert_int_equal(clp_smtp_split_addresses(buf, to, 8), 4);
    assert_string_equal(to[2], "c@z");
    char buf2[] = "a@x b@y c@z";
    assert_int_equal(clp_smtp_split_addresses(buf2, to, 2), 2);
    const char *rcpt[] = {"a@x", "b@y"};
    char *m = clp_smtp_compose("clp@x", rcpt, 2, "CLUSTERPRO", "line1\nline2", 0);
    assert_non_null(m);
    assert_non_null(strstr(m, "\r\nFrom: clp@x\r\nTo: a@x, b@y\r\nSubject: CLUSTERPRO\r\n"));
    assert_non_null(strstr(m, "\r\n\r\nline1\r\nline2\r\n"));
    assert_null(strstr(m, "\n\n"));
    free(m);
}

typedef struct {
    int lfd;
    int mode; /* 0 accept, 1 refuse RCPT, 2 silent after greeting */
    char transcript[8192];
    size_t len;
} fake_t;

static void *fake_server(void *arg)
{
    fake_t *f = arg;
    int fd = accept(f->lfd, NULL, NULL);
    FILE *in = fdopen(fd, "r");
    char line[1024];
    dprintf(fd, "220 fake ESMTP\r\n");
    if (f->mode == 2) {
        sleep(2);
        fclose(in);
        return NULL;
    }
    bool data = false;
    while (fgets(line, sizeof(line), in)) {
        size_t l = strlen(line);
        if (f->len + l < sizeof(f->transcript)) {
            memcpy(f->transcript + f->len, line, l);
            f->len += l;
            f->transcript[f->len] = '\0';
        }
        if (data) {
            if (strcmp(line, ".\r\n") == 0) {
                data = false;
                dprintf(fd, "250 queued\r\n");
            }
            continue;
        }
        if (strncmp(line, "EHLO", 4) == 0) {
            dprintf(fd, "250-fake\r\n250 AUTH PLAIN LOGIN\r\n");
        } else if (strncmp(line, "RCPT", 4) == 0 && f->mode == 1) {
            dprintf(fd, "550 no such user\r\n");
        } else if (strncmp(line, "AUTH PLAIN", 10) == 0) {
            dprintf(fd, "235 ok\r\n");
        } else if (strncmp(line, "DATA", 4) == 0) {
            data = true;
            dprintf(fd, "354 go\r\n");
        } else if (strncmp(line, "QUIT", 4) == 0) {
            dprintf(fd, "221 bye\r\n");
            break;
        } else {
            dprintf(fd, "250 ok\r\n");
        }
    }
    fclose(in);
    return NULL;
}

static int listen_local(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    *port = ntohs(sa.sin_port);
    return fd;
}

static int run(fake_t *f, const char *user, const char *body, char *err, size_t errlen)
{
    int port;
    f->lfd = listen_local(&port);
    pthread_t th;
    pthread_create(&th, NULL, fake_server, f);
    const char *to[] = {"ops@example.test"};
    char *msg = clp_smtp_compose("clp@example.test", to, 1, "CLUSTERPRO", body, time(NULL));
    clp_smtp_server_t srv = {.host = "127.0.0.1",
                             .port = port,
                             .from = "clp@example.test",
                             .username = user,
                             .password = "secret",
                             .timeout_ms = 500};
    int rc = clp_smtp_send(&srv, to, 1, msg, err, errlen);
    free(msg);
    pthread_join(th, NULL);
    close(f->lfd);
    return rc;
}

static void test_smtp_dialogue(void **state)
{
    fake_t *f = calloc(1, sizeof(*f));
    char err[256];
    assert_int_equal(run(f, "user", "Message: x\n.dot line\nend", err, sizeof(err)), 0);
    assert_non_null(strstr(f->transcript, "MAIL FROM:<clp@example.test>\r\n"));
    assert_non_null(strstr(f->transcript, "RCPT TO:<ops@example.test>\r\n"));
    /* AUTH PLAIN base64("\0user\0secret") */
    assert_non_null(strstr(f->transcript, "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"));
    assert_non_null(strstr(f->transcript, "\r\n..dot line\r\n")); /* dot-stuffed */
    assert_non_null(strstr(f->transcript, "QUIT\r\n"));
    free(f);

    f = calloc(1, sizeof(*f));
    f->mode = 1;
    assert_true(run(f, NULL, "x", err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "550 no such user"));
    assert_null(strstr(f->transcript, "AUTH"));
    free(f);

    f = calloc(1, sizeof(*f));
    f->mode = 2;
    assert_int_equal(run(f, NULL, "x", err, sizeof(err)), -ETIMEDOUT);
    free(f);

    clp_smtp_server_t nowhere = {.host = "127.0.0.1", .port = 1, .timeout_ms = 500};
    const char *to[] = {"a@b"};
    assert_true(clp_smtp_send(&nowhere, to, 1, "x", err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "cannot connect"));
    assert_int_equal(clp_smtp_send(&nowhere, to, 0, "x", err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syslog_format),
        cmocka_unit_test(test_syslog_send_and_drop),
        cmocka_unit_test(test_smtp_addresses_and_compose),
        cmocka_unit_test(test_smtp_dialogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

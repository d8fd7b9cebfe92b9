/*
 * evt_notify: configuration, the job queue and the child processes.
 */
#define CLP_LOG_TAG "evt.notify"
#include "evt_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "evt_route.h"

typedef struct job {
    struct job *next;
    evt_notify_kind_t kind;
    clp_alert_rec_t rec;
    pid_t pid;
    int fd;
    struct event *ev_read, *ev_timeout;
    char out[1024];
    size_t out_len;
    evt_notify_t *owner;
} job_t;

struct evt_notify {
    struct event_base *base;
    evt_notify_conf_t conf;
    evt_notify_result_fn fn;
    void *arg;
    job_t *queue_head, *queue_tail;
    job_t *running[EVT_NOTIFY_CHILDREN];
    evt_notify_stats_t st;
};

/* ---- configuration ---- */

/* The id N of a key "PREFIX@N/field", or -1. */
static int key_id(const char *key, const char *prefix, const char **field)
{
    size_t pl = strlen(prefix);
    if (strncmp(key, prefix, pl) != 0) {
        return -1;
    }
    char *end;
    long id = strtol(key + pl, &end, 10);
    if (end == key + pl || *end != '/' || id < 0 || id > 1000) {
        return -1;
    }
    *field = end + 1;
    return (int)id;
}

static int cmp_smtp(const void *a, const void *b)
{
    return ((const evt_smtp_conf_t *)a)->priority - ((const evt_smtp_conf_t *)b)->priority;
}

void evt_notify_conf_load(const clp_conf_t *conf, evt_notify_conf_t *out)
{
    const clp_params_t *p = &conf->cluster.params;
    int smtp_ids[EVT_NOTIFY_MAX_SERVERS], trap_ids[EVT_NOTIFY_MAX_SERVERS];

    memset(out, 0, sizeof(*out));
    snprintf(out->cluster, sizeof(out->cluster), "%s", conf->cluster.name);
    snprintf(out->address, sizeof(out->address), "%s",
             clp_params_str(p, "cluster/mail/address", ""));
    snprintf(out->subject, sizeof(out->subject), "%s",
             clp_params_str(p, "cluster/mail/subject", "CLUSTERPRO"));
    if (!out->subject[0]) {
        snprintf(out->subject, sizeof(out->subject), "CLUSTERPRO");
    }
    out->smtp_timeout_s = (int)clp_params_int(p, "cluster/mail/smtp/timeout", 30);
    if (out->smtp_timeout_s <= 0 || out->smtp_timeout_s > 3600) {
        out->smtp_timeout_s = 30;
    }
    for (size_t i = 0; i < p->n; i++) {
        const char *field, *v = p->v[i].value;
        int id = key_id(p->v[i].key, "cluster/mail/smtp/smtpsrv@", &field);
        if (id >= 0) {
            size_t k = 0;
            while (k < out->n_smtp && smtp_ids[k] != id) {
                k++;
            }
            if (k == out->n_smtp) {
                if (k == EVT_NOTIFY_MAX_SERVERS) {
                    continue;
                }
                smtp_ids[k] = id;
                out->smtp[k].port = 25;
                out->smtp[k].priority = id;
                out->n_smtp++;
            }
            evt_smtp_conf_t *s = &out->smtp[k];
            if (strcmp(field, "srvname") == 0) {
                snprintf(s->host, sizeof(s->host), "%s", v);
            } else if (strcmp(field, "port") == 0) {
                s->port = atoi(v) > 0 ? atoi(v) : 25;
            } else if (strcmp(field, "priority") == 0) {
                s->priority = atoi(v);
            } else if (strcmp(field, "senderaddress") == 0) {
                snprintf(s->from, sizeof(s->from), "%s", v);
            } else if (strcmp(field, "auth") == 0) {
                s->auth = atoi(v);
            } else if (strcmp(field, "authmethod") == 0) {
                snprintf(s->authmethod, sizeof(s->authmethod), "%s", v);
            } else if (strcmp(field, "username") == 0) {
                snprintf(s->username, sizeof(s->username), "%s", v);
            } else if (strcmp(field, "passwd") == 0) {
                snprintf(s->password, sizeof(s->password), "%s", v);
            }
            continue;
        }
        id = key_id(p->v[i].key, "cluster/trap/snmpsrv@", &field);
        if (id >= 0) {
            size_t k = 0;
            while (k < out->n_traps && trap_ids[k] != id) {
                k++;
            }
            if (k == out->n_traps) {
                if (k == EVT_NOTIFY_MAX_SERVERS) {
                    continue;
                }
                trap_ids[k] = id;
                out->traps[k].port = 162;
                out->traps[k].version = 2;
                snprintf(out->traps[k].community, sizeof(out->traps[k].community), "public");
                out->n_traps++;
            }
            evt_trap_dest_t *t = &out->traps[k];
            if (strcmp(field, "srvname") == 0) {
                snprintf(t->host, sizeof(t->host), "%s", v);
            } else if (strcmp(field, "port") == 0) {
                t->port = atoi(v) > 0 ? atoi(v) : 162;
            } else if (strcmp(field, "snmpver") == 0) {
                t->version =
                    (strcasecmp(v, "v1") == 0 || strcmp(v, "1") == 0 || strcmp(v, "0") == 0) ? 1
                                                                                             : 2;
            } else if (strcmp(field, "snmpcom") == 0 && v[0]) {
                snprintf(t->community, sizeof(t->community), "%s", v);
            }
        }
    }
    qsort(out->smtp, out->n_smtp, sizeof(out->smtp[0]), cmp_smtp);
}

/* ---- the child's work ---- */

static void child_result(int fd, bool ok, const char *server, const char *msg)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "%d\t%s\t%s\n", ok ? 1 : 0, server, msg);
    if (n > 0 && write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {
        _exit(3);
    }
}

static void child_mail(const evt_notify_conf_t *c, const clp_alert_rec_t *rec, int fd)
{
    char addr[sizeof(c->address)], body[CLP_ALERT_TEXT_MAX + 512], err[512] = "";
    const char *to[CLP_SMTP_MAX_RCPT];
    const char *last = "";

    snprintf(addr, sizeof(addr), "%s", c->address);
    size_t n_to = clp_smtp_split_addresses(addr, to, CLP_SMTP_MAX_RCPT);
    evt_mail_body(rec, c->cluster, body, sizeof(body));
    for (size_t i = 0; i < c->n_smtp; i++) {
        const evt_smtp_conf_t *s = &c->smtp[i];
        const char *from = s->from[0] ? s->from : n_to ? to[0] : "";
        char *msg = clp_smtp_compose(from, to, n_to, c->subject, body, time(NULL));
        if (!msg) {
            child_result(fd, false, s->host, "out of memory");
            return;
        }
        clp_smtp_server_t srv = {
            .host = s->host,
            .port = s->port,
            .from = from,
            .username = s->auth || s->username[0] ? s->username : NULL,
            .password = s->password,
            .authmethod = s->authmethod,
            .timeout_ms = c->smtp_timeout_s * 1000,
        };
        int rc = clp_smtp_send(&srv, to, n_to, msg, err, sizeof(err));
        free(msg);
        last = s->host;
        if (rc == 0) {
            child_result(fd, true, s->host, "sent");
            return;
        }
    }
    child_result(fd, false, last, err[0] ? err : "no SMTP server is set");
}

static void child_trap(const evt_notify_conf_t *c, const clp_alert_rec_t *rec, int fd)
{
    char err[256] = "";
    size_t ok = 0;
    for (size_t i = 0; i < c->n_traps; i++) {
        if (evt_trap_send(&c->traps[i], rec, c->cluster, err, sizeof(err)) == 0) {
            ok++;
        }
    }
    child_result(fd, ok == c->n_traps, c->n_traps ? c->traps[c->n_traps - 1].host : "",
                 ok == c->n_traps ? "sent" : err);
}

/* ---- the parent's side ---- */

static void start_next(evt_notify_t *n);

static void finish(job_t *j)
{
    evt_notify_t *n = j->owner;
    int status = 0;
    bool ok = false;
    char server[256] = "", msg[512] = "no result from the sending process";

    if (j->out_len > 0) {
        j->out[j->out_len] = '\0';
        char *t1 = strchr(j->out, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (t1 && t2) {
            *t1 = *t2 = '\0';
            ok = atoi(j->out) == 1;
            snprintf(server, sizeof(server), "%s", t1 + 1);
            snprintf(msg, sizeof(msg), "%s", t2 + 1);
            msg[strcspn(msg, "\n")] = '\0';
        }
    }
    waitpid(j->pid, &status, 0);
    for (size_t i = 0; i < EVT_NOTIFY_CHILDREN; i++) {
        if (n->running[i] == j) {
            n->running[i] = NULL;
        }
    }
    n->st.running--;
    if (j->kind == EVT_NOTIFY_MAIL) {
        ok ? n->st.mails_sent++ : n->st.mails_failed++;
    } else {
        ok ? n->st.traps_sent++ : n->st.traps_failed++;
    }
    if (!ok) {
        clp_warn("%s for alert %s %s/%u failed: %s", j->kind == EVT_NOTIFY_MAIL ? "mail" : "trap",
                 j->rec.origin, j->rec.module, j->rec.event_id, msg);
    }
    if (n->fn) {
        n->fn(n->arg, j->kind, ok, server, msg);
    }
    event_free(j->ev_read);
    event_free(j->ev_timeout);
    close(j->fd);
    free(j);
    start_next(n);
}

static void on_child_output(evutil_socket_t fd, short what, void *arg)
{
    job_t *j = arg;
    size_t room = sizeof(j->out) - 1 - j->out_len;
    ssize_t r = room ? read(fd, j->out + j->out_len, room) : 0;
    if (r > 0) {
        j->out_len += (size_t)r;
        return;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;
    }
    finish(j);
}

static void on_child_timeout(evutil_socket_t fd, short what, void *arg)
{
    job_t *j = arg;
    clp_warn("the process sending a %s (pid %d) did not finish in time: killed",
             j->kind == EVT_NOTIFY_MAIL ? "mail" : "trap", (int)j->pid);
    kill(j->pid, SIGKILL);
}

static int run_job(evt_notify_t *n, job_t *j)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        return -errno;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        if (j->kind == EVT_NOTIFY_MAIL) {
            child_mail(&n->conf, &j->rec, p[1]);
        } else {
            child_trap(&n->conf, &j->rec, p[1]);
        }
        _exit(0);
    }
    close(p[1]);
    evutil_make_socket_nonblocking(p[0]);
    j->pid = pid;
    j->fd = p[0];
    j->owner = n;
    j->ev_read = event_new(n->base, p[0], EV_READ | EV_PERSIST, on_child_output, j);
    j->ev_timeout = evtimer_new(n->base, on_child_timeout, j);
    event_add(j->ev_read, NULL);
    int secs = j->kind == EVT_NOTIFY_MAIL
                   ? n->conf.smtp_timeout_s * (int)(n->conf.n_smtp ? n->conf.n_smtp : 1) * 8 + 5
                   : 30;
    struct timeval tv = {.tv_sec = secs};
    event_add(j->ev_timeout, &tv);
    n->st.running++;
    return 0;
}

static void start_next(evt_notify_t *n)
{
    for (size_t i = 0; i < EVT_NOTIFY_CHILDREN && n->queue_head; i++) {
        if (n->running[i]) {
            continue;
        }
        job_t *j = n->queue_head;
        n->queue_head = j->next;
        if (!n->queue_head) {
            n->queue_tail = NULL;
        }
        n->st.queued--;
        j->next = NULL;
        int rc = run_job(n, j);
        if (rc < 0) {
            clp_error("cannot start a process to send a %s: %s",
                      j->kind == EVT_NOTIFY_MAIL ? "mail" : "trap", strerror(-rc));
            n->st.dropped++;
            free(j);
            continue;
        }
        n->running[i] = j;
    }
}

evt_notify_t *evt_notify_new(struct event_base *base, const clp_conf_t *conf,
                             evt_notify_result_fn fn, void *arg)
{
    evt_notify_t *n = xcalloc(1, sizeof(*n));
    n->base = base;
    n->fn = fn;
    n->arg = arg;
    evt_notify_conf_load(conf, &n->conf);
    return n;
}

void evt_notify_destroy(evt_notify_t **pn)
{
    if (!pn || !*pn) {
        return;
    }
    evt_notify_t *n = *pn;
    n->fn = NULL;
    while (n->queue_head) {
        job_t *j = n->queue_head;
        n->queue_head = j->next;
        free(j);
    }
    n->queue_tail = NULL;
    n->st.queued = 0;
    for (size_t i = 0; i < EVT_NOTIFY_CHILDREN; i++) {
        job_t *j = n->running[i];
        if (j) {
            kill(j->pid, SIGKILL);
            j->out_len = 0;
            finish(j);
        }
    }
    free(n);
    *pn = NULL;
}

int evt_notify_send(evt_notify_t *n, evt_notify_kind_t kind, const clp_alert_rec_t *rec)
{
    if (kind == EVT_NOTIFY_MAIL && (!n->conf.address[0] || n->conf.n_smtp == 0)) {
        return -ENOENT;
    }
    if (kind == EVT_NOTIFY_TRAP && n->conf.n_traps == 0) {
        return -ENOENT;
    }
    if (n->st.queued >= EVT_NOTIFY_QUEUE) {
        n->st.dropped++;
        return -ENOBUFS;
    }
    job_t *j = xcalloc(1, sizeof(*j));
    j->kind = kind;
    j->rec = *rec;
    j->fd = -1;
    if (n->queue_tail) {
        n->queue_tail->next = j;
    } else {
        n->queue_head = j;
    }
    n->queue_tail = j;
    n->st.queued++;
    start_next(n);
    return 0;
}

void evt_notify_stats(const evt_notify_t *n, evt_notify_stats_t *st)
{
    *st = n->st;
}

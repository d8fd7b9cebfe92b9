/*
 * svc_cli: one function per command. Every request to the supervisor is a
 * blocking clp_rpc_local call whose timeout comes from the manifests (the
 * supervisor enforces the real start and stop timeouts; the client only waits
 * a little longer than they allow).
 */
#define CLP_LOG_TAG "clpsvc"
#include "svc_cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_daemon.h"
#include "clp_rpc.h"
#include "clp_time.h"
#include "svc_daemon.h"
#include "svc_proc.h"

#define STATUS_TIMEOUT_MS 5000
#define SLACK_MS 10000
#define NO_LIMIT_MS 3600000
#define EXIT_WAIT_MS 15000

int svc_cli_open(svc_cli_t *c, const char *root_arg, const char *manifests_arg,
                 const char *default_dir, char *err, size_t errlen)
{
    char host[64] = "", dir[CLP_PATH_MAX];
    struct stat st;
    int rc;

    memset(c, 0, sizeof(*c));
    if ((rc = clp_root_resolve(root_arg, c->root, sizeof(c->root))) < 0) {
        snprintf(err, errlen, "cannot resolve the root directory: %s", strerror(-rc));
        return rc;
    }
    if (manifests_arg) {
        snprintf(dir, sizeof(dir), "%s", manifests_arg);
    } else {
        clp_path(dir, sizeof(dir), c->root, "smf-manifests");
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            snprintf(dir, sizeof(dir), "%s", default_dir);
        }
    }
    if (!realpath(dir, c->manifests)) {
        rc = -errno;
        snprintf(err, errlen, "%s: cannot use the manifest directory: %s", dir, strerror(errno));
        return rc;
    }
    rc = svc_manifest_load_dir(c->manifests, &c->m, err, errlen);
    if (rc < 0) {
        return rc;
    }
    c->n = (size_t)rc;
    if ((rc = svc_graph_build(&c->g, c->m, c->n, err, errlen)) < 0) {
        return rc;
    }
    clp_hostname(host, sizeof(host));
    clp_msg_ctx_init(&c->mctx, "", host, "clpsvc", 0);
    return 0;
}

void svc_cli_close(svc_cli_t *c)
{
    free(c->m);
    c->m = NULL;
    if (c->zctx) {
        zmq_ctx_term(c->zctx);
        c->zctx = NULL;
    }
}

static int supervisor_pid(const svc_cli_t *c)
{
    char path[CLP_PATH_MAX];
    pid_t pid;
    clp_path(path, sizeof(path), c->root, "run/clpsvc.pid");
    return svc_pidfile_held(path, &pid) ? (pid > 0 ? (int)pid : 1) : 0;
}

static int ms_of(unsigned s)
{
    return s ? (int)s * 1000 : NO_LIMIT_MS;
}

/* How long starting service idx (all: -1) with what it needs may take. */
static int start_budget(const svc_cli_t *c, int idx)
{
    uint32_t mask = idx < 0 ? ~0u : (1u << idx) | svc_graph_requires(&c->g, (size_t)idx);
    int ms = SLACK_MS;
    for (size_t i = 0; i < c->n; i++) {
        if (mask & (1u << i)) {
            ms += ms_of(c->m[i].start_timeout_s);
        }
    }
    return ms;
}

/* Sends one SvcRequest; on success *rep is an SvcReply (free with clp_msg_free). */
static int request(svc_cli_t *c, Clp__SvcRequest__Action action, const char *service,
                   int timeout_ms, Clp__Envelope **rep, char *err, size_t errlen)
{
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__SvcRequest sr = CLP__SVC_REQUEST__INIT;

    if (!c->zctx && !(c->zctx = zmq_ctx_new())) {
        snprintf(err, errlen, "cannot create a ZeroMQ context");
        return -ENOMEM;
    }
    sr.action = action;
    sr.service = (char *)(service ? service : "");
    sr.wait_ms = (uint32_t)timeout_ms;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_SVC_REQUEST;
    req.svc_request = &sr;
    int rc = clp_rpc_local(c->zctx, c->root, "clpsvc", &c->mctx, &req, rep, timeout_ms, err,
                           errlen);
    if (rc < 0) {
        return rc;
    }
    if ((*rep)->payload_case == CLP__ENVELOPE__PAYLOAD_SVC_REPLY) {
        return 0;
    }
    if ((*rep)->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        snprintf(err, errlen, "%s", (*rep)->error_reply->message);
    } else {
        snprintf(err, errlen, "unexpected reply %s", clp_msg_payload_name(*rep));
    }
    clp_msg_free(*rep);
    *rep = NULL;
    return -EPROTO;
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            printf("\\%c", *s);
        } else if ((unsigned char)*s < 0x20) {
            printf("\\u%04x", (unsigned)*s);
        } else {
            putchar(*s);
        }
    }
    putchar('"');
}

/* Prints the service table (text or JSON); returns 1 if a row is not online. */
static int print_table(const svc_cli_t *c, Clp__SvcStatus *const *sv, size_t n, int sup_pid)
{
    int not_online = 0;
    int w = 21, sw = 10;
    for (size_t i = 0; i < n; i++) {
        not_online |= strcmp(sv[i]->state, "online") != 0;
        if ((int)strlen(sv[i]->name) > w) {
            w = (int)strlen(sv[i]->name);
        }
        if ((int)strlen(sv[i]->state) > sw) {
            sw = (int)strlen(sv[i]->state);
        }
    }
    if (c->json) {
        printf("{\"supervisor\":{\"running\":%s,\"pid\":%d},\"services\":[",
               sup_pid ? "true" : "false", sup_pid);
        for (size_t i = 0; i < n; i++) {
            printf("%s{\"name\":", i ? "," : "");
            json_str(sv[i]->name);
            printf(",\"state\":");
            json_str(sv[i]->state);
            printf(",\"pid\":%d,\"restarts\":%u,\"since_ms\":%llu}", sv[i]->pid, sv[i]->restarts,
                   (unsigned long long)sv[i]->since_ms);
        }
        printf("]}\n");
    } else {
        for (size_t i = 0; i < n; i++) {
            char pid[16] = "-";
            if (sv[i]->pid > 0) {
                snprintf(pid, sizeof(pid), "%d", sv[i]->pid);
            }
            printf("%-*s %-*s %-6s %u\n", w, sv[i]->name, sw, sv[i]->state, pid,
                   sv[i]->restarts);
        }
    }
    fflush(stdout);
    return not_online;
}

static int cmd_status(svc_cli_t *c, const char *service)
{
    char err[512];
    Clp__Envelope *rep = NULL;
    int pid = supervisor_pid(c);

    if (pid && request(c, CLP__SVC_REQUEST__ACTION__STATUS, service, STATUS_TIMEOUT_MS, &rep,
                       err, sizeof(err)) == 0) {
        int bad = print_table(c, rep->svc_reply->services, rep->svc_reply->n_services, pid);
        clp_msg_free(rep);
        return bad ? SVC_EXIT_NOT_RUNNING : SVC_EXIT_OK;
    }
    if (pid) {
        fprintf(stderr, "clpsvc: the supervisor (pid %d) does not answer: %s\n", pid, err);
    }
    /* no supervisor: every service offline, in start order */
    Clp__SvcStatus rows[SVC_MAX], *ptrs[SVC_MAX];
    size_t n = 0;
    for (size_t k = 0; k < c->n; k++) {
        const svc_manifest_t *m = &c->m[c->g.start[k]];
        if (service && svc_graph_find(c->m, c->n, service) != (int)c->g.start[k]) {
            continue;
        }
        clp__svc_status__init(&rows[n]);
        rows[n].name = (char *)m->name;
        rows[n].state = "offline";
        ptrs[n] = &rows[n];
        n++;
    }
    print_table(c, ptrs, n, 0);
    return SVC_EXIT_NOT_RUNNING;
}

/* Asks the running supervisor for action and reports the outcome. */
static int ask(svc_cli_t *c, Clp__SvcRequest__Action action, const char *service, int timeout_ms)
{
    char err[512];
    Clp__Envelope *rep = NULL;
    if (request(c, action, service, timeout_ms, &rep, err, sizeof(err)) < 0) {
        fprintf(stderr, "clpsvc: %s\n", err);
        return SVC_EXIT_FAIL;
    }
    int ok = rep->svc_reply->ok;
    if (!ok) {
        fprintf(stderr, "clpsvc: %s\n", rep->svc_reply->message);
    }
    clp_msg_free(rep);
    return ok ? SVC_EXIT_OK : SVC_EXIT_FAIL;
}

static int cmd_start(svc_cli_t *c, const char *service, bool restart)
{
    char msg[1024];
    int idx = service ? svc_graph_find(c->m, c->n, service) : -1;
    int budget = start_budget(c, idx), rc;

    if (supervisor_pid(c)) {
        if (restart) {
            for (size_t i = 0; i < c->n; i++) {
                budget += idx < 0 || (size_t)idx == i ? ms_of(c->m[i].stop_timeout_s) : 0;
            }
        }
        rc = ask(c, restart ? CLP__SVC_REQUEST__ACTION__RESTART : CLP__SVC_REQUEST__ACTION__START,
                 service, budget);
    } else {
        int s = svc_daemon_spawn(c->root, c->m, c->n, idx, msg, sizeof(msg));
        if (s == -EWOULDBLOCK) {
            rc = ask(c, CLP__SVC_REQUEST__ACTION__START, service, budget);
        } else if (s < 0) {
            fprintf(stderr, "clpsvc: start failed: %s\n", msg);
            rc = SVC_EXIT_FAIL;
        } else {
            rc = SVC_EXIT_OK;
        }
    }
    if (supervisor_pid(c)) {
        cmd_status(c, service);
    }
    return rc;
}

/* Without a supervisor: SIGTERM the daemon named in run/<service>.pid and wait
 * for its lock to go, SIGKILL after the stop timeout. Returns 1 if it ran. */
static int stop_by_pidfile(const svc_manifest_t *m, const char *root)
{
    char path[CLP_PATH_MAX];
    pid_t pid;
    clp_path(path, sizeof(path), root, "run/%s.pid", m->name);
    if (!svc_pidfile_held(path, &pid) || pid <= 0) {
        return 0;
    }
    kill(pid, SIGTERM);
    uint64_t until = clp_mono_ms() + (uint64_t)ms_of(m->stop_timeout_s);
    while (svc_pidfile_held(path, &pid)) {
        if (clp_mono_ms() >= until) {
            fprintf(stderr, "clpsvc: %s (pid %d) did not stop in time: killing it\n", m->name,
                    (int)pid);
            kill(pid, SIGKILL);
            until = ~0ull;
        }
        usleep(20000);
    }
    return 1;
}

static int cmd_stop(svc_cli_t *c, const char *service)
{
    char err[512], path[CLP_PATH_MAX];
    Clp__Envelope *rep = NULL;
    int rc = SVC_EXIT_OK, idx = service ? svc_graph_find(c->m, c->n, service) : -1;
    int w = 21;

    if (!supervisor_pid(c)) {
        int any = 0;
        for (size_t k = 0; k < c->n; k++) {
            size_t i = c->g.stop[k];
            if ((idx < 0 || (size_t)idx == i) && stop_by_pidfile(&c->m[i], c->root)) {
                printf("%-*s stopped\n", w, c->m[i].name);
                fflush(stdout);
                any = 1;
            }
        }
        if (!any) {
            fprintf(stderr, "clpsvc: not running\n");
        }
        return SVC_EXIT_OK;
    }
    if (idx >= 0) {
        rc = ask(c, CLP__SVC_REQUEST__ACTION__STOP, service,
                 ms_of(c->m[idx].stop_timeout_s) + SLACK_MS);
        if (rc == SVC_EXIT_OK) {
            printf("%-*s stopped\n", w, c->m[idx].name);
        }
        return rc;
    }
    /* every service, one by one in the supervisor's stop order, then the supervisor */
    if (request(c, CLP__SVC_REQUEST__ACTION__STATUS, NULL, STATUS_TIMEOUT_MS, &rep, err,
                sizeof(err)) < 0) {
        fprintf(stderr, "clpsvc: %s\n", err);
        return SVC_EXIT_FAIL;
    }
    for (size_t k = rep->svc_reply->n_services; k-- > 0;) {
        const char *name = rep->svc_reply->services[k]->name;
        int i = svc_graph_find(c->m, c->n, name);
        int t = (i >= 0 ? ms_of(c->m[i].stop_timeout_s) : NO_LIMIT_MS) + SLACK_MS;
        if (ask(c, CLP__SVC_REQUEST__ACTION__STOP, name, t) == SVC_EXIT_OK) {
            printf("%-*s stopped\n", w, name);
            fflush(stdout);
        } else {
            rc = SVC_EXIT_FAIL;
        }
    }
    clp_msg_free(rep);
    if (ask(c, CLP__SVC_REQUEST__ACTION__STOP, NULL, SLACK_MS) != SVC_EXIT_OK) {
        rc = SVC_EXIT_FAIL;
    }
    clp_path(path, sizeof(path), c->root, "run/clpsvc.pid");
    uint64_t until = clp_mono_ms() + EXIT_WAIT_MS;
    while (supervisor_pid(c)) {
        if (clp_mono_ms() >= until) {
            fprintf(stderr, "clpsvc: the supervisor did not exit (see %s)\n", path);
            return SVC_EXIT_FAIL;
        }
        usleep(20000);
    }
    return rc;
}

int svc_cli_run(svc_cli_t *c, const char *command, const char *service)
{
    if (strcmp(command, "status") == 0) {
        return cmd_status(c, service);
    }
    if (strcmp(command, "start") == 0) {
        return cmd_start(c, service, false);
    }
    if (strcmp(command, "restart") == 0) {
        return cmd_start(c, service, true);
    }
    if (strcmp(command, "stop") == 0) {
        return cmd_stop(c, service);
    }
    return SVC_EXIT_USAGE;
}

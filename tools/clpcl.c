/*
 * clpcl: cluster service control.
 *
 *   clpcl -s | -t | -r [-a] [-h HOST]      start / stop / restart the cluster service
 *   clpcl --suspend | --resume [-a] [-h HOST]
 *   clpcl --skipwait [-h HOST]             end the wait for the other servers at start
 *
 * Each request goes to the clusterpro_trn of the target server (this one
 * through its local socket, others over the data transfer port), which drives
 * the restarter and the core. -a acts on every server at once; -t -a stops
 * the whole cluster without failing groups over. Output: "Command succeeded."
 * or, with -a, one line per server ("Start srv1 : Command succeeded.").
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "clp_tool.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: clpcl -s | -t | -r [-a] [-h HOST] [--root DIR]\n"
                 "       clpcl --suspend | --resume [-a] [-h HOST] [--root DIR]\n"
                 "       clpcl --skipwait [-h HOST] [--root DIR]\n");
}

typedef struct {
    clp_tool_t *t;
    const char *host;
    Clp__ServiceControl__Op op;
    bool all;
    int rc;
    char msg[512];
} target_t;

static void *run(void *arg)
{
    target_t *x = arg;
    clp_tool_t t2 = *x->t; /* own zmq context per thread */
    t2.zctx = zmq_ctx_new();
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__ServiceControl sc = CLP__SERVICE_CONTROL__INIT;
    char who[128];
    snprintf(who, sizeof(who), "clpcl on %s", x->t->server);
    sc.op = x->op;
    sc.all = x->all;
    sc.requester = who;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_SERVICE_CONTROL;
    req.service_control = &sc;
    t2.timeout_ms = 3700 * 1000;
    x->rc = clp_tool_call(&t2, "trn", x->host, &req, &rep);
    if (x->rc == 0) {
        if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY) {
            x->rc = TOOL_FAIL;
            snprintf(x->msg, sizeof(x->msg), "unexpected reply");
        } else if (!rep->generic_reply->ok) {
            x->rc = TOOL_FAIL;
            snprintf(x->msg, sizeof(x->msg), "%s", rep->generic_reply->message);
        } else {
            snprintf(x->msg, sizeof(x->msg), "Command succeeded.");
        }
    } else {
        snprintf(x->msg, sizeof(x->msg), "Command failed.");
    }
    clp_msg_free(rep);
    zmq_ctx_term(t2.zctx);
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"suspend", no_argument, NULL, 'S'},  {"resume", no_argument, NULL, 'U'},
        {"skipwait", no_argument, NULL, 'W'}, {"root", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'H'},     {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *host = NULL;
    int op = 0, c;
    bool all = false;
    while ((c = getopt_long(argc, argv, "strah:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 't':
        case 'r':
        case 'S':
        case 'U':
        case 'W':
            if (op) {
                fprintf(stderr, "clpcl: choose one of -s, -t, -r, --suspend, --resume, --skipwait\n");
                usage(stderr);
                return TOOL_USAGE;
            }
            op = c;
            break;
        case 'a':
            all = true;
            break;
        case 'h':
            host = optarg;
            break;
        case 'R':
            root = optarg;
            break;
        case 'H':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return TOOL_USAGE;
        }
    }
    if (!op || optind < argc || (all && host) || (all && op == 'W')) {
        fprintf(stderr, "clpcl: %s\n",
                !op             ? "one of -s, -t, -r, --suspend, --resume, --skipwait is required"
                : optind < argc ? "unexpected argument"
                : host          ? "-a and -h cannot be used together"
                                : "--skipwait acts on one server: no -a");
        usage(stderr);
        return TOOL_USAGE;
    }
    Clp__ServiceControl__Op sop = op == 's'   ? CLP__SERVICE_CONTROL__OP__START
                                  : op == 't' ? CLP__SERVICE_CONTROL__OP__STOP
                                  : op == 'r' ? CLP__SERVICE_CONTROL__OP__RESTART
                                  : op == 'S' ? CLP__SERVICE_CONTROL__OP__SUSPEND
                                  : op == 'U' ? CLP__SERVICE_CONTROL__OP__RESUME
                                              : CLP__SERVICE_CONTROL__OP__SKIPWAIT;
    static const char *verbs[] = {"", "Start", "Stop", "Restart", "Suspend", "Resume", "", "",
                                  "Skip wait"};
    clp_tool_t t;
    clp_tool_init(&t, "clpcl", root, true);
    if (host && !clp_conf_server(t.conf, host)) {
        char addr[128];
        if (clp_tool_host_addr(&t, host, addr, sizeof(addr)) < 0) {
            clp_tool_error(&t, "server %s is not defined in the configuration", host);
            clp_tool_fini(&t);
            return TOOL_FAIL;
        }
    }
    size_t n = all ? t.conf->n_servers : 1;
    target_t *x = calloc(n, sizeof(*x));
    pthread_t *th = calloc(n, sizeof(*th));
    for (size_t i = 0; i < n; i++) {
        x[i].t = &t;
        x[i].op = sop;
        x[i].all = all;
        x[i].host = all ? t.conf->servers[i].name : host;
        pthread_create(&th[i], NULL, run, &x[i]);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        if (all) {
            printf("%s %s : %s\n", verbs[sop], x[i].host, x[i].msg);
        } else if (x[i].rc == 0) {
            printf("%s\n", x[i].msg);
        } else if (x[i].rc == TOOL_FAIL && strcmp(x[i].msg, "Command failed.") != 0) {
            clp_tool_error(&t, "%s", x[i].msg);
        }
        if (x[i].rc) {
            rc = x[i].rc == TOOL_NOSVC ? TOOL_NOSVC : TOOL_FAIL;
        }
    }
    free(x);
    free(th);
    clp_tool_fini(&t);
    return rc;
}

/*
 * clpstdn: stop the cluster service on every server and shut them all down.
 *
 *   clpstdn [-r]     -r: reboot instead of shutting down
 *
 * A cluster-wide stop: groups are stopped, not failed over. Each server is
 * asked through its clusterpro_trn; this one goes last.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "clp_tool.h"

typedef struct {
    clp_tool_t *t;
    const char *host;
    bool reboot;
    int rc;
} job_t;

static void *run(void *arg)
{
    job_t *j = arg;
    clp_tool_t t2 = *j->t;
    t2.zctx = zmq_ctx_new();
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__ServiceControl sc = CLP__SERVICE_CONTROL__INIT;
    sc.op = j->reboot ? CLP__SERVICE_CONTROL__OP__REBOOT : CLP__SERVICE_CONTROL__OP__SHUTDOWN;
    sc.all = true;
    sc.requester = "clpstdn";
    req.payload_case = CLP__ENVELOPE__PAYLOAD_SERVICE_CONTROL;
    req.service_control = &sc;
    t2.timeout_ms = 3700 * 1000;
    j->rc = clp_tool_call(&t2, "trn", j->host, &req, &rep);
    if (j->rc == 0 && (rep->payload_case != CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY ||
                       !rep->generic_reply->ok)) {
        j->rc = TOOL_FAIL;
    }
    clp_msg_free(rep);
    zmq_ctx_term(t2.zctx);
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL;
    bool reboot = false;
    int c;
    while ((c = getopt_long(argc, argv, "r", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            reboot = true;
            break;
        case 'R':
            root = optarg;
            break;
        case 'H':
            printf("usage: clpstdn [-r] [--root DIR]\n");
            return 0;
        default:
            fprintf(stderr, "usage: clpstdn [-r] [--root DIR]\n");
            return TOOL_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "clpstdn: unexpected argument '%s'\nusage: clpstdn [-r] [--root DIR]\n",
                argv[optind]);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clpstdn", root, true);
    size_t n = t.conf->n_servers;
    job_t jobs[64] = {0};
    pthread_t th[64];
    size_t k = 0;
    /* The others first, in parallel; this server last (its own shutdown ends us). */
    for (size_t i = 0; i < n && k < 64; i++) {
        if (strcmp(t.conf->servers[i].name, t.server) == 0) {
            continue;
        }
        jobs[k] = (job_t){.t = &t, .host = t.conf->servers[i].name, .reboot = reboot};
        pthread_create(&th[k], NULL, run, &jobs[k]);
        k++;
    }
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        pthread_join(th[i], NULL);
        printf("%s %s : %s\n", reboot ? "Reboot" : "Shutdown", jobs[i].host,
               jobs[i].rc == 0 ? "Command succeeded." : "Command failed.");
        rc = jobs[i].rc ? TOOL_FAIL : rc;
    }
    if (clp_conf_server(t.conf, t.server)) {
        job_t self = {.t = &t, .host = NULL, .reboot = reboot};
        printf("%s %s : requested\n", reboot ? "Reboot" : "Shutdown", t.server);
        fflush(stdout);
        run(&self);
        rc = self.rc ? TOOL_FAIL : rc;
    }
    clp_tool_fini(&t);
    return rc;
}

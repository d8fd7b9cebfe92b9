/*
 * clprsc: single group resource control.
 *
 *   clprsc -s RESOURCE [-h HOST] [-f]   start one resource (-f: and what it depends on)
 *   clprsc -t RESOURCE [-h HOST] [-f]   stop one resource (-f: and what depends on it)
 *   clprsc -n RESOURCE                  print the server where the resource is active
 *
 * A resource runs where its group is; with the group stopped, -s starts the
 * resource on HOST (or by the failover policy) and the group shows
 * "Online Failure" (partly active) until the rest is started.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "clp_tool.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: clprsc -s RESOURCE [-h HOST] [-f] [--root DIR]\n"
                 "       clprsc -t RESOURCE [-h HOST] [-f] [--root DIR]\n"
                 "       clprsc -n RESOURCE [--root DIR]\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *rsc = NULL, *host = NULL;
    char op = 0;
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "s:t:n:h:f", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 't':
        case 'n':
            if (op) {
                usage(stderr);
                return TOOL_USAGE;
            }
            op = (char)c;
            rsc = optarg;
            break;
        case 'h':
            host = optarg;
            break;
        case 'f':
            force = true;
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
    if (!op || optind < argc) {
        fprintf(stderr, "clprsc: %s\n", !op ? "one of -s, -t, -n is required" : "unexpected argument");
        usage(stderr);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clprsc", root, true);
    if (!clp_conf_resource(t.conf, rsc)) {
        clp_tool_error(&t, "resource %s is not defined in the configuration", rsc);
        clp_tool_fini(&t);
        return TOOL_FAIL;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    int rc;
    if (op == 'n') {
        Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
        req.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
        req.cluster_status_request = &sr;
        rc = clp_tool_call(&t, "core", NULL, &req, &rep);
        if (rc == 0) {
            const Clp__ClusterStatus *st = rep->cluster_status;
            const char *where = "None";
            for (size_t g = 0; g < st->n_groups; g++) {
                for (size_t i = 0; i < st->groups[g]->n_resources; i++) {
                    const Clp__ResourceView *rv = st->groups[g]->resources[i];
                    if (strcmp(rv->name, rsc) == 0 && rv->current[0] &&
                        rv->state != CLP__GROUP_STATE__GROUP_OFFLINE) {
                        where = rv->current;
                    }
                }
            }
            printf("%s\n", where);
        }
        clp_msg_free(rep);
        clp_tool_fini(&t);
        return rc;
    }
    Clp__ResourceRequest rr = CLP__RESOURCE_REQUEST__INIT;
    rr.op = op == 's' ? CLP__RESOURCE_REQUEST__OP__START : CLP__RESOURCE_REQUEST__OP__STOP;
    rr.resource = (char *)rsc;
    rr.target = (char *)(host ? host : "");
    rr.force = force;
    rr.requester = "clprsc";
    rr.wait_ms = 600000;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_RESOURCE_REQUEST;
    req.resource_request = &rr;
    t.timeout_ms = 615000;
    rc = clp_tool_call(&t, "core", NULL, &req, &rep);
    if (rc == 0) {
        const Clp__GroupReply *r = rep->group_reply;
        if (r && r->ok) {
            printf("Command succeeded.\n");
        } else {
            clp_tool_error(&t, "%s",
                           !r ? "unexpected reply" : r->n_results ? r->results[0]->message
                                                                  : r->message);
            rc = TOOL_FAIL;
        }
    }
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return rc;
}

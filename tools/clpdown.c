/*
 * clpdown: stop the cluster service on this server and shut it down.
 *
 *   clpdown [-r]     -r: reboot instead of shutting down
 *
 * The server's groups fail over to the other servers first (CLP_FACTOR
 * SERVERSHUTDOWN in their stop scripts), then the OS goes down (on the test
 * bed: the server is powered off by the bed).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "clp_tool.h"

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
            printf("usage: clpdown [-r] [--root DIR]\n");
            return 0;
        default:
            fprintf(stderr, "usage: clpdown [-r] [--root DIR]\n");
            return TOOL_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "clpdown: unexpected argument '%s'\nusage: clpdown [-r] [--root DIR]\n",
                argv[optind]);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clpdown", root, true);
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__ServiceControl sc = CLP__SERVICE_CONTROL__INIT;
    sc.op = reboot ? CLP__SERVICE_CONTROL__OP__REBOOT : CLP__SERVICE_CONTROL__OP__SHUTDOWN;
    sc.requester = "clpdown";
    req.payload_case = CLP__ENVELOPE__PAYLOAD_SERVICE_CONTROL;
    req.service_control = &sc;
    t.timeout_ms = 3700 * 1000;
    int rc = clp_tool_call(&t, "trn", NULL, &req, &rep);
    if (rc == 0 && rep->payload_case == CLP__ENVELOPE__PAYLOAD_GENERIC_REPLY) {
        if (rep->generic_reply->ok) {
            printf("Command succeeded.\n");
        } else {
            clp_tool_error(&t, "%s", rep->generic_reply->message);
            rc = TOOL_FAIL;
        }
    }
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return rc;
}

/*
 * clpgrp: failover group control.
 *
 *   clpgrp -s [GROUP] [-h HOST] [-f]          start on HOST, else on this server (all
 *                                             groups startable there when no GROUP)
 *   clpgrp -t [GROUP] [-h HOST]               stop (all groups on HOST / everywhere)
 *   clpgrp -m [GROUP] [-a DEST] [-h HOST]     move (to DEST, else by failover policy)
 *   clpgrp -n GROUP                           print the server where GROUP is active
 *   --apito SEC                               how long to wait for completion (default 600)
 *
 * The request goes to the master server, which runs it (one operation per
 * group at a time) and answers when it has completed. Prints "Command
 * succeeded." or the reason it failed (exit 1).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_tool.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: clpgrp -s [GROUP] [-h HOST] [-f] [--apito SEC]\n"
                 "       clpgrp -t [GROUP] [-h HOST] [--apito SEC]\n"
                 "       clpgrp -m [GROUP] [-a DEST] [-h HOST] [--apito SEC]\n"
                 "       clpgrp -n GROUP\n"
                 "       (all take --root DIR)\n");
}

static int show_where(clp_tool_t *t, const char *group)
{
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
    req.cluster_status_request = &sr;
    int rc = clp_tool_call(t, "core", NULL, &req, &rep);
    if (rc) {
        return rc;
    }
    const Clp__ClusterStatus *st = rep->cluster_status;
    for (size_t g = 0; g < st->n_groups; g++) {
        if (strcmp(st->groups[g]->name, group) == 0) {
            printf("%s\n", st->groups[g]->current[0] ? st->groups[g]->current : "None");
            clp_msg_free(rep);
            return 0;
        }
    }
    clp_tool_error(t, "group %s is not defined in the configuration", group);
    clp_msg_free(rep);
    return TOOL_FAIL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'}, {"apito", required_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'H'},       {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *host = NULL, *dest = NULL, *group = NULL;
    char op = 0;
    bool force = false;
    long apito = 600;
    int c;
    while ((c = getopt_long(argc, argv, "s::t::m::n:h:a:f", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 't':
        case 'm':
        case 'n':
            if (op) {
                fprintf(stderr, "clpgrp: choose one of -s, -t, -m, -n\n");
                usage(stderr);
                return TOOL_USAGE;
            }
            op = (char)c;
            if (optarg) {
                group = optarg;
            } else if (optind < argc && argv[optind][0] != '-') {
                group = argv[optind++];
            }
            break;
        case 'h':
            host = optarg;
            break;
        case 'a':
            dest = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'R':
            root = optarg;
            break;
        case 'A':
            apito = strtol(optarg, NULL, 10);
            if (apito <= 0 || apito > 86400) {
                fprintf(stderr, "clpgrp: --apito takes seconds from 1 to 86400\n");
                usage(stderr);
                return TOOL_USAGE;
            }
            break;
        case 'H':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return TOOL_USAGE;
        }
    }
    if (!op || optind < argc || (dest && op != 'm') || (force && op != 's')) {
        if (optind < argc) {
            fprintf(stderr, "clpgrp: unexpected argument '%s'\n", argv[optind]);
        } else if (!op) {
            fprintf(stderr, "clpgrp: one of -s, -t, -m, -n is required\n");
        } else {
            fprintf(stderr, "clpgrp: -a goes with -m only, -f with -s only\n");
        }
        usage(stderr);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clpgrp", root, true);
    if (group && !clp_conf_group(t.conf, group)) {
        clp_tool_error(&t, "group %s is not defined in the configuration", group);
        clp_tool_fini(&t);
        return TOOL_FAIL;
    }
    if (dest && !clp_conf_server(t.conf, dest)) {
        clp_tool_error(&t, "server %s is not defined in the configuration", dest);
        clp_tool_fini(&t);
        return TOOL_FAIL;
    }
    if (op == 'n') {
        int rc = show_where(&t, group);
        clp_tool_fini(&t);
        return rc;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__GroupRequest gr = CLP__GROUP_REQUEST__INIT;
    gr.op = op == 's'   ? CLP__GROUP_REQUEST__OP__START
            : op == 't' ? CLP__GROUP_REQUEST__OP__STOP
                        : CLP__GROUP_REQUEST__OP__MOVE;
    gr.group = (char *)(group ? group : "");
    gr.target = (char *)(dest ? dest : "");
    if (op == 's') {
        /* As the original: a group starts on the server that processes the
         * request, HOST with -h, else this one (when it is a cluster server). */
        if (host) {
            const char *name = clp_tool_host_server(&t, host);
            gr.target = (char *)(name ? name : host);
        } else if (clp_conf_server(t.conf, t.server)) {
            gr.target = t.server;
        }
    }
    gr.force = force;
    char who[128];
    snprintf(who, sizeof(who), "clpgrp on %s", t.server);
    gr.requester = who;
    gr.wait_ms = (uint32_t)apito * 1000u;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_GROUP_REQUEST;
    req.group_request = &gr;
    t.timeout_ms = (int)apito * 1000 + 15000;
    int rc = clp_tool_call(&t, "core", host, &req, &rep);
    if (rc == 0) {
        const Clp__GroupReply *r = rep->group_reply;
        if (!r) {
            clp_tool_error(&t, "unexpected reply");
            rc = TOOL_FAIL;
        } else if (group) {
            if (r->ok) {
                printf("Command succeeded.\n");
            } else {
                clp_tool_error(&t, "%s", r->n_results ? r->results[0]->message : r->message);
                rc = TOOL_FAIL;
            }
        } else {
            for (size_t i = 0; i < r->n_results; i++) {
                printf("%s : %s\n", r->results[i]->group,
                       r->results[i]->ok ? "Command succeeded." : r->results[i]->message);
            }
            if (r->n_results == 0) {
                printf("Command succeeded. (no group to %s)\n",
                       op == 's' ? "start" : op == 't' ? "stop" : "move");
            }
            rc = r->ok ? 0 : TOOL_FAIL;
        }
    }
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return rc;
}

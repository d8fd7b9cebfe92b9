/*
 * clpmonctrl: monitor control.
 *
 *   clpmonctrl -s [-m MON] [-h HOST]   suspend monitoring (every monitor without -m)
 *   clpmonctrl -r [-m MON] [-h HOST]   resume
 *   clpmonctrl -c [-m MON] [-h HOST]   reset the recovery counters
 *   clpmonctrl -v [-m MON] [-h HOST]   show the recovery counters
 *   clpmonctrl -e -m MON [-h HOST]     dummy failure on (the monitor reports an error)
 *   clpmonctrl -n [-m MON] [-h HOST]   dummy failure off
 *   -w SEC                             how long to wait for the answer (default 30)
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_tool.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: clpmonctrl -s | -r | -c | -v | -e | -n [-m MONITOR] [-h HOST] [-w SEC]"
                 " [--root DIR]\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *mon = NULL, *host = NULL;
    char op = 0;
    long wait_s = 30;
    int c;
    while ((c = getopt_long(argc, argv, "srcvenm:h:w:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 'r':
        case 'c':
        case 'v':
        case 'e':
        case 'n':
            if (op) {
                fprintf(stderr, "clpmonctrl: choose one of -s, -r, -c, -v, -e, -n\n");
                usage(stderr);
                return TOOL_USAGE;
            }
            op = (char)c;
            break;
        case 'm':
            mon = optarg;
            break;
        case 'h':
            host = optarg;
            break;
        case 'w':
            wait_s = strtol(optarg, NULL, 10);
            if (wait_s < 1 || wait_s > 3600) {
                fprintf(stderr, "clpmonctrl: -w takes seconds from 1 to 3600\n");
                usage(stderr);
                return TOOL_USAGE;
            }
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
    if (!op || optind < argc || (op == 'e' && !mon)) {
        fprintf(stderr, "clpmonctrl: %s\n",
                !op ? "one of -s, -r, -c, -v, -e, -n is required"
                : optind < argc ? "unexpected argument"
                                : "-e needs -m MONITOR");
        usage(stderr);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clpmonctrl", root, true);
    if (mon && !clp_conf_monitor(t.conf, mon)) {
        clp_tool_error(&t, "monitor %s is not defined in the configuration", mon);
        clp_tool_fini(&t);
        return TOOL_FAIL;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__MonitorRequest mr = CLP__MONITOR_REQUEST__INIT;
    mr.op = op == 's'   ? CLP__MONITOR_REQUEST__OP__SUSPEND
            : op == 'r' ? CLP__MONITOR_REQUEST__OP__RESUME
            : op == 'c' ? CLP__MONITOR_REQUEST__OP__CLEAR
            : op == 'v' ? CLP__MONITOR_REQUEST__OP__SHOW
            : op == 'e' ? CLP__MONITOR_REQUEST__OP__DUMMY_ON
                        : CLP__MONITOR_REQUEST__OP__DUMMY_OFF;
    mr.monitor = (char *)(mon ? mon : "");
    mr.requester = "clpmonctrl";
    req.payload_case = CLP__ENVELOPE__PAYLOAD_MONITOR_REQUEST;
    req.monitor_request = &mr;
    t.timeout_ms = (int)wait_s * 1000;
    int rc = clp_tool_call(&t, "core", host, &req, &rep);
    if (rc == 0) {
        const Clp__MonitorReply *r = rep->monitor_reply;
        if (!r || !r->ok) {
            clp_tool_error(&t, "%s", r ? r->message : "unexpected reply");
            rc = TOOL_FAIL;
        } else if (op == 'v') {
            printf(" ======================  MONITOR RESOURCE COUNTER  ====================\n");
            for (size_t i = 0; i < r->n_monitors; i++) {
                const Clp__MonitorStatus *m = r->monitors[i];
                const clp_monitor_t *mc = clp_conf_monitor(t.conf, m->name);
                printf("  Monitor Resource %-20s\n", m->name);
                printf("    Reactivation Count : %u / %d\n", m->restart_count,
                       mc ? mc->th_restart : 0);
                printf("    Failover Count     : %u / %d\n", m->failover_count, mc ? mc->th_fo : 0);
                printf("    Final Action Count : %u\n", m->final_count);
                printf("    Script Count       : %u\n", m->script_count);
                printf("    Suspended          : %s\n", m->suspended ? "yes" : "no");
                printf("    Dummy Failure      : %s\n", m->dummy_failure ? "on" : "off");
                printf("    Check Count        : %" PRIu64 "\n", m->check_count);
            }
            printf(" =====================================================================\n");
        } else {
            printf("Command succeeded.\n");
        }
    }
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return rc;
}

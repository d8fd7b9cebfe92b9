/*
 * clptoratio: multiply every heartbeat and monitor timeout of the cluster for
 * a while (maintenance that will slow the servers down, a backup...).
 *
 *   clptoratio -r RATIO -t PERIOD    RATIO 1..10000; PERIOD Nm, Nh or Nd (at most 30 days)
 *   clptoratio -i                    back to the configured timeouts
 *   clptoratio -s                    show the ratio in effect and until when
 *
 * Applied on every server (through their clusterpro_trn) at once.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_time.h"
#include "clp_tool.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: clptoratio -r RATIO -t PERIOD   (RATIO 1-10000, PERIOD Nm|Nh|Nd, <= 30d)\n"
                 "       clptoratio -i\n"
                 "       clptoratio -s\n"
                 "       (all take --root DIR)\n");
}

/* "90m", "3h", "2d" -> ms; -1 when malformed. */
static long long parse_period(const char *s)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n <= 0 || end[1] != '\0') {
        return -1;
    }
    switch (*end) {
    case 'm':
        return n * 60 * 1000;
    case 'h':
        return n * 3600 * 1000;
    case 'd':
        return n * 86400 * 1000;
    default:
        return -1;
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *ratio_s = NULL, *period_s = NULL;
    char op = 0;
    int c;
    while ((c = getopt_long(argc, argv, "r:t:is", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            ratio_s = optarg;
            op = op ? op : 'r';
            break;
        case 't':
            period_s = optarg;
            break;
        case 'i':
        case 's':
            if (op) {
                usage(stderr);
                return TOOL_USAGE;
            }
            op = (char)c;
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
    long ratio = 0;
    long long period = 0;
    if (!op || optind < argc) {
        usage(stderr);
        return TOOL_USAGE;
    }
    if (op == 'r') {
        char *end;
        ratio = strtol(ratio_s, &end, 10);
        if (*end || ratio < 1 || ratio > 10000) {
            fprintf(stderr, "clptoratio: the ratio must be a whole number from 1 to 10000\n");
            usage(stderr);
            return TOOL_USAGE;
        }
        if (ratio > 1) {
            period = period_s ? parse_period(period_s) : -1;
            if (period < 0) {
                fprintf(stderr, "clptoratio: -t PERIOD is required: a number followed by m, h "
                                "or d (e.g. 90m, 3h, 2d)\n");
                usage(stderr);
                return TOOL_USAGE;
            }
            if (period > 30LL * 86400 * 1000) {
                fprintf(stderr, "clptoratio: the period must not exceed 30 days\n");
                usage(stderr);
                return TOOL_USAGE;
            }
        }
    } else if (period_s) {
        usage(stderr);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clptoratio", root, true);
    int rc = 0;
    if (op == 's') {
        Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
        Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
        req.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
        req.cluster_status_request = &sr;
        rc = clp_tool_call(&t, "core", NULL, &req, &rep);
        if (rc == 0) {
            const Clp__ClusterStatus *st = rep->cluster_status;
            printf("present toratio : %u\n", st->toratio ? st->toratio : 1);
            if (st->toratio > 1 && st->toratio_until_wall_ms) {
                char ts[40];
                clp_fmt_wall(st->toratio_until_wall_ms, ts, sizeof(ts));
                printf("the ratio is valid until %s\n", ts);
            }
        }
        clp_msg_free(rep);
        clp_tool_fini(&t);
        return rc;
    }
    for (size_t i = 0; i < t.conf->n_servers; i++) {
        Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
        Clp__ClusterRequest cr = CLP__CLUSTER_REQUEST__INIT;
        cr.op = op == 'i' || ratio == 1 ? CLP__CLUSTER_REQUEST__OP__CLEAR_TORATIO
                                        : CLP__CLUSTER_REQUEST__OP__SET_TORATIO;
        cr.ratio = (uint32_t)ratio;
        cr.period_ms = (uint64_t)period;
        cr.requester = "clptoratio";
        req.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_REQUEST;
        req.cluster_request = &cr;
        const char *host = t.conf->servers[i].name;
        t.timeout_ms = 5000;
        int r = clp_tool_call(&t, strcmp(host, t.server) == 0 ? "core" : "trn", host, &req, &rep);
        if (r == 0 && (!rep->generic_reply || !rep->generic_reply->ok)) {
            clp_tool_error(&t, "%s: %s", host,
                           rep->generic_reply ? rep->generic_reply->message : "refused");
            r = TOOL_FAIL;
        }
        if (r) {
            rc = r == TOOL_NOSVC && rc == 0 ? TOOL_NOSVC : TOOL_FAIL;
        }
        clp_msg_free(rep);
    }
    if (rc == 0) {
        printf("Command succeeded.\n");
    }
    clp_tool_fini(&t);
    return rc;
}

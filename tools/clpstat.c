/*
 * clpstat: cluster status display.
 *
 *   clpstat [-s] [--long] [-h HOST] [--local] [-o json]
 *   clpstat -g | -m | -n | -p  [--long] [-h HOST]
 *
 * Asks the local core (or, with -h, the given server's) for the cluster view
 * and renders it in the documented layouts (toollib/clpstat_fmt.c). When the
 * cluster service is not running on this server, the configuration is shown
 * with every object Offline, as the original does.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_rpc.h"
#include "clp_tool.h"
#include "clpstat_fmt.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clpstat [-s | -g | -m | -n | -p] [--long] [--local] [-h HOST] [-o json]\n"
            "               [--root DIR]\n"
            "  -s        cluster status (default)    -g  group map\n"
            "  -m        monitor status per server   -n  heartbeat status per server\n"
            "  -p        network partition resolution status\n"
            "  --long    do not shorten names        --local  this server's information only\n"
            "  -h HOST   ask another server          -o json  machine-readable output\n"
            "  --services  each local daemon's own status (state, pid, uptime, counters)\n");
}

/* The view of a stopped cluster: everything from the configuration, Offline. */
static Clp__ClusterStatus *offline_view(const clp_tool_t *t)
{
    const clp_conf_t *c = t->conf;
    Clp__ClusterStatus *st = calloc(1, sizeof(*st));
    clp__cluster_status__init(st);
    st->cluster = (char *)c->cluster.name;
    st->local_server = (char *)t->server;
    st->master = "";
    st->config_generation = c->generation;
    st->n_servers = c->n_servers;
    st->servers = calloc(c->n_servers + 1, sizeof(*st->servers));
    for (size_t k = 0; k < c->n_servers; k++) {
        Clp__ServerView *sv = calloc(1, sizeof(*sv));
        clp__server_view__init(sv);
        sv->name = (char *)c->servers[k].name;
        sv->state = CLP__SERVER_STATE__SERVER_OFFLINE;
        sv->n_paths = c->n_hbs;
        sv->paths = calloc(c->n_hbs + 1, sizeof(*sv->paths));
        for (size_t j = 0; j < c->n_hbs; j++) {
            Clp__PathStatus *p = calloc(1, sizeof(*p));
            clp__path_status__init(p);
            p->name = (char *)c->hbs[j].name;
            p->type = (char *)c->hbs[j].type;
            p->state = CLP__PATH_STATE__PATH_UNKNOWN;
            sv->paths[j] = p;
        }
        sv->n_nps = c->n_nps;
        sv->nps = calloc(c->n_nps + 1, sizeof(*sv->nps));
        for (size_t i = 0; i < c->n_nps; i++) {
            Clp__NpStatus *np = calloc(1, sizeof(*np));
            clp__np_status__init(np);
            np->name = (char *)c->nps[i].name;
            np->type = (char *)c->nps[i].type;
            np->state = CLP__PATH_STATE__PATH_UNKNOWN;
            np->message = "";
            sv->nps[i] = np;
        }
        sv->config_hash = "";
        st->servers[k] = sv;
    }
    st->n_groups = c->n_groups;
    st->groups = calloc(c->n_groups + 1, sizeof(*st->groups));
    for (size_t g = 0; g < c->n_groups; g++) {
        Clp__GroupView *gv = calloc(1, sizeof(*gv));
        clp__group_view__init(gv);
        gv->name = (char *)c->groups[g].name;
        gv->type = "failover";
        gv->current = "";
        gv->operation = "";
        gv->n_resources = c->groups[g].n_resources;
        gv->resources = calloc(gv->n_resources + 1, sizeof(*gv->resources));
        for (size_t i = 0; i < gv->n_resources; i++) {
            Clp__ResourceView *rv = calloc(1, sizeof(*rv));
            clp__resource_view__init(rv);
            rv->name = c->groups[g].resources[i];
            rv->type = c->groups[g].resource_types ? c->groups[g].resource_types[i] : "";
            rv->current = "";
            rv->message = "";
            gv->resources[i] = rv;
        }
        st->groups[g] = gv;
    }
    st->n_monitors = c->n_monitors;
    st->monitors = calloc(c->n_monitors + 1, sizeof(*st->monitors));
    for (size_t m = 0; m < c->n_monitors; m++) {
        Clp__MonitorView *mv = calloc(1, sizeof(*mv));
        clp__monitor_view__init(mv);
        mv->name = (char *)c->monitors[m].name;
        mv->type = (char *)c->monitors[m].type;
        mv->state = CLP__MONITOR_STATE__MON_OFFLINE;
        st->monitors[m] = mv;
    }
    return st;
}

/* clpstat --services: every local daemon's own status reply. */
static int show_services(clp_tool_t *t, bool json)
{
    static const char *names[][2] = {{"evt", "clusterpro_evt"},
                                     {"trn", "clusterpro_trn"},
                                     {"core", "clusterpro"},
                                     {"webmgr", "clusterpro_webmgr"},
                                     {"alertsync", "clusterpro_alertsync"}};
    int rc = 0;
    if (json) {
        printf("[");
    }
    for (size_t i = 0; i < 5; i++) {
        Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
        Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
        req.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
        req.status_request = &sr;
        char err[512];
        t->timeout_ms = 2000;
        int r = clp_rpc_local(t->zctx, t->root, names[i][0], &t->mctx, &req, &rep, t->timeout_ms,
                              err, sizeof(err));
        const Clp__StatusReply *st =
            r == 0 && rep->payload_case == CLP__ENVELOPE__PAYLOAD_STATUS_REPLY ? rep->status_reply
                                                                              : NULL;
        if (json) {
            printf("%s{\"service\":\"%s\",\"state\":\"%s\",\"pid\":%d,\"uptime_ms\":%llu,"
                   "\"config_hash\":\"%s\",\"config_generation\":%llu,\"counters\":{",
                   i ? "," : "", names[i][1], st ? st->state : "offline", st ? st->pid : 0,
                   st ? (unsigned long long)st->uptime_ms : 0ULL, st ? st->config_hash : "",
                   st ? (unsigned long long)st->config_generation : 0ULL);
            for (size_t k = 0; st && k < st->n_counters; k++) {
                printf("%s\"%s\":%llu", k ? "," : "", st->counters[k]->name,
                       (unsigned long long)st->counters[k]->value);
            }
            printf("}}");
        } else if (st) {
            printf("%-22s %-10s pid %-8d up %8.1f s  config %.12s generation %llu\n", names[i][1],
                   st->state, st->pid, st->uptime_ms / 1000.0, st->config_hash,
                   (unsigned long long)st->config_generation);
        } else {
            printf("%-22s %-10s (%s)\n", names[i][1], "offline", err);
            rc = TOOL_NOSVC;
        }
        clp_msg_free(rep);
    }
    if (json) {
        printf("]\n");
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"long", no_argument, NULL, 'L'},  {"local", no_argument, NULL, 'l'},
        {"services", no_argument, NULL, 'V'},
        {"root", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *host = NULL, *fmt = NULL;
    char view = 's';
    bool longfmt = false, local = false;
    int c, nviews = 0;
    while ((c = getopt_long(argc, argv, "sgmnph:o:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
        case 'g':
        case 'm':
        case 'n':
        case 'p':
            view = (char)c;
            nviews++;
            break;
        case 'h':
            host = optarg;
            break;
        case 'o':
            fmt = optarg;
            break;
        case 'L':
            longfmt = true;
            break;
        case 'V':
            view = 'V';
            nviews++;
            break;
        case 'l':
            local = true;
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
    if (optind < argc || nviews > 1 || (fmt && strcmp(fmt, "json") != 0)) {
        if (optind < argc) {
            fprintf(stderr, "clpstat: unexpected argument '%s'\n", argv[optind]);
        } else if (nviews > 1) {
            fprintf(stderr, "clpstat: choose one of -s, -g, -m, -n, -p\n");
        } else {
            fprintf(stderr, "clpstat: unknown output format '%s' (only json)\n", fmt);
        }
        usage(stderr);
        return TOOL_USAGE;
    }
    clp_tool_t t;
    clp_tool_init(&t, "clpstat", root, view != 'V');
    if (view == 'V') {
        int r = show_services(&t, fmt != NULL);
        clp_tool_fini(&t);
        return r;
    }
    Clp__Envelope req = CLP__ENVELOPE__INIT;
    Clp__ClusterStatusRequest sr = CLP__CLUSTER_STATUS_REQUEST__INIT;
    sr.local_only = local;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS_REQUEST;
    req.cluster_status_request = &sr;
    Clp__Envelope *rep = NULL;
    t.timeout_ms = 5000;
    int rc = clp_tool_call(&t, "core", host, &req, &rep);
    Clp__ClusterStatus *st = NULL;
    if (rc == 0 && rep->payload_case == CLP__ENVELOPE__PAYLOAD_CLUSTER_STATUS) {
        st = rep->cluster_status;
    } else if (rc == TOOL_NOSVC && !host) {
        st = offline_view(&t);
        rc = 0;
    } else {
        clp_msg_free(rep);
        clp_tool_fini(&t);
        return rc ? rc : TOOL_FAIL;
    }
    clpstat_opts_t o = {.longfmt = longfmt, .conf = t.conf};
    if (fmt) {
        clpstat_fmt_json(stdout, st);
    } else if (view == 'g') {
        clpstat_fmt_groupmap(stdout, st, &o);
    } else if (view == 'm') {
        clpstat_fmt_monitors(stdout, st, &o);
    } else if (view == 'n') {
        clpstat_fmt_heartbeats(stdout, st, &o);
    } else if (view == 'p') {
        clpstat_fmt_np(stdout, st, &o);
    } else {
        clpstat_fmt_status(stdout, st, &o, 7);
    }
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return 0;
}

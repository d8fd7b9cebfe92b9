/*
 * clpsvc: the SMF-style restarter of the five CLUSTERPRO services. Wiring
 * only: parse the command line, load the manifests (svc_cli_open), run the
 * command (svc_cli_run). The supervisor itself is svc_daemon + svc_supervise +
 * svc_control; see docs/clpsvc.md.
 */
#define CLP_LOG_TAG "clpsvc"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "clp_log.h"
#include "svc_cli.h"

#ifndef CLPSVC_MANIFEST_DIR
#define CLPSVC_MANIFEST_DIR "/opt/nec/clusterpro/smf-manifests"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clpsvc [--root DIR] [--manifests DIR] [-o json] "
            "start|stop|restart|status [SERVICE]\n"
            "  --root DIR        server root (default $CLP_ROOT or /opt/nec/clusterpro)\n"
            "  --manifests DIR   SMF manifests (default ROOT/smf-manifests, else %s)\n"
            "  -o json           machine-readable service table\n"
            "  SERVICE           a service name (clusterpro_evt, ...) or its FMRI\n",
            CLPSVC_MANIFEST_DIR);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'R'},
        {"manifests", required_argument, NULL, 'M'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root = NULL, *manifests = NULL;
    bool json = false;
    char err[1024];
    int ch;

    clp_log_set_level(CLP_LOG_WARN);
    while ((ch = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'R':
            root = optarg;
            break;
        case 'M':
            manifests = optarg;
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(stderr, "clpsvc: unknown output format '%s'\n", optarg);
                usage(stderr);
                return SVC_EXIT_USAGE;
            }
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            usage(stdout);
            return SVC_EXIT_OK;
        default:
            usage(stderr);
            return SVC_EXIT_USAGE;
        }
    }
    int nargs = argc - optind;
    const char *cmd = nargs > 0 ? argv[optind] : NULL;
    const char *service = nargs > 1 ? argv[optind + 1] : NULL;
    if (!cmd || nargs > 2 ||
        (strcmp(cmd, "start") != 0 && strcmp(cmd, "stop") != 0 && strcmp(cmd, "restart") != 0 &&
         strcmp(cmd, "status") != 0)) {
        if (cmd && nargs <= 2) {
            fprintf(stderr, "clpsvc: unknown command '%s'\n", cmd);
        }
        usage(stderr);
        return SVC_EXIT_USAGE;
    }

    svc_cli_t cli;
    if (svc_cli_open(&cli, root, manifests, CLPSVC_MANIFEST_DIR, err, sizeof(err)) < 0) {
        fprintf(stderr, "clpsvc: %s\n", err);
        svc_cli_close(&cli);
        return SVC_EXIT_FAIL;
    }
    cli.json = json;
    if (service && svc_graph_find(cli.m, cli.n, service) < 0) {
        fprintf(stderr, "clpsvc: unknown service '%s' (manifests in %s)\n", service,
                cli.manifests);
        usage(stderr);
        svc_cli_close(&cli);
        return SVC_EXIT_USAGE;
    }
    int rc = svc_cli_run(&cli, cmd, service);
    svc_cli_close(&cli);
    return rc;
}

/*
 * svc_cli: the command-line side of clpsvc. It loads the manifests itself (to
 * know the services, their order and their timeouts), finds out whether a
 * supervisor runs for the root (the flock on run/clpsvc.pid), and either asks
 * it over ipc://ROOT/run/clpsvc.sock (clp_rpc_local, SvcRequest) or, for
 * start, spawns one. Without a supervisor, stop falls back to the services'
 * own pid files, so daemons left behind by a killed supervisor can be stopped.
 *
 * Exit statuses: 0 done, 1 failed (reason on stderr), 2 usage, 3 (status) a
 * listed service is not online or no supervisor runs.
 */
#ifndef SVC_CLI_H
#define SVC_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_msg.h"
#include "clp_paths.h"
#include "svc_graph.h"
#include "svc_manifest.h"

enum { SVC_EXIT_OK = 0, SVC_EXIT_FAIL = 1, SVC_EXIT_USAGE = 2, SVC_EXIT_NOT_RUNNING = 3 };

typedef struct {
    char root[CLP_PATH_MAX];
    char manifests[CLP_PATH_MAX];
    svc_manifest_t *m; /* owned */
    size_t n;
    svc_graph_t g;
    bool json;
    void *zctx; /* created at the first request: never before a fork */
    clp_msg_ctx_t mctx;
} svc_cli_t;

/* Resolves the root (root_arg, $CLP_ROOT or the default) and the manifest
 * directory (manifests_arg, ROOT/smf-manifests if it exists, else
 * default_dir), loads and checks every manifest. Returns 0 or -errno with the
 * reason in err. */
int svc_cli_open(svc_cli_t *c, const char *root_arg, const char *manifests_arg,
                 const char *default_dir, char *err, size_t errlen);

/* Frees what svc_cli_open and the requests allocated. */
void svc_cli_close(svc_cli_t *c);

/* Runs command (start, stop, restart, status) on service (NULL: all; it must
 * be one svc_graph_find knows). Prints results on stdout, reasons on stderr.
 * Returns the exit status. */
int svc_cli_run(svc_cli_t *c, const char *command, const char *service);

#endif

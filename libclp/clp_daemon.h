/*
 * clp_daemon: what the five daemons share at start-up and shutdown, so that
 * each main.c is only wiring.
 *
 * clp_daemon_init parses the common options (--root DIR, --log-level L,
 * --server NAME, --config FILE), resolves the root, opens the log file
 * log/<service>.log, takes the pid file run/<service>.pid (an flock: a second
 * instance refuses to start), loads and validates clp.conf, finds this server in
 * it (uname -n unless --server), loads the cluster key, creates the event
 * base, the ZeroMQ context, the event client, and the local ipc endpoint
 * run/<name>.sock whose handler table always answers StatusRequest. SIGTERM
 * and SIGINT become events that call the daemon's on_stop hook (default: leave
 * the loop).
 *
 * Each failing stage exits with its own code (clp_daemon_exit_t), so the
 * restarter and the operator can tell why a daemon did not start.
 */
#ifndef CLP_DAEMON_H
#define CLP_DAEMON_H

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "clp_config.h"
#include "clp_evclient.h"
#include "clp_keys.h"
#include "clp_msg.h"
#include "clp_paths.h"
#include "clp_srv.h"

typedef enum {
    CLP_EXIT_OK = 0,
    CLP_EXIT_USAGE = 2,
    CLP_EXIT_ROOT = 3,
    CLP_EXIT_LOG = 4,
    CLP_EXIT_RUNNING = 5,
    CLP_EXIT_CONFIG = 6,
    CLP_EXIT_SERVER = 7,
    CLP_EXIT_KEYS = 8,
    CLP_EXIT_ENDPOINT = 9,
    CLP_EXIT_INIT = 10,
    CLP_EXIT_RELOAD = 11, /* left to be restarted at once with a new configuration */
} clp_daemon_exit_t;

typedef struct clp_daemon clp_daemon_t;

/* Adds service-specific counters/state to a status reply. */
typedef void (*clp_daemon_status_fn)(void *arg, Clp__StatusReply *rep);

typedef struct {
    const char *service;    /* clusterpro_evt, ... */
    const char *short_name; /* evt, trn, core, webmgr, alertsync: the ipc socket name */
    bool need_keys;         /* the cluster key must exist */
    bool connect_evt;       /* create the event client (evt itself says false) */
    const clp_srv_handler_t *extra_handlers; /* more payloads on the ipc endpoint, may be NULL;
                                                handlers get the clp_daemon_t * as arg */
} clp_daemon_opts_t;

struct clp_daemon {
    clp_daemon_opts_t opts;
    char root[CLP_PATH_MAX];
    char server[CLP_NAME_MAX];
    char conf_path[CLP_PATH_MAX];
    clp_conf_t *conf;
    const clp_server_t *self; /* this server in conf */
    clp_keys_t keys;
    bool have_keys;
    struct event_base *base;
    void *zctx;
    clp_msg_ctx_t mctx;
    clp_evclient_t *ev;
    clp_srv_t *ipc;
    clp_srv_handler_t *table;
    clp_srv_t *tcp[2];
    clp_zap_t *zap;
    const char *outside_domains[3];
    int pidfd;
    uint64_t start_ms;
    const char *state; /* "starting", "running", "stopping" */
    clp_daemon_status_fn status_fn;
    void *status_arg;
    void (*on_stop)(clp_daemon_t *d);
    void *app; /* the daemon's own context */
    struct event *sig_term, *sig_int, *sig_pipe;
    int stop_signal;
};

/* Runs every common start-up stage; on failure prints the reason and exits the
 * process with the stage's code (daemons do not continue half-started). */
void clp_daemon_init(clp_daemon_t *d, const clp_daemon_opts_t *opts, int argc, char **argv);

/* Opens a CURVE-protected TCP endpoint on port (all addresses) serving the same
 * handler table as the ipc endpoint, and starts the ZAP handler on first use.
 * domain names the endpoint for ZAP; allow_outside admits outside client keys
 * (etc/clients/NAME.pub). Returns the server or NULL with a reason logged. */
clp_srv_t *clp_daemon_listen_tcp(clp_daemon_t *d, int port, const char *domain,
                                 bool allow_outside);

/* Runs the event loop until stopped. Returns 0. */
int clp_daemon_run(clp_daemon_t *d);

/* Tears down in reverse order (event client flushed, endpoint closed, pid file released). */
void clp_daemon_fini(clp_daemon_t *d);

/* Leaves the loop (used by on_stop hooks when their shutdown work is done). */
void clp_daemon_exit_loop(clp_daemon_t *d);

/* Appends a counter to a status reply being built (name is copied). */
void clp_status_counter(Clp__StatusReply *rep, const char *name, uint64_t value);

/* Frees what clp_status_counter allocated. */
void clp_status_free_counters(Clp__StatusReply *rep);

/* This host's name as the product sees it (uname -n). */
int clp_hostname(char *out, size_t n);

#endif

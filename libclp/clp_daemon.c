/*
 * clp_daemon: common start-up stages, the status handler and signal events.
 */
#define CLP_LOG_TAG "daemon"
#include "clp_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_cfstore.h"
#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"

int clp_hostname(char *out, size_t n)
{
    struct utsname u;
    if (uname(&u) < 0) {
        return -errno;
    }
    snprintf(out, n, "%s", u.nodename);
    return 0;
}

void clp_status_counter(Clp__StatusReply *rep, const char *name, uint64_t value)
{
    Clp__Counter *c = xmalloc(sizeof(*c));
    clp__counter__init(c);
    c->name = xstrdup(name);
    c->value = value;
    rep->counters = xrealloc(rep->counters, (rep->n_counters + 1) * sizeof(*rep->counters));
    rep->counters[rep->n_counters++] = c;
}

void clp_status_free_counters(Clp__StatusReply *rep)
{
    for (size_t i = 0; i < rep->n_counters; i++) {
        free(rep->counters[i]->name);
        free(rep->counters[i]);
    }
    free(rep->counters);
    rep->counters = NULL;
    rep->n_counters = 0;
}

static void on_status(void *arg, clp_srv_req_t *req, const Clp__Envelope *env)
{
    clp_daemon_t *d = arg;
    Clp__Envelope rep = CLP__ENVELOPE__INIT;
    Clp__StatusReply st = CLP__STATUS_REPLY__INIT;

    st.service = (char *)d->opts.service;
    st.state = (char *)d->state;
    st.pid = getpid();
    st.uptime_ms = clp_mono_ms() - d->start_ms;
    st.server = d->server;
    st.version = CLP_VERSION;
    st.config_generation = d->conf ? d->conf->generation : 0;
    st.config_hash = d->conf ? d->conf->sha256 : "";
    clp_status_counter(&st, "ipc_requests", clp_srv_requests(d->ipc));
    clp_status_counter(&st, "ipc_rejected", clp_srv_rejected(d->ipc));
    clp_status_counter(&st, "events_unacked", clp_evclient_unacked(d->ev));
    if (d->status_fn) {
        d->status_fn(d->status_arg, &st);
    }
    rep.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REPLY;
    rep.status_reply = &st;
    clp_srv_reply(req, &rep);
    clp_status_free_counters(&st);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    clp_daemon_t *d = arg;
    if (sig == SIGPIPE) {
        return;
    }
    if (d->stop_signal) {
        clp_warn("second stop signal: leaving at once");
        event_base_loopbreak(d->base);
        return;
    }
    d->stop_signal = (int)sig;
    d->state = "stopping";
    clp_info("%s: received %s, stopping", d->opts.service, strsignal((int)sig));
    if (d->on_stop) {
        d->on_stop(d);
    } else {
        clp_daemon_exit_loop(d);
    }
}

void clp_daemon_exit_loop(clp_daemon_t *d)
{
    event_base_loopexit(d->base, NULL);
}

static void usage(const char *service, FILE *out)
{
    fprintf(out,
            "usage: %s [--root DIR] [--server NAME] [--config FILE] [--log-level LEVEL]\n"
            "  --root DIR        installation root (default $CLP_ROOT or /opt/nec/clusterpro)\n"
            "  --server NAME     this server's name (default: uname -n)\n"
            "  --config FILE     configuration file (default ROOT/etc/clp.conf)\n"
            "  --log-level L     error, warn, info (default), debug, trace\n",
            service);
}

/* The pid file's lock belongs to the daemon, not to the processes it forks:
 * a child that runs code of the daemon without exec (a check, an activation
 * step, an announcement) would share the lock (flock is per open file) and,
 * outliving a daemon killed with -9, make its restart fail with "already
 * running" until the child ends (t_group: a core restarted 1.2 s late, and
 * its peer declared the server down). Every fork closes the child's copy. */
static int pidfile_fd = -1;

static void pidfile_close_in_child(void)
{
    if (pidfile_fd >= 0) {
        close(pidfile_fd);
        pidfile_fd = -1;
    }
}

static int take_pidfile(clp_daemon_t *d)
{
    char path[CLP_PATH_MAX], buf[32];
    clp_path(path, sizeof(path), d->root, "run/%s.pid", d->opts.service);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open %s: %s\n", d->opts.service, path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        fprintf(stderr, "%s: already running (%s is locked)\n", d->opts.service, path);
        close(fd);
        return -2;
    }
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        fprintf(stderr, "%s: cannot write %s\n", d->opts.service, path);
    }
    d->pidfd = fd;
    static bool atfork_set;
    if (!atfork_set && pthread_atfork(NULL, NULL, pidfile_close_in_child) == 0) {
        atfork_set = true;
    }
    pidfile_fd = fd;
    return 0;
}

void clp_daemon_init(clp_daemon_t *d, const clp_daemon_opts_t *opts, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, 'R'},    {"server", required_argument, NULL, 'S'},
        {"config", required_argument, NULL, 'C'},  {"log-level", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *root_arg = NULL, *server_arg = NULL, *conf_arg = NULL;
    char err[512], path[CLP_PATH_MAX];
    int c;

    memset(d, 0, sizeof(*d));
    d->opts = *opts;
    d->pidfd = -1;
    d->state = "starting";
    d->start_ms = clp_mono_ms();
    signal(SIGPIPE, SIG_IGN);

    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'R':
            root_arg = optarg;
            break;
        case 'S':
            server_arg = optarg;
            break;
        case 'C':
            conf_arg = optarg;
            break;
        case 'L': {
            clp_log_level_t lvl;
            if (clp_log_parse_level(optarg, &lvl) < 0) {
                fprintf(stderr, "%s: unknown log level '%s'\n", opts->service, optarg);
                usage(opts->service, stderr);
                exit(CLP_EXIT_USAGE);
            }
            clp_log_set_level(lvl);
            break;
        }
        case 'h':
            usage(opts->service, stdout);
            exit(CLP_EXIT_OK);
        default:
            usage(opts->service, stderr);
            exit(CLP_EXIT_USAGE);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", opts->service, argv[optind]);
        usage(opts->service, stderr);
        exit(CLP_EXIT_USAGE);
    }

    /* Stage: root */
    if (clp_root_resolve(root_arg, d->root, sizeof(d->root)) < 0 || clp_root_prepare(d->root) < 0) {
        fprintf(stderr, "%s: cannot use root directory %s: %s\n", opts->service,
                root_arg ? root_arg : "(default)", strerror(errno));
        exit(CLP_EXIT_ROOT);
    }
    /* Stage: log */
    clp_path(path, sizeof(path), d->root, "log/%s.log", opts->service);
    if (clp_log_open_file(path, isatty(STDERR_FILENO)) < 0) {
        fprintf(stderr, "%s: cannot open log file %s: %s\n", opts->service, path,
                strerror(errno));
        exit(CLP_EXIT_LOG);
    }
    /* Stage: single instance */
    int prc = take_pidfile(d);
    if (prc < 0) {
        exit(prc == -2 ? CLP_EXIT_RUNNING : CLP_EXIT_ROOT);
    }
    /* Stage: identity and configuration */
    if (server_arg) {
        snprintf(d->server, sizeof(d->server), "%s", server_arg);
    } else {
        clp_hostname(d->server, sizeof(d->server));
    }
    d->zctx = zmq_ctx_new();
    d->base = event_base_new();
    if (!d->zctx || !d->base) {
        clp_error("cannot create the event loop or the ZeroMQ context");
        exit(CLP_EXIT_INIT);
    }
    clp_path(path, sizeof(path), d->root, "work/%s.incarnation", opts->service);
    clp_msg_ctx_init(&d->mctx, "", d->server, opts->service, clp_incarnation_next(path));
    if (opts->connect_evt) {
        d->ev = clp_evclient_new(d->base, d->zctx, d->root, d->server, opts->service);
    }

    if (conf_arg) {
        snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf_arg);
    } else {
        clp_path(d->conf_path, sizeof(d->conf_path), d->root, "etc/clp.conf");
    }
    clp_diag_t diag = {0};
    if (access(d->conf_path, F_OK) < 0) {
        CLP_ALERT(d->ev, "pm", 14);
        clp_error("%s: %s does not exist", opts->service, d->conf_path);
        clp_evclient_destroy(&d->ev);
        exit(CLP_EXIT_CONFIG);
    }
    d->conf = clp_conf_load(d->conf_path, &diag);
    if (!d->conf) {
        for (size_t i = 0; i < diag.n; i++) {
            clp_diag_item_t *it = &diag.items[i];
            clp_error("%s:%d: %s: %s", it->file, it->line, it->path ? it->path : "",
                      it->message);
        }
        CLP_ALERT(d->ev, "pm", 13);
        clp_diag_free(&diag);
        clp_evclient_destroy(&d->ev);
        exit(CLP_EXIT_CONFIG);
    }
    clp_diag_free(&diag);
    if (!conf_arg && clp_cfstore_apply(d->root, d->conf) == -ESTALE) {
        clp_warn("%s: %s is not the file the last push installed (etc/clp.conf.gen describes "
                 "another one): configuration generation unknown (0)",
                 opts->service, d->conf_path);
    }
    snprintf(d->mctx.cluster, sizeof(d->mctx.cluster), "%s", d->conf->cluster.name);
    d->self = clp_conf_server(d->conf, d->server);
    if (!d->self) {
        CLP_ALERT(d->ev, "pm", 15);
        clp_error("%s: server '%s' is not defined in %s", opts->service, d->server, d->conf_path);
        clp_evclient_destroy(&d->ev);
        exit(CLP_EXIT_SERVER);
    }
    /* Stage: keys */
    if (clp_keys_load(d->root, &d->keys, err, sizeof(err)) == 0) {
        d->have_keys = true;
    } else if (opts->need_keys) {
        clp_error("%s: %s", opts->service, err);
        clp_evclient_destroy(&d->ev);
        exit(CLP_EXIT_KEYS);
    }
    /* Stage: local endpoint */
    size_t n_extra = 0;
    while (opts->extra_handlers && opts->extra_handlers[n_extra].fn) {
        n_extra++;
    }
    d->table = xcalloc(n_extra + 2, sizeof(*d->table));
    d->table[0].payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    d->table[0].fn = on_status;
    for (size_t i = 0; i < n_extra; i++) {
        d->table[i + 1] = opts->extra_handlers[i];
    }
    char ep[CLP_PATH_MAX], file[CLP_PATH_MAX];
    clp_endpoint_ipc(ep, sizeof(ep), d->root, opts->short_name);
    clp_endpoint_file(file, sizeof(file), d->root, opts->short_name);
    unlink(file); /* a stale socket of a killed predecessor; the pid lock is ours */
    d->ipc = clp_srv_new(d->base, d->zctx, ep, d->table, d, &d->mctx, NULL, NULL, err,
                         sizeof(err));
    if (!d->ipc) {
        clp_error("%s: %s", opts->service, err);
        clp_evclient_destroy(&d->ev);
        exit(CLP_EXIT_ENDPOINT);
    }
    d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
    d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
    evsignal_add(d->sig_term, NULL);
    evsignal_add(d->sig_int, NULL);
}

clp_srv_t *clp_daemon_listen_tcp(clp_daemon_t *d, int port, const char *domain,
                                 bool allow_outside)
{
    char ep[64], err[512];
    size_t slot = d->tcp[0] ? 1 : 0;

    if (!d->have_keys) {
        clp_error("%s: cannot open TCP port %d without the cluster key", d->opts.service, port);
        return NULL;
    }
    if (d->tcp[slot]) {
        clp_error("%s: too many TCP endpoints", d->opts.service);
        return NULL;
    }
    if (allow_outside) {
        size_t k = 0;
        while (d->outside_domains[k]) {
            k++;
        }
        if (k < 2) {
            d->outside_domains[k] = domain;
        }
    }
    if (!d->zap) {
        char dir[CLP_PATH_MAX];
        clp_path(dir, sizeof(dir), d->root, "etc/clients");
        d->zap = clp_zap_new(d->base, d->zctx, &d->keys, dir, d->outside_domains);
        if (!d->zap) {
            return NULL;
        }
    }
    snprintf(ep, sizeof(ep), "tcp://*:%d", port);
    d->tcp[slot] = clp_srv_new(d->base, d->zctx, ep, d->table, d, &d->mctx, &d->keys, domain,
                               err, sizeof(err));
    if (!d->tcp[slot]) {
        clp_error("%s: %s", d->opts.service, err);
    }
    return d->tcp[slot];
}

int clp_daemon_run(clp_daemon_t *d)
{
    d->state = "running";
    clp_info("%s %s running on server %s (pid %d, root %s)", d->opts.service, CLP_VERSION,
             d->server, (int)getpid(), d->root);
    event_base_dispatch(d->base);
    return 0;
}

void clp_daemon_fini(clp_daemon_t *d)
{
    char file[CLP_PATH_MAX];
    clp_evclient_destroy(&d->ev);
    clp_srv_destroy(&d->ipc);
    clp_srv_destroy(&d->tcp[0]);
    clp_srv_destroy(&d->tcp[1]);
    clp_zap_destroy(&d->zap);
    clp_endpoint_file(file, sizeof(file), d->root, d->opts.short_name);
    unlink(file);
    if (d->sig_term) {
        event_free(d->sig_term);
    }
    if (d->sig_int) {
        event_free(d->sig_int);
    }
    free(d->table);
    clp_conf_free(&d->conf);
    if (d->zctx) {
        zmq_ctx_term(d->zctx);
    }
    if (d->base) {
        event_base_free(d->base);
    }
    if (d->pidfd >= 0) {
        char path[CLP_PATH_MAX];
        clp_path(path, sizeof(path), d->root, "run/%s.pid", d->opts.service);
        unlink(path);
        close(d->pidfd);
        pidfile_fd = -1;
    }
    clp_info("%s stopped", d->opts.service);
    clp_log_close_file();
}

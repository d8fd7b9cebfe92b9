/*
 * clprexec: ask a cluster server, from inside or outside the cluster, to fail a
 * group over, run a script of its work/rexec/ directory, or deliver an error
 * notice to its message receive monitors (mrw).
 *
 *   clprexec --failover [GROUP] -h IP [-r RESOURCE] [-w SEC] [-p PORT] [-o LOG]
 *   clprexec --script FILE -h IP [-w SEC] [-p PORT] [-o LOG]
 *   clprexec --notice [MRW] -h IP [-k CATEGORY[.KEYWORD]] [-w SEC] [-p PORT] [-o LOG]
 *   clprexec --clear [MRW] -h IP [-k CATEGORY[.KEYWORD]] [-w SEC] [-p PORT] [-o LOG]
 *   common: [--key FILE] [--root DIR]
 *
 * The request goes to the clusterpro_trn of the server at IP on the data
 * transfer port (29002/TCP, or cluster/port/datatrans when a clp.conf is at
 * hand), CURVE-encrypted: with the cluster's key on a cluster server, with a
 * client key (clpkeygen --client, --key FILE or ROOT/etc/clprexec.key) on any
 * other host. -w is how long to wait for the outcome (default 180 s; --apito
 * is the same); -o appends one line per request to LOG (a file, or
 * LOG/clprexec.log for a directory). Exit status: 0 done, 1 refused or failed
 * on the server (for --script: the script did not exit 0), 2 usage, 3 the
 * server cannot be reached or did not answer in time, 4 no usable key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_rexec.h"
#include "clp_rpc.h"
#include "clp_tool.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: clprexec --failover [GROUP] -h IP [-r RESOURCE] [-w SEC] [-p PORT] [-o LOG]\n"
            "       clprexec --script FILE -h IP [-w SEC] [-p PORT] [-o LOG]\n"
            "       clprexec --notice [MRW] -h IP [-k CATEGORY[.KEYWORD]] [-w SEC] [-p PORT] "
            "[-o LOG]\n"
            "       clprexec --clear [MRW] -h IP [-k CATEGORY[.KEYWORD]] [-w SEC] [-p PORT] "
            "[-o LOG]\n"
            "       (all take --key FILE and --root DIR)\n");
}

typedef struct {
    const char *prog;
    const char *log; /* -o */
    char line[512];  /* what was asked, for the log */
} logctx_t;

/* Appends "time request: result" to the -o log; a failure to write is reported once. */
static void log_result(const logctx_t *l, int code, const char *result)
{
    if (!l->log) {
        return;
    }
    char path[4096];
    struct stat st;
    if (stat(l->log, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(path, sizeof(path), "%s/clprexec.log", l->log);
    } else {
        snprintf(path, sizeof(path), "%s", l->log);
    }
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(stderr, "%s: cannot write the log %s: %s\n", l->prog, path, strerror(errno));
        return;
    }
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm);
    fprintf(f, "%s %s: exit %d: %s\n", ts, l->line, code, result);
    fclose(f);
}

static int finish(const logctx_t *l, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints the outcome (stdout on success, "prog: ..." on stderr otherwise),
 * logs it and returns code. */
static int finish(const logctx_t *l, int code, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (code == TOOL_OK) {
        printf("%s\n", msg);
    } else {
        fprintf(stderr, "%s: %s\n", l->prog, msg);
    }
    log_result(l, code, msg);
    return code;
}

static long parse_num(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    enum { O_FAILOVER = 1000, O_SCRIPT, O_NOTICE, O_CLEAR, O_KEY, O_ROOT, O_HELP, O_APITO };
    static const struct option opts[] = {
        {"failover", no_argument, NULL, O_FAILOVER},
        {"script", required_argument, NULL, O_SCRIPT},
        {"notice", no_argument, NULL, O_NOTICE},
        {"clear", no_argument, NULL, O_CLEAR},
        {"key", required_argument, NULL, O_KEY},
        {"root", required_argument, NULL, O_ROOT},
        {"apito", required_argument, NULL, O_APITO},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *prog = "clprexec", *host = NULL, *resource = NULL, *script = NULL;
    const char *keyarg = NULL, *keyfile = NULL, *root_arg = NULL, *log = NULL;
    const char *wait_arg = NULL, *port_arg = NULL;
    int op = 0, c;
    char cat[CLP_REXEC_CATEGORY_MAX + 1] = "", kw[CLP_REXEC_KEYWORD_MAX + 1] = "";
    char err[512];

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h:r:k:w:p:o:", opts, NULL)) != -1) {
        int want = 0;
        switch (c) {
        case O_FAILOVER:
            want = CLP__REXEC_REQUEST__OP__FAILOVER;
            break;
        case O_SCRIPT:
            want = CLP__REXEC_REQUEST__OP__SCRIPT;
            script = optarg;
            break;
        case O_NOTICE:
            want = CLP__REXEC_REQUEST__OP__NOTICE;
            break;
        case O_CLEAR:
            want = CLP__REXEC_REQUEST__OP__CLEAR;
            break;
        case 'h':
            host = optarg;
            break;
        case 'r':
            resource = optarg;
            break;
        case 'k':
            keyarg = optarg;
            break;
        case 'w':
        case O_APITO:
            wait_arg = optarg;
            break;
        case 'p':
            port_arg = optarg;
            break;
        case 'o':
            log = optarg;
            break;
        case O_KEY:
            keyfile = optarg;
            break;
        case O_ROOT:
            root_arg = optarg;
            break;
        case O_HELP:
            usage(stdout);
            return TOOL_OK;
        case ':':
            fprintf(stderr, "%s: option %s needs a value\n", prog, argv[optind - 1]);
            usage(stderr);
            return TOOL_USAGE;
        default:
            fprintf(stderr, "%s: unknown option %s\n", prog, argv[optind - 1]);
            usage(stderr);
            return TOOL_USAGE;
        }
        if (want) {
            if (op) {
                fprintf(stderr, "%s: choose one of --failover, --script, --notice, --clear\n",
                        prog);
                return TOOL_USAGE;
            }
            op = want;
        }
    }
    const char *name = NULL; /* GROUP or MRW */
    if (optind < argc) {
        name = argv[optind++];
    }
    if (!op) {
        fprintf(stderr, "%s: one of --failover, --script, --notice, --clear is required\n", prog);
        usage(stderr);
        return TOOL_USAGE;
    }
    if (optind < argc || (name && op == CLP__REXEC_REQUEST__OP__SCRIPT)) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", prog,
                optind < argc ? argv[optind] : name);
        return TOOL_USAGE;
    }
    if (!host || !host[0]) {
        fprintf(stderr, "%s: -h IP (the server to ask) is required\n", prog);
        return TOOL_USAGE;
    }
    if (resource && op != CLP__REXEC_REQUEST__OP__FAILOVER) {
        fprintf(stderr, "%s: -r goes with --failover only\n", prog);
        return TOOL_USAGE;
    }
    if (keyarg && op != CLP__REXEC_REQUEST__OP__NOTICE && op != CLP__REXEC_REQUEST__OP__CLEAR) {
        fprintf(stderr, "%s: -k goes with --notice and --clear only\n", prog);
        return TOOL_USAGE;
    }
    if (keyarg &&
        clp_rexec_split_key(keyarg, cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: -k: %s\n", prog, err);
        return TOOL_USAGE;
    }
    long wait_s = CLP_REXEC_WAIT_DEFAULT_S;
    if (wait_arg && (wait_s = parse_num(wait_arg, 1, CLP_REXEC_WAIT_MAX_S)) < 0) {
        fprintf(stderr, "%s: -w takes seconds from 1 to %d\n", prog, CLP_REXEC_WAIT_MAX_S);
        return TOOL_USAGE;
    }
    long port = 0;
    if (port_arg && (port = parse_num(port_arg, 1, 65535)) < 0) {
        fprintf(stderr, "%s: -p takes a port from 1 to 65535\n", prog);
        return TOOL_USAGE;
    }

    Clp__RexecRequest rr = CLP__REXEC_REQUEST__INIT;
    rr.op = op;
    rr.wait_ms = (uint32_t)wait_s * 1000u;
    rr.group = (char *)(op == CLP__REXEC_REQUEST__OP__FAILOVER && name ? name : "");
    rr.resource = (char *)(resource ? resource : "");
    rr.script = (char *)(script ? script : "");
    rr.monitor = (char *)(op >= CLP__REXEC_REQUEST__OP__NOTICE && name ? name : "");
    rr.category = cat;
    rr.keyword = kw;
    rr.requester = "";
    if (clp_rexec_check_request(&rr, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        usage(stderr);
        return TOOL_USAGE;
    }

    /* Root, configuration (optional: outside the cluster there is none), key. */
    clp_tool_t t;
    clp_tool_init(&t, prog, root_arg, false);
    t.timeout_ms = (int)wait_s * 1000;
    char path[CLP_PATH_MAX];
    clp_path(path, sizeof(path), t.root, "etc/clp.conf");
    if (access(path, R_OK) == 0) {
        t.conf = clp_conf_load(path, NULL);
        if (t.conf) {
            snprintf(t.mctx.cluster, sizeof(t.mctx.cluster), "%s", t.conf->cluster.name);
        }
    }
    logctx_t l = {.prog = prog, .log = log};
    char desc[200];
    clp_rexec_describe(&rr, desc, sizeof(desc));
    snprintf(l.line, sizeof(l.line), "%s -h %s", desc, host);

    clp_client_key_t ck;
    const clp_client_key_t *ext = NULL;
    const clp_keys_t *keys = NULL;
    char kpath[CLP_PATH_MAX];
    if (keyfile) {
        snprintf(kpath, sizeof(kpath), "%s", keyfile);
    } else {
        clp_path(kpath, sizeof(kpath), t.root, "etc/clprexec.key");
    }
    if (!keyfile && t.have_keys) {
        keys = &t.keys; /* a cluster server: the cluster's own key */
    } else if (access(kpath, F_OK) == 0 || keyfile) {
        if (clp_client_key_load(kpath, &ck, err, sizeof(err)) < 0) {
            int rc = finish(&l, TOOL_CONFIG, "%s", err);
            clp_tool_fini(&t);
            return rc;
        }
        ext = &ck;
    } else {
        int rc = finish(&l, TOOL_CONFIG,
                        "no key: this host has neither the cluster key (%s/etc/clp.key) nor a "
                        "client key (%s); make one on a server with clpkeygen --client NAME "
                        "-o FILE and pass it with --key FILE",
                        t.root, kpath);
        clp_tool_fini(&t);
        return rc;
    }

    char addr[128], ep[192];
    if (clp_tool_host_addr(&t, host, addr, sizeof(addr)) < 0) {
        int rc = finish(&l, TOOL_USAGE, "-h %s is neither an IP address nor a server of %s", host,
                        t.conf ? "the configuration" : "a configuration (none here)");
        clp_tool_fini(&t);
        return rc;
    }
    if (!port) {
        port = t.conf ? t.conf->cluster.ports.datatrans : 29002;
    }
    snprintf(ep, sizeof(ep), strchr(addr, ':') ? "tcp://[%s]:%ld" : "tcp://%s:%ld", addr, port);

    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    req.payload_case = CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST;
    req.rexec_request = &rr;
    int rc =
        clp_rpc_call(t.zctx, ep, keys, ext, &t.mctx, &req, &rep, t.timeout_ms, err, sizeof(err));
    if (rc < 0) {
        rc = finish(&l, rc == -EACCES ? TOOL_FAIL : TOOL_NOSVC, "server %s: %s", host, err);
        clp_tool_fini(&t);
        return rc;
    }
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        rc = finish(&l, TOOL_FAIL, "%s", rep->error_reply->message);
    } else if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_REXEC_REPLY) {
        rc = finish(&l, TOOL_FAIL, "unexpected answer (%s) from %s", clp_msg_payload_name(rep),
                    host);
    } else {
        const Clp__RexecReply *r = rep->rexec_reply;
        if (op == CLP__REXEC_REQUEST__OP__SCRIPT && r->output && r->output[0]) {
            fputs(r->output, stdout);
            if (r->output[strlen(r->output) - 1] != '\n') {
                fputc('\n', stdout);
            }
        }
        char extra[1200] = "";
        if (r->ok && r->n_monitors) {
            size_t used =
                (size_t)snprintf(extra, sizeof(extra), " (monitor%s", r->n_monitors > 1 ? "s" : "");
            for (size_t i = 0; i < r->n_monitors && used < sizeof(extra) - 70; i++) {
                used += (size_t)snprintf(extra + used, sizeof(extra) - used, "%s %s", i ? "," : "",
                                         r->monitors[i]);
            }
            snprintf(extra + used, sizeof(extra) - used, ")");
        } else if (r->ok && op == CLP__REXEC_REQUEST__OP__FAILOVER && r->server[0]) {
            snprintf(extra, sizeof(extra), " (group %s on %s)", r->group, r->server);
        }
        rc = finish(&l, r->ok ? TOOL_OK : TOOL_FAIL, "%s%s", r->message, extra);
    }
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return rc;
}

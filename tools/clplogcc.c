/*
 * clplogcc: collects logs from the cluster's servers into one archive.
 *
 *   clplogcc [-t type1|type2|type3] [-l] [-h HOST] [-o DIR] [--timeout S]
 *
 * Asks the local clusterpro_trn, which gathers every server's internal logs
 * (log/), alert log, clp.conf and system information over the data transfer
 * port (see services/trn/trn_logcc.h for what each type packs), and moves the
 * resulting clplogcc-<cluster>-<time>-<n>.tar.gz into DIR (default: the
 * current directory). -l collects this server only, -h HOST one server (its
 * name or an address of it). Prints the archive's path and one line per
 * server ("srv2: ok, 123456 bytes" or "srv3: failed: reason").
 * Exit status: 0 every server collected, 1 some or all failed (the archive
 * holds those that answered), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_daemon.h"
#include "clp_msg.h"
#include "clp_paths.h"
#include "clp_rpc.h"

static void usage(FILE *out)
{
    fputs("usage: clplogcc [-t type1|type2|type3] [-l] [-h HOST] [-o DIR] [--timeout S] "
          "[--root DIR]\n"
          "Collects the logs of the cluster's servers into one tar.gz archive in DIR.\n"
          "  -t TYPE       type1 (default): logs, alert log, clp.conf, system information;\n"
          "                type2: type1 and work/; type3: logs and alert log only\n"
          "  -l            this server only\n"
          "  -h HOST       one server (name or address)\n"
          "  -o DIR        where to put the archive (default: current directory)\n"
          "  --timeout S   seconds to wait for each server to pack its logs (default 120)\n",
          out);
}

/* Moves src to dir (rename, else copy and remove). Writes the new path. */
static int move_into(const char *src, const char *dir, char *out, size_t n)
{
    char tmp[CLP_PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", src);
    snprintf(out, n, "%s/%s", dir, basename(tmp));
    if (rename(src, out) == 0) {
        return 0;
    }
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return -errno;
    }
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o < 0) {
        int e = errno;
        close(in);
        return -e;
    }
    char buf[1 << 16];
    ssize_t r;
    int rc = 0;
    while ((r = read(in, buf, sizeof(buf))) > 0) {
        if (write(o, buf, (size_t)r) != r) {
            rc = -EIO;
            break;
        }
    }
    if (r < 0) {
        rc = -errno;
    }
    if (fsync(o) < 0 && rc == 0) {
        rc = -errno;
    }
    close(in);
    close(o);
    if (rc == 0) {
        unlink(src);
    } else {
        unlink(out);
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    const char *type = "type1", *host = NULL, *outdir = ".", *root_arg = NULL;
    bool local = false;
    long timeout_s = 120;
    char root[CLP_PATH_MAX], server[CLP_NAME_MAX], err[512], dir[CLP_PATH_MAX];
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "t:lh:o:", opts, NULL)) != -1) {
        switch (ch) {
        case 't':
            type = optarg;
            if (strcmp(type, "type1") && strcmp(type, "type2") && strcmp(type, "type3")) {
                fprintf(stderr, "clplogcc: unknown type '%s' (type1, type2 or type3)\n", type);
                usage(stderr);
                return 2;
            }
            break;
        case 'l':
            local = true;
            break;
        case 'h':
            host = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case 'T':
            timeout_s = strtol(optarg, NULL, 10);
            if (timeout_s <= 0 || timeout_s > 3600) {
                fprintf(stderr, "clplogcc: --timeout takes 1..3600 seconds\n");
                return 2;
            }
            break;
        case 'r':
            root_arg = optarg;
            break;
        case 'H':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || (local && host)) {
        fprintf(stderr, "clplogcc: %s\n",
                local && host ? "-l and -h exclude each other" : "unexpected argument");
        usage(stderr);
        return 2;
    }
    if (!realpath(outdir, dir)) {
        fprintf(stderr, "clplogcc: cannot use the output directory %s: %s\n", outdir,
                strerror(errno));
        return 2;
    }
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "clplogcc: %s is not a directory\n", dir);
        return 2;
    }
    if (clp_root_resolve(root_arg, root, sizeof(root)) < 0) {
        fprintf(stderr, "clplogcc: cannot use root directory %s\n", root_arg ? root_arg : "");
        return 1;
    }
    clp_hostname(server, sizeof(server));

    Clp__Envelope req = CLP__ENVELOPE__INIT, *rep = NULL;
    Clp__LogCollectRequest cr = CLP__LOG_COLLECT_REQUEST__INIT;
    char *one[1];
    cr.type = (char *)type;
    cr.timeout_ms = (uint32_t)(timeout_s * 1000);
    if (local || host) {
        one[0] = local ? server : (char *)host;
        cr.servers = one;
        cr.n_servers = 1;
    }
    req.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REQUEST;
    req.log_collect_request = &cr;
    void *zctx = zmq_ctx_new();
    clp_msg_ctx_t mctx;
    clp_msg_ctx_init(&mctx, "", server, "clplogcc", 0);
    int rc = clp_rpc_local(zctx, root, "trn", &mctx, &req, &rep, (int)(timeout_s * 1000) + 120000,
                           err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "clplogcc: clusterpro_trn: %s\n", err);
        zmq_ctx_term(zctx);
        return 1;
    }
    int status = 0;
    if (rep->payload_case == CLP__ENVELOPE__PAYLOAD_ERROR_REPLY) {
        fprintf(stderr, "clplogcc: %s\n", rep->error_reply->message);
        status = 1;
    } else if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REPLY) {
        fprintf(stderr, "clplogcc: unexpected reply from clusterpro_trn\n");
        status = 1;
    } else {
        const Clp__LogCollectReply *r = rep->log_collect_reply;
        char path[CLP_PATH_MAX + 256];
        if (r->ok) {
            int mrc = move_into(r->archive, dir, path, sizeof(path));
            if (mrc < 0) {
                fprintf(stderr, "clplogcc: cannot move %s into %s: %s\n", r->archive, dir,
                        strerror(-mrc));
                status = 1;
            } else {
                printf("%s\n", path);
            }
        } else {
            fprintf(stderr, "clplogcc: %s\n", r->message);
            status = 1;
        }
        for (size_t i = 0; i < r->n_servers; i++) {
            const Clp__LogServerResult *s = r->servers[i];
            if (s->ok) {
                printf("%s: ok, %" PRIu64 " bytes\n", s->server, s->bytes);
            } else {
                printf("%s: failed: %s\n", s->server, s->message);
                status = 1;
            }
        }
    }
    clp_msg_free(rep);
    zmq_ctx_term(zctx);
    return status;
}

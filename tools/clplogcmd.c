/*
 * clplogcmd: writes a user message to the alert log, syslog, mail and/or SNMP
 * traps, for scripts (reference 2.8):
 *
 *   clplogcmd -m TEXT [--syslog] [--alert] [--mail] [--trap] [-i ID] [-l LEVEL]
 *
 * The message goes through the event client (tool mode) to clusterpro_evt with
 * module type "logcmd", event ID ID (default 1) and level INFO (default),
 * WARN or ERR; with no destination option it goes to the alert log and
 * syslog. When evt is not running the message waits in the spool directory
 * (work/evt-spool/) and evt writes it when it starts: the command still
 * succeeds. Mail and traps are sent only when the alert service is on
 * (cluster/messages/use = 1). Exit status: 0 sent or spooled, 1 failure, 2
 * usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "clp_alertlog.h"
#include "clp_daemon.h"
#include "clp_evclient.h"
#include "clp_log.h"
#include "clp_msgcat.h"
#include "clp_paths.h"

/* Problems of the event client go to stderr; the echo of the message itself does not. */
static void log_sink(void *arg, clp_log_level_t level, const char *tag, const char *msg)
{
    if (strcmp(tag, "logcmd") != 0) {
        fprintf(stderr, "clplogcmd: %s\n", msg);
    }
}

static void usage(FILE *out)
{
    fputs("usage: clplogcmd -m TEXT [--syslog] [--alert] [--mail] [--trap] [-i ID] "
          "[-l LEVEL] [--root DIR]\n"
          "Writes TEXT as a user message (module type logcmd).\n"
          "  -m TEXT       the message (at most 4095 bytes)\n"
          "  --alert       to the alert log (default, with --syslog, when none is given)\n"
          "  --syslog      to syslog\n"
          "  --mail        by mail (when the alert service is on)\n"
          "  --trap        as an SNMP trap (when the alert service is on)\n"
          "  -i ID         event ID (default 1)\n"
          "  -l LEVEL      INFO (default), WARN or ERR\n"
          "  --root DIR    installation root (default: $CLP_ROOT or " CLP_DEFAULT_ROOT ")\n",
          out);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"syslog", no_argument, NULL, 'S'},
        {"alert", no_argument, NULL, 'A'},
        {"mail", no_argument, NULL, 'M'},
        {"trap", no_argument, NULL, 'T'},
        {"root", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *text = NULL, *root_arg = NULL;
    unsigned dest = 0, id = 1;
    int level = CLP_LVL_INFO, ch;
    char root[CLP_PATH_MAX], server[CLP_NAME_MAX], *end;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "m:i:l:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'm':
            text = optarg;
            break;
        case 'S':
            dest |= CLP_DEST_SYSLOG;
            break;
        case 'A':
            dest |= CLP_DEST_ALERT;
            break;
        case 'M':
            dest |= CLP_DEST_MAIL;
            break;
        case 'T':
            dest |= CLP_DEST_TRAP;
            break;
        case 'i': {
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || !optarg[0] || v > 0xffffffffUL) {
                fprintf(stderr, "clplogcmd: -i needs a number, not '%s'\n", optarg);
                usage(stderr);
                return 2;
            }
            id = (unsigned)v;
            break;
        }
        case 'l':
            level = clp_msgcat_parse_level(optarg);
            if (level < 0) {
                fprintf(stderr, "clplogcmd: unknown level '%s' (INFO, WARN or ERR)\n", optarg);
                usage(stderr);
                return 2;
            }
            break;
        case 'r':
            root_arg = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!text || optind < argc) {
        fprintf(stderr, "clplogcmd: %s\n", text ? "unexpected argument" : "-m TEXT is required");
        usage(stderr);
        return 2;
    }
    if (strlen(text) >= CLP_ALERT_TEXT_MAX) {
        fprintf(stderr, "clplogcmd: the message is %zu bytes long; at most %d are allowed\n",
                strlen(text), CLP_ALERT_TEXT_MAX - 1);
        return 2;
    }
    if (!dest) {
        dest = CLP_DEST_ALERT | CLP_DEST_SYSLOG;
    }
    if (clp_root_resolve(root_arg, root, sizeof(root)) < 0) {
        fprintf(stderr, "clplogcmd: cannot use root directory %s\n", root_arg ? root_arg : "");
        return 1;
    }
    clp_log_set_level(CLP_LOG_WARN);
    clp_log_set_sink(log_sink, NULL);
    clp_hostname(server, sizeof(server));
    void *zctx = zmq_ctx_new();
    clp_evclient_t *ev = zctx ? clp_evclient_new(NULL, zctx, root, server, "clplogcmd") : NULL;
    if (!ev) {
        fprintf(stderr, "clplogcmd: cannot create the event client\n");
        if (zctx) {
            zmq_ctx_term(zctx);
        }
        return 1;
    }
    int rc = clp_alert_text(ev, "logcmd", id, level, dest, text);
    clp_evclient_destroy(&ev);
    zmq_ctx_term(zctx);
    if (rc < 0) {
        fprintf(stderr, "clplogcmd: the message could not be sent or spooled: %s\n", strerror(-rc));
        return 1;
    }
    return 0;
}

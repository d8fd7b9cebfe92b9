/*
 * clpcfchk: checks a clp.conf without touching the running cluster.
 *
 * Loads the file with the same loader the daemons use (clp_conf_load) and
 * prints every diagnostic as "FILE:LINE: error|warning|not supported: PATH:
 * sentence" on stderr, then one summary line. With -o json the diagnostics are
 * one JSON object on stdout instead. Exit status: 0 valid (warnings and
 * unsupported elements allowed), 1 invalid configuration, 2 usage error or
 * unreadable file.
 */
#include "clp_config.h"
#include "clp_paths.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_VALID = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

static void usage(FILE *out)
{
    fputs("usage: clpcfchk [--root DIR] [-q] [-o text|json] [FILE | -x DIR]\n"
          "Checks a cluster configuration file (default: $CLP_ROOT/etc/clp.conf).\n"
          "  -x DIR          check DIR/clp.conf\n"
          "  --root DIR      installation root (default: $CLP_ROOT or " CLP_DEFAULT_ROOT ")\n"
          "  -q, --quiet     print nothing; only the exit status tells\n"
          "  -o, --output F  text (default, on stderr) or json (on stdout)\n"
          "  -h, --help      this text\n"
          "Exit status: 0 valid, 1 invalid configuration, 2 usage error or unreadable file.\n",
          out);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'r'}, {"quiet", no_argument, NULL, 'q'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *root_arg = NULL, *dir = NULL;
    bool quiet = false, json = false;
    int ch;

    opterr = 0;
    while ((ch = getopt_long(argc, argv, "x:qo:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            root_arg = optarg;
            break;
        case 'x':
            dir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'o':
            if (strcmp(optarg, "json") == 0) {
                json = true;
            } else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr, "clpcfchk: unknown output format '%s'\n", optarg);
                usage(stderr);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return EXIT_VALID;
        default:
            if (optopt) {
                fprintf(stderr, "clpcfchk: bad option or missing argument: -%c\n", optopt);
            } else {
                fprintf(stderr, "clpcfchk: bad option: %s\n", argv[optind - 1]);
            }
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (argc - optind > 1 || (dir && argc - optind == 1)) {
        fprintf(stderr, "clpcfchk: give one FILE or -x DIR\n");
        usage(stderr);
        return EXIT_USAGE;
    }

    char path[CLP_PATH_MAX];
    int rc;
    if (dir) {
        rc = clp_path(path, sizeof(path), dir, "clp.conf");
    } else if (optind < argc) {
        rc = snprintf(path, sizeof(path), "%s", argv[optind]) >= (int)sizeof(path)
                 ? -ENAMETOOLONG
                 : 0;
    } else {
        char root[CLP_PATH_MAX];
        rc = clp_root_resolve(root_arg, root, sizeof(root));
        if (rc == 0) {
            rc = clp_path(path, sizeof(path), root, "etc/clp.conf");
        }
    }
    if (rc < 0) {
        fprintf(stderr, "clpcfchk: cannot build the file path: %s\n", strerror(-rc));
        return EXIT_USAGE;
    }

    clp_diag_t diag = {0};
    clp_conf_t *conf = clp_conf_load(path, &diag);
    int err = conf ? 0 : errno;
    int status = EXIT_VALID;
    if (!conf) {
        status = err == EINVAL ? EXIT_INVALID : EXIT_USAGE;
    }
    if (!quiet && json) {
        clp_diag_print_json(stdout, &diag, path, conf != NULL);
    } else if (!quiet) {
        clp_diag_print(stderr, &diag);
        if (err == ENOMEM) {
            fprintf(stderr, "%s: out of memory\n", path);
        } else if (status != EXIT_USAGE) {
            fprintf(stderr, "%s: %s: %zu errors, %zu warnings, %zu not supported\n", path,
                    conf ? "valid" : "invalid", clp_diag_count(&diag, CLP_DIAG_ERROR),
                    clp_diag_count(&diag, CLP_DIAG_WARNING),
                    clp_diag_count(&diag, CLP_DIAG_UNSUPPORTED));
        }
    }
    clp_conf_free(&conf);
    clp_diag_free(&diag);
    return status;
}

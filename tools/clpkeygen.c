/*
 * clpkeygen: makes the cluster secret (etc/clp.key) and client keys for hosts
 * outside the cluster.
 *
 *   clpkeygen [--root DIR] [--force]            new etc/clp.key (0600); copy it to
 *                                               every server (clpcfctrl --push does)
 *   clpkeygen [--root DIR] --client NAME -o FILE
 *                                               a client key file for an outside
 *                                               host (clprexec --key FILE) and
 *                                               etc/clients/NAME.pub on this server
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "clp_keys.h"
#include "clp_paths.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: clpkeygen [--root DIR] [--force]\n"
                 "       clpkeygen [--root DIR] --client NAME -o FILE\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, 'R'}, {"force", no_argument, NULL, 'f'},
        {"client", required_argument, NULL, 'c'}, {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *root_arg = NULL, *client = NULL, *out = NULL;
    bool force = false;
    char root[CLP_PATH_MAX], path[CLP_PATH_MAX], err[512];
    int c;

    while ((c = getopt_long(argc, argv, "fo:h", opts, NULL)) != -1) {
        switch (c) {
        case 'R':
            root_arg = optarg;
            break;
        case 'f':
            force = true;
            break;
        case 'c':
            client = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || (client && !out) || (!client && out)) {
        usage(stderr);
        return 2;
    }
    if (clp_root_resolve(root_arg, root, sizeof(root)) < 0) {
        fprintf(stderr, "clpkeygen: bad root directory\n");
        return 2;
    }
    if (!client) {
        clp_path(path, sizeof(path), root, "etc");
        clp_mkdirs(path, 0755);
        clp_path(path, sizeof(path), root, "etc/clp.key");
        if (clp_keys_generate(path, force, err, sizeof(err)) < 0) {
            fprintf(stderr, "clpkeygen: %s\n", err);
            return 1;
        }
        printf("Wrote a new cluster key to %s. Every server of the cluster needs the same file.\n",
               path);
        return 0;
    }
    for (const char *p = client; *p; p++) {
        if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
              (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
            fprintf(stderr, "clpkeygen: client name '%s' may only hold letters, digits, . _ -\n",
                    client);
            return 2;
        }
    }
    clp_keys_t keys;
    char pub[41];
    if (clp_keys_load(root, &keys, err, sizeof(err)) < 0) {
        fprintf(stderr, "clpkeygen: %s\n", err);
        return 1;
    }
    if (clp_keys_generate_client(&keys, out, pub, err, sizeof(err)) < 0) {
        fprintf(stderr, "clpkeygen: %s\n", err);
        return 1;
    }
    clp_path(path, sizeof(path), root, "etc/clients");
    clp_mkdirs(path, 0755);
    clp_path(path, sizeof(path), root, "etc/clients/%s.pub", client);
    char line[64];
    int n = snprintf(line, sizeof(line), "%s\n", pub);
    if (clp_write_atomic(path, line, (size_t)n, 0644) < 0) {
        fprintf(stderr, "clpkeygen: cannot write %s\n", path);
        return 1;
    }
    printf("Wrote the client key %s (keep it 0600 on the client host) and %s.\n"
           "Copy %s to every server of the cluster.\n",
           out, path, path);
    return 0;
}

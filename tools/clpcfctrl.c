/*
 * clpcfctrl: distributes the cluster configuration to every server, and
 * fetches it back.
 *
 *   clpcfctrl --push [-l | -w] [-x DIR] [--force] [--dry-run] [-o json] [--timeout S]
 *   clpcfctrl --pull [-l | -w] -x DIR [-h HOST [-p PORT]]
 *   clpcfctrl --check [-l | -w] -x DIR
 *
 * --push reads the bundle DIR/clp.conf and DIR/scripts/... (without -x: this
 * server's installed configuration, etc/clp.conf and scripts/, as the
 * original does in containers), converts a file made on Windows (-w: Shift_JIS)
 * to EUC-JP, validates the whole configuration and checks that every script it
 * names is in the bundle; any error is printed as FILE:LINE and nothing is
 * sent. Then the local clusterpro_trn distributes it to every server, two-phase
 * and atomically per server, and applies it (services/trn/trn_config.h): the
 * reply lists each change with its class, each server's outcome, the groups
 * started and the new configuration generation; a change the cluster's state
 * does not allow is refused with the commands to run first. --dry-run does
 * everything but change anything. --pull writes a server's installed bundle
 * into DIR, byte for byte (-w: clp.conf converted to Shift_JIS). --check
 * validates DIR without contacting any server.
 *
 * Exit status: 0 done (or nothing to change), 1 refused or failed (nothing
 * changed unless the message says otherwise), 2 usage error, 3 clusterpro_trn
 * not running or a server unreachable, 4 this server's configuration unusable.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_bundle.h"
#include "clp_confenc.h"
#include "clp_rpc.h"
#include "clp_tool.h"
#include "clpstat_fmt.h"

#define DEFAULT_TIMEOUT_S 900

typedef enum { MODE_NONE, MODE_PUSH, MODE_PULL, MODE_CHECK } mode_t_;

typedef struct {
    mode_t_ mode;
    bool windows, linux_set, force, dry_run, json;
    const char *dir, *host, *root;
    int port, timeout_s;
} opts_t;

static void usage(FILE *out)
{
    fputs("usage: clpcfctrl --push [-l | -w] [-x DIR] [--force] [--dry-run] [-o json]\n"
          "                 [--timeout S] [--root DIR]\n"
          "       clpcfctrl --pull [-l | -w] -x DIR [-h HOST [-p PORT]] [--root DIR]\n"
          "       clpcfctrl --check [-l | -w] -x DIR\n"
          "Distributes the cluster configuration (DIR/clp.conf and DIR/scripts/) to every\n"
          "server and applies it, or fetches it into DIR.\n"
          "  --push       validate, distribute to every server, apply (without -x: this\n"
          "               server's installed configuration)\n"
          "  --pull       write a server's configuration into DIR\n"
          "  --check      validate DIR only; no server is contacted\n"
          "  -l           Linux form: ASCII, EUC-JP or UTF-8 as saved on Linux (default)\n"
          "  -w           Windows form: Shift_JIS (CP932), converted to/from EUC-JP\n"
          "  -x DIR       the configuration directory\n"
          "  --force      leave out servers that do not answer (they fetch the\n"
          "               configuration when they start)\n"
          "  --dry-run    validate, ask every server and print the plan; change nothing\n"
          "  -h HOST      --pull: the server to fetch from (default: this one)\n"
          "  -p PORT      --pull -h: its data transfer port (default from clp.conf)\n"
          "  -o json      the outcome as JSON on stdout\n"
          "  --timeout S  how long to wait for the whole push (default 900)\n"
          "Exit status: 0 done, 1 refused or failed, 2 usage, 3 service or server not\n"
          "reachable, 4 this server's configuration unusable.\n",
          out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "clpcfctrl: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    return TOOL_USAGE;
}

/* ---- reading and checking a bundle ---- */

/* Reads the bundle (DIR or the installed one), converts its clp.conf for -w,
 * validates it, prints every diagnostic. 0 valid, 1 invalid, 2 unreadable. */
static int load_bundle(const opts_t *o, const char *root, clp_bundle_t *b, clp_diag_t *d,
                       char *conf_name, size_t n)
{
    char err[1024];
    int rc;
    if (o->dir) {
        snprintf(conf_name, n, "%s/clp.conf", o->dir);
        rc = clp_bundle_read_dir(b, o->dir, err, sizeof(err));
    } else {
        snprintf(conf_name, n, "%s/etc/clp.conf", root);
        rc = clp_bundle_read_root(b, root, err, sizeof(err));
    }
    if (rc < 0) {
        fprintf(stderr, "clpcfctrl: %s\n", err);
        return 2;
    }
    clp_bfile_t *cf = (clp_bfile_t *)clp_bundle_find(b, "clp.conf");
    if (o->windows) {
        char *conv = NULL;
        size_t len = 0;
        int line = 0;
        rc = clp_confenc_from_windows((const char *)cf->data, cf->len, &conv, &len, &line, err,
                                      sizeof(err));
        if (rc < 0) {
            clp_diag_add(d, CLP_DIAG_ERROR, conf_name, line, "/", "%s",
                         rc == -ENOMEM ? "out of memory" : err);
            clp_diag_print(stderr, d);
            return 1;
        }
        rc = clp_bundle_add(b, "clp.conf", conv, len, cf->mode);
        free(conv);
        if (rc < 0) {
            fprintf(stderr, "clpcfctrl: %s: the converted file is too large\n", conf_name);
            return 2;
        }
        cf = (clp_bfile_t *)clp_bundle_find(b, "clp.conf");
    } else if (clp_confenc_check_linux((const char *)cf->data, cf->len, err, sizeof(err)) < 0) {
        clp_diag_add(d, CLP_DIAG_ERROR, conf_name, 1, "/", "%s", err);
        clp_diag_print(stderr, d);
        return 1;
    }
    clp_conf_t *c = clp_conf_load_mem((const char *)cf->data, cf->len, conf_name, d);
    if (c) {
        clp_bundle_check(b, c, conf_name, d);
    }
    clp_diag_print(stderr, d);
    bool valid = c && d->n_errors == 0;
    fprintf(stderr, "%s: %s: %zu errors, %zu warnings, %zu not supported; %zu files, %zu bytes\n",
            conf_name, valid ? "valid" : "invalid", clp_diag_count(d, CLP_DIAG_ERROR),
            clp_diag_count(d, CLP_DIAG_WARNING), clp_diag_count(d, CLP_DIAG_UNSUPPORTED), b->n,
            b->bytes);
    clp_conf_free(&c);
    return valid ? 0 : 1;
}

/* ---- JSON ---- */

static void json_strs(FILE *out, const char *key, char **v, size_t n, bool comma)
{
    fprintf(out, "\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i) {
            fputc(',', out);
        }
        clpstat_json_str(out, v[i]);
    }
    fputs(comma ? "]," : "]", out);
}

static void print_json(const Clp__ConfigPushReply *r)
{
    printf("{\"ok\":%s,\"message\":", r->ok ? "true" : "false");
    clpstat_json_str(stdout, r->message);
    printf(",\"generation\":%" PRIu64 ",\"previous_generation\":%" PRIu64 ",\"apply_class\":",
           r->generation, r->previous_generation);
    clpstat_json_str(stdout, r->apply_class);
    fputc(',', stdout);
    json_strs(stdout, "changes", r->changes, r->n_changes, true);
    json_strs(stdout, "steps", r->steps, r->n_steps, true);
    json_strs(stdout, "diagnostics", r->diagnostics, r->n_diagnostics, true);
    json_strs(stdout, "started_groups", r->started_groups, r->n_started_groups, true);
    fputs("\"servers\":[", stdout);
    for (size_t i = 0; i < r->n_servers; i++) {
        const Clp__ConfigServerResult *s = r->servers[i];
        printf("%s{\"server\":", i ? "," : "");
        clpstat_json_str(stdout, s->server);
        printf(",\"ok\":%s,\"generation\":%" PRIu64 ",\"message\":", s->ok ? "true" : "false",
               s->generation);
        clpstat_json_str(stdout, s->message);
        fputc('}', stdout);
    }
    fputs("]}\n", stdout);
}

static void print_text(const Clp__ConfigPushReply *r, const char *dir)
{
    for (size_t i = 0; i < r->n_diagnostics; i++) {
        fprintf(stderr, "%s\n", r->diagnostics[i]);
    }
    if (r->n_changes) {
        printf("Changes (%s):\n", r->apply_class);
        for (size_t i = 0; i < r->n_changes; i++) {
            printf("  %s\n", r->changes[i]);
        }
    }
    if (r->n_servers) {
        printf("Servers:\n");
        for (size_t i = 0; i < r->n_servers; i++) {
            const Clp__ConfigServerResult *s = r->servers[i];
            printf("  %-16s %s%s\n", s->server, s->ok ? "" : "NOT UPDATED: ", s->message);
        }
    }
    if (r->n_started_groups) {
        printf("Groups started:");
        for (size_t i = 0; i < r->n_started_groups; i++) {
            printf(" %s", r->started_groups[i]);
        }
        printf("\n");
    }
    if (r->n_steps) {
        printf("Run, in this order:\n");
        for (size_t i = 0; i < r->n_steps; i++) {
            const char *x = strstr(r->steps[i], " -x DIR");
            if (x) { /* the push the operator just tried */
                printf("  %.*s%s%s\n", (int)(x - r->steps[i]), r->steps[i], dir ? " -x " : "",
                       dir ? dir : "");
            } else {
                printf("  %s\n", r->steps[i]);
            }
        }
    }
    FILE *out = r->ok ? stdout : stderr;
    fprintf(out, "%s%s\n", r->ok ? "" : "clpcfctrl: ", r->message);
    if (r->ok) {
        printf("Configuration generation: %" PRIu64 "%s\n", r->generation,
               r->generation != r->previous_generation ? " (new)" : "");
    }
}

/* ---- push ---- */

static int do_push(const opts_t *o)
{
    clp_tool_t t;
    clp_tool_init(&t, "clpcfctrl", o->root, true);
    clp_bundle_t b = {0};
    clp_diag_t d = {0};
    char conf_name[CLP_PATH_MAX + 16];
    int v = load_bundle(o, t.root, &b, &d, conf_name, sizeof(conf_name));
    if (v != 0) {
        if (o->json) {
            printf("{\"ok\":false,\"message\":\"the configuration has errors: nothing was "
                   "sent\",\"diagnostics\":");
            clp_diag_print_json(stdout, &d, conf_name, false);
            printf("}\n");
        }
        if (v == 1) {
            fprintf(stderr, "clpcfctrl: the configuration has errors: nothing was sent to any "
                            "server\n");
        }
        clp_diag_free(&d);
        clp_bundle_free(&b);
        clp_tool_fini(&t);
        return v == 1 ? TOOL_FAIL : TOOL_USAGE;
    }
    clp_diag_free(&d);

    Clp__ConfigFile *files = calloc(b.n + 1, sizeof(*files));
    Clp__ConfigFile **ptrs = calloc(b.n + 1, sizeof(*ptrs));
    for (size_t i = 0; i < b.n; i++) {
        clp__config_file__init(&files[i]);
        files[i].path = b.files[i].path;
        files[i].data.data = b.files[i].data;
        files[i].data.len = b.files[i].len;
        files[i].mode = b.files[i].mode;
        ptrs[i] = &files[i];
    }
    Clp__ConfigBundle cb = CLP__CONFIG_BUNDLE__INIT;
    cb.n_files = b.n;
    cb.files = ptrs;
    char requester[160];
    struct passwd *pw = getpwuid(getuid());
    snprintf(requester, sizeof(requester), "%s@%s (clpcfctrl)", pw ? pw->pw_name : "?", t.server);
    Clp__ConfigPushRequest pr = CLP__CONFIG_PUSH_REQUEST__INIT;
    pr.bundle = &cb;
    pr.force = o->force;
    pr.check_only = o->dry_run;
    pr.requester = requester;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_PUSH_REQUEST;
    env.config_push_request = &pr;
    Clp__Envelope *rep = NULL;
    t.timeout_ms = o->timeout_s * 1000;
    int rc = clp_tool_call(&t, "trn", NULL, &env, &rep);
    free(files);
    free(ptrs);
    if (rc == 0 && rep->payload_case != CLP__ENVELOPE__PAYLOAD_CONFIG_PUSH_REPLY) {
        clp_tool_error(&t, "unexpected answer from clusterpro_trn");
        rc = TOOL_FAIL;
    } else if (rc == 0) {
        const Clp__ConfigPushReply *r = rep->config_push_reply;
        if (o->json) {
            print_json(r);
        } else {
            print_text(r, o->dir);
        }
        rc = r->ok ? TOOL_OK : TOOL_FAIL;
    }
    if (rep) {
        clp_msg_free(rep);
    }
    clp_bundle_free(&b);
    clp_tool_fini(&t);
    return rc;
}

/* ---- pull ---- */

static int do_pull(const opts_t *o)
{
    clp_tool_t t;
    clp_tool_init(&t, "clpcfctrl", o->root, o->host != NULL);
    Clp__ConfigPullRequest pr = CLP__CONFIG_PULL_REQUEST__INIT;
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_CONFIG_PULL_REQUEST;
    env.config_pull_request = &pr;
    Clp__Envelope *rep = NULL;
    t.timeout_ms = 60000;
    if (o->port && t.conf) {
        ((clp_conf_t *)t.conf)->cluster.ports.datatrans = o->port;
    }
    int rc = clp_tool_call(&t, "trn", o->host, &env, &rep);
    if (rc != 0) {
        clp_tool_fini(&t);
        return rc;
    }
    if (rep->payload_case != CLP__ENVELOPE__PAYLOAD_CONFIG_PULL_REPLY ||
        !rep->config_pull_reply->bundle) {
        clp_tool_error(&t, "unexpected answer from clusterpro_trn");
        clp_msg_free(rep);
        clp_tool_fini(&t);
        return TOOL_FAIL;
    }
    const Clp__ConfigPullReply *r = rep->config_pull_reply;
    clp_bundle_t b = {0};
    char err[1024];
    rc = 0;
    for (size_t i = 0; i < r->bundle->n_files && rc == 0; i++) {
        const Clp__ConfigFile *f = r->bundle->files[i];
        rc = clp_bundle_add(&b, f->path, f->data.data, f->data.len, f->mode);
        if (rc < 0) {
            clp_tool_error(&t, "server %s sent a file that cannot be written: %s", r->server,
                           f->path);
        }
    }
    const clp_bfile_t *cf = clp_bundle_find(&b, "clp.conf");
    if (rc == 0 && !cf) {
        clp_tool_error(&t, "server %s sent no clp.conf", r->server);
        rc = -EINVAL;
    }
    if (rc == 0 && o->windows) {
        char *conv = NULL;
        size_t len = 0;
        int line = 0;
        rc = clp_confenc_to_windows((const char *)cf->data, cf->len, &conv, &len, &line, err,
                                    sizeof(err));
        if (rc < 0) {
            clp_tool_error(&t, "clp.conf:%d: cannot be converted to the Windows form: %s", line,
                           err);
        } else {
            rc = clp_bundle_add(&b, "clp.conf", conv, len, cf->mode);
            free(conv);
        }
    }
    if (rc == 0 && clp_mkdirs(o->dir, 0755) < 0) {
        clp_tool_error(&t, "cannot create %s", o->dir);
        rc = -EIO;
    }
    if (rc == 0 && clp_bundle_write_dir(&b, o->dir, err, sizeof(err)) < 0) {
        clp_tool_error(&t, "%s", err);
        rc = -EIO;
    }
    if (rc == 0) {
        printf("Fetched the configuration of server %s (generation %" PRIu64 "%s%s): %zu files, "
               "%zu bytes, into %s\n",
               r->server, r->bundle->generation,
               r->bundle->pushed_by && r->bundle->pushed_by[0] ? ", pushed by " : "",
               r->bundle->pushed_by ? r->bundle->pushed_by : "", b.n, b.bytes, o->dir);
        printf("Command succeeded.\n");
    }
    clp_bundle_free(&b);
    clp_msg_free(rep);
    clp_tool_fini(&t);
    return rc == 0 ? TOOL_OK : TOOL_FAIL;
}

/* ---- check ---- */

static int do_check(const opts_t *o)
{
    clp_bundle_t b = {0};
    clp_diag_t d = {0};
    char conf_name[CLP_PATH_MAX + 16];
    int v = load_bundle(o, NULL, &b, &d, conf_name, sizeof(conf_name));
    clp_diag_free(&d);
    clp_bundle_free(&b);
    return v == 0 ? TOOL_OK : v == 1 ? TOOL_FAIL : TOOL_USAGE;
}

int main(int argc, char **argv)
{
    enum { O_PUSH = 256, O_PULL, O_CHECK, O_FORCE, O_DRY, O_NOCHECK, O_ROOT, O_TIMEOUT };
    static const struct option lo[] = {
        {"push", no_argument, NULL, O_PUSH},       {"pull", no_argument, NULL, O_PULL},
        {"check", no_argument, NULL, O_CHECK},     {"force", no_argument, NULL, O_FORCE},
        {"dry-run", no_argument, NULL, O_DRY},     {"nocheck", no_argument, NULL, O_NOCHECK},
        {"root", required_argument, NULL, O_ROOT}, {"timeout", required_argument, NULL, O_TIMEOUT},
        {"help", no_argument, NULL, 'H'},          {NULL, 0, NULL, 0},
    };
    opts_t o = {.timeout_s = DEFAULT_TIMEOUT_S};
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":lwx:h:p:o:", lo, NULL)) != -1) {
        switch (ch) {
        case O_PUSH:
        case O_PULL:
        case O_CHECK: {
            mode_t_ m = ch == O_PUSH ? MODE_PUSH : ch == O_PULL ? MODE_PULL : MODE_CHECK;
            if (o.mode != MODE_NONE && o.mode != m) {
                return usage_error("give one of --push, --pull and --check");
            }
            o.mode = m;
            break;
        }
        case 'l':
            o.linux_set = true;
            break;
        case 'w':
            o.windows = true;
            break;
        case 'x':
            o.dir = optarg;
            break;
        case 'h':
            o.host = optarg;
            break;
        case 'p': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 65535) {
                return usage_error("bad port '%s' (1-65535)", optarg);
            }
            o.port = (int)v;
            break;
        }
        case 'o':
            if (strcmp(optarg, "json") == 0) {
                o.json = true;
            } else if (strcmp(optarg, "text") != 0) {
                return usage_error("unknown output format '%s' (text, json)", optarg);
            }
            break;
        case O_FORCE:
            o.force = true;
            break;
        case O_DRY:
            o.dry_run = true;
            break;
        case O_NOCHECK:
            return usage_error("--nocheck is not offered: an invalid configuration would keep "
                               "every daemon from starting, so it is always checked; to leave "
                               "out servers that do not answer, use --force");
        case O_ROOT:
            o.root = optarg;
            break;
        case O_TIMEOUT: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 10 || v > 86400) {
                return usage_error("bad timeout '%s' (10-86400 seconds)", optarg);
            }
            o.timeout_s = (int)v;
            break;
        }
        case 'H':
            usage(stdout);
            return TOOL_OK;
        case ':':
            return usage_error("option -%c needs an argument", optopt);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return usage_error("unexpected argument '%s'", argv[optind]);
    }
    if (o.mode == MODE_NONE) {
        return usage_error("give --push, --pull or --check");
    }
    if (o.linux_set && o.windows) {
        return usage_error("-l (Linux form) and -w (Windows form) exclude each other");
    }
    if (o.mode != MODE_PULL && (o.host || o.port)) {
        return usage_error("-h and -p are for --pull: a push goes to every server of the "
                           "configuration (one server with another configuration would run a "
                           "different generation)");
    }
    if (o.mode == MODE_PULL && o.port && !o.host) {
        return usage_error("-p needs -h");
    }
    if (o.mode != MODE_PUSH && (o.force || o.dry_run)) {
        return usage_error("--force and --dry-run are for --push");
    }
    if (o.mode != MODE_PUSH && !o.dir) {
        return usage_error("%s needs -x DIR", o.mode == MODE_PULL ? "--pull" : "--check");
    }
    if (o.dir) {
        struct stat st;
        if (o.mode != MODE_PULL && (stat(o.dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
            fprintf(stderr, "clpcfctrl: %s is not a directory\n", o.dir);
            return TOOL_USAGE;
        }
    }
    switch (o.mode) {
    case MODE_PUSH:
        return do_push(&o);
    case MODE_PULL:
        return do_pull(&o);
    default:
        return do_check(&o);
    }
}

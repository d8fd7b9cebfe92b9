/*
 * fuzz_rexec: clprexec requests as clusterpro_trn receives them on the data
 * transfer port (services/trn/trn_rexec.c): the envelope (clp_msg_unpack),
 * then the request's rules in libclp/clp_rexec.c that trn applies before it
 * acts: the source list (clp_rexec_source_allowed, with the requester field
 * standing for the peer's address), the whole-request check
 * (clp_rexec_check_request), the description that goes into trnsv alerts,
 * and per operation what trn does next without running anything: the script
 * path inside work/rexec (clp_rexec_script_path) and the notice matching of
 * the message receive monitors (clp_rexec_match, as services/core/monitors/
 * mrw.c calls it, against the monitors of the configuration).
 *
 * The installation root made at start holds work/rexec/ with a script, a
 * file that is not executable, a directory, a link to a script inside and
 * links that leave the directory. Oracles besides the sanitizers: a request
 * that passes the check is within the documented limits, and a resolved
 * script is always a regular file inside the real work/rexec.
 *
 * FUZZ_MAKE_SEEDS=DIR writes real requests made by this code (the seed corpus)
 * and exits.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_msg.h"
#include "clp_paths.h"
#include "clp_rexec.h"
#include "fuzz_common.h"

static char root[64];
static char rexec_dir[PATH_MAX]; /* its real path */
static clp_conf_t *conf;
static clp_msg_ctx_t mctx;

static const char CONF[] =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?><root>"
    "<cluster><name>fuzz</name><rexec><allowany>0</allowany><clientlist>"
    "<ip name=\"10.32.0.200\"/><ip name=\"192.168.0.0/16\"/><ip name=\"fd00::/8\"/>"
    "</clientlist></rexec></cluster>"
    "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
    "<info>10.0.0.1</info></device></server>"
    "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
    "<info>10.0.0.2</info></device></server>"
    "<heartbeat><types name=\"lanhb\"/>"
    "<lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb></heartbeat>"
    "<group name=\"failover1\"><gid>0</gid><resource name=\"exec@exec1\"/></group>"
    "<resource><types name=\"exec\"/><exec name=\"exec1\"><parameters><act><path>start.sh"
    "</path></act><deact><path>stop.sh</path></deact></parameters></exec></resource>"
    "<monitor><types name=\"mrw\"/>"
    "<mrw name=\"mrw1\"><parameters><category>app</category><keyword>disk</keyword>"
    "</parameters><relation><type>grp</type><name>failover1</name></relation></mrw>"
    "<mrw name=\"mrwcat\"><parameters><category>app</category></parameters>"
    "<relation><type>cls</type><name>LocalServer</name></relation></mrw>"
    "</monitor></root>";

static void die(const char *what)
{
    fprintf(stderr, "fuzz_rexec: %s: %s\n", what, strerror(errno));
    abort();
}

static void make_file(const char *name, const char *text, mode_t mode)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/work/rexec/%s", root, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        die(path);
    }
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void make_link(const char *name, const char *target)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/work/rexec/%s", root, name);
    if (symlink(target, path) < 0) {
        die(path);
    }
}

static void make_seeds(const char *dir);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_logs();
    snprintf(root, sizeof(root), "/tmp/fuzz_rexec.XXXXXX");
    if (!mkdtemp(root)) {
        die("mkdtemp");
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/work", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/work/rexec", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/work/rexec/dir", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/etc", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/etc/outside.sh", root);
    FILE *f = fopen(path, "w");
    if (!f) {
        die(path);
    }
    fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    chmod(path, 0755);
    make_file("check.sh", "#!/bin/sh\nexit 0\n", 0755);
    make_file("notexec.sh", "#!/bin/sh\nexit 0\n", 0644);
    make_link("inside.sh", "check.sh");
    make_link("escape.sh", "../../etc/outside.sh");
    make_link("abs.sh", "/bin/true");
    make_link("dangling.sh", "nowhere.sh");
    snprintf(path, sizeof(path), "%s/work/rexec", root);
    if (!realpath(path, rexec_dir)) {
        die("realpath");
    }
    clp_diag_t d = {0};
    conf = clp_conf_load_mem(CONF, sizeof(CONF) - 1, "fuzz-rexec.conf", &d);
    if (!conf) {
        clp_diag_print(stderr, &d);
        abort();
    }
    clp_diag_free(&d);
    clp_msg_ctx_init(&mctx, "fuzz", "s1", "clusterpro_trn", 1);
    const char *seeds = getenv("FUZZ_MAKE_SEEDS");
    if (seeds) {
        make_seeds(seeds);
        exit(0);
    }
    return 0;
}

static bool within(const char *s, size_t max)
{
    return s && strnlen(s, max + 1) <= max;
}

static void script(const Clp__RexecRequest *r)
{
    char out[PATH_MAX], err[512];
    err[0] = '\0';
    int rc = clp_rexec_script_path(root, r->script, out, sizeof(out), err, sizeof(err));
    if (rc < 0) {
        if (!err[0]) {
            __builtin_trap(); /* a refusal must say why */
        }
        return;
    }
    size_t dl = strlen(rexec_dir);
    struct stat st;
    if (strncmp(out, rexec_dir, dl) != 0 || out[dl] != '/' || stat(out, &st) < 0 ||
        !S_ISREG(st.st_mode)) {
        fprintf(stderr, "fuzz_rexec: script '%s' resolved to '%s', outside %s\n", r->script, out,
                rexec_dir);
        __builtin_trap();
    }
}

static void notice(const Clp__RexecRequest *r)
{
    for (size_t i = 0; i < conf->n_monitors; i++) {
        const clp_monitor_t *m = &conf->monitors[i];
        (void)clp_rexec_match(clp_conf_mon_param(m, "s1", "parameters/category"),
                              clp_conf_mon_param(m, "s1", "parameters/keyword"), r->category,
                              r->keyword);
    }
    /* the requester's own category against itself must match (exact, whole) */
    if (r->category[0] && !clp_rexec_match(r->category, r->keyword, r->category, r->keyword)) {
        __builtin_trap();
    }
    /* -k CATEGORY.KEYWORD as clprexec splits it */
    char key[CLP_REXEC_CATEGORY_MAX + CLP_REXEC_KEYWORD_MAX + 2];
    char cat[CLP_REXEC_CATEGORY_MAX + 1], kw[CLP_REXEC_KEYWORD_MAX + 1], err[256];
    snprintf(key, sizeof(key), "%s%s%s", r->category, r->keyword[0] ? "." : "", r->keyword);
    if (clp_rexec_split_key(key, cat, sizeof(cat), kw, sizeof(kw), err, sizeof(err)) == 0 &&
        (strcmp(cat, r->category) != 0 || strcmp(kw, r->keyword) != 0)) {
        __builtin_trap(); /* a checked category/keyword must survive the -k round trip */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    Clp__Envelope *env = clp_msg_unpack(&mctx, "fuzz", data, size, err, sizeof(err));
    if (!env) {
        return 0;
    }
    if (env->payload_case != CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST) {
        clp_msg_free(env);
        return 0;
    }
    const Clp__RexecRequest *r = env->rexec_request;
    (void)clp_rexec_source_allowed(conf, r->requester);
    (void)clp_rexec_addr_match(r->group, r->requester);
    err[0] = '\0';
    if (clp_rexec_check_request(r, err, sizeof(err)) < 0) {
        if (!err[0]) {
            __builtin_trap(); /* a refusal must say why */
        }
        clp_msg_free(env);
        return 0;
    }
    if (!within(r->category, CLP_REXEC_CATEGORY_MAX) ||
        !within(r->keyword, CLP_REXEC_KEYWORD_MAX)) {
        __builtin_trap(); /* accepted beyond the documented limits */
    }
    char desc[256];
    clp_rexec_describe(r, desc, sizeof(desc));
    (void)clp_rexec_op_name(r->op);
    switch (r->op) {
    case CLP__REXEC_REQUEST__OP__SCRIPT:
        if (!within(r->script, CLP_REXEC_SCRIPT_MAX) || strchr(r->script, '/')) {
            __builtin_trap();
        }
        script(r);
        break;
    case CLP__REXEC_REQUEST__OP__NOTICE:
    case CLP__REXEC_REQUEST__OP__CLEAR:
        notice(r);
        break;
    default:
        (void)clp_conf_group(conf, r->group);
        (void)clp_conf_resource(conf, r->resource);
        break;
    }
    clp_msg_free(env);
    return 0;
}

/* ---- seeds ---- */

static void write_seed(const char *dir, const char *name, Clp__RexecRequest *r)
{
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    clp_msg_ctx_t c;
    clp_msg_ctx_init(&c, "fuzz", "client", "clprexec", 1700000000000000ull);
    env.payload_case = CLP__ENVELOPE__PAYLOAD_REXEC_REQUEST;
    env.rexec_request = r;
    clp_msg_stamp(&c, &env);
    uint8_t *buf;
    size_t len;
    if (clp_msg_pack(&env, &buf, &len) < 0) {
        die("pack");
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        die(path);
    }
    fwrite(buf, 1, len, f);
    fclose(f);
    free(buf);
}

static void make_seeds(const char *dir)
{
    Clp__RexecRequest r = CLP__REXEC_REQUEST__INIT;
    r.op = CLP__REXEC_REQUEST__OP__FAILOVER;
    r.group = (char *)"failover1";
    r.wait_ms = 180000;
    r.requester = (char *)"10.32.0.200";
    write_seed(dir, "failover-group", &r);
    r.group = (char *)"";
    r.resource = (char *)"exec1";
    write_seed(dir, "failover-resource", &r);
    Clp__RexecRequest s = CLP__REXEC_REQUEST__INIT;
    s.op = CLP__REXEC_REQUEST__OP__SCRIPT;
    s.script = (char *)"check.sh";
    s.wait_ms = 30000;
    s.requester = (char *)"192.168.1.5";
    write_seed(dir, "script", &s);
    s.script = (char *)"escape.sh";
    write_seed(dir, "script-escape", &s);
    s.script = (char *)"inside.sh";
    write_seed(dir, "script-link-inside", &s);
    Clp__RexecRequest n = CLP__REXEC_REQUEST__INIT;
    n.op = CLP__REXEC_REQUEST__OP__NOTICE;
    n.category = (char *)"app";
    n.keyword = (char *)"disk";
    n.requester = (char *)"fd00::5";
    write_seed(dir, "notice", &n);
    n.op = CLP__REXEC_REQUEST__OP__CLEAR;
    n.monitor = (char *)"mrw1";
    write_seed(dir, "clear-monitor", &n);
    n.op = CLP__REXEC_REQUEST__OP__NOTICE;
    n.monitor = (char *)"";
    n.keyword = (char *)"a.keyword.with.dots";
    write_seed(dir, "notice-dots", &n);
    printf("fuzz_rexec: seeds written to %s\n", dir);
}

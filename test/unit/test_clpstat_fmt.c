/*
 * test_clpstat_fmt: clpstat's text layouts (tools/toollib/clpstat_fmt.c)
 * against the outputs of the original product quoted in the reference
 * (clusterpro-behaviour.md §2.1 and §13.3): the status of a stopped 2-server
 * cluster, the status of an online single server whose group name is cut to
 * 16 characters, the group map; and the layout rules stated there (title of 70
 * characters, colon in column 22, `*` on the local server, --long widening the
 * fields to a colon in column 39), plus the -n / -p legends the reference
 * confirms and the JSON output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clpstat_fmt.h"

/* ---- building a ClusterStatus by hand ---- */

#define MAXN 8

typedef struct {
    Clp__ClusterStatus st;
    Clp__ServerView sv[MAXN], *svp[MAXN];
    Clp__PathStatus path[MAXN][MAXN], *pathp[MAXN][MAXN];
    Clp__NpStatus np[MAXN][MAXN], *npp[MAXN][MAXN];
    Clp__GroupView gv[MAXN], *gvp[MAXN];
    Clp__ResourceView rv[MAXN][MAXN], *rvp[MAXN][MAXN];
    Clp__ServerGroupState gs[MAXN][MAXN], *gsp[MAXN][MAXN];
    Clp__MonitorView mv[MAXN], *mvp[MAXN];
} model_t;

static void model_init(model_t *m, const char *cluster, const char *local)
{
    memset(m, 0, sizeof(*m));
    clp__cluster_status__init(&m->st);
    m->st.cluster = (char *)cluster;
    m->st.local_server = (char *)local;
    m->st.master = (char *)"";
    m->st.servers = m->svp;
    m->st.groups = m->gvp;
    m->st.monitors = m->mvp;
}

static Clp__ServerView *add_server(model_t *m, const char *name, Clp__ServerState state)
{
    size_t k = m->st.n_servers++;
    Clp__ServerView *sv = &m->sv[k];
    clp__server_view__init(sv);
    sv->name = (char *)name;
    sv->state = state;
    sv->priority = (uint32_t)k;
    sv->paths = m->pathp[k];
    sv->nps = m->npp[k];
    m->svp[k] = sv;
    return sv;
}

static void add_path(model_t *m, size_t k, const char *name, const char *type, Clp__PathState s)
{
    Clp__ServerView *sv = &m->sv[k];
    size_t j = sv->n_paths++;
    Clp__PathStatus *p = &m->path[k][j];
    clp__path_status__init(p);
    p->name = (char *)name;
    p->type = (char *)type;
    p->state = s;
    m->pathp[k][j] = p;
}

static void add_np(model_t *m, size_t k, const char *name, const char *type, Clp__PathState s)
{
    Clp__ServerView *sv = &m->sv[k];
    size_t j = sv->n_nps++;
    Clp__NpStatus *p = &m->np[k][j];
    clp__np_status__init(p);
    p->name = (char *)name;
    p->type = (char *)type;
    p->state = s;
    p->message = (char *)"";
    m->npp[k][j] = p;
}

static Clp__GroupView *add_group(model_t *m, const char *name, Clp__GroupState s,
                                 const char *current)
{
    size_t g = m->st.n_groups++;
    Clp__GroupView *gv = &m->gv[g];
    clp__group_view__init(gv);
    gv->name = (char *)name;
    gv->type = (char *)"failover";
    gv->state = s;
    gv->current = (char *)current;
    gv->resources = m->rvp[g];
    gv->per_server = m->gsp[g];
    m->gvp[g] = gv;
    return gv;
}

static void add_resource(model_t *m, size_t g, const char *name, const char *type,
                         Clp__GroupState s, const char *current)
{
    Clp__GroupView *gv = &m->gv[g];
    size_t i = gv->n_resources++;
    Clp__ResourceView *r = &m->rv[g][i];
    clp__resource_view__init(r);
    r->name = (char *)name;
    r->type = (char *)type;
    r->state = s;
    r->current = (char *)current;
    m->rvp[g][i] = r;
}

static void add_group_on(model_t *m, size_t g, const char *server, Clp__GroupState s)
{
    Clp__GroupView *gv = &m->gv[g];
    size_t i = gv->n_per_server++;
    Clp__ServerGroupState *x = &m->gs[g][i];
    clp__server_group_state__init(x);
    x->server = (char *)server;
    x->state = s;
    m->gsp[g][i] = x;
}

static void add_monitor(model_t *m, const char *name, const char *type, Clp__MonitorState s)
{
    size_t i = m->st.n_monitors++;
    Clp__MonitorView *mv = &m->mv[i];
    clp__monitor_view__init(mv);
    mv->name = (char *)name;
    mv->type = (char *)type;
    mv->state = s;
    m->mvp[i] = mv;
}

/* ---- rendering ---- */

typedef enum { STATUS, GROUPMAP, HEARTBEATS, NP, JSON } view_t;

/* Caller frees. */
static char *render(const model_t *m, view_t v, bool longfmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    clpstat_opts_t o = {.longfmt = longfmt, .conf = NULL};
    switch (v) {
    case STATUS:
        clpstat_fmt_status(f, &m->st, &o, 7);
        break;
    case GROUPMAP:
        clpstat_fmt_groupmap(f, &m->st, &o);
        break;
    case HEARTBEATS:
        clpstat_fmt_heartbeats(f, &m->st, &o);
        break;
    case NP:
        clpstat_fmt_np(f, &m->st, &o);
        break;
    case JSON:
        clpstat_fmt_json(f, &m->st);
        break;
    }
    fclose(f);
    return buf;
}

static void expect_text(const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "--- want\n%s--- got\n%s---\n", want, got);
    }
    assert_string_equal(got, want);
}

/* ---- the reference's samples ---- */

/* §2.1: "Output format of clpstat (X5 Linux, 2 nodes, cluster stopped)". */
static void test_sample_stopped(void **state)
{
    model_t m;
    model_init(&m, "cluster-x600", "116rhel94");
    add_server(&m, "116rhel94", CLP__SERVER_STATE__SERVER_OFFLINE);
    add_server(&m, "117rhel94", CLP__SERVER_STATE__SERVER_OFFLINE);
    for (size_t k = 0; k < 2; k++) {
        add_path(&m, k, "lankhb1", "lankhb", CLP__PATH_STATE__PATH_NORMAL);
        add_np(&m, k, "pingnp1", "pingnp", CLP__PATH_STATE__PATH_NORMAL);
    }
    add_group(&m, "failover1", CLP__GROUP_STATE__GROUP_OFFLINE, "");
    add_resource(&m, 0, "exec1", "exec", CLP__GROUP_STATE__GROUP_OFFLINE, "");
    add_monitor(&m, "userw", "userw", CLP__MONITOR_STATE__MON_OFFLINE);
    char *got = render(&m, STATUS, false);
    expect_text(got, " ========================  CLUSTER STATUS  ===========================\n"
                     "  Cluster : cluster-x600\n"
                     "  <server>\n"
                     "   *116rhel94 .......: Offline\n"
                     "      lankhb1        : Offline          Kernel Mode LAN Heartbeat\n"
                     "      pingnp1        : Offline          ping resolution\n"
                     "    117rhel94 .......: Offline\n"
                     "      lankhb1        : Offline          Kernel Mode LAN Heartbeat\n"
                     "      pingnp1        : Offline          ping resolution\n"
                     "  <group>\n"
                     "    failover1 .......: Offline\n"
                     "      current        : None\n"
                     "      exec1          : Offline\n"
                     "  <monitor>\n"
                     "    userw            : Offline\n"
                     " =====================================================================\n");
    free(got);
}

/* The online single-server sample (reference §2.1: names cut to 16 characters,
 * `container-recovery` -> `container-recove`). */
static void test_sample_online_truncated(void **state)
{
    model_t m;
    model_init(&m, "mariadb-sss-0", "mariadb-sss-0");
    add_server(&m, "mariadb-sss-0", CLP__SERVER_STATE__SERVER_ONLINE);
    add_path(&m, 0, "lanhb1", "lanhb", CLP__PATH_STATE__PATH_NORMAL);
    add_group(&m, "container-recovery", CLP__GROUP_STATE__GROUP_ONLINE, "mariadb-sss-0");
    add_resource(&m, 0, "exec", "exec", CLP__GROUP_STATE__GROUP_ONLINE, "mariadb-sss-0");
    add_monitor(&m, "mysqlw", "mysqlw", CLP__MONITOR_STATE__MON_NORMAL);
    char *got = render(&m, STATUS, false);
    expect_text(got, " ========================  CLUSTER STATUS  ===========================\n"
                     "  Cluster : mariadb-sss-0\n"
                     "  <server>\n"
                     "   *mariadb-sss-0 ...: Online\n"
                     "      lanhb1         : Normal           LAN Heartbeat\n"
                     "  <group>\n"
                     "    container-recove : Online\n"
                     "      current        : mariadb-sss-0\n"
                     "      exec           : Online\n"
                     "  <monitor>\n"
                     "    mysqlw           : Normal\n"
                     " =====================================================================\n");
    free(got);
}

/* §2.1: `clpstat -g` (group map). */
static void test_sample_groupmap(void **state)
{
    model_t m;
    model_init(&m, "cluster-x600", "116rhel94");
    add_server(&m, "116rhel94", CLP__SERVER_STATE__SERVER_ONLINE);
    add_server(&m, "117rhel94", CLP__SERVER_STATE__SERVER_ONLINE);
    add_group(&m, "failover1", CLP__GROUP_STATE__GROUP_ONLINE, "116rhel94");
    add_group_on(&m, 0, "116rhel94", CLP__GROUP_STATE__GROUP_ONLINE);
    add_group_on(&m, 0, "117rhel94", CLP__GROUP_STATE__GROUP_OFFLINE);
    add_group(&m, "failover2", CLP__GROUP_STATE__GROUP_ONLINE, "117rhel94");
    add_group_on(&m, 1, "116rhel94", CLP__GROUP_STATE__GROUP_OFFLINE);
    add_group_on(&m, 1, "117rhel94", CLP__GROUP_STATE__GROUP_ONLINE);
    char *got = render(&m, GROUPMAP, false);
    expect_text(got, " ======================  GROUPMAP INFORMATION  =======================\n"
                     "  Cluster : cluster-x600\n"
                     "   *server0 : 116rhel94\n"
                     "    server1 : 117rhel94\n"
                     "\n"
                     "  --------------------------------------------------------------------\n"
                     "    server0 [o] : failover1[o]\n"
                     "    server1 [o] : failover2[o]\n"
                     " =====================================================================\n");
    free(got);
}

/* ---- the layout rules ---- */

static int colon_column(const char *line)
{
    const char *c = strchr(line, ':');
    return c ? (int)(c - line) + 1 : -1;
}

/* Every row of the status view has its colon in column `col`; title 70 wide. */
static void check_columns(const char *text, int col)
{
    char *copy = strdup(text);
    int rows = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[1] == '=') {
            assert_int_equal(strlen(l), 70); /* the title and the closing line */
            continue;
        }
        if (strncmp(l, "  Cluster", 9) == 0 || strncmp(l, "  <", 3) == 0) {
            continue;
        }
        if (colon_column(l) != col) {
            fprintf(stderr, "colon in column %d, not %d: [%s]\n", colon_column(l), col, l);
        }
        assert_int_equal(colon_column(l), col);
        rows++;
    }
    assert_true(rows > 0);
    free(copy);
}

static void build_busy(model_t *m)
{
    model_init(m, "bedcluster", "srv2");
    add_server(m, "srv1", CLP__SERVER_STATE__SERVER_ONLINE);
    add_server(m, "srv2", CLP__SERVER_STATE__SERVER_ONLINE)->caution = true;
    add_server(m, "a-server-name-longer-than-sixteen", CLP__SERVER_STATE__SERVER_OFFLINE);
    for (size_t k = 0; k < 3; k++) {
        add_path(m, k, "lanhb1", "lanhb", CLP__PATH_STATE__PATH_NORMAL);
        add_path(m, k, "lanhb2-with-a-very-long-name", "lanhb",
                 k == 1 ? CLP__PATH_STATE__PATH_ERROR : CLP__PATH_STATE__PATH_NORMAL);
        add_np(m, k, "majority1", "majority", CLP__PATH_STATE__PATH_NORMAL);
    }
    add_group(m, "failover1", CLP__GROUP_STATE__GROUP_ONLINE, "srv1");
    add_resource(m, 0, "fip1", "fip", CLP__GROUP_STATE__GROUP_ONLINE, "srv1");
    add_resource(m, 0, "exec-resource-with-long-name", "exec", CLP__GROUP_STATE__GROUP_ONLINE,
                 "srv1");
    add_group(m, "group-name-of-twenty-chars", CLP__GROUP_STATE__GROUP_ONLINE_PENDING, "srv2");
    add_monitor(m, "userw", "userw", CLP__MONITOR_STATE__MON_NORMAL);
    add_monitor(m, "monitor-with-a-long-name", "genw", CLP__MONITOR_STATE__MON_ERROR);
}

static void test_rules_default(void **state)
{
    model_t m;
    build_busy(&m);
    char *got = render(&m, STATUS, false);
    check_columns(got, 22);
    /* the local server, and only it, carries the star */
    assert_non_null(strstr(got, "\n   *srv2 ............: Caution\n"));
    assert_non_null(strstr(got, "\n    srv1 ............: Online\n"));
    assert_null(strstr(got, "*srv1"));
    /* names cut: 16 characters at the top level */
    assert_non_null(strstr(got, "\n    a-server-name-lo : Offline\n"));
    assert_non_null(strstr(got, "\n    group-name-of-tw : Online Pending\n"));
    assert_non_null(strstr(got, "\n    monitor-with-a-l : Error\n"));
    /* an offline server's rows show Offline, not their last state */
    assert_non_null(strstr(got, "\n      lanhb1         : Offline          LAN Heartbeat\n"));
    /* status word in a 17-character field, then the comment */
    assert_non_null(strstr(got, ": Error            LAN Heartbeat\n"));
    assert_non_null(strstr(got, ": Normal           majority resolution\n"));
    free(got);
}

static void test_rules_long(void **state)
{
    model_t m;
    build_busy(&m);
    char *got = render(&m, STATUS, true);
    check_columns(got, 39);
    /* nothing cut */
    assert_non_null(strstr(got, "\n    a-server-name-longer-than-sixteen : Offline\n"));
    assert_non_null(strstr(got, "\n      lanhb2-with-a-very-long-name    : "));
    assert_non_null(strstr(got, "\n    group-name-of-twenty-chars .......: Online Pending\n"));
    assert_non_null(strstr(got, "\n   *srv2 .............................: Caution\n"));
    free(got);
}

/* §13.3: -n has "*serverN : <name>" for the local server and "[on serverN : <Status>]"
 * headers; -p has the same legend and headers containing "on server". */
static void test_legends(void **state)
{
    model_t m;
    build_busy(&m);
    char *hb = render(&m, HEARTBEATS, false);
    assert_non_null(strstr(hb, "\n   *server1 : srv2\n"));
    assert_non_null(strstr(hb, "\n    server0 : srv1\n"));
    assert_non_null(strstr(hb, "\n  [on server0 : Online]\n"));
    assert_non_null(strstr(hb, "\n  [on server2 : Offline]\n"));
    assert_int_equal(strlen(strstr(hb, " ===") ? strstr(hb, " ===") : ""), strlen(hb));
    free(hb);
    char *np = render(&m, NP, false);
    assert_non_null(strstr(np, "\n   *server1 : srv2\n"));
    assert_non_null(strstr(np, "[on server1 : Caution]"));
    assert_non_null(strstr(np, "NP0 : majority1 (majority resolution)"));
    free(np);
}

static void test_json(void **state)
{
    model_t m;
    build_busy(&m);
    Clp__GroupView *gv = &m.gv[0];
    gv->name = (char *)"quote\"and\\back\nslash";
    char *j = render(&m, JSON, false);
    assert_non_null(strstr(j, "\"cluster\":\"bedcluster\""));
    assert_non_null(strstr(j, "\"local_server\":\"srv2\""));
    assert_non_null(strstr(j, "{\"name\":\"srv2\",\"status\":\"Caution\""));
    assert_non_null(strstr(j, "\"name\":\"quote\\\"and\\\\back\\nslash\""));
    assert_non_null(strstr(j, "\"current\":\"srv1\""));
    /* balanced braces and brackets outside strings, one line */
    int depth = 0;
    bool in_str = false;
    for (const char *p = j; *p; p++) {
        if (in_str) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                in_str = false;
            }
            continue;
        }
        if (*p == '"') {
            in_str = true;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            depth--;
            assert_true(depth >= 0);
        }
    }
    assert_int_equal(depth, 0);
    assert_ptr_equal(strchr(j, '\n'), j + strlen(j) - 1);
    free(j);
}

/* The configuration generation: a header line once a push gave one, with the
 * servers that run another (Caution); in the JSON for the whole cluster and
 * per server. */
static void test_config_generation(void **state)
{
    model_t m;
    model_init(&m, "bedcluster", "srv1");
    add_server(&m, "srv1", CLP__SERVER_STATE__SERVER_ONLINE);
    Clp__ServerView *s3 = add_server(&m, "srv3", CLP__SERVER_STATE__SERVER_ONLINE);
    m.st.config_generation = 7;
    char *got = render(&m, STATUS, false);
    assert_non_null(strstr(got, "  Cluster : bedcluster\n  Config  : generation 7\n  <server>"));
    free(got);
    s3->config_differs = true;
    s3->config_generation = 6;
    s3->caution = true;
    m.st.config_mismatch = true;
    got = render(&m, STATUS, false);
    assert_non_null(strstr(got, "  Config  : generation 7 (Caution: srv3 runs generation 6)\n"));
    assert_non_null(strstr(got, "    srv3 ............: Caution\n"));
    free(got);
    got = render(&m, JSON, false);
    assert_non_null(strstr(got, "\"config_mismatch\":true,\"config_generation\":7,"));
    assert_non_null(strstr(got, "\"config_generation\":6,\"config_differs\":true,"));
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_stopped),
        cmocka_unit_test(test_sample_online_truncated),
        cmocka_unit_test(test_sample_groupmap),
        cmocka_unit_test(test_rules_default),
        cmocka_unit_test(test_rules_long),
        cmocka_unit_test(test_legends),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_config_generation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

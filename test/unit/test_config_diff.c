/*
 * test_config_diff: the classification of configuration changes
 * (libclp/clp_confdiff.c): what the push applies live, what needs the
 * affected groups stopped, a suspended cluster or a stopped cluster.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_confdiff.h"

/* Pieces of a 3-server cluster; each test replaces one. */
typedef struct {
    const char *cluster, *servers, *heartbeats, *groups, *resources, *monitors, *extra;
} parts_t;

static const parts_t base = {
    .cluster = "<cluster><name>c1</name><heartbeat><interval>1000</interval>"
               "<timeout>10000</timeout></heartbeat></cluster>",
    .servers = "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
               "<info>10.0.0.1</info></device></server>"
               "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
               "<info>10.0.0.2</info></device></server>"
               "<server name=\"s3\"><priority>2</priority><device id=\"0\"><type>lan</type>"
               "<info>10.0.0.3</info></device></server>",
    .heartbeats = "<heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device>"
                  "</lanhb></heartbeat>",
    .groups = "<group name=\"g1\"><gid>0</gid><resource name=\"fip@fip1\"/>"
              "<resource name=\"exec@e1\"/></group>"
              "<group name=\"g2\"><gid>1</gid><resource name=\"exec@e2\"/></group>",
    .resources = "<resource><fip name=\"fip1\"><parameters><ip>10.0.0.100</ip></parameters></fip>"
                 "<exec name=\"e1\"><parameters><act><path>start.sh</path></act></parameters>"
                 "</exec>"
                 "<exec name=\"e2\"><parameters><act><path>start.sh</path></act></parameters>"
                 "</exec></resource>",
    .monitors = "<monitor><genw name=\"genw1\"><polling><interval>60</interval>"
                "<timeout>120</timeout></polling><parameters><path>genw.sh</path></parameters>"
                "<relation><type>grp</type><name>g1</name></relation></genw></monitor>",
    .extra = "",
};

static clp_conf_t *build(const parts_t *p)
{
    char buf[16384];
    snprintf(buf, sizeof(buf),
             "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n<root>%s%s%s%s%s%s%s</root>\n",
             p->cluster, p->servers, p->heartbeats, p->groups, p->resources, p->monitors, p->extra);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(buf, strlen(buf), "t.conf", &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    clp_diag_free(&d);
    assert_non_null(c);
    return c;
}

/* Diffs base against p with the groups in active running; checks the class. */
static void expect(const parts_t *p, const char *const *active, size_t n_active,
                   clp_apply_class_t want, const char *text, clp_confdiff_t *out)
{
    clp_conf_t *a = build(&base), *b = build(p);
    clp_confdiff_t d;
    assert_int_equal(clp_confdiff(a, b, NULL, NULL, active, n_active, &d), 0);
    if (d.worst != want) {
        for (size_t i = 0; i < d.n; i++) {
            fprintf(stderr, "  %s: %s\n", clp_apply_class_name(d.v[i].cls), d.v[i].what);
        }
    }
    assert_int_equal(d.worst, want);
    if (text) {
        bool found = false;
        for (size_t i = 0; i < d.n; i++) {
            found |= strstr(d.v[i].what, text) != NULL;
        }
        if (!found) {
            for (size_t i = 0; i < d.n; i++) {
                fprintf(stderr, "  %s\n", d.v[i].what);
            }
        }
        assert_true(found);
    }
    if (out) {
        *out = d;
    } else {
        clp_confdiff_free(&d);
    }
    clp_conf_free(&a);
    clp_conf_free(&b);
}

static const char *const g1_active[] = {"g1"};

static void test_identical(void **state)
{
    (void)state;
    clp_confdiff_t d;
    expect(&base, g1_active, 1, CLP_APPLY_NONE, NULL, &d);
    assert_int_equal(d.n, 0);
    clp_confdiff_free(&d);
}

static void test_monitor_interval_and_new_group_live(void **state)
{
    (void)state;
    parts_t p = base;
    p.monitors = "<monitor><genw name=\"genw1\"><polling><interval>5</interval>"
                 "<timeout>120</timeout></polling><parameters><path>genw.sh</path></parameters>"
                 "<relation><type>grp</type><name>g1</name></relation></genw></monitor>";
    p.groups = "<group name=\"g1\"><gid>0</gid><resource name=\"fip@fip1\"/>"
               "<resource name=\"exec@e1\"/></group>"
               "<group name=\"g2\"><gid>1</gid><resource name=\"exec@e2\"/></group>"
               "<group name=\"g3\"><gid>2</gid><resource name=\"exec@e3\"/></group>"
               "<group name=\"g4\"><gid>3</gid><start>0</start><resource name=\"exec@e4\"/>"
               "</group>";
    p.resources = "<resource><fip name=\"fip1\"><parameters><ip>10.0.0.100</ip></parameters>"
                  "</fip><exec name=\"e1\"><parameters><act><path>start.sh</path></act>"
                  "</parameters></exec><exec name=\"e2\"><parameters><act><path>start.sh</path>"
                  "</act></parameters></exec><exec name=\"e3\"><parameters><act><path>start.sh"
                  "</path></act></parameters></exec><exec name=\"e4\"><parameters><act><path>"
                  "start.sh</path></act></parameters></exec></resource>";
    clp_confdiff_t d;
    expect(&p, g1_active, 1, CLP_APPLY_LIVE, "polling/interval 60 -> 5", &d);
    /* g3 starts automatically after the push; g4 (manual start) does not */
    assert_int_equal(d.n_start, 1);
    assert_string_equal(d.start[0], "g3");
    clp_confdiff_free(&d);
}

static void test_resource_change_in_active_group(void **state)
{
    (void)state;
    parts_t p = base;
    p.resources = "<resource><fip name=\"fip1\"><parameters><ip>10.0.0.101</ip></parameters></fip>"
                  "<exec name=\"e1\"><parameters><act><path>start.sh</path></act></parameters>"
                  "</exec><exec name=\"e2\"><parameters><act><path>start.sh</path></act>"
                  "</parameters></exec></resource>";
    clp_confdiff_t d;
    expect(&p, g1_active, 1, CLP_APPLY_GROUP_STOP, "parameters/ip 10.0.0.100 -> 10.0.0.101", &d);
    bool named = false;
    for (size_t i = 0; i < d.n; i++) {
        named |= d.v[i].cls == CLP_APPLY_GROUP_STOP && strcmp(d.v[i].group, "g1") == 0;
    }
    assert_true(named);
    clp_confdiff_free(&d);
    /* The same change while g1 is offline everywhere: live. */
    expect(&p, NULL, 0, CLP_APPLY_LIVE, "parameters/ip", NULL);
}

static void test_recovery_setting_of_active_resource_live(void **state)
{
    (void)state;
    parts_t p = base;
    p.resources = "<resource><fip name=\"fip1\"><parameters><ip>10.0.0.100</ip></parameters>"
                  "<act><retry>2</retry></act></fip>"
                  "<exec name=\"e1\"><parameters><act><path>start.sh</path></act></parameters>"
                  "</exec><exec name=\"e2\"><parameters><act><path>start.sh</path></act>"
                  "</parameters></exec></resource>";
    expect(&p, g1_active, 1, CLP_APPLY_LIVE, "act/retry", NULL);
}

static void test_members_of_active_group(void **state)
{
    (void)state;
    parts_t p = base;
    /* e2 moves from g2 (offline) into g1 (active) */
    p.groups = "<group name=\"g1\"><gid>0</gid><resource name=\"fip@fip1\"/>"
               "<resource name=\"exec@e1\"/><resource name=\"exec@e2\"/></group>"
               "<group name=\"g2\"><gid>1</gid></group>";
    expect(&p, g1_active, 1, CLP_APPLY_GROUP_STOP, "members", NULL);
    /* removing an active group */
    p = base;
    p.groups = "<group name=\"g2\"><gid>1</gid><resource name=\"exec@e2\"/><resource "
               "name=\"fip@fip1\"/><resource name=\"exec@e1\"/></group>";
    p.monitors = "";
    expect(&p, g1_active, 1, CLP_APPLY_GROUP_STOP, "group g1 removed", NULL);
    /* removing an offline group and its resource */
    p = base;
    p.groups = "<group name=\"g1\"><gid>0</gid><resource name=\"fip@fip1\"/>"
               "<resource name=\"exec@e1\"/></group>";
    p.resources = "<resource><fip name=\"fip1\"><parameters><ip>10.0.0.100</ip></parameters>"
                  "</fip><exec name=\"e1\"><parameters><act><path>start.sh</path></act>"
                  "</parameters></exec></resource>";
    expect(&p, g1_active, 1, CLP_APPLY_LIVE, "group g2 removed", NULL);
}

static void test_group_attributes_of_active_group_live(void **state)
{
    (void)state;
    parts_t p = base;
    p.groups = "<group name=\"g1\"><gid>0</gid><failback>1</failback>"
               "<policy name=\"s2\"><order>0</order></policy><policy name=\"s1\"><order>1</order>"
               "</policy><resource name=\"fip@fip1\"/><resource name=\"exec@e1\"/></group>"
               "<group name=\"g2\"><gid>1</gid><resource name=\"exec@e2\"/></group>";
    expect(&p, g1_active, 1, CLP_APPLY_LIVE, "failback", NULL);
    p.groups = "<group name=\"g1\"><gid>0</gid><exclusive>2</exclusive>"
               "<resource name=\"fip@fip1\"/><resource name=\"exec@e1\"/></group>"
               "<group name=\"g2\"><gid>1</gid><resource name=\"exec@e2\"/></group>";
    expect(&p, g1_active, 1, CLP_APPLY_GROUP_STOP, "exclusive", NULL);
}

static void test_cluster_settings(void **state)
{
    (void)state;
    parts_t p = base;
    p.cluster = "<cluster><name>c1</name><heartbeat><interval>1000</interval>"
                "<timeout>20000</timeout></heartbeat></cluster>";
    expect(&p, g1_active, 1, CLP_APPLY_SUSPEND, "cluster/heartbeat/timeout: 10000 -> 20000", NULL);
    p.cluster = "<cluster><name>c2</name><heartbeat><interval>1000</interval>"
                "<timeout>10000</timeout></heartbeat></cluster>";
    expect(&p, NULL, 0, CLP_APPLY_CLUSTER_STOP, "cluster/name", NULL);
    p = base;
    p.extra = "<webmgr><security><clientlist><iprest>1</iprest><ip name=\"10.0.0.0/24\"/>"
              "</clientlist></security></webmgr><webalert><use>0</use></webalert>";
    expect(&p, g1_active, 1, CLP_APPLY_LIVE, "webmgr/security/clientlist/iprest", NULL);
    p.extra = "<cluster><port><webmgr>29013</webmgr></port></cluster>";
    p.cluster = "<cluster><name>c1</name><heartbeat><interval>1000</interval>"
                "<timeout>10000</timeout></heartbeat><port><webmgr>29013</webmgr></port>"
                "</cluster>";
    p.extra = "";
    expect(&p, NULL, 0, CLP_APPLY_CLUSTER_STOP, "cluster/port/webmgr", NULL);
    /* something this table does not know: careful */
    assert_int_equal(clp_confdiff_cluster_key("newthing/x"), CLP_APPLY_SUSPEND);
    assert_int_equal(clp_confdiff_cluster_key("trekking/configid"), CLP_APPLY_LIVE);
}

static void test_membership(void **state)
{
    (void)state;
    parts_t p = base;
    p.servers = "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.1</info></device></server>"
                "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.22</info></device></server>"
                "<server name=\"s3\"><priority>2</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.3</info></device></server>";
    expect(&p, NULL, 0, CLP_APPLY_CLUSTER_STOP, "server s2: devices", NULL);
    p = base;
    p.servers = "<server name=\"s1\"><priority>0</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.1</info></device></server>"
                "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.2</info></device></server>";
    expect(&p, NULL, 0, CLP_APPLY_CLUSTER_STOP, "server s3 removed", NULL);
    p = base;
    p.servers = "<server name=\"s1\"><priority>0</priority><comment>first</comment>"
                "<device id=\"0\"><type>lan</type><info>10.0.0.1</info></device></server>"
                "<server name=\"s2\"><priority>1</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.2</info></device></server>"
                "<server name=\"s3\"><priority>2</priority><device id=\"0\"><type>lan</type>"
                "<info>10.0.0.3</info></device></server>";
    expect(&p, g1_active, 1, CLP_APPLY_LIVE, "server s1 changed (comment", NULL);
    p = base;
    p.heartbeats = "<heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device>"
                   "</lanhb><lanhb name=\"lanhb2\"><priority>1</priority><device>0</device>"
                   "</lanhb></heartbeat>";
    expect(&p, NULL, 0, CLP_APPLY_CLUSTER_STOP, "heartbeat lanhb2 added", NULL);
}

static void test_scripts(void **state)
{
    (void)state;
    clp_conf_t *a = build(&base), *b = build(&base);
    clp_bundle_t ba = {0}, bb = {0};
    assert_int_equal(clp_bundle_add(&ba, "scripts/g1/e1/start.sh", "echo 1\n", 7, 0755), 0);
    assert_int_equal(clp_bundle_add(&bb, "scripts/g1/e1/start.sh", "echo 2\n", 7, 0755), 0);
    assert_int_equal(clp_bundle_add(&bb, "scripts/g2/e2/start.sh", "echo 3\n", 7, 0755), 0);
    clp_confdiff_t d;
    assert_int_equal(clp_confdiff(a, b, &ba, &bb, g1_active, 1, &d), 0);
    assert_int_equal(d.worst, CLP_APPLY_LIVE);
    assert_int_equal(d.n, 2);
    assert_non_null(strstr(d.v[0].what, "scripts/g1/e1/start.sh changed"));
    assert_non_null(strstr(d.v[1].what, "scripts/g2/e2/start.sh added"));
    clp_confdiff_free(&d);
    clp_bundle_free(&ba);
    clp_bundle_free(&bb);
    clp_conf_free(&a);
    clp_conf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identical),
        cmocka_unit_test(test_monitor_interval_and_new_group_live),
        cmocka_unit_test(test_resource_change_in_active_group),
        cmocka_unit_test(test_recovery_setting_of_active_resource_live),
        cmocka_unit_test(test_members_of_active_group),
        cmocka_unit_test(test_group_attributes_of_active_group_live),
        cmocka_unit_test(test_cluster_settings),
        cmocka_unit_test(test_membership),
        cmocka_unit_test(test_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

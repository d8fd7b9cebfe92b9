/*
 * test_config: the clp.conf loader (libclp/clp_config*.c).
 *
 * Defaults of an almost empty file, the reference example model, the four
 * samples saved by the original product, every good and bad fixture under
 * test/data/configs (bad files state their expected line and path on line 2),
 * lookups and per-server parameters, a generated maximum-size cluster,
 * truncated input, diagnostics output, and that every key the loader knows is
 * documented in docs/config-reference.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clp_config.h"
#include "clp_config_int.h"
#include "clp_paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA CLP_SOURCE_DIR "/test/data/configs"

/* Allocation failure injection: while alloc_budget >= 0, the next
 * alloc_budget allocations succeed and every later one fails. glibc lets a
 * program replace malloc; these delegate to glibc's own. While tracking is on,
 * every block handed out is remembered in a small hash set and forgotten when
 * freed, so whatever is left after a failed load has leaked. Not under ASan,
 * which replaces malloc itself (nor under valgrind: the test notices and skips). */
#ifndef __SANITIZE_ADDRESS__
#define CLP_TEST_OOM 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
static long alloc_budget = -1;
static bool tracking;
#define TRACK_BITS 17
#define TRACK_SIZE (1u << TRACK_BITS)
static void *tracked[TRACK_SIZE];
static size_t n_tracked;

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> (64 - TRACK_BITS));
}

static void track(void *p)
{
    if (!tracking || !p || n_tracked >= TRACK_SIZE / 2) {
        return;
    }
    size_t i = slot_of(p);
    while (tracked[i]) {
        i = (i + 1) & (TRACK_SIZE - 1);
    }
    tracked[i] = p;
    n_tracked++;
}

/* Removes p (backward-shift deletion keeps every probe chain intact). */
static void untrack(void *p)
{
    if (!p || n_tracked == 0) {
        return;
    }
    size_t i = slot_of(p);
    while (tracked[i] && tracked[i] != p) {
        i = (i + 1) & (TRACK_SIZE - 1);
    }
    if (!tracked[i]) {
        return; /* not ours: allocated before tracking or inside glibc */
    }
    tracked[i] = NULL;
    n_tracked--;
    for (size_t j = (i + 1) & (TRACK_SIZE - 1); tracked[j]; j = (j + 1) & (TRACK_SIZE - 1)) {
        size_t home = slot_of(tracked[j]);
        bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            tracked[i] = tracked[j];
            tracked[j] = NULL;
            i = j;
        }
    }
}

static bool alloc_fails(void)
{
    if (alloc_budget < 0) {
        return false;
    }
    if (alloc_budget == 0) {
        return true;
    }
    alloc_budget--;
    return false;
}

void *malloc(size_t n)
{
    void *p = alloc_fails() ? NULL : __libc_malloc(n);
    track(p);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = alloc_fails() ? NULL : __libc_calloc(n, size);
    track(p);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p) {
        return malloc(n);
    }
    void *q = alloc_fails() ? NULL : __libc_realloc(p, n);
    if (q) {
        untrack(p);
        track(q);
    }
    return q;
}

void free(void *p)
{
    untrack(p);
    __libc_free(p);
}
#endif

/* ---- helpers ---- */

static clp_conf_t *load_str(const char *xml, clp_diag_t *d)
{
    return clp_conf_load_mem(xml, strlen(xml), "mem.conf", d);
}

static clp_conf_t *load_file(const char *rel, clp_diag_t *d)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", DATA, rel);
    clp_conf_t *c = clp_conf_load(path, d);
    if (!c) {
        clp_diag_print(stderr, d);
    }
    return c;
}

static size_t count_msg(const clp_diag_t *d, clp_diag_kind_t kind, const char *needle)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].kind == kind && strstr(d->items[i].message, needle)) {
            k++;
        }
    }
    return k;
}

static const clp_diag_item_t *find_item(const clp_diag_t *d, clp_diag_kind_t kind,
                                        const char *path)
{
    for (size_t i = 0; i < d->n; i++) {
        if (d->items[i].kind == kind && strcmp(d->items[i].path, path) == 0) {
            return &d->items[i];
        }
    }
    return NULL;
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    assert_int_equal(clp_read_file(path, 1 << 24, &data, len), 0);
    return data;
}

/* ---- defaults ---- */

static const char *MINI =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n"
    "<root>\n"
    "  <cluster><name>c1</name></cluster>\n"
    "  <server name=\"s2\"><priority>1</priority>\n"
    "    <device id=\"0\"><type>lan</type><info>10.0.0.2</info></device></server>\n"
    "  <server name=\"s1\"><priority>0</priority>\n"
    "    <device id=\"0\"><type>lan</type><info>10.0.0.1</info></device></server>\n"
    "  <heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device></lanhb>"
    "</heartbeat>\n"
    "  <group name=\"g1\"><resource name=\"exec@e1\"/><resource name=\"disk@d1\"/></group>\n"
    "  <resource>\n"
    "    <exec name=\"e1\"><parameters><act><path>start.sh</path></act>"
    "<deact><path>stop.sh</path></deact></parameters></exec>\n"
    "    <disk name=\"d1\"><parameters><device>/dev/sdb1</device></parameters></disk>\n"
    "  </resource>\n"
    "  <monitor>\n"
    "    <genw name=\"genw1\"><parameters><path>g.sh</path></parameters></genw>\n"
    "    <pidw name=\"pidw1\"><target>e1</target>"
    "<relation><type>rsc</type><name>e1</name></relation></pidw>\n"
    "    <fipw name=\"fipw1\"/>\n"
    "    <userw name=\"userw\"/>\n"
    "  </monitor>\n"
    "</root>\n";

static void test_defaults(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_str(MINI, &d);
    assert_non_null(c);
    assert_int_equal(d.n_errors, 0);

    const clp_cluster_t *cl = &c->cluster;
    assert_string_equal(cl->name, "c1");
    assert_int_equal(cl->hb_interval_ms, 3000);
    assert_int_equal(cl->hb_timeout_ms, 90000);
    assert_int_equal(cl->hb_delay_warning, 80);
    assert_int_equal(cl->syncwait_s, 300);
    assert_int_equal(cl->internal_timeout_s, 180);
    assert_int_equal(cl->ports.internal, 29001);
    assert_int_equal(cl->ports.datatrans, 29002);
    assert_int_equal(cl->ports.heartbeat, 29002);
    assert_int_equal(cl->ports.alertsync, 29003);
    assert_int_equal(cl->ports.webmgr, 29003);
    assert_int_equal(cl->ports.api, 29009);
    assert_int_equal(cl->npaction, 2);
    assert_int_equal(cl->rsctoaction, 2);
    assert_int_equal(cl->pm_recover, 2);
    assert_string_equal(cl->haltp_method, "keepalive");
    assert_string_equal(cl->haltp_action, "RESET");
    assert_int_equal(cl->messages_use, 0);
    assert_int_equal(cl->syslog_level, 1);
    assert_int_equal(cl->rm_norecovery, 0);
    assert_int_equal(cl->rc_act_norecovery, 0);
    assert_int_equal(cl->rc_deact_norecovery, 0);
    assert_int_equal(cl->webalert_use, 1);
    assert_int_equal(cl->alertlog_max, 10000);
    assert_int_equal(cl->max_reboot, 0);
    assert_int_equal(cl->rexec_allow_any, 1);
    assert_int_equal(c->webmgr.iprest, 0);
    assert_int_equal(c->webmgr.api_use, 0);
    assert_null(c->webmgr.password_operation);
    assert_string_equal(c->serveros, "linux");

    /* servers sorted by priority */
    assert_int_equal(c->n_servers, 2);
    assert_string_equal(c->servers[0].name, "s1");
    assert_string_equal(c->servers[1].name, "s2");
    assert_string_equal(c->servers[0].servergroup, "");

    const clp_group_t *g = clp_conf_group(c, "g1");
    assert_non_null(g);
    assert_string_equal(g->type, "failover");
    assert_true(g->policy_default);
    assert_int_equal(g->n_policy, 2);
    assert_string_equal(g->policy[0].server, "s1");
    assert_string_equal(g->policy[1].server, "s2");
    assert_int_equal(g->gid, 0);
    assert_int_equal(g->start_auto, 1);
    assert_int_equal(g->failover_auto, 1);
    assert_int_equal(g->failback_auto, 0);
    assert_int_equal(g->exclusive, CLP_EXCL_OFF);
    assert_int_equal(g->act_dep_timeout_s, 1800);
    assert_int_equal(g->deact_dep_timeout_s, 1800);
    assert_int_equal(g->deact_wait_cluster, 1);
    assert_int_equal(g->deact_wait_server, 0);
    assert_int_equal(g->deact_wait_group, 0);
    assert_int_equal(g->servergroup_use, 0);
    assert_int_equal(g->servergroup_across, 1);

    const clp_resource_t *e = clp_conf_resource(c, "e1");
    assert_non_null(e);
    assert_true(e->supported);
    assert_string_equal(e->group, "g1");
    assert_true(e->depend_default);
    assert_int_equal(e->act_retry, 0);
    assert_int_equal(e->act_fo, 1);
    assert_int_equal(e->act_action, 1);
    assert_int_equal(e->act_timeout_s, 1980);
    assert_int_equal(e->deact_retry, 0);
    assert_int_equal(e->deact_action, 4);
    assert_int_equal(e->deact_timeout_s, 1980);
    assert_string_equal(clp_conf_rsc_param(e, NULL, "parameters/timeout/start"), "1800");
    assert_string_equal(clp_conf_rsc_param(e, NULL, "parameters/act/sync"), "1");

    const clp_resource_t *dk = clp_conf_resource(c, "d1");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/mount/option"), "rw");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/mount/timeout"), "180");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/mount/retry"), "3");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/umount/timeout"), "120");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/umount/interval"), "5");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/umount/action"), "kill");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/fsck/option"), "-y");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/fsck/timeout"), "7200");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/fsck/timing"), "2");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/fsck/interval"), "10");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/mount/action"), "1");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/fsck/xfstimeout"), "7200");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/mount/xfsaction"), "0");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/fsck/fixopt"), "0");
    assert_string_equal(clp_conf_rsc_param(dk, NULL, "parameters/device"), "/dev/sdb1");
    assert_null(clp_conf_rsc_param(dk, NULL, "parameters/nonexistent"));

    const clp_monitor_t *m = clp_conf_monitor(c, "genw1");
    assert_int_equal(m->interval_s, 60);
    assert_int_equal(m->timeout_s, 120);
    assert_int_equal(m->retry, 1);
    assert_int_equal(m->firstmonwait_s, 0);
    assert_int_equal(m->timing, CLP_TIMING_ALWAYS);
    assert_int_equal(m->th_restart, 3);
    assert_int_equal(m->th_fo, 1);
    assert_int_equal(m->th_script, 0);
    assert_int_equal(m->action, 1);
    assert_int_equal(m->timeout_noretry, 1);
    assert_int_equal(m->timeout_norecovery, 1);
    assert_int_equal(m->dumpcollect, 0);
    assert_int_equal(m->delay_warning, 80);
    assert_int_equal(m->rel_type, CLP_REL_CLS);
    assert_string_equal(m->rel_name, "LocalServer");
    assert_int_equal(m->n_servers, 0);
    assert_string_equal(clp_conf_mon_param(m, NULL, "parameters/sync"), "1");

    const clp_monitor_t *p = clp_conf_monitor(c, "pidw1");
    assert_int_equal(p->retry, 0);
    assert_int_equal(p->timing, CLP_TIMING_ACTIVE); /* resource-bound with a target */
    const clp_monitor_t *f = clp_conf_monitor(c, "fipw1");
    assert_int_equal(f->timing, CLP_TIMING_ALWAYS); /* resource-bound, no target */

    const clp_monitor_t *u = clp_conf_monitor(c, "userw");
    assert_int_equal(u->interval_s, 3); /* heartbeat interval */
    assert_int_equal(u->timeout_s, 90); /* heartbeat timeout */

    assert_int_equal(strlen(c->sha256), 64);
    assert_int_equal(c->raw_len, strlen(MINI));
    assert_memory_equal(c->raw, MINI, c->raw_len);
    clp_conf_free(&c);
    assert_null(c);
    clp_diag_free(&d);
}

/* ---- the reference example (section 3.4) ---- */

static void test_reference_example(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("good/reference-example.conf", &d);
    assert_non_null(c);
    assert_int_equal(d.n, 0);

    assert_string_equal(c->cluster.name, "cluster1");
    assert_string_equal(c->charset, "ASCII");
    assert_string_equal(c->encoding, "ASCII");
    assert_int_equal(c->n_servers, 2);
    const char *names[] = {"node1", "node2"};
    const char *lan0[] = {"192.168.1.11", "192.168.1.12"};
    const char *lan1[] = {"10.0.0.11", "10.0.0.12"};
    for (int i = 0; i < 2; i++) {
        const clp_server_t *s = &c->servers[i];
        assert_string_equal(s->name, names[i]);
        assert_int_equal(s->priority, i);
        assert_int_equal(s->n_devices, 3);
        assert_string_equal(clp_conf_device(s, 0)->type, "lan");
        assert_string_equal(clp_conf_device(s, 0)->info, lan0[i]);
        assert_string_equal(clp_conf_device(s, 1)->info, lan1[i]);
        assert_string_equal(clp_conf_device(s, 10200)->type, "ping");
        assert_string_equal(clp_conf_device(s, 10200)->info, "1");
        assert_null(clp_conf_device(s, 2));
    }
    assert_int_equal(c->n_hbs, 2);
    assert_string_equal(c->hbs[0].name, "lanhb1");
    assert_string_equal(c->hbs[0].type, "lanhb");
    assert_int_equal(c->hbs[0].device, 0);
    assert_true(c->hbs[0].supported);
    assert_string_equal(c->hbs[1].name, "lanhb2");
    assert_int_equal(c->hbs[1].priority, 1);
    assert_int_equal(c->hbs[1].device, 1);

    assert_int_equal(c->n_nps, 1);
    const clp_np_t *np = clp_conf_np(c, "pingnp1");
    assert_non_null(np);
    assert_int_equal(np->device, 10200);
    assert_int_equal(np->n_grps, 1);
    assert_int_equal(np->grps[0].n_ips, 1);
    assert_string_equal(np->grps[0].ips[0], "192.168.1.1");

    assert_int_equal(c->n_groups, 1);
    const clp_group_t *g = &c->groups[0];
    assert_string_equal(g->name, "failover1");
    assert_int_equal(g->gid, 0);
    assert_int_equal(g->n_resources, 2);
    assert_string_equal(g->resources[0], "fip1");
    assert_string_equal(g->resource_types[0], "fip");
    assert_string_equal(g->resources[1], "exec1");
    assert_true(g->policy_default);
    assert_string_equal(g->policy[0].server, "node1");
    assert_string_equal(g->policy[1].server, "node2");

    assert_int_equal(c->n_resources, 2);
    const clp_resource_t *fip = clp_conf_resource(c, "fip1");
    assert_string_equal(fip->type, "fip");
    assert_string_equal(clp_conf_rsc_param(fip, "node1", "parameters/ip"), "192.168.1.100");
    const clp_resource_t *ex = clp_conf_resource(c, "exec1");
    assert_string_equal(clp_conf_rsc_param(ex, NULL, "parameters/act/path"), "start.sh");
    assert_string_equal(clp_conf_rsc_param(ex, NULL, "parameters/deact/path"), "stop.sh");
    assert_string_equal(ex->group, "failover1");

    assert_int_equal(c->n_monitors, 3);
    const clp_monitor_t *fw = clp_conf_monitor(c, "fipw1");
    assert_string_equal(fw->target, "fip1");
    assert_int_equal(fw->rel_type, CLP_REL_RSC);
    assert_string_equal(fw->rel_name, "fip1");
    assert_int_equal(fw->timing, CLP_TIMING_ACTIVE);
    const clp_monitor_t *pw = clp_conf_monitor(c, "pidw1");
    assert_string_equal(pw->target, "exec1");
    assert_int_equal(pw->retry, 0);
    assert_string_equal(clp_params_get(&c->cluster.params, "webmgr/client/objectnumber"), "18");
    clp_conf_free(&c);
    clp_diag_free(&d);

    /* the CRLF copy gives the same model */
    c = load_file("good/reference-example-crlf.conf", &d);
    assert_non_null(c);
    assert_int_equal(d.n, 0);
    assert_string_equal(c->servers[1].name, "node2");
    assert_string_equal(clp_conf_device(&c->servers[1], 1)->info, "10.0.0.12");
    assert_string_equal(clp_conf_rsc_param(clp_conf_resource(c, "exec1"), NULL,
                                           "parameters/act/path"),
                        "start.sh");
    clp_conf_free(&c);
    clp_diag_free(&d);
}

/* ---- the samples saved by the original product ---- */

static void test_sample_hauc(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("samples/hauc-iSCSI-Cluster.conf", &d);
    assert_non_null(c);
    assert_int_equal(c->cluster.hb_timeout_ms, 50000);
    assert_int_equal(c->cluster.hb_interval_ms, 3000);
    assert_int_equal(clp_conf_monitor(c, "userw")->timeout_s, 50);
    assert_int_equal(clp_conf_server(c, "iscsi1")->survive, 1);
    assert_int_equal(clp_conf_server(c, "iscsi2")->survive, 0);
    assert_int_equal(c->n_hbs, 3);
    assert_string_equal(c->hbs[2].name, "lankhb3");
    assert_int_equal(count_msg(&d, CLP_DIAG_WARNING, "lankhb1, lankhb2, lankhb3"), 1);
    const clp_group_t *g = clp_conf_group(c, "failover-iscsi");
    assert_int_equal(g->n_resources, 4);
    assert_string_equal(g->resources[3], "exec-md-recovery");
    const clp_resource_t *md = clp_conf_resource(c, "md1");
    assert_false(md->supported);
    assert_int_equal(md->act_timeout_s, 190);
    assert_false(md->depend_default); /* <depend name=""/> */
    assert_int_equal(md->n_depend, 0);
    assert_true(clp_conf_resource(c, "exec-target")->depend_default);
    const clp_monitor_t *gm = clp_conf_monitor(c, "genw-md");
    assert_int_equal(gm->timing, CLP_TIMING_ACTIVE);
    assert_int_equal(gm->firstmonwait_s, 60);
    assert_int_equal(gm->th_restart, 0);
    assert_int_equal(gm->th_fo, 0);
    assert_int_equal(clp_conf_monitor(c, "genw-arpTable")->interval_s, 30);
    assert_string_equal(clp_conf_rsc_param(clp_conf_resource(c, "fip1"), NULL, "parameters/ip"),
                        "172.31.254.10");
    assert_int_equal(c->generation, 0); /* configid has a dot */
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "resource type md (mirror disk)"), 1);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

static void test_sample_kubernetes(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("samples/kubernetes-sss4mariadb.conf", &d);
    assert_non_null(c);
    assert_int_equal(d.n_errors, 0);
    const clp_diag_item_t *it =
        find_item(&d, CLP_DIAG_WARNING, "/root/monitor/mysqlw@mysqlw/polling/interval");
    assert_non_null(it);
    assert_int_equal(it->line, 59);
    assert_non_null(strstr(it->message, "template placeholder __SSS_MONITOR_PERIOD_SEC__ not "
                                        "substituted; the default 60 is used"));
    const clp_monitor_t *m = clp_conf_monitor(c, "mysqlw");
    assert_int_equal(m->interval_s, 60);
    assert_int_equal(m->timeout_s, 120);
    assert_int_equal(m->th_restart, 3);
    assert_int_equal(m->timing, CLP_TIMING_ALWAYS);
    assert_string_equal(m->target, "exec");
    assert_true(m->supported);
    const clp_resource_t *e = clp_conf_resource(c, "exec");
    assert_int_equal(e->act_timeout_s, 480);
    assert_int_equal(e->deact_timeout_s, 300);
    assert_int_equal(e->deact_action, 1);
    assert_string_equal(clp_conf_rsc_param(e, NULL, "parameters/timeout/start"), "300");
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "<dummyconf>"), 1);
    assert_string_equal(clp_params_get(&c->cluster.params, "dummyconf"), "0");
    assert_string_equal(c->servers[0].comment, ""); /* " " trimmed */
    clp_conf_free(&c);
    clp_diag_free(&d);
}

static void test_sample_basic(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("samples/BasicCluster-2nodesMirror-win.conf", &d);
    assert_non_null(c);
    assert_string_equal(c->serveros, "windows");
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "resource type md"), 1);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "monitor type mdw "), 1);
    const clp_resource_t *md = clp_conf_resource(c, "md");
    assert_false(md->supported);
    assert_int_equal(md->n_overrides, 2);
    assert_string_equal(clp_conf_rsc_param(md, "server1", "parameters/volumeguid"),
                        "4519e341-59ed-43e9-8856-d2c9ed671f65");
    assert_string_equal(clp_conf_rsc_param(md, "server2", "parameters/volumeguid"),
                        "d20fe8a3-afcb-4deb-8934-58e8575da260");
    assert_null(clp_conf_rsc_param(md, NULL, "parameters/volumeguid"));
    assert_string_equal(clp_conf_rsc_param(md, "server1", "parameters/netdev@1/mdcname"), "mdc2");
    const clp_group_t *g = clp_conf_group(c, "failover");
    assert_int_equal(g->gid, 0); /* no <gid>: next free id */
    assert_int_equal(c->servers[0].n_devices, 5);
    assert_string_equal(clp_conf_device(&c->servers[0], 401)->type, "mdc");
    assert_string_equal(clp_params_get(&clp_conf_device(&c->servers[0], 401)->params, "mdc/info"),
                        "10.1.1.11");
    clp_conf_free(&c);
    clp_diag_free(&d);
}

static void test_sample_clpcfdiff(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("samples/clpcfdiff-2node-md-exec.conf", &d);
    assert_non_null(c);
    assert_string_equal(c->encoding, "EUC-JP");
    assert_string_equal(c->cluster.uuid, "7019c320-7424-4d46-82f3-6bdbb999709f");
    assert_int_equal(c->n_groups, 2);
    assert_string_equal(c->groups[1].name, "failover2");
    assert_int_equal(clp_conf_resource(c, "exec1")->act_action, 4);
    const clp_monitor_t *g = clp_conf_monitor(c, "genw");
    assert_int_equal(g->rel_type, CLP_REL_GRP);
    assert_string_equal(g->rel_name, "failover1");
    assert_int_equal(g->interval_s, 10);
    assert_string_equal(g->preaction_path, "preaction.sh");
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "resources md1, md2"), 1);
    assert_int_equal(c->n_nps, 0);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

/* ---- every fixture ---- */

static void test_good_files(void **state)
{
    const char *dirs[] = {DATA "/good", DATA "/samples"};
    size_t n = 0;
    for (size_t k = 0; k < 2; k++) {
        DIR *dir = opendir(dirs[k]);
        assert_non_null(dir);
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (!strstr(e->d_name, ".conf")) {
                continue;
            }
            char path[1024];
            snprintf(path, sizeof(path), "%s/%s", dirs[k], e->d_name);
            clp_diag_t d = {0};
            clp_conf_t *c = clp_conf_load(path, &d);
            if (!c) {
                clp_diag_print(stderr, &d);
            }
            assert_non_null(c);
            assert_int_equal(d.n_errors, 0);
            clp_conf_free(&c);
            clp_diag_free(&d);
            n++;
        }
        closedir(dir);
    }
    assert_true(n >= 14);
}

static void test_bad_files(void **state)
{
    DIR *dir = opendir(DATA "/bad");
    assert_non_null(dir);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(dir))) {
        if (!strstr(e->d_name, ".conf")) {
            continue;
        }
        char path[1024];
        snprintf(path, sizeof(path), "%s/bad/%s", DATA, e->d_name);
        size_t len;
        char *data = slurp(path, &len);
        int line = 0;
        char epath[512] = "";
        const char *spec = strstr(data, "<!-- expect: ");
        assert_non_null(spec);
        assert_int_equal(sscanf(spec, "<!-- expect: %d %511s", &line, epath), 2);
        bool more = strstr(spec, "(more errors allowed)") != NULL &&
                    strstr(spec, "(more errors allowed)") < strstr(spec, "-->");
        clp_diag_t d = {0};
        errno = 0;
        clp_conf_t *c = clp_conf_load_mem(data, len, e->d_name, &d);
        if (c) {
            fprintf(stderr, "%s loaded but should not\n", e->d_name);
        }
        assert_null(c);
        assert_int_equal(errno, EINVAL);
        bool found = false;
        for (size_t i = 0; i < d.n; i++) {
            const clp_diag_item_t *it = &d.items[i];
            found = found || (it->kind == CLP_DIAG_ERROR && it->line == line &&
                              strcmp(it->path, epath) == 0 && strcmp(it->file, e->d_name) == 0);
        }
        if (!found || (!more && d.n_errors != 1)) {
            fprintf(stderr, "%s: expected one error at %d %s, got:\n", e->d_name, line, epath);
            clp_diag_print(stderr, &d);
        }
        assert_true(found);
        if (!more) {
            assert_int_equal(d.n_errors, 1);
        }
        clp_diag_free(&d);
        free(data);
        n++;
    }
    closedir(dir);
    assert_true(n >= 15);
}

/* Every error in one run, not only the first. */
static void test_all_errors_reported(void **state)
{
    const char *xml = "<?xml version=\"1.0\"?>\n"
                      "<root>\n"
                      "  <cluster><name>c1</name><heartbeat><interval>10</interval></heartbeat>"
                      "</cluster>\n"
                      "  <server name=\"s1\"><priority>0</priority>\n"
                      "    <device id=\"0\"><type>lan</type><info>1.2.3</info></device></server>\n"
                      "  <heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device>"
                      "</lanhb></heartbeat>\n"
                      "  <group name=\"g1\"><policy name=\"nope\"/></group>\n"
                      "</root>\n";
    clp_diag_t d = {0};
    clp_conf_t *c = load_str(xml, &d);
    assert_null(c);
    assert_int_equal(d.n_errors, 3);
    assert_non_null(find_item(&d, CLP_DIAG_ERROR, "/root/cluster/heartbeat/interval"));
    assert_non_null(find_item(&d, CLP_DIAG_ERROR, "/root/server@s1/device@0/info"));
    const clp_diag_item_t *it = find_item(&d, CLP_DIAG_ERROR, "/root/group@g1/policy@nope");
    assert_non_null(it);
    assert_int_equal(it->line, 7);
    assert_string_equal(it->message, "group g1: policy names server nope, which is not defined "
                                     "under <server>");
    /* in line order */
    for (size_t i = 1; i < d.n; i++) {
        assert_true(d.items[i - 1].line <= d.items[i].line);
    }
    clp_diag_free(&d);
}

static void test_unsupported_once(void **state)
{
    const char *xml = "<?xml version=\"1.0\"?>\n"
                      "<root><cluster><name>c1</name></cluster>\n"
                      "<server name=\"s1\"><priority>0</priority>\n"
                      " <device id=\"0\"><type>lan</type><info>10.0.0.1</info></device>\n"
                      " <device id=\"600\"><type>bmc</type><info>10.0.1.1</info></device>"
                      "</server>\n"
                      "<heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device>"
                      "</lanhb>\n"
                      " <bmchb name=\"bmchb1\"><priority>1</priority><device>600</device></bmchb>"
                      "</heartbeat>\n"
                      "<group name=\"g\"><resource name=\"vm@vm1\"/><resource name=\"vm@vm2\"/>"
                      "<resource name=\"foo@f1\"/></group>\n"
                      "<resource><vm name=\"vm1\"/><vm name=\"vm2\"/><foo name=\"f1\"/>"
                      "</resource>\n"
                      "<monitor><vmw name=\"vmw1\"/><vmw name=\"vmw2\"/></monitor>\n"
                      "<alertservice><types name=\"dn1000s\"/></alertservice>\n"
                      "<mystery/><mystery/>\n"
                      "</root>\n";
    clp_diag_t d = {0};
    clp_conf_t *c = load_str(xml, &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    assert_non_null(c);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "resource type vm (virtual machine) is "
                                                         "not supported by this product; "
                                                         "resources vm1, vm2 are kept"),
                     1);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "resource type foo is not known"), 1);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "monitor type vmw"), 1);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "heartbeat type bmchb"), 1);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "<alertservice>"), 1);
    assert_int_equal(count_msg(&d, CLP_DIAG_UNSUPPORTED, "<mystery>"), 1);
    assert_false(clp_conf_resource(c, "f1")->supported);
    assert_false(clp_conf_hb(c, "bmchb1")->supported);
    assert_string_equal(clp_conf_resource(c, "vm2")->group, "g");
    clp_conf_free(&c);
    clp_diag_free(&d);
}

/* ---- lookups and per-server parameters ---- */

static void test_lookups_and_params(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("good/full-features.conf", &d);
    assert_non_null(c);
    assert_int_equal(d.n, 0);

    assert_int_equal(clp_conf_server_index(c, "node2"), 1);
    assert_int_equal(clp_conf_server_index(c, "node9"), -1);
    assert_int_equal(clp_conf_server_index(NULL, "node1"), -1);
    assert_null(clp_conf_server(c, "node9"));
    assert_null(clp_conf_group(c, "nope"));
    assert_null(clp_conf_resource(c, "nope"));
    assert_null(clp_conf_monitor(c, "nope"));
    assert_null(clp_conf_hb(c, "nope"));
    assert_null(clp_conf_np(c, "nope"));
    assert_string_equal(clp_conf_hb(c, "diskhb1")->type, "diskhb");
    assert_int_equal(clp_conf_hb(c, "comhb1")->device, 500);

    const clp_resource_t *e = clp_conf_resource(c, "exec1");
    assert_string_equal(clp_conf_rsc_param(e, "node2", "parameters/act/path"),
                        "/opt/app2/start.sh");
    assert_string_equal(clp_conf_rsc_param(e, "node1", "parameters/act/path"),
                        "/opt/app/start.sh");
    assert_string_equal(clp_conf_rsc_param(e, NULL, "parameters/act/path"), "/opt/app/start.sh");
    assert_string_equal(clp_conf_rsc_param(e, "node2", "parameters/deact/path"),
                        "/opt/app/stop.sh");
    assert_string_equal(clp_conf_rsc_param(e, "node2", "parameters/logrotate/use"), "0");
    assert_int_equal(e->act_timeout_s, 240);
    assert_int_equal(e->deact_timeout_s, 210);
    assert_int_equal(e->n_depend, 2);
    assert_string_equal(e->depend[0], "disk1");
    assert_false(e->depend_default);
    const clp_monitor_t *mii = clp_conf_monitor(c, "miiw1");
    assert_string_equal(clp_conf_mon_param(mii, "node2", "parameters/object"), "eth1");
    assert_string_equal(clp_conf_mon_param(mii, "node1", "parameters/object"), "eth0");
    assert_int_equal(mii->rel_type, CLP_REL_ALLGRP);
    assert_null(clp_conf_rsc_param(NULL, NULL, "x"));
    assert_null(clp_conf_mon_param(NULL, NULL, "x"));

    assert_string_equal(clp_params_str(&c->cluster.params, "cluster/comment", "?"), "all features");
    assert_string_equal(clp_params_str(&c->cluster.params, "nope", "dflt"), "dflt");
    assert_int_equal(clp_params_int(&c->cluster.params, "cluster/heartbeat/interval", 7), 1000);
    assert_int_equal(clp_params_int(&c->cluster.params, "cluster/comment", 7), 7);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

/* The paths this product chose for the reference's unconfirmed items. */
static void test_product_paths(void **state)
{
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("good/full-features.conf", &d);
    assert_non_null(c);
    const clp_cluster_t *cl = &c->cluster;
    assert_int_equal(cl->hb_interval_ms, 1000);
    assert_int_equal(cl->hb_timeout_ms, 30000);
    assert_int_equal(cl->hb_delay_warning, 70);
    assert_int_equal(cl->syncwait_s, 120);
    assert_int_equal(cl->internal_timeout_s, 60);
    assert_int_equal(cl->ports.internal, 30001);
    assert_int_equal(cl->ports.datatrans, 30002);
    assert_int_equal(cl->ports.heartbeat, 30002);
    assert_int_equal(cl->ports.alertsync, 30003);
    assert_int_equal(cl->ports.webmgr, 30003);
    assert_int_equal(cl->ports.api, 30009);
    assert_int_equal(cl->max_reboot, 3);
    assert_int_equal(cl->rexec_allow_any, 0);
    assert_int_equal(cl->npaction, 3);
    assert_int_equal(cl->rsctoaction, 0);
    assert_int_equal(cl->pm_recover, 3);
    assert_int_equal(cl->messages_use, 1);
    assert_int_equal(cl->syslog_level, 0);
    assert_int_equal(cl->rm_norecovery, 1);
    assert_int_equal(cl->rc_act_norecovery, 1);
    assert_int_equal(cl->rc_deact_norecovery, 1);
    assert_int_equal(cl->webalert_use, 0);
    assert_int_equal(cl->alertlog_max, 5000);
    assert_string_equal(cl->haltp_method, "softdog");
    assert_string_equal(cl->haltp_action, "PANIC");
    assert_int_equal(c->generation, 42);

    assert_int_equal(c->n_servergroups, 2);
    assert_string_equal(c->servergroups[0].name, "tokyo");
    assert_int_equal(c->servergroups[0].n_servers, 1);
    assert_string_equal(c->servergroups[0].servers[0], "node1");
    assert_string_equal(clp_conf_server(c, "node1")->servergroup, "tokyo");
    assert_string_equal(clp_conf_server(c, "node2")->servergroup, "osaka");

    const clp_group_t *g = clp_conf_group(c, "failover1");
    assert_false(g->policy_default);
    assert_string_equal(g->policy[0].server, "node1");
    assert_string_equal(g->policy[1].server, "node2");
    assert_int_equal(g->servergroup_use, 1);
    assert_int_equal(g->servergroup_across, 0);
    assert_int_equal(g->start_auto, 0);
    assert_int_equal(g->failover_auto, 0);
    assert_int_equal(g->failback_auto, 1);
    assert_int_equal(g->exclusive, CLP_EXCL_NORMAL);
    const clp_group_t *g2 = clp_conf_group(c, "failover2");
    assert_int_equal(g2->n_act_deps, 1);
    assert_string_equal(g2->act_deps[0].group, "failover1");
    assert_true(g2->act_deps[0].sameserver);
    assert_int_equal(g2->act_dep_timeout_s, 600);
    assert_int_equal(g2->n_deact_deps, 1);
    assert_int_equal(g2->deact_dep_timeout_s, 900);
    assert_int_equal(g2->deact_wait_cluster, 0);
    assert_int_equal(g2->deact_wait_server, 1);
    assert_int_equal(g2->deact_wait_group, 1);
    assert_string_equal(clp_conf_group(c, "mgmt")->type, "cluster");

    assert_int_equal(c->n_nps, 4);
    const clp_np_t *maj = clp_conf_np(c, "majority1");
    assert_int_equal(maj->device, -1);
    assert_true(maj->supported);
    const clp_np_t *dnp = clp_conf_np(c, "disknp1");
    assert_int_equal(dnp->device, 301);
    assert_string_equal(clp_conf_device(&c->servers[0], 301)->info, "/dev/sdc2");
    const clp_np_t *hnp = clp_conf_np(c, "httpnp1");
    assert_string_equal(clp_params_get(&hnp->params, "host"), "witness.example.com");
    assert_string_equal(clp_params_get(&hnp->params, "port"), "8080");
    const clp_np_t *pnp = clp_conf_np(c, "pingnp1");
    assert_int_equal(pnp->n_grps, 2);
    assert_int_equal(pnp->grps[0].n_ips, 2);
    assert_string_equal(pnp->grps[1].ips[0], "fd00::1");

    assert_string_equal(c->webmgr.password_operation, "$6$opsalt$operationhash");
    assert_string_equal(c->webmgr.password_reference, "$6$refsalt$referencehash");
    assert_int_equal(c->webmgr.api_use, 1);
    assert_int_equal(c->webmgr.iprest, 1);
    assert_int_equal(c->webmgr.n_clients, 2);
    assert_string_equal(c->webmgr.clients[0].addr, "192.168.10.0/24");
    assert_false(c->webmgr.clients[0].readonly);
    assert_true(c->webmgr.clients[1].readonly);

    const clp_monitor_t *gw = clp_conf_monitor(c, "genw1");
    assert_int_equal(gw->n_servers, 1);
    assert_string_equal(gw->servers[0], "node1");
    assert_int_equal(gw->retry, 2);
    assert_int_equal(gw->firstmonwait_s, 10);
    assert_int_equal(gw->action, 16);
    assert_int_equal(gw->preaction_use, 1);
    assert_int_equal(gw->preaction_timeout_s, 10);
    assert_int_equal(gw->timeout_noretry, 0);
    assert_int_equal(gw->timeout_norecovery, 0);
    assert_int_equal(gw->dumpcollect, 1);
    assert_int_equal(gw->delay_warning, 70);
    const clp_monitor_t *uw = clp_conf_monitor(c, "userw");
    assert_int_equal(uw->interval_s, 1);
    assert_int_equal(uw->timeout_s, 30);
    clp_conf_free(&c);
    clp_diag_free(&d);
}

static void test_encodings(void **state)
{
    const char *files[] = {"good/encoding-eucjp.conf", "good/encoding-sjis.conf",
                           "good/encoding-shift_jis.conf", "good/encoding-utf8.conf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        clp_diag_t d = {0};
        clp_conf_t *c = load_file(files[i], &d);
        assert_non_null(c);
        assert_non_null(strstr(c->cluster.comment, "\xe6\x9c\xac\xe7\x95\xaa")); /* UTF-8 */
        assert_non_null(strstr(clp_conf_group(c, "failover1")->comment, "\xe3\x82\xaf"));
        clp_conf_free(&c);
        clp_diag_free(&d);
    }
    clp_diag_t d = {0};
    clp_conf_t *c = load_file("good/encoding-gb2312.conf", &d);
    assert_non_null(c);
    assert_string_equal(c->encoding, "GB2312");
    assert_string_equal(c->cluster.comment, "\xe7\x94\x9f\xe4\xba\xa7\xe9\x9b\x86\xe7\xbe\xa4");
    clp_conf_free(&c);
    clp_diag_free(&d);
}

/* ---- size and robustness ---- */

static void test_large_generated(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n<root>\n"
               "<cluster><name>big</name></cluster>\n");
    for (int s = 0; s < 32; s++) {
        fprintf(f,
                "<server name=\"srv%02d\"><priority>%d</priority>"
                "<device id=\"0\"><type>lan</type><info>10.0.%d.%d</info></device>"
                "<device id=\"1\"><type>lan</type><info>fd00::%x</info></device></server>\n",
                s, 31 - s, s / 8, s + 1, s + 1);
    }
    fprintf(f, "<heartbeat><lanhb name=\"lanhb1\"><priority>0</priority><device>0</device>"
               "</lanhb><lanhb name=\"lanhb2\"><priority>1</priority><device>1</device></lanhb>"
               "</heartbeat>\n");
    for (int g = 0; g < 128; g++) {
        fprintf(f, "<group name=\"grp%03d\"><gid>%d</gid><resource name=\"exec@exec%03d\"/>",
                g, 127 - g, g);
        fprintf(f, "<resource name=\"fip@fip%03d\"/>", g);
        if (g > 0) {
            fprintf(f, "<depend><act><depend name=\"grp%03d\"/></act></depend>", g - 1);
        }
        fprintf(f, "</group>\n");
    }
    fprintf(f, "<resource>\n");
    for (int g = 0; g < 128; g++) {
        fprintf(f,
                "<exec name=\"exec%03d\"><depend name=\"fip%03d\"/><parameters><act><path>"
                "start.sh</path></act><deact><path>stop.sh</path></deact></parameters></exec>\n"
                "<fip name=\"fip%03d\"><parameters><ip>172.16.%d.%d</ip></parameters></fip>\n",
                g, g, g, g / 200, g % 200 + 1);
    }
    fprintf(f, "</resource>\n<monitor>\n");
    for (int m = 0; m < 512; m++) {
        fprintf(f,
                "<genw name=\"genw%03d\"><parameters><path>g.sh</path></parameters>"
                "<relation><type>grp</type><name>grp%03d</name></relation></genw>\n",
                m, m % 128);
    }
    fprintf(f, "</monitor>\n</root>\n");
    fclose(f);

    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(buf, len, "big.conf", &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    assert_non_null(c);
    assert_int_equal(d.n, 0);
    assert_int_equal(c->n_servers, 32);
    assert_string_equal(c->servers[0].name, "srv31"); /* priority 0 */
    assert_int_equal(c->n_groups, 128);
    assert_string_equal(c->groups[0].name, "grp127"); /* gid 0 */
    assert_int_equal(c->n_resources, 256);
    assert_int_equal(c->n_monitors, 512);
    assert_string_equal(clp_conf_monitor(c, "genw511")->rel_name, "grp127");
    assert_int_equal(clp_conf_group(c, "grp000")->n_policy, 32);
    clp_conf_free(&c);
    clp_diag_free(&d);

    /* one monitor too many */
    char *more = malloc(len + 200);
    assert_non_null(more);
    char *end = strstr(buf, "</monitor>");
    size_t head = (size_t)(end - buf);
    memcpy(more, buf, head);
    int k = sprintf(more + head, "<genw name=\"genw512\"><parameters><path>g.sh</path>"
                                 "</parameters></genw>\n");
    memcpy(more + head + k, end, len - head);
    c = clp_conf_load_mem(more, len + (size_t)k, "big.conf", &d);
    assert_null(c);
    assert_int_equal(count_msg(&d, CLP_DIAG_ERROR, "513 monitors are defined"), 1);
    clp_diag_free(&d);
    free(more);
    free(buf);
}

static void test_truncated_samples(void **state)
{
    const char *files[] = {"BasicCluster-2nodesMirror-win.conf", "clpcfdiff-2node-md-exec.conf",
                           "hauc-iSCSI-Cluster.conf", "kubernetes-sss4mariadb.conf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/samples/%s", DATA, files[i]);
        size_t len;
        char *data = slurp(path, &len);
        for (size_t off = 0; off < len; off += 97) {
            clp_diag_t d = {0};
            errno = 0;
            clp_conf_t *c = clp_conf_load_mem(data, off, files[i], &d);
            if (c) {
                assert_int_equal(d.n_errors, 0);
            } else {
                assert_int_equal(errno, EINVAL);
                assert_true(d.n_errors > 0);
            }
            clp_conf_free(&c);
            clp_diag_free(&d);
        }
        /* the whole file still loads, also without a diag */
        clp_conf_t *c = clp_conf_load_mem(data, len, files[i], NULL);
        assert_non_null(c);
        clp_conf_free(&c);
        free(data);
    }
    /* garbage and empty input */
    clp_diag_t d = {0};
    assert_null(clp_conf_load_mem("", 0, "empty", &d));
    assert_null(clp_conf_load_mem("\0\1\2<<<", 6, "junk", &d));
    assert_null(clp_conf_load_mem("<root>", 6, "open", NULL));
    assert_true(d.n_errors >= 2);
    clp_diag_free(&d);
}

/* Every allocation of a load may fail: the load returns NULL with ENOMEM (or
 * EINVAL when libxml2 turned its own allocation failure into a parse error),
 * never crashes and leaks nothing (run under valgrind). */
static void oom_sweep(const char *data, size_t len, long stride)
{
#ifdef CLP_TEST_OOM
    alloc_budget = 0;
    void *probe = malloc(16);
    alloc_budget = -1;
    if (probe) {
        free(probe);
        skip(); /* malloc is not ours (valgrind) */
    }
    /* a first load warms libxml2's and iconv's one-time allocations */
    clp_conf_t *warm = clp_conf_load_mem(data, len, "oom.conf", NULL);
    assert_non_null(warm);
    clp_conf_free(&warm);
    long budget = 0;
    for (;; budget += budget < 200 ? 1 : stride) {
        clp_diag_t d = {0};
        tracking = true;
        alloc_budget = budget;
        errno = 0;
        clp_conf_t *c = clp_conf_load_mem(data, len, "oom.conf", &d);
        int err = errno;
        alloc_budget = -1;
        if (c) {
            tracking = false;
            assert_int_equal(d.n_errors, 0);
            clp_conf_free(&c);
            clp_diag_free(&d);
            break;
        }
        if (err != ENOMEM && err != EINVAL) {
            fprintf(stderr, "budget %ld: errno %d\n", budget, err);
        }
        assert_true(err == ENOMEM || err == EINVAL);
        clp_diag_free(&d);
        tracking = false;
        if (n_tracked) {
            fprintf(stderr, "budget %ld: %zu blocks leaked\n", budget, n_tracked);
        }
        assert_int_equal(n_tracked, 0);
    }
    assert_true(budget > 100);
#else
    (void)data;
    (void)len;
    (void)stride;
    skip();
#endif
}

static void test_out_of_memory(void **state)
{
    oom_sweep(MINI, strlen(MINI), 1);
    size_t len;
    char *data = slurp(DATA "/samples/hauc-iSCSI-Cluster.conf", &len);
    oom_sweep(data, len, 13);
    free(data);
}

static void test_unreadable(void **state)
{
    clp_diag_t d = {0};
    errno = 0;
    clp_conf_t *c = clp_conf_load(DATA "/no-such-file.conf", &d);
    assert_null(c);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(d.n_errors, 1);
    assert_int_equal(d.items[0].line, 0);
    assert_non_null(strstr(d.items[0].message, "cannot read the file"));
    clp_diag_free(&d);
    clp_diag_free(&d); /* idempotent */
    clp_conf_free(NULL);
    clp_conf_free(&c);
}

/* ---- diagnostics output ---- */

static void test_diag_output(void **state)
{
    clp_diag_t d = {0};
    assert_int_equal(clp_diag_add(&d, CLP_DIAG_ERROR, "a.conf", 12, "/root/x", "bad %d", 7), 0);
    assert_int_equal(clp_diag_add(&d, CLP_DIAG_WARNING, "a.conf", 0, "", "hmm \"q\""), 0);
    assert_int_equal(clp_diag_add(&d, CLP_DIAG_UNSUPPORTED, "a.conf", 3, "/root/y", "kept"), 0);
    assert_int_equal(d.n_errors, 1);
    assert_int_equal(clp_diag_count(&d, CLP_DIAG_WARNING), 1);
    assert_string_equal(clp_diag_kind_name(CLP_DIAG_UNSUPPORTED), "not supported");

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(clp_diag_print(f, &d), 3);
    fclose(f);
    assert_string_equal(buf, "a.conf:12: error: /root/x: bad 7\n"
                             "a.conf: warning: hmm \"q\"\n"
                             "a.conf:3: not supported: /root/y: kept\n");
    free(buf);

    f = open_memstream(&buf, &len);
    assert_int_equal(clp_diag_print_json(f, &d, "a.conf", false), 0);
    fclose(f);
    assert_non_null(strstr(buf, "{\"file\":\"a.conf\",\"valid\":false,\"errors\":1,"
                                "\"warnings\":1,\"unsupported\":1,\"diagnostics\":["));
    assert_non_null(strstr(buf, "\"message\":\"hmm \\\"q\\\"\""));
    free(buf);
    clp_diag_free(&d);
    assert_int_equal(d.n, 0);
    assert_null(d.items);
}

/* ---- internals ---- */

static void test_value_checks(void **state)
{
    assert_true(clp_is_placeholder("__SSS_MONITOR_PERIOD_SEC__"));
    assert_true(clp_is_placeholder("__A1__"));
    assert_false(clp_is_placeholder("__a__"));
    assert_false(clp_is_placeholder("____"));
    assert_false(clp_is_placeholder("_X_"));
    assert_false(clp_is_placeholder("60"));
    long v;
    assert_int_equal(clp_parse_long(" 42 ", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(clp_parse_long("-1", &v), 0);
    assert_int_equal(v, -1);
    assert_int_equal(clp_parse_long("4x", &v), -EINVAL);
    assert_int_equal(clp_parse_long("", &v), -EINVAL);
    assert_int_equal(clp_parse_long("0x10", &v), -EINVAL);
    assert_int_equal(clp_parse_long("99999999999999999999999", &v), -EINVAL);
    assert_true(clp_is_ip("10.0.0.1", false));
    assert_true(clp_is_ip("fe80::1", false));
    assert_false(clp_is_ip("10.0.0.256", false));
    assert_false(clp_is_ip("10.0.0.0/24", false));
    assert_true(clp_is_ip("10.0.0.0/24", true));
    assert_true(clp_is_ip("fd00::/64", true));
    assert_false(clp_is_ip("10.0.0.0/33", true));
    assert_false(clp_is_ip("fd00::/129", true));
    assert_true(clp_is_host("db.example.com"));
    assert_true(clp_is_host("localhost"));
    assert_false(clp_is_host("-bad"));
    assert_false(clp_is_host("a..b"));
    assert_false(clp_is_host("sp ace"));
    assert_true(clp_key_match("parameters/list@*/ip", "parameters/list@0/ip"));
    assert_false(clp_key_match("parameters/list@*/ip", "parameters/list/ip"));
    assert_false(clp_key_match("parameters/list@*/ip", "parameters/list@0/ipx"));

    size_t n;
    const clp_type_info_t *t = clp_conf_types(&n);
    assert_true(n > 50);
    assert_non_null(t);
    assert_true(clp_conf_type_info(CLP_OBJ_RESOURCE, "exec")->supported);
    assert_false(clp_conf_type_info(CLP_OBJ_RESOURCE, "md")->supported);
    assert_null(clp_conf_type_info(CLP_OBJ_MONITOR, "exec"));
    const char *sup_rsc[] = {"fip", "vip", "disk", "exec", "volmgr", "nas", "ddns"};
    for (size_t i = 0; i < 7; i++) {
        assert_true(clp_conf_type_info(CLP_OBJ_RESOURCE, sup_rsc[i])->supported);
    }
    const char *sup_mon[] = {"userw", "pidw",    "genw",  "ipw",  "fipw",   "vipw",  "miiw",
                             "diskw", "mtw",     "volmgrw", "ddnsw", "psw", "httpw", "psqlw",
                             "mysqlw", "sambaw", "nfsw",  "mrw",  "oraclew"};
    for (size_t i = 0; i < sizeof(sup_mon) / sizeof(sup_mon[0]); i++) {
        assert_true(clp_conf_type_info(CLP_OBJ_MONITOR, sup_mon[i])->supported);
    }
    assert_false(clp_conf_type_info(CLP_OBJ_HB, "bmchb")->supported);
    assert_false(clp_conf_type_info(CLP_OBJ_HB, "witnesshb")->supported);
    assert_true(clp_conf_type_info(CLP_OBJ_HB, "lankhb")->flags & CLP_TYPE_LAN);
}

/* Every key the loader knows appears in docs/config-reference.md. */
static void test_docs_cover_keys(void **state)
{
    size_t len;
    char *doc = slurp(CLP_SOURCE_DIR "/docs/config-reference.md", &len);
    struct {
        const clp_field_t *f;
        size_t n;
    } tables[] = {
        {clp_cluster_fields, clp_n_cluster_fields},   {clp_webmgr_fields, clp_n_webmgr_fields},
        {clp_server_fields, clp_n_server_fields},     {clp_group_fields, clp_n_group_fields},
        {clp_resource_fields, clp_n_resource_fields}, {clp_monitor_fields, clp_n_monitor_fields},
    };
    for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
        for (size_t i = 0; i < tables[t].n; i++) {
            char quoted[256];
            snprintf(quoted, sizeof(quoted), "`%s`", tables[t].f[i].key);
            if (!strstr(doc, quoted)) {
                fprintf(stderr, "not documented: %s\n", quoted);
            }
            assert_non_null(strstr(doc, quoted));
        }
    }
    size_t n;
    const clp_type_info_t *types = clp_conf_types(&n);
    for (size_t i = 0; i < n; i++) {
        char quoted[256];
        snprintf(quoted, sizeof(quoted), "`%s`", types[i].name);
        if (!strstr(doc, quoted)) {
            fprintf(stderr, "type not documented: %s\n", quoted);
        }
        assert_non_null(strstr(doc, quoted));
        for (size_t k = 0; k < types[i].n_params; k++) {
            snprintf(quoted, sizeof(quoted), "`%s`", types[i].params[k].key);
            if (!strstr(doc, quoted)) {
                fprintf(stderr, "%s key not documented: %s\n", types[i].name, quoted);
            }
            assert_non_null(strstr(doc, quoted));
        }
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_reference_example),
        cmocka_unit_test(test_sample_hauc),
        cmocka_unit_test(test_sample_kubernetes),
        cmocka_unit_test(test_sample_basic),
        cmocka_unit_test(test_sample_clpcfdiff),
        cmocka_unit_test(test_good_files),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_unsupported_once),
        cmocka_unit_test(test_lookups_and_params),
        cmocka_unit_test(test_product_paths),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_large_generated),
        cmocka_unit_test(test_truncated_samples),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_diag_output),
        cmocka_unit_test(test_value_checks),
        cmocka_unit_test(test_docs_cover_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

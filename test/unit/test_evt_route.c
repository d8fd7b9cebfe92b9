/* Unit tests for evt_route (destinations, syslog line, mail body) and
 * evt_notify's configuration reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clp_config.h"
#include "clp_msgcat.h"
#include "evt_notify.h"
#include "evt_route.h"

#define A CLP_DEST_ALERT
#define S CLP_DEST_SYSLOG
#define M CLP_DEST_MAIL
#define T CLP_DEST_TRAP

static clp_conf_t *load(const char *cluster_extra, const char *top_extra)
{
    char xml[4096];
    snprintf(xml, sizeof(xml),
             "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n<root>\n"
             "<all><charset>ASCII</charset><serveros>linux</serveros></all>\n"
             "<cluster><name>c1</name>%s</cluster>\n"
             "<server name=\"s1\"><priority>0</priority>"
             "<device id=\"0\"><type>lan</type><info>10.0.0.1</info></device></server>\n"
             "<heartbeat><types name=\"lanhb\"/><lanhb name=\"lanhb1\"><priority>0</priority>"
             "<device>0</device></lanhb></heartbeat>\n%s</root>\n",
             cluster_extra, top_extra);
    clp_diag_t diag = {0};
    clp_conf_t *c = clp_conf_load_mem(xml, strlen(xml), "test.conf", &diag);
    if (!c) {
        clp_diag_print(stderr, &diag);
    }
    clp_diag_free(&diag);
    assert_non_null(c);
    return c;
}

static void test_defaults_without_alert_service(void **state)
{
    clp_conf_t *c = load("", "");
    /* pm 11 defaults to all four, but mail and trap need the alert service */
    assert_int_equal(evt_route_dest(c, "pm", 11, 0), A | S);
    assert_int_equal(evt_route_dest(c, "rc", 30, 0), S);        /* syslog only */
    assert_int_equal(evt_route_dest(c, "rc", 350, 0), 0);       /* nowhere */
    assert_int_equal(evt_route_dest(c, "logcmd", 1, 0), A | S); /* not catalogued */
    assert_int_equal(evt_route_dest(c, "logcmd", 1, A | M), A); /* asked, service off */
    assert_int_equal(evt_route_dest(NULL, "nm", 2, 0), A | S);
    clp_conf_free(&c);
}

static void test_alert_service_and_overrides(void **state)
{
    clp_conf_t *c = load("<messages><use>1</use></messages>",
                         "<messages><types name=\"rc\"/><types name=\"pm\"/>"
                         "<rc id=\"61\"><mail>1</mail><syslog>0</syslog></rc>"
                         "<pm id=\"11\"><trap>0</trap><alert/></pm>"
                         "<logcmd id=\"1\"><mail>1</mail></logcmd></messages>");
    assert_int_equal(evt_route_dest(c, "pm", 13, 0), A | S | M | T);
    assert_int_equal(evt_route_dest(c, "rc", 61, 0), A | M);
    assert_int_equal(evt_route_dest(c, "pm", 11, 0), A | S | M);
    assert_int_equal(evt_route_dest(c, "rc", 60, 0), A | S);
    /* a user message keeps what it asked for; overrides are for catalogue rows */
    assert_int_equal(evt_route_dest(c, "logcmd", 1, T), T);
    assert_int_equal(evt_route_dest(c, "logcmd", 1, 0), A | S);
    clp_conf_free(&c);
}

static void test_syslog_line_and_mail_body(void **state)
{
    clp_alert_rec_t r = {0};
    char out[512];
    snprintf(r.origin, sizeof(r.origin), "server1");
    snprintf(r.module, sizeof(r.module), "rc");
    r.event_id = 61;
    r.level = CLP_LVL_INFO;
    r.wall_ms = 1700000000123ULL;
    snprintf(r.text, sizeof(r.text), "Failover group failover1 has completed.");
    evt_syslog_line(&r, 0, out, sizeof(out));
    assert_string_equal(out, "<type: rc><event: 61> Failover group failover1 has completed.");
    evt_syslog_line(&r, 1, out, sizeof(out));
    assert_string_equal(out, "[I] <type: rc><event: 61> Failover group failover1 has completed.");
    r.level = CLP_LVL_ERROR;
    evt_syslog_line(&r, 1, out, sizeof(out));
    assert_memory_equal(out, "[E] <type: rc>", 14);
    evt_mail_body(&r, "cluster1", out, sizeof(out));
    assert_memory_equal(out, "Message: Failover group failover1 has completed.\nType: rc\nID: 61\n",
                        strlen("Message: Failover group failover1 has completed.\nType: rc\n"
                               "ID: 61\n"));
    assert_non_null(strstr(out, "\nServer: server1\n"));
    assert_non_null(strstr(out, "\nCluster: cluster1\n"));
    assert_non_null(strstr(out, "\nLevel: ERROR\n"));
    assert_non_null(strstr(out, ".123\n"));
}

static void test_notify_conf(void **state)
{
    clp_conf_t *c =
        load("<mail><address>a@x; b@y</address><smtp><timeout>7</timeout>"
             "<smtpsrv id=\"0\"><priority>2</priority><srvname>mx2</srvname></smtpsrv>"
             "<smtpsrv id=\"1\"><priority>1</priority><srvname>mx1</srvname><port>587</port>"
             "<senderaddress>clp@x</senderaddress><auth>1</auth><authmethod>LOGIN</authmethod>"
             "<username>u</username><passwd>p</passwd></smtpsrv></smtp></mail>"
             "<trap><snmpsrv id=\"0\"><srvname>nms</srvname><snmpver>v1</snmpver>"
             "<snmpcom>secret</snmpcom></snmpsrv><snmpsrv id=\"1\"><srvname>nms2</srvname>"
             "<port>1162</port></snmpsrv></trap>",
             "");
    evt_notify_conf_t nc;
    evt_notify_conf_load(c, &nc);
    assert_string_equal(nc.address, "a@x; b@y");
    assert_string_equal(nc.subject, "CLUSTERPRO");
    assert_int_equal(nc.smtp_timeout_s, 7);
    assert_int_equal(nc.n_smtp, 2);
    assert_string_equal(nc.smtp[0].host, "mx1"); /* by priority */
    assert_int_equal(nc.smtp[0].port, 587);
    assert_string_equal(nc.smtp[0].from, "clp@x");
    assert_string_equal(nc.smtp[0].authmethod, "LOGIN");
    assert_string_equal(nc.smtp[0].password, "p");
    assert_string_equal(nc.smtp[1].host, "mx2");
    assert_int_equal(nc.smtp[1].port, 25);
    assert_int_equal(nc.n_traps, 2);
    assert_string_equal(nc.traps[0].host, "nms");
    assert_int_equal(nc.traps[0].version, 1);
    assert_int_equal(nc.traps[0].port, 162);
    assert_string_equal(nc.traps[0].community, "secret");
    assert_int_equal(nc.traps[1].version, 2);
    assert_int_equal(nc.traps[1].port, 1162);
    assert_string_equal(nc.traps[1].community, "public");
    clp_conf_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_without_alert_service),
        cmocka_unit_test(test_alert_service_and_overrides),
        cmocka_unit_test(test_syslog_line_and_mail_body),
        cmocka_unit_test(test_notify_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for mrw: its check follows the standing notice, and which
 * notices a configured monitor takes (per-server values included). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon.h"

static const char conf_fmt[] =
    "<?xml version=\"1.0\" encoding=\"ASCII\"?>\n<root>\n"
    "<all><charset>ASCII</charset><serveros>linux</serveros></all>\n"
    "<cluster><name>c1</name></cluster>\n"
    "<server name=\"srv1\"><priority>0</priority>"
    "<device id=\"0\"><type>lan</type><info>10.31.0.1</info></device></server>\n"
    "<server name=\"srv2\"><priority>1</priority>"
    "<device id=\"0\"><type>lan</type><info>10.31.0.2</info></device></server>\n"
    "<heartbeat><types name=\"lanhb\"/><lanhb name=\"lanhb1\"><priority>0</priority>"
    "<device>0</device></lanhb></heartbeat>\n"
    "<monitor><types name=\"mrw\"/>"
    "<mrw name=\"any\"><parameters><category>app</category></parameters></mrw>"
    "<mrw name=\"disk\"><parameters><category>app</category><keyword>disk</keyword>"
    "</parameters><server name=\"srv2\"><parameters><keyword>disk2</keyword></parameters>"
    "</server></mrw>"
    "<mrw name=\"long\"><parameters><category>long</category><keyword>%s</keyword>"
    "</parameters></mrw>"
    "</monitor>\n</root>\n";

static void test_check(void **state)
{
    (void)state;
    char detail[256] = "";
    mon_ctx_t ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.detail = detail;
    ctx.detail_len = sizeof(detail);
    assert_non_null(mon_type("mrw"));
    assert_true(mon_type("mrw")->inproc);
    assert_int_equal(mon_mrw.check(&ctx), MON_CHECK_OK);
    ctx.notice = "";
    assert_int_equal(mon_mrw.check(&ctx), MON_CHECK_OK);
    ctx.notice = "external error: category app, keyword disk (from 10.32.0.200)";
    assert_int_equal(mon_mrw.check(&ctx), MON_CHECK_ERROR);
    assert_string_equal(detail, ctx.notice);
}

static void test_accepts(void **state)
{
    (void)state;
    char *k = malloc(601);
    memset(k, 'k', 600);
    k[600] = '\0';
    size_t len = sizeof(conf_fmt) + 700;
    char *xml = malloc(len);
    snprintf(xml, len, conf_fmt, k);
    clp_diag_t d = {0};
    clp_conf_t *c = clp_conf_load_mem(xml, strlen(xml), "mem.conf", &d);
    if (!c) {
        clp_diag_print(stderr, &d);
    }
    clp_diag_free(&d);
    assert_non_null(c);
    const clp_monitor_t *any = clp_conf_monitor(c, "any"), *disk = clp_conf_monitor(c, "disk"),
                        *lng = clp_conf_monitor(c, "long");
    assert_true(mrw_accepts(any, "srv1", "app", NULL));
    assert_true(mrw_accepts(any, "srv1", "app", "whatever"));
    assert_false(mrw_accepts(any, "srv1", "APP", NULL));
    assert_true(mrw_accepts(disk, "srv1", "app", "disk"));
    assert_false(mrw_accepts(disk, "srv1", "app", "disk2"));
    assert_false(mrw_accepts(disk, "srv1", "app", ""));
    /* srv2 has its own keyword */
    assert_true(mrw_accepts(disk, "srv2", "app", "disk2"));
    assert_false(mrw_accepts(disk, "srv2", "app", "disk"));
    /* a 600-byte keyword from clp.conf is compared whole */
    assert_true(mrw_accepts(lng, "srv1", "long", k));
    k[599] = 'x';
    assert_false(mrw_accepts(lng, "srv1", "long", k));
    k[599] = 'k';
    k[255] = '\0';
    assert_false(mrw_accepts(lng, "srv1", "long", k));
    clp_conf_free(&c);
    free(xml);
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

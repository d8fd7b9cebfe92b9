/* Unit tests for ddnsw's pure parts: reading dig's +short answer and the
 * nsupdate script that registers the name again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/ddnsw.c"

static void test_answer(void **state)
{
    (void)state;
    assert_true(ddnsw_answer_has("10.32.0.100\n", "10.32.0.100"));
    assert_true(ddnsw_answer_has("alias.example.\n10.32.0.7\n10.32.0.100\n", "10.32.0.100"));
    assert_true(ddnsw_answer_has("10.32.0.100", "10.32.0.100"));
    assert_true(ddnsw_answer_has("10.32.0.100\r\n", "10.32.0.100"));
    assert_false(ddnsw_answer_has("10.32.0.1000\n", "10.32.0.100"));
    assert_false(ddnsw_answer_has("110.32.0.100\n", "10.32.0.100"));
    assert_false(ddnsw_answer_has("", "10.32.0.100"));
    assert_false(
        ddnsw_answer_has(";; connection timed out; no servers could be reached\n", "10.32.0.100"));
}

static void test_script(void **state)
{
    (void)state;
    char s[512];
    assert_int_equal(
        ddnsw_update_script(s, sizeof(s), "10.32.0.254", 53, "vhost.bed.test.", 0, "10.32.0.100"),
        0);
    assert_string_equal(s, "server 10.32.0.254 53\nupdate delete vhost.bed.test. A\n"
                           "update add vhost.bed.test. 0 A 10.32.0.100\nsend\n");
    assert_int_equal(
        ddnsw_update_script(s, sizeof(s), "fd00::53", 5353, "v6.bed.", 60, "fd00::100"), 0);
    assert_string_equal(s, "server fd00::53 5353\nupdate delete v6.bed. AAAA\n"
                           "update add v6.bed. 60 AAAA fd00::100\nsend\n");
    assert_int_equal(
        ddnsw_update_script(s, sizeof(s), "1.2.3.4", 53, "x\nupdate delete y", 0, "1.2.3.5"), -1);
    assert_int_equal(ddnsw_update_script(s, 20, "1.2.3.4", 53, "host", 0, "1.2.3.5"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

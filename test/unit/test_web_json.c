/* Unit tests for web_json: the writer's escaping (quotes, control characters,
 * invalid UTF-8) and commas, and the request-body parser on valid JSON and on
 * every kind of malformed input (never a crash, always a sentence). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web_json.h"

static char *drain(struct evbuffer *b)
{
    size_t n = evbuffer_get_length(b);
    char *s = malloc(n + 1);
    evbuffer_remove(b, s, n);
    s[n] = '\0';
    return s;
}

static void test_writer(void **state)
{
    struct evbuffer *b = evbuffer_new();
    wj_t w;
    wj_init(&w, b);
    wj_obj(&w, NULL);
    wj_str(&w, "a", "x\"y\\z\n\t\x01");
    wj_int(&w, "n", -5);
    wj_uint(&w, "u", 18446744073709551615ull);
    wj_bool(&w, "t", true);
    wj_null(&w, "z");
    wj_str(&w, "nul", NULL);
    wj_arr(&w, "l");
    wj_str(&w, NULL, "日本語");
    wj_str(&w, NULL, "bad\xff\xfe utf8");
    wj_obj(&w, NULL);
    wj_end(&w);
    wj_end(&w);
    wj_end(&w);
    char *s = drain(b);
    assert_string_equal(s,
                        "{\"a\":\"x\\\"y\\\\z\\n\\t\\u0001\",\"n\":-5,\"u\":18446744073709551615,"
                        "\"t\":true,\"z\":null,\"nul\":null,"
                        "\"l\":[\"日本語\",\"bad\\ufffd\\ufffd utf8\",{}]}");
    /* what the writer makes, the parser reads back */
    char err[128];
    wjv_t *v = wjv_parse(s, strlen(s), err, sizeof(err));
    assert_non_null(v);
    assert_string_equal(wjv_get_str(v, "a"), "x\"y\\z\n\t\x01");
    wjv_free(&v);
    assert_null(v);
    free(s);
    evbuffer_free(b);
}

static void test_parse_valid(void **state)
{
    char err[128];
    const char *in = " {\"target\":\"srv2\",\"ratio\":3,\"x\":[1,2.5e3,-0.5,true,false,null],"
                     "\"o\":{\"k\":\"\\u00e9\\ud83d\\ude00\\/\"}} ";
    wjv_t *v = wjv_parse(in, strlen(in), err, sizeof(err));
    assert_non_null(v);
    assert_int_equal(v->kind, WJV_OBJ);
    assert_string_equal(wjv_get_str(v, "target"), "srv2");
    const wjv_t *r = wjv_get(v, "ratio");
    assert_int_equal(r->kind, WJV_NUM);
    assert_true(r->num == 3);
    const wjv_t *x = wjv_get(v, "x");
    assert_int_equal(x->kind, WJV_ARR);
    assert_true(x->child->next->num == 2500);
    assert_string_equal(wjv_get_str(wjv_get(v, "o"), "k"), "\xc3\xa9\xf0\x9f\x98\x80/");
    assert_null(wjv_get_str(v, "ratio")); /* not a string */
    assert_null(wjv_get(v, "missing"));
    assert_null(wjv_get(x, "target")); /* not an object */
    wjv_free(&v);
}

static void test_parse_malformed(void **state)
{
    static const char *bad[] = {
        "",           "{",           "{\"a\"",      "{\"a\":}",
        "{\"a\":1,}", "[1,]",        "{a:1}",       "\"open",
        "tru",        "01",          "1.",          "1e",
        "-",          "{} {}",       "{\"a\":1}x",  "\"\\x\"",
        "\"\\u12\"",  "\"\\ud800\"", "\"\\udc00\"", "\"\\u0000\"",
        "\"a\nb\"",   "nul",         "{\"a\" 1}",   "[1 2]",
        "\xff",       "{\"a\":\"\\",
    };
    char err[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        wjv_t *v = wjv_parse(bad[i], strlen(bad[i]), err, sizeof(err));
        if (v) {
            fail_msg("accepted malformed input #%zu: %s", i, bad[i]);
        }
        assert_true(strncmp(err, "malformed JSON at byte", 22) == 0);
    }
    assert_null(wjv_parse(NULL, 0, err, sizeof(err)));
    /* not NUL-terminated: the length bounds the read */
    char buf[4] = {'[', '1', ']', 'x'};
    wjv_t *v = wjv_parse(buf, 3, err, sizeof(err));
    assert_non_null(v);
    wjv_free(&v);
}

static void test_parse_depth(void **state)
{
    char deep[200], err[128];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    assert_null(wjv_parse(deep, sizeof(deep), err, sizeof(err)));
    assert_non_null(strstr(err, "deeply"));
    memset(deep, '[', 20);
    memset(deep + 20, ']', 20);
    wjv_t *v = wjv_parse(deep, 40, err, sizeof(err));
    assert_non_null(v);
    wjv_free(&v);
}

static void test_parse_garbage(void **state)
{
    /* random bytes never crash the parser */
    unsigned seed = 12345;
    char buf[256], err[128];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand_r(&seed) % sizeof(buf));
        for (size_t i = 0; i < n; i++) {
            static const char alphabet[] = "{}[]\",:0123456789.eE+-truefalsnl\\u \t\n\x01\xff";
            buf[i] = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
        }
        wjv_t *v = wjv_parse(buf, n, err, sizeof(err));
        wjv_free(&v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer),          cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_malformed), cmocka_unit_test(test_parse_depth),
        cmocka_unit_test(test_parse_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

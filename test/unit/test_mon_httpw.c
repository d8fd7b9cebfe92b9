/* Unit tests for httpw's pure parts: the status line, Basic authentication's
 * base64 and the request text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/httpw.c"

static int status(const char *s)
{
    return httpw_status(s, strlen(s));
}

static void test_status(void **state)
{
    (void)state;
    assert_int_equal(status("HTTP/1.1 200 OK\r\n"), 200);
    assert_int_equal(status("HTTP/1.0 302 Found\r\nLocation: /\r\n"), 302);
    assert_int_equal(status("HTTP/1.1 404 Not Found\r\n"), 404);
    assert_int_equal(status("HTTP/1.1 503\r\n"), 503); /* no reason phrase */
    assert_int_equal(status("HTTP/2 200 \n"), 200);
    assert_int_equal(status("HTTP/1.1 200 OK"), -EAGAIN); /* line not complete */
    assert_int_equal(status(""), -EAGAIN);
    assert_int_equal(status("SSH-2.0-OpenSSH_9.2\r\n"), -EPROTO);
    assert_int_equal(status("HTTP/1.1 2x0 OK\r\n"), -EPROTO);
    assert_int_equal(status("HTTP/1.1 2000 OK\r\n"), -EPROTO);
    assert_int_equal(status("HTTP/1.1 099 Odd\r\n"), -EPROTO);
    assert_int_equal(status("HTTP/x.1 200 OK\r\n"), -EPROTO);
    char junk[300];
    memset(junk, 'a', sizeof(junk));
    assert_int_equal(httpw_status(junk, sizeof(junk)), -EPROTO); /* no line end in sight */
}

static void test_base64(void **state)
{
    (void)state;
    char out[64];
    httpw_base64((const unsigned char *)"clpmon:clp-secret", 17, out);
    assert_string_equal(out, "Y2xwbW9uOmNscC1zZWNyZXQ=");
    httpw_base64((const unsigned char *)"a", 1, out);
    assert_string_equal(out, "YQ==");
    httpw_base64((const unsigned char *)"ab", 2, out);
    assert_string_equal(out, "YWI=");
    httpw_base64((const unsigned char *)"abc", 3, out);
    assert_string_equal(out, "YWJj");
    httpw_base64((const unsigned char *)"", 0, out);
    assert_string_equal(out, "");
}

static void test_request(void **state)
{
    (void)state;
    char out[1024];
    int n = httpw_request(out, sizeof(out), false, "10.0.0.1", 80, "/", NULL, NULL);
    assert_true(n > 0);
    assert_string_equal(out, "HEAD / HTTP/1.1\r\nHost: 10.0.0.1:80\r\n"
                             "User-Agent: clusterpro-httpw\r\nAccept: */*\r\n"
                             "Connection: close\r\n\r\n");
    assert_int_equal(n, (int)strlen(out));
    n = httpw_request(out, sizeof(out), true, "fd00::1", 8080, "/x?y=1", "u", "p");
    assert_true(n > 0);
    assert_non_null(strstr(out, "GET /x?y=1 HTTP/1.1\r\n"));
    assert_non_null(strstr(out, "Host: [fd00::1]:8080\r\n"));
    assert_non_null(strstr(out, "Authorization: Basic dTpw\r\n"));
    assert_int_equal(httpw_request(out, 40, false, "host", 80, "/", NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

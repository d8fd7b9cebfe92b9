/* Unit tests for nfsw's pure parts: the RPC NULL call, the decoding of its
 * replies (accepted, version mismatch, denied, partial) and the export list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../services/core/monitors/nfsw.c"

/* A reply record: words after the record mark. */
static size_t reply(unsigned char *out, const uint32_t *w, size_t n)
{
    put32(out, 0x80000000u | (uint32_t)(n * 4));
    for (size_t i = 0; i < n; i++) {
        put32(out + 4 + 4 * i, w[i]);
    }
    return 4 + 4 * n;
}

static void test_call(void **state)
{
    (void)state;
    unsigned char c[64];
    size_t n = nfsw_null_call(c, 0x1234, NFS_PROGRAM, 3);
    assert_int_equal(n, 44);
    assert_int_equal(get32(c), 0x80000028u);
    assert_int_equal(get32(c + 4), 0x1234);  /* xid */
    assert_int_equal(get32(c + 8), 0);       /* CALL */
    assert_int_equal(get32(c + 12), 2);      /* RPC version */
    assert_int_equal(get32(c + 16), 100003); /* nfs */
    assert_int_equal(get32(c + 20), 3);      /* version */
    assert_int_equal(get32(c + 24), 0);      /* NULL procedure */
}

static void test_reply(void **state)
{
    (void)state;
    unsigned char r[128];
    char why[160];
    uint32_t ok[] = {7, 1, 0, 0, 0, 0};
    size_t n = reply(r, ok, 6);
    assert_int_equal(nfsw_null_reply(r, n, 7, why, sizeof(why)), 0);
    assert_int_equal(nfsw_null_reply(r, n - 1, 7, why, sizeof(why)), -EAGAIN);
    assert_int_equal(nfsw_null_reply(r, 3, 7, why, sizeof(why)), -EAGAIN);
    assert_int_equal(nfsw_null_reply(r, n, 8, why, sizeof(why)), -EPROTO); /* other xid */
    uint32_t mismatch[] = {7, 1, 0, 0, 0, 2, 3, 4};
    n = reply(r, mismatch, 8);
    assert_int_equal(nfsw_null_reply(r, n, 7, why, sizeof(why)), -EPROTO);
    assert_string_equal(why, "version not supported (the server has versions 3 to 4)");
    uint32_t unavail[] = {7, 1, 0, 0, 0, 1};
    n = reply(r, unavail, 6);
    assert_int_equal(nfsw_null_reply(r, n, 7, why, sizeof(why)), -EPROTO);
    assert_string_equal(why, "the call was not accepted (program unavailable)");
    uint32_t denied[] = {7, 1, 1, 1, 5};
    n = reply(r, denied, 5);
    assert_int_equal(nfsw_null_reply(r, n, 7, why, sizeof(why)), -EPROTO);
    assert_string_equal(why, "the call was denied (authentication)");
    uint32_t verf[] = {7, 1, 0, 1, 8, 0xaabbccdd, 0x11223344, 0}; /* an 8-byte verifier */
    n = reply(r, verf, 8);
    assert_int_equal(nfsw_null_reply(r, n, 7, why, sizeof(why)), 0);
}

static void test_exported(void **state)
{
    (void)state;
    const char *out = "/srv/nfs/export (everyone)\n/data      10.0.0.0/24,10.1.0.0/24\n";
    assert_true(nfsw_exported(out, "/srv/nfs/export"));
    assert_true(nfsw_exported(out, "/srv/nfs/export/"));
    assert_true(nfsw_exported(out, "/data"));
    assert_false(nfsw_exported(out, "/srv/nfs"));
    assert_false(nfsw_exported(out, "/dat"));
    assert_false(nfsw_exported("", "/data"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call),
        cmocka_unit_test(test_reply),
        cmocka_unit_test(test_exported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

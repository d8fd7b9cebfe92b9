/* Unit tests for clp_msg: stamping, pack/unpack, and rejection of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clp_msg.h"

static void test_roundtrip(void **state)
{
    clp_msg_ctx_t ctx;
    clp_msg_ctx_init(&ctx, "c1", "srv1", "test", 42);
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    env.status_request = &sr;
    clp_msg_stamp(&ctx, &env);
    assert_int_equal(env.seq, 1);
    clp_msg_stamp(&ctx, &env);
    assert_int_equal(env.seq, 2);

    uint8_t *buf;
    size_t len;
    assert_int_equal(clp_msg_pack(&env, &buf, &len), 0);
    char err[160];
    Clp__Envelope *out = clp_msg_unpack(&ctx, "test", buf, len, err, sizeof(err));
    assert_non_null(out);
    assert_string_equal(out->sender, "srv1");
    assert_string_equal(out->cluster, "c1");
    assert_int_equal(out->incarnation, 42);
    assert_int_equal(out->seq, 2);
    assert_int_equal(out->payload_case, CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST);
    clp_msg_free(out);
    free(buf);
}

static void test_rejects(void **state)
{
    clp_msg_ctx_t ctx;
    char err[160];
    clp_msg_ctx_init(&ctx, "c1", "srv1", "test", 1);

    /* garbage */
    const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
    assert_null(clp_msg_unpack(&ctx, "t", junk, sizeof(junk), err, sizeof(err)));
    assert_int_equal(ctx.n_rejected, 1);

    /* no payload */
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    clp_msg_stamp(&ctx, &env);
    uint8_t *buf;
    size_t len;
    assert_int_equal(clp_msg_pack(&env, &buf, &len), 0);
    assert_null(clp_msg_unpack(&ctx, "t", buf, len, err, sizeof(err)));
    assert_non_null(strstr(err, "payload"));
    free(buf);

    /* wrong version */
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    env.status_request = &sr;
    env.version = 99;
    assert_int_equal(clp_msg_pack(&env, &buf, &len), 0);
    assert_null(clp_msg_unpack(&ctx, "t", buf, len, err, sizeof(err)));
    assert_non_null(strstr(err, "version"));
    free(buf);

    /* another cluster */
    clp_msg_ctx_t other;
    clp_msg_ctx_init(&other, "c2", "x", "t", 1);
    clp_msg_stamp(&other, &env);
    assert_int_equal(clp_msg_pack(&env, &buf, &len), 0);
    assert_null(clp_msg_unpack(&ctx, "t", buf, len, err, sizeof(err)));
    assert_non_null(strstr(err, "cluster"));
    free(buf);
    assert_int_equal(ctx.n_rejected, 4);
}

static void test_random_garbage_never_crashes(void **state)
{
    clp_msg_ctx_t ctx;
    clp_msg_ctx_init(&ctx, "", "srv1", "test", 1);
    uint8_t buf[512];
    srand(7);
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(rand() % (int)sizeof(buf));
        for (size_t k = 0; k < len; k++) {
            buf[k] = (uint8_t)rand();
        }
        Clp__Envelope *env = clp_msg_unpack(&ctx, "fuzz", buf, len, NULL, 0);
        clp_msg_free(env);
    }
}

/* Field number 0 is invalid; protobuf-c takes it when the tag is encoded in
 * two bytes (80 00) and then packs it as bytes it refuses: such an envelope
 * is refused at once (found by test/fuzz/fuzz_msg). */
static void test_field_number_zero_refused(void **state)
{
    clp_msg_ctx_t ctx;
    char err[160];
    clp_msg_ctx_init(&ctx, "", "srv1", "test", 1);
    /* version 1, an empty alert_records payload, then tag 0 (80 00) varint 0 */
    static const uint8_t bad[] = {0x08, 0x01, 0xa2, 0x03, 0x00, 0x80, 0x00, 0x00};
    assert_null(clp_msg_unpack(&ctx, "t", bad, sizeof(bad), err, sizeof(err)));
    assert_non_null(strstr(err, "field number 0"));
    /* the same without the bad field is fine */
    Clp__Envelope *env = clp_msg_unpack(&ctx, "t", bad, 5, err, sizeof(err));
    assert_non_null(env);
    clp_msg_free(env);
}

static void test_incarnation_grows(void **state)
{
    char path[] = "/tmp/clp_inc_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    /* A previous value far in the future must still be exceeded. */
    FILE *f = fopen(path, "w");
    fprintf(f, "99999999999999999\n");
    fclose(f);
    uint64_t a = clp_incarnation_next(path);
    uint64_t b = clp_incarnation_next(path);
    assert_true(a == 100000000000000000ull);
    assert_true(b > a);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_random_garbage_never_crashes),
        cmocka_unit_test(test_field_number_zero_refused),
        cmocka_unit_test(test_incarnation_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for clp_dgram and clp_keys: MACs, forged and replayed datagrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clp_dgram.h"

static void make_keys(clp_keys_t *k, uint8_t fill)
{
    uint8_t secret[32];
    memset(secret, fill, sizeof(secret));
    clp_keys_derive(k, secret);
}

static int seal_status(clp_keys_t *k, clp_msg_ctx_t *ctx, uint8_t *out, size_t cap)
{
    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__StatusRequest sr = CLP__STATUS_REQUEST__INIT;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_STATUS_REQUEST;
    env.status_request = &sr;
    clp_msg_stamp(ctx, &env);
    return clp_dgram_seal(k, &env, out, cap);
}

static void test_seal_open(void **state)
{
    clp_keys_t k, bad;
    clp_msg_ctx_t ctx;
    uint8_t buf[1024];
    make_keys(&k, 1);
    make_keys(&bad, 2);
    clp_msg_ctx_init(&ctx, "c", "srv1", "t", 5);
    int n = seal_status(&k, &ctx, buf, sizeof(buf));
    assert_true(n > 0);
    Clp__Envelope *env = clp_dgram_open(&k, &ctx, "t", buf, (size_t)n);
    assert_non_null(env);
    assert_string_equal(env->sender, "srv1");
    clp_msg_free(env);
    /* wrong key: rejected and counted */
    uint64_t before = ctx.n_rejected;
    assert_null(clp_dgram_open(&bad, &ctx, "t", buf, (size_t)n));
    assert_int_equal(ctx.n_rejected, before + 1);
    /* a flipped bit anywhere: rejected */
    for (int i = 0; i < n; i++) {
        buf[i] ^= 0x10;
        Clp__Envelope *e = clp_dgram_open(&k, &ctx, "t", buf, (size_t)n);
        assert_null(e);
        buf[i] ^= 0x10;
    }
}

static void test_derived_keys_differ(void **state)
{
    clp_keys_t k;
    make_keys(&k, 9);
    assert_memory_not_equal(k.mac_key, k.server_sec, 32);
    assert_memory_not_equal(k.server_pub, k.client_pub, 32);
    clp_keys_t k2;
    make_keys(&k2, 9);
    assert_memory_equal(k.server_pub, k2.server_pub, 32);
}

static void test_replay(void **state)
{
    clp_replay_t r = {0};
    assert_true(clp_replay_accept(&r, "srv1", 10, 1));
    assert_true(clp_replay_accept(&r, "srv1", 10, 2));
    assert_false(clp_replay_accept(&r, "srv1", 10, 2)); /* same again */
    assert_false(clp_replay_accept(&r, "srv1", 10, 1)); /* older */
    assert_true(clp_replay_accept(&r, "srv2", 3, 1));    /* other sender */
    assert_true(clp_replay_accept(&r, "srv1", 11, 1));   /* restart */
    assert_false(clp_replay_accept(&r, "srv1", 10, 99)); /* old incarnation */
    assert_int_equal(r.n_replayed, 3);
    clp_replay_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_derived_keys_differ),
        cmocka_unit_test(test_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

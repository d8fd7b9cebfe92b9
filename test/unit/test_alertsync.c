/* Unit tests for alertsync's pure parts: as_sync (pull decisions) and as_log
 * (following the alert log through appends, a torn line and compaction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "as_log.h"
#include "as_sync.h"
#include "clp_alertlog.h"

static void test_pull_from_origin_first(void **state)
{
    as_sync_t *s = as_sync_new("srv1");
    as_pull_t p[4];
    as_sync_local(s, "srv2", 10);
    as_sync_peer(s, "srv3", "srv2", 1, 50, 1000);
    as_sync_peer(s, "srv2", "srv2", 1, 40, 1000);
    size_t n = as_sync_pulls(s, 1000, p, 4);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].origin, "srv2");
    assert_string_equal(p[0].peer, "srv2"); /* the origin itself */
    assert_int_equal(p[0].from, 11);
    /* one pull in flight per origin until the timeout */
    assert_int_equal(as_sync_pulls(s, 1500, p, 4), 0);
    assert_int_equal(as_sync_pulls(s, 1000 + AS_PULL_TIMEOUT_MS, p, 4), 1);
    as_sync_destroy(&s);
}

static void test_never_pulls_own_records(void **state)
{
    as_sync_t *s = as_sync_new("srv1");
    as_pull_t p[4];
    as_sync_local(s, "srv1", 5);
    as_sync_peer(s, "srv2", "srv1", 1, 9, 0); /* a peer claims more of ours */
    assert_int_equal(as_sync_pulls(s, 0, p, 4), 0);
    assert_false(as_sync_records(s, "srv1", 6, 3, false, 1));
    as_sync_destroy(&s);
}

static void test_records_must_continue(void **state)
{
    as_sync_t *s = as_sync_new("srv1");
    as_pull_t p[4];
    as_sync_local(s, "srv2", 10);
    as_sync_peer(s, "srv2", "srv2", 1, 40, 0);
    assert_int_equal(as_sync_pulls(s, 0, p, 4), 1);
    assert_false(as_sync_records(s, "srv2", 12, 5, true, 1)); /* a gap */
    assert_false(as_sync_records(s, "srv2", 5, 5, true, 1));  /* old ones */
    assert_true(as_sync_records(s, "srv2", 11, 5, true, 1));
    /* one batch per origin at a time */
    assert_false(as_sync_records(s, "srv2", 11, 5, true, 1));
    assert_int_equal(as_sync_pulls(s, 0, p, 4), 0);
    as_sync_local(s, "srv2", 15);
    as_sync_evt_done(s, "srv2");
    assert_int_equal(as_sync_pulls(s, 0, p, 4), 1);
    assert_int_equal(p[0].from, 16);
    as_sync_destroy(&s);
}

static void test_gap_peers_and_retention(void **state)
{
    as_sync_t *s = as_sync_new("srv1");
    as_pull_t p[4];
    as_sync_local(s, "srv2", 10);
    /* srv3 holds only srv2's records from 30 on: pulling from it would leave a gap */
    as_sync_peer(s, "srv3", "srv2", 30, 60, 0);
    assert_int_equal(as_sync_pulls(s, 0, p, 4), 0);
    assert_int_equal(as_sync_behind(s, 0), 0);
    /* the origin itself may say that 11..29 are gone (retention) */
    as_sync_peer(s, "srv2", "srv2", 30, 60, 0);
    assert_int_equal(as_sync_pulls(s, 0, p, 4), 1);
    assert_false(as_sync_records(s, "srv2", 30, 5, false, 30)); /* not from the origin */
    assert_true(as_sync_records(s, "srv2", 30, 5, true, 30));
    as_sync_destroy(&s);
}

static void test_stale_peer_info(void **state)
{
    as_sync_t *s = as_sync_new("srv1");
    as_pull_t p[4];
    as_sync_peer(s, "srv2", "srv2", 1, 5, 0);
    assert_int_equal(as_sync_behind(s, 100), 1);
    assert_int_equal(as_sync_pulls(s, AS_PEER_INFO_TTL_MS + 1, p, 4), 0);
    assert_int_equal(as_sync_n_origins(s), 1);
    assert_string_equal(as_sync_origin(s, 0), "srv2");
    /* names that do not fit are ignored, not crashed on */
    char longname[200];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    as_sync_peer(s, "srv2", longname, 1, 5, 0);
    as_sync_local(s, longname, 3);
    assert_int_equal(as_sync_n_origins(s), 1);
    as_sync_destroy(&s);
}

static void append(const char *path, const char *origin, uint64_t seq, const char *text)
{
    clp_alert_rec_t r = {0};
    char line[CLP_ALERT_TEXT_MAX * 2 + 512];
    snprintf(r.origin, sizeof(r.origin), "%s", origin);
    r.seq = seq;
    snprintf(r.module, sizeof(r.module), "rc");
    r.level = 3;
    r.dest = 3;
    snprintf(r.text, sizeof(r.text), "%s", text);
    int n = clp_alertrec_format(&r, line, sizeof(line));
    FILE *f = fopen(path, "a");
    fwrite(line, 1, (size_t)n, f);
    fclose(f);
}

static void test_log_follow(void **state)
{
    char path[] = "/tmp/clp_aslog_XXXXXX";
    close(mkstemp(path));
    unlink(path);
    as_log_t *l = as_log_new(path);
    clp_alert_rec_t recs[8];
    assert_int_equal(as_log_refresh(l), 0); /* no file yet */
    append(path, "srv1", 1, "a");
    append(path, "srv2", 1, "b");
    append(path, "srv1", 2, "c");
    assert_int_equal(as_log_refresh(l), 3);
    assert_int_equal(as_log_last(l, "srv1"), 2);
    assert_int_equal(as_log_first(l, "srv1"), 1);
    assert_int_equal(as_log_n_origins(l), 2);
    /* a line being written is not read until it is complete */
    FILE *f = fopen(path, "a");
    fputs("srv2\t2\t0\trc\t1\t3\t3\t\t0\tpart", f);
    fclose(f);
    assert_int_equal(as_log_refresh(l), 0);
    f = fopen(path, "a");
    fputs("ial\n", f);
    fclose(f);
    assert_int_equal(as_log_refresh(l), 1);
    assert_int_equal(as_log_read(l, "srv2", 2, recs, 8, 100000), 1);
    assert_string_equal(recs[0].text, "partial");
    /* long records (> 512 bytes) are read back whole; the budget limits a batch */
    char big[3000];
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (uint64_t i = 3; i <= 6; i++) {
        append(path, "srv1", i, big);
    }
    as_log_refresh(l);
    long n = as_log_read(l, "srv1", 3, recs, 8, 7000);
    assert_int_equal(n, 2);
    assert_int_equal(strlen(recs[1].text), sizeof(big) - 1);
    assert_int_equal(recs[1].seq, 4);
    assert_int_equal(as_log_read(l, "srv1", 99, recs, 8, 7000), 0);
    assert_int_equal(as_log_read(l, "nobody", 1, recs, 8, 7000), 0);
    /* compaction replaces the file: the index is rebuilt */
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    unlink(tmp);
    append(tmp, "srv1", 6, "kept");
    rename(tmp, path);
    assert_int_equal(as_log_refresh(l), 1);
    assert_int_equal(as_log_rebuilds(l), 1);
    assert_int_equal(as_log_first(l, "srv1"), 6);
    assert_int_equal(as_log_last(l, "srv2"), 0);
    as_log_destroy(&l);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pull_from_origin_first),
        cmocka_unit_test(test_never_pulls_own_records),
        cmocka_unit_test(test_records_must_continue),
        cmocka_unit_test(test_gap_peers_and_retention),
        cmocka_unit_test(test_stale_peer_info),
        cmocka_unit_test(test_log_follow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

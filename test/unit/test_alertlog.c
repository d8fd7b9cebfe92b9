/* Unit tests for clp_alertlog and evt_store: escaping, torn lines, de-duplication,
 * retention, and messages longer than 512 bytes (a crash of the original). */
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

#include "clp_alertlog.h"
#include "evt_store.h"

static void test_format_parse_escapes(void **state)
{
    clp_alert_rec_t r = {0}, back;
    char line[CLP_ALERT_TEXT_MAX * 2 + 512];
    snprintf(r.origin, sizeof(r.origin), "srv1");
    r.seq = 7;
    r.wall_ms = 1234;
    snprintf(r.module, sizeof(r.module), "rc");
    r.event_id = 61;
    r.level = 3;
    r.dest = 3;
    snprintf(r.source, sizeof(r.source), "clusterpro:99");
    r.source_seq = 5;
    snprintf(r.text, sizeof(r.text), "tab\there\nnew line \\ back\rslash");
    int n = clp_alertrec_format(&r, line, sizeof(line));
    assert_true(n > 0);
    assert_int_equal(strchr(line, '\n') - line, n - 1); /* one line */
    assert_int_equal(clp_alertrec_parse(line, &back), 0);
    assert_string_equal(back.text, r.text);
    assert_string_equal(back.origin, "srv1");
    assert_int_equal(back.seq, 7);
    assert_int_equal(back.event_id, 61);
    assert_int_equal(back.source_seq, 5);
}

static void test_parse_rejects(void **state)
{
    clp_alert_rec_t r;
    assert_int_not_equal(clp_alertrec_parse("", &r), 0);
    assert_int_not_equal(clp_alertrec_parse("a\tb\tc", &r), 0);
    assert_int_not_equal(clp_alertrec_parse("s\tx\t1\trc\t1\t3\t1\tsrc\t1\ttext\n", &r), 0);
    assert_int_not_equal(clp_alertrec_parse("s\t0\t1\trc\t1\t3\t1\tsrc\t1\ttext\n", &r), 0);
    assert_int_equal(clp_alertrec_parse("s\t1\t1\trc\t1\t3\t1\tsrc\t1\ttext\n", &r), 0);
}

static char *tmpfile_path(void)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/clp_alert_XXXXXX");
    int fd = mkstemp(path);
    close(fd);
    return path;
}

static void test_store_dedup_and_torn(void **state)
{
    char *path = tmpfile_path();
    evt_store_t *st = evt_store_open(path, "srv1", 100);
    assert_non_null(st);
    clp_alert_rec_t r = {0};
    evt_store_result_t res;
    snprintf(r.module, sizeof(r.module), "rc");
    snprintf(r.source, sizeof(r.source), "p:1");
    for (int i = 1; i <= 5; i++) {
        r.source_seq = (uint64_t)i;
        snprintf(r.text, sizeof(r.text), "event %d", i);
        assert_int_equal(evt_store_append_local(st, &r, &res), 0);
        assert_int_equal(res, EVT_STORE_WRITTEN);
        assert_int_equal(r.seq, (uint64_t)i);
    }
    r.source_seq = 3; /* resent after a lost ack */
    assert_int_equal(evt_store_append_local(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_DUPLICATE);
    evt_store_close(&st);

    /* A torn write at the end is cut off; the state survives a reopen. */
    FILE *f = fopen(path, "a");
    fputs("srv1\t6\t0\trc\t1\t3", f);
    fclose(f);
    st = evt_store_open(path, "srv1", 100);
    assert_non_null(st);
    assert_int_equal(evt_store_count(st), 5);
    assert_int_equal(evt_store_last_seq(st, "srv1"), 5);
    assert_int_equal(evt_store_source_hwm(st, "p:1"), 5);
    r.source_seq = 5;
    assert_int_equal(evt_store_append_local(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_DUPLICATE);
    evt_store_close(&st);
    unlink(path);
}

static void test_store_long_message_and_retention(void **state)
{
    char *path = tmpfile_path();
    evt_store_t *st = evt_store_open(path, "srv1", 50);
    clp_alert_rec_t *r = calloc(1, sizeof(*r));
    evt_store_result_t res;
    snprintf(r->module, sizeof(r->module), "logcmd");
    snprintf(r->source, sizeof(r->source), "p:2");
    memset(r->text, 'x', 3000); /* far beyond the original's 512-byte limit */
    for (int i = 1; i <= 120; i++) {
        r->source_seq = (uint64_t)i;
        assert_int_equal(evt_store_append_local(st, r, &res), 0);
    }
    assert_true(evt_store_count(st) <= 55);
    assert_true(evt_store_count(st) >= 50);
    assert_int_equal(evt_store_last_seq(st, "srv1"), 120);
    evt_store_close(&st);
    long n = clp_alertlog_scan(path, NULL, NULL, NULL);
    assert_true(n >= 50 && n <= 55);
    free(r);
    unlink(path);
}

static void test_store_remote(void **state)
{
    char *path = tmpfile_path();
    evt_store_t *st = evt_store_open(path, "srv1", 100);
    clp_alert_rec_t r = {0};
    evt_store_result_t res;
    snprintf(r.origin, sizeof(r.origin), "srv2");
    snprintf(r.module, sizeof(r.module), "nm");
    r.seq = 1;
    assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_WRITTEN);
    assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_DUPLICATE);
    assert_int_equal(evt_store_last_seq(st, "srv2"), 1);
    evt_store_close(&st);
    unlink(path);
}

static clp_alert_rec_t remote_rec(const char *origin, uint64_t seq)
{
    clp_alert_rec_t r = {0};
    snprintf(r.origin, sizeof(r.origin), "%s", origin);
    snprintf(r.module, sizeof(r.module), "rc");
    r.seq = seq;
    r.level = 3;
    r.dest = 3;
    snprintf(r.text, sizeof(r.text), "%s record %llu", origin, (unsigned long long)seq);
    return r;
}

/* Records of other servers are appended strictly in order per origin: a gap is
 * refused (nothing after it is written), duplicates are skipped. */
static void test_store_remote_contiguity(void **state)
{
    char *path = tmpfile_path();
    evt_store_t *st = evt_store_open(path, "srv1", 1000);
    evt_store_result_t res;
    clp_alert_rec_t r = remote_rec("srv2", 2);
    assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_GAP);
    assert_int_equal(evt_store_last_seq(st, "srv2"), 0);
    assert_int_equal(evt_store_count(st), 0);

    clp_alert_rec_t batch[7] = {remote_rec("srv2", 1), remote_rec("srv3", 1), remote_rec("srv2", 2),
                                remote_rec("srv2", 2), remote_rec("srv3", 3), remote_rec("srv2", 3),
                                remote_rec("srv3", 4)};
    size_t gaps = 0;
    long w = evt_store_append_remote_batch(st, batch, 7, &gaps);
    assert_int_equal(w, 4);    /* srv2 1,2,3 and srv3 1 */
    assert_int_equal(gaps, 2); /* srv3 3 and 4 wait for srv3 2 */
    assert_int_equal(evt_store_last_seq(st, "srv2"), 3);
    assert_int_equal(evt_store_last_seq(st, "srv3"), 1);
    assert_int_equal(evt_store_gaps(st), 3); /* with the first one */
    evt_store_close(&st);

    /* the file holds each record once, in order per origin */
    assert_int_equal(clp_alertlog_scan(path, NULL, NULL, NULL), 4);
    st = evt_store_open(path, "srv1", 1000);
    assert_int_equal(evt_store_last_seq(st, "srv2"), 3);
    /* this server's own numbering is independent */
    clp_alert_rec_t own = {0};
    snprintf(own.module, sizeof(own.module), "pm");
    snprintf(own.source, sizeof(own.source), "x:1");
    own.source_seq = 1;
    assert_int_equal(evt_store_append_local(st, &own, &res), 0);
    assert_string_equal(own.origin, "srv1");
    assert_int_equal(own.seq, 1);
    evt_store_close(&st);
    unlink(path);
}

static void count_origin(void *arg, const char *origin, uint64_t last)
{
    (*(int *)arg)++;
}

/* An origin whose records fell out of retention everywhere: skip_to moves its
 * mark, which survives a restart even though no record of it is in the file. */
static void test_store_skip_and_marks(void **state)
{
    char *path = tmpfile_path();
    char hwm[128];
    snprintf(hwm, sizeof(hwm), "%s.hwm", path);
    evt_store_t *st = evt_store_open(path, "srv1", 1000);
    assert_int_equal(evt_store_skip_to(st, "gone", 41), 0);
    evt_store_result_t res;
    clp_alert_rec_t r = remote_rec("gone", 42);
    assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_WRITTEN);
    evt_store_close(&st);
    truncate(path, 0);
    st = evt_store_open(path, "srv1", 1000);
    assert_int_equal(evt_store_last_seq(st, "gone"), 41);
    r = remote_rec("gone", 3);
    assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    assert_int_equal(res, EVT_STORE_DUPLICATE);
    int n = 0;
    evt_store_origins(st, count_origin, &n);
    assert_int_equal(n, 1);
    evt_store_close(&st);
    unlink(path);
    unlink(hwm);
}

/* Events routed without the alert log are de-duplicated in memory. */
static void test_store_seen(void **state)
{
    char *path = tmpfile_path();
    evt_store_t *st = evt_store_open(path, "srv1", 1000);
    assert_false(evt_store_seen(st, "tool:1:2", 1));
    evt_store_note_source(st, "tool:1:2", 1);
    assert_true(evt_store_seen(st, "tool:1:2", 1));
    assert_false(evt_store_seen(st, "tool:1:2", 2));
    assert_false(evt_store_seen(st, "", 1));
    evt_store_close(&st);
    unlink(path);
}

/* Retention keeps the newest records and the marks of every origin. */
static void test_store_retention_marks(void **state)
{
    char *path = tmpfile_path();
    char hwm[128];
    snprintf(hwm, sizeof(hwm), "%s.hwm", path);
    evt_store_t *st = evt_store_open(path, "srv1", 20);
    for (uint64_t i = 1; i <= 5; i++) {
        clp_alert_rec_t r = remote_rec("old", i);
        evt_store_result_t res;
        assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    }
    for (uint64_t i = 1; i <= 40; i++) {
        clp_alert_rec_t r = remote_rec("srv2", i);
        evt_store_result_t res;
        assert_int_equal(evt_store_append_remote(st, &r, &res), 0);
    }
    assert_true(evt_store_compactions(st) >= 1);
    evt_store_close(&st);
    st = evt_store_open(path, "srv1", 20);
    assert_int_equal(evt_store_last_seq(st, "old"), 5); /* from the marks file */
    assert_int_equal(evt_store_last_seq(st, "srv2"), 40);
    evt_store_close(&st);
    unlink(path);
    unlink(hwm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse_escapes),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_store_dedup_and_torn),
        cmocka_unit_test(test_store_long_message_and_retention),
        cmocka_unit_test(test_store_remote),
        cmocka_unit_test(test_store_remote_contiguity),
        cmocka_unit_test(test_store_skip_and_marks),
        cmocka_unit_test(test_store_seen),
        cmocka_unit_test(test_store_retention_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

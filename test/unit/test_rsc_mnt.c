/* Unit tests for rsc_mnt's pure parts: mountinfo lines (escapes, optional
 * fields, malformed lines), finding entries in a mount table file, and the
 * fsck policy (never / always / every N-th mount). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "resources/rsc_mnt.h"

static void parses_plain_line(void **state)
{
    (void)state;
    rsc_mnt_entry_t e;
    assert_int_equal(rsc_mnt_parse("36 35 7:1 / /mnt/clpdisk rw,noatime shared:1 - ext4 "
                                   "/dev/loop1 rw\n",
                                   &e),
                     0);
    assert_int_equal(e.major, 7);
    assert_int_equal(e.minor, 1);
    assert_string_equal(e.point, "/mnt/clpdisk");
    assert_string_equal(e.fstype, "ext4");
    assert_string_equal(e.source, "/dev/loop1");
}

static void parses_escapes_and_optional_fields(void **state)
{
    (void)state;
    rsc_mnt_entry_t e;
    assert_int_equal(rsc_mnt_parse("100 20 0:52 /export /mnt/my\\040nas\\134x rw shared:3 "
                                   "master:7 propagate_from:2 - nfs4 gw:/export rw,vers=4.2",
                                   &e),
                     0);
    assert_int_equal(e.major, 0);
    assert_int_equal(e.minor, 52);
    assert_string_equal(e.point, "/mnt/my nas\\x");
    assert_string_equal(e.fstype, "nfs4");
    assert_string_equal(e.source, "gw:/export");
    /* No optional field at all. */
    assert_int_equal(rsc_mnt_parse("1 0 8:2 / / rw - xfs /dev/sda2 rw", &e), 0);
    assert_string_equal(e.point, "/");
    assert_string_equal(e.fstype, "xfs");
}

static void refuses_malformed_lines(void **state)
{
    (void)state;
    rsc_mnt_entry_t e;
    assert_int_equal(rsc_mnt_parse("", &e), -EINVAL);
    assert_int_equal(rsc_mnt_parse("36 35 7:1 / /mnt rw shared:1 ext4 /dev/loop1 rw", &e),
                     -EINVAL); /* no separator */
    assert_int_equal(rsc_mnt_parse("36 35 x:y / /mnt rw - ext4 /dev/loop1 rw", &e), -EINVAL);
    assert_int_equal(rsc_mnt_parse("36 35 7:1 / /mnt rw -", &e), -EINVAL);
    assert_int_equal(rsc_mnt_parse("36 35 7:1 / /mnt rw - ext4", &e), -EINVAL);
}

static bool dev_7_1(const rsc_mnt_entry_t *e, void *arg)
{
    (void)arg;
    return e->major == 7 && e->minor == 1;
}

static bool at(const rsc_mnt_entry_t *e, void *arg)
{
    return strcmp(e->point, (const char *)arg) == 0;
}

static void finds_last_matching_entry(void **state)
{
    (void)state;
    char path[] = "/tmp/test_rsc_mnt.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *table = "1 0 8:2 / / rw - ext4 /dev/sda2 rw\n"
                        "garbage line\n"
                        "36 1 7:1 / /mnt/a rw - ext4 /dev/loop1 rw\n"
                        "37 1 7:1 / /mnt/b rw - ext4 /dev/loop1 rw\n";
    assert_int_equal(write(fd, table, strlen(table)), (ssize_t)strlen(table));
    close(fd);
    rsc_mnt_entry_t e;
    assert_int_equal(rsc_mnt_find(path, dev_7_1, NULL, &e), 1);
    assert_string_equal(e.point, "/mnt/b");
    assert_int_equal(rsc_mnt_find(path, at, "/mnt/a", &e), 1);
    assert_int_equal(rsc_mnt_find(path, at, "/mnt/c", NULL), 0);
    unlink(path);
    assert_int_equal(rsc_mnt_find(path, at, "/", NULL), -ENOENT);
}

static void fsck_policy(void **state)
{
    (void)state;
    int next;
    /* timing 0: never, the count still advances. */
    assert_false(rsc_mnt_fsck_due(0, 10, 0, &next));
    assert_int_equal(next, 1);
    /* timing 1: always. */
    assert_true(rsc_mnt_fsck_due(1, 10, 5, &next));
    assert_int_equal(next, 0);
    /* timing 2, interval 10: the 10th mount since the last check. */
    int count = 0, checks = 0;
    for (int mount = 1; mount <= 30; mount++) {
        bool due = rsc_mnt_fsck_due(2, 10, count, &next);
        if (due) {
            checks++;
            assert_int_equal(mount % 10, 0);
        }
        count = next;
    }
    assert_int_equal(checks, 3);
    /* interval 1: every mount; interval 0: never. */
    assert_true(rsc_mnt_fsck_due(2, 1, 0, &next));
    assert_false(rsc_mnt_fsck_due(2, 0, 99, &next));
    /* interval 2 from a fresh state: the second mount. */
    assert_false(rsc_mnt_fsck_due(2, 2, 0, &next));
    assert_int_equal(next, 1);
    assert_true(rsc_mnt_fsck_due(2, 2, next, &next));
    /* A corrupt (negative) count counts as zero. */
    assert_false(rsc_mnt_fsck_due(2, 3, -7, &next));
    assert_int_equal(next, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_plain_line),
        cmocka_unit_test(parses_escapes_and_optional_fields),
        cmocka_unit_test(refuses_malformed_lines),
        cmocka_unit_test(finds_last_matching_entry),
        cmocka_unit_test(fsck_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

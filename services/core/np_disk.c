/*
 * np_disk: disk-lock network-partition resolution (Fischer's mutual exclusion
 * with a refreshing holder) on a block of the shared disk at 256 KiB.
 *
 * A contender reads the lock block twice, delta apart: if it changed, a
 * winner is holding it and this side loses. Otherwise it writes its own claim,
 * waits delta, reads again, and survives only if its claim is still there
 * (when two claim at once, the later write wins and the other sees it). The
 * winner keeps rewriting the block with a growing counter for a while, so a
 * side that starts resolving later always sees the change and loses. Every
 * read and write is O_DIRECT; an I/O error means this side cannot claim and
 * loses. delta defaults to twice the heartbeat interval (at least 100 ms);
 * parameters/interval (s) or parameters/intervalms overrides it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clp_time.h"
#include "np.h"

#define LOCK_OFFSET (256 * 1024)
#define BLOCK 4096
#define MAGIC 0x4e504c4bu /* "NPLK" */

typedef struct {
    uint32_t magic;
    uint32_t pad;
    uint64_t counter;
    char holder[64];
    char cluster[64];
} lock_t;

static int delta_ms(const clp_conf_t *conf, const clp_np_t *np)
{
    long ms = clp_params_int(&np->params, "parameters/intervalms", -1);
    if (ms <= 0 && clp_params_get(&np->params, "parameters/interval")) {
        ms = clp_params_int(&np->params, "parameters/interval", 3) * 1000;
    }
    if (ms <= 0) {
        ms = 2L * conf->cluster.hb_interval_ms;
    }
    return ms < 100 ? 100 : (int)ms;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int open_dev(const np_input_t *in, const clp_np_t *np)
{
    const clp_device_t *d = clp_conf_device(&in->conf->servers[in->self], np->device);
    if (!d || !d->info) {
        return -ENODEV;
    }
    int fd = open(d->info, O_RDWR | O_DIRECT | O_SYNC | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static int rd(int fd, void *buf)
{
    return pread(fd, buf, BLOCK, LOCK_OFFSET) == BLOCK ? 0 : -EIO;
}

static int wr(int fd, void *buf, const np_input_t *in, uint64_t counter)
{
    lock_t l = {.magic = MAGIC, .counter = counter};
    snprintf(l.holder, sizeof(l.holder), "%s", in->conf->servers[in->self].name);
    snprintf(l.cluster, sizeof(l.cluster), "%s", in->conf->cluster.name);
    memset(buf, 0, BLOCK);
    memcpy(buf, &l, sizeof(l));
    return pwrite(fd, buf, BLOCK, LOCK_OFFSET) == BLOCK ? 0 : -EIO;
}

static np_verdict_t resolve(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    int delta = delta_ms(in->conf, np);
    uint8_t *a = NULL, *b = NULL, *w = NULL;
    np_verdict_t v = NP_LOSE;
    int fd = open_dev(in, np);
    if (fd < 0) {
        snprintf(why, n, "cannot open the lock device: %s", strerror(-fd));
        return NP_LOSE;
    }
    if (posix_memalign((void **)&a, BLOCK, BLOCK) || posix_memalign((void **)&b, BLOCK, BLOCK) ||
        posix_memalign((void **)&w, BLOCK, BLOCK)) {
        snprintf(why, n, "out of memory");
        goto out;
    }
    if (rd(fd, a) < 0) {
        snprintf(why, n, "cannot read the lock block");
        goto out;
    }
    sleep_ms(delta);
    if (rd(fd, b) < 0) {
        snprintf(why, n, "cannot read the lock block");
        goto out;
    }
    if (memcmp(a, b, BLOCK) != 0) {
        lock_t l;
        memcpy(&l, b, sizeof(l));
        l.holder[sizeof(l.holder) - 1] = '\0';
        snprintf(why, n, "the disk lock is held by %s", l.magic == MAGIC ? l.holder : "another");
        goto out;
    }
    uint64_t mine = clp_wall_ms() ^ ((uint64_t)getpid() << 40);
    if (wr(fd, w, in, mine) < 0) {
        snprintf(why, n, "cannot write the lock block");
        goto out;
    }
    sleep_ms(delta);
    if (rd(fd, b) < 0) {
        snprintf(why, n, "cannot read the lock block back");
        goto out;
    }
    lock_t l;
    memcpy(&l, b, sizeof(l));
    l.holder[sizeof(l.holder) - 1] = '\0';
    if (l.magic == MAGIC && l.counter == mine &&
        strcmp(l.holder, in->conf->servers[in->self].name) == 0) {
        snprintf(why, n, "this server holds the disk lock");
        v = NP_SURVIVE;
    } else {
        snprintf(why, n, "the disk lock was taken by %s", l.magic == MAGIC ? l.holder : "another");
    }
out:
    free(a);
    free(b);
    free(w);
    close(fd);
    return v;
}

static int hold(const np_input_t *in, const clp_np_t *np, int hold_ms)
{
    int delta = delta_ms(in->conf, np);
    int fd = open_dev(in, np);
    uint8_t *w = NULL;
    if (fd < 0 || posix_memalign((void **)&w, BLOCK, BLOCK)) {
        return -EIO;
    }
    uint64_t end = clp_mono_ms() + (uint64_t)hold_ms;
    uint64_t counter = clp_wall_ms();
    while (clp_mono_ms() < end) {
        wr(fd, w, in, ++counter);
        sleep_ms(delta / 3 > 0 ? delta / 3 : 1);
    }
    free(w);
    close(fd);
    return 0;
}

static int health(const np_input_t *in, const clp_np_t *np, char *why, size_t n)
{
    uint8_t *a = NULL;
    int fd = open_dev(in, np);
    if (fd < 0) {
        snprintf(why, n, "cannot open the lock device: %s", strerror(-fd));
        return -1;
    }
    int rc = posix_memalign((void **)&a, BLOCK, BLOCK) == 0 ? rd(fd, a) : -ENOMEM;
    free(a);
    close(fd);
    snprintf(why, n, rc == 0 ? "the lock device is readable" : "cannot read the lock device");
    return rc;
}

static int skew(const clp_conf_t *conf, const clp_np_t *np)
{
    return 0;
}

const np_method_t np_disk_method = {
    .type = "disknp",
    .resolve = resolve,
    .health = health,
    .hold = hold,
    .skew_ms = skew,
};

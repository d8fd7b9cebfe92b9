/*
 * diskw: disk monitor. parameters/object is a block device or a file;
 * parameters/method says how it is checked:
 *
 *   READ, READ(O_DIRECT), READ(RAW), READ(VxVM)
 *       read parameters/size bytes from the start of the object with O_DIRECT
 *       (past the page cache, so the device itself answers), in chunks of at
 *       most 1 MiB, the length rounded up to the device's logical block size.
 *       On a file system without O_DIRECT (tmpfs) the file's cached pages are
 *       dropped first and it is read normally. An I/O error, a missing object,
 *       a block device of size 0 (no medium, a detached loop device) or nothing
 *       to read is an error.
 *   WRITE(FILE)
 *       write parameters/size bytes (a pattern stamped with the time) to the
 *       file parameters/object (created when missing), fsync it, read it back
 *       (O_DIRECT when possible) and compare.
 *   TUR
 *       SCSI TEST UNIT READY through SG_IO. A unit attention is retried once;
 *       "not ready", a medium or hardware error is an error. A device that does
 *       not take SG_IO (a loop device, a virtio disk without SCSI) falls back to
 *       READ; the fallback is logged once per core start.
 *
 * Every method runs in the check's child: the I/O may hang on a dead disk.
 */
#define CLP_LOG_TAG "diskw"
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <scsi/sg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../mon.h"
#include "clp_log.h"

#define DISKW_CHUNK (1024 * 1024)
#define DISKW_ALIGN 4096

typedef enum { M_READ, M_WRITE_FILE, M_TUR, M_UNKNOWN } diskw_method_t;

static diskw_method_t diskw_method(const char *m)
{
    if (!m || !m[0] || strcmp(m, "READ") == 0 || strcmp(m, "READ(O_DIRECT)") == 0 ||
        strcmp(m, "READ(RAW)") == 0 || strcmp(m, "READ(VxVM)") == 0) {
        return M_READ;
    }
    if (strcmp(m, "WRITE(FILE)") == 0) {
        return M_WRITE_FILE;
    }
    if (strcmp(m, "TUR") == 0) {
        return M_TUR;
    }
    return M_UNKNOWN;
}

/* The I/O unit of fd: the logical block size of a block device, else 4096. */
static size_t io_unit(int fd)
{
    struct stat st;
    int bs = 0;
    if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ioctl(fd, BLKSSZGET, &bs) == 0 && bs > 0) {
        return (size_t)bs;
    }
    return DISKW_ALIGN;
}

/* Opens path for reading past the cache: O_DIRECT, or (when the file system
 * refuses it) a plain open after dropping the file's cached pages. */
static int open_direct(const char *path, int flags, bool *direct)
{
    int fd = open(path, flags | O_DIRECT | O_CLOEXEC);
    *direct = fd >= 0;
    if (fd < 0 && errno == EINVAL) {
        fd = open(path, flags | O_CLOEXEC);
        if (fd >= 0) {
            fdatasync(fd);
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        }
    }
    return fd;
}

/* Reads up to size bytes from the start of fd into buf (aligned, room for
 * the rounded size). Returns the bytes read or -errno. */
static ssize_t read_all(int fd, char *buf, size_t size, size_t unit)
{
    size_t want = (size + unit - 1) / unit * unit, got = 0;
    while (got < want) {
        size_t n = want - got > DISKW_CHUNK ? DISKW_CHUNK : want - got;
        ssize_t r = pread(fd, buf + got, n, (off_t)got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -errno;
        }
        if (r == 0) {
            break;
        }
        got += (size_t)r;
    }
    return (ssize_t)(got < size ? got : size);
}

static int do_read(const char *obj, size_t size)
{
    bool direct;
    int fd = open_direct(obj, O_RDONLY, &direct);
    if (fd < 0) {
        printf("cannot open %s: %s", obj, strerror(errno));
        return MON_CHECK_ERROR;
    }
    struct stat st;
    uint64_t bytes = 1;
    if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &bytes) == 0 &&
        bytes == 0) {
        close(fd);
        printf("%s has a size of 0 (no medium, or a detached loop device)", obj);
        return MON_CHECK_ERROR;
    }
    size_t unit = io_unit(fd);
    size_t cap = (size + unit - 1) / unit * unit;
    void *buf = NULL;
    if (posix_memalign(&buf, DISKW_ALIGN, cap > DISKW_CHUNK ? cap : DISKW_CHUNK) != 0) {
        close(fd);
        printf("out of memory for a %zu-byte read", size);
        return MON_CHECK_ERROR;
    }
    ssize_t r = read_all(fd, buf, size, unit);
    free(buf);
    close(fd);
    if (r < 0) {
        printf("read of %s failed: %s", obj, strerror((int)-r));
        return MON_CHECK_ERROR;
    }
    if (r == 0 && size > 0) {
        printf("nothing could be read from %s (empty)", obj);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

/* Fills buf (n bytes) with a pattern that names this write. */
static void fill_pattern(char *buf, size_t n, const char *server)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char stamp[128];
    int sl = snprintf(stamp, sizeof(stamp), "clusterpro diskw %s %lld.%09ld pid %d\n", server,
                      (long long)ts.tv_sec, ts.tv_nsec, (int)getpid());
    for (size_t i = 0; i < n; i++) {
        buf[i] = stamp[i % (size_t)sl];
    }
}

static int do_write_file(const char *obj, size_t size, const char *server)
{
    size_t cap = (size + DISKW_ALIGN - 1) / DISKW_ALIGN * DISKW_ALIGN;
    void *wbuf = NULL, *rbuf = NULL;
    if (posix_memalign(&wbuf, DISKW_ALIGN, cap) != 0 ||
        posix_memalign(&rbuf, DISKW_ALIGN, cap > DISKW_CHUNK ? cap : DISKW_CHUNK) != 0) {
        free(wbuf);
        printf("out of memory for a %zu-byte write", size);
        return MON_CHECK_ERROR;
    }
    fill_pattern(wbuf, size, server);
    int rc = MON_CHECK_ERROR;
    int fd = open(obj, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        printf("cannot create %s: %s", obj, strerror(errno));
        goto out;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, (char *)wbuf + done, size - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            printf("write to %s failed: %s", obj, w < 0 ? strerror(errno) : "no progress");
            close(fd);
            goto out;
        }
        done += (size_t)w;
    }
    if (fsync(fd) < 0) {
        printf("fsync of %s failed: %s", obj, strerror(errno));
        close(fd);
        goto out;
    }
    if (close(fd) < 0) {
        printf("close of %s failed: %s", obj, strerror(errno));
        goto out;
    }
    bool direct;
    fd = open_direct(obj, O_RDONLY, &direct);
    if (fd < 0) {
        printf("cannot reopen %s: %s", obj, strerror(errno));
        goto out;
    }
    ssize_t r = read_all(fd, rbuf, size, DISKW_ALIGN);
    close(fd);
    if (r < 0) {
        printf("read back of %s failed: %s", obj, strerror((int)-r));
    } else if ((size_t)r != size || memcmp(wbuf, rbuf, size) != 0) {
        printf("%s: the data read back differs from what was written", obj);
    } else {
        rc = MON_CHECK_OK;
    }
out:
    free(wbuf);
    free(rbuf);
    return rc;
}

/* ---- TEST UNIT READY ---- */

enum { TUR_GOOD = 0, TUR_FAILED = 1, TUR_UNSUPPORTED = 2 };

/* One TEST UNIT READY on fd. Returns TUR_*; on TUR_FAILED the reason is in
 * why, and *unit_attention tells whether it was a unit attention. */
static int tur_once(int fd, int timeout_ms, char *why, size_t n, bool *unit_attention)
{
    unsigned char cdb[6] = {0}, sense[32] = {0};
    sg_io_hdr_t io;
    memset(&io, 0, sizeof(io));
    io.interface_id = 'S';
    io.cmd_len = sizeof(cdb);
    io.cmdp = cdb;
    io.mx_sb_len = sizeof(sense);
    io.sbp = sense;
    io.dxfer_direction = SG_DXFER_NONE;
    io.timeout = (unsigned int)timeout_ms;
    *unit_attention = false;
    if (ioctl(fd, SG_IO, &io) < 0) {
        if (errno == ENOTTY || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
            return TUR_UNSUPPORTED;
        }
        snprintf(why, n, "SG_IO failed: %s", strerror(errno));
        return TUR_FAILED;
    }
    if (io.status == 0 && io.host_status == 0 && (io.driver_status & 0x0f) == 0) {
        return TUR_GOOD;
    }
    int key = -1, asc = 0, ascq = 0;
    if (io.sb_len_wr > 0) {
        if ((sense[0] & 0x7f) >= 0x72) { /* descriptor format */
            key = sense[1] & 0x0f;
            asc = sense[2];
            ascq = sense[3];
        } else if (io.sb_len_wr >= 14) {
            key = sense[2] & 0x0f;
            asc = sense[12];
            ascq = sense[13];
        }
    }
    static const char *const keys[] = {"no sense",       "recovered error", "not ready",
                                       "medium error",   "hardware error",  "illegal request",
                                       "unit attention", "data protect"};
    *unit_attention = key == 6;
    if (key >= 0) {
        snprintf(why, n, "TEST UNIT READY: %s (sense key 0x%x, asc 0x%02x, ascq 0x%02x)",
                 key < 8 ? keys[key] : "error", key, asc, ascq);
    } else {
        snprintf(why, n, "TEST UNIT READY: status 0x%x, host 0x%x, driver 0x%x", io.status,
                 io.host_status, io.driver_status);
    }
    return TUR_FAILED;
}

/* Logs the READ fallback once per core start (a marker under run/). */
static void note_fallback(mon_ctx_t *ctx, const char *obj)
{
    char mark[CLP_PATH_MAX];
    clp_path(mark, sizeof(mark), ctx->root, "run/diskw-%s.tur-fallback", ctx->mon->name);
    int fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        close(fd);
        clp_warn("monitor %s: %s does not support SCSI TEST UNIT READY (SG_IO): "
                 "it is checked by READ instead",
                 ctx->mon->name, obj);
    }
}

static int do_tur(mon_ctx_t *ctx, const char *obj, size_t size)
{
    int fd = open(obj, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        printf("cannot open %s: %s", obj, strerror(errno));
        return MON_CHECK_ERROR;
    }
    int tmo = ctx->mon->timeout_s > 0 ? ctx->mon->timeout_s * 1000 : 10000;
    char why[160] = "";
    bool ua = false;
    int r = tur_once(fd, tmo, why, sizeof(why), &ua);
    if (r == TUR_FAILED && ua) {
        r = tur_once(fd, tmo, why, sizeof(why), &ua);
    }
    close(fd);
    if (r == TUR_UNSUPPORTED) {
        note_fallback(ctx, obj);
        return do_read(obj, size);
    }
    if (r == TUR_FAILED) {
        printf("%s: %s", obj, why);
        return MON_CHECK_ERROR;
    }
    return MON_CHECK_OK;
}

static int check(mon_ctx_t *ctx)
{
    const char *obj = mon_param(ctx, "parameters/object");
    const char *method = mon_param(ctx, "parameters/method");
    long size = mon_param_int(ctx, "parameters/size", 2000000);
    if (!obj || !obj[0]) {
        printf("no device or file configured (parameters/object)");
        return MON_CHECK_ERROR;
    }
    if (size < 1) {
        size = 512;
    }
    switch (diskw_method(method)) {
    case M_READ:
        return do_read(obj, (size_t)size);
    case M_WRITE_FILE:
        return do_write_file(obj, (size_t)size, ctx->server);
    case M_TUR:
        return do_tur(ctx, obj, (size_t)size);
    default:
        printf("unknown monitor method %s", method);
        return MON_CHECK_ERROR;
    }
}

const mon_type_t mon_diskw = {
    .name = "diskw",
    .inproc = false,
    .check = check,
};

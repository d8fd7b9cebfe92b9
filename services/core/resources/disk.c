/*
 * disk: a file system on a shared block device, checked and mounted on the
 * server that runs the group.
 *
 * Parameters (defaults in libclp/clp_config_types.c): parameters/device (a
 * block device; per-server override for servers that see it under another
 * name), parameters/disktype (disk: a file system; lvm: a file system on a
 * logical volume, activated by a volmgr resource; raw: no file system, the
 * device is only checked to be readable; vxvm is not supported),
 * parameters/fs (ext2, ext3, ext4, xfs), parameters/mount/point (created when
 * missing), parameters/mount/{option,timeout,retry,action,xfsaction},
 * parameters/umount/{timeout,retry,interval,action},
 * parameters/fsck/{option,timeout,timing,interval,xfsoption,xfstimeout}.
 *
 * Activation: refuse when the device is already mounted elsewhere on this
 * server (or something else is mounted on the mount point); fsck by the
 * policy (never / always / every N-th mount, the count kept in the state
 * directory; not for xfs, whose check is xfs_repair); mount; when a mount
 * fails, fsck (ext*, mount/action) or xfs_repair (xfs, mount/xfsaction) and
 * retry, mount/retry times. Deactivation: umount with retries; when the file
 * system stays busy and umount/action is kill, the processes of this server
 * that use it are killed between attempts. Probe: the device is mounted on
 * the mount point in the core's mount namespace. Quick fence: lazy unmount.
 */
#define CLP_LOG_TAG "disk"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "clp_log.h"
#include "rsc.h"
#include "rsc_cmd.h"
#include "rsc_mnt.h"

typedef struct {
    unsigned major, minor;
    const char *point; /* NULL: anywhere */
} disk_id_t;

static bool is_dev(const rsc_mnt_entry_t *e, void *arg)
{
    const disk_id_t *id = arg;
    return e->major == id->major && e->minor == id->minor &&
           (!id->point || strcmp(e->point, id->point) == 0);
}

static bool at_point(const rsc_mnt_entry_t *e, void *arg)
{
    return strcmp(e->point, (const char *)arg) == 0;
}

static const char *disktype(const rsc_ctx_t *ctx)
{
    const char *t = rsc_param(ctx, "parameters/disktype");
    return t && t[0] ? t : "disk";
}

static bool is_xfs(const char *fs)
{
    return strcmp(fs, "xfs") == 0;
}

/* The device's number, or an error printed for the alert. */
static int device_id(const rsc_ctx_t *ctx, const char **dev, disk_id_t *id)
{
    *dev = rsc_param(ctx, "parameters/device");
    if (!*dev || !(*dev)[0]) {
        printf("no device configured (parameters/device)");
        return RSC_ERR;
    }
    struct stat st;
    if (stat(*dev, &st) < 0) {
        printf("device %s: %s", *dev, strerror(errno));
        return RSC_ERR;
    }
    if (!S_ISBLK(st.st_mode)) {
        printf("%s is not a block device", *dev);
        return RSC_ERR;
    }
    id->major = major(st.st_rdev);
    id->minor = minor(st.st_rdev);
    id->point = NULL;
    return RSC_OK;
}

static int readable(const char *dev)
{
    char buf[4096];
    int fd = open(dev, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("cannot open %s: %s", dev, strerror(errno));
        return RSC_ERR;
    }
    ssize_t k = read(fd, buf, sizeof(buf));
    int e = errno;
    close(fd);
    if (k < 0) {
        printf("cannot read %s: %s", dev, strerror(e));
        return RSC_ERR;
    }
    return RSC_OK;
}

/* fsck -t fs OPTIONS dev (ext*), or xfs_repair OPTIONS dev (xfs). Exit codes
 * of fsck below 4 mean the file system is clean or was repaired. */
static int check_fs(const rsc_ctx_t *ctx, const char *fs, const char *dev, bool xfs, char *err,
                    size_t n)
{
    char opts[256], *words[24], *argv[32], why[64], out[512];
    int k = 0;
    long timeout;
    snprintf(opts, sizeof(opts), "%s",
             rsc_param(ctx, xfs ? "parameters/fsck/xfsoption" : "parameters/fsck/option") ?: "");
    if (xfs) {
        argv[k++] = "xfs_repair";
        timeout = rsc_param_int(ctx, "parameters/fsck/xfstimeout", 7200);
    } else {
        argv[k++] = "fsck";
        argv[k++] = "-t";
        argv[k++] = (char *)fs;
        timeout = rsc_param_int(ctx, "parameters/fsck/timeout", 7200);
    }
    int w = rsc_cmd_split(opts, words, 24);
    for (int i = 0; i < w; i++) {
        argv[k++] = words[i];
    }
    argv[k++] = (char *)dev;
    argv[k] = NULL;
    int rc = rsc_cmd_run(argv, NULL, NULL, timeout * 1000, out, sizeof(out));
    if (rc >= 0 && rc < (xfs ? 1 : 4)) {
        return RSC_OK;
    }
    rsc_cmd_flatten(out);
    snprintf(err, n, "%s %s %s%s%s", argv[0], dev,
             rsc_cmd_strerror(rc, timeout * 1000, why, sizeof(why)), out[0] ? ": " : "", out);
    return rc == RSC_CMD_TIMEOUT ? RSC_ERR_TIMEOUT : RSC_ERR;
}

static int disk_activate(rsc_ctx_t *ctx)
{
    const char *dev, *type = disktype(ctx);
    disk_id_t id;
    if (strcmp(type, "vxvm") == 0) {
        printf("disk type vxvm is not supported by this product");
        return RSC_ERR;
    }
    int rc = device_id(ctx, &dev, &id);
    if (rc != RSC_OK) {
        return rc;
    }
    if (strcmp(type, "raw") == 0) {
        rc = readable(dev);
        if (rc == RSC_OK) {
            rsc_state_write(ctx, "active", dev);
        }
        return rc;
    }
    const char *fs = rsc_param(ctx, "parameters/fs");
    if (!fs || !fs[0] || strcmp(fs, "none") == 0) {
        printf("no file system configured (parameters/fs) for %s", dev);
        return RSC_ERR;
    }
    if (strcmp(fs, "ext2") != 0 && strcmp(fs, "ext3") != 0 && strcmp(fs, "ext4") != 0 &&
        !is_xfs(fs)) {
        printf("file system %s is not supported by this product (ext2, ext3, ext4, xfs)", fs);
        return RSC_ERR;
    }
    char point[CLP_PATH_MAX];
    rc = rsc_mnt_prepare_point(rsc_param(ctx, "parameters/mount/point"), point, sizeof(point));
    if (rc < 0) {
        printf("mount point %s: %s", rsc_param(ctx, "parameters/mount/point") ?: "(none)",
               rc == -EINVAL ? "not an absolute path" : strerror(-rc));
        return RSC_ERR;
    }
    rsc_state_write(ctx, "point", point);
    rsc_mnt_entry_t e;
    if (rsc_mnt_find(NULL, is_dev, &id, &e) == 1) {
        if (strcmp(e.point, point) == 0) {
            printf("%s is already mounted on %s", dev, point);
            return RSC_OK;
        }
        printf("%s is already mounted on %s on this server: refusing to mount it on %s", dev,
               e.point, point);
        return RSC_ERR;
    }
    if (rsc_mnt_find(NULL, at_point, point, &e) == 1) {
        printf("%s is already a mount point (of %s): refusing to mount %s on it", point, e.source,
               dev);
        return RSC_ERR;
    }
    char err[1400] = "", cnt[32];
    bool xfs = is_xfs(fs);
    int count = rsc_state_read(ctx, "mounts", cnt, sizeof(cnt)) == 0 ? atoi(cnt) : 0, next;
    if (rsc_mnt_fsck_due((int)rsc_param_int(ctx, "parameters/fsck/timing", 2),
                         (int)rsc_param_int(ctx, "parameters/fsck/interval", 10), count, &next) &&
        !xfs) {
        clp_info("resource %s: fsck of %s before mounting it (fsck/timing %ld, mount %d since "
                 "the last check on this server)",
                 ctx->res->name, dev, rsc_param_int(ctx, "parameters/fsck/timing", 2), count + 1);
        rc = check_fs(ctx, fs, dev, false, err, sizeof(err));
        if (rc != RSC_OK) {
            printf("%s", err);
            return rc;
        }
    }
    const char *opts = rsc_param(ctx, "parameters/mount/option");
    long timeout = rsc_param_int(ctx, "parameters/mount/timeout", 180);
    int retry = (int)rsc_param_int(ctx, "parameters/mount/retry", 3);
    bool repair = xfs ? rsc_param_int(ctx, "parameters/mount/xfsaction", 0) != 0
                      : rsc_param_int(ctx, "parameters/mount/action", 1) != 0;
    char out[512], why[64];
    id.point = point;
    for (int attempt = 0; attempt <= retry; attempt++) {
        rc = rsc_mnt_mount(fs, dev, point, opts, timeout, out, sizeof(out));
        if (rc == 0 && rsc_mnt_find(NULL, is_dev, &id, NULL) == 1) {
            snprintf(cnt, sizeof(cnt), "%d", next);
            rsc_state_write(ctx, "mounts", cnt);
            return RSC_OK;
        }
        snprintf(err, sizeof(err), "mount %.200s on %.400s %s%s%s", dev, point,
                 rc == 0 ? "reported success but it is not mounted"
                         : rsc_cmd_strerror(rc, timeout * 1000, why, sizeof(why)),
                 out[0] ? ": " : "", out);
        if (attempt < retry && repair) {
            char rerr[1024];
            clp_warn("resource %s: %s; running %s before retrying", ctx->res->name, err,
                     xfs ? "xfs_repair" : "fsck");
            if (check_fs(ctx, fs, dev, xfs, rerr, sizeof(rerr)) == RSC_OK) {
                clp_info("resource %s: %s of %s done", ctx->res->name, xfs ? "xfs_repair" : "fsck",
                         dev);
                next = 0;
            } else {
                clp_warn("resource %s: %s", ctx->res->name, rerr);
            }
        }
    }
    printf("%s (after %d attempt(s))", err, retry + 1);
    return rc == RSC_CMD_TIMEOUT ? RSC_ERR_TIMEOUT : RSC_ERR;
}

static int disk_deactivate(rsc_ctx_t *ctx)
{
    const char *dev;
    disk_id_t id;
    if (strcmp(disktype(ctx), "raw") == 0) {
        rsc_state_remove(ctx, "active");
        return RSC_OK;
    }
    int rc = device_id(ctx, &dev, &id);
    if (rc != RSC_OK) {
        return rc;
    }
    char point[CLP_PATH_MAX];
    const char *p = rsc_param(ctx, "parameters/mount/point");
    if (!p || !realpath(p, point)) {
        return RSC_OK; /* no mount point: nothing can be mounted there */
    }
    id.point = point;
    const char *action = rsc_param(ctx, "parameters/umount/action");
    rsc_mnt_release_t r = {
        .point = point,
        .retry = (int)rsc_param_int(ctx, "parameters/umount/retry", 3),
        .interval_s = rsc_param_int(ctx, "parameters/umount/interval", 5),
        .timeout_s = rsc_param_int(ctx, "parameters/umount/timeout", 120),
        .kill = !action || strcmp(action, "kill") == 0,
        .match = is_dev,
        .match_arg = &id,
    };
    char err[1024];
    rc = rsc_mnt_release(&r, err, sizeof(err));
    if (rc != RSC_OK) {
        printf("%s", err);
    }
    return rc;
}

static int disk_probe(rsc_ctx_t *ctx)
{
    const char *dev;
    disk_id_t id;
    int rc = device_id(ctx, &dev, &id);
    if (rc != RSC_OK) {
        return rc;
    }
    if (strcmp(disktype(ctx), "raw") == 0) {
        char buf[8];
        if (rsc_state_read(ctx, "active", buf, sizeof(buf)) < 0) {
            return RSC_PROBE_INACTIVE;
        }
        return readable(dev);
    }
    char point[CLP_PATH_MAX];
    const char *p = rsc_param(ctx, "parameters/mount/point");
    if (!p || !realpath(p, point)) {
        return RSC_PROBE_INACTIVE;
    }
    id.point = point;
    rc = rsc_mnt_find(NULL, is_dev, &id, NULL);
    return rc == 1 ? RSC_OK : rc == 0 ? RSC_PROBE_INACTIVE : RSC_ERR;
}

static void disk_quick_fence(const rsc_ctx_t *ctx)
{
    char point[CLP_PATH_MAX];
    const char *dev = rsc_param(ctx, "parameters/device");
    struct stat st;
    if (strcmp(disktype(ctx), "raw") == 0 || !dev || stat(dev, &st) < 0 ||
        rsc_state_read(ctx, "point", point, sizeof(point)) < 0) {
        return;
    }
    disk_id_t id = {major(st.st_rdev), minor(st.st_rdev), point};
    rsc_mnt_detach(point, is_dev, &id);
}

const rsc_type_t rsc_disk = {
    .name = "disk",
    .level = RSC_LEVEL_STORAGE,
    .activate = disk_activate,
    .deactivate = disk_deactivate,
    .probe = disk_probe,
    .quick_fence = disk_quick_fence,
    .announce = NULL,
};

/*
 * nas: an NFS export mounted on the server that runs the group.
 *
 * Parameters: parameters/server (host name or address), parameters/share
 * (the exported path), parameters/mount/point (created when missing),
 * parameters/fs (nfs; nfs4 also accepted), parameters/mount/{option,timeout,
 * retry}, parameters/umount/{timeout,retry,action}, and this product's
 * parameters/umount/interval (s between unmount attempts, default 5, as disk).
 *
 * Activation: an export already mounted on the mount point is success;
 * anything else mounted there is refused; then mount -t nfs server:share point,
 * retried mount/retry times one second apart. Deactivation: umount with
 * retries, killing the processes of this server that use the mount between
 * attempts when umount/action is kill, and umount -f (a server that no longer
 * answers) at the last attempt. Probe: the export is mounted on the mount
 * point (read from the mount table only: nothing here touches the mounted file
 * system, which may hang when the NFS server is gone). Quick fence: lazy
 * unmount.
 */
#define CLP_LOG_TAG "nas"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsc.h"
#include "rsc_cmd.h"
#include "rsc_mnt.h"

typedef struct {
    char source[CLP_PATH_MAX + 256];
    char point[CLP_PATH_MAX];
} nas_id_t;

static bool is_export(const rsc_mnt_entry_t *e, void *arg)
{
    const nas_id_t *id = arg;
    return strncmp(e->fstype, "nfs", 3) == 0 && strcmp(e->source, id->source) == 0 &&
           strcmp(e->point, id->point) == 0;
}

static bool at_point(const rsc_mnt_entry_t *e, void *arg)
{
    return strcmp(e->point, ((const nas_id_t *)arg)->point) == 0;
}

/* Strips trailing slashes (but keeps "/"). */
static void trim_slash(char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/') {
        s[--n] = '\0';
    }
}

/* server:share as the kernel shows it; the mount point as recorded at
 * activation (canonical) or as configured. Prints the error for the alert. */
static int nas_id(const rsc_ctx_t *ctx, nas_id_t *id)
{
    const char *server = rsc_param(ctx, "parameters/server");
    const char *share = rsc_param(ctx, "parameters/share");
    const char *point = rsc_param(ctx, "parameters/mount/point");
    if (!server || !server[0] || !share || !share[0] || !point || point[0] != '/') {
        printf("parameters/server, parameters/share and an absolute parameters/mount/point are "
               "required");
        return RSC_ERR;
    }
    char sh[CLP_PATH_MAX];
    snprintf(sh, sizeof(sh), "%s", share);
    trim_slash(sh);
    bool v6 = strchr(server, ':') != NULL && server[0] != '[';
    snprintf(id->source, sizeof(id->source), "%s%s%s:%s", v6 ? "[" : "", server, v6 ? "]" : "", sh);
    if (rsc_state_read(ctx, "point", id->point, sizeof(id->point)) < 0) {
        snprintf(id->point, sizeof(id->point), "%s", point);
        trim_slash(id->point);
    }
    return RSC_OK;
}

static int nas_activate(rsc_ctx_t *ctx)
{
    nas_id_t id;
    if (nas_id(ctx, &id) != RSC_OK) {
        return RSC_ERR;
    }
    const char *p = rsc_param(ctx, "parameters/mount/point");
    int rc = rsc_mnt_prepare_point(p, id.point, sizeof(id.point));
    if (rc < 0) {
        printf("mount point %s: %s", p, strerror(-rc));
        return RSC_ERR;
    }
    rsc_state_write(ctx, "point", id.point);
    rsc_mnt_entry_t e;
    if (rsc_mnt_find(NULL, is_export, &id, NULL) == 1) {
        printf("%s is already mounted on %s", id.source, id.point);
        return RSC_OK;
    }
    if (rsc_mnt_find(NULL, at_point, &id, &e) == 1) {
        printf("%s is already a mount point (of %s): refusing to mount %s on it", id.point,
               e.source, id.source);
        return RSC_ERR;
    }
    const char *fs = rsc_param(ctx, "parameters/fs");
    const char *opts = rsc_param(ctx, "parameters/mount/option");
    long timeout = rsc_param_int(ctx, "parameters/mount/timeout", 60);
    int retry = (int)rsc_param_int(ctx, "parameters/mount/retry", 3);
    char out[512], why[64];
    for (int attempt = 0; attempt <= retry; attempt++) {
        if (attempt > 0) {
            sleep(1);
        }
        rc = rsc_mnt_mount(fs && fs[0] ? fs : "nfs", id.source, id.point, opts, timeout, out,
                           sizeof(out));
        if (rc == 0 && rsc_mnt_find(NULL, is_export, &id, NULL) == 1) {
            return RSC_OK;
        }
    }
    printf("mount %s on %s %s%s%s (after %d attempt(s))", id.source, id.point,
           rc == 0 ? "reported success but it is not mounted"
                   : rsc_cmd_strerror(rc, timeout * 1000, why, sizeof(why)),
           out[0] ? ": " : "", out, retry + 1);
    return rc == RSC_CMD_TIMEOUT ? RSC_ERR_TIMEOUT : RSC_ERR;
}

static int nas_deactivate(rsc_ctx_t *ctx)
{
    nas_id_t id;
    if (nas_id(ctx, &id) != RSC_OK) {
        return RSC_ERR;
    }
    const char *action = rsc_param(ctx, "parameters/umount/action");
    rsc_mnt_release_t r = {
        .point = id.point,
        .retry = (int)rsc_param_int(ctx, "parameters/umount/retry", 3),
        .interval_s = rsc_param_int(ctx, "parameters/umount/interval", 5),
        .timeout_s = rsc_param_int(ctx, "parameters/umount/timeout", 60),
        .kill = !action || strcmp(action, "kill") == 0,
        .force_last = true,
        .match = is_export,
        .match_arg = &id,
    };
    char err[1024];
    int rc = rsc_mnt_release(&r, err, sizeof(err));
    if (rc != RSC_OK) {
        printf("%s", err);
    }
    return rc;
}

static int nas_probe(rsc_ctx_t *ctx)
{
    nas_id_t id;
    if (nas_id(ctx, &id) != RSC_OK) {
        return RSC_ERR;
    }
    int rc = rsc_mnt_find(NULL, is_export, &id, NULL);
    return rc == 1 ? RSC_OK : rc == 0 ? RSC_PROBE_INACTIVE : RSC_ERR;
}

static void nas_quick_fence(const rsc_ctx_t *ctx)
{
    nas_id_t id;
    const char *server = rsc_param(ctx, "parameters/server");
    const char *share = rsc_param(ctx, "parameters/share");
    if (!server || !share || rsc_state_read(ctx, "point", id.point, sizeof(id.point)) < 0) {
        return;
    }
    char sh[CLP_PATH_MAX];
    snprintf(sh, sizeof(sh), "%s", share);
    trim_slash(sh);
    bool v6 = strchr(server, ':') != NULL && server[0] != '[';
    snprintf(id.source, sizeof(id.source), "%s%s%s:%s", v6 ? "[" : "", server, v6 ? "]" : "", sh);
    rsc_mnt_detach(id.point, is_export, &id);
}

const rsc_type_t rsc_nas = {
    .name = "nas",
    .level = RSC_LEVEL_STORAGE,
    .activate = nas_activate,
    .deactivate = nas_deactivate,
    .probe = nas_probe,
    .quick_fence = nas_quick_fence,
    .announce = NULL,
};

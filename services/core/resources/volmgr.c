/*
 * volmgr: an LVM volume group on shared disks, activated on the server that
 * runs the group.
 *
 * Parameters: parameters/type (lvm; vxvm is not supported), parameters/devname
 * (the volume group's name).
 *
 * Activation: the volume group must be visible (vgs); the tags of other
 * servers are removed and this server's name is added as a tag (vgchange
 * --deltag/--addtag: the owner is written in the VG's metadata on the shared
 * disk, so an operator, and a host whose lvm.conf activates only tagged VGs
 * (activation/volume_list = ["@*"] with tags/hosttags = 1), sees who holds
 * it); then vgchange -ay, and every logical volume must be active (lvs).
 * Deactivation: vgchange -an, no LV may stay active, then this server's tag is
 * removed. Probe: the VG carries this server's tag and all its LVs are active
 * here. No quick fence: LVM commands block, and an LV with a mounted file
 * system cannot be deactivated before the disk resource's lazy unmount has
 * finished; the fenced server stops anyway.
 *
 * LVM is run with the host's configuration; LVM_SUPPRESS_FD_WARNINGS is set.
 * Where udev is not running (the test bed), LVM falls back to creating the
 * /dev/VG/LV nodes itself.
 */
#define CLP_LOG_TAG "volmgr"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rsc.h"
#include "rsc_cmd.h"

static const char *const lvm_env[] = {"LVM_SUPPRESS_FD_WARNINGS=1", NULL};

#define LVM_TIMEOUT_MS 120000L

/* Runs an LVM command; on failure prints "what: reason: output". */
static int lvm(char *const argv[], const char *what, char *out, size_t n)
{
    char buf[1024], why[64];
    if (!out) {
        out = buf;
        n = sizeof(buf);
    }
    int rc = rsc_cmd_run(argv, NULL, lvm_env, LVM_TIMEOUT_MS, out, n);
    if (rc != 0) {
        rsc_cmd_flatten(out);
        printf("%s %s%s%s", what, rsc_cmd_strerror(rc, LVM_TIMEOUT_MS, why, sizeof(why)),
               out[0] ? ": " : "", out);
        return rc == RSC_CMD_TIMEOUT ? RSC_ERR_TIMEOUT : RSC_ERR;
    }
    return RSC_OK;
}

static int vg_name(const rsc_ctx_t *ctx, const char **vg)
{
    const char *type = rsc_param(ctx, "parameters/type");
    if (type && strcmp(type, "lvm") != 0) {
        printf("volume manager %s is not supported by this product (lvm only)", type);
        return RSC_ERR;
    }
    *vg = rsc_param(ctx, "parameters/devname");
    if (!*vg || !(*vg)[0] || strpbrk(*vg, " /\t\n")) {
        printf("no valid volume group name (parameters/devname)");
        return RSC_ERR;
    }
    return RSC_OK;
}

/* The VG's tags (comma-separated) into tags. */
static int vg_tags(const char *vg, char *tags, size_t n)
{
    char *argv[] = {"vgs", "--noheadings", "-o", "vg_tags", (char *)vg, NULL};
    char what[128];
    snprintf(what, sizeof(what), "volume group %s: vgs", vg);
    int rc = lvm(argv, what, tags, n);
    if (rc == RSC_OK) {
        char *s = tags;
        while (*s == ' ') {
            s++;
        }
        memmove(tags, s, strlen(s) + 1);
    }
    return rc;
}

static bool has_tag(const char *tags, const char *tag)
{
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", tags);
    for (char *t = strtok_r(buf, ", \n", &save); t; t = strtok_r(NULL, ", \n", &save)) {
        if (strcmp(t, tag) == 0) {
            return true;
        }
    }
    return false;
}

/* Counts the VG's LVs and how many are active. */
static int lv_states(const char *vg, int *total, int *active, char *inactive, size_t n)
{
    char out[4096];
    char *argv[] = {"lvs", "--noheadings", "-o", "lv_name,lv_attr", (char *)vg, NULL};
    char what[128];
    snprintf(what, sizeof(what), "volume group %s: lvs", vg);
    int rc = lvm(argv, what, out, sizeof(out));
    *total = *active = 0;
    if (inactive && n) {
        inactive[0] = '\0';
    }
    if (rc != RSC_OK) {
        return rc;
    }
    char *save = NULL;
    size_t len = 0;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char name[256], attr[32];
        if (sscanf(l, "%255s %31s", name, attr) != 2 || strlen(attr) < 5) {
            continue;
        }
        (*total)++;
        if (attr[4] == 'a') {
            (*active)++;
        } else if (inactive && len + strlen(name) + 2 < n) {
            len += (size_t)snprintf(inactive + len, n - len, "%s%s", len ? " " : "", name);
        }
    }
    return RSC_OK;
}

static int volmgr_activate(rsc_ctx_t *ctx)
{
    const char *vg;
    char tags[1024], what[160];
    if (vg_name(ctx, &vg) != RSC_OK || vg_tags(vg, tags, sizeof(tags)) != RSC_OK) {
        return RSC_ERR;
    }
    char *save = NULL, copy[1024];
    snprintf(copy, sizeof(copy), "%s", tags);
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, ctx->server) == 0) {
            continue;
        }
        for (size_t k = 0; k < ctx->conf->n_servers; k++) {
            if (strcmp(t, ctx->conf->servers[k].name) == 0) {
                char *argv[] = {"vgchange", "--deltag", t, (char *)vg, NULL};
                snprintf(what, sizeof(what), "vgchange --deltag %s %s", t, vg);
                if (lvm(argv, what, NULL, 0) != RSC_OK) {
                    return RSC_ERR;
                }
            }
        }
    }
    if (!has_tag(tags, ctx->server)) {
        char *argv[] = {"vgchange", "--addtag", (char *)ctx->server, (char *)vg, NULL};
        snprintf(what, sizeof(what), "vgchange --addtag %s %s", ctx->server, vg);
        if (lvm(argv, what, NULL, 0) != RSC_OK) {
            return RSC_ERR;
        }
    }
    char *argv[] = {"vgchange", "-ay", (char *)vg, NULL};
    snprintf(what, sizeof(what), "vgchange -ay %s", vg);
    int rc = lvm(argv, what, NULL, 0);
    if (rc != RSC_OK) {
        return rc;
    }
    int total, active;
    char inactive[512];
    rc = lv_states(vg, &total, &active, inactive, sizeof(inactive));
    if (rc == RSC_OK && active < total) {
        printf("volume group %s: %d of %d logical volume(s) not active after vgchange -ay: %s", vg,
               total - active, total, inactive);
        return RSC_ERR;
    }
    return rc;
}

static int volmgr_deactivate(rsc_ctx_t *ctx)
{
    const char *vg;
    char what[160];
    if (vg_name(ctx, &vg) != RSC_OK) {
        return RSC_ERR;
    }
    char *argv[] = {"vgchange", "-an", (char *)vg, NULL};
    snprintf(what, sizeof(what), "vgchange -an %s", vg);
    int rc = lvm(argv, what, NULL, 0);
    if (rc != RSC_OK) {
        return rc;
    }
    int total, active;
    rc = lv_states(vg, &total, &active, NULL, 0);
    if (rc != RSC_OK) {
        return rc;
    }
    if (active > 0) {
        printf("volume group %s: %d logical volume(s) still active after vgchange -an", vg, active);
        return RSC_ERR;
    }
    char tags[1024];
    if (vg_tags(vg, tags, sizeof(tags)) != RSC_OK) {
        return RSC_ERR;
    }
    if (has_tag(tags, ctx->server)) {
        char *del[] = {"vgchange", "--deltag", (char *)ctx->server, (char *)vg, NULL};
        snprintf(what, sizeof(what), "vgchange --deltag %s %s", ctx->server, vg);
        return lvm(del, what, NULL, 0);
    }
    return RSC_OK;
}

static int volmgr_probe(rsc_ctx_t *ctx)
{
    const char *vg;
    char tags[1024];
    if (vg_name(ctx, &vg) != RSC_OK || vg_tags(vg, tags, sizeof(tags)) != RSC_OK) {
        return RSC_ERR;
    }
    if (!has_tag(tags, ctx->server)) {
        printf("volume group %s is not tagged %s (tags: %s)", vg, ctx->server,
               tags[0] ? tags : "none");
        return RSC_PROBE_INACTIVE;
    }
    int total, active;
    char inactive[512];
    int rc = lv_states(vg, &total, &active, inactive, sizeof(inactive));
    if (rc != RSC_OK) {
        return rc;
    }
    if (active < total) {
        printf("volume group %s: logical volume(s) not active: %s", vg, inactive);
        return RSC_PROBE_INACTIVE;
    }
    return RSC_OK;
}

const rsc_type_t rsc_volmgr = {
    .name = "volmgr",
    .level = RSC_LEVEL_VOLUME,
    .activate = volmgr_activate,
    .deactivate = volmgr_deactivate,
    .probe = volmgr_probe,
    .quick_fence = NULL,
    .announce = NULL,
};

/*
 * rsc_mnt: what the disk and nas resource types share about mounts: reading
 * the mount table of the calling process's mount namespace
 * (/proc/self/mountinfo), deciding when fsck is due, mounting and unmounting
 * with mount(8)/umount(8) under a timeout, and the forced unmount: retries,
 * and killing the processes of this mount namespace that use the file system.
 *
 * The parsing and the fsck decision are pure (unit-tested); the rest runs in a
 * resource's child process and may block.
 */
#ifndef CORE_RSC_MNT_H
#define CORE_RSC_MNT_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_paths.h"

/* One line of /proc/PID/mountinfo. */
typedef struct {
    unsigned major, minor; /* st_dev of the mounted file system */
    char point[CLP_PATH_MAX];
    char fstype[32];
    char source[CLP_PATH_MAX];
} rsc_mnt_entry_t;

/* Parses one mountinfo line (octal escapes such as \040 decoded).
 * Returns 0, or -EINVAL for a line that is not in the mountinfo format. */
int rsc_mnt_parse(const char *line, rsc_mnt_entry_t *e);

typedef bool (*rsc_mnt_match_fn)(const rsc_mnt_entry_t *e, void *arg);

/* The last entry of the mount table `table` (a mountinfo file; NULL:
 * /proc/self/mountinfo) for which match returns true, copied to out (may be
 * NULL). Returns 1 found, 0 not found, -errno when the table cannot be read. */
int rsc_mnt_find(const char *table, rsc_mnt_match_fn match, void *arg, rsc_mnt_entry_t *out);

/* Is an fsck due before this mount? timing: 0 never, 1 always, 2 every
 * interval-th mount (interval 0: never). count: mounts since the last fsck,
 * before this one. *next gets the count to record once this mount is done
 * (0 when an fsck runs). */
bool rsc_mnt_fsck_due(int timing, int interval, int count, int *next);

/* mount -t fstype [-o options] source point, for at most timeout_s seconds.
 * Returns 0, else rsc_cmd's result with mount's message in err. */
int rsc_mnt_mount(const char *fstype, const char *source, const char *point, const char *options,
                  long timeout_s, char *err, size_t n);

/* Sends SIGKILL to every process of this mount namespace (but the caller and
 * its ancestors) that uses the file system with device number major:minor:
 * working or root directory, executable, an open file, a mapped file.
 * Returns how many were killed; their pids are listed in report. */
int rsc_mnt_kill_users(unsigned major, unsigned minor, char *report, size_t n);

/* How to release a mount point. */
typedef struct {
    const char *point;      /* canonical mount point */
    int retry;              /* umount retries after the first attempt */
    long interval_s;        /* wait between attempts */
    long timeout_s;         /* per umount attempt */
    bool kill;              /* kill the users of a busy file system before retrying */
    bool force_last;        /* the last attempt is umount -f (NFS: a dead server) */
    rsc_mnt_match_fn match; /* is what we mounted still there (entry given) */
    void *match_arg;
} rsc_mnt_release_t;

/* Unmounts what match finds at point, with retries; when busy and kill is
 * set, kills its users between attempts. Returns 0 when it is no longer
 * mounted (also when it was not), RSC_ERR / RSC_ERR_TIMEOUT with the reason in
 * err. */
int rsc_mnt_release(const rsc_mnt_release_t *r, char *err, size_t n);

/* Lazy unmount (umount2 MNT_DETACH) of point when match finds it mounted:
 * immediate, for quick_fence. */
void rsc_mnt_detach(const char *point, rsc_mnt_match_fn match, void *arg);

/* Creates dir and its parents (mode 0755) and writes its canonical path to
 * out. Returns 0 or -errno. */
int rsc_mnt_prepare_point(const char *dir, char *out, size_t n);

#endif

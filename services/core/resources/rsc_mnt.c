/*
 * rsc_mnt: mount table, fsck policy, mount, forced unmount (see rsc_mnt.h).
 *
 * A mount namespace of its own per server (the test bed, containers) means
 * that "mounted" is a fact of the calling process's namespace: everything here
 * reads /proc/self/mountinfo, and the forced unmount kills only processes of
 * the same mount namespace (only they can keep this namespace's mount busy).
 */
#include "rsc_mnt.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CLP_LOG_TAG "rsc.mnt"
#include "clp_log.h"
#include "rsc.h"
#include "rsc_cmd.h"

/* Copies a mountinfo field, decoding \ooo escapes. */
static void unescape(char *dst, size_t n, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        if (src[i] == '\\' && i + 3 < len && src[i + 1] >= '0' && src[i + 1] <= '3' &&
            src[i + 2] >= '0' && src[i + 2] <= '7' && src[i + 3] >= '0' && src[i + 3] <= '7') {
            dst[o++] =
                (char)((src[i + 1] - '0') * 64 + (src[i + 2] - '0') * 8 + (src[i + 3] - '0'));
            i += 3;
        } else {
            dst[o++] = src[i];
        }
    }
    dst[o] = '\0';
}

/* The next blank-separated field of *p: start and length. */
static bool field(const char **p, const char **start, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (!*s || *s == '\n') {
        return false;
    }
    const char *e = s;
    while (*e && *e != ' ' && *e != '\t' && *e != '\n') {
        e++;
    }
    *start = s;
    *len = (size_t)(e - s);
    *p = e;
    return true;
}

int rsc_mnt_parse(const char *line, rsc_mnt_entry_t *e)
{
    const char *p = line, *s;
    size_t len;
    memset(e, 0, sizeof(*e));
    /* mount id, parent id */
    if (!field(&p, &s, &len) || !field(&p, &s, &len)) {
        return -EINVAL;
    }
    if (!field(&p, &s, &len)) {
        return -EINVAL;
    }
    char mm[32];
    snprintf(mm, sizeof(mm), "%.*s", (int)(len < 31 ? len : 31), s);
    if (sscanf(mm, "%u:%u", &e->major, &e->minor) != 2) {
        return -EINVAL;
    }
    /* root, mount point */
    if (!field(&p, &s, &len) || !field(&p, &s, &len)) {
        return -EINVAL;
    }
    unescape(e->point, sizeof(e->point), s, len);
    /* options, optional fields up to "-" */
    bool sep = false;
    while (field(&p, &s, &len)) {
        if (len == 1 && *s == '-') {
            sep = true;
            break;
        }
    }
    if (!sep || !field(&p, &s, &len)) {
        return -EINVAL;
    }
    unescape(e->fstype, sizeof(e->fstype), s, len);
    if (!field(&p, &s, &len)) {
        return -EINVAL;
    }
    unescape(e->source, sizeof(e->source), s, len);
    return 0;
}

int rsc_mnt_find(const char *table, rsc_mnt_match_fn match, void *arg, rsc_mnt_entry_t *out)
{
    FILE *f = fopen(table ? table : "/proc/self/mountinfo", "re");
    if (!f) {
        return -errno;
    }
    char *line = NULL;
    size_t cap = 0;
    int found = 0;
    rsc_mnt_entry_t *e = malloc(sizeof(*e));
    if (!e) {
        fclose(f);
        return -ENOMEM;
    }
    while (getline(&line, &cap, f) > 0) {
        if (rsc_mnt_parse(line, e) == 0 && match(e, arg)) {
            found = 1;
            if (out) {
                *out = *e;
            }
        }
    }
    free(e);
    free(line);
    fclose(f);
    return found;
}

bool rsc_mnt_fsck_due(int timing, int interval, int count, int *next)
{
    if (count < 0) {
        count = 0;
    }
    bool due = false;
    if (timing == 1) {
        due = true;
    } else if (timing == 2 && interval > 0) {
        due = count + 1 >= interval;
    }
    *next = due ? 0 : count + 1;
    return due;
}

int rsc_mnt_mount(const char *fstype, const char *source, const char *point, const char *options,
                  long timeout_s, char *err, size_t n)
{
    char *argv[10];
    int k = 0;
    argv[k++] = "mount";
    if (fstype && fstype[0]) {
        argv[k++] = "-t";
        argv[k++] = (char *)fstype;
    }
    if (options && options[0]) {
        argv[k++] = "-o";
        argv[k++] = (char *)options;
    }
    argv[k++] = (char *)source;
    argv[k++] = (char *)point;
    argv[k] = NULL;
    int rc = rsc_cmd_run(argv, NULL, NULL, timeout_s * 1000, err, n);
    if (err && n) {
        rsc_cmd_flatten(err);
    }
    return rc;
}

/* st_dev of a path (not following a final symlink is not wanted: /proc links
 * are followed to the object they name). */
static bool on_dev(const char *path, dev_t dev)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_dev == dev;
}

static bool maps_on_dev(pid_t pid, dev_t dev)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        return false;
    }
    bool hit = false;
    while (!hit && fgets(line, sizeof(line), f)) {
        unsigned maj, min;
        unsigned long ino;
        if (sscanf(line, "%*s %*s %*s %x:%x %lu", &maj, &min, &ino) == 3 && ino != 0 &&
            makedev(maj, min) == dev) {
            hit = true;
        }
        if (!strchr(line, '\n')) {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n') {
            }
        }
    }
    fclose(f);
    return hit;
}

static bool fds_on_dev(pid_t pid, dev_t dev)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d) {
        return false;
    }
    struct dirent *de;
    bool hit = false;
    while (!hit && (de = readdir(d))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        char fp[300];
        snprintf(fp, sizeof(fp), "/proc/%d/fd/%s", (int)pid, de->d_name);
        hit = on_dev(fp, dev);
    }
    closedir(d);
    return hit;
}

static bool uses_dev(pid_t pid, dev_t dev)
{
    static const char *links[] = {"cwd", "root", "exe"};
    char path[64];
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, links[i]);
        if (on_dev(path, dev)) {
            return true;
        }
    }
    return fds_on_dev(pid, dev) || maps_on_dev(pid, dev);
}

static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        return 0;
    }
    size_t k = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[k] = '\0';
    char *p = strrchr(buf, ')');
    int ppid = 0;
    if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1) {
        return 0;
    }
    return (pid_t)ppid;
}

static bool is_ancestor(pid_t pid)
{
    for (pid_t p = getpid(); p > 1; p = parent_of(p)) {
        if (p == pid) {
            return true;
        }
    }
    return pid == 1;
}

int rsc_mnt_kill_users(unsigned major, unsigned minor, char *report, size_t n)
{
    dev_t dev = makedev(major, minor);
    struct stat self_ns;
    if (report && n) {
        report[0] = '\0';
    }
    if (stat("/proc/self/ns/mnt", &self_ns) < 0) {
        return 0;
    }
    DIR *d = opendir("/proc");
    if (!d) {
        return 0;
    }
    int killed = 0;
    size_t len = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (*end || v <= 0 || v > INT_MAX) {
            continue;
        }
        pid_t pid = (pid_t)v;
        char path[64];
        struct stat ns;
        snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
        if (stat(path, &ns) < 0 || ns.st_ino != self_ns.st_ino || ns.st_dev != self_ns.st_dev) {
            continue;
        }
        if (is_ancestor(pid) || !uses_dev(pid, dev)) {
            continue;
        }
        if (kill(pid, SIGKILL) == 0) {
            killed++;
            if (report && len + 16 < n) {
                len += (size_t)snprintf(report + len, n - len, "%s%d", len ? " " : "", (int)pid);
            }
        }
    }
    closedir(d);
    return killed;
}

int rsc_mnt_release(const rsc_mnt_release_t *r, char *err, size_t n)
{
    char out[512] = "", why[64];
    int last = 0;
    for (int attempt = 0; attempt <= r->retry; attempt++) {
        rsc_mnt_entry_t e;
        int found = rsc_mnt_find(NULL, r->match, r->match_arg, &e);
        if (found == 0) {
            return RSC_OK;
        }
        if (found < 0) {
            snprintf(err, n, "cannot read the mount table: %s", strerror(-found));
            return RSC_ERR;
        }
        if (attempt > 0 && r->interval_s > 0) {
            sleep((unsigned)r->interval_s);
            if (rsc_mnt_find(NULL, r->match, r->match_arg, NULL) == 0) {
                return RSC_OK;
            }
        }
        bool force = r->force_last && attempt == r->retry && attempt > 0;
        char *argv[] = {"umount", force ? "-f" : (char *)r->point, (char *)r->point, NULL};
        if (!force) {
            argv[2] = NULL;
        }
        last = rsc_cmd_run(argv, NULL, NULL, r->timeout_s * 1000, out, sizeof(out));
        if (last == 0 && rsc_mnt_find(NULL, r->match, r->match_arg, NULL) == 0) {
            return RSC_OK;
        }
        if (attempt < r->retry && r->kill) {
            char pids[256];
            int k = rsc_mnt_kill_users(e.major, e.minor, pids, sizeof(pids));
            if (k > 0) {
                clp_warn("%s is busy: killed %d process(es) using it: %s", r->point, k, pids);
            }
        }
    }
    rsc_cmd_flatten(out);
    snprintf(err, n, "cannot unmount %s after %d attempt(s): umount %s%s%s", r->point, r->retry + 1,
             rsc_cmd_strerror(last, r->timeout_s * 1000, why, sizeof(why)), out[0] ? ": " : "",
             out);
    return last == RSC_CMD_TIMEOUT ? RSC_ERR_TIMEOUT : RSC_ERR;
}

void rsc_mnt_detach(const char *point, rsc_mnt_match_fn match, void *arg)
{
    if (point && rsc_mnt_find(NULL, match, arg, NULL) == 1) {
        umount2(point, MNT_DETACH);
    }
}

int rsc_mnt_prepare_point(const char *dir, char *out, size_t n)
{
    if (!dir || dir[0] != '/') {
        return -EINVAL;
    }
    int rc = clp_mkdirs(dir, 0755);
    if (rc < 0 && rc != -EEXIST) {
        return rc;
    }
    char buf[PATH_MAX];
    if (!realpath(dir, buf)) {
        return -errno;
    }
    snprintf(out, n, "%s", buf);
    return 0;
}

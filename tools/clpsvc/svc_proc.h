/*
 * svc_proc: the process side of a service — turning a manifest's start method
 * into an argv under this server's root, starting it in its own process group
 * with its output in log/<service>.out, and the flock'ed pid files by which
 * the supervisor (run/clpsvc.pid) and the daemons (run/<service>.pid) say
 * that they run.
 */
#ifndef SVC_PROC_H
#define SVC_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "svc_manifest.h"

/* The install prefix that manifests name; replaced by the server's root. */
#define SVC_INSTALL_PREFIX "/opt/nec/clusterpro"

/* Splits exec (an SMF start method: words separated by blanks, no quoting)
 * into a NULL-terminated argv the caller frees with svc_argv_free. Every word
 * that is SVC_INSTALL_PREFIX or starts with SVC_INSTALL_PREFIX "/" gets root
 * in its place; "--root ROOT" is appended when exec does not pass --root.
 * Returns NULL with a reason in err (empty exec, quotes, out of memory). */
char **svc_argv_build(const char *exec, const char *root, char *err, size_t errlen);

void svc_argv_free(char ***argv);

/* Starts argv[0] with argv in a new process group (pgid = pid), stdin from
 * /dev/null, stdout and stderr appended to outpath, every signal at its
 * default and unblocked, no other descriptor inherited. Returns 0 with *pid
 * set, or -errno (the executable is checked before the fork; an exec that
 * still fails makes the child exit with 127). */
int svc_spawn(char *const argv[], const char *outpath, pid_t *pid);

/* Takes an exclusive flock on path (created 0644) and writes our pid into it.
 * Returns the open descriptor (keep it open while running), -EWOULDBLOCK when
 * another process holds it, or -errno. */
int svc_pidfile_take(const char *path);

/* Releases a pid file taken with svc_pidfile_take: unlinks it and closes fd. */
void svc_pidfile_release(const char *path, int fd);

/* Tells whether a live process holds the flock on path: returns 1 and its pid
 * (0 if unreadable) in *pid, 0 when nobody does (or the file is missing). */
int svc_pidfile_held(const char *path, pid_t *pid);

/* A sentence for a wait() status: "exited with 6 (configuration error)",
 * "killed by signal 9 (Killed)". */
void svc_status_text(int status, char *out, size_t n);

#endif

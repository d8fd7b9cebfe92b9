/*
 * clp_paths: everything on a server lives under one root (CLP_ROOT, default
 * /opt/nec/clusterpro): etc/clp.conf, scripts/, log/, alert/, work/, run/, bin/,
 * webmgr/. Nothing else in the code builds a path by hand, so several servers
 * run side by side on one machine with different roots.
 */
#ifndef CLP_PATHS_H
#define CLP_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#define CLP_PATH_MAX 4096

/* Chooses the root: arg if non-NULL, else $CLP_ROOT, else the compiled-in default.
 * Writes an absolute path without trailing slash. Returns 0 or -errno. */
int clp_root_resolve(const char *arg, char *out, size_t n);

/* out = root + "/" + relative path (printf-style). Returns 0 or -ENAMETOOLONG. */
int clp_path(char *out, size_t n, const char *root, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The local ipc endpoint of a service: "ipc://<root>/run/<name>.sock".
 * name is the short name: evt, trn, core, webmgr, alertsync, clpsvc. */
int clp_endpoint_ipc(char *out, size_t n, const char *root, const char *name);

/* The socket file behind clp_endpoint_ipc (for existence checks). */
int clp_endpoint_file(char *out, size_t n, const char *root, const char *name);

/* mkdir -p with mode for the missing parts. Returns 0 or -errno. */
int clp_mkdirs(const char *path, unsigned mode);

/* Creates the standard directories under root (etc, log, alert, work, run, scripts). */
int clp_root_prepare(const char *root);

/* Writes data to path atomically: temp file in the same directory, fsync, rename,
 * fsync of the directory. Returns 0 or -errno. */
int clp_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* The same atomic replace (readers see the old or the new content, never a
 * part) without the two fsyncs: for state that describes processes, addresses
 * or mounts, which do not outlive a power loss either, so durability buys
 * nothing and each fsync costs milliseconds (up to tens on a busy disk). */
int clp_write_replace(const char *path, const void *data, size_t len, unsigned mode);

/* Reads a whole file (at most max bytes) into a NUL-terminated heap buffer the
 * caller owns. Returns 0, -EFBIG if larger than max, or -errno. */
int clp_read_file(const char *path, size_t max, char **data, size_t *len);

/* True when s can name a file or directory made from a peer's request (a
 * transaction or job id): 1-64 characters of letters, digits, '-', '_', '.',
 * not starting with '.' (so never "..", never a hidden name, never a path). */
bool clp_path_token_ok(const char *s);

#endif

/*
 * clp_bundle: a configuration bundle in memory, as clpcfctrl pushes and
 * pulls it: clp.conf and the scripts the configuration names,
 *
 *   clp.conf
 *   scripts/<group>/<exec resource>/start.sh, stop.sh, ...
 *   scripts/monitor.s/<genw monitor>/genw.sh, ...
 *
 * each file with its bytes and permission bits. Paths are relative, made of
 * plain names (no "..", no empty part, no leading '/'), and are either
 * "clp.conf" or below "scripts/". Only regular files travel: a symbolic link
 * or a device in the tree is an error naming it.
 *
 * A bundle is read from a directory (clpcfctrl -x DIR) or from a server's
 * root (etc/clp.conf and scripts/), written back to a directory (--pull),
 * hashed (clp_bundle_digest: the identity of a configuration across
 * servers) and checked against the configuration it carries: every exec
 * start/stop script and genw script given as a relative name must be in it.
 */
#ifndef CLP_BUNDLE_H
#define CLP_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_config.h"

/* A bundle must fit in one message (CLP_MSG_MAX) with room to spare. */
#define CLP_BUNDLE_MAX_BYTES (7u * 1024u * 1024u)
#define CLP_BUNDLE_MAX_FILES 4096u

typedef struct {
    char *path;          /* relative, e.g. "scripts/failover1/exec1/start.sh" */
    unsigned char *data; /* len bytes (NUL-terminated for convenience) */
    size_t len;
    unsigned mode; /* permission bits (0644, 0755, ...) */
} clp_bfile_t;

typedef struct {
    clp_bfile_t *files;
    size_t n, cap;
    size_t bytes; /* sum of the files' sizes */
} clp_bundle_t;

/* Frees the files; the struct may be on the stack and is left empty. */
void clp_bundle_free(clp_bundle_t *b);

/* True when path is an acceptable bundle path (see above). */
bool clp_bundle_path_ok(const char *path);

/* Adds a copy of (path, data, len, mode); replaces a file of the same path.
 * -EINVAL for a bad path, -EFBIG past the limits, -ENOMEM. */
int clp_bundle_add(clp_bundle_t *b, const char *path, const void *data, size_t len, unsigned mode);

/* The file of path, or NULL. */
const clp_bfile_t *clp_bundle_find(const clp_bundle_t *b, const char *path);

/* Sorts the files by path (the order of digests and listings). */
void clp_bundle_sort(clp_bundle_t *b);

/* Reads DIR/clp.conf (required) and every regular file below DIR/scripts
 * (optional) into b (empty), sorted by path. 0, or -errno with a sentence
 * naming the file in err. */
int clp_bundle_read_dir(clp_bundle_t *b, const char *dir, char *err, size_t errlen);

/* Same from a server's root: ROOT/etc/clp.conf and ROOT/scripts. */
int clp_bundle_read_root(clp_bundle_t *b, const char *root, char *err, size_t errlen);

/* Writes every file of b below dir (created if needed), each atomically
 * (clp_write_atomic) with its mode: clp.conf as DIR/clp.conf, scripts as
 * DIR/scripts/... 0, or -errno with a sentence in err. */
int clp_bundle_write_dir(const clp_bundle_t *b, const char *dir, char *err, size_t errlen);

/* Writes one file atomically with exactly mode: a temporary file beside it,
 * fsync, rename, fsync of the directory. 0 or -errno. */
int clp_bundle_write_file(const char *path, const void *data, size_t len, unsigned mode);

/* sha256 (hex) over the files in path order: path, mode, length, bytes. */
void clp_bundle_digest(const clp_bundle_t *b, char out[65]);

/* Checks that the scripts conf names are in b: each exec resource's
 * parameters/act/path and parameters/deact/path and each genw monitor's
 * parameters/path (default genw.sh) given as a relative name. Each missing one
 * is an error in d, with the file conf_file and the line of the element. Files
 * of scripts/ that no object uses are reported as warnings. Returns the number
 * of errors added. */
size_t clp_bundle_check(const clp_bundle_t *b, const clp_conf_t *conf, const char *conf_file,
                        clp_diag_t *d);

#endif

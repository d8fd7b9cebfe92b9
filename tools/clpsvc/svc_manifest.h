/*
 * svc_manifest: reads one SMF service manifest (a service_bundle of type
 * "manifest", as Solaris' svccfg imports it) into a plain value struct.
 *
 * Only what the restarter needs is kept: the service FMRI, the product's
 * service name and ipc name (property group "clusterpro"), the dependencies
 * (FMRI, grouping, restart_on), the start and stop exec_methods with their
 * timeouts and the kill mode. The file is parsed with libxml2 without network
 * access and without loading the external DTD. Every error names the file and
 * the line, in a sentence an operator understands. A manifest that is not
 * well-formed, holds no or several <service> elements, or lacks a start
 * method is refused.
 */
#ifndef SVC_MANIFEST_H
#define SVC_MANIFEST_H

#include <stddef.h>

#define SVC_FMRI_MAX 256
#define SVC_NAME_MAX 64
#define SVC_EXEC_MAX 1024
#define SVC_FILE_MAX 1024
#define SVC_DEPS_MAX 16

/* The FMRI prefix of the product's services; dependencies outside it (the
 * network milestone, ...) are kept in the struct but ignored by the graph. */
#define SVC_FMRI_PREFIX "svc:/application/clusterpro/"

/* One <dependency>: each <service_fmri> inside it is one row. */
typedef struct {
    char name[SVC_NAME_MAX];     /* the dependency element's name attribute */
    char fmri[SVC_FMRI_MAX];     /* normalised: "svc:/...", without ":default" */
    char grouping[24];           /* require_all, require_any, optional_all, exclude_all */
    char restart_on[16];         /* none, error, restart, refresh */
    int line;
} svc_dep_t;

typedef struct {
    char file[SVC_FILE_MAX];     /* the manifest it came from */
    int line;                    /* line of the <service> element */
    char fmri[SVC_FMRI_MAX];     /* "svc:/application/clusterpro/evt" */
    char name[SVC_NAME_MAX];     /* clusterpro/service_name, e.g. "clusterpro_evt" */
    char ipc[SVC_NAME_MAX];      /* clusterpro/ipc_name, e.g. "evt" */
    char kill_mode[16];          /* clusterpro/kill_mode: "group" (default) or "process" */
    svc_dep_t deps[SVC_DEPS_MAX];
    size_t n_deps;
    char start_exec[SVC_EXEC_MAX];
    unsigned start_timeout_s;    /* 0: no limit (SMF "0" or "-1") */
    char stop_exec[SVC_EXEC_MAX]; /* ":kill" when absent */
    unsigned stop_timeout_s;     /* 0: no limit */
} svc_manifest_t;

/* Parses the manifest at path into *out (fully overwritten). Returns 0, or
 * -EINVAL (not well-formed or not a valid manifest), -ENOENT / -errno (cannot
 * read), with "file:line: reason" in err. */
int svc_manifest_load(const char *path, svc_manifest_t *out, char *err, size_t errlen);

/* The same from len bytes of data (a manifest not read from a file; name
 * stands for the file in out->file and in messages). */
int svc_manifest_parse(const char *data, size_t len, const char *name, svc_manifest_t *out,
                       char *err, size_t errlen);

/* Loads every "*.xml" directly in dir, sorted by file name, into a heap array
 * the caller owns (free()). Stops at the first bad manifest. Returns the count
 * (>= 1) or -errno with the reason in err (-ENOENT when dir holds none). */
int svc_manifest_load_dir(const char *dir, svc_manifest_t **out, char *err, size_t errlen);

/* Normalises an FMRI: adds "svc:/" when missing, drops a ":default" instance.
 * Writes at most n bytes. */
void svc_fmri_normalise(const char *in, char *out, size_t n);

#endif

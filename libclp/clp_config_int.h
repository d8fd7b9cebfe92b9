/*
 * clp_config_int: what the loader's files (clp_config*.c) share and nothing
 * else includes (unit tests may, to check the tables against the docs).
 *
 * A load runs in one clp_ld_t: the model being built, the diagnostics, the
 * out-of-memory flag and the "reported once" set. Every helper here records
 * allocation failure in ld->oom instead of returning it, so that the parse and
 * validation code reads as a list of checks; clp_conf_load_mem looks at
 * ld->oom once at the end and turns it into NULL/ENOMEM.
 *
 * Stages: clp_config_parse.c and clp_config_objects.c (XML -> model,
 * per-value checks), clp_config_defaults.c (common fields from the tables in
 * clp_config_fields.c, derived defaults, sorting), clp_config_validate.c
 * (names, uniqueness, limits, heartbeats, ports) with clp_config_refs.c
 * (references and dependency cycles), and clp_config_types.c (per-type
 * parameters).
 */
#ifndef CLP_CONFIG_INT_H
#define CLP_CONFIG_INT_H

#include "clp_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <libxml/tree.h>

/* Product limits this loader enforces (reference section 10; values [U]). */
#define CLP_MAX_SERVERS 32
#define CLP_MAX_GROUPS 128
#define CLP_MAX_GROUP_RESOURCES 256
#define CLP_MAX_MONITORS 512
#define CLP_MAX_SERVERGROUPS 9
#define CLP_NAME_LEN_MAX 31

/* Largest clp.conf accepted (bytes). */
#define CLP_CONF_MAX_BYTES (16u * 1024u * 1024u)

typedef struct {
    clp_param_t *v;
    size_t n, cap;
} clp_pvec_t;

typedef struct clp_ld {
    clp_conf_t *c;
    clp_diag_t *diag;
    const char *file;
    bool oom;
    char **once; /* keys already reported by clp_ld_once */
    size_t n_once, cap_once;
    clp_pvec_t top; /* becomes c->cluster.params */
    int root_line;  /* line of <root>, for diagnostics about what is missing */
} clp_ld_t;

/* An integer field's allowed values: [min, max], or one of codes when n_codes > 0. */
typedef struct {
    long min, max;
    const int *codes;
    size_t n_codes;
    const char *codes_text; /* "0, 1, 2, 3, 4, 5, 8-15" */
    const char *unit;       /* "ms", "s", "%" or "" */
} clp_range_t;

/* One common integer field of an object, read from its params. */
typedef struct {
    const char *key;  /* relative to the object's element */
    size_t off;       /* offsetof() the int in the object struct */
    int def;          /* CLP_DEF_PRESET: the value already in the struct is the default */
    clp_range_t range;
    const char *meaning;
} clp_field_t;

#define CLP_DEF_PRESET (-2147483647 - 1)

/* ---- clp_config.c: diagnostics and memory helpers ---- */

/* Adds one diagnostic for ld->file (sets ld->oom when it cannot). */
void clp_ld_diag(clp_ld_t *ld, clp_diag_kind_t kind, int line, const char *path, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));
/* True the first time key is seen in this load (for "reported once" items). */
bool clp_ld_once(clp_ld_t *ld, const char *key);
/* strdup (NULL s gives ""); NULL and ld->oom on failure. Caller owns. */
char *clp_ld_strdup(clp_ld_t *ld, const char *s);
/* calloc of at least one byte; NULL and ld->oom on failure. Caller owns. */
void *clp_ld_calloc(clp_ld_t *ld, size_t n, size_t size);
/* printf into a new heap string; NULL (and ld->oom) on failure. */
char *clp_ld_printf(clp_ld_t *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends (key, value, line); takes ownership of key and value (frees them on failure). */
void clp_pvec_add(clp_ld_t *ld, clp_pvec_t *pv, char *key, char *value, int line);
/* Moves pv into p (p must be empty). */
void clp_pvec_move(clp_pvec_t *pv, clp_params_t *p);
/* Frees every key and value of p and empties it. */
void clp_params_clear(clp_params_t *p);
/* The param whose key is exactly key, or NULL. */
const clp_param_t *clp_params_find(const clp_params_t *p, const char *key);
/* Line of the first param whose key is prefix or starts with prefix + "/"; def if none. */
int clp_params_line(const clp_params_t *p, const char *prefix, int def);
/* Copies s into a fixed buffer of size n (truncating). */
void clp_copy(char *dst, size_t n, const char *s);

/* ---- value checks (clp_config_fields.c) ---- */

/* True for a value that is exactly __UPPER_CASE_WORDS__ (an unsubstituted template). */
bool clp_is_placeholder(const char *s);
/* Parses a whole decimal number (surrounding blanks allowed). 0 or -EINVAL. */
int clp_parse_long(const char *s, long *out);
/* IPv4 or IPv6 literal; with allow_prefix also "addr/len". */
bool clp_is_ip(const char *s, bool allow_prefix);
/* IP literal or a syntactically valid host name. */
bool clp_is_host(const char *s);
/* Checks one text value against rg and stores it in *out (def when absent,
 * empty, a placeholder (warning) or invalid (error, -EINVAL)). meaning may be NULL. */
int clp_ld_int_value(clp_ld_t *ld, const char *value, int line, const char *path,
                     const char *meaning, const clp_range_t *rg, int def, int *out);
/* Reads key of p into *out with the range rg. Absent or empty: def. A template
 * placeholder: warning, def. Not a number or out of range: error, def, -EINVAL. */
int clp_ld_int(clp_ld_t *ld, const clp_params_t *p, const char *objpath, const char *key,
               const clp_range_t *rg, int def, int *out);
/* Applies a field table to the struct at base. */
void clp_ld_fields(clp_ld_t *ld, const clp_params_t *p, const char *objpath, void *base,
                   const clp_field_t *f, size_t n);
/* The common field tables (exposed for the docs consistency test). */
extern const clp_field_t clp_cluster_fields[];
extern const size_t clp_n_cluster_fields;
extern const clp_field_t clp_webmgr_fields[];
extern const size_t clp_n_webmgr_fields;
extern const clp_field_t clp_group_fields[];
extern const size_t clp_n_group_fields;
extern const clp_field_t clp_resource_fields[];
extern const size_t clp_n_resource_fields;
extern const clp_field_t clp_monitor_fields[];
extern const size_t clp_n_monitor_fields;
extern const clp_field_t clp_server_fields[];
extern const size_t clp_n_server_fields;

/* ---- XML node helpers (clp_config_parse.c) ---- */

/* True for an element node called name (any element when name is NULL). */
bool clp_x_is_elem(const xmlNode *n, const char *name);
/* The node's line (0 when unknown). */
int clp_x_line_of(const xmlNode *n);
/* Value of attribute attr (heap, caller frees), or NULL when absent. */
char *clp_x_attr_of(clp_ld_t *ld, const xmlNode *n, const char *attr);
/* Text content without surrounding blanks (heap, caller frees). */
char *clp_x_text_of(clp_ld_t *ld, const xmlNode *n);
/* Text of the first child element called name (heap), or NULL when there is none. */
char *clp_x_child_text(clp_ld_t *ld, const xmlNode *n, const char *name);
/* Every leaf below n into p (keys relative to n), leaving out direct children in
 * the NULL-terminated skip list (may be NULL). p must be empty. */
void clp_x_flatten_to(clp_ld_t *ld, clp_params_t *p, const xmlNode *n, const char *const *skip);
/* Number of child elements called name (any when NULL), not counting except. */
size_t clp_x_count_children(const xmlNode *n, const char *name, const char *except);
/* Appends s (owned; NULL means out of memory) to a string vector of *n entries. */
void clp_x_strv_push(clp_ld_t *ld, char ***v, size_t *n, char *s);
/* The name attribute of an object element (heap), or NULL after reporting an error. */
char *clp_x_object_name(clp_ld_t *ld, const xmlNode *n, const char *where);

/* ---- object elements (clp_config_objects.c); each adds one object to ld->c,
 * whose arrays clp_config_parse sized beforehand ---- */

void clp_parse_server(clp_ld_t *ld, const xmlNode *n);
void clp_parse_servergroup(clp_ld_t *ld, const xmlNode *n);
/* A child of <heartbeat> (np_section false) or of <networkpartition>. */
void clp_parse_hb_np(clp_ld_t *ld, const xmlNode *n, bool np_section);
void clp_parse_group(clp_ld_t *ld, const xmlNode *n);
void clp_parse_resource(clp_ld_t *ld, const xmlNode *n);
void clp_parse_monitor(clp_ld_t *ld, const xmlNode *n);

/* ---- validation helpers (clp_config_validate.c) ---- */

/* Checks a name's length and characters; reports an error at line/path naming
 * what ("server", "group", ...). True when the name is acceptable. */
bool clp_check_name(clp_ld_t *ld, const char *what, const char *name, int line,
                    const char *path);
/* Index of the resource / group called name, or -1. */
ssize_t clp_find_resource(const clp_conf_t *c, const char *name);
ssize_t clp_find_group(const clp_conf_t *c, const char *name);
/* Line of the param whose key is prefix + name (or below it); def if none. */
int clp_key_line(const clp_params_t *p, const char *prefix, const char *name, int def);
/* clp_config_refs.c: the group, resource and monitor checks. */
void clp_validate_groups(clp_ld_t *ld);
void clp_validate_resources(clp_ld_t *ld);
void clp_validate_monitors(clp_ld_t *ld);
/* clp_config_safety.c: configurations that load but would be dangerous to run. */
void clp_validate_safety(clp_ld_t *ld);
/* clp_config_rexec.c: cluster/rexec/clientlist entries, mrw category and keyword. */
void clp_validate_rexec(clp_ld_t *ld);

/* ---- stages ---- */

/* clp_config_parse.c: parses data into ld->c; 0, or -EINVAL when the XML is
 * unusable (errors are in the diagnostics). */
int clp_config_parse(clp_ld_t *ld, const char *data, size_t len);
/* clp_config_defaults.c: fills every common field from the params (defaults,
 * ranges, derived values such as the default policy) and sorts the arrays. */
void clp_config_defaults(clp_ld_t *ld);
/* clp_config_validate.c: cross-object checks and unsupported-type reports. */
void clp_config_validate(clp_ld_t *ld);
/* clp_config_types.c: checks an object's params (and per-server overrides, ov
 * may be NULL) against its type row: values, ranges, required keys. */
void clp_config_check_type(clp_ld_t *ld, const clp_type_info_t *t, const char *objname,
                           const clp_params_t *p, const clp_server_override_t *ov, size_t n_ov,
                           const char *objpath, int objline);
/* True when key matches the table pattern pat ("@*" segments match any value). */
bool clp_key_match(const char *pat, const char *key);

#endif

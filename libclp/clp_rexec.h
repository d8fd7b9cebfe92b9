/*
 * clp_rexec: the rules of clprexec requests, in one place for everything that
 * handles them: the command (tools/clprexec.c) checks what it sends, trn
 * (services/trn/trn_rexec.c) checks what arrives, the core's message receive
 * monitor (services/core/monitors/mrw.c) matches notices, and the WebManager's
 * scripts/run uses the same script rule.
 *
 * Everything here is pure (strings in, verdict out) except
 * clp_rexec_script_path, which looks at the file system to resolve a script
 * inside <root>/work/rexec/ and refuses anything that leaves it.
 *
 * Lengths: a category holds up to CLP_REXEC_CATEGORY_MAX bytes, a keyword up
 * to CLP_REXEC_KEYWORD_MAX (the original broke on keywords of 256 characters
 * and more; here they are compared whole, and longer ones are refused with a
 * sentence, never cut).
 */
#ifndef CLP_REXEC_H
#define CLP_REXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "clp_config.h"
#include "clp_proto/rexec.pb-c.h"

#define CLP_REXEC_CATEGORY_MAX 255
#define CLP_REXEC_KEYWORD_MAX 1023
#define CLP_REXEC_SCRIPT_MAX 255
#define CLP_REXEC_DIR "work/rexec"
#define CLP_REXEC_WAIT_DEFAULT_S 180
#define CLP_REXEC_WAIT_MAX_S 999999
/* clp.conf: the list of hosts allowed when cluster/rexec/allowany is 0 */
#define CLP_REXEC_CLIENT_KEY "cluster/rexec/clientlist/ip@"

/* Splits the argument of -k, "CATEGORY[.KEYWORD]": the category ends at the
 * first '.', the keyword is everything after it (it may hold dots). Both are
 * checked (clp_rexec_check_category/_keyword). cat must hold
 * CLP_REXEC_CATEGORY_MAX + 1 bytes, kw CLP_REXEC_KEYWORD_MAX + 1. Returns 0,
 * or -EINVAL with a sentence in err. */
int clp_rexec_split_key(const char *arg, char *cat, size_t catlen, char *kw, size_t kwlen,
                        char *err, size_t errlen);

/* A category: 1..CLP_REXEC_CATEGORY_MAX bytes, no '.', no control characters.
 * Returns 0 or -EINVAL with a sentence in err. */
int clp_rexec_check_category(const char *s, char *err, size_t errlen);

/* A keyword: 0..CLP_REXEC_KEYWORD_MAX bytes, no control characters. */
int clp_rexec_check_keyword(const char *s, char *err, size_t errlen);

/* A script name: a plain file name in work/rexec/ (1..CLP_REXEC_SCRIPT_MAX bytes,
 * no '/', not "." or "..", no control characters). */
int clp_rexec_check_script_name(const char *name, char *err, size_t errlen);

/* A whole request as it arrives: a known operation and what that operation
 * needs (FAILOVER a group or a resource; SCRIPT a script name; NOTICE and
 * CLEAR a monitor or a category), each field within its limits. Returns 0 or
 * -EINVAL with a sentence in err. */
int clp_rexec_check_request(const Clp__RexecRequest *r, char *err, size_t errlen);

/* Does a notice (category, keyword; keyword may be NULL or "") reach a
 * message receive monitor configured with mon_category and mon_keyword
 * (NULL or "" = none)? The categories must be equal; a monitor with a
 * keyword takes only notices with that same keyword, a monitor without one
 * takes every notice of its category. Comparisons are exact and whole. */
bool clp_rexec_match(const char *mon_category, const char *mon_keyword, const char *category,
                     const char *keyword);

/* Does the address entry ("ADDR" or "ADDR/PREFIX", IPv4 or IPv6) cover addr?
 * An IPv4-mapped IPv6 addr (::ffff:a.b.c.d) is matched as IPv4. */
bool clp_rexec_addr_match(const char *entry, const char *addr);

/* May a request from addr be served? Yes when cluster/rexec/allowany is 1,
 * when addr is an address of a server of the cluster (a device of type lan in
 * clp.conf), or when an entry of cluster/rexec/clientlist covers it. */
bool clp_rexec_source_allowed(const clp_conf_t *c, const char *addr);

/* Resolves <root>/work/rexec/<name> into out (its real path). Refuses, with a
 * sentence in err: a bad name, a missing file, anything that is not a regular
 * executable file, and a symbolic link (or a work/rexec that is one) whose
 * target lies outside the real work/rexec directory. Returns 0, -EINVAL,
 * -ENOENT, -EACCES or -EPERM (escapes the directory). */
int clp_rexec_script_path(const char *root, const char *name, char *out, size_t outlen, char *err,
                          size_t errlen);

/* One line naming the request for alerts and logs ("failover group1",
 * "notice app.disk", "script check.sh", ...). */
void clp_rexec_describe(const Clp__RexecRequest *r, char *out, size_t n);

/* "failover", "script", "notice", "clear" or "unknown". */
const char *clp_rexec_op_name(int op);

#endif

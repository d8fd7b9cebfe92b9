/*
 * clp_cfstore: the configuration installed on a server, and its generation.
 *
 * Installed: ROOT/etc/clp.conf and ROOT/scripts/ (what the daemons load), and
 * ROOT/etc/clp.conf.gen, the generation record clpcfctrl's push writes last:
 *
 *   generation=7
 *   conf_sha256=<sha256 of etc/clp.conf>
 *   digest=<clp_bundle_digest of clp.conf and scripts/>
 *   pushed_by=root@srv1 (clpcfctrl)
 *   pushed_wall_ms=1718000000000
 *
 * The generation counts pushes: each push gives the cluster one number
 * higher than any server had. A daemon's configuration generation is the
 * record's when the record's conf_sha256 is the sha256 of the clp.conf it
 * loaded (clp_cfstore_apply); otherwise (no record, or a clp.conf edited by
 * hand after the push) it stays what the loader set (trekking/configid when it
 * is a number, else 0).
 *
 * Installing is two-phase and atomic per server:
 *   stage   the bundle is written below ROOT/.cfstage-<txid>/ (clp.conf and
 *           scripts/), every file and directory fsynced;
 *   commit  scripts/ is exchanged with the staged tree in one rename
 *           (renameat2 RENAME_EXCHANGE; two renames where the file system
 *           cannot exchange), then etc/clp.conf and last etc/clp.conf.gen are
 *           replaced atomically; the stage directory (now the old scripts) is
 *           removed;
 *   drop    the stage directory is removed.
 * A reader sees the old or the new scripts directory, never a mixture, and the
 * generation record only once clp.conf is in place. Stage directories older
 * than a limit (a coordinator that went away) are removed by clp_cfstore_clean.
 */
#ifndef CLP_CFSTORE_H
#define CLP_CFSTORE_H

#include <stdint.h>

#include "clp_bundle.h"
#include "clp_config.h"

typedef struct {
    uint64_t generation;
    char conf_sha256[65];
    char digest[65];
    char pushed_by[128];
    uint64_t pushed_wall_ms;
} clp_cfmeta_t;

/* Reads ROOT/etc/clp.conf.gen into m. 0, -ENOENT when there is none, -EINVAL
 * when it is unreadable as a record. */
int clp_cfmeta_read(const char *root, clp_cfmeta_t *m);

/* Writes ROOT/etc/clp.conf.gen atomically. 0 or -errno. */
int clp_cfmeta_write(const char *root, const clp_cfmeta_t *m);

/* Sets conf->generation from ROOT's record when the record describes the
 * clp.conf conf was loaded from (same sha256). Returns 1 when it did, 0 when
 * there is no record, -ESTALE when the record describes another clp.conf. */
int clp_cfstore_apply(const char *root, clp_conf_t *conf);

/* What ROOT has installed: generation (0 when unknown) and the digest of
 * etc/clp.conf + scripts/ computed now. 0 or -errno (no clp.conf). */
int clp_cfstore_current(const char *root, uint64_t *generation, char digest[65]);

/* True when txid can name a stage (1-64 of [A-Za-z0-9_.-], not starting with '.'). */
bool clp_cfstore_txid_ok(const char *txid);

/* Writes b below ROOT/.cfstage-<txid>/ (replacing a stage of that txid).
 * 0, or -errno with a sentence in err. */
int clp_cfstore_stage(const char *root, const char *txid, const clp_bundle_t *b, char *err,
                      size_t errlen);

/* Installs the stage txid with the record m (its conf_sha256 and digest are
 * filled here from the staged files). 0, or -errno with a sentence in err
 * (-ENOENT: no such stage). */
int clp_cfstore_commit(const char *root, const char *txid, clp_cfmeta_t *m, char *err,
                       size_t errlen);

/* Removes the stage txid (0 also when there is none). */
int clp_cfstore_drop(const char *root, const char *txid);

/* Stage and commit in one call (the start-up download). */
int clp_cfstore_install(const char *root, const clp_bundle_t *b, clp_cfmeta_t *m, char *err,
                        size_t errlen);

/* Removes stage directories older than max_age_s seconds; puts scripts/ back
 * from a half-done two-rename commit. Returns the number removed. */
int clp_cfstore_clean(const char *root, unsigned max_age_s);

#endif

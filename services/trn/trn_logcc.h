/*
 * trn_logcc: log collection (clplogcc) in clusterpro_trn.
 *
 * clplogcc asks the local trn (LogCollectRequest over ipc). That trn is the
 * collector: it asks every chosen server's trn (LogPrepareRequest over the
 * CURVE-protected data transfer port; itself directly) to pack its logs into
 * a tar.gz in a child process, fetches each archive in chunks of at most
 * 4 MiB (LogChunkRequest / LogChunk, below CLP_MSG_MAX), unpacks them side by
 * side under work/logcc/<job>/ and packs them into one archive
 * work/logcc/clplogcc-<cluster>-<time>.tar.gz, whose path it answers with
 * (LogCollectReply); the tool moves it to the directory the operator chose.
 * A server that does not answer in time is reported as failed and the others
 * are still collected.
 *
 * What a server packs, as <server>/... in the archive:
 *   type1 (default): log/, alert/, etc/clp.conf, etc/platform.conf and sysinfo/
 *                    (uname, ip addr/route/link, mounts, ps, df, free, uptime,
 *                    date, hostname)
 *   type2:           type1 and work/ (the persisted state)
 *   type3:           log/ and alert/ only
 * The cluster key (etc/clp.key) is never collected.
 */
#ifndef TRN_LOGCC_H
#define TRN_LOGCC_H

#include "trn.h"

#define TRN_LOGCC_CHUNK_MAX (4u << 20)

int trn_logcc_init(trn_t *t);
void trn_logcc_fini(trn_t *t);
void trn_logcc_status(trn_t *t, Clp__StatusReply *rep);

/* Handlers (rows of trn_handlers). */
void trn_logcc_on_collect(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);
void trn_logcc_on_prepare(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);
void trn_logcc_on_chunk(void *arg, clp_srv_req_t *req, const Clp__Envelope *env);

/* True when s is a usable job id (1-64 of [A-Za-z0-9_.-], not starting with '.'). */
bool trn_logcc_job_ok(const char *s);

#endif

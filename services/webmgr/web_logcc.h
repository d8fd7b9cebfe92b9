/*
 * web_logcc: log collection from the browser (the clplogcc of the WebManager).
 *
 * POST /api/v1/logs/collect starts a job: one LogCollectRequest to the local
 * clusterpro_trn, which gathers every server's logs into one archive on this
 * server. The page polls GET /api/v1/logs/collect/{id} and, once the job is
 * done, downloads GET /api/v1/logs/download/{id}. An archive is removed
 * WEB_LOGCC_KEEP_MS after its job ended, or when WEB_LOGCC_JOBS newer jobs
 * have been started; jobs are forgotten when the daemon stops (their
 * archives are removed then too).
 */
#ifndef WEB_LOGCC_H
#define WEB_LOGCC_H

#include "web.h"

#define WEB_LOGCC_JOBS 4
#define WEB_LOGCC_KEEP_MS (15u * 60u * 1000u)

web_logcc_t *web_logcc_new(web_t *w);
void web_logcc_destroy(web_logcc_t **l);

#endif

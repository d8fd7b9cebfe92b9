/*
 * web_logcc: log collection jobs and the archive download.
 */
#define CLP_LOG_TAG "webmgr.logcc"
#include "web_logcc.h"

#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"
#include "web_api.h"
#include "web_call.h"

#define PER_SERVER_TIMEOUT_MS 120000

typedef struct {
    bool used;
    web_logcc_t *l;
    char id[17];
    int state; /* 0 running, 1 done, 2 failed */
    char message[256];
    char archive[CLP_PATH_MAX];
    uint64_t size;
    uint64_t ended_ms;
    size_t n_servers;
    struct {
        char name[CLP_NAME_MAX];
        bool ok;
        char message[160];
        uint64_t bytes;
    } servers[32];
} job_t;

struct web_logcc {
    web_t *w;
    job_t jobs[WEB_LOGCC_JOBS];
    unsigned next;
};

static web_logcc_t *the(web_req_t *r)
{
    return r->w->logcc;
}

static void drop(job_t *j)
{
    if (j->state == 1 && j->archive[0]) {
        unlink(j->archive);
    }
    memset(j, 0, sizeof(*j));
}

static void expire(web_logcc_t *l)
{
    uint64_t now = clp_mono_ms();
    for (int i = 0; i < WEB_LOGCC_JOBS; i++) {
        job_t *j = &l->jobs[i];
        if (j->used && j->state != 0 && now - j->ended_ms > WEB_LOGCC_KEEP_MS) {
            drop(j);
        }
    }
}

static job_t *find(web_logcc_t *l, const char *id)
{
    expire(l);
    for (int i = 0; i < WEB_LOGCC_JOBS; i++) {
        if (l->jobs[i].used && strcmp(l->jobs[i].id, id) == 0) {
            return &l->jobs[i];
        }
    }
    return NULL;
}

web_logcc_t *web_logcc_new(web_t *w)
{
    web_logcc_t *l = xcalloc(1, sizeof(*l));
    l->w = w;
    return l;
}

void web_logcc_destroy(web_logcc_t **pl)
{
    if (!pl || !*pl) {
        return;
    }
    for (int i = 0; i < WEB_LOGCC_JOBS; i++) {
        if ((*pl)->jobs[i].used) {
            drop(&(*pl)->jobs[i]);
        }
    }
    free(*pl);
    *pl = NULL;
}

static void on_collected(void *arg, const Clp__Envelope *rep, int status, const char *err)
{
    job_t *j = arg;
    j->ended_ms = clp_mono_ms();
    if (!j->used) {
        return;
    }
    if (!rep || rep->payload_case != CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REPLY) {
        j->state = 2;
        snprintf(j->message, sizeof(j->message), "%s", err ? err : "unexpected reply");
        return;
    }
    const Clp__LogCollectReply *lr = rep->log_collect_reply;
    j->n_servers = lr->n_servers < 32 ? lr->n_servers : 32;
    for (size_t i = 0; i < j->n_servers; i++) {
        snprintf(j->servers[i].name, sizeof(j->servers[i].name), "%s", lr->servers[i]->server);
        j->servers[i].ok = lr->servers[i]->ok;
        snprintf(j->servers[i].message, sizeof(j->servers[i].message), "%s",
                 lr->servers[i]->message);
        j->servers[i].bytes = lr->servers[i]->bytes;
    }
    struct stat st;
    if (!lr->ok || !lr->archive || stat(lr->archive, &st) < 0) {
        j->state = 2;
        snprintf(j->message, sizeof(j->message), "%s",
                 lr->message && lr->message[0] ? lr->message : "no archive was made");
        return;
    }
    j->state = 1;
    j->size = (uint64_t)st.st_size;
    snprintf(j->archive, sizeof(j->archive), "%s", lr->archive);
    snprintf(j->message, sizeof(j->message), "%s", "Log collection completed.");
    clp_info("log collection %s: %s (%" PRIu64 " bytes)", j->id, j->archive, j->size);
}

static void write_job(wj_t *w, const job_t *j)
{
    static const char *states[] = {"running", "done", "failed"};
    wj_obj(w, "job");
    wj_str(w, "id", j->id);
    wj_str(w, "state", states[j->state]);
    wj_str(w, "message", j->message);
    if (j->state == 1) {
        char tmp[CLP_PATH_MAX];
        snprintf(tmp, sizeof(tmp), "%s", j->archive);
        wj_str(w, "file", basename(tmp));
        wj_uint(w, "size", j->size);
    }
    wj_arr(w, "servers");
    for (size_t i = 0; i < j->n_servers; i++) {
        wj_obj(w, NULL);
        wj_str(w, "name", j->servers[i].name);
        wj_bool(w, "ok", j->servers[i].ok);
        wj_str(w, "message", j->servers[i].message);
        wj_uint(w, "bytes", j->servers[i].bytes);
        wj_end(w);
    }
    wj_end(w);
    wj_end(w);
}

void api_post_logs_collect(web_req_t *r)
{
    web_logcc_t *l = the(r);
    const char *type = wjv_get_str(r->body, "type");
    if (!type) {
        type = "type1";
    }
    if (strcmp(type, "type1") && strcmp(type, "type2") && strcmp(type, "type3")) {
        web_reply_error(r, 400, "\"type\" must be type1, type2 or type3");
        return;
    }
    expire(l);
    for (int i = 0; i < WEB_LOGCC_JOBS; i++) {
        if (l->jobs[i].used && l->jobs[i].state == 0) {
            web_reply_error(r, 409, "a log collection is already running (job %s)", l->jobs[i].id);
            return;
        }
    }
    job_t *j = &l->jobs[l->next++ % WEB_LOGCC_JOBS];
    if (j->used) {
        drop(j);
    }
    j->used = true;
    j->l = l;
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(j->id, sizeof(j->id), rnd, sizeof(rnd));
    snprintf(j->message, sizeof(j->message), "Collecting the logs of every server...");
    clp_info("log collection %s (%s) requested by %s(IP=%s)", j->id, type, web_via(r), r->client);

    Clp__Envelope env = CLP__ENVELOPE__INIT;
    Clp__LogCollectRequest cr = CLP__LOG_COLLECT_REQUEST__INIT;
    cr.type = (char *)type;
    cr.timeout_ms = PER_SERVER_TIMEOUT_MS;
    env.payload_case = CLP__ENVELOPE__PAYLOAD_LOG_COLLECT_REQUEST;
    env.log_collect_request = &cr;
    web_call_local(r->w, "trn", &env, PER_SERVER_TIMEOUT_MS + 120000, on_collected, j);

    wj_t w;
    web_json_begin(&w);
    write_job(&w, j);
    web_reply_json(r, &w);
}

void api_get_logs_job(web_req_t *r)
{
    job_t *j = find(the(r), r->param[0]);
    if (!j) {
        web_reply_error(r, 404, "no log collection job %s", r->param[0]);
        return;
    }
    wj_t w;
    web_json_begin(&w);
    write_job(&w, j);
    web_reply_json(r, &w);
}

void api_get_logs_download(web_req_t *r)
{
    job_t *j = find(the(r), r->param[0]);
    if (!j || j->state != 1) {
        web_reply_error(r, 404, "no collected archive for job %s", r->param[0]);
        return;
    }
    int fd = open(j->archive, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        web_reply_error(r, 404, "the archive of job %s is gone", r->param[0]);
        return;
    }
    char tmp[CLP_PATH_MAX], disp[CLP_PATH_MAX + 64];
    snprintf(tmp, sizeof(tmp), "%s", j->archive);
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", basename(tmp));
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Disposition", disp);
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_file(b, fd, 0, st.st_size);
    web_reply(r, 200, "application/gzip", b);
}

/*
 * web_auth: password rights, verified by a worker thread, remembered briefly.
 */
#define CLP_LOG_TAG "webmgr.auth"
#include "web_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_log.h"
#include "clp_time.h"
#include "clp_xalloc.h"

#define CACHE_SLOTS 32
#define CACHE_TTL_MS (300 * 1000)

typedef struct job {
    struct job *next;
    char *password;
    unsigned char digest[32];
    web_right_t right;
    web_auth_fn fn;
    void *arg;
} job_t;

typedef struct {
    unsigned char digest[32];
    web_right_t right;
    uint64_t until_ms;
    bool used;
} slot_t;

struct web_auth {
    char *hash_op, *hash_ref;
    unsigned char cache_key[crypto_generichash_KEYBYTES];
    slot_t cache[CACHE_SLOTS];
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t *todo, *done; /* guarded by mu */
    size_t waiting;     /* jobs in todo + in progress + done (loop side) */
    bool quit;
    int pipe_rd, pipe_wr;
    struct event *ev;
    unsigned long verifications;
};

static web_right_t verify(const web_auth_t *a, const char *pw)
{
    size_t n = strlen(pw);
    if (a->hash_op && crypto_pwhash_str_verify(a->hash_op, pw, n) == 0) {
        return WEB_RIGHT_OP;
    }
    if (a->hash_ref && crypto_pwhash_str_verify(a->hash_ref, pw, n) == 0) {
        return a->hash_op ? WEB_RIGHT_REF : WEB_RIGHT_OP;
    }
    return WEB_RIGHT_NONE;
}

static void *worker(void *arg)
{
    web_auth_t *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->todo && !a->quit) {
            pthread_cond_wait(&a->cv, &a->mu);
        }
        if (a->quit) {
            break;
        }
        job_t *j = a->todo;
        a->todo = j->next;
        pthread_mutex_unlock(&a->mu);
        j->right = verify(a, j->password);
        sodium_memzero(j->password, strlen(j->password));
        pthread_mutex_lock(&a->mu);
        j->next = a->done;
        a->done = j;
        char c = 1;
        if (write(a->pipe_wr, &c, 1) < 0) {
            /* the pipe is full: the loop has wake-ups pending anyway */
        }
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static void remember(web_auth_t *a, const unsigned char *digest, web_right_t right)
{
    uint64_t now = clp_mono_ms();
    slot_t *victim = &a->cache[0];
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        slot_t *s = &a->cache[i];
        if (!s->used || s->until_ms < now || memcmp(s->digest, digest, 32) == 0) {
            victim = s;
            break;
        }
        if (s->until_ms < victim->until_ms) {
            victim = s;
        }
    }
    memcpy(victim->digest, digest, 32);
    victim->right = right;
    victim->until_ms = now + CACHE_TTL_MS;
    victim->used = true;
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
    web_auth_t *a = arg;
    char buf[64];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    pthread_mutex_lock(&a->mu);
    job_t *list = a->done;
    a->done = NULL;
    pthread_mutex_unlock(&a->mu);
    while (list) {
        job_t *j = list;
        list = j->next;
        a->verifications++;
        remember(a, j->digest, j->right);
        a->waiting--;
        j->fn(j->arg, j->right);
        free(j->password);
        free(j);
    }
}

web_auth_t *web_auth_new(struct event_base *base, const char *hash_op, const char *hash_ref)
{
    if (sodium_init() < 0) {
        return NULL;
    }
    web_auth_t *a = xcalloc(1, sizeof(*a));
    a->hash_op = hash_op && hash_op[0] ? xstrdup(hash_op) : NULL;
    a->hash_ref = hash_ref && hash_ref[0] ? xstrdup(hash_ref) : NULL;
    randombytes_buf(a->cache_key, sizeof(a->cache_key));
    a->pipe_rd = a->pipe_wr = -1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
        web_auth_destroy(&a);
        return NULL;
    }
    a->pipe_rd = p[0];
    a->pipe_wr = p[1];
    a->ev = event_new(base, a->pipe_rd, EV_READ | EV_PERSIST, on_done, a);
    event_add(a->ev, NULL);
    if (pthread_create(&a->thread, NULL, worker, a) != 0) {
        web_auth_destroy(&a);
        return NULL;
    }
    a->thread_started = true;
    return a;
}

void web_auth_destroy(web_auth_t **pa)
{
    if (!pa || !*pa) {
        return;
    }
    web_auth_t *a = *pa;
    if (a->thread_started) {
        pthread_mutex_lock(&a->mu);
        a->quit = true;
        pthread_cond_signal(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->thread, NULL);
    }
    for (job_t *lists[2] = {a->todo, a->done}, **l = lists; l < lists + 2; l++) {
        while (*l) {
            job_t *j = *l;
            *l = j->next;
            free(j->password);
            free(j);
        }
    }
    if (a->ev) {
        event_free(a->ev);
    }
    if (a->pipe_rd >= 0) {
        close(a->pipe_rd);
        close(a->pipe_wr);
    }
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a->hash_op);
    free(a->hash_ref);
    free(a);
    *pa = NULL;
}

web_right_t web_auth_anonymous(const web_auth_t *a)
{
    if (a->hash_ref) {
        return WEB_RIGHT_NONE;
    }
    return a->hash_op ? WEB_RIGHT_REF : WEB_RIGHT_OP;
}

bool web_auth_has_passwords(const web_auth_t *a)
{
    return a->hash_op || a->hash_ref;
}

int web_auth_check(web_auth_t *a, const char *password, web_auth_fn fn, void *arg)
{
    unsigned char digest[32];
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)password, strlen(password),
                       a->cache_key, sizeof(a->cache_key));
    uint64_t now = clp_mono_ms();
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        slot_t *s = &a->cache[i];
        if (s->used && s->until_ms >= now && sodium_memcmp(s->digest, digest, 32) == 0) {
            fn(arg, s->right);
            return 0;
        }
    }
    if (!web_auth_has_passwords(a)) {
        fn(arg, WEB_RIGHT_NONE);
        return 0;
    }
    if (a->waiting >= WEB_AUTH_QUEUE) {
        return -EBUSY;
    }
    job_t *j = xcalloc(1, sizeof(*j));
    j->password = xstrdup(password);
    memcpy(j->digest, digest, sizeof(digest));
    j->fn = fn;
    j->arg = arg;
    a->waiting++;
    pthread_mutex_lock(&a->mu);
    job_t **tail = &a->todo;
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = j;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return 0;
}

unsigned long web_auth_verifications(const web_auth_t *a)
{
    return a->verifications;
}

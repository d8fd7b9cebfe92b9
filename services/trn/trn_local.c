/*
 * trn_local: the asynchronous clients to the local core and restarter.
 */
#include "trn_local.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "clp_xalloc.h"

typedef struct {
    clp_aclient_t *core;
    clp_aclient_t *svc;
} local_t;

static local_t *L(trn_t *t)
{
    return t->modules[TRN_MOD_LOCAL];
}

int trn_local_init(trn_t *t)
{
    local_t *l = xcalloc(1, sizeof(*l));
    char ep[CLP_PATH_MAX];
    clp_endpoint_ipc(ep, sizeof(ep), t->d->root, "core");
    l->core = clp_aclient_new(t->d->base, t->d->zctx, ep, NULL, &t->d->mctx);
    clp_endpoint_ipc(ep, sizeof(ep), t->d->root, "clpsvc");
    l->svc = clp_aclient_new(t->d->base, t->d->zctx, ep, NULL, &t->d->mctx);
    t->modules[TRN_MOD_LOCAL] = l;
    return l->core && l->svc ? 0 : -1;
}

void trn_local_fini(trn_t *t)
{
    local_t *l = L(t);
    if (!l) {
        return;
    }
    clp_aclient_destroy(&l->core);
    clp_aclient_destroy(&l->svc);
    free(l);
    t->modules[TRN_MOD_LOCAL] = NULL;
}

clp_aclient_t *trn_local_core(trn_t *t)
{
    return L(t)->core;
}

clp_aclient_t *trn_local_svc(trn_t *t)
{
    return L(t)->svc;
}

static bool sock_present(trn_t *t, const char *name)
{
    char f[CLP_PATH_MAX];
    struct stat st;
    clp_endpoint_file(f, sizeof(f), t->d->root, name);
    return stat(f, &st) == 0;
}

bool trn_local_svc_present(trn_t *t)
{
    return sock_present(t, "clpsvc");
}

bool trn_local_core_present(trn_t *t)
{
    return sock_present(t, "core");
}

/*
 * rsc: the type table and what every type shares (context, environment,
 * parameters, state files, script paths).
 */
#include "rsc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clp_xalloc.h"

static const rsc_type_t *const rsc_types[] = {
    &rsc_fip,
    &rsc_exec,
    &rsc_vip,
    &rsc_disk,
    &rsc_volmgr,
    &rsc_nas,
    &rsc_ddns,
};

const rsc_type_t *rsc_type(const char *name)
{
    for (size_t i = 0; i < sizeof(rsc_types) / sizeof(rsc_types[0]); i++) {
        if (strcmp(rsc_types[i]->name, name) == 0) {
            return rsc_types[i];
        }
    }
    return NULL;
}

void rsc_ctx_init(rsc_ctx_t *ctx, const clp_conf_t *conf, int self, const char *root,
                  const clp_resource_t *r, const clp_group_t *g)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->conf = conf;
    ctx->res = r;
    ctx->grp = g;
    ctx->self = self;
    ctx->server = conf->servers[self].name;
    ctx->root = root;
    clp_path(ctx->state_dir, sizeof(ctx->state_dir), root, "work/rsc/%s", r->name);
    clp_mkdirs(ctx->state_dir, 0755);
}

const char *rsc_param(const rsc_ctx_t *ctx, const char *key)
{
    return clp_conf_rsc_param(ctx->res, ctx->server, key);
}

long rsc_param_int(const rsc_ctx_t *ctx, const char *key, long def)
{
    const char *v = rsc_param(ctx, key);
    if (!v || !*v) {
        return def;
    }
    char *end;
    long n = strtol(v, &end, 10);
    return *end ? def : n;
}

static void push(char ***env, size_t *n, char *s)
{
    *env = xrealloc(*env, (*n + 2) * sizeof(char *));
    (*env)[(*n)++] = s;
    (*env)[*n] = NULL;
}

char **rsc_env_build(const rsc_ctx_t *ctx, const char *const *extra)
{
    extern char **environ;
    char **env = NULL;
    size_t n = 0;
    static const char *keep[] = {"PATH=", "LANG=", "LC_ALL=", "TZ=", "HOME=", "CLP_ROOT=", NULL};
    for (char **e = environ; e && *e; e++) {
        for (const char **k = keep; *k; k++) {
            if (strncmp(*e, *k, strlen(*k)) == 0) {
                push(&env, &n, xstrdup(*e));
            }
        }
    }
    if (!getenv("PATH")) {
        push(&env, &n, xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    }
    const rsc_env_t *e = &ctx->env;
    push(&env, &n, xasprintf("CLP_EVENT=%s", e->event ? e->event : ""));
    push(&env, &n, xasprintf("CLP_SERVER=%s", e->server_role ? e->server_role : "HOME"));
    push(&env, &n, xasprintf("CLP_DISK=%s", e->disk ? e->disk : "SUCCESS"));
    push(&env, &n, xasprintf("CLP_GROUPNAME=%s", ctx->grp->name));
    push(&env, &n, xasprintf("CLP_RESOURCENAME=%s", ctx->res->name));
    push(&env, &n, xasprintf("CLP_PRIORITY=%d", e->priority > 0 ? e->priority : 1));
    push(&env, &n, xasprintf("CLP_SERVER_LOCAL=%s", ctx->server));
    push(&env, &n, xasprintf("CLP_PATH=%s", ctx->root));
    push(&env, &n, xasprintf("CLP_VERSION_FULL=%s", CLP_VERSION));
    push(&env, &n, xasprintf("CLP_VERSION_MAJOR=%.*s", (int)strcspn(CLP_VERSION, "."),
                             CLP_VERSION));
    push(&env, &n, xstrdup("CLP_OSNAME=Linux"));
    if (e->factor) {
        push(&env, &n, xasprintf("CLP_FACTOR=%s", e->factor));
    }
    if (e->prev_server) {
        push(&env, &n, xasprintf("CLP_SERVER_PREV=%s", e->prev_server));
    }
    if (e->behavior) {
        push(&env, &n, xasprintf("CLP_BEHAVIOR=%s", e->behavior));
    }
    if (!getenv("CLP_ROOT")) {
        push(&env, &n, xasprintf("CLP_ROOT=%s", ctx->root));
    }
    for (const char *const *x = extra; x && *x; x++) {
        push(&env, &n, xstrdup(*x));
    }
    return env;
}

void rsc_env_free(char **envp)
{
    for (char **e = envp; e && *e; e++) {
        free(*e);
    }
    free(envp);
}

int rsc_state_write(const rsc_ctx_t *ctx, const char *name, const char *value)
{
    char path[CLP_PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", ctx->state_dir, name);
    /* Replaced atomically but not fsynced: this state names processes and
     * addresses, which a restarted core finds in the page cache and a power
     * loss takes away anyway; two fsyncs would cost every activation
     * milliseconds. */
    return clp_write_replace(path, value, strlen(value), 0644);
}

int rsc_state_read(const rsc_ctx_t *ctx, const char *name, char *out, size_t n)
{
    char path[CLP_PATH_MAX + 64], *data = NULL;
    snprintf(path, sizeof(path), "%s/%s", ctx->state_dir, name);
    int rc = clp_read_file(path, 4096, &data, NULL);
    if (rc < 0) {
        return rc;
    }
    data[strcspn(data, "\r\n")] = '\0';
    snprintf(out, n, "%s", data);
    free(data);
    return 0;
}

void rsc_state_remove(const rsc_ctx_t *ctx, const char *name)
{
    char path[CLP_PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", ctx->state_dir, name);
    unlink(path);
}

void rsc_script_path(const rsc_ctx_t *ctx, const char *path, char *out, size_t n)
{
    if (path && path[0] == '/') {
        snprintf(out, n, "%s", path);
    } else {
        snprintf(out, n, "%s/scripts/%s/%s/%s", ctx->root, ctx->grp->name, ctx->res->name,
                 path ? path : "");
    }
}

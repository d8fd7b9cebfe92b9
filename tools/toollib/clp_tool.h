/*
 * clp_tool: what the clp* commands share. Resolving the root and loading the
 * configuration, sending a request to a local daemon (ipc) or, with -h HOST,
 * to the clusterpro_trn of another server (TCP 29002, CURVE with the cluster
 * key), which relays it to that server's core; printing errors the same way
 * (reason on stderr, non-zero exit).
 */
#ifndef CLP_TOOL_H
#define CLP_TOOL_H

#include <stdbool.h>

#include "clp_config.h"
#include "clp_keys.h"
#include "clp_msg.h"
#include "clp_paths.h"

/* Exit codes of the commands. */
enum {
    TOOL_OK = 0,
    TOOL_FAIL = 1,     /* the operation failed */
    TOOL_USAGE = 2,    /* bad options */
    TOOL_NOSVC = 3,    /* the service to talk to is not running / unreachable */
    TOOL_CONFIG = 4,   /* no or bad configuration */
};

typedef struct {
    const char *prog;
    char root[CLP_PATH_MAX];
    char server[CLP_NAME_MAX]; /* this host's name */
    clp_conf_t *conf;          /* NULL when not loaded */
    void *zctx;
    clp_msg_ctx_t mctx;
    clp_keys_t keys;
    bool have_keys;
    int timeout_ms;
} clp_tool_t;

/* Resolves the root (root_arg may be NULL) and prepares messaging. Loads the
 * configuration when need_conf (exits TOOL_CONFIG with the reason if it
 * cannot). */
void clp_tool_init(clp_tool_t *t, const char *prog, const char *root_arg, bool need_conf);
void clp_tool_fini(clp_tool_t *t);

/* Sends req to service (short name: core, trn, evt, ...) on this server, or
 * through the trn of host when host is not NULL and not this server. Returns 0
 * with *rep set, or a TOOL_* code after printing why. An ErrorReply is
 * printed and returned as TOOL_FAIL. */
int clp_tool_call(clp_tool_t *t, const char *service, const char *host, Clp__Envelope *req,
                  Clp__Envelope **rep);

/* The address to reach server-or-address host at (its first LAN device). */
int clp_tool_host_addr(clp_tool_t *t, const char *host, char *addr, size_t n);

/* The name of the server that host (a server name or one of its device
 * addresses) designates; NULL when it is none of the configuration's. */
const char *clp_tool_host_server(const clp_tool_t *t, const char *host);

/* "prog: message" on stderr. */
void clp_tool_error(const clp_tool_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

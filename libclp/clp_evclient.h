/*
 * clp_evclient: how every daemon and tool sends alerts to clusterpro_evt.
 *
 * An alert names a catalogue row (module, event ID) and its arguments. The
 * client numbers its events (source = "<origin>:<pid>:<incarnation>", source_seq
 * 1, 2, ...) and keeps each one until evt acknowledges it as durable; evt
 * ignores a source_seq it already has, so resending is always safe.
 *
 * Daemon mode (an event base is given): events are sent at once; unacked ones
 * are resent every second while evt is away (e.g. restarting); at destroy,
 * what is still unacked after a short wait goes to the spool directory
 * (work/evt-spool/), which evt ingests when it runs. Tool mode (no event base):
 * each alert waits briefly for its ack and is spooled if none comes. Either
 * way nothing is lost across an evt restart.
 */
#ifndef CLP_EVCLIENT_H
#define CLP_EVCLIENT_H

#include <event2/event.h>
#include <stddef.h>

#include "clp_msgcat.h"

typedef struct clp_evclient clp_evclient_t;

/* origin: the process or tool name; server: this server's name. base may be
 * NULL (tool mode). Returns NULL on failure. */
clp_evclient_t *clp_evclient_new(struct event_base *base, void *zctx, const char *root,
                                 const char *server, const char *origin);

/* Flushes (waits up to 1 s for acks, spools the rest) and frees. */
void clp_evclient_destroy(clp_evclient_t **ev);

/* Emits catalogue row (module, id) with args (NULL-terminated). dest 0 = the
 * row's defaults. Returns 0, -ENOENT for an unknown row (logged as an error:
 * a bug), or -errno. The formatted text is also logged locally. */
int clp_alert_v(clp_evclient_t *ev, const char *module, unsigned id, unsigned dest,
                const char *const *args);

#define CLP_ALERT(ev, module, id, ...)                                                             \
    clp_alert_v((ev), (module), (id), 0, (const char *const[]){__VA_OPT__(__VA_ARGS__, ) NULL})

/* Emits a free-text event (clplogcmd): module "logcmd" unless given, level
 * CLP_LVL_*, explicit destinations. */
int clp_alert_text(clp_evclient_t *ev, const char *module, unsigned id, int level, unsigned dest,
                   const char *text);

/* Events sent but not yet acknowledged by evt. */
size_t clp_evclient_unacked(const clp_evclient_t *ev);

/* Waits up to timeout_ms for every event to be acknowledged (tool or shutdown
 * use); returns the number still unacked. */
size_t clp_evclient_flush(clp_evclient_t *ev, int timeout_ms);

/* Writes a packed Event to the spool directory (used internally and by tests). */
int clp_evclient_spool(const char *root, const void *packed, size_t len, const char *source,
                       unsigned long long seq);

#endif

/*
 * confgen: the core's side of configuration generations.
 *
 * Every heartbeat carries the sender's configuration generation and the first
 * bytes of its clp.conf's sha256. A peer whose pair differs from this
 * server's runs another configuration: that is a log line and a Caution on its
 * row in clpstat at once, an alert when it lasts (cfmgr 10 after
 * CONFGEN_ALERT_AFTER_MS, cfmgr 11 when it agrees again), and two
 * rules that keep a mixed cluster safe while a push is applied server by
 * server (or when a server missed one):
 *   - its group briefs are not read by index (an index means a group of the
 *     sender's clp.conf): its groups' states are taken by name from the last
 *     NodeState it published instead;
 *   - the master takes no placement decision while an up peer differs
 *     (rc_master.c asks confgen_blocked).
 *
 * It also carries out ClusterRequest RELOAD (clpcfctrl's apply): once no group
 * operation runs on this server, the core leaves its loop without stopping
 * anything; main.c exits with CLP_EXIT_RELOAD and the restarter starts it
 * again at once with the new configuration, which adopts the running groups
 * (rc_persist.c).
 */
#ifndef CORE_CONFGEN_H
#define CORE_CONFGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"

/* A reload that finds no quiet moment within this time is given up. */
#define CONFGEN_RELOAD_WAIT_MS 60000
/* How long a reload waits for the monitor checks it ended to be reaped. */
#define CONFGEN_QUIET_WAIT_MS 2000

/* A difference becomes an alert only when it lasts this long: a push applies
 * the new configuration server by server, and the servers differ meanwhile. */
#define CONFGEN_ALERT_AFTER_MS 60000

/* Fills the heartbeat's configuration fields. */
void confgen_fill(core_t *c, Clp__Heartbeat *msg);

/* A heartbeat from server arrived: notes whether it runs this configuration
 * and hands its group states to rc (by index, or by name when it differs). */
void confgen_note(core_t *c, int server, uint64_t incarnation, const Clp__Heartbeat *hb);

/* Server k's heartbeats announce another configuration. */
bool confgen_differs(const core_t *c, int k);

/* The generation server k announced (this server's own for k == self). */
uint64_t confgen_generation(const core_t *c, int k);

/* Some up peer runs another configuration: no placement decisions. */
bool confgen_blocked(const core_t *c);

/* Asks for a reload (see above). Returns 0, or -EBUSY with a sentence in why
 * (the service is stopping). */
int confgen_reload(core_t *c, const char *who, char *why, size_t n);

/* From the tick: leaves the loop for a pending reload once nothing runs. */
void confgen_tick(core_t *c, uint64_t now);

#endif

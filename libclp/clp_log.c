/*
 * clp_log: formats a record once and hands it to the installed sink. The file
 * sink prefixes a wall-clock timestamp (YYYY/MM/DD HH:MM:SS.mmm, as the
 * original's internal logs), the level and the tag.
 */
#include "clp_log.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static clp_log_level_t g_level = CLP_LOG_INFO;
static clp_log_sink_fn g_sink;
static void *g_sink_arg;
static FILE *g_file;
static int g_echo = 1;

static const char *level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

clp_log_level_t clp_log_level(void)
{
    return g_level;
}

void clp_log_set_level(clp_log_level_t level)
{
    g_level = level;
}

int clp_log_parse_level(const char *s, clp_log_level_t *out)
{
    static const char *names[] = {"error", "warn", "info", "debug", "trace"};
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (clp_log_level_t)i;
            return 0;
        }
    }
    return -EINVAL;
}

void clp_log_set_sink(clp_log_sink_fn fn, void *arg)
{
    g_sink = fn;
    g_sink_arg = arg;
}

int clp_log_open_file(const char *path, int echo)
{
    FILE *f = fopen(path, "ae");
    if (!f) {
        return -errno;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    clp_log_close_file();
    g_file = f;
    g_echo = echo;
    return 0;
}

void clp_log_close_file(void)
{
    if (g_file) {
        fclose(g_file);
        g_file = NULL;
    }
}

static void default_sink(clp_log_level_t level, const char *tag, const char *msg)
{
    struct timeval tv;
    struct tm tm;
    char ts[32];

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y/%m/%d %H:%M:%S", &tm);
    if (g_file) {
        fprintf(g_file, "%s.%03ld %-5s [%s] %s\n", ts, (long)(tv.tv_usec / 1000),
                level_names[level], tag, msg);
    }
    if (!g_file || g_echo) {
        fprintf(stderr, "%s.%03ld %-5s [%s] %s\n", ts, (long)(tv.tv_usec / 1000),
                level_names[level], tag, msg);
    }
}

void clp_log_write(clp_log_level_t level, const char *tag, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if ((int)level < 0 || level > CLP_LOG_TRACE) {
        level = CLP_LOG_ERROR;
    }
    if (g_sink) {
        g_sink(g_sink_arg, level, tag, buf);
    } else {
        default_sink(level, tag, buf);
    }
    errno = saved;
}

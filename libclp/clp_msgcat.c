/*
 * clp_msgcat: catalogue look-up, the message formatter and level names. The
 * rows themselves are in clp_msgcat_table.c.
 */
#include "clp_msgcat.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const clp_msgdef_t *clp_msgcat_find(const char *module, unsigned id)
{
    if (!module) {
        return NULL;
    }
    for (const clp_msgdef_t *d = clp_msgcat_all(); d->module; d++) {
        if (d->id == id && strcmp(d->module, module) == 0) {
            return d;
        }
    }
    return NULL;
}

typedef struct {
    char *out;
    size_t n;
    size_t len;
} sink_t;

static void put(sink_t *s, const char *p, size_t plen)
{
    for (size_t k = 0; k < plen; k++) {
        if (s->n && s->len + 1 < s->n) {
            s->out[s->len] = p[k];
        }
        s->len++;
    }
}

/* A printf conversion at p ("%s", "%#x", "%08x", ...): its length (0 if none)
 * and, in spec, the conversion as printf would take it. */
static size_t printf_conv(const char *p, char *spec, size_t speclen, char *conv)
{
    size_t i = 1;
    while (p[i] && strchr("#0-+ ", p[i])) {
        i++;
    }
    while (p[i] >= '0' && p[i] <= '9') {
        i++;
    }
    if (!p[i] || !strchr("sdiuxX", p[i]) || i + 2 > speclen) {
        return 0;
    }
    *conv = p[i];
    memcpy(spec, p, i);
    spec[i] = '\0';
    return i + 1;
}

/* Formats a numeric argument by spec (flags '#' and '0', a width) and conv. */
static void put_conv(sink_t *s, const char *spec, char conv, const char *arg)
{
    char digits[32], buf[80];
    char *end;
    long long v;
    bool alt = false, zero = false;
    int width = 0;

    if (conv == 's' || !arg[0]) {
        put(s, arg, strlen(arg));
        return;
    }
    errno = 0;
    v = strtoll(arg, &end, 0);
    if (errno || *end) {
        put(s, arg, strlen(arg));
        return;
    }
    for (const char *p = spec + 1; *p; p++) {
        if (*p == '#') {
            alt = true;
        } else if (*p == '0' && width == 0) {
            zero = true;
        } else if (*p >= '0' && *p <= '9') {
            width = width * 10 + (*p - '0');
        }
    }
    if (conv == 'x' || conv == 'X') {
        snprintf(digits, sizeof(digits), conv == 'x' ? "%llx" : "%llX", (unsigned long long)v);
    } else if (conv == 'u') {
        snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    } else {
        snprintf(digits, sizeof(digits), "%lld", v);
    }
    const char *prefix = alt && (conv == 'x' || conv == 'X') && v != 0 ? "0x" : "";
    int len = (int)(strlen(prefix) + strlen(digits));
    int pad = width > len ? (width > 40 ? 40 : width) - len : 0;
    snprintf(buf, sizeof(buf), "%s%*s%s", zero ? prefix : "", zero ? 0 : pad, "",
             zero ? "" : prefix);
    for (int i = 0; zero && i < pad; i++) {
        strcat(buf, "0");
    }
    strcat(buf, digits);
    put(s, buf, strlen(buf));
}

size_t clp_msgcat_format(const char *text, const char *const *args, char *out, size_t n)
{
    sink_t s = {.out = out, .n = n};
    int nargs = 0, highest = 0;

    while (args && args[nargs]) {
        nargs++;
    }
    for (const char *p = text; *p; p++) {
        char spec[16], conv = 0;
        size_t clen;
        if (p[0] == '%' && p[1] >= '1' && p[1] <= '9') {
            int i = p[1] - '1';
            const char *a = i < nargs ? args[i] : "";
            put(&s, a, strlen(a));
            highest = i + 1 > highest ? i + 1 : highest;
            p++;
        } else if (p[0] == '%' && (clen = printf_conv(p, spec, sizeof(spec), &conv)) > 0) {
            const char *a = highest < nargs ? args[highest] : "";
            highest++;
            put_conv(&s, spec, conv, a);
            p += clen - 1;
        } else {
            put(&s, p, 1);
        }
    }
    if (n) {
        out[s.len < n ? s.len : n - 1] = '\0';
    }
    return s.len;
}

const char *clp_msgcat_level_name(int level)
{
    switch (level) {
    case CLP_LVL_ERROR:
        return "ERROR";
    case CLP_LVL_WARNING:
        return "WARNING";
    default:
        return "INFO";
    }
}

char clp_msgcat_level_letter(int level)
{
    return level == CLP_LVL_ERROR ? 'E' : level == CLP_LVL_WARNING ? 'W' : 'I';
}

int clp_msgcat_parse_level(const char *name)
{
    static const struct {
        const char *name;
        int level;
    } names[] = {
        {"INFO", CLP_LVL_INFO},       {"I", CLP_LVL_INFO},    {"WARN", CLP_LVL_WARNING},
        {"WARNING", CLP_LVL_WARNING}, {"W", CLP_LVL_WARNING}, {"ERR", CLP_LVL_ERROR},
        {"ERROR", CLP_LVL_ERROR},     {"E", CLP_LVL_ERROR},
    };
    for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            return names[i].level;
        }
    }
    return -EINVAL;
}

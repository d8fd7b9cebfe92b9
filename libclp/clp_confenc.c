/*
 * clp_confenc: clp.conf encodings between Windows-made files and Linux
 * servers (see clp_confenc.h).
 */
#include "clp_confenc.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where the encoding name of the XML declaration is: [*start, *end) in data,
 * and the declaration's end (just after "?>"). False when there is no
 * declaration; *start == *end when it has no encoding. */
static bool find_decl(const char *data, size_t len, size_t *start, size_t *end, size_t *decl_end)
{
    size_t p = 0;
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF) {
        p = 3;
    }
    if (len - p < 5 || memcmp(data + p, "<?xml", 5) != 0) {
        return false;
    }
    size_t close = p + 5;
    while (close + 1 < len && !(data[close] == '?' && data[close + 1] == '>')) {
        close++;
    }
    if (close + 1 >= len) {
        return false;
    }
    *decl_end = close + 2;
    *start = *end = close;
    for (size_t i = p + 5; i + 8 <= close; i++) {
        if (memcmp(data + i, "encoding", 8) != 0) {
            continue;
        }
        size_t q = i + 8;
        while (q < close && (data[q] == ' ' || data[q] == '\t' || data[q] == '=' ||
                             data[q] == '\r' || data[q] == '\n')) {
            q++;
        }
        if (q >= close || (data[q] != '"' && data[q] != '\'')) {
            return true;
        }
        char quote = data[q++];
        size_t e = q;
        while (e < close && data[e] != quote) {
            e++;
        }
        if (e < close) {
            *start = q;
            *end = e;
        }
        return true;
    }
    return true;
}

int clp_confenc_declared(const char *data, size_t len, char *out, size_t n)
{
    size_t s, e, de;
    if (n) {
        out[0] = '\0';
    }
    if (!find_decl(data, len, &s, &e, &de) || e == s || n == 0) {
        return 0;
    }
    size_t k = e - s < n - 1 ? e - s : n - 1;
    memcpy(out, data + s, k);
    out[k] = '\0';
    return 0;
}

int clp_confenc_is_windows(const char *name)
{
    static const char *const names[] = {"SJIS",        "Shift_JIS", "Shift-JIS", "CP932",
                                        "Windows-31J", "MS_Kanji",  "x-sjis",    "MS932"};
    for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int clp_confenc_check_linux(const char *data, size_t len, char *err, size_t errlen)
{
    char enc[64];
    clp_confenc_declared(data, len, enc, sizeof(enc));
    if (clp_confenc_is_windows(enc)) {
        snprintf(err, errlen,
                 "the file declares encoding %s, a Windows encoding: push a file made on "
                 "Windows with -w (it is converted to EUC-JP), or save it in the Linux form",
                 enc);
        return -EINVAL;
    }
    return 0;
}

static bool ascii_only(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)data[i] >= 0x80) {
            return false;
        }
    }
    return true;
}

static int line_at(const char *data, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++) {
        line += data[i] == '\n';
    }
    return line;
}

static char *copy(const char *data, size_t len, size_t *outlen)
{
    char *o = malloc(len + 1);
    if (o) {
        memcpy(o, data, len);
        o[len] = '\0';
        *outlen = len;
    }
    return o;
}

/* Converts data with cd. 0 with a heap result; -EILSEQ with *bad (offset in
 * data) on an invalid or unconvertible sequence; -ENOMEM. */
static int convert(iconv_t cd, const char *data, size_t len, char **out, size_t *outlen,
                   size_t *bad)
{
    size_t cap = len * 2 + 64, used = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        return -ENOMEM;
    }
    char *in = (char *)data;
    size_t left = len;
    while (left > 0) {
        char *o = buf + used;
        size_t room = cap - used;
        size_t r = iconv(cd, &in, &left, &o, &room);
        used = (size_t)(o - buf);
        if (r != (size_t)-1) {
            continue;
        }
        if (errno == E2BIG) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            continue;
        }
        *bad = (size_t)(in - data);
        free(buf);
        return -EILSEQ;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    return 0;
}

static int run(const char *to, const char *from, const char *data, size_t len, char **out,
               size_t *outlen, size_t *bad)
{
    iconv_t cd = iconv_open(to, from);
    if (cd == (iconv_t)-1) {
        return -ENOSYS;
    }
    int rc = convert(cd, data, len, out, outlen, bad);
    iconv_close(cd);
    return rc;
}

/* Makes data's declaration name EUC-JP (inserted before the first line's
 * content when there is no declaration, so line numbers do not move). */
static int declare_eucjp(char **data, size_t *len)
{
    size_t s, e, de;
    const char *want = "EUC-JP";
    char *d = *data;
    char *nd;
    size_t nlen;
    if (find_decl(d, *len, &s, &e, &de)) {
        if (e > s && e - s == strlen(want) && strncasecmp(d + s, want, e - s) == 0) {
            return 0;
        }
        const char *ins = e > s ? want : " encoding=\"EUC-JP\"";
        size_t cut = e - s;
        nlen = *len - cut + strlen(ins);
        nd = malloc(nlen + 1);
        if (!nd) {
            return -ENOMEM;
        }
        memcpy(nd, d, s);
        memcpy(nd + s, ins, strlen(ins));
        memcpy(nd + s + strlen(ins), d + e, *len - e);
    } else {
        const char *decl = "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>";
        nlen = *len + strlen(decl);
        nd = malloc(nlen + 1);
        if (!nd) {
            return -ENOMEM;
        }
        memcpy(nd, decl, strlen(decl));
        memcpy(nd + strlen(decl), d, *len);
    }
    nd[nlen] = '\0';
    free(d);
    *data = nd;
    *len = nlen;
    return 0;
}

int clp_confenc_from_windows(const char *data, size_t len, char **out, size_t *outlen, int *line,
                             char *err, size_t errlen)
{
    *line = 0;
    if (ascii_only(data, len)) {
        return (*out = copy(data, len, outlen)) ? 0 : -ENOMEM;
    }
    size_t bad = 0;
    char *euc = NULL;
    size_t euclen = 0;
    int rc = run("EUC-JP-MS", "CP932", data, len, &euc, &euclen, &bad);
    if (rc == -EILSEQ) {
        *line = line_at(data, bad);
        snprintf(err, errlen,
                 "byte 0x%02x is not a Shift_JIS (CP932) character, or has no EUC-JP "
                 "equivalent; is the file really in the Windows form (-w)?",
                 (unsigned char)data[bad]);
        return rc;
    }
    if (rc == -ENOSYS) {
        snprintf(err, errlen, "this system's iconv cannot convert CP932 to EUC-JP-MS");
        return rc;
    }
    if (rc < 0) {
        return rc;
    }
    /* What the servers' XML reader will do with it. */
    char *utf = NULL;
    size_t utflen = 0;
    rc = run("UTF-8", "EUC-JP", euc, euclen, &utf, &utflen, &bad);
    free(utf);
    if (rc == -EILSEQ) {
        *line = line_at(euc, bad);
        snprintf(err, errlen,
                 "a character that EUC-JP cannot hold (a Windows-only character such as a "
                 "circled digit or a Roman numeral); replace it");
        free(euc);
        return rc;
    }
    if (rc < 0) {
        if (rc == -ENOSYS) {
            snprintf(err, errlen, "this system's iconv cannot read EUC-JP");
        }
        free(euc);
        return rc;
    }
    rc = declare_eucjp(&euc, &euclen);
    if (rc < 0) {
        free(euc);
        return rc;
    }
    *out = euc;
    *outlen = euclen;
    return 0;
}

int clp_confenc_to_windows(const char *data, size_t len, char **out, size_t *outlen, int *line,
                           char *err, size_t errlen)
{
    *line = 0;
    if (ascii_only(data, len)) {
        return (*out = copy(data, len, outlen)) ? 0 : -ENOMEM;
    }
    char enc[64];
    clp_confenc_declared(data, len, enc, sizeof(enc));
    const char *from;
    if (!enc[0] || strcasecmp(enc, "UTF-8") == 0 || strcasecmp(enc, "UTF8") == 0) {
        from = "UTF-8";
    } else if (strcasecmp(enc, "EUC-JP") == 0 || strcasecmp(enc, "EUCJP") == 0) {
        from = "EUC-JP-MS";
    } else if (clp_confenc_is_windows(enc)) {
        from = "CP932";
    } else {
        snprintf(err, errlen, "a clp.conf in %s cannot be converted to the Windows form", enc);
        return -EINVAL;
    }
    size_t bad = 0;
    int rc = run("CP932", from, data, len, out, outlen, &bad);
    if (rc == -EILSEQ) {
        *line = line_at(data, bad);
        snprintf(err, errlen,
                 "a character that Shift_JIS (CP932) cannot hold, or bytes that are "
                 "not %s",
                 enc[0] ? enc : "UTF-8");
    } else if (rc == -ENOSYS) {
        snprintf(err, errlen, "this system's iconv cannot convert %s to CP932", from);
    }
    return rc;
}

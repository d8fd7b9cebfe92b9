/*
 * web_json: JSON writer on evbuffers and a bounded request-body parser.
 */
#include "web_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_xalloc.h"

/* ---- writer ---- */

void wj_init(wj_t *w, struct evbuffer *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

static void sep(wj_t *w, const char *key)
{
    if (w->need_comma[w->depth]) {
        evbuffer_add(w->b, ",", 1);
    }
    w->need_comma[w->depth] = true;
    if (key) {
        wj_escape(w->b, key);
        evbuffer_add(w->b, ":", 1);
    }
}

static void open_c(wj_t *w, const char *key, char open, char close)
{
    sep(w, key);
    evbuffer_add(w->b, &open, 1);
    if (w->depth < WJ_MAX_DEPTH) {
        w->depth++;
    }
    w->need_comma[w->depth] = false;
    w->close[w->depth] = close;
}

void wj_obj(wj_t *w, const char *key)
{
    open_c(w, key, '{', '}');
}

void wj_arr(wj_t *w, const char *key)
{
    open_c(w, key, '[', ']');
}

void wj_end(wj_t *w)
{
    if (w->depth > 0) {
        evbuffer_add(w->b, &w->close[w->depth], 1);
        w->depth--;
    }
}

void wj_str(wj_t *w, const char *key, const char *val)
{
    sep(w, key);
    if (val) {
        wj_escape(w->b, val);
    } else {
        evbuffer_add(w->b, "null", 4);
    }
}

void wj_int(wj_t *w, const char *key, int64_t val)
{
    sep(w, key);
    evbuffer_add_printf(w->b, "%" PRId64, val);
}

void wj_uint(wj_t *w, const char *key, uint64_t val)
{
    sep(w, key);
    evbuffer_add_printf(w->b, "%" PRIu64, val);
}

void wj_bool(wj_t *w, const char *key, bool val)
{
    sep(w, key);
    evbuffer_add(w->b, val ? "true" : "false", val ? 4 : 5);
}

void wj_null(wj_t *w, const char *key)
{
    sep(w, key);
    evbuffer_add(w->b, "null", 4);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2;
        min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    unsigned cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return n;
}

void wj_escape(struct evbuffer *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    evbuffer_add(b, "\"", 1);
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s != '"' && *s != '\\' && *s < 0x80) {
            s++;
        }
        if (s > run) {
            evbuffer_add(b, run, (size_t)(s - run));
        }
        if (!*s) {
            break;
        }
        if (*s >= 0x80) {
            size_t n = utf8_len(s);
            if (n) {
                evbuffer_add(b, s, n);
                s += n;
            } else {
                evbuffer_add(b, "\\ufffd", 6);
                s++;
            }
            continue;
        }
        switch (*s) {
        case '"':
            evbuffer_add(b, "\\\"", 2);
            break;
        case '\\':
            evbuffer_add(b, "\\\\", 2);
            break;
        case '\n':
            evbuffer_add(b, "\\n", 2);
            break;
        case '\r':
            evbuffer_add(b, "\\r", 2);
            break;
        case '\t':
            evbuffer_add(b, "\\t", 2);
            break;
        default:
            evbuffer_add_printf(b, "\\u%04x", *s);
            break;
        }
        s++;
    }
    evbuffer_add(b, "\"", 1);
}

/* ---- parser ---- */

typedef struct {
    const char *s;
    size_t len, pos;
    char *err;
    size_t errlen;
    bool failed;
} pj_t;

static void perr(pj_t *p, const char *what)
{
    if (!p->failed) {
        snprintf(p->err, p->errlen, "malformed JSON at byte %zu: %s", p->pos, what);
        p->failed = true;
    }
}

static void ws(pj_t *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r')) {
        p->pos++;
    }
}

static bool lit(pj_t *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static int hex4(pj_t *p, unsigned *out)
{
    if (p->len - p->pos < 4) {
        return -1;
    }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos + (size_t)i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned)(c - 'A' + 10);
        } else {
            return -1;
        }
    }
    p->pos += 4;
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* At the opening quote. Returns a heap string or NULL. */
static char *pstring(pj_t *p)
{
    p->pos++; /* " */
    size_t start = p->pos;
    char *out = xmalloc(p->len - start + 1); /* decoded text is never longer */
    size_t o = 0;
    while (p->pos < p->len) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            out[o] = '\0';
            return out;
        }
        if (c < 0x20) {
            perr(p, "control character in a string");
            break;
        }
        if (c != '\\') {
            out[o++] = (char)c;
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            break;
        }
        char e = p->s[p->pos++];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e && simple) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            out[o++] = map[simple - "\"\\/bfnrt"];
            continue;
        }
        if (e != 'u') {
            perr(p, "invalid escape in a string");
            break;
        }
        unsigned cp, lo;
        if (hex4(p, &cp) < 0) {
            perr(p, "invalid \\u escape");
            break;
        }
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!lit(p, "\\u") || hex4(p, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff) {
                perr(p, "invalid surrogate pair");
                break;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
            perr(p, cp ? "invalid surrogate" : "NUL character in a string");
            break;
        }
        o += put_utf8(out + o, cp);
    }
    if (!p->failed) {
        perr(p, "unterminated string");
    }
    free(out);
    return NULL;
}

static wjv_t *pvalue(pj_t *p, int depth);

static wjv_t *pcontainer(pj_t *p, int depth, bool obj)
{
    wjv_t *v = xcalloc(1, sizeof(*v));
    v->kind = obj ? WJV_OBJ : WJV_ARR;
    wjv_t **tail = &v->child;
    char close = obj ? '}' : ']';
    p->pos++;
    ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        if (obj) {
            ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                perr(p, "expected a member name");
                break;
            }
            key = pstring(p);
            if (!key) {
                break;
            }
            ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                free(key);
                perr(p, "expected ':'");
                break;
            }
            p->pos++;
        }
        wjv_t *e = pvalue(p, depth + 1);
        if (!e) {
            free(key);
            break;
        }
        e->key = key;
        *tail = e;
        tail = &e->next;
        ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return v;
        }
        perr(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        break;
    }
    wjv_free(&v);
    return NULL;
}

static wjv_t *pnumber(pj_t *p)
{
    size_t start = p->pos;
    if (p->s[p->pos] == '-') {
        p->pos++;
    }
    if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
        perr(p, "invalid number");
        return NULL;
    }
    if (p->s[p->pos] == '0') {
        p->pos++;
    } else {
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
        }
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        size_t d = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
        }
        if (p->pos == d) {
            perr(p, "invalid number");
            return NULL;
        }
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) {
            p->pos++;
        }
        size_t d = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
        }
        if (p->pos == d) {
            perr(p, "invalid number");
            return NULL;
        }
    }
    char buf[64];
    size_t n = p->pos - start;
    if (n >= sizeof(buf)) {
        perr(p, "number too long");
        return NULL;
    }
    memcpy(buf, p->s + start, n);
    buf[n] = '\0';
    wjv_t *v = xcalloc(1, sizeof(*v));
    v->kind = WJV_NUM;
    v->num = strtod(buf, NULL);
    return v;
}

static wjv_t *pvalue(pj_t *p, int depth)
{
    ws(p);
    if (depth > WJ_MAX_DEPTH) {
        perr(p, "nested too deeply");
        return NULL;
    }
    if (p->pos >= p->len) {
        perr(p, "unexpected end of input");
        return NULL;
    }
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        return pcontainer(p, depth, c == '{');
    }
    if (c == '"') {
        char *s = pstring(p);
        if (!s) {
            return NULL;
        }
        wjv_t *v = xcalloc(1, sizeof(*v));
        v->kind = WJV_STR;
        v->str = s;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        return pnumber(p);
    }
    wjv_t tmp = {0};
    if (lit(p, "true")) {
        tmp.kind = WJV_BOOL;
        tmp.b = true;
    } else if (lit(p, "false")) {
        tmp.kind = WJV_BOOL;
    } else if (lit(p, "null")) {
        tmp.kind = WJV_NULL;
    } else {
        perr(p, "unexpected character");
        return NULL;
    }
    wjv_t *v = xcalloc(1, sizeof(*v));
    *v = tmp;
    return v;
}

wjv_t *wjv_parse(const char *s, size_t len, char *err, size_t errlen)
{
    pj_t p = {.s = s, .len = len, .err = err, .errlen = errlen};
    if (errlen) {
        err[0] = '\0';
    }
    wjv_t *v = s ? pvalue(&p, 0) : NULL;
    if (!s) {
        perr(&p, "no input");
    }
    if (v) {
        ws(&p);
        if (p.pos != p.len) {
            perr(&p, "trailing characters after the value");
            wjv_free(&v);
        }
    }
    return v;
}

void wjv_free(wjv_t **pv)
{
    if (!pv || !*pv) {
        return;
    }
    wjv_t *v = *pv;
    wjv_t *c = v->child;
    while (c) {
        wjv_t *n = c->next;
        wjv_free(&c);
        c = n;
    }
    free(v->str);
    free(v->key);
    free(v);
    *pv = NULL;
}

const wjv_t *wjv_get(const wjv_t *o, const char *key)
{
    if (!o || o->kind != WJV_OBJ) {
        return NULL;
    }
    for (const wjv_t *c = o->child; c; c = c->next) {
        if (c->key && strcmp(c->key, key) == 0) {
            return c;
        }
    }
    return NULL;
}

const char *wjv_get_str(const wjv_t *o, const char *key)
{
    const wjv_t *v = wjv_get(o, key);
    return v && v->kind == WJV_STR ? v->str : NULL;
}

/*
 * web_json: the WebManager's JSON, both ways.
 *
 * The writer appends to an evbuffer with the commas and escaping done for the
 * caller: wj_obj/wj_arr open a container (named when inside an object),
 * wj_end closes the innermost one, and wj_str/wj_int/wj_bool/wj_null add one
 * member (key is NULL inside an array). Strings are escaped as JSON requires
 * (quotes, backslash, control characters; invalid UTF-8 bytes become U+FFFD),
 * so any text from a configuration or an alert is safe to send to a browser.
 *
 * The parser reads a request body into a small tree (wjv_t) and rejects
 * anything that is not one complete JSON value: bad syntax, nesting deeper
 * than WJ_MAX_DEPTH, trailing garbage, invalid escapes, control characters in
 * strings. It never reads past the given length.
 */
#ifndef WEB_JSON_H
#define WEB_JSON_H

#include <event2/buffer.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WJ_MAX_DEPTH 32

typedef struct {
    struct evbuffer *b;
    int depth;
    bool need_comma[WJ_MAX_DEPTH + 1];
    char close[WJ_MAX_DEPTH + 1]; /* '}' or ']' per open level */
} wj_t;

/* Starts writing into b (not owned). */
void wj_init(wj_t *w, struct evbuffer *b);
void wj_obj(wj_t *w, const char *key);
void wj_arr(wj_t *w, const char *key);
void wj_end(wj_t *w);
void wj_str(wj_t *w, const char *key, const char *val); /* NULL val writes null */
void wj_int(wj_t *w, const char *key, int64_t val);
void wj_uint(wj_t *w, const char *key, uint64_t val);
void wj_bool(wj_t *w, const char *key, bool val);
void wj_null(wj_t *w, const char *key);
/* Appends s as a JSON string literal (with quotes) to b. */
void wj_escape(struct evbuffer *b, const char *s);

typedef enum { WJV_NULL, WJV_BOOL, WJV_NUM, WJV_STR, WJV_ARR, WJV_OBJ } wjv_kind_t;

typedef struct wjv wjv_t;
struct wjv {
    wjv_kind_t kind;
    bool b;
    double num;
    char *str;    /* WJV_STR: NUL-terminated (a \u0000 escape is refused) */
    char *key;    /* member name when inside an object */
    wjv_t *child; /* first element / member */
    wjv_t *next;  /* next sibling */
};

/* Parses len bytes of s. Returns the tree (caller owns; wjv_free) or NULL with
 * a sentence in err saying what and where. */
wjv_t *wjv_parse(const char *s, size_t len, char *err, size_t errlen);
void wjv_free(wjv_t **v);

/* The member key of object o, or NULL (also when o is not an object). */
const wjv_t *wjv_get(const wjv_t *o, const char *key);
/* The string member key of o; NULL when absent or not a string. */
const char *wjv_get_str(const wjv_t *o, const char *key);

#endif

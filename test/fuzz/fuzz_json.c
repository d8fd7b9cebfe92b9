/*
 * fuzz_json: the WebManager's JSON body parser (wjv_parse) and its writer.
 *
 * Any input either is refused with a reason or gives a tree. A tree is then
 * written back with the writer (wj_*), which must give JSON that the parser
 * accepts again with the same shape: this checks the writer's escaping of
 * every string the parser let through (the writer is what puts configuration
 * and alert text into the browser).
 */
#include <math.h>
#include <stdio.h>

#include "fuzz_common.h"
#include "web_json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_quiet_logs();
    return 0;
}

static void write_value(wj_t *w, const char *key, const wjv_t *v)
{
    switch (v->kind) {
    case WJV_NULL:
        wj_null(w, key);
        break;
    case WJV_BOOL:
        wj_bool(w, key, v->b);
        break;
    case WJV_NUM:
        /* The writer only has integers: what is not one becomes null. */
        if (isfinite(v->num) && fabs(v->num) < 9e18 && v->num == (double)(int64_t)v->num) {
            wj_int(w, key, (int64_t)v->num);
        } else {
            wj_null(w, key);
        }
        break;
    case WJV_STR:
        wj_str(w, key, v->str);
        break;
    case WJV_ARR:
    case WJV_OBJ:
        if (w->depth >= WJ_MAX_DEPTH) {
            wj_null(w, key);
            break;
        }
        if (v->kind == WJV_ARR) {
            wj_arr(w, key);
        } else {
            wj_obj(w, key);
        }
        for (const wjv_t *c = v->child; c; c = c->next) {
            write_value(w, v->kind == WJV_OBJ ? c->key : NULL, c);
        }
        wj_end(w);
        break;
    }
}

/* The number of values in a tree (the shape a round trip must keep). */
static size_t count(const wjv_t *v)
{
    size_t n = 1;
    for (const wjv_t *c = v->child; c; c = c->next) {
        n += count(c);
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    wjv_t *v = wjv_parse((const char *)data, size, err, sizeof(err));
    if (!v) {
        if (!err[0]) {
            __builtin_trap(); /* a refusal must say why */
        }
        return 0;
    }
    (void)wjv_get(v, "group");
    (void)wjv_get_str(v, "server");

    struct evbuffer *b = evbuffer_new();
    wj_t w;
    wj_init(&w, b);
    write_value(&w, NULL, v);
    size_t len = evbuffer_get_length(b);
    const char *out = (const char *)evbuffer_pullup(b, (ev_ssize_t)len);
    wjv_t *again = wjv_parse(out ? out : "", len, err, sizeof(err));
    if (!again) {
        fprintf(stderr, "the writer's JSON is refused by the parser: %s\n%.*s\n", err, (int)len,
                out);
        __builtin_trap();
    }
    if (count(again) != count(v)) {
        __builtin_trap(); /* the shape must survive a round trip */
    }
    wjv_free(&again);
    evbuffer_free(b);
    wjv_free(&v);
    return 0;
}

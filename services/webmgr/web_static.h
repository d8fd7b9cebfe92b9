/*
 * web_static: serves the WebManager's static files (the UI: HTML, CSS,
 * JavaScript; nothing is fetched from the internet at run time).
 *
 * The files are looked for in <root>/webmgr/ (where the product installs
 * them); when that directory has no index.html, in <exe dir>/../webmgr/ (the
 * build tree's copy, which is what a test bed whose bin/ links to the build
 * uses). Only GET/HEAD of regular files under that directory are served;
 * ".." segments, backslashes and NUL bytes are refused.
 */
#ifndef WEB_STATIC_H
#define WEB_STATIC_H

#include <stddef.h>

#include "web.h"

web_static_t *web_static_new(web_t *w);
void web_static_destroy(web_static_t **ws);

/* The directory the files are served from. */
const char *web_static_docroot(const web_static_t *ws);

/* Maps a request path to a file under docroot; rejects "..", NUL bytes and
 * anything outside docroot. Returns 0 or -EINVAL/-ENAMETOOLONG. */
int web_static_resolve(const char *docroot, const char *uri_path, char *out, size_t n);

/* Picks the UI directory: root/webmgr when it has index.html, else
 * exe_dir/../webmgr. Writes it to out. */
void web_static_find_docroot(const char *root, const char *exe_dir, char *out, size_t n);

#endif

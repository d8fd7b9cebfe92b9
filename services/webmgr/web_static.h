/*
 * web_static: serves the WebManager's static files from <root>/webmgr/ (the
 * UI installed with the product; nothing is fetched from the internet) and
 * answers unknown API paths with a JSON error.
 */
#ifndef WEB_STATIC_H
#define WEB_STATIC_H

#include <event2/http.h>

#include "clp_daemon.h"

typedef struct web_static web_static_t;

web_static_t *web_static_new(clp_daemon_t *d, struct evhttp *http);
void web_static_destroy(web_static_t **ws);

/* Maps a request path to a file under docroot; rejects "..", NUL bytes and
 * anything outside docroot. Returns 0 or -EINVAL/-ENAMETOOLONG. */
int web_static_resolve(const char *docroot, const char *uri_path, char *out, size_t n);

#endif

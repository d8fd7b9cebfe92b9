/*
 * web_tls: HTTPS for the WebManager and the REST API (OpenSSL through
 * libevent's bufferevent_openssl), from clp.conf:
 *
 *   <webmgr><security><https>
 *     <use>1</use>
 *     <certificate>/path/server.crt</certificate>   PEM, the chain after the leaf
 *     <key>/path/server.key</key>                   PEM, not encrypted
 *   </https></security></webmgr>
 *
 * When https/use is 1 and the certificate and key load and match, every
 * listener speaks HTTPS only (TLS 1.2 or later). When they do not, the daemon
 * logs why, raises the reference's alert webmgr 21 ("HTTPS configuration isn't
 * correct... access WebManager by HTTP mode") and serves plain HTTP.
 */
#ifndef WEB_TLS_H
#define WEB_TLS_H

#include <event2/http.h>
#include <stdbool.h>

#include "clp_config.h"

typedef struct web_tls web_tls_t;

/* Reads the https settings of conf. Returns NULL when HTTPS is not wanted or
 * cannot be used (why in err, "" when not wanted). */
web_tls_t *web_tls_new(const clp_conf_t *conf, char *err, size_t errlen);
void web_tls_destroy(web_tls_t **t);

/* Makes http accept TLS connections only. */
void web_tls_attach(web_tls_t *t, struct evhttp *http);

#endif

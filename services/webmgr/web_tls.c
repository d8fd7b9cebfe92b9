/*
 * web_tls: an OpenSSL server context and the bufferevent factory evhttp calls
 * for each accepted connection.
 */
#define CLP_LOG_TAG "webmgr.tls"
#include "web_tls.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clp_log.h"
#include "clp_xalloc.h"

struct web_tls {
    SSL_CTX *ctx;
};

static void ssl_err(char *err, size_t n, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e) {
        ERR_error_string_n(e, buf, sizeof(buf));
    }
    snprintf(err, n, "%s %s: %s", what, path ? path : "", buf[0] ? buf : "failed");
    ERR_clear_error();
}

web_tls_t *web_tls_new(const clp_conf_t *conf, char *err, size_t errlen)
{
    const clp_params_t *p = &conf->cluster.params;
    err[0] = '\0';
    if (clp_params_int(p, "webmgr/security/https/use", 0) != 1) {
        return NULL;
    }
    const char *cert = clp_params_get(p, "webmgr/security/https/certificate");
    const char *key = clp_params_get(p, "webmgr/security/https/key");
    if (!cert || !cert[0] || !key || !key[0]) {
        snprintf(err, errlen,
                 "webmgr/security/https/use is 1 but the certificate or the key "
                 "is not set");
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ssl_err(err, errlen, "cannot create a TLS context", NULL);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        ssl_err(err, errlen, "cannot load the certificate", cert);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ssl_err(err, errlen, "cannot load the private key", key);
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_err(err, errlen, "the private key does not match the certificate", key);
    }
    if (err[0]) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    web_tls_t *t = xcalloc(1, sizeof(*t));
    t->ctx = ctx;
    return t;
}

void web_tls_destroy(web_tls_t **pt)
{
    if (pt && *pt) {
        SSL_CTX_free((*pt)->ctx);
        free(*pt);
        *pt = NULL;
    }
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
    web_tls_t *t = arg;
    SSL *ssl = SSL_new(t->ctx);
    if (!ssl) {
        return NULL;
    }
    return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

void web_tls_attach(web_tls_t *t, struct evhttp *http)
{
    evhttp_set_bevcb(http, make_bev, t);
}

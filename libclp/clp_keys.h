/*
 * clp_keys: the cluster secret and everything derived from it.
 *
 * etc/clp.key holds 32 random bytes as 64 hex characters (mode 0600, made by
 * clpkeygen, identical on every server). From it this module derives, with
 * keyed BLAKE2b and a context string each: the MAC key for datagrams
 * (heartbeats, alert sync), and two CURVE key pairs (server and cluster
 * client) for ZeroMQ over TCP. Outside hosts (clprexec on a client) get their
 * own CURVE key pair from clpkeygen --client; the cluster accepts them when
 * their public key is listed in etc/clients/NAME.pub.
 *
 * clp_zap is the ZAP handler every daemon with a TCP endpoint runs: it admits
 * a CURVE client only if its public key is the cluster client key or, for
 * domains that allow outside clients, a listed client key, and tells the
 * server who it is through the User-Id message property.
 */
#ifndef CLP_KEYS_H
#define CLP_KEYS_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLP_MAC_BYTES 32

typedef struct clp_keys {
    uint8_t secret[32];
    uint8_t mac_key[32];
    uint8_t server_pub[32], server_sec[32];
    uint8_t client_pub[32], client_sec[32];
} clp_keys_t;

/* A CURVE key pair of an outside client (clprexec), loaded from its key file. */
typedef struct clp_client_key {
    uint8_t pub[32], sec[32];
    uint8_t server_pub[32]; /* the cluster's server key, stored in the same file */
} clp_client_key_t;

/* Loads <root>/etc/clp.key. Returns 0, or -errno with a sentence in err. */
int clp_keys_load(const char *root, clp_keys_t *k, char *err, size_t errlen);

/* Derives every key from a 32-byte secret. */
void clp_keys_derive(clp_keys_t *k, const uint8_t secret[32]);

/* Writes a fresh random secret to path (0600). Refuses to overwrite unless force. */
int clp_keys_generate(const char *path, bool force, char *err, size_t errlen);

/* Writes a client key file (0600) for an outside host and returns its public
 * key as Z85 text (41 bytes with NUL) for etc/clients/NAME.pub. */
int clp_keys_generate_client(const clp_keys_t *cluster, const char *path, char pub_z85[41],
                             char *err, size_t errlen);
int clp_client_key_load(const char *path, clp_client_key_t *ck, char *err, size_t errlen);

/* MAC over data with the cluster MAC key. */
void clp_mac(const clp_keys_t *k, const void *data, size_t len, uint8_t out[CLP_MAC_BYTES]);
/* Constant-time check; returns true when mac matches. */
bool clp_mac_ok(const clp_keys_t *k, const void *data, size_t len, const uint8_t *mac,
                size_t maclen);

/* Makes sock a CURVE server with the cluster server key (domain as given to
 * clp_zap). keys is a const clp_keys_t *. Returns 0 or -1 (errno). */
int clp_keys_curve_server(void *sock, const void *keys);
/* Makes sock a CURVE client of the cluster (cluster client key). */
int clp_keys_curve_client(void *sock, const clp_keys_t *k);
/* Makes sock a CURVE client with an outside client's key. */
int clp_keys_curve_client_ext(void *sock, const clp_client_key_t *ck);

typedef struct clp_zap clp_zap_t;

/* Starts the ZAP handler in zctx. clients_dir (may be NULL) holds NAME.pub
 * files of outside clients, re-read when it changes. Domains listed in
 * outside_domains (NULL-terminated, may be NULL) admit those clients. */
clp_zap_t *clp_zap_new(struct event_base *base, void *zctx, const clp_keys_t *k,
                       const char *clients_dir, const char *const *outside_domains);
void clp_zap_destroy(clp_zap_t **zap);
unsigned long clp_zap_denied(const clp_zap_t *zap);

/* Called once for every connection the handler refuses, after counting it:
 * the ZAP domain, the peer's address and why ("unknown CURVE key", ...). */
typedef void (*clp_zap_deny_fn)(void *arg, const char *domain, const char *addr, const char *why);
/* Sets (or with fn NULL clears) the refusal hook. zap may be NULL (no-op). */
void clp_zap_on_deny(clp_zap_t *zap, clp_zap_deny_fn fn, void *arg);

/* Hex helpers (lower case). */
void clp_hex(const uint8_t *in, size_t n, char *out);
int clp_unhex(const char *in, uint8_t *out, size_t n);

#endif

/*
 * clp_keys: secret loading, key derivation, MACs, CURVE set-up and the ZAP
 * handler.
 */
#define CLP_LOG_TAG "keys"
#include "clp_keys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "clp_log.h"
#include "clp_paths.h"
#include "clp_time.h"
#include "clp_zsock.h"

void clp_hex(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

int clp_unhex(const char *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)in[2 * i]);
        int lo = hi < 0 ? -1 : hexval((unsigned char)in[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -EINVAL;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void derive(const uint8_t secret[32], const char *context, uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)context, strlen(context), secret, 32);
}

void clp_keys_derive(clp_keys_t *k, const uint8_t secret[32])
{
    memcpy(k->secret, secret, 32);
    derive(secret, "clusterpro mac v1", k->mac_key);
    derive(secret, "clusterpro curve server v1", k->server_sec);
    crypto_scalarmult_base(k->server_pub, k->server_sec);
    derive(secret, "clusterpro curve client v1", k->client_sec);
    crypto_scalarmult_base(k->client_pub, k->client_sec);
}

int clp_keys_load(const char *root, clp_keys_t *k, char *err, size_t errlen)
{
    char path[CLP_PATH_MAX];
    char *data = NULL;
    uint8_t secret[32];
    struct stat st;
    int rc;

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -EIO;
    }
    clp_path(path, sizeof(path), root, "etc/clp.key");
    rc = clp_read_file(path, 4096, &data, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read the cluster key %s: %s (make one with clpkeygen)", path,
                 strerror(-rc));
        return rc;
    }
    if (stat(path, &st) == 0 && (st.st_mode & 077)) {
        clp_warn("%s is readable by group or others (mode %03o); it should be 0600", path,
                 st.st_mode & 0777);
    }
    char *p = data;
    while (*p && isspace((unsigned char)*p)) {
        p++;
    }
    size_t n = 0;
    while (p[n] && !isspace((unsigned char)p[n])) {
        n++;
    }
    if (n != 64 || clp_unhex(p, secret, 32) < 0) {
        snprintf(err, errlen, "the cluster key %s must hold 64 hexadecimal characters", path);
        free(data);
        return -EINVAL;
    }
    free(data);
    clp_keys_derive(k, secret);
    sodium_memzero(secret, sizeof(secret));
    return 0;
}

int clp_keys_generate(const char *path, bool force, char *err, size_t errlen)
{
    uint8_t secret[32];
    char hex[66];

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -EIO;
    }
    if (!force && access(path, F_OK) == 0) {
        snprintf(err, errlen, "%s exists; use --force to replace it (every server needs the same key)",
                 path);
        return -EEXIST;
    }
    randombytes_buf(secret, sizeof(secret));
    clp_hex(secret, 32, hex);
    strcat(hex, "\n");
    int rc = clp_write_atomic(path, hex, 65, 0600);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
    }
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

int clp_keys_generate_client(const clp_keys_t *cluster, const char *path, char pub_z85[41],
                             char *err, size_t errlen)
{
    uint8_t pub[32], sec[32];
    char buf[256], h1[65], h2[65], h3[65];

    crypto_box_keypair(pub, sec);
    clp_hex(sec, 32, h1);
    clp_hex(pub, 32, h2);
    clp_hex(cluster->server_pub, 32, h3);
    int n = snprintf(buf, sizeof(buf), "secret=%s\npublic=%s\nserver=%s\n", h1, h2, h3);
    int rc = clp_write_atomic(path, buf, (size_t)n, 0600);
    sodium_memzero(sec, sizeof(sec));
    sodium_memzero(buf, sizeof(buf));
    if (rc < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
        return rc;
    }
    zmq_z85_encode(pub_z85, pub, 32);
    return 0;
}

static int kv_hex(const char *data, const char *key, uint8_t out[32])
{
    char pat[32];
    snprintf(pat, sizeof(pat), "%s=", key);
    const char *p = strstr(data, pat);
    if (!p || (p != data && p[-1] != '\n')) {
        return -EINVAL;
    }
    p += strlen(pat);
    size_t n = strcspn(p, "\r\n");
    if (n != 64) {
        return -EINVAL;
    }
    return clp_unhex(p, out, 32);
}

int clp_client_key_load(const char *path, clp_client_key_t *ck, char *err, size_t errlen)
{
    char *data = NULL;
    int rc = clp_read_file(path, 4096, &data, NULL);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read the client key %s: %s", path, strerror(-rc));
        return rc;
    }
    if (kv_hex(data, "secret", ck->sec) < 0 || kv_hex(data, "public", ck->pub) < 0 ||
        kv_hex(data, "server", ck->server_pub) < 0) {
        snprintf(err, errlen, "%s is not a client key file made by clpkeygen --client", path);
        rc = -EINVAL;
    }
    sodium_memzero(data, strlen(data));
    free(data);
    return rc;
}

void clp_mac(const clp_keys_t *k, const void *data, size_t len, uint8_t out[CLP_MAC_BYTES])
{
    crypto_generichash(out, CLP_MAC_BYTES, data, len, k->mac_key, sizeof(k->mac_key));
}

bool clp_mac_ok(const clp_keys_t *k, const void *data, size_t len, const uint8_t *mac,
                size_t maclen)
{
    uint8_t want[CLP_MAC_BYTES];
    if (maclen != CLP_MAC_BYTES) {
        return false;
    }
    clp_mac(k, data, len, want);
    return sodium_memcmp(want, mac, CLP_MAC_BYTES) == 0;
}

int clp_keys_curve_server(void *sock, const void *keys)
{
    const clp_keys_t *k = keys;
    int on = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof(on)) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->server_sec, 32) < 0) {
        return -1;
    }
    return 0;
}

int clp_keys_curve_client(void *sock, const clp_keys_t *k)
{
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server_pub, 32) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->client_pub, 32) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->client_sec, 32) < 0) {
        return -1;
    }
    return 0;
}

int clp_keys_curve_client_ext(void *sock, const clp_client_key_t *ck)
{
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, ck->server_pub, 32) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, ck->pub, 32) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, ck->sec, 32) < 0) {
        return -1;
    }
    return 0;
}

/* ---- ZAP ---- */

typedef struct {
    char name[64];
    uint8_t pub[32];
} ext_client_t;

struct clp_zap {
    void *sock;
    clp_zwatch_t *watch;
    const clp_keys_t *keys;
    char dir[CLP_PATH_MAX];
    const char *const *outside_domains;
    ext_client_t *clients;
    size_t n_clients;
    uint64_t last_scan_ms;
    unsigned long denied;
    clp_zap_deny_fn deny_fn;
    void *deny_arg;
};

static void zap_scan_clients(clp_zap_t *z)
{
    DIR *d;
    struct dirent *de;

    free(z->clients);
    z->clients = NULL;
    z->n_clients = 0;
    if (!z->dir[0] || !(d = opendir(z->dir))) {
        return;
    }
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0 || len - 4 >= 64) {
            continue;
        }
        char path[CLP_PATH_MAX + 256], *data = NULL;
        snprintf(path, sizeof(path), "%s/%s", z->dir, de->d_name);
        if (clp_read_file(path, 256, &data, NULL) < 0) {
            continue;
        }
        data[strcspn(data, "\r\n \t")] = '\0';
        ext_client_t c;
        memset(&c, 0, sizeof(c));
        memcpy(c.name, de->d_name, len - 4);
        if (strlen(data) == 40 && zmq_z85_decode(c.pub, data)) {
            ext_client_t *nc = realloc(z->clients, (z->n_clients + 1) * sizeof(*nc));
            if (nc) {
                z->clients = nc;
                z->clients[z->n_clients++] = c;
            }
        } else {
            clp_warn("ignoring %s: not a Z85 public key from clpkeygen --client", path);
        }
        free(data);
    }
    closedir(d);
}

static bool domain_allows_outside(const clp_zap_t *z, const char *domain)
{
    for (const char *const *d = z->outside_domains; d && *d; d++) {
        if (strcmp(*d, domain) == 0) {
            return true;
        }
    }
    return false;
}

static void zap_reply(clp_zap_t *z, zmq_msg_t *reqid, const char *code, const char *text,
                      const char *user)
{
    zmq_send(z->sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(z->sock, zmq_msg_data(reqid), zmq_msg_size(reqid), ZMQ_SNDMORE);
    zmq_send(z->sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(z->sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(z->sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(z->sock, "", 0, 0);
    clp_zwatch_kick(z->watch);
}

static void on_zap(void *arg, void *sock, zmq_msg_t *parts, int n)
{
    clp_zap_t *z = arg;
    char domain[64] = "", mech[16] = "", addr[64] = "";

    if (n < 6) {
        return;
    }
    snprintf(domain, sizeof(domain), "%.*s", (int)zmq_msg_size(&parts[2]),
             (char *)zmq_msg_data(&parts[2]));
    snprintf(addr, sizeof(addr), "%.*s", (int)zmq_msg_size(&parts[3]),
             (char *)zmq_msg_data(&parts[3]));
    snprintf(mech, sizeof(mech), "%.*s", (int)zmq_msg_size(&parts[5]),
             (char *)zmq_msg_data(&parts[5]));
    if (strcmp(mech, "CURVE") != 0 || n < 7 || zmq_msg_size(&parts[6]) != 32) {
        z->denied++;
        clp_warn("denied a %s connection from %s to %s: not CURVE", mech, addr, domain);
        zap_reply(z, &parts[1], "400", "CURVE required", "");
        if (z->deny_fn) {
            z->deny_fn(z->deny_arg, domain, addr, "not CURVE");
        }
        return;
    }
    const uint8_t *key = zmq_msg_data(&parts[6]);
    if (sodium_memcmp(key, z->keys->client_pub, 32) == 0) {
        zap_reply(z, &parts[1], "200", "OK", "cluster");
        return;
    }
    if (domain_allows_outside(z, domain)) {
        uint64_t now = clp_mono_ms();
        if (now - z->last_scan_ms > 2000) {
            zap_scan_clients(z);
            z->last_scan_ms = now;
        }
        for (size_t i = 0; i < z->n_clients; i++) {
            if (sodium_memcmp(key, z->clients[i].pub, 32) == 0) {
                char user[80];
                snprintf(user, sizeof(user), "client:%s", z->clients[i].name);
                zap_reply(z, &parts[1], "200", "OK", user);
                return;
            }
        }
    }
    z->denied++;
    clp_warn("denied a connection from %s to %s: unknown CURVE key", addr, domain);
    zap_reply(z, &parts[1], "400", "unknown key", "");
    if (z->deny_fn) {
        z->deny_fn(z->deny_arg, domain, addr, "unknown CURVE key");
    }
}

clp_zap_t *clp_zap_new(struct event_base *base, void *zctx, const clp_keys_t *k,
                       const char *clients_dir, const char *const *outside_domains)
{
    clp_zap_t *z = calloc(1, sizeof(*z));
    if (!z) {
        return NULL;
    }
    z->keys = k;
    z->outside_domains = outside_domains;
    snprintf(z->dir, sizeof(z->dir), "%s", clients_dir ? clients_dir : "");
    z->sock = clp_zsock_new(zctx, ZMQ_REP, 0);
    if (!z->sock || zmq_bind(z->sock, "inproc://zeromq.zap.01") < 0) {
        clp_error("cannot start the ZAP handler: %s", zmq_strerror(errno));
        if (z->sock) {
            zmq_close(z->sock);
        }
        free(z);
        return NULL;
    }
    z->watch = clp_zwatch_new(base, z->sock, on_zap, z);
    zap_scan_clients(z);
    z->last_scan_ms = clp_mono_ms();
    return z;
}

void clp_zap_destroy(clp_zap_t **pz)
{
    if (!pz || !*pz) {
        return;
    }
    clp_zap_t *z = *pz;
    clp_zwatch_destroy(&z->watch);
    if (z->sock) {
        zmq_close(z->sock);
    }
    free(z->clients);
    free(z);
    *pz = NULL;
}

unsigned long clp_zap_denied(const clp_zap_t *z)
{
    return z ? z->denied : 0;
}

void clp_zap_on_deny(clp_zap_t *z, clp_zap_deny_fn fn, void *arg)
{
    if (z) {
        z->deny_fn = fn;
        z->deny_arg = arg;
    }
}

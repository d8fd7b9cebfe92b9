/*
 * hb: heartbeat transports. Every interval the core's heartbeat (built by the
 * core: its state, what it hears, its groups) is sealed with the cluster MAC
 * and sent to every peer on every configured path; whatever arrives is opened
 * (MAC, envelope checks, replay check per sender and path) and handed to the
 * core. Forged or replayed beats are counted and dropped here: they never
 * reach membership.
 *
 * Transports are rows of one table (hb_transports in hb.c): lanhb/lankhb over
 * UDP (hb_lan.c), diskhb on the shared block device (hb_disk.c, a thread doing
 * O_DIRECT I/O), comhb over a serial line (hb_com.c). Disk and serial beats
 * are the compact form (no group list).
 */
#ifndef CORE_HB_H
#define CORE_HB_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clp_config.h"
#include "clp_dgram.h"
#include "clp_keys.h"
#include "clp_msg.h"

typedef struct hb hb_t;
typedef struct hb_path hb_path_t;

/* Fills hbmsg for path (compact: omit the group list). Strings/arrays it sets
 * must stay valid until the next call. */
typedef void (*hb_build_fn)(void *arg, int path, bool compact, Clp__Heartbeat *hbmsg);
/* A valid, fresh heartbeat from server on path. env is valid during the call. */
typedef void (*hb_rx_fn)(void *arg, int server, int path, const Clp__Envelope *env);

typedef struct hb_transport {
    const char *type;
    bool compact;
    /* Prepares the path (sockets, device, thread). Returns 0 or -errno. */
    int (*open)(hb_path_t *p);
    /* Sends one sealed beat to server. Returns 0 or -errno. */
    int (*send)(hb_path_t *p, int server, const uint8_t *buf, size_t len);
    void (*close)(hb_path_t *p);
} hb_transport_t;

struct hb_path {
    hb_t *hb;
    int index;
    const clp_hb_t *conf;
    const hb_transport_t *t;
    void *priv;
    bool open;
    unsigned long tx, tx_err, rx, rx_bad;
};

/* Creates the heartbeat engine for this server (self = index in conf). The
 * paths are opened at once; a path that cannot open is logged and stays
 * closed (others keep working). */
hb_t *hb_new(struct event_base *base, const clp_conf_t *conf, int self, const clp_keys_t *keys,
             clp_msg_ctx_t *mctx, hb_build_fn build, hb_rx_fn rx, void *arg);
void hb_destroy(hb_t **hb);

/* Starts/stops the periodic sending (interval from the config). */
void hb_start(hb_t *hb);
void hb_stop(hb_t *hb);
/* Sends one round now (e.g. to announce a state change at once). */
void hb_send_now(hb_t *hb);

/* Counters. */
unsigned long hb_rejected(const hb_t *hb);
const hb_path_t *hb_path(const hb_t *hb, int index);
int hb_n_paths(const hb_t *hb);

/* For transports: the shared context. */
struct event_base *hb_base(const hb_t *hb);
const clp_conf_t *hb_conf(const hb_t *hb);
int hb_self(const hb_t *hb);
/* A transport received bytes claimed to be a sealed beat for path p (server
 * -1: unknown sender, resolved from the envelope). */
void hb_deliver(hb_path_t *p, const uint8_t *buf, size_t len, const char *from_addr);
/* The device value (info) of server for this path's device id, or NULL. */
const char *hb_peer_info(const hb_path_t *p, int server);

extern const hb_transport_t hb_lan_transport;
extern const hb_transport_t hb_disk_transport;
extern const hb_transport_t hb_com_transport;

#endif

/*
 * clp_net: Linux network operations for floating addresses and link monitors,
 * over rtnetlink and packet sockets (no external commands): find the
 * interface that owns a subnet, add and remove addresses, read a link's
 * carrier state, probe whether an IPv4 address answers ARP, and announce an
 * address (gratuitous ARP, unsolicited neighbour advertisement).
 *
 * All calls block for at most the timeout they are given; callers run the
 * slow ones (probes) in a child process.
 */
#ifndef CLP_NET_H
#define CLP_NET_H

#include <stdbool.h>
#include <stddef.h>

/* The interface holding an address in the same subnet as addr (IPv4 or IPv6),
 * and that subnet's prefix length. Returns 0, -ENOENT when no interface has
 * such a subnet, -EINVAL for a bad address. */
int clp_net_iface_for(const char *addr, char *ifname, size_t n, int *prefix);

/* Is addr configured on an interface of this host? Returns 1 (and the
 * interface in ifname if non-NULL), 0 if not, -errno. */
int clp_net_addr_present(const char *addr, char *ifname, size_t n);

/* Adds addr/prefix to ifname (nodad: skip IPv6 duplicate address detection).
 * -EEXIST when already there. */
int clp_net_addr_add(const char *ifname, const char *addr, int prefix, bool nodad);

/* Removes addr from whatever interface holds it. 0 also when it was absent. */
int clp_net_addr_del(const char *addr);

/* Carrier (link) state of ifname: 1 up, 0 down, -ENODEV / -errno. */
int clp_net_link_state(const char *ifname);

/* Sends an ARP request for ipv4 from 0.0.0.0 on ifname and waits up to
 * timeout_ms for an answer: 1 someone has it (mac in who, if non-NULL), 0 nobody,
 * -errno. */
int clp_net_arp_probe(const char *ifname, const char *ipv4, int timeout_ms, char *who, size_t n);

/* Announces addr on ifname: gratuitous ARP (IPv4) or an unsolicited neighbour
 * advertisement (IPv6), count times 100 ms apart. */
int clp_net_announce(const char *ifname, const char *addr, int count);

/* An ARP socket on one interface, for a probe and the announcements that follow
 * it (a floating address's activation): opening and closing a packet socket
 * each wait for an RCU grace period in the kernel (milliseconds, tens on a busy
 * host), so one socket serves both, and a process that forks a helper for the
 * repeated announcements can leave the last close to it. A plain value: the
 * socket and what it was opened for. */
typedef struct {
    int fd;
    int ifindex;
    unsigned char mac[6];
} clp_arp_t;

/* Opens an ARP socket on ifname. Returns 0 or -errno (-ENODEV: no such
 * interface). */
int clp_net_arp_open(clp_arp_t *a, const char *ifname);

/* clp_net_arp_probe on an open socket. */
int clp_net_arp_probe_on(clp_arp_t *a, const char *ipv4, int timeout_ms, char *who, size_t n);

/* One gratuitous ARP (request and reply) for ipv4 on an open socket. */
int clp_net_arp_announce_on(clp_arp_t *a, const char *ipv4);

/* Closes the socket (fd -1 afterwards; a closed one is left alone). */
void clp_net_arp_close(clp_arp_t *a);

#endif

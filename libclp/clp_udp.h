/*
 * clp_udp: non-blocking UDP sockets for the datagram paths.
 */
#ifndef CLP_UDP_H
#define CLP_UDP_H

#include <netinet/in.h>
#include <stddef.h>

/* A non-blocking, close-on-exec UDP socket bound to addr:port (addr NULL or ""
 * = any IPv4 address). Returns the fd or -errno. */
int clp_udp_bind(const char *addr, int port);

/* Parses an IPv4 or IPv6 address and port into ss. Returns 0 or -EINVAL. */
int clp_sockaddr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len);

/* Formats the address part of sa ("10.31.0.1"). */
void clp_sockaddr_str(const struct sockaddr *sa, char *out, size_t n);

#endif

/*
 * clp_icmp: ICMP echo (ping) for IPv4 and IPv6, blocking with a timeout. Used
 * by ping network-partition resolution, the IP monitor and the floating IP's
 * "does anybody already answer" check; callers run it in a child process or a
 * thread, never in an event loop.
 */
#ifndef CLP_ICMP_H
#define CLP_ICMP_H

/* Sends up to count echo requests to addr, one every interval_ms, and returns
 * 0 as soon as one reply arrives, -ETIMEDOUT when none arrived within
 * timeout_ms after the last request, -EINVAL for a bad address, or -errno. */
int clp_ping(const char *addr, int count, int interval_ms, int timeout_ms);

#endif

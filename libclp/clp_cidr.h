/*
 * clp_cidr: textual addresses and prefixes ("10.0.0.1", "10.0.0.0/24",
 * "fe80::1", "::ffff:10.0.0.1") for the allow lists of the WebManager
 * (web_acl) and of clprexec (clp_rexec). Pure: no I/O.
 */
#ifndef CLP_CIDR_H
#define CLP_CIDR_H

#include <stdbool.h>

/* "addr" or "addr/prefix" into family (AF_INET, AF_INET6), the address bytes
 * (4 or 16 used) and the prefix length (32 / 128 when none is given). An
 * IPv4-mapped IPv6 address without a prefix is read as the IPv4 address.
 * Returns 0, or -1 when text is not such an address (or is NULL). */
int clp_cidr_parse(const char *text, int *family, unsigned char addr[16], int *prefix);

/* True when the first bits bits of a and b are equal. */
bool clp_cidr_prefix_match(const unsigned char *a, const unsigned char *b, int bits);

#endif

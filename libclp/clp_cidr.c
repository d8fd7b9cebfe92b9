/*
 * clp_cidr: see clp_cidr.h.
 */
#include "clp_cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int clp_cidr_parse(const char *text, int *family, unsigned char addr[16], int *prefix)
{
    char buf[80];
    if (!text || strlen(text) >= sizeof(buf)) {
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash++ = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        *prefix = 32;
    } else if (inet_pton(AF_INET6, buf, addr) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        *family = AF_INET6;
        *prefix = 128;
        if (memcmp(addr, mapped, 12) == 0 && !slash) {
            memmove(addr, addr + 12, 4);
            *family = AF_INET;
            *prefix = 32;
        }
    } else {
        return -1;
    }
    if (slash) {
        char *end;
        long p = strtol(slash, &end, 10);
        if (*slash == '\0' || *end || p < 0 || p > *prefix) {
            return -1;
        }
        *prefix = (int)p;
    }
    return 0;
}

bool clp_cidr_prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0) {
        return false;
    }
    if (rest == 0) {
        return true;
    }
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

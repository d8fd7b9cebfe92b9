/*
 * web_acl: the WebManager's client IP lists (clp.conf
 * webmgr/security/clientlist). With iprest = 0 every client may operate. With
 * iprest = 1 a client whose address matches an ip@ entry may operate, one that
 * matches only ipro@ entries may only look (reference), and any other is
 * refused. An entry is an IPv4 or IPv6 address, or an address/prefix; an
 * IPv4-mapped IPv6 client address (::ffff:a.b.c.d) is matched as IPv4.
 */
#ifndef WEB_ACL_H
#define WEB_ACL_H

#include "clp_config.h"

typedef enum {
    WEB_RIGHT_NONE = 0, /* nothing, not even the UI's files */
    WEB_RIGHT_REF = 1,  /* reference: look at status, configuration, alerts */
    WEB_RIGHT_OP = 2,   /* operation: everything */
} web_right_t;

typedef struct web_acl web_acl_t;

/* Builds the lists from w (copied). Entries that do not parse are skipped and
 * counted in *bad (may be NULL); the loader has already refused such configs. */
web_acl_t *web_acl_new(const clp_webmgr_t *w, int *bad);
void web_acl_destroy(web_acl_t **acl);

/* The most a client at addr (text form) may do. */
web_right_t web_acl_check(const web_acl_t *acl, const char *addr);

/* "none", "reference", "operation". */
const char *web_right_name(web_right_t r);

#endif

/*
 * clp_xalloc: allocation for daemons and tools, which abort on out-of-memory
 * (there is no sane recovery inside an event callback). libclp's own modules
 * never call these: they return -ENOMEM instead.
 */
#ifndef CLP_XALLOC_H
#define CLP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* printf into a fresh heap string the caller owns. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

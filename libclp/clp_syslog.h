/*
 * clp_syslog: a syslog client writing RFC 3164 records to a unix datagram
 * socket (default /dev/log), without the C library's process-wide openlog
 * state, so the destination is configurable (on the test bed every server
 * shares the machine's /dev, so each gets a socket of its own).
 *
 * A record is "<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE" (the local form glibc's
 * syslog() writes: no host name, the syslog daemon adds it). Sending never
 * blocks: when the socket is missing or full the record is dropped and
 * counted; the next send tries to reconnect.
 */
#ifndef CLP_SYSLOG_H
#define CLP_SYSLOG_H

#include <stddef.h>
#include <time.h>

#define CLP_SYSLOG_DEFAULT_PATH "/dev/log"
#define CLP_SYSLOG_FAC_DAEMON 3

typedef struct clp_syslog clp_syslog_t;

/* path NULL or "" = /dev/log. tag is the program identity ("expresscls").
 * facility is the syslog facility number (3 = daemon). Returns NULL on ENOMEM
 * only: a missing socket is not an error until records are sent. */
clp_syslog_t *clp_syslog_new(const char *path, const char *tag, int facility);
void clp_syslog_destroy(clp_syslog_t **sl);

/* Sends msg with severity (LOG_ERR, LOG_WARNING, LOG_INFO ...). Returns 0, or
 * -errno when the record was dropped (counted). */
int clp_syslog_send(clp_syslog_t *sl, int severity, const char *msg);

/* Records sent and dropped so far. */
unsigned long clp_syslog_sent(const clp_syslog_t *sl);
unsigned long clp_syslog_dropped(const clp_syslog_t *sl);

/* Formats one record into out (at most n bytes with the NUL). t is the local
 * time stamp. Returns the length the record has (it may have been cut). */
size_t clp_syslog_format(char *out, size_t n, int facility, int severity, time_t t, const char *tag,
                         int pid, const char *msg);

#endif

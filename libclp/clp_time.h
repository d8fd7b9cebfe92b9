/*
 * clp_time: the two clocks. Every timeout, interval and deadline in the product
 * uses the monotonic clock (clp_mono_ms), so a wall-clock jump fires or stalls
 * nothing; the wall clock (clp_wall_ms) is only for timestamps shown to people.
 */
#ifndef CLP_TIME_H
#define CLP_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t clp_mono_ms(void);
/* Microseconds on CLOCK_MONOTONIC. */
uint64_t clp_mono_us(void);
/* Milliseconds since the epoch (CLOCK_REALTIME). */
uint64_t clp_wall_ms(void);
/* A struct timeval for libevent from a millisecond duration. */
struct timeval clp_tv_ms(uint64_t ms);
/* Formats a wall-clock ms timestamp as "YYYY/MM/DD HH:MM:SS.mmm" (local time). */
void clp_fmt_wall(uint64_t wall_ms, char *out, size_t n);

#endif

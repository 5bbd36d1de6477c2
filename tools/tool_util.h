/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line helpers shared by the daemons' main()s (teevar-supplicant,
 * teevar-vtee-bridge). */
#ifndef TOOL_UTIL_H
#define TOOL_UTIL_H

#include <stdbool.h>

/* Prints "PROG: <message>" and "Try 'PROG --help'." to stderr; returns code. */
__attribute__((format(printf, 3, 4))) int tool_usage_error(const char *prog, int code,
							   const char *fmt, ...);
/* A whole string as an unsigned number in [min, max] (no sign, no junk). */
bool tool_parse_ulong(const char *s, int base, unsigned long min, unsigned long max,
		      unsigned long *out);

#endif

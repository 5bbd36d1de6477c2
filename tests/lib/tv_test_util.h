/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers shared by the tests. */
#ifndef TV_TEST_UTIL_H
#define TV_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parses a hex string (spaces allowed) into out; returns the byte count or -1. */
long tv_test_hex(const char *hex, uint8_t *out, size_t max);
/* Makes a fresh empty directory under $TMPDIR (or /tmp); returns a malloc'ed path. */
char *tv_test_tmpdir(void);
/* Removes a directory tree (best effort). */
void tv_test_rmtree(const char *path);
/* Deterministic PRNG for tests (xorshift64*). */
uint64_t tv_test_rand(uint64_t *state);
/* All n bytes to / from a socket (send with MSG_NOSIGNAL); 0, or -1 on an
 * error or the end of the stream. */
int tv_test_send_all(int fd, const void *p, size_t n);
int tv_test_recv_all(int fd, uint8_t *p, size_t n);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The byte stream to teevard: a Unix socket (host tests) or a virtio-serial
 * port (the guest). The fd is non-blocking; every transfer waits with poll()
 * until a deadline (CLOCK_MONOTONIC milliseconds), and a hang-up (POLLHUP or
 * POLLERR without data, or an end of stream) fails at once: a virtio port
 * whose host side is not connected gives POLLHUP and reads 0, and never
 * becomes writable. Sockets are written with MSG_NOSIGNAL (no SIGPIPE).
 *
 * Results: 0, -EPIPE (hung up, end of stream), -ETIMEDOUT (deadline passed),
 * or another -errno.
 */
#ifndef VTEE_STREAM_H
#define VTEE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t vs_now_ms(void);

int vs_write_all(int fd, bool is_socket, const uint8_t *p, size_t n, int64_t deadline);
int vs_read_all(int fd, uint8_t *p, size_t n, int64_t deadline);

/* Waits until fd has input or hung up (a read() then does not block): 0,
 * -ETIMEDOUT at the deadline, or -errno. */
int vs_wait_readable(int fd, int64_t deadline);

/* What poll() says about fd right now (0 when nothing is pending). */
short vs_revents(int fd);
/* POLLHUP, POLLERR or POLLNVAL in revents. */
bool vs_hup(short revents);

/* Reads and discards until nothing arrived for quiet_ms; *discarded counts the
 * bytes. -ETIMEDOUT when the peer is still talking at the deadline. */
int vs_drain(int fd, int quiet_ms, int64_t deadline, size_t *discarded);

/* A non-blocking, close-on-exec Unix stream socket connected to path, or
 * -errno (-ENAMETOOLONG, -ENOENT, -ECONNREFUSED, -EAGAIN: backlog full...). */
int vs_connect_unix(const char *path);

/* Sets O_NONBLOCK; 0 or -errno. */
int vs_set_nonblock(int fd);
/* Is fd a socket? */
bool vs_is_socket(int fd);

#endif

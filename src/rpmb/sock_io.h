/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unix stream socket I/O with deadlines, for the supplicant route. Sockets are
 * non-blocking; every transfer waits with poll() until its deadline, so a stalled
 * peer costs at most the time left. Writes never raise SIGPIPE.
 *
 * Deadlines are CLOCK_MONOTONIC milliseconds (sock_deadline()); -1 means none.
 */
#ifndef SOCK_IO_H
#define SOCK_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

int64_t sock_now_ms(void);
/* now + timeout_ms, or -1 when timeout_ms < 0. */
int64_t sock_deadline(int timeout_ms);

/* 0 when all len bytes arrived; TV_ENOENT when the peer closed before the first
 * byte; TV_EIO on a timeout, an error, or an end of stream after some bytes. */
int sock_read_full(int fd, void *buf, size_t len, int64_t deadline);
/* 0 when everything left; TV_EIO otherwise. iov is consumed (modified). */
int sock_writev_full(int fd, struct iovec *iov, int iovcnt, int64_t deadline);
int sock_write_full(int fd, const void *buf, size_t len, int64_t deadline);

/* A connected non-blocking socket (close-on-exec), or TV_EINVAL (path too long),
 * TV_EIO (nobody listens, or the listener's queue is full). */
int sock_connect_unix(const char *path);

/* A non-blocking listening socket at path whose file gets permissions `mode`
 * (the process umask is changed around bind(): call it single-threaded).
 * A stale socket file (nobody listens) is replaced; TV_EBUSY when someone listens
 * there, TV_EINVAL for a path too long or an existing non-socket file. */
int sock_listen_unix(const char *path, mode_t mode);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The system calls a Linux TEE device (/dev/teeN, /dev/teeprivN) is used
 * through, as a table, so that tests can play the kernel: libteevar's optee:
 * transport and teevar-supplicant's TEE front end both take one.
 */
#ifndef TV_TEE_DEV_OPS_H
#define TV_TEE_DEV_OPS_H

#include <stddef.h>
#include <sys/types.h>

/* Each behaves as the call of its name: -1 (mmap: MAP_FAILED) with errno set
 * on failure. arg is the table user's, passed to every op. */
struct tv_tee_dev_ops {
	int (*open)(void *arg, const char *path, int flags);
	int (*ioctl)(void *arg, int fd, unsigned long request, void *data);
	void *(*mmap)(void *arg, size_t len, int prot, int flags, int fd, off_t off);
	int (*munmap)(void *arg, void *addr, size_t len);
	int (*close)(void *arg, int fd);
};

/* The real system calls (arg unused). */
extern const struct tv_tee_dev_ops tv_tee_dev_sys;

#endif

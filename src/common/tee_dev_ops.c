/* SPDX-License-Identifier: BSD-2-Clause */
#include "tee_dev_ops.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int sys_open(void *arg, const char *path, int flags)
{
	(void)arg;
	return open(path, flags);
}

static int sys_ioctl(void *arg, int fd, unsigned long request, void *data)
{
	(void)arg;
	return ioctl(fd, request, data);
}

static void *sys_mmap(void *arg, size_t len, int prot, int flags, int fd, off_t off)
{
	(void)arg;
	return mmap(NULL, len, prot, flags, fd, off);
}

static int sys_munmap(void *arg, void *addr, size_t len)
{
	(void)arg;
	return munmap(addr, len);
}

static int sys_close(void *arg, int fd)
{
	(void)arg;
	return close(fd);
}

const struct tv_tee_dev_ops tv_tee_dev_sys = {
	.open = sys_open,
	.ioctl = sys_ioctl,
	.mmap = sys_mmap,
	.munmap = sys_munmap,
	.close = sys_close,
};

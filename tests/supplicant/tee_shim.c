/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * LD_PRELOAD shim for the teevar-supplicant process tests: it plays a Linux
 * TEE driver's supplicant device at the path $TEE_SHIM_DEV, with real file
 * descriptors, so that the shipped binary runs its --tee-dev path unchanged.
 *
 *   open($TEE_SHIM_DEV)  the read end of a pipe nobody writes: RECV blocks in
 *                        read() on it, as the driver's RECV waits, until a
 *                        signal interrupts it (EINTR, no SA_RESTART)
 *   TEE_IOC_VERSION      impl_id 1 (OP-TEE)
 *   TEE_IOC_SHM_ALLOC    a memfd of the size, id 1, 2, ...
 *   TEE_IOC_SUPPL_RECV   the script of $TEE_SHIM_MODE:
 *     serve      func 22; SHM_ALLOC 8192; RPMB GET_DEV_INFO into that buffer;
 *                SHM_FREE; then block
 *     fail-recv  func 22, then RECV fails with EINVAL
 *     fail-send  func 22, whose SEND fails with EIO
 *   TEE_IOC_SUPPL_SEND   appends "send <ret> <num_params> [<19 info bytes>]" to
 *                        $TEE_SHIM_LOG
 * Everything else goes to the real calls.
 */
/* open() itself, not its open64 redirection: both are defined below. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NP 5

struct msg {
	uint32_t func;
	uint32_t num_params;
	struct tee_ioctl_param params[NP];
};

static int dev_fd = -1, block_fd = -1;
static int step;
static int32_t next_id = 1;
static int shm_fd = -1;
static uint8_t *shm_map;

static int shim_open(const char *sym, const char *path, int flags, mode_t mode)
{
	const char *dev = getenv("TEE_SHIM_DEV");
	if (!dev || strcmp(path, dev) != 0) {
		int (*f)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, sym);
		return f(path, flags, mode);
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	block_fd = p[1]; /* kept open: read() on p[0] blocks */
	dev_fd = p[0];
	return dev_fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return flags & (O_CREAT | O_TMPFILE) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return shim_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return shim_open("open64", path, flags, mode);
}

static void note(const struct msg *m)
{
	const char *path = getenv("TEE_SHIM_LOG");
	FILE *f = path ? fopen(path, "a") : NULL;
	if (!f)
		return;
	fprintf(f, "send %#x %u", m->func, m->num_params);
	if (m->num_params == 3 && shm_map) {
		fputc(' ', f);
		for (int i = 0; i < 19; i++)
			fprintf(f, "%02x", shm_map[4096 + i]);
	}
	fputc('\n', f);
	fclose(f);
}

static void meta(struct msg *m, uint32_t func, uint32_t n)
{
	memset(m, 0, sizeof(*m));
	m->func = func;
	m->num_params = n;
	m->params[0].attr = TEE_IOCTL_PARAM_ATTR_META | TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
	m->params[0].a = (uint64_t)step;
	m->params[1].attr = TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/* The script's next request; 1 to block. */
static int next(struct msg *m, const char *mode)
{
	int s = step++;
	if (s == 0) {
		meta(m, 22, 2);
		return 0;
	}
	if (strcmp(mode, "fail-recv") == 0)
		return fail(EINVAL);
	if (strcmp(mode, "serve") != 0 || s > 3)
		return 1;
	if (s == 1) {
		meta(m, 6, 2);
		m->params[1].b = 8192;
	} else if (s == 2) {
		if (!shm_map)
			return fail(EFAULT);
		memset(shm_map, 0, 6);
		shm_map[0] = 1; /* GET_DEV_INFO */
		meta(m, 1, 3);
		m->params[1] = (struct tee_ioctl_param){
			.attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT, .b = 6, .c = 1};
		m->params[2] = (struct tee_ioctl_param){
			.attr = TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT, .a = 4096, .b = 19, .c = 1};
	} else {
		meta(m, 7, 2);
		m->params[1].b = 1;
	}
	return 0;
}

static int recv_req(struct tee_ioctl_buf_data *b)
{
	struct msg *m = (struct msg *)(uintptr_t)b->buf_ptr;
	const char *mode = getenv("TEE_SHIM_MODE");
	if (b->buf_len != sizeof(*m) || m->num_params != NP)
		return fail(EINVAL);
	int rc = next(m, mode ? mode : "serve");
	if (rc != 1)
		return rc;
	char c;
	ssize_t r = read(dev_fd, &c, 1); /* the driver's wait: only a signal ends it */
	return r < 0 ? -1 : fail(EIO);
}

static int shm_alloc(struct tee_ioctl_shm_alloc_data *d)
{
	shm_fd = memfd_create("tee_shim", MFD_CLOEXEC);
	if (shm_fd < 0 || ftruncate(shm_fd, (off_t)d->size) != 0)
		return -1;
	shm_map = mmap(NULL, (size_t)d->size, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm_map == MAP_FAILED)
		return -1;
	d->id = next_id++;
	return dup(shm_fd);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *data = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != dev_fd) {
		int (*f)(int, unsigned long, ...) =
			(int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		return f(fd, request, data);
	}
	const char *mode = getenv("TEE_SHIM_MODE");
	switch (request) {
	case TEE_IOC_VERSION:
		*(struct tee_ioctl_version_data *)data =
			(struct tee_ioctl_version_data){.impl_id = TEE_IMPL_ID_OPTEE, .gen_caps = 1};
		return 0;
	case TEE_IOC_SHM_ALLOC:
		return shm_alloc(data);
	case TEE_IOC_SUPPL_RECV:
		return recv_req(data);
	case TEE_IOC_SUPPL_SEND:
		note((const struct msg *)(uintptr_t)((struct tee_ioctl_buf_data *)data)->buf_ptr);
		return mode && strcmp(mode, "fail-send") == 0 ? fail(EIO) : 0;
	default:
		return fail(ENOTTY);
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * optee: the StMM service of a real OP-TEE through the Linux TEE driver
 * (/dev/teeN, <linux/tee.h>). The memref parameters are laid out in one shared
 * memory buffer (TEE_IOC_SHM_ALLOC, mmap'ed), which grows in pages as needed;
 * the TEE's results pass through. Everything the driver hands back (shared
 * memory size, output sizes) is checked before it is used.
 */
#include "transport_optee.h"

#include <teevar/transport.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define NP TV_TEE_NUM_PARAMS
#define INVOKE_ARG_SIZE (sizeof(struct tee_ioctl_invoke_arg) + NP * sizeof(struct tee_ioctl_param))

/* The fd of the shared memory is closed once it is mapped (as libteec does):
 * the mapping keeps it alive, and no fd without O_CLOEXEC lingers. */
struct shm {
	int32_t id;
	uint8_t *map; /* NULL: none */
	size_t size;  /* bytes mapped */
};

struct optee {
	const struct tv_tee_dev_ops *ops;
	void *arg;
	int fd;
	struct shm shm;
};

/* ---- shared memory ------------------------------------------------------ */

static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

static size_t page_round(size_t n)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t page = ps > 0 ? (size_t)ps : 4096;
	return (n + page - 1) / page * page;
}

static void shm_release(struct optee *o, struct shm *s)
{
	if (s->map)
		o->ops->munmap(o->arg, s->map, s->size);
	*s = (struct shm){.map = NULL};
}

/* A new buffer of at least size (<= TV_OPTEE_SHM_MAX) bytes, whole pages: the
 * driver maps whole pages only. */
static int shm_alloc(struct optee *o, size_t size, struct shm *s)
{
	size_t want = page_round(size);
	struct tee_ioctl_shm_alloc_data data = {.size = want, .flags = 0};

	*s = (struct shm){.map = NULL};
	int fd = o->ops->ioctl(o->arg, o->fd, TEE_IOC_SHM_ALLOC, &data);
	if (fd < 0)
		return neg_errno();
	int err = -EIO; /* a driver that gives less than asked */
	void *map = MAP_FAILED;
	if (data.size >= want) {
		map = o->ops->mmap(o->arg, want, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		err = map == MAP_FAILED ? neg_errno() : 0;
	}
	o->ops->close(o->arg, fd);
	if (err != 0)
		return err;
	*s = (struct shm){.id = data.id, .map = map, .size = want};
	return 0;
}

/* The old buffer stays if a bigger one cannot be had. */
static int shm_reserve(struct optee *o, size_t need)
{
	if (need <= o->shm.size)
		return 0;
	struct shm s;
	int rc = shm_alloc(o, need, &s);
	if (rc != 0)
		return rc;
	shm_release(o, &o->shm);
	o->shm = s;
	return 0;
}

/* ---- parameters --------------------------------------------------------- */

static bool is_value(uint32_t type)
{
	return type >= TV_TEE_PARAM_VALUE_INPUT && type <= TV_TEE_PARAM_VALUE_INOUT;
}

static bool is_memref(uint32_t type)
{
	return type >= TV_TEE_PARAM_MEMREF_INPUT && type <= TV_TEE_PARAM_MEMREF_INOUT;
}

/* Places the memrefs one after another, 8-byte aligned, in the shared buffer. */
static uint32_t lay_out(const struct tv_tee_param p[NP], size_t off[NP], size_t *total)
{
	size_t end = 0;
	for (int i = 0; i < NP; i++) {
		off[i] = 0;
		if (p[i].type == TV_TEE_PARAM_NONE || is_value(p[i].type))
			continue;
		if (!is_memref(p[i].type) || (!p[i].u.memref.buf && p[i].u.memref.size))
			return TEE_ERROR_BAD_PARAMETERS;
		if (p[i].u.memref.size > TV_OPTEE_SHM_MAX - end)
			return TEE_ERROR_EXCESS_DATA;
		off[i] = end;
		end = (end + p[i].u.memref.size + 7) & ~(size_t)7;
	}
	*total = end;
	return TEE_SUCCESS;
}

static void put_params(struct optee *o, const struct tv_tee_param p[NP], const size_t off[NP],
		       struct tee_ioctl_param ip[NP])
{
	for (int i = 0; i < NP; i++) {
		uint32_t type = p[i].type;
		ip[i] = (struct tee_ioctl_param){.attr = type};
		if (is_value(type) && type != TV_TEE_PARAM_VALUE_OUTPUT) {
			ip[i].a = p[i].u.value.a;
			ip[i].b = p[i].u.value.b;
			ip[i].c = p[i].u.value.c;
		} else if (is_memref(type)) {
			size_t size = p[i].u.memref.size;
			ip[i].a = off[i];
			ip[i].b = size;
			ip[i].c = (uint32_t)o->shm.id;
			if (type == TV_TEE_PARAM_MEMREF_OUTPUT)
				memset(o->shm.map + off[i], 0, size);
			else if (size)
				memcpy(o->shm.map + off[i], p[i].u.memref.buf, size);
		}
	}
}

static bool is_output_memref(uint32_t type)
{
	return type == TV_TEE_PARAM_MEMREF_OUTPUT || type == TV_TEE_PARAM_MEMREF_INOUT;
}

/* On success an output memref may shrink, never grow. */
static bool sizes_ok(uint32_t ret, const struct tv_tee_param p[NP],
		     const struct tee_ioctl_param ip[NP])
{
	for (int i = 0; ret == TEE_SUCCESS && i < NP; i++)
		if (is_output_memref(p[i].type) && ip[i].b > p[i].u.memref.size)
			return false;
	return true;
}

/* As the kernel's tee_stmm_efi, which shares the caller's buffer itself, the
 * whole buffer comes back; memref.size reports the TEE's size (on
 * EXCESS_DATA: the size the TEE accepts). */
static void get_params(struct optee *o, uint32_t ret, struct tv_tee_param p[NP],
		       const size_t off[NP], const struct tee_ioctl_param ip[NP])
{
	for (int i = 0; i < NP; i++) {
		uint32_t type = p[i].type;
		if (type == TV_TEE_PARAM_VALUE_OUTPUT || type == TV_TEE_PARAM_VALUE_INOUT) {
			p[i].u.value.a = ip[i].a;
			p[i].u.value.b = ip[i].b;
			p[i].u.value.c = ip[i].c;
		} else if (is_output_memref(type)) {
			if (ret == TEE_SUCCESS && p[i].u.memref.size)
				memcpy(p[i].u.memref.buf, o->shm.map + off[i], p[i].u.memref.size);
			p[i].u.memref.size = (size_t)ip[i].b;
		}
	}
}

/* ---- the transport operations ------------------------------------------- */

/* An ioctl that failed: the request never reached the TEE (or its answer was lost). */
static uint32_t comms_error(int err, uint32_t *origin)
{
	*origin = TEE_ORIGIN_COMMS;
	return err == -ENOMEM ? TEE_ERROR_OUT_OF_MEMORY : TEE_ERROR_COMMUNICATION;
}

static uint32_t optee_open_session(void *ctx, const uint8_t uuid[16], uint32_t *session,
				   uint32_t *origin)
{
	struct optee *o = ctx;
	struct tee_ioctl_open_session_arg arg;

	memset(&arg, 0, sizeof(arg));
	memcpy(arg.uuid, uuid, sizeof(arg.uuid));
	arg.clnt_login = TEE_IOCTL_LOGIN_PUBLIC;
	struct tee_ioctl_buf_data buf = {.buf_ptr = (uintptr_t)&arg, .buf_len = sizeof(arg)};
	if (o->ops->ioctl(o->arg, o->fd, TEE_IOC_OPEN_SESSION, &buf) < 0)
		return comms_error(neg_errno(), origin);
	*origin = arg.ret_origin;
	if (arg.ret == TEE_SUCCESS)
		*session = arg.session;
	return arg.ret;
}

static uint32_t optee_invoke(void *ctx, uint32_t session, uint32_t cmd,
			     struct tv_tee_param p[NP], uint32_t *origin)
{
	struct optee *o = ctx;
	size_t off[NP], total = 0;

	*origin = TEE_ORIGIN_API;
	if (!p)
		return TEE_ERROR_BAD_PARAMETERS;
	uint32_t res = lay_out(p, off, &total);
	if (res != TEE_SUCCESS)
		return res;
	int rc = shm_reserve(o, total);
	if (rc != 0)
		return comms_error(rc, origin);

	union {
		struct tee_ioctl_invoke_arg arg;
		uint8_t bytes[INVOKE_ARG_SIZE];
	} ib;
	memset(&ib, 0, sizeof(ib));
	ib.arg.func = cmd;
	ib.arg.session = session;
	ib.arg.num_params = NP;
	put_params(o, p, off, ib.arg.params);
	struct tee_ioctl_buf_data buf = {.buf_ptr = (uintptr_t)&ib, .buf_len = INVOKE_ARG_SIZE};
	if (o->ops->ioctl(o->arg, o->fd, TEE_IOC_INVOKE, &buf) < 0)
		return comms_error(neg_errno(), origin);
	if (!sizes_ok(ib.arg.ret, p, ib.arg.params)) {
		*origin = TEE_ORIGIN_COMMS;
		return TEE_ERROR_COMMUNICATION;
	}
	get_params(o, ib.arg.ret, p, off, ib.arg.params);
	*origin = ib.arg.ret_origin;
	return ib.arg.ret;
}

/* A failure is ignored: closing the device closes its sessions anyway. */
static void optee_close_session(void *ctx, uint32_t session)
{
	struct optee *o = ctx;
	struct tee_ioctl_close_session_arg arg = {.session = session};
	(void)o->ops->ioctl(o->arg, o->fd, TEE_IOC_CLOSE_SESSION, &arg);
}

static void optee_destroy(void *ctx)
{
	struct optee *o = ctx;
	shm_release(o, &o->shm);
	if (o->fd >= 0)
		o->ops->close(o->arg, o->fd);
	free(o);
}

static const struct tv_transport_ops optee_ops = {
	.open_session = optee_open_session,
	.invoke = optee_invoke,
	.close_session = optee_close_session,
	.destroy = optee_destroy,
};

/* ---- opening ------------------------------------------------------------ */

static int check_optee(struct optee *o)
{
	struct tee_ioctl_version_data v;
	memset(&v, 0, sizeof(v));
	if (o->ops->ioctl(o->arg, o->fd, TEE_IOC_VERSION, &v) < 0)
		return neg_errno();
	return v.impl_id == TEE_IMPL_ID_OPTEE ? 0 : -ENODEV;
}

static bool ops_complete(const struct tv_tee_dev_ops *ops)
{
	return ops && ops->open && ops->ioctl && ops->mmap && ops->munmap && ops->close;
}

int tv_transport_optee_open_with(const char *device, const struct tv_tee_dev_ops *ops, void *arg,
				 struct tv_transport *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!device || !*device || !ops_complete(ops))
		return -EINVAL;
	struct optee *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	*o = (struct optee){.ops = ops, .arg = arg, .fd = -1};
	int rc = 0;
	o->fd = ops->open(arg, device, O_RDWR | O_CLOEXEC);
	if (o->fd < 0)
		rc = neg_errno();
	if (rc == 0)
		rc = check_optee(o);
	if (rc == 0)
		rc = shm_alloc(o, TV_OPTEE_SHM_INITIAL, &o->shm);
	if (rc != 0) {
		optee_destroy(o);
		return rc;
	}
	*out = (struct tv_transport){
		.ops = &optee_ops,
		.ctx = o,
		.foreign_stmm = true, /* a board's EDK2 StMM: the minus-2 work-around */
		.ffa_codes = false,
		.name = "optee",
	};
	return 0;
}

int tv_transport_optee_open(const char *device, struct tv_transport *out)
{
	return tv_transport_optee_open_with(device, &tv_tee_dev_sys, NULL, out);
}

const char *tv_transport_optee_strerror(int err)
{
	switch (err) {
	case -ENOENT: return "no such TEE device (is the OP-TEE driver loaded? see /dev/tee*)";
	case -EACCES:
	case -EPERM: return "permission denied on the TEE device (usually root or group teeclnt)";
	case -ENOTTY: return "not a TEE device (it refuses TEE_IOC_VERSION)";
	case -ENODEV: return "the TEE is not OP-TEE (TEE_IOC_VERSION: another implementation)";
	case -ENOMEM: return "the TEE driver could not allocate shared memory";
	case -EINVAL: return "bad device path";
	default: return strerror(-err);
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "fake_tee.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/tee.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stmm.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len))
#endif

#define NP TV_TEE_NUM_PARAMS
#define MAX_CTX 8
#define MAX_SHM 16
#define MAX_MAPS 16
#define MAX_SESS 4
#define SHM_LIMIT (4u << 20) /* the pool's size: more is ENOMEM */

struct fctx {
	bool used;
	int fd;
	uint32_t sess[MAX_SESS];
	unsigned nsess;
};

struct fshm {
	bool used;
	int32_t id;
	int fd;        /* the memfd, also the caller's fd; -1 once closed */
	size_t size;
	uint8_t *kmap; /* the "kernel's" mapping, what StMM works on */
	int ctx;
	unsigned maps; /* caller mappings */
};

struct fmap {
	bool used;
	void *addr;
	size_t len;
	int shm;
};

struct fake_tee {
	struct tv_stmm *stmm;
	struct fake_tee_config cfg;
	struct fctx ctx[MAX_CTX];
	struct fshm shm[MAX_SHM];
	struct fmap map[MAX_MAPS];
	int32_t next_id;
	unsigned calls, fail_at, refused, hostile;
	int fail_err;
	size_t max_memref;
};

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	return ps > 0 ? (size_t)ps : 4096;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/* A call the kernel would refuse as malformed. */
static int refuse(struct fake_tee *f, int err)
{
	f->refused++;
	return fail(err);
}

static bool injected(struct fake_tee *f)
{
	f->calls++;
	if (f->fail_at == 0 || f->calls != f->fail_at)
		return false;
	errno = f->fail_err;
	return true;
}

static int ctx_by_fd(const struct fake_tee *f, int fd)
{
	for (int i = 0; fd >= 0 && i < MAX_CTX; i++)
		if (f->ctx[i].used && f->ctx[i].fd == fd)
			return i;
	return -1;
}

static int shm_by_fd(const struct fake_tee *f, int fd)
{
	for (int i = 0; fd >= 0 && i < MAX_SHM; i++)
		if (f->shm[i].used && f->shm[i].fd == fd)
			return i;
	return -1;
}

/* tee_shm_get_from_id: alive and of this context. */
static int shm_by_id(const struct fake_tee *f, int c, uint64_t id)
{
	for (int i = 0; i < MAX_SHM; i++)
		if (f->shm[i].used && (uint64_t)f->shm[i].id == id && f->shm[i].ctx == c)
			return i;
	return -1;
}

/* ---- shared memory ------------------------------------------------------ */

static void shm_maybe_free(struct fake_tee *f, int s)
{
	struct fshm *m = &f->shm[s];
	if (m->fd >= 0 || m->maps > 0)
		return;
	munmap(m->kmap, m->size);
	memset(m, 0, sizeof(*m));
}

static int shm_slot(const struct fake_tee *f)
{
	for (int i = 0; i < MAX_SHM; i++)
		if (!f->shm[i].used)
			return i;
	return -1;
}

static int shm_create(struct fshm *m, size_t size)
{
	int fd = memfd_create("fake-tee-shm", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	void *k = MAP_FAILED;
	if (ftruncate(fd, (off_t)size) == 0)
		k = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (k == MAP_FAILED) {
		close(fd);
		return fail(ENOMEM);
	}
	m->fd = fd;
	m->kmap = k;
	m->size = size;
	return fd;
}

static int do_shm_alloc(struct fake_tee *f, int c, struct tee_ioctl_shm_alloc_data *d)
{
	if (d->flags != 0 || d->size == 0)
		return refuse(f, EINVAL);
	int s = shm_slot(f);
	if (d->size > SHM_LIMIT || s < 0)
		return fail(ENOMEM);
	size_t page = page_size();
	size_t size = (d->size + page - 1) / page * page;
	if (f->hostile & FAKE_TEE_SHM_SHORT)
		size /= 2;
	struct fshm *m = &f->shm[s];
	if (shm_create(m, size) < 0)
		return -1;
	m->used = true;
	m->id = ++f->next_id;
	m->ctx = c;
	d->id = m->id;
	d->size = size;
	d->flags = 0;
	return m->fd;
}

/* ---- parameters (params_from_user / params_to_user) --------------------- */

static int memref_in(struct fake_tee *f, int c, const struct tee_ioctl_param *ip,
		     struct tv_tee_param *p)
{
	p->u.memref.size = (size_t)ip->b;
	if (ip->c == TEE_MEMREF_NULL)
		return 0; /* the fake's TEE has TEE_GEN_CAP_MEMREF_NULL */
	int s = shm_by_id(f, c, ip->c);
	if (s < 0 || ip->a + ip->b < ip->a || ip->a + ip->b > f->shm[s].size)
		return refuse(f, EINVAL);
	p->u.memref.buf = f->shm[s].kmap + ip->a;
	return 0;
}

static int param_in(struct fake_tee *f, int c, const struct tee_ioctl_param *ip,
		    struct tv_tee_param *p)
{
	/* unknown bits (tee_core), and no meta parameters from user space (OP-TEE driver) */
	if (ip->attr & ~(uint64_t)TEE_IOCTL_PARAM_ATTR_TYPE_MASK)
		return refuse(f, EINVAL);
	memset(p, 0, sizeof(*p));
	p->type = (uint32_t)ip->attr;
	switch (ip->attr) {
	case TEE_IOCTL_PARAM_ATTR_TYPE_NONE:
	case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
		return 0;
	case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT:
	case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
		p->u.value.a = ip->a;
		p->u.value.b = ip->b;
		p->u.value.c = ip->c;
		return 0;
	case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT:
	case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
	case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
		return memref_in(f, c, ip, p);
	default:
		return refuse(f, EINVAL);
	}
}

/* All n are checked; the first NP are converted (missing ones NONE). Returns
 * 1 if there are more than the TEE takes. */
static int params_in(struct fake_tee *f, int c, const struct tee_ioctl_param *ip, uint32_t n,
		     struct tv_tee_param p[NP])
{
	struct tv_tee_param spare;
	memset(p, 0, NP * sizeof(*p));
	for (uint32_t i = 0; i < n; i++)
		if (param_in(f, c, &ip[i], i < NP ? &p[i] : &spare) < 0)
			return -1;
	return n > NP ? 1 : 0;
}

static void params_out(const struct tv_tee_param p[NP], struct tee_ioctl_param *ip, uint32_t n)
{
	for (uint32_t i = 0; i < n && i < NP; i++) {
		switch (ip[i].attr) {
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT:
			ip[i].a = p[i].u.value.a;
			ip[i].b = p[i].u.value.b;
			ip[i].c = p[i].u.value.c;
			break;
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT:
		case TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT:
			ip[i].b = p[i].u.memref.size;
			break;
		default:
			break;
		}
	}
}

/* The checks of a struct tee_ioctl_buf_data and the argument it points at. */
static void *arg_of(struct fake_tee *f, const struct tee_ioctl_buf_data *buf, size_t hdr)
{
	if (buf->buf_len > TEE_MAX_ARG_SIZE || buf->buf_len < hdr) {
		refuse(f, EINVAL);
		return NULL;
	}
	if (buf->buf_ptr == 0) {
		refuse(f, EFAULT);
		return NULL;
	}
	return (void *)(uintptr_t)buf->buf_ptr;
}

static bool num_params_ok(const struct tee_ioctl_buf_data *buf, size_t hdr, uint32_t n)
{
	return hdr + (uint64_t)n * sizeof(struct tee_ioctl_param) == buf->buf_len;
}

/* ---- sessions ----------------------------------------------------------- */

static bool has_session(const struct fctx *x, uint32_t sess)
{
	for (unsigned i = 0; i < x->nsess; i++)
		if (x->sess[i] == sess)
			return true;
	return false;
}

static bool drop_session(struct fctx *x, uint32_t sess)
{
	for (unsigned i = 0; i < x->nsess; i++) {
		if (x->sess[i] == sess) {
			x->sess[i] = x->sess[--x->nsess];
			return true;
		}
	}
	return false;
}

static bool login_ok(const struct tee_ioctl_open_session_arg *arg)
{
	static const uint8_t zero[TEE_IOCTL_UUID_LEN];
	return arg->clnt_login == TEE_IOCTL_LOGIN_PUBLIC &&
	       memcmp(arg->clnt_uuid, zero, sizeof(zero)) == 0;
}

static void open_stmm(struct fake_tee *f, struct fctx *x, struct tee_ioctl_open_session_arg *arg)
{
	uint32_t sess = 0, origin = TEE_ORIGIN_TEE;
	arg->session = 0;
	if (x->nsess == MAX_SESS) {
		arg->ret = TEE_ERROR_OUT_OF_MEMORY;
		arg->ret_origin = TEE_ORIGIN_TEE;
		return;
	}
	arg->ret = tv_stmm_open_session(f->stmm, arg->uuid, &sess, &origin);
	arg->ret_origin = origin;
	if (arg->ret == TEE_SUCCESS) {
		x->sess[x->nsess++] = sess;
		arg->session = sess;
	}
}

static int do_open_session(struct fake_tee *f, int c, const struct tee_ioctl_buf_data *buf)
{
	struct tee_ioctl_open_session_arg *arg = arg_of(f, buf, sizeof(*arg));
	if (!arg)
		return -1;
	if (!num_params_ok(buf, sizeof(*arg), arg->num_params))
		return refuse(f, EINVAL);
	struct tv_tee_param p[NP];
	int rc = params_in(f, c, arg->params, arg->num_params, p);
	if (rc < 0)
		return -1;
	if (arg->clnt_login >= TEE_IOCTL_LOGIN_REE_KERNEL_MIN &&
	    arg->clnt_login <= TEE_IOCTL_LOGIN_REE_KERNEL_MAX)
		return refuse(f, EPERM);
	if (!login_ok(arg)) /* stricter than Linux: public login, as StMM clients use */
		return refuse(f, EINVAL);
	if (rc > 0) {
		arg->session = 0;
		arg->ret = TEE_ERROR_BAD_PARAMETERS;
		arg->ret_origin = TEE_ORIGIN_TEE;
		return 0;
	}
	open_stmm(f, &f->ctx[c], arg);
	return 0;
}

/* OP-TEE's own memref limit first, then StMM. */
static uint32_t invoke_stmm(struct fake_tee *f, const struct tee_ioctl_invoke_arg *arg,
			    struct tv_tee_param p[NP], uint32_t *origin)
{
	for (int i = 0; i < NP; i++) {
		if (p[i].type < TV_TEE_PARAM_MEMREF_INPUT)
			continue;
		if (f->cfg.tee_limit && p[i].u.memref.size > f->cfg.tee_limit) {
			p[i].u.memref.size = f->cfg.tee_limit;
			*origin = TEE_ORIGIN_TEE;
			return TEE_ERROR_EXCESS_DATA;
		}
		if (p[i].u.memref.size > f->max_memref)
			f->max_memref = p[i].u.memref.size;
	}
	return tv_stmm_invoke(f->stmm, arg->session, arg->func, p, origin);
}

/* The secure world wrote the shared memory through the fake's own mapping;
 * valgrind cannot see that the caller's mappings alias it (a real TEE's
 * writes are invisible to it as well). */
static void tee_wrote(const struct fake_tee *f, int c)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (f->map[i].used && f->shm[f->map[i].shm].ctx == c)
			VALGRIND_MAKE_MEM_DEFINED(f->map[i].addr, f->map[i].len);
}

static void hostile_out(const struct fake_tee *f, struct tee_ioctl_invoke_arg *arg)
{
	for (uint32_t i = 0; i < arg->num_params && i < NP; i++) {
		struct tee_ioctl_param *ip = &arg->params[i];
		if (ip->attr != TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT &&
		    ip->attr != TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT)
			continue;
		if (f->hostile & FAKE_TEE_EXCESS_HUGE) {
			arg->ret = TEE_ERROR_EXCESS_DATA;
			ip->b = UINT64_MAX;
		}
		if (arg->ret == TEE_SUCCESS && (f->hostile & FAKE_TEE_OUT_GROWS))
			ip->b++;
		if (arg->ret == TEE_SUCCESS && (f->hostile & FAKE_TEE_OUT_HUGE))
			ip->b = UINT64_MAX;
	}
}

static int do_invoke(struct fake_tee *f, int c, const struct tee_ioctl_buf_data *buf)
{
	struct tee_ioctl_invoke_arg *arg = arg_of(f, buf, sizeof(*arg));
	if (!arg)
		return -1;
	if (!num_params_ok(buf, sizeof(*arg), arg->num_params))
		return refuse(f, EINVAL);
	struct tv_tee_param p[NP];
	int rc = params_in(f, c, arg->params, arg->num_params, p);
	if (rc < 0)
		return -1;
	if (!has_session(&f->ctx[c], arg->session)) /* the OP-TEE driver's lookup */
		return refuse(f, EINVAL);
	uint32_t origin = TEE_ORIGIN_TEE;
	arg->ret = rc > 0 ? TEE_ERROR_BAD_PARAMETERS : invoke_stmm(f, arg, p, &origin);
	arg->ret_origin = origin;
	tee_wrote(f, c);
	params_out(p, arg->params, arg->num_params);
	hostile_out(f, arg);
	return 0;
}

static int do_close_session(struct fake_tee *f, int c,
			    const struct tee_ioctl_close_session_arg *arg)
{
	if (!drop_session(&f->ctx[c], arg->session))
		return refuse(f, EINVAL);
	tv_stmm_close_session(f->stmm, arg->session);
	return 0;
}

static int do_version(const struct fake_tee *f, struct tee_ioctl_version_data *v)
{
	v->impl_id = f->cfg.impl_id;
	v->impl_caps = TEE_OPTEE_CAP_TZ;
	v->gen_caps = TEE_GEN_CAP_GP | TEE_GEN_CAP_REG_MEM | TEE_GEN_CAP_MEMREF_NULL;
	return 0;
}

/* ---- the system calls --------------------------------------------------- */

static int f_ioctl(void *a, int fd, unsigned long req, void *data)
{
	struct fake_tee *f = a;
	if (injected(f))
		return -1;
	int c = ctx_by_fd(f, fd);
	if (c < 0)
		return refuse(f, shm_by_fd(f, fd) >= 0 ? ENOTTY : EBADF);
	if (!data)
		return refuse(f, EFAULT);
	switch (req) {
	case TEE_IOC_VERSION: return do_version(f, data);
	case TEE_IOC_SHM_ALLOC: return do_shm_alloc(f, c, data);
	case TEE_IOC_OPEN_SESSION: return do_open_session(f, c, data);
	case TEE_IOC_INVOKE: return do_invoke(f, c, data);
	case TEE_IOC_CLOSE_SESSION: return do_close_session(f, c, data);
	default: return refuse(f, EINVAL);
	}
}

static int f_open(void *a, const char *path, int flags)
{
	struct fake_tee *f = a;
	if (injected(f))
		return -1;
	if (!path || strcmp(path, f->cfg.device) != 0)
		return fail(ENOENT);
	if ((flags & O_ACCMODE) != O_RDWR) /* stricter than Linux: as libteec opens it */
		return refuse(f, EINVAL);
	int c = -1;
	for (int i = 0; c < 0 && i < MAX_CTX; i++)
		if (!f->ctx[i].used)
			c = i;
	if (c < 0)
		return fail(EMFILE);
	int fd = memfd_create("fake-tee0", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	f->ctx[c] = (struct fctx){.used = true, .fd = fd};
	return fd;
}

static bool mmap_ok(const struct fshm *m, size_t len, int flags, off_t off)
{
	size_t page = page_size();
	if (len == 0 || off < 0 || (size_t)off % page || !(flags & MAP_SHARED))
		return false;
	return (size_t)off / page + (len + page - 1) / page <= m->size / page;
}

static void *f_mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_tee *f = a;
	if (injected(f))
		return MAP_FAILED;
	int s = shm_by_fd(f, fd);
	int m = -1;
	for (int i = 0; m < 0 && i < MAX_MAPS; i++)
		if (!f->map[i].used)
			m = i;
	if (s < 0 || !mmap_ok(&f->shm[s], len, flags, off) || m < 0) {
		refuse(f, s < 0 ? (ctx_by_fd(f, fd) >= 0 ? ENODEV : EBADF) : EINVAL);
		return MAP_FAILED;
	}
	void *p = mmap(NULL, len, prot, flags, f->shm[s].fd, off);
	if (p == MAP_FAILED)
		return p;
	f->map[m] = (struct fmap){.used = true, .addr = p, .len = len, .shm = s};
	f->shm[s].maps++;
	return p;
}

static int f_munmap(void *a, void *addr, size_t len)
{
	struct fake_tee *f = a;
	for (int i = 0; i < MAX_MAPS; i++) {
		struct fmap *m = &f->map[i];
		if (!m->used || m->addr != addr || m->len != len)
			continue;
		munmap(addr, len);
		int s = m->shm;
		memset(m, 0, sizeof(*m));
		f->shm[s].maps--;
		shm_maybe_free(f, s);
		return 0;
	}
	return refuse(f, EINVAL);
}

static void ctx_release(struct fake_tee *f, int c)
{
	struct fctx *x = &f->ctx[c];
	for (unsigned i = 0; i < x->nsess; i++) /* the driver closes what is left open */
		tv_stmm_close_session(f->stmm, x->sess[i]);
	close(x->fd);
	memset(x, 0, sizeof(*x));
}

static int f_close(void *a, int fd)
{
	struct fake_tee *f = a;
	int c = ctx_by_fd(f, fd);
	if (c >= 0) {
		ctx_release(f, c);
		return 0;
	}
	int s = shm_by_fd(f, fd);
	if (s < 0)
		return refuse(f, EBADF);
	close(fd);
	f->shm[s].fd = -1;
	shm_maybe_free(f, s);
	return 0;
}

const struct tv_tee_dev_ops fake_tee_ops = {
	.open = f_open,
	.ioctl = f_ioctl,
	.mmap = f_mmap,
	.munmap = f_munmap,
	.close = f_close,
};

/* ---- setup and inspection ----------------------------------------------- */

struct fake_tee *fake_tee_new(struct tv_stmm *stmm, const struct fake_tee_config *cfg)
{
	struct fake_tee *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->stmm = stmm;
	if (cfg)
		f->cfg = *cfg;
	if (!f->cfg.device)
		f->cfg.device = "/dev/tee0";
	if (!f->cfg.impl_id)
		f->cfg.impl_id = TEE_IMPL_ID_OPTEE;
	return f;
}

void fake_tee_free(struct fake_tee *f)
{
	if (!f)
		return;
	for (int i = 0; i < MAX_MAPS; i++)
		if (f->map[i].used)
			f_munmap(f, f->map[i].addr, f->map[i].len);
	for (int i = 0; i < MAX_SHM; i++)
		if (f->shm[i].used && f->shm[i].fd >= 0)
			f_close(f, f->shm[i].fd);
	for (int i = 0; i < MAX_CTX; i++)
		if (f->ctx[i].used)
			ctx_release(f, i);
	free(f);
}

void fake_tee_set_hostile(struct fake_tee *f, unsigned flags)
{
	f->hostile = flags;
}

void fake_tee_fail_call(struct fake_tee *f, unsigned n, int err)
{
	f->fail_at = n ? f->calls + n : 0;
	f->fail_err = err;
}

unsigned fake_tee_calls(const struct fake_tee *f)
{
	return f->calls;
}

unsigned fake_tee_held(const struct fake_tee *f)
{
	unsigned n = 0;
	for (int i = 0; i < MAX_CTX; i++)
		n += f->ctx[i].used;
	for (int i = 0; i < MAX_SHM; i++)
		n += f->shm[i].used;
	for (int i = 0; i < MAX_MAPS; i++)
		n += f->map[i].used;
	return n;
}

unsigned fake_tee_fds(const struct fake_tee *f)
{
	unsigned n = 0;
	for (int i = 0; i < MAX_CTX; i++)
		n += f->ctx[i].used;
	for (int i = 0; i < MAX_SHM; i++)
		n += f->shm[i].used && f->shm[i].fd >= 0;
	return n;
}

unsigned fake_tee_sessions(const struct fake_tee *f)
{
	unsigned n = 0;
	for (int i = 0; i < MAX_CTX; i++)
		n += f->ctx[i].nsess;
	return n;
}

unsigned fake_tee_refused(const struct fake_tee *f)
{
	return f->refused;
}

size_t fake_tee_max_memref(const struct fake_tee *f)
{
	return f->max_memref;
}

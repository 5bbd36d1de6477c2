/* SPDX-License-Identifier: BSD-2-Clause */
#include "fake_teepriv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096u

void fake_init(struct fake_kernel *fk)
{
	memset(fk, 0, sizeof(*fk));
	fk->next_id = 7;
	fk->force_id = -1;
	fk->recv_abi_ok = true;
	fk->req_id = 0x40;
}

void fake_fini(struct fake_kernel *fk)
{
	for (size_t i = 0; i < fk->nshm; i++)
		free(fk->shm[i].mem);
	fk->nshm = 0;
}

struct fake_shm *fake_shm_get(struct fake_kernel *fk, int32_t id)
{
	for (size_t i = 0; i < fk->nshm; i++)
		if (fk->shm[i].id == id && !fk->shm[i].closed)
			return &fk->shm[i];
	return NULL;
}

static struct fake_shm *shm_by_fd(struct fake_kernel *fk, int fd)
{
	for (size_t i = 0; i < fk->nshm; i++)
		if (fk->shm[i].fd == fd)
			return &fk->shm[i];
	return NULL;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int f_open(void *arg, const char *path, int flags)
{
	struct fake_kernel *fk = arg;
	(void)flags;
	for (size_t i = 0; i < fk->ndevs; i++) {
		if (strcmp(fk->devs[i].path, path) != 0)
			continue;
		if (fk->devs[i].open_errno)
			return fail(fk->devs[i].open_errno);
		fk->dev_opens++;
		return FAKE_DEV_FD + (int)i * 10;
	}
	return fail(ENOENT);
}

static const struct fake_dev *dev_of(struct fake_kernel *fk, int fd)
{
	if (fd < FAKE_DEV_FD || (fd - FAKE_DEV_FD) % 10 != 0)
		return NULL;
	size_t i = (size_t)(fd - FAKE_DEV_FD) / 10;
	return i < fk->ndevs ? &fk->devs[i] : NULL;
}

static int shm_alloc(struct fake_kernel *fk, struct tee_ioctl_shm_alloc_data *d)
{
	if (fk->raise_in_alloc)
		raise(SIGUSR1);
	if (fk->shm_alloc_errno)
		return fail(fk->shm_alloc_errno);
	if (d->size == 0 || d->size > (16u << 20))
		return fail(ENOMEM);
	/* A slot closed and unmapped is reused, with its fd number (as fds are). */
	size_t slot = 0;
	while (slot < fk->nshm && !(fk->shm[slot].closed && fk->shm[slot].mapped == 0))
		slot++;
	if (slot == FAKE_MAX_SHM)
		return fail(ENOMEM);
	size_t size = (d->size + PAGE - 1) / PAGE * PAGE;
	struct fake_shm *s = &fk->shm[slot];
	uint8_t *mem = calloc(1, size);
	if (!mem)
		return fail(ENOMEM);
	if (slot < fk->nshm)
		free(s->mem);
	else
		fk->nshm++;
	*s = (struct fake_shm){.id = fk->force_id == -1 ? fk->next_id++ : fk->force_id,
			       .fd = FAKE_SHM_FD0 + (int)slot, .mem = mem, .size = size};
	fk->last_id = s->id;
	d->size = fk->shm_short ? d->size - 1 : size;
	d->id = s->id;
	return s->fd;
}

/* The core's checks (tee_ioctl_supp_recv), then the script's next step. */
static int suppl_recv(struct fake_kernel *fk, struct tee_ioctl_buf_data *b)
{
	struct supp_tee_msg *m = (struct supp_tee_msg *)(uintptr_t)b->buf_ptr;
	fk->recv_calls++;
	if (b->buf_len < 8 || b->buf_len > 1024 || b->buf_len != 8u + m->num_params * 32u)
		return fail(EINVAL);
	if (b->buf_len != SUPP_TEE_MSG_SIZE || m->num_params != SUPP_TEE_NUM_PARAMS ||
	    m->params[0].attr != TEE_IOCTL_PARAM_ATTR_META)
		fk->recv_abi_ok = false;
	if (fk->next == fk->nsteps) {
		if (fk->stop)
			*fk->stop = 1;
		return fail(EINTR);
	}
	const struct fake_step *s = &fk->steps[fk->next++];
	if (s->set_stop && fk->stop)
		*fk->stop = 1;
	if (s->raise_first) {
		raise(SIGUSR1);
		fk->returned_after_raise = true;
	}
	if (s->err)
		return fail(s->err);
	if (s->fill) {
		s->fill(fk, m);
	} else {
		/* The kernel writes num_params entries, whatever room there is. */
		size_t room = (b->buf_len - 8) / 32, n = s->num_params < room ? s->num_params : room;
		m->func = s->func;
		m->num_params = s->num_params;
		memcpy(m->params, s->params, n * sizeof(m->params[0]));
	}
	if (s->raise_after)
		raise(SIGUSR1);
	return 0;
}

static int suppl_send(struct fake_kernel *fk, struct tee_ioctl_buf_data *b)
{
	const struct supp_tee_msg *m = (const struct supp_tee_msg *)(uintptr_t)b->buf_ptr;
	if (b->buf_len < 8 || b->buf_len > 1024 || b->buf_len < 8u + m->num_params * 32u)
		return fail(EINVAL);
	if (fk->send_errno)
		return fail(fk->send_errno);
	if (fk->nsent < FAKE_MAX_SENT) {
		struct fake_sent *s = &fk->sent[fk->nsent++];
		s->ret = m->func;
		s->num_params = m->num_params;
		s->len = b->buf_len;
		memcpy(s->params, m->params,
		       (m->num_params < SUPP_TEE_NUM_PARAMS ? m->num_params : SUPP_TEE_NUM_PARAMS) *
			       sizeof(m->params[0]));
	}
	return 0;
}

static int f_ioctl(void *arg, int fd, unsigned long request, void *data)
{
	struct fake_kernel *fk = arg;
	const struct fake_dev *d = dev_of(fk, fd);
	if (!d)
		return fail(EBADF);
	switch (request) {
	case TEE_IOC_VERSION:
		if (d->version_errno)
			return fail(d->version_errno);
		*(struct tee_ioctl_version_data *)data =
			(struct tee_ioctl_version_data){.impl_id = d->impl_id, .gen_caps = 1};
		return 0;
	case TEE_IOC_SHM_ALLOC:
		return shm_alloc(fk, data);
	case TEE_IOC_SUPPL_RECV:
		return suppl_recv(fk, data);
	case TEE_IOC_SUPPL_SEND:
		return suppl_send(fk, data);
	default:
		return fail(ENOTTY);
	}
}

static void *f_mmap(void *arg, size_t len, int prot, int flags, int fd, off_t off)
{
	struct fake_kernel *fk = arg;
	struct fake_shm *s = shm_by_fd(fk, fd);
	if (fk->mmap_fails || !s || s->closed || off != 0 || len > s->size ||
	    prot != (PROT_READ | PROT_WRITE) || flags != MAP_SHARED) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	s->mapped++;
	return s->mem;
}

static int f_munmap(void *arg, void *addr, size_t len)
{
	struct fake_kernel *fk = arg;
	for (size_t i = 0; i < fk->nshm; i++) {
		if (fk->shm[i].mem == addr && fk->shm[i].mapped > 0 && len <= fk->shm[i].size) {
			fk->shm[i].mapped--;
			return 0;
		}
	}
	return fail(EINVAL);
}

static int f_close(void *arg, int fd)
{
	struct fake_kernel *fk = arg;
	if (dev_of(fk, fd)) {
		fk->dev_closes++;
		return 0;
	}
	struct fake_shm *s = shm_by_fd(fk, fd);
	if (!s || s->closed)
		return fail(EBADF);
	s->closed = true;
	return 0;
}

const struct tv_tee_dev_ops fake_tee_ops = {
	.open = f_open,
	.ioctl = f_ioctl,
	.mmap = f_mmap,
	.munmap = f_munmap,
	.close = f_close,
};

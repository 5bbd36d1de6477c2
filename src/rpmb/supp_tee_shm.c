/* SPDX-License-Identifier: BSD-2-Clause */
/* The TEE front end's shared memory: SHM_ALLOC / SHM_FREE and memref lookup.
 * Only buffers allocated here are ever read or written (tee-supplicant's
 * get_param(): its own list, offset + size within the size asked for). */
#include "supp_tee_int.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <teevar/tee.h>

static struct supp_shm *find(const struct supp_tee *t, uint64_t id)
{
	if (id > INT32_MAX)
		return NULL;
	for (size_t i = 0; i < t->nshm; i++)
		if ((uint64_t)t->shm[i].id == id)
			return (struct supp_shm *)&t->shm[i];
	return NULL;
}

uint32_t supp_shm_alloc(struct supp_tee *t, uint64_t size, int32_t *id)
{
	if (size == 0)
		return TEE_ERROR_BAD_PARAMETERS;
	if (size > SUPP_TEE_SHM_MAX || t->nshm == SUPP_TEE_MAX_SHM) {
		supp_tee_note(t, "SHM_ALLOC of %llu bytes refused (%zu buffers held)",
			      (unsigned long long)size, t->nshm);
		return TEE_ERROR_OUT_OF_MEMORY;
	}
	struct tee_ioctl_shm_alloc_data data = {.size = size};
	int fd = t->ops->ioctl(t->arg, t->fd, TEE_IOC_SHM_ALLOC, &data);
	if (fd < 0) {
		supp_tee_note(t, "TEE_IOC_SHM_ALLOC of %llu bytes: %s", (unsigned long long)size,
			      strerror(errno));
		return TEE_ERROR_OUT_OF_MEMORY;
	}
	/* What the driver hands back is checked before it is used: a buffer
	 * smaller than asked, or an id already in the list, is not taken. The
	 * size asked for is mapped (the driver's may be rounded up to pages). */
	const char *why = NULL;
	void *p = MAP_FAILED;
	if (data.size < size)
		why = "a smaller buffer than asked for";
	else if (data.id < 0 || find(t, (uint64_t)data.id))
		why = "an id that is negative or already in use";
	else
		p = t->ops->mmap(t->arg, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!why && p == MAP_FAILED)
		why = "a buffer that cannot be mapped";
	if (why) {
		supp_tee_note(t, "TEE_IOC_SHM_ALLOC gave %s", why);
		t->ops->close(t->arg, fd);
		return TEE_ERROR_OUT_OF_MEMORY;
	}
	t->shm[t->nshm++] = (struct supp_shm){.id = data.id, .p = p, .size = (size_t)size, .fd = fd};
	*id = data.id;
	return TEE_SUCCESS;
}

static void release(struct supp_tee *t, struct supp_shm *s)
{
	t->ops->munmap(t->arg, s->p, s->size);
	t->ops->close(t->arg, s->fd);
	*s = t->shm[--t->nshm];
}

uint32_t supp_shm_free(struct supp_tee *t, uint64_t id)
{
	struct supp_shm *s = find(t, id);
	if (!s) {
		supp_tee_note(t, "SHM_FREE of an unknown id %llu refused", (unsigned long long)id);
		return TEE_ERROR_BAD_PARAMETERS;
	}
	release(t, s);
	return TEE_SUCCESS;
}

void supp_shm_free_all(struct supp_tee *t)
{
	while (t->nshm > 0)
		release(t, &t->shm[t->nshm - 1]);
}

uint8_t *supp_shm_resolve(const struct supp_tee *t, const struct tee_ioctl_param *p)
{
	const struct supp_shm *s = find(t, p->c);
	if (!s || p->a > s->size || p->b > s->size - p->a)
		return NULL;
	return s->p + p->a;
}

size_t supp_tee_shm_count(const struct supp_tee *t)
{
	return t ? t->nshm : 0;
}

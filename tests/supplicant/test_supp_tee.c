/* SPDX-License-Identifier: BSD-2-Clause */
/* The TEE front end, one request at a time (supp_tee_handle) against a fake
 * kernel: the message bytes, every function, the meta parameter, shared-memory
 * ids and bounds, GET_DEV_INFO sizes, device failures. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/tee.h>

#include "fake_teepriv.h"
#include "rpmb_emu.h"
#include "rpmb_rpc.h"
#include "supp_tee.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_test_util.h"

#define META TEE_IOCTL_PARAM_ATTR_META
#define V_IN TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INPUT
#define V_OUT TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_OUTPUT
#define V_INOUT TEE_IOCTL_PARAM_ATTR_TYPE_VALUE_INOUT
#define M_IN TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INPUT
#define M_OUT TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_OUTPUT
#define M_INOUT TEE_IOCTL_PARAM_ATTR_TYPE_MEMREF_INOUT
#define FS RPMB_FRAME_SIZE
#define RESP_OFF 4096u
#define NULL_SHM UINT64_MAX /* memref.shm == NULL */

struct tfx {
	struct fake_kernel fk;
	struct rpmb_emu *emu;
	struct rpmb_dev dev;
	struct supp_tee *t;
	char *log;
	size_t log_len;
	FILE *logf;
};

static int setup_with(void **state, const struct rpmb_dev *dev)
{
	struct tfx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	fake_init(&x->fk);
	x->fk.devs[0] = (struct fake_dev){.path = "/dev/teepriv0", .impl_id = 1};
	x->fk.ndevs = 1;
	assert_int_equal(rpmb_emu_new_mem(NULL, &x->emu), 0);
	x->dev = dev ? *dev : rpmb_emu_dev(x->emu);
	x->logf = open_memstream(&x->log, &x->log_len);
	assert_non_null(x->logf);
	struct supp_tee_config cfg = {.ops = &fake_tee_ops, .arg = &x->fk, .fd = FAKE_DEV_FD,
				      .dev = &x->dev, .log = x->logf};
	assert_int_equal(supp_tee_new(&cfg, &x->t), 0);
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, NULL);
}

static int teardown(void **state)
{
	struct tfx *x = *state;
	supp_tee_free(x->t);
	assert_int_equal(x->fk.dev_closes, 1);
	for (size_t i = 0; i < x->fk.nshm; i++) /* nothing left mapped or open */
		assert_true(x->fk.shm[i].closed && x->fk.shm[i].mapped == 0);
	fake_fini(&x->fk);
	rpmb_emu_free(x->emu);
	fclose(x->logf);
	free(x->log);
	free(x);
	return 0;
}

static bool logged(struct tfx *x, const char *what)
{
	fflush(x->logf);
	return x->log && strstr(x->log, what) != NULL;
}

/* A request as the driver hands it over: the meta param (request id), then ours. */
static void msg(struct supp_tee_msg *m, uint32_t func)
{
	memset(m, 0, sizeof(*m));
	m->func = func;
	m->num_params = 1;
	m->params[0] = (struct tee_ioctl_param){.attr = META | V_INOUT, .a = 0x51};
}

static void add(struct supp_tee_msg *m, uint64_t attr, uint64_t a, uint64_t b, uint64_t c)
{
	m->params[m->num_params++] = (struct tee_ioctl_param){.attr = attr, .a = a, .b = b, .c = c};
}

/* Handles m and checks what SEND carries besides the result: the same
 * num_params, the meta param untouched. */
static uint32_t handle(struct tfx *x, struct supp_tee_msg *m)
{
	struct supp_tee_msg before = *m;
	size_t len = supp_tee_handle(x->t, m);
	assert_int_equal(m->num_params, before.num_params);
	assert_int_equal(len, 8 + 32 * before.num_params);
	if (before.num_params > 0 && (before.params[0].attr & META))
		assert_memory_equal(&m->params[0], &before.params[0], 32);
	return m->func;
}

static int32_t alloc(struct tfx *x, uint64_t size)
{
	struct supp_tee_msg m;
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, size, 0);
	assert_int_equal(handle(x, &m), TEE_SUCCESS);
	assert_int_equal(m.params[1].a, 0);
	assert_int_equal(m.params[1].b, size);
	return (int32_t)m.params[1].c;
}

static uint32_t shm_free(struct tfx *x, uint64_t id)
{
	struct supp_tee_msg m;
	msg(&m, SUPP_TEE_FUNC_SHM_FREE);
	add(&m, V_INOUT, 0, id, 0);
	return handle(x, &m);
}

/* RPMB with [in: id, off a0, size b0][out: id1, off a1, size b1]; the memrefs
 * come back as they went. */
static uint32_t rpmb(struct tfx *x, uint64_t id0, uint64_t a0, uint64_t b0, uint64_t id1,
		     uint64_t a1, uint64_t b1)
{
	struct supp_tee_msg m;
	msg(&m, SUPP_TEE_FUNC_RPMB);
	add(&m, M_IN, a0, b0, id0);
	add(&m, M_OUT, a1, b1, id1);
	struct supp_tee_msg before = m;
	uint32_t ret = handle(x, &m);
	assert_memory_equal(m.params, before.params, sizeof(m.params));
	return ret;
}

static uint8_t *mem(struct tfx *x, int32_t id)
{
	struct fake_shm *s = fake_shm_get(&x->fk, id);
	assert_non_null(s);
	return s->mem;
}

static void put_dev_info_req(uint8_t *p, uint16_t dev_id)
{
	rpmb_rpc_req_encode(RPMB_RPC_CMD_GET_DEV_INFO, dev_id, 0, p);
}

static void put_counter_req(uint8_t *p)
{
	rpmb_rpc_req_encode(RPMB_RPC_CMD_DATA_REQ, 0, 1, p);
	memset(p + 6, 0, FS);
	memset(p + 6 + RPMB_OFF_NONCE, 0xAB, RPMB_NONCE_SIZE);
	tv_put_be16(p + 6 + RPMB_OFF_TYPE, RPMB_REQ_READ_COUNTER);
}

/* ------------------------------------------------------------ the bytes */

/* Hand-made: SHM_ALLOC as the driver writes it into the 168-byte buffer, and
 * the answer SEND carries (tee-supplicant's union tee_rpc_invoke). */
static void test_message_bytes(void **state)
{
	struct tfx *x = *state;
	uint8_t raw[SUPP_TEE_MSG_SIZE];
	long n = tv_test_hex("06000000 02000000"                          /* func 6, 2 params */
			     "0301000000000000 2a00000000000000 0000000000000000 0000000000000000"
			     "0300000000000000 0000000000000000 0020000000000000 0000000000000000",
			     raw, sizeof(raw));
	assert_int_equal(n, 72);
	memset(raw + 72, 0xCC, sizeof(raw) - 72); /* unused slots: not touched */
	uint8_t before[SUPP_TEE_MSG_SIZE];
	memcpy(before, raw, sizeof(raw));
	struct supp_tee_msg m;
	memcpy(&m, raw, sizeof(m));
	assert_int_equal(supp_tee_handle(x->t, &m), 72);
	memcpy(raw, &m, sizeof(m));
	uint8_t want[72];
	assert_int_equal(tv_test_hex("00000000 02000000"                        /* ret 0 */
				     "0301000000000000 2a00000000000000 0000000000000000 0000000000000000"
				     "0300000000000000 0000000000000000 0020000000000000 0700000000000000",
				     want, sizeof(want)), 72);                  /* c = id 7 */
	assert_memory_equal(raw, want, 72);
	assert_memory_equal(raw + 72, before + 72, sizeof(raw) - 72);
	struct fake_shm *s = fake_shm_get(&x->fk, 7);
	assert_non_null(s);
	assert_int_equal(s->size, 8192);
	assert_int_equal(s->mapped, 1);
	assert_int_equal(supp_tee_shm_count(x->t), 1);
}

/* ------------------------------------------------------- SHM_ALLOC / FREE */

static void test_shm_alloc_and_free(void **state)
{
	struct tfx *x = *state;
	int32_t a = alloc(x, 4096 + 6 + FS);
	int32_t b = alloc(x, 1);
	assert_int_not_equal(a, b);
	assert_int_equal(supp_tee_shm_count(x->t), 2);
	/* Any value type carries the size; only c changes. */
	uint64_t types[] = {V_IN, V_OUT};
	for (size_t i = 0; i < 2; i++) {
		struct supp_tee_msg m;
		msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
		add(&m, types[i], 0x99, 100, 0);
		assert_int_equal(handle(x, &m), TEE_SUCCESS);
		assert_int_equal(m.params[1].attr, types[i]);
		assert_int_equal(m.params[1].a, 0x99);
		assert_non_null(fake_shm_get(&x->fk, (int32_t)m.params[1].c));
	}
	assert_int_equal(supp_tee_shm_count(x->t), 4);

	assert_int_equal(shm_free(x, (uint64_t)a), TEE_SUCCESS);
	assert_true(x->fk.shm[0].closed);
	assert_int_equal(x->fk.shm[0].mapped, 0);
	assert_int_equal(supp_tee_shm_count(x->t), 3);
	/* Unknown ids: freed already, never allocated, the NULL id, an id that
	 * matches in its low 32 bits only. */
	uint64_t unknown[] = {(uint64_t)a, 999, NULL_SHM, (1ull << 32) | (uint64_t)b,
			      (uint64_t)-1 << 31};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(shm_free(x, unknown[i]), TEE_ERROR_BAD_PARAMETERS);
	assert_true(logged(x, "SHM_FREE of an unknown id"));
	assert_int_equal(supp_tee_shm_count(x->t), 3);
	assert_false(x->fk.shm[1].closed);
	assert_int_equal(shm_free(x, (uint64_t)b), TEE_SUCCESS);
	assert_int_equal(supp_tee_shm_count(x->t), 2);
}

/* Handles a copy of m (m stays the request). */
static void expect_alloc_refused(struct tfx *x, const struct supp_tee_msg *m, uint32_t want)
{
	size_t count = supp_tee_shm_count(x->t);
	struct supp_tee_msg copy = *m;
	assert_int_equal(handle(x, &copy), want);
	assert_memory_equal(copy.params, m->params, sizeof(m->params)); /* no id */
	assert_int_equal(supp_tee_shm_count(x->t), count);
	for (size_t i = 0; i < x->fk.nshm; i++) /* whatever the kernel gave: returned */
		if (fake_shm_get(&x->fk, x->fk.shm[i].id) == NULL)
			assert_int_equal(x->fk.shm[i].mapped, 0);
}

static void test_shm_alloc_refused(void **state)
{
	struct tfx *x = *state;
	struct supp_tee_msg m;
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC); /* no parameter */
	expect_alloc_refused(x, &m, TEE_ERROR_BAD_PARAMETERS);
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, 100, 0);
	add(&m, V_INOUT, 0, 100, 0);
	expect_alloc_refused(x, &m, TEE_ERROR_BAD_PARAMETERS);
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, M_INOUT, 0, 100, 0);
	expect_alloc_refused(x, &m, TEE_ERROR_BAD_PARAMETERS);
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, 0, 0); /* size 0 */
	expect_alloc_refused(x, &m, TEE_ERROR_BAD_PARAMETERS);
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, SUPP_TEE_SHM_MAX + 1ull, 0);
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	assert_int_equal(x->fk.nshm, 0); /* none of those reached the kernel */

	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, 100, 0);
	x->fk.shm_alloc_errno = ENOMEM;
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	x->fk.shm_alloc_errno = 0;
	/* What the kernel gives is checked: too small, a taken or negative id,
	 * a buffer that cannot be mapped. Each is closed again. */
	x->fk.shm_short = true;
	m.params[1].b = 8192;
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	assert_true(x->fk.shm[0].closed);
	x->fk.shm_short = false;
	int32_t id = alloc(x, 100);
	x->fk.force_id = id;
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	x->fk.force_id = -2;
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	x->fk.force_id = -1;
	x->fk.mmap_fails = true;
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	x->fk.mmap_fails = false;
	for (size_t i = 0; i < x->fk.nshm; i++)
		assert_true(x->fk.shm[i].id == id || x->fk.shm[i].closed);
	assert_non_null(fake_shm_get(&x->fk, id)); /* ours stays */
	assert_true(logged(x, "TEE_IOC_SHM_ALLOC gave"));

	/* At most SUPP_TEE_MAX_SHM buffers at a time. */
	while (supp_tee_shm_count(x->t) < SUPP_TEE_MAX_SHM)
		alloc(x, 16);
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, 16, 0);
	size_t kernel = x->fk.nshm;
	expect_alloc_refused(x, &m, TEE_ERROR_OUT_OF_MEMORY);
	assert_int_equal(x->fk.nshm, kernel);
	assert_int_equal(shm_free(x, (uint64_t)id), TEE_SUCCESS);
	alloc(x, 16);
}

/* ------------------------------------------------------------------ RPMB */

static void test_rpmb_dev_info(void **state)
{
	struct tfx *x = *state;
	int32_t id = alloc(x, 2 * RESP_OFF);
	uint8_t *p = mem(x, id);
	put_dev_info_req(p, 0);
	memset(p + RESP_OFF, 0xEE, 64);
	assert_int_equal(rpmb(x, id, 0, 6, id, RESP_OFF, 19), TEE_SUCCESS);
	uint8_t want[19];
	assert_int_equal(tv_test_hex("15 01 00 54 45 45 56 41 52 10 12 34 56 78 c9 65  20 01 00",
				     want, sizeof(want)), 19);
	assert_memory_equal(p + RESP_OFF, want, 19);
	assert_int_equal(p[RESP_OFF + 19], 0xEE); /* not a byte more */

	/* Exactly 6 in and 19 out, dev_id 0. */
	memset(p + RESP_OFF, 0xEE, 64);
	assert_int_equal(rpmb(x, id, 0, 6, id, RESP_OFF, 18), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(rpmb(x, id, 0, 6, id, RESP_OFF, 20), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(rpmb(x, id, 0, 7, id, RESP_OFF, 19), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(rpmb(x, id, 0, 5, id, RESP_OFF, 19), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(rpmb(x, id, 0, 0, id, RESP_OFF, 19), TEE_ERROR_BAD_PARAMETERS);
	put_dev_info_req(p, 1);
	assert_int_equal(rpmb(x, id, 0, 6, id, RESP_OFF, 19), TEE_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(p[RESP_OFF], 0xEE);
	assert_true(logged(x, "another device"));
	/* Request and answer in two buffers, at any offset inside them. */
	int32_t out = alloc(x, 19);
	put_dev_info_req(p + 100, 0);
	assert_int_equal(rpmb(x, id, 100, 6, out, 0, 19), TEE_SUCCESS);
	assert_memory_equal(mem(x, out), want, 19);
}

static void test_rpmb_data_requests(void **state)
{
	struct tfx *x = *state;
	int32_t id = alloc(x, RESP_OFF + 4 * FS);
	uint8_t *p = mem(x, id);
	/* A counter read on a device with no key: op_result 7 in the frame, ret 0. */
	put_counter_req(p);
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, FS), TEE_SUCCESS);
	const uint8_t *r = p + RESP_OFF;
	assert_int_equal(tv_get_be16(r + RPMB_OFF_TYPE), 0x0200);
	assert_int_equal(tv_get_be16(r + RPMB_OFF_RESULT), RPMB_RES_NO_KEY);
	for (size_t i = 0; i < RPMB_NONCE_SIZE; i++)
		assert_int_equal(r[RPMB_OFF_NONCE + i], 0xAB);
	/* The same message, the wrong shapes: one frame in, two out; a block
	 * count that disagrees; half a frame. */
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, 2 * FS), TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, FS / 2), TEE_ERROR_BAD_PARAMETERS);
	tv_put_le16(p + 4, 2);
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, FS), TEE_ERROR_BAD_PARAMETERS);
	tv_put_le16(p + 4, 1);
	tv_put_le16(p, 2); /* cmd 2 */
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, FS), TEE_ERROR_BAD_PARAMETERS);
	tv_put_le16(p, 0);

	/* A key, then a read of two blocks: the emulator's frames, as it makes them. */
	uint8_t *k = p;
	memset(k + 6, 0, FS);
	tv_put_be16(k + 6 + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	memset(k + 6 + RPMB_OFF_KEY_MAC, 0x11, RPMB_KEY_SIZE);
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, FS), TEE_SUCCESS);
	assert_int_equal(tv_get_be16(p + RESP_OFF + RPMB_OFF_TYPE), 0x0100);
	assert_int_equal(tv_get_be16(p + RESP_OFF + RPMB_OFF_RESULT), RPMB_RES_OK);
	memset(p + 6, 0, FS);
	tv_put_be16(p + 6 + RPMB_OFF_TYPE, RPMB_REQ_READ);
	tv_put_be16(p + 6 + RPMB_OFF_ADDRESS, 10);
	tv_put_be16(p + 6 + RPMB_OFF_BLOCK_COUNT, 2);
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, 2 * FS), TEE_SUCCESS);
	for (int i = 0; i < 2; i++) {
		r = p + RESP_OFF + i * FS;
		assert_int_equal(tv_get_be16(r + RPMB_OFF_TYPE), 0x0400);
		assert_int_equal(tv_get_be16(r + RPMB_OFF_ADDRESS), 10);
		assert_int_equal(tv_get_be16(r + RPMB_OFF_BLOCK_COUNT), 2);
		assert_int_equal(tv_get_be16(r + RPMB_OFF_RESULT), RPMB_RES_OK);
	}
	uint8_t key[RPMB_KEY_SIZE];
	memset(key, 0x11, sizeof(key));
	assert_true(rpmb_mac_verify(key, p + RESP_OFF, 2));
}

/* Memrefs name this supplicant's buffers only, inside what was asked for. */
static void test_rpmb_memrefs_checked(void **state)
{
	struct tfx *x = *state;
	int32_t id = alloc(x, 100); /* the kernel's buffer is a whole page */
	uint8_t *p = mem(x, id);
	put_dev_info_req(p, 0);
	memset(p + 6, 0xEE, 4096 - 6);
	const uint32_t BAD = TEE_ERROR_BAD_PARAMETERS;
	uint64_t other = (uint64_t)id + 1, alias = (1ull << 32) | (uint64_t)id;
	/* Unknown ids, on the input and on the output (tee-supplicant 3.19 would
	 * take NULL / 0 for the output and may crash). */
	assert_int_equal(rpmb(x, other, 0, 6, id, 50, 19), BAD);
	assert_int_equal(rpmb(x, NULL_SHM, 0, 6, id, 50, 19), BAD);
	assert_int_equal(rpmb(x, alias, 0, 6, id, 50, 19), BAD);
	assert_int_equal(rpmb(x, id, 0, 6, other, 50, 19), BAD);
	assert_int_equal(rpmb(x, id, 0, 6, NULL_SHM, 0, 19), BAD);
	assert_int_equal(rpmb(x, id, 0, 6, alias, 50, 19), BAD);
	/* Offsets and sizes past the 100 bytes asked for (inside the page). */
	assert_int_equal(rpmb(x, id, 0, 6, id, 82, 19), BAD);  /* 82 + 19 = 101 */
	assert_int_equal(rpmb(x, id, 0, 6, id, 100, 19), BAD);
	assert_int_equal(rpmb(x, id, 0, 6, id, 4096, 19), BAD);
	assert_int_equal(rpmb(x, id, 95, 6, id, 50, 19), BAD); /* 95 + 6 = 101 */
	assert_int_equal(rpmb(x, id, UINT64_MAX - 2, 6, id, 50, 19), BAD); /* wraps */
	assert_int_equal(rpmb(x, id, 0, 6, id, UINT64_MAX - 10, 19), BAD);
	assert_int_equal(rpmb(x, id, 0, UINT64_MAX, id, 50, 19), BAD);
	assert_int_equal(rpmb(x, id, 0, 6, id, 50, UINT64_MAX), BAD);
	for (size_t i = 6; i < 4096; i++)
		assert_int_equal(p[i], 0xEE); /* nothing written */
	assert_true(logged(x, "outside this supplicant's shared memory"));
	assert_int_equal(rpmb(x, id, 0, 6, id, 81, 19), TEE_SUCCESS); /* the last fit */
	assert_int_equal(p[81 + 16], 0x20);

	/* The wrong parameter types or count. */
	struct supp_tee_msg m;
	uint64_t in_types[] = {V_INOUT, M_OUT, 0}, out_types[] = {V_INOUT, M_IN, 0};
	for (size_t i = 0; i < 3; i++) {
		msg(&m, SUPP_TEE_FUNC_RPMB);
		add(&m, in_types[i], 0, 6, (uint64_t)id);
		add(&m, M_OUT, 50, 19, (uint64_t)id);
		assert_int_equal(handle(x, &m), BAD);
		msg(&m, SUPP_TEE_FUNC_RPMB);
		add(&m, M_IN, 0, 6, (uint64_t)id);
		add(&m, out_types[i], 50, 19, (uint64_t)id);
		assert_int_equal(handle(x, &m), BAD);
	}
	msg(&m, SUPP_TEE_FUNC_RPMB);
	add(&m, M_IN, 0, 6, (uint64_t)id);
	assert_int_equal(handle(x, &m), BAD);
	m.func = SUPP_TEE_FUNC_RPMB;
	add(&m, M_OUT, 50, 19, (uint64_t)id);
	add(&m, V_IN, 0, 0, 0);
	assert_int_equal(handle(x, &m), BAD);
	/* INOUT memrefs are memrefs too (as tee-supplicant's get_param). */
	msg(&m, SUPP_TEE_FUNC_RPMB);
	add(&m, M_INOUT, 0, 6, (uint64_t)id);
	add(&m, M_INOUT, 50, 19, (uint64_t)id);
	assert_int_equal(handle(x, &m), TEE_SUCCESS);
}

static int broken_info(void *ctx, struct rpmb_dev_info *info)
{
	(void)ctx;
	(void)info;
	return TV_EIO;
}

static int broken_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	(void)ctx;
	(void)req;
	(void)nreq;
	memset(resp, 0x77, nresp * FS); /* a partial answer: must not reach the shm */
	return TV_EIO;
}

static const struct rpmb_dev_ops broken_ops = {.get_info = broken_info, .route = broken_route};

static int setup_broken(void **state)
{
	struct rpmb_dev d = {.ops = &broken_ops};
	return setup_with(state, &d);
}

static void test_rpmb_device_fails(void **state)
{
	struct tfx *x = *state;
	int32_t id = alloc(x, RESP_OFF + FS);
	uint8_t *p = mem(x, id);
	put_counter_req(p);
	memset(p + RESP_OFF, 0xEE, FS);
	assert_int_equal(rpmb(x, id, 0, 6 + FS, id, RESP_OFF, FS), TEE_ERROR_GENERIC);
	for (size_t i = 0; i < FS; i++)
		assert_int_equal(p[RESP_OFF + i], 0xEE);
	assert_true(logged(x, "device request failed"));
	/* GET_DEV_INFO: ret 0, ret_code 1 (error), as on the socket. */
	put_dev_info_req(p, 0);
	assert_int_equal(rpmb(x, id, 0, 6, id, RESP_OFF, 19), TEE_SUCCESS);
	assert_int_equal(p[RESP_OFF + 18], RPMB_RPC_DEV_INFO_ERROR);
}

/* ------------------------------------------- other funcs, meta parameters */

static void test_other_funcs_not_supported(void **state)
{
	struct tfx *x = *state;
	uint32_t funcs[] = {0, 2, 3, 4, 5, 8, 9, 10, 11, 12, 22, 23, 24, 25, 0xFFFFFFFFu};
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		struct supp_tee_msg m;
		msg(&m, funcs[i]);
		add(&m, V_INOUT, 0, 0, 0); /* as the module forwards 22..24 */
		struct supp_tee_msg before = m;
		assert_int_equal(handle(x, &m), TEE_ERROR_NOT_SUPPORTED);
		assert_memory_equal(m.params, before.params, sizeof(m.params));
	}
	assert_true(logged(x, "func 22 not supported"));
	assert_int_equal(x->fk.nshm, 0);
}

static void test_meta_params(void **state)
{
	struct tfx *x = *state;
	struct supp_tee_msg m;
	/* No meta param (a driver that gives none): the same functions. */
	memset(&m, 0, sizeof(m));
	m.func = SUPP_TEE_FUNC_SHM_ALLOC;
	add(&m, V_INOUT, 0, 64, 0);
	assert_int_equal(handle(x, &m), TEE_SUCCESS);
	int32_t id = (int32_t)m.params[0].c;
	assert_non_null(fake_shm_get(&x->fk, id));
	/* Two leading meta params: both echoed. */
	msg(&m, SUPP_TEE_FUNC_SHM_FREE);
	m.params[m.num_params++] = (struct tee_ioctl_param){.attr = META | V_IN, .a = 5, .b = 6};
	add(&m, V_INOUT, 0, (uint64_t)id, 0);
	struct supp_tee_msg before = m;
	assert_int_equal(handle(x, &m), TEE_SUCCESS);
	assert_memory_equal(m.params, before.params, 2 * 32);
	/* Meta only: no parameter for the function. */
	msg(&m, 22);
	assert_int_equal(handle(x, &m), TEE_ERROR_NOT_SUPPORTED);
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	assert_int_equal(handle(x, &m), TEE_ERROR_BAD_PARAMETERS);
	/* A meta param after another one, unknown attribute bits: refused
	 * (tee-supplicant exits), whatever the function. */
	uint32_t funcs[] = {SUPP_TEE_FUNC_SHM_ALLOC, SUPP_TEE_FUNC_RPMB, 22};
	for (size_t i = 0; i < 3; i++) {
		msg(&m, funcs[i]);
		add(&m, V_INOUT, 0, 64, 0);
		add(&m, META | V_INOUT, 0, 0, 0);
		assert_int_equal(handle(x, &m), TEE_ERROR_BAD_PARAMETERS);
		msg(&m, funcs[i]);
		add(&m, V_INOUT | 0x200, 0, 64, 0);
		assert_int_equal(handle(x, &m), TEE_ERROR_BAD_PARAMETERS);
		msg(&m, funcs[i]);
		m.params[0].attr |= 1ull << 40;
		add(&m, V_INOUT, 0, 64, 0);
		assert_int_equal(handle(x, &m), TEE_ERROR_BAD_PARAMETERS);
	}
	assert_true(logged(x, "misplaced meta parameter"));
	assert_int_equal(supp_tee_shm_count(x->t), 0);
	/* More params than the 5 offered (a driver bug): refused, 5 sent back. */
	msg(&m, SUPP_TEE_FUNC_SHM_ALLOC);
	add(&m, V_INOUT, 0, 64, 0);
	m.num_params = 6;
	assert_int_equal(supp_tee_handle(x->t, &m), SUPP_TEE_MSG_SIZE);
	assert_int_equal(m.func, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(m.num_params, SUPP_TEE_NUM_PARAMS);
	m.num_params = UINT32_MAX;
	m.func = 1;
	assert_int_equal(supp_tee_handle(x->t, &m), SUPP_TEE_MSG_SIZE);
	assert_int_equal(m.func, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(supp_tee_shm_count(x->t), 0);
}

/* Random requests, with and without live buffers: answered, never a crash
 * (ASan watches the bytes), every refusal leaves the buffers alone. */
static void test_fuzzed_requests(void **state)
{
	struct tfx *x = *state;
	uint64_t seed = 11;
	int32_t id = alloc(x, 3 * 4096);
	uint32_t funcs[] = {1, 6, 7, 22, 1, 1};
	for (int round = 0; round < 20000; round++) {
		struct supp_tee_msg m;
		memset(&m, 0, sizeof(m));
		m.func = funcs[tv_test_rand(&seed) % 6];
		m.num_params = (uint32_t)(tv_test_rand(&seed) % 7);
		for (size_t i = 0; i < SUPP_TEE_NUM_PARAMS; i++) {
			uint64_t r = tv_test_rand(&seed);
			m.params[i].attr = r % 5 == 0 ? r >> 8 : (r >> 8) % 8 | (r % 7 == 0 ? META : 0);
			m.params[i].a = tv_test_rand(&seed) % 3 ? tv_test_rand(&seed) % 13000
							   : tv_test_rand(&seed);
			m.params[i].b = tv_test_rand(&seed) % 3 ? tv_test_rand(&seed) % 13000
							   : tv_test_rand(&seed);
			m.params[i].c = tv_test_rand(&seed) % 2 ? (uint64_t)id : tv_test_rand(&seed) % 80;
		}
		size_t len = supp_tee_handle(x->t, &m);
		assert_true(len >= 8 && len <= SUPP_TEE_MSG_SIZE);
		assert_true(supp_tee_shm_count(x->t) <= SUPP_TEE_MAX_SHM);
		if (supp_tee_shm_count(x->t) > 20) { /* keep room to allocate */
			for (size_t i = 0; i < x->fk.nshm; i++)
				if (x->fk.shm[i].id != id && !x->fk.shm[i].closed)
					shm_free(x, (uint64_t)x->fk.shm[i].id);
		}
		if (!fake_shm_get(&x->fk, id))
			id = alloc(x, 3 * 4096);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_message_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_alloc_and_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_alloc_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpmb_dev_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpmb_data_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpmb_memrefs_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpmb_device_fails, setup_broken, teardown),
		cmocka_unit_test_setup_teardown(test_other_funcs_not_supported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuzzed_requests, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

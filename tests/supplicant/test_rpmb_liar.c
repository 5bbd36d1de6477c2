/* SPDX-License-Identifier: BSD-2-Clause */
/* The lying RPMB device of the guest's hostile supplicant (rpmb_liar.h): each
 * mode changes what it says, and only that, against an honest twin device
 * given the same requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpmb_emu.h"
#include "rpmb_liar.h"
#include "tv_bytes.h"
#include "tv_err.h"

#define FS RPMB_FRAME_SIZE

struct lfx {
	struct rpmb_emu *emu, *twin;
	struct rpmb_dev inner, honest;
	struct rpmb_liar *liar;
	struct rpmb_dev dev;
	uint8_t key[RPMB_KEY_SIZE];
	uint32_t counter;
	uint8_t nonce;
};

static int route(const struct rpmb_dev *d, const uint8_t *req, size_t nreq, uint8_t *resp,
		 size_t nresp)
{
	return rpmb_dev_route(d, req, nreq, resp, nresp);
}

static void program_key(struct lfx *x, const struct rpmb_dev *d)
{
	uint8_t f[FS] = {0}, r[FS];
	tv_put_be16(f + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	memcpy(f + RPMB_OFF_KEY_MAC, x->key, RPMB_KEY_SIZE);
	assert_int_equal(route(d, f, 1, r, 1), 0);
	assert_int_equal(rpmb_frame_result(r), RPMB_RES_OK);
}

/* A keyed device and its clone; the liar wraps the first. */
static void make(struct lfx *x, enum rpmb_liar_mode mode, uint64_t after)
{
	memset(x->key, 0x3C, sizeof(x->key));
	assert_int_equal(rpmb_emu_new_mem(NULL, &x->emu), 0);
	x->inner = rpmb_emu_dev(x->emu);
	program_key(x, &x->inner);
	assert_int_equal(rpmb_emu_clone(x->emu, &x->twin), 0);
	x->honest = rpmb_emu_dev(x->twin);
	assert_int_equal(rpmb_liar_new(&x->inner, mode, after, &x->liar), 0);
	x->dev = rpmb_liar_dev(x->liar);
}

static int setup(void **state)
{
	struct lfx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct lfx *x = *state;
	rpmb_liar_free(x->liar);
	rpmb_emu_free(x->emu);
	rpmb_emu_free(x->twin);
	free(x);
	return 0;
}

/* One request to both devices: the liar's answer in a, the twin's in b. */
static void both(struct lfx *x, const uint8_t *req, size_t nreq, uint8_t *a, uint8_t *b,
		 size_t nresp)
{
	assert_int_equal(route(&x->dev, req, nreq, a, nresp), 0);
	assert_int_equal(route(&x->honest, req, nreq, b, nresp), 0);
}

static void read_req(struct lfx *x, uint8_t *f, uint16_t type, uint16_t address, uint16_t count)
{
	memset(f, 0, FS);
	memset(f + RPMB_OFF_NONCE, ++x->nonce, RPMB_NONCE_SIZE);
	tv_put_be16(f + RPMB_OFF_TYPE, type);
	tv_put_be16(f + RPMB_OFF_ADDRESS, address);
	tv_put_be16(f + RPMB_OFF_BLOCK_COUNT, count);
}

static void write_req(struct lfx *x, uint8_t *f, uint16_t address, uint8_t fill)
{
	memset(f, 0, FS);
	memset(f + RPMB_OFF_DATA, fill, RPMB_BLOCK_SIZE);
	tv_put_be32(f + RPMB_OFF_COUNTER, x->counter++);
	tv_put_be16(f + RPMB_OFF_ADDRESS, address);
	tv_put_be16(f + RPMB_OFF_BLOCK_COUNT, 1);
	tv_put_be16(f + RPMB_OFF_TYPE, RPMB_REQ_WRITE);
	assert_int_equal(rpmb_mac_sign(x->key, f, 1), 0);
}

/* The bits that differ between a and b. */
static size_t bits_differ(const uint8_t *a, const uint8_t *b, size_t len, size_t *where)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		for (uint8_t d = a[i] ^ b[i]; d; d &= (uint8_t)(d - 1)) {
			n++;
			*where = i;
		}
	}
	return n;
}

static void test_mode_names(void **state)
{
	(void)state;
	enum rpmb_liar_mode m = RPMB_LIAR_HONEST;
	assert_int_equal(rpmb_liar_mode_parse("forge", &m), 0);
	assert_int_equal(m, RPMB_LIAR_FORGE);
	assert_int_equal(rpmb_liar_mode_parse("replay", &m), 0);
	assert_int_equal(m, RPMB_LIAR_REPLAY);
	assert_int_equal(rpmb_liar_mode_parse("reorder", &m), 0);
	assert_int_equal(m, RPMB_LIAR_REORDER);
	assert_int_equal(rpmb_liar_mode_parse("honest", &m), 0);
	assert_int_equal(m, RPMB_LIAR_HONEST);
	assert_int_equal(rpmb_liar_mode_parse("flip", &m), -1);
	assert_int_equal(rpmb_liar_mode_parse(NULL, &m), -1);
	struct rpmb_liar *l = (struct rpmb_liar *)(uintptr_t)1;
	assert_int_equal(rpmb_liar_new(NULL, RPMB_LIAR_FORGE, 0, &l), TV_EINVAL);
	assert_null(l);
}

/* Honest: the same bytes as the twin, every time. */
static void test_honest(void **state)
{
	struct lfx *x = *state;
	make(x, RPMB_LIAR_HONEST, 0);
	uint8_t req[FS], a[4 * FS], b[4 * FS];
	for (int i = 0; i < 3; i++) {
		write_req(x, req, 7, (uint8_t)i);
		both(x, req, 1, a, b, 1);
		assert_memory_equal(a, b, FS);
		read_req(x, req, RPMB_REQ_READ, 6, 4);
		both(x, req, 1, a, b, 4);
		assert_memory_equal(a, b, 4 * FS);
	}
	assert_int_equal(rpmb_liar_requests(x->liar), 6);
	assert_int_equal(rpmb_liar_lies(x->liar), 0);
	struct rpmb_dev_info i1, i2;
	assert_int_equal(rpmb_dev_get_info(&x->dev, &i1), 0);
	assert_int_equal(rpmb_dev_get_info(&x->honest, &i2), 0);
	assert_memory_equal(&i1, &i2, sizeof(i1));
}

/* Forge after 2 honest requests: one bit of each read and write answer, which
 * no longer carries a valid MAC; the device itself did the work. */
static void test_forge(void **state)
{
	struct lfx *x = *state;
	make(x, RPMB_LIAR_FORGE, 2);
	uint8_t req[FS], a[2 * FS], b[2 * FS];
	size_t at = 0;
	read_req(x, req, RPMB_REQ_READ_COUNTER, 0, 0);
	both(x, req, 1, a, b, 1);
	assert_memory_equal(a, b, FS); /* honest: 1 */
	read_req(x, req, RPMB_REQ_READ, 3, 2);
	both(x, req, 1, a, b, 2);
	assert_memory_equal(a, b, 2 * FS); /* honest: 2 */

	read_req(x, req, RPMB_REQ_READ_COUNTER, 0, 0);
	both(x, req, 1, a, b, 1);
	assert_int_equal(bits_differ(a, b, FS, &at), 1);
	assert_int_equal(at, RPMB_OFF_COUNTER + 3);
	assert_true(rpmb_mac_verify(x->key, b, 1));
	assert_false(rpmb_mac_verify(x->key, a, 1));

	read_req(x, req, RPMB_REQ_READ, 3, 2);
	both(x, req, 1, a, b, 2);
	assert_int_equal(bits_differ(a, b, 2 * FS, &at), 1);
	assert_int_equal(at, RPMB_OFF_DATA);
	assert_false(rpmb_mac_verify(x->key, a, 2));

	write_req(x, req, 9, 0x99);
	both(x, req, 1, a, b, 1);
	assert_int_equal(bits_differ(a, b, FS, &at), 1);
	assert_int_equal(at, RPMB_OFF_COUNTER + 3);
	assert_false(rpmb_mac_verify(x->key, a, 1));
	assert_int_equal(rpmb_emu_counter(x->emu), 1); /* the write landed */
	assert_int_equal(rpmb_emu_peek(x->emu, 9)[0], 0x99);
	assert_int_equal(rpmb_liar_lies(x->liar), 3);
	assert_int_equal(rpmb_liar_requests(x->liar), 5);
}

/* Replay: a read of an address is answered with that address's earlier answer
 * (old data, old nonce); the device does not see it. */
static void test_replay(void **state)
{
	struct lfx *x = *state;
	make(x, RPMB_LIAR_REPLAY, 0);
	uint8_t req[FS], first[FS], a[2 * FS], b[2 * FS];
	write_req(x, req, 5, 0x11);
	both(x, req, 1, a, b, 1);
	read_req(x, req, RPMB_REQ_READ, 5, 1);
	both(x, req, 1, first, b, 1); /* nothing to replay yet: served */
	assert_memory_equal(first, b, FS);
	write_req(x, req, 5, 0x22);
	both(x, req, 1, a, b, 1);
	assert_memory_equal(a, b, FS); /* writes are not replayed */

	struct rpmb_emu_stats before;
	rpmb_emu_stats(x->emu, &before);
	read_req(x, req, RPMB_REQ_READ, 5, 1);
	both(x, req, 1, a, b, 1);
	assert_memory_equal(a, first, FS);
	assert_int_equal(a[RPMB_OFF_DATA], 0x11);
	assert_int_equal(b[RPMB_OFF_DATA], 0x22);
	assert_memory_not_equal(a + RPMB_OFF_NONCE, req + RPMB_OFF_NONCE, RPMB_NONCE_SIZE);
	assert_true(rpmb_mac_verify(x->key, a, 1)); /* a genuine, stale answer */
	struct rpmb_emu_stats after;
	rpmb_emu_stats(x->emu, &after);
	assert_int_equal(after.read_ops, before.read_ops);
	assert_int_equal(rpmb_liar_lies(x->liar), 1);

	/* Another address, another length: served (and remembered). */
	read_req(x, req, RPMB_REQ_READ, 6, 1);
	both(x, req, 1, a, b, 1);
	assert_memory_equal(a, b, FS);
	read_req(x, req, RPMB_REQ_READ, 5, 2);
	both(x, req, 1, a, b, 2);
	assert_memory_equal(a, b, 2 * FS);
	assert_int_equal(rpmb_liar_lies(x->liar), 1);
}

/* Reorder after 1: the first and last frames of a multi-block read swap. */
static void test_reorder(void **state)
{
	struct lfx *x = *state;
	make(x, RPMB_LIAR_REORDER, 1);
	uint8_t req[FS], a[3 * FS], b[3 * FS];
	for (uint16_t i = 0; i < 3; i++) {
		write_req(x, req, (uint16_t)(20 + i), (uint8_t)(0xA0 + i));
		both(x, req, 1, a, b, 1);
		assert_memory_equal(a, b, FS); /* writes: untouched in this mode */
	}
	read_req(x, req, RPMB_REQ_READ, 20, 3);
	both(x, req, 1, a, b, 3);
	assert_memory_equal(a, b + 2 * FS, FS);
	assert_memory_equal(a + FS, b + FS, FS);
	assert_memory_equal(a + 2 * FS, b, FS);
	assert_int_equal(a[RPMB_OFF_DATA], 0xA2);
	assert_false(rpmb_mac_verify(x->key, a, 3));
	read_req(x, req, RPMB_REQ_READ, 21, 1);
	both(x, req, 1, a, b, 1);
	assert_memory_equal(a, b, FS); /* one frame: nothing to reorder */
	assert_int_equal(rpmb_liar_lies(x->liar), 1);
}

/* --after N: the first N requests are honest, whatever they are. */
static void test_after(void **state)
{
	struct lfx *x = *state;
	make(x, RPMB_LIAR_REORDER, 3);
	uint8_t req[FS], a[2 * FS], b[2 * FS];
	for (int i = 0; i < 5; i++) {
		read_req(x, req, RPMB_REQ_READ, 40, 2);
		both(x, req, 1, a, b, 2);
		if (i < 3)
			assert_memory_equal(a, b, 2 * FS);
		else
			assert_memory_equal(a, b + FS, FS);
	}
	assert_int_equal(rpmb_liar_lies(x->liar), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test_setup_teardown(test_honest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

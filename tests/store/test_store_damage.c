/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A damaged medium is reported, never served as if it were true. A small used
 * store (a checkpoint with runs, a log tail after it, dead and deleted records)
 * gets one bit flipped at every byte of every block it wrote, each on a copy of
 * the device; every mount must either serve exactly the acknowledged values, or
 * report the damage (refuse to mount, or mark the store damaged and serve only
 * values that are right). Never a silently different or missing value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_harness.h"
#include "tv_err.h"

struct outcome {
	uint32_t flips, harmless, refused, reported;
};

/* Builds the store and the model of what it must hold. */
static void build(struct harness *h, struct model *m)
{
	h_init(h, 1, 1, 32);
	memset(m, 0, sizeof(*m));
	uint8_t buf[700];
	for (uint32_t i = 0; i < 60; i++) { /* enough for a checkpoint, then a tail */
		uint32_t n = i % 12, size = 40 + (i * 37) % 600;
		memset(buf, (int)(i + 1), size);
		assert_int_equal(h_set(h->st, n, buf, size), TV_OK);
		m->present[n] = true;
		m->size[n] = size;
		memcpy(m->data[n], buf, size);
	}
	assert_int_equal(h_del(h->st, 5), TV_OK);
	m->present[5] = false;
	struct tv_store_stats s;
	tv_store_get_stats(h->st, &s);
	assert_true(s.ckpt_writes >= 2); /* the format's, and one with runs */
	h_unmount(h);
}

/* Every variable served is the acknowledged value; with `all`, all are served. */
static bool serves_truth(const struct model *m, const struct tv_store *st, bool all)
{
	for (uint32_t n = 0; n < MODEL_MAX; n++) {
		const struct tv_store_var *v = h_get(st, n);
		if (v && !model_var_matches(m, st, n))
			return false;
		if (!v && all && m->present[n])
			return false;
	}
	return !all || model_matches(m, st, -1);
}

static void flip_and_mount(struct harness *h, const struct model *m, uint32_t block,
			   uint32_t byte, struct outcome *o)
{
	struct rpmb_emu *copy;
	assert_int_equal(rpmb_emu_clone(h->emu, &copy), TV_OK);
	uint8_t blk[RPMB_BLOCK_SIZE];
	memcpy(blk, rpmb_emu_peek(copy, (uint16_t)block), sizeof(blk));
	blk[byte] ^= (uint8_t)(1u << (byte % 8));
	assert_int_equal(rpmb_emu_poke(copy, (uint16_t)block, 1, blk), TV_OK);
	struct harness t = {.emu = copy, .cfg = h->cfg};
	memcpy(t.huk, h->huk, sizeof(t.huk));
	t.cfg.format_blank = false;
	o->flips++;
	int rc = h_mount(&t);
	if (rc != TV_OK) {
		o->refused++;
	} else {
		struct tv_store_stats s;
		tv_store_get_stats(t.st, &s);
		if (!serves_truth(m, t.st, !s.damaged))
			fail_msg("block %u byte %u: %s", block, byte,
				 s.damaged ? "a damaged store served a wrong value"
					   : "a wrong or missing value served as the truth");
		if (s.damaged)
			o->reported++;
		else
			o->harmless++;
		h_unmount(&t);
	}
	rpmb_emu_free(copy);
}

static void test_every_byte(void **state)
{
	(void)state;
	struct harness h;
	struct model *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	build(&h, m);
	struct outcome o = {0};
	static const uint8_t zero[RPMB_BLOCK_SIZE];
	uint32_t blocks = 0;
	for (uint32_t b = 0; b < 512; b++) {
		if (memcmp(rpmb_emu_peek(h.emu, (uint16_t)b), zero, sizeof(zero)) == 0)
			continue; /* never written: nothing of the store there */
		blocks++;
		for (uint32_t i = 0; i < RPMB_BLOCK_SIZE; i++)
			flip_and_mount(&h, m, b, i, &o);
	}
	printf("# %u blocks, %u flips: %u harmless, %u reported as damage, %u refused at mount\n",
	       blocks, o.flips, o.harmless, o.reported, o.refused);
	assert_true(blocks > 20);
	assert_true(o.reported > 0 && o.harmless > 0);
	assert_int_equal(o.flips, o.harmless + o.reported + o.refused);
	free(m);
	h_fini(&h);
}

/* The store refuses writes while damaged, a check reports it, and an explicit
 * recovery keeps what verifies, for good (the next mount agrees). */
static void test_recover(void **state)
{
	(void)state;
	struct harness h;
	struct model *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	build(&h, m);
	/* A bit flipped in one block after another until a mount reports damage;
	 * then that device. */
	struct rpmb_emu *bad = NULL;
	for (uint32_t b = 1; b < 512 && !bad; b++) {
		struct rpmb_emu *copy;
		assert_int_equal(rpmb_emu_clone(h.emu, &copy), TV_OK);
		uint8_t blk[RPMB_BLOCK_SIZE];
		memcpy(blk, rpmb_emu_peek(copy, (uint16_t)b), sizeof(blk));
		blk[100] ^= 0x20;
		rpmb_emu_poke(copy, (uint16_t)b, 1, blk);
		struct harness t = {.emu = copy, .cfg = h.cfg};
		memcpy(t.huk, h.huk, sizeof(t.huk));
		struct tv_store_stats s = {0};
		if (h_mount(&t) == TV_OK) {
			tv_store_get_stats(t.st, &s);
			h_unmount(&t);
		}
		if (s.damaged)
			bad = copy;
		else
			rpmb_emu_free(copy);
	}
	assert_non_null(bad);
	struct harness t = {.emu = bad, .cfg = h.cfg};
	memcpy(t.huk, h.huk, sizeof(t.huk));
	assert_int_equal(h_mount(&t), TV_OK);
	uint8_t buf[8] = {9};
	assert_int_equal(h_set(t.st, 40, buf, 8), TV_EDAMAGED);
	struct tv_store_check c;
	assert_int_equal(tv_store_check(t.st, &c), TV_OK);
	assert_true(c.damaged && c.damage_count >= 1 && c.matches_ram);
	assert_int_equal(tv_store_recover(t.st), TV_OK);
	assert_int_equal(tv_store_recover(t.st), TV_EINVAL); /* not damaged any more */
	assert_int_equal(h_set(t.st, 40, buf, 8), TV_OK);
	m->present[40] = true;
	m->size[40] = 8;
	memcpy(m->data[40], buf, 8);
	assert_int_equal(tv_store_check(t.st, &c), TV_OK);
	assert_false(c.damaged);
	assert_true(c.matches_ram);
	/* What was served before the recovery is what the next mount serves. */
	uint32_t before = 0, after = 0;
	for (const struct tv_store_var *x = tv_store_first(t.st); x; x = tv_store_next(t.st, x))
		before++;
	h_unmount(&t);
	assert_int_equal(h_mount(&t), TV_OK);
	struct tv_store_stats s;
	tv_store_get_stats(t.st, &s);
	assert_false(s.damaged);
	for (const struct tv_store_var *x = tv_store_first(t.st); x; x = tv_store_next(t.st, x))
		after++;
	assert_int_equal(before, after);
	assert_int_equal(h_get(t.st, 40)->data[0], 9);
	assert_true(serves_truth(m, t.st, false));
	h_unmount(&t);
	rpmb_emu_free(bad);
	free(m);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_recover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Crash-point tests. A mixed workload (create, update, append, delete; enough to
 * make the cleaner run many times) runs against a reference model. Before every
 * authenticated write the device is cloned, and the write is replayed onto the
 * clone one block at a time; after each block boundary a fresh store is mounted
 * on the clone: every variable must hold its old or its new value, nothing else.
 * A second test cuts the device's power for real and restarts.
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
#include "tv_test_util.h"

struct op {
	int key;           /* variable in flight, -1: none */
	bool present;      /* its new state */
	uint32_t size;
	uint8_t data[MODEL_VMAX];
};

struct crash {
	struct harness *h;
	struct model m;    /* state before the operation in flight */
	struct op op;
	uint64_t points;
	uint64_t failures;
};

static bool op_matches(const struct op *op, const struct tv_store *st)
{
	const struct tv_store_var *v = h_get(st, (uint32_t)op->key);
	if (!op->present)
		return v == NULL;
	return v && v->data_size == op->size && (op->size == 0 || memcmp(v->data, op->data, op->size) == 0);
}

/* Mounts a store on dev-state `emu` and checks it against old-or-new. */
static void check_state(struct crash *c, struct rpmb_emu *emu)
{
	struct harness t = {.emu = emu, .cfg = c->h->cfg};
	memcpy(t.huk, c->h->huk, sizeof(t.huk));
	c->points++;
	if (h_mount(&t) != TV_OK) {
		c->failures++;
		return;
	}
	bool ok = model_matches(&c->m, t.st, c->op.key);
	if (ok && c->op.key >= 0)
		ok = model_var_matches(&c->m, t.st, (uint32_t)c->op.key) || op_matches(&c->op, t.st);
	c->failures += !ok;
	h_unmount(&t);
}

static void before_write(void *arg, const struct rpmb_emu *emu, uint16_t address,
			 uint16_t nblocks, const uint8_t *blocks)
{
	struct crash *c = arg;
	struct rpmb_emu *clone;
	if (rpmb_emu_clone(emu, &clone) != TV_OK) {
		c->failures++;
		return;
	}
	for (uint16_t k = 0; k < nblocks; k++) {
		rpmb_emu_poke(clone, (uint16_t)(address + k), 1, blocks + (size_t)k * 256);
		check_state(c, clone);
	}
	rpmb_emu_free(clone);
}

/* Picks the next operation of the workload and fills c->op. */
static void next_op(struct crash *c, uint64_t *rng)
{
	struct op *op = &c->op;
	uint32_t n = (uint32_t)(tv_test_rand(rng) % MODEL_MAX);
	uint32_t dice = (uint32_t)(tv_test_rand(rng) % 100);
	op->key = (int)n;
	if (dice < 15 && c->m.present[n]) {
		op->present = false;
		op->size = 0;
		return;
	}
	op->present = true;
	if (dice < 35 && c->m.present[n] && c->m.size[n] + 200 <= MODEL_VMAX) { /* append */
		memcpy(op->data, c->m.data[n], c->m.size[n]);
		op->size = c->m.size[n] + (uint32_t)(tv_test_rand(rng) % 200);
		for (uint32_t i = c->m.size[n]; i < op->size; i++)
			op->data[i] = (uint8_t)tv_test_rand(rng);
		return;
	}
	op->size = (uint32_t)(tv_test_rand(rng) % 1500);
	for (uint32_t i = 0; i < op->size; i++)
		op->data[i] = (uint8_t)tv_test_rand(rng);
}

static int run_op(struct crash *c)
{
	struct op *op = &c->op;
	if (!op->present)
		return h_del(c->h->st, (uint32_t)op->key);
	return h_set(c->h->st, (uint32_t)op->key, op->data, op->size);
}

static void model_apply(struct model *m, const struct op *op)
{
	uint32_t n = (uint32_t)op->key;
	m->present[n] = op->present;
	m->size[n] = op->size;
	memcpy(m->data[n], op->data, op->size);
}

static void crash_points(uint8_t rel_wr, uint32_t nops, uint64_t seed)
{
	struct harness h;
	h_init(&h, 1, rel_wr, 32);
	struct crash *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->h = &h;
	c->op.key = -1;
	rpmb_emu_set_write_hook(h.emu, before_write, c);
	uint64_t rng = seed;
	uint32_t full = 0;
	for (uint32_t i = 0; i < nops; i++) {
		next_op(c, &rng);
		int rc = run_op(c);
		if (rc == TV_ENOSPC)
			full++;
		else
			assert_int_equal(rc, TV_OK);
		if (rc == TV_OK)
			model_apply(&c->m, &c->op);
		assert_true(model_matches(&c->m, h.st, -1));
	}
	rpmb_emu_set_write_hook(h.emu, NULL, NULL);
	struct tv_store_stats s;
	tv_store_get_stats(h.st, &s);
	printf("# rel_wr_sec_c %u: %u operations, %llu crash points checked, %llu segments "
	       "cleaned, %u store-full answers\n", rel_wr, nops, (unsigned long long)c->points,
	       (unsigned long long)s.gc_segments, full);
	assert_int_equal(c->failures, 0);
	assert_true(s.gc_segments >= 3 * s.seg_count); /* cleaned over and over */
	assert_true(c->points > nops);
	free(c);
	h_fini(&h);
}

static void test_crash_points_2_blocks(void **state)
{
	(void)state;
	crash_points(1, 1500, 42);
}

static void test_crash_points_32_blocks(void **state)
{
	(void)state;
	crash_points(16, 700, 7);
}

/* Real power cuts: the route dies mid-operation, the device comes back, and the
 * store either resynchronizes in place or is mounted anew. */
static void test_power_cuts(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	struct crash *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->h = &h;
	uint64_t rng = 99;
	uint32_t cuts = 0;
	for (uint32_t i = 0; i < 1200; i++) {
		next_op(c, &rng);
		bool cut = tv_test_rand(&rng) % 4 == 0;
		if (cut)
			rpmb_emu_fault_power_cut(h.emu, 1 + tv_test_rand(&rng) % 3,
						 (uint32_t)(tv_test_rand(&rng) % 3));
		int rc = run_op(c);
		if (rc == TV_OK) {
			model_apply(&c->m, &c->op);
		} else if (rc != TV_ENOSPC) {
			if (rpmb_emu_powered(h.emu))
				printf("# op %u: %s (%s)\n", i, tv_strerror(rc), tv_err_detail());
			assert_false(rpmb_emu_powered(h.emu));
			cuts++;
			rpmb_emu_power_on(h.emu);
			if (i % 2) { /* restart */
				h_unmount(&h);
				assert_int_equal(h_mount(&h), TV_OK);
			}
			if (i % 2) { /* after a restart: the old or the new value */
				assert_true(model_var_matches(&c->m, h.st, (uint32_t)c->op.key) ||
					    op_matches(&c->op, h.st));
				if (op_matches(&c->op, h.st))
					model_apply(&c->m, &c->op);
			} else { /* no restart: the retried write resynchronizes first */
				int r2 = run_op(c);
				assert_true(r2 == TV_OK || r2 == TV_ENOSPC || r2 == TV_ENOENT);
				if (r2 == TV_OK || r2 == TV_ENOENT)
					model_apply(&c->m, &c->op);
			}
		}
		rpmb_emu_fault_power_cut(h.emu, 0, 0); /* disarm */
		assert_true(model_matches(&c->m, h.st, -1));
	}
	printf("# %u power cuts survived\n", cuts);
	assert_true(cuts > 100);
	free(c);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_points_2_blocks),
		cmocka_unit_test(test_crash_points_32_blocks),
		cmocka_unit_test(test_power_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

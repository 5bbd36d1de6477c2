/* SPDX-License-Identifier: BSD-2-Clause */
/* The variable store: semantics, persistence, capacity, RAM-only reads,
 * counter expiry, wrong key and error paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "huk.h"
#include "store_harness.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"
#include "tv_test_util.h"

static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7);
}

static void test_set_get_delete_persist(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	uint8_t buf[3000];
	for (uint32_t n = 0; n < 20; n++) {
		fill(buf, n * 100, n);
		assert_int_equal(h_set(h.st, n, buf, n * 100), TV_OK);
	}
	assert_int_equal(h_del(h.st, 3), TV_OK);
	assert_int_equal(h_del(h.st, 3), TV_ENOENT);
	assert_null(h_get(h.st, 3));
	fill(buf, 10, 99);
	assert_int_equal(h_set(h.st, 5, buf, 10), TV_OK);

	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	uint32_t count = 0;
	for (const struct tv_store_var *v = tv_store_first(h.st); v; v = tv_store_next(h.st, v))
		count++;
	assert_int_equal(count, 19);
	assert_null(h_get(h.st, 3));
	const struct tv_store_var *v = h_get(h.st, 5);
	assert_non_null(v);
	assert_int_equal(v->data_size, 10);
	assert_memory_equal(v->data, buf, 10);
	v = h_get(h.st, 19);
	fill(buf, 1900, 19);
	assert_int_equal(v->data_size, 1900);
	assert_memory_equal(v->data, buf, 1900);
	assert_int_equal(v->attrs, 7);
	h_fini(&h);
}

static void test_one_record_per_set(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 4, 1, 0);
	struct rpmb_emu_stats es;
	uint8_t buf[2000] = {0};
	/* Record = 52 + name (6 bytes for "V1") + data: ceil(size / 512) operations. */
	const uint32_t sizes[] = {0, 8, 454, 455, 1000, 1990};
	for (unsigned i = 0; i < 6; i++) {
		rpmb_emu_stats_reset(h.emu);
		buf[0] = (uint8_t)i;
		assert_int_equal(h_set(h.st, 1, buf, sizes[i]), TV_OK);
		rpmb_emu_stats(h.emu, &es);
		uint64_t want = (52 + 6 + sizes[i] + 511) / 512;
		assert_int_equal(es.write_ops, want);
		assert_int_equal(es.read_ops, 0);
	}
	/* The same value again: no write at all. A delete: one operation. */
	rpmb_emu_stats_reset(h.emu);
	assert_int_equal(h_set(h.st, 1, buf, 1990), TV_OK);
	rpmb_emu_stats(h.emu, &es);
	assert_int_equal(es.write_ops, 0);
	assert_int_equal(h_del(h.st, 1), TV_OK);
	rpmb_emu_stats(h.emu, &es);
	assert_int_equal(es.write_ops, 1);
	h_fini(&h);
}

static void test_reads_need_no_rpmb(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 4, 1, 0);
	uint8_t buf[64] = {1};
	for (uint32_t n = 0; n < 50; n++)
		assert_int_equal(h_set(h.st, n, buf, 64), TV_OK);
	rpmb_emu_stats_reset(h.emu);
	for (int i = 0; i < 1000; i++) {
		assert_non_null(h_get(h.st, (uint32_t)i % 50));
		for (const struct tv_store_var *v = tv_store_first(h.st); v; v = tv_store_next(h.st, v))
			;
	}
	struct rpmb_emu_stats es;
	rpmb_emu_stats(h.emu, &es);
	assert_int_equal(es.read_ops + es.write_ops + es.counter_reads, 0);
	h_fini(&h);
}

static void test_enumeration_stable(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	uint8_t buf[16] = {0};
	for (uint32_t n = 0; n < 10; n++)
		assert_int_equal(h_set(h.st, n, buf, 16), TV_OK);
	/* Update V4 many times (forcing segment cleaning): it keeps its place. */
	for (int i = 0; i < 600; i++) {
		buf[0] = (uint8_t)i;
		assert_int_equal(h_set(h.st, 4, buf, 16), TV_OK);
	}
	struct tv_store_stats s;
	tv_store_get_stats(h.st, &s);
	assert_true(s.reused_segments > s.seg_count);
	const struct tv_store_var *v = tv_store_first(h.st);
	for (int i = 0; i < 4; i++)
		v = tv_store_next(h.st, v);
	assert_memory_equal(v->name, "V\0" "4\0\0\0", 6);
	h_fini(&h);
}

static void test_capacity_accounting(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	struct tv_store_stats s0, s1, s2;
	tv_store_get_stats(h.st, &s0);
	/* 512 blocks: the superblock, two checkpoint slots of 8 blocks, then 15
	 * segments of 8 KiB: (15 * 8192 - 2 * 8192) / 2. */
	assert_int_equal(s0.capacity, (15 * 8192 - 2 * 8192) / 2);
	assert_int_equal(s0.remaining, s0.capacity);
	assert_int_equal(s0.max_var, 8192 - 52);
	uint8_t buf[1000] = {0};
	assert_int_equal(h_set(h.st, 1, buf, 1000), TV_OK);
	tv_store_get_stats(h.st, &s1);
	assert_int_equal(s0.remaining - s1.remaining, 52 + 6 + 1000);
	assert_int_equal(tv_store_var_cost(6, 1000, false), 1058);
	assert_int_equal(s1.var_count, 1);
	assert_int_equal(h_del(h.st, 1), TV_OK);
	tv_store_get_stats(h.st, &s2);
	assert_int_equal(s2.remaining, s0.remaining);

	/* Fill until the store says it is full: the old data stays readable. */
	uint32_t n = 0;
	int rc;
	while ((rc = h_set(h.st, n, buf, 1000)) == TV_OK)
		n++;
	assert_int_equal(rc, TV_ENOSPC);
	assert_true(n >= 40);
	tv_store_get_stats(h.st, &s1);
	assert_true(s1.max_var_now < 1006);
	assert_int_equal(h_set(h.st, 0, buf, 1001 + (uint32_t)s1.remaining), TV_ENOSPC);
	assert_int_equal(h_get(h.st, 0)->data_size, 1000);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	for (uint32_t i = 0; i < n; i++) {
		assert_non_null(h_get(h.st, i));
		assert_int_equal(h_del(h.st, i), TV_OK);
	}
	tv_store_get_stats(h.st, &s2);
	assert_int_equal(s2.var_count, 0);
	assert_int_equal(s2.remaining, s2.capacity);
	assert_int_equal(h_set(h.st, 7, buf, 1000), TV_OK);
	h_fini(&h);
}

static void test_counter_expiry(void **state)
{
	(void)state;
	struct harness h;
	/* A device near the end of its counter: formatting it takes two writes
	 * (superblock, first checkpoint), the first variable a third, the second
	 * (after a remount that found nothing cut) the last one. The counter only
	 * moves with writes (a mount checks it against the log). */
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 1;
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 32; i++)
		h.huk[i] = (uint8_t)(0x40 + i);
	assert_int_equal(rpmb_emu_new_mem(&ec, &h.emu), TV_OK);
	rpmb_emu_set_counter(h.emu, 0xFFFFFFFBu);
	h.cfg.seg_blocks = 32;
	h.cfg.force_format = true; /* a used device: formatting it is on purpose */
	assert_int_equal(h_mount(&h), TV_OK);
	h.cfg.force_format = false;
	uint8_t buf[8] = {1, 2, 3};
	assert_int_equal(h_set(h.st, 1, buf, 8), TV_OK);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	buf[0] = 9;
	assert_int_equal(h_set(h.st, 2, buf, 8), TV_OK); /* the last write there is */
	assert_int_equal(h_set(h.st, 3, buf, 8), TV_EEXPIRED);
	assert_int_equal(h_del(h.st, 1), TV_EEXPIRED);
	struct tv_store_stats s;
	tv_store_get_stats(h.st, &s);
	assert_true(s.expired);
	assert_true(s.read_only);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK); /* reads still work */
	assert_int_equal(h_get(h.st, 1)->data[0], 1);
	assert_int_equal(h_get(h.st, 2)->data[0], 9);
	assert_null(h_get(h.st, 3));
	assert_int_equal(h_set(h.st, 3, buf, 8), TV_EEXPIRED);
	h_fini(&h);
}

static void test_wrong_key_and_blank(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	h_unmount(&h);
	h.huk[0] ^= 1; /* another secure core's HUK */
	assert_int_equal(h_mount(&h), TV_EKEY);
	h.huk[0] ^= 1;
	assert_int_equal(h_mount(&h), TV_OK);
	h_fini(&h);

	/* A blank device is only formatted when asked to. */
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 1;
	memset(&h, 0, sizeof(h));
	assert_int_equal(rpmb_emu_new_mem(&ec, &h.emu), TV_OK);
	assert_int_equal(h_mount(&h), TV_ECORRUPT);
	h.cfg.format_blank = true;
	h.cfg.seg_blocks = 300; /* fewer than 4 segments */
	assert_int_equal(h_mount(&h), TV_EINVAL);
	h.cfg.seg_blocks = 64;
	h.cfg.capacity = 1u << 20; /* larger than the device can honour */
	assert_int_equal(h_mount(&h), TV_EINVAL);
	h.cfg.capacity = 0;
	assert_int_equal(h_mount(&h), TV_OK);
	h_fini(&h);

	/* Segments of more than 4096 blocks could hold more records than a run
	 * or a batch index counts: refused, even where the device has room. */
	ec.size_mult = 128;
	memset(&h, 0, sizeof(h));
	assert_int_equal(rpmb_emu_new_mem(&ec, &h.emu), TV_OK);
	h.cfg.format_blank = true;
	h.cfg.seg_blocks = 4097;
	assert_int_equal(h_mount(&h), TV_EINVAL);
	h.cfg.seg_blocks = 4096;
	assert_int_equal(h_mount(&h), TV_OK);
	h_fini(&h);
}

static void test_invalid_arguments(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	uint8_t name[8] = {'A', 0, 0, 0}, odd[3] = {'A', 0, 0}, unterminated[4] = {'A', 0, 'B', 0};
	struct tv_store_var v = {.name = name, .name_size = 4, .attrs = 7};
	assert_int_equal(tv_store_set(NULL, &v), TV_EINVAL);
	assert_int_equal(tv_store_set(h.st, NULL), TV_EINVAL);
	v.data_size = 4; /* data NULL */
	assert_int_equal(tv_store_set(h.st, &v), TV_EINVAL);
	v.data_size = 0;
	v.name = odd;
	v.name_size = 3;
	assert_int_equal(tv_store_set(h.st, &v), TV_EINVAL);
	v.name = unterminated;
	v.name_size = 4;
	assert_int_equal(tv_store_set(h.st, &v), TV_EINVAL);
	v.name_size = 0;
	assert_int_equal(tv_store_set(h.st, &v), TV_EINVAL);
	static uint8_t big[9000];
	v.name = name;
	v.name_size = 4;
	v.data = big;
	v.data_size = sizeof(big); /* larger than a segment */
	assert_int_equal(tv_store_set(h.st, &v), TV_ENOSPC);
	assert_int_equal(tv_store_delete(h.st, v.guid, odd, 3), TV_EINVAL);
	assert_int_equal(tv_store_delete(h.st, NULL, name, 4), TV_EINVAL);
	assert_null(tv_store_get(h.st, v.guid, unterminated, 4));
	assert_null(tv_store_get(NULL, v.guid, name, 4));
	assert_null(tv_store_first(NULL));
	assert_int_equal(tv_store_open(NULL, h.huk, NULL, &h.st), TV_EINVAL);
	struct tv_store_stats s;
	tv_store_get_stats(h.st, &s);
	assert_int_equal(s.var_count, 0);
	h_fini(&h);
}

static void test_auth_extension_roundtrip(void **state)
{
	(void)state;
	struct harness h;
	h_init(&h, 1, 1, 32);
	uint8_t name[4] = {'K', 0, 0, 0}, data[5] = "sig!";
	struct tv_store_var v = {.name = name, .name_size = 4, .attrs = 0x27, .data = data,
				 .data_size = 5, .has_ext = true};
	for (int i = 0; i < 16; i++)
		v.ext.timestamp[i] = (uint8_t)i;
	v.ext.signer[31] = 0xAB;
	assert_int_equal(tv_store_set(h.st, &v), TV_OK);
	struct tv_store_stats s;
	tv_store_get_stats(h.st, &s);
	assert_int_equal(s.used, 52 + 48 + 4 + 5);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	const struct tv_store_var *r = tv_store_get(h.st, v.guid, name, 4);
	assert_non_null(r);
	assert_true(r->has_ext);
	assert_int_equal(r->attrs, 0x27);
	assert_memory_equal(&r->ext, &v.ext, sizeof(v.ext));
	assert_memory_equal(r->data, data, 5);
	/* The timestamp and signer survive the cleaner copying the record, the
	 * checkpoints and a remount: churn until segments were cleaned. */
	uint8_t junk[600] = {0};
	struct tv_store_stats before, after;
	tv_store_get_stats(h.st, &before);
	/* live data at ~85% of the capacity, so that free segments run short */
	uint32_t nvars = (uint32_t)(before.capacity * 85 / 100 / (52 + 8 + sizeof(junk)));
	uint64_t rng = 5;
	for (uint32_t i = 0; i < 12 * nvars; i++) {
		junk[0] = (uint8_t)i;
		uint32_t n = i < nvars ? i : (uint32_t)(tv_test_rand(&rng) % nvars);
		assert_int_equal(h_set(h.st, n, junk, sizeof(junk)), TV_OK);
	}
	tv_store_get_stats(h.st, &after);
	assert_true(after.gc_segments > before.gc_segments);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	r = tv_store_get(h.st, v.guid, name, 4);
	assert_non_null(r);
	assert_true(r->has_ext);
	assert_memory_equal(&r->ext, &v.ext, sizeof(v.ext));
	assert_memory_equal(r->data, data, 5);
	h_fini(&h);
}

/* A format-1 record (magic 0x7E, 16-byte MAC over bytes 0..35 and the body),
 * made by hand at out; returns its size. */
static size_t v1_record(const uint8_t key[32], uint32_t n, const char *data, uint64_t seq,
			uint8_t *out)
{
	uint8_t name[32];
	size_t name_size = h_name(n, name), data_size = strlen(data);
	memset(out, 0, 52);
	out[0] = 0x7E;
	out[1] = 1; /* VAR */
	tv_put_le16(out + 2, (uint16_t)name_size);
	tv_put_le32(out + 4, (uint32_t)data_size);
	tv_put_le64(out + 8, seq);
	h_guid((uint8_t)(n % 3), out + 16);
	tv_put_le32(out + 32, 7);
	memcpy(out + 52, name, name_size);
	memcpy(out + 52 + name_size, data, data_size);
	uint8_t mac[32], *msg = malloc(36 + name_size + data_size);
	assert_non_null(msg);
	memcpy(msg, out, 36);
	memcpy(msg + 36, out + 52, name_size + data_size);
	assert_int_equal(tv_hmac_sha256(key, 32, msg, 36 + name_size + data_size, mac), TV_OK);
	free(msg);
	memcpy(out + 36, mac, 16);
	return 52 + name_size + data_size;
}

/* A store of format 1 (before checkpoints), made by hand: it still mounts, by
 * reading every segment, serves its variables and takes writes (in its own
 * geometry: segment 0 from block 1). */
static void test_format1_store(void **state)
{
	(void)state;
	struct harness h;
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 32; i++)
		h.huk[i] = (uint8_t)(0x40 + i);
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 1;
	assert_int_equal(rpmb_emu_new_mem(&ec, &h.emu), TV_OK);
	struct tv_rpmb r;
	struct tv_rpmb_config rcfg = {.allow_key_program = true};
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(h.emu), h.huk, &rcfg), TV_OK);
	uint8_t key[32], blk[256] = {0};
	assert_int_equal(tv_store_key_derive(h.huk, r.info.cid, key), TV_OK);
	struct tv_superblock sb = {.version = 1, .seg_blocks = 32, .seg_count = 16};
	tv_sb_encode(key, &sb, blk);
	assert_int_equal(tv_rpmb_write(&r, 0, 1, blk), TV_OK);
	memset(blk, 0, sizeof(blk));
	size_t len = v1_record(key, 1, "old", 1, blk);
	len += v1_record(key, 1, "new1", 2, blk + len);
	v1_record(key, 2, "two", 3, blk + len);
	assert_int_equal(tv_rpmb_write(&r, 1, 1, blk), TV_OK);
	tv_rpmb_close(&r);

	assert_int_equal(h_mount(&h), TV_OK);
	struct tv_store_stats s;
	tv_store_get_stats(h.st, &s);
	assert_int_equal(s.format_version, 1);
	assert_false(s.damaged);
	assert_false(s.read_only);
	assert_int_equal(h_get(h.st, 1)->data_size, 4);
	assert_memory_equal(h_get(h.st, 1)->data, "new1", 4);
	assert_memory_equal(h_get(h.st, 2)->data, "two", 3);
	uint8_t buf[40];
	memset(buf, 0x33, sizeof(buf));
	assert_int_equal(h_set(h.st, 3, buf, sizeof(buf)), TV_OK);
	assert_int_equal(h_del(h.st, 2), TV_OK);
	h_unmount(&h);
	assert_int_equal(h_mount(&h), TV_OK);
	tv_store_get_stats(h.st, &s);
	assert_int_equal(s.format_version, 1);
	assert_memory_equal(h_get(h.st, 1)->data, "new1", 4);
	assert_null(h_get(h.st, 2));
	assert_int_equal(h_get(h.st, 3)->data[39], 0x33);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_delete_persist),
		cmocka_unit_test(test_one_record_per_set),
		cmocka_unit_test(test_reads_need_no_rpmb),
		cmocka_unit_test(test_enumeration_stable),
		cmocka_unit_test(test_capacity_accounting),
		cmocka_unit_test(test_counter_expiry),
		cmocka_unit_test(test_wrong_key_and_blank),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_auth_extension_roundtrip),
		cmocka_unit_test(test_format1_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

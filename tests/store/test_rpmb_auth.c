/* SPDX-License-Identifier: BSD-2-Clause */
/* The HUK file, key derivation (checked against the openssl command line) and
 * the authenticated RPMB access layer's own error paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "huk.h"
#include "rpmb_auth.h"
#include "rpmb_emu.h"
#include "tv_err.h"
#include "tv_test_util.h"

static void test_huk_file(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	char path[4200];
	snprintf(path, sizeof(path), "%s/huk", dir);
	uint8_t a[32], b[32];
	assert_int_equal(tv_huk_load_or_create(path, a), TV_OK);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(tv_huk_load_or_create(path, b), TV_OK);
	assert_memory_equal(a, b, 32);
	chmod(path, 0644); /* readable by others: refused */
	assert_int_equal(tv_huk_load_or_create(path, b), TV_EINVAL);
	chmod(path, 0600);
	FILE *f = fopen(path, "ab");
	fputc(0, f);
	fclose(f);
	assert_int_equal(tv_huk_load_or_create(path, b), TV_ECORRUPT);
	assert_int_equal(tv_huk_load_or_create(NULL, b), TV_EINVAL);
	snprintf(path, sizeof(path), "%s/no/such/dir/huk", dir);
	assert_int_equal(tv_huk_load_or_create(path, b), TV_EIO);
	tv_test_rmtree(dir);
	free(dir);
}

/* RPMB key = HMAC-SHA256(HUK, CID with bytes 9 and 15 zeroed). */
static void test_rpmb_key_vector(void **state)
{
	(void)state;
	uint8_t huk[32], cid[16], key[32], want[32];
	for (int i = 0; i < 32; i++)
		huk[i] = (uint8_t)i;
	assert_int_equal(tv_test_hex("150100544545564152103456789ABCC9", cid, 16), 16);
	assert_int_equal(tv_rpmb_key_derive(huk, cid, key), TV_OK);
	/* The message with bytes 9 and 15 zeroed, 150100544545564152 00 3456789ABC 00,
	 * in octal for the shell's printf. */
	FILE *p = popen("printf '\\025\\001\\000\\124\\105\\105\\126\\101\\122\\000"
			"\\064\\126\\170\\232\\274\\000' | openssl dgst -sha256 -mac HMAC -macopt "
			"hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f -r",
			"r");
	char line[256] = "";
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	line[64] = '\0';
	assert_int_equal(tv_test_hex(line, want, 32), 32);
	assert_memory_equal(key, want, 32);
	/* PRV and CRC do not matter; other bytes do; the store key is another key. */
	uint8_t k2[32];
	cid[9] ^= 0xFF;
	cid[15] ^= 0xFF;
	assert_int_equal(tv_rpmb_key_derive(huk, cid, k2), TV_OK);
	assert_memory_equal(key, k2, 32);
	cid[0] ^= 1;
	assert_int_equal(tv_rpmb_key_derive(huk, cid, k2), TV_OK);
	assert_memory_not_equal(key, k2, 32);
	assert_int_equal(tv_store_key_derive(huk, cid, k2), TV_OK);
	assert_memory_not_equal(key, k2, 32);
}

static struct rpmb_emu *new_emu(uint8_t rel_wr)
{
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = 1;
	ec.rel_wr_sec_c = rel_wr;
	struct rpmb_emu *emu;
	assert_int_equal(rpmb_emu_new_mem(&ec, &emu), TV_OK);
	return emu;
}

static void test_open_read_write(void **state)
{
	(void)state;
	struct rpmb_emu *emu = new_emu(2);
	uint8_t huk[32] = {9};
	struct tv_rpmb r;
	struct tv_rpmb_config cfg = {.allow_key_program = true, .max_read_blocks = 3};
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(emu), huk, &cfg), TV_OK);
	assert_true(r.key_programmed_now);
	assert_int_equal(tv_rpmb_blocks(&r), 512);
	assert_int_equal(tv_rpmb_write_blocks(&r), 4);
	uint8_t data[10 * 256], back[10 * 256];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13);
	assert_int_equal(tv_rpmb_write(&r, 100, 4, data), TV_OK);
	assert_int_equal(tv_rpmb_write(&r, 104, 4, data + 1024), TV_OK);
	assert_int_equal(tv_rpmb_write(&r, 108, 2, data + 2048), TV_OK);
	assert_int_equal(r.counter, 3);
	r.stats.read_ops = 0;
	assert_int_equal(tv_rpmb_read(&r, 100, 10, back), TV_OK);
	assert_int_equal(r.stats.read_ops, 4); /* 3 + 3 + 3 + 1 */
	assert_memory_equal(back, data, sizeof(data));
	uint32_t c = 0;
	assert_int_equal(tv_rpmb_read_counter(&r, &c), TV_OK);
	assert_int_equal(c, 3);

	/* Error paths: nothing is sent for a bad request. */
	uint64_t ops = r.stats.write_ops;
	assert_int_equal(tv_rpmb_write(&r, 100, 5, data), TV_EINVAL); /* over the limit */
	assert_int_equal(tv_rpmb_write(&r, 100, 0, data), TV_ERANGE);
	assert_int_equal(tv_rpmb_write(&r, 510, 4, data), TV_ERANGE);
	assert_int_equal(tv_rpmb_write(&r, 600, 1, data), TV_ERANGE);
	assert_int_equal(tv_rpmb_write(&r, 1, 1, NULL), TV_EINVAL);
	assert_int_equal(tv_rpmb_read(&r, 511, 2, back), TV_ERANGE);
	assert_int_equal(tv_rpmb_read(&r, 0, 1, NULL), TV_EINVAL);
	assert_int_equal(r.stats.write_ops, ops);
	tv_rpmb_close(&r);

	/* Reopen: the key is not programmed again; a device that lost power: EIO. */
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(emu), huk, &cfg), TV_OK);
	assert_false(r.key_programmed_now);
	rpmb_emu_fault_power_cut(emu, 1, 0);
	assert_int_equal(tv_rpmb_write(&r, 0, 1, data), TV_EIO);
	assert_false(r.counter_known);
	assert_int_equal(tv_rpmb_write(&r, 0, 1, data), TV_EIO);
	rpmb_emu_power_on(emu);
	assert_int_equal(tv_rpmb_write(&r, 0, 1, data), TV_OK); /* counter re-read first */
	assert_int_equal(r.counter, 4);
	tv_rpmb_close(&r);
	rpmb_emu_free(emu);
}

static int bad_info(void *ctx, struct rpmb_dev_info *info)
{
	(void)ctx;
	memset(info, 0, sizeof(*info));
	info->size_mult = 1;
	info->rel_wr_sec_c = 64; /* more than eMMC allows */
	return TV_OK;
}

static int no_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	(void)ctx, (void)req, (void)nreq, (void)resp, (void)nresp;
	return TV_EIO;
}

static void test_open_errors(void **state)
{
	(void)state;
	static const struct rpmb_dev_ops bad = {.get_info = bad_info, .route = no_route};
	struct tv_rpmb r;
	uint8_t huk[32] = {0};
	assert_int_equal(tv_rpmb_open(&r, (struct rpmb_dev){.ops = &bad}, huk, NULL), TV_EINVAL);
	struct rpmb_emu *emu = new_emu(1);
	rpmb_emu_fault_power_cut(emu, 1, 0);
	rpmb_emu_power_on(emu);
	struct tv_rpmb_config cfg = {.allow_key_program = true};
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(emu), huk, &cfg), TV_OK);
	tv_rpmb_close(&r);
	rpmb_emu_set_counter(emu, 0xFFFFFFFFu);
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(emu), huk, &cfg), TV_OK);
	assert_true(r.expired);
	uint8_t blk[256] = {0};
	assert_int_equal(tv_rpmb_write(&r, 0, 1, blk), TV_EEXPIRED);
	assert_int_equal(tv_rpmb_read(&r, 0, 1, blk), TV_OK);
	tv_rpmb_close(&r);
	rpmb_emu_free(emu);
}

/* A write cap below what the device takes (a route that carries one frame per
 * write): writes of more blocks are refused before anything is sent. */
static void test_write_cap(void **state)
{
	(void)state;
	struct rpmb_emu *emu = new_emu(2); /* the device takes 4 */
	uint8_t huk[32] = {7}, data[4 * 256] = {1, 2, 3};
	struct tv_rpmb r;
	struct tv_rpmb_config cfg = {.allow_key_program = true, .max_write_blocks = 1};
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(emu), huk, &cfg), TV_OK);
	assert_int_equal(tv_rpmb_write_blocks(&r), 1);
	uint64_t ops = r.stats.write_ops;
	assert_int_equal(tv_rpmb_write(&r, 10, 2, data), TV_EINVAL);
	assert_false(r.last_write_sent);
	assert_int_equal(r.stats.write_ops, ops);
	assert_int_equal(tv_rpmb_write(&r, 10, 1, data), TV_OK);
	assert_int_equal(tv_rpmb_write(&r, 11, 1, data + 256), TV_OK);
	uint8_t back[512];
	assert_int_equal(tv_rpmb_read(&r, 10, 2, back), TV_OK);
	assert_memory_equal(back, data, sizeof(back));
	tv_rpmb_close(&r);
	cfg.max_write_blocks = 8; /* a cap above the device changes nothing */
	assert_int_equal(tv_rpmb_open(&r, rpmb_emu_dev(emu), huk, &cfg), TV_OK);
	assert_int_equal(tv_rpmb_write_blocks(&r), 4);
	tv_rpmb_close(&r);
	rpmb_emu_free(emu);
}

/* tee-supplicant's emulation: the block count of read answers in host byte
 * order, under a valid MAC. `count` says what to put there instead (0: the
 * little-endian count). */
struct le_count_dev {
	struct rpmb_dev inner;
	uint8_t key[32];
	int count;
};

static int le_info(void *ctx, struct rpmb_dev_info *info)
{
	struct le_count_dev *d = ctx;
	return rpmb_dev_get_info(&d->inner, info);
}

static int le_route(void *ctx, const uint8_t *req, size_t nreq, uint8_t *resp, size_t nresp)
{
	struct le_count_dev *d = ctx;
	int rc = rpmb_dev_route(&d->inner, req, nreq, resp, nresp);
	if (rc != TV_OK || rpmb_frame_type(req) != RPMB_REQ_READ)
		return rc;
	for (size_t i = 0; i < nresp; i++) {
		uint8_t *f = resp + i * RPMB_FRAME_SIZE + RPMB_OFF_BLOCK_COUNT;
		uint16_t v = d->count ? (uint16_t)d->count : (uint16_t)nresp;
		f[0] = (uint8_t)(d->count ? v >> 8 : v);
		f[1] = (uint8_t)(d->count ? v : v >> 8);
	}
	return rpmb_mac_sign(d->key, resp, nresp);
}

static void test_read_count_host_order(void **state)
{
	(void)state;
	static const struct rpmb_dev_ops ops = {.get_info = le_info, .route = le_route};
	struct rpmb_emu *emu = new_emu(1);
	struct le_count_dev d = {.inner = rpmb_emu_dev(emu)};
	uint8_t huk[32] = {5}, data[3 * 256], back[3 * 256];
	struct rpmb_dev_info info;
	rpmb_emu_info(emu, &info);
	assert_int_equal(tv_rpmb_key_derive(huk, info.cid, d.key), TV_OK);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	struct tv_rpmb r;
	struct tv_rpmb_config cfg = {.allow_key_program = true};
	assert_int_equal(tv_rpmb_open(&r, (struct rpmb_dev){.ops = &ops, .ctx = &d}, huk, &cfg),
			 TV_OK);
	assert_int_equal(tv_rpmb_write(&r, 20, 2, data), TV_OK);
	assert_int_equal(tv_rpmb_write(&r, 22, 1, data + 512), TV_OK);
	/* 1 block: bytes 01 00; 3 blocks: 03 00 */
	assert_int_equal(tv_rpmb_read(&r, 20, 1, back), TV_OK);
	assert_int_equal(tv_rpmb_read(&r, 20, 3, back), TV_OK);
	assert_memory_equal(back, data, sizeof(data));
	/* a count that is neither n nor n in host order: refused, nothing served */
	uint64_t failures = r.stats.verify_failures;
	memset(back, 0xEE, sizeof(back));
	d.count = 4;
	assert_int_equal(tv_rpmb_read(&r, 20, 3, back), TV_EAUTH);
	d.count = 0x0400; /* 4 in host order */
	assert_int_equal(tv_rpmb_read(&r, 20, 3, back), TV_EAUTH);
	assert_int_equal(r.stats.verify_failures, failures + 2);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0xEE);
	tv_rpmb_close(&r);
	rpmb_emu_free(emu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huk_file),
		cmocka_unit_test(test_rpmb_key_vector),
		cmocka_unit_test(test_open_read_write),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_write_cap),
		cmocka_unit_test(test_read_count_host_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

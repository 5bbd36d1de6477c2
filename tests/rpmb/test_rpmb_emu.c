/* SPDX-License-Identifier: BSD-2-Clause */
/* The emulated eMMC RPMB device: JEDEC command semantics, the route, fault
 * injection, the latency model and the image file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "rpmb_emu.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"
#include "tv_test_util.h"

#define FS RPMB_FRAME_SIZE
#define BS RPMB_BLOCK_SIZE
#define RESP_KEY 0x0100
#define RESP_COUNTER 0x0200
#define RESP_WRITE 0x0300
#define RESP_READ 0x0400
#define EXPIRED RPMB_RES_COUNTER_EXPIRED

static const char key_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char nonce_hex[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
/* HMAC-SHA256(key 00..1f, bytes 228..511 of the counter-read response for counter 0,
 * result 0, nonce a0..af), computed with Python's hmac module. */
static const char counter_mac_hex[] =
	"a8e9e4885bb5ed4afc67693327ab5b5fa9994d2c7ad38cc121f178a3a9114c62";

static uint8_t g_key[RPMB_KEY_SIZE];
static uint8_t g_nonce[RPMB_NONCE_SIZE];

struct fx {
	struct rpmb_emu *emu;
	char *dir;
};

/* ------------------------------------------------------------- helpers */

static void load_vectors(void)
{
	assert_int_equal(tv_test_hex(key_hex, g_key, sizeof(g_key)), RPMB_KEY_SIZE);
	assert_int_equal(tv_test_hex(nonce_hex, g_nonce, sizeof(g_nonce)), RPMB_NONCE_SIZE);
}

static void req_frame(uint8_t *out, uint16_t type, uint16_t addr, uint16_t count, uint32_t counter)
{
	struct rpmb_frame f;
	memset(&f, 0, sizeof(f));
	memcpy(f.nonce, g_nonce, sizeof(f.nonce));
	f.type = type;
	f.address = addr;
	f.block_count = count;
	f.write_counter = counter;
	rpmb_frame_encode(&f, out);
}

static uint8_t block_byte(uint16_t addr, uint8_t tag, size_t i)
{
	return (uint8_t)(tag ^ (addr * 31u) ^ (i * 7u));
}

static void fill_block(uint8_t *b, uint16_t addr, uint8_t tag)
{
	for (size_t i = 0; i < BS; i++)
		b[i] = block_byte(addr, tag, i);
}

static bool block_is(const struct rpmb_emu *emu, uint16_t addr, uint8_t tag)
{
	const uint8_t *b = rpmb_emu_peek(emu, addr);
	assert_non_null(b);
	for (size_t i = 0; i < BS; i++)
		if (b[i] != block_byte(addr, tag, i))
			return false;
	return true;
}

static bool all_of_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static bool block_zero(const struct rpmb_emu *emu, uint16_t addr)
{
	const uint8_t *b = rpmb_emu_peek(emu, addr);
	assert_non_null(b);
	return all_of_zero(b, BS);
}

/* n signed write frames for blocks addr.., data tagged with tag. */
static uint8_t *make_write(uint16_t addr, size_t n, uint32_t counter, uint8_t tag)
{
	uint8_t *frames = calloc(n, FS);
	assert_non_null(frames);
	for (size_t i = 0; i < n; i++) {
		struct rpmb_frame f;
		memset(&f, 0, sizeof(f));
		fill_block(f.data, (uint16_t)(addr + i), tag);
		f.write_counter = counter;
		f.address = addr;
		f.block_count = (uint16_t)n;
		f.type = RPMB_REQ_WRITE;
		rpmb_frame_encode(&f, frames + i * FS);
	}
	assert_int_equal(rpmb_mac_sign(g_key, frames, n), 0);
	return frames;
}

static uint16_t result_read(struct rpmb_emu *emu, uint8_t resp[FS])
{
	uint8_t req[FS];
	req_frame(req, RPMB_REQ_RESULT_READ, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);
	return rpmb_frame_result(resp);
}

static uint16_t send_write(struct rpmb_emu *emu, const uint8_t *frames, size_t n, bool reliable)
{
	uint8_t resp[FS];
	assert_int_equal(rpmb_emu_cmd_write(emu, frames, n, reliable), 0);
	uint16_t res = result_read(emu, resp);
	assert_int_equal(rpmb_frame_type(resp), RESP_WRITE);
	return res;
}

static uint16_t write_blocks(struct rpmb_emu *emu, uint16_t addr, size_t n, uint32_t counter,
			     uint8_t tag)
{
	uint8_t *frames = make_write(addr, n, counter, tag);
	uint16_t res = send_write(emu, frames, n, true);
	free(frames);
	return res;
}

static uint16_t program_key(struct rpmb_emu *emu, bool reliable)
{
	uint8_t req[FS];
	uint8_t resp[FS];
	struct rpmb_frame f;
	memset(&f, 0, sizeof(f));
	memcpy(f.key_mac, g_key, sizeof(f.key_mac));
	f.type = RPMB_REQ_PROGRAM_KEY;
	rpmb_frame_encode(&f, req);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, reliable), 0);
	uint16_t res = result_read(emu, resp);
	assert_int_equal(rpmb_frame_type(resp), RESP_KEY);
	return res;
}

/* Counter read; checks nonce echo and (when keyed) the MAC. Returns the result. */
static uint16_t read_counter(struct rpmb_emu *emu, uint32_t *counter)
{
	uint8_t req[FS];
	uint8_t resp[FS];
	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);
	assert_int_equal(rpmb_frame_type(resp), RESP_COUNTER);
	assert_memory_equal(resp + RPMB_OFF_NONCE, g_nonce, RPMB_NONCE_SIZE);
	uint16_t res = rpmb_frame_result(resp);
	if ((res & RPMB_RES_MASK) != RPMB_RES_NO_KEY)
		assert_true(rpmb_mac_verify(g_key, resp, 1));
	if (counter)
		*counter = tv_get_be32(resp + RPMB_OFF_COUNTER);
	return res;
}

/* Authenticated read of n blocks (request block count `count`) into resp. */
static uint16_t read_blocks(struct rpmb_emu *emu, uint16_t addr, uint16_t count, uint8_t *resp,
			    size_t n)
{
	uint8_t req[FS];
	req_frame(req, RPMB_REQ_READ, addr, count, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, n), 0);
	uint16_t res = rpmb_frame_result(resp);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *f = resp + i * FS;
		assert_int_equal(rpmb_frame_type(f), RESP_READ);
		assert_int_equal(rpmb_frame_result(f), res);
		assert_int_equal(tv_get_be16(f + RPMB_OFF_ADDRESS), addr);
		assert_int_equal(tv_get_be16(f + RPMB_OFF_BLOCK_COUNT), n);
		assert_memory_equal(f + RPMB_OFF_NONCE, g_nonce, RPMB_NONCE_SIZE);
	}
	return res;
}

static uint32_t counter_of(const struct rpmb_emu *emu)
{
	return rpmb_emu_counter(emu);
}

static struct rpmb_emu *new_dev(uint8_t size_mult, uint8_t rel_wr)
{
	struct rpmb_emu_config cfg;
	struct rpmb_emu *emu = NULL;
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = size_mult;
	cfg.rel_wr_sec_c = rel_wr;
	assert_int_equal(rpmb_emu_new_mem(&cfg, &emu), 0);
	assert_non_null(emu);
	return emu;
}

static int setup_blank(void **state)
{
	load_vectors();
	struct fx *fx = calloc(1, sizeof(*fx));
	assert_non_null(fx);
	fx->emu = new_dev(0, 0);
	fx->dir = tv_test_tmpdir();
	assert_non_null(fx->dir);
	*state = fx;
	return 0;
}

static int setup_keyed(void **state)
{
	setup_blank(state);
	struct fx *fx = *state;
	assert_int_equal(program_key(fx->emu, true), RPMB_RES_OK);
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	rpmb_emu_free(fx->emu);
	tv_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static char *path_in(const struct fx *fx, const char *name)
{
	size_t len = strlen(fx->dir) + strlen(name) + 2;
	char *p = malloc(len);
	assert_non_null(p);
	snprintf(p, len, "%s/%s", fx->dir, name);
	return p;
}

/* ----------------------------------------------------- configuration */

static void test_config_default(void **state)
{
	(void)state;
	struct rpmb_emu_config cfg;
	struct rpmb_dev_info info;
	struct rpmb_emu *emu;
	memset(&cfg, 0xAB, sizeof(cfg));
	rpmb_emu_config_default(&cfg);
	assert_int_equal(cfg.size_mult, 32);
	assert_int_equal(cfg.rel_wr_sec_c, 1);
	assert_false(cfg.sync);
	assert_int_equal(cfg.write_latency_us, 0);
	assert_int_equal(cfg.read_latency_us, 0);
	assert_int_equal(cfg.cid[0], 0x15);
	assert_int_not_equal(cfg.cid[RPMB_CID_SIZE - 1], 0);

	assert_int_equal(rpmb_emu_new_mem(NULL, &emu), 0);
	rpmb_emu_info(emu, &info);
	assert_memory_equal(info.cid, cfg.cid, RPMB_CID_SIZE);
	assert_int_equal(rpmb_info_blocks(&info), 16384); /* 4 MiB */
	assert_int_equal(rpmb_info_write_blocks(&info), 2);
	assert_non_null(rpmb_emu_peek(emu, 16383));
	assert_null(rpmb_emu_peek(emu, 16384));
	assert_int_equal(counter_of(emu), 0);
	assert_true(rpmb_emu_powered(emu));
	rpmb_emu_free(emu);

	cfg.rel_wr_sec_c = 33;
	emu = (struct rpmb_emu *)(uintptr_t)1;
	assert_int_equal(rpmb_emu_new_mem(&cfg, &emu), TV_EINVAL);
	assert_null(emu);
	assert_int_equal(rpmb_emu_new_mem(&cfg, NULL), TV_EINVAL);
}

/* ---------------------------------------------------- key programming */

static void test_program_key_once(void **state)
{
	struct fx *fx = *state;
	uint8_t resp[FS];
	assert_int_equal(program_key(fx->emu, true), RPMB_RES_OK);
	result_read(fx->emu, resp);
	assert_true(all_of_zero(resp + RPMB_OFF_KEY_MAC, RPMB_MAC_SIZE));
	assert_int_equal(tv_get_be32(resp + RPMB_OFF_COUNTER), 0);

	/* A second programming, even with another key, fails and changes nothing. */
	uint8_t saved[RPMB_KEY_SIZE];
	memcpy(saved, g_key, sizeof(saved));
	g_key[0] ^= 0xFF;
	assert_int_equal(program_key(fx->emu, true), RPMB_RES_GENERAL_FAILURE);
	memcpy(g_key, saved, sizeof(saved));
	assert_int_equal(read_counter(fx->emu, NULL), RPMB_RES_OK); /* MAC with the first key */
	assert_int_equal(write_blocks(fx->emu, 0, 1, 0, 1), RPMB_RES_OK);
}

static void test_program_key_needs_reliable(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(program_key(fx->emu, false), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(read_counter(fx->emu, NULL), RPMB_RES_NO_KEY);

	/* Two frames: rejected too. */
	uint8_t req[2 * FS];
	uint8_t resp[FS];
	memset(req, 0, sizeof(req));
	tv_put_be16(req + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	assert_int_equal(rpmb_emu_cmd_write(fx->emu, req, 2, true), 0);
	assert_int_equal(result_read(fx->emu, resp), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(rpmb_frame_type(resp), RESP_KEY);
	assert_int_equal(read_counter(fx->emu, NULL), RPMB_RES_NO_KEY);
	assert_int_equal(program_key(fx->emu, true), RPMB_RES_OK);
}

static void test_no_key(void **state)
{
	struct fx *fx = *state;
	uint8_t resp[2 * FS];
	assert_int_equal(read_counter(fx->emu, NULL), RPMB_RES_NO_KEY);
	assert_int_equal(read_blocks(fx->emu, 0, 0, resp, 2), RPMB_RES_NO_KEY);
	assert_true(all_of_zero(resp + FS + RPMB_OFF_KEY_MAC, RPMB_MAC_SIZE));
	assert_int_equal(write_blocks(fx->emu, 0, 1, 0, 1), RPMB_RES_NO_KEY);
	assert_true(block_zero(fx->emu, 0));
	assert_int_equal(counter_of(fx->emu), 0);

	uint8_t rr[FS];
	result_read(fx->emu, rr);
	assert_true(all_of_zero(rr + RPMB_OFF_KEY_MAC, RPMB_MAC_SIZE));
	struct rpmb_emu_stats st;
	rpmb_emu_stats(fx->emu, &st);
	assert_int_equal(st.failed_ops, 3);
	assert_int_equal(st.write_ops, 0);
}

static void test_result_read_without_request(void **state)
{
	struct fx *fx = *state;
	uint8_t resp[FS];
	assert_int_equal(result_read(fx->emu, resp), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(rpmb_frame_type(resp), 0);
}

/* ------------------------------------------------------- counter read */

/* Request built from raw byte offsets; response checked byte by byte against a
 * MAC computed outside teevar. */
static void test_counter_read_hand_vector(void **state)
{
	struct fx *fx = *state;
	uint8_t req[FS];
	uint8_t resp[FS];
	uint8_t want_mac[32];
	memset(req, 0, sizeof(req));
	assert_int_equal(tv_test_hex(nonce_hex, req + 484, 16), 16);
	req[510] = 0x00;
	req[511] = 0x02;
	assert_int_equal(tv_test_hex(counter_mac_hex, want_mac, 32), 32);

	assert_int_equal(rpmb_emu_cmd_write(fx->emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(fx->emu, resp, 1), 0);
	assert_true(all_of_zero(resp, 196));
	assert_memory_equal(resp + 196, want_mac, 32);
	assert_true(all_of_zero(resp + 228, 256));
	assert_memory_equal(resp + 484, req + 484, 16);
	assert_true(all_of_zero(resp + 500, 10)); /* counter, address, count, result */
	assert_int_equal(resp[510], 0x02);
	assert_int_equal(resp[511], 0x00);

	/* The same MAC from the generic HMAC helper over bytes 228..511. */
	uint8_t mac[32];
	assert_int_equal(tv_hmac_sha256(g_key, 32, resp + 228, 284, mac), 0);
	assert_memory_equal(mac, want_mac, 32);
}

static void test_counter_read_fresh_nonce(void **state)
{
	struct fx *fx = *state;
	uint32_t ctr = 99;
	assert_int_equal(read_counter(fx->emu, &ctr), RPMB_RES_OK);
	assert_int_equal(ctr, 0);
	g_nonce[3] ^= 0x5A;
	assert_int_equal(read_counter(fx->emu, &ctr), RPMB_RES_OK);
	assert_int_equal(write_blocks(fx->emu, 5, 2, 0, 9), RPMB_RES_OK);
	assert_int_equal(read_counter(fx->emu, &ctr), RPMB_RES_OK);
	assert_int_equal(ctr, 1);
	struct rpmb_emu_stats st;
	rpmb_emu_stats(fx->emu, &st);
	assert_int_equal(st.counter_reads, 3);
}

/* ----------------------------------------------------------- writes */

static void test_write_and_read_back(void **state)
{
	struct fx *fx = *state;
	uint8_t resp[2 * FS];
	assert_int_equal(write_blocks(fx->emu, 10, 2, 0, 0x42), RPMB_RES_OK);
	assert_int_equal(counter_of(fx->emu), 1);
	assert_true(block_is(fx->emu, 10, 0x42));
	assert_true(block_is(fx->emu, 11, 0x42));
	assert_true(block_zero(fx->emu, 12));

	assert_int_equal(read_blocks(fx->emu, 10, 0, resp, 2), RPMB_RES_OK);
	assert_true(rpmb_mac_verify(g_key, resp, 2));
	assert_true(all_of_zero(resp + RPMB_OFF_KEY_MAC, RPMB_MAC_SIZE)); /* MAC only in last */
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; j < BS; j++)
			assert_int_equal(resp[i * FS + RPMB_OFF_DATA + j],
					 block_byte((uint16_t)(10 + i), 0x42, j));
	/* The MAC covers every frame: tampering with the first breaks it. */
	resp[RPMB_OFF_DATA] ^= 1;
	assert_false(rpmb_mac_verify(g_key, resp, 2));

	/* The request's block count, when given, must match the frames read. */
	assert_int_equal(read_blocks(fx->emu, 10, 2, resp, 2), RPMB_RES_OK);
	assert_int_equal(read_blocks(fx->emu, 10, 1, resp, 2), RPMB_RES_GENERAL_FAILURE);
	assert_true(all_of_zero(resp + RPMB_OFF_DATA, BS));
	assert_true(rpmb_mac_verify(g_key, resp, 2));

	struct rpmb_emu_stats st;
	rpmb_emu_stats(fx->emu, &st);
	assert_int_equal(st.write_ops, 1);
	assert_int_equal(st.blocks_written, 2);
	assert_int_equal(st.read_ops, 2);
	assert_int_equal(st.blocks_read, 4);
	assert_int_equal(st.failed_ops, 1);
}

static void test_write_response(void **state)
{
	struct fx *fx = *state;
	uint8_t *frames = make_write(0x0123, 1, 0, 7);
	uint8_t resp[FS];
	assert_int_equal(rpmb_emu_cmd_write(fx->emu, frames, 1, true), 0);
	/* A write has no response of its own: only the result read gives one. */
	assert_int_equal(rpmb_emu_cmd_read(fx->emu, resp, 1), TV_EINVAL);
	assert_int_equal(result_read(fx->emu, resp), RPMB_RES_OK);
	assert_int_equal(rpmb_frame_type(resp), RESP_WRITE);
	assert_int_equal(tv_get_be32(resp + RPMB_OFF_COUNTER), 1);
	assert_int_equal(tv_get_be16(resp + RPMB_OFF_ADDRESS), 0x0123);
	assert_true(rpmb_mac_verify(g_key, resp, 1));
	/* The result register stays readable. */
	uint8_t again[FS];
	result_read(fx->emu, again);
	assert_memory_equal(resp, again, FS);
	free(frames);
}

/* A failed write leaves blocks and counter alone and reports `want`. */
static void expect_write_fails(struct rpmb_emu *emu, const uint8_t *frames, size_t n,
			       bool reliable, uint16_t want)
{
	uint32_t before = counter_of(emu);
	struct rpmb_emu_stats st0;
	struct rpmb_emu_stats st1;
	uint8_t resp[FS];
	rpmb_emu_stats(emu, &st0);
	assert_int_equal(send_write(emu, frames, n, reliable), want);
	result_read(emu, resp);
	assert_int_equal(tv_get_be32(resp + RPMB_OFF_COUNTER), before);
	assert_true(rpmb_mac_verify(g_key, resp, 1));
	assert_int_equal(counter_of(emu), before);
	rpmb_emu_stats(emu, &st1);
	assert_int_equal(st1.failed_ops, st0.failed_ops + 1);
	assert_int_equal(st1.write_ops, st0.write_ops);
}

static void test_write_errors(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	assert_int_equal(write_blocks(emu, 0, 2, 0, 0x11), RPMB_RES_OK);

	uint8_t *f = make_write(0, 2, 1, 0x22);
	f[FS + RPMB_OFF_DATA + 5] ^= 1; /* second frame changed after signing */
	expect_write_fails(emu, f, 2, true, RPMB_RES_AUTH_FAILURE);
	free(f);

	f = make_write(0, 2, 0, 0x22); /* stale counter: a replay */
	expect_write_fails(emu, f, 2, true, RPMB_RES_COUNTER_FAILURE);
	free(f);

	f = make_write(16383, 2, 1, 0x22); /* runs past the last block */
	expect_write_fails(emu, f, 2, true, RPMB_RES_ADDRESS_FAILURE);
	free(f);

	f = make_write(0, 3, 1, 0x22); /* over 2 x rel_wr_sec_c */
	expect_write_fails(emu, f, 3, true, RPMB_RES_GENERAL_FAILURE);
	free(f);

	f = make_write(0, 2, 1, 0x22); /* block count 2, one frame sent */
	expect_write_fails(emu, f, 1, true, RPMB_RES_GENERAL_FAILURE);
	free(f);

	f = make_write(0, 2, 1, 0x22);
	expect_write_fails(emu, f, 2, false, RPMB_RES_GENERAL_FAILURE);
	free(f);

	assert_true(block_is(emu, 0, 0x11));
	assert_true(block_is(emu, 1, 0x11));
	assert_true(block_zero(emu, 16383));
	assert_int_equal(write_blocks(emu, 0, 2, 1, 0x33), RPMB_RES_OK);
	assert_true(block_is(emu, 1, 0x33));
}

/* Key, expiry, MAC, counter, address: the first failing check is reported. */
static void test_write_check_order(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	uint8_t *f = make_write(16383, 2, 7, 0x22); /* bad counter and address */
	expect_write_fails(emu, f, 2, true, RPMB_RES_COUNTER_FAILURE);
	f[RPMB_OFF_DATA] ^= 1; /* and now a bad MAC too */
	expect_write_fails(emu, f, 2, true, RPMB_RES_AUTH_FAILURE);
	rpmb_emu_set_counter(emu, UINT32_MAX);
	expect_write_fails(emu, f, 2, true, RPMB_RES_WRITE_FAILURE | EXPIRED);
	free(f);
}

static void test_counter_expiry(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	uint8_t resp[2 * FS];
	uint32_t ctr = 0;
	rpmb_emu_set_counter(emu, UINT32_MAX - 1);
	assert_int_equal(write_blocks(emu, 4, 2, UINT32_MAX - 1, 0x55), RPMB_RES_OK | EXPIRED);
	assert_int_equal(counter_of(emu), UINT32_MAX);

	assert_int_equal(write_blocks(emu, 4, 2, UINT32_MAX, 0x66), RPMB_RES_WRITE_FAILURE | EXPIRED);
	assert_int_equal(write_blocks(emu, 4, 2, UINT32_MAX, 0x66), 0x0085);
	assert_true(block_is(emu, 4, 0x55));
	assert_int_equal(counter_of(emu), UINT32_MAX);

	assert_int_equal(read_blocks(emu, 4, 0, resp, 2), RPMB_RES_OK | EXPIRED);
	assert_true(rpmb_mac_verify(g_key, resp, 2));
	assert_int_equal(resp[FS + RPMB_OFF_DATA], block_byte(5, 0x55, 0));
	assert_int_equal(read_counter(emu, &ctr), EXPIRED);
	assert_int_equal(ctr, UINT32_MAX);

	struct rpmb_emu_stats st;
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.failed_ops, 2); /* the refused writes; the flag alone is no failure */
}

static void test_rel_wr_16(void **state)
{
	(void)state;
	load_vectors();
	struct rpmb_emu *emu = new_dev(1, 16);
	uint8_t resp[32 * FS];
	assert_int_equal(program_key(emu, true), RPMB_RES_OK);
	assert_int_equal(write_blocks(emu, 100, 32, 0, 0x77), RPMB_RES_OK);
	assert_int_equal(write_blocks(emu, 200, 33, 1, 0x77), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(write_blocks(emu, 480, 32, 1, 0x78), RPMB_RES_OK); /* ends at 511 */
	assert_int_equal(write_blocks(emu, 481, 32, 2, 0x79), RPMB_RES_ADDRESS_FAILURE);
	assert_int_equal(counter_of(emu), 2);
	assert_true(block_is(emu, 131, 0x77));
	assert_true(block_is(emu, 511, 0x78));
	assert_true(block_zero(emu, 200));

	assert_int_equal(read_blocks(emu, 100, 32, resp, 32), RPMB_RES_OK);
	assert_true(rpmb_mac_verify(g_key, resp, 32));
	assert_int_equal(resp[31 * FS + RPMB_OFF_DATA + 9], block_byte(131, 0x77, 9));
	rpmb_emu_free(emu);
}

static void test_read_64_blocks(void **state)
{
	struct fx *fx = *state;
	uint8_t *resp = calloc(64, FS);
	assert_non_null(resp);
	for (uint16_t a = 0; a < 64; a += 2)
		assert_int_equal(write_blocks(fx->emu, (uint16_t)(1000 + a), 2, a / 2u, (uint8_t)a),
				 RPMB_RES_OK);
	assert_int_equal(read_blocks(fx->emu, 1000, 0, resp, 64), RPMB_RES_OK);
	assert_true(rpmb_mac_verify(g_key, resp, 64));
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(resp[i * FS + RPMB_OFF_DATA + 100],
				 block_byte((uint16_t)(1000 + i), (uint8_t)(i & ~1u), 100));
	resp[20 * FS + RPMB_OFF_NONCE] ^= 1;
	assert_false(rpmb_mac_verify(g_key, resp, 64));
	free(resp);
}

static void test_read_address_failure(void **state)
{
	struct fx *fx = *state;
	uint8_t resp[4 * FS];
	assert_int_equal(write_blocks(fx->emu, 16382, 2, 0, 0x12), RPMB_RES_OK);
	assert_int_equal(read_blocks(fx->emu, 16382, 0, resp, 2), RPMB_RES_OK);
	assert_int_equal(read_blocks(fx->emu, 16382, 0, resp, 3), RPMB_RES_ADDRESS_FAILURE);
	assert_true(all_of_zero(resp + RPMB_OFF_DATA, BS));
	assert_true(rpmb_mac_verify(g_key, resp, 3));
	assert_int_equal(read_blocks(fx->emu, 0xFFFF, 0, resp, 1), RPMB_RES_ADDRESS_FAILURE);
}

/* ------------------------------------------------ bus-level misuse */

static void test_cmd_misuse(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	uint8_t req[2 * FS];
	uint8_t resp[2 * FS];
	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	req_frame(req + FS, RPMB_REQ_READ_COUNTER, 0, 0, 0);

	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), TV_EINVAL); /* nothing pending */
	assert_int_equal(rpmb_emu_cmd_write(NULL, req, 1, false), TV_EINVAL);
	assert_int_equal(rpmb_emu_cmd_write(emu, NULL, 1, false), TV_EINVAL);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 0, false), TV_EINVAL);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, (size_t)1 << 20, false), TV_EINVAL);
	assert_int_equal(rpmb_emu_cmd_read(NULL, resp, 1), TV_EINVAL);

	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, NULL, 1), TV_EINVAL);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 0), TV_EINVAL);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 2), TV_EINVAL); /* a counter read is 1 */
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);         /* still pending */
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), TV_EINVAL); /* consumed */

	/* A data read asking for more frames than exist on the bus. */
	req_frame(req, RPMB_REQ_READ, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 0x10000), TV_EINVAL);
	/* A new request replaces the pending response. */
	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);
	assert_int_equal(rpmb_frame_type(resp), RESP_COUNTER);
}

static void test_rejected_requests(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	uint8_t req[2 * FS];
	uint8_t resp[2 * FS];
	memset(req, 0, sizeof(req));
	tv_put_be16(req + RPMB_OFF_TYPE, 0x0009);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, true), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(rpmb_frame_type(resp), 0);

	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	req_frame(req + FS, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 2, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(rpmb_frame_type(resp), RESP_COUNTER);

	req_frame(req, RPMB_REQ_READ, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 2, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 2), 0);
	assert_int_equal(rpmb_frame_result(resp + FS), RPMB_RES_GENERAL_FAILURE);
	assert_int_equal(rpmb_frame_type(resp + FS), RESP_READ);

	req_frame(req, RPMB_REQ_RESULT_READ, 0, 0, 0);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 2, false), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), 0);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_GENERAL_FAILURE);

	struct rpmb_emu_stats st;
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.failed_ops, 4);
	assert_int_equal(counter_of(emu), 0);
}

/* Random bytes through every entry point: clean errors, no state change. */
static void test_hostile_frames(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	struct rpmb_dev dev = rpmb_emu_dev(emu);
	uint64_t seed = 0x1234;
	uint8_t *buf = malloc(8 * FS);
	uint8_t *out = malloc(8 * FS);
	assert_non_null(buf);
	assert_non_null(out);
	for (int iter = 0; iter < 2000; iter++) {
		for (size_t i = 0; i < 8 * FS; i++)
			buf[i] = (uint8_t)tv_test_rand(&seed);
		uint64_t r = tv_test_rand(&seed);
		size_t n = 1 + (size_t)(r % 8);
		size_t m = 1 + (size_t)((r >> 8) % 8);
		buf[RPMB_OFF_TYPE] = 0;
		buf[RPMB_OFF_TYPE + 1] = (uint8_t)((r >> 16) % 7);
		if ((r >> 24) & 1)
			(void)rpmb_emu_cmd_write(emu, buf, n, (r >> 25) & 1);
		else
			(void)rpmb_dev_route(&dev, buf, n, out, m);
		(void)rpmb_emu_cmd_read(emu, out, m);
	}
	assert_int_equal(counter_of(emu), 0);
	for (uint16_t a = 0; a < 64; a++)
		assert_true(block_zero(emu, a));
	free(buf);
	free(out);
}

/* -------------------------------------------------------------- route */

static void test_route_flows(void **state)
{
	struct fx *fx = *state;
	struct rpmb_dev dev = rpmb_emu_dev(fx->emu);
	struct rpmb_dev_info info;
	uint8_t req[2 * FS];
	uint8_t resp[4 * FS];

	assert_int_equal(rpmb_dev_get_info(&dev, &info), 0);
	assert_int_equal(info.size_mult, 32);
	assert_int_equal(info.rel_wr_sec_c, 1);
	assert_int_equal(info.cid[0], 0x15);

	memset(req, 0, FS);
	memcpy(req + RPMB_OFF_KEY_MAC, g_key, RPMB_KEY_SIZE);
	tv_put_be16(req + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), 0);
	assert_int_equal(rpmb_frame_type(resp), RESP_KEY);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_OK);

	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), 0);
	assert_int_equal(rpmb_frame_type(resp), RESP_COUNTER);
	assert_true(rpmb_mac_verify(g_key, resp, 1));

	uint8_t *w = make_write(40, 2, 0, 0x3C);
	assert_int_equal(rpmb_dev_route(&dev, w, 2, resp, 1), 0);
	assert_int_equal(rpmb_frame_type(resp), RESP_WRITE);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_OK);
	assert_int_equal(tv_get_be32(resp + RPMB_OFF_COUNTER), 1);
	assert_true(rpmb_mac_verify(g_key, resp, 1));
	free(w);

	req_frame(req, RPMB_REQ_READ, 40, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 2), 0);
	assert_int_equal(rpmb_frame_result(resp + FS), RPMB_RES_OK);
	assert_true(rpmb_mac_verify(g_key, resp, 2));
	assert_int_equal(resp[FS + RPMB_OFF_DATA + 3], block_byte(41, 0x3C, 3));

	/* A failing write still answers through the route with its result. */
	w = make_write(40, 2, 0, 0x3D);
	assert_int_equal(rpmb_dev_route(&dev, w, 2, resp, 1), 0);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_COUNTER_FAILURE);
	free(w);
	rpmb_dev_close(&dev);
	assert_null(dev.ops);
	assert_true(block_is(fx->emu, 40, 0x3C)); /* close did not free the emulator */
}

static void test_route_errors(void **state)
{
	struct fx *fx = *state;
	struct rpmb_dev dev = rpmb_emu_dev(fx->emu);
	uint8_t req[2 * FS];
	uint8_t resp[2 * FS];
	struct rpmb_dev_info info;

	uint8_t *w = make_write(0, 1, 0, 1);
	assert_int_equal(rpmb_dev_route(&dev, w, 1, resp, 2), TV_EINVAL);
	assert_int_equal(counter_of(fx->emu), 0); /* rejected before reaching the device */
	assert_int_equal(rpmb_dev_route(&dev, w, 0, resp, 1), TV_EINVAL);
	assert_int_equal(rpmb_dev_route(&dev, w, 1, NULL, 1), TV_EINVAL);
	assert_int_equal(rpmb_dev_route(&dev, NULL, 1, resp, 1), TV_EINVAL);
	assert_int_equal(rpmb_dev_route(&dev, w, 1, resp, 0), TV_EINVAL);
	free(w);

	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	req_frame(req + FS, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 2, resp, 1), TV_EINVAL);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 2), TV_EINVAL);
	req_frame(req, RPMB_REQ_READ, 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 2, resp, 1), TV_EINVAL);
	req_frame(req, RPMB_REQ_RESULT_READ, 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EINVAL);
	req_frame(req, RPMB_RESP_TYPE(RPMB_REQ_WRITE), 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EINVAL);
	req_frame(req, 0, 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EINVAL);

	assert_int_equal(dev.ops->get_info(NULL, &info), TV_EINVAL);
	assert_int_equal(dev.ops->get_info(dev.ctx, NULL), TV_EINVAL);
	assert_int_equal(dev.ops->route(NULL, req, 1, resp, 1), TV_EINVAL);
}

/* ---------------------------------------------------- fault injection */

static void test_power_cut_partial(void **state)
{
	(void)state;
	load_vectors();
	struct rpmb_emu *emu = new_dev(1, 2); /* 4 blocks per write */
	struct rpmb_dev dev = rpmb_emu_dev(emu);
	uint8_t resp[FS];
	uint8_t req[FS];
	assert_int_equal(program_key(emu, true), RPMB_RES_OK);

	rpmb_emu_fault_power_cut(emu, 2, 1);
	assert_int_equal(write_blocks(emu, 8, 4, 0, 0xA1), RPMB_RES_OK); /* the 1st goes through */
	uint8_t *w = make_write(8, 4, 1, 0xB2);
	assert_int_equal(rpmb_dev_route(&dev, w, 4, resp, 1), TV_EIO);
	assert_false(rpmb_emu_powered(emu));
	assert_true(block_is(emu, 8, 0xB2)); /* exactly the first block landed */
	assert_true(block_is(emu, 9, 0xA1));
	assert_true(block_is(emu, 11, 0xA1));
	assert_int_equal(counter_of(emu), 1);

	req_frame(req, RPMB_REQ_READ_COUNTER, 0, 0, 0);
	assert_int_equal(rpmb_dev_route(&dev, req, 1, resp, 1), TV_EIO);
	assert_int_equal(rpmb_emu_cmd_write(emu, req, 1, false), TV_EIO);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), TV_EIO);
	assert_int_equal(rpmb_dev_route(&dev, w, 4, resp, 1), TV_EIO);

	rpmb_emu_power_on(emu);
	assert_true(rpmb_emu_powered(emu));
	uint32_t ctr = 0;
	assert_int_equal(read_counter(emu, &ctr), RPMB_RES_OK);
	assert_int_equal(ctr, 1);
	assert_int_equal(rpmb_dev_route(&dev, w, 4, resp, 1), 0); /* the retry works */
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_OK);
	assert_true(block_is(emu, 11, 0xB2));
	free(w);
	rpmb_emu_free(emu);
}

static void test_power_cut_complete(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	struct rpmb_dev dev = rpmb_emu_dev(emu);
	uint8_t resp[FS];
	rpmb_emu_fault_power_cut(emu, 1, 2);
	uint8_t *w = make_write(3, 2, 0, 0xC3);
	assert_int_equal(rpmb_dev_route(&dev, w, 2, resp, 1), TV_EIO);
	assert_true(block_is(emu, 3, 0xC3));
	assert_true(block_is(emu, 4, 0xC3));
	assert_int_equal(counter_of(emu), 1); /* it landed; only the answer was lost */
	rpmb_emu_power_on(emu);
	/* A failed check does not consume the armed fault: the next valid write does. */
	rpmb_emu_fault_power_cut(emu, 1, 0);
	assert_int_equal(rpmb_dev_route(&dev, w, 2, resp, 1), 0);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_COUNTER_FAILURE);
	free(w);
	w = make_write(3, 2, 1, 0xD4);
	assert_int_equal(rpmb_dev_route(&dev, w, 2, resp, 1), TV_EIO);
	assert_true(block_is(emu, 3, 0xC3));
	assert_int_equal(counter_of(emu), 1);
	rpmb_emu_power_on(emu);
	assert_int_equal(rpmb_dev_route(&dev, w, 2, resp, 1), 0);
	assert_int_equal(rpmb_frame_result(resp), RPMB_RES_OK);
	assert_true(block_is(emu, 3, 0xD4));
	free(w);
}

static void test_power_cut_zero_blocks(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	uint8_t resp[FS];
	rpmb_emu_fault_power_cut(emu, 1, 0);
	uint8_t *w = make_write(3, 2, 0, 0xC3);
	assert_int_equal(rpmb_emu_cmd_write(emu, w, 2, true), TV_EIO);
	assert_true(block_zero(emu, 3));
	assert_int_equal(counter_of(emu), 0);
	assert_int_equal(rpmb_emu_cmd_read(emu, resp, 1), TV_EIO);
	struct rpmb_emu_stats st;
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.write_ops, 0);
	assert_int_equal(st.blocks_written, 0);
	free(w);
	/* Disarming: nth = 0. */
	rpmb_emu_power_on(emu);
	rpmb_emu_fault_power_cut(emu, 1, 0);
	rpmb_emu_fault_power_cut(emu, 0, 0);
	assert_int_equal(write_blocks(emu, 3, 2, 0, 0xC3), RPMB_RES_OK);
}

struct hook_log {
	int calls;
	uint16_t address;
	uint16_t nblocks;
	uint32_t counter_seen;
	uint8_t first_byte_seen;
	uint8_t blocks[2 * BS];
	struct rpmb_emu *clone;
};

static void record_hook(void *arg, const struct rpmb_emu *emu, uint16_t address, uint16_t nblocks,
			const uint8_t *blocks)
{
	struct hook_log *log = arg;
	log->calls++;
	log->address = address;
	log->nblocks = nblocks;
	log->counter_seen = rpmb_emu_counter(emu);
	log->first_byte_seen = rpmb_emu_peek(emu, address)[0];
	if (nblocks <= 2)
		memcpy(log->blocks, blocks, (size_t)nblocks * BS);
	if (!log->clone)
		assert_int_equal(rpmb_emu_clone(emu, &log->clone), 0);
}

static void test_write_hook_and_clone(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	struct hook_log log;
	memset(&log, 0, sizeof(log));
	assert_int_equal(write_blocks(emu, 20, 2, 0, 0x01), RPMB_RES_OK);
	rpmb_emu_set_write_hook(emu, record_hook, &log);
	rpmb_emu_set_latency(emu, 0, 0);

	uint8_t *bad = make_write(20, 2, 0, 0x02); /* stale counter: no hook */
	assert_int_equal(send_write(emu, bad, 2, true), RPMB_RES_COUNTER_FAILURE);
	free(bad);
	assert_int_equal(log.calls, 0);

	assert_int_equal(write_blocks(emu, 20, 2, 1, 0x02), RPMB_RES_OK);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.address, 20);
	assert_int_equal(log.nblocks, 2);
	assert_int_equal(log.counter_seen, 1);                       /* before the write */
	assert_int_equal(log.first_byte_seen, block_byte(20, 0x01, 0)); /* old data */
	assert_int_equal(log.blocks[BS + 17], block_byte(21, 0x02, 17));

	/* The clone holds the state from before the write, and lives on its own. */
	struct rpmb_emu *c = log.clone;
	assert_non_null(c);
	assert_int_equal(rpmb_emu_counter(c), 1);
	assert_true(block_is(c, 20, 0x01));
	assert_true(block_is(emu, 20, 0x02));
	uint8_t junk[BS];
	memset(junk, 0xEE, sizeof(junk));
	assert_int_equal(rpmb_emu_poke(c, 21, 1, junk), 0);
	assert_int_equal(rpmb_emu_counter(c), 1); /* poke leaves the counter alone */
	assert_true(block_is(emu, 21, 0x02));
	assert_int_equal(read_counter(c, NULL), RPMB_RES_OK); /* same key */
	assert_int_equal(write_blocks(c, 22, 1, 1, 0x03), RPMB_RES_OK);
	assert_int_equal(rpmb_emu_counter(emu), 2);
	assert_true(block_zero(emu, 22));
	assert_int_equal(log.calls, 1); /* hooks are not cloned */

	rpmb_emu_set_write_hook(emu, NULL, NULL);
	assert_int_equal(write_blocks(emu, 20, 1, 2, 0x04), RPMB_RES_OK);
	assert_int_equal(log.calls, 1);
	rpmb_emu_free(c);
}

static void test_clone_of_fault(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *c = NULL;
	rpmb_emu_fault_power_cut(fx->emu, 1, 0);
	assert_int_equal(rpmb_emu_clone(fx->emu, &c), 0);
	assert_int_equal(write_blocks(c, 0, 1, 0, 5), RPMB_RES_OK); /* fault not cloned */
	rpmb_emu_free(c);
	assert_int_equal(rpmb_emu_clone(NULL, &c), TV_EINVAL);
	assert_null(c);
	assert_int_equal(rpmb_emu_clone(fx->emu, NULL), TV_EINVAL);
}

static void test_poke_peek(void **state)
{
	struct fx *fx = *state;
	uint8_t blocks[3 * BS];
	for (size_t i = 0; i < sizeof(blocks); i++)
		blocks[i] = (uint8_t)(i + 1);
	assert_int_equal(rpmb_emu_poke(fx->emu, 16381, 3, blocks), 0);
	assert_memory_equal(rpmb_emu_peek(fx->emu, 16383), blocks + 2 * BS, BS);
	assert_int_equal(rpmb_emu_poke(fx->emu, 16382, 3, blocks), TV_ERANGE);
	assert_int_equal(rpmb_emu_poke(fx->emu, 0xFFFF, 1, blocks), TV_ERANGE);
	assert_int_equal(rpmb_emu_poke(fx->emu, 0, 1, NULL), TV_EINVAL);
	assert_int_equal(rpmb_emu_poke(NULL, 0, 1, blocks), TV_EINVAL);
	assert_int_equal(rpmb_emu_poke(fx->emu, 0, 0, NULL), 0);
	assert_null(rpmb_emu_peek(fx->emu, 0xFFFF));
	assert_null(rpmb_emu_peek(NULL, 0));
	assert_int_equal(counter_of(fx->emu), 0);
}

/* ------------------------------------------------------ latency, stats */

static void test_latency_model(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = fx->emu;
	struct rpmb_emu_stats st;
	uint8_t resp[2 * FS];
	rpmb_emu_stats_reset(emu);
	rpmb_emu_set_latency(emu, 300, 40);
	assert_int_equal(write_blocks(emu, 0, 2, 0, 1), RPMB_RES_OK);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 300);
	assert_int_equal(read_counter(emu, NULL), RPMB_RES_OK);
	assert_int_equal(read_blocks(emu, 0, 0, resp, 2), RPMB_RES_OK);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 380);
	assert_int_equal(write_blocks(emu, 0, 2, 5, 1), RPMB_RES_COUNTER_FAILURE);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 680); /* every write operation costs */
	rpmb_emu_set_read_block_latency(emu, 7); /* and a data read, per block */
	assert_int_equal(read_blocks(emu, 0, 0, resp, 2), RPMB_RES_OK);
	assert_int_equal(read_counter(emu, NULL), RPMB_RES_OK);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 680 + 40 + 2 * 7 + 40);
	rpmb_emu_set_read_block_latency(emu, 0);

	rpmb_emu_stats_reset(emu);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 0);
	assert_int_equal(st.write_ops, 0);
	rpmb_emu_set_latency(emu, 0, 0);
	assert_int_equal(write_blocks(emu, 0, 2, 1, 1), RPMB_RES_OK);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 0);
	assert_int_equal(st.write_ops, 1);
}

static void test_latency_from_config(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg;
	struct rpmb_emu *emu;
	struct rpmb_emu_stats st;
	rpmb_emu_config_default(&cfg);
	cfg.read_latency_us = 25;
	cfg.write_latency_us = 50;
	char *path = path_in(fx, "lat.img");
	assert_int_equal(rpmb_emu_create(path, &cfg, &emu), 0);
	assert_int_equal(read_counter(emu, NULL), RPMB_RES_NO_KEY);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 25);
	assert_int_equal(st.failed_ops, 1);
	rpmb_emu_free(emu);

	cfg.read_latency_us = 7;
	assert_int_equal(rpmb_emu_open(path, &cfg, &emu), 0);
	assert_int_equal(read_counter(emu, NULL), RPMB_RES_NO_KEY);
	rpmb_emu_stats(emu, &st);
	assert_int_equal(st.modelled_us, 7);
	rpmb_emu_free(emu);
	free(path);
}

/* --------------------------------------------------------- image file */

static void test_image_persistence(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg;
	struct rpmb_emu *emu;
	struct rpmb_dev_info info;
	uint8_t resp[2 * FS];
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = 1;
	cfg.rel_wr_sec_c = 4;
	cfg.cid[5] = 0x99;
	cfg.sync = true;
	char *path = path_in(fx, "rpmb.img");
	assert_int_equal(rpmb_emu_create(path, &cfg, &emu), 0);
	assert_int_equal(program_key(emu, true), RPMB_RES_OK);
	assert_int_equal(write_blocks(emu, 100, 8, 0, 0x5E), RPMB_RES_OK);
	assert_int_equal(write_blocks(emu, 511, 1, 1, 0x5F), RPMB_RES_OK);
	uint8_t pk[BS];
	memset(pk, 0x7A, sizeof(pk));
	assert_int_equal(rpmb_emu_poke(emu, 300, 1, pk), 0);
	rpmb_emu_free(emu);

	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 512 + 512 * 256);

	assert_int_equal(rpmb_emu_open(path, NULL, &emu), 0);
	rpmb_emu_info(emu, &info);
	assert_memory_equal(info.cid, cfg.cid, RPMB_CID_SIZE);
	assert_int_equal(info.size_mult, 1);
	assert_int_equal(info.rel_wr_sec_c, 4);
	assert_int_equal(counter_of(emu), 2);
	assert_true(block_is(emu, 107, 0x5E));
	assert_true(block_is(emu, 511, 0x5F));
	assert_memory_equal(rpmb_emu_peek(emu, 300), pk, BS);
	assert_int_equal(read_blocks(emu, 100, 0, resp, 2), RPMB_RES_OK);
	assert_true(rpmb_mac_verify(g_key, resp, 2)); /* the key survived */
	assert_int_equal(program_key(emu, true), RPMB_RES_GENERAL_FAILURE);
	rpmb_emu_free(emu);
	free(path);
}

static void test_image_power_cut_persists(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu;
	char *path = path_in(fx, "cut.img");
	assert_int_equal(rpmb_emu_create(path, NULL, &emu), 0);
	assert_int_equal(program_key(emu, true), RPMB_RES_OK);
	rpmb_emu_set_counter(emu, 41);
	assert_int_equal(write_blocks(emu, 6, 2, 41, 0x10), RPMB_RES_OK);
	rpmb_emu_fault_power_cut(emu, 1, 1);
	uint8_t *w = make_write(6, 2, 42, 0x20);
	assert_int_equal(rpmb_emu_cmd_write(emu, w, 2, true), TV_EIO);
	free(w);
	rpmb_emu_free(emu);

	assert_int_equal(rpmb_emu_open(path, NULL, &emu), 0);
	assert_true(rpmb_emu_powered(emu));
	assert_int_equal(counter_of(emu), 42);
	assert_true(block_is(emu, 6, 0x20));
	assert_true(block_is(emu, 7, 0x10));
	rpmb_emu_free(emu);
	free(path);
}

static void test_image_create_and_open_errors(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu *emu = NULL;
	struct rpmb_emu *other = (struct rpmb_emu *)(uintptr_t)1;
	struct rpmb_emu_config cfg;
	char *path = path_in(fx, "dev.img");
	char *missing = path_in(fx, "nope/dev.img");

	assert_int_equal(rpmb_emu_create(path, NULL, &emu), 0);
	assert_int_equal(rpmb_emu_create(path, NULL, &other), TV_EINVAL); /* exists */
	assert_null(other);
	assert_int_equal(rpmb_emu_open(path, NULL, &other), TV_EBUSY); /* locked */
	assert_null(other);
	rpmb_emu_free(emu);
	assert_int_equal(rpmb_emu_open(path, NULL, &emu), 0); /* lock released */
	rpmb_emu_free(emu);

	assert_int_equal(rpmb_emu_open(missing, NULL, &emu), TV_ENOENT);
	assert_int_equal(rpmb_emu_create(missing, NULL, &emu), TV_ENOENT);
	assert_int_equal(rpmb_emu_open(NULL, NULL, &emu), TV_EINVAL);
	assert_int_equal(rpmb_emu_open(path, NULL, NULL), TV_EINVAL);
	assert_int_equal(rpmb_emu_create(NULL, NULL, &emu), TV_EINVAL);
	assert_int_equal(rpmb_emu_open(fx->dir, NULL, &emu), TV_EIO); /* a directory */

	char *bad = path_in(fx, "bad.img");
	rpmb_emu_config_default(&cfg);
	cfg.rel_wr_sec_c = 40;
	assert_int_equal(rpmb_emu_create(bad, &cfg, &emu), TV_EINVAL);
	assert_int_equal(access(bad, F_OK), -1); /* nothing left behind */
	free(bad);
	free(path);
	free(missing);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static void expect_open(const char *path, const uint8_t *img, size_t len, int want)
{
	struct rpmb_emu *emu = (struct rpmb_emu *)(uintptr_t)1;
	write_file(path, img, len);
	assert_int_equal(rpmb_emu_open(path, NULL, &emu), want);
	if (want == 0)
		rpmb_emu_free(emu);
	else
		assert_null(emu);
}

static void reseal(uint8_t *hdr)
{
	unsigned int len = 0;
	assert_int_equal(EVP_Digest(hdr, 480, hdr + 480, &len, EVP_sha256(), NULL), 1);
}

static void test_image_corrupt(void **state)
{
	struct fx *fx = *state;
	struct rpmb_emu_config cfg;
	struct rpmb_emu *emu;
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = 1;
	char *path = path_in(fx, "good.img");
	char *copy = path_in(fx, "copy.img");
	assert_int_equal(rpmb_emu_create(path, &cfg, &emu), 0);
	assert_int_equal(program_key(emu, true), RPMB_RES_OK);
	assert_int_equal(write_blocks(emu, 2, 2, 0, 0x44), RPMB_RES_OK);
	rpmb_emu_free(emu);
	size_t len = 0;
	uint8_t *img = read_file(path, &len);
	assert_int_equal(len, 512 + 512 * 256);
	assert_memory_equal(img, "TVRPMBIM", 8);
	assert_int_equal(tv_get_le32(img + 36), 1); /* counter */
	assert_int_equal(img[34], 1);               /* key programmed */
	assert_memory_equal(img + 40, g_key, 32);
	assert_int_equal(img[512 + 2 * 256], block_byte(2, 0x44, 0));

	expect_open(copy, img, len, 0);
	expect_open(copy, img, len - 1, TV_ECORRUPT);   /* truncated */
	expect_open(copy, img, 511, TV_ECORRUPT);       /* header cut */
	expect_open(copy, img, 10, TV_ECORRUPT);
	expect_open(copy, img, 0, TV_ECORRUPT);
	uint8_t *big = calloc(1, len + 256);
	assert_non_null(big);
	memcpy(big, img, len);
	expect_open(copy, big, len + 256, TV_ECORRUPT); /* extended */
	free(big);

	uint8_t hdr[512];
	size_t flips[] = { 0, 9, 13, 20, 32, 33, 34, 37, 50, 100, 479, 480, 511 };
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(hdr, img, 512);
		img[flips[i]] ^= 0x10;
		expect_open(copy, img, len, TV_ECORRUPT);
		memcpy(img, hdr, 512);
	}

	/* Consistent checksums over bad fields: still refused. */
	struct { size_t off; uint8_t val; } fields[] = {
		{ 8, 2 },    /* version */
		{ 33, 0 },   /* rel_wr_sec_c */
		{ 33, 33 },
		{ 32, 0 },   /* size_mult */
		{ 32, 2 },   /* size_mult disagrees with the length */
		{ 34, 2 },   /* key flag */
		{ 35, 1 },   /* reserved */
		{ 200, 1 },  /* reserved */
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(hdr, img, 512);
		img[fields[i].off] = fields[i].val;
		reseal(img);
		expect_open(copy, img, len, TV_ECORRUPT);
		memcpy(img, hdr, 512);
	}
	memcpy(hdr, img, 512);
	img[34] = 0; /* "no key" but key bytes present */
	reseal(img);
	expect_open(copy, img, len, TV_ECORRUPT);
	memset(img + 40, 0, 32);
	reseal(img);
	expect_open(copy, img, len, 0);
	memcpy(img, hdr, 512);

	/* Garbage of a plausible length. */
	uint64_t seed = 7;
	for (size_t i = 0; i < len; i++)
		img[i] = (uint8_t)tv_test_rand(&seed);
	expect_open(copy, img, len, TV_ECORRUPT);
	free(img);
	free(path);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_default),
		cmocka_unit_test_setup_teardown(test_program_key_once, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_program_key_needs_reliable, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_no_key, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_result_read_without_request, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_counter_read_hand_vector, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_counter_read_fresh_nonce, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_write_and_read_back, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_write_response, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_write_check_order, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_counter_expiry, setup_keyed, teardown),
		cmocka_unit_test(test_rel_wr_16),
		cmocka_unit_test_setup_teardown(test_read_64_blocks, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_read_address_failure, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_cmd_misuse, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_rejected_requests, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_frames, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_route_flows, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_route_errors, setup_keyed, teardown),
		cmocka_unit_test(test_power_cut_partial),
		cmocka_unit_test_setup_teardown(test_power_cut_complete, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut_zero_blocks, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_write_hook_and_clone, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_clone_of_fault, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_poke_peek, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_latency_model, setup_keyed, teardown),
		cmocka_unit_test_setup_teardown(test_latency_from_config, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_image_persistence, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_image_power_cut_persists, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_image_create_and_open_errors, setup_blank, teardown),
		cmocka_unit_test_setup_teardown(test_image_corrupt, setup_blank, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* JEDEC RPMB frame codec and MAC: hand-made byte vectors, and one MAC checked
 * against the openssl command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rpmb_frame.h"
#include "tv_err.h"
#include "tv_test_util.h"

/* Tail of a frame (bytes 500..511): counter 0x01020304, address 0x0A0B,
 * block count 2, result 0x0080 (ok + counter expired), type 0x0300. */
static const char tail_hex[] = "01020304 0A0B 0002 0080 0300";

static void test_encode_layout(void **state)
{
	(void)state;
	struct rpmb_frame f;
	memset(&f, 0, sizeof(f));
	for (unsigned i = 0; i < RPMB_MAC_SIZE; i++)
		f.key_mac[i] = (uint8_t)(0xA0 + i);
	for (unsigned i = 0; i < RPMB_BLOCK_SIZE; i++)
		f.data[i] = (uint8_t)i;
	for (unsigned i = 0; i < RPMB_NONCE_SIZE; i++)
		f.nonce[i] = (uint8_t)(0xF0 | i);
	f.write_counter = 0x01020304;
	f.address = 0x0A0B;
	f.block_count = 2;
	f.result = 0x0080;
	f.type = RPMB_RESP_TYPE(RPMB_REQ_WRITE);

	uint8_t raw[RPMB_FRAME_SIZE];
	memset(raw, 0xEE, sizeof(raw));
	rpmb_frame_encode(&f, raw);

	uint8_t tail[12];
	assert_int_equal(tv_test_hex(tail_hex, tail, sizeof(tail)), 12);
	for (unsigned i = 0; i < 196; i++)
		assert_int_equal(raw[i], 0); /* stuff bytes */
	assert_int_equal(raw[196], 0xA0);
	assert_int_equal(raw[227], 0xA0 + 31);
	assert_int_equal(raw[228], 0x00);
	assert_int_equal(raw[228 + 255], 0xFF);
	assert_int_equal(raw[484], 0xF0);
	assert_int_equal(raw[499], 0xFF);
	assert_memory_equal(raw + 500, tail, sizeof(tail));
	assert_int_equal(rpmb_frame_type(raw), 0x0300);
	assert_int_equal(rpmb_frame_result(raw), 0x0080);
}

static void test_decode_hand_vector(void **state)
{
	(void)state;
	uint8_t raw[RPMB_FRAME_SIZE];
	memset(raw, 0, sizeof(raw));
	/* A counter-read request as a host would send it: nonce 00..0f, type 0x0002. */
	assert_int_equal(tv_test_hex("000102030405060708090a0b0c0d0e0f", raw + 484, 16), 16);
	assert_int_equal(tv_test_hex("0002", raw + 510, 2), 2);
	raw[504] = 0x12;
	raw[505] = 0x34;
	raw[506] = 0x00;
	raw[507] = 0x20;
	struct rpmb_frame f;
	rpmb_frame_decode(raw, &f);
	assert_int_equal(f.type, RPMB_REQ_READ_COUNTER);
	assert_int_equal(f.address, 0x1234);
	assert_int_equal(f.block_count, 32);
	assert_int_equal(f.write_counter, 0);
	assert_int_equal(f.result, 0);
	assert_int_equal(f.nonce[15], 0x0f);

	uint8_t back[RPMB_FRAME_SIZE];
	rpmb_frame_encode(&f, back);
	assert_memory_equal(raw, back, sizeof(raw));
}

static void fill_frames(uint8_t *frames, size_t n)
{
	for (size_t i = 0; i < n * RPMB_FRAME_SIZE; i++)
		frames[i] = (uint8_t)(i * 7 + 3);
}

/* The MAC must equal `openssl dgst -sha256 -mac HMAC` over bytes 228..511. */
static void test_mac_matches_openssl_cli(void **state)
{
	(void)state;
	uint8_t key[RPMB_KEY_SIZE];
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x11 * (i % 16));
	uint8_t frames[2 * RPMB_FRAME_SIZE];
	fill_frames(frames, 2);

	char *dir = tv_test_tmpdir();
	assert_non_null(dir);
	char path[4200], cmd[8400], keyhex[65];
	snprintf(path, sizeof(path), "%s/span.bin", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 2; i++)
		fwrite(frames + i * RPMB_FRAME_SIZE + 228, 1, 284, f);
	fclose(f);
	for (unsigned i = 0; i < sizeof(key); i++)
		snprintf(keyhex + 2 * i, 3, "%02x", key[i]);
	snprintf(cmd, sizeof(cmd), "openssl dgst -sha256 -mac HMAC -macopt hexkey:%s -r %s",
		 keyhex, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char line[256] = "";
	assert_non_null(fgets(line, sizeof(line), p));
	assert_int_equal(pclose(p), 0);
	tv_test_rmtree(dir);
	free(dir);

	uint8_t want[32], mac[32];
	line[64] = '\0';
	assert_int_equal(tv_test_hex(line, want, sizeof(want)), 32);
	assert_int_equal(rpmb_mac_compute(key, frames, 2, mac), TV_OK);
	assert_memory_equal(mac, want, 32);
}

static void test_mac_sign_verify(void **state)
{
	(void)state;
	uint8_t key[RPMB_KEY_SIZE] = {1, 2, 3};
	uint8_t frames[3 * RPMB_FRAME_SIZE];
	fill_frames(frames, 3);
	assert_int_equal(rpmb_mac_sign(key, frames, 3), TV_OK);
	assert_true(rpmb_mac_verify(key, frames, 3));

	/* The stuff bytes and the MAC field of earlier frames are not covered. */
	frames[0] ^= 1;
	frames[RPMB_OFF_KEY_MAC] ^= 1;
	assert_true(rpmb_mac_verify(key, frames, 3));

	/* Every covered byte is: flip one in each field of every frame. */
	const unsigned offs[] = {228, 483, 484, 500, 504, 506, 508, 511};
	for (unsigned fr = 0; fr < 3; fr++) {
		for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			uint8_t *b = frames + fr * RPMB_FRAME_SIZE + offs[i];
			*b ^= 0x40;
			assert_false(rpmb_mac_verify(key, frames, 3));
			*b ^= 0x40;
		}
	}
	/* Another key, a truncated sequence, a wrong MAC byte. */
	uint8_t other[RPMB_KEY_SIZE] = {1, 2, 4};
	assert_false(rpmb_mac_verify(other, frames, 3));
	assert_false(rpmb_mac_verify(key, frames, 2));
	frames[2 * RPMB_FRAME_SIZE + RPMB_OFF_KEY_MAC + 31] ^= 1;
	assert_false(rpmb_mac_verify(key, frames, 3));
}

static void test_mac_errors(void **state)
{
	(void)state;
	uint8_t key[RPMB_KEY_SIZE] = {0};
	uint8_t frame[RPMB_FRAME_SIZE] = {0};
	uint8_t mac[RPMB_MAC_SIZE];
	assert_int_equal(rpmb_mac_compute(NULL, frame, 1, mac), TV_EINVAL);
	assert_int_equal(rpmb_mac_compute(key, NULL, 1, mac), TV_EINVAL);
	assert_int_equal(rpmb_mac_compute(key, frame, 0, mac), TV_EINVAL);
	assert_int_equal(rpmb_mac_compute(key, frame, 1, NULL), TV_EINVAL);
	assert_int_equal(rpmb_mac_sign(key, frame, 0), TV_EINVAL);
	assert_false(rpmb_mac_verify(key, frame, 0));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(rpmb_result_name(RPMB_RES_NO_KEY), "authentication key not yet programmed");
	assert_string_equal(rpmb_result_name(RPMB_RES_WRITE_FAILURE | RPMB_RES_COUNTER_EXPIRED),
			    "write failure");
	assert_string_equal(rpmb_result_name(0x7F), "unknown result");
	assert_string_equal(rpmb_type_name(0x0400), "authenticated read response");
	assert_string_equal(rpmb_type_name(0x0600), "unknown type");
	assert_string_equal(tv_strerror(TV_EEXPIRED), "RPMB write counter expired (device is read-only)");
	assert_string_equal(tv_strerror(-999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_layout),
		cmocka_unit_test(test_decode_hand_vector),
		cmocka_unit_test(test_mac_matches_openssl_cli),
		cmocka_unit_test(test_mac_sign_verify),
		cmocka_unit_test(test_mac_errors),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

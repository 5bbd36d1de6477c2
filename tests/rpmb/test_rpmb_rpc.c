/* SPDX-License-Identifier: BSD-2-Clause */
/* The OPTEE_RPC_CMD_RPMB message codec and the supplicant socket framing, on
 * hand-made byte vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <teevar/tee.h>

#include "rpmb_rpc.h"
#include "supp_wire.h"
#include "tv_err.h"
#include "tv_test_util.h"

static size_t hex(const char *h, uint8_t *out, size_t max)
{
	long n = tv_test_hex(h, out, max);
	assert_true(n >= 0);
	return (size_t)n;
}

/* A request message: the 6-byte rpmb_req from hex, then n frames of `type`. */
static uint8_t *message(const char *hdr_hex, size_t nframes, uint16_t type, size_t *len)
{
	uint8_t *m = calloc(1, RPMB_RPC_REQ_HDR_SIZE + (nframes + 1) * RPMB_FRAME_SIZE);
	assert_non_null(m);
	assert_int_equal(hex(hdr_hex, m, RPMB_RPC_REQ_HDR_SIZE), RPMB_RPC_REQ_HDR_SIZE);
	for (size_t i = 0; i < nframes; i++) {
		uint8_t *f = m + RPMB_RPC_REQ_HDR_SIZE + i * RPMB_FRAME_SIZE;
		f[510] = (uint8_t)(type >> 8);
		f[511] = (uint8_t)type;
	}
	*len = RPMB_RPC_REQ_HDR_SIZE + nframes * RPMB_FRAME_SIZE;
	return m;
}

static void test_req_encode(void **state)
{
	(void)state;
	uint8_t out[6], want[6];
	rpmb_rpc_req_encode(RPMB_RPC_CMD_DATA_REQ, 0, 3, out);
	hex("0000 0000 0300", want, 6);
	assert_memory_equal(out, want, 6);
	rpmb_rpc_req_encode(RPMB_RPC_CMD_GET_DEV_INFO, 0x0102, 0, out);
	hex("0100 0201 0000", want, 6);
	assert_memory_equal(out, want, 6);
}

static void test_req_decode_data(void **state)
{
	(void)state;
	size_t len;
	struct rpmb_rpc_req r;
	/* Counter read: cmd 0, dev 0, one frame of type 0x0002; one frame back. */
	uint8_t *m = message("0000 0000 0100", 1, RPMB_REQ_READ_COUNTER, &len);
	assert_int_equal(len, 518);
	assert_int_equal(rpmb_rpc_req_decode(m, len, 512, 0, &r), TV_OK);
	assert_int_equal(r.cmd, RPMB_RPC_CMD_DATA_REQ);
	assert_int_equal(r.dev_id, 0);
	assert_int_equal(r.block_count, 1);
	assert_ptr_equal(r.frames, m + 6);
	assert_int_equal(r.nresp, 1);
	free(m);

	/* Write of 2 frames, 1 back; read of 1 frame, 4 back; device 7. */
	m = message("0000 0700 0200", 2, RPMB_REQ_WRITE, &len);
	assert_int_equal(rpmb_rpc_req_decode(m, len, 512, 7, &r), TV_OK);
	assert_int_equal(r.block_count, 2);
	assert_int_equal(r.dev_id, 7);
	free(m);
	m = message("0000 0000 0100", 1, RPMB_REQ_READ, &len);
	assert_int_equal(rpmb_rpc_req_decode(m, len, 4 * 512, 0, &r), TV_OK);
	assert_int_equal(r.nresp, 4);
	free(m);
	m = message("0000 0000 0100", 1, RPMB_REQ_PROGRAM_KEY, &len);
	assert_int_equal(rpmb_rpc_req_decode(m, len, 512, 0, &r), TV_OK);
	free(m);

	/* The largest message: 512 frames in. */
	m = message("0000 0000 0002", 512, RPMB_REQ_WRITE, &len);
	assert_int_equal(rpmb_rpc_req_decode(m, len, 512, 0, &r), TV_OK);
	assert_int_equal(r.block_count, 512);
	free(m);
}

static void expect_bad(const char *hdr_hex, size_t nframes, uint16_t type, size_t extra,
		       size_t out_len, uint16_t dev, int want)
{
	size_t len;
	uint8_t *m = message(hdr_hex, nframes + 1, type, &len);
	struct rpmb_rpc_req r;
	memset(&r, 0x5A, sizeof(r));
	len -= RPMB_FRAME_SIZE;
	assert_int_equal(rpmb_rpc_req_decode(m, len + extra, out_len, dev, &r), want);
	assert_int_equal(r.cmd, 0x5A5A); /* untouched */
	free(m);
}

static void test_req_decode_refused(void **state)
{
	(void)state;
	/* block_count disagrees with the bytes */
	expect_bad("0000 0000 0200", 1, RPMB_REQ_WRITE, 0, 512, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, RPMB_REQ_WRITE, 512, 512, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, RPMB_REQ_WRITE, 1, 512, 0, TV_EINVAL);
	expect_bad("0000 0000 0000", 0, RPMB_REQ_WRITE, 0, 512, 0, TV_EINVAL);
	/* response size: none, not whole frames, too many */
	expect_bad("0000 0000 0100", 1, RPMB_REQ_READ, 0, 0, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, RPMB_REQ_READ, 0, 513, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, RPMB_REQ_READ, 0, 513 * 512, 0, TV_EINVAL);
	/* counts that fit no RPMB sequence */
	expect_bad("0000 0000 0100", 1, RPMB_REQ_READ_COUNTER, 0, 1024, 0, TV_EINVAL);
	expect_bad("0000 0000 0200", 2, RPMB_REQ_READ_COUNTER, 0, 512, 0, TV_EINVAL);
	expect_bad("0000 0000 0200", 2, RPMB_REQ_PROGRAM_KEY, 0, 512, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, RPMB_REQ_WRITE, 0, 1024, 0, TV_EINVAL);
	expect_bad("0000 0000 0200", 2, RPMB_REQ_READ, 0, 1024, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, RPMB_REQ_RESULT_READ, 0, 512, 0, TV_EINVAL);
	expect_bad("0000 0000 0100", 1, 0x0300, 0, 512, 0, TV_EINVAL); /* a response type */
	expect_bad("0000 0000 0100", 1, 0, 0, 512, 0, TV_EINVAL);
	/* unknown command, another device */
	expect_bad("0200 0000 0100", 1, RPMB_REQ_READ, 0, 512, 0, TV_EINVAL);
	expect_bad("0000 0100 0100", 1, RPMB_REQ_READ, 0, 512, 0, TV_ENOENT);
	expect_bad("0100 0100 0000", 0, 0, 0, 19, 0, TV_ENOENT);
	/* GET_DEV_INFO: exactly 6 bytes in, 19 out, block_count 0 */
	expect_bad("0100 0000 0000", 0, 0, 0, 18, 0, TV_EINVAL);
	expect_bad("0100 0000 0000", 0, 0, 0, 20, 0, TV_EINVAL);
	expect_bad("0100 0000 0000", 0, 0, 0, 512, 0, TV_EINVAL);
	expect_bad("0100 0000 0100", 0, 0, 0, 19, 0, TV_EINVAL);
	expect_bad("0100 0000 0000", 0, 0, 1, 19, 0, TV_EINVAL);
	expect_bad("0100 0000 0100", 1, RPMB_REQ_READ, 0, 19, 0, TV_EINVAL);

	/* Shorter than the header; more than the bound; 513 frames. */
	uint8_t m[6] = {1, 0, 0, 0, 0, 0};
	struct rpmb_rpc_req r;
	for (size_t n = 0; n < 6; n++)
		assert_int_equal(rpmb_rpc_req_decode(m, n, 19, 0, &r), TV_EINVAL);
	assert_int_equal(rpmb_rpc_req_decode(m, 6, 19, 0, &r), TV_OK);
	assert_int_equal(rpmb_rpc_req_decode(NULL, 6, 19, 0, &r), TV_EINVAL);
	assert_int_equal(rpmb_rpc_req_decode(m, RPMB_RPC_MAX_IN + 1, 19, 0, &r), TV_EINVAL);
	size_t len;
	uint8_t *big = message("0000 0000 0102", 513, RPMB_REQ_WRITE, &len);
	assert_int_equal(rpmb_rpc_req_decode(big, len, 512, 0, &r), TV_EINVAL);
	free(big);
}

static void test_dev_info(void **state)
{
	(void)state;
	struct rpmb_dev_info info = {.size_mult = 0x20, .rel_wr_sec_c = 1};
	for (uint8_t i = 0; i < 16; i++)
		info.cid[i] = i;
	uint8_t out[19], want[19];
	rpmb_rpc_dev_info_encode(&info, RPMB_RPC_DEV_INFO_OK, out);
	hex("000102030405060708090a0b0c0d0e0f 20 01 00", want, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));

	struct rpmb_dev_info got;
	memset(&got, 0, sizeof(got));
	hex("150100523158454d4201f1a4c7a8e300 04 02 00", want, sizeof(want));
	assert_int_equal(rpmb_rpc_dev_info_decode(want, &got), TV_OK);
	assert_int_equal(got.cid[0], 0x15);
	assert_int_equal(got.cid[15], 0x00);
	assert_int_equal(got.size_mult, 4);
	assert_int_equal(got.rel_wr_sec_c, 2);

	memset(&got, 0x77, sizeof(got));
	want[18] = RPMB_RPC_DEV_INFO_ERROR;
	assert_int_equal(rpmb_rpc_dev_info_decode(want, &got), TV_EIO);
	want[18] = 2;
	assert_int_equal(rpmb_rpc_dev_info_decode(want, &got), TV_EINVAL);
	want[18] = 0xFF;
	assert_int_equal(rpmb_rpc_dev_info_decode(want, &got), TV_EINVAL);
	assert_int_equal(got.size_mult, 0x77); /* untouched */
}

static void test_req_hdr(void **state)
{
	(void)state;
	uint8_t out[16], want[16];
	struct supp_req_hdr h = {.magic = SUPP_MAGIC, .cmd = SUPP_CMD_RPMB, .in_len = 6,
				 .out_len = 19};
	supp_req_hdr_encode(&h, out);
	hex("54565350 01000000 06000000 13000000", want, 16);
	assert_memory_equal(out, want, 16);
	assert_memory_equal(out, "TVSP", 4);

	struct supp_req_hdr d;
	assert_int_equal(supp_req_hdr_decode(want, &d), TV_OK);
	assert_int_equal(d.in_len, 6);
	assert_int_equal(d.out_len, 19);
	hex("54565350 01000000 06000400 00000400", want, 16); /* the largest */
	assert_int_equal(supp_req_hdr_decode(want, &d), TV_OK);
	assert_int_equal(d.in_len, SUPP_MAX_IN);
	assert_int_equal(d.out_len, SUPP_MAX_OUT);

	static const char *const bad[] = {
		"54565351 01000000 06000000 13000000", /* magic */
		"50535654 01000000 06000000 13000000", /* magic, big-endian */
		"54565350 01000000 05000000 13000000", /* in_len < 6 */
		"54565350 01000000 07000400 13000000", /* in_len > max */
		"54565350 01000000 06000000 01000400", /* out_len > max */
		"54565350 01000000 ffffffff ffffffff",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hex(bad[i], want, 16);
		assert_int_equal(supp_req_hdr_decode(want, &d), TV_EINVAL);
	}
	hex("54565350 02000000 06000000 13000000", want, 16); /* unknown command */
	assert_int_equal(supp_req_hdr_decode(want, &d), TV_ERANGE);
	hex("54565350 00000000 06000000 13000000", want, 16);
	assert_int_equal(supp_req_hdr_decode(want, &d), TV_ERANGE);
}

static void test_resp_hdr(void **state)
{
	(void)state;
	uint8_t out[8], want[8];
	struct supp_resp_hdr h = {.result = TEE_SUCCESS, .out_len = 512};
	supp_resp_hdr_encode(&h, out);
	hex("00000000 00020000", want, 8);
	assert_memory_equal(out, want, 8);
	h = (struct supp_resp_hdr){.result = TEE_ERROR_BAD_PARAMETERS, .out_len = 0};
	supp_resp_hdr_encode(&h, out);
	hex("0600ffff 00000000", want, 8);
	assert_memory_equal(out, want, 8);

	struct supp_resp_hdr d;
	hex("00000000 00020000", want, 8);
	assert_int_equal(supp_resp_hdr_decode(want, 512, &d), TV_OK);
	assert_int_equal(supp_resp_hdr_decode(want, 1024, &d), TV_EINVAL); /* short */
	assert_int_equal(supp_resp_hdr_decode(want, 19, &d), TV_EINVAL);   /* long */
	hex("00000000 00000000", want, 8);
	assert_int_equal(supp_resp_hdr_decode(want, 512, &d), TV_EINVAL); /* success, no data */
	hex("0000ffff 00000000", want, 8);
	assert_int_equal(supp_resp_hdr_decode(want, 512, &d), TV_EDEVICE);
	assert_int_equal(d.result, TEE_ERROR_GENERIC);
	hex("0000ffff 00020000", want, 8); /* an error with data */
	assert_int_equal(supp_resp_hdr_decode(want, 512, &d), TV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_encode),
		cmocka_unit_test(test_req_decode_data),
		cmocka_unit_test(test_req_decode_refused),
		cmocka_unit_test(test_dev_info),
		cmocka_unit_test(test_req_hdr),
		cmocka_unit_test(test_resp_hdr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

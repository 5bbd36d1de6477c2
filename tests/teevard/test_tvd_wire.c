/* SPDX-License-Identifier: BSD-2-Clause */
/* teevard's socket protocol codec (src/common/tvd_wire.c) against hand-made
 * byte vectors (docs/teevard-protocol.md), and its strictness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tv_err.h"
#include "tv_test_util.h"
#include "tvd_wire.h"

static const uint8_t stmm_uuid[16] = TV_STMM_UUID;

/* Checks that f is exactly the hex bytes. */
static void assert_frame(const struct tvd_frame *f, const char *hex)
{
	uint8_t want[512];
	long n = tv_test_hex(hex, want, sizeof(want));
	assert_true(n > 0);
	assert_int_equal(f->len, (size_t)n);
	assert_memory_equal(f->buf, want, (size_t)n);
}

static size_t hex(const char *h, uint8_t *out, size_t max)
{
	long n = tv_test_hex(h, out, max);
	assert_true(n >= 0);
	return (size_t)n;
}

/* ---- header ---- */

static void test_header(void **state)
{
	(void)state;
	uint8_t h[TVD_HDR_SIZE];
	tvd_hdr_encode(h, TVD_OP_INVOKE, 0x44);
	uint8_t want[TVD_HDR_SIZE];
	hex("54564450 0100 0200 44000000", want, sizeof(want));
	assert_memory_equal(h, want, sizeof(h));

	struct tvd_hdr d;
	assert_int_equal(tvd_hdr_decode(h, &d), TV_OK);
	assert_int_equal(d.op, TVD_OP_INVOKE);
	assert_int_equal(d.length, 0x44);

	hex("54564450 0100 0280 00011000", h, sizeof(h)); /* 1 MiB + 256: the limit */
	assert_int_equal(tvd_hdr_decode(h, &d), TV_OK);
	assert_int_equal(d.op, TVD_RESPONSE | TVD_OP_INVOKE);
	hex("54564450 0100 0200 01011000", h, sizeof(h)); /* one byte over */
	assert_int_equal(tvd_hdr_decode(h, &d), TV_ERANGE);
	hex("ffffffff 0100 0200 00000000", h, sizeof(h));
	assert_int_equal(tvd_hdr_decode(h, &d), TV_EINVAL);
	hex("54564450 0200 0200 00000000", h, sizeof(h)); /* version 2 */
	assert_int_equal(tvd_hdr_decode(h, &d), TV_EINVAL);
	hex("50445654 0100 0200 00000000", h, sizeof(h)); /* magic big-endian */
	assert_int_equal(tvd_hdr_decode(h, &d), TV_EINVAL);
}

/* ---- OPEN_SESSION ---- */

static void test_open(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_open_req r = {.login = 0};
	memcpy(r.uuid, stmm_uuid, 16);
	assert_int_equal(tvd_enc_open_req(&r, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0100 14000000"
			 "ed32d533 99e64209 9cc02d72 cdd998a7 00000000");
	struct tvd_open_req d;
	assert_int_equal(tvd_dec_open_req(f.buf + TVD_HDR_SIZE, 20, &d), TV_OK);
	assert_memory_equal(d.uuid, stmm_uuid, 16);
	assert_int_equal(tvd_dec_open_req(f.buf + TVD_HDR_SIZE, 19, &d), TV_EINVAL);
	tvd_frame_free(&f);

	uint8_t b[64];
	size_t n = hex("ed32d533 99e64209 9cc02d72 cdd998a7 01000000 00", b, sizeof(b));
	assert_int_equal(tvd_dec_open_req(b, n, &d), TV_EINVAL); /* trailing byte */

	struct tvd_open_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TRUSTED_APP},
				  .session = 7};
	assert_int_equal(tvd_enc_open_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0180 0c000000 00000000 04000000 07000000");
	struct tvd_open_resp da;
	assert_int_equal(tvd_dec_open_resp(f.buf + TVD_HDR_SIZE, 12, &da), TV_OK);
	assert_int_equal(da.session, 7);
	assert_false(da.st.denied);
	tvd_frame_free(&f);

	/* a TEE failure carries no session */
	n = hex("0d00ffff 03000000", b, sizeof(b));
	assert_int_equal(tvd_dec_open_resp(b, n, &da), TV_OK);
	assert_int_equal(da.st.result, TEE_ERROR_BUSY);
	n = hex("0d00ffff 03000000 07000000", b, sizeof(b));
	assert_int_equal(tvd_dec_open_resp(b, n, &da), TV_EINVAL);
	n = hex("00000000 04000000", b, sizeof(b)); /* success without a session */
	assert_int_equal(tvd_dec_open_resp(b, n, &da), TV_EINVAL);
}

/* ---- refusals ---- */

static void test_denial(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_open_resp a = {.st = {.result = TEE_ERROR_ACCESS_DENIED,
					 .origin = TEE_ORIGIN_COMMS,
					 .denial = {.uid = 1000, .access = TVD_ACCESS_READ,
						    .level = TVD_LEVEL_GROUP}}};
	assert_int_equal(tvd_enc_open_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0180 14000000 0100ffff 02000000"
			 "e8030000 01000000 01000000");
	struct tvd_open_resp d;
	assert_int_equal(tvd_dec_open_resp(f.buf + TVD_HDR_SIZE, 20, &d), TV_OK);
	assert_true(d.st.denied);
	assert_int_equal(d.st.denial.uid, 1000);
	assert_int_equal(d.st.denial.access, TVD_ACCESS_READ);
	assert_int_equal(d.st.denial.level, TVD_LEVEL_GROUP);
	tvd_frame_free(&f);

	uint8_t b[64];
	size_t n = hex("0100ffff 02000000 e8030000 02000000 00000000", b, sizeof(b));
	struct tvd_invoke_resp ir;
	assert_int_equal(tvd_dec_invoke_resp(b, n, &ir), TV_OK);
	assert_true(ir.st.denied);
	assert_false(ir.has_params);
	assert_int_equal(ir.st.denial.access, TVD_ACCESS_WRITE);
	n = hex("0100ffff 02000000 e8030000 03000000 00000000", b, sizeof(b)); /* access 3 */
	assert_int_equal(tvd_dec_invoke_resp(b, n, &ir), TV_EINVAL);
	n = hex("0100ffff 02000000 e8030000 02000000 03000000", b, sizeof(b)); /* level 3 */
	assert_int_equal(tvd_dec_invoke_resp(b, n, &ir), TV_EINVAL);
	n = hex("0100ffff 02000000 e8030000 02000000", b, sizeof(b)); /* cut short */
	assert_int_equal(tvd_dec_invoke_resp(b, n, &ir), TV_EINVAL);
	/* ACCESS_DENIED from the TEE itself carries no reason, but params */
	n = hex("0100ffff 03000000 00000000 00000000 00000000 00000000", b, sizeof(b));
	assert_int_equal(tvd_dec_invoke_resp(b, n, &ir), TV_OK);
	assert_false(ir.st.denied);
	assert_true(ir.has_params);

	struct tvd_status bad = {.result = TEE_ERROR_ACCESS_DENIED, .origin = TEE_ORIGIN_COMMS,
				 .denial = {.access = 7}};
	assert_int_equal(tvd_enc_status(TVD_OP_ERROR, &bad, &f), TV_EINVAL);
}

/* ---- INVOKE ---- */

#define INVOKE_REQ_HEX                                                                \
	"54564450 0100 0200 44000000"                                                 \
	"01000000 00000000"                                                           \
	"07000000 0400000000000000 aabbccdd"                                          \
	"02000000 0100000000000000 0200000000000000 0300000000000000"                 \
	"00000000"                                                                    \
	"06000000 1000000000000000"

static void test_invoke_req(void **state)
{
	(void)state;
	static const uint8_t mm[4] = {0xaa, 0xbb, 0xcc, 0xdd};
	struct tvd_invoke_req r = {.session = 1, .cmd = 0};
	r.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_INOUT, .size = 4, .data = mm};
	r.params[1] = (struct tvd_param){.type = TV_TEE_PARAM_VALUE_OUTPUT, .a = 1, .b = 2, .c = 3};
	r.params[2] = (struct tvd_param){.type = TV_TEE_PARAM_NONE};
	r.params[3] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_OUTPUT, .size = 16};
	struct tvd_frame f;
	assert_int_equal(tvd_enc_invoke_req(&r, &f), TV_OK);
	assert_frame(&f, INVOKE_REQ_HEX);

	struct tvd_invoke_req d;
	assert_int_equal(tvd_dec_invoke_req(f.buf + TVD_HDR_SIZE, 0x44, &d), TV_OK);
	assert_int_equal(d.session, 1);
	assert_int_equal(d.params[0].size, 4);
	assert_memory_equal(d.params[0].data, mm, 4);
	assert_int_equal(d.params[1].c, 3);
	assert_int_equal(d.params[3].type, TV_TEE_PARAM_MEMREF_OUTPUT);
	assert_int_equal(d.params[3].size, 16);
	assert_null(d.params[3].data);
	/* every shorter body and a longer one fail */
	for (size_t n = 0; n < 0x44; n++)
		assert_int_equal(tvd_dec_invoke_req(f.buf + TVD_HDR_SIZE, n, &d), TV_EINVAL);
	uint8_t longer[0x45];
	memcpy(longer, f.buf + TVD_HDR_SIZE, 0x44);
	longer[0x44] = 0;
	assert_int_equal(tvd_dec_invoke_req(longer, sizeof(longer), &d), TV_EINVAL);
	tvd_frame_free(&f);
}

static void test_invoke_req_bounds(void **state)
{
	(void)state;
	uint8_t b[128];
	struct tvd_invoke_req d;
	size_t n = hex("01000000 00000000 04000000 00000000 00000000 00000000", b, sizeof(b));
	assert_int_equal(tvd_dec_invoke_req(b, n, &d), TV_EINVAL); /* type 4 */
	n = hex("01000000 00000000 06000000 0100100000000000 00000000 00000000 00000000", b,
		sizeof(b));
	assert_int_equal(tvd_dec_invoke_req(b, n, &d), TV_EINVAL); /* output of 1 MiB + 1 */
	n = hex("01000000 00000000 06000000 0000100000000000 06000000 0100000000000000"
		"00000000 00000000", b, sizeof(b));
	assert_int_equal(tvd_dec_invoke_req(b, n, &d), TV_EINVAL); /* 1 MiB + 1 together */
	n = hex("01000000 00000000 06000000 0000100000000000 00000000 00000000 00000000", b,
		sizeof(b));
	assert_int_equal(tvd_dec_invoke_req(b, n, &d), TV_OK); /* exactly 1 MiB */
	n = hex("01000000 00000000 05000000 ffffffffffffffff 00 00000000 00000000 00000000", b,
		sizeof(b));
	assert_int_equal(tvd_dec_invoke_req(b, n, &d), TV_EINVAL); /* size beyond the body */
	n = hex("01000000 00000000 05000000 0800000000000000 0102", b, sizeof(b));
	assert_int_equal(tvd_dec_invoke_req(b, n, &d), TV_EINVAL); /* bytes cut short */

	struct tvd_invoke_req r = {.session = 1};
	struct tvd_frame f;
	r.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_INPUT, .size = 4};
	assert_int_equal(tvd_enc_invoke_req(&r, &f), TV_EINVAL); /* no data */
	r.params[0] = (struct tvd_param){.type = 4};
	assert_int_equal(tvd_enc_invoke_req(&r, &f), TV_EINVAL);
	r.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_OUTPUT,
					 .size = TVD_MAX_MEMREF + 1};
	assert_int_equal(tvd_enc_invoke_req(&r, &f), TV_EINVAL);
	assert_null(f.buf);
}

static void test_invoke_resp(void **state)
{
	(void)state;
	static const uint8_t mm[4] = {1, 2, 3, 4}, out[2] = {0xee, 0xff};
	struct tvd_invoke_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TRUSTED_APP}};
	a.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_INOUT, .size = 4, .data = mm};
	a.params[1] = (struct tvd_param){.type = TV_TEE_PARAM_VALUE_OUTPUT, .a = 0xfffffffe};
	a.params[2] = (struct tvd_param){.type = TV_TEE_PARAM_VALUE_INPUT, .a = 9};
	a.params[3] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_OUTPUT, .size = 2, .data = out};
	struct tvd_frame f;
	assert_int_equal(tvd_enc_invoke_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0280 46000000 00000000 04000000"
			 "07000000 0400000000000000 01020304"
			 "02000000 feffffff00000000 0000000000000000 0000000000000000"
			 "01000000"
			 "06000000 0200000000000000 eeff");
	struct tvd_invoke_resp d;
	assert_int_equal(tvd_dec_invoke_resp(f.buf + TVD_HDR_SIZE, 0x46, &d), TV_OK);
	assert_true(d.has_params);
	assert_memory_equal(d.params[0].data, mm, 4);
	assert_int_equal(d.params[1].a, 0xfffffffe);
	assert_int_equal(d.params[2].a, 0); /* inputs do not come back */
	assert_memory_equal(d.params[3].data, out, 2);
	for (size_t n = 0; n < 0x46; n++)
		assert_int_equal(tvd_dec_invoke_resp(f.buf + TVD_HDR_SIZE, n, &d), TV_EINVAL);
	tvd_frame_free(&f);

	/* a TEE failure: sizes (here EXCESS_DATA's limit), no bytes */
	a.st = (struct tvd_status){.result = TEE_ERROR_EXCESS_DATA, .origin = TEE_ORIGIN_TEE};
	a.params[0].size = 0x10000;
	a.params[0].data = NULL;
	a.params[3].data = NULL;
	assert_int_equal(tvd_enc_invoke_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0280 40000000 1000ffff 03000000"
			 "07000000 0000010000000000"
			 "02000000 feffffff00000000 0000000000000000 0000000000000000"
			 "01000000"
			 "06000000 0200000000000000");
	assert_int_equal(tvd_dec_invoke_resp(f.buf + TVD_HDR_SIZE, 0x40, &d), TV_OK);
	assert_int_equal(d.params[0].size, 0x10000);
	assert_null(d.params[0].data);
	tvd_frame_free(&f);

	/* teevard's own answer: status only */
	a.st = (struct tvd_status){.result = TEE_ERROR_BAD_PARAMETERS, .origin = TEE_ORIGIN_COMMS};
	a.params[0].type = 99; /* not looked at */
	assert_int_equal(tvd_enc_invoke_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0280 08000000 0600ffff 02000000");
	assert_int_equal(tvd_dec_invoke_resp(f.buf + TVD_HDR_SIZE, 8, &d), TV_OK);
	assert_false(d.has_params);
	tvd_frame_free(&f);

	uint8_t b[128];
	size_t n = hex("00000000 04000000 08000000 00000000 00000000 00000000", b, sizeof(b));
	assert_int_equal(tvd_dec_invoke_resp(b, n, &d), TV_EINVAL); /* type 8 */
	n = hex("00000000 04000000 06000000 0500000000000000 0102030405 00000000 00000000"
		"00000000 ff", b, sizeof(b));
	assert_int_equal(tvd_dec_invoke_resp(b, n, &d), TV_EINVAL); /* trailing byte */
}

/* ---- CLOSE_SESSION, STORE_INFO, ERROR ---- */

static void test_close_info_error(void **state)
{
	(void)state;
	struct tvd_frame f;
	assert_int_equal(tvd_enc_close_req(0x01020304, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0300 04000000 04030201");
	uint32_t s;
	assert_int_equal(tvd_dec_close_req(f.buf + TVD_HDR_SIZE, 4, &s), TV_OK);
	assert_int_equal(s, 0x01020304);
	assert_int_equal(tvd_dec_close_req(f.buf + TVD_HDR_SIZE, 3, &s), TV_EINVAL);
	tvd_frame_free(&f);

	struct tvd_info_req q = {.layout = TVD_INFO_BASIC};
	assert_int_equal(tvd_enc_info_req(&q, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0400 00000000");
	assert_int_equal(tvd_dec_info_req(NULL, 0, &q), TV_OK);
	assert_int_equal(q.layout, TVD_INFO_BASIC);
	assert_int_equal(tvd_dec_info_req(f.buf, 1, &q), TV_EINVAL);
	tvd_frame_free(&f);

	struct tvd_status st = {.result = TVD_TEE_ERROR_BAD_FORMAT, .origin = TEE_ORIGIN_COMMS};
	assert_int_equal(tvd_enc_status(TVD_OP_ERROR, &st, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0080 08000000 0500ffff 02000000");
	tvd_frame_free(&f);

	struct tvd_info_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE}};
	a.info = (struct tv_store_info){.capacity = 0x1000, .used = 0x10, .remaining = 0xff0,
		.var_count = 1, .seg_count = 64, .seg_bytes = 65536, .free_segs = 63,
		.write_counter = 5, .counter_expired = true, .rpmb_blocks = 16384,
		.blocks_per_write = 2, .phase = 2};
	a.layout = TVD_INFO_BASIC;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0480 44000000 00000000 03000000"
			 "0010000000000000 1000000000000000 f00f000000000000"
			 "01000000 40000000 00000100 3f000000 05000000 01000000"
			 "00400000 02000000 02000000");
	struct tvd_info_resp d;
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x44, &d), TV_OK);
	assert_int_equal(d.layout, TVD_INFO_BASIC);
	assert_memory_equal(&d.info, &a.info, sizeof(a.info));
	f.buf[TVD_HDR_SIZE + 8 + 24 + 20] = 3; /* flags: an unknown bit */
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x44, &d), TV_EINVAL);
	f.buf[TVD_HDR_SIZE + 8 + 24 + 20] = 1;
	f.buf[TVD_HDR_SIZE + 0x44 - 4] = 3; /* phase 3 */
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x44, &d), TV_EINVAL);
	tvd_frame_free(&f);

	uint8_t b[16];
	size_t n = hex("0100ffff 02000000", b, sizeof(b)); /* a denial without its reason */
	assert_int_equal(tvd_dec_info_resp(b, n, &d), TV_EINVAL);
}

/* ---- STORE_INFO, layout HEALTH ---- */

#define INFO_HEALTH_HEX \
	"54564450 0100 0480 60000000 00000000 03000000" \
	"0010000000000000 1000000000000000 f00f000000000000" \
	"01000000 40000000 00000100 3f000000 05000000 03000000" \
	"00400000 02000000 02000000" \
	"01000000 02000000 2c010000 0040000000000000 8000000000000000"

static void test_info_health(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_info_req q = {.layout = TVD_INFO_HEALTH};
	assert_int_equal(tvd_enc_info_req(&q, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0400 04000000 02000000");
	q.layout = 0;
	assert_int_equal(tvd_dec_info_req(f.buf + TVD_HDR_SIZE, 4, &q), TV_OK);
	assert_int_equal(q.layout, TVD_INFO_HEALTH);
	tvd_frame_free(&f);
	uint8_t b[128];
	size_t n = hex("01000000", b, sizeof(b)); /* BASIC is never spelled out */
	assert_int_equal(tvd_dec_info_req(b, n, &q), TV_EINVAL);
	n = hex("05000000", b, sizeof(b));
	assert_int_equal(tvd_dec_info_req(b, n, &q), TV_EINVAL);
	n = hex("00000000", b, sizeof(b));
	assert_int_equal(tvd_dec_info_req(b, n, &q), TV_EINVAL);
	n = hex("02000000 00", b, sizeof(b));
	assert_int_equal(tvd_dec_info_req(b, n, &q), TV_EINVAL);
	q.layout = 5;
	assert_int_equal(tvd_enc_info_req(&q, &f), TV_EINVAL);

	struct tvd_info_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE},
				  .layout = TVD_INFO_HEALTH};
	a.info = (struct tv_store_info){.capacity = 0x1000, .used = 0x10, .remaining = 0xff0,
		.var_count = 1, .seg_count = 64, .seg_bytes = 65536, .free_segs = 63,
		.write_counter = 5, .counter_expired = true, .rpmb_blocks = 16384,
		.blocks_per_write = 2, .phase = 2, .format_version = 1, .read_only = true,
		.damaged = true, .damage_count = 2, .first_damage_block = 300,
		.mount_blocks_read = 0x4000, .mount_read_ops = 0x80};
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, INFO_HEALTH_HEX);
	struct tvd_info_resp d;
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x60, &d), TV_OK);
	assert_int_equal(d.layout, TVD_INFO_HEALTH);
	assert_memory_equal(&d.info, &a.info, sizeof(a.info));
	tvd_frame_free(&f);

	n = hex(INFO_HEALTH_HEX, b, sizeof(b)) - TVD_HDR_SIZE;
	uint8_t *body = b + TVD_HDR_SIZE;
	assert_int_equal(tvd_dec_info_resp(body, n - 1, &d), TV_EINVAL); /* short */
	body[52] = 1; /* damaged but not read-only */
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);
	body[52] = 0xb; /* an unknown flag bit */
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);
	body[52] = 2;
	body[72] = 0; /* no damage, yet a first damaged block */
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);
	body[76] = 0;
	body[77] = 0;
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_OK);
	assert_false(d.info.damaged);
	assert_true(d.info.read_only);

	/* the encoder says the same thing however the struct is filled */
	a.info.damage_count = 0; /* damaged: counts one at least */
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x60, &d), TV_OK);
	assert_int_equal(d.info.damage_count, 1);
	tvd_frame_free(&f);
	a.info.damaged = false; /* not damaged: no block */
	a.info.read_only = false;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x60, &d), TV_OK);
	assert_int_equal(d.info.first_damage_block, 0);
	assert_false(d.info.read_only);
	tvd_frame_free(&f);
	a.layout = 0; /* a success needs a layout */
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_EINVAL);
}

/* ---- STORE_INFO, layout ROUTE ---- */

#define INFO_ROUTE_HEX \
	"54564450 0100 0480 64000000 00000000 03000000" \
	"0010000000000000 1000000000000000 f00f000000000000" \
	"01000000 40000000 00000100 3f000000 05000000 03000000" \
	"00400000 02000000 02000000" \
	"01000000 02000000 2c010000 0040000000000000 8000000000000000" \
	"03000000"

/* Layout 4: ROUTE, then the connections teevard serves (3). */
#define INFO_CLIENTS_HEX \
	"54564450 0100 0480 68000000 00000000 03000000" \
	"0010000000000000 1000000000000000 f00f000000000000" \
	"01000000 40000000 00000100 3f000000 05000000 03000000" \
	"00400000 02000000 02000000" \
	"01000000 02000000 2c010000 0040000000000000 8000000000000000" \
	"03000000 03000000"

static void test_info_clients(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_info_req q = {.layout = TVD_INFO_CLIENTS};
	assert_int_equal(tvd_enc_info_req(&q, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0400 04000000 04000000");
	q.layout = 0;
	assert_int_equal(tvd_dec_info_req(f.buf + TVD_HDR_SIZE, 4, &q), TV_OK);
	assert_int_equal(q.layout, TVD_INFO_CLIENTS);
	tvd_frame_free(&f);

	struct tvd_info_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE},
				  .layout = TVD_INFO_CLIENTS};
	a.info = (struct tv_store_info){.capacity = 0x1000, .used = 0x10, .remaining = 0xff0,
		.var_count = 1, .seg_count = 64, .seg_bytes = 65536, .free_segs = 63,
		.write_counter = 5, .counter_expired = true, .rpmb_blocks = 16384,
		.blocks_per_write = 2, .phase = 2, .format_version = 1, .read_only = true,
		.damaged = true, .damage_count = 2, .first_damage_block = 300,
		.mount_blocks_read = 0x4000, .mount_read_ops = 0x80,
		.route = TV_STORE_ROUTE_RPC, .clients = 3};
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, INFO_CLIENTS_HEX);
	struct tvd_info_resp d;
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x68, &d), TV_OK);
	assert_int_equal(d.layout, TVD_INFO_CLIENTS);
	assert_memory_equal(&d.info, &a.info, sizeof(a.info));
	tvd_frame_free(&f);

	/* the same info in layout ROUTE carries no count, and decodes without one */
	a.layout = TVD_INFO_ROUTE;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, INFO_ROUTE_HEX);
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x64, &d), TV_OK);
	assert_int_equal(d.info.clients, 0);
	tvd_frame_free(&f);

	/* the asker is one of them: a count of 0 is an error both ways */
	a.layout = TVD_INFO_CLIENTS;
	a.info.clients = 0;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_EINVAL);
	uint8_t b[128];
	size_t n = hex(INFO_CLIENTS_HEX, b, sizeof(b)) - TVD_HDR_SIZE;
	uint8_t *body = b + TVD_HDR_SIZE;
	body[n - 4] = 0;
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);
	body[n - 4] = 1;
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_OK);
	assert_int_equal(d.info.clients, 1);
	body[n - 8] = 9; /* the route's checks hold in this layout too */
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);
	assert_int_equal(tvd_dec_info_resp(body, n + 1, &d), TV_EINVAL); /* long */
}

static void test_info_route(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_info_req q = {.layout = TVD_INFO_ROUTE};
	assert_int_equal(tvd_enc_info_req(&q, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0400 04000000 03000000");
	q.layout = 0;
	assert_int_equal(tvd_dec_info_req(f.buf + TVD_HDR_SIZE, 4, &q), TV_OK);
	assert_int_equal(q.layout, TVD_INFO_ROUTE);
	tvd_frame_free(&f);

	struct tvd_info_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE},
				  .layout = TVD_INFO_ROUTE};
	a.info = (struct tv_store_info){.capacity = 0x1000, .used = 0x10, .remaining = 0xff0,
		.var_count = 1, .seg_count = 64, .seg_bytes = 65536, .free_segs = 63,
		.write_counter = 5, .counter_expired = true, .rpmb_blocks = 16384,
		.blocks_per_write = 2, .phase = 2, .format_version = 1, .read_only = true,
		.damaged = true, .damage_count = 2, .first_damage_block = 300,
		.mount_blocks_read = 0x4000, .mount_read_ops = 0x80,
		.route = TV_STORE_ROUTE_RPC};
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, INFO_ROUTE_HEX);
	struct tvd_info_resp d;
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x64, &d), TV_OK);
	assert_int_equal(d.layout, TVD_INFO_ROUTE);
	assert_memory_equal(&d.info, &a.info, sizeof(a.info));
	tvd_frame_free(&f);

	/* the same info in layout HEALTH carries no route, and decodes without one */
	a.layout = TVD_INFO_HEALTH;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, INFO_HEALTH_HEX);
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 0x60, &d), TV_OK);
	assert_int_equal(d.info.route, TV_STORE_ROUTE_UNKNOWN);
	tvd_frame_free(&f);

	/* the routes there are: 1 inproc, 2 supplicant, 3 rpc */
	uint8_t b[128];
	size_t n = hex(INFO_ROUTE_HEX, b, sizeof(b)) - TVD_HDR_SIZE;
	uint8_t *body = b + TVD_HDR_SIZE;
	for (uint8_t r = 0; r < 6; r++) {
		body[n - 4] = r;
		int want = r >= 1 && r <= 3 ? TV_OK : TV_EINVAL;
		assert_int_equal(tvd_dec_info_resp(body, n, &d), want);
		if (want == TV_OK)
			assert_int_equal(d.info.route, r);
	}
	body[n - 4] = 1;
	body[n - 1] = 1; /* 0x01000001 */
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);
	body[n - 1] = 0;
	assert_int_equal(tvd_dec_info_resp(body, n - 1, &d), TV_EINVAL); /* short */
	body[52] = 0xb; /* the health's checks hold in this layout too */
	assert_int_equal(tvd_dec_info_resp(body, n, &d), TV_EINVAL);

	a.layout = TVD_INFO_ROUTE; /* a route must be told */
	a.info.route = TV_STORE_ROUTE_UNKNOWN;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_EINVAL);
	a.info.route = 4;
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_EINVAL);
	/* a failure carries no info, so no route either */
	a.st = (struct tvd_status){.result = TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE,
				   .origin = TEE_ORIGIN_TEE};
	assert_int_equal(tvd_enc_info_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0480 08000000 030010f0 03000000");
	assert_int_equal(tvd_dec_info_resp(f.buf + TVD_HDR_SIZE, 8, &d), TV_OK);
	assert_int_equal(d.st.result, TVD_TEE_ERROR_STORAGE_NOT_AVAILABLE);
	tvd_frame_free(&f);
}

/* ---- RPC_ENABLE and RPC ---- */

static void test_rpc_enable(void **state)
{
	(void)state;
	struct tvd_frame f;
	assert_int_equal(tvd_enc_empty_req(TVD_OP_RPC_ENABLE, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0700 00000000");
	tvd_frame_free(&f);
	struct tvd_status st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE};
	assert_int_equal(tvd_enc_status(TVD_OP_RPC_ENABLE, &st, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0780 08000000 00000000 03000000");
	tvd_frame_free(&f);
}

/* The probe (RPMB_PROBE_RESET, 22), GET_DEV_INFO through func 1, a counter read. */
static void test_rpc_req(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_rpc_req r = {.func = 22};
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0800 10000000 16000000 00000000 00000000 00000000");
	struct tvd_rpc_req d;
	assert_int_equal(tvd_dec_rpc_req(f.buf + TVD_HDR_SIZE, 16, &d), TV_OK);
	assert_int_equal(d.func, 22);
	assert_int_equal(d.in_len, 0);
	assert_int_equal(d.out_len, 0);
	tvd_frame_free(&f);

	static const uint8_t dev_info_req[6] = {1, 0, 0, 0, 0, 0};
	r = (struct tvd_rpc_req){.func = 1, .in_len = 6, .out_len = 19, .in = dev_info_req};
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0800 16000000 01000000 06000000 13000000 00000000"
			 "0100 0000 0000");
	assert_int_equal(tvd_dec_rpc_req(f.buf + TVD_HDR_SIZE, 0x16, &d), TV_OK);
	assert_int_equal(d.func, 1);
	assert_int_equal(d.in_len, 6);
	assert_int_equal(d.out_len, 19);
	assert_ptr_equal(d.in, f.buf + TVD_HDR_SIZE + 16); /* inside the body */
	assert_memory_equal(d.in, dev_info_req, 6);
	tvd_frame_free(&f);

	/* a counter read: rpmb_req {0, 0, 1} and one frame of type 0x0002 */
	uint8_t in[6 + 512] = {0, 0, 0, 0, 1, 0};
	in[6 + 510] = 0x00;
	in[6 + 511] = 0x02;
	r = (struct tvd_rpc_req){.func = 1, .in_len = sizeof(in), .out_len = 512, .in = in};
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_OK);
	uint8_t want[34];
	assert_int_equal(hex("54564450 0100 0800 16020000 01000000 06020000 00020000 00000000"
			     "0000 0000 0100", want, sizeof(want)), sizeof(want));
	assert_int_equal(f.len, TVD_HDR_SIZE + 16 + sizeof(in));
	assert_memory_equal(f.buf, want, sizeof(want));
	assert_memory_equal(f.buf + TVD_HDR_SIZE + 16, in, sizeof(in));
	tvd_frame_free(&f);
}

/* A body of in_len bytes after a 16-byte RPC header (malloc'ed, exact size). */
static uint8_t *rpc_body(uint32_t func, uint32_t in_len, uint32_t out_len, uint32_t reserved,
			 size_t bytes, size_t *len)
{
	*len = 16 + bytes;
	uint8_t *b = calloc(1, *len);
	assert_non_null(b);
	uint32_t v[4] = {func, in_len, out_len, reserved};
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 4; k++)
			b[4 * i + k] = (uint8_t)(v[i] >> (8 * k));
	return b;
}

static void test_rpc_req_bounds(void **state)
{
	(void)state;
	struct tvd_rpc_req d;
	size_t len;
	uint8_t *b = rpc_body(1, TVD_RPC_MAX_IN, TVD_RPC_MAX_OUT, 0, TVD_RPC_MAX_IN, &len);
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_OK); /* the largest: 512 frames */
	assert_int_equal(d.in_len, 262150);
	assert_int_equal(d.out_len, 262144);
	struct tvd_frame f;
	struct tvd_rpc_req r = {.func = 1, .in_len = TVD_RPC_MAX_IN, .out_len = TVD_RPC_MAX_OUT,
				.in = b + 16};
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_OK);
	assert_int_equal(f.len, TVD_HDR_SIZE + len);
	assert_memory_equal(f.buf + TVD_HDR_SIZE, b, len);
	tvd_frame_free(&f);
	r.in_len = TVD_RPC_MAX_IN + 1; /* one byte over */
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_EINVAL);
	assert_null(f.buf);
	r.in_len = TVD_RPC_MAX_IN;
	r.out_len = TVD_RPC_MAX_OUT + 1; /* out is whole frames: 6 more is too much */
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_EINVAL);
	r = (struct tvd_rpc_req){.func = 1, .in_len = 6}; /* bytes announced, none given */
	assert_int_equal(tvd_enc_rpc_req(&r, &f), TV_EINVAL);
	free(b);

	b = rpc_body(1, TVD_RPC_MAX_IN + 1, 0, 0, TVD_RPC_MAX_IN + 1, &len);
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_EINVAL);
	free(b);
	b = rpc_body(1, 6, TVD_RPC_MAX_OUT + 1, 0, 6, &len);
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_EINVAL);
	free(b);
	b = rpc_body(1, 6, 19, 1, 6, &len); /* reserved set */
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_EINVAL);
	free(b);
	b = rpc_body(1, 6, 19, 0, 5, &len); /* in_len 6, 5 bytes */
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_EINVAL);
	free(b);
	b = rpc_body(1, 6, 19, 0, 7, &len); /* a trailing byte */
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_EINVAL);
	/* nothing of a rejected body is left behind */
	assert_int_equal(d.func, 0);
	assert_int_equal(d.in_len, 0);
	assert_null(d.in);
	assert_int_equal(tvd_dec_rpc_req(b, 15, &d), TV_EINVAL); /* a short header */
	assert_int_equal(tvd_dec_rpc_req(NULL, 0, &d), TV_EINVAL);
	assert_int_equal(tvd_dec_rpc_req(NULL, 16, &d), TV_EINVAL);
	free(b);
	b = rpc_body(0xffffffff, 0, 0, 0, 0, &len); /* any func: the receiver decides */
	assert_int_equal(tvd_dec_rpc_req(b, len, &d), TV_OK);
	assert_int_equal(d.func, 0xffffffff);
	free(b);
}

static void test_rpc_resp(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_rpc_resp a = {.ret = TEE_ERROR_NOT_SUPPORTED};
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_OK); /* Debian's answer to func 22 */
	assert_frame(&f, "54564450 0100 0880 08000000 0a00ffff 00000000");
	struct tvd_rpc_resp d;
	assert_int_equal(tvd_dec_rpc_resp(f.buf + TVD_HDR_SIZE, 8, &d), TV_OK);
	assert_int_equal(d.ret, TEE_ERROR_NOT_SUPPORTED);
	assert_int_equal(d.out_len, 0);
	tvd_frame_free(&f);

	/* GET_DEV_INFO of Debian's emulation: its CID, 256 KiB, rel_wr 1, ret_code 0 */
	uint8_t info[19];
	hex("fe014e4d 4d433034 4742c8f6 552a6115 02 01 00", info, sizeof(info));
	a = (struct tvd_rpc_resp){.ret = TEE_SUCCESS, .out_len = 19, .out = info};
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0880 1b000000 00000000 13000000"
			 "fe014e4d 4d433034 4742c8f6 552a6115 020100");
	assert_int_equal(tvd_dec_rpc_resp(f.buf + TVD_HDR_SIZE, 0x1b, &d), TV_OK);
	assert_int_equal(d.out_len, 19);
	assert_memory_equal(d.out, info, 19);
	tvd_frame_free(&f);

	/* success with nothing (the probe's answer from a kernel that routes RPMB) */
	a = (struct tvd_rpc_resp){.ret = TEE_SUCCESS};
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0880 08000000 00000000 00000000");
	tvd_frame_free(&f);

	/* an error carries no bytes: refused both ways */
	a = (struct tvd_rpc_resp){.ret = TEE_ERROR_COMMUNICATION, .out_len = 1, .out = info};
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_EINVAL);
	assert_null(f.buf);
	uint8_t b[64];
	size_t n = hex("0e00ffff 01000000 aa", b, sizeof(b));
	assert_int_equal(tvd_dec_rpc_resp(b, n, &d), TV_EINVAL);
	assert_int_equal(d.ret, 0); /* nothing left behind */
	assert_null(d.out);
	n = hex("00000000 13000000 aabb", b, sizeof(b)); /* 19 announced, 2 there */
	assert_int_equal(tvd_dec_rpc_resp(b, n, &d), TV_EINVAL);
	n = hex("00000000 01000000 aabb", b, sizeof(b)); /* a trailing byte */
	assert_int_equal(tvd_dec_rpc_resp(b, n, &d), TV_EINVAL);
	n = hex("00000000 000000", b, sizeof(b)); /* a short header */
	assert_int_equal(tvd_dec_rpc_resp(b, n, &d), TV_EINVAL);
	assert_int_equal(tvd_dec_rpc_resp(NULL, 0, &d), TV_EINVAL);
	a = (struct tvd_rpc_resp){.ret = TEE_SUCCESS, .out_len = 4}; /* bytes announced, none given */
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_EINVAL);

	/* the largest answer: 512 frames; one byte more is refused */
	size_t len = 8 + TVD_RPC_MAX_OUT + 1;
	uint8_t *big = calloc(1, len);
	assert_non_null(big);
	big[4] = 0x00;
	big[5] = 0x00;
	big[6] = 0x04; /* 0x40000 = 262144 */
	assert_int_equal(tvd_dec_rpc_resp(big, len - 1, &d), TV_OK);
	assert_int_equal(d.out_len, TVD_RPC_MAX_OUT);
	a = (struct tvd_rpc_resp){.ret = TEE_SUCCESS, .out_len = TVD_RPC_MAX_OUT, .out = big};
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_OK);
	tvd_frame_free(&f);
	a.out_len = TVD_RPC_MAX_OUT + 1;
	assert_int_equal(tvd_enc_rpc_resp(&a, &f), TV_EINVAL);
	big[4] = 0x01; /* 0x40001 */
	assert_int_equal(tvd_dec_rpc_resp(big, len, &d), TV_EINVAL);
	free(big);
}

/* ---- STORE_CHECK and STORE_RECOVER ---- */

static void test_store_check(void **state)
{
	(void)state;
	struct tvd_frame f;
	assert_int_equal(tvd_enc_empty_req(TVD_OP_STORE_CHECK, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0500 00000000");
	tvd_frame_free(&f);
	assert_int_equal(tvd_enc_empty_req(TVD_OP_STORE_RECOVER, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0600 00000000");
	assert_int_equal(tvd_dec_empty_req(NULL, 0), TV_OK);
	assert_int_equal(tvd_dec_empty_req(f.buf, 1), TV_EINVAL);
	tvd_frame_free(&f);

	/* damaged, not what is served, with its detail */
	struct tvd_check_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE}};
	a.report = (struct tv_store_check_report){.format_version = 1, .blocks_read = 0x4000,
		.records = 7, .live_vars = 5, .damaged = true, .damage_count = 1,
		.first_damage_block = 300, .matches_ram = false, .detail = "bad at 300"};
	assert_int_equal(tvd_enc_check_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0580 36000000 00000000 03000000"
			 "01000000 00000000 07000000 05000000 01000000 2c010000"
			 "0040000000000000 0a000000 62616420617420333030");
	struct tvd_check_resp d;
	assert_int_equal(tvd_dec_check_resp(f.buf + TVD_HDR_SIZE, 0x36, &d), TV_OK);
	assert_memory_equal(&d.report, &a.report, sizeof(a.report));
	tvd_frame_free(&f);

	/* clean and matching: no detail */
	a.report = (struct tv_store_check_report){.format_version = 1, .blocks_read = 2,
		.records = 3, .live_vars = 3, .matches_ram = true, .first_damage_block = 9};
	assert_int_equal(tvd_enc_check_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0580 2c000000 00000000 03000000"
			 "01000000 01000000 03000000 03000000 00000000 00000000"
			 "0200000000000000 00000000");
	assert_int_equal(tvd_dec_check_resp(f.buf + TVD_HDR_SIZE, 0x2c, &d), TV_OK);
	assert_true(d.report.matches_ram);
	assert_false(d.report.damaged);
	assert_int_equal(d.report.first_damage_block, 0);
	assert_string_equal(d.report.detail, "");
	tvd_frame_free(&f);

	/* the check could not run: the store's result and why */
	a = (struct tvd_check_resp){.st = {.result = TVD_TEE_ERROR_CORRUPT_OBJECT,
					   .origin = TEE_ORIGIN_TEE}};
	strcpy(a.report.detail, "x");
	assert_int_equal(tvd_enc_check_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0580 0d000000 010010f0 03000000 01000000 78");
	assert_int_equal(tvd_dec_check_resp(f.buf + TVD_HDR_SIZE, 0x0d, &d), TV_OK);
	assert_int_equal(d.st.result, TVD_TEE_ERROR_CORRUPT_OBJECT);
	assert_string_equal(d.report.detail, "x");
	tvd_frame_free(&f);

	/* refused: the reason only */
	a = (struct tvd_check_resp){.st = {.result = TEE_ERROR_ACCESS_DENIED,
		.origin = TEE_ORIGIN_COMMS, .denied = true,
		.denial = {.uid = 1000, .access = TVD_ACCESS_READ, .level = TVD_LEVEL_OWNER}}};
	assert_int_equal(tvd_enc_check_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0580 14000000 0100ffff 02000000 e8030000 01000000 00000000");
	assert_int_equal(tvd_dec_check_resp(f.buf + TVD_HDR_SIZE, 0x14, &d), TV_OK);
	assert_true(d.st.denied);
	tvd_frame_free(&f);

	/* a detail that is not printable text is not sent, nor taken */
	a = (struct tvd_check_resp){.st = {.result = TVD_TEE_ERROR_CORRUPT_OBJECT,
					   .origin = TEE_ORIGIN_TEE}};
	strcpy(a.report.detail, "line\nbreak");
	assert_int_equal(tvd_enc_check_resp(&a, &f), TV_EINVAL);
	memset(a.report.detail, 'a', sizeof(a.report.detail)); /* no NUL */
	assert_int_equal(tvd_enc_check_resp(&a, &f), TV_EINVAL);
	uint8_t b[320];
	size_t n = hex("010010f0 03000000 01000000 1b", b, sizeof(b)); /* ESC */
	assert_int_equal(tvd_dec_check_resp(b, n, &d), TV_EINVAL);
	n = hex("010010f0 03000000 01000000 7f", b, sizeof(b)); /* DEL */
	assert_int_equal(tvd_dec_check_resp(b, n, &d), TV_EINVAL);
	n = hex("010010f0 03000000 00010000", b, sizeof(b)); /* 256 bytes: one too many */
	memset(b + n, 'a', 256);
	assert_int_equal(tvd_dec_check_resp(b, n + 256, &d), TV_EINVAL);
	n = hex("010010f0 03000000 ff000000", b, sizeof(b)); /* 255: the most */
	memset(b + n, 'a', 255);
	assert_int_equal(tvd_dec_check_resp(b, n + 255, &d), TV_OK);
	assert_int_equal(strlen(d.report.detail), 255);
	n = hex("010010f0 03000000 02000000 78", b, sizeof(b)); /* short */
	assert_int_equal(tvd_dec_check_resp(b, n, &d), TV_EINVAL);
	n = hex("00000000 03000000 01000000 02000000 03000000 03000000 00000000 00000000"
		"0200000000000000 00000000", b, sizeof(b)); /* an unknown flag */
	assert_int_equal(tvd_dec_check_resp(b, n, &d), TV_EINVAL);
	n = hex("00000000 03000000 01000000 01000000 03000000 03000000 00000000 05000000"
		"0200000000000000 00000000", b, sizeof(b)); /* a block without damage */
	assert_int_equal(tvd_dec_check_resp(b, n, &d), TV_EINVAL);
	n = hex("00000000 03000000 01000000 01000000 03000000 03000000 00000000 00000000"
		"0200000000000000", b, sizeof(b)); /* no detail length */
	assert_int_equal(tvd_dec_check_resp(b, n, &d), TV_EINVAL);
}

static void test_store_recover(void **state)
{
	(void)state;
	struct tvd_frame f;
	struct tvd_recover_resp a = {.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE},
		.rec = {.kept_vars = 4, .damage_count = 1, .first_damage_block = 300}};
	assert_int_equal(tvd_enc_recover_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0680 14000000 00000000 03000000"
			 "04000000 01000000 2c010000");
	struct tvd_recover_resp d;
	assert_int_equal(tvd_dec_recover_resp(f.buf + TVD_HDR_SIZE, 0x14, &d), TV_OK);
	assert_memory_equal(&d.rec, &a.rec, sizeof(a.rec));
	assert_int_equal(tvd_dec_recover_resp(f.buf + TVD_HDR_SIZE, 0x13, &d), TV_EINVAL);
	tvd_frame_free(&f);

	/* not damaged: nothing to recover */
	a = (struct tvd_recover_resp){.st = {.result = TEE_ERROR_ITEM_NOT_FOUND,
					     .origin = TEE_ORIGIN_TEE}};
	assert_int_equal(tvd_enc_recover_resp(&a, &f), TV_OK);
	assert_frame(&f, "54564450 0100 0680 08000000 0800ffff 03000000");
	assert_int_equal(tvd_dec_recover_resp(f.buf + TVD_HDR_SIZE, 8, &d), TV_OK);
	assert_int_equal(d.st.result, TEE_ERROR_ITEM_NOT_FOUND);
	tvd_frame_free(&f);

	/* a recovery that gave nothing up did not happen */
	a = (struct tvd_recover_resp){.st = {.result = TEE_SUCCESS, .origin = TEE_ORIGIN_TEE},
		.rec = {.kept_vars = 4}};
	assert_int_equal(tvd_enc_recover_resp(&a, &f), TV_EINVAL);
	uint8_t b[32];
	size_t n = hex("00000000 03000000 04000000 00000000 00000000", b, sizeof(b));
	assert_int_equal(tvd_dec_recover_resp(b, n, &d), TV_EINVAL);
	n = hex("0100ffff 02000000 e8030000 02000000 03000000", b, sizeof(b)); /* level 3 */
	assert_int_equal(tvd_dec_recover_resp(b, n, &d), TV_EINVAL);
}

/* Random and mutated bodies never crash a decoder (ASan/valgrind watch). */
static void test_random_bodies(void **state)
{
	(void)state;
	uint64_t seed = 42;
	uint8_t valid[0x44 + TVD_HDR_SIZE], b[256];
	long vn = tv_test_hex(INVOKE_REQ_HEX, valid, sizeof(valid));
	assert_int_equal(vn, (long)sizeof(valid));
	for (int i = 0; i < 20000; i++) {
		size_t n = tv_test_rand(&seed) % sizeof(b);
		if (i & 1) {
			for (size_t k = 0; k < n; k++)
				b[k] = (uint8_t)tv_test_rand(&seed);
		} else {
			n = 0x44;
			memcpy(b, valid + TVD_HDR_SIZE, n);
			b[tv_test_rand(&seed) % n] = (uint8_t)tv_test_rand(&seed);
		}
		uint8_t *body = malloc(n ? n : 1); /* exact size: ASan sees any overread */
		memcpy(body, b, n);
		struct tvd_invoke_req ir;
		struct tvd_invoke_resp ia;
		struct tvd_open_req oq;
		struct tvd_open_resp oa;
		struct tvd_info_resp fa;
		struct tvd_info_req fq;
		struct tvd_check_resp ca;
		struct tvd_recover_resp ra;
		struct tvd_status st;
		struct tvd_rpc_req pq;
		struct tvd_rpc_resp pa;
		uint32_t s;
		if (tvd_dec_invoke_req(body, n, &ir) == TV_OK)
			for (int p = 0; p < TV_TEE_NUM_PARAMS; p++)
				assert_true(ir.params[p].size <= TVD_MAX_MEMREF);
		(void)tvd_dec_invoke_resp(body, n, &ia);
		(void)tvd_dec_open_req(body, n, &oq);
		(void)tvd_dec_open_resp(body, n, &oa);
		(void)tvd_dec_info_resp(body, n, &fa);
		(void)tvd_dec_info_req(body, n, &fq);
		(void)tvd_dec_check_resp(body, n, &ca);
		(void)tvd_dec_recover_resp(body, n, &ra);
		(void)tvd_dec_status(body, n, &st);
		(void)tvd_dec_close_req(body, n, &s);
		if (tvd_dec_rpc_req(body, n, &pq) == TV_OK)
			assert_true(pq.in_len == n - 16 && pq.out_len <= TVD_RPC_MAX_OUT);
		if (tvd_dec_rpc_resp(body, n, &pa) == TV_OK)
			assert_true(pa.out_len == n - 8 && (pa.ret == 0 || pa.out_len == 0));
		free(body);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_denial),
		cmocka_unit_test(test_invoke_req),
		cmocka_unit_test(test_invoke_req_bounds),
		cmocka_unit_test(test_invoke_resp),
		cmocka_unit_test(test_close_info_error),
		cmocka_unit_test(test_info_health),
		cmocka_unit_test(test_info_route),
		cmocka_unit_test(test_info_clients),
		cmocka_unit_test(test_rpc_enable),
		cmocka_unit_test(test_rpc_req),
		cmocka_unit_test(test_rpc_req_bounds),
		cmocka_unit_test(test_rpc_resp),
		cmocka_unit_test(test_store_check),
		cmocka_unit_test(test_store_recover),
		cmocka_unit_test(test_random_bodies),
	};
	return cmocka_run_group_tests_name("tvd_wire", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-vtee-bridge (src/vtee_bridge/):
 * - the /dev/teevar-vtee message codec against hand-made byte vectors, every
 *   rule it enforces, and random mutations;
 * - finding the virtio-serial port by name in a fake sysfs;
 * - the bridge with a SOCK_SEQPACKET socketpair standing in for the device
 *   (one message per read and write, as the kernel module gives them), every
 *   answer checked as the module checks it:
 *   - against a real teevard (unix mode): OPEN with the StMM UUID, MM buffers
 *     (GET_PAYLOAD_SIZE, SetVariable, GetVariable), CLOSE; the client library
 *     over the bridge; teevard killed (COMMUNICATION at once) and restarted on
 *     the same state (the same virtual session works again);
 *   - against a fake teevard that answers garbage, wrong frames, nothing;
 *   - port mode: a stream socketpair as the virtio port, a relay thread as
 *     QEMU in front of a real teevard: stale bytes drained, a late answer after
 *     a timeout skipped, a reconnect the bridge did not see, a hang-up.
 * argv[1]: the teevard binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/tee.h>

#include "bridge.h"
#include "mm_wire.h"
#include "port.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_test_util.h"
#include "tvd_harness.h"
#include "tvd_wire.h"
#include "vtee_msg.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the byte vectors below are little-endian (tvv messages are in the CPU's order)"
#endif

#define NV_BS_RT 0x7u
#define RBUF_SIZE (TVV_MSG_SIZE + TVV_MAX_PAYLOAD)
#define QUICK_MS 1000 /* "at once", with room for a loaded machine */

static const uint8_t stmm_uuid[16] = TV_STMM_UUID;
static const efi_guid_t guid = {{0x74, 0x76, 0x76, 0x2d, 0x62, 0x72, 0x69, 0x64, 0x01, 0x02, 0x03,
				 0x04, 0x05, 0x06, 0x07, 0x08}};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ==================================================================== codec */

/* An INVOKE request, id 7, session 1, func 0: a 4-byte MEMREF_INOUT, a
 * VALUE_OUTPUT, NONE, NONE; then the 4 bytes. */
#define P_NONE "00000000 00000000 0000000000000000 0000000000000000 0000000000000000"
static const char invoke_hex[] =
	"54565656 0100 0200 07000000 01000000 00000000 00000000 00000000 04000000"
	"00000000000000000000000000000000 00000000 04000000"
	"07000000 00000000 0400000000000000 0000000000000000 0000000000000000"
	"02000000 00000000 0000000000000000 0000000000000000 0000000000000000" P_NONE P_NONE
	"aabbccdd";

/* Its answer: success, origin TEE, 4 bytes back, value 5, 6, 7. */
static const char answer_hex[] =
	"54565656 0100 0280 07000000 01000000 00000000 00000000 03000000 04000000"
	"00000000000000000000000000000000 00000000 04000000"
	"07000000 00000000 0400000000000000 0000000000000000 0000000000000000"
	"02000000 00000000 0500000000000000 0600000000000000 0700000000000000" P_NONE P_NONE
	"11223344";

/* An OPEN request, id 1, the StMM UUID, login 0. */
static const char open_hex[] =
	"54565656 0100 0100 01000000 00000000 00000000 00000000 00000000 00000000"
	"ed32d53399e642099cc02d72cdd998a7 00000000 04000000" P_NONE P_NONE P_NONE P_NONE;

static size_t hex(const char *h, uint8_t *out, size_t max)
{
	long n = tv_test_hex(h, out, max);
	assert_true(n >= 0);
	return (size_t)n;
}

static void test_codec_vectors(void **state)
{
	(void)state;
	uint8_t b[512], want[512];
	size_t n = hex(invoke_hex, b, sizeof(b));
	assert_int_equal(n, TVV_MSG_SIZE + 4);
	struct vtee_view v;
	assert_int_equal(vtee_decode(b, n, false, &v), TV_OK);
	assert_int_equal(v.m.op, TVV_OP_INVOKE);
	assert_int_equal(v.m.id, 7);
	assert_int_equal(v.m.session, 1);
	assert_int_equal(v.m.payload_len, 4);
	assert_int_equal(v.m.params[0].attr, TV_TEE_PARAM_MEMREF_INOUT);
	assert_int_equal(v.m.params[0].a, 4);
	assert_ptr_equal(v.data[0], b + TVV_MSG_SIZE);
	assert_null(v.data[1]);
	assert_null(v.data[2]);
	assert_null(v.data[3]);
	assert_int_equal(vtee_decode(b, n, true, &v), TV_EINVAL); /* not a response */

	/* the answer, encoded from fields */
	struct vtee_view a = {.m = v.m};
	a.m.op |= TVV_RESPONSE;
	a.m.ret_origin = TEE_ORIGIN_TEE;
	a.m.payload_len = 999; /* computed by the encoder */
	a.m.params[1].a = 5;
	a.m.params[1].b = 6;
	a.m.params[1].c = 7;
	static const uint8_t back[4] = {0x11, 0x22, 0x33, 0x44};
	a.data[0] = back;
	uint8_t *enc;
	size_t len;
	assert_int_equal(vtee_encode(&a, &enc, &len), TV_OK);
	size_t wn = hex(answer_hex, want, sizeof(want));
	assert_int_equal(len, wn);
	assert_memory_equal(enc, want, wn);
	assert_int_equal(vtee_decode(enc, len, true, &v), TV_OK);
	assert_memory_equal(v.data[0], back, 4);
	assert_int_equal(vtee_decode(enc, len, false, &v), TV_EINVAL);
	free(enc);

	/* a failed answer carries no bytes, whatever the sizes say */
	a.m.ret = TEE_ERROR_EXCESS_DATA;
	a.m.params[0].a = 65536;
	assert_int_equal(vtee_encode(&a, &enc, &len), TV_OK);
	assert_int_equal(len, TVV_MSG_SIZE);
	assert_int_equal(vtee_decode(enc, len, true, &v), TV_OK);
	assert_int_equal(v.m.payload_len, 0);
	assert_int_equal(v.m.params[0].a, 65536);
	assert_null(v.data[0]);
	free(enc);

	n = hex(open_hex, b, sizeof(b));
	assert_int_equal(n, TVV_MSG_SIZE);
	assert_int_equal(vtee_decode(b, n, false, &v), TV_OK);
	assert_memory_equal(v.m.uuid, stmm_uuid, 16);
	uint32_t id;
	uint16_t op;
	assert_true(vtee_peek(b, n, &id, &op));
	assert_int_equal(id, 1);
	assert_int_equal(op, TVV_OP_OPEN_SESSION);
	assert_false(vtee_peek(b, n - 1, &id, &op));
	assert_false(vtee_peek(NULL, 0, &id, &op));
}

struct tvv_mut {
	const char *what;
	size_t off;     /* byte offset in the message */
	unsigned width; /* 1, 2, 4 or 8 */
	uint64_t value;
};

static void put_le(uint8_t *p, unsigned width, uint64_t v)
{
	for (unsigned i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#define PARAM(i) (56u + 32u * (i))

/* Each single change makes the INVOKE vector invalid. */
static void test_codec_rejects(void **state)
{
	(void)state;
	static const struct tvv_mut muts[] = {
		{"magic", 0, 4, 0x56565655},
		{"version 0", 4, 2, 0},
		{"version 2", 4, 2, 2},
		{"op 0", 6, 2, 0},
		{"op 4", 6, 2, 4},
		{"op response", 6, 2, 0x8002},
		{"op 0x4002", 6, 2, 0x4002},
		{"payload_len 3", 28, 4, 3},
		{"payload_len 5", 28, 4, 5},
		{"num_params 3", 52, 4, 3},
		{"num_params 5", 52, 4, 5},
		{"reserved", PARAM(2) + 4, 4, 1},
		{"reserved of the memref", PARAM(0) + 4, 4, 0x80000000u},
		{"attr 4", PARAM(2), 4, 4},
		{"attr 8", PARAM(3), 4, 8},
		{"attr with meta bit", PARAM(0), 4, 0x107},
		{"memref b", PARAM(0) + 16, 8, 1},
		{"memref c", PARAM(0) + 24, 8, 1},
		{"memref size 5", PARAM(0) + 8, 8, 5},
		{"memref size 2^63", PARAM(0) + 8, 8, 1ull << 63},
		{"memref size ~0", PARAM(0) + 8, 8, ~0ull},
		{"memref becomes output", PARAM(0), 4, TV_TEE_PARAM_MEMREF_OUTPUT},
	};
	uint8_t b[512], m[512];
	size_t n = hex(invoke_hex, b, sizeof(b));
	struct vtee_view v;
	for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		memcpy(m, b, n);
		put_le(m + muts[i].off, muts[i].width, muts[i].value);
		if (vtee_decode(m, n, false, &v) != TV_EINVAL)
			fail_msg("accepted: %s", muts[i].what);
	}
	/* the length must be exact */
	assert_int_equal(vtee_decode(b, n - 1, false, &v), TV_EINVAL);
	memcpy(m, b, n);
	m[n] = 0;
	assert_int_equal(vtee_decode(m, n + 1, false, &v), TV_EINVAL);
	assert_int_equal(vtee_decode(b, TVV_MSG_SIZE - 1, false, &v), TV_EINVAL);
	assert_int_equal(vtee_decode(b, 0, false, &v), TV_EINVAL);
	assert_int_equal(vtee_decode(NULL, n, false, &v), TV_EINVAL);
	/* two memrefs whose sizes overflow together */
	memcpy(m, b, n);
	put_le(m + PARAM(1), 4, TV_TEE_PARAM_MEMREF_INPUT);
	put_le(m + PARAM(1) + 8, 8, ~0ull - 2);
	assert_int_equal(vtee_decode(m, n, false, &v), TV_EINVAL);
	/* a value parameter may use b and c; an output memref carries nothing */
	memcpy(m, b, n);
	put_le(m + PARAM(2), 4, TV_TEE_PARAM_VALUE_INOUT);
	put_le(m + PARAM(2) + 16, 8, 9);
	put_le(m + PARAM(3), 4, TV_TEE_PARAM_MEMREF_OUTPUT);
	put_le(m + PARAM(3) + 8, 8, 1ull << 40);
	assert_int_equal(vtee_decode(m, n, false, &v), TV_OK);
	assert_null(v.data[3]);
}

/* The payload limit: TVV_MAX_PAYLOAD carried bytes pass, one more does not. */
static void test_codec_limits(void **state)
{
	(void)state;
	size_t max = TVV_MSG_SIZE + TVV_MAX_PAYLOAD + 1;
	uint8_t *b = calloc(1, max);
	assert_non_null(b);
	hex(invoke_hex, b, max);
	struct vtee_view v;
	for (uint64_t sz = TVV_MAX_PAYLOAD - 1; sz <= TVV_MAX_PAYLOAD + 1; sz++) {
		put_le(b + 28, 4, sz);
		put_le(b + PARAM(0) + 8, 8, sz);
		int want = sz <= TVV_MAX_PAYLOAD ? TV_OK : TV_EINVAL;
		assert_int_equal(vtee_decode(b, TVV_MSG_SIZE + (size_t)sz, false, &v), want);
	}
	/* split over two memrefs */
	put_le(b + 28, 4, TVV_MAX_PAYLOAD + 1);
	put_le(b + PARAM(0) + 8, 8, TVV_MAX_PAYLOAD);
	put_le(b + PARAM(1), 4, TV_TEE_PARAM_MEMREF_INPUT);
	put_le(b + PARAM(1) + 8, 8, 1);
	assert_int_equal(vtee_decode(b, max, false, &v), TV_EINVAL);
	/* the encoder refuses too */
	struct vtee_view e = {.m = {.magic = TVV_MAGIC, .version = TVV_VERSION,
				    .op = TVV_OP_INVOKE, .num_params = TVV_NUM_PARAMS}};
	e.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INPUT, .a = TVV_MAX_PAYLOAD + 1};
	e.data[0] = b;
	uint8_t *out;
	size_t len;
	assert_int_equal(vtee_encode(&e, &out, &len), TV_EINVAL);
	e.m.params[0].a = TVV_MAX_PAYLOAD;
	assert_int_equal(vtee_encode(&e, &out, &len), TV_OK);
	assert_int_equal(len, TVV_MSG_SIZE + TVV_MAX_PAYLOAD);
	free(out);
	e.data[0] = NULL; /* bytes to carry but none given */
	assert_int_equal(vtee_encode(&e, &out, &len), TV_EINVAL);
	e.m.params[0].a = 0;
	assert_int_equal(vtee_encode(&e, &out, &len), TV_OK);
	free(out);
	e.m.params[0].reserved = 1;
	assert_int_equal(vtee_encode(&e, &out, &len), TV_EINVAL);
	free(b);
}

/* Random changes never crash the decoder, and whatever it accepts encodes
 * back to the same bytes. */
static void test_codec_random(void **state)
{
	(void)state;
	uint8_t b[512], m[512];
	const char *vecs[] = {invoke_hex, answer_hex, open_hex};
	uint64_t seed = 0x7676;
	unsigned accepted = 0;
	for (int round = 0; round < 30000; round++) {
		size_t n = hex(vecs[round % 3], b, sizeof(b));
		memcpy(m, b, n);
		int flips = 1 + (int)(tv_test_rand(&seed) % 3);
		for (int i = 0; i < flips; i++)
			m[tv_test_rand(&seed) % n] ^= (uint8_t)(1u << (tv_test_rand(&seed) % 8));
		size_t len = n - (tv_test_rand(&seed) % 8 == 0 ? 1 : 0);
		bool resp = round % 3 == 1;
		struct vtee_view v;
		if (vtee_decode(m, len, resp, &v) != TV_OK)
			continue;
		accepted++;
		uint8_t *enc;
		size_t elen;
		assert_int_equal(vtee_encode(&v, &enc, &elen), TV_OK);
		assert_int_equal(elen, len);
		assert_memory_equal(enc, m, len);
		free(enc);
	}
	print_message("# codec: %u of 30000 mutated messages still valid, all re-encoded exactly\n",
		      accepted);
}


/* ================================================================ RPC codec */

/* An RPC of the secure core (bridge -> kernel): id 9, session 3, func 1
 * (RPMB), the StMM UUID, login 0; 6 bytes in, room for 4. */
#define RPC_P0 "05000000 00000000 0600000000000000 0000000000000000 0000000000000000"
static const char rpc_req_hex[] =
	"54565656 0100 0400 09000000 03000000 01000000 00000000 00000000 06000000"
	"ed32d53399e642099cc02d72cdd998a7 00000000 04000000" RPC_P0
	"06000000 00000000 0400000000000000 0000000000000000 0000000000000000" P_NONE P_NONE
	"010203040506";

/* The module's answer: success, origin TEE, the 4 bytes. */
static const char rpc_ans_hex[] =
	"54565656 0100 0480 09000000 03000000 01000000 00000000 03000000 04000000"
	"ed32d53399e642099cc02d72cdd998a7 00000000 04000000" RPC_P0
	"06000000 00000000 0400000000000000 0000000000000000 0000000000000000" P_NONE P_NONE
	"a1b2c3d4";

/* An error answer: NOT_SUPPORTED, origin COMMS, no bytes. */
static const char rpc_err_hex[] =
	"54565656 0100 0480 09000000 03000000 01000000 0a00ffff 02000000 00000000"
	"ed32d53399e642099cc02d72cdd998a7 00000000 04000000" RPC_P0
	"06000000 00000000 0000000000000000 0000000000000000 0000000000000000" P_NONE P_NONE;

static void test_rpc_codec_vectors(void **state)
{
	(void)state;
	static const uint8_t in[6] = {1, 2, 3, 4, 5, 6}, out[4] = {0xa1, 0xb2, 0xc3, 0xd4};
	uint8_t want[512];
	struct vtee_rpc r = {.id = 9, .session = 3, .func = 1, .in_len = 6, .out_len = 4,
			     .data = in, .ret = 0x1234, .ret_origin = 3}; /* ret ignored in a request */
	memcpy(r.uuid, stmm_uuid, 16);
	uint8_t *enc;
	size_t len;
	assert_int_equal(vtee_rpc_encode(&r, false, &enc, &len), TV_OK);
	size_t wn = hex(rpc_req_hex, want, sizeof(want));
	assert_int_equal(len, wn);
	assert_memory_equal(enc, want, wn);
	struct vtee_rpc d;
	assert_int_equal(vtee_rpc_decode(enc, len, false, &d), TV_OK);
	assert_int_equal(d.id, 9);
	assert_int_equal(d.session, 3);
	assert_int_equal(d.func, 1);
	assert_int_equal(d.in_len, 6);
	assert_int_equal(d.out_len, 4);
	assert_ptr_equal(d.data, enc + TVV_MSG_SIZE);
	assert_memory_equal(d.uuid, stmm_uuid, 16);
	assert_int_equal(vtee_rpc_decode(enc, len, true, &d), TV_EINVAL); /* not an answer */
	/* the generic codec refuses RPCs, either way */
	struct vtee_view v;
	assert_int_equal(vtee_decode(enc, len, false, &v), TV_EINVAL);
	assert_int_equal(vtee_decode(enc, len, true, &v), TV_EINVAL);
	free(enc);

	/* the answer */
	r.ret = 0;
	r.data = out;
	assert_int_equal(vtee_rpc_encode(&r, true, &enc, &len), TV_OK);
	wn = hex(rpc_ans_hex, want, sizeof(want));
	assert_int_equal(len, wn);
	assert_memory_equal(enc, want, wn);
	assert_int_equal(vtee_rpc_decode(enc, len, true, &d), TV_OK);
	assert_int_equal(d.ret, 0);
	assert_int_equal(d.ret_origin, 3);
	assert_int_equal(d.in_len, 6);
	assert_int_equal(d.out_len, 4);
	assert_memory_equal(d.data, out, 4);
	assert_int_equal(vtee_rpc_decode(enc, len, false, &d), TV_EINVAL);
	assert_int_equal(vtee_decode(enc, len, true, &v), TV_EINVAL);
	free(enc);

	/* an error answer carries nothing */
	r = (struct vtee_rpc){.id = 9, .session = 3, .func = 1, .ret = TEE_ERROR_NOT_SUPPORTED,
			      .ret_origin = TEE_ORIGIN_COMMS, .in_len = 6};
	memcpy(r.uuid, stmm_uuid, 16);
	assert_int_equal(vtee_rpc_encode(&r, true, &enc, &len), TV_OK);
	wn = hex(rpc_err_hex, want, sizeof(want));
	assert_int_equal(len, wn);
	assert_memory_equal(enc, want, wn);
	assert_int_equal(vtee_rpc_decode(enc, len, true, &d), TV_OK);
	assert_int_equal(d.ret, TEE_ERROR_NOT_SUPPORTED);
	assert_int_equal(d.out_len, 0);
	assert_null(d.data);
	free(enc);
	r.out_len = 1; /* bytes with an error */
	r.data = out;
	assert_int_equal(vtee_rpc_encode(&r, true, &enc, &len), TV_EINVAL);
	assert_null(enc);
}

/* Each single change makes an RPC message invalid. */
static void test_rpc_codec_rejects(void **state)
{
	(void)state;
	static const struct tvv_mut common[] = {
		{"magic", 0, 4, 0x56565655},
		{"version 2", 4, 2, 2},
		{"op INVOKE", 6, 2, 2},
		{"op 5", 6, 2, 5},
		{"num_params 3", 52, 4, 3},
		{"payload_len one less", 28, 4, 3},
		{"p0 MEMREF_INOUT", PARAM(0), 4, TV_TEE_PARAM_MEMREF_INOUT},
		{"p0 VALUE_INPUT", PARAM(0), 4, TV_TEE_PARAM_VALUE_INPUT},
		{"p0 reserved", PARAM(0) + 4, 4, 1},
		{"p0 b", PARAM(0) + 16, 8, 1},
		{"p0 c", PARAM(0) + 24, 8, 1},
		{"p0 over the limit", PARAM(0) + 8, 8, TVV_MAX_PAYLOAD + 1ull},
		{"p1 MEMREF_INPUT", PARAM(1), 4, TV_TEE_PARAM_MEMREF_INPUT},
		{"p1 reserved", PARAM(1) + 4, 4, 0x100},
		{"p1 b", PARAM(1) + 16, 8, 1},
		{"p1 c", PARAM(1) + 24, 8, 1ull << 40},
		{"p2 VALUE_INPUT", PARAM(2), 4, TV_TEE_PARAM_VALUE_INPUT},
		{"p2 a", PARAM(2) + 8, 8, 1},
		{"p3 reserved", PARAM(3) + 4, 4, 1},
		{"p3 c", PARAM(3) + 24, 8, 1},
	};
	struct {
		const char *hex;
		bool answer;
	} vecs[] = {{rpc_req_hex, false}, {rpc_ans_hex, true}, {rpc_err_hex, true}};
	uint8_t b[512], m[512];
	struct vtee_rpc d;
	for (size_t vi = 0; vi < 3; vi++) {
		size_t n = hex(vecs[vi].hex, b, sizeof(b));
		bool ans = vecs[vi].answer;
		assert_int_equal(vtee_rpc_decode(b, n, ans, &d), TV_OK);
		for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++) {
			memcpy(m, b, n);
			put_le(m + common[i].off, common[i].width, common[i].value);
			if (vtee_rpc_decode(m, n, ans, &d) != TV_EINVAL)
				fail_msg("vector %zu accepted: %s", vi, common[i].what);
		}
		/* the response bit flipped */
		memcpy(m, b, n);
		put_le(m + 6, 2, ans ? TVV_OP_RPC : (TVV_OP_RPC | TVV_RESPONSE));
		assert_int_equal(vtee_rpc_decode(m, n, ans, &d), TV_EINVAL);
		/* the length must be exact */
		assert_int_equal(vtee_rpc_decode(b, n - 1, ans, &d), TV_EINVAL);
		memcpy(m, b, n);
		m[n] = 0;
		assert_int_equal(vtee_rpc_decode(m, n + 1, ans, &d), TV_EINVAL);
		assert_int_equal(vtee_rpc_decode(b, TVV_MSG_SIZE - 1, ans, &d), TV_EINVAL);
		assert_int_equal(vtee_rpc_decode(NULL, n, ans, &d), TV_EINVAL);
	}
	size_t n = hex(rpc_req_hex, b, sizeof(b));
	/* a request has no result */
	memcpy(m, b, n);
	put_le(m + 20, 4, 1);
	assert_int_equal(vtee_rpc_decode(m, n, false, &d), TV_EINVAL);
	memcpy(m, b, n);
	put_le(m + 24, 4, TEE_ORIGIN_COMMS);
	assert_int_equal(vtee_rpc_decode(m, n, false, &d), TV_EINVAL);
	/* an answer's bytes follow params[1], not params[0] */
	n = hex(rpc_ans_hex, b, sizeof(b));
	memcpy(m, b, n);
	put_le(m + PARAM(0) + 8, 8, 4);
	assert_int_equal(vtee_rpc_decode(m, n, true, &d), TV_OK); /* in_len is only echoed */
	put_le(m + PARAM(1) + 8, 8, 6);
	assert_int_equal(vtee_rpc_decode(m, n, true, &d), TV_EINVAL);
	/* an error answer with a size, with or without the bytes */
	memcpy(m, b, n);
	put_le(m + 20, 4, TEE_ERROR_GENERIC);
	assert_int_equal(vtee_rpc_decode(m, n, true, &d), TV_EINVAL);
	put_le(m + 28, 4, 0);
	assert_int_equal(vtee_rpc_decode(m, TVV_MSG_SIZE, true, &d), TV_EINVAL);
	put_le(m + PARAM(1) + 8, 8, 0);
	assert_int_equal(vtee_rpc_decode(m, TVV_MSG_SIZE, true, &d), TV_OK);

	/* the encoder: sizes over the limit, bytes missing */
	uint8_t *enc = NULL;
	size_t len;
	struct vtee_rpc r = {.id = 1, .in_len = TVV_MAX_PAYLOAD + 1, .data = b};
	assert_int_equal(vtee_rpc_encode(&r, false, &enc, &len), TV_EINVAL);
	r.in_len = 1;
	r.out_len = TVV_MAX_PAYLOAD + 1;
	assert_int_equal(vtee_rpc_encode(&r, false, &enc, &len), TV_EINVAL);
	assert_int_equal(vtee_rpc_encode(&r, true, &enc, &len), TV_EINVAL);
	r.out_len = TVV_MAX_PAYLOAD;
	r.data = NULL;
	assert_int_equal(vtee_rpc_encode(&r, false, &enc, &len), TV_EINVAL);
	assert_int_equal(vtee_rpc_encode(&r, true, &enc, &len), TV_EINVAL);
	assert_null(enc);
	r.in_len = 0; /* nothing to carry: no bytes needed */
	assert_int_equal(vtee_rpc_encode(&r, false, &enc, &len), TV_OK);
	assert_int_equal(len, TVV_MSG_SIZE);
	free(enc);
}

/* Random changes never crash the RPC decoder; whatever it accepts encodes back
 * to the same bytes. */
static void test_rpc_codec_random(void **state)
{
	(void)state;
	uint8_t b[512], m[512];
	const char *vecs[] = {rpc_req_hex, rpc_ans_hex, rpc_err_hex};
	uint64_t seed = 0x4242;
	unsigned accepted = 0;
	for (int round = 0; round < 30000; round++) {
		size_t n = hex(vecs[round % 3], b, sizeof(b));
		memcpy(m, b, n);
		int flips = 1 + (int)(tv_test_rand(&seed) % 3);
		for (int i = 0; i < flips; i++)
			m[tv_test_rand(&seed) % n] ^= (uint8_t)(1u << (tv_test_rand(&seed) % 8));
		size_t len = n - (tv_test_rand(&seed) % 8 == 0 ? 1 : 0);
		bool answer = round % 3 != 0;
		struct vtee_rpc d;
		if (vtee_rpc_decode(m, len, answer, &d) != TV_OK)
			continue;
		accepted++;
		uint8_t *enc;
		size_t elen;
		assert_int_equal(vtee_rpc_encode(&d, answer, &enc, &elen), TV_OK);
		assert_int_equal(elen, len);
		assert_memory_equal(enc, m, len);
		free(enc);
	}
	print_message("# RPC codec: %u of 30000 mutated messages still valid, all re-encoded exactly\n",
		      accepted);
}

/* ============================================================ port lookup */

static int make_dir(const char *path)
{
	return mkdir(path, 0755);
}

static void write_file(const char *dir, const char *sub, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, sub);
	assert_int_equal(make_dir(p), 0);
	snprintf(p, sizeof(p), "%s/%s/name", dir, sub);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_port_lookup(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	assert_non_null(dir);
	write_file(dir, "vport0p1", "org.qemu.guest_agent.0\n");
	write_file(dir, "vport1p1", "org.teevar.tvdp.old\n");
	write_file(dir, "vport1p3", "org.teevar.tvdp\n");
	write_file(dir, "vport2p1", "org.teevar.tvdp");
	char out[64];
	assert_int_equal(vtee_port_find(dir, "/dev", "org.teevar.tvdp", out, sizeof(out)), TV_OK);
	assert_string_equal(out, "/dev/vport1p3");
	assert_int_equal(vtee_port_find(dir, "/dev", "org.qemu.guest_agent.0", out, sizeof(out)),
			 TV_OK);
	assert_string_equal(out, "/dev/vport0p1");
	assert_int_equal(vtee_port_find(dir, "/dev", "org.teevar", out, sizeof(out)), TV_ENOENT);
	assert_int_equal(vtee_port_find(dir, "/dev", "org.teevar.tvdp", out, 8), TV_EINVAL);
	char missing[512];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(vtee_port_find(missing, "/dev", "org.teevar.tvdp", out, sizeof(out)),
			 TV_ENOENT);
	tv_test_rmtree(dir);
	free(dir);
}

/* ============================================== the device side (tests play the kernel) */

struct logbuf {
	pthread_mutex_t mu;
	char text[16384];
	size_t len;
};

static void log_cb(void *ctx, enum bridge_log_level level, const char *msg)
{
	struct logbuf *l = ctx;
	if (getenv("TVB_VERBOSE"))
		fprintf(stderr, "# bridge%s: %s\n", level == BRIDGE_LOG_DEBUG ? " (debug)" : "", msg);
	pthread_mutex_lock(&l->mu);
	int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s\n", msg);
	if (n > 0 && l->len + (size_t)n < sizeof(l->text))
		l->len += (size_t)n;
	pthread_mutex_unlock(&l->mu);
}

static bool logged(struct logbuf *l, const char *text)
{
	pthread_mutex_lock(&l->mu);
	bool found = strstr(l->text, text) != NULL;
	pthread_mutex_unlock(&l->mu);
	return found;
}

struct dev {
	int k, b;         /* the kernel's end and the bridge's end */
	uint8_t *rbuf;
	uint32_t next_id;
	struct logbuf log;
};

static void dev_open(struct dev *d)
{
	int sp[2];
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->log.mu, NULL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	int big = 4 << 20;
	setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	setsockopt(sp[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	d->k = sp[0];
	d->b = sp[1];
	d->rbuf = malloc(RBUF_SIZE);
	assert_non_null(d->rbuf);
}

static void dev_close(struct dev *d)
{
	close(d->k);
	close(d->b);
	free(d->rbuf);
	pthread_mutex_destroy(&d->log.mu);
}

static struct vtee_view req_new(struct dev *d, uint16_t op)
{
	struct vtee_view v = {.m = {.magic = TVV_MAGIC, .version = TVV_VERSION, .op = op,
				    .id = ++d->next_id, .num_params = TVV_NUM_PARAMS}};
	return v;
}

/* The answer fits its request as the kernel module checks it (vtee_resp_ok). */
static void check_like_kernel(const struct vtee_view *q, const struct vtee_view *r)
{
	assert_int_equal(r->m.op, q->m.op | TVV_RESPONSE);
	assert_int_equal(r->m.id, q->m.id);
	for (unsigned i = 0; i < TVV_NUM_PARAMS; i++) {
		assert_int_equal(r->m.params[i].attr, q->m.params[i].attr);
		assert_int_equal(r->m.params[i].reserved, 0);
		if (r->m.ret == TEE_SUCCESS && vtee_carries(&r->m, i))
			assert_true(r->m.params[i].a <= q->m.params[i].a);
	}
}

/* Sends q to the bridge, lets it serve, returns its checked answer (data
 * points into d->rbuf). */
static struct vtee_view call(struct dev *d, struct bridge *b, const struct vtee_view *q)
{
	uint8_t *buf;
	size_t len;
	assert_int_equal(vtee_encode(q, &buf, &len), TV_OK);
	assert_int_equal(write(d->k, buf, len), (ssize_t)len);
	free(buf);
	assert_int_equal(bridge_serve(b, d->b), 0);
	ssize_t n = recv(d->k, d->rbuf, RBUF_SIZE, MSG_DONTWAIT);
	assert_true(n >= (ssize_t)TVV_MSG_SIZE);
	struct vtee_view r;
	assert_int_equal(vtee_decode(d->rbuf, (size_t)n, true, &r), TV_OK);
	check_like_kernel(q, &r);
	return r;
}

static uint32_t open_session(struct dev *d, struct bridge *b, uint32_t *session, uint32_t *origin)
{
	struct vtee_view q = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, stmm_uuid, 16);
	struct vtee_view r = call(d, b, &q);
	*session = r.m.session;
	if (origin)
		*origin = r.m.ret_origin;
	return r.m.ret;
}

static void close_session(struct dev *d, struct bridge *b, uint32_t session)
{
	struct vtee_view q = req_new(d, TVV_OP_CLOSE_SESSION);
	q.m.session = session;
	struct vtee_view r = call(d, b, &q);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
}

/* An INVOKE of COMMUNICATE with mm as the MEMREF_INOUT and a VALUE_OUTPUT, as
 * tee_stmm_efi sends it. The answer's MM buffer goes back into mm. */
static struct vtee_view invoke_mm(struct dev *d, struct bridge *b, uint32_t session, uint8_t *mm,
				  size_t len)
{
	struct vtee_view q = req_new(d, TVV_OP_INVOKE);
	q.m.session = session;
	q.m.func = TV_STMM_CMD_COMMUNICATE;
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INOUT, .a = len};
	q.m.params[1] = (struct tvv_param){.attr = TV_TEE_PARAM_VALUE_OUTPUT};
	q.data[0] = mm;
	struct vtee_view r = call(d, b, &q);
	if (r.m.ret == TEE_SUCCESS) {
		assert_int_equal(r.m.params[0].a, len);
		memcpy(mm, r.data[0], len);
	}
	return r;
}

/* GET_PAYLOAD_SIZE, by hand: MessageLength 24, Function 11, one UINTN. */
static size_t mm_payload_size(uint8_t mm[48])
{
	static const efi_guid_t hg = EFI_SMM_VARIABLE_PROTOCOL_GUID;
	memset(mm, 0, 48);
	memcpy(mm + MM_OFF_GUID, hg.b, 16);
	tv_put_le64(mm + MM_OFF_MSG_LEN, MM_VAR_HDR_SIZE + MM_PAYLOAD_SIZE_SIZE);
	tv_put_le64(mm + MM_OFF_FUNCTION, MM_VAR_GET_PAYLOAD_SIZE);
	return 48;
}

static uint64_t mm_status(const uint8_t *mm)
{
	return tv_get_le64(mm + MM_OFF_STATUS);
}

/* SetVariable through the bridge: the TEE result (MM status checked on success). */
static uint32_t set_var(struct dev *d, struct bridge *b, uint32_t s, const char *name,
			const void *data, size_t n)
{
	size_t len;
	uint8_t *mm = tvd_mm_access(MM_VAR_SET_VARIABLE, name, &guid, NV_BS_RT, data, n, &len);
	assert_non_null(mm);
	struct vtee_view r = invoke_mm(d, b, s, mm, len);
	if (r.m.ret == TEE_SUCCESS) {
		assert_int_equal(r.m.params[1].a, 0); /* SPM success */
		assert_int_equal(mm_status(mm), EFI_SUCCESS);
	}
	free(mm);
	return r.m.ret;
}

/* GetVariable into out (max bytes): the TEE result; *n the size on success. */
static uint32_t get_var(struct dev *d, struct bridge *b, uint32_t s, const char *name, void *out,
			size_t max, size_t *n)
{
	size_t len;
	uint8_t *room = calloc(1, max); /* the data area GetVariable fills */
	assert_non_null(room);
	uint8_t *mm = tvd_mm_access(MM_VAR_GET_VARIABLE, name, &guid, 0, room, max, &len);
	free(room);
	assert_non_null(mm);
	struct vtee_view r = invoke_mm(d, b, s, mm, len);
	if (r.m.ret == TEE_SUCCESS) {
		uint8_t *p = mm + MM_PAYLOAD_OFF;
		assert_int_equal(tv_get_le64(mm + MM_OFF_FUNCTION), MM_VAR_GET_VARIABLE);
		assert_int_equal(mm_status(mm), EFI_SUCCESS);
		*n = (size_t)tv_get_le64(p + MM_ACCESS_OFF_DATA_SIZE);
		assert_true(*n <= max);
		size_t name_size = (strlen(name) + 1) * 2;
		memcpy(out, p + MM_ACCESS_OFF_NAME + name_size, *n);
	}
	free(mm);
	return r.m.ret;
}

static void expect_var(struct dev *d, struct bridge *b, uint32_t s, const char *name,
		       const char *want)
{
	char got[256] = {0};
	size_t n = 0;
	assert_int_equal(get_var(d, b, s, name, got, sizeof(got) - 1, &n), TEE_SUCCESS);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
}

static void expect_comm(const struct vtee_view *r)
{
	assert_int_equal(r->m.ret, TEE_ERROR_COMMUNICATION);
	assert_int_equal(r->m.ret_origin, TEE_ORIGIN_COMMS);
	assert_int_equal(r->m.payload_len, 0);
}

/* ================================================= against a real teevard */

struct fx {
	char *dir;
	struct tvd_proc d;
	struct dev dev;
	struct bridge *b;
};

static struct bridge *new_bridge(struct dev *d, const char *sock, int port_fd, int timeout_ms)
{
	struct bridge_config cfg = {.socket_path = sock, .port_fd = port_fd,
				    .timeout_ms = timeout_ms, .log = log_cb, .log_ctx = &d->log};
	struct bridge *b = NULL;
	assert_int_equal(bridge_new(&cfg, &b), TV_OK);
	return b;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	f->dir = tv_test_tmpdir();
	*state = f;
	if (!f->dir || tvd_start(&f->d, f->dir, NULL) != 0)
		return -1;
	dev_open(&f->dev);
	f->b = new_bridge(&f->dev, f->d.sock, -1, 5000);
	return 0;
}

static void fx_cleanup(struct fx *f)
{
	if (f->b)
		bridge_free(f->b);
	if (f->dev.rbuf)
		dev_close(&f->dev);
	if (f->d.pid > 0)
		tvd_stop(&f->d, SIGKILL);
	if (getenv("TVD_KEEP"))
		fprintf(stderr, "# kept %s\n", f->dir);
	else if (f->dir)
		tv_test_rmtree(f->dir);
	free(f->dir);
}

static int teardown(void **state)
{
	fx_cleanup(*state);
	free(*state);
	return 0;
}

/* teevard is still up, stops cleanly and logged no sanitizer report. */
static void finish(struct fx *f)
{
	assert_true(tvd_alive(&f->d));
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	assert_true(tvd_log_clean(&f->d));
}

static void test_e2e_session(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	uint32_t s = 0, s2 = 0, origin = 0;
	assert_int_equal(open_session(d, f->b, &s, &origin), TEE_SUCCESS);
	assert_int_not_equal(s, 0);
	assert_int_equal(open_session(d, f->b, &s2, NULL), TEE_SUCCESS);
	assert_int_not_equal(s2, s);

	uint8_t mm[48];
	struct vtee_view r = invoke_mm(d, f->b, s, mm, mm_payload_size(mm));
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(r.m.params[1].a, 0);
	assert_int_equal(mm_status(mm), EFI_SUCCESS);
	assert_int_equal(tv_get_le64(mm + MM_PAYLOAD_OFF), 65536 - MM_PAYLOAD_OFF);

	assert_int_equal(set_var(d, f->b, s, "BridgeVar", "through the bridge", 18), TEE_SUCCESS);
	expect_var(d, f->b, s2, "BridgeVar", "through the bridge");

	/* a buffer over StMM's limit: the TEE's EXCESS_DATA and size, no bytes */
	size_t big = 70000;
	uint8_t *mmb = calloc(1, big);
	mm_payload_size(mmb);
	r = invoke_mm(d, f->b, s, mmb, big);
	assert_int_equal(r.m.ret, TEE_ERROR_EXCESS_DATA);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_TRUSTED_APP);
	assert_int_equal(r.m.params[0].a, 65536);
	assert_int_equal(r.m.payload_len, 0);
	free(mmb);

	close_session(d, f->b, s2);
	close_session(d, f->b, s);
	/* closed: unknown now; closing again still succeeds */
	r = invoke_mm(d, f->b, s, mm, mm_payload_size(mm));
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	close_session(d, f->b, s);
	assert_int_equal(bridge_get_stats(f->b)->comm_errors, 0);
	assert_int_equal(bridge_get_stats(f->b)->ups, 1);
	finish(f);
}

/* What the bridge answers itself, and what it passes through. */
static void test_e2e_refusals(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	/* another UUID: teevard's (the core's) answer, no session */
	struct vtee_view q = req_new(d, TVV_OP_OPEN_SESSION);
	memset(q.m.uuid, 0x11, 16);
	struct vtee_view r = call(d, f->b, &q);
	assert_int_not_equal(r.m.ret, TEE_SUCCESS);
	assert_int_not_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	/* a login teevard does not take */
	q = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.login = 4;
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	/* OPEN with parameters: TVDP has no room for them */
	q = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_VALUE_INPUT, .a = 1};
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	/* an unknown session */
	uint8_t mm[48];
	r = invoke_mm(d, f->b, 4242, mm, mm_payload_size(mm));
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	close_session(d, f->b, 4242);
	/* teevard's session limit (2 per connection) passes through */
	uint32_t s[3], origin;
	assert_int_equal(open_session(d, f->b, &s[0], NULL), TEE_SUCCESS);
	assert_int_equal(open_session(d, f->b, &s[1], NULL), TEE_SUCCESS);
	assert_int_equal(open_session(d, f->b, &s[2], &origin), TEE_ERROR_BUSY);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	/* memrefs over 1 MiB in all: EXCESS_DATA from the bridge */
	q = req_new(d, TVV_OP_INVOKE);
	q.m.session = s[0];
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_OUTPUT, .a = TVD_MAX_MEMREF};
	q.m.params[1] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_OUTPUT, .a = 1};
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_ERROR_EXCESS_DATA);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	q.m.params[1].a = ~0ull;
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_ERROR_EXCESS_DATA);
	/* values and an output memref cross both ways (the core refuses the shape) */
	q = req_new(d, TVV_OP_INVOKE);
	q.m.session = s[0];
	q.m.func = 77;
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_VALUE_INOUT, .a = 1, .b = 2, .c = 3};
	q.m.params[1] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_OUTPUT, .a = 16};
	r = call(d, f->b, &q);
	assert_int_not_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(r.m.payload_len, 0);
	assert_int_equal(bridge_get_stats(f->b)->comm_errors, 0);
	finish(f);
}

/* Messages the bridge cannot decode: answered BAD_PARAMETERS with the id when
 * the header is readable, dropped otherwise. */
static void test_malformed_requests(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	uint8_t b[512];
	size_t n = hex(invoke_hex, b, sizeof(b));
	put_le(b + PARAM(2), 4, 4); /* unknown attr */
	assert_int_equal(write(d->k, b, n), (ssize_t)n);
	assert_int_equal(bridge_serve(f->b, d->b), 0);
	ssize_t k = recv(d->k, d->rbuf, RBUF_SIZE, MSG_DONTWAIT);
	assert_int_equal(k, TVV_MSG_SIZE);
	struct tvv_msg m;
	memcpy(&m, d->rbuf, TVV_MSG_SIZE);
	assert_int_equal(m.id, 7);
	assert_int_equal(m.op, TVV_OP_INVOKE | TVV_RESPONSE);
	assert_int_equal(m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(m.ret_origin, TEE_ORIGIN_COMMS);
	assert_int_equal(m.payload_len, 0);
	assert_true(logged(&d->log, "malformed"));
	/* no header: nothing to answer */
	assert_int_equal(write(d->k, "junk", 4), 4);
	assert_int_equal(bridge_serve(f->b, d->b), 0);
	assert_int_equal(recv(d->k, d->rbuf, RBUF_SIZE, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	/* nothing queued; the device's end */
	assert_int_equal(fcntl(d->b, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(bridge_serve(f->b, d->b), -EAGAIN);
	shutdown(d->k, SHUT_WR);
	assert_int_equal(bridge_serve(f->b, d->b), -EPIPE);
	finish(f);
}

/* ---- the client library, over a transport that plays tee_stmm_efi + the module ---- */

struct vt {
	struct dev *d;
	struct bridge *b;
};

static uint32_t vt_open(void *ctx, const uint8_t uuid[16], uint32_t *session, uint32_t *origin)
{
	struct vt *t = ctx;
	struct vtee_view q = req_new(t->d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, uuid, 16);
	struct vtee_view r = call(t->d, t->b, &q);
	*session = r.m.session;
	*origin = r.m.ret_origin;
	return r.m.ret;
}

static uint32_t vt_invoke(void *ctx, uint32_t session, uint32_t cmd,
			  struct tv_tee_param p[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	struct vt *t = ctx;
	struct vtee_view q = req_new(t->d, TVV_OP_INVOKE);
	q.m.session = session;
	q.m.func = cmd;
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		q.m.params[i].attr = p[i].type;
		if (vtee_attr_memref(p[i].type)) {
			q.m.params[i].a = p[i].u.memref.size;
			q.data[i] = p[i].u.memref.buf;
		} else {
			q.m.params[i].a = p[i].u.value.a;
			q.m.params[i].b = p[i].u.value.b;
			q.m.params[i].c = p[i].u.value.c;
		}
	}
	struct vtee_view r = call(t->d, t->b, &q);
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
		uint32_t ty = p[i].type;
		if (ty == TV_TEE_PARAM_VALUE_OUTPUT || ty == TV_TEE_PARAM_VALUE_INOUT) {
			p[i].u.value.a = r.m.params[i].a;
			p[i].u.value.b = r.m.params[i].b;
			p[i].u.value.c = r.m.params[i].c;
		} else if (ty == TV_TEE_PARAM_MEMREF_OUTPUT || ty == TV_TEE_PARAM_MEMREF_INOUT) {
			if (r.data[i])
				memcpy(p[i].u.memref.buf, r.data[i], (size_t)r.m.params[i].a);
			p[i].u.memref.size = (size_t)r.m.params[i].a;
		}
	}
	*origin = r.m.ret_origin;
	return r.m.ret;
}

static void vt_close(void *ctx, uint32_t session)
{
	struct vt *t = ctx;
	close_session(t->d, t->b, session);
}

static const struct tv_transport_ops vt_ops = {
	.open_session = vt_open, .invoke = vt_invoke, .close_session = vt_close};

static struct tv_client *vt_client(struct vt *t)
{
	struct tv_transport tr = {.ops = &vt_ops, .ctx = t, .name = "vtee"};
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(tr, &c), EFI_SUCCESS);
	return c;
}

static void test_e2e_client_library(void **state)
{
	struct fx *f = *state;
	struct vt t = {.d = &f->dev, .b = f->b};
	struct tv_client *c = vt_client(&t);
	uint64_t seed = 5;
	char name[32];
	uint8_t data[3000], got[3000];
	for (int i = 0; i < 40; i++) {
		efi_char16_t u[64];
		snprintf(name, sizeof(name), "Lib%02d", i % 10);
		tvd_ucs2(u, name);
		size_t n = 1 + (size_t)(tv_test_rand(&seed) % sizeof(data));
		for (size_t j = 0; j < n; j++)
			data[j] = (uint8_t)tv_test_rand(&seed);
		assert_int_equal(tv_set_variable(c, u, &guid, NV_BS_RT, n, data), EFI_SUCCESS);
		size_t gn = sizeof(got);
		uint32_t attrs = 0;
		assert_int_equal(tv_get_variable(c, u, &guid, &attrs, &gn, got), EFI_SUCCESS);
		assert_int_equal(gn, n);
		assert_int_equal(attrs, NV_BS_RT);
		assert_memory_equal(got, data, n);
	}
	/* a buffer too small: EFI_BUFFER_TOO_SMALL and the size, through the bridge */
	efi_char16_t u[64];
	tvd_ucs2(u, "Lib00");
	size_t gn = 1;
	assert_int_equal(tv_get_variable(c, u, &guid, NULL, &gn, got), EFI_BUFFER_TOO_SMALL);
	assert_true(gn > 1);
	tv_client_close(c);
	assert_int_equal(bridge_get_stats(f->b)->comm_errors, 0);
	finish(f);
}

/* teevard killed: COMMUNICATION at once, again and again; restarted on the
 * same state and socket: the same virtual session works again. */
static void test_e2e_teevard_restart(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, f->b, &s, NULL), TEE_SUCCESS);
	assert_int_equal(set_var(d, f->b, s, "Survivor", "v0", 2), TEE_SUCCESS);
	for (int round = 1; round <= 3; round++) {
		assert_int_equal(tvd_stop(&f->d, round == 2 ? SIGTERM : SIGKILL),
				 round == 2 ? 0 : 128 + SIGKILL);
		for (int i = 0; i < 3; i++) {
			uint8_t mm[48];
			int64_t t0 = now_ms();
			struct vtee_view r = invoke_mm(d, f->b, s, mm, mm_payload_size(mm));
			expect_comm(&r);
			assert_true(now_ms() - t0 < QUICK_MS);
		}
		assert_false(bridge_is_up(f->b));
		assert_int_equal(tvd_start(&f->d, f->dir, NULL), 0);
		char v[8];
		snprintf(v, sizeof(v), "v%d", round - 1);
		expect_var(d, f->b, s, "Survivor", v);
		snprintf(v, sizeof(v), "v%d", round);
		assert_int_equal(set_var(d, f->b, s, "Survivor", v, 2), TEE_SUCCESS);
		assert_int_equal(bridge_get_stats(f->b)->reopens, (unsigned long)round);
	}
	assert_true(logged(&d->log, "teevard connection lost"));
	assert_true(logged(&d->log, "teevard unreachable"));
	/* a close while teevard is away succeeds; the session is gone after */
	assert_int_equal(tvd_stop(&f->d, SIGKILL), 128 + SIGKILL);
	close_session(d, f->b, s);
	assert_int_equal(tvd_start(&f->d, f->dir, NULL), 0);
	uint8_t mm[48];
	struct vtee_view r = invoke_mm(d, f->b, s, mm, mm_payload_size(mm));
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(open_session(d, f->b, &s, NULL), TEE_SUCCESS);
	expect_var(d, f->b, s, "Survivor", "v3");
	finish(f);
}

/* The module names its sessions: the bridge keeps the name, refuses one in
 * use, and picks its own only for an OPEN that names none. */
static void test_e2e_named_sessions(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	struct vtee_view q = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.session = 500;
	struct vtee_view r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(r.m.session, 500);
	assert_int_equal(set_var(d, f->b, 500, "Named", "500", 3), TEE_SUCCESS);

	q = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.session = 500;
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	expect_var(d, f->b, 500, "Named", "500"); /* the first one is untouched */

	uint32_t s = 0;
	assert_int_equal(open_session(d, f->b, &s, NULL), TEE_SUCCESS);
	assert_int_not_equal(s, 0);
	assert_int_not_equal(s, 500);
	close_session(d, f->b, s);
	close_session(d, f->b, 500);
	finish(f);
}

/* A bridge restarted while the kernel keeps its session: the INVOKE names the
 * session's TA and login, and the new bridge takes the session over. */
static void test_e2e_bridge_restart(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, f->b, &s, NULL), TEE_SUCCESS);
	assert_int_equal(set_var(d, f->b, s, "Kept", "by the kernel", 13), TEE_SUCCESS);
	bridge_free(f->b);
	f->b = new_bridge(d, f->d.sock, -1, 5000);

	/* without the TA named, an unknown session stays unknown */
	uint8_t mm[48];
	struct vtee_view r = invoke_mm(d, f->b, s, mm, mm_payload_size(mm));
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
	/* session 0 is never taken over */
	struct vtee_view q = req_new(d, TVV_OP_INVOKE);
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INOUT, .a = mm_payload_size(mm)};
	q.m.params[1] = (struct tvv_param){.attr = TV_TEE_PARAM_VALUE_OUTPUT};
	q.data[0] = mm;
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_ERROR_BAD_PARAMETERS);
	/* the kernel's session, with its TA: taken over, opened on teevard */
	q.m.session = s;
	r = call(d, f->b, &q);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_true(logged(&d->log, "taking over session"));
	expect_var(d, f->b, s, "Kept", "by the kernel");
	/* a new session does not collide with the one taken over */
	uint32_t s2 = 0;
	assert_int_equal(open_session(d, f->b, &s2, NULL), TEE_SUCCESS);
	assert_int_not_equal(s2, s);
	close_session(d, f->b, s2);
	close_session(d, f->b, s);
	finish(f);
}

/* No teevard when the session is opened; then it comes. */
static void test_e2e_teevard_absent(void **state)
{
	struct fx *f = *state;
	struct dev *d = &f->dev;
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	uint32_t s = 0, origin = 0;
	int64_t t0 = now_ms();
	assert_int_equal(open_session(d, f->b, &s, &origin), TEE_ERROR_COMMUNICATION);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_int_equal(bridge_connect(f->b), TV_EIO);
	assert_true(now_ms() - t0 < QUICK_MS);
	assert_int_equal(tvd_start(&f->d, f->dir, NULL), 0);
	assert_int_equal(bridge_connect(f->b), TV_OK);
	assert_true(bridge_is_up(f->b));
	/* idle: teevard goes; the watch notices */
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	int fd = bridge_watch_fd(f->b);
	assert_true(fd >= 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	bridge_watch_event(f->b, p.revents);
	assert_false(bridge_is_up(f->b));
	assert_int_equal(bridge_watch_fd(f->b), -1);
	assert_int_equal(tvd_start(&f->d, f->dir, NULL), 0);
	assert_int_equal(open_session(d, f->b, &s, NULL), TEE_SUCCESS);
	close_session(d, f->b, s);
	finish(f);
}

/* ================================================ a hostile fake teevard */

enum bad {
	BAD_NONE,
	BAD_JUNK,           /* text instead of a frame, connection kept */
	BAD_VERSION,        /* a header of version 2 */
	BAD_HUGE,           /* a length over TVD_MAX_BODY */
	BAD_TRUNCATED,      /* a header for 100 bytes, 10 of them, then close */
	BAD_WRONG_OP,       /* the answer to another op */
	BAD_ERROR_FRAME,    /* ERROR BAD_FORMAT, then close */
	BAD_TRAILING,       /* a right answer with one byte more */
	BAD_SHORT,          /* a right answer with its last byte missing (length says so) */
	BAD_SILENT,         /* no answer */
	BAD_CLOSE,          /* close at once */
	BAD_OVERSIZE_OUT,   /* INVOKE: success with more output than sent */
	BAD_TYPES,          /* INVOKE: types not echoed */
	BAD_SUCCESS_COMMS,  /* INVOKE: success with origin COMMS, no params */
	BAD_DENIAL,         /* ACCESS_DENIED/COMMS with an unknown access */
	BAD_RANDOM,         /* random bytes, then close */
	BAD_MUTATE,         /* the right answer with body bytes flipped */
};

struct fake {
	char path[300];
	int lfd;
	int stop[2];
	pthread_t th;
	pthread_mutex_t mu;
	uint16_t bad_op;
	enum bad how;
	uint64_t seed;
	int conns;
};

/* A Unix socket address for path (which the tests keep short). */
static struct sockaddr_un unix_addr(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	assert_true(n < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, n);
	return sa;
}

/* One frame from fd; *body malloc'ed (at least 1 byte). 0 or -1. */
static int frame_read(int fd, struct tvd_hdr *h, uint8_t **body)
{
	uint8_t hb[TVD_HDR_SIZE];
	*body = NULL;
	if (tv_test_recv_all(fd, hb, sizeof(hb)) || tvd_hdr_decode(hb, h) != TV_OK)
		return -1;
	*body = malloc(h->length + 1);
	return *body ? tv_test_recv_all(fd, *body, h->length) : -1;
}

/* The right answer to a request (teevard's shape; INVOKE echoes its data). */
static int good_answer(uint16_t op, const uint8_t *body, size_t len, struct tvd_frame *out)
{
	static uint8_t zeros[TVD_MAX_MEMREF];
	switch (op) {
	case TVD_OP_OPEN_SESSION: {
		struct tvd_open_resp a = {.st = {.origin = TEE_ORIGIN_TEE}, .session = 42};
		return tvd_enc_open_resp(&a, out);
	}
	case TVD_OP_INVOKE: {
		struct tvd_invoke_req q;
		if (tvd_dec_invoke_req(body, len, &q) != TV_OK)
			return -1;
		struct tvd_invoke_resp a = {.st = {.origin = TEE_ORIGIN_TEE}, .has_params = true};
		for (int i = 0; i < TV_TEE_NUM_PARAMS; i++) {
			a.params[i] = q.params[i];
			a.params[i].a = 1;
			a.params[i].b = 2;
			a.params[i].c = 3;
			if (q.params[i].type == TV_TEE_PARAM_MEMREF_OUTPUT)
				a.params[i].data = zeros;
		}
		return tvd_enc_invoke_resp(&a, out);
	}
	case TVD_OP_STORE_INFO: {
		struct tvd_info_resp a = {.st = {.origin = TEE_ORIGIN_TEE}, .layout = TVD_INFO_BASIC};
		return tvd_enc_info_resp(&a, out);
	}
	default: {
		struct tvd_status st = {.origin = TEE_ORIGIN_TEE};
		return tvd_enc_status(op, &st, out);
	}
	}
}

/* An INVOKE answer that breaks one rule. */
static int bad_invoke(enum bad how, const uint8_t *body, size_t len, struct tvd_frame *out)
{
	struct tvd_invoke_req q;
	if (tvd_dec_invoke_req(body, len, &q) != TV_OK)
		return -1;
	static uint8_t big[TVD_MAX_MEMREF];
	struct tvd_invoke_resp a = {.st = {.origin = TEE_ORIGIN_TEE}, .has_params = true};
	memcpy(a.params, q.params, sizeof(a.params));
	for (int i = 0; i < TV_TEE_NUM_PARAMS; i++)
		if (a.params[i].type == TV_TEE_PARAM_MEMREF_OUTPUT)
			a.params[i].data = big;
	if (how == BAD_OVERSIZE_OUT) {
		a.params[0].size = q.params[0].size + 1;
		a.params[0].data = big;
	} else if (how == BAD_TYPES) {
		a.params[1].type = TV_TEE_PARAM_VALUE_OUTPUT; /* sent: VALUE_INOUT */
	} else {
		a.st.origin = TEE_ORIGIN_COMMS; /* success "from teevard itself" */
		a.has_params = false;
	}
	return tvd_enc_invoke_resp(&a, out);
}

/* Misbehaves as told: 0 to go on with the connection, -1 to close it. */
static int misbehave(struct fake *fk, enum bad how, const struct tvd_hdr *h, const uint8_t *body,
		     int c)
{
	uint8_t hb[TVD_HDR_SIZE + 10] = {0};
	struct tvd_frame fr = {0};
	int rc = 0;
	switch (how) {
	case BAD_JUNK:
		return tv_test_send_all(c, "HTTP/1.0 400 Bad Request\r\n\r\n", 28);
	case BAD_VERSION:
		tvd_hdr_encode(hb, TVD_RESPONSE | h->op, 8);
		hb[4] = 2;
		return tv_test_send_all(c, hb, TVD_HDR_SIZE);
	case BAD_HUGE:
		tvd_hdr_encode(hb, TVD_RESPONSE | h->op, TVD_MAX_BODY + 1);
		return tv_test_send_all(c, hb, TVD_HDR_SIZE);
	case BAD_TRUNCATED:
		tvd_hdr_encode(hb, TVD_RESPONSE | h->op, 100);
		tv_test_send_all(c, hb, sizeof(hb));
		return -1;
	case BAD_SILENT:
		return 0;
	case BAD_CLOSE:
		return -1;
	case BAD_ERROR_FRAME: {
		struct tvd_status st = {.result = TVD_TEE_ERROR_BAD_FORMAT, .origin = TEE_ORIGIN_COMMS};
		tvd_enc_status(TVD_OP_ERROR, &st, &fr);
		rc = -1;
		break;
	}
	case BAD_WRONG_OP:
		good_answer(h->op == TVD_OP_CLOSE_SESSION ? TVD_OP_OPEN_SESSION : TVD_OP_CLOSE_SESSION,
			    NULL, 0, &fr);
		break;
	case BAD_DENIAL: {
		struct tvd_status st = {.result = TEE_ERROR_ACCESS_DENIED, .origin = TEE_ORIGIN_COMMS,
					.denial = {.access = 2}};
		tvd_enc_status(h->op, &st, &fr);
		if (fr.buf)
			tv_put_le32(fr.buf + TVD_HDR_SIZE + 12, 7); /* access 7 */
		break;
	}
	case BAD_OVERSIZE_OUT:
	case BAD_TYPES:
	case BAD_SUCCESS_COMMS:
		bad_invoke(how, body, h->length, &fr);
		break;
	case BAD_RANDOM: {
		uint8_t junk[64];
		size_t n = (size_t)(tv_test_rand(&fk->seed) % sizeof(junk));
		for (size_t i = 0; i < n; i++)
			junk[i] = (uint8_t)tv_test_rand(&fk->seed);
		if (n >= 4 && tv_test_rand(&fk->seed) % 2) /* now and then a real magic */
			memcpy(junk, "TVDP\x01\x00", n >= 6 ? 6 : 4);
		tv_test_send_all(c, junk, n);
		return -1;
	}
	default: /* BAD_TRAILING, BAD_SHORT, BAD_MUTATE: a right answer, changed */
		good_answer(h->op, body, h->length, &fr);
		break;
	}
	if (!fr.buf)
		return -1;
	size_t body_len = fr.len - TVD_HDR_SIZE;
	if (how == BAD_TRAILING || how == BAD_SHORT) {
		size_t nl = how == BAD_TRAILING ? body_len + 1 : body_len - 1;
		uint8_t *g = calloc(1, TVD_HDR_SIZE + nl);
		memcpy(g, fr.buf, TVD_HDR_SIZE + (nl < body_len ? nl : body_len));
		tvd_hdr_encode(g, TVD_RESPONSE | h->op, (uint32_t)nl);
		free(fr.buf);
		fr.buf = g;
		fr.len = TVD_HDR_SIZE + nl;
	} else if (how == BAD_MUTATE && body_len) {
		int flips = 1 + (int)(tv_test_rand(&fk->seed) % 3);
		for (int i = 0; i < flips; i++)
			fr.buf[TVD_HDR_SIZE + tv_test_rand(&fk->seed) % body_len] ^=
				(uint8_t)(1u << (tv_test_rand(&fk->seed) % 8));
	}
	if (tv_test_send_all(c, fr.buf, fr.len))
		rc = -1;
	tvd_frame_free(&fr);
	return rc;
}

static void fake_serve_conn(struct fake *fk, int c)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = c, .events = POLLIN}, {.fd = fk->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) <= 0 || p[1].revents)
			return;
		struct tvd_hdr h;
		uint8_t *body;
		if (frame_read(c, &h, &body)) {
			free(body);
			return;
		}
		pthread_mutex_lock(&fk->mu);
		enum bad how = h.op == fk->bad_op ? fk->how : BAD_NONE;
		pthread_mutex_unlock(&fk->mu);
		int rc;
		if (how == BAD_NONE) {
			struct tvd_frame fr = {0};
			rc = good_answer(h.op, body, h.length, &fr) == 0 ? tv_test_send_all(c, fr.buf, fr.len) : -1;
			tvd_frame_free(&fr);
		} else {
			rc = misbehave(fk, how, &h, body, c);
		}
		free(body);
		if (rc)
			return;
	}
}

static void *fake_main(void *arg)
{
	struct fake *fk = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = fk->lfd, .events = POLLIN},
				      {.fd = fk->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) <= 0 || p[1].revents)
			return NULL;
		int c = accept4(fk->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		pthread_mutex_lock(&fk->mu);
		fk->conns++;
		pthread_mutex_unlock(&fk->mu);
		fake_serve_conn(fk, c);
		close(c);
	}
}

static void fake_start(struct fake *fk, const char *dir)
{
	memset(fk, 0, sizeof(*fk));
	snprintf(fk->path, sizeof(fk->path), "%s/fake.sock", dir);
	struct sockaddr_un sa = unix_addr(fk->path);
	fk->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fk->lfd >= 0);
	assert_int_equal(bind(fk->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fk->lfd, 8), 0);
	assert_int_equal(pipe2(fk->stop, O_CLOEXEC), 0);
	pthread_mutex_init(&fk->mu, NULL);
	fk->seed = 0xbad;
	assert_int_equal(pthread_create(&fk->th, NULL, fake_main, fk), 0);
}

static void fake_set(struct fake *fk, uint16_t op, enum bad how)
{
	pthread_mutex_lock(&fk->mu);
	fk->bad_op = op;
	fk->how = how;
	pthread_mutex_unlock(&fk->mu);
}

static void fake_stop(struct fake *fk)
{
	assert_int_equal(write(fk->stop[1], "x", 1), 1);
	pthread_join(fk->th, NULL);
	close(fk->lfd);
	close(fk->stop[0]);
	close(fk->stop[1]);
	unlink(fk->path);
	pthread_mutex_destroy(&fk->mu);
}

#define FAKE_TIMEOUT_MS 300

struct hfx {
	char *dir;
	struct fake fk;
	struct dev dev;
	struct bridge *b;
};

static int hsetup(void **state)
{
	struct hfx *h = calloc(1, sizeof(*h));
	h->dir = tv_test_tmpdir();
	*state = h;
	if (!h->dir)
		return -1;
	fake_start(&h->fk, h->dir);
	dev_open(&h->dev);
	h->b = new_bridge(&h->dev, h->fk.path, -1, FAKE_TIMEOUT_MS);
	return 0;
}

static int hteardown(void **state)
{
	struct hfx *h = *state;
	bridge_free(h->b);
	dev_close(&h->dev);
	fake_stop(&h->fk);
	tv_test_rmtree(h->dir);
	free(h->dir);
	free(h);
	return 0;
}

/* An INVOKE with an input, an in-out and an output memref and two values. */
static struct vtee_view fake_invoke(struct hfx *h, uint32_t s)
{
	static const uint8_t in[] = {'i', 'n', 'p', 'u', 't'}, io[] = {'i', '/', 'o'};
	struct vtee_view q = req_new(&h->dev, TVV_OP_INVOKE);
	q.m.session = s;
	q.m.func = 3;
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INOUT, .a = 3};
	q.m.params[1] = (struct tvv_param){.attr = TV_TEE_PARAM_VALUE_INOUT, .a = 9};
	q.m.params[2] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INPUT, .a = 5};
	q.m.params[3] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_OUTPUT, .a = 8};
	q.data[0] = io;
	q.data[2] = in;
	return call(&h->dev, h->b, &q);
}

static void expect_fake_good(struct hfx *h, uint32_t s)
{
	struct vtee_view r = fake_invoke(h, s);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(r.m.payload_len, 3 + 8);
	assert_memory_equal(r.data[0], "i/o", 3);
	assert_int_equal(r.m.params[1].a, 1);
	assert_int_equal(r.m.params[1].c, 3);
	assert_int_equal(r.m.params[2].a, 5); /* an input memref: as sent */
	assert_null(r.data[2]);
	assert_int_equal(r.m.params[3].a, 8);
}

/* Every kind of bad answer, to each op: COMMUNICATION (fast unless the peer
 * is silent), then a good exchange works again. */
static void test_hostile_teevard(void **state)
{
	struct hfx *h = *state;
	struct dev *d = &h->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, h->b, &s, NULL), TEE_SUCCESS);
	expect_fake_good(h, s);
	static const uint16_t ops[] = {TVD_OP_INVOKE, TVD_OP_OPEN_SESSION, TVD_OP_CLOSE_SESSION};
	for (enum bad how = BAD_JUNK; how < BAD_RANDOM; how++) {
		for (size_t oi = 0; oi < sizeof(ops) / sizeof(ops[0]); oi++) {
			uint16_t op = ops[oi];
			bool invoke_only = how == BAD_OVERSIZE_OUT || how == BAD_TYPES ||
					   how == BAD_SUCCESS_COMMS;
			if (invoke_only && op != TVD_OP_INVOKE)
				continue;
			fake_set(&h->fk, op, how);
			int64_t t0 = now_ms();
			uint32_t s2 = 0, origin = 0;
			if (op == TVD_OP_INVOKE) {
				struct vtee_view r = fake_invoke(h, s);
				expect_comm(&r);
			} else if (op == TVD_OP_OPEN_SESSION) {
				/* the re-open after the last failure meets the bad answer too */
				assert_int_equal(open_session(d, h->b, &s2, &origin),
						 TEE_ERROR_COMMUNICATION);
				assert_int_equal(origin, TEE_ORIGIN_COMMS);
			} else {
				assert_int_equal(open_session(d, h->b, &s2, NULL), TEE_SUCCESS);
				close_session(d, h->b, s2); /* succeeds whatever teevard says */
			}
			int64_t took = now_ms() - t0;
			if (how == BAD_SILENT || how == BAD_HUGE || how == BAD_VERSION ||
			    how == BAD_JUNK || how == BAD_SHORT)
				assert_true(took < FAKE_TIMEOUT_MS + QUICK_MS);
			else
				assert_true(took < QUICK_MS);
			fake_set(&h->fk, 0, BAD_NONE);
			expect_fake_good(h, s);
		}
	}
	const struct bridge_stats *st = bridge_get_stats(h->b);
	print_message("# hostile teevard: %lu COMMUNICATION answers, %lu reconnects\n",
		      st->comm_errors, st->ups);
	assert_true(st->reopens > 10);
}

/* Random bytes and flipped answers, many times: never a crash, and every
 * answer the bridge gives fits its request. */
static void test_hostile_random(void **state)
{
	struct hfx *h = *state;
	struct dev *d = &h->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, h->b, &s, NULL), TEE_SUCCESS);
	unsigned comm = 0, ok = 0, other = 0;
	for (int i = 0; i < 400; i++) {
		fake_set(&h->fk, TVD_OP_INVOKE, i % 2 ? BAD_MUTATE : BAD_RANDOM);
		struct vtee_view r = fake_invoke(h, s);
		if (r.m.ret == TEE_ERROR_COMMUNICATION && r.m.ret_origin == TEE_ORIGIN_COMMS)
			comm++;
		else if (r.m.ret == TEE_SUCCESS)
			ok++;
		else
			other++;
	}
	fake_set(&h->fk, 0, BAD_NONE);
	expect_fake_good(h, s);
	print_message("# hostile random: %u COMMUNICATION, %u success, %u other\n", comm, ok, other);
	assert_true(comm >= 200);
}

/* ==================================================== port mode (QEMU relay) */

/* Plays QEMU: our end of the "port" (a stream socketpair) <-> teevard's socket,
 * one frame at a time, with knobs for late answers and silent reconnects. */
struct relay {
	int q;
	const char *sock;
	int t;
	int stop[2];
	pthread_t th;
	pthread_mutex_t mu;
	int delay_next_ms;
	bool reconnect_next;
};

/* Also called by the relay thread: no cmocka asserts here. */
static int connect_teevard(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = r->q, .events = POLLIN}, {.fd = r->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) <= 0 || p[1].revents)
			return NULL;
		struct tvd_hdr h;
		uint8_t *body, *ab;
		if (frame_read(r->q, &h, &body)) {
			free(body);
			return NULL;
		}
		pthread_mutex_lock(&r->mu);
		int delay = r->delay_next_ms;
		bool reconnect = r->reconnect_next;
		r->delay_next_ms = 0;
		r->reconnect_next = false;
		pthread_mutex_unlock(&r->mu);
		if (reconnect) {
			close(r->t);
			r->t = connect_teevard(r->sock);
		}
		uint8_t hb[TVD_HDR_SIZE], ah[TVD_HDR_SIZE];
		struct tvd_hdr a;
		tvd_hdr_encode(hb, h.op, h.length);
		if (tv_test_send_all(r->t, hb, sizeof(hb)) || tv_test_send_all(r->t, body, h.length) ||
		    frame_read(r->t, &a, &ab)) {
			free(body);
			return NULL;
		}
		free(body);
		if (delay)
			sleep_ms(delay);
		tvd_hdr_encode(ah, a.op, a.length);
		int rc = tv_test_send_all(r->q, ah, sizeof(ah)) || tv_test_send_all(r->q, ab, a.length);
		free(ab);
		if (rc)
			return NULL;
	}
}

/* *port gets the bridge's end. */
static void relay_start(struct relay *r, const char *sock, int *port)
{
	int sp[2];
	memset(r, 0, sizeof(*r));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	r->q = sp[0];
	*port = sp[1];
	r->sock = sock;
	r->t = connect_teevard(sock);
	assert_true(r->t >= 0);
	assert_int_equal(pipe2(r->stop, O_CLOEXEC), 0);
	pthread_mutex_init(&r->mu, NULL);
}

static void relay_run(struct relay *r)
{
	assert_int_equal(pthread_create(&r->th, NULL, relay_main, r), 0);
}

/* Stops the relay and hangs up the port. */
static void relay_stop(struct relay *r)
{
	assert_int_equal(write(r->stop[1], "x", 1), 1);
	pthread_join(r->th, NULL);
	close(r->q);
	close(r->t);
	close(r->stop[0]);
	close(r->stop[1]);
	pthread_mutex_destroy(&r->mu);
}

struct pfx {
	struct fx f;  /* teevard, the device, no bridge yet */
	struct relay r;
	int port;
	bool relay_stopped;
};

#define PORT_TIMEOUT_MS 1000

static int psetup(void **state)
{
	struct pfx *p = calloc(1, sizeof(*p));
	p->f.dir = tv_test_tmpdir();
	*state = p;
	if (!p->f.dir || tvd_start(&p->f.d, p->f.dir, NULL) != 0)
		return -1;
	dev_open(&p->f.dev);
	relay_start(&p->r, p->f.d.sock, &p->port);
	return 0;
}

static int pteardown(void **state)
{
	struct pfx *p = *state;
	if (!p->relay_stopped)
		relay_stop(&p->r);
	if (p->f.b)
		bridge_free(p->f.b); /* before the port it uses */
	p->f.b = NULL;
	close(p->port);
	fx_cleanup(&p->f);
	free(p);
	return 0;
}

/* The start of every port test: the relay playing QEMU, a bridge on its port,
 * a session. */
static struct bridge *port_bridge(struct pfx *p, int timeout_ms, uint32_t *s)
{
	relay_run(&p->r);
	p->f.b = new_bridge(&p->f.dev, NULL, p->port, timeout_ms);
	assert_int_equal(open_session(&p->f.dev, p->f.b, s, NULL), TEE_SUCCESS);
	return p->f.b;
}

/* No teevard session was leaked on the connection (a new one still fits in
 * its 2); then both are closed and teevard stops clean. */
static void port_finish_unleaked(struct pfx *p, uint32_t s)
{
	uint32_t s2 = 0;
	assert_int_equal(open_session(&p->f.dev, p->f.b, &s2, NULL), TEE_SUCCESS);
	close_session(&p->f.dev, p->f.b, s2);
	close_session(&p->f.dev, p->f.b, s);
	finish(&p->f);
}

static void test_port_stale_and_idle(void **state)
{
	struct pfx *p = *state;
	struct dev *d = &p->f.dev;
	/* bytes from an earlier life sit in the port */
	static const char junk[] = "TVDP\x01\x00\x02\x80 stale bytes of an old connection";
	assert_int_equal(tv_test_send_all(p->r.q, junk, sizeof(junk)), 0);
	uint32_t s = 0;
	struct bridge *b = port_bridge(p, PORT_TIMEOUT_MS, &s);
	assert_int_equal(bridge_get_stats(b)->discarded, sizeof(junk));
	assert_true(logged(&d->log, "discarded"));
	assert_int_equal(set_var(d, b, s, "PortVar", "p1", 2), TEE_SUCCESS);
	expect_var(d, b, s, "PortVar", "p1");
	/* input nobody asked for while idle: the watch marks the port down, the
	 * next request resynchronizes */
	assert_int_equal(bridge_watch_fd(b), p->port);
	assert_int_equal(tv_test_send_all(p->r.q, "??", 2), 0);
	struct pollfd pl = {.fd = p->port, .events = POLLIN};
	assert_int_equal(poll(&pl, 1, 5000), 1);
	bridge_watch_event(b, pl.revents);
	assert_false(bridge_is_up(b));
	expect_var(d, b, s, "PortVar", "p1");
	assert_int_equal(bridge_get_stats(b)->ups, 2);
	/* the stale teevard session was closed: two more fit in the connection's 2 */
	port_finish_unleaked(p, s);
}

/* A late answer after a timeout: skipped by the resync, the next request gets
 * its own answer. */
static void test_port_timeout_resync(void **state)
{
	struct pfx *p = *state;
	struct dev *d = &p->f.dev;
	uint32_t s = 0;
	struct bridge *b = port_bridge(p, PORT_TIMEOUT_MS, &s);
	assert_int_equal(set_var(d, b, s, "Late", "old", 3), TEE_SUCCESS);
	for (int round = 0; round < 2; round++) {
		pthread_mutex_lock(&p->r.mu);
		p->r.delay_next_ms = PORT_TIMEOUT_MS + 300;
		pthread_mutex_unlock(&p->r.mu);
		int64_t t0 = now_ms();
		assert_int_equal(set_var(d, b, s, "Late", "new", 3), TEE_ERROR_COMMUNICATION);
		int64_t took = now_ms() - t0;
		assert_true(took >= PORT_TIMEOUT_MS - 50 && took < PORT_TIMEOUT_MS + QUICK_MS);
		/* the SET did happen (a timeout proves nothing); the GET gets the GET's answer */
		expect_var(d, b, s, "Late", "new");
		assert_int_equal(set_var(d, b, s, "Late", "old", 3), TEE_SUCCESS);
	}
	const struct bridge_stats *st = bridge_get_stats(b);
	assert_int_equal(st->ups, 3);
	assert_int_equal(st->reopens, 2);
	assert_true(st->discarded > 0);
	port_finish_unleaked(p, s);
}

/* QEMU reconnected (teevard restarted) between two polls of the bridge:
 * teevard no longer knows the session; re-opened and the INVOKE sent again. */
static void test_port_missed_reconnect(void **state)
{
	struct pfx *p = *state;
	struct dev *d = &p->f.dev;
	uint32_t s = 0;
	struct bridge *b = port_bridge(p, PORT_TIMEOUT_MS, &s);
	assert_int_equal(set_var(d, b, s, "Missed", "m", 1), TEE_SUCCESS);
	pthread_mutex_lock(&p->r.mu);
	p->r.reconnect_next = true;
	pthread_mutex_unlock(&p->r.mu);
	expect_var(d, b, s, "Missed", "m");
	assert_int_equal(bridge_get_stats(b)->retries, 1);
	assert_int_equal(bridge_get_stats(b)->comm_errors, 0);
	assert_true(logged(&d->log, "does not know session"));
	close_session(d, b, s);
	finish(&p->f);
}

/* The port hung up (teevard gone, QEMU reconnecting): COMMUNICATION at once,
 * every time; CLOSE still succeeds. */
static void test_port_hangup(void **state)
{
	struct pfx *p = *state;
	struct dev *d = &p->f.dev;
	uint32_t s = 0;
	struct bridge *b = port_bridge(p, BRIDGE_DEFAULT_TIMEOUT_MS, &s);
	relay_stop(&p->r);
	p->relay_stopped = true;
	for (int i = 0; i < 3; i++) {
		uint8_t mm[48];
		int64_t t0 = now_ms();
		struct vtee_view r = invoke_mm(d, b, s, mm, mm_payload_size(mm));
		expect_comm(&r);
		assert_true(now_ms() - t0 < QUICK_MS);
	}
	uint32_t s2 = 0;
	assert_int_equal(open_session(d, b, &s2, NULL), TEE_ERROR_COMMUNICATION);
	assert_int_equal(bridge_connect(b), TV_EIO);
	close_session(d, b, s);
	finish(&p->f);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_vtee_bridge TEEVARD\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_vectors),
		cmocka_unit_test(test_codec_rejects),
		cmocka_unit_test(test_codec_limits),
		cmocka_unit_test(test_codec_random),
		cmocka_unit_test(test_rpc_codec_vectors),
		cmocka_unit_test(test_rpc_codec_rejects),
		cmocka_unit_test(test_rpc_codec_random),
		cmocka_unit_test(test_port_lookup),
		cmocka_unit_test_setup_teardown(test_e2e_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e2e_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e2e_client_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e2e_teevard_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e2e_teevard_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e2e_named_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e2e_bridge_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_teevard, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(test_hostile_random, hsetup, hteardown),
		cmocka_unit_test_setup_teardown(test_port_stale_and_idle, psetup, pteardown),
		cmocka_unit_test_setup_teardown(test_port_timeout_resync, psetup, pteardown),
		cmocka_unit_test_setup_teardown(test_port_missed_reconnect, psetup, pteardown),
		cmocka_unit_test_setup_teardown(test_port_hangup, psetup, pteardown),
	};
	return cmocka_run_group_tests_name("vtee_bridge", tests, NULL, NULL);
}

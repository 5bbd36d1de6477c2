/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar-vtee-bridge (src/vtee_bridge/):
 * - the /dev/teevar-vtee message codec (the RPC messages too) against
 *   hand-made byte vectors, every rule it enforces, and random mutations;
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
 *     a timeout skipped, a reconnect the bridge did not see, a hang-up;
 *   - the secure core's RPCs: a thread plays the module (it reads the
 *     kernel's end, checks every RPC message strictly and answers as a
 *     configurable supplicant would; write() is wrapped to fail RPC writes as
 *     the module does), a fake teevard sends RPC frames during OPEN_SESSION
 *     and INVOKE (one, several, malformed, stale at a port barrier) and
 *     answers RPC_ENABLE as a new or an older teevard.
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

/* The message of hex vector vec in m, with 1 to 3 bits flipped and, one time
 * in eight, its last byte cut; its length. */
static size_t mutate(const char *vec, uint64_t *seed, uint8_t m[512])
{
	size_t n = hex(vec, m, 512);
	int flips = 1 + (int)(tv_test_rand(seed) % 3);
	for (int i = 0; i < flips; i++)
		m[tv_test_rand(seed) % n] ^= (uint8_t)(1u << (tv_test_rand(seed) % 8));
	return n - (tv_test_rand(seed) % 8 == 0 ? 1 : 0);
}

/* Random changes never crash the decoder, and whatever it accepts encodes
 * back to the same bytes. */
static void test_codec_random(void **state)
{
	(void)state;
	uint8_t m[512];
	const char *vecs[] = {invoke_hex, answer_hex, open_hex};
	uint64_t seed = 0x7676;
	unsigned accepted = 0;
	for (int round = 0; round < 30000; round++) {
		size_t len = mutate(vecs[round % 3], &seed, m);
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
	uint8_t m[512];
	const char *vecs[] = {rpc_req_hex, rpc_ans_hex, rpc_err_hex};
	uint64_t seed = 0x4242;
	unsigned accepted = 0;
	for (int round = 0; round < 30000; round++) {
		size_t len = mutate(vecs[round % 3], &seed, m);
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

struct kern;

struct dev {
	int k, b;         /* the kernel's end and the bridge's end */
	uint8_t *rbuf;
	uint32_t next_id;
	struct logbuf log;
	struct kern *kern; /* when a thread plays the module (RPC tests): it reads k */
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

/* How many times text was logged. */
static unsigned count_logged(struct logbuf *l, const char *text)
{
	unsigned n = 0;
	pthread_mutex_lock(&l->mu);
	for (const char *p = l->text; (p = strstr(p, text)) != NULL; p += strlen(text))
		n++;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* ---- write() failures of the device, as the module gives them ---- */

/* Every write() linked into this test, the bridge's included, comes here
 * (-Wl,--wrap=write, tests/meson.build): the next fail_rpc_count RPC messages
 * written to fail_rpc_fd fail with fail_rpc_errno, as the module's write()
 * fails them. The bridge runs in the test's thread: no locking needed. */
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
static int fail_rpc_fd = -1, fail_rpc_errno, fail_rpc_count;

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	if (fd == fail_rpc_fd && fail_rpc_count > 0 && n >= TVV_MSG_SIZE) {
		struct tvv_msg m;
		memcpy(&m, buf, TVV_MSG_SIZE);
		if (m.magic == TVV_MAGIC && m.op == TVV_OP_RPC) {
			fail_rpc_count--;
			errno = fail_rpc_errno;
			return -1;
		}
	}
	return __real_write(fd, buf, n);
}

/* ---- the module's side of RPCs: a thread reads the kernel's end ---- */

/* What the supplicant (behind the module) does with an RPC. */
enum supp {
	SUPP_ECHO,          /* success: out_len bytes made from the input (echo_byte) */
	SUPP_SHORT,         /* success: half of them */
	SUPP_ERROR,         /* supp_ret, origin COMMS, no bytes */
	SUPP_SILENT,        /* no answer at all */
	SUPP_LATE,          /* the echo, after late_ms */
	SUPP_OVERSIZE,      /* one byte more than the room */
	SUPP_WRONG_SESSION, /* the echo for another session */
	SUPP_WRONG_IN,      /* params[0] not echoed */
	SUPP_GARBLED,       /* the right id, but num_params 3 */
	SUPP_OTHER_FUNC,    /* an answer to another RPC of the request first, then the echo */
};

#define KERN_RPCS 32
#define KERN_ANSWERS 48
#define KERN_INJECT 24
#define KERN_ORDER 256

struct kern_rpc {
	struct vtee_rpc r;   /* data NULL: the bytes are hashed */
	uint64_t in_hash;
};

struct kern {
	struct dev *d;
	pthread_t th;
	int stop[2];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* what the supplicant does with the i-th RPC from supp_base on, then supp_default */
	enum supp supp[KERN_RPCS];
	unsigned n_supp, supp_base;
	enum supp supp_default;
	uint32_t supp_ret;
	int late_ms;
	/* kernel requests written just before the answer to RPC number inject_at (1-based) */
	unsigned inject_at;
	uint8_t *inject[KERN_INJECT];
	size_t inject_len[KERN_INJECT];
	unsigned n_inject;
	/* what happened */
	struct kern_rpc rpcs[KERN_RPCS];
	unsigned n_rpcs, bad_rpcs, late_sent;
	uint8_t *ans[KERN_ANSWERS];   /* answers to kernel requests, not yet taken */
	size_t ans_len[KERN_ANSWERS];
	unsigned n_ans;
	uint32_t order[KERN_ORDER];   /* the ids of the answers as they came */
	unsigned n_order;
};

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Byte i of the supplicant's answer to an RPC with these inputs. */
static uint8_t echo_byte(uint32_t func, const uint8_t *in, uint32_t in_len, size_t i)
{
	return (uint8_t)(func * 31u + i * 3u + (in_len ? in[i % in_len] : 0u));
}

static void kern_send(struct kern *kn, const struct vtee_rpc *a, bool garble)
{
	uint8_t *buf;
	size_t len;
	if (vtee_rpc_encode(a, true, &buf, &len) != TV_OK)
		return;
	if (garble)
		put_le(buf + 52, 4, 3); /* num_params */
	if (send(kn->d->k, buf, len, 0) < 0)
		fprintf(stderr, "# kern: send: %s\n", strerror(errno));
	free(buf);
}

/* The supplicant's answer to r (in its bytes) as told by how. */
static void kern_answer(struct kern *kn, const struct vtee_rpc *r, const uint8_t *in, enum supp how)
{
	struct vtee_rpc a = *r;
	a.ret = 0;
	a.ret_origin = TEE_ORIGIN_TEE;
	uint8_t *out = malloc((size_t)r->out_len + 2);
	if (!out)
		return;
	for (size_t i = 0; i < (size_t)r->out_len + 1; i++)
		out[i] = echo_byte(r->func, in, r->in_len, i);
	a.data = out;
	switch (how) {
	case SUPP_SILENT: free(out); return;
	case SUPP_SHORT: a.out_len /= 2; break;
	case SUPP_ERROR:
		pthread_mutex_lock(&kn->mu);
		a.ret = kn->supp_ret;
		pthread_mutex_unlock(&kn->mu);
		a.ret_origin = TEE_ORIGIN_COMMS;
		a.out_len = 0;
		break;
	case SUPP_LATE: {
		pthread_mutex_lock(&kn->mu);
		int ms = kn->late_ms;
		pthread_mutex_unlock(&kn->mu);
		sleep_ms(ms);
		break;
	}
	case SUPP_OVERSIZE: a.out_len++; break;
	case SUPP_WRONG_SESSION: a.session++; break;
	case SUPP_WRONG_IN: a.in_len++; break;
	case SUPP_OTHER_FUNC: {
		struct vtee_rpc o = {.id = r->id, .session = r->session, .func = r->func + 1,
				     .in_len = r->in_len};
		kern_send(kn, &o, false);
		break;
	}
	default: break;
	}
	kern_send(kn, &a, how == SUPP_GARBLED);
	free(out);
	if (how == SUPP_LATE) {
		pthread_mutex_lock(&kn->mu);
		kn->late_sent++;
		pthread_mutex_unlock(&kn->mu);
	}
}

/* An RPC the bridge wrote: checked as the module checks it (strictly), noted,
 * the kernel requests to inject written, then answered. */
static void kern_rpc(struct kern *kn, const uint8_t *buf, size_t len)
{
	struct vtee_rpc r;
	pthread_mutex_lock(&kn->mu);
	if (vtee_rpc_decode(buf, len, false, &r) != TV_OK) {
		kn->bad_rpcs++;
		pthread_mutex_unlock(&kn->mu);
		return;
	}
	unsigned i = kn->n_rpcs++;
	if (i < KERN_RPCS) {
		kn->rpcs[i] = (struct kern_rpc){.r = r, .in_hash = fnv(r.data, r.in_len)};
		kn->rpcs[i].r.data = NULL;
	}
	unsigned k = i - kn->supp_base;
	enum supp how = k < kn->n_supp ? kn->supp[k] : kn->supp_default;
	bool inject = kn->inject_at == i + 1;
	pthread_mutex_unlock(&kn->mu);
	for (unsigned j = 0; inject && j < kn->n_inject; j++)
		if (send(kn->d->k, kn->inject[j], kn->inject_len[j], 0) < 0)
			fprintf(stderr, "# kern: send: %s\n", strerror(errno));
	kern_answer(kn, &r, r.data, how);
}

static void kern_keep(struct kern *kn, const uint8_t *buf, size_t len)
{
	uint32_t id = 0;
	uint16_t op;
	vtee_peek(buf, len, &id, &op);
	pthread_mutex_lock(&kn->mu);
	uint8_t *copy = malloc(len);
	if (copy && kn->n_ans < KERN_ANSWERS) {
		memcpy(copy, buf, len);
		kn->ans[kn->n_ans] = copy;
		kn->ans_len[kn->n_ans++] = len;
	} else {
		free(copy);
	}
	if (kn->n_order < KERN_ORDER)
		kn->order[kn->n_order++] = id;
	pthread_cond_broadcast(&kn->cv);
	pthread_mutex_unlock(&kn->mu);
}

static void *kern_main(void *arg)
{
	struct kern *kn = arg;
	uint8_t *buf = malloc(RBUF_SIZE);
	while (buf) {
		struct pollfd p[2] = {{.fd = kn->d->k, .events = POLLIN},
				      {.fd = kn->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) <= 0 || p[1].revents)
			break;
		ssize_t n = recv(kn->d->k, buf, RBUF_SIZE, 0);
		if (n <= 0)
			break;
		uint32_t id;
		uint16_t op;
		if (vtee_peek(buf, (size_t)n, &id, &op) && op == TVV_OP_RPC)
			kern_rpc(kn, buf, (size_t)n);
		else
			kern_keep(kn, buf, (size_t)n);
	}
	free(buf);
	return NULL;
}

static void kern_start(struct kern *kn, struct dev *d)
{
	memset(kn, 0, sizeof(*kn));
	kn->d = d;
	pthread_mutex_init(&kn->mu, NULL);
	pthread_cond_init(&kn->cv, NULL);
	assert_int_equal(pipe2(kn->stop, O_CLOEXEC), 0);
	d->kern = kn;
	assert_int_equal(pthread_create(&kn->th, NULL, kern_main, kn), 0);
}

static void kern_stop(struct kern *kn)
{
	assert_int_equal(write(kn->stop[1], "x", 1), 1);
	pthread_join(kn->th, NULL);
	close(kn->stop[0]);
	close(kn->stop[1]);
	for (unsigned i = 0; i < kn->n_ans; i++)
		free(kn->ans[i]);
	for (unsigned i = 0; i < kn->n_inject; i++)
		free(kn->inject[i]);
	kn->d->kern = NULL;
	pthread_cond_destroy(&kn->cv);
	pthread_mutex_destroy(&kn->mu);
}

/* The supplicant's behaviour for the next n RPCs, then dflt. */
static void kern_supp(struct kern *kn, const enum supp *how, unsigned n, enum supp dflt)
{
	pthread_mutex_lock(&kn->mu);
	assert_true(n <= KERN_RPCS);
	memcpy(kn->supp, how, n * sizeof(*how));
	kn->n_supp = n;
	kn->supp_base = kn->n_rpcs;
	kn->supp_default = dflt;
	pthread_mutex_unlock(&kn->mu);
}

/* The answer to request id, into buf (at most max bytes): its length, or 0
 * when none came within 10 s. */
static size_t kern_take(struct kern *kn, uint32_t id, uint8_t *buf, size_t max)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	size_t len = 0;
	pthread_mutex_lock(&kn->mu);
	for (;;) {
		for (unsigned i = 0; i < kn->n_ans; i++) {
			struct tvv_msg m;
			memcpy(&m, kn->ans[i], TVV_MSG_SIZE);
			if (m.id != id || kn->ans_len[i] > max)
				continue;
			len = kn->ans_len[i];
			memcpy(buf, kn->ans[i], len);
			free(kn->ans[i]);
			memmove(&kn->ans[i], &kn->ans[i + 1], (kn->n_ans - i - 1) * sizeof(kn->ans[0]));
			memmove(&kn->ans_len[i], &kn->ans_len[i + 1],
				(kn->n_ans - i - 1) * sizeof(kn->ans_len[0]));
			kn->n_ans--;
			goto out;
		}
		if (pthread_cond_timedwait(&kn->cv, &kn->mu, &until) != 0)
			break;
	}
out:
	pthread_mutex_unlock(&kn->mu);
	return len;
}

/* A copy of what the module saw of RPC i. */
static struct kern_rpc kern_got(struct kern *kn, unsigned i)
{
	pthread_mutex_lock(&kn->mu);
	struct kern_rpc r = kn->rpcs[i];
	pthread_mutex_unlock(&kn->mu);
	return r;
}

static unsigned kern_count(struct kern *kn, const unsigned *field)
{
	pthread_mutex_lock(&kn->mu);
	unsigned v = *field;
	pthread_mutex_unlock(&kn->mu);
	return v;
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

/* The kernel queues q for the bridge. */
static void dev_send(struct dev *d, const struct vtee_view *q)
{
	uint8_t *buf;
	size_t len;
	assert_int_equal(vtee_encode(q, &buf, &len), TV_OK);
	assert_int_equal(write(d->k, buf, len), (ssize_t)len);
	free(buf);
}

/* The bridge's answer to q, already written, checked (data points into
 * d->rbuf). */
static struct vtee_view dev_answer(struct dev *d, const struct vtee_view *q)
{
	ssize_t n = d->kern ? (ssize_t)kern_take(d->kern, q->m.id, d->rbuf, RBUF_SIZE)
			    : recv(d->k, d->rbuf, RBUF_SIZE, MSG_DONTWAIT);
	assert_true(n >= (ssize_t)TVV_MSG_SIZE);
	struct vtee_view r;
	assert_int_equal(vtee_decode(d->rbuf, (size_t)n, true, &r), TV_OK);
	check_like_kernel(q, &r);
	return r;
}

/* Sends q to the bridge, lets it serve, returns its checked answer. */
static struct vtee_view call(struct dev *d, struct bridge *b, const struct vtee_view *q)
{
	dev_send(d, q);
	assert_int_equal(bridge_serve(b, d->b), 0);
	return dev_answer(d, q);
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

static struct bridge *new_bridge_rpc(struct dev *d, const char *sock, int port_fd, int timeout_ms,
				     int rpc_timeout_ms)
{
	struct bridge_config cfg = {.socket_path = sock, .port_fd = port_fd,
				    .timeout_ms = timeout_ms, .rpc_timeout_ms = rpc_timeout_ms,
				    .log = log_cb, .log_ctx = &d->log};
	struct bridge *b = NULL;
	assert_int_equal(bridge_new(&cfg, &b), TV_OK);
	return b;
}

static struct bridge *new_bridge(struct dev *d, const char *sock, int port_fd, int timeout_ms)
{
	return new_bridge_rpc(d, sock, port_fd, timeout_ms, 0);
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
	/* RPC_ENABLE went first: taken, or refused by a teevard without RPCs */
	assert_int_equal(bridge_get_stats(f->b)->rpc_enables + bridge_get_stats(f->b)->rpc_refusals, 1);
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

/* An RPC the fake sends (in bytes: fake_in_byte), good or broken. */
enum rpc_kind {
	RPC_GOOD,
	RPC_RESERVED,   /* the reserved field set */
	RPC_SHORT_BODY, /* the body one byte shorter than in_len says */
	RPC_TRAILING,   /* one byte more */
	RPC_HUGE_IN,    /* in_len over TVD_RPC_MAX_LEN */
	RPC_HUGE_OUT,   /* out_len over it */
};

struct rpc_step {
	uint32_t func, in_len, out_len;
	enum rpc_kind kind;
};

/* The client's answer to an RPC, as the fake got it. */
struct rpc_got {
	bool ok;        /* an RPC answer that decodes */
	uint32_t ret, out_len;
	uint8_t out[4096];
};

/* How the fake answers RPC_ENABLE. */
enum re_mode {
	RE_OK,      /* status TEE_SUCCESS */
	RE_OLD,     /* ERROR NOT_SUPPORTED, as a teevard before RPCs */
	RE_REFUSE,  /* RPC_ENABLE's status NOT_SUPPORTED */
	RE_FORMAT,  /* ERROR BAD_FORMAT (a framing error) */
	RE_RPC,     /* an RPC frame instead */
};

#define FAKE_STEPS 8
#define FAKE_OPS 256

struct fake {
	char path[300];
	int lfd;
	int port;            /* port mode: the fake's end of the stream, else -1 */
	int stop[2];
	pthread_t th;
	pthread_mutex_t mu;
	uint16_t bad_op;
	enum bad how;
	uint64_t seed;
	int conns;
	/* RPCs: the steps run once, during the next request of rpc_op */
	uint16_t rpc_op;
	struct rpc_step steps[FAKE_STEPS];
	unsigned n_steps;
	int answer_delay_ms;  /* after the steps, before the request's answer */
	struct rpc_got got[FAKE_STEPS];
	unsigned n_got;
	bool got_eof;         /* the client hung up instead of answering an RPC */
	enum re_mode re;
	unsigned rpc_enables;
	bool forget_next;     /* the next INVOKE: BAD_PARAMETERS/COMMS, an unknown session */
	bool stale_rpc_next;  /* the next INVOKE: answered only after the next frame, with an RPC first */
	uint16_t ops[FAKE_OPS]; /* every request the fake read, and on which connection */
	int op_conn[FAKE_OPS];
	unsigned n_ops;
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

static uint8_t fake_in_byte(uint32_t func, size_t i)
{
	return (uint8_t)(i * 7u + func);
}

static void fake_note_op(struct fake *fk, uint16_t op)
{
	pthread_mutex_lock(&fk->mu);
	if (fk->n_ops < FAKE_OPS) {
		fk->ops[fk->n_ops] = op;
		fk->op_conn[fk->n_ops++] = fk->conns;
	}
	pthread_mutex_unlock(&fk->mu);
}

/* Sends an RPC frame as st says. 0 or -1. */
static int fake_send_rpc(int c, const struct rpc_step *st)
{
	uint8_t *in = malloc((size_t)st->in_len + 1);
	if (!in)
		return -1;
	for (size_t i = 0; i < st->in_len; i++)
		in[i] = fake_in_byte(st->func, i);
	struct tvd_rpc_req q = {.func = st->func, .in_len = st->in_len, .out_len = st->out_len, .in = in};
	struct tvd_frame f = {0};
	int rc = tvd_enc_rpc_req(&q, &f);
	free(in);
	if (rc != TV_OK)
		return -1;
	uint8_t *body = f.buf + TVD_HDR_SIZE;
	size_t len = f.len - TVD_HDR_SIZE;
	switch (st->kind) {
	case RPC_RESERVED: tv_put_le32(body + 12, 1); break;
	case RPC_SHORT_BODY: len--; break;
	case RPC_HUGE_IN: tv_put_le32(body + 4, TVD_RPC_MAX_LEN + 1); break;
	case RPC_HUGE_OUT: tv_put_le32(body + 8, TVD_RPC_MAX_LEN + 1); break;
	case RPC_TRAILING: {
		uint8_t *g = realloc(f.buf, f.len + 1);
		if (!g) {
			tvd_frame_free(&f);
			return -1;
		}
		f.buf = g;
		body = g + TVD_HDR_SIZE;
		body[len++] = 0;
		break;
	}
	default: break;
	}
	tvd_hdr_encode(f.buf, TVD_OP_RPC, (uint32_t)len);
	rc = tv_test_send_all(c, f.buf, TVD_HDR_SIZE + len);
	tvd_frame_free(&f);
	return rc;
}

/* One RPC and the client's answer, noted. 0, or -1 when the client did not
 * answer it properly (hung up: got_eof). */
static int fake_one_rpc(struct fake *fk, int c, const struct rpc_step *st)
{
	if (fake_send_rpc(c, st))
		return -1;
	struct tvd_hdr h;
	uint8_t *body;
	if (frame_read(c, &h, &body)) {
		free(body);
		pthread_mutex_lock(&fk->mu);
		fk->got_eof = true;
		pthread_mutex_unlock(&fk->mu);
		return -1;
	}
	struct rpc_got g = {0};
	struct tvd_rpc_resp a;
	g.ok = h.op == (TVD_RESPONSE | TVD_OP_RPC) && tvd_dec_rpc_resp(body, h.length, &a) == TV_OK;
	if (g.ok) {
		g.ret = a.ret;
		g.out_len = a.out_len;
		memcpy(g.out, a.out, a.out_len < sizeof(g.out) ? a.out_len : sizeof(g.out));
	}
	free(body);
	pthread_mutex_lock(&fk->mu);
	if (fk->n_got < FAKE_STEPS)
		fk->got[fk->n_got++] = g;
	pthread_mutex_unlock(&fk->mu);
	return g.ok ? 0 : -1;
}

/* The steps set for this request (once): 0 to answer it, -1 to close. */
static int fake_run_steps(struct fake *fk, int c)
{
	struct rpc_step steps[FAKE_STEPS];
	pthread_mutex_lock(&fk->mu);
	unsigned n = fk->n_steps;
	memcpy(steps, fk->steps, sizeof(steps));
	fk->n_steps = 0;
	int delay = fk->answer_delay_ms;
	pthread_mutex_unlock(&fk->mu);
	for (unsigned i = 0; i < n; i++)
		if (fake_one_rpc(fk, c, &steps[i]))
			return -1;
	if (delay)
		sleep_ms(delay);
	return 0;
}

static int fake_send_status(int c, uint16_t op, uint32_t result, uint32_t origin)
{
	struct tvd_status st = {.result = result, .origin = origin};
	struct tvd_frame fr = {0};
	int rc = tvd_enc_status(op, &st, &fr) == TV_OK ? tv_test_send_all(c, fr.buf, fr.len) : -1;
	tvd_frame_free(&fr);
	return rc;
}

static int fake_rpc_enable(struct fake *fk, int c)
{
	pthread_mutex_lock(&fk->mu);
	enum re_mode re = fk->re;
	fk->rpc_enables++;
	pthread_mutex_unlock(&fk->mu);
	static const struct rpc_step st = {.func = 22};
	switch (re) {
	case RE_OLD: return fake_send_status(c, TVD_OP_ERROR, TEE_ERROR_NOT_SUPPORTED, TEE_ORIGIN_COMMS);
	case RE_REFUSE:
		return fake_send_status(c, TVD_OP_RPC_ENABLE, TEE_ERROR_NOT_SUPPORTED, TEE_ORIGIN_COMMS);
	case RE_FORMAT:
		fake_send_status(c, TVD_OP_ERROR, TVD_TEE_ERROR_BAD_FORMAT, TEE_ORIGIN_COMMS);
		return -1;
	case RE_RPC: return fake_send_rpc(c, &st);
	default: return fake_send_status(c, TVD_OP_RPC_ENABLE, TEE_SUCCESS, TEE_ORIGIN_TEE);
	}
}

static int fake_send_good(int c, uint16_t op, const uint8_t *body, size_t len)
{
	struct tvd_frame fr = {0};
	int rc = good_answer(op, body, len, &fr) == 0 ? tv_test_send_all(c, fr.buf, fr.len) : -1;
	tvd_frame_free(&fr);
	return rc;
}

/* An INVOKE teevard is slow with: nothing until the client's next frame (its
 * resync barrier, after its timeout), then an RPC of that INVOKE, the
 * INVOKE's answer, and the answer to that frame. */
static int fake_stale_rpc(struct fake *fk, int c, const struct tvd_hdr *h, const uint8_t *body)
{
	struct pollfd p[2] = {{.fd = c, .events = POLLIN}, {.fd = fk->stop[0], .events = POLLIN}};
	if (poll(p, 2, -1) <= 0 || p[1].revents)
		return -1;
	struct tvd_hdr h2;
	uint8_t *b2;
	if (frame_read(c, &h2, &b2)) {
		free(b2);
		return -1;
	}
	fake_note_op(fk, h2.op);
	static const struct rpc_step st = {.func = 1, .in_len = 8, .out_len = 16};
	int rc = fake_one_rpc(fk, c, &st);
	if (rc == 0)
		rc = fake_send_good(c, h->op, body, h->length);
	if (rc == 0)
		rc = fake_send_good(c, h2.op, b2, h2.length);
	free(b2);
	return rc;
}

/* What the fake does with request h beyond the hostile answers: 1 when it
 * is not an RPC case (answer as usual), else 0 or -1 (close). */
static int fake_rpc_cases(struct fake *fk, int c, const struct tvd_hdr *h, const uint8_t *body)
{
	if (h->op == TVD_OP_RPC_ENABLE)
		return fake_rpc_enable(fk, c);
	pthread_mutex_lock(&fk->mu);
	bool invoke = h->op == TVD_OP_INVOKE;
	bool forget = invoke && fk->forget_next, stale = invoke && fk->stale_rpc_next;
	bool steps = fk->n_steps && h->op == fk->rpc_op;
	fk->forget_next = fk->forget_next && !forget;
	fk->stale_rpc_next = fk->stale_rpc_next && !stale;
	pthread_mutex_unlock(&fk->mu);
	if (forget) {
		struct tvd_invoke_resp a = {.st = {.result = TEE_ERROR_BAD_PARAMETERS,
						   .origin = TEE_ORIGIN_COMMS}};
		struct tvd_frame fr = {0};
		int rc = tvd_enc_invoke_resp(&a, &fr) == TV_OK ? tv_test_send_all(c, fr.buf, fr.len) : -1;
		tvd_frame_free(&fr);
		return rc;
	}
	if (stale)
		return fake_stale_rpc(fk, c, h, body);
	if (!steps)
		return 1;
	if (fake_run_steps(fk, c))
		return -1;
	return fake_send_good(c, h->op, body, h->length);
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
		fake_note_op(fk, h.op);
		pthread_mutex_lock(&fk->mu);
		enum bad how = h.op == fk->bad_op ? fk->how : BAD_NONE;
		pthread_mutex_unlock(&fk->mu);
		int rc = fake_rpc_cases(fk, c, &h, body);
		if (rc != 1) {
			/* done */
		} else if (how == BAD_NONE) {
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
	fk->port = -1;
	assert_int_equal(pthread_create(&fk->th, NULL, fake_main, fk), 0);
}

static void *fake_port_main(void *arg)
{
	struct fake *fk = arg;
	fake_serve_conn(fk, fk->port);
	return NULL;
}

/* Port mode: the fake serves one end of a stream socketpair (the virtio port
 * with QEMU connected), *port gets the bridge's end. */
static void fake_start_port(struct fake *fk, int *port)
{
	int sp[2];
	memset(fk, 0, sizeof(*fk));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	fk->lfd = -1;
	fk->port = sp[0];
	*port = sp[1];
	fk->conns = 1;
	assert_int_equal(pipe2(fk->stop, O_CLOEXEC), 0);
	pthread_mutex_init(&fk->mu, NULL);
	fk->seed = 0xbad;
	assert_int_equal(pthread_create(&fk->th, NULL, fake_port_main, fk), 0);
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
	if (fk->lfd >= 0) {
		close(fk->lfd);
		unlink(fk->path);
	}
	if (fk->port >= 0)
		close(fk->port);
	close(fk->stop[0]);
	close(fk->stop[1]);
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

/* An INVOKE with an input, an in-out and an output memref and two values
 * (naming the StMM UUID, as the module does). */
static struct vtee_view fake_invoke_q(struct dev *d, uint32_t s)
{
	static const uint8_t in[] = {'i', 'n', 'p', 'u', 't'}, io[] = {'i', '/', 'o'};
	struct vtee_view q = req_new(d, TVV_OP_INVOKE);
	q.m.session = s;
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.func = 3;
	q.m.params[0] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INOUT, .a = 3};
	q.m.params[1] = (struct tvv_param){.attr = TV_TEE_PARAM_VALUE_INOUT, .a = 9};
	q.m.params[2] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_INPUT, .a = 5};
	q.m.params[3] = (struct tvv_param){.attr = TV_TEE_PARAM_MEMREF_OUTPUT, .a = 8};
	q.data[0] = io;
	q.data[2] = in;
	return q;
}

static struct vtee_view fake_invoke(struct hfx *h, uint32_t s)
{
	struct vtee_view q = fake_invoke_q(&h->dev, s);
	return call(&h->dev, h->b, &q);
}

/* The fake's answer to fake_invoke_q, as the bridge gives it. */
static void expect_fake_answer(const struct vtee_view *r)
{
	assert_int_equal(r->m.ret, TEE_SUCCESS);
	assert_int_equal(r->m.payload_len, 3 + 8);
	assert_memory_equal(r->data[0], "i/o", 3);
	assert_int_equal(r->m.params[1].a, 1);
	assert_int_equal(r->m.params[1].c, 3);
	assert_int_equal(r->m.params[2].a, 5); /* an input memref: as sent */
	assert_null(r->data[2]);
	assert_int_equal(r->m.params[3].a, 8);
}

static void expect_fake_good(struct hfx *h, uint32_t s)
{
	struct vtee_view r = fake_invoke(h, s);
	expect_fake_answer(&r);
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

/* ============================================= RPCs of the secure core */

#define RPC_TIMEOUT_MS 400       /* the bridge's wait for the module's answer */
#define RPC_REQ_TIMEOUT_MS 1500  /* the bridge's time per request */

/* A fake teevard (unix mode, or port mode on a socketpair), a thread playing
 * the module, a bridge. */
struct rfx {
	char *dir;
	struct fake fk;
	struct dev dev;
	struct kern kn;
	struct bridge *b;
	int port;
};

static int rsetup_mode(void **state, bool port)
{
	struct rfx *x = calloc(1, sizeof(*x));
	*state = x;
	if (!x || !(x->dir = tv_test_tmpdir()))
		return -1;
	x->port = -1;
	if (port)
		fake_start_port(&x->fk, &x->port);
	else
		fake_start(&x->fk, x->dir);
	dev_open(&x->dev);
	kern_start(&x->kn, &x->dev);
	x->b = new_bridge_rpc(&x->dev, port ? NULL : x->fk.path, x->port, RPC_REQ_TIMEOUT_MS,
			      RPC_TIMEOUT_MS);
	return 0;
}

static int rsetup(void **state)
{
	return rsetup_mode(state, false);
}

static int rsetup_port(void **state)
{
	return rsetup_mode(state, true);
}

static int rteardown(void **state)
{
	struct rfx *x = *state;
	fail_rpc_count = 0;
	bridge_free(x->b);
	if (x->port >= 0)
		close(x->port); /* a fake blocked in a read sees the end */
	kern_stop(&x->kn);
	dev_close(&x->dev);
	fake_stop(&x->fk);
	tv_test_rmtree(x->dir);
	free(x->dir);
	free(x);
	return 0;
}

/* A new bridge with these times (the fixture's is replaced). */
static void rbridge(struct rfx *x, int timeout_ms, int rpc_timeout_ms)
{
	bridge_free(x->b);
	x->b = new_bridge_rpc(&x->dev, x->port >= 0 ? NULL : x->fk.path, x->port, timeout_ms,
			      rpc_timeout_ms);
}

/* The fake sends these RPCs during the next request of op. */
static void fake_rpcs(struct fake *fk, uint16_t op, const struct rpc_step *steps, unsigned n,
		      int answer_delay_ms)
{
	assert_true(n <= FAKE_STEPS);
	pthread_mutex_lock(&fk->mu);
	fk->rpc_op = op;
	memcpy(fk->steps, steps, n * sizeof(*steps));
	fk->n_steps = n;
	fk->answer_delay_ms = answer_delay_ms;
	fk->n_got = 0;
	fk->got_eof = false;
	pthread_mutex_unlock(&fk->mu);
}

static struct rpc_got fake_got(struct fake *fk, unsigned i)
{
	pthread_mutex_lock(&fk->mu);
	assert_true(i < fk->n_got);
	struct rpc_got g = fk->got[i];
	pthread_mutex_unlock(&fk->mu);
	return g;
}

static unsigned fake_n_got(struct fake *fk)
{
	pthread_mutex_lock(&fk->mu);
	unsigned n = fk->n_got;
	pthread_mutex_unlock(&fk->mu);
	return n;
}

static bool fake_eof(struct fake *fk)
{
	pthread_mutex_lock(&fk->mu);
	bool e = fk->got_eof;
	pthread_mutex_unlock(&fk->mu);
	return e;
}

/* The requests the fake read from op index `from` on, as a string of op
 * numbers ("7 1 2"), and the connection of the first. */
static void fake_ops(struct fake *fk, unsigned from, char *out, size_t max, int *conn)
{
	size_t o = 0;
	out[0] = '\0';
	pthread_mutex_lock(&fk->mu);
	if (conn)
		*conn = from < fk->n_ops ? fk->op_conn[from] : -1;
	for (unsigned i = from; i < fk->n_ops && o + 8 < max; i++)
		o += (size_t)snprintf(out + o, max - o, "%s%u", o ? " " : "", fk->ops[i]);
	pthread_mutex_unlock(&fk->mu);
}

static unsigned fake_n_ops(struct fake *fk)
{
	pthread_mutex_lock(&fk->mu);
	unsigned n = fk->n_ops;
	pthread_mutex_unlock(&fk->mu);
	return n;
}

static void expect_ops(struct fake *fk, unsigned from, const char *want)
{
	char got[512];
	fake_ops(fk, from, got, sizeof(got), NULL);
	if (strcmp(got, want) != 0)
		fail_msg("teevard read ops \"%s\", want \"%s\"", got, want);
}

/* The client answered RPC step st with the supplicant's echo (SUPP_ECHO), or
 * the first out_len bytes of it. */
static void expect_echo(const struct rpc_got *g, const struct rpc_step *st, uint32_t out_len)
{
	assert_true(g->ok);
	assert_int_equal(g->ret, TEE_SUCCESS);
	assert_int_equal(g->out_len, out_len);
	uint8_t *in = malloc((size_t)st->in_len + 1);
	assert_non_null(in);
	for (size_t i = 0; i < st->in_len; i++)
		in[i] = fake_in_byte(st->func, i);
	for (size_t i = 0; i < out_len && i < sizeof(g->out); i++)
		if (g->out[i] != echo_byte(st->func, in, st->in_len, i))
			fail_msg("byte %zu of the RPC's answer", i);
	free(in);
}

static void expect_rpc_comm(const struct rpc_got *g)
{
	assert_true(g->ok);
	assert_int_equal(g->ret, TEE_ERROR_COMMUNICATION);
	assert_int_equal(g->out_len, 0);
}

/* What the module saw as RPC number i: carried for kernel request q (id,
 * session, uuid, login), with st's func, sizes and bytes. */
static void expect_module_rpc(struct kern *kn, unsigned i, const struct vtee_view *q,
			      uint32_t session, const struct rpc_step *st)
{
	assert_true(kern_count(kn, &kn->n_rpcs) > i);
	struct kern_rpc r = kern_got(kn, i);
	assert_int_equal(r.r.id, q->m.id);
	assert_int_equal(r.r.session, session);
	assert_int_equal(r.r.func, st->func);
	assert_int_equal(r.r.in_len, st->in_len);
	assert_int_equal(r.r.out_len, st->out_len);
	assert_memory_equal(r.r.uuid, q->m.uuid, 16);
	assert_int_equal(r.r.login, q->m.login);
	uint8_t *in = malloc((size_t)st->in_len + 1);
	assert_non_null(in);
	for (size_t j = 0; j < st->in_len; j++)
		in[j] = fake_in_byte(st->func, j);
	assert_true(r.in_hash == fnv(in, st->in_len));
	free(in);
	assert_int_equal(kern_count(kn, &kn->bad_rpcs), 0);
}

static const struct rpc_step rpmb_step = {.func = 1, .in_len = 6 + 512, .out_len = 512};

/* An INVOKE (fake_invoke_q) through the bridge: its answer. */
static struct vtee_view rinvoke(struct rfx *x, uint32_t s, struct vtee_view *q)
{
	*q = fake_invoke_q(&x->dev, s);
	return call(&x->dev, x->b, q);
}

static void rinvoke_good(struct rfx *x, uint32_t s)
{
	struct vtee_view q;
	struct vtee_view r = rinvoke(x, s, &q);
	expect_fake_answer(&r);
}

/* One RPC during an INVOKE: the module gets it for that request, the
 * supplicant's bytes go back to teevard, the INVOKE's answer follows. */
static void test_rpc_one(void **state)
{
	struct rfx *x = *state;
	uint32_t s = 0;
	assert_int_equal(open_session(&x->dev, x->b, &s, NULL), TEE_SUCCESS);
	expect_ops(&x->fk, 0, "7 1"); /* RPC_ENABLE first */
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	struct vtee_view q;
	struct vtee_view r = rinvoke(x, s, &q);
	expect_fake_answer(&r);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	expect_module_rpc(&x->kn, 0, &q, s, &rpmb_step);
	const struct bridge_stats *st = bridge_get_stats(x->b);
	assert_int_equal(st->rpcs, 1);
	assert_int_equal(st->rpc_failures, 0);
	assert_int_equal(st->rpc_enables, 1);
	assert_int_equal(st->comm_errors, 0);
	assert_int_equal(bridge_backlog(x->b), 0);
	/* the steps ran once: the next INVOKE has no RPC */
	rinvoke_good(x, s);
	assert_int_equal(kern_count(&x->kn, &x->kn.n_rpcs), 1);
	assert_int_equal(fake_n_got(&x->fk), 1);
	expect_ops(&x->fk, 0, "7 1 2 2");
}

/* Several RPCs in one INVOKE, each answered its own way; the request's time
 * starts again after each (the whole takes longer than timeout_ms), but not
 * beyond. */
static void test_rpc_several(void **state)
{
	struct rfx *x = *state;
	enum { T = 800 };
	rbridge(x, T, 1000);
	uint32_t s = 0;
	assert_int_equal(open_session(&x->dev, x->b, &s, NULL), TEE_SUCCESS);
	const struct rpc_step steps[] = {
		{.func = 22},                                    /* the probe */
		{.func = 1, .in_len = 6 + 256, .out_len = 256},
		{.func = 1, .in_len = 6 + 512, .out_len = 512},
		{.func = 1, .in_len = 6, .out_len = 512},
	};
	static const enum supp how[] = {SUPP_ERROR, SUPP_LATE, SUPP_LATE, SUPP_SHORT};
	pthread_mutex_lock(&x->kn.mu);
	x->kn.supp_ret = TEE_ERROR_NOT_SUPPORTED;
	x->kn.late_ms = 300;
	pthread_mutex_unlock(&x->kn.mu);
	kern_supp(&x->kn, how, 4, SUPP_ECHO);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, steps, 4, 500);
	int64_t t0 = now_ms();
	struct vtee_view q;
	struct vtee_view r = rinvoke(x, s, &q);
	int64_t took = now_ms() - t0;
	expect_fake_answer(&r);
	assert_true(took > T); /* 2 x 300 + 500: only because the time starts again */
	print_message("# several RPCs: the INVOKE took %lld ms (timeout_ms %d)\n", (long long)took, T);
	assert_int_equal(fake_n_got(&x->fk), 4);
	struct rpc_got g = fake_got(&x->fk, 0);
	assert_true(g.ok);
	assert_int_equal(g.ret, TEE_ERROR_NOT_SUPPORTED);
	assert_int_equal(g.out_len, 0);
	for (unsigned i = 1; i < 3; i++) {
		g = fake_got(&x->fk, i);
		expect_echo(&g, &steps[i], steps[i].out_len);
	}
	g = fake_got(&x->fk, 3);
	expect_echo(&g, &steps[3], 256); /* fewer bytes than the room: passed as they are */
	for (unsigned i = 0; i < 4; i++)
		expect_module_rpc(&x->kn, i, &q, s, &steps[i]);
	assert_int_equal(bridge_get_stats(x->b)->rpcs, 4);
	assert_int_equal(bridge_get_stats(x->b)->rpc_failures, 0);

	/* the time does run from the last RPC on */
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, T + 400);
	t0 = now_ms();
	r = rinvoke(x, s, &q);
	took = now_ms() - t0;
	expect_comm(&r);
	g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	assert_true(took >= T - 50 && took < T + QUICK_MS);
	sleep_ms(500); /* the fake's late answer; then it sees the hang-up */
	rinvoke_good(x, s);
}

/* An RPC during OPEN_SESSION (the kernel's, and the bridge's own re-open
 * inside an INVOKE after a reconnect): carried for that kernel request. */
static void test_rpc_during_open(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	fake_rpcs(&x->fk, TVD_OP_OPEN_SESSION, &rpmb_step, 1, 0);
	struct vtee_view q = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(q.m.uuid, stmm_uuid, 16);
	q.m.session = 77;
	struct vtee_view r = call(d, x->b, &q);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(r.m.session, 77);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	expect_module_rpc(&x->kn, 0, &q, 77, &rpmb_step);

	/* teevard drops the connection; the next INVOKE re-opens the session on
	 * a new one, and that OPEN_SESSION meets an RPC: it belongs to the INVOKE */
	fake_set(&x->fk, TVD_OP_INVOKE, BAD_CLOSE);
	struct vtee_view qi;
	r = rinvoke(x, 77, &qi);
	expect_comm(&r);
	fake_set(&x->fk, 0, BAD_NONE);
	unsigned from = fake_n_ops(&x->fk);
	const struct rpc_step probe = {.func = 22, .in_len = 0, .out_len = 0};
	static const enum supp how[] = {SUPP_ERROR};
	pthread_mutex_lock(&x->kn.mu);
	x->kn.supp_ret = TEE_ERROR_NOT_SUPPORTED;
	pthread_mutex_unlock(&x->kn.mu);
	kern_supp(&x->kn, how, 1, SUPP_ECHO);
	const struct rpc_step steps[] = {probe, rpmb_step};
	fake_rpcs(&x->fk, TVD_OP_OPEN_SESSION, steps, 2, 0);
	r = rinvoke(x, 77, &qi);
	expect_fake_answer(&r);
	int conn = 0;
	char ops[64];
	fake_ops(&x->fk, from, ops, sizeof(ops), &conn);
	assert_string_equal(ops, "7 1 2");
	assert_int_equal(conn, 2);
	g = fake_got(&x->fk, 0);
	assert_int_equal(g.ret, TEE_ERROR_NOT_SUPPORTED);
	g = fake_got(&x->fk, 1);
	expect_echo(&g, &rpmb_step, 512);
	expect_module_rpc(&x->kn, 1, &qi, 77, &probe);
	expect_module_rpc(&x->kn, 2, &qi, 77, &rpmb_step);
	assert_int_equal(bridge_get_stats(x->b)->reopens, 1);
}

/* The supplicant's (or the module's) error results go to teevard as they
 * are, without bytes; the request goes on. */
static void test_rpc_module_error(void **state)
{
	struct rfx *x = *state;
	uint32_t s = 0;
	assert_int_equal(open_session(&x->dev, x->b, &s, NULL), TEE_SUCCESS);
	static const uint32_t rets[] = {TEE_ERROR_NOT_SUPPORTED, TEE_ERROR_COMMUNICATION,
					TEE_ERROR_GENERIC, TEE_ERROR_ITEM_NOT_FOUND};
	static const enum supp how[] = {SUPP_ERROR};
	for (size_t i = 0; i < sizeof(rets) / sizeof(rets[0]); i++) {
		pthread_mutex_lock(&x->kn.mu);
		x->kn.supp_ret = rets[i];
		pthread_mutex_unlock(&x->kn.mu);
		kern_supp(&x->kn, how, 1, SUPP_ECHO);
		fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
		rinvoke_good(x, s);
		struct rpc_got g = fake_got(&x->fk, 0);
		assert_true(g.ok);
		assert_int_equal(g.ret, rets[i]);
		assert_int_equal(g.out_len, 0);
	}
	assert_int_equal(bridge_get_stats(x->b)->rpcs, 4);
	assert_int_equal(bridge_get_stats(x->b)->rpc_failures, 0);
	assert_int_equal(bridge_get_stats(x->b)->ups, 1);
}

/* Waits (5 s at most) until the module sent n late answers. */
static void wait_late_sent(struct kern *kn, unsigned n)
{
	for (int i = 0; i < 500 && kern_count(kn, &kn->late_sent) < n; i++)
		sleep_ms(10);
	assert_int_equal(kern_count(kn, &kn->late_sent), n);
}

/* No answer from the module within rpc_timeout_ms: COMMUNICATION to teevard,
 * and the request goes on. An answer that comes later is dropped, between
 * requests or during another RPC of the same request. */
static void test_rpc_module_timeout(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	static const enum supp silent[] = {SUPP_SILENT}, late[] = {SUPP_LATE};
	kern_supp(&x->kn, silent, 1, SUPP_ECHO);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	int64_t t0 = now_ms();
	rinvoke_good(x, s);
	int64_t took = now_ms() - t0;
	assert_true(took >= RPC_TIMEOUT_MS - 50 && took < RPC_TIMEOUT_MS + QUICK_MS);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_rpc_comm(&g);
	assert_true(logged(&d->log, "no answer from the module in time"));
	assert_int_equal(bridge_get_stats(x->b)->rpc_failures, 1);

	/* late: after the request was answered; the next read drops it */
	pthread_mutex_lock(&x->kn.mu);
	x->kn.late_ms = RPC_TIMEOUT_MS + 300;
	pthread_mutex_unlock(&x->kn.mu);
	kern_supp(&x->kn, late, 1, SUPP_ECHO);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	rinvoke_good(x, s);
	g = fake_got(&x->fk, 0);
	expect_rpc_comm(&g);
	wait_late_sent(&x->kn, 1);
	assert_int_equal(bridge_serve(x->b, d->b), 0);
	assert_int_equal(bridge_get_stats(x->b)->late_answers, 1);
	assert_true(logged(&d->log, "dropped a late answer to an RPC"));
	rinvoke_good(x, s);

	/* late, while the bridge waits for the next RPC of the same request */
	const struct rpc_step probe = {.func = 22};
	const struct rpc_step steps[] = {probe, rpmb_step};
	kern_supp(&x->kn, late, 1, SUPP_ECHO);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, steps, 2, 0);
	rinvoke_good(x, s);
	g = fake_got(&x->fk, 0);
	expect_rpc_comm(&g);
	g = fake_got(&x->fk, 1);
	expect_echo(&g, &rpmb_step, 512);
	wait_late_sent(&x->kn, 2);
	assert_int_equal(bridge_get_stats(x->b)->late_answers, 2);
	assert_int_equal(bridge_get_stats(x->b)->rpc_failures, 3);
	assert_int_equal(bridge_get_stats(x->b)->comm_errors, 0);
	assert_int_equal(bridge_get_stats(x->b)->ups, 1);
}

/* The module's answer does not fit the RPC: COMMUNICATION to teevard, the
 * stream stays up. An answer to another RPC of the request is dropped. */
static void test_rpc_not_fitting(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	static const enum supp bad[] = {SUPP_OVERSIZE, SUPP_WRONG_SESSION, SUPP_WRONG_IN,
					SUPP_GARBLED};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kern_supp(&x->kn, &bad[i], 1, SUPP_ECHO);
		fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
		int64_t t0 = now_ms();
		rinvoke_good(x, s);
		assert_true(now_ms() - t0 < QUICK_MS);
		struct rpc_got g = fake_got(&x->fk, 0);
		expect_rpc_comm(&g);
	}
	assert_int_equal(count_logged(&d->log, "the module's answer does not fit"), 4);
	static const enum supp other[] = {SUPP_OTHER_FUNC};
	kern_supp(&x->kn, other, 1, SUPP_ECHO);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	rinvoke_good(x, s);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	const struct bridge_stats *st = bridge_get_stats(x->b);
	assert_int_equal(st->late_answers, 1);
	assert_int_equal(st->rpc_failures, 4);
	assert_int_equal(st->ups, 1);
	assert_int_equal(st->comm_errors, 0);
}

/* The module refuses the RPC's write(): ENOENT (the request timed out),
 * EINVAL, EBUSY: COMMUNICATION to teevard, nothing reaches the supplicant. */
static void test_rpc_write_refused(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	static const struct {
		int err;
		const char *text;
	} errs[] = {{ENOENT, "ENOENT: the request no longer waits"},
		    {EINVAL, "EINVAL: refused as malformed"},
		    {EBUSY, "EBUSY: an RPC of that request is already running"},
		    {EIO, "the device refused it"}};
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fail_rpc_fd = d->b;
		fail_rpc_errno = errs[i].err;
		fail_rpc_count = 1;
		fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
		rinvoke_good(x, s);
		assert_int_equal(fail_rpc_count, 0);
		struct rpc_got g = fake_got(&x->fk, 0);
		expect_rpc_comm(&g);
		assert_true(logged(&d->log, errs[i].text));
	}
	fail_rpc_fd = -1;
	assert_int_equal(kern_count(&x->kn, &x->kn.n_rpcs), 0);
	assert_int_equal(bridge_get_stats(x->b)->rpcs, 0);
	assert_int_equal(bridge_get_stats(x->b)->rpc_failures, 4);
	/* the next one goes through */
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	rinvoke_good(x, s);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
}

/* The module injects these kernel requests before its answer to the next RPC. */
static void kern_inject(struct kern *kn, const struct vtee_view *qs, unsigned n)
{
	assert_true(n <= KERN_INJECT);
	pthread_mutex_lock(&kn->mu);
	for (unsigned i = 0; i < kn->n_inject; i++)
		free(kn->inject[i]);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(vtee_encode(&qs[i], &kn->inject[i], &kn->inject_len[i]), TV_OK);
	kn->n_inject = n;
	kn->inject_at = kn->n_rpcs + 1;
	pthread_mutex_unlock(&kn->mu);
}

/* The ids of the answers the module got, from index from on (waiting 5 s at
 * most for max of them). */
static unsigned kern_order(struct kern *kn, unsigned from, uint32_t *ids, unsigned max)
{
	for (int i = 0; i < 500 && kern_count(kn, &kn->n_order) < from + max; i++)
		sleep_ms(10);
	pthread_mutex_lock(&kn->mu);
	unsigned n = 0;
	for (unsigned i = from; i < kn->n_order && n < max; i++)
		ids[n++] = kn->order[i];
	pthread_mutex_unlock(&kn->mu);
	return n;
}

/* Kernel requests read while an RPC runs wait in the backlog and are served
 * after the request in progress, in order, before the device is read again;
 * beyond BRIDGE_MAX_BACKLOG they are answered BUSY at once. */
static void test_rpc_backlog(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	struct vtee_view inj[3];
	inj[0] = fake_invoke_q(d, s);
	inj[1] = req_new(d, TVV_OP_CLOSE_SESSION);
	inj[1].m.session = 999;
	inj[2] = req_new(d, TVV_OP_OPEN_SESSION);
	memcpy(inj[2].m.uuid, stmm_uuid, 16);
	inj[2].m.session = 5;
	kern_inject(&x->kn, inj, 3);
	unsigned from = kern_count(&x->kn, &x->kn.n_order);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	struct vtee_view q;
	struct vtee_view r = rinvoke(x, s, &q);
	expect_fake_answer(&r);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	uint32_t ids[KERN_ANSWERS];
	assert_int_equal(kern_count(&x->kn, &x->kn.n_order), from + 1); /* only the INVOKE's */
	assert_int_equal(kern_order(&x->kn, from, ids, 1), 1);
	assert_int_equal(ids[0], q.m.id);
	assert_int_equal(bridge_backlog(x->b), 3);
	assert_int_equal(bridge_get_stats(x->b)->backlogged, 3);
	/* one more on the device: after the kept ones */
	struct vtee_view later = req_new(d, TVV_OP_CLOSE_SESSION);
	later.m.session = 998;
	dev_send(d, &later);
	for (int i = 0; i < 4; i++)
		assert_int_equal(bridge_serve(x->b, d->b), 0);
	assert_int_equal(bridge_backlog(x->b), 0);
	assert_int_equal(kern_order(&x->kn, from, ids, 5), 5);
	assert_int_equal(ids[1], inj[0].m.id);
	assert_int_equal(ids[2], inj[1].m.id);
	assert_int_equal(ids[3], inj[2].m.id);
	assert_int_equal(ids[4], later.m.id);
	r = dev_answer(d, &inj[0]);
	expect_fake_answer(&r);
	r = dev_answer(d, &inj[1]);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	r = dev_answer(d, &inj[2]);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(r.m.session, 5);
	r = dev_answer(d, &later);
	assert_int_equal(r.m.ret, TEE_SUCCESS);
	assert_int_equal(fake_n_got(&x->fk), 1); /* the kept INVOKE had no RPC */

	/* more than the backlog holds: the rest answered BUSY at once */
	enum { N = BRIDGE_MAX_BACKLOG + 2 };
	struct vtee_view many[N];
	for (int i = 0; i < N; i++) {
		many[i] = req_new(d, TVV_OP_CLOSE_SESSION);
		many[i].m.session = 2000u + (uint32_t)i;
	}
	kern_inject(&x->kn, many, N);
	from = kern_count(&x->kn, &x->kn.n_order);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	r = rinvoke(x, s, &q);
	expect_fake_answer(&r);
	assert_int_equal(kern_order(&x->kn, from, ids, 3), 3);
	assert_int_equal(ids[0], many[N - 2].m.id); /* BUSY, before the INVOKE's answer */
	assert_int_equal(ids[1], many[N - 1].m.id);
	assert_int_equal(ids[2], q.m.id);
	for (int i = N - 2; i < N; i++) {
		r = dev_answer(d, &many[i]);
		assert_int_equal(r.m.ret, TEE_ERROR_BUSY);
		assert_int_equal(r.m.ret_origin, TEE_ORIGIN_COMMS);
		assert_int_equal(r.m.payload_len, 0);
	}
	assert_int_equal(bridge_get_stats(x->b)->busy, 2);
	assert_true(logged(&d->log, "answered BUSY"));
	assert_int_equal(bridge_backlog(x->b), BRIDGE_MAX_BACKLOG);
	for (int i = 0; i < BRIDGE_MAX_BACKLOG; i++)
		assert_int_equal(bridge_serve(x->b, d->b), 0);
	assert_int_equal(kern_order(&x->kn, from, ids, 3 + BRIDGE_MAX_BACKLOG), 3 + BRIDGE_MAX_BACKLOG);
	for (int i = 0; i < BRIDGE_MAX_BACKLOG; i++) {
		assert_int_equal(ids[3 + i], many[i].m.id);
		r = dev_answer(d, &many[i]);
		assert_int_equal(r.m.ret, TEE_SUCCESS);
	}
	rinvoke_good(x, s);
}

/* Requests kept by a bridge that is freed are freed with it (ASan checks). */
static void test_rpc_backlog_freed(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	struct vtee_view inj[2] = {fake_invoke_q(d, s), fake_invoke_q(d, s)};
	kern_inject(&x->kn, inj, 2);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	rinvoke_good(x, s);
	assert_int_equal(bridge_backlog(x->b), 2);
	rbridge(x, RPC_REQ_TIMEOUT_MS, RPC_TIMEOUT_MS);
	assert_int_equal(bridge_backlog(x->b), 0);
}

/* A malformed RPC frame is a communication failure of the stream, as any bad
 * frame: the request answered COMMUNICATION, the connection dropped, nothing
 * reaches the module; an RPC during a CLOSE_SESSION too. */
static void test_rpc_malformed_frames(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	static const enum rpc_kind kinds[] = {RPC_RESERVED, RPC_SHORT_BODY, RPC_TRAILING,
					      RPC_HUGE_IN, RPC_HUGE_OUT};
	unsigned ups = 1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct rpc_step st = rpmb_step;
		st.kind = kinds[i];
		fake_rpcs(&x->fk, TVD_OP_INVOKE, &st, 1, 0);
		int64_t t0 = now_ms();
		struct vtee_view q;
		struct vtee_view r = rinvoke(x, s, &q);
		expect_comm(&r);
		assert_true(now_ms() - t0 < QUICK_MS);
		for (int k = 0; k < 200 && !fake_eof(&x->fk); k++)
			sleep_ms(10);
		assert_true(fake_eof(&x->fk));
		assert_false(bridge_is_up(x->b));
		rinvoke_good(x, s); /* a new connection, the session re-opened */
		assert_int_equal(bridge_get_stats(x->b)->ups, ++ups);
	}
	assert_int_equal(count_logged(&d->log, "teevard sent a malformed RPC"), 5);
	/* an RPC while teevard closes a session: not a time for RPCs */
	uint32_t s2 = 0;
	assert_int_equal(open_session(d, x->b, &s2, NULL), TEE_SUCCESS);
	fake_rpcs(&x->fk, TVD_OP_CLOSE_SESSION, &rpmb_step, 1, 0);
	close_session(d, x->b, s2);
	for (int k = 0; k < 200 && !fake_eof(&x->fk); k++)
		sleep_ms(10);
	assert_true(fake_eof(&x->fk));
	assert_false(bridge_is_up(x->b));
	rinvoke_good(x, s);
	assert_int_equal(kern_count(&x->kn, &x->kn.n_rpcs), 0);
	assert_int_equal(bridge_get_stats(x->b)->rpcs, 0);
}

static void set_re(struct fake *fk, enum re_mode re)
{
	pthread_mutex_lock(&fk->mu);
	fk->re = re;
	pthread_mutex_unlock(&fk->mu);
}

/* teevard drops the connection during an INVOKE; the next INVOKE connects
 * again. The ops teevard read on the new connection, as a string. */
static void reconnect(struct rfx *x, uint32_t s, char *ops, size_t max)
{
	fake_set(&x->fk, TVD_OP_INVOKE, BAD_CLOSE);
	struct vtee_view q;
	struct vtee_view r = rinvoke(x, s, &q);
	expect_comm(&r);
	fake_set(&x->fk, 0, BAD_NONE);
	unsigned from = fake_n_ops(&x->fk);
	r = rinvoke(x, s, &q);
	if (r.m.ret == TEE_SUCCESS)
		expect_fake_answer(&r);
	fake_ops(&x->fk, from, ops, max, NULL);
}

/* RPC_ENABLE goes first on every connection, before the sessions are
 * re-opened; an older teevard's refusal is logged once and the bridge works
 * on; a broken answer to it is a communication failure. */
static void test_rpc_enable_reconnects(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	char ops[128];
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	for (int i = 0; i < 3; i++) {
		reconnect(x, s, ops, sizeof(ops));
		assert_string_equal(ops, "7 1 2");
	}
	const struct bridge_stats *st = bridge_get_stats(x->b);
	assert_int_equal(st->rpc_enables, 4);
	assert_int_equal(x->fk.conns, 4);

	set_re(&x->fk, RE_OLD);
	for (int i = 0; i < 3; i++) {
		reconnect(x, s, ops, sizeof(ops));
		assert_string_equal(ops, "7 1 2");
	}
	assert_int_equal(st->rpc_refusals, 3);
	assert_int_equal(count_logged(&d->log, "does not know RPC_ENABLE (0xffff000a)"), 1);
	/* without RPCs the bridge works as before; an RPC still gets carried */
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	rinvoke_good(x, s);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	set_re(&x->fk, RE_REFUSE);
	reconnect(x, s, ops, sizeof(ops));
	assert_string_equal(ops, "7 1 2");
	assert_int_equal(st->rpc_refusals, 4);
	assert_int_equal(count_logged(&d->log, "RPC_ENABLE"), 1); /* still the one line */
	set_re(&x->fk, RE_OK);
	reconnect(x, s, ops, sizeof(ops));
	assert_true(logged(&d->log, "teevard takes RPCs now"));
	assert_int_equal(st->rpc_enables, 5);

	/* an ERROR other than NOT_SUPPORTED, or an RPC instead of the answer */
	static const enum re_mode broken[] = {RE_FORMAT, RE_RPC};
	for (size_t i = 0; i < 2; i++) {
		set_re(&x->fk, broken[i]);
		unsigned comm = (unsigned)st->comm_errors;
		reconnect(x, s, ops, sizeof(ops));
		assert_string_equal(ops, "7");
		assert_int_equal(st->comm_errors, comm + 2);
		assert_false(bridge_is_up(x->b));
	}
	set_re(&x->fk, RE_OK);
	rinvoke_good(x, s);
	assert_int_equal(kern_count(&x->kn, &x->kn.n_rpcs), 1);
}

/* Port mode: RPC_ENABLE after the resynchronization's barrier, before the
 * leftover closes and the re-opens; again after a reconnect the bridge did
 * not see (teevard forgot the session). */
static void test_rpc_port_enable(void **state)
{
	struct rfx *x = *state;
	uint32_t s = 0;
	assert_int_equal(open_session(&x->dev, x->b, &s, NULL), TEE_SUCCESS);
	expect_ops(&x->fk, 0, "4 7 1");
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	rinvoke_good(x, s);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_echo(&g, &rpmb_step, 512);
	unsigned from = fake_n_ops(&x->fk);
	pthread_mutex_lock(&x->fk.mu);
	x->fk.forget_next = true;
	pthread_mutex_unlock(&x->fk.mu);
	rinvoke_good(x, s);
	expect_ops(&x->fk, from, "2 7 1 2");
	const struct bridge_stats *st = bridge_get_stats(x->b);
	assert_int_equal(st->retries, 1);
	assert_int_equal(st->rpc_enables, 2);
	assert_int_equal(st->ups, 1);
}

/* Port mode: an INVOKE times out while teevard still works on it; teevard's
 * RPC for it arrives during the next request's barrier: answered
 * COMMUNICATION (teevard can finish), skipped like the late answer. */
static void test_rpc_port_stale_barrier(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	enum { T = 500 };
	rbridge(x, T, RPC_TIMEOUT_MS);
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	pthread_mutex_lock(&x->fk.mu);
	x->fk.stale_rpc_next = true;
	x->fk.n_got = 0;
	pthread_mutex_unlock(&x->fk.mu);
	int64_t t0 = now_ms();
	struct vtee_view q;
	struct vtee_view r = rinvoke(x, s, &q);
	expect_comm(&r);
	assert_true(now_ms() - t0 >= T - 50);
	unsigned from = fake_n_ops(&x->fk);
	rinvoke_good(x, s);
	/* the barrier, then RPC_ENABLE, the stale session closed, re-opened */
	expect_ops(&x->fk, from, "4 7 3 1 2");
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_rpc_comm(&g);
	const struct bridge_stats *st = bridge_get_stats(x->b);
	assert_int_equal(st->stale_rpcs, 1);
	assert_int_equal(st->rpcs, 0);
	assert_int_equal(st->ups, 2);
	assert_true(logged(&d->log, "resync: answered a stale RPC"));
	assert_int_equal(kern_count(&x->kn, &x->kn.n_rpcs), 0);
}

/* Without a device (bridge_handle called directly), or an RPC at a time no
 * kernel request waits: COMMUNICATION to teevard. */
static void test_rpc_no_device(void **state)
{
	struct rfx *x = *state;
	struct dev *d = &x->dev;
	uint32_t s = 0;
	assert_int_equal(open_session(d, x->b, &s, NULL), TEE_SUCCESS);
	fake_rpcs(&x->fk, TVD_OP_INVOKE, &rpmb_step, 1, 0);
	struct vtee_view q = fake_invoke_q(d, s);
	uint8_t *msg, *resp;
	size_t len, rlen;
	assert_int_equal(vtee_encode(&q, &msg, &len), TV_OK);
	assert_int_equal(bridge_handle(x->b, msg, len, &resp, &rlen), TV_OK);
	free(msg);
	struct vtee_view r;
	assert_int_equal(vtee_decode(resp, rlen, true, &r), TV_OK);
	expect_fake_answer(&r);
	free(resp);
	struct rpc_got g = fake_got(&x->fk, 0);
	expect_rpc_comm(&g);
	assert_true(logged(&d->log, "outside a kernel request"));
	assert_int_equal(kern_count(&x->kn, &x->kn.n_rpcs), 0);
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
		cmocka_unit_test_setup_teardown(test_rpc_one, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_several, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_during_open, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_module_error, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_module_timeout, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_not_fitting, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_write_refused, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_backlog, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_backlog_freed, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_malformed_frames, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_enable_reconnects, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_no_device, rsetup, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_port_enable, rsetup_port, rteardown),
		cmocka_unit_test_setup_teardown(test_rpc_port_stale_barrier, rsetup_port, rteardown),
	};
	return cmocka_run_group_tests_name("vtee_bridge", tests, NULL, NULL);
}

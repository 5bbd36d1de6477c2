/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The client library against a fake transport that compares every buffer the
 * client sends, byte by byte, with a hand-made vector and answers with crafted
 * bytes; then end to end through the in-process transport on a state directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "secure_core.h"
#include "tv_test_util.h"

/* ---- hand-made byte vectors ------------------------------------------- */

#define Z4 "00000000"
#define Z8 "0000000000000000"
/* EFI_MM_COMMUNICATE_HEADER.HeaderGuid ed32d533-99e6-4209-9cc0-2d72cdd998a7, EFI order */
#define HDR_GUID "33d532ed e699 0942 9cc02d72cdd998a7 "
/* 8be4df61-93ca-11d2-aa0d-00e098032b8c */
#define GLOBAL_GUID "61dfe48b ca93 d211 aa0d00e098032b8c "
#define NAME_AB "4100 4200 0000 " /* L"AB", 6 bytes */

#define ST_BUFFER_TOO_SMALL "0500000000000080"
#define ST_NOT_FOUND "0e00000000000080"
#define ST_ACCESS_DENIED "0f00000000000080"

/* Offsets of answer fields in the whole buffer (payload at 40). */
#define AT_STATUS 32u
#define AT_PAYLOAD 40u
#define AT_ACC_DSIZE 56u
#define AT_ACC_NSIZE 64u
#define AT_ACC_ATTRS 72u
#define AT_ACC_NAME 76u
#define AT_NEXT_GUID 40u
#define AT_NEXT_NSIZE 56u
#define AT_NEXT_NAME 64u
#define AT_PROP 64u

/* GET_PAYLOAD_SIZE: MessageLength 24, Function 11, one UINTN. */
#define REQ_PAYLOAD_SIZE HDR_GUID "1800000000000000 0b00000000000000" Z8 Z8
#define OPEN_STEP(size_hex) {.req = REQ_PAYLOAD_SIZE, .ans = {{AT_PAYLOAD, size_hex}}}
#define OPEN_128 OPEN_STEP("8000000000000000")

/* READY_TO_BOOT: no payload. The carrier for the return-code tests. */
#define REQ_READY HDR_GUID "1000000000000000 0500000000000000" Z8

/* VAR_CHECK_VARIABLE_PROPERTY_GET for L"AB": payload 48 + 6. */
#define REQ_PROP_GET_AB                                                                     \
	HDR_GUID "4600000000000000 0a00000000000000" Z8 GLOBAL_GUID "0600000000000000" Z8 Z8 \
		 Z8 NAME_AB

/* GET_VARIABLE L"AB", DataSize 4: payload 40 + 6 + 4 (Linux's 40-byte header). */
#define REQ_GET_AB_4                                                                        \
	HDR_GUID "4200000000000000 0100000000000000" Z8 GLOBAL_GUID "0400000000000000"     \
		 "0600000000000000" Z4 NAME_AB Z4 Z4

struct patch {
	size_t off;
	const char *hex;
};

struct step {
	const char *req;       /* the whole buffer the client must send */
	size_t req_zeros;      /* followed by this many zero bytes */
	struct patch ans[4];   /* the answer, written into the buffer */
	uint64_t value_a;      /* StMM return code */
	uint32_t tee_result;
	uint32_t origin;
};

#define FAKE_SESSION 0x5eu

struct fake {
	const struct step *steps;
	size_t n_steps, pos;
	uint32_t open_result;
	int opens, closes, destroys;
};

static struct fake fake;

static size_t hex_into(const char *hex, uint8_t *out, size_t max)
{
	long n = tv_test_hex(hex, out, max);
	assert_true(n >= 0);
	return (size_t)n;
}

static uint32_t fake_open(void *ctx, const uint8_t uuid[16], uint32_t *session, uint32_t *origin)
{
	static const uint8_t stmm_uuid[16] = {0xed, 0x32, 0xd5, 0x33, 0x99, 0xe6, 0x42, 0x09,
					      0x9c, 0xc0, 0x2d, 0x72, 0xcd, 0xd9, 0x98, 0xa7};
	struct fake *f = ctx;
	assert_memory_equal(uuid, stmm_uuid, 16);
	f->opens++;
	*origin = TEE_ORIGIN_TEE;
	if (f->open_result != TEE_SUCCESS)
		return f->open_result;
	*session = FAKE_SESSION;
	return TEE_SUCCESS;
}

static void check_request(const struct step *s, const struct tv_tee_param p[TV_TEE_NUM_PARAMS])
{
	static uint8_t want[1 << 16];
	size_t n = hex_into(s->req, want, sizeof(want));
	assert_true(n + s->req_zeros <= sizeof(want));
	memset(want + n, 0, s->req_zeros);
	n += s->req_zeros;

	assert_int_equal(p[0].type, TV_TEE_PARAM_MEMREF_INOUT);
	assert_int_equal(p[1].type, TV_TEE_PARAM_VALUE_OUTPUT);
	assert_int_equal(p[2].type, TV_TEE_PARAM_NONE);
	assert_int_equal(p[3].type, TV_TEE_PARAM_NONE);
	assert_int_equal(p[0].u.memref.size, n);
	assert_memory_equal(p[0].u.memref.buf, want, n);
}

static uint32_t fake_invoke(void *ctx, uint32_t session, uint32_t cmd,
			    struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	struct fake *f = ctx;
	assert_int_equal(session, FAKE_SESSION);
	assert_int_equal(cmd, TV_STMM_CMD_COMMUNICATE);
	assert_true(f->pos < f->n_steps); /* no call beyond the script */
	const struct step *s = &f->steps[f->pos++];
	check_request(s, params);

	uint8_t *buf = params[0].u.memref.buf;
	for (size_t i = 0; i < 4 && s->ans[i].hex; i++) {
		uint8_t bytes[256];
		size_t n = hex_into(s->ans[i].hex, bytes, sizeof(bytes));
		assert_true(s->ans[i].off + n <= params[0].u.memref.size);
		memcpy(buf + s->ans[i].off, bytes, n);
	}
	params[1].u.value.a = s->value_a;
	*origin = s->origin ? s->origin : TEE_ORIGIN_TRUSTED_APP;
	return s->tee_result;
}

static void fake_close(void *ctx, uint32_t session)
{
	assert_int_equal(session, FAKE_SESSION);
	((struct fake *)ctx)->closes++;
}

static void fake_destroy(void *ctx)
{
	((struct fake *)ctx)->destroys++;
}

static const struct tv_transport_ops fake_ops = {
	.open_session = fake_open,
	.invoke = fake_invoke,
	.close_session = fake_close,
	.destroy = fake_destroy,
};

static struct tv_transport fake_transport(bool foreign, bool ffa)
{
	return (struct tv_transport){
		.ops = &fake_ops, .ctx = &fake, .foreign_stmm = foreign, .ffa_codes = ffa,
		.name = "fake"};
}

#define SCRIPT(...)                                                                       \
	do {                                                                              \
		static const struct step steps_[] = {__VA_ARGS__};                        \
		fake_script(steps_, sizeof(steps_) / sizeof(steps_[0]));                  \
	} while (0)

static void fake_script(const struct step *steps, size_t n)
{
	memset(&fake, 0, sizeof(fake));
	fake.steps = steps;
	fake.n_steps = n;
}

static struct tv_client *open_fake(bool foreign, bool ffa)
{
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(fake_transport(foreign, ffa), &c), EFI_SUCCESS);
	assert_non_null(c);
	return c;
}

/* Closes the client and checks that the whole script ran. */
static void finish(struct tv_client *c)
{
	tv_client_close(c);
	assert_int_equal(fake.pos, fake.n_steps);
	assert_int_equal(fake.closes, fake.opens);
	assert_int_equal(fake.destroys, 1);
}

static const efi_char16_t name_ab[] = {'A', 'B', 0};
static const efi_guid_t global_guid = EFI_GLOBAL_VARIABLE_GUID;

/* ---- opening ------------------------------------------------------------ */

static void test_open_payload_size(void **state)
{
	(void)state;
	SCRIPT(OPEN_STEP("0001000000000000"));
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_client_payload_size(c), 0x100);
	uint32_t origin = 1234;
	assert_int_equal(tv_client_last_tee_result(c, &origin), TEE_SUCCESS);
	finish(c);
}

static void test_open_foreign_minus_two(void **state)
{
	(void)state;
	SCRIPT(OPEN_STEP("0001000000000000"));
	struct tv_client *c = open_fake(true, false);
	assert_int_equal(tv_client_payload_size(c), 0xFE);
	finish(c);
}

static void test_open_payload_minimum(void **state)
{
	(void)state;
	SCRIPT(OPEN_STEP("4800000000000000")); /* 72 = 40 + 0x20: just enough */
	struct tv_client *c = open_fake(true, false);
	assert_int_equal(tv_client_payload_size(c), 70);
	finish(c);

	SCRIPT(OPEN_STEP("4700000000000000"));
	c = (struct tv_client *)(uintptr_t)1; /* must be reset to NULL */
	assert_int_equal(tv_client_open(fake_transport(false, false), &c), EFI_DEVICE_ERROR);
	assert_null(c);
	assert_int_equal(fake.pos, 1);
	assert_int_equal(fake.closes, 1);
	assert_int_equal(fake.destroys, 1);
}

static void test_open_payload_cap(void **state)
{
	(void)state;
	SCRIPT(OPEN_STEP("ffffffffffffffff"));
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_client_payload_size(c), 16u << 20);
	finish(c);
}

static void test_open_busy(void **state)
{
	(void)state;
	fake_script(NULL, 0);
	fake.open_result = TEE_ERROR_BUSY;
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(fake_transport(false, false), &c), EFI_ACCESS_DENIED);
	assert_null(c);
	uint32_t origin = 0;
	assert_int_equal(tv_client_last_tee_result(NULL, &origin), TEE_ERROR_BUSY);
	assert_int_equal(origin, TEE_ORIGIN_TEE);
	assert_int_equal(fake.closes, 0);
	assert_int_equal(fake.destroys, 1);

	fake_script(NULL, 0);
	fake.open_result = TEE_ERROR_ITEM_NOT_FOUND;
	assert_int_equal(tv_client_open(fake_transport(false, false), &c), EFI_DEVICE_ERROR);
	assert_int_equal(tv_client_last_tee_result(NULL, NULL), TEE_ERROR_ITEM_NOT_FOUND);
}

static void test_open_tee_error(void **state)
{
	(void)state;
	SCRIPT({.req = REQ_PAYLOAD_SIZE, .tee_result = TEE_ERROR_COMMUNICATION,
		.origin = TEE_ORIGIN_COMMS});
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(fake_transport(false, false), &c), EFI_DEVICE_ERROR);
	assert_null(c);
	uint32_t origin = 0;
	assert_int_equal(tv_client_last_tee_result(NULL, &origin), TEE_ERROR_COMMUNICATION);
	assert_int_equal(origin, TEE_ORIGIN_COMMS);
	assert_int_equal(fake.closes, 1);
	assert_int_equal(fake.destroys, 1);

	/* A later successful open resets the thread's open result. */
	SCRIPT(OPEN_128);
	c = open_fake(false, false);
	assert_int_equal(tv_client_last_tee_result(NULL, NULL), TEE_SUCCESS);
	finish(c);
}

static void test_open_bad_arguments(void **state)
{
	(void)state;
	fake_script(NULL, 0);
	assert_int_equal(tv_client_open(fake_transport(false, false), NULL),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(fake.destroys, 1); /* owned also on failure */
	struct tv_client *c = NULL;
	struct tv_transport none = {0};
	assert_int_equal(tv_client_open(none, &c), EFI_INVALID_PARAMETER);
	assert_null(c);
	tv_client_close(NULL);
}

/* ---- GetVariable -------------------------------------------------------- */

static void test_get_variable(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_GET_AB_4,
			  .ans = {{AT_ACC_DSIZE, "0300000000000000"},
				  {AT_ACC_ATTRS, "07000000"},
				  {AT_ACC_NAME + 6, "aabbcc"}}});
	struct tv_client *c = open_fake(false, false);
	uint8_t data[4] = {0xEE, 0xEE, 0xEE, 0xEE};
	size_t size = sizeof(data);
	uint32_t attrs = 0;
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, &attrs, &size, data),
			 EFI_SUCCESS);
	assert_int_equal(size, 3);
	assert_int_equal(attrs, 7);
	const uint8_t want[4] = {0xAA, 0xBB, 0xCC, 0xEE};
	assert_memory_equal(data, want, 4);
	finish(c);
}

static void test_get_variable_sends_attrs(void **state)
{
	(void)state;
	SCRIPT(OPEN_128,
	       {.req = HDR_GUID "4200000000000000 0100000000000000" Z8 GLOBAL_GUID
			"0400000000000000 0600000000000000 06000000" NAME_AB Z4 Z4,
		.ans = {{AT_STATUS, ST_NOT_FOUND}}});
	struct tv_client *c = open_fake(false, false);
	uint8_t data[4];
	size_t size = sizeof(data);
	uint32_t attrs = 6; /* Linux sends what the caller passes in */
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, &attrs, &size, data),
			 EFI_NOT_FOUND);
	assert_int_equal(size, 4);
	assert_int_equal(attrs, 6);
	finish(c);
}

static void test_get_variable_trims(void **state)
{
	(void)state;
	/* payload 128: 40 + 6 + DataSize 82 = 128; 86 zero bytes after the name. */
	SCRIPT(OPEN_128, {.req = HDR_GUID "9000000000000000 0100000000000000" Z8 GLOBAL_GUID
				"5200000000000000 0600000000000000" Z4 NAME_AB,
			  .req_zeros = 86,
			  .ans = {{AT_STATUS, ST_BUFFER_TOO_SMALL},
				  {AT_ACC_DSIZE, "c800000000000000"},
				  {AT_ACC_ATTRS, "07000000"}}});
	struct tv_client *c = open_fake(false, false);
	static uint8_t data[1000];
	size_t size = sizeof(data);
	uint32_t attrs = 0;
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, &attrs, &size, data),
			 EFI_BUFFER_TOO_SMALL);
	assert_int_equal(size, 200);
	assert_int_equal(attrs, 7); /* UEFI 2.10: also on BUFFER_TOO_SMALL */
	finish(c);
}

static void test_get_variable_too_small(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_GET_AB_4,
			  .ans = {{AT_STATUS, ST_BUFFER_TOO_SMALL},
				  {AT_ACC_DSIZE, "0500000000000000"}}});
	struct tv_client *c = open_fake(false, false);
	uint8_t data[4] = {1, 2, 3, 4};
	size_t size = 4;
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, NULL, &size, data),
			 EFI_BUFFER_TOO_SMALL);
	assert_int_equal(size, 5);
	const uint8_t same[4] = {1, 2, 3, 4};
	assert_memory_equal(data, same, 4);
	finish(c);
}

static void test_get_variable_null_data(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_GET_AB_4, .ans = {{AT_ACC_DSIZE, "0200000000000000"}}});
	struct tv_client *c = open_fake(false, false);
	size_t size = 4;
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, NULL, &size, NULL),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(size, 2);
	finish(c);
}

static void test_get_variable_bad_arguments(void **state)
{
	(void)state;
	SCRIPT(OPEN_128);
	struct tv_client *c = open_fake(false, false);
	uint8_t data[4];
	size_t size = 4;
	assert_int_equal(tv_get_variable(c, NULL, &global_guid, NULL, &size, data),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(tv_get_variable(c, name_ab, NULL, NULL, &size, data),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, NULL, NULL, data),
			 EFI_INVALID_PARAMETER);
	/* 44 characters + NUL = 90 bytes > 128 - 40 */
	efi_char16_t long_name[45];
	for (size_t i = 0; i < 44; i++)
		long_name[i] = 'x';
	long_name[44] = 0;
	assert_int_equal(tv_get_variable(c, long_name, &global_guid, NULL, &size, data),
			 EFI_INVALID_PARAMETER);
	finish(c);
}

/* Answers a broken peer may give to GET L"AB" with DataSize 4. */
static void test_get_variable_hostile(void **state)
{
	(void)state;
	SCRIPT(OPEN_128,
	       /* more data than the buffer had room for */
	       {.req = REQ_GET_AB_4, .ans = {{AT_ACC_DSIZE, "0500000000000000"}}},
	       {.req = REQ_GET_AB_4, .ans = {{AT_ACC_DSIZE, "ffffffffffffffff"}}},
	       /* a NameSize that would move the data window */
	       {.req = REQ_GET_AB_4, .ans = {{AT_ACC_NSIZE, "0200000000000000"}}},
	       {.req = REQ_GET_AB_4, .ans = {{AT_ACC_NSIZE, "ffffffffffffff7f"}}},
	       /* "too small" for a size that fitted */
	       {.req = REQ_GET_AB_4, .ans = {{AT_STATUS, ST_BUFFER_TOO_SMALL},
					     {AT_ACC_DSIZE, "0400000000000000"}}});
	struct tv_client *c = open_fake(false, false);
	for (int i = 0; i < 5; i++) {
		uint8_t data[4] = {9, 9, 9, 9};
		size_t size = 4;
		uint32_t attrs = 0;
		assert_int_equal(tv_get_variable(c, name_ab, &global_guid, &attrs, &size, data),
				 EFI_DEVICE_ERROR);
		assert_int_equal(size, 4);
		assert_int_equal(attrs, 0);
		const uint8_t same[4] = {9, 9, 9, 9};
		assert_memory_equal(data, same, 4);
	}
	finish(c);
}

/* ---- GetNextVariableName ---------------------------------------------- */

/* GET_NEXT from the empty name with a 16-byte buffer: payload 24 + 16. */
#define REQ_NEXT_START_16                                                                   \
	HDR_GUID "3800000000000000 0200000000000000" Z8 Z8 Z8 "1000000000000000" Z8 Z8

static void test_get_next(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_NEXT_START_16,
			  .ans = {{AT_NEXT_GUID, GLOBAL_GUID},
				  {AT_NEXT_NSIZE, "0600000000000000"},
				  {AT_NEXT_NAME, NAME_AB}}});
	struct tv_client *c = open_fake(false, false);
	efi_char16_t name[8] = {0};
	size_t size = sizeof(name);
	efi_guid_t guid = {{0}};
	assert_int_equal(tv_get_next_variable(c, &size, name, &guid), EFI_SUCCESS);
	assert_int_equal(size, 6);
	assert_memory_equal(name, name_ab, sizeof(name_ab));
	assert_memory_equal(&guid, &global_guid, sizeof(guid));
	finish(c);
}

static void test_get_next_continues(void **state)
{
	(void)state;
	/* From L"AB" with an 8-byte buffer: name, then zero fill. */
	SCRIPT(OPEN_128, {.req = HDR_GUID "3000000000000000 0200000000000000" Z8 GLOBAL_GUID
				"0800000000000000" NAME_AB "0000",
			  .ans = {{AT_STATUS, ST_NOT_FOUND}}});
	struct tv_client *c = open_fake(false, false);
	efi_char16_t name[4] = {'A', 'B', 0, 0x7777};
	size_t size = sizeof(name);
	efi_guid_t guid = global_guid;
	assert_int_equal(tv_get_next_variable(c, &size, name, &guid), EFI_NOT_FOUND);
	assert_int_equal(size, 8);
	finish(c);
}

static void test_get_next_trims(void **state)
{
	(void)state;
	/* A 1024-byte buffer, payload 128: NameSize 104 = 128 - 24. */
	SCRIPT(OPEN_128, {.req = HDR_GUID "9000000000000000 0200000000000000" Z8 Z8 Z8
				"6800000000000000",
			  .req_zeros = 104,
			  .ans = {{AT_STATUS, ST_BUFFER_TOO_SMALL},
				  {AT_NEXT_NSIZE, "c800000000000000"}}});
	struct tv_client *c = open_fake(false, false);
	static efi_char16_t name[512];
	size_t size = sizeof(name);
	efi_guid_t guid = {{0}};
	assert_int_equal(tv_get_next_variable(c, &size, name, &guid), EFI_BUFFER_TOO_SMALL);
	assert_int_equal(size, 200);
	finish(c);
}

static void test_get_next_bad_arguments(void **state)
{
	(void)state;
	SCRIPT(OPEN_128);
	struct tv_client *c = open_fake(false, false);
	efi_guid_t guid = {{0}};
	/* no NUL within the caller's buffer: never read past it */
	efi_char16_t *unterminated = malloc(2 * sizeof(efi_char16_t));
	assert_non_null(unterminated);
	unterminated[0] = 'A';
	unterminated[1] = 'B';
	size_t size = 4;
	assert_int_equal(tv_get_next_variable(c, &size, unterminated, &guid),
			 EFI_INVALID_PARAMETER);
	free(unterminated);
	efi_char16_t name[2] = {0};
	size = 1;
	assert_int_equal(tv_get_next_variable(c, &size, name, &guid), EFI_INVALID_PARAMETER);
	assert_int_equal(tv_get_next_variable(c, NULL, name, &guid), EFI_INVALID_PARAMETER);
	size = 4;
	assert_int_equal(tv_get_next_variable(c, &size, NULL, &guid), EFI_INVALID_PARAMETER);
	assert_int_equal(tv_get_next_variable(c, &size, name, NULL), EFI_INVALID_PARAMETER);
	finish(c);
}

static void test_get_next_hostile(void **state)
{
	(void)state;
	SCRIPT(OPEN_128,
	       /* longer than the name area sent */
	       {.req = REQ_NEXT_START_16, .ans = {{AT_NEXT_NSIZE, "1200000000000000"}}},
	       {.req = REQ_NEXT_START_16, .ans = {{AT_NEXT_NSIZE, "0000000000000080"}}},
	       /* unterminated, empty, odd */
	       {.req = REQ_NEXT_START_16, .ans = {{AT_NEXT_NSIZE, "0600000000000000"},
						  {AT_NEXT_NAME, "410042004300"}}},
	       {.req = REQ_NEXT_START_16, .ans = {{AT_NEXT_NSIZE, "0000000000000000"}}},
	       {.req = REQ_NEXT_START_16, .ans = {{AT_NEXT_NSIZE, "0500000000000000"}}},
	       /* "too small" for a name that fitted */
	       {.req = REQ_NEXT_START_16, .ans = {{AT_STATUS, ST_BUFFER_TOO_SMALL},
						  {AT_NEXT_NSIZE, "1000000000000000"}}});
	struct tv_client *c = open_fake(false, false);
	for (int i = 0; i < 6; i++) {
		efi_char16_t name[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0x5555};
		size_t size = 16;
		efi_guid_t guid = {{0}};
		assert_int_equal(tv_get_next_variable(c, &size, name, &guid), EFI_DEVICE_ERROR);
		assert_int_equal(size, 16);
		assert_int_equal(name[0], 0);
		assert_int_equal(name[8], 0x5555);
		assert_true(guid.b[0] == 0 && guid.b[15] == 0);
	}
	finish(c);
}

/* ---- SetVariable -------------------------------------------------------- */

/* SET L"AB" attrs 7 data "xyz": payload 40 + 6 + 3, 4 bytes of Linux's slack. */
#define REQ_SET_AB_XYZ                                                                      \
	HDR_GUID "4100000000000000 0300000000000000" Z8 GLOBAL_GUID "0300000000000000"     \
		 "0600000000000000 07000000" NAME_AB "78797a" Z4

static void test_set_variable(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_PROP_GET_AB, .ans = {{AT_STATUS, ST_NOT_FOUND}}},
	       {.req = REQ_SET_AB_XYZ});
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, "xyz"), EFI_SUCCESS);
	finish(c);
}

static void test_set_variable_property_writable(void **state)
{
	(void)state;
	/* A property without READ_ONLY: SetVariable goes ahead; its status is the result. */
	SCRIPT(OPEN_128, {.req = REQ_PROP_GET_AB, .ans = {{AT_PROP, "01000000"}}},
	       {.req = REQ_SET_AB_XYZ, .ans = {{AT_STATUS, ST_ACCESS_DENIED}}});
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, "xyz"),
			 EFI_ACCESS_DENIED);
	finish(c);
}

static void test_set_variable_read_only(void **state)
{
	(void)state;
	/* Revision 1, Property READ_ONLY: no SET may follow (the script ends). */
	SCRIPT(OPEN_128, {.req = REQ_PROP_GET_AB, .ans = {{AT_PROP, "01000100"}}});
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, "xyz"),
			 EFI_WRITE_PROTECTED);
	finish(c);
}

static void test_set_variable_property_error(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_PROP_GET_AB, .ans = {{AT_STATUS, ST_ACCESS_DENIED}}},
	       {.req = REQ_PROP_GET_AB, .value_a = 0xFFFFFFFDu},
	       {.req = REQ_PROP_GET_AB, .tee_result = TEE_ERROR_GENERIC});
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, "xyz"),
			 EFI_ACCESS_DENIED);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, "xyz"),
			 EFI_ACCESS_DENIED);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, "xyz"),
			 EFI_DEVICE_ERROR);
	finish(c);
}

static void test_set_variable_bad_arguments(void **state)
{
	(void)state;
	SCRIPT(OPEN_128);
	struct tv_client *c = open_fake(false, false);
	const efi_char16_t empty[] = {0};
	assert_int_equal(tv_set_variable(c, NULL, &global_guid, 7, 3, "xyz"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(tv_set_variable(c, empty, &global_guid, 7, 3, "xyz"),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(tv_set_variable(c, name_ab, NULL, 7, 3, "xyz"), EFI_INVALID_PARAMETER);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, 3, NULL),
			 EFI_INVALID_PARAMETER);
	/* 40 + 6 + 83 > 128 */
	static const uint8_t big[83];
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, sizeof(big), big),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, SIZE_MAX, big),
			 EFI_INVALID_PARAMETER);
	finish(c);
}

static void test_set_variable_exact_fit(void **state)
{
	(void)state;
	/* 40 + 6 + 82 == 128: allowed. DataSize 0x52, 82 zero bytes of data. */
	SCRIPT(OPEN_128, {.req = REQ_PROP_GET_AB, .ans = {{AT_STATUS, ST_NOT_FOUND}}},
	       {.req = HDR_GUID "9000000000000000 0300000000000000" Z8 GLOBAL_GUID
			"5200000000000000 0600000000000000 07000000" NAME_AB,
		.req_zeros = 86});
	struct tv_client *c = open_fake(false, false);
	static const uint8_t data[82];
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 7, sizeof(data), data),
			 EFI_SUCCESS);
	finish(c);
}

static void test_set_variable_delete(void **state)
{
	(void)state;
	/* size 0, no data: a delete, payload 40 + 6 */
	SCRIPT(OPEN_128, {.req = REQ_PROP_GET_AB, .ans = {{AT_STATUS, ST_NOT_FOUND}}},
	       {.req = HDR_GUID "3e00000000000000 0300000000000000" Z8 GLOBAL_GUID Z8
			"0600000000000000" Z4 NAME_AB Z4});
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_set_variable(c, name_ab, &global_guid, 0, 0, NULL), EFI_SUCCESS);
	finish(c);
}

/* ---- QueryVariableInfo and the firmware calls -------------------------- */

static void test_query(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = HDR_GUID "3000000000000000 0400000000000000" Z8 Z8 Z8 Z8
				"07000000" Z4,
			  .ans = {{AT_PAYLOAD, "0010000000000000 0008000000000000"
					       "0004000000000000"}}});
	struct tv_client *c = open_fake(false, false);
	uint64_t max_storage = 0, remaining = 0, max_size = 0;
	assert_int_equal(tv_query_variable_info(c, 7, &max_storage, &remaining, &max_size),
			 EFI_SUCCESS);
	assert_int_equal(max_storage, 0x1000);
	assert_int_equal(remaining, 0x800);
	assert_int_equal(max_size, 0x400);
	assert_int_equal(tv_query_variable_info(c, 7, NULL, &remaining, &max_size),
			 EFI_INVALID_PARAMETER);
	finish(c);
}

static void test_firmware_calls(void **state)
{
	(void)state;
	SCRIPT(OPEN_128, {.req = REQ_READY},
	       {.req = HDR_GUID "1000000000000000 0600000000000000" Z8},
	       {.req = HDR_GUID "2e00000000000000 0800000000000000" Z8 GLOBAL_GUID
			"0600000000000000" NAME_AB,
		.ans = {{AT_STATUS, ST_ACCESS_DENIED}}},
	       {.req = HDR_GUID "4600000000000000 0900000000000000" Z8 GLOBAL_GUID
			"0600000000000000 0100 0100 07000000 0100000000000000 1000000000000000"
			NAME_AB},
	       {.req = REQ_PROP_GET_AB,
		.ans = {{AT_PROP, "0100 0100 06000000 0200000000000000 2000000000000000"}}},
	       {.req = REQ_PROP_GET_AB, .ans = {{AT_STATUS, ST_NOT_FOUND}}});
	struct tv_client *c = open_fake(false, false);
	assert_int_equal(tv_ready_to_boot(c), EFI_SUCCESS);
	assert_int_equal(tv_exit_boot_services(c), EFI_SUCCESS);
	assert_int_equal(tv_lock_variable(c, name_ab, &global_guid), EFI_ACCESS_DENIED);
	const var_check_property_t set = {1, VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY, 7, 1, 16};
	assert_int_equal(tv_var_check_property_set(c, name_ab, &global_guid, &set), EFI_SUCCESS);
	var_check_property_t got;
	assert_int_equal(tv_var_check_property_get(c, name_ab, &global_guid, &got), EFI_SUCCESS);
	assert_int_equal(got.revision, 1);
	assert_int_equal(got.property, VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY);
	assert_int_equal(got.attributes, 6);
	assert_int_equal(got.min_size, 2);
	assert_int_equal(got.max_size, 32);
	assert_int_equal(tv_var_check_property_get(c, name_ab, &global_guid, &got),
			 EFI_NOT_FOUND);
	finish(c);
}

/* ---- return codes ------------------------------------------------------- */

struct code_case {
	uint64_t value_a;
	efi_status_t want;
};

/* READY_TO_BOOT with the given value.a; the buffer says NOT_FOUND, which only
 * counts when the code says success. */
static void check_codes(bool ffa, const struct code_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct step steps[2] = {
			OPEN_128,
			{.req = REQ_READY, .ans = {{AT_STATUS, ST_NOT_FOUND}},
			 .value_a = cases[i].value_a}};
		fake_script(steps, 2);
		struct tv_client *c = open_fake(false, ffa);
		efi_status_t st = tv_ready_to_boot(c);
		if (st != cases[i].want)
			fail_msg("value.a 0x%llx: got 0x%llx", (unsigned long long)cases[i].value_a,
				 (unsigned long long)st);
		finish(c);
	}
}

static void test_codes_legacy(void **state)
{
	(void)state;
	static const struct code_case cases[] = {
		{0, EFI_NOT_FOUND},
		{0xFFFFFFFFu, EFI_ACCESS_DENIED},             /* -1 not supported */
		{0xFFFFFFFEu, EFI_INVALID_PARAMETER},         /* -2 */
		{0xFFFFFFFFFFFFFFFEull, EFI_INVALID_PARAMETER}, /* -2, 64 bits wide */
		{0xFFFFFFFDu, EFI_ACCESS_DENIED},             /* -3 denied */
		{0xFFFFFFFCu, EFI_ACCESS_DENIED},             /* -4 */
		{0xFFFFFFFBu, EFI_OUT_OF_RESOURCES},          /* -5 no memory */
		{1, EFI_ACCESS_DENIED},
		{0x100000000ull, EFI_NOT_FOUND},              /* only 32 bits count */
	};
	check_codes(false, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_codes_ffa(void **state)
{
	(void)state;
	static const struct code_case cases[] = {
		{0, EFI_NOT_FOUND},
		{0xFFFFFFFFu, EFI_UNSUPPORTED},       /* -1 */
		{0xFFFFFFFEu, EFI_INVALID_PARAMETER}, /* -2 */
		{0xFFFFFFFDu, EFI_OUT_OF_RESOURCES},  /* -3 no memory */
		{0xFFFFFFFCu, EFI_NOT_READY},         /* -4 busy */
		{0xFFFFFFFBu, EFI_ACCESS_DENIED},     /* -5 interrupted */
		{0xFFFFFFFAu, EFI_ACCESS_DENIED},     /* -6 denied */
		{0xFFFFFFF9u, EFI_ACCESS_DENIED},     /* -7 retry */
		{0xFFFFFFF8u, EFI_ABORTED},           /* -8 */
		{0xFFFFFFF7u, EFI_NOT_FOUND},         /* -9 no data */
		{0xFFFFFFFFFFFFFFF8ull, EFI_ABORTED},
		{7, EFI_ACCESS_DENIED},
	};
	check_codes(true, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_tee_error(void **state)
{
	(void)state;
	SCRIPT(OPEN_128,
	       {.req = REQ_GET_AB_4, .tee_result = TEE_ERROR_EXCESS_DATA, .origin = TEE_ORIGIN_TEE,
		.ans = {{AT_ACC_DSIZE, "0200000000000000"}}},
	       {.req = REQ_READY});
	struct tv_client *c = open_fake(false, false);
	uint8_t data[4] = {5, 5, 5, 5};
	size_t size = 4;
	uint32_t attrs = 0;
	assert_int_equal(tv_get_variable(c, name_ab, &global_guid, &attrs, &size, data),
			 EFI_DEVICE_ERROR);
	assert_int_equal(size, 4);
	assert_int_equal(data[0], 5);
	uint32_t origin = 0;
	assert_int_equal(tv_client_last_tee_result(c, &origin), TEE_ERROR_EXCESS_DATA);
	assert_int_equal(origin, TEE_ORIGIN_TEE);
	/* the last failure stays until the next one */
	assert_int_equal(tv_ready_to_boot(c), EFI_SUCCESS);
	assert_int_equal(tv_client_last_tee_result(c, NULL), TEE_ERROR_EXCESS_DATA);
	finish(c);
}

/* ---- transports --------------------------------------------------------- */

static void test_transport_specs(void **state)
{
	(void)state;
	struct tv_transport t;
	assert_int_equal(tv_transport_open("unix:/nonexistent/teevard.sock", &t), -ENOENT);
	assert_int_equal(tv_transport_open("optee:/nonexistent/tee0", &t), -ENOENT);
	assert_int_equal(tv_transport_open("bogus", &t), -EINVAL);
	assert_int_equal(tv_transport_open("inproc:", &t), -EINVAL);
	assert_int_equal(tv_transport_open(NULL, &t), -EINVAL);
	assert_null(t.ops);
	tv_transport_destroy(&t);
	tv_transport_destroy(NULL);

	struct tv_store_info info;
	struct tv_store_check_report report;
	struct tv_store_recovery rec;
	t = fake_transport(false, false);
	assert_int_equal(tv_transport_store_info(&t, &info), -ENOTSUP);
	assert_int_equal(tv_transport_store_check(&t, &report), -ENOTSUP);
	assert_int_equal(tv_transport_store_recover(&t, &rec), -ENOTSUP);
	tv_transport_inproc_wrap(NULL, &t);
	assert_int_equal(tv_transport_store_info(&t, &info), -ENOTSUP);
	assert_int_equal(tv_transport_store_check(&t, &report), -ENOTSUP);
	assert_int_equal(tv_transport_store_recover(&t, &rec), -ENOTSUP);
	assert_int_equal(tv_transport_store_info(NULL, &info), -EINVAL);
	assert_int_equal(tv_transport_store_check(NULL, &report), -EINVAL);
	assert_int_equal(tv_transport_store_check(&t, NULL), -EINVAL);
	assert_int_equal(tv_transport_store_recover(NULL, &rec), -EINVAL);
	assert_int_equal(tv_transport_store_recover(&t, NULL), -EINVAL);
}

/* ---- end to end through the in-process secure core --------------------- */

static const efi_guid_t vendor_guid = {{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
					0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00}};
#define NV_BS_RT                                                                            \
	(EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS |                      \
	 EFI_VARIABLE_RUNTIME_ACCESS)
#define BS_RT (EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

static const efi_char16_t name_one[] = {'O', 'n', 'e', 0};
static const efi_char16_t name_two[] = {'T', 'w', 'o', 0};
static const efi_char16_t name_vol[] = {'V', 'o', 'l', 0};

/* *t (may be NULL) gets a copy of the transport the client owns. */
static struct tv_client *open_inproc_t(const char *dir, struct tv_transport *copy)
{
	char spec[4200];
	snprintf(spec, sizeof(spec), "inproc:%s", dir);
	struct tv_transport t;
	assert_int_equal(tv_transport_open(spec, &t), 0);
	if (copy)
		*copy = t;
	assert_string_equal(t.name, "inproc");
	assert_false(t.foreign_stmm);
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	assert_true(tv_client_payload_size(c) >= 72);
	return c;
}

static struct tv_client *open_inproc(const char *dir)
{
	return open_inproc_t(dir, NULL);
}

static efi_status_t get_bytes(struct tv_client *c, const efi_char16_t *name, uint8_t *out,
			      size_t *size, uint32_t *attrs)
{
	return tv_get_variable(c, name, &vendor_guid, attrs, size, out);
}

/* Walks all names; returns how many of ours (vendor_guid) it saw, by bit. */
static unsigned walk_ours(struct tv_client *c)
{
	efi_char16_t name[512] = {0};
	efi_guid_t guid = {{0}};
	unsigned seen = 0;
	for (int guard = 0; guard < 1000; guard++) {
		size_t size = sizeof(name);
		efi_status_t st = tv_get_next_variable(c, &size, name, &guid);
		if (st == EFI_NOT_FOUND)
			return seen;
		assert_int_equal(st, EFI_SUCCESS);
		if (memcmp(&guid, &vendor_guid, sizeof(guid)) != 0)
			continue;
		if (memcmp(name, name_one, sizeof(name_one)) == 0)
			seen |= 1;
		if (memcmp(name, name_two, sizeof(name_two)) == 0)
			seen |= 2;
		if (memcmp(name, name_vol, sizeof(name_vol)) == 0)
			seen |= 4;
	}
	fail_msg("GetNextVariableName does not end");
	return 0;
}

static void e2e_first_session(struct tv_client *c)
{
	assert_int_equal(tv_set_variable(c, name_one, &vendor_guid, NV_BS_RT, 5, "hello"),
			 EFI_SUCCESS);
	assert_int_equal(tv_set_variable(c, name_two, &vendor_guid, NV_BS_RT, 3, "abc"),
			 EFI_SUCCESS);
	assert_int_equal(tv_set_variable(c, name_vol, &vendor_guid, BS_RT, 1, "v"), EFI_SUCCESS);

	uint8_t buf[16];
	size_t size = sizeof(buf);
	uint32_t attrs = 0;
	assert_int_equal(get_bytes(c, name_one, buf, &size, &attrs), EFI_SUCCESS);
	assert_int_equal(size, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(attrs, NV_BS_RT);
	size = 2;
	assert_int_equal(get_bytes(c, name_one, buf, &size, NULL), EFI_BUFFER_TOO_SMALL);
	assert_int_equal(size, 5);
	assert_int_equal(walk_ours(c), 7);

	uint64_t max_storage = 0, remaining = 0, max_size = 0;
	assert_int_equal(tv_query_variable_info(c, NV_BS_RT, &max_storage, &remaining, &max_size),
			 EFI_SUCCESS);
	assert_true(max_storage > 0 && remaining <= max_storage && max_size > 0);

	assert_int_equal(tv_set_variable(c, name_two, &vendor_guid, 0, 0, NULL), EFI_SUCCESS);
	size = sizeof(buf);
	assert_int_equal(get_bytes(c, name_two, buf, &size, NULL), EFI_NOT_FOUND);
	assert_int_equal(walk_ours(c), 5);
}

static void test_inproc_end_to_end(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	assert_non_null(dir);
	struct tv_client *c = open_inproc(dir);
	struct tv_transport busy;
	assert_int_equal(tv_transport_inproc_open(dir, &busy), -EBUSY);
	e2e_first_session(c);
	tv_client_close(c);

	struct tv_transport t;
	c = open_inproc_t(dir, &t);
	struct tv_store_info info;
	assert_int_equal(tv_transport_store_info(&t, &info), 0);
	assert_int_equal(info.var_count, 1);
	assert_true(info.capacity > 0 && info.used > 0 && info.remaining < info.capacity);
	assert_true(info.rpmb_blocks > 0 && info.blocks_per_write > 0);
	assert_int_equal(info.phase, 0);
	assert_true(info.format_version >= 1);
	assert_false(info.damaged);
	assert_false(info.read_only);
	assert_int_equal(info.damage_count, 0);
	/* a healthy store verifies, and there is nothing to recover */
	struct tv_store_check_report report;
	assert_int_equal(tv_transport_store_check(&t, &report), 0);
	assert_int_equal(report.format_version, info.format_version);
	assert_false(report.damaged);
	assert_true(report.matches_ram);
	assert_int_equal(report.live_vars, 1);
	assert_true(report.records >= 1 && report.blocks_read > 0);
	assert_string_equal(report.detail, "");
	struct tv_store_recovery rec;
	assert_int_equal(tv_transport_store_recover(&t, &rec), -ENOENT);
	uint8_t buf[16];
	size_t size = sizeof(buf);
	assert_int_equal(get_bytes(c, name_one, buf, &size, NULL), EFI_SUCCESS);
	assert_int_equal(size, 5);
	assert_memory_equal(buf, "hello", 5);
	size = sizeof(buf);
	assert_int_equal(get_bytes(c, name_two, buf, &size, NULL), EFI_NOT_FOUND);
	size = sizeof(buf);
	assert_int_equal(get_bytes(c, name_vol, buf, &size, NULL), EFI_NOT_FOUND);
	assert_int_equal(walk_ours(c), 1);
	tv_client_close(c);
	tv_test_rmtree(dir);
	free(dir);
}

static void test_inproc_read_only_property(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	assert_non_null(dir);
	struct tv_client *c = open_inproc(dir);
	const var_check_property_t ro = {VAR_CHECK_VARIABLE_PROPERTY_REVISION,
					 VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY, 0, 0, 0};
	var_check_property_t got;
	assert_int_equal(tv_var_check_property_get(c, name_one, &vendor_guid, &got),
			 EFI_NOT_FOUND);
	assert_int_equal(tv_var_check_property_set(c, name_one, &vendor_guid, &ro), EFI_SUCCESS);
	assert_int_equal(tv_set_variable(c, name_one, &vendor_guid, NV_BS_RT, 1, "x"),
			 EFI_WRITE_PROTECTED);
	tv_client_close(c);
	tv_test_rmtree(dir);
	free(dir);
}

/* One StMM, two clients: the second is refused as tee_stmm_efi's rival would be. */
static void test_inproc_single_session(void **state)
{
	(void)state;
	char *dir = tv_test_tmpdir();
	assert_non_null(dir);
	struct tv_secure *sec = NULL;
	assert_int_equal(tv_secure_open(dir, NULL, &sec), 0);
	struct tv_transport t1, t2;
	tv_transport_inproc_wrap(tv_secure_stmm(sec), &t1);
	tv_transport_inproc_wrap(tv_secure_stmm(sec), &t2);
	struct tv_client *c1 = NULL, *c2 = NULL;
	assert_int_equal(tv_client_open(t1, &c1), EFI_SUCCESS);
	assert_int_equal(tv_client_open(t2, &c2), EFI_ACCESS_DENIED);
	assert_null(c2);
	assert_int_equal(tv_client_last_tee_result(NULL, NULL), TEE_ERROR_BUSY);
	tv_client_close(c1);
	tv_transport_inproc_wrap(tv_secure_stmm(sec), &t2);
	assert_int_equal(tv_client_open(t2, &c2), EFI_SUCCESS);
	tv_client_close(c2);
	tv_secure_close(sec);
	tv_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_payload_size),
		cmocka_unit_test(test_open_foreign_minus_two),
		cmocka_unit_test(test_open_payload_minimum),
		cmocka_unit_test(test_open_payload_cap),
		cmocka_unit_test(test_open_busy),
		cmocka_unit_test(test_open_tee_error),
		cmocka_unit_test(test_open_bad_arguments),
		cmocka_unit_test(test_get_variable),
		cmocka_unit_test(test_get_variable_sends_attrs),
		cmocka_unit_test(test_get_variable_trims),
		cmocka_unit_test(test_get_variable_too_small),
		cmocka_unit_test(test_get_variable_null_data),
		cmocka_unit_test(test_get_variable_bad_arguments),
		cmocka_unit_test(test_get_variable_hostile),
		cmocka_unit_test(test_get_next),
		cmocka_unit_test(test_get_next_continues),
		cmocka_unit_test(test_get_next_trims),
		cmocka_unit_test(test_get_next_bad_arguments),
		cmocka_unit_test(test_get_next_hostile),
		cmocka_unit_test(test_set_variable),
		cmocka_unit_test(test_set_variable_property_writable),
		cmocka_unit_test(test_set_variable_read_only),
		cmocka_unit_test(test_set_variable_property_error),
		cmocka_unit_test(test_set_variable_bad_arguments),
		cmocka_unit_test(test_set_variable_exact_fit),
		cmocka_unit_test(test_set_variable_delete),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_firmware_calls),
		cmocka_unit_test(test_codes_legacy),
		cmocka_unit_test(test_codes_ffa),
		cmocka_unit_test(test_tee_error),
		cmocka_unit_test(test_transport_specs),
		cmocka_unit_test(test_inproc_end_to_end),
		cmocka_unit_test(test_inproc_read_only_property),
		cmocka_unit_test(test_inproc_single_session),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

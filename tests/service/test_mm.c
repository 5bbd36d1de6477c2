/* SPDX-License-Identifier: BSD-2-Clause */
/* The MM communicate protocol and the StMM TEE entry, with hand-made buffers:
 * every validation rule, every function, overflowing sizes, unterminated names,
 * BUSY and EXCESS_DATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mm_wire.h"
#include "secure_core.h"
#include "tv_bytes.h"
#include "tv_test_util.h"

static const uint8_t uuid[16] = TV_STMM_UUID;
static const char hdr_guid[] = "33d532ede69909429cc02d72cdd998a7";

struct ctx {
	char *dir;
	struct tv_secure *sec;
	struct tv_stmm *stmm;
	uint32_t session;
	uint8_t buf[70000];
	size_t len;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	c->dir = tv_test_tmpdir();
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.emu.size_mult = 2;
	cfg.sync = false;
	if (tv_secure_open(c->dir, &cfg, &c->sec) != 0)
		return -1;
	c->stmm = tv_secure_stmm(c->sec);
	uint32_t origin;
	if (tv_stmm_open_session(c->stmm, uuid, &c->session, &origin) != TEE_SUCCESS)
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	tv_secure_close(c->sec);
	tv_test_rmtree(c->dir);
	free(c->dir);
	free(c);
	return 0;
}

/* Sends c->buf (c->len bytes); returns value.a as a signed 32-bit code. */
static int32_t invoke(struct ctx *c)
{
	struct tv_tee_param p[4] = {
		{.type = TV_TEE_PARAM_MEMREF_INOUT, .u.memref = {c->buf, c->len}},
		{.type = TV_TEE_PARAM_VALUE_OUTPUT},
		{.type = TV_TEE_PARAM_NONE},
		{.type = TV_TEE_PARAM_NONE},
	};
	uint32_t origin;
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session, 0, p, &origin), TEE_SUCCESS);
	assert_true(p[1].u.value.a <= UINT32_MAX);
	return (int32_t)(uint32_t)p[1].u.value.a;
}

/* Builds a request: header, function, ReturnStatus = 0x5A5A..., payload. */
static void build(struct ctx *c, uint64_t fn, const uint8_t *payload, size_t plen)
{
	assert_int_equal(tv_test_hex(hdr_guid, c->buf, 16), 16);
	tv_put_le64(c->buf + 16, 16 + plen);
	tv_put_le64(c->buf + 24, fn);
	tv_put_le64(c->buf + 32, 0x5A5A5A5A5A5A5A5Aull);
	memcpy(c->buf + 40, payload, plen);
	c->len = 40 + plen;
}

static uint64_t status(const struct ctx *c)
{
	return tv_get_le64(c->buf + MM_OFF_STATUS);
}

/* ACCESS_VARIABLE payload: GUID, DataSize, NameSize, Attributes, Name, Data. */
static size_t access_payload(uint8_t *p, const char *name, uint32_t attrs, const void *data,
			     uint64_t data_size)
{
	memset(p, 0, 36);
	for (int i = 0; i < 16; i++)
		p[i] = (uint8_t)(0xA0 + i);
	size_t n = strlen(name);
	tv_put_le64(p + 16, data_size);
	tv_put_le64(p + 24, 2 * (n + 1));
	tv_put_le32(p + 32, attrs);
	for (size_t i = 0; i <= n; i++) {
		p[36 + 2 * i] = (uint8_t)name[i];
		p[36 + 2 * i + 1] = 0;
	}
	if (data) /* else only DataSize says how much room the caller offers */
		memcpy(p + 36 + 2 * (n + 1), data, data_size);
	else
		memset(p + 36 + 2 * (n + 1), 0, data_size);
	return 36 + 2 * (n + 1) + data_size;
}

static void test_payload_size_vector(void **state)
{
	struct ctx *c = *state;
	/* A whole buffer by hand: GUID, MessageLength 0x18, Function 11, status 0,
	 * an 8-byte payload. */
	c->len = (size_t)tv_test_hex("33d532ede69909429cc02d72cdd998a7 1800000000000000"
				     "0b00000000000000 0000000000000000 0000000000000000",
				     c->buf, sizeof(c->buf));
	assert_int_equal(c->len, 48);
	assert_int_equal(invoke(c), 0);
	uint8_t want[8];
	assert_int_equal(tv_test_hex("d8ff000000000000", want, 8), 8); /* 65536 - 40 */
	assert_memory_equal(c->buf + 40, want, 8);
	assert_int_equal(status(c), EFI_SUCCESS);
}

static void test_set_get_vector(void **state)
{
	struct ctx *c = *state;
	/* SetVariable "A" (NV|BS|RT) = "hi", by hand. */
	static const char set_hex[] =
		"33d532ede69909429cc02d72cdd998a7 3a00000000000000" /* 16 + 42 */
		"0300000000000000 0000000000000000"                 /* SET, status */
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"                 /* GUID */
		"0200000000000000 0400000000000000 07000000"        /* DataSize, NameSize, attrs */
		"41000000 6869";                                    /* "A\0", "hi" */
	c->len = (size_t)tv_test_hex(set_hex, c->buf, sizeof(c->buf));
	assert_int_equal(c->len, 82);
	uint8_t sent[82];
	memcpy(sent, c->buf, 82);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	assert_memory_equal(c->buf + 40, sent + 40, 42); /* SET does not copy back */

	uint8_t p[128];
	size_t n = access_payload(p, "A", 0, NULL, 16);
	build(c, 1, p, n + 16);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	assert_int_equal(tv_get_le64(c->buf + 40 + 16), 2);   /* DataSize */
	assert_int_equal(tv_get_le32(c->buf + 40 + 32), 7);   /* Attributes */
	assert_memory_equal(c->buf + 40 + 36 + 4, "hi", 2);

	/* DataSize 1: BUFFER_TOO_SMALL with the size written back. */
	n = access_payload(p, "A", 0, NULL, 1);
	build(c, 1, p, n + 1);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_BUFFER_TOO_SMALL);
	assert_int_equal(tv_get_le64(c->buf + 40 + 16), 2);
}

/* Each of these is refused before anything is parsed; the buffer stays as sent. */
static void expect_untouched(struct ctx *c)
{
	uint8_t *copy = malloc(c->len);
	memcpy(copy, c->buf, c->len);
	assert_int_equal(invoke(c), TV_SPM_INVALID_PARAMETER);
	assert_memory_equal(copy, c->buf, c->len);
	free(copy);
}

static void test_envelope_rules(void **state)
{
	struct ctx *c = *state;
	uint8_t p[64] = {0};
	build(c, 11, p, 8);
	c->len = 39; /* shorter than both headers */
	expect_untouched(c);
	build(c, 11, p, 8);
	tv_put_le64(c->buf + 16, 25); /* MessageLength disagrees with the buffer */
	expect_untouched(c);
	build(c, 11, p, 8);
	tv_put_le64(c->buf + 16, UINT64_MAX);
	expect_untouched(c);
	build(c, 11, p, 8);
	c->buf[0] ^= 1; /* another header GUID */
	expect_untouched(c);
	/* Payload below each function's minimum. */
	const struct { uint64_t fn; size_t min; } mins[] = {
		{1, 36}, {2, 24}, {3, 36}, {4, 32}, {8, 24}, {9, 48}, {10, 48}, {11, 8}};
	for (size_t i = 0; i < sizeof(mins) / sizeof(mins[0]); i++) {
		build(c, mins[i].fn, p, mins[i].min - 1);
		expect_untouched(c);
	}
}

static void test_access_rules(void **state)
{
	struct ctx *c = *state;
	uint8_t p[256];
	for (int fn = 1; fn <= 3; fn += 2) {
		/* DataSize that overflows 36 + DataSize + NameSize. */
		size_t n = access_payload(p, "B", 7, "x", 1);
		tv_put_le64(p + 16, UINT64_MAX - 2);
		build(c, (uint64_t)fn, p, n);
		assert_int_equal(invoke(c), 0);
		assert_int_equal(status(c), EFI_ACCESS_DENIED);
		/* NameSize beyond the payload, or huge. */
		n = access_payload(p, "B", 7, "x", 1);
		tv_put_le64(p + 24, 200);
		build(c, (uint64_t)fn, p, n);
		assert_int_equal(invoke(c), 0);
		assert_int_equal(status(c), EFI_ACCESS_DENIED);
		tv_put_le64(p + 24, UINT64_MAX);
		build(c, (uint64_t)fn, p, n);
		assert_int_equal(invoke(c), 0);
		assert_int_equal(status(c), EFI_ACCESS_DENIED);
		/* NameSize 0, and a name whose last unit is not NUL. */
		n = access_payload(p, "B", 7, "x", 1);
		tv_put_le64(p + 24, 0);
		build(c, (uint64_t)fn, p, n);
		assert_int_equal(invoke(c), 0);
		assert_int_equal(status(c), EFI_ACCESS_DENIED);
		n = access_payload(p, "B", 7, "x", 1);
		p[36 + 2] = 'C';
		build(c, (uint64_t)fn, p, n);
		assert_int_equal(invoke(c), 0);
		assert_int_equal(status(c), EFI_ACCESS_DENIED);
	}
	/* None of that created anything. */
	size_t n = access_payload(p, "B", 0, NULL, 8);
	build(c, 1, p, n + 8);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_NOT_FOUND);
}

static void test_get_next_rules(void **state)
{
	struct ctx *c = *state;
	uint8_t p[128];
	size_t n = access_payload(p, "N1", 7, "v", 1);
	build(c, 3, p, n);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	/* Start the walk: GUID, NameSize 64, empty name in a 64-byte area. */
	memset(p, 0, sizeof(p));
	tv_put_le64(p + 16, 64);
	build(c, 2, p, 24 + 64);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	assert_int_equal(tv_get_le64(c->buf + 40 + 16), 6);
	assert_memory_equal(c->buf + 40 + 24, "N\0001\0\0\0", 6);
	assert_int_equal(c->buf[40], 0xA0); /* the GUID came back */
	/* Then the service's own volatile variables (SetupMode...), then the end. */
	int steps = 0;
	do {
		memcpy(p, c->buf + 40, 24 + 64);
		tv_put_le64(p + 16, 64);
		build(c, 2, p, 24 + 64);
		assert_int_equal(invoke(c), 0);
		assert_true(++steps < 32);
	} while (status(c) == EFI_SUCCESS && memcmp(c->buf + 40 + 24, "N\0001\0", 4) != 0);
	assert_int_equal(status(c), EFI_NOT_FOUND);
	/* A name area whose last unit is not NUL. */
	memset(p, 'z', sizeof(p));
	tv_put_le64(p + 16, 8);
	build(c, 2, p, 24 + 8);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_ACCESS_DENIED);
	/* NameSize larger than the area. */
	memset(p, 0, sizeof(p));
	tv_put_le64(p + 16, 1000);
	build(c, 2, p, 24 + 8);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_ACCESS_DENIED);
	/* NameSize 2 at the start: BUFFER_TOO_SMALL and the size needed. */
	tv_put_le64(p + 16, 2);
	build(c, 2, p, 24 + 8);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_BUFFER_TOO_SMALL);
	assert_int_equal(tv_get_le64(c->buf + 40 + 16), 6);
}

static void test_other_functions(void **state)
{
	struct ctx *c = *state;
	uint8_t p[128] = {0};
	/* QUERY: attributes NV|BS|RT. */
	tv_put_le32(p + 24, 7);
	build(c, 4, p, 32);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	assert_true(tv_get_le64(c->buf + 40) >= tv_get_le64(c->buf + 48));
	assert_true(tv_get_le64(c->buf + 56) > 0);
	tv_put_le32(p + 24, 0);
	build(c, 4, p, 32);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_INVALID_PARAMETER);
	/* Unsupported and unknown functions. */
	const uint64_t unsupported[] = {7, 12, 13, 14, 0, 15, 99, UINT64_MAX};
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		build(c, unsupported[i], p, 64);
		assert_int_equal(invoke(c), 0);
		assert_int_equal(status(c), EFI_UNSUPPORTED);
	}
	/* PROPERTY_GET without a property; PROPERTY_SET; then GET it back. */
	memset(p, 0, sizeof(p));
	tv_put_le64(p + 16, 4);
	p[48] = 'P';
	build(c, 10, p, 52);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_NOT_FOUND);
	tv_put_le16(p + 24, 1);       /* revision */
	tv_put_le16(p + 26, 1);       /* READ_ONLY */
	tv_put_le64(p + 40, 100);     /* MaxSize */
	build(c, 9, p, 52);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	memset(p + 24, 0, 24);
	build(c, 10, p, 52);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	assert_int_equal(tv_get_le16(c->buf + 40 + 26), 1);
	assert_int_equal(tv_get_le64(c->buf + 40 + 40), 100);
	/* LOCK, READY_TO_BOOT, then LOCK and PROPERTY_SET are denied. */
	memset(p, 0, sizeof(p));
	tv_put_le64(p + 16, 4);
	p[24] = 'L';
	build(c, 8, p, 28);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	build(c, 5, p, 0);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	build(c, 8, p, 28);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_ACCESS_DENIED);
	/* EXIT_BOOT_SERVICE, then READY_TO_BOOT is unsupported. */
	build(c, 6, p, 0);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_SUCCESS);
	build(c, 5, p, 0);
	assert_int_equal(invoke(c), 0);
	assert_int_equal(status(c), EFI_UNSUPPORTED);
}

static void test_tee_entry(void **state)
{
	struct ctx *c = *state;
	uint32_t s2, origin;
	uint8_t other[16];
	memcpy(other, uuid, 16);
	other[15] ^= 1;
	assert_int_equal(tv_stmm_open_session(c->stmm, other, &s2, &origin), TEE_ERROR_ITEM_NOT_FOUND);
	assert_int_equal(tv_stmm_open_session(c->stmm, uuid, &s2, &origin), TEE_ERROR_BUSY);
	uint8_t p[8] = {0};
	build(c, 11, p, 8);
	struct tv_tee_param prm[4] = {
		{.type = TV_TEE_PARAM_MEMREF_INOUT, .u.memref = {c->buf, c->len}},
		{.type = TV_TEE_PARAM_VALUE_OUTPUT}, {.type = 0}, {.type = 0}};
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session, 1, prm, &origin), TEE_ERROR_NOT_SUPPORTED);
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session + 7, 0, prm, &origin),
			 TEE_ERROR_BAD_PARAMETERS);
	prm[1].type = TV_TEE_PARAM_VALUE_INPUT;
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session, 0, prm, &origin), TEE_ERROR_BAD_PARAMETERS);
	prm[1].type = TV_TEE_PARAM_VALUE_OUTPUT;
	prm[3].type = TV_TEE_PARAM_MEMREF_INPUT;
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session, 0, prm, &origin), TEE_ERROR_BAD_PARAMETERS);
	prm[3].type = TV_TEE_PARAM_NONE;
	prm[0].u.memref.size = 65537; /* over the 64 KiB limit */
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session, 0, prm, &origin), TEE_ERROR_EXCESS_DATA);
	assert_int_equal(prm[0].u.memref.size, 65536);
	/* A negative SPM code arrives as a 32-bit value. */
	prm[0].u.memref.size = 20;
	assert_int_equal(tv_stmm_invoke(c->stmm, c->session, 0, prm, &origin), TEE_SUCCESS);
	assert_int_equal(prm[1].u.value.a, 0xFFFFFFFEu);
	/* After close, a new session opens. */
	tv_stmm_close_session(c->stmm, c->session);
	assert_int_equal(tv_stmm_open_session(c->stmm, uuid, &c->session, &origin), TEE_SUCCESS);
	/* A multi-session entry (teevard) lets two clients in. */
	struct tv_stmm *multi;
	struct tv_stmm_config mc = {.multi_session = true};
	assert_int_equal(tv_stmm_create(tv_secure_varsvc(c->sec), &mc, &multi), 0);
	uint32_t a, b;
	assert_int_equal(tv_stmm_open_session(multi, uuid, &a, &origin), TEE_SUCCESS);
	assert_int_equal(tv_stmm_open_session(multi, uuid, &b, &origin), TEE_SUCCESS);
	assert_int_not_equal(a, b);
	tv_stmm_destroy(multi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_payload_size_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_get_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_envelope_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_next_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tee_entry, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

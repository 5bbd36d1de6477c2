/* SPDX-License-Identifier: BSD-2-Clause */
/* Client helpers: status names and errno mapping, GUID text form, UTF-8 <-> UCS-2. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/util.h>

#include "tv_test_util.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD16 0xBEEFu
#define GUARD8 ((char)0x5A)

struct status_case {
	efi_status_t code;
	const char *name;
	int err;
};

static const struct status_case status_cases[] = {
	{0, "EFI_SUCCESS", 0},
	{(1ull << 63) | 2, "EFI_INVALID_PARAMETER", -EINVAL},
	{(1ull << 63) | 3, "EFI_UNSUPPORTED", -EINVAL},
	{(1ull << 63) | 4, "EFI_BAD_BUFFER_SIZE", -EINVAL},
	{(1ull << 63) | 5, "EFI_BUFFER_TOO_SMALL", -EINVAL},
	{(1ull << 63) | 6, "EFI_NOT_READY", -EINVAL},
	{(1ull << 63) | 7, "EFI_DEVICE_ERROR", -EIO},
	{(1ull << 63) | 8, "EFI_WRITE_PROTECTED", -EROFS},
	{(1ull << 63) | 9, "EFI_OUT_OF_RESOURCES", -ENOSPC},
	{(1ull << 63) | 14, "EFI_NOT_FOUND", -ENOENT},
	{(1ull << 63) | 15, "EFI_ACCESS_DENIED", -EINVAL},
	{(1ull << 63) | 21, "EFI_ABORTED", -EINTR},
	{(1ull << 63) | 26, "EFI_SECURITY_VIOLATION", -EACCES},
};

static void test_status_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(status_cases); i++)
		assert_string_equal(tv_status_name(status_cases[i].code), status_cases[i].name);
	assert_string_equal(tv_status_name(EFI_NOT_FOUND), "EFI_NOT_FOUND");
	assert_string_equal(tv_status_name(EFI_ERR(99)), "EFI_STATUS(0x8000000000000063)");
	assert_string_equal(tv_status_name(1), "EFI_STATUS(0x0000000000000001)");
	assert_string_equal(tv_status_name(UINT64_MAX), "EFI_STATUS(0xffffffffffffffff)");
	/* Without the error bit, 14 is a warning code, not NOT_FOUND. */
	assert_string_equal(tv_status_name(14), "EFI_STATUS(0x000000000000000e)");
}

static void test_status_errno(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(status_cases); i++)
		assert_int_equal(tv_status_to_errno(status_cases[i].code), status_cases[i].err);
	assert_int_equal(tv_status_to_errno(EFI_ERR(99)), -EINVAL);
	assert_int_equal(tv_status_to_errno(14), -EINVAL);
	assert_int_equal(tv_status_to_errno(UINT64_MAX), -EINVAL);
}

static const char global_text[] = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
static const char global_hex[] = "61 df e4 8b ca 93 d2 11 aa 0d 00 e0 98 03 2b 8c";
static const char imgsec_text[] = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
static const char imgsec_hex[] = "cb b2 19 d7 3a 3d 96 45 a3 bc da d0 0e 67 65 6f";

static void check_guid_round_trip(const char *text, const char *hex, efi_guid_t expect)
{
	uint8_t bytes[16];
	assert_int_equal(tv_test_hex(hex, bytes, sizeof(bytes)), 16);
	efi_guid_t g;
	memset(&g, 0xEE, sizeof(g));
	assert_int_equal(tv_guid_parse(text, &g), 0);
	assert_memory_equal(g.b, bytes, 16);
	assert_true(tv_guid_equal(&g, &expect));

	char out[40];
	memset(out, 'X', sizeof(out));
	tv_guid_format(&g, out);
	assert_string_equal(out, text);
	assert_int_equal(out[37], 'X');
}

static void test_guid_round_trip(void **state)
{
	(void)state;
	check_guid_round_trip(global_text, global_hex, (efi_guid_t)EFI_GLOBAL_VARIABLE_GUID);
	check_guid_round_trip(imgsec_text, imgsec_hex,
			      (efi_guid_t)EFI_IMAGE_SECURITY_DATABASE_GUID);

	efi_guid_t zero = {{0}};
	char out[37];
	tv_guid_format(&zero, out);
	assert_string_equal(out, "00000000-0000-0000-0000-000000000000");
	efi_guid_t ff;
	memset(&ff, 0xFF, sizeof(ff));
	tv_guid_format(&ff, out);
	assert_string_equal(out, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_guid_upper_case(void **state)
{
	(void)state;
	efi_guid_t g, want = EFI_GLOBAL_VARIABLE_GUID;
	assert_int_equal(tv_guid_parse("8BE4DF61-93CA-11D2-AA0D-00E098032B8C", &g), 0);
	assert_true(tv_guid_equal(&g, &want));
	assert_int_equal(tv_guid_parse("8Be4dF61-93cA-11d2-Aa0D-00e098032b8C", &g), 0);
	assert_true(tv_guid_equal(&g, &want));
	char out[37];
	tv_guid_format(&g, out);
	assert_string_equal(out, global_text);
}

/* Parsing must fail and leave the output as it was. */
static void assert_guid_rejected(const char *text)
{
	efi_guid_t g, before;
	memset(&g, 0xA5, sizeof(g));
	before = g;
	if (tv_guid_parse(text, &g) != -1)
		fail_msg("accepted \"%s\"", text ? text : "(null)");
	assert_memory_equal(&g, &before, sizeof(g));
}

static void test_guid_malformed(void **state)
{
	(void)state;
	assert_guid_rejected(NULL);
	assert_guid_rejected("");
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d-00e098032b8");   /* 35 */
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d-00e098032b8c0"); /* 37 */
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d-00e098032b8c "); /* trailing */
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d-00e098032b8c\n");
	assert_guid_rejected(" 8be4df61-93ca-11d2-aa0d-00e098032b8c");
	assert_guid_rejected("{8be4df61-93ca-11d2-aa0d-00e098032b8c}");
	assert_guid_rejected("8be4df6193ca11d2aa0d00e098032b8c");
	assert_guid_rejected("8be4df6-193ca-11d2-aa0d-00e098032b8c");  /* dash moved */
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d00-e098032b8c");
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d-00e098032b8g");
	assert_guid_rejected("0x4df61-93ca-11d2-aa0d-00e098032b8c");
	assert_guid_rejected("+be4df61-93ca-11d2-aa0d-00e098032b8c");
	assert_guid_rejected("8be4df61-93ca-11d2-aa0d-00e0\xff" "8032b8c");

	/* Every single position replaced by something it may not hold. */
	char text[sizeof(global_text)];
	for (size_t i = 0; i < sizeof(global_text) - 1; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		const char *bad = dash ? "0a:_ \x80" : "-g:G_ \x80";
		for (const char *b = bad; *b; b++) {
			memcpy(text, global_text, sizeof(text));
			text[i] = *b;
			assert_guid_rejected(text);
		}
		memcpy(text, global_text, sizeof(text));
		text[i] = '\0'; /* truncated at every length */
		assert_guid_rejected(text);
	}
	efi_guid_t g;
	assert_int_equal(tv_guid_parse(global_text, NULL), -1);
	assert_int_equal(tv_guid_parse(global_text, &g), 0); /* the base text is fine */
}

static void test_guid_null_safety(void **state)
{
	(void)state;
	efi_guid_t a = EFI_GLOBAL_VARIABLE_GUID, b = EFI_IMAGE_SECURITY_DATABASE_GUID;
	assert_true(tv_guid_equal(&a, &a));
	assert_false(tv_guid_equal(&a, &b));
	assert_false(tv_guid_equal(NULL, &a));
	assert_false(tv_guid_equal(&a, NULL));
	assert_false(tv_guid_equal(NULL, NULL));
	char out[37] = "untouched";
	tv_guid_format(NULL, out);
	assert_string_equal(out, "");
	tv_guid_format(&a, NULL); /* must not crash */
}

/* Converts in with a buffer of max units followed by guards; checks the result
 * and that nothing beyond max was written. */
static long utf8_to_ucs2_checked(const char *in, efi_char16_t *out, size_t max)
{
	for (size_t i = 0; i < max + 4; i++)
		out[i] = GUARD16;
	long r = tv_utf8_to_ucs2(in, out, max);
	for (size_t i = max; i < max + 4; i++)
		assert_int_equal(out[i], GUARD16);
	if (r < 0 && max > 0)
		assert_int_equal(out[0], 0);
	return r;
}

static void test_utf8_to_ucs2_valid(void **state)
{
	(void)state;
	efi_char16_t out[40];
	assert_int_equal(utf8_to_ucs2_checked("BootOrder", out, 32), 10);
	const efi_char16_t boot[] = {'B', 'o', 'o', 't', 'O', 'r', 'd', 'e', 'r', 0};
	assert_memory_equal(out, boot, sizeof(boot));

	assert_int_equal(utf8_to_ucs2_checked("a\xC3\xA9\xE2\x82\xAC!", out, 32), 5);
	const efi_char16_t mixed[] = {'a', 0x00E9, 0x20AC, '!', 0};
	assert_memory_equal(out, mixed, sizeof(mixed));

	/* Boundaries of each sequence length, and around the surrogate range. */
	const char *edges = "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF";
	assert_int_equal(utf8_to_ucs2_checked(edges, out, 32), 8);
	const efi_char16_t want[] = {0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0};
	assert_memory_equal(out, want, sizeof(want));

	assert_int_equal(utf8_to_ucs2_checked("", out, 1), 1);
	assert_int_equal(out[0], 0);
}

static void test_utf8_to_ucs2_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\xF0\x9F\x98\x80",     /* U+1F600, outside the BMP */
		"ok\xF0\x9F\x98\x80",   /* same after valid text */
		"\xC0\xAF",             /* overlong '/' */
		"\xC0\x80",             /* overlong NUL */
		"\xC1\xBF",             /* overlong U+007F */
		"\xE0\x80\xAF",         /* 3-byte overlong '/' */
		"\xE0\x9F\xBF",         /* 3-byte overlong U+07FF */
		"\x80",                 /* lone continuation */
		"a\xBF" "b",            /* continuation after ASCII */
		"\xC3\xA9\xA9",         /* one continuation too many */
		"\xED\xA0\x80",         /* U+D800 */
		"\xED\xBF\xBF",         /* U+DFFF */
		"\xC3",                 /* truncated 2-byte */
		"\xE2\x82",             /* truncated 3-byte */
		"\xE2",                 /* truncated 3-byte */
		"\xE2\x82" "a",         /* truncated, then ASCII */
		"\xC3" "a",             /* lead followed by ASCII */
		"\xF4\x8F\xBF\xBF",     /* U+10FFFF */
		"\xF8\x88\x80\x80\x80", /* 5-byte form */
		"\xFE",
		"\xFF",
	};
	efi_char16_t out[40];
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (utf8_to_ucs2_checked(bad[i], out, 32) != -1)
			fail_msg("accepted case %zu", i);
	}
	assert_int_equal(tv_utf8_to_ucs2(NULL, out, 32), -1);
	assert_int_equal(tv_utf8_to_ucs2("a", NULL, 32), -1);
}

static void test_utf8_to_ucs2_capacity(void **state)
{
	(void)state;
	efi_char16_t out[40];
	assert_int_equal(utf8_to_ucs2_checked("abc", out, 4), 4);
	assert_int_equal(out[3], 0);
	assert_int_equal(utf8_to_ucs2_checked("abc", out, 3), -1);
	assert_int_equal(utf8_to_ucs2_checked("abc", out, 1), -1);
	assert_int_equal(utf8_to_ucs2_checked("abc", out, 0), -1);
	assert_int_equal(out[0], GUARD16); /* max 0: nothing written at all */
	assert_int_equal(utf8_to_ucs2_checked("", out, 0), -1);
	/* Multi-byte input: units, not bytes, count. */
	assert_int_equal(utf8_to_ucs2_checked("\xC3\xA9\xE2\x82\xAC", out, 3), 3);
	assert_int_equal(utf8_to_ucs2_checked("\xC3\xA9\xE2\x82\xAC", out, 2), -1);
}

/* Converts with an out_size-byte buffer followed by guards. */
static long ucs2_to_utf8_checked(const efi_char16_t *in, size_t max_units, char *out,
				 size_t out_size)
{
	memset(out, GUARD8, out_size + 4);
	long r = tv_ucs2_to_utf8(in, max_units, out, out_size);
	for (size_t i = out_size; i < out_size + 4; i++)
		assert_int_equal(out[i], GUARD8);
	if (r >= 0)
		assert_int_equal(strlen(out), (size_t)r);
	else if (out_size > 0)
		assert_int_equal(out[0], '\0');
	return r;
}

static void test_ucs2_to_utf8_valid(void **state)
{
	(void)state;
	char out[64];
	const efi_char16_t ab[] = {'a', 'b', 0};
	assert_int_equal(ucs2_to_utf8_checked(ab, 3, out, 32), 2);
	assert_string_equal(out, "ab");

	const efi_char16_t mixed[] = {0x00E9, 0x20AC, 0};
	assert_int_equal(ucs2_to_utf8_checked(mixed, 3, out, 32), 5);
	assert_string_equal(out, "\xC3\xA9\xE2\x82\xAC");

	const efi_char16_t edges[] = {0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0};
	assert_int_equal(ucs2_to_utf8_checked(edges, ARRAY_LEN(edges), out, 32), 17);
	assert_string_equal(out, "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80"
				 "\xEF\xBF\xBF");

	const efi_char16_t empty[] = {0};
	assert_int_equal(ucs2_to_utf8_checked(empty, 1, out, 1), 0);
	assert_string_equal(out, "");
	/* Units after the NUL are never looked at. */
	const efi_char16_t after[] = {'x', 0, 0xD800};
	assert_int_equal(ucs2_to_utf8_checked(after, 3, out, 32), 1);
	assert_string_equal(out, "x");
}

static void test_ucs2_to_utf8_rejects(void **state)
{
	(void)state;
	char out[64];
	const efi_char16_t abc[] = {'a', 'b', 'c'};
	assert_int_equal(ucs2_to_utf8_checked(abc, 3, out, 32), -1); /* no NUL */
	const efi_char16_t abc0[] = {'a', 'b', 'c', 0};
	assert_int_equal(ucs2_to_utf8_checked(abc0, 3, out, 32), -1); /* NUL past max */
	assert_int_equal(ucs2_to_utf8_checked(abc0, 4, out, 32), 3);
	assert_int_equal(ucs2_to_utf8_checked(abc0, 0, out, 32), -1);

	const efi_char16_t hi[] = {'a', 0xD800, 0};
	const efi_char16_t lo[] = {0xDFFF, 0};
	const efi_char16_t pair[] = {0xD83D, 0xDE00, 0}; /* UCS-2 has no pairs */
	assert_int_equal(ucs2_to_utf8_checked(hi, 3, out, 32), -1);
	assert_int_equal(ucs2_to_utf8_checked(lo, 2, out, 32), -1);
	assert_int_equal(ucs2_to_utf8_checked(pair, 3, out, 32), -1);

	assert_int_equal(tv_ucs2_to_utf8(NULL, 4, out, 32), -1);
	assert_int_equal(tv_ucs2_to_utf8(abc0, 4, NULL, 32), -1);
}

static void test_ucs2_to_utf8_capacity(void **state)
{
	(void)state;
	char out[64];
	const efi_char16_t abc[] = {'a', 'b', 'c', 0};
	assert_int_equal(ucs2_to_utf8_checked(abc, 4, out, 4), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(ucs2_to_utf8_checked(abc, 4, out, 3), -1);
	assert_int_equal(ucs2_to_utf8_checked(abc, 4, out, 0), -1);
	assert_int_equal(out[0], GUARD8); /* out_size 0: nothing written */

	const efi_char16_t euro[] = {0x20AC, 0};
	assert_int_equal(ucs2_to_utf8_checked(euro, 2, out, 4), 3);
	assert_int_equal(ucs2_to_utf8_checked(euro, 2, out, 3), -1); /* no room for NUL */
	assert_int_equal(ucs2_to_utf8_checked(euro, 2, out, 2), -1);
	const efi_char16_t e_acute[] = {0x00E9, 0};
	assert_int_equal(ucs2_to_utf8_checked(e_acute, 2, out, 3), 2);
	assert_int_equal(ucs2_to_utf8_checked(e_acute, 2, out, 2), -1);
}

/* Every BMP scalar value survives UCS-2 -> UTF-8 -> UCS-2. */
static void test_bmp_round_trip(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (unsigned cp = 1; cp <= 0xFFFF; cp++) {
		efi_char16_t in[2] = {(efi_char16_t)cp, 0}, back[2] = {0xFFFF, 0xFFFF};
		char utf8[4];
		long n = tv_ucs2_to_utf8(in, 2, utf8, sizeof(utf8));
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			assert_int_equal(n, -1);
			continue;
		}
		assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3);
		assert_int_equal(tv_utf8_to_ucs2(utf8, back, 2), 2);
		assert_int_equal(back[0], cp);
		assert_int_equal(back[1], 0);
		checked++;
	}
	assert_int_equal(checked, 0xFFFF - 0x800);
	printf("# %u BMP code points checked\n", checked);
}

static void test_ucs2_strnlen(void **state)
{
	(void)state;
	const efi_char16_t abc[] = {'a', 'b', 'c', 0, 'd'};
	assert_int_equal(tv_ucs2_strnlen(abc, 5), 3);
	assert_int_equal(tv_ucs2_strnlen(abc, 4), 3);
	assert_int_equal(tv_ucs2_strnlen(abc, 3), 3);
	assert_int_equal(tv_ucs2_strnlen(abc, 2), 2);
	assert_int_equal(tv_ucs2_strnlen(abc, 0), 0);
	assert_int_equal(tv_ucs2_strnlen(abc + 3, 2), 0);
	assert_int_equal(tv_ucs2_strnlen(NULL, 8), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_status_errno),
		cmocka_unit_test(test_guid_round_trip),
		cmocka_unit_test(test_guid_upper_case),
		cmocka_unit_test(test_guid_malformed),
		cmocka_unit_test(test_guid_null_safety),
		cmocka_unit_test(test_utf8_to_ucs2_valid),
		cmocka_unit_test(test_utf8_to_ucs2_rejects),
		cmocka_unit_test(test_utf8_to_ucs2_capacity),
		cmocka_unit_test(test_ucs2_to_utf8_valid),
		cmocka_unit_test(test_ucs2_to_utf8_rejects),
		cmocka_unit_test(test_ucs2_to_utf8_capacity),
		cmocka_unit_test(test_bmp_round_trip),
		cmocka_unit_test(test_ucs2_strnlen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* efivarfs file names: the kernel's check, create's and the listing's conversions. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "efivarfs_name.h"

#define G "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define GU "8BE4DF61-93CA-11D2-AA0D-00E098032B8C"

/* 8be4df61-93ca-11d2-aa0d-00e098032b8c in EFI byte order. */
static const efi_guid_t global = {{0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d,
				   0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}};

static bool valid(const char *s)
{
	return tv_efivarfs_valid_name(s, strlen(s));
}

static void test_valid_name(void **state)
{
	(void)state;
	assert_true(valid("A-" G));                 /* 38: the shortest */
	assert_true(valid("BootOrder-" G));
	assert_true(valid("x-" GU));                /* any case */
	assert_true(valid("a-b-" G));               /* '-' in the name */
	assert_true(valid("!-" G));
	assert_false(valid("-" G));                 /* 37: no name */
	assert_false(valid(G));
	assert_false(valid("A_" G));                /* no '-' before the GUID */
	assert_false(valid("A-8be4df61-93ca-11d2-aa0d-00e098032b8"));   /* 35 GUID chars */
	assert_false(valid("A-8be4df61-93ca-11d2-aa0d-00e098032b8cc")); /* 37 */
	assert_false(valid("A-8be4df61x93ca-11d2-aa0d-00e098032b8c"));  /* dash position */
	assert_false(valid("A-8be4df6g-93ca-11d2-aa0d-00e098032b8c"));  /* not hex */
	assert_false(valid("A-8be4df61-93ca-11d2-aa0d00-e098032b8c"));  /* dash moved */
	assert_false(valid(""));
	assert_false(tv_efivarfs_valid_name(NULL, 40));
	/* len counts, not the NUL: a valid name cut short is not valid. */
	assert_false(tv_efivarfs_valid_name("A-" G, 37));
}

static void test_parse(void **state)
{
	(void)state;
	efi_char16_t name[64];
	efi_guid_t g;
	assert_int_equal(tv_efivarfs_name_parse("Boot0001-" GU, name, 64, &g), 9);
	assert_memory_equal(&g, &global, sizeof(g));
	const efi_char16_t boot[] = {'B', 'o', 'o', 't', '0', '0', '0', '1', 0};
	assert_memory_equal(name, boot, sizeof(boot));
	/* '!' stays '!' (the kernel's create does not map it back to '/'). */
	assert_int_equal(tv_efivarfs_name_parse("a!b-" G, name, 64, &g), 4);
	assert_int_equal(name[1], '!');
	/* Bytes, not UTF-8: "\xc3\xa9" is two units 0x00c3 0x00a9. */
	assert_int_equal(tv_efivarfs_name_parse("\xc3\xa9-" G, name, 64, &g), 3);
	assert_int_equal(name[0], 0x00c3);
	assert_int_equal(name[1], 0x00a9);
	assert_int_equal(name[2], 0);
	/* Exactly enough room, then one unit short. */
	assert_int_equal(tv_efivarfs_name_parse("abc-" G, name, 4, &g), 4);
	assert_int_equal(tv_efivarfs_name_parse("abc-" G, name, 3, &g), -ENAMETOOLONG);
	/* Longer than NAME_MAX. */
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + 256 - 37, "-" G, 38); /* 256 chars */
	assert_int_equal(tv_efivarfs_name_parse(longname, name, 64, &g), -ENAMETOOLONG);
	/* Invalid names and arguments change nothing. */
	efi_guid_t before = g;
	name[0] = 0x1234;
	assert_int_equal(tv_efivarfs_name_parse("-" G, name, 64, &g), -EINVAL);
	assert_int_equal(tv_efivarfs_name_parse("ab-" G "x", name, 64, &g), -EINVAL);
	assert_int_equal(tv_efivarfs_name_parse(NULL, name, 64, &g), -EINVAL);
	assert_int_equal(tv_efivarfs_name_parse("a-" G, NULL, 64, &g), -EINVAL);
	assert_int_equal(tv_efivarfs_name_parse("a-" G, name, 0, &g), -EINVAL);
	assert_int_equal(tv_efivarfs_name_parse("a-" G, name, 64, NULL), -EINVAL);
	assert_int_equal(name[0], 0x1234);
	assert_memory_equal(&g, &before, sizeof(g));
}

static void test_format(void **state)
{
	(void)state;
	char out[256];
	const efi_char16_t boot[] = {'B', 'o', 'o', 't', 'O', 'r', 'd', 'e', 'r', 0};
	assert_int_equal(tv_efivarfs_name_format(boot, 10, &global, out, sizeof(out)), 46);
	assert_string_equal(out, "BootOrder-" G);
	/* '/' shown as '!', as the kernel's strreplace. */
	const efi_char16_t slash[] = {'a', '/', 'b', 0};
	assert_int_equal(tv_efivarfs_name_format(slash, 4, &global, out, sizeof(out)), 40);
	assert_string_equal(out, "a!b-" G);
	/* UTF-8 of each unit: U+00E9, U+20AC and a lone surrogate (encoded, as
	 * the kernel's ucs2_as_utf8 does). */
	const efi_char16_t wide[] = {0x00e9, 0x20ac, 0xd800, 0};
	assert_int_equal(tv_efivarfs_name_format(wide, 4, &global, out, sizeof(out)), 8 + 37);
	const char want[] = "\xc3\xa9\xe2\x82\xac\xed\xa0\x80-" G;
	assert_string_equal(out, want);
	/* The empty name: "-GUID" (listed by the kernel, not creatable). */
	const efi_char16_t empty[] = {0};
	assert_int_equal(tv_efivarfs_name_format(empty, 1, &global, out, sizeof(out)), 37);
	assert_string_equal(out, "-" G);
	/* No room: for the GUID, for a 3-byte unit; and NAME_MAX. */
	assert_int_equal(tv_efivarfs_name_format(boot, 10, &global, out, 46), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(tv_efivarfs_name_format(boot, 10, &global, out, 47), 46);
	assert_int_equal(tv_efivarfs_name_format(wide, 4, &global, out, 40), -ENAMETOOLONG);
	efi_char16_t big[300];
	for (int i = 0; i < 299; i++)
		big[i] = 'x';
	big[299] = 0;
	char huge[1024];
	assert_int_equal(tv_efivarfs_name_format(big, 300, &global, huge, sizeof(huge)),
			 -ENAMETOOLONG);
	big[218] = 0; /* 218 + 37 = 255 */
	assert_int_equal(tv_efivarfs_name_format(big, 300, &global, huge, sizeof(huge)), 255);
	big[218] = 'x';
	big[219] = 0;
	assert_int_equal(tv_efivarfs_name_format(big, 300, &global, huge, sizeof(huge)),
			 -ENAMETOOLONG);
	/* No NUL within max_units; bad arguments. */
	assert_int_equal(tv_efivarfs_name_format(boot, 9, &global, out, sizeof(out)), -EINVAL);
	assert_int_equal(tv_efivarfs_name_format(NULL, 9, &global, out, sizeof(out)), -EINVAL);
	assert_int_equal(tv_efivarfs_name_format(boot, 10, NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(tv_efivarfs_name_format(boot, 10, &global, NULL, 9), -EINVAL);
	assert_int_equal(tv_efivarfs_name_format(boot, 10, &global, out, 0), -EINVAL);
}

static void test_round_trip(void **state)
{
	(void)state;
	/* An ASCII name without '!' goes through create and the listing alike. */
	efi_char16_t name[64];
	efi_guid_t g;
	char out[256];
	assert_int_equal(tv_efivarfs_name_parse("Mok_List.RT-" GU, name, 64, &g), 12);
	assert_true(tv_efivarfs_name_format(name, 64, &g, out, sizeof(out)) > 0);
	assert_string_equal(out, "Mok_List.RT-" G);
}

static void test_normalize(void **state)
{
	(void)state;
	char out[256];
	assert_int_equal(tv_efivarfs_name_normalize("BootOrder-" GU, out, sizeof(out)), 0);
	assert_string_equal(out, "BootOrder-" G); /* the name part keeps its case */
	assert_int_equal(tv_efivarfs_name_normalize("ABC-" G, out, sizeof(out)), 0);
	assert_string_equal(out, "ABC-" G);
	assert_int_equal(tv_efivarfs_name_normalize("ABC-" G, out, 41), 0);
	assert_int_equal(tv_efivarfs_name_normalize("ABC-" G, out, 40), -ENAMETOOLONG);
	assert_int_equal(tv_efivarfs_name_normalize("nope", out, sizeof(out)), -EINVAL);
	assert_int_equal(tv_efivarfs_name_normalize(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(tv_efivarfs_name_normalize("ABC-" G, NULL, 9), -EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	memcpy(longname + 256 - 37, "-" G, 38);
	assert_int_equal(tv_efivarfs_name_normalize(longname, out, sizeof(out)), -ENAMETOOLONG);
}

static void test_needs_scan(void **state)
{
	(void)state;
	const char *plain = "BootOrder-" G, *bang = "a!b-" G, *utf = "\xc3\xa9-" G;
	assert_false(tv_efivarfs_name_needs_scan(plain, strlen(plain)));
	assert_true(tv_efivarfs_name_needs_scan(bang, strlen(bang)));
	assert_true(tv_efivarfs_name_needs_scan(utf, strlen(utf)));
	assert_false(tv_efivarfs_name_needs_scan("!", 1)); /* too short to have a name */
}

static void test_utf8_raw(void **state)
{
	(void)state;
	const efi_char16_t wide[] = {'a', 0x00e9, 0x20ac, 0};
	char out[16];
	assert_int_equal(tv_efivarfs_ucs2_to_utf8_raw(wide, 4, out, sizeof(out)), 6);
	assert_string_equal(out, "a\xc3\xa9\xe2\x82\xac");
	/* Stops before a unit that does not fit. */
	assert_int_equal(tv_efivarfs_ucs2_to_utf8_raw(wide, 4, out, 5), 3);
	assert_string_equal(out, "a\xc3\xa9");
	assert_int_equal(tv_efivarfs_ucs2_to_utf8_raw(wide, 1, out, sizeof(out)), 1);
	assert_int_equal(tv_efivarfs_ucs2_to_utf8_raw(NULL, 4, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(tv_efivarfs_ucs2_to_utf8_raw(wide, 4, NULL, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_name), cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format),     cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_normalize),  cmocka_unit_test(test_needs_scan),
		cmocka_unit_test(test_utf8_raw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

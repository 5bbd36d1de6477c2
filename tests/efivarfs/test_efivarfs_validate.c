/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel's variable table (Linux 6.12 vars.c): each check on hand-made
 * bytes, the removable list row by row, and which checks a write meets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "efivarfs_validate.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const efi_guid_t other = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

/* name as UCS-2 in a static buffer. */
static const efi_char16_t *u(const char *s)
{
	static efi_char16_t buf[64];
	size_t i = 0;
	for (; s[i] && i < 63; i++)
		buf[i] = (unsigned char)s[i];
	buf[i] = 0;
	return buf;
}

/* ---- device paths: type u8, sub-type u8, length u16 LE (header included) ---- */

static void test_device_path(void **state)
{
	(void)state;
	static const uint8_t end[] = {0x7f, 0xff, 0x04, 0x00};
	static const uint8_t end2[] = {0xff, 0xff, 0x04, 0x00}; /* END_PATH2, also taken */
	/* A hard drive node (04 01, 42 bytes) and the end. */
	uint8_t hd[46] = {0x04, 0x01, 0x2a, 0x00};
	memcpy(hd + 42, end, 4);
	/* An end-of-instance (7f 01) first, then the end of the whole path. */
	static const uint8_t instances[] = {0x01, 0x01, 0x06, 0x00, 0xaa, 0xbb, 0x7f, 0x01, 0x04,
					    0x00, 0x7f, 0xff, 0x04, 0x00};
	/* Bytes after the end node are not looked at. */
	static const uint8_t trailing[] = {0x7f, 0xff, 0x04, 0x00, 0xde, 0xad};
	assert_true(tv_efivarfs_valid_device_path(end, sizeof(end)));
	assert_true(tv_efivarfs_valid_device_path(end2, sizeof(end2)));
	assert_true(tv_efivarfs_valid_device_path(hd, sizeof(hd)));
	assert_true(tv_efivarfs_valid_device_path(instances, sizeof(instances)));
	assert_true(tv_efivarfs_valid_device_path(trailing, sizeof(trailing)));

	static const uint8_t no_end[] = {0x01, 0x01, 0x04, 0x00};
	static const uint8_t short_len[] = {0x7f, 0xff, 0x03, 0x00}; /* length < 4 */
	static const uint8_t zero_len[] = {0x01, 0x01, 0x00, 0x00, 0x7f, 0xff, 0x04, 0x00};
	static const uint8_t past_end[] = {0x01, 0x01, 0x09, 0x00, 0x7f, 0xff, 0x04, 0x00};
	static const uint8_t end_too_long[] = {0x7f, 0xff, 0x05, 0x00}; /* beyond the buffer */
	static const uint8_t wrong_sub[] = {0x7f, 0x02, 0x04, 0x00};
	static const uint8_t half_header[] = {0x01, 0x01, 0x04, 0x00, 0x7f, 0xff};
	assert_false(tv_efivarfs_valid_device_path(no_end, sizeof(no_end)));
	assert_false(tv_efivarfs_valid_device_path(short_len, sizeof(short_len)));
	assert_false(tv_efivarfs_valid_device_path(zero_len, sizeof(zero_len)));
	assert_false(tv_efivarfs_valid_device_path(past_end, sizeof(past_end)));
	assert_false(tv_efivarfs_valid_device_path(end_too_long, sizeof(end_too_long)));
	assert_false(tv_efivarfs_valid_device_path(wrong_sub, sizeof(wrong_sub)));
	assert_false(tv_efivarfs_valid_device_path(half_header, sizeof(half_header)));
	assert_false(tv_efivarfs_valid_device_path(end, 3));
	assert_false(tv_efivarfs_valid_device_path(end, 0));
	assert_false(tv_efivarfs_valid_device_path(NULL, 4));
}

static void test_small_checks(void **state)
{
	(void)state;
	static const uint8_t b[8] = {0};
	assert_true(tv_efivarfs_valid_boot_order(b, 0));
	assert_true(tv_efivarfs_valid_boot_order(b, 2));
	assert_true(tv_efivarfs_valid_boot_order(b, 8));
	assert_false(tv_efivarfs_valid_boot_order(b, 1));
	assert_false(tv_efivarfs_valid_boot_order(b, 7));
	assert_true(tv_efivarfs_valid_uint16(b, 2));
	assert_false(tv_efivarfs_valid_uint16(b, 0));
	assert_false(tv_efivarfs_valid_uint16(b, 1));
	assert_false(tv_efivarfs_valid_uint16(b, 4));

	static const uint8_t lang[] = "en-US";            /* with its NUL */
	static const uint8_t eng[] = {'e', 'n', 'g'};      /* no NUL */
	static const uint8_t high[] = {'e', 0x80, 0};      /* not ASCII before the NUL */
	static const uint8_t after[] = {'e', 0, 0xff};     /* after the NUL: not looked at */
	assert_true(tv_efivarfs_valid_ascii_string(lang, sizeof(lang)));
	assert_false(tv_efivarfs_valid_ascii_string(lang, sizeof(lang) - 1));
	assert_false(tv_efivarfs_valid_ascii_string(eng, sizeof(eng)));
	assert_false(tv_efivarfs_valid_ascii_string(high, sizeof(high)));
	assert_true(tv_efivarfs_valid_ascii_string(after, sizeof(after)));
	assert_true(tv_efivarfs_valid_ascii_string(b, 1));
	assert_false(tv_efivarfs_valid_ascii_string(b, 0));
	assert_false(tv_efivarfs_valid_ascii_string(NULL, 4));
}

/* EFI_LOAD_OPTION: attributes u32, FilePathListLength u16, description
 * (UCS-2 + NUL), file path list, optional data. */
static const uint8_t opt_ok[] = {
	0x01, 0x00, 0x00, 0x00,             /* LOAD_OPTION_ACTIVE */
	0x04, 0x00,                         /* file path list: 4 bytes */
	'A', 0x00, 0x00, 0x00,              /* "A" */
	0x7f, 0xff, 0x04, 0x00,             /* end of the path */
};
static const uint8_t opt_optional[] = {
	0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 'd', 0x00, 'e', 0x00, 0x00, 0x00,
	0x01, 0x01, 0x06, 0x00, 0x12, 0x34,  /* a node */
	0x7f, 0xff, 0x04, 0x00,
	0xaa, 0xbb, 0xcc,                    /* optional data */
};
static const uint8_t opt_empty_desc[] = {0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
					 0x7f, 0xff, 0x04, 0x00};
static const uint8_t opt_short[] = {0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00}; /* 7 bytes */
static const uint8_t opt_fp_too_long[] = {0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 'A', 0x00,
					  0x00, 0x00, 0x7f, 0xff, 0x04, 0x00};
static const uint8_t opt_no_nul[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 'A', 0x00, 'B', 0x00};
static const uint8_t opt_bad_path[] = {0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 'A', 0x00,
				       0x00, 0x00, 0x01, 0x01, 0x04, 0x00};
/* The file path list length claims less than the path: its end is cut off. */
static const uint8_t opt_cut_path[] = {0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 'A', 0x00,
				       0x00, 0x00, 0x7f, 0xff, 0x04, 0x00};

static void test_load_option(void **state)
{
	(void)state;
	const efi_char16_t *boot = u("Boot0001");
	assert_true(tv_efivarfs_valid_load_option(boot, 4, opt_ok, sizeof(opt_ok)));
	assert_true(tv_efivarfs_valid_load_option(boot, 4, opt_optional, sizeof(opt_optional)));
	assert_true(tv_efivarfs_valid_load_option(boot, 4, opt_empty_desc, sizeof(opt_empty_desc)));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, opt_short, sizeof(opt_short)));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, opt_fp_too_long,
						   sizeof(opt_fp_too_long)));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, opt_no_nul, sizeof(opt_no_nul)));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, opt_bad_path, sizeof(opt_bad_path)));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, opt_cut_path, sizeof(opt_cut_path)));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, opt_ok, sizeof(opt_ok) - 1));
	assert_false(tv_efivarfs_valid_load_option(boot, 4, NULL, 0));
	/* Hex digits of either case are a load option. */
	assert_false(tv_efivarfs_valid_load_option(u("BootABcd"), 4, opt_short, sizeof(opt_short)));
	assert_false(tv_efivarfs_valid_load_option(u("Driver00a0"), 6, opt_short,
						   sizeof(opt_short)));
	assert_true(tv_efivarfs_valid_load_option(u("Driver00a0"), 6, opt_ok, sizeof(opt_ok)));
	/* Four hex digits and more: rejected whatever the data. */
	assert_false(tv_efivarfs_valid_load_option(u("Boot00010"), 4, opt_ok, sizeof(opt_ok)));
	assert_false(tv_efivarfs_valid_load_option(u("BootDEADBEEF"), 4, opt_ok, sizeof(opt_ok)));
	/* Anything else under the prefix is not a load option: passes. */
	static const uint8_t junk[] = {0xff};
	assert_true(tv_efivarfs_valid_load_option(u("BootOrder"), 4, junk, 1));
	assert_true(tv_efivarfs_valid_load_option(u("BootNext"), 4, junk, 1));
	assert_true(tv_efivarfs_valid_load_option(u("BootFoo"), 4, junk, 1));
	assert_true(tv_efivarfs_valid_load_option(u("Boot000"), 4, junk, 1)); /* 3 digits */
	assert_true(tv_efivarfs_valid_load_option(u("Boot"), 4, junk, 1));
	assert_true(tv_efivarfs_valid_load_option(u("Boot000g"), 4, junk, 1));
	efi_char16_t wide[] = {'B', 'o', 'o', 't', '0', 0x0130, '0', '1', 0}; /* unit > 127 */
	assert_true(tv_efivarfs_valid_load_option(wide, 4, junk, 1));
	assert_false(tv_efivarfs_valid_load_option(NULL, 4, opt_ok, sizeof(opt_ok)));
}

/* ---- the table as 6.12 applies it to a write ---- */

struct write_case {
	const char *name;
	const efi_guid_t *guid;
	const uint8_t *data;
	size_t len;
	bool ok;
};

static const uint8_t one[] = {0x01};
static const uint8_t three[] = {0x01, 0x00, 0x02};
static const uint8_t garbage[] = {0x01, 0x02, 0x03, 0x04, 0x05};
static const uint8_t no_nul[] = {'e', 'n'};

static void test_validate_writes(void **state)
{
	(void)state;
	const efi_guid_t *gl = &tv_efivarfs_global_guid;
	const struct write_case cases[] = {
		/* Boot#### and Driver#### get the load option check ("Boot*"). */
		{"Boot0001", gl, opt_ok, sizeof(opt_ok), true},
		{"Boot0001", gl, opt_short, sizeof(opt_short), false},
		{"Boot0001", gl, opt_bad_path, sizeof(opt_bad_path), false},
		{"BootFFFF", gl, opt_no_nul, sizeof(opt_no_nul), false},
		{"Driver0002", gl, opt_optional, sizeof(opt_optional), true},
		{"Driver0002", gl, garbage, sizeof(garbage), false},
		{"Boot00010", gl, opt_ok, sizeof(opt_ok), false},
		{"BootDEADBEEF", gl, opt_ok, sizeof(opt_ok), false},
		{"BootFoo", gl, garbage, sizeof(garbage), true},
		/* 6.12: the exact rows never match a write (see efivarfs_validate.c):
		 * BootOrder, BootNext, DriverOrder meet "Boot*"/"Driver*" and pass;
		 * the others meet no row. */
		{"BootOrder", gl, three, sizeof(three), true},
		{"BootNext", gl, three, sizeof(three), true},
		{"DriverOrder", gl, one, sizeof(one), true},
		{"Timeout", gl, three, sizeof(three), true},
		{"ConIn", gl, garbage, sizeof(garbage), true},
		{"ConInDev", gl, garbage, sizeof(garbage), true},
		{"ConOut", gl, garbage, sizeof(garbage), true},
		{"ConOutDev", gl, garbage, sizeof(garbage), true},
		{"ErrOut", gl, garbage, sizeof(garbage), true},
		{"ErrOutDev", gl, garbage, sizeof(garbage), true},
		{"Lang", gl, no_nul, sizeof(no_nul), true},
		{"PlatformLang", gl, no_nul, sizeof(no_nul), true},
		{"OsIndications", gl, garbage, sizeof(garbage), true},
		/* The crash GUID: any name, no check. */
		{"dump-type0-1-1", &tv_efivarfs_crash_guid, garbage, sizeof(garbage), true},
		/* Another GUID: nothing to check. */
		{"Boot0001", &other, opt_short, sizeof(opt_short), true},
		{"SecureBoot", gl, garbage, sizeof(garbage), true},
		/* Empty data meets the checks too. */
		{"Boot0001", gl, NULL, 0, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct write_case *c = &cases[i];
		bool got = tv_efivarfs_validate(c->guid, u(c->name), c->data, c->len);
		if (got != c->ok)
			fail_msg("%s: validate %d, expected %d", c->name, got, c->ok);
	}
	assert_false(tv_efivarfs_validate(NULL, u("Boot0001"), opt_ok, sizeof(opt_ok)));
	assert_false(tv_efivarfs_validate(gl, NULL, opt_ok, sizeof(opt_ok)));
}

/* ---- the removable list (matched with the name's own length) ---- */

struct removable_case {
	const char *name;
	const efi_guid_t *guid;
	bool removable;
};

static void test_removable(void **state)
{
	(void)state;
	const efi_guid_t *gl = &tv_efivarfs_global_guid;
	const struct removable_case cases[] = {
		{"BootNext", gl, true},      {"BootOrder", gl, true},    {"Boot0001", gl, true},
		{"BootFoo", gl, true},       {"Boot", gl, true},         {"DriverOrder", gl, true},
		{"Driver0001", gl, true},    {"DriverX", gl, true},      {"ConIn", gl, true},
		{"ConInDev", gl, true},      {"ConOut", gl, true},       {"ConOutDev", gl, true},
		{"ErrOut", gl, true},        {"ErrOutDev", gl, true},    {"Lang", gl, true},
		{"OsIndications", gl, true}, {"PlatformLang", gl, true}, {"Timeout", gl, true},
		{"anything", &tv_efivarfs_crash_guid, true},
		/* Not in the list. */
		{"ConInX", gl, false},       {"Con", gl, false},         {"LangCodes", gl, false},
		{"OsIndicationsSupported", gl, false},                   {"SecureBoot", gl, false},
		{"PK", gl, false},           {"Timeou", gl, false},      {"bootorder", gl, false},
		{"BootOrder", &other, false},
		{"Boot0001", &tv_efivarfs_random_seed_guid, false},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct removable_case *c = &cases[i];
		bool got = tv_efivarfs_is_removable(c->guid, c->name, strlen(c->name));
		if (got != c->removable)
			fail_msg("%s: removable %d, expected %d", c->name, got, c->removable);
	}
	/* The length decides, not a NUL: "Timeout" is "TimeoutX" cut at 7. */
	assert_true(tv_efivarfs_is_removable(gl, "TimeoutX", 7));
	assert_false(tv_efivarfs_is_removable(gl, "TimeoutX", 8));
	assert_false(tv_efivarfs_is_removable(gl, "Timeout", 0));
	assert_false(tv_efivarfs_is_removable(NULL, "Timeout", 7));
	assert_false(tv_efivarfs_is_removable(gl, NULL, 7));
}

static void test_guids(void **state)
{
	(void)state;
	/* EFI byte order of the three GUIDs' text forms. */
	static const uint8_t global[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					   0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
	static const uint8_t crash[16] = {0x79, 0xfc, 0xc8, 0xcf, 0x2e, 0xbe, 0xdc, 0x4d,
					  0x97, 0xf0, 0x9f, 0x98, 0xbf, 0xe2, 0x98, 0xa0};
	static const uint8_t seed[16] = {0xbc, 0xe5, 0xe1, 0x1c, 0xeb, 0x7c, 0xf2, 0x42,
					 0x81, 0xe5, 0x8a, 0xad, 0xf1, 0x80, 0xf5, 0x7b};
	assert_memory_equal(tv_efivarfs_global_guid.b, global, 16);
	assert_memory_equal(tv_efivarfs_crash_guid.b, crash, 16);
	assert_memory_equal(tv_efivarfs_random_seed_guid.b, seed, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_path),     cmocka_unit_test(test_small_checks),
		cmocka_unit_test(test_load_option),     cmocka_unit_test(test_validate_writes),
		cmocka_unit_test(test_removable),       cmocka_unit_test(test_guids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

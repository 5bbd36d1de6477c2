/* SPDX-License-Identifier: BSD-2-Clause */
/* EDK2's VarCheckLib + VarCheckUefiLib checks (var_check_uefi.c) with
 * hand-made byte vectors: every table row accepted and refused, the "####"
 * names, READ_ONLY, deletes, APPEND, HARDWARE_ERROR_RECORD, and the device
 * path, load option and key option content checks. Payloads are copied into
 * buffers of their exact size so that ASan sees any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tv_test_util.h"
#include "var_check_uefi.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define HR EFI_VARIABLE_HARDWARE_ERROR_RECORD
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define APPEND EFI_VARIABLE_APPEND_WRITE
#define MAX UINT64_MAX

#define OK EFI_SUCCESS
#define INVAL EFI_INVALID_PARAMETER
#define WP EFI_WRITE_PROTECTED

static const efi_guid_t global = EFI_GLOBAL_VARIABLE_GUID;
static const efi_guid_t image = EFI_IMAGE_SECURITY_DATABASE_GUID;
static const efi_guid_t vendor = {{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
				   0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}};

/* ---- device path nodes, load options, key options (hex) ---- */

#define DP_END "7fff0400"					/* End Entire */
#define DP_END_INSTANCE "7f010400"				/* End This Instance */
#define DP_ACPI "02010c00 d041030a 00000000"			/* PciRoot(0) */
#define DP_HD "04012a00 01000000 0008000000000000 0000100000000000" \
	      "11223344556677889900aabbccddeeff 02 02"		/* HD(1,GPT,...), 42 bytes */
#define DP_FILE "04041200 5c006100 2e006500 66006900 0000"	/* \a.efi, 18 bytes */
#define DP_FILE_NO_NUL "04041000 5c006100 2e006500 66006900"	/* \a.efi, no NUL */
/* Attributes LOAD_OPTION_ACTIVE, FilePathListLength, Description "Linux". */
#define LO_LINUX(fpl) "01000000" fpl "4c006900 6e007500 78000000"
#define LO_NO_NUL "01000000 0400 4c006900 6e007500 7800"
/* KeyData, BootOptionCrc, BootOption 0001: a packed EFI_KEY_OPTION, 10 bytes. */
#define KEY_OPT "00000000 00000000 0100"
#define INPUT_KEY "1700 0000"					/* SCAN_ESC */

/* ---- helpers ---- */

/* An ASCII string as a UCS-2 LE name with its NUL. */
struct ucs2 {
	uint8_t b[128];
	size_t size;
};

static struct ucs2 ucs2(const char *s)
{
	struct ucs2 n = {{0}, 0};
	size_t len = strlen(s);

	assert_true(2 * (len + 1) <= sizeof(n.b));
	for (size_t i = 0; i <= len; i++) {
		n.b[2 * i] = (uint8_t)s[i];
		n.b[2 * i + 1] = 0;
	}
	n.size = 2 * (len + 1);
	return n;
}

/* tv_uefi_var_check on name/guid/attrs with hex as the payload (NULL: none). */
static efi_status_t check(const char *name, const efi_guid_t *guid, uint32_t attrs,
			  const char *hex)
{
	uint8_t tmp[512];
	long n = hex ? tv_test_hex(hex, tmp, sizeof(tmp)) : 0;
	uint8_t *data = NULL;
	struct ucs2 nm = ucs2(name);
	efi_status_t s;

	assert_true(n >= 0);
	if (n > 0) {
		data = malloc((size_t)n);
		assert_non_null(data);
		memcpy(data, tmp, (size_t)n);
	}
	s = tv_uefi_var_check(nm.b, nm.size, guid, attrs, (uint64_t)n, data);
	free(data);
	return s;
}

static const char *show(const char *hex)
{
	return hex ? hex : "(none)";
}

#define expect(want, name, guid, attrs, hex)                                                    \
	do {                                                                                \
		efi_status_t got_ = check(name, guid, attrs, hex);                          \
		if (got_ != (want))                                                         \
			fail_msg("%s attrs 0x%x payload %s: got 0x%llx, want 0x%llx", name, \
				 (unsigned)(attrs), show(hex),                              \
				 (unsigned long long)got_, (unsigned long long)(want));     \
	} while (0)

/* ---- the table, row by row (the spec's section 8 table plus teevar's additions) ---- */

struct row {
	const char *name; /* a concrete name for "####" rows */
	const efi_guid_t *guid;
	uint32_t attrs;
	bool ro;
	uint64_t min, max;
	const char *good;	 /* a payload the row accepts */
	const char *bad_size;	 /* refused for its size (NULL: 1..MAX, nothing to refuse) */
	const char *bad_content; /* right size, refused by the content check (NULL: none) */
};

static const struct row rows[] = {
	{"LangCodes", &global, BS | RT, false, 1, MAX, "656e67 667261 00", NULL, "656e67667261"},
	{"Lang", &global, NV | BS | RT, false, 1, MAX, "656e6700", NULL, "656e67"},
	{"Timeout", &global, NV | BS | RT, false, 2, 2, "0500", "050000", NULL},
	{"PlatformLangCodes", &global, BS | RT, false, 1, MAX, "656e2d5553 3b 667200", NULL,
	 "656e2d5553"},
	{"PlatformLang", &global, NV | BS | RT, false, 1, MAX, "656e2d555300", NULL, "656e2d5553"},
	{"ConIn", &global, NV | BS | RT, false, 4, MAX, DP_ACPI DP_END, "7fff04", DP_ACPI},
	{"ConOut", &global, NV | BS | RT, false, 4, MAX, DP_ACPI DP_END, "7fff04", DP_END_INSTANCE},
	{"ErrOut", &global, NV | BS | RT, false, 4, MAX, DP_END, "7fff04", "7fff0500 00"},
	{"ConInDev", &global, BS | RT, false, 4, MAX, DP_ACPI DP_END, "7fff04", DP_ACPI},
	{"ConOutDev", &global, BS | RT, false, 4, MAX, DP_END, "00", "01010300 7fff0400"},
	{"ErrOutDev", &global, BS | RT, false, 4, MAX, DP_END, "7fff", DP_FILE_NO_NUL DP_END},
	{"BootOrder", &global, NV | BS | RT, false, 2, MAX, "01000200", "01", "010002"},
	{"BootNext", &global, NV | BS | RT, false, 2, 2, "0100", "01", NULL},
	{"BootCurrent", &global, BS | RT, false, 2, 2, "0100", "010000", NULL},
	{"BootOptionSupport", &global, BS | RT, false, 4, 4, "01000000", "010000", NULL},
	{"DriverOrder", &global, NV | BS | RT, false, 2, MAX, "0100", "00", "0100020003"},
	{"SysPrepOrder", &global, NV | BS | RT, false, 2, MAX, "000001000200", "02", "000001"},
	{"HwErrRecSupport", &global, NV | BS | RT, false, 2, 2, "0100", "01", NULL},
	{"SetupMode", &global, BS | RT, true, 1, 1, "01", "0101", NULL},
	{"AuditMode", &global, BS | RT, false, 1, 1, "00", "0000", NULL},
	{"DeployedMode", &global, BS | RT, false, 1, 1, "01", "010000", NULL},
	{"KEK", &global, NV | BS | RT | AT, false, 1, MAX, "00", NULL, NULL},
	{"PK", &global, NV | BS | RT | AT, false, 1, MAX, "a1a2a3", NULL, NULL},
	{"SignatureSupport", &global, BS | RT, true, 16, MAX,
	 "12a5 6c82 10cf c94a b187 be01496631bd", "00", "12a56c8210cfc94ab187be01496631bd 00"},
	{"SecureBoot", &global, BS | RT, true, 1, 1, "01", "0101", NULL},
	{"KEKDefault", &global, BS | RT, true, 1, MAX, "00", NULL, NULL},
	{"PKDefault", &global, BS | RT, true, 1, MAX, "00", NULL, NULL},
	{"dbDefault", &global, BS | RT, true, 1, MAX, "00", NULL, NULL},
	{"dbxDefault", &global, BS | RT, true, 1, MAX, "00", NULL, NULL},
	{"dbtDefault", &global, BS | RT, true, 1, MAX, "00", NULL, NULL},
	{"OsIndicationsSupported", &global, BS | RT, false, 8, 8, "0100000000000000", "01000000",
	 NULL},
	{"OsIndications", &global, NV | BS | RT, false, 8, 8, "0400000000000000",
	 "040000000000000000", NULL},
	{"VendorKeys", &global, BS | RT, true, 1, 1, "01", "0101", NULL},
	{"Boot0001", &global, NV | BS | RT, false, 6, MAX, LO_LINUX("0400") DP_END, "0100000004",
	 LO_NO_NUL},
	{"Driver00FF", &global, NV | BS | RT, false, 6, MAX, LO_LINUX("0400") DP_END, "01",
	 LO_NO_NUL},
	{"SysPrepA000", &global, NV | BS | RT, false, 6, MAX, LO_LINUX("0400") DP_END, "0000",
	 LO_LINUX("0800") DP_END},
	{"Key0001", &global, NV | BS | RT, false, 10, 22, KEY_OPT, "00000000 00000000 01",
	 KEY_OPT "0000"},
	{"PlatformRecovery0000", &global, BS | RT, false, 6, MAX, LO_LINUX("0400") DP_END, "0000",
	 LO_LINUX("0300") DP_END},
	{"db", &image, NV | BS | RT | AT, false, 1, MAX, "00", NULL, NULL},
	{"dbx", &image, NV | BS | RT | AT, false, 1, MAX, "0102", NULL, NULL},
	{"dbt", &image, NV | BS | RT | AT, false, 1, MAX, "00", NULL, NULL},
	{"dbr", &image, NV | BS | RT | AT, false, 1, MAX, "00", NULL, NULL},
	{"HwErrRec0001", &tv_hwerr_guid, NV | BS | RT | HR, false, 1, MAX, "00", NULL, NULL},
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static void test_rows_property(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];
		struct ucs2 n = ucs2(r->name);
		var_check_property_t p;

		memset(&p, 0xa5, sizeof(p));
		if (!tv_uefi_var_property(n.b, n.size, r->guid, &p))
			fail_msg("%s: no property", r->name);
		assert_int_equal(p.revision, VAR_CHECK_VARIABLE_PROPERTY_REVISION);
		if (p.property != (r->ro ? VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY : 0) ||
		    p.attributes != r->attrs || p.min_size != r->min || p.max_size != r->max)
			fail_msg("%s: property %u attrs 0x%x size %llu..%llu", r->name, p.property,
				 p.attributes, (unsigned long long)p.min_size,
				 (unsigned long long)p.max_size);
	}
}

static void test_rows_accept(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (r->ro)
			continue;
		expect(OK, r->name, r->guid, r->attrs, r->good);
		/* APPEND is left out of the attribute comparison. */
		expect(OK, r->name, r->guid, r->attrs | APPEND, r->good);
	}
}

static void test_rows_refuse_attributes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];
		efi_status_t want = r->ro ? WP : INVAL;

		expect(want, r->name, r->guid, r->attrs ^ NV, r->good);
		/* a bit the table does not have, here ENHANCED_AUTHENTICATED_ACCESS */
		expect(want, r->name, r->guid, r->attrs | 0x80, r->good);
	}
}

static void test_rows_refuse_size(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (r->bad_size)
			expect(r->ro ? WP : INVAL, r->name, r->guid, r->attrs, r->bad_size);
	}
}

static void test_rows_refuse_content(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (r->bad_content)
			expect(r->ro ? WP : INVAL, r->name, r->guid, r->attrs, r->bad_content);
	}
}

/* READ_ONLY comes first, before any delete or attribute rule. */
static void test_read_only(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (!r->ro)
			continue;
		expect(WP, r->name, r->guid, r->attrs, r->good);
		expect(WP, r->name, r->guid, 0, NULL);		/* delete, attrs 0 */
		expect(WP, r->name, r->guid, r->attrs, NULL);	/* delete, size 0 */
		expect(WP, r->name, r->guid, 0, r->good);	/* attrs 0 with data */
		expect(WP, r->name, r->guid, r->attrs | APPEND, NULL);
	}
	/* The same names under another GUID are not the UEFI ones. */
	expect(OK, "SecureBoot", &vendor, BS | RT, "01");
	expect(OK, "PKDefault", &image, 0, NULL);
}

/* Deletes skip every check but READ_ONLY: attributes, size and content. */
static void test_deletes(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (r->ro)
			continue;
		expect(OK, r->name, r->guid, 0, NULL);
		expect(OK, r->name, r->guid, r->attrs, NULL);
		expect(OK, r->name, r->guid, NV, NULL);
		/* attrs 0 is a delete whatever the data says */
		expect(OK, r->name, r->guid, 0, r->bad_content ? r->bad_content : "00");
	}
	/* Even names outside the table, and HR with a wrong name. */
	expect(OK, "NotAUefiName", &global, NV | BS | RT, NULL);
	expect(OK, "dbrDefault", &image, 0, NULL);
	expect(OK, "Foo", &vendor, NV | BS | RT | HR, NULL);
}

/* ---- "####" names ---- */

static void test_wildcard_names(void **state)
{
	static const char *const not_in_table[] = {
		"Boot001", "Boot00001", "Bootabcd", "Boot000a", "BootXYZW", "Boot 001",
		"Driver1", "SysPrep000g", "Key00001", "PlatformRecovery001", "boot0001", "BOOT0001",
	};

	(void)state;
	expect(OK, "Boot0001", &global, NV | BS | RT, LO_LINUX("0400") DP_END);
	expect(OK, "BootABCD", &global, NV | BS | RT, LO_LINUX("0400") DP_END);
	expect(OK, "Boot9F0E", &global, NV | BS | RT, LO_LINUX("0400") DP_END);
	for (size_t i = 0; i < sizeof(not_in_table) / sizeof(not_in_table[0]); i++) {
		const char *n = not_in_table[i];

		expect(INVAL, n, &global, NV | BS | RT, LO_LINUX("0400") DP_END);
		/* not UEFI's namespace: no check at all */
		expect(OK, n, &vendor, NV | BS | RT, LO_LINUX("0400") DP_END);
		expect(OK, n, &vendor, BS, "ff");
	}
	/* The Boot#### check does not apply under another GUID. */
	expect(OK, "Boot0001", &vendor, NV, "ff");
	/* Nor do the image-security names. */
	expect(INVAL, "Boot0001", &image, NV | BS | RT, LO_LINUX("0400") DP_END);
}

/*
 * EDK2's VarCheckLib keys its wildcard table by the literal name "Boot####",
 * so that name has the Boot#### property; VarCheckUefiLib's check functions
 * only match hex digits, so no load option check applies to it.
 */
static void test_literal_pattern_names(void **state)
{
	struct ucs2 n = ucs2("Boot####");
	var_check_property_t p;

	(void)state;
	assert_true(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(p.min_size, 6);
	expect(OK, "Boot####", &global, NV | BS | RT, "ffffffffffff");
	expect(INVAL, "Boot####", &global, BS | RT, "ffffffffffff");
	expect(INVAL, "Boot####", &global, NV | BS | RT, "ffff");
	expect(OK, "Key####", &global, NV | BS | RT, KEY_OPT "00");   /* no key option check */
	expect(INVAL, "Key####", &global, NV | BS | RT, KEY_OPT "0000000000000000000000000000");
	/* HwErrRec#### is in the namespace, but a write needs HR and HR needs hex digits. */
	expect(INVAL, "HwErrRec####", &tv_hwerr_guid, NV | BS | RT | HR, "00");
	expect(INVAL, "HwErrRec####", &tv_hwerr_guid, NV | BS | RT, "00");
	expect(OK, "HwErrRec####", &tv_hwerr_guid, 0, NULL);
}

/* ---- namespaces ---- */

static void test_unknown_names(void **state)
{
	(void)state;
	/* Not defined by UEFI (or by teevar): refused under UEFI's GUIDs. */
	expect(INVAL, "Foo", &global, NV | BS | RT, "00");
	expect(INVAL, "dbr", &global, NV | BS | RT | AT, "00");
	expect(INVAL, "OsRecoveryOrder", &global, NV | BS | RT, "0000");
	expect(INVAL, "dbrDefault", &global, BS | RT, "00");
	expect(INVAL, "dbrDefault", &image, BS | RT, "00");
	expect(INVAL, "PK", &image, NV | BS | RT | AT, "00");
	expect(INVAL, "Foo", &tv_hwerr_guid, NV | BS | RT, "00");
	/* BootOrder and the like are exact names: no prefix or suffix match. */
	expect(INVAL, "BootOrde", &global, NV | BS | RT, "0100");
	expect(INVAL, "BootOrderX", &global, NV | BS | RT, "0100");
	expect(INVAL, "bootorder", &global, NV | BS | RT, "0100");
	/* Everything goes under another GUID. */
	expect(OK, "Foo", &vendor, NV | BS | RT, "00");
	expect(OK, "BootOrder", &vendor, BS, "01");
	expect(OK, "Foo", &vendor, AT | APPEND, NULL);
}

/* A name ends at its first NUL character, as EDK2's StrCmp reads it. */
static void test_name_ends_at_nul(void **state)
{
	struct ucs2 n = ucs2("BootOrder");
	uint8_t data[2] = {1, 0};
	uint8_t odd[3] = {1, 0, 2};
	var_check_property_t p;

	(void)state;
	n.size += 4; /* two more NUL characters */
	assert_true(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(tv_uefi_var_check(n.b, n.size, &global, NV | BS | RT, 2, data), OK);
	assert_int_equal(tv_uefi_var_check(n.b, n.size, &global, NV | BS | RT, 3, odd), INVAL);
	/* "Boot\0rder" is "Boot", not in the table */
	n = ucs2("Boot0rder");
	n.b[8] = 0;
	assert_false(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(tv_uefi_var_check(n.b, n.size, &global, NV | BS | RT, 2, data), INVAL);
	/* a UCS-2 character that only shares its low byte with 'B' */
	n = ucs2("BootOrder");
	n.b[1] = 0x01;
	assert_false(tv_uefi_var_property(n.b, n.size, &global, &p));
}

/* ---- HARDWARE_ERROR_RECORD ---- */

static void test_hwerr(void **state)
{
	(void)state;
	expect(OK, "HwErrRec0001", &tv_hwerr_guid, NV | BS | RT | HR, "0102030405");
	expect(OK, "HwErrRecFFFF", &tv_hwerr_guid, NV | BS | RT | HR | APPEND, "01");
	/* HR needs the HwErrRec#### name ... */
	expect(INVAL, "Foo", &vendor, NV | BS | RT | HR, "00");
	expect(INVAL, "Boot0001", &global, NV | BS | RT | HR, LO_LINUX("0400") DP_END);
	expect(INVAL, "HwErrRec000a", &tv_hwerr_guid, NV | BS | RT | HR, "00");
	expect(INVAL, "HwErrRec001", &tv_hwerr_guid, NV | BS | RT | HR, "00");
	expect(INVAL, "HwErrRec00001", &tv_hwerr_guid, NV | BS | RT | HR, "00");
	/* ... under the HwErr GUID */
	expect(INVAL, "HwErrRec0001", &vendor, NV | BS | RT | HR, "00");
	expect(INVAL, "HwErrRec0001", &global, NV | BS | RT | HR, "00");
	/* without HR: the attributes differ from the table's */
	expect(INVAL, "HwErrRec0001", &tv_hwerr_guid, NV | BS | RT, "00");
	/* the name alone is free under another GUID */
	expect(OK, "HwErrRec0001", &vendor, NV | BS | RT, "00");
}

static void test_is_hwerr_rec(void **state)
{
	static const char *const no[] = {
		"HwErrRec000a", "HwErrRec001", "HwErrRec00001", "hwErrRec0001", "HwErrRex0001",
		"HwErrRec####", "HwErrRec", "", "HwErrRec00G0",
	};
	struct ucs2 n;

	(void)state;
	n = ucs2("HwErrRec0001");
	assert_true(tv_is_hwerr_rec(n.b, n.size, &tv_hwerr_guid));
	assert_false(tv_is_hwerr_rec(n.b, n.size, &vendor));
	assert_false(tv_is_hwerr_rec(n.b, n.size, &global));
	n = ucs2("HwErrRecA9F0");
	assert_true(tv_is_hwerr_rec(n.b, n.size, &tv_hwerr_guid));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		n = ucs2(no[i]);
		if (tv_is_hwerr_rec(n.b, n.size, &tv_hwerr_guid))
			fail_msg("%s taken for a hardware error record", no[i]);
	}
	/* The GUID in EFI byte order. */
	assert_int_equal(tv_hwerr_guid.b[0], 0xdd);
	assert_int_equal(tv_hwerr_guid.b[3], 0x41);
	assert_int_equal(tv_hwerr_guid.b[4], 0x7b);
	assert_int_equal(tv_hwerr_guid.b[6], 0xcc);
	assert_int_equal(tv_hwerr_guid.b[8], 0xb2);
	assert_int_equal(tv_hwerr_guid.b[15], 0x16);
}

/* ---- APPEND ---- */

static void test_append(void **state)
{
	(void)state;
	/* An empty APPEND is not a delete, and has nothing to check. */
	expect(OK, "Boot0001", &global, NV | BS | RT | APPEND, NULL);
	expect(OK, "db", &image, NV | BS | RT | AT | APPEND, NULL);
	expect(OK, "Timeout", &global, NV | BS | RT | APPEND, NULL);
	/* but the attributes still count, and the namespace */
	expect(INVAL, "Boot0001", &global, BS | RT | APPEND, NULL);
	expect(INVAL, "Foo", &global, NV | BS | RT | APPEND, NULL);
	/* APPEND alone: attributes 0x40 are not the table's */
	expect(INVAL, "BootOrder", &global, APPEND, NULL);
	/* an APPEND payload is checked like any other */
	expect(OK, "BootOrder", &global, NV | BS | RT | APPEND, "0300");
	expect(INVAL, "BootOrder", &global, NV | BS | RT | APPEND, "03");
	expect(INVAL, "BootOrder", &global, NV | BS | RT | APPEND, "030004");
	expect(INVAL, "Lang", &global, NV | BS | RT | APPEND, "656e67");
}

/* ---- content checks ---- */

static void test_ascii_string(void **state)
{
	(void)state;
	expect(OK, "Lang", &global, NV | BS | RT, "00");
	/* a NUL anywhere will do */
	expect(OK, "Lang", &global, NV | BS | RT, "00 656e67");
	expect(OK, "PlatformLang", &global, NV | BS | RT, "656e 00 2d5553");
	expect(OK, "LangCodes", &global, BS | RT, "ff fe 00 80");
	expect(INVAL, "Lang", &global, NV | BS | RT, "65");
	expect(INVAL, "PlatformLangCodes", &global, BS | RT, "656e2d5553 3b 6672");
}

static void test_size_array(void **state)
{
	(void)state;
	expect(OK, "BootOrder", &global, NV | BS | RT, "0100");
	expect(OK, "BootOrder", &global, NV | BS | RT, "0100 0200 0300 0400 0500");
	expect(INVAL, "BootOrder", &global, NV | BS | RT, "0100 0200 0300 0400 05");
	expect(INVAL, "DriverOrder", &global, NV | BS | RT, "010002");
	expect(OK, "SysPrepOrder", &global, NV | BS | RT, "ffff");
}

#define DP_OK(hex) expect(OK, "ConOut", &global, NV | BS | RT, hex)
#define DP_BAD(hex) expect(INVAL, "ConOut", &global, NV | BS | RT, hex)

static void test_device_path(void **state)
{
	(void)state;
	/* HD + FilePath + End */
	DP_OK(DP_HD DP_FILE DP_END);
	DP_OK(DP_END);
	/* multi-instance: End-Instance is an ordinary node, End-Entire closes */
	DP_OK(DP_END_INSTANCE DP_END);
	DP_OK(DP_ACPI DP_END_INSTANCE DP_ACPI DP_END);
	DP_BAD(DP_ACPI DP_END_INSTANCE DP_ACPI);
	/* bytes after End-Entire are not looked at */
	DP_OK(DP_END "dead");
	DP_OK(DP_ACPI DP_END "04 01 03 00");
	/* a node shorter than a node header, a zero-length node */
	DP_BAD("04010300 7fff0400");
	DP_BAD("01010000 7fff0400");
	DP_BAD(DP_ACPI "02010200" DP_END);
	/* no End-Entire */
	DP_BAD(DP_HD);
	DP_BAD(DP_HD DP_FILE);
	DP_BAD(DP_HD DP_FILE "7fff04");
	/* a node running past the data; a node with no room left for End */
	DP_BAD("04012a00 01000000" DP_END);
	DP_BAD(DP_ACPI "02010c00 d041");
	DP_BAD("02010800 7fff0400");
	/* End-Entire of another length than 4 */
	DP_BAD("7fff0500 00");
	DP_BAD("7fff0800 00000000");
	DP_BAD(DP_ACPI "7fff0300");
	/* FilePath must end in a NUL CHAR16 */
	DP_BAD(DP_HD DP_FILE_NO_NUL DP_END);
	DP_BAD(DP_FILE_NO_NUL DP_END);
	DP_OK("04040600 0000" DP_END);
	/*
	 * EDK2 reads the last two bytes of the node, whatever its length: a
	 * 4-byte FilePath reads its own Length (never 0), a 5-byte one the high
	 * Length byte and its single byte.
	 */
	DP_BAD("04040400" DP_END);
	DP_OK("04040500 00" DP_END);
	DP_BAD("04040500 01" DP_END);
	/* other media subtypes need no NUL */
	DP_OK("04030600 ffff" DP_END);
	/* the same checks for the other device path variables */
	expect(OK, "ConInDev", &global, BS | RT, DP_HD DP_FILE DP_END);
	expect(INVAL, "ErrOutDev", &global, BS | RT, DP_HD DP_FILE);
	expect(INVAL, "ErrOut", &global, NV | BS | RT, "04010300 7fff0400");
}

/* many nodes: PcdMaximumDevicePathNodeCount is 0 in EDK2 (no limit) */
static void test_device_path_many_nodes(void **state)
{
	uint8_t name[14] = {'C', 0, 'o', 0, 'n', 0, 'I', 0, 'n', 0, 0, 0};
	size_t nodes = 5000, size = 4 * nodes + 4;
	uint8_t *dp = malloc(size);

	(void)state;
	assert_non_null(dp);
	for (size_t i = 0; i < nodes; i++) {
		dp[4 * i] = 0x01;	/* hardware */
		dp[4 * i + 1] = 0x05;	/* vendor-ish, no body */
		dp[4 * i + 2] = 4;
		dp[4 * i + 3] = 0;
	}
	memcpy(dp + 4 * nodes, "\x7f\xff\x04\x00", 4);
	assert_int_equal(tv_uefi_var_check(name, 12, &global, NV | BS | RT, size, dp), OK);
	dp[size - 2] = 5; /* End of length 5 */
	assert_int_equal(tv_uefi_var_check(name, 12, &global, NV | BS | RT, size, dp), INVAL);
	free(dp);
}

#define LO_OK(hex) expect(OK, "Boot0001", &global, NV | BS | RT, hex)
#define LO_BAD(hex) expect(INVAL, "Boot0001", &global, NV | BS | RT, hex)

static void test_load_option(void **state)
{
	(void)state;
	/* "Linux", a 4-byte End-only path */
	LO_OK(LO_LINUX("0400") DP_END);
	/* a real path: HD + FilePath + End, 64 bytes */
	LO_OK(LO_LINUX("4000") DP_HD DP_FILE DP_END);
	/* OptionalData after the path, not checked */
	LO_OK(LO_LINUX("0400") DP_END "ffffffff 0102");
	LO_OK(LO_LINUX("0400") DP_END "01");
	/* an empty description */
	LO_OK("01000000 0400 0000" DP_END);
	/* Attributes are not checked */
	LO_OK("ffffffff 0400 0000" DP_END);
	/* the description has no NUL, or only half of one, in the data */
	LO_BAD(LO_NO_NUL);
	LO_BAD("01000000 0400 4c00 69");
	LO_BAD("01000000 0400 00");
	LO_BAD("01000000 0400");
	/* the description ends the data: no room for the path */
	LO_BAD(LO_LINUX("0400"));
	LO_BAD(LO_LINUX("0000"));
	/* FilePathListLength past the end of the data */
	LO_BAD(LO_LINUX("0800") DP_END);
	LO_BAD(LO_LINUX("4100") DP_HD DP_FILE DP_END);
	LO_BAD(LO_LINUX("ffff") DP_END);
	/* FilePathListLength below a node header */
	LO_BAD(LO_LINUX("0300") DP_END);
	LO_BAD(LO_LINUX("0000") DP_END);
	/* FilePathListLength that cuts a node (the rest is left as OptionalData) */
	LO_BAD(LO_LINUX("3200") DP_HD DP_FILE DP_END);
	LO_BAD(LO_LINUX("3c00") DP_HD DP_FILE DP_END);
	LO_BAD(LO_LINUX("2a00") DP_HD DP_FILE DP_END);
	/* a path that is not valid inside FilePathListLength */
	LO_BAD(LO_LINUX("1400") DP_FILE_NO_NUL DP_END);
	LO_BAD(LO_LINUX("0400") "7f010400" DP_END);
	LO_BAD(LO_LINUX("0800") "04010300" DP_END);
	/* EDK2 allows bytes after End-Entire inside FilePathListLength */
	LO_OK(LO_LINUX("0800") DP_END "00000000");
	/* the other load option variables */
	expect(OK, "Driver0001", &global, NV | BS | RT, LO_LINUX("4000") DP_HD DP_FILE DP_END);
	expect(INVAL, "SysPrep0001", &global, NV | BS | RT, LO_LINUX("3200") DP_HD DP_FILE DP_END);
	expect(OK, "PlatformRecovery0001", &global, BS | RT, LO_LINUX("0400") DP_END);
	expect(INVAL, "PlatformRecovery0001", &global, BS | RT, LO_NO_NUL);
}

#define KEY_OK(hex) expect(OK, "Key0001", &global, NV | BS | RT, hex)
#define KEY_BAD(hex) expect(INVAL, "Key0001", &global, NV | BS | RT, hex)

static void test_key_option(void **state)
{
	(void)state;
	KEY_OK(KEY_OPT);
	KEY_OK(KEY_OPT INPUT_KEY);
	KEY_OK(KEY_OPT INPUT_KEY INPUT_KEY);
	KEY_OK(KEY_OPT INPUT_KEY INPUT_KEY INPUT_KEY);
	/* partial EFI_INPUT_KEYs */
	KEY_BAD(KEY_OPT "17");
	KEY_BAD(KEY_OPT "1700");
	KEY_BAD(KEY_OPT INPUT_KEY "170000");
	KEY_BAD(KEY_OPT INPUT_KEY INPUT_KEY "1700");
	/* outside 10..22 */
	KEY_BAD("00000000 00000000 01");
	KEY_BAD(KEY_OPT INPUT_KEY INPUT_KEY INPUT_KEY INPUT_KEY);
	KEY_BAD(KEY_OPT INPUT_KEY INPUT_KEY INPUT_KEY "00");
	/* EDK2 does not hold KeyData.InputKeyCount (bits 30-31) against the size */
	KEY_OK("000000c0 00000000 0100");
	KEY_OK("00000000 00000000 0100" INPUT_KEY INPUT_KEY);
	expect(OK, "KeyFFFF", &global, NV | BS | RT, KEY_OPT INPUT_KEY);
}

/* ---- tv_uefi_var_property ---- */

static void test_property(void **state)
{
	static const struct {
		const char *name;
		const efi_guid_t *guid;
	} absent[] = {
		{"Foo", &global},	     {"Boot001", &global},	 {"BootXYZW", &global},
		{"Bootabcd", &global},	     {"BootOrder", &vendor},	 {"BootOrder", &image},
		{"dbr", &global},	     {"dbrDefault", &image},	 {"dbrDefault", &global},
		{"HwErrRec0001", &global},   {"HwErrRec000a", &tv_hwerr_guid},
		{"SecureBootEnable", &global}, {"", &global},
	};
	var_check_property_t p;
	struct ucs2 n;

	(void)state;
	n = ucs2("BootOrder");
	assert_true(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(p.revision, VAR_CHECK_VARIABLE_PROPERTY_REVISION);
	assert_int_equal(p.property, 0);
	assert_int_equal(p.attributes, NV | BS | RT);
	assert_int_equal(p.min_size, 2);
	assert_true(p.max_size == UINT64_MAX);

	n = ucs2("Boot0001");
	assert_true(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(p.property, 0);
	assert_int_equal(p.attributes, NV | BS | RT);
	assert_int_equal(p.min_size, 6);
	assert_true(p.max_size == UINT64_MAX);

	n = ucs2("SecureBoot");
	assert_true(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(p.property, VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY);
	assert_int_equal(p.attributes, BS | RT);
	assert_int_equal(p.min_size, 1);
	assert_int_equal(p.max_size, 1);

	n = ucs2("dbr");
	assert_true(tv_uefi_var_property(n.b, n.size, &image, &p));
	assert_int_equal(p.attributes, NV | BS | RT | AT);
	n = ucs2("AuditMode");
	assert_true(tv_uefi_var_property(n.b, n.size, &global, &p));
	assert_int_equal(p.property, 0);

	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		n = ucs2(absent[i].name);
		memset(&p, 0x5a, sizeof(p));
		if (tv_uefi_var_property(n.b, n.size, absent[i].guid, &p))
			fail_msg("%s has a property", absent[i].name);
		assert_int_equal(p.revision, 0x5a5a); /* untouched */
	}
	/* no name at all */
	assert_false(tv_uefi_var_property(NULL, 0, &global, &p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_property),
		cmocka_unit_test(test_rows_accept),
		cmocka_unit_test(test_rows_refuse_attributes),
		cmocka_unit_test(test_rows_refuse_size),
		cmocka_unit_test(test_rows_refuse_content),
		cmocka_unit_test(test_read_only),
		cmocka_unit_test(test_deletes),
		cmocka_unit_test(test_wildcard_names),
		cmocka_unit_test(test_literal_pattern_names),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_name_ends_at_nul),
		cmocka_unit_test(test_hwerr),
		cmocka_unit_test(test_is_hwerr_rec),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_ascii_string),
		cmocka_unit_test(test_size_array),
		cmocka_unit_test(test_device_path),
		cmocka_unit_test(test_device_path_many_nodes),
		cmocka_unit_test(test_load_option),
		cmocka_unit_test(test_key_option),
		cmocka_unit_test(test_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

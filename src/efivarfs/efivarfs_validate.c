// SPDX-License-Identifier: BSD-2-Clause
/*
 * The kernel's variable table: the removable list and the content checks.
 *
 * One 6.12 detail decides which checks run at all. efivar_validate matches
 * the table's names against the variable's UTF-8 name with a length that
 * counts the NUL, while variable_matches() only accepts an exact name when
 * the lengths agree without it. So in 6.12 the exact rows (BootOrder,
 * BootNext, ConIn, Lang, Timeout, ...) never match a write, and only the
 * globbed rows do: "Boot*" and "Driver*" (load options) and the crash GUID's
 * "*" (no check). BootOrder and BootNext therefore meet the load option check
 * with "Orde"/"Next" where the four hex digits would be, and pass. The
 * removable list is matched with the exact length and works as written.
 * teevarfs behaves as 6.12 does (the reference guest runs it); the checks of
 * the exact rows are kept and tested so that the table reads as the kernel's.
 */
#include <string.h>

#include <teevar/util.h>

#include "efivarfs_validate.h"
#include "efivarfs_name.h"

#define GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                         \
	{{(a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff, (b) & 0xff,       \
	  ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff, d0, d1, d2, d3, d4, d5, d6, d7}}

const efi_guid_t tv_efivarfs_global_guid =
	GUID(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
const efi_guid_t tv_efivarfs_crash_guid =
	GUID(0xcfc8fc79, 0xbe2e, 0x4ddc, 0x97, 0xf0, 0x9f, 0x98, 0xbf, 0xe2, 0x98, 0xa0);
const efi_guid_t tv_efivarfs_random_seed_guid =
	GUID(0x1ce1e5bc, 0x7ceb, 0x42f2, 0x81, 0xe5, 0x8a, 0xad, 0xf1, 0x80, 0xf5, 0x7b);

/* A device path node's header (UEFI 2.10 10.2, EFI_DEVICE_PATH_PROTOCOL). */
struct dp_header {
	uint8_t type;
	uint8_t sub_type;
	uint8_t length[2]; /* little-endian, header included */
};
#define DP_END_TYPE 0x7f
#define DP_END_TYPE2 0xff /* also accepted by the kernel */
#define DP_END_ENTIRE 0xff

bool tv_efivarfs_valid_device_path(const uint8_t *buf, size_t len)
{
	if (!buf || len < sizeof(struct dp_header))
		return false;
	size_t off = 0;
	/* Walk the nodes while a whole header fits and its length is sane and
	 * inside the buffer; the first end-of-entire-path node ends it well. */
	while (off <= len - sizeof(struct dp_header)) {
		const uint8_t *n = buf + off;
		size_t nlen = (size_t)n[2] | (size_t)n[3] << 8;
		if (nlen < sizeof(struct dp_header) || nlen > len - off)
			return false;
		off += nlen;
		if ((n[0] == DP_END_TYPE || n[0] == DP_END_TYPE2) && n[1] == DP_END_ENTIRE)
			return true;
	}
	return false;
}

bool tv_efivarfs_valid_boot_order(const uint8_t *buf, size_t len)
{
	(void)buf;
	return len % 2 == 0; /* an array of u16 */
}

bool tv_efivarfs_valid_uint16(const uint8_t *buf, size_t len)
{
	(void)buf;
	return len == 2;
}

bool tv_efivarfs_valid_ascii_string(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; buf && i < len; i++) {
		if (buf[i] > 127)
			return false;
		if (buf[i] == 0)
			return true;
	}
	return false;
}

static bool is_hex_unit(efi_char16_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* EFI_LOAD_OPTION (UEFI 2.10 3.1.3): Attributes u32, FilePathListLength u16,
 * Description (NUL-terminated UCS-2), FilePathList, OptionalData. */
#define LOAD_OPTION_FIXED 6 /* Attributes + FilePathListLength */

bool tv_efivarfs_valid_load_option(const efi_char16_t *name, size_t match, const uint8_t *buf,
				   size_t len)
{
	if (!name)
		return false;
	/* Only "Boot####"/"Driver####" with four hex digits are load options;
	 * any other name under the prefix passes (the first non-hex unit, the
	 * NUL included, stops the scan before it can read past the name). */
	for (size_t i = match; i < match + 4; i++)
		if (!is_hex_unit(name[i]))
			return true;
	/* Four hex digits and then more: rejected. */
	if (tv_ucs2_strnlen(name, TV_EFIVARFS_VARNAME_UNITS) > match + 4)
		return false;
	if (!buf || len < 8)
		return false;
	size_t fp_len = (size_t)buf[4] | (size_t)buf[5] << 8;
	/* The description's size: units before a NUL within the rest, times 2,
	 * plus the NUL's 2 bytes (even when there is no NUL, as the kernel). */
	size_t max_units = (len - LOAD_OPTION_FIXED) / 2, units = 0;
	while (units < max_units && (buf[LOAD_OPTION_FIXED + 2 * units] |
				     buf[LOAD_OPTION_FIXED + 2 * units + 1]) != 0)
		units++;
	size_t desc = units * 2 + 2;
	if (desc + fp_len + LOAD_OPTION_FIXED > len)
		return false;
	return tv_efivarfs_valid_device_path(buf + LOAD_OPTION_FIXED + desc, fp_len);
}

enum check { CHECK_NONE, CHECK_UINT16, CHECK_BOOT_ORDER, CHECK_LOAD_OPTION, CHECK_DEVICE_PATH,
	     CHECK_ASCII };

struct table_row {
	const efi_guid_t *guid;
	const char *name; /* a final '*' matches any rest, none included */
	enum check check;
};

/* The kernel's order: globbed names after the exact names they prefix. */
static const struct table_row table[] = {
	{&tv_efivarfs_global_guid, "BootNext", CHECK_UINT16},
	{&tv_efivarfs_global_guid, "BootOrder", CHECK_BOOT_ORDER},
	{&tv_efivarfs_global_guid, "Boot*", CHECK_LOAD_OPTION},
	{&tv_efivarfs_global_guid, "DriverOrder", CHECK_BOOT_ORDER},
	{&tv_efivarfs_global_guid, "Driver*", CHECK_LOAD_OPTION},
	{&tv_efivarfs_global_guid, "ConIn", CHECK_DEVICE_PATH},
	{&tv_efivarfs_global_guid, "ConInDev", CHECK_DEVICE_PATH},
	{&tv_efivarfs_global_guid, "ConOut", CHECK_DEVICE_PATH},
	{&tv_efivarfs_global_guid, "ConOutDev", CHECK_DEVICE_PATH},
	{&tv_efivarfs_global_guid, "ErrOut", CHECK_DEVICE_PATH},
	{&tv_efivarfs_global_guid, "ErrOutDev", CHECK_DEVICE_PATH},
	{&tv_efivarfs_global_guid, "Lang", CHECK_ASCII},
	{&tv_efivarfs_global_guid, "OsIndications", CHECK_NONE},
	{&tv_efivarfs_global_guid, "PlatformLang", CHECK_ASCII},
	{&tv_efivarfs_global_guid, "Timeout", CHECK_UINT16},
	{&tv_efivarfs_crash_guid, "*", CHECK_NONE},
};

/* The kernel's variable_matches: name is len bytes; *match counts the
 * pattern's characters before the '*' or the mismatch. */
static bool name_matches(const char *name, size_t len, const char *pattern, size_t *match)
{
	for (*match = 0;; (*match)++) {
		char c = pattern[*match];
		if (c == '*')
			return true;
		if (c == '\0')
			return *match == len;
		if (*match < len && name[*match] == c)
			continue;
		return false;
	}
}

bool tv_efivarfs_is_removable(const efi_guid_t *guid, const char *name, size_t len)
{
	if (!guid || !name)
		return false;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t match;
		if (tv_guid_equal(guid, table[i].guid) &&
		    name_matches(name, len, table[i].name, &match))
			return true;
	}
	return false;
}

bool tv_efivarfs_validate(const efi_guid_t *guid, const efi_char16_t *name, const uint8_t *data,
			  size_t len)
{
	if (!guid || !name)
		return false;
	char utf8[TV_EFIVARFS_VARNAME_UNITS * 3 + 1];
	size_t n = tv_efivarfs_ucs2_to_utf8_raw(name, TV_EFIVARFS_VARNAME_UNITS, utf8,
						sizeof(utf8));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t match;
		if (!tv_guid_equal(guid, table[i].guid))
			continue;
		/* n + 1: the NUL counted, as 6.12 does (see the top of the file). */
		if (!name_matches(utf8, n + 1, table[i].name, &match))
			continue;
		switch (table[i].check) {
		case CHECK_NONE: return true;
		case CHECK_UINT16: return tv_efivarfs_valid_uint16(data, len);
		case CHECK_BOOT_ORDER: return tv_efivarfs_valid_boot_order(data, len);
		case CHECK_LOAD_OPTION: return tv_efivarfs_valid_load_option(name, match, data, len);
		case CHECK_DEVICE_PATH: return tv_efivarfs_valid_device_path(data, len);
		case CHECK_ASCII: return tv_efivarfs_valid_ascii_string(data, len);
		}
	}
	return true;
}

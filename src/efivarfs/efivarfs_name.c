// SPDX-License-Identifier: BSD-2-Clause
/* efivarfs file names: the kernel's check and its two conversions. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <teevar/util.h>

#include "efivarfs_name.h"

/* The '-' before the GUID, and the GUID. */
#define SUFFIX_LEN (TV_EFIVARFS_GUID_LEN + 1)

static bool uuid_text_ok(const char *s)
{
	char tmp[TV_EFIVARFS_GUID_LEN + 1];
	efi_guid_t g;
	memcpy(tmp, s, TV_EFIVARFS_GUID_LEN);
	tmp[TV_EFIVARFS_GUID_LEN] = '\0';
	return tv_guid_parse(tmp, &g) == 0;
}

bool tv_efivarfs_valid_name(const char *fname, size_t len)
{
	/* At least one character of name, the '-' and the GUID. */
	if (!fname || len < SUFFIX_LEN + 1)
		return false;
	if (fname[len - SUFFIX_LEN] != '-')
		return false;
	return uuid_text_ok(fname + len - TV_EFIVARFS_GUID_LEN);
}

long tv_efivarfs_name_parse(const char *fname, efi_char16_t *name, size_t max_units,
			    efi_guid_t *guid)
{
	size_t len = fname ? strlen(fname) : 0;
	if (!name || !guid || max_units == 0 || !tv_efivarfs_valid_name(fname, len))
		return -EINVAL;
	if (len > TV_EFIVARFS_FNAME_MAX)
		return -ENAMETOOLONG;
	size_t n = len - SUFFIX_LEN;
	if (n + 1 > max_units)
		return -ENAMETOOLONG;
	char tmp[TV_EFIVARFS_GUID_LEN + 1];
	memcpy(tmp, fname + n + 1, sizeof(tmp));
	if (tv_guid_parse(tmp, guid) != 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		name[i] = (efi_char16_t)(unsigned char)fname[i];
	name[n] = 0;
	return (long)n + 1;
}

/* One UCS-2 unit in UTF-8, as the kernel's ucs2_as_utf8 (surrogates too). */
static size_t put_unit(efi_char16_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (c >> 12));
	out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[2] = (char)(0x80 | (c & 0x3f));
	return 3;
}

size_t tv_efivarfs_ucs2_to_utf8_raw(const efi_char16_t *name, size_t max_units, char *out,
				    size_t out_size)
{
	if (!out || out_size == 0)
		return 0;
	size_t pos = 0;
	for (size_t i = 0; name && i < max_units && name[i]; i++) {
		char enc[3];
		size_t k = put_unit(name[i], enc);
		if (pos + k + 1 > out_size)
			break;
		memcpy(out + pos, enc, k);
		pos += k;
	}
	out[pos] = '\0';
	return pos;
}

long tv_efivarfs_name_format(const efi_char16_t *name, size_t max_units, const efi_guid_t *guid,
			     char *out, size_t out_size)
{
	if (!name || !guid || !out || out_size == 0)
		return -EINVAL;
	out[0] = '\0';
	size_t units = tv_ucs2_strnlen(name, max_units);
	if (units == max_units)
		return -EINVAL;
	size_t limit = out_size - 1 < TV_EFIVARFS_FNAME_MAX ? out_size - 1 : TV_EFIVARFS_FNAME_MAX;
	size_t pos = 0;
	for (size_t i = 0; i < units; i++) {
		char enc[3];
		size_t k = put_unit(name[i], enc);
		if (pos + k + SUFFIX_LEN > limit) {
			out[0] = '\0';
			return -ENAMETOOLONG;
		}
		/* '/' cannot be in a file name: the kernel shows it as '!'. */
		if (k == 1 && enc[0] == '/')
			enc[0] = '!';
		memcpy(out + pos, enc, k);
		pos += k;
	}
	if (pos + SUFFIX_LEN > limit) {
		out[0] = '\0';
		return -ENAMETOOLONG;
	}
	out[pos++] = '-';
	char g[TV_EFIVARFS_GUID_LEN + 1];
	tv_guid_format(guid, g);
	memcpy(out + pos, g, sizeof(g));
	return (long)(pos + TV_EFIVARFS_GUID_LEN);
}

int tv_efivarfs_name_normalize(const char *fname, char *out, size_t out_size)
{
	size_t len = fname ? strlen(fname) : 0;
	if (!out || out_size == 0 || !tv_efivarfs_valid_name(fname, len))
		return -EINVAL;
	if (len > TV_EFIVARFS_FNAME_MAX || len + 1 > out_size)
		return -ENAMETOOLONG;
	memcpy(out, fname, len + 1);
	for (size_t i = len - TV_EFIVARFS_GUID_LEN; i < len; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return 0;
}

bool tv_efivarfs_name_needs_scan(const char *fname, size_t len)
{
	size_t n = len > SUFFIX_LEN ? len - SUFFIX_LEN : 0;
	for (size_t i = 0; i < n; i++)
		if (fname[i] == '!' || (unsigned char)fname[i] >= 0x80)
			return true;
	return false;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include <teevar/util.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tv_hex.h"

#define GUID_TEXT_LEN 36

#define STATUS_NAME(c) {c, #c}
static const struct {
	efi_status_t code;
	const char *name;
} status_names[] = {
	STATUS_NAME(EFI_SUCCESS),
	STATUS_NAME(EFI_INVALID_PARAMETER),
	STATUS_NAME(EFI_UNSUPPORTED),
	STATUS_NAME(EFI_BAD_BUFFER_SIZE),
	STATUS_NAME(EFI_BUFFER_TOO_SMALL),
	STATUS_NAME(EFI_NOT_READY),
	STATUS_NAME(EFI_DEVICE_ERROR),
	STATUS_NAME(EFI_WRITE_PROTECTED),
	STATUS_NAME(EFI_OUT_OF_RESOURCES),
	STATUS_NAME(EFI_NOT_FOUND),
	STATUS_NAME(EFI_ACCESS_DENIED),
	STATUS_NAME(EFI_ABORTED),
	STATUS_NAME(EFI_SECURITY_VIOLATION),
};

const char *tv_status_name(efi_status_t s)
{
	static _Thread_local char unknown[sizeof("EFI_STATUS(0x0123456789abcdef)")];

	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		if (status_names[i].code == s)
			return status_names[i].name;
	}
	snprintf(unknown, sizeof(unknown), "EFI_STATUS(0x%016llx)", (unsigned long long)s);
	return unknown;
}

int tv_status_to_errno(efi_status_t s)
{
	switch (s) {
	case EFI_SUCCESS: return 0;
	case EFI_INVALID_PARAMETER: return -EINVAL;
	case EFI_OUT_OF_RESOURCES: return -ENOSPC;
	case EFI_DEVICE_ERROR: return -EIO;
	case EFI_WRITE_PROTECTED: return -EROFS;
	case EFI_SECURITY_VIOLATION: return -EACCES;
	case EFI_NOT_FOUND: return -ENOENT;
	case EFI_ABORTED: return -EINTR;
	default: return -EINVAL;
	}
}

/* Byte index in EFI order of the i-th hex pair of the text form: the first three
 * groups are little-endian integers, the last two are plain bytes. */
static const uint8_t guid_text_order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

static bool guid_is_dash_pos(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

int tv_guid_parse(const char *text, efi_guid_t *guid)
{
	if (!text || !guid)
		return -1;
	efi_guid_t tmp;
	size_t pair = 0;
	int hi = -1;
	/* Every check reads text[i] before moving on, so a short string stops at its NUL. */
	for (size_t i = 0; i < GUID_TEXT_LEN; i++) {
		if (guid_is_dash_pos(i)) {
			if (text[i] != '-')
				return -1;
			continue;
		}
		int v = tv_hex_digit(text[i]);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		tmp.b[guid_text_order[pair++]] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (text[GUID_TEXT_LEN] != '\0')
		return -1;
	*guid = tmp;
	return 0;
}

void tv_guid_format(const efi_guid_t *guid, char out[37])
{
	static const char digits[] = "0123456789abcdef";

	if (!out)
		return;
	if (!guid) {
		out[0] = '\0';
		return;
	}
	size_t o = 0;
	for (size_t pair = 0; pair < 16; pair++) {
		if (guid_is_dash_pos(o))
			out[o++] = '-';
		uint8_t b = guid->b[guid_text_order[pair]];
		out[o++] = digits[b >> 4];
		out[o++] = digits[b & 0x0f];
	}
	out[o] = '\0';
}

bool tv_guid_equal(const efi_guid_t *a, const efi_guid_t *b)
{
	if (!a || !b)
		return false;
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static bool utf8_is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Decodes one BMP scalar value at s; returns the bytes used or -1. Short-circuit
 * evaluation never reads past a NUL, as a NUL is not a continuation byte. */
static int utf8_decode(const unsigned char *s, efi_char16_t *cp)
{
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = (efi_char16_t)c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) { /* C0 and C1 could only start overlong forms */
		if (!utf8_is_cont(s[1]))
			return -1;
		*cp = (efi_char16_t)((c & 0x1F) << 6 | (s[1] & 0x3F));
		return 2;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (!utf8_is_cont(s[1]) || !utf8_is_cont(s[2]))
			return -1;
		unsigned v = (c & 0x0F) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
		if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
			return -1;
		*cp = (efi_char16_t)v;
		return 3;
	}
	return -1; /* stray continuation byte, or a 4-byte (non-BMP) or invalid lead */
}

long tv_utf8_to_ucs2(const char *in, efi_char16_t *out, size_t max)
{
	if (!in || !out)
		return -1;
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;
	while (*p) {
		efi_char16_t cp;
		int len = utf8_decode(p, &cp);
		if (len < 0 || n + 1 >= max) /* room for this unit and the NUL */
			goto fail;
		out[n++] = cp;
		p += len;
	}
	if (n >= max)
		goto fail;
	out[n] = 0;
	return (long)n + 1;
fail:
	if (max > 0)
		out[0] = 0;
	return -1;
}

static bool ucs2_is_surrogate(efi_char16_t u)
{
	return u >= 0xD800 && u <= 0xDFFF;
}

/* Writes the UTF-8 form of u (not a surrogate) to out; returns its length. */
static size_t utf8_encode(efi_char16_t u, char *out)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xC0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3F));
		return 2;
	}
	out[0] = (char)(0xE0 | u >> 12);
	out[1] = (char)(0x80 | (u >> 6 & 0x3F));
	out[2] = (char)(0x80 | (u & 0x3F));
	return 3;
}

static size_t utf8_len(efi_char16_t u)
{
	return u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
}

long tv_ucs2_to_utf8(const efi_char16_t *in, size_t max_units, char *out, size_t out_size)
{
	if (!in || !out || out_size == 0)
		return -1;
	size_t len = tv_ucs2_strnlen(in, max_units);
	if (len == max_units)
		goto fail; /* no NUL among the units we may read */
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (ucs2_is_surrogate(in[i]) || utf8_len(in[i]) >= out_size - o)
			goto fail; /* o < out_size always holds, leaving room for the NUL */
		o += utf8_encode(in[i], out + o);
	}
	out[o] = '\0';
	return (long)o;
fail:
	out[0] = '\0';
	return -1;
}

size_t tv_ucs2_strnlen(const efi_char16_t *s, size_t max)
{
	if (!s)
		return 0;
	size_t n = 0;
	while (n < max && s[n] != 0)
		n++;
	return n;
}

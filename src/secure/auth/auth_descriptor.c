/* SPDX-License-Identifier: BSD-2-Clause */
#include "auth_descriptor.h"

#include <stdlib.h>
#include <string.h>

#include "tv_bytes.h"

const uint8_t tv_cert_type_pkcs7_guid[16] = {0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
					     0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7};

efi_status_t tv_auth2_split(const uint8_t *data, uint64_t size, struct tv_auth2 *out)
{
	if (!data || size < TV_AUTH2_MIN_SIZE)
		return EFI_SECURITY_VIOLATION;
	uint32_t len = tv_get_le32(data + 16);
	if (len < TV_WIN_CERT_HDR_SIZE || len > size - TV_EFI_TIME_SIZE)
		return EFI_SECURITY_VIOLATION;
	out->timestamp = data;
	out->dw_length = len;
	out->cert_type = tv_get_le16(data + 22);
	out->cert_guid = data + 24;
	out->cert = data + TV_AUTH2_MIN_SIZE;
	out->cert_size = len - TV_WIN_CERT_HDR_SIZE;
	out->payload = data + TV_EFI_TIME_SIZE + len;
	out->payload_size = (size_t)(size - TV_EFI_TIME_SIZE - len);
	return EFI_SUCCESS;
}

bool tv_efi_time_pads_zero(const uint8_t t[16])
{
	/* Pad1 at 7, Nanosecond 8..11, TimeZone 12..13, Daylight 14, Pad2 15 */
	for (int i = 7; i < 16; i++)
		if (t[i])
			return false;
	return true;
}

bool tv_efi_time_not_later(const uint8_t a[16], const uint8_t b[16])
{
	uint16_t ya = tv_get_le16(a), yb = tv_get_le16(b);
	if (ya != yb)
		return ya < yb;
	for (int i = 2; i < 6; i++) /* Month, Day, Hour, Minute */
		if (a[i] != b[i])
			return a[i] < b[i];
	return a[6] <= b[6]; /* Second: equal is "not later" */
}

uint8_t *tv_auth2_signed_bytes(const uint8_t *name, size_t name_size, const efi_guid_t *guid,
			       uint32_t attrs, const struct tv_auth2 *d, size_t *out_size)
{
	size_t n = name_size >= 2 ? name_size - 2 : 0;
	size_t total = n + 16 + 4 + TV_EFI_TIME_SIZE + d->payload_size;
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return NULL;
	uint8_t *p = buf;
	memcpy(p, name, n), p += n;
	memcpy(p, guid->b, 16), p += 16;
	tv_put_le32(p, attrs), p += 4;
	memcpy(p, d->timestamp, TV_EFI_TIME_SIZE), p += TV_EFI_TIME_SIZE;
	if (d->payload_size)
		memcpy(p, d->payload, d->payload_size);
	*out_size = total;
	return buf;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The firmware volume header of an EDK2 NV store image: checks and building. */
#include <string.h>

#include "varimg_priv.h"

#define FV_MIN_HEADER (sizeof(struct edk2_fv_header) + 2 * sizeof(struct edk2_fv_block_map))

uint16_t tv_edk2_fv_checksum(const uint8_t *h, uint16_t header_length)
{
	uint16_t sum = 0;

	for (uint32_t i = 0; i + 1 < header_length; i += 2)
		if (i != OFF(edk2_fv_header, checksum))
			sum = (uint16_t)(sum + tv_get_le16(h + i));
	return (uint16_t)(0x10000u - sum);
}

int tv_edk2_fv_check(const uint8_t *p, size_t n, uint16_t *hlen_out, uint64_t *fvlen_out,
		     struct tv_img_error *err)
{
	uint64_t fvlen, total = 0;
	uint16_t hlen, sum = 0;
	uint32_t off;

	if (n < FV_MIN_HEADER)
		return tv_img_fail(err, n, "truncated: the FV header needs %zu bytes, the file "
					   "has %zu",
				   FV_MIN_HEADER, n);
	for (uint32_t i = 0; i < 16; i++)
		if (p[i] != 0)
			return tv_img_fail(err, i, "FV ZeroVector is not zero");
	if (memcmp(p + OFF(edk2_fv_header, file_system_guid), tv_edk2_nvdata_fv_guid, 16) != 0)
		return tv_img_fail(err, OFF(edk2_fv_header, file_system_guid),
				   "FV FileSystemGuid is not gEfiSystemNvDataFvGuid");
	fvlen = tv_get_le64(p + OFF(edk2_fv_header, fv_length));
	if (memcmp(p + OFF(edk2_fv_header, signature), "_FVH", 4) != 0)
		return tv_img_fail(err, OFF(edk2_fv_header, signature), "FV Signature is not _FVH");
	hlen = tv_get_le16(p + OFF(edk2_fv_header, header_length));
	if (hlen < FV_MIN_HEADER || (hlen & 7) != 0)
		return tv_img_fail(err, OFF(edk2_fv_header, header_length),
				   "FV HeaderLength 0x%x is not a header with a block map", hlen);
	if (fvlen < hlen || fvlen > n)
		return tv_img_fail(err, OFF(edk2_fv_header, fv_length),
				   "FvLength 0x%llx outside [HeaderLength, file size 0x%zx]",
				   (unsigned long long)fvlen, n);
	for (uint32_t i = 0; i < hlen; i += 2)
		sum = (uint16_t)(sum + tv_get_le16(p + i));
	if (sum != 0)
		return tv_img_fail(err, OFF(edk2_fv_header, checksum),
				   "FV header checksum 0x%04x is wrong (0x%04x expected)",
				   tv_get_le16(p + OFF(edk2_fv_header, checksum)),
				   tv_edk2_fv_checksum(p, hlen));
	if (tv_get_le16(p + OFF(edk2_fv_header, ext_header_offset)) != 0)
		return tv_img_fail(err, OFF(edk2_fv_header, ext_header_offset),
				   "FV ExtHeaderOffset is not 0 (no extended header in an NV "
				   "variable FV)");
	if (p[OFF(edk2_fv_header, reserved)] != 0)
		return tv_img_fail(err, OFF(edk2_fv_header, reserved), "FV Reserved is not 0");
	if (p[OFF(edk2_fv_header, revision)] != 2)
		return tv_img_fail(err, OFF(edk2_fv_header, revision), "FV Revision %u is not 2",
				   p[OFF(edk2_fv_header, revision)]);
	for (off = sizeof(struct edk2_fv_header);; off += 8) {
		uint32_t nb = tv_get_le32(p + off), len = tv_get_le32(p + off + 4);

		if (nb == 0 && len == 0) {
			if (off + 8u != hlen)
				return tv_img_fail(err, off,
						   "FV block map ends at 0x%x, HeaderLength 0x%x",
						   off + 8u, hlen);
			break;
		}
		if (off + 8u >= hlen)
			return tv_img_fail(err, off, "FV block map has no {0, 0} end in the header");
		if (nb == 0 || len == 0)
			return tv_img_fail(err, off, "FV block map entry {%u, 0x%x} is empty", nb,
					   len);
		total += (uint64_t)nb * len;
	}
	if (total < fvlen)
		return tv_img_fail(err, sizeof(struct edk2_fv_header),
				   "FV block map covers 0x%llx bytes, FvLength is 0x%llx",
				   (unsigned long long)total, (unsigned long long)fvlen);
	*hlen_out = hlen;
	*fvlen_out = fvlen;
	return 0;
}

void tv_edk2_fv_build(uint8_t *h, uint64_t fv_length, uint32_t attrs, uint32_t nblocks,
		      uint32_t block_size)
{
	const uint16_t hlen = (uint16_t)FV_MIN_HEADER;

	memset(h, 0, hlen);
	memcpy(h + OFF(edk2_fv_header, file_system_guid), tv_edk2_nvdata_fv_guid, 16);
	tv_put_le64(h + OFF(edk2_fv_header, fv_length), fv_length);
	memcpy(h + OFF(edk2_fv_header, signature), "_FVH", 4);
	tv_put_le32(h + OFF(edk2_fv_header, attributes), attrs);
	tv_put_le16(h + OFF(edk2_fv_header, header_length), hlen);
	h[OFF(edk2_fv_header, revision)] = 2;
	tv_put_le32(h + sizeof(struct edk2_fv_header), nblocks);
	tv_put_le32(h + sizeof(struct edk2_fv_header) + 4, block_size);
	tv_put_le16(h + OFF(edk2_fv_header, checksum), tv_edk2_fv_checksum(h, hlen));
}

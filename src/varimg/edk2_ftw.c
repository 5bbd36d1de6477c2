/* SPDX-License-Identifier: BSD-2-Clause */
/* EDK2's fault-tolerant-write working block header: locate, verify, re-initialise. */
#include <string.h>
#include <zlib.h>

#include "varimg_priv.h"

#define FTW_HDR sizeof(struct edk2_ftw_header)

uint32_t tv_edk2_ftw_header_crc(const uint8_t h[32])
{
	uint8_t tmp[FTW_HDR];

	memcpy(tmp, h, FTW_HDR);
	memset(tmp + OFF(edk2_ftw_header, crc), 0xFF, 4);
	tmp[OFF(edk2_ftw_header, state)] = 0xFF;
	return (uint32_t)crc32(0L, tmp, (uInt)FTW_HDR);
}

int tv_edk2_ftw_locate(const uint8_t *p, uint64_t from, uint64_t fv_end, uint64_t *ftw_off,
		       uint64_t *queue_size, struct tv_img_error *err)
{
	uint64_t off, q, crc;
	const uint8_t *h;

	for (off = from; off < fv_end && p[off] == 0xFF; off++)
		;
	if (off == fv_end)
		return 0; /* no working block in the FV */
	if ((off & 7) != 0 || off + 16 > fv_end || memcmp(p + off, tv_edk2_ftw_guid, 16) != 0)
		return tv_img_fail(err, off,
				   "byte 0x%02x after the variable store is neither 0xFF nor the "
				   "start of the FTW working block",
				   p[off]);
	if (FTW_HDR > fv_end - off)
		return tv_img_fail(err, fv_end, "truncated: the FTW working block header at "
						"0x%llx overruns the FV",
				   (unsigned long long)off);
	h = p + off;
	crc = tv_edk2_ftw_header_crc(h);
	if (tv_get_le32(h + OFF(edk2_ftw_header, crc)) != crc)
		return tv_img_fail(err, off + OFF(edk2_ftw_header, crc),
				   "FTW working block Crc 0x%08x is wrong (0x%08llx expected)",
				   tv_get_le32(h + OFF(edk2_ftw_header, crc)), (unsigned long long)crc);
	if (h[OFF(edk2_ftw_header, state)] != EDK2_FTW_STATE_VALID)
		return tv_img_fail(err, off + OFF(edk2_ftw_header, state),
				   "FTW working block state 0x%02x is not 0xFE (valid)",
				   h[OFF(edk2_ftw_header, state)]);
	for (int i = 0; i < 3; i++)
		if (h[OFF(edk2_ftw_header, reserved) + i] != 0xFF)
			return tv_img_fail(err, off + OFF(edk2_ftw_header, reserved) + i,
					   "FTW working block Reserved is not 0xFF");
	q = tv_get_le64(h + OFF(edk2_ftw_header, write_queue_size));
	if (q > fv_end - off - FTW_HDR)
		return tv_img_fail(err, off + OFF(edk2_ftw_header, write_queue_size),
				   "FTW WriteQueueSize 0x%llx overruns the FV",
				   (unsigned long long)q);
	*ftw_off = off;
	*queue_size = q;
	return 1;
}

void tv_edk2_ftw_init(uint8_t *h, uint64_t queue_size)
{
	memcpy(h, tv_edk2_ftw_guid, 16);
	h[OFF(edk2_ftw_header, state)] = 0xFF;
	memset(h + OFF(edk2_ftw_header, reserved), 0xFF, 3);
	tv_put_le64(h + OFF(edk2_ftw_header, write_queue_size), queue_size);
	tv_put_le32(h + OFF(edk2_ftw_header, crc), tv_edk2_ftw_header_crc(h));
	h[OFF(edk2_ftw_header, state)] = EDK2_FTW_STATE_VALID;
	memset(h + FTW_HDR, 0xFF, queue_size);
}

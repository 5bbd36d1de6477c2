/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the on-RPMB store format parsers (store_format.h),
 * tv_rec_decode and tv_sb_decode, with a fixed store key. The RPMB content is
 * MAC-authenticated, but the parser runs on it before the MAC is checked, and a
 * compromised normal world that controls the route can replay any block it saw.
 *
 * Byte 0 selects the mode:
 *   0: tv_rec_decode on the rest, as is (mostly stops at the MAC);
 *   1: tv_rec_decode after re-MACing the header/body with the harness key, so
 *      the fuzzer gets past the MAC to the rest of the parser;
 *   2: tv_sb_decode on 256 bytes as is;
 *   3: tv_sb_decode after re-MACing.
 * Every record that decodes is encoded again and must match byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_format.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[32] = {
	0x4b, 0x65, 0x79, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x69, 0x6e, 0x67, 0x21,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* Sets the MAC of a record whose header is at buf, given the body length the
 * header claims (clamped to what is available). */
static void remac_record(uint8_t *buf, size_t avail)
{
	if (avail < TV_REC_HDR_SIZE)
		return;
	size_t name_size = tv_get_le16(buf + 2);
	size_t data_size = tv_get_le32(buf + 4);
	size_t body = tv_rec_size(buf[1], name_size, data_size) - TV_REC_HDR_SIZE;
	if (body > avail - TV_REC_HDR_SIZE)
		body = avail - TV_REC_HDR_SIZE;
	struct tv_hmac h;
	uint8_t mac[TV_SHA256_SIZE];
	if (tv_hmac_init(&h, key, sizeof(key)) != TV_OK)
		return;
	if (tv_hmac_update(&h, buf, 36) != TV_OK ||
	    tv_hmac_update(&h, buf + TV_REC_HDR_SIZE, body) != TV_OK) {
		tv_hmac_abort(&h);
		return;
	}
	if (tv_hmac_final(&h, mac) == TV_OK)
		memcpy(buf + 36, mac, TV_REC_MAC_SIZE);
}

static void fuzz_rec(const uint8_t *data, size_t size, bool remac)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return;
	memcpy(buf, data, size);
	if (remac)
		remac_record(buf, size);
	struct tv_rec r;
	size_t rsize = 0;
	if (tv_rec_decode(key, buf, size, &r, &rsize) == TV_OK) {
		if (rsize > size || rsize != tv_rec_size(r.type, r.name_size, r.data_size) ||
		    r.name < buf || r.name + r.name_size > buf + size ||
		    (r.data_size && (r.data < buf || r.data + r.data_size > buf + size)))
			__builtin_trap();
		uint8_t *out = malloc(rsize);
		if (out) {
			if (tv_rec_encode(key, &r, out) != TV_OK || memcmp(out, buf, rsize) != 0)
				__builtin_trap();
			free(out);
		}
	}
	free(buf);
}

static void fuzz_sb(const uint8_t *data, size_t size, bool remac)
{
	if (size < 256)
		return;
	uint8_t *buf = malloc(256);
	if (!buf)
		return;
	memcpy(buf, data, 256);
	if (remac)
		(void)tv_hmac_sha256(key, sizeof(key), buf, 224, buf + 224);
	struct tv_superblock sb;
	if (tv_sb_decode(key, buf, &sb) == TV_OK) {
		uint8_t out[256];
		tv_sb_encode(key, &sb, out);
		/* Bytes 36..223 are reserved: compare the defined fields and the MAC
		 * only when the encoder zeroes the reserved area. */
		if (memcmp(out, buf, 36) != 0)
			__builtin_trap();
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	switch (sel % 4) {
	case 0: fuzz_rec(data, size, false); break;
	case 1: fuzz_rec(data, size, true); break;
	case 2: fuzz_sb(data, size, false); break;
	case 3: fuzz_sb(data, size, true); break;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the on-RPMB store format parsers (store_format.h),
 * tv_rec_decode / tv_rec_decode_header, tv_sb_decode and tv_ckpt_decode /
 * tv_ckpt_decode_header, with a fixed store key. The RPMB content is
 * MAC-authenticated, but the parser runs on it before the MAC is checked, and a
 * compromised normal world that controls the route can replay any block it saw.
 *
 * Byte 0 selects the mode (modulo 6):
 *   0: tv_rec_decode on the rest, as is (mostly stops at the MAC);
 *   1: tv_rec_decode after re-MACing with the harness key (format 2: the header
 *      check at 36 and the 12-byte MAC at 40; format 1, magic 0x7E: the 16-byte
 *      MAC at 36), so the fuzzer gets past the MAC to the rest of the parser;
 *   2: tv_sb_decode on 256 bytes as is;
 *   3: tv_sb_decode after re-MACing;
 *   4: tv_ckpt_decode on the rest, as is;
 *   5: tv_ckpt_decode after re-MACing the header check (bytes 28..31) and, if
 *      the blocks the header claims are there, the trailing 32-byte MAC.
 * Every record that decodes is encoded again and must match byte for byte (a
 * format-1 record: its fields and body, as the encoder writes format 2); its
 * header, if format 2, must pass tv_rec_decode_header with the same fields. A
 * checkpoint that decodes must pass tv_ckpt_decode_header with the same fields,
 * hold what its blocks can, and re-encode to the same bytes (all of them when
 * the unused bytes before the MAC are zero, as the encoder writes them).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_format.h"
#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BLK 256u

static const uint8_t key[32] = {
	0x4b, 0x65, 0x79, 0x20, 0x66, 0x6f, 0x72, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x69, 0x6e, 0x67, 0x21,
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* HMAC(key, prefix || a || b) into mac; false on an error. */
static bool mac3(const char *prefix, const uint8_t *a, size_t alen, const uint8_t *b,
		 size_t blen, uint8_t mac[TV_SHA256_SIZE])
{
	struct tv_hmac h;
	if (tv_hmac_init(&h, key, sizeof(key)) != TV_OK)
		return false;
	if ((prefix && tv_hmac_update(&h, prefix, strlen(prefix)) != TV_OK) ||
	    tv_hmac_update(&h, a, alen) != TV_OK || (blen && tv_hmac_update(&h, b, blen) != TV_OK)) {
		tv_hmac_abort(&h);
		return false;
	}
	return tv_hmac_final(&h, mac) == TV_OK;
}

/* Sets the checks of a record whose header is at buf, given the body length the
 * header claims (clamped to what is available): format 1 (magic 0x7E) its
 * 16-byte MAC at 36, anything else the format-2 header check at 36 and 12-byte
 * MAC at 40. */
static void remac_record(uint8_t *buf, size_t avail)
{
	if (avail < TV_REC_HDR_SIZE)
		return;
	size_t name_size = tv_get_le16(buf + 2);
	size_t data_size = tv_get_le32(buf + 4);
	size_t body = tv_rec_size(buf[1], name_size, data_size) - TV_REC_HDR_SIZE;
	if (body > avail - TV_REC_HDR_SIZE)
		body = avail - TV_REC_HDR_SIZE;
	uint8_t mac[TV_SHA256_SIZE];
	if (buf[0] == TV_REC_MAGIC_V1) {
		if (mac3(NULL, buf, 36, buf + TV_REC_HDR_SIZE, body, mac))
			memcpy(buf + 36, mac, 16);
		return;
	}
	if (!mac3("H", buf, 36, NULL, 0, mac))
		return;
	memcpy(buf + 36, mac, 4);
	if (mac3(NULL, buf, 40, buf + TV_REC_HDR_SIZE, body, mac))
		memcpy(buf + 40, mac, 12);
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
			if (tv_rec_encode(key, &r, out) != TV_OK)
				__builtin_trap();
			if (buf[0] == TV_REC_MAGIC ? memcmp(out, buf, rsize) != 0
						   : memcmp(out + 1, buf + 1, 35) != 0 ||
						     memcmp(out + TV_REC_HDR_SIZE, buf + TV_REC_HDR_SIZE,
							    rsize - TV_REC_HDR_SIZE) != 0)
				__builtin_trap();
			free(out);
		}
		struct tv_rec h;
		int hrc = tv_rec_decode_header(key, buf, size, &h);
		if ((buf[0] == TV_REC_MAGIC) != (hrc == TV_OK))
			__builtin_trap();
		if (hrc == TV_OK &&
		    (h.type != r.type || h.seq != r.seq || h.attrs != r.attrs ||
		     h.name_size != r.name_size || h.data_size != r.data_size ||
		     memcmp(h.guid, r.guid, TV_GUID_SIZE) != 0))
			__builtin_trap();
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
		/* The rest up to byte 223 is reserved (format 1: from byte 36):
		 * compare the defined fields. */
		size_t n = sb.version == TV_SB_VERSION ? 48 : 36;
		if (memcmp(out, buf, n) != 0 || (sb.version == TV_SB_VERSION_V1 && sb.ckpt_blocks))
			__builtin_trap();
	}
	free(buf);
}

/* Sets the header check and, when nblocks blocks are there, the trailing MAC. */
static void remac_ckpt(uint8_t *buf, size_t avail)
{
	uint8_t mac[TV_SHA256_SIZE];
	if (avail < BLK || !mac3("C", buf, 28, NULL, 0, mac))
		return;
	memcpy(buf + 28, mac, 4);
	size_t n = (size_t)tv_get_le16(buf + 4) * BLK;
	if (n && n <= avail && mac3(NULL, buf, n - TV_CKPT_MAC_SIZE, NULL, 0, mac))
		memcpy(buf + n - TV_CKPT_MAC_SIZE, mac, sizeof(mac));
}

static void fuzz_ckpt(const uint8_t *data, size_t size, bool remac)
{
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return;
	memcpy(buf, data, size);
	if (remac)
		remac_ckpt(buf, size);
	struct tv_ckpt c, h;
	memset(&c, 0, sizeof(c));
	if (tv_ckpt_decode(key, buf, size, &c) != TV_OK) {
		free(buf);
		return;
	}
	size_t n = (size_t)c.nblocks * BLK;
	size_t used = TV_CKPT_HDR_SIZE + 2u * (size_t)c.nplan + TV_CKPT_RUN_SIZE * (size_t)c.nruns;
	if (c.nblocks == 0 || n > size || used + TV_CKPT_MAC_SIZE > n ||
	    tv_ckpt_blocks(c.nplan, c.nruns) > c.nblocks)
		__builtin_trap();
	for (uint32_t i = 0; i < c.nruns; i++)
		if (c.runs[i].offset >= BLK || c.runs[i].blocks == 0 || c.runs[i].records == 0)
			__builtin_trap();
	/* The header alone says the same. */
	if (tv_ckpt_decode_header(key, buf, &h) != TV_OK || h.nblocks != c.nblocks ||
	    h.counter != c.counter || h.head_seg != c.head_seg || h.head_pos != c.head_pos ||
	    h.run_blocks != c.run_blocks || h.nplan != c.nplan || h.nruns != c.nruns)
		__builtin_trap();
	uint8_t *out = malloc(n);
	if (out) {
		/* One encoding per checkpoint: every byte, MAC included. */
		if (tv_ckpt_encode(key, &c, out) != TV_OK || memcmp(out, buf, n) != 0)
			__builtin_trap();
		free(out);
	}
	tv_ckpt_free(&c);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	data++;
	size--;
	switch (sel % 6) {
	case 0: fuzz_rec(data, size, false); break;
	case 1: fuzz_rec(data, size, true); break;
	case 2: fuzz_sb(data, size, false); break;
	case 3: fuzz_sb(data, size, true); break;
	case 4: fuzz_ckpt(data, size, false); break;
	case 5: fuzz_ckpt(data, size, true); break;
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
#include "store_format.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"

#define SB_MAGIC "TVSTORE1"
#define SB_MAC_OFF 224u
#define CKPT_MAGIC "TVCK"
#define CKPT_VERSION 1u
#define BLK 256u

/* ---- records ---- */

/* HMAC(key, prefix || a || b), for the records' and checkpoints' checks. */
static int mac3(const uint8_t key[32], const char *prefix, const uint8_t *a, size_t alen,
		const uint8_t *b, size_t blen, uint8_t mac[TV_SHA256_SIZE])
{
	struct tv_hmac h;
	int rc = tv_hmac_init(&h, key, 32);
	if (rc == TV_OK && prefix)
		rc = tv_hmac_update(&h, prefix, strlen(prefix));
	if (rc == TV_OK)
		rc = tv_hmac_update(&h, a, alen);
	if (rc == TV_OK && blen)
		rc = tv_hmac_update(&h, b, blen);
	if (rc == TV_OK)
		return tv_hmac_final(&h, mac);
	tv_hmac_abort(&h);
	return rc;
}

int tv_rec_encode(const uint8_t key[32], const struct tv_rec *r, uint8_t *out)
{
	size_t size = tv_rec_size(r->type, r->name_size, r->data_size);
	out[0] = TV_REC_MAGIC;
	out[1] = r->type;
	tv_put_le16(out + 2, r->name_size);
	tv_put_le32(out + 4, r->data_size);
	tv_put_le64(out + 8, r->seq);
	memcpy(out + 16, r->guid, TV_GUID_SIZE);
	tv_put_le32(out + 32, r->attrs);
	uint8_t *body = out + TV_REC_HDR_SIZE;
	if (r->type == TV_REC_AUTHVAR) {
		memcpy(body, r->ext.timestamp, sizeof(r->ext.timestamp));
		memcpy(body + 16, r->ext.signer, sizeof(r->ext.signer));
		body += TV_REC_EXT_SIZE;
	}
	memcpy(body, r->name, r->name_size);
	if (r->data_size)
		memcpy(body + r->name_size, r->data, r->data_size);
	uint8_t mac[TV_SHA256_SIZE];
	int rc = mac3(key, "H", out, 36, NULL, 0, mac);
	memcpy(out + 36, mac, 4);
	if (rc == TV_OK)
		rc = mac3(key, NULL, out, 40, out + TV_REC_HDR_SIZE, size - TV_REC_HDR_SIZE, mac);
	memcpy(out + 40, mac, 12);
	return rc;
}

static bool name_ok(const uint8_t *name, size_t size)
{
	return size >= 2 && size % 2 == 0 && name[size - 2] == 0 && name[size - 1] == 0;
}

/* The fields every header must have right, whatever its format. */
static int header_fields(const uint8_t *buf, size_t avail, struct tv_rec *r, size_t *total)
{
	if (avail < TV_REC_HDR_SIZE || (buf[0] != TV_REC_MAGIC && buf[0] != TV_REC_MAGIC_V1))
		return TV_ECORRUPT;
	uint8_t type = buf[1];
	if (type != TV_REC_VAR && type != TV_REC_DEL && type != TV_REC_AUTHVAR)
		return TV_ECORRUPT;
	uint16_t name_size = tv_get_le16(buf + 2);
	uint32_t data_size = tv_get_le32(buf + 4);
	if (type == TV_REC_DEL && data_size != 0)
		return TV_ECORRUPT;
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->name_size = name_size;
	r->data_size = data_size;
	r->seq = tv_get_le64(buf + 8);
	memcpy(r->guid, buf + 16, TV_GUID_SIZE);
	r->attrs = tv_get_le32(buf + 32);
	*total = tv_rec_size(type, name_size, data_size);
	return TV_OK;
}

int tv_rec_decode_header(const uint8_t key[32], const uint8_t *buf, size_t avail,
			 struct tv_rec *r)
{
	size_t total;
	uint8_t mac[TV_SHA256_SIZE];
	if (header_fields(buf, avail, r, &total) != TV_OK || buf[0] != TV_REC_MAGIC ||
	    mac3(key, "H", buf, 36, NULL, 0, mac) != TV_OK || CRYPTO_memcmp(mac, buf + 36, 4) != 0)
		return TV_ECORRUPT;
	return TV_OK;
}

int tv_rec_decode(const uint8_t key[32], const uint8_t *buf, size_t avail, struct tv_rec *r,
		  size_t *size)
{
	size_t total;
	if (header_fields(buf, avail, r, &total) != TV_OK || total > avail)
		return TV_ECORRUPT;
	uint8_t mac[TV_SHA256_SIZE];
	const uint8_t *body = buf + TV_REC_HDR_SIZE;
	if (buf[0] == TV_REC_MAGIC) {
		if (tv_rec_decode_header(key, buf, avail, r) != TV_OK ||
		    mac3(key, NULL, buf, 40, body, total - TV_REC_HDR_SIZE, mac) != TV_OK ||
		    CRYPTO_memcmp(mac, buf + 40, 12) != 0)
			return TV_ECORRUPT;
	} else if (mac3(key, NULL, buf, 36, body, total - TV_REC_HDR_SIZE, mac) != TV_OK ||
		   CRYPTO_memcmp(mac, buf + 36, 16) != 0) {
		return TV_ECORRUPT;
	}
	if (r->type == TV_REC_AUTHVAR) {
		memcpy(r->ext.timestamp, body, sizeof(r->ext.timestamp));
		memcpy(r->ext.signer, body + 16, sizeof(r->ext.signer));
		body += TV_REC_EXT_SIZE;
	}
	r->name = body;
	r->data = body + r->name_size;
	if (!name_ok(r->name, r->name_size))
		return TV_ECORRUPT; /* authentic, yet not something we write: refuse */
	*size = total;
	return TV_OK;
}

/* ---- superblock ---- */

void tv_sb_encode(const uint8_t key[32], const struct tv_superblock *sb, uint8_t out[256])
{
	memset(out, 0, 256);
	memcpy(out, SB_MAGIC, 8);
	tv_put_le32(out + 8, sb->version);
	tv_put_le32(out + 12, sb->seg_blocks);
	tv_put_le32(out + 16, sb->seg_count);
	memcpy(out + 20, sb->store_id, sizeof(sb->store_id));
	if (sb->version >= 2) {
		tv_put_le32(out + 36, sb->ckpt_blocks);
		tv_put_le32(out + 40, sb->format_counter);
		tv_put_le32(out + 44, sb->write_blocks);
	}
	tv_hmac_sha256(key, 32, out, SB_MAC_OFF, out + SB_MAC_OFF);
}

int tv_sb_decode(const uint8_t key[32], const uint8_t in[256], struct tv_superblock *sb)
{
	uint8_t mac[TV_SHA256_SIZE];
	if (memcmp(in, SB_MAGIC, 8) != 0 ||
	    tv_hmac_sha256(key, 32, in, SB_MAC_OFF, mac) != TV_OK ||
	    CRYPTO_memcmp(mac, in + SB_MAC_OFF, sizeof(mac)) != 0)
		return TV_ECORRUPT;
	memset(sb, 0, sizeof(*sb));
	sb->version = tv_get_le32(in + 8);
	sb->seg_blocks = tv_get_le32(in + 12);
	sb->seg_count = tv_get_le32(in + 16);
	memcpy(sb->store_id, in + 20, sizeof(sb->store_id));
	if (sb->version == TV_SB_VERSION) {
		sb->ckpt_blocks = tv_get_le32(in + 36);
		sb->format_counter = tv_get_le32(in + 40);
		sb->write_blocks = tv_get_le32(in + 44);
	}
	return sb->version == TV_SB_VERSION || sb->version == TV_SB_VERSION_V1 ? TV_OK
									      : TV_ECORRUPT;
}

/* ---- checkpoints ---- */

uint32_t tv_ckpt_blocks(uint32_t nplan, uint32_t nruns)
{
	uint64_t bytes = TV_CKPT_HDR_SIZE + 2ull * nplan + (uint64_t)TV_CKPT_RUN_SIZE * nruns +
			 TV_CKPT_MAC_SIZE;
	return (uint32_t)((bytes + BLK - 1) / BLK);
}

int tv_ckpt_encode(const uint8_t key[32], const struct tv_ckpt *c, uint8_t *out)
{
	size_t size = (size_t)c->nblocks * BLK;
	if (c->nblocks == 0 || tv_ckpt_blocks(c->nplan, c->nruns) > c->nblocks)
		return TV_EINVAL;
	memset(out, 0, size);
	memcpy(out, CKPT_MAGIC, 4);
	tv_put_le16(out + 4, c->nblocks);
	tv_put_le16(out + 6, CKPT_VERSION);
	tv_put_le32(out + 8, c->counter);
	tv_put_le32(out + 12, c->head_seg);
	tv_put_le32(out + 16, c->head_pos);
	tv_put_le16(out + 20, c->nplan);
	tv_put_le16(out + 22, c->nruns);
	tv_put_le32(out + 24, c->run_blocks);
	uint8_t mac[TV_SHA256_SIZE];
	int rc = mac3(key, "C", out, 28, NULL, 0, mac);
	memcpy(out + 28, mac, 4);
	uint8_t *p = out + TV_CKPT_HDR_SIZE;
	for (uint32_t i = 0; i < c->nplan; i++, p += 2)
		tv_put_le16(p, c->plan[i]);
	for (uint32_t i = 0; i < c->nruns; i++, p += TV_CKPT_RUN_SIZE) {
		tv_put_le16(p, c->runs[i].block);
		tv_put_le16(p + 2, c->runs[i].offset);
		tv_put_le16(p + 4, c->runs[i].blocks);
		tv_put_le16(p + 6, c->runs[i].records);
	}
	if (rc == TV_OK)
		rc = tv_hmac_sha256(key, 32, out, size - TV_CKPT_MAC_SIZE,
				    out + size - TV_CKPT_MAC_SIZE);
	return rc;
}

int tv_ckpt_decode_header(const uint8_t key[32], const uint8_t in[256], struct tv_ckpt *c)
{
	uint8_t mac[TV_SHA256_SIZE];
	if (memcmp(in, CKPT_MAGIC, 4) != 0 || tv_get_le16(in + 6) != CKPT_VERSION ||
	    mac3(key, "C", in, 28, NULL, 0, mac) != TV_OK || CRYPTO_memcmp(mac, in + 28, 4) != 0)
		return TV_ECORRUPT;
	memset(c, 0, sizeof(*c));
	c->nblocks = tv_get_le16(in + 4);
	c->counter = tv_get_le32(in + 8);
	c->head_seg = tv_get_le32(in + 12);
	c->head_pos = tv_get_le32(in + 16);
	c->nplan = tv_get_le16(in + 20);
	c->nruns = tv_get_le16(in + 22);
	c->run_blocks = tv_get_le32(in + 24);
	if (c->nblocks == 0 || tv_ckpt_blocks(c->nplan, c->nruns) > c->nblocks)
		return TV_ECORRUPT;
	return TV_OK;
}

int tv_ckpt_decode(const uint8_t key[32], const uint8_t *in, size_t avail, struct tv_ckpt *c)
{
	uint8_t mac[TV_SHA256_SIZE];
	if (avail < BLK || tv_ckpt_decode_header(key, in, c) != TV_OK)
		return TV_ECORRUPT;
	size_t size = (size_t)c->nblocks * BLK;
	if (size > avail || tv_hmac_sha256(key, 32, in, size - TV_CKPT_MAC_SIZE, mac) != TV_OK ||
	    CRYPTO_memcmp(mac, in + size - TV_CKPT_MAC_SIZE, sizeof(mac)) != 0)
		return TV_ECORRUPT;
	c->plan = malloc(((size_t)c->nplan + 1) * sizeof(*c->plan));
	c->runs = malloc(((size_t)c->nruns + 1) * sizeof(*c->runs));
	if (!c->plan || !c->runs) {
		tv_ckpt_free(c);
		return TV_ENOMEM;
	}
	const uint8_t *p = in + TV_CKPT_HDR_SIZE;
	for (uint32_t i = 0; i < c->nplan; i++, p += 2)
		c->plan[i] = tv_get_le16(p);
	for (uint32_t i = 0; i < c->nruns; i++, p += TV_CKPT_RUN_SIZE) {
		c->runs[i].block = tv_get_le16(p);
		c->runs[i].offset = tv_get_le16(p + 2);
		c->runs[i].blocks = tv_get_le16(p + 4);
		c->runs[i].records = tv_get_le16(p + 6);
		if (c->runs[i].offset >= BLK || c->runs[i].blocks == 0 || c->runs[i].records == 0) {
			tv_ckpt_free(c);
			return TV_ECORRUPT;
		}
	}
	/* What follows the runs up to the MAC is zero, as written: one
	 * checkpoint, one encoding. */
	for (const uint8_t *z = p; z < in + size - TV_CKPT_MAC_SIZE; z++)
		if (*z) {
			tv_ckpt_free(c);
			return TV_ECORRUPT;
		}
	return TV_OK;
}

void tv_ckpt_free(struct tv_ckpt *c)
{
	free(c->plan);
	free(c->runs);
	c->plan = NULL;
	c->runs = NULL;
}

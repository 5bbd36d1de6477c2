/* SPDX-License-Identifier: BSD-2-Clause */
#include "store_format.h"

#include <string.h>

#include <openssl/crypto.h>

#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"

#define SB_MAGIC "TVSTORE1"
#define SB_MAC_OFF 224u

static int rec_mac(const uint8_t key[32], const uint8_t *rec, size_t size,
		   uint8_t mac[TV_SHA256_SIZE])
{
	struct tv_hmac h;
	int rc = tv_hmac_init(&h, key, 32);
	if (rc == TV_OK)
		rc = tv_hmac_update(&h, rec, 36);
	if (rc == TV_OK)
		rc = tv_hmac_update(&h, rec + TV_REC_HDR_SIZE, size - TV_REC_HDR_SIZE);
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
	int rc = rec_mac(key, out, size, mac);
	memcpy(out + 36, mac, TV_REC_MAC_SIZE);
	return rc;
}

static bool name_ok(const uint8_t *name, size_t size)
{
	return size >= 2 && size % 2 == 0 && name[size - 2] == 0 && name[size - 1] == 0;
}

int tv_rec_decode(const uint8_t key[32], const uint8_t *buf, size_t avail, struct tv_rec *r,
		  size_t *size)
{
	if (avail < TV_REC_HDR_SIZE || buf[0] != TV_REC_MAGIC)
		return TV_ECORRUPT;
	uint8_t type = buf[1];
	if (type != TV_REC_VAR && type != TV_REC_DEL && type != TV_REC_AUTHVAR)
		return TV_ECORRUPT;
	uint16_t name_size = tv_get_le16(buf + 2);
	uint32_t data_size = tv_get_le32(buf + 4);
	if (data_size > avail || (type == TV_REC_DEL && data_size != 0))
		return TV_ECORRUPT;
	size_t total = tv_rec_size(type, name_size, data_size);
	if (total > avail)
		return TV_ECORRUPT;
	uint8_t mac[TV_SHA256_SIZE];
	if (rec_mac(key, buf, total, mac) != TV_OK ||
	    CRYPTO_memcmp(mac, buf + 36, TV_REC_MAC_SIZE) != 0)
		return TV_ECORRUPT;
	const uint8_t *body = buf + TV_REC_HDR_SIZE;
	r->type = type;
	r->seq = tv_get_le64(buf + 8);
	memcpy(r->guid, buf + 16, TV_GUID_SIZE);
	r->attrs = tv_get_le32(buf + 32);
	if (type == TV_REC_AUTHVAR) {
		memcpy(r->ext.timestamp, body, sizeof(r->ext.timestamp));
		memcpy(r->ext.signer, body + 16, sizeof(r->ext.signer));
		body += TV_REC_EXT_SIZE;
	} else {
		memset(&r->ext, 0, sizeof(r->ext));
	}
	r->name = body;
	r->name_size = name_size;
	r->data = body + name_size;
	r->data_size = data_size;
	if (!name_ok(r->name, name_size))
		return TV_ECORRUPT; /* authentic, yet not something we write: refuse */
	*size = total;
	return TV_OK;
}

void tv_sb_encode(const uint8_t key[32], const struct tv_superblock *sb, uint8_t out[256])
{
	memset(out, 0, 256);
	memcpy(out, SB_MAGIC, 8);
	tv_put_le32(out + 8, sb->version);
	tv_put_le32(out + 12, sb->seg_blocks);
	tv_put_le32(out + 16, sb->seg_count);
	memcpy(out + 20, sb->store_id, sizeof(sb->store_id));
	tv_hmac_sha256(key, 32, out, SB_MAC_OFF, out + SB_MAC_OFF);
}

int tv_sb_decode(const uint8_t key[32], const uint8_t in[256], struct tv_superblock *sb)
{
	uint8_t mac[TV_SHA256_SIZE];
	if (memcmp(in, SB_MAGIC, 8) != 0 ||
	    tv_hmac_sha256(key, 32, in, SB_MAC_OFF, mac) != TV_OK ||
	    CRYPTO_memcmp(mac, in + SB_MAC_OFF, sizeof(mac)) != 0)
		return TV_ECORRUPT;
	sb->version = tv_get_le32(in + 8);
	sb->seg_blocks = tv_get_le32(in + 12);
	sb->seg_count = tv_get_le32(in + 16);
	memcpy(sb->store_id, in + 20, sizeof(sb->store_id));
	return sb->version == TV_SB_VERSION ? TV_OK : TV_ECORRUPT;
}

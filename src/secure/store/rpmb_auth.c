/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tv_bytes.h"
#include "tv_err.h"

#define DEFAULT_MAX_READ_BLOCKS 256u

static uint8_t *frame_at(uint8_t *frames, size_t i)
{
	return frames + i * RPMB_FRAME_SIZE;
}

/* A failure result the device signed: map it to an error. */
static int result_error(struct tv_rpmb *r, uint16_t result)
{
	if (result & RPMB_RES_COUNTER_EXPIRED)
		r->expired = true;
	switch (result & RPMB_RES_MASK) {
	case RPMB_RES_OK:
		return TV_OK;
	case RPMB_RES_WRITE_FAILURE:
		return (result & RPMB_RES_COUNTER_EXPIRED) ? TV_EEXPIRED : TV_EDEVICE;
	case RPMB_RES_AUTH_FAILURE: /* our key is verified: the frames were altered */
		return TV_EAUTH;
	case RPMB_RES_ADDRESS_FAILURE:
		return TV_ERANGE;
	default:
		return TV_EDEVICE;
	}
}

static int verify_failed(struct tv_rpmb *r)
{
	r->stats.verify_failures++;
	return TV_EAUTH;
}

static int read_counter_frame(struct tv_rpmb *r, uint8_t resp[RPMB_FRAME_SIZE])
{
	uint8_t req[RPMB_FRAME_SIZE] = {0};
	uint8_t *nonce = req + RPMB_OFF_NONCE;
	if (RAND_bytes(nonce, RPMB_NONCE_SIZE) != 1)
		return TV_EIO;
	tv_put_be16(req + RPMB_OFF_TYPE, RPMB_REQ_READ_COUNTER);
	r->stats.counter_reads++;
	int rc = rpmb_dev_route(&r->dev, req, 1, resp, 1);
	if (rc != TV_OK)
		return TV_EIO;
	if (rpmb_frame_type(resp) != RPMB_RESP_TYPE(RPMB_REQ_READ_COUNTER) ||
	    CRYPTO_memcmp(resp + RPMB_OFF_NONCE, nonce, RPMB_NONCE_SIZE) != 0)
		return verify_failed(r);
	return TV_OK;
}

/* Checks a counter response whose type and nonce already matched. */
static int verify_counter(struct tv_rpmb *r, const uint8_t resp[RPMB_FRAME_SIZE])
{
	uint16_t result = rpmb_frame_result(resp);
	if ((result & RPMB_RES_MASK) == RPMB_RES_NO_KEY)
		return TV_EKEY; /* unsigned answer: never trusted after open */
	if (!rpmb_mac_verify(r->key, resp, 1)) {
		r->stats.verify_failures++;
		return TV_EKEY;
	}
	int rc = result_error(r, result);
	if (rc != TV_OK)
		return rc;
	r->counter = tv_get_be32(resp + RPMB_OFF_COUNTER);
	r->counter_known = true;
	if (r->counter == UINT32_MAX)
		r->expired = true;
	return TV_OK;
}

int tv_rpmb_read_counter(struct tv_rpmb *r, uint32_t *counter)
{
	uint8_t resp[RPMB_FRAME_SIZE];
	int rc = read_counter_frame(r, resp);
	if (rc == TV_OK)
		rc = verify_counter(r, resp);
	if (rc == TV_OK && counter)
		*counter = r->counter;
	return rc;
}

static int program_key(struct tv_rpmb *r, const struct tv_rpmb_config *cfg)
{
	if (cfg->before_key_program) {
		int rc = cfg->before_key_program(cfg->before_key_arg, r->info.cid);
		if (rc != TV_OK)
			return rc;
	}
	uint8_t req[RPMB_FRAME_SIZE] = {0}, resp[RPMB_FRAME_SIZE];
	memcpy(req + RPMB_OFF_KEY_MAC, r->key, RPMB_KEY_SIZE);
	tv_put_be16(req + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	int rc = rpmb_dev_route(&r->dev, req, 1, resp, 1);
	OPENSSL_cleanse(req, sizeof(req));
	if (rc != TV_OK)
		return TV_EIO;
	if (rpmb_frame_type(resp) != RPMB_RESP_TYPE(RPMB_REQ_PROGRAM_KEY))
		return verify_failed(r);
	if ((rpmb_frame_result(resp) & RPMB_RES_MASK) != RPMB_RES_OK)
		return TV_EDEVICE;
	r->key_programmed_now = true;
	/* The key response is unsigned: only a signed counter read proves it. */
	return tv_rpmb_read_counter(r, NULL);
}

static int check_info(const struct rpmb_dev_info *info)
{
	/* Addresses are 16 bits: 128 x 128 KiB = 65536 blocks is all RPMB can reach. */
	if (info->size_mult == 0 || info->size_mult > 128 || info->rel_wr_sec_c == 0 ||
	    info->rel_wr_sec_c > 32)
		return TV_EINVAL;
	return TV_OK;
}

int tv_rpmb_open(struct tv_rpmb *r, struct rpmb_dev dev, const uint8_t huk[TV_HUK_SIZE],
		 const struct tv_rpmb_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->dev = dev;
	r->max_read_blocks = cfg && cfg->max_read_blocks ? cfg->max_read_blocks
							 : DEFAULT_MAX_READ_BLOCKS;
	r->max_write_blocks = cfg ? cfg->max_write_blocks : 0;
	int rc = rpmb_dev_get_info(&r->dev, &r->info);
	if (rc == TV_OK)
		rc = check_info(&r->info);
	if (rc == TV_OK)
		rc = tv_rpmb_key_derive(huk, r->info.cid, r->key);
	uint8_t resp[RPMB_FRAME_SIZE];
	if (rc == TV_OK)
		rc = read_counter_frame(r, resp);
	if (rc == TV_OK) {
		bool no_key = (rpmb_frame_result(resp) & RPMB_RES_MASK) == RPMB_RES_NO_KEY;
		if (no_key && !(cfg && cfg->allow_key_program))
			rc = TV_EKEY;
		else if (no_key)
			rc = program_key(r, cfg);
		else
			rc = verify_counter(r, resp);
	}
	/* Before this open the route may have kept frames signed for the current
	 * counter (a write withheld before a restart): the first write must be
	 * read back like any write after an unsettled one. */
	r->unsettled = true;
	if (rc != TV_OK)
		tv_rpmb_close(r);
	return rc;
}

void tv_rpmb_close(struct tv_rpmb *r)
{
	rpmb_dev_close(&r->dev);
	OPENSSL_cleanse(r->key, sizeof(r->key));
}

uint32_t tv_rpmb_blocks(const struct tv_rpmb *r)
{
	return rpmb_info_blocks(&r->info);
}

uint32_t tv_rpmb_write_blocks(const struct tv_rpmb *r)
{
	uint32_t n = rpmb_info_write_blocks(&r->info);
	return r->max_write_blocks && r->max_write_blocks < n ? r->max_write_blocks : n;
}

static int check_range(const struct tv_rpmb *r, uint32_t addr, uint32_t n)
{
	if (n == 0 || addr >= tv_rpmb_blocks(r) || n > tv_rpmb_blocks(r) - addr)
		return TV_ERANGE;
	return TV_OK;
}

/* Every frame of a read response must carry our nonce, the address, the type. */
static int verify_read(struct tv_rpmb *r, uint8_t *resp, uint32_t addr, uint32_t n,
		       const uint8_t *nonce)
{
	if (!rpmb_mac_verify(r->key, resp, n))
		return verify_failed(r);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *f = frame_at(resp, i);
		if (rpmb_frame_type(f) != RPMB_RESP_TYPE(RPMB_REQ_READ) ||
		    tv_get_be16(f + RPMB_OFF_ADDRESS) != addr ||
		    CRYPTO_memcmp(f + RPMB_OFF_NONCE, nonce, RPMB_NONCE_SIZE) != 0)
			return verify_failed(r);
	}
	/* The count is under the MAC, so it is the device's; some devices leave it
	 * 0, and tee-supplicant's emulation stores it in host byte order
	 * (little-endian: bytes 01 00 for one block). */
	uint16_t count = tv_get_be16(resp + RPMB_OFF_BLOCK_COUNT);
	uint16_t swapped = (uint16_t)(count >> 8 | count << 8);
	if (count != 0 && count != n && swapped != n)
		return verify_failed(r);
	return result_error(r, rpmb_frame_result(frame_at(resp, n - 1)));
}

static int read_op(struct tv_rpmb *r, uint32_t addr, uint32_t n, uint8_t *resp, uint8_t *out)
{
	uint8_t req[RPMB_FRAME_SIZE] = {0};
	uint8_t nonce[RPMB_NONCE_SIZE];
	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return TV_EIO;
	memcpy(req + RPMB_OFF_NONCE, nonce, sizeof(nonce));
	tv_put_be16(req + RPMB_OFF_ADDRESS, (uint16_t)addr);
	tv_put_be16(req + RPMB_OFF_BLOCK_COUNT, (uint16_t)n);
	tv_put_be16(req + RPMB_OFF_TYPE, RPMB_REQ_READ);
	r->stats.read_ops++;
	if (rpmb_dev_route(&r->dev, req, 1, resp, n) != TV_OK)
		return TV_EIO;
	int rc = verify_read(r, resp, addr, n, nonce);
	if (rc != TV_OK)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		memcpy(out + (size_t)i * RPMB_BLOCK_SIZE, frame_at(resp, i) + RPMB_OFF_DATA,
		       RPMB_BLOCK_SIZE);
	r->stats.blocks_read += n;
	return TV_OK;
}

int tv_rpmb_read(struct tv_rpmb *r, uint32_t addr, uint32_t nblocks, uint8_t *out)
{
	int rc = check_range(r, addr, nblocks);
	if (rc != TV_OK || !out)
		return rc != TV_OK ? rc : TV_EINVAL;
	uint32_t chunk = nblocks < r->max_read_blocks ? nblocks : r->max_read_blocks;
	uint8_t *resp = malloc((size_t)chunk * RPMB_FRAME_SIZE);
	if (!resp)
		return TV_ENOMEM;
	for (uint32_t done = 0; rc == TV_OK && done < nblocks; done += chunk) {
		uint32_t n = nblocks - done < chunk ? nblocks - done : chunk;
		rc = read_op(r, addr + done, n, resp, out + (size_t)done * RPMB_BLOCK_SIZE);
	}
	free(resp);
	return rc;
}

static void build_write(const struct tv_rpmb *r, uint8_t *req, uint32_t addr, uint32_t n,
			const uint8_t *data)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *f = frame_at(req, i);
		memset(f, 0, RPMB_FRAME_SIZE);
		memcpy(f + RPMB_OFF_DATA, data + (size_t)i * RPMB_BLOCK_SIZE, RPMB_BLOCK_SIZE);
		tv_put_be32(f + RPMB_OFF_COUNTER, r->counter);
		tv_put_be16(f + RPMB_OFF_ADDRESS, (uint16_t)addr);
		tv_put_be16(f + RPMB_OFF_BLOCK_COUNT, (uint16_t)n);
		tv_put_be16(f + RPMB_OFF_TYPE, RPMB_REQ_WRITE);
	}
}

/* Only a signed OK with our address and counter + 1 proves the write. A signed
 * failure proves nothing: write responses carry no nonce, so the route may have
 * delivered the write, then replayed the request to get a failure answer. */
static int verify_write(struct tv_rpmb *r, const uint8_t *resp, uint32_t addr)
{
	if (rpmb_frame_type(resp) != RPMB_RESP_TYPE(RPMB_REQ_WRITE) ||
	    !rpmb_mac_verify(r->key, resp, 1))
		return verify_failed(r);
	uint16_t result = rpmb_frame_result(resp);
	if ((result & RPMB_RES_MASK) != RPMB_RES_OK)
		return result_error(r, result);
	if (tv_get_be16(resp + RPMB_OFF_ADDRESS) != addr ||
	    tv_get_be32(resp + RPMB_OFF_COUNTER) != r->counter + 1)
		return verify_failed(r); /* replayed or substituted: outcome unknown */
	if (result & RPMB_RES_COUNTER_EXPIRED)
		r->expired = true;
	r->counter++;
	return TV_OK;
}

/* After an unsettled write, the frames we signed for that counter value may still
 * be held by the route and delivered in place of a later request with the same
 * counter: a success answer cannot tell them apart. So until one write has been
 * read back, every write is confirmed by reading its blocks. */
static int confirm_write(struct tv_rpmb *r, uint32_t addr, uint32_t n, const uint8_t *data)
{
	uint8_t *back = malloc((size_t)n * RPMB_BLOCK_SIZE);
	if (!back)
		return TV_ENOMEM;
	int rc = tv_rpmb_read(r, addr, n, back);
	if (rc == TV_OK && memcmp(back, data, (size_t)n * RPMB_BLOCK_SIZE) != 0)
		rc = verify_failed(r);
	free(back);
	if (rc == TV_OK)
		r->unsettled = false;
	return rc;
}

static int send_write(struct tv_rpmb *r, uint32_t addr, uint32_t n, const uint8_t *data)
{
	uint8_t *req = malloc((size_t)n * RPMB_FRAME_SIZE);
	if (!req)
		return TV_ENOMEM;
	build_write(r, req, addr, n, data);
	int rc = rpmb_mac_sign(r->key, req, n);
	uint8_t resp[RPMB_FRAME_SIZE];
	if (rc == TV_OK) {
		r->stats.write_ops++;
		r->unsettled = true; /* until proven otherwise */
		r->last_write_sent = true;
		rc = rpmb_dev_route(&r->dev, req, n, resp, 1) == TV_OK ? TV_OK : TV_EIO;
	}
	free(req);
	return rc == TV_OK ? verify_write(r, resp, addr) : rc;
}

int tv_rpmb_write(struct tv_rpmb *r, uint32_t addr, uint32_t nblocks, const uint8_t *data)
{
	r->last_write_sent = false;
	int rc = check_range(r, addr, nblocks);
	if (rc != TV_OK)
		return rc;
	if (!data || nblocks > tv_rpmb_write_blocks(r))
		return TV_EINVAL;
	if (r->expired)
		return TV_EEXPIRED;
	if (!r->counter_known && (rc = tv_rpmb_read_counter(r, NULL)) != TV_OK)
		return rc;
	if (r->expired)
		return TV_EEXPIRED;
	if (!rpmb_dev_ready(&r->dev))
		return TV_EIO; /* nothing sent: nothing uncertain */
	bool was_unsettled = r->unsettled;
	rc = send_write(r, addr, nblocks, data);
	if (rc == TV_OK && was_unsettled)
		rc = confirm_write(r, addr, nblocks, data);
	else if (rc == TV_OK)
		r->unsettled = false;
	if (rc == TV_OK) {
		r->stats.blocks_written += nblocks;
		r->last_write_sent = false;
	} else if (r->last_write_sent) {
		r->counter_known = false; /* re-read (under a fresh nonce) before writing */
	}
	return rc;
}

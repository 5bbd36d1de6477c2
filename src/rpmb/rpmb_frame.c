/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpmb_frame.h"

#include <string.h>

#include <openssl/crypto.h>

#include "tv_bytes.h"
#include "tv_err.h"
#include "tv_hmac.h"

void rpmb_frame_encode(const struct rpmb_frame *f, uint8_t out[RPMB_FRAME_SIZE])
{
	memset(out, 0, RPMB_OFF_KEY_MAC);
	memcpy(out + RPMB_OFF_KEY_MAC, f->key_mac, RPMB_MAC_SIZE);
	memcpy(out + RPMB_OFF_DATA, f->data, RPMB_BLOCK_SIZE);
	memcpy(out + RPMB_OFF_NONCE, f->nonce, RPMB_NONCE_SIZE);
	tv_put_be32(out + RPMB_OFF_COUNTER, f->write_counter);
	tv_put_be16(out + RPMB_OFF_ADDRESS, f->address);
	tv_put_be16(out + RPMB_OFF_BLOCK_COUNT, f->block_count);
	tv_put_be16(out + RPMB_OFF_RESULT, f->result);
	tv_put_be16(out + RPMB_OFF_TYPE, f->type);
}

void rpmb_frame_decode(const uint8_t in[RPMB_FRAME_SIZE], struct rpmb_frame *f)
{
	memcpy(f->key_mac, in + RPMB_OFF_KEY_MAC, RPMB_MAC_SIZE);
	memcpy(f->data, in + RPMB_OFF_DATA, RPMB_BLOCK_SIZE);
	memcpy(f->nonce, in + RPMB_OFF_NONCE, RPMB_NONCE_SIZE);
	f->write_counter = tv_get_be32(in + RPMB_OFF_COUNTER);
	f->address = tv_get_be16(in + RPMB_OFF_ADDRESS);
	f->block_count = tv_get_be16(in + RPMB_OFF_BLOCK_COUNT);
	f->result = tv_get_be16(in + RPMB_OFF_RESULT);
	f->type = tv_get_be16(in + RPMB_OFF_TYPE);
}

uint16_t rpmb_frame_type(const uint8_t *frame)
{
	return tv_get_be16(frame + RPMB_OFF_TYPE);
}

uint16_t rpmb_frame_result(const uint8_t *frame)
{
	return tv_get_be16(frame + RPMB_OFF_RESULT);
}

int rpmb_mac_compute(const uint8_t key[RPMB_KEY_SIZE], const uint8_t *frames, size_t n,
		     uint8_t mac[RPMB_MAC_SIZE])
{
	if (!key || !frames || !mac || n == 0)
		return TV_EINVAL;
	struct tv_hmac h;
	int rc = tv_hmac_init(&h, key, RPMB_KEY_SIZE);
	for (size_t i = 0; rc == TV_OK && i < n; i++)
		rc = tv_hmac_update(&h, frames + i * RPMB_FRAME_SIZE + RPMB_OFF_DATA, RPMB_MAC_SPAN);
	if (rc == TV_OK)
		return tv_hmac_final(&h, mac);
	tv_hmac_abort(&h);
	return rc;
}

int rpmb_mac_sign(const uint8_t key[RPMB_KEY_SIZE], uint8_t *frames, size_t n)
{
	if (n == 0)
		return TV_EINVAL;
	return rpmb_mac_compute(key, frames, n,
				frames + (n - 1) * RPMB_FRAME_SIZE + RPMB_OFF_KEY_MAC);
}

bool rpmb_mac_verify(const uint8_t key[RPMB_KEY_SIZE], const uint8_t *frames, size_t n)
{
	uint8_t mac[RPMB_MAC_SIZE];
	if (rpmb_mac_compute(key, frames, n, mac) != TV_OK)
		return false;
	const uint8_t *got = frames + (n - 1) * RPMB_FRAME_SIZE + RPMB_OFF_KEY_MAC;
	return CRYPTO_memcmp(mac, got, RPMB_MAC_SIZE) == 0;
}

const char *rpmb_result_name(uint16_t result)
{
	switch (result & RPMB_RES_MASK) {
	case RPMB_RES_OK: return "ok";
	case RPMB_RES_GENERAL_FAILURE: return "general failure";
	case RPMB_RES_AUTH_FAILURE: return "authentication failure";
	case RPMB_RES_COUNTER_FAILURE: return "counter failure";
	case RPMB_RES_ADDRESS_FAILURE: return "address failure";
	case RPMB_RES_WRITE_FAILURE: return "write failure";
	case RPMB_RES_READ_FAILURE: return "read failure";
	case RPMB_RES_NO_KEY: return "authentication key not yet programmed";
	default: return "unknown result";
	}
}

const char *rpmb_type_name(uint16_t type)
{
	switch (type) {
	case RPMB_REQ_PROGRAM_KEY: return "program key request";
	case RPMB_REQ_READ_COUNTER: return "read counter request";
	case RPMB_REQ_WRITE: return "authenticated write request";
	case RPMB_REQ_READ: return "authenticated read request";
	case RPMB_REQ_RESULT_READ: return "result read request";
	case RPMB_RESP_TYPE(RPMB_REQ_PROGRAM_KEY): return "program key response";
	case RPMB_RESP_TYPE(RPMB_REQ_READ_COUNTER): return "read counter response";
	case RPMB_RESP_TYPE(RPMB_REQ_WRITE): return "authenticated write response";
	case RPMB_RESP_TYPE(RPMB_REQ_READ): return "authenticated read response";
	default: return "unknown type";
	}
}

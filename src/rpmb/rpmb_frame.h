/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The JEDEC eMMC RPMB data frame: 512 bytes, integers big-endian.
 *
 *   off  size  field
 *     0   196  stuff bytes
 *   196    32  key (program key) / MAC (last frame of a request or response)
 *   228   256  data: one 256-byte RPMB block
 *   484    16  nonce
 *   500     4  write counter
 *   504     2  address (in 256-byte blocks)
 *   506     2  block count
 *   508     2  result
 *   510     2  request / response type
 *
 * The MAC is HMAC-SHA256(key, bytes 228..511 of every frame, in order).
 */
#ifndef RPMB_FRAME_H
#define RPMB_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPMB_FRAME_SIZE 512u
#define RPMB_BLOCK_SIZE 256u
#define RPMB_KEY_SIZE 32u
#define RPMB_MAC_SIZE 32u
#define RPMB_NONCE_SIZE 16u
#define RPMB_CID_SIZE 16u

#define RPMB_OFF_KEY_MAC 196u
#define RPMB_OFF_DATA 228u
#define RPMB_OFF_NONCE 484u
#define RPMB_OFF_COUNTER 500u
#define RPMB_OFF_ADDRESS 504u
#define RPMB_OFF_BLOCK_COUNT 506u
#define RPMB_OFF_RESULT 508u
#define RPMB_OFF_TYPE 510u
/* The MAC covers bytes 228..511 of each frame. */
#define RPMB_MAC_SPAN (RPMB_FRAME_SIZE - RPMB_OFF_DATA)

enum rpmb_req_type {
	RPMB_REQ_PROGRAM_KEY = 0x0001,
	RPMB_REQ_READ_COUNTER = 0x0002,
	RPMB_REQ_WRITE = 0x0003,
	RPMB_REQ_READ = 0x0004,
	RPMB_REQ_RESULT_READ = 0x0005,
};
#define RPMB_RESP_TYPE(req) ((uint16_t)((req) << 8))

enum rpmb_result {
	RPMB_RES_OK = 0x0000,
	RPMB_RES_GENERAL_FAILURE = 0x0001,
	RPMB_RES_AUTH_FAILURE = 0x0002,
	RPMB_RES_COUNTER_FAILURE = 0x0003,
	RPMB_RES_ADDRESS_FAILURE = 0x0004,
	RPMB_RES_WRITE_FAILURE = 0x0005,
	RPMB_RES_READ_FAILURE = 0x0006,
	RPMB_RES_NO_KEY = 0x0007,
};
#define RPMB_RES_COUNTER_EXPIRED 0x0080u /* flag bit, OR-ed into any result */
#define RPMB_RES_MASK 0x007Fu

/* A decoded frame; rpmb_frame_encode() zeroes the stuff bytes. */
struct rpmb_frame {
	uint8_t key_mac[RPMB_MAC_SIZE];
	uint8_t data[RPMB_BLOCK_SIZE];
	uint8_t nonce[RPMB_NONCE_SIZE];
	uint32_t write_counter;
	uint16_t address;
	uint16_t block_count;
	uint16_t result;
	uint16_t type;
};

void rpmb_frame_encode(const struct rpmb_frame *f, uint8_t out[RPMB_FRAME_SIZE]);
void rpmb_frame_decode(const uint8_t in[RPMB_FRAME_SIZE], struct rpmb_frame *f);

/* Field accessors on raw frames. */
uint16_t rpmb_frame_type(const uint8_t *frame);
uint16_t rpmb_frame_result(const uint8_t *frame);

/* HMAC-SHA256 over bytes 228..511 of n consecutive frames. Returns 0 or TV_EINVAL/TV_EIO. */
int rpmb_mac_compute(const uint8_t key[RPMB_KEY_SIZE], const uint8_t *frames, size_t n,
		     uint8_t mac[RPMB_MAC_SIZE]);
/* Computes the MAC of n frames and stores it in the last frame's key/MAC field. */
int rpmb_mac_sign(const uint8_t key[RPMB_KEY_SIZE], uint8_t *frames, size_t n);
/* True when the last frame's MAC field matches (constant-time compare). */
bool rpmb_mac_verify(const uint8_t key[RPMB_KEY_SIZE], const uint8_t *frames, size_t n);

const char *rpmb_result_name(uint16_t result);
const char *rpmb_type_name(uint16_t type);

#endif

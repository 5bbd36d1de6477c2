/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The secure core's root secret (the model of a hardware-unique key) and the
 * keys derived from it.
 *
 *   RPMB key  = HMAC-SHA256(HUK, CID with byte 9 (PRV) and byte 15 (CRC) zeroed),
 *               the recipe OP-TEE uses (with its own 16-byte HUK);
 *   store key = HMAC-SHA256(HUK, "teevar store record key v1" || the same CID):
 *               authenticates the store's records (docs/store-format.md).
 * Both survive an eMMC firmware update, which may change PRV (and so the CRC).
 */
#ifndef TV_HUK_H
#define TV_HUK_H

#include <stdint.h>

#define TV_HUK_SIZE 32u
#define TV_KEY_SIZE 32u

/* Loads the HUK from path, or creates it (32 random bytes, mode 0600) if the file
 * does not exist. An existing file of another size, or readable by group/others,
 * is refused with TV_ECORRUPT / TV_EINVAL. */
int tv_huk_load_or_create(const char *path, uint8_t huk[TV_HUK_SIZE]);
/* The same without creating: TV_ENOENT if the file does not exist. Every
 * failure sets an error detail (tv_err.h) naming the file. */
int tv_huk_load(const char *path, uint8_t huk[TV_HUK_SIZE]);

int tv_rpmb_key_derive(const uint8_t huk[TV_HUK_SIZE], const uint8_t cid[16],
		       uint8_t key[TV_KEY_SIZE]);
int tv_store_key_derive(const uint8_t huk[TV_HUK_SIZE], const uint8_t cid[16],
			uint8_t key[TV_KEY_SIZE]);

#endif

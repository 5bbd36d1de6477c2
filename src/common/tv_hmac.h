/* SPDX-License-Identifier: BSD-2-Clause */
/* HMAC-SHA256 over scattered pieces, on OpenSSL 3's EVP_MAC. */
#ifndef TV_HMAC_H
#define TV_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define TV_SHA256_SIZE 32u

struct tv_hmac {
	void *ctx; /* EVP_MAC_CTX */
};

/* Each returns 0 or a negative TV_E* code; tv_hmac_final frees the context
 * whatever happens, tv_hmac_abort frees it without a result. */
int tv_hmac_init(struct tv_hmac *h, const uint8_t *key, size_t key_len);
int tv_hmac_update(struct tv_hmac *h, const void *data, size_t len);
int tv_hmac_final(struct tv_hmac *h, uint8_t out[TV_SHA256_SIZE]);
void tv_hmac_abort(struct tv_hmac *h);

/* One-shot over one buffer. */
int tv_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
		   uint8_t out[TV_SHA256_SIZE]);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#include "tv_hmac.h"

#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tv_err.h"

static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

/* Setting an HMAC key up costs more than MACing two RPMB frames, and the
 * secure core uses the same two or three keys all the time (the RPMB key, the
 * store key; the emulator's copy of the RPMB key). So keyed contexts are kept
 * and duplicated: a few, shared by the threads of the process, replaced round
 * robin. The keys are in the callers' memory anyway. */
#define KEYED_MAX 4
#define KEY_MAX 64
static struct keyed {
	uint8_t key[KEY_MAX];
	size_t len;
	EVP_MAC_CTX *ctx;
} keyed[KEYED_MAX];
static unsigned keyed_next;
static pthread_mutex_t keyed_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_MAC_CTX *new_keyed(const uint8_t *key, size_t key_len)
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_alg);
	if (!ctx)
		return NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_init(ctx, key, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A context ready for this key: a copy of a kept one, or a new one (kept). */
static EVP_MAC_CTX *keyed_ctx(const uint8_t *key, size_t key_len)
{
	if (key_len > KEY_MAX)
		return new_keyed(key, key_len);
	EVP_MAC_CTX *ctx = NULL;
	pthread_mutex_lock(&keyed_lock);
	for (unsigned i = 0; i < KEYED_MAX && !ctx; i++)
		if (keyed[i].ctx && keyed[i].len == key_len &&
		    CRYPTO_memcmp(keyed[i].key, key, key_len) == 0)
			ctx = EVP_MAC_CTX_dup(keyed[i].ctx);
	if (!ctx) {
		ctx = new_keyed(key, key_len);
		EVP_MAC_CTX *kept = ctx ? EVP_MAC_CTX_dup(ctx) : NULL;
		if (kept) {
			struct keyed *k = &keyed[keyed_next++ % KEYED_MAX];
			EVP_MAC_CTX_free(k->ctx);
			OPENSSL_cleanse(k->key, sizeof(k->key));
			memcpy(k->key, key, key_len);
			k->len = key_len;
			k->ctx = kept;
		}
	}
	pthread_mutex_unlock(&keyed_lock);
	return ctx;
}

int tv_hmac_init(struct tv_hmac *h, const uint8_t *key, size_t key_len)
{
	h->ctx = NULL;
	pthread_once(&hmac_once, hmac_fetch);
	if (!hmac_alg)
		return TV_EIO;
	h->ctx = keyed_ctx(key, key_len);
	return h->ctx ? TV_OK : TV_EIO;
}

int tv_hmac_update(struct tv_hmac *h, const void *data, size_t len)
{
	if (!h->ctx)
		return TV_EINVAL;
	return EVP_MAC_update(h->ctx, data, len) ? TV_OK : TV_EIO;
}

int tv_hmac_final(struct tv_hmac *h, uint8_t out[TV_SHA256_SIZE])
{
	if (!h->ctx)
		return TV_EINVAL;
	size_t len = 0;
	int ok = EVP_MAC_final(h->ctx, out, &len, TV_SHA256_SIZE);
	tv_hmac_abort(h);
	return ok && len == TV_SHA256_SIZE ? TV_OK : TV_EIO;
}

void tv_hmac_abort(struct tv_hmac *h)
{
	EVP_MAC_CTX_free(h->ctx);
	h->ctx = NULL;
}

int tv_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
		   uint8_t out[TV_SHA256_SIZE])
{
	struct tv_hmac h;
	int rc = tv_hmac_init(&h, key, key_len);
	if (rc == TV_OK)
		rc = tv_hmac_update(&h, data, len);
	if (rc == TV_OK)
		return tv_hmac_final(&h, out);
	tv_hmac_abort(&h);
	return rc;
}

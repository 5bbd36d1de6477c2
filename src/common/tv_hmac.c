/* SPDX-License-Identifier: BSD-2-Clause */
#include "tv_hmac.h"

#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tv_err.h"

static EVP_MAC *hmac_alg;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void hmac_fetch(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

int tv_hmac_init(struct tv_hmac *h, const uint8_t *key, size_t key_len)
{
	h->ctx = NULL;
	pthread_once(&hmac_once, hmac_fetch);
	if (!hmac_alg)
		return TV_EIO;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_alg);
	if (!ctx)
		return TV_ENOMEM;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_init(ctx, key, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return TV_EIO;
	}
	h->ctx = ctx;
	return TV_OK;
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

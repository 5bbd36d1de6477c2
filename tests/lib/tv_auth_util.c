/* SPDX-License-Identifier: BSD-2-Clause */
#include "tv_auth_util.h"

#include "auth_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct tv_test_key {
	EVP_PKEY *pkey;
	X509 *cert;
	uint8_t *der;
	size_t der_size;
};


/* 11111111-2222-3333-4444-123456789abc, U-Boot's test owner */
const uint8_t tv_test_owner[16] = {0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
				   0x44, 0x44, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};

static const uint8_t x509_type[16] = {0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
				      0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72};
static const uint8_t sha256_type[16] = {0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
					0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28};
static const uint8_t pkcs7_type[16] = {0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
				       0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7};

static void die(const char *what)
{
	fprintf(stderr, "tv_auth_util: %s failed\n", what);
	abort();
}

static struct tv_test_key *make(const char *cn, const struct tv_test_key *issuer,
				const struct tv_test_key *reuse)
{
	struct tv_test_key *k = calloc(1, sizeof(*k));
	if (!k)
		die("calloc");
	if (reuse && EVP_PKEY_up_ref(reuse->pkey))
		k->pkey = reuse->pkey;
	else
		k->pkey = fx_rsa_key();
	struct fx_cert_opts o = {.cn = cn, .issuer = issuer ? issuer->cert : NULL,
				 .issuer_key = issuer ? issuer->pkey : NULL, .from_days = -1,
				 .to_days = 3650};
	k->cert = fx_cert(k->pkey, &o);
	k->der = fx_cert_der(k->cert, &k->der_size);
	return k;
}

struct tv_test_key *tv_test_key_new(const char *cn, const struct tv_test_key *issuer)
{
	return make(cn, issuer, NULL);
}

struct tv_test_key *tv_test_key_reuse(const char *cn, const struct tv_test_key *key)
{
	return make(cn, NULL, key);
}

void tv_test_key_free(struct tv_test_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	X509_free(k->cert);
	free(k->der);
	free(k);
}

const uint8_t *tv_test_key_cert(const struct tv_test_key *k, size_t *size)
{
	*size = k->der_size;
	return k->der;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint8_t *esl_one(const uint8_t type[16], const uint8_t owner[16], const uint8_t *data,
			size_t data_size, size_t *size)
{
	size_t total = 28 + 16 + data_size;
	uint8_t *p = malloc(total);
	if (!p)
		die("malloc");
	memcpy(p, type, 16);
	put32(p + 16, (uint32_t)total);
	put32(p + 20, 0);
	put32(p + 24, (uint32_t)(16 + data_size));
	memcpy(p + 28, owner, 16);
	memcpy(p + 44, data, data_size);
	*size = total;
	return p;
}

uint8_t *tv_test_esl_x509(const struct tv_test_key *k, const uint8_t owner[16], size_t *size)
{
	return esl_one(x509_type, owner, k->der, k->der_size, size);
}

uint8_t *tv_test_esl_sha256(const uint8_t hash[32], const uint8_t owner[16], size_t *size)
{
	return esl_one(sha256_type, owner, hash, 32, size);
}

uint8_t *tv_test_esl_hashes(unsigned n, unsigned seed, size_t *size)
{
	size_t total = 28 + (size_t)n * 48;
	uint8_t *p = malloc(total);
	if (!p)
		die("malloc");
	memcpy(p, sha256_type, 16);
	put32(p + 16, (uint32_t)total);
	put32(p + 20, 0);
	put32(p + 24, 48);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = p + 28 + (size_t)i * 48;
		memcpy(e, tv_test_owner, 16);
		for (unsigned j = 0; j < 32; j++)
			e[16 + j] = (uint8_t)(seed * 131u + i * 7u + j * 13u + (i >> 8) * 17u);
		put32(e + 16, i); /* distinct within a list */
		put32(e + 20, seed);
	}
	*size = total;
	return p;
}

void tv_test_efi_time(uint8_t out[16], unsigned year, unsigned month, unsigned day,
		      unsigned hour, unsigned minute, unsigned second)
{
	memset(out, 0, 16);
	out[0] = (uint8_t)year, out[1] = (uint8_t)(year >> 8);
	out[2] = (uint8_t)month, out[3] = (uint8_t)day, out[4] = (uint8_t)hour;
	out[5] = (uint8_t)minute, out[6] = (uint8_t)second;
}

uint8_t *tv_test_auth2(const struct tv_test_key *signer, const void *md, const char *name,
		       const efi_guid_t *guid, uint32_t attrs, const uint8_t time[16],
		       const uint8_t *payload, size_t payload_size, size_t *out_size)
{
	size_t n = strlen(name);
	size_t tbs_size = 2 * n + 16 + 4 + 16 + payload_size;
	uint8_t *tbs = malloc(tbs_size + 1);
	if (!tbs)
		die("malloc");
	for (size_t i = 0; i < n; i++)
		tbs[2 * i] = (uint8_t)name[i], tbs[2 * i + 1] = 0;
	memcpy(tbs + 2 * n, guid->b, 16);
	put32(tbs + 2 * n + 16, attrs);
	memcpy(tbs + 2 * n + 20, time, 16);
	if (payload_size)
		memcpy(tbs + 2 * n + 36, payload, payload_size);
	size_t sig_size = 0;
	/* a bare SignedData, detached, no attributes: what sign-efi-sig-list writes */
	uint8_t *sig = signer ? fx_sign(signer->cert, signer->pkey, NULL,
					md ? md : EVP_sha256(), tbs, tbs_size, true, &sig_size)
			      : NULL;
	free(tbs);
	size_t total = 40 + sig_size + payload_size;
	uint8_t *out = malloc(total);
	if (!out)
		die("malloc");
	memcpy(out, time, 16);
	put32(out + 16, (uint32_t)(24 + sig_size));
	out[20] = 0x00, out[21] = 0x02; /* wRevision 0x0200 */
	out[22] = 0xf1, out[23] = 0x0e; /* WIN_CERT_TYPE_EFI_GUID */
	memcpy(out + 24, pkcs7_type, 16);
	if (sig_size)
		memcpy(out + 40, sig, sig_size);
	if (payload_size)
		memcpy(out + 40 + sig_size, payload, payload_size);
	free(sig);
	*out_size = total;
	return out;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * auth_pkcs7 and kek_trust against signatures made here, at test time, with
 * OpenSSL's PKCS7_sign (keys and certificates from auth_fixture.c), and
 * against what Debian's efitools (sign-efi-sig-list, cert-to-efi-sig-list)
 * writes, when those tools are installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "auth_fixture.h"
#include "auth_pkcs7.h"
#include "efi_siglist.h"
#include "kek_trust.h"
#include "sig_list.h"
#include "tv_test_util.h"

static int setup_msg(void **state);

/* ---- keys and certificates, made once for the whole file ---- */

static struct {
	EVP_PKEY *ka, *kb, *kca, *kint, *kleaf;
	X509 *a;        /* self-signed, CN "teevar test A" */
	X509 *b;        /* self-signed, CN "teevar test B" */
	X509 *a_twin;   /* self-signed with kb, CN "teevar test A" */
	X509 *a_expired;/* ka, CN "teevar test A", expired yesterday */
	X509 *no_cn;    /* ka, subject O only */
	X509 *long_cn;  /* ka, CN of 200 bytes */
	X509 *nul_cn;   /* ka, CN "ab\0cd" */
	X509 *ca, *inter, *leaf; /* root -> intermediate -> leaf */
} fx;

static int setup_keys(void **state)
{
	setup_msg(state);
	fx.ka = fx_rsa_key();
	fx.kb = fx_rsa_key();
	fx.kca = fx_rsa_key();
	fx.kint = fx_rsa_key();
	fx.kleaf = fx_rsa_key();
	fx.a = fx_self_signed(fx.ka, "teevar test A");
	fx.b = fx_self_signed(fx.kb, "teevar test B");
	fx.a_twin = fx_self_signed(fx.kb, "teevar test A");
	fx.a_expired = fx_cert(fx.ka, &(struct fx_cert_opts){.cn = "teevar test A",
							       .from_days = -30, .to_days = -1});
	fx.no_cn = fx_self_signed(fx.ka, NULL);
	{
		char cn[201];
		memset(cn, 'x', 200);
		cn[200] = 0;
		fx.long_cn = fx_self_signed(fx.ka, cn);
	}
	fx.nul_cn = fx_cert(fx.ka, &(struct fx_cert_opts){.cn = "ab\0cd", .cn_len = 5,
							   .from_days = -1, .to_days = 3650});
	fx.ca = fx_cert(fx.kca, &(struct fx_cert_opts){.cn = "teevar test root", .ca = true,
							 .from_days = -1, .to_days = 3650});
	fx.inter = fx_cert(fx.kint, &(struct fx_cert_opts){.cn = "teevar test intermediate",
							     .issuer = fx.ca, .issuer_key = fx.kca,
							     .ca = true, .from_days = -1,
							     .to_days = 3650});
	fx.leaf = fx_cert(fx.kleaf, &(struct fx_cert_opts){.cn = "teevar test leaf",
							     .issuer = fx.inter,
							     .issuer_key = fx.kint, .from_days = -1,
							     .to_days = 3650});
	return 0;
}

static int teardown_keys(void **state)
{
	(void)state;
	X509 *certs[] = {fx.a, fx.b, fx.a_twin, fx.a_expired, fx.no_cn, fx.long_cn,
			 fx.nul_cn, fx.ca, fx.inter, fx.leaf};
	EVP_PKEY *keys[] = {fx.ka, fx.kb, fx.kca, fx.kint, fx.kleaf};

	for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++)
		X509_free(certs[i]);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		EVP_PKEY_free(keys[i]);
	return 0;
}

/* ---- helpers ---- */

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const uint8_t image_security_guid[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
						0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};

/* The signed bytes of an authenticated write (EDK2 VerifyTimeBasedPayload):
 * name (UCS-2, no NUL) || vendor GUID || u32 attributes LE || EFI_TIME ||
 * payload. Returns the size. */
static size_t serialize(uint8_t *out, const char *name, const uint8_t guid[16], uint32_t attrs,
			const uint8_t time[16], const uint8_t *payload, size_t payload_len)
{
	size_t n = 0;

	for (const char *c = name; *c; c++) {
		out[n++] = (uint8_t)*c;
		out[n++] = 0;
	}
	memcpy(out + n, guid, 16);
	n += 16;
	for (int i = 0; i < 4; i++)
		out[n++] = (uint8_t)(attrs >> (8 * i));
	memcpy(out + n, time, 16);
	n += 16;
	memcpy(out + n, payload, payload_len);
	return n + payload_len;
}

/* Some serialized bytes to sign: a db write of a fake payload. */
static uint8_t msg[256];
static size_t msg_len;

static int setup_msg(void **state)
{
	static const uint8_t time[16] = {0xe8, 0x07, 1, 2, 3, 4, 5};
	uint8_t payload[100];

	(void)state;
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	msg_len = serialize(msg, "db", image_security_guid, 0x27, time, payload, sizeof(payload));
	return 0;
}

static struct tv_p7 *parse_ok(const uint8_t *der, size_t len)
{
	struct tv_p7 *p7 = NULL;

	assert_int_equal(tv_p7_parse(der, len, &p7), EFI_SUCCESS);
	assert_non_null(p7);
	return p7;
}

/* Signs msg and returns the parsed result. */
static struct tv_p7 *sign_parse(X509 *signer, EVP_PKEY *key, STACK_OF(X509) *extra,
				const EVP_MD *md, bool bare)
{
	size_t len;
	uint8_t *der = fx_sign(signer, key, extra, md, msg, msg_len, bare, &len);
	struct tv_p7 *p7 = parse_ok(der, len);

	free(der);
	return p7;
}

static bool verify_with(struct tv_p7 *p7, X509 *trusted, const uint8_t *data, size_t len)
{
	size_t tlen;
	uint8_t *tder = fx_cert_der(trusted, &tlen);
	bool ok = tv_p7_verify(p7, tder, tlen, data, len);

	free(tder);
	return ok;
}

static void expect_violation(const uint8_t *der, size_t len)
{
	struct tv_p7 *p7 = (struct tv_p7 *)&p7; /* must be reset to NULL */

	assert_int_equal(tv_p7_parse(der, len, &p7), EFI_SECURITY_VIOLATION);
	assert_null(p7);
}

/* ---- verification ---- */

static void test_verify_ok(void **state)
{
	(void)state;
	for (int bare = 0; bare < 2; bare++) {
		struct tv_p7 *p7 = sign_parse(fx.a, fx.ka, NULL, EVP_sha256(), bare);

		assert_int_equal(tv_p7_digest_size(p7), 32);
		assert_true(verify_with(p7, fx.a, msg, msg_len));
		/* The same object verifies again (the KEK walk relies on it). */
		assert_true(verify_with(p7, fx.a, msg, msg_len));
		tv_p7_free(p7);
	}
}

static void test_wrong_data_fails(void **state)
{
	uint8_t bad[sizeof(msg)];

	(void)state;
	for (int bare = 0; bare < 2; bare++) {
		struct tv_p7 *p7 = sign_parse(fx.a, fx.ka, NULL, EVP_sha256(), bare);

		/* One byte flipped at the start, in the attributes and at the end. */
		size_t at[] = {0, 20, msg_len - 1};
		for (size_t i = 0; i < 3; i++) {
			memcpy(bad, msg, msg_len);
			bad[at[i]] ^= 0x01;
			assert_false(verify_with(p7, fx.a, bad, msg_len));
		}
		assert_false(verify_with(p7, fx.a, msg, msg_len - 1));
		assert_true(verify_with(p7, fx.a, msg, msg_len));
		tv_p7_free(p7);
	}
}

static void test_other_trusted_fails(void **state)
{
	struct tv_p7 *p7 = sign_parse(fx.a, fx.ka, NULL, EVP_sha256(), true);
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};

	(void)state;
	assert_false(verify_with(p7, fx.b, msg, msg_len));
	/* Same CN, other key. */
	assert_false(verify_with(p7, fx.a_twin, msg, msg_len));
	/* A trusted "certificate" that is not one. */
	assert_false(tv_p7_verify(p7, junk, sizeof(junk), msg, msg_len));
	assert_false(tv_p7_verify(p7, junk, 0, msg, msg_len));
	assert_true(verify_with(p7, fx.a, msg, msg_len));
	tv_p7_free(p7);
}

static void test_chain(void **state)
{
	STACK_OF(X509) *extra = sk_X509_new_null();

	(void)state;
	assert_non_null(extra);
	assert_true(sk_X509_push(extra, fx.inter) > 0);
	for (int bare = 0; bare < 2; bare++) {
		struct tv_p7 *p7 = sign_parse(fx.leaf, fx.kleaf, extra, EVP_sha256(), bare);

		assert_true(verify_with(p7, fx.ca, msg, msg_len));    /* root anchor */
		assert_true(verify_with(p7, fx.inter, msg, msg_len)); /* partial chain */
		assert_true(verify_with(p7, fx.leaf, msg, msg_len));  /* the signer itself */
		assert_false(verify_with(p7, fx.a, msg, msg_len));
		tv_p7_free(p7);
	}
	sk_X509_free(extra);

	/* Without the intermediate in the SignedData the root cannot be
	 * reached: intermediates come from nowhere else. */
	struct tv_p7 *p7 = sign_parse(fx.leaf, fx.kleaf, NULL, EVP_sha256(), true);
	assert_false(verify_with(p7, fx.ca, msg, msg_len));
	assert_true(verify_with(p7, fx.inter, msg, msg_len));
	tv_p7_free(p7);
}

static void test_expired_still_verifies(void **state)
{
	struct tv_p7 *p7 = sign_parse(fx.a_expired, fx.ka, NULL, EVP_sha256(), true);

	(void)state;
	assert_true(X509_cmp_current_time(X509_get0_notAfter(fx.a_expired)) < 0);
	assert_true(verify_with(p7, fx.a_expired, msg, msg_len));
	tv_p7_free(p7);
}

static void test_digests(void **state)
{
	const struct {
		const EVP_MD *(*md)(void);
		size_t size;
	} ok[] = {{EVP_sha256, 32}, {EVP_sha384, 48}, {EVP_sha512, 64}};

	(void)state;
	for (size_t i = 0; i < 3; i++)
		for (int bare = 0; bare < 2; bare++) {
			struct tv_p7 *p7 = sign_parse(fx.a, fx.ka, NULL, ok[i].md(), bare);

			assert_int_equal(tv_p7_digest_size(p7), ok[i].size);
			assert_true(verify_with(p7, fx.a, msg, msg_len));
			tv_p7_free(p7);
		}
}

static void test_sha1_rejected(void **state)
{
	(void)state;
	for (int bare = 0; bare < 2; bare++) {
		size_t len;
		uint8_t *der = fx_sign(fx.a, fx.ka, NULL, EVP_sha1(), msg, msg_len, bare, &len);

		expect_violation(der, len);
		free(der);
	}
	/* SHA-224 is not one of the three either. */
	size_t len;
	uint8_t *der = fx_sign(fx.a, fx.ka, NULL, EVP_sha224(), msg, msg_len, true, &len);
	expect_violation(der, len);
	free(der);
}

static void test_garbage_and_truncated(void **state)
{
	static const uint8_t zeros[64];
	uint8_t noise[512];
	uint64_t seed = 0x7465657661720001ull;
	size_t len;
	uint8_t *der;

	(void)state;
	expect_violation(zeros, 0);
	expect_violation(NULL, 10);
	expect_violation(zeros, sizeof(zeros));
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)tv_test_rand(&seed);
	expect_violation(noise, sizeof(noise));
	noise[0] = 0x30; /* a SEQUENCE of noise */
	noise[1] = 0x82;
	noise[2] = 0x01;
	noise[3] = 0xfc;
	expect_violation(noise, sizeof(noise));

	for (int bare = 0; bare < 2; bare++) {
		der = fx_sign(fx.a, fx.ka, NULL, EVP_sha256(), msg, msg_len, bare, &len);
		size_t cut[] = {1, 2, 16, 40, len / 2, len - 1};
		for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
			expect_violation(der, cut[i]);
		free(der);
	}
}

static void test_trailing_bytes(void **state)
{
	size_t len;
	uint8_t *der;
	struct tv_p7 *p7;

	(void)state;
	/* After a ContentInfo, ignored (EDK2's d2i_PKCS7 does the same). */
	der = fx_sign(fx.a, fx.ka, NULL, EVP_sha256(), msg, msg_len, false, &len);
	der = realloc(der, len + 3);
	assert_non_null(der);
	memset(der + len, 0xee, 3);
	p7 = parse_ok(der, len + 3);
	assert_true(verify_with(p7, fx.a, msg, msg_len));
	tv_p7_free(p7);
	free(der);

	/* After a bare SignedData they land inside the [0] of the wrap, whose
	 * length then disagrees with the SignedData's (EDK2: the same). */
	der = fx_sign(fx.a, fx.ka, NULL, EVP_sha256(), msg, msg_len, true, &len);
	der = realloc(der, len + 3);
	assert_non_null(der);
	memset(der + len, 0xee, 3);
	expect_violation(der, len + 3);
	free(der);
}

static void test_not_signed_data(void **state)
{
	PKCS7 *p7 = PKCS7_new();
	unsigned char *der = NULL;
	int n;

	(void)state;
	/* A ContentInfo of type data. */
	assert_non_null(p7);
	assert_int_equal(PKCS7_set_type(p7, NID_pkcs7_data), 1);
	assert_int_equal(ASN1_OCTET_STRING_set(p7->d.data, msg, (int)msg_len), 1);
	n = i2d_PKCS7(p7, &der);
	assert_true(n > 0);
	expect_violation(der, (size_t)n);
	OPENSSL_free(der);
	PKCS7_free(p7);

	/* A signedData with certificates and no SignerInfo. */
	STACK_OF(X509) *certs = sk_X509_new_null();
	assert_non_null(certs);
	assert_true(sk_X509_push(certs, fx.a) > 0);
	p7 = PKCS7_sign(NULL, NULL, certs, NULL, PKCS7_PARTIAL | PKCS7_DETACHED | PKCS7_BINARY);
	assert_non_null(p7);
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(PKCS7_get_signer_info(p7)), 0);
	der = NULL;
	n = i2d_PKCS7(p7, &der);
	assert_true(n > 0);
	expect_violation(der, (size_t)n);
	OPENSSL_free(der);
	der = NULL;
	n = i2d_PKCS7_SIGNED(p7->d.sign, &der);
	assert_true(n > 0);
	expect_violation(der, (size_t)n);
	OPENSSL_free(der);
	PKCS7_free(p7);
	sk_X509_free(certs);
}

/* A bare SignedData of more than 64 KiB (many extra certificates): EDK2's
 * 16-bit wrap lengths could not take it; teevar's DER lengths do. */
static void test_large_signed_data(void **state)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	size_t len;
	uint8_t *der;

	(void)state;
	assert_non_null(extra);
	for (int i = 0; i < 100; i++)
		assert_true(sk_X509_push(extra, fx.b) > 0);
	for (int bare = 0; bare < 2; bare++) {
		der = fx_sign(fx.a, fx.ka, extra, EVP_sha256(), msg, msg_len, bare, &len);
		assert_true(len > 65536 + 1024);
		struct tv_p7 *p7 = parse_ok(der, len);
		assert_true(verify_with(p7, fx.a, msg, msg_len));
		assert_false(verify_with(p7, fx.b, msg, msg_len));
		tv_p7_free(p7);
		free(der);
	}
	sk_X509_free(extra);
}

/* ---- the signer ---- */

static void test_signer_der(void **state)
{
	size_t alen, w_len, b_len;
	uint8_t *ader = fx_cert_der(fx.a, &alen);
	struct tv_p7 *w = sign_parse(fx.a, fx.ka, NULL, EVP_sha256(), false);
	struct tv_p7 *b = sign_parse(fx.a, fx.ka, NULL, EVP_sha256(), true);
	const uint8_t *wd, *bd, *again;
	size_t again_len;

	(void)state;
	assert_true(tv_p7_signer_der(w, &wd, &w_len));
	assert_true(tv_p7_signer_der(b, &bd, &b_len));
	assert_int_equal(w_len, alen);
	assert_int_equal(b_len, alen);
	assert_memory_equal(wd, ader, alen);
	assert_memory_equal(bd, ader, alen);
	/* Cached: the same bytes again. */
	assert_true(tv_p7_signer_der(w, &again, &again_len));
	assert_ptr_equal(again, wd);
	assert_int_equal(again_len, w_len);
	tv_p7_free(w);
	tv_p7_free(b);
	free(ader);

	/* The chain case: the leaf, not the intermediate that comes with it. */
	STACK_OF(X509) *extra = sk_X509_new_null();
	assert_non_null(extra);
	assert_true(sk_X509_push(extra, fx.inter) > 0);
	struct tv_p7 *c = sign_parse(fx.leaf, fx.kleaf, extra, EVP_sha256(), true);
	uint8_t *lder = fx_cert_der(fx.leaf, &alen);
	assert_true(tv_p7_signer_der(c, &wd, &w_len));
	assert_int_equal(w_len, alen);
	assert_memory_equal(wd, lder, alen);
	free(lder);
	tv_p7_free(c);
	sk_X509_free(extra);
}

/* A signature whose signer certificate is not in the SignedData
 * (PKCS7_NOCERTS): it parses, but there is no signer to name or verify. */
static void test_signer_missing(void **state)
{
	const int flags = PKCS7_DETACHED | PKCS7_BINARY | PKCS7_NOATTR | PKCS7_NOCERTS;
	BIO *in = BIO_new_mem_buf(msg, (int)msg_len);
	PKCS7 *p7 = PKCS7_sign(fx.a, fx.ka, NULL, in, flags);
	unsigned char *der = NULL;
	int n;
	const uint8_t *sd;
	size_t sd_len;
	uint8_t id[32];

	(void)state;
	assert_non_null(p7);
	n = i2d_PKCS7(p7, &der);
	assert_true(n > 0);
	struct tv_p7 *t = parse_ok(der, (size_t)n);
	assert_false(tv_p7_signer_der(t, &sd, &sd_len));
	assert_false(tv_p7_signer_id(t, id));
	assert_false(verify_with(t, fx.a, msg, msg_len));
	tv_p7_free(t);
	OPENSSL_free(der);
	PKCS7_free(p7);
	BIO_free(in);
}

/* SHA-256(digest_size || cn || tbs), computed here with i2d_re_X509_tbs. */
static void expected_id(X509 *x, uint8_t digest_size, const char *cn, size_t cn_len,
			uint8_t out[32])
{
	unsigned char *tbs = NULL;
	int n = i2d_re_X509_tbs(x, &tbs);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;

	assert_true(n > 0);
	assert_non_null(md);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, &digest_size, 1), 1);
	assert_int_equal(EVP_DigestUpdate(md, cn, cn_len), 1);
	assert_int_equal(EVP_DigestUpdate(md, tbs, (size_t)n), 1);
	assert_int_equal(EVP_DigestFinal_ex(md, out, &len), 1);
	assert_int_equal(len, 32);
	EVP_MD_CTX_free(md);
	OPENSSL_free(tbs);
}

static void get_id(X509 *signer, EVP_PKEY *key, const EVP_MD *md, bool bare, uint8_t id[32])
{
	struct tv_p7 *p7 = sign_parse(signer, key, NULL, md, bare);

	assert_true(tv_p7_signer_id(p7, id));
	tv_p7_free(p7);
}

static void test_signer_id(void **state)
{
	uint8_t id1[32], id2[32], id3[32], want[32];

	(void)state;
	get_id(fx.a, fx.ka, EVP_sha256(), true, id1);
	expected_id(fx.a, 32, "teevar test A", 13, want);
	assert_memory_equal(id1, want, 32);

	/* Same certificate: same identity, whatever the form or the data. */
	get_id(fx.a, fx.ka, EVP_sha256(), false, id2);
	assert_memory_equal(id1, id2, 32);

	/* Another certificate with the same CN. */
	get_id(fx.a_twin, fx.kb, EVP_sha256(), true, id2);
	assert_memory_not_equal(id1, id2, 32);

	/* The same certificate with another digest size. */
	get_id(fx.a, fx.ka, EVP_sha384(), true, id3);
	assert_memory_not_equal(id1, id3, 32);
	expected_id(fx.a, 48, "teevar test A", 13, want);
	assert_memory_equal(id3, want, 32);
	get_id(fx.a, fx.ka, EVP_sha512(), true, id3);
	expected_id(fx.a, 64, "teevar test A", 13, want);
	assert_memory_equal(id3, want, 32);

	/* The chain's leaf is the identity, not the root. */
	STACK_OF(X509) *extra = sk_X509_new_null();
	assert_non_null(extra);
	assert_true(sk_X509_push(extra, fx.inter) > 0);
	struct tv_p7 *p7 = sign_parse(fx.leaf, fx.kleaf, extra, EVP_sha256(), true);
	assert_true(tv_p7_signer_id(p7, id2));
	expected_id(fx.leaf, 32, "teevar test leaf", 16, want);
	assert_memory_equal(id2, want, 32);
	tv_p7_free(p7);
	sk_X509_free(extra);
}

static void test_signer_id_cn(void **state)
{
	uint8_t id[32], want[32];
	char cn[200];
	struct tv_p7 *p7;

	(void)state;
	/* No CN: no identity (EDK2: X509GetCommonName fails). */
	p7 = sign_parse(fx.no_cn, fx.ka, NULL, EVP_sha256(), true);
	memset(id, 0x5a, sizeof(id));
	assert_false(tv_p7_signer_id(p7, id));
	assert_true(verify_with(p7, fx.no_cn, msg, msg_len)); /* it still verifies */
	tv_p7_free(p7);

	/* A 200-byte CN counts with its first 127 bytes. */
	memset(cn, 'x', sizeof(cn));
	get_id(fx.long_cn, fx.ka, EVP_sha256(), true, id);
	expected_id(fx.long_cn, 32, cn, 127, want);
	assert_memory_equal(id, want, 32);
	expected_id(fx.long_cn, 32, cn, 128, want);
	assert_memory_not_equal(id, want, 32);

	/* A CN with a NUL counts up to it (EDK2 hashes AsciiStrLen bytes). */
	get_id(fx.nul_cn, fx.ka, EVP_sha256(), true, id);
	expected_id(fx.nul_cn, 32, "ab", 2, want);
	assert_memory_equal(id, want, 32);
}

/* ---- the KEK walk ---- */

static void test_kek_walk(void **state)
{
	uint8_t kek[8192], other[8192], mal[8192];
	size_t len = 0, olen = 0, mlen, bl, cal, al;
	uint8_t *bder = fx_cert_der(fx.b, &bl);
	uint8_t *cader = fx_cert_der(fx.ca, &cal);
	uint8_t *ader = fx_cert_der(fx.a, &al);
	uint8_t hash[32];
	const uint8_t *one[1];
	const uint8_t owners[2] = {0x11, 0x22};
	STACK_OF(X509) *extra = sk_X509_new_null();

	(void)state;
	memset(hash, 0xab, sizeof(hash));
	assert_non_null(extra);
	assert_true(sk_X509_push(extra, fx.inter) > 0);
	struct tv_p7 *p7 = sign_parse(fx.leaf, fx.kleaf, extra, EVP_sha256(), true);

	/* SHA256 list, X.509 list {B}, then X.509 list {root}. */
	one[0] = hash;
	fx_esl(kek, &len, tv_cert_sha256_guid, 32, 1, one, owners);
	one[0] = bder;
	fx_esl(kek, &len, tv_cert_x509_guid, (uint32_t)bl, 1, one, owners);
	size_t before_root = len;
	one[0] = cader;
	fx_esl(kek, &len, tv_cert_x509_guid, (uint32_t)cal, 1, one, owners);
	assert_true(tv_esl_verify_any_x509(kek, len, p7, msg, msg_len));
	assert_false(tv_esl_verify_any_x509(kek, before_root, p7, msg, msg_len));
	assert_false(tv_esl_verify_any_x509(kek, len, p7, msg, msg_len - 1));
	assert_false(tv_esl_verify_any_x509(NULL, 0, p7, msg, msg_len));
	assert_false(tv_esl_verify_any_x509(kek, len, NULL, msg, msg_len));

	/* The root's certificate under types other than X.509 is no anchor. */
	one[0] = cader;
	fx_esl(other, &olen, tv_cert_rsa2048_guid, (uint32_t)cal, 1, one, owners);
	fx_esl(other, &olen, tv_cert_x509_sha256_guid, (uint32_t)cal, 1, one, owners);
	assert_false(tv_esl_verify_any_x509(other, olen, p7, msg, msg_len));

	/* A malformed list before the root: the walk stops there ... */
	memcpy(mal, kek, before_root);
	memset(mal + before_root, 0xff, 28); /* a list header with a huge size */
	memcpy(mal + before_root + 28, kek + before_root, len - before_root);
	mlen = len + 28;
	assert_false(tv_esl_verify_any_x509(mal, mlen, p7, msg, msg_len));
	/* ... but an anchor before the damage has been tried. */
	mlen = 0;
	one[0] = cader;
	fx_esl(mal, &mlen, tv_cert_x509_guid, (uint32_t)cal, 1, one, owners);
	memset(mal + mlen, 0xff, 28);
	assert_true(tv_esl_verify_any_x509(mal, mlen + 28, p7, msg, msg_len));
	tv_p7_free(p7);

	/* Two entries in one X.509 list, B then A, each zero-padded to the
	 * larger size (d2i_X509 reads one certificate and, as in EDK2, what
	 * follows it in the entry is not looked at): the second one verifies
	 * a signature by A, after the first has failed on the same object. */
	size_t big = al > bl ? al : bl;
	uint8_t *pa = calloc(1, big), *pb = calloc(1, big);
	const uint8_t *two[2] = {pb, pa};
	assert_non_null(pa);
	assert_non_null(pb);
	memcpy(pa, ader, al);
	memcpy(pb, bder, bl);
	mlen = 0;
	fx_esl(mal, &mlen, tv_cert_x509_guid, (uint32_t)big, 2, two, owners);
	p7 = sign_parse(fx.a, fx.ka, NULL, EVP_sha256(), false);
	assert_true(tv_esl_verify_any_x509(mal, mlen, p7, msg, msg_len));
	two[1] = pb;
	mlen = 0;
	fx_esl(mal, &mlen, tv_cert_x509_guid, (uint32_t)big, 2, two, owners);
	assert_false(tv_esl_verify_any_x509(mal, mlen, p7, msg, msg_len));
	tv_p7_free(p7);

	free(pa);
	free(pb);
	sk_X509_free(extra);
	free(bder);
	free(cader);
	free(ader);
}

/* ---- efitools ---- */

static bool on_path(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void run(const char *dir, const char *cmd)
{
	char line[2048];

	snprintf(line, sizeof(line), "cd '%s' && %s >/dev/null 2>&1", dir, cmd);
	if (system(line) != 0)
		fail_msg("failed: %s", cmd);
}

/*
 * One .auth file from sign-efi-sig-list: the descriptor is parsed by hand
 * here (EFI_TIME, WIN_CERTIFICATE_UEFI_GUID), CertData must be the bare
 * SignedData form, and it must verify over the serialized bytes, which must
 * also equal sign-efi-sig-list -o's bundle.
 */
static void check_auth(const char *dir, const char *var, const uint8_t guid[16],
		       uint32_t attrs, const char *auth_name, const char *bundle_name,
		       const char *esl_name, const uint8_t *trusted, size_t trusted_len)
{
	static const uint8_t pkcs7_guid[16] = {0x9d, 0xd2, 0xaf, 0x4a, 0xdf, 0x68, 0xee, 0x49,
					       0x8a, 0xa9, 0x34, 0x7d, 0x37, 0x56, 0x65, 0xa7};
	size_t alen, blen, elen;
	uint8_t *auth = read_file(dir, auth_name, &alen);
	uint8_t *bundle = read_file(dir, bundle_name, &blen);
	uint8_t *esl = read_file(dir, esl_name, &elen);
	uint32_t dw;
	const uint8_t *cert, *payload;
	size_t cert_len, payload_len;
	uint8_t *ser;
	size_t ser_len;
	struct tv_p7 *p7;

	assert_true(alen > 40);
	dw = get_le32(auth + 16);
	assert_true(dw >= 24 && dw <= alen - 16);
	assert_int_equal(auth[22] | auth[23] << 8, 0x0ef1); /* WIN_CERT_TYPE_EFI_GUID */
	assert_memory_equal(auth + 24, pkcs7_guid, 16);
	cert = auth + 40;
	cert_len = dw - 24;
	payload = auth + 16 + dw;
	payload_len = alen - 16 - dw;
	assert_int_equal(payload_len, elen);
	assert_memory_equal(payload, esl, elen);
	/* efitools writes the bare SignedData: SEQUENCE { INTEGER version ... } */
	assert_int_equal(cert[0], 0x30);
	assert_int_equal(cert[cert[1] > 0x80 ? 2 + (cert[1] & 0x7f) : 2], 0x02);

	ser = malloc(2 * strlen(var) + 36 + payload_len);
	assert_non_null(ser);
	ser_len = serialize(ser, var, guid, attrs, auth, payload, payload_len);
	assert_int_equal(ser_len, blen);
	assert_memory_equal(ser, bundle, blen);

	p7 = parse_ok(cert, cert_len);
	assert_int_equal(tv_p7_digest_size(p7), 32);
	assert_true(tv_p7_verify(p7, trusted, trusted_len, ser, ser_len));
	ser[ser_len - 1] ^= 0x80;
	assert_false(tv_p7_verify(p7, trusted, trusted_len, ser, ser_len));
	tv_p7_free(p7);
	free(ser);
	free(auth);
	free(bundle);
	free(esl);
}

static uint8_t *pem_cert_der(const char *dir, const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	X509 *x;
	uint8_t *der;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	der = fx_cert_der(x, len);
	X509_free(x);
	return der;
}

static void test_efitools(void **state)
{
	static const uint8_t global_guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
						0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
	const char *ts = "-t '2024-03-04 05:06:07'";
	char cmd[1024];
	char *dir;
	size_t kek_len, pk_len, esl_len;
	uint8_t *kek_der, *pk_der, *esl;
	const uint8_t *first;
	size_t first_len;

	(void)state;
	if (!on_path("sign-efi-sig-list") || !on_path("cert-to-efi-sig-list") ||
	    !on_path("openssl"))
		skip();
	dir = tv_test_tmpdir();
	assert_non_null(dir);
	/* Keys made here and now, in the temporary directory. */
	for (int i = 0; i < 2; i++) {
		const char *who = i ? "KEK" : "PK";
		snprintf(cmd, sizeof(cmd),
			 "openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 "
			 "-subj '/CN=teevar efitools %s/' -keyout %s.key -out %s.crt",
			 who, who, who);
		run(dir, cmd);
		snprintf(cmd, sizeof(cmd),
			 "cert-to-efi-sig-list -g 11111111-2222-3333-4444-5555555555%02d "
			 "%s.crt %s.esl",
			 i, who, who);
		run(dir, cmd);
	}
	/* PK self-signed; db signed by KEK; an APPEND to db signed by KEK. */
	snprintf(cmd, sizeof(cmd), "sign-efi-sig-list %s -k PK.key -c PK.crt PK PK.esl PK.auth",
		 ts);
	run(dir, cmd);
	snprintf(cmd, sizeof(cmd), "sign-efi-sig-list -o %s PK PK.esl PK.bundle", ts);
	run(dir, cmd);
	snprintf(cmd, sizeof(cmd), "sign-efi-sig-list %s -k KEK.key -c KEK.crt db PK.esl db.auth",
		 ts);
	run(dir, cmd);
	snprintf(cmd, sizeof(cmd), "sign-efi-sig-list -o %s db PK.esl db.bundle", ts);
	run(dir, cmd);
	snprintf(cmd, sizeof(cmd),
		 "sign-efi-sig-list -a %s -k KEK.key -c KEK.crt db PK.esl dba.auth", ts);
	run(dir, cmd);
	snprintf(cmd, sizeof(cmd), "sign-efi-sig-list -a -o %s db PK.esl dba.bundle", ts);
	run(dir, cmd);

	kek_der = pem_cert_der(dir, "KEK.crt", &kek_len);
	pk_der = pem_cert_der(dir, "PK.crt", &pk_len);

	/* PK.esl is a well-formed PK payload whose first entry is PK.crt. */
	esl = read_file(dir, "PK.esl", &esl_len);
	assert_int_equal(tv_esl_check_format(esl, esl_len, true), EFI_SUCCESS);
	assert_true(tv_esl_first_data(esl, esl_len, &first, &first_len));
	assert_int_equal(first_len, pk_len);
	assert_memory_equal(first, pk_der, pk_len);

	check_auth(dir, "PK", global_guid, 0x27, "PK.auth", "PK.bundle", "PK.esl", first,
		   first_len);
	check_auth(dir, "db", image_security_guid, 0x27, "db.auth", "db.bundle", "PK.esl",
		   kek_der, kek_len);
	check_auth(dir, "db", image_security_guid, 0x67, "dba.auth", "dba.bundle", "PK.esl",
		   kek_der, kek_len);

	/* db.auth's signer against a KEK variable holding KEK.esl. */
	size_t kesl_len, dlen, blen;
	uint8_t *kesl = read_file(dir, "KEK.esl", &kesl_len);
	uint8_t *dbauth = read_file(dir, "db.auth", &dlen);
	uint8_t *bundle = read_file(dir, "db.bundle", &blen);
	uint32_t dw = get_le32(dbauth + 16);
	struct tv_p7 *p7 = parse_ok(dbauth + 40, dw - 24);
	assert_true(tv_esl_verify_any_x509(kesl, kesl_len, p7, bundle, blen));
	assert_false(tv_esl_verify_any_x509(esl, esl_len, p7, bundle, blen)); /* PK's list */
	tv_p7_free(p7);
	free(kesl);
	free(dbauth);
	free(bundle);

	free(esl);
	free(kek_der);
	free(pk_der);
	tv_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify_ok),
		cmocka_unit_test(test_wrong_data_fails),
		cmocka_unit_test(test_other_trusted_fails),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_expired_still_verifies),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_sha1_rejected),
		cmocka_unit_test(test_garbage_and_truncated),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_not_signed_data),
		cmocka_unit_test(test_large_signed_data),
		cmocka_unit_test(test_signer_der),
		cmocka_unit_test(test_signer_missing),
		cmocka_unit_test(test_signer_id),
		cmocka_unit_test(test_signer_id_cn),
		cmocka_unit_test(test_kek_walk),
		cmocka_unit_test(test_efitools),
	};
	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}

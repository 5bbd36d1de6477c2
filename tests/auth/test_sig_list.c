/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sig_list.c (EDK2 CheckSignatureListFormat and FilterSignatureList) against
 * byte vectors built here field by field: this file writes every list header
 * itself, with whatever sizes a case needs, and never uses the walker.
 * Certificates for the X.509 cases are made at test time (auth_fixture.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth_fixture.h"
#include "efi_siglist.h"
#include "sig_list.h"

/* ---- certificates ---- */

static uint8_t *rsa_der, *ec_der;
static size_t rsa_len, ec_len;

static int setup_certs(void **state)
{
	EVP_PKEY *rsa = fx_rsa_key(), *ec = fx_ec_key();
	X509 *rc = fx_self_signed(rsa, "teevar test RSA");
	X509 *ecc = fx_self_signed(ec, "teevar test EC");

	(void)state;
	rsa_der = fx_cert_der(rc, &rsa_len);
	ec_der = fx_cert_der(ecc, &ec_len);
	X509_free(rc);
	X509_free(ecc);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	return 0;
}

static int teardown_certs(void **state)
{
	(void)state;
	free(rsa_der);
	free(ec_der);
	return 0;
}

/* ---- hand-made lists ---- */

struct buf {
	uint8_t b[16384];
	size_t n;
};

static void put32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->b[b->n++] = (uint8_t)(v >> (8 * i));
}

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void fill(struct buf *b, uint8_t v, size_t n)
{
	memset(b->b + b->n, v, n);
	b->n += n;
}

/* An EFI_SIGNATURE_LIST header with the given fields, as they are. */
static void header(struct buf *b, const uint8_t type[16], uint32_t list_size,
		   uint32_t header_size, uint32_t sig_size)
{
	put(b, type, 16);
	put32(b, list_size);
	put32(b, header_size);
	put32(b, sig_size);
}

/* One entry: owner GUID of byte `owner`, then data_size bytes of `fillv`. */
static void entry(struct buf *b, uint8_t owner, uint8_t fillv, size_t data_size)
{
	fill(b, owner, 16);
	fill(b, fillv, data_size);
}

/* A whole hash list of count entries, entry i = owner o+i, data byte d+i. */
static void hash_list(struct buf *b, const uint8_t type[16], uint32_t hash_size, uint32_t count,
		      uint8_t o, uint8_t d)
{
	header(b, type, 28 + count * (16 + hash_size), 0, 16 + hash_size);
	for (uint32_t i = 0; i < count; i++)
		entry(b, (uint8_t)(o + i), (uint8_t)(d + i), hash_size);
}

/* An X.509 list holding the given certificates, zero-padded to the largest. */
static void x509_list(struct buf *b, const uint8_t *const *certs, const size_t *lens,
		      uint32_t count)
{
	size_t big = 0;

	for (uint32_t i = 0; i < count; i++)
		big = lens[i] > big ? lens[i] : big;
	header(b, tv_cert_x509_guid, (uint32_t)(28 + count * (16 + big)), 0, (uint32_t)(16 + big));
	for (uint32_t i = 0; i < count; i++) {
		fill(b, (uint8_t)(0x40 + i), 16);
		put(b, certs[i], lens[i]);
		fill(b, 0, big - lens[i]);
	}
}

static const uint8_t unknown_guid[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
					 5, 6, 7, 8, 9, 10, 11, 12};

static efi_status_t fmt(const struct buf *x, bool is_pk)
{
	return tv_esl_check_format(x->b, x->n, is_pk);
}

/* ---- tv_esl_check_format ---- */

static void test_format_empty(void **state)
{
	(void)state;
	assert_int_equal(tv_esl_check_format(NULL, 0, false), EFI_SUCCESS);
	assert_int_equal(tv_esl_check_format(NULL, 0, true), EFI_SUCCESS);
}

static void test_format_sha256(void **state)
{
	struct buf b = {.n = 0};

	(void)state;
	hash_list(&b, tv_cert_sha256_guid, 32, 3, 0x10, 0xa0);
	assert_int_equal(b.n, 28 + 3 * 48);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
}

static void test_format_two_lists(void **state)
{
	struct buf b = {.n = 0};
	const uint8_t *certs[] = {rsa_der};
	size_t lens[] = {rsa_len};

	(void)state;
	hash_list(&b, tv_cert_sha256_guid, 32, 2, 0x10, 0xa0);
	x509_list(&b, certs, lens, 1);
	hash_list(&b, tv_cert_sha384_guid, 48, 1, 0x20, 0xb0);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
}

static void test_format_every_type(void **state)
{
	static const struct {
		const uint8_t *guid;
		uint32_t size;
	} t[] = {
		{tv_cert_sha256_guid, 32},     {tv_cert_rsa2048_guid, 256},
		{tv_cert_rsa2048_sha256_guid, 256}, {tv_cert_sha1_guid, 20},
		{tv_cert_rsa2048_sha1_guid, 256}, {tv_cert_sha224_guid, 28},
		{tv_cert_sha384_guid, 48},     {tv_cert_sha512_guid, 64},
		{tv_cert_x509_sha256_guid, 48}, {tv_cert_x509_sha384_guid, 64},
		{tv_cert_x509_sha512_guid, 80},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b = {.n = 0};
		hash_list(&b, t[i].guid, t[i].size, 2, 1, 2);
		assert_int_equal(fmt(&b, false), EFI_SUCCESS);
		b.n = 0;
		hash_list(&b, t[i].guid, t[i].size + 1, 2, 1, 2);
		assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
		b.n = 0;
		hash_list(&b, t[i].guid, t[i].size - 1, 2, 1, 2);
		assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	}
}

static void test_format_header_size(void **state)
{
	struct buf b = {.n = 0};

	(void)state;
	/* A consistent list with a 4-byte SignatureHeader. */
	header(&b, tv_cert_sha256_guid, 28 + 4 + 48, 4, 48);
	fill(&b, 0x77, 4);
	entry(&b, 1, 2, 32);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
}

static void test_format_wrong_size(void **state)
{
	struct buf b = {.n = 0};

	(void)state;
	header(&b, tv_cert_sha256_guid, 28 + 2 * 47, 0, 16 + 31);
	entry(&b, 1, 2, 31);
	entry(&b, 1, 3, 31);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
}

static void test_format_unknown_type(void **state)
{
	struct buf b = {.n = 0};

	(void)state;
	hash_list(&b, unknown_guid, 32, 1, 1, 2);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	/* After a good list too. */
	b.n = 0;
	hash_list(&b, tv_cert_sha256_guid, 32, 1, 1, 2);
	hash_list(&b, unknown_guid, 32, 1, 1, 2);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
}

static void test_format_trailing(void **state)
{
	const size_t extra[] = {1, 27, 28, 100};

	(void)state;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		struct buf b = {.n = 0};
		hash_list(&b, tv_cert_sha256_guid, 32, 2, 1, 2);
		assert_int_equal(fmt(&b, false), EFI_SUCCESS);
		fill(&b, 0, extra[i]);
		assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	}
	/* A list that claims more than is there. */
	struct buf b = {.n = 0};
	header(&b, tv_cert_sha256_guid, 28 + 2 * 48, 0, 48);
	entry(&b, 1, 2, 32);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
}

static void test_format_bad_sizes(void **state)
{
	struct buf b = {.n = 0};

	(void)state;
	/* SignatureListSize < 28. */
	header(&b, tv_cert_sha256_guid, 20, 0, 48);
	fill(&b, 0, 8);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	/* SignatureSize < 16, and 0. */
	b.n = 0;
	header(&b, tv_cert_sha256_guid, 28 + 16, 0, 8);
	fill(&b, 0, 16);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	b.n = 0;
	header(&b, tv_cert_sha256_guid, 28 + 16, 0, 0);
	fill(&b, 0, 16);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	/* Entries not a whole number of SignatureSize. */
	b.n = 0;
	header(&b, tv_cert_sha256_guid, 28 + 48 + 10, 0, 48);
	entry(&b, 1, 2, 32);
	fill(&b, 0, 10);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	/* Only a part of a header. */
	b.n = 0;
	header(&b, tv_cert_sha256_guid, 28, 0, 48);
	b.n = 20;
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
}

static void test_format_pk(void **state)
{
	struct buf b = {.n = 0};
	const uint8_t *certs[] = {rsa_der, rsa_der};
	size_t lens[] = {rsa_len, rsa_len};

	(void)state;
	/* One certificate: the normal PK. */
	x509_list(&b, certs, lens, 1);
	assert_int_equal(fmt(&b, true), EFI_SUCCESS);
	/* Two entries in one list. */
	b.n = 0;
	x509_list(&b, certs, lens, 2);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
	assert_int_equal(fmt(&b, true), EFI_INVALID_PARAMETER);
	/* One entry in each of two lists. */
	b.n = 0;
	x509_list(&b, certs, lens, 1);
	hash_list(&b, tv_cert_sha256_guid, 32, 1, 1, 2);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
	assert_int_equal(fmt(&b, true), EFI_INVALID_PARAMETER);
	/* No entry at all passes for PK (EDK2 counts <= 1). */
	b.n = 0;
	header(&b, tv_cert_sha256_guid, 28, 0, 48);
	assert_int_equal(fmt(&b, true), EFI_SUCCESS);
	header(&b, tv_cert_x509_guid, 28, 0, 16);
	assert_int_equal(fmt(&b, true), EFI_SUCCESS);
	/* A hash may be PK's one entry: no per-variable type rule. */
	b.n = 0;
	hash_list(&b, tv_cert_sha256_guid, 32, 1, 1, 2);
	assert_int_equal(fmt(&b, true), EFI_SUCCESS);
}

static void test_format_x509_garbage(void **state)
{
	struct buf b = {.n = 0};
	uint8_t junk[300];
	const uint8_t *certs[2];
	size_t lens[2];

	(void)state;
	memset(junk, 0x5a, sizeof(junk));
	junk[0] = 0x30;
	certs[0] = junk;
	lens[0] = sizeof(junk);
	x509_list(&b, certs, lens, 1);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	/* A certificate cut short. */
	b.n = 0;
	certs[0] = rsa_der;
	lens[0] = rsa_len - 1;
	x509_list(&b, certs, lens, 1);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	/* Only the FIRST entry is parsed (EDK2): garbage second passes ... */
	b.n = 0;
	certs[0] = rsa_der;
	lens[0] = rsa_len;
	certs[1] = junk;
	lens[1] = sizeof(junk) < rsa_len ? sizeof(junk) : rsa_len;
	x509_list(&b, certs, lens, 2);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
	/* ... garbage first fails. */
	b.n = 0;
	certs[0] = junk;
	lens[0] = lens[1];
	certs[1] = rsa_der;
	lens[1] = rsa_len;
	x509_list(&b, certs, lens, 2);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
}

static void test_format_x509_ec(void **state)
{
	struct buf b = {.n = 0};
	const uint8_t *certs[] = {ec_der};
	size_t lens[] = {ec_len};

	(void)state;
	x509_list(&b, certs, lens, 1);
	assert_int_equal(fmt(&b, false), EFI_INVALID_PARAMETER);
	assert_int_equal(fmt(&b, true), EFI_INVALID_PARAMETER);
	/* The same list with an RSA certificate passes. */
	b.n = 0;
	certs[0] = rsa_der;
	lens[0] = rsa_len;
	x509_list(&b, certs, lens, 1);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
}

static void test_format_x509_empty(void **state)
{
	struct buf b = {.n = 0};

	(void)state;
	/* SignatureSize 16: EDK2's empty X.509 list, no certificate parsed. */
	header(&b, tv_cert_x509_guid, 28, 0, 16);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
	b.n = 0;
	header(&b, tv_cert_x509_guid, 28 + 32, 0, 16);
	fill(&b, 0x33, 32);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
	/* SignatureSize > 16 but no entry: nothing to parse either (EDK2 would
	 * read past the list). */
	b.n = 0;
	header(&b, tv_cert_x509_guid, 28, 0, 16 + 900);
	assert_int_equal(fmt(&b, false), EFI_SUCCESS);
}

/* ---- tv_esl_filter ---- */

static void filter_ok(const struct buf *old, const struct buf *nw, struct buf *out)
{
	memset(out->b, 0xcc, sizeof(out->b));
	out->n = 12345;
	assert_int_equal(tv_esl_filter(old->b, old->n, nw->b, nw->n, out->b, &out->n),
			 EFI_SUCCESS);
	assert_true(out->n <= nw->n);
	/* Nothing written past out_size (out only needs new_size bytes). */
	for (size_t i = out->n; i < nw->n; i++)
		assert_int_equal(out->b[i], 0xcc);
}

static void test_filter_all_duplicates(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, out;

	(void)state;
	hash_list(&old, tv_cert_sha256_guid, 32, 3, 0x10, 0xa0);
	hash_list(&nw, tv_cert_sha256_guid, 32, 2, 0x11, 0xa1); /* entries 1 and 2 of old */
	filter_ok(&old, &nw, &out);
	assert_int_equal(out.n, 0);
	/* New equal to old. */
	filter_ok(&old, &old, &out);
	assert_int_equal(out.n, 0);
}

static void test_filter_owner_differs(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, out;

	(void)state;
	hash_list(&old, tv_cert_sha256_guid, 32, 1, 0x10, 0xa0);
	hash_list(&nw, tv_cert_sha256_guid, 32, 1, 0x99, 0xa0); /* same hash, other owner */
	filter_ok(&old, &nw, &out);
	assert_int_equal(out.n, nw.n);
	assert_memory_equal(out.b, nw.b, nw.n);
}

static void test_filter_type_or_size_differs(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, out;

	(void)state;
	/* Same bytes under another type. */
	hash_list(&old, tv_cert_sha256_guid, 32, 1, 0x10, 0xa0);
	hash_list(&nw, tv_cert_x509_sha256_guid, 32, 1, 0x10, 0xa0);
	filter_ok(&old, &nw, &out);
	assert_int_equal(out.n, nw.n);
	assert_memory_equal(out.b, nw.b, nw.n);
	/* Same type, entry a prefix of an old entry of another size. */
	old.n = 0;
	nw.n = 0;
	hash_list(&old, tv_cert_x509_guid, 40, 1, 0x10, 0xa0);
	hash_list(&nw, tv_cert_x509_guid, 32, 1, 0x10, 0xa0);
	filter_ok(&old, &nw, &out);
	assert_int_equal(out.n, nw.n);
}

static void test_filter_partial(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, want = {.n = 0}, out;

	(void)state;
	/* old: hashes a1, a3 (owners 0x11, 0x13). */
	header(&old, tv_cert_sha256_guid, 28 + 2 * 48, 0, 48);
	entry(&old, 0x11, 0xa1, 32);
	entry(&old, 0x13, 0xa3, 32);
	/* new: a0..a4 with owners 0x10..0x14 -> a1 and a3 go. */
	hash_list(&nw, tv_cert_sha256_guid, 32, 5, 0x10, 0xa0);
	filter_ok(&old, &nw, &out);
	header(&want, tv_cert_sha256_guid, 28 + 3 * 48, 0, 48);
	entry(&want, 0x10, 0xa0, 32);
	entry(&want, 0x12, 0xa2, 32);
	entry(&want, 0x14, 0xa4, 32);
	assert_int_equal(out.n, want.n);
	assert_memory_equal(out.b, want.b, want.n);
}

static void test_filter_two_lists(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, out;

	(void)state;
	hash_list(&old, tv_cert_sha384_guid, 48, 2, 0x20, 0xb0);
	hash_list(&old, tv_cert_sha256_guid, 32, 1, 0x10, 0xa0);
	/* new: a SHA-384 list wholly in old, then a SHA-256 list that is new. */
	hash_list(&nw, tv_cert_sha384_guid, 48, 2, 0x20, 0xb0);
	size_t first = nw.n;
	hash_list(&nw, tv_cert_sha256_guid, 32, 2, 0x30, 0xc0);
	filter_ok(&old, &nw, &out);
	assert_int_equal(out.n, nw.n - first);
	assert_memory_equal(out.b, nw.b + first, out.n);
	/* And the other way round: the second list dropped. */
	struct buf nw2 = {.n = 0};
	hash_list(&nw2, tv_cert_sha256_guid, 32, 2, 0x30, 0xc0);
	size_t keep = nw2.n;
	hash_list(&nw2, tv_cert_sha384_guid, 48, 1, 0x21, 0xb1);
	filter_ok(&old, &nw2, &out);
	assert_int_equal(out.n, keep);
	assert_memory_equal(out.b, nw2.b, keep);
}

static void test_filter_header_kept(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, want = {.n = 0}, out;

	(void)state;
	/* The filter does not judge types or headers: a SignatureHeader is
	 * copied with its list, once. */
	hash_list(&old, unknown_guid, 8, 1, 0x01, 0x61);
	header(&nw, unknown_guid, 28 + 3 + 3 * 24, 3, 24);
	put(&nw, "hdr", 3);
	entry(&nw, 0x00, 0x60, 8);
	entry(&nw, 0x01, 0x61, 8);
	entry(&nw, 0x02, 0x62, 8);
	filter_ok(&old, &nw, &out);
	header(&want, unknown_guid, 28 + 3 + 2 * 24, 3, 24);
	put(&want, "hdr", 3);
	entry(&want, 0x00, 0x60, 8);
	entry(&want, 0x02, 0x62, 8);
	assert_int_equal(out.n, want.n);
	assert_memory_equal(out.b, want.b, want.n);
}

static void test_filter_new_only_against_old(void **state)
{
	struct buf old = {.n = 0}, nw = {.n = 0}, out;

	(void)state;
	/* Two equal new entries, neither in old: both stay (EDK2). */
	hash_list(&nw, tv_cert_sha256_guid, 32, 1, 0x10, 0xa0);
	hash_list(&nw, tv_cert_sha256_guid, 32, 1, 0x10, 0xa0);
	filter_ok(&old, &nw, &out); /* old empty */
	assert_int_equal(out.n, nw.n);
	assert_memory_equal(out.b, nw.b, nw.n);
	/* Empty new. */
	hash_list(&old, tv_cert_sha256_guid, 32, 1, 0x10, 0xa0);
	struct buf none = {.n = 0};
	filter_ok(&old, &none, &out);
	assert_int_equal(out.n, 0);
}

static void test_filter_malformed(void **state)
{
	struct buf good = {.n = 0}, bad = {.n = 0}, out = {.n = 0};

	(void)state;
	hash_list(&good, tv_cert_sha256_guid, 32, 2, 0x10, 0xa0);
	hash_list(&bad, tv_cert_sha256_guid, 32, 1, 0x50, 0xe0);
	fill(&bad, 0xff, 5); /* trailing bytes */
	out.n = 99;
	assert_int_equal(tv_esl_filter(bad.b, bad.n, good.b, good.n, out.b, &out.n),
			 EFI_INVALID_PARAMETER);
	assert_int_equal(out.n, 0);
	assert_int_equal(tv_esl_filter(good.b, good.n, bad.b, bad.n, out.b, &out.n),
			 EFI_INVALID_PARAMETER);
	/* A SignatureSize of 0 in old. */
	bad.n = 0;
	header(&bad, tv_cert_sha256_guid, 28 + 48, 0, 0);
	entry(&bad, 1, 2, 32);
	assert_int_equal(tv_esl_filter(bad.b, bad.n, good.b, good.n, out.b, &out.n),
			 EFI_INVALID_PARAMETER);
	/* A list running past the end of new. */
	bad.n = 0;
	header(&bad, tv_cert_sha256_guid, 28 + 2 * 48, 0, 48);
	entry(&bad, 1, 2, 32);
	assert_int_equal(tv_esl_filter(good.b, good.n, bad.b, bad.n, out.b, &out.n),
			 EFI_INVALID_PARAMETER);
}

/* ---- tv_esl_first_data ---- */

static void test_first_data(void **state)
{
	struct buf b = {.n = 0};
	const uint8_t *certs[] = {rsa_der};
	size_t lens[] = {rsa_len};
	const uint8_t *d;
	size_t n;

	(void)state;
	x509_list(&b, certs, lens, 1);
	hash_list(&b, tv_cert_sha256_guid, 32, 1, 1, 2);
	assert_true(tv_esl_first_data(b.b, b.n, &d, &n));
	assert_ptr_equal(d, b.b + 28 + 16);
	assert_int_equal(n, rsa_len);
	assert_memory_equal(d, rsa_der, rsa_len);

	/* Of the first list only: an empty first list means none. */
	b.n = 0;
	header(&b, tv_cert_x509_guid, 28, 0, 16);
	x509_list(&b, certs, lens, 1);
	assert_false(tv_esl_first_data(b.b, b.n, &d, &n));
	assert_false(tv_esl_first_data(b.b, 0, &d, &n));
	assert_false(tv_esl_first_data(NULL, 0, &d, &n));
	/* A malformed first list. */
	b.n = 0;
	header(&b, tv_cert_x509_guid, 28 + 100, 0, 16 + 100);
	fill(&b, 1, 50);
	assert_false(tv_esl_first_data(b.b, b.n, &d, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_empty),
		cmocka_unit_test(test_format_sha256),
		cmocka_unit_test(test_format_two_lists),
		cmocka_unit_test(test_format_every_type),
		cmocka_unit_test(test_format_header_size),
		cmocka_unit_test(test_format_wrong_size),
		cmocka_unit_test(test_format_unknown_type),
		cmocka_unit_test(test_format_trailing),
		cmocka_unit_test(test_format_bad_sizes),
		cmocka_unit_test(test_format_pk),
		cmocka_unit_test(test_format_x509_garbage),
		cmocka_unit_test(test_format_x509_ec),
		cmocka_unit_test(test_format_x509_empty),
		cmocka_unit_test(test_filter_all_duplicates),
		cmocka_unit_test(test_filter_owner_differs),
		cmocka_unit_test(test_filter_type_or_size_differs),
		cmocka_unit_test(test_filter_partial),
		cmocka_unit_test(test_filter_two_lists),
		cmocka_unit_test(test_filter_header_kept),
		cmocka_unit_test(test_filter_new_only_against_old),
		cmocka_unit_test(test_filter_malformed),
		cmocka_unit_test(test_first_data),
	};

	return cmocka_run_group_tests(tests, setup_certs, teardown_certs);
}

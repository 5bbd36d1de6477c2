/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The on-RPMB byte layouts of store_format.h against hand-made vectors: every
 * expected byte string is built here, with this file's own offsets, its own
 * little-endian writes and its own HMAC-SHA256 (OpenSSL's HMAC(), not the
 * project's tv_hmac helpers), and compared with the encoders; hand-made bytes
 * are fed to the decoders. A few MACs are also pinned as known answers computed
 * outside C (Python's hmac module), so the hand builders are checked too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "store_format.h"
#include "tv_err.h"
#include "tv_test_util.h"

/* ---- this file's own helpers ---- */

static uint8_t key[32];

static int setup_key(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0xA0 + i);
	return 0;
}

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* HMAC-SHA256(key, prefix || a || b) with OpenSSL's one-shot HMAC(). */
static void hmac(const char *prefix, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		 uint8_t out[32])
{
	size_t plen = prefix ? strlen(prefix) : 0;
	uint8_t *msg = malloc(plen + alen + blen + 1);
	assert_non_null(msg);
	if (plen)
		memcpy(msg, prefix, plen);
	memcpy(msg + plen, a, alen);
	if (blen)
		memcpy(msg + plen + alen, b, blen);
	unsigned int len = 0;
	assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), msg, plen + alen + blen, out, &len));
	assert_int_equal(len, 32);
	free(msg);
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	assert_non_null(q);
	memcpy(q, p, n);
	return q;
}

static const uint8_t guid[16] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F};
/* L"Ab" with its NUL, UCS-2 little-endian. */
static const uint8_t name_ab[6] = {'A', 0, 'b', 0, 0, 0};
static const uint8_t data5[5] = {0xDE, 0xAD, 0xBE, 0xEF, 0x01};
#define SEQ_A 0x0102030400030002ull

/* Known answers, computed with Python's hmac module from the same fields and
 * the key 0xA0..0xBF: they check this file's builders (tools that share a
 * mistake with the encoder would otherwise agree with it). */
#define REC_KAT "77f4c5c3 2c48fc3b3958874d563b4107" /* test_rec_var: check, MAC */
#define SB_KAT "03c4044871c4702d4796a69bcca9f0b7cdde936068e9185c252c756f5caffa4f"
#define CKPT_KAT "2581d8b2" /* 1-block checkpoint: check, then MAC */ \
	"3b652f674ef24e6debf763294110932be8611d42dfc47c85c28d85253123d8ba"

/* ---- records ---- */

/* A record by hand. magic 0x7F: header check at 36 (4 bytes of HMAC("H" ||
 * 0..35)), MAC at 40 (12 bytes of HMAC(0..39 || body)); magic 0x7E: 16 bytes of
 * HMAC(0..35 || body) at 36. ext (48 bytes) goes first in the body if given.
 * name_size / data_size are written as given, the body holds nlen + dlen bytes. */
static size_t hand_rec(uint8_t magic, uint8_t type, const uint8_t *name, uint16_t name_size,
		       size_t nlen, const uint8_t *data, uint32_t data_size, size_t dlen,
		       uint64_t seq, uint32_t attrs, const uint8_t *ext, uint8_t *out)
{
	memset(out, 0xEE, 52);
	out[0] = magic;
	out[1] = type;
	le16(out + 2, name_size);
	le32(out + 4, data_size);
	le64(out + 8, seq);
	memcpy(out + 16, guid, 16);
	le32(out + 32, attrs);
	size_t body = 0;
	if (ext) {
		memcpy(out + 52, ext, 48);
		body = 48;
	}
	memcpy(out + 52 + body, name, nlen);
	body += nlen;
	if (dlen)
		memcpy(out + 52 + body, data, dlen);
	body += dlen;
	uint8_t mac[32];
	if (magic == 0x7F) {
		hmac("H", out, 36, NULL, 0, mac);
		memcpy(out + 36, mac, 4);
		hmac(NULL, out, 40, out + 52, body, mac);
		memcpy(out + 40, mac, 12);
	} else {
		hmac(NULL, out, 36, out + 52, body, mac);
		memcpy(out + 36, mac, 16);
	}
	return 52 + body;
}

static void check_rec_fields(const struct tv_rec *r, uint8_t type, const uint8_t *name,
			     uint16_t name_size, const uint8_t *data, uint32_t data_size,
			     uint64_t seq, uint32_t attrs)
{
	assert_int_equal(r->type, type);
	assert_int_equal(r->name_size, name_size);
	assert_int_equal(r->data_size, data_size);
	assert_true(r->seq == seq);
	assert_memory_equal(r->guid, guid, 16);
	assert_int_equal(r->attrs, attrs);
	if (name)
		assert_memory_equal(r->name, name, name_size);
	if (data && data_size)
		assert_memory_equal(r->data, data, data_size);
}

/* Flips one bit at off in a copy; returns tv_rec_decode's and
 * tv_rec_decode_header's results through rc_dec / rc_hdr. */
static void flipped(const uint8_t *rec, size_t size, size_t off, int *rc_dec, int *rc_hdr)
{
	uint8_t *b = dup_bytes(rec, size);
	b[off] ^= 0x04;
	struct tv_rec r;
	size_t got;
	*rc_dec = tv_rec_decode(key, b, size, &r, &got);
	*rc_hdr = tv_rec_decode_header(key, b, size, &r);
	free(b);
}

static void test_rec_var(void **state)
{
	(void)state;
	uint8_t want[128], out[128];
	size_t size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 5, 5, SEQ_A, 0x07, NULL, want);
	assert_int_equal(size, 52 + 6 + 5);
	assert_int_equal(tv_rec_size(TV_REC_VAR, 6, 5), size);

	struct tv_rec r = {.type = TV_REC_VAR, .seq = SEQ_A, .attrs = 0x07, .name = name_ab,
			   .name_size = 6, .data = data5, .data_size = 5};
	memcpy(r.guid, guid, 16);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(tv_rec_encode(key, &r, out), TV_OK);
	assert_memory_equal(out, want, size);

	uint8_t *buf = dup_bytes(want, size); /* exactly size bytes: ASan sees overreads */
	struct tv_rec d;
	size_t got = 0;
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_OK);
	assert_int_equal(got, size);
	check_rec_fields(&d, TV_REC_VAR, name_ab, 6, data5, 5, SEQ_A, 0x07);
	assert_ptr_equal(d.name, buf + 52);
	assert_ptr_equal(d.data, buf + 58);
	free(buf);

	/* The header alone (52 bytes), authenticated by its check. */
	buf = dup_bytes(want, 52);
	memset(&d, 0, sizeof(d));
	assert_int_equal(tv_rec_decode_header(key, buf, 52, &d), TV_OK);
	check_rec_fields(&d, TV_REC_VAR, NULL, 6, NULL, 5, SEQ_A, 0x07);
	/* ... but not as a whole record. */
	assert_int_equal(tv_rec_decode(key, buf, 52, &d, &got), TV_ECORRUPT);
	free(buf);

	int rc_dec, rc_hdr;
	/* A bit of the body (name, data) or of the 12-byte MAC: the record fails,
	 * its header does not. */
	for (size_t off = 40; off < size; off++) {
		flipped(want, size, off, &rc_dec, &rc_hdr);
		assert_int_equal(rc_dec, TV_ECORRUPT);
		assert_int_equal(rc_hdr, TV_OK);
	}
	/* A bit of the header fields or its check: both fail. Bytes 2..7 are the
	 * sizes; changing them changes the record's extent too, still refused. */
	for (size_t off = 0; off < 40; off++) {
		flipped(want, size, off, &rc_dec, &rc_hdr);
		assert_int_equal(rc_dec, TV_ECORRUPT);
		assert_int_equal(rc_hdr, TV_ECORRUPT);
	}
}

static void test_rec_authvar(void **state)
{
	(void)state;
	uint8_t ext[48];
	for (int i = 0; i < 48; i++)
		ext[i] = (uint8_t)(0x30 + i);
	uint8_t want[160], out[160];
	const uint8_t data[3] = {7, 8, 9};
	uint64_t seq = 0xFFFFFFFE00100000ull;
	size_t size = hand_rec(0x7F, 3, name_ab, 6, 6, data, 3, 3, seq, 0x27, ext, want);
	assert_int_equal(size, 52 + 48 + 6 + 3);
	assert_int_equal(tv_rec_size(TV_REC_AUTHVAR, 6, 3), size);

	struct tv_rec r = {.type = TV_REC_AUTHVAR, .seq = seq, .attrs = 0x27, .name = name_ab,
			   .name_size = 6, .data = data, .data_size = 3};
	memcpy(r.guid, guid, 16);
	memcpy(r.ext.timestamp, ext, 16);
	memcpy(r.ext.signer, ext + 16, 32);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(tv_rec_encode(key, &r, out), TV_OK);
	assert_memory_equal(out, want, size);

	uint8_t *buf = dup_bytes(want, size);
	struct tv_rec d;
	size_t got = 0;
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_OK);
	assert_int_equal(got, size);
	check_rec_fields(&d, TV_REC_AUTHVAR, name_ab, 6, data, 3, seq, 0x27);
	assert_memory_equal(d.ext.timestamp, ext, 16);
	assert_memory_equal(d.ext.signer, ext + 16, 32);
	assert_ptr_equal(d.name, buf + 100);
	free(buf);

	buf = dup_bytes(want, 52);
	assert_int_equal(tv_rec_decode_header(key, buf, 52, &d), TV_OK);
	check_rec_fields(&d, TV_REC_AUTHVAR, NULL, 6, NULL, 3, seq, 0x27);
	free(buf);

	int rc_dec, rc_hdr;
	flipped(want, size, 52 + 5, &rc_dec, &rc_hdr); /* the timestamp */
	assert_int_equal(rc_dec, TV_ECORRUPT);
	assert_int_equal(rc_hdr, TV_OK);
	flipped(want, size, 52 + 40, &rc_dec, &rc_hdr); /* the signer */
	assert_int_equal(rc_dec, TV_ECORRUPT);
	assert_int_equal(rc_hdr, TV_OK);
	flipped(want, size, 1, &rc_dec, &rc_hdr); /* type 3 -> 7 */
	assert_int_equal(rc_dec, TV_ECORRUPT);
	assert_int_equal(rc_hdr, TV_ECORRUPT);
	flipped(want, size, 33, &rc_dec, &rc_hdr); /* attributes */
	assert_int_equal(rc_dec, TV_ECORRUPT);
	assert_int_equal(rc_hdr, TV_ECORRUPT);
}

/* A DEL record (format 2) is a header and a name. */
static void test_rec_del(void **state)
{
	(void)state;
	uint8_t want[64], out[64];
	size_t size = hand_rec(0x7F, 2, name_ab, 6, 6, NULL, 0, 0, 42, 0x07, NULL, want);
	struct tv_rec r = {.type = TV_REC_DEL, .seq = 42, .attrs = 0x07, .name = name_ab,
			   .name_size = 6};
	memcpy(r.guid, guid, 16);
	assert_int_equal(tv_rec_encode(key, &r, out), TV_OK);
	assert_memory_equal(out, want, size);
	uint8_t *buf = dup_bytes(want, size);
	struct tv_rec d;
	size_t got;
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_OK);
	assert_int_equal(got, 58);
	check_rec_fields(&d, TV_REC_DEL, name_ab, 6, NULL, 0, 42, 0x07);
	free(buf);
}

/* Format 1: magic 0x7E, a 16-byte MAC over bytes 0..35 and the body. */
static void test_rec_v1(void **state)
{
	(void)state;
	uint8_t want[128];
	size_t size = hand_rec(0x7E, 1, name_ab, 6, 6, data5, 5, 5, 17, 0x03, NULL, want);
	uint8_t *buf = dup_bytes(want, size);
	struct tv_rec d;
	size_t got = 0;
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_OK);
	assert_int_equal(got, size);
	check_rec_fields(&d, TV_REC_VAR, name_ab, 6, data5, 5, 17, 0x03);
	/* It has no header check: tv_rec_decode_header is for format 2 only. */
	assert_int_equal(tv_rec_decode_header(key, buf, size, &d), TV_ECORRUPT);
	/* A format-1 AUTHVAR. */
	uint8_t ext[48];
	memset(ext, 0x61, sizeof(ext));
	free(buf);
	size = hand_rec(0x7E, 3, name_ab, 6, 6, data5, 2, 2, 18, 0x27, ext, want);
	buf = dup_bytes(want, size);
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_OK);
	check_rec_fields(&d, TV_REC_AUTHVAR, name_ab, 6, data5, 2, 18, 0x27);
	assert_memory_equal(d.ext.signer, ext + 16, 32);
	free(buf);

	/* Any bit of the format-1 record, MAC included, is covered. */
	size = hand_rec(0x7E, 1, name_ab, 6, 6, data5, 5, 5, 17, 0x03, NULL, want);
	for (size_t off = 0; off < size; off++) {
		buf = dup_bytes(want, size);
		buf[off] ^= 0x20;
		assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_ECORRUPT);
		free(buf);
	}
	/* The format-1 MAC under the format-2 magic (and the reverse) is refused. */
	buf = dup_bytes(want, size);
	buf[0] = 0x7F;
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_ECORRUPT);
	free(buf);
	size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 5, 5, 17, 0x03, NULL, want);
	buf = dup_bytes(want, size);
	buf[0] = 0x7E;
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_ECORRUPT);
	free(buf);
}

static void expect_refused(const uint8_t *rec, size_t avail, bool header_too)
{
	uint8_t *buf = dup_bytes(rec, avail);
	struct tv_rec d;
	size_t got;
	assert_int_equal(tv_rec_decode(key, buf, avail, &d, &got), TV_ECORRUPT);
	if (header_too)
		assert_int_equal(tv_rec_decode_header(key, buf, avail, &d), TV_ECORRUPT);
	free(buf);
}

static void test_rec_refusals(void **state)
{
	(void)state;
	uint8_t rec[128];
	size_t size;
	struct tv_rec d;
	uint8_t *buf;

	/* DEL with data, correctly MAC'ed. */
	size = hand_rec(0x7F, 2, name_ab, 6, 6, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, true);
	/* Odd name size: L"Ab" with a single NUL byte, 5 bytes. */
	size = hand_rec(0x7F, 1, name_ab, 5, 5, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);
	/* Unterminated name: L"Ab" without its NUL. */
	size = hand_rec(0x7F, 1, name_ab, 4, 4, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);
	/* Empty name. */
	size = hand_rec(0x7F, 1, name_ab, 0, 0, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);
	/* Unterminated in format 1 too. */
	size = hand_rec(0x7E, 1, name_ab, 4, 4, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);
	/* Unknown type (0 and 4) and unknown magic, correctly MAC'ed. */
	size = hand_rec(0x7F, 0, name_ab, 6, 6, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, true);
	size = hand_rec(0x7F, 4, name_ab, 6, 6, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, true);
	size = hand_rec(0x7D, 1, name_ab, 6, 6, data5, 1, 1, 5, 0x07, NULL, rec);
	expect_refused(rec, size, true);

	/* Truncated: a valid record, one byte short of its size, and shorter. */
	size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 5, 5, SEQ_A, 0x07, NULL, rec);
	expect_refused(rec, size - 1, false);
	expect_refused(rec, 52, false);
	expect_refused(rec, 51, true);
	expect_refused(rec, 1, true);
	buf = dup_bytes(rec, 1);
	size_t got;
	assert_int_equal(tv_rec_decode(key, buf, 0, &d, &got), TV_ECORRUPT);
	free(buf);
	/* A header that claims more data than there is (the MAC over what is
	 * there with the claimed size). */
	size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 100, 5, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);
	/* ... and a name size that runs far past the buffer. */
	size = hand_rec(0x7F, 1, name_ab, 0xFFFF, 6, data5, 0, 0, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);
	size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 0xFFFFFFFFu, 5, 5, 0x07, NULL, rec);
	expect_refused(rec, size, false);

	/* Another key. */
	size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 5, 5, SEQ_A, 0x07, NULL, rec);
	uint8_t other[32];
	memcpy(other, key, 32);
	other[31] ^= 1;
	buf = dup_bytes(rec, size);
	assert_int_equal(tv_rec_decode(other, buf, size, &d, &got), TV_ECORRUPT);
	assert_int_equal(tv_rec_decode_header(other, buf, size, &d), TV_ECORRUPT);
	assert_int_equal(tv_rec_decode(key, buf, size, &d, &got), TV_OK);
	free(buf);
}

/* Known answers for the builder (computed with Python's hmac module): the VAR
 * record of test_rec_var, header check and MAC. */
static void test_rec_known_answer(void **state)
{
	(void)state;
	uint8_t rec[128], want[16];
	size_t size = hand_rec(0x7F, 1, name_ab, 6, 6, data5, 5, 5, SEQ_A, 0x07, NULL, rec);
	assert_int_equal(size, 63);
	assert_int_equal(tv_test_hex(REC_KAT, want, 16), 16);
	assert_memory_equal(rec + 36, want, 16);
	uint8_t hdr[36];
	assert_int_equal(tv_test_hex("7f010600 05000000 0200030004030201"
				     "101112131415161718191a1b1c1d1e1f 07000000",
				     hdr, 36),
			 36);
	assert_memory_equal(rec, hdr, 36);
}

/* ---- sequence numbers ---- */

static void test_seq(void **state)
{
	(void)state;
	assert_true(tv_seq_make(0x01020304u, 3, 2) == 0x0102030400030002ull);
	assert_int_equal(tv_seq_counter(0x0102030400030002ull), 0x01020304u);
	assert_int_equal(tv_seq_batch_blocks(0x0102030400030002ull), 3);
	assert_int_equal(tv_seq_index(0x0102030400030002ull), 2);

	assert_true(tv_seq_make(0xFFFFFFFFu, 0xFFFF, 0xFFFF) == 0xFFFFFFFFFFFFFFFFull);
	assert_true(tv_seq_make(0, 0, 0) == 0);
	assert_true(tv_seq_make(0x80000000u, 1, 0) == 0x8000000000010000ull);
	assert_true(tv_seq_make(1, 0, 0xFFFF) == 0x000000010000FFFFull);
	/* Out-of-range batch size and index are cut to 16 bits, not carried. */
	assert_true(tv_seq_make(5, 0x12345, 0xABCDE) == 0x000000052345BCDEull);
	assert_int_equal(tv_seq_counter(0xA1B2C3D4E5F60718ull), 0xA1B2C3D4u);
	assert_int_equal(tv_seq_batch_blocks(0xA1B2C3D4E5F60718ull), 0xE5F6);
	assert_int_equal(tv_seq_index(0xA1B2C3D4E5F60718ull), 0x0718);
	/* Later writes sort after earlier ones: the counter is the top. */
	assert_true(tv_seq_make(7, 1, 0) > tv_seq_make(6, 0xFFFF, 0xFFFF));
	assert_true(tv_seq_make(7, 2, 1) > tv_seq_make(7, 2, 0));
}

/* ---- superblock ---- */

static void hand_sb(uint32_t version, uint32_t seg_blocks, uint32_t seg_count,
		    const uint8_t id[16], uint32_t ckpt, uint32_t fcounter, uint32_t wblocks,
		    uint8_t out[256])
{
	memset(out, 0, 256);
	memcpy(out, "TVSTORE1", 8);
	le32(out + 8, version);
	le32(out + 12, seg_blocks);
	le32(out + 16, seg_count);
	memcpy(out + 20, id, 16);
	le32(out + 36, ckpt);
	le32(out + 40, fcounter);
	le32(out + 44, wblocks);
	hmac(NULL, out, 224, NULL, 0, out + 224);
}

static void test_superblock(void **state)
{
	(void)state;
	uint8_t id[16];
	for (int i = 0; i < 16; i++)
		id[i] = (uint8_t)(0xC0 | i);
	uint8_t want[256], out[256];
	hand_sb(2, 16, 0x01020304u, id, 3, 0xCAFEBABEu, 2, want);

	struct tv_superblock sb = {.version = 2, .seg_blocks = 16, .seg_count = 0x01020304u,
				   .ckpt_blocks = 3, .format_counter = 0xCAFEBABEu,
				   .write_blocks = 2};
	memcpy(sb.store_id, id, 16);
	memset(out, 0x55, sizeof(out));
	tv_sb_encode(key, &sb, out);
	assert_memory_equal(out, want, 256);

	uint8_t *buf = dup_bytes(want, 256);
	struct tv_superblock d;
	memset(&d, 0x77, sizeof(d));
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_OK);
	assert_int_equal(d.version, 2);
	assert_int_equal(d.seg_blocks, 16);
	assert_int_equal(d.seg_count, 0x01020304u);
	assert_memory_equal(d.store_id, id, 16);
	assert_int_equal(d.ckpt_blocks, 3);
	assert_int_equal(d.format_counter, 0xCAFEBABEu);
	assert_int_equal(d.write_blocks, 2);

	/* Every byte is under the MAC, the MAC itself too. */
	for (size_t off = 0; off < 256; off += 5) {
		buf[off] ^= 0x01;
		assert_int_equal(tv_sb_decode(key, buf, &d), TV_ECORRUPT);
		buf[off] ^= 0x01;
	}
	buf[255] ^= 0x80;
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_ECORRUPT);
	free(buf);

	/* Version 1: bytes 36..47 are not its fields (even when they are not zero,
	 * as here, under a valid MAC). */
	hand_sb(1, 8, 30, id, 3, 99, 2, want);
	buf = dup_bytes(want, 256);
	memset(&d, 0x77, sizeof(d));
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_OK);
	assert_int_equal(d.version, 1);
	assert_int_equal(d.seg_blocks, 8);
	assert_int_equal(d.seg_count, 30);
	assert_memory_equal(d.store_id, id, 16);
	assert_int_equal(d.ckpt_blocks, 0);
	assert_int_equal(d.format_counter, 0);
	assert_int_equal(d.write_blocks, 0);
	free(buf);
	/* tv_sb_encode writes a version-1 superblock with zeros there. */
	hand_sb(1, 8, 30, id, 0, 0, 0, want);
	struct tv_superblock v1 = {.version = 1, .seg_blocks = 8, .seg_count = 30,
				   .ckpt_blocks = 3, .format_counter = 99, .write_blocks = 2};
	memcpy(v1.store_id, id, 16);
	tv_sb_encode(key, &v1, out);
	assert_memory_equal(out, want, 256);

	/* Version 3 (and 0), correctly MAC'ed: refused. */
	hand_sb(3, 16, 4, id, 3, 1, 2, want);
	buf = dup_bytes(want, 256);
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_ECORRUPT);
	free(buf);
	hand_sb(0, 16, 4, id, 0, 0, 0, want);
	buf = dup_bytes(want, 256);
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_ECORRUPT);
	free(buf);
	/* Bad magic under a valid MAC. */
	hand_sb(2, 16, 4, id, 3, 1, 2, want);
	want[7] = '2';
	hmac(NULL, want, 224, NULL, 0, want + 224);
	buf = dup_bytes(want, 256);
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_ECORRUPT);
	free(buf);
	/* Bad MAC: right fields, MAC of another key. */
	hand_sb(2, 16, 4, id, 3, 1, 2, want);
	want[224] ^= 0x10;
	buf = dup_bytes(want, 256);
	assert_int_equal(tv_sb_decode(key, buf, &d), TV_ECORRUPT);
	free(buf);

	/* Known answer (Python hmac) for the builder. */
	hand_sb(2, 16, 0x01020304u, id, 3, 0xCAFEBABEu, 2, want);
	uint8_t kat[32];
	assert_int_equal(tv_test_hex(SB_KAT, kat, 32), 32);
	assert_memory_equal(want + 224, kat, 32);
}

/* ---- checkpoints ---- */

struct hrun {
	uint16_t block, offset, blocks, records;
};

/* A checkpoint by hand, nblocks * 256 bytes. */
static void hand_ckpt(uint16_t nblocks, uint32_t counter, uint32_t head_seg, uint32_t head_pos,
		      uint32_t run_blocks, const uint16_t *plan, uint16_t nplan,
		      const struct hrun *runs, uint16_t nruns, uint8_t *out)
{
	size_t size = (size_t)nblocks * 256;
	memset(out, 0, size);
	out[0] = 'T';
	out[1] = 'V';
	out[2] = 'C';
	out[3] = 'K';
	le16(out + 4, nblocks);
	le16(out + 6, 1);
	le32(out + 8, counter);
	le32(out + 12, head_seg);
	le32(out + 16, head_pos);
	le16(out + 20, nplan);
	le16(out + 22, nruns);
	le32(out + 24, run_blocks);
	uint8_t mac[32];
	hmac("C", out, 28, NULL, 0, mac);
	memcpy(out + 28, mac, 4);
	size_t off = 32;
	for (uint16_t i = 0; i < nplan; i++, off += 2)
		le16(out + off, plan[i]);
	for (uint16_t i = 0; i < nruns; i++, off += 8) {
		le16(out + off, runs[i].block);
		le16(out + off + 2, runs[i].offset);
		le16(out + off + 4, runs[i].blocks);
		le16(out + off + 6, runs[i].records);
	}
	hmac(NULL, out, size - 32, NULL, 0, out + size - 32);
}

static void to_ckpt(struct tv_ckpt *c, uint16_t nblocks, uint32_t counter, uint32_t head_seg,
		    uint32_t head_pos, uint32_t run_blocks, uint16_t *plan, uint16_t nplan,
		    const struct hrun *runs, uint16_t nruns)
{
	memset(c, 0, sizeof(*c));
	c->nblocks = nblocks;
	c->counter = counter;
	c->head_seg = head_seg;
	c->head_pos = head_pos;
	c->run_blocks = run_blocks;
	c->nplan = nplan;
	c->nruns = nruns;
	c->plan = plan;
	c->runs = calloc(nruns + 1u, sizeof(*c->runs));
	assert_non_null(c->runs);
	for (uint16_t i = 0; i < nruns; i++) {
		c->runs[i].block = runs[i].block;
		c->runs[i].offset = runs[i].offset;
		c->runs[i].blocks = runs[i].blocks;
		c->runs[i].records = runs[i].records;
	}
}

static void check_ckpt(const struct tv_ckpt *d, uint16_t nblocks, uint32_t counter,
		       uint32_t head_seg, uint32_t head_pos, uint32_t run_blocks,
		       const uint16_t *plan, uint16_t nplan, const struct hrun *runs,
		       uint16_t nruns)
{
	assert_int_equal(d->nblocks, nblocks);
	assert_int_equal(d->counter, counter);
	assert_int_equal(d->head_seg, head_seg);
	assert_int_equal(d->head_pos, head_pos);
	assert_int_equal(d->run_blocks, run_blocks);
	assert_int_equal(d->nplan, nplan);
	assert_int_equal(d->nruns, nruns);
	if (!plan)
		return; /* header only */
	for (uint16_t i = 0; i < nplan; i++)
		assert_int_equal(d->plan[i], plan[i]);
	for (uint16_t i = 0; i < nruns; i++) {
		assert_int_equal(d->runs[i].block, runs[i].block);
		assert_int_equal(d->runs[i].offset, runs[i].offset);
		assert_int_equal(d->runs[i].blocks, runs[i].blocks);
		assert_int_equal(d->runs[i].records, runs[i].records);
	}
}

static int decode_copy(const uint8_t *in, size_t avail, struct tv_ckpt *d)
{
	uint8_t *buf = dup_bytes(in, avail);
	memset(d, 0, sizeof(*d));
	int rc = tv_ckpt_decode(key, buf, avail, d);
	free(buf);
	return rc;
}

static void test_ckpt_one_block(void **state)
{
	(void)state;
	uint16_t plan[2] = {3, 0x8000 | 7};
	const struct hrun runs[2] = {{9, 0, 2, 3}, {20, 100, 1, 2}};
	uint8_t want[256], out[256];
	hand_ckpt(1, 0x11223344u, 5, 0x300, 3, plan, 2, runs, 2, want);
	/* Where the hand builder put things (its own offsets, checked once more). */
	assert_int_equal(want[32], 3);
	assert_int_equal(want[35], 0x80);
	assert_int_equal(want[34], 7);
	assert_int_equal(want[36 + 8 + 2], 100);
	assert_int_equal(want[36 + 16], 0); /* zero up to the MAC */
	assert_int_equal(tv_ckpt_blocks(2, 2), 1);

	struct tv_ckpt c;
	to_ckpt(&c, 1, 0x11223344u, 5, 0x300, 3, plan, 2, runs, 2);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(tv_ckpt_encode(key, &c, out), TV_OK);
	assert_memory_equal(out, want, 256);
	/* Too small a slot for what it holds: nothing to encode into. */
	c.nblocks = 0;
	assert_int_equal(tv_ckpt_encode(key, &c, out), TV_EINVAL);
	free(c.runs);

	struct tv_ckpt d;
	assert_int_equal(decode_copy(want, 256, &d), TV_OK);
	check_ckpt(&d, 1, 0x11223344u, 5, 0x300, 3, plan, 2, runs, 2);
	tv_ckpt_free(&d);
	/* From more than it needs (the rest of the slot). */
	uint8_t two[512];
	memcpy(two, want, 256);
	memset(two + 256, 0xA5, 256);
	assert_int_equal(decode_copy(two, 512, &d), TV_OK);
	check_ckpt(&d, 1, 0x11223344u, 5, 0x300, 3, plan, 2, runs, 2);
	tv_ckpt_free(&d);

	/* The header alone, by its check. */
	uint8_t *buf = dup_bytes(want, 256);
	memset(&d, 0x77, sizeof(d));
	assert_int_equal(tv_ckpt_decode_header(key, buf, &d), TV_OK);
	check_ckpt(&d, 1, 0x11223344u, 5, 0x300, 3, NULL, 2, runs, 2);
	/* A bit past the header (plan, runs, zero fill, MAC): the header still
	 * verifies, the checkpoint does not. */
	for (size_t off = 32; off < 256; off++) {
		buf[off] ^= 0x08;
		assert_int_equal(tv_ckpt_decode_header(key, buf, &d), TV_OK);
		assert_int_equal(decode_copy(buf, 256, &d), TV_ECORRUPT);
		buf[off] ^= 0x08;
	}
	/* A bit of the header or its check: both fail. */
	for (size_t off = 0; off < 32; off++) {
		buf[off] ^= 0x40;
		assert_int_equal(tv_ckpt_decode_header(key, buf, &d), TV_ECORRUPT);
		assert_int_equal(decode_copy(buf, 256, &d), TV_ECORRUPT);
		buf[off] ^= 0x40;
	}
	free(buf);

	/* Bad MAC: the trailing 32 bytes of another key's HMAC. */
	memcpy(out, want, 256);
	out[255] ^= 1;
	assert_int_equal(decode_copy(out, 256, &d), TV_ECORRUPT);
	/* Fewer bytes than its blocks. */
	assert_int_equal(decode_copy(want, 255, &d), TV_ECORRUPT);
	assert_int_equal(decode_copy(want, 32, &d), TV_ECORRUPT);

	/* Known answer (Python hmac) for the builder: header check and MAC. */
	uint8_t kat[36];
	assert_int_equal(tv_test_hex(CKPT_KAT, kat, 36), 36);
	assert_memory_equal(want + 28, kat, 4);
	assert_memory_equal(want + 224, kat + 4, 32);
}

static void test_ckpt_refusals(void **state)
{
	(void)state;
	uint16_t plan[2] = {3, 0x8000 | 7};
	uint8_t blk[512];
	struct tv_ckpt d;

	/* A byte after the runs that is not zero: correctly MAC'ed, still
	 * refused (one encoding per checkpoint). */
	struct hrun ok[2] = {{9, 0, 2, 3}, {20, 100, 1, 2}};
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, ok, 2, blk);
	assert_int_equal(decode_copy(blk, 256, &d), TV_OK);
	tv_ckpt_free(&d);
	blk[32 + 4 + 16] = 0x01;
	hmac(NULL, blk, 224, NULL, 0, blk + 224);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);

	/* A run with no records, correctly MAC'ed. */
	struct hrun r0[2] = {{9, 0, 2, 3}, {20, 100, 1, 0}};
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, r0, 2, blk);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);
	/* A run with no blocks. */
	struct hrun rb[2] = {{9, 0, 2, 3}, {20, 100, 0, 2}};
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, rb, 2, blk);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);
	/* A run offset of 256 (not in the block) is refused, 255 is not. */
	struct hrun ro[2] = {{9, 0, 2, 3}, {20, 256, 1, 2}};
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, ro, 2, blk);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);
	ro[1].offset = 0xFFFF;
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, ro, 2, blk);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);
	ro[1].offset = 255;
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, ro, 2, blk);
	assert_int_equal(decode_copy(blk, 256, &d), TV_OK);
	assert_int_equal(d.runs[1].offset, 255);
	tv_ckpt_free(&d);

	/* nblocks 0 under a valid header check and MAC over the block's first 224
	 * bytes. */
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, ro, 2, blk);
	le16(blk + 4, 0);
	uint8_t mac[32];
	hmac("C", blk, 28, NULL, 0, mac);
	memcpy(blk + 28, mac, 4);
	hmac(NULL, blk, 224, NULL, 0, blk + 224);
	assert_int_equal(tv_ckpt_decode_header(key, blk, &d), TV_ECORRUPT);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);
	/* Version 2. */
	hand_ckpt(1, 1, 5, 0, 3, plan, 2, ro, 2, blk);
	le16(blk + 6, 2);
	hmac("C", blk, 28, NULL, 0, mac);
	memcpy(blk + 28, mac, 4);
	hmac(NULL, blk, 224, NULL, 0, blk + 224);
	assert_int_equal(tv_ckpt_decode_header(key, blk, &d), TV_ECORRUPT);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);

	/* Too many entries for one block: 30 runs need 32 + 240 + 4 + 32 bytes.
	 * Built as one block that says nblocks 1, all MACs valid. */
	struct hrun many[32];
	for (int i = 0; i < 32; i++)
		many[i] = (struct hrun){(uint16_t)(10 + i), 0, 1, 1};
	assert_int_equal(tv_ckpt_blocks(0, 30), 2);
	/* hand_ckpt would write past 256 bytes: build the first block by hand. */
	memset(blk, 0, sizeof(blk));
	hand_ckpt(2, 1, 5, 0, 30, NULL, 0, many, 30, blk);
	le16(blk + 4, 1);
	hmac("C", blk, 28, NULL, 0, mac);
	memcpy(blk + 28, mac, 4);
	hmac(NULL, blk, 224, NULL, 0, blk + 224);
	assert_int_equal(tv_ckpt_decode_header(key, blk, &d), TV_ECORRUPT);
	assert_int_equal(decode_copy(blk, 256, &d), TV_ECORRUPT);
	assert_int_equal(decode_copy(blk, 512, &d), TV_ECORRUPT);

	/* 24 runs need 32 + 192 + 32 = 256 bytes: one block; 25 need two. */
	assert_int_equal(tv_ckpt_blocks(0, 24), 1);
	assert_int_equal(tv_ckpt_blocks(0, 25), 2);
	struct tv_ckpt c;
	to_ckpt(&c, 1, 1, 5, 0, 25, NULL, 0, many, 25);
	uint8_t out[512];
	assert_int_equal(tv_ckpt_encode(key, &c, out), TV_EINVAL);
	c.nruns = 24;
	assert_int_equal(tv_ckpt_encode(key, &c, out), TV_OK);
	free(c.runs);
}

static void test_ckpt_two_blocks(void **state)
{
	(void)state;
	/* 3 plan entries, 30 runs of 1..3 records: 32 + 6 + 240 + 32 > 256. */
	uint16_t plan[3] = {12, 0x8000 | 13, 2};
	struct hrun runs[30];
	uint32_t nrecs = 0;
	for (int i = 0; i < 30; i++) {
		runs[i] = (struct hrun){(uint16_t)(7 + 2 * i), (uint16_t)(i * 8), 2,
					(uint16_t)(1 + i % 3)};
		nrecs += runs[i].records;
	}
	assert_int_equal(nrecs, 60);
	assert_int_equal(tv_ckpt_blocks(3, 30), 2);
	assert_int_equal(tv_ckpt_blocks(3, 22), 1);

	uint8_t want[512], out[512];
	hand_ckpt(2, 0xFEDCBA98u, 0x10002, 0x1F00, 60, plan, 3, runs, 30, want);
	/* The last run ends at 32 + 6 + 29 * 8 + 8 = 278, in the second block. */
	assert_int_equal(want[32 + 6 + 29 * 8], 7 + 58);
	assert_int_equal(want[32 + 6 + 240], 0);

	struct tv_ckpt c;
	to_ckpt(&c, 2, 0xFEDCBA98u, 0x10002, 0x1F00, 60, plan, 3, runs, 30);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(tv_ckpt_encode(key, &c, out), TV_OK);
	assert_memory_equal(out, want, 512);
	/* One block is not enough. */
	c.nblocks = 1;
	assert_int_equal(tv_ckpt_encode(key, &c, out), TV_EINVAL);
	/* Three are fine, and differ (the MAC moves to the end). */
	uint8_t three[768], want3[768];
	c.nblocks = 3;
	assert_int_equal(tv_ckpt_encode(key, &c, three), TV_OK);
	hand_ckpt(3, 0xFEDCBA98u, 0x10002, 0x1F00, 60, plan, 3, runs, 30, want3);
	assert_memory_equal(three, want3, 768);
	free(c.runs);

	struct tv_ckpt d;
	assert_int_equal(decode_copy(want, 512, &d), TV_OK);
	check_ckpt(&d, 2, 0xFEDCBA98u, 0x10002, 0x1F00, 60, plan, 3, runs, 30);
	tv_ckpt_free(&d);
	/* The header is in the first block alone. */
	uint8_t *buf = dup_bytes(want, 256);
	assert_int_equal(tv_ckpt_decode_header(key, buf, &d), TV_OK);
	check_ckpt(&d, 2, 0xFEDCBA98u, 0x10002, 0x1F00, 60, NULL, 3, runs, 30);
	free(buf);
	/* Fewer bytes than two blocks. */
	assert_int_equal(decode_copy(want, 511, &d), TV_ECORRUPT);
	assert_int_equal(decode_copy(want, 256, &d), TV_ECORRUPT);
	/* A bit in the second block (a run, the zero fill, the MAC). */
	for (size_t off = 256; off < 512; off += 7) {
		memcpy(out, want, 512);
		out[off] ^= 0x02;
		assert_int_equal(decode_copy(out, 512, &d), TV_ECORRUPT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_var),
		cmocka_unit_test(test_rec_authvar),
		cmocka_unit_test(test_rec_del),
		cmocka_unit_test(test_rec_v1),
		cmocka_unit_test(test_rec_refusals),
		cmocka_unit_test(test_rec_known_answer),
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_superblock),
		cmocka_unit_test(test_ckpt_one_block),
		cmocka_unit_test(test_ckpt_refusals),
		cmocka_unit_test(test_ckpt_two_blocks),
	};
	return cmocka_run_group_tests(tests, setup_key, NULL);
}

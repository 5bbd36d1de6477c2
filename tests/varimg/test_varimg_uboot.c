/* SPDX-License-Identifier: BSD-2-Clause */
/* U-Boot's ubootefi.var: a hand-made vector (header, entries, CRC), every header
 * field and entry damaged, truncation, EFI_TIME <-> U-Boot time, writer -> parser
 * round trips, U-Boot's skip rules, and a file from an independent python3
 * encoder (argv[1] python3, argv[2] uboot_encoder.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "tv_test_util.h"
#include "varimg.h"
#include "varimg_test.h"

static const char *python3, *encoder;

/* 112 bytes by hand: the header (reserved 0, magic, length 0x70, crc32 0x8d29ea44
 * = zlib's CRC-32 of bytes 24..111, computed with python), then
 *   @24 "Test", global GUID, attr 7, time 0, data "abc", 3 zero pad bytes
 *   @72 "db", image security database GUID, attr 0x27, time 1741574797
 *       (2025-03-10 02:46:37 UTC), data 11 22, no padding (ends at 112) */
static const char vec_hex[] =
	"0000000000000000 5562456669566101 70000000 44ea298d"
	"03000000 07000000 0000000000000000 61dfe48bca93d211aa0d00e098032b8c"
	"54006500730074000000 616263 000000"
	"02000000 27000000 8d52ce6700000000 cbb219d73a3d9645a3bcdad00e67656f"
	"640062000000 1122";
#define VEC_N 112u
static const uint8_t t_2025[16] = {0xe9, 0x07, 3, 10, 2, 46, 37};

static uint8_t *vec(void)
{
	uint8_t *p = malloc(512);
	assert_int_equal(tv_test_hex(vec_hex, p, 512), VEC_N);
	return p;
}

/* Sets length = n and the CRC (the test's own, zlib). */
static void finish(uint8_t *p, size_t n)
{
	vt_le32(p + 16, (uint32_t)n);
	vt_le32(p + 20, (uint32_t)crc32(0L, p + 24, (uInt)(n - 24)));
}

static void expect_fail(const uint8_t *p, size_t n, uint64_t off)
{
	vt_expect_fail(p, n, TV_IMG_UBOOT, off);
}

static void parse_ok(const uint8_t *p, size_t n, enum tv_img_format hint, struct tv_img *m)
{
	struct tv_img_error e;
	int rc = tv_img_parse(p, n, hint, m, &e);

	if (rc != 0)
		print_message("# %s\n", e.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(m->format, TV_IMG_UBOOT);
	assert_false(m->blank);
}

static void test_vector(void **state)
{
	uint8_t *p = vec(), name[16];
	struct tv_img m;
	(void)state;

	parse_ok(p, VEC_N, TV_IMG_AUTO, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.vars[0].name_size, vt_ucs2("Test", name));
	assert_memory_equal(m.vars[0].name, name, 10);
	assert_memory_equal(m.vars[0].guid.b, vt_global_guid, 16);
	assert_int_equal(m.vars[0].attrs, 7);
	assert_int_equal(m.vars[0].data_size, 3);
	assert_memory_equal(m.vars[0].data, "abc", 3);
	assert_false(m.vars[0].has_time);
	assert_int_equal(m.vars[0].offset, 24);
	assert_int_equal(m.vars[1].name_size, vt_ucs2("db", name));
	assert_memory_equal(m.vars[1].name, name, 6);
	assert_memory_equal(m.vars[1].guid.b, vt_db_guid, 16);
	assert_int_equal(m.vars[1].attrs, 0x27);
	assert_memory_equal(m.vars[1].data, "\x11\x22", 2);
	assert_true(m.vars[1].has_time);
	assert_memory_equal(m.vars[1].time, t_2025, 16);
	assert_int_equal(m.vars[1].offset, 72);

	/* The writer gives the same bytes. */
	uint8_t *out;
	size_t on;
	struct tv_img_error e;
	assert_int_equal(tv_img_write_uboot(m.vars, m.count, &out, &on, &e), 0);
	assert_int_equal(on, VEC_N);
	assert_memory_equal(out, p, VEC_N);
	free(out);
	/* No variables: the 24-byte header alone (CRC of nothing is 0). */
	assert_int_equal(tv_img_write_uboot(NULL, 0, &out, &on, &e), 0);
	assert_int_equal(on, 24);
	assert_int_equal(vt_get32(out + 16), 24);
	assert_int_equal(vt_get32(out + 20), 0);
	tv_img_free(&m);
	parse_ok(out, on, TV_IMG_AUTO, &m);
	assert_int_equal(m.count, 0);
	tv_img_free(&m);
	free(out);
	free(p);
}

static void test_damage(void **state)
{
	uint8_t *p;
	(void)state;

	/* Header fields. */
	p = vec();
	p[3] = 1;
	expect_fail(p, VEC_N, 0); /* reserved */
	free(p);
	p = vec();
	p[8] ^= 1;
	expect_fail(p, VEC_N, 8);
	free(p);
	p = vec();
	p[16] = 0x71;
	expect_fail(p, VEC_N, 16);
	free(p);
	p = vec();
	p[20] ^= 1;
	expect_fail(p, VEC_N, 20);
	free(p);
	p = vec();
	p[100] ^= 1; /* an entry byte: the CRC no longer matches */
	expect_fail(p, VEC_N, 20);
	free(p);
	/* An entry's data overruns length. */
	p = vec();
	vt_le32(p + 24, 0xFFFF);
	finish(p, VEC_N);
	expect_fail(p, VEC_N, 24);
	free(p);
	vt_le32((p = vec()) + 72, 3);
	finish(p, VEC_N);
	expect_fail(p, VEC_N, 72);
	free(p);
	/* Entries end inside an entry header. */
	p = vec();
	memset(p + 72, 0, 8);
	finish(p, 80);
	expect_fail(p, 80, 72);
	free(p);
	/* A name without its NUL before length. */
	p = vec();
	memset(p + 72, 0, 40);
	memcpy(p + 72 + 32, "A\0B\0", 4);
	finish(p, 108);
	expect_fail(p, 108, 104);
	free(p);
	/* An empty name. */
	p = vec();
	memset(p + 104, 0, 8);
	finish(p, VEC_N);
	expect_fail(p, VEC_N, 104);
	free(p);
	/* The last entry's padding beyond length (the file ends at its data end). */
	p = vec();
	finish(p, 69);
	expect_fail(p, 69, 69);
	free(p);
	/* A variable twice. */
	p = vec();
	memcpy(p + 72, p + 24, 48);
	finish(p, 120);
	expect_fail(p, 120, 72);
	free(p);
	/* A time beyond 9999-12-31 23:59:59. */
	p = vec();
	vt_le64(p + 80, 253402300800ull);
	finish(p, VEC_N);
	expect_fail(p, VEC_N, 80);
	free(p);
	/* ... and the last representable second. */
	p = vec();
	vt_le64(p + 80, 253402300799ull);
	finish(p, VEC_N);
	struct tv_img m;
	parse_ok(p, VEC_N, TV_IMG_UBOOT, &m);
	assert_int_equal(m.vars[1].time[0] | m.vars[1].time[1] << 8, 9999);
	tv_img_free(&m);
	free(p);
}

static void test_truncation(void **state)
{
	uint8_t *p = vec();
	(void)state;

	for (size_t n = 1; n < VEC_N; n++)
		expect_fail(p, n, n < 24 ? n : 16);
	/* A header that claims the cut length: the CRC is wrong. */
	for (size_t n = 24; n < VEC_N; n++) {
		uint8_t *c = malloc(n);
		memcpy(c, p, n);
		vt_le32(c + 16, (uint32_t)n);
		expect_fail(c, n, 20);
		free(c);
	}
	/* A file longer than length. */
	uint8_t *c = calloc(1, VEC_N + 8);
	memcpy(c, p, VEC_N);
	expect_fail(c, VEC_N + 8, 16);
	free(c);
	free(p);
}

/* Random damage with the CRC and length made right again: any outcome but a
 * crash, and a failure names an offset inside the file. */
static void test_random_damage(void **state)
{
	uint8_t *p = vec();
	uint64_t rng = 42;
	struct tv_img m;
	struct tv_img_error e;
	(void)state;

	for (int round = 0; round < 5000; round++) {
		uint8_t *c = vec();
		size_t n = VEC_N - (size_t)(tv_test_rand(&rng) % 8) * (round % 2);
		int k = 1 + (int)(tv_test_rand(&rng) % 3);

		for (int j = 0; j < k; j++)
			c[24 + tv_test_rand(&rng) % (n - 24)] = (uint8_t)tv_test_rand(&rng);
		finish(c, n);
		if (tv_img_parse(c, n, TV_IMG_AUTO, &m, &e) == 0)
			tv_img_free(&m);
		else
			assert_true(e.offset <= n);
		free(c);
	}
	free(p);
}

static void mk_time(uint8_t t[16], unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
		    unsigned s)
{
	memset(t, 0, 16);
	vt_le16(t, (uint16_t)y);
	t[2] = (uint8_t)mo;
	t[3] = (uint8_t)d;
	t[4] = (uint8_t)h;
	t[5] = (uint8_t)mi;
	t[6] = (uint8_t)s;
}

static void test_time(void **state)
{
	/* Pairs computed with python's calendar.timegm. */
	static const struct {
		unsigned y, mo, d, h, mi, s;
		uint64_t secs;
	} pairs[] = {
		{1970, 1, 1, 0, 0, 1, 1},
		{2000, 2, 29, 0, 0, 0, 951782400ull},
		{2025, 3, 10, 2, 46, 37, 1741574797ull},
		{2038, 1, 19, 3, 14, 8, 2147483648ull},
		{2100, 3, 1, 0, 0, 0, 4107542400ull},
		{9999, 12, 31, 23, 59, 59, 253402300799ull},
	};
	uint8_t t[16], u[16];
	uint64_t s;
	(void)state;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		mk_time(t, pairs[i].y, pairs[i].mo, pairs[i].d, pairs[i].h, pairs[i].mi, pairs[i].s);
		assert_int_equal(tv_efi_time_to_uboot(t, &s), 0);
		assert_int_equal(s, pairs[i].secs);
		assert_int_equal(tv_efi_time_from_uboot(pairs[i].secs, u), 0);
		assert_memory_equal(t, u, 16);
	}
	/* Round trips over the whole range, in steps that hit every day offset. */
	for (uint64_t x = 1; x <= 253402300799ull; x += 86399ull * 97 + 12345) {
		assert_int_equal(tv_efi_time_from_uboot(x, u), 0);
		assert_int_equal(tv_efi_time_to_uboot(u, &s), 0);
		assert_int_equal(s, x);
	}
	/* Every day of 1999..2001 (leap years around a century) round-trips. */
	for (uint64_t x = 915148800ull; x < 1009843200ull; x += 86400) {
		assert_int_equal(tv_efi_time_from_uboot(x, u), 0);
		assert_int_equal(tv_efi_time_to_uboot(u, &s), 0);
		assert_int_equal(s, x);
	}
	assert_int_equal(tv_efi_time_from_uboot(253402300800ull, u), -1);
	/* Not representable. */
	mk_time(t, 2025, 3, 10, 2, 46, 37);
	t[7] = 1; /* Pad1 */
	assert_int_equal(tv_efi_time_to_uboot(t, &s), -1);
	mk_time(t, 2025, 3, 10, 2, 46, 37);
	t[8] = 1; /* Nanosecond */
	assert_int_equal(tv_efi_time_to_uboot(t, &s), -1);
	mk_time(t, 2025, 3, 10, 2, 46, 37);
	vt_le16(t + 12, 0x07FF); /* TimeZone: EFI_UNSPECIFIED_TIMEZONE */
	assert_int_equal(tv_efi_time_to_uboot(t, &s), -1);
	mk_time(t, 2025, 3, 10, 2, 46, 37);
	t[14] = 1; /* Daylight */
	assert_int_equal(tv_efi_time_to_uboot(t, &s), -1);
	mk_time(t, 2025, 3, 10, 2, 46, 37);
	t[15] = 1; /* Pad2 */
	assert_int_equal(tv_efi_time_to_uboot(t, &s), -1);
	static const unsigned bad[][6] = {
		{1969, 12, 31, 23, 59, 59}, {1970, 1, 1, 0, 0, 0}, {2023, 2, 29, 0, 0, 0},
		{2100, 2, 29, 0, 0, 0}, {2025, 13, 1, 0, 0, 0}, {2025, 0, 1, 0, 0, 0},
		{2025, 1, 0, 0, 0, 0}, {2025, 4, 31, 0, 0, 0}, {2025, 1, 1, 24, 0, 0},
		{2025, 1, 1, 0, 60, 0}, {2025, 1, 1, 0, 0, 60}, {10000, 1, 1, 0, 0, 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mk_time(t, bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], bad[i][5]);
		assert_int_equal(tv_efi_time_to_uboot(t, &s), -1);
	}
	mk_time(t, 2000, 2, 29, 12, 0, 0);
	assert_int_equal(tv_efi_time_to_uboot(t, &s), 0);
}

static struct tv_img_var mkvar(const char *name, const uint8_t *guid, uint32_t attrs,
			       const char *data, uint8_t *namebuf)
{
	struct tv_img_var v;

	memset(&v, 0, sizeof(v));
	v.name = namebuf;
	v.name_size = vt_ucs2(name, namebuf);
	memcpy(v.guid.b, guid, 16);
	v.attrs = attrs;
	v.data = (uint8_t *)data;
	v.data_size = (uint32_t)strlen(data);
	if (!v.data_size)
		v.data = NULL;
	return v;
}

static void test_roundtrip(void **state)
{
	uint8_t n[8][80], *out, *out2;
	struct tv_img_var v[8];
	struct tv_img m;
	struct tv_img_error e;
	size_t on, on2;
	(void)state;

	v[0] = mkvar("BootOrder", vt_global_guid, 7, "\x01", n[0]);
	v[1] = mkvar("A", vt_global_guid, 7, "1234567", n[1]);
	v[2] = mkvar("AB", vt_global_guid, 7, "12345678", n[2]);
	v[3] = mkvar("KEK", vt_global_guid, 0x27, "kek", n[3]);
	mk_time(v[3].time, 2024, 2, 29, 23, 59, 59);
	v[3].has_time = true;
	v[4] = mkvar("Empty", vt_db_guid, 7, "", n[4]);
	v[5] = mkvar("ReadOnly", vt_db_guid, 0x80000007u, "r", n[5]);
	v[6] = mkvar("ZeroTime", vt_db_guid, 0x27, "z", n[6]);
	/* an at variable with an all-zero EFI_TIME (an APPEND created it): written as
	 * time 0, read back as an all-zero time */
	v[6].has_time = true;
	v[7] = mkvar("AVariableNameThatIsRatherLongToo", vt_db_guid, 3, "long", n[7]);
	assert_int_equal(tv_img_write_uboot(v, 8, &out, &on, &e), 0);
	assert_int_equal(on % 8, 0);
	parse_ok(out, on, TV_IMG_AUTO, &m);
	assert_int_equal(m.count, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(m.vars[i].name_size, v[i].name_size);
		assert_memory_equal(m.vars[i].name, v[i].name, v[i].name_size);
		assert_memory_equal(m.vars[i].guid.b, v[i].guid.b, 16);
		assert_int_equal(m.vars[i].attrs, v[i].attrs);
		assert_int_equal(m.vars[i].data_size, v[i].data_size);
		if (v[i].data_size)
			assert_memory_equal(m.vars[i].data, v[i].data, v[i].data_size);
		else
			assert_null(m.vars[i].data);
		assert_int_equal(m.vars[i].has_time, i == 3 || i == 6);
	}
	assert_memory_equal(m.vars[3].time, v[3].time, 16);
	assert_true(all_zero(m.vars[6].time, 16));
	assert_int_equal(tv_img_write_uboot(m.vars, m.count, &out2, &on2, &e), 0);
	assert_int_equal(on, on2);
	assert_memory_equal(out, out2, on);
	tv_img_free(&m);
	free(out);
	free(out2);
}

/* 20000 entries (1.1 MB, as a reviewer's file that took 24 s to import):
 * parsed and written with sorted duplicate checks; correctness, no timing. */
#define MANY 20000u
static void test_many(void **state)
{
	struct tv_img_var *v = calloc(MANY, sizeof(*v));
	uint8_t *out, *out2;
	size_t on, on2, bad = 0, pos;
	struct tv_img m;
	struct tv_img_error e;
	char nb[16];
	uint8_t want[16];
	(void)state;

	for (size_t i = 0; i < MANY; i++) {
		snprintf(nb, sizeof(nb), "V%06zu", i);
		v[i].name = malloc(16);
		v[i].name_size = vt_ucs2(nb, v[i].name);
		memcpy(v[i].guid.b, i % 5 ? vt_global_guid : vt_db_guid, 16);
		v[i].attrs = 7;
		v[i].data = malloc(1);
		v[i].data[0] = 'x';
		v[i].data_size = 1;
	}
	assert_int_equal(tv_img_write_uboot(v, MANY, &out, &on, &e), 0);
	assert_int_equal(on, 24 + (size_t)MANY * 56);
	parse_ok(out, on, TV_IMG_AUTO, &m);
	assert_int_equal(m.count, MANY);
	for (size_t i = 0; i < MANY; i += 1009) {
		snprintf(nb, sizeof(nb), "V%06zu", i);
		assert_int_equal(m.vars[i].name_size, vt_ucs2(nb, want));
		assert_memory_equal(m.vars[i].name, want, 16);
		assert_int_equal(m.vars[i].offset, 24 + i * 56);
	}
	assert_int_equal(tv_img_write_uboot(m.vars, m.count, &out2, &on2, &e), 0);
	assert_int_equal(on, on2);
	assert_memory_equal(out, out2, on);
	tv_img_free(&m);
	free(out2);
	/* The same name under another GUID is another variable; under the same,
	 * the file is refused at the first entry seen twice (V000301 at entry
	 * 15000 comes before V000007 at 19999), and the writer too. */
	for (size_t k = 0; k < 2; k++) {
		size_t at = k ? 19999 : 15000, of = k ? 7 : 301;
		snprintf(nb, sizeof(nb), "V%06zu", of);
		pos = 24 + at * 56;
		vt_ucs2(nb, out + pos + 32);
		memcpy(out + pos + 16, vt_global_guid, 16);
		vt_ucs2(nb, v[at].name);
		memcpy(v[at].guid.b, vt_global_guid, 16);
		if (!k)
			bad = pos;
	}
	finish(out, on);
	expect_fail(out, on, bad);
	memset(&e, 0, sizeof(e));
	assert_int_equal(tv_img_parse(out, on, TV_IMG_UBOOT, &m, &e), -1);
	assert_non_null(strstr(e.msg, "V000301-8be4df61-93ca-11d2-aa0d-00e098032b8c is in the file twice"));
	/* damage after it: still the duplicate first */
	vt_le32(out + 24 + 19998 * 56, 0xFFFF);
	finish(out, on);
	expect_fail(out, on, bad);
	assert_int_equal(tv_img_write_uboot(v, MANY, &out2, &on2, &e), -1);
	assert_non_null(strstr(e.msg, "V000301-8be4df61-93ca-11d2-aa0d-00e098032b8c: given twice"));
	free(out);
	tv_img_free(&(struct tv_img){.vars = v, .count = MANY});
}

static void write_fails(const struct tv_img_var *v, size_t n, const char *what)
{
	struct tv_img_error e;
	uint8_t *out = (uint8_t *)1;
	size_t on = 1;

	assert_int_equal(tv_img_write_uboot(v, n, &out, &on, &e), -1);
	assert_null(out);
	assert_int_equal(on, 0);
	if (!strstr(e.msg, what))
		print_message("# %s\n", e.msg);
	assert_non_null(strstr(e.msg, what));
}

static void test_writer_errors(void **state)
{
	uint8_t n[2][32];
	struct tv_img_var v[2];
	(void)state;

	v[0] = mkvar("PK", vt_global_guid, 0x27, "pk", n[0]);
	v[0].has_time = true;
	mk_time(v[0].time, 1969, 7, 20, 20, 17, 40);
	write_fails(v, 1, "PK-8be4df61-93ca-11d2-aa0d-00e098032b8c: its time 1969-07-20 20:17:40");
	mk_time(v[0].time, 2025, 3, 10, 2, 46, 37);
	v[0].time[8] = 5;
	write_fails(v, 1, "nanosecond 5");
	mk_time(v[0].time, 2025, 3, 10, 2, 46, 37);
	vt_le16(v[0].time + 12, (uint16_t)-60);
	write_fails(v, 1, "time zone -60");
	mk_time(v[0].time, 2025, 3, 10, 2, 46, 37);
	v[1] = v[0];
	write_fails(v, 2, "given twice");
	v[1] = mkvar("X", vt_global_guid, 7, "x", n[1]);
	v[1].name_size = 3;
	write_fails(v, 2, "variable 1: not a valid UCS-2 name");
	v[1].name_size = 4;
	v[1].data = NULL;
	write_fails(v, 2, "no data");
	write_fails(NULL, 1, "invalid arguments");
	struct tv_img_error e;
	assert_int_equal(tv_img_write_uboot(v, 1, NULL, NULL, &e), -1);
}

static void test_skip_reasons(void **state)
{
	static const uint8_t shim[16] = {0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43,
					 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23};
	static const char *const sbg[] = {"PK", "KEK", "AuditMode", "DeployedMode"};
	static const char *const sbd[] = {"db", "dbx", "dbt", "dbr"};
	uint8_t nb[64];
	struct tv_img_var v;
	(void)state;

	for (size_t i = 0; i < 4; i++) {
		v = mkvar(sbg[i], vt_global_guid, 0x27, "x", nb);
		assert_non_null(strstr(tv_img_uboot_skip_reason(&v), "Secure Boot"));
		v = mkvar(sbg[i], vt_db_guid, 0x27, "x", nb);
		assert_null(tv_img_uboot_skip_reason(&v));
		v = mkvar(sbd[i], vt_db_guid, 0x27, "x", nb);
		assert_non_null(strstr(tv_img_uboot_skip_reason(&v), "Secure Boot"));
		v = mkvar(sbd[i], vt_global_guid, 0x27, "x", nb);
		assert_null(tv_img_uboot_skip_reason(&v));
	}
	v = mkvar("PKx", vt_global_guid, 7, "x", nb);
	assert_null(tv_img_uboot_skip_reason(&v));
	v = mkvar("MokList", shim, 3, "x", nb);
	assert_non_null(strstr(tv_img_uboot_skip_reason(&v), "SHIM_LOCK_GUID"));
	v = mkvar("Vol", vt_global_guid, 6, "x", nb);
	assert_non_null(strstr(tv_img_uboot_skip_reason(&v), "volatile"));
	v = mkvar("Nothing", vt_global_guid, 7, "", nb);
	assert_non_null(strstr(tv_img_uboot_skip_reason(&v), "empty"));
	v = mkvar("BootOrder", vt_global_guid, 7, "\x01", nb);
	assert_null(tv_img_uboot_skip_reason(&v));
}

/* A file from the independent python3 encoder (tests/varimg/uboot_encoder.py). */
static void test_python_encoder(void **state)
{
	static const uint8_t vendor[16] = {0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
					   0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	char *dir, path[4096], cmd[8192];
	uint8_t buf[4096], nb[64], t[16];
	struct tv_img m;
	FILE *f;
	size_t n;
	(void)state;

	if (!python3 || !encoder) {
		skip();
		return;
	}
	dir = tv_test_tmpdir();
	snprintf(path, sizeof(path), "%s/ubootefi.var", dir);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s'", python3, encoder, path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	tv_test_rmtree(dir);
	free(dir);
	parse_ok(buf, n, TV_IMG_AUTO, &m);
	assert_int_equal(m.count, 6);
	assert_int_equal(m.vars[0].name_size, vt_ucs2("BootOrder", nb));
	assert_memory_equal(m.vars[0].name, nb, m.vars[0].name_size);
	assert_memory_equal(m.vars[0].guid.b, vt_global_guid, 16);
	assert_int_equal(m.vars[0].attrs, 7);
	assert_memory_equal(m.vars[0].data, "\x01\x00\x02\x00", 4);
	assert_int_equal(m.vars[1].data_size, 31);
	for (uint32_t i = 0; i < 31; i++)
		assert_int_equal(m.vars[1].data[i], i);
	assert_memory_equal(m.vars[2].guid.b, vt_db_guid, 16);
	assert_int_equal(m.vars[2].attrs, 0x27);
	assert_true(m.vars[2].has_time);
	assert_memory_equal(m.vars[2].time, t_2025, 16);
	assert_non_null(tv_img_uboot_skip_reason(&m.vars[2]));
	assert_int_equal(m.vars[3].name_size, vt_ucs2("MyVar", nb));
	assert_memory_equal(m.vars[3].guid.b, vendor, 16);
	assert_int_equal(m.vars[3].attrs, 0x80000007u);
	assert_int_equal(m.vars[4].data_size, 0);
	assert_null(m.vars[4].data);
	assert_false(m.vars[4].has_time);
	mk_time(t, 2099, 12, 31, 23, 59, 59);
	assert_memory_equal(m.vars[5].time, t, 16);
	assert_int_equal(m.vars[5].data_size, 8);
	/* Our writer pads with zeros where the encoder put 0xA5; else the same. */
	uint8_t *out;
	size_t on;
	struct tv_img_error e;
	assert_int_equal(tv_img_write_uboot(m.vars, m.count, &out, &on, &e), 0);
	assert_int_equal(on, n);
	for (size_t i = 24; i < n; i++)
		if (out[i] != buf[i])
			assert_true(out[i] == 0 && buf[i] == 0xA5);
	free(out);
	tv_img_free(&m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_skip_reasons),
		cmocka_unit_test(test_python_encoder),
	};
	if (argc >= 3) {
		python3 = argv[1];
		encoder = argv[2];
	}
	return cmocka_run_group_tests_name("varimg_uboot", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* EDK2 NV store images: hand-made byte vectors of the FV header (with its
 * checksum), the variable store header, authenticated and plain records and the
 * FTW working block header (with its CRC); every header field damaged; truncation;
 * the record state rules; writer -> parser round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "tv_test_util.h"
#include "varimg.h"
#include "varimg_test.h"

/* A small image, 0x1000 bytes, written by hand:
 *   0x000 FV header: FvLength 0x1000, Attributes 0xe36, HeaderLength 0x48,
 *         Checksum 0xda07 (computed by hand with python: 0x10000 - the 16-bit sum
 *         of the other 35 words), Revision 2, block map {1, 0x1000}, {0, 0}
 *   0x048 variable store header: authenticated GUID, Size 0x800, 0x5A, 0xFE
 *   0x064 one authenticated record: "Test", global GUID, attributes 7,
 *         TimeStamp 2025-03-10 02:46:37, data 01 02 03; 3 pad bytes (0xFF)
 *   0x0b0 free space, 0xFF to the store end 0x848
 *   0x848 FTW working block header: Crc 0xb7c3f110 (zlib crc32 of the header
 *         with Crc and the state byte 0xFF), state 0xFE, WriteQueueSize 0x100
 *   0x868 the queue, then the spare area: 0xFF to 0x1000 */
#define SMALL 0x1000u
static const char fv_hex[] = "00000000000000000000000000000000"
			     "8d2bf1ff96768b4ca9852747075b4f50"
			     "0010000000000000 5f465648 360e0000"
			     "4800 07da 0000 00 02"
			     "0100000000100000 0000000000000000";
static const char store_hex[] = "782cf3aa7b949a43a1802e144ec37792 00080000 5a fe 0000 00000000";
static const char plain_store_hex[] =
	"1636cfdd7532644198b6fe85707ffe7d 00080000 5a fe 0000 00000000";
static const char rec_hex[] = "aa55 3f 00 07000000 0000000000000000"
			      "e907 03 0a 02 2e 25 00 00000000 0000 00 00"
			      "00000000 0a000000 03000000"
			      "61dfe48bca93d211aa0d00e098032b8c"
			      "5400650073007400 0000"
			      "010203";
static const char plain_rec_hex[] = "aa55 3f 00 07000000 0a000000 03000000"
				    "61dfe48bca93d211aa0d00e098032b8c"
				    "5400650073007400 0000 010203";
static const char ftw_hex[] =
	"2b29589e687c7d49a0ce6500fd9f1b95 10f1c3b7 fe ffffff 0001000000000000";
static const uint8_t t_time[16] = {0xe9, 0x07, 3, 10, 2, 46, 37};

static void put_hex(uint8_t *img, size_t off, const char *hex)
{
	long k = tv_test_hex(hex, img + off, SMALL - off);
	assert_true(k > 0);
}

static void small_image(uint8_t *img, bool with_record)
{
	memset(img, 0xFF, SMALL);
	put_hex(img, 0, fv_hex);
	put_hex(img, 0x48, store_hex);
	if (with_record)
		put_hex(img, 0x64, rec_hex);
	put_hex(img, 0x848, ftw_hex);
}

/* The test's own FV checksum and FTW CRC, for damaged headers whose other
 * fields must stay consistent. */
static void fix_fv_checksum(uint8_t *img)
{
	uint16_t hlen = (uint16_t)(img[0x30] | img[0x31] << 8), sum = 0;

	if (hlen > 0x200 || (hlen & 1))
		return; /* a damaged HeaderLength: nothing to fix */
	img[0x32] = img[0x33] = 0;
	for (uint16_t i = 0; i < hlen; i += 2)
		sum = (uint16_t)(sum + (img[i] | img[i + 1] << 8));
	vt_le16(img + 0x32, (uint16_t)(0x10000u - sum));
}

static void fix_ftw_crc(uint8_t *h)
{
	uint8_t t[32];

	memcpy(t, h, 32);
	memset(t + 16, 0xFF, 5);
	vt_le32(h + 16, (uint32_t)crc32(0L, t, 32));
}

static void parse_ok(const uint8_t *p, size_t n, struct tv_img *img)
{
	struct tv_img_error e;

	int rc;

	memset(&e, 0, sizeof(e));
	rc = tv_img_parse(p, n, TV_IMG_AUTO, img, &e);
	if (rc != 0)
		print_message("# %s\n", e.msg);
	assert_int_equal(rc, 0);
}

static void test_vector(void **state)
{
	uint8_t *img = malloc(SMALL), name[16];
	struct tv_img m;
	(void)state;

	small_image(img, true);
	parse_ok(img, SMALL, &m);
	assert_int_equal(m.format, TV_IMG_EDK2);
	assert_false(m.blank);
	assert_true(m.edk2_authenticated);
	assert_true(m.edk2_has_ftw);
	assert_false(m.edk2_ftw_queue_used);
	assert_int_equal(m.edk2_dead, 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.vars[0].name_size, vt_ucs2("Test", name));
	assert_memory_equal(m.vars[0].name, name, 10);
	assert_memory_equal(m.vars[0].guid.b, vt_global_guid, 16);
	assert_int_equal(m.vars[0].attrs, 7);
	assert_int_equal(m.vars[0].data_size, 3);
	assert_memory_equal(m.vars[0].data, "\x01\x02\x03", 3);
	assert_true(m.vars[0].has_time);
	assert_memory_equal(m.vars[0].time, t_time, 16);
	assert_int_equal(m.vars[0].offset, 0x64);
	tv_img_free(&m);
	assert_null(m.vars);
	tv_img_free(NULL);
	/* The checksum and CRC helpers agree with the hand-made values. */
	assert_int_equal(tv_edk2_fv_checksum(img, 0x48), 0xda07);
	assert_int_equal(tv_edk2_ftw_header_crc(img + 0x848), 0xb7c3f110);
	free(img);
}

static void test_plain_vector(void **state)
{
	uint8_t *img = malloc(SMALL);
	struct tv_img m;
	(void)state;

	small_image(img, false);
	put_hex(img, 0x48, plain_store_hex);
	put_hex(img, 0x64, plain_rec_hex);
	parse_ok(img, SMALL, &m);
	assert_false(m.edk2_authenticated);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.vars[0].attrs, 7);
	assert_int_equal(m.vars[0].name_size, 10);
	assert_memory_equal(m.vars[0].data, "\x01\x02\x03", 3);
	assert_false(m.vars[0].has_time);
	assert_int_equal(m.vars[0].offset, 0x64);
	tv_img_free(&m);
	/* A plain record past the store end. */
	vt_le32(img + 0x48 + 16, 0x64 + 32 + 10 + 2 - 0x48);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x64 + 12);
	free(img);
}

/* Writes an authenticated record at pos; returns the next 4-aligned offset. */
static size_t rec(uint8_t *img, size_t pos, uint8_t st, const char *name, const uint8_t *guid,
		  uint32_t attrs, const uint8_t *data, uint32_t ds)
{
	uint8_t *h = img + pos;
	uint32_t ns;

	memset(h, 0, 60);
	vt_le16(h, 0x55AA);
	h[2] = st;
	vt_le32(h + 4, attrs);
	ns = vt_ucs2(name, h + 60);
	vt_le32(h + 36, ns);
	vt_le32(h + 40, ds);
	memcpy(h + 44, guid, 16);
	memcpy(h + 60 + ns, data, ds);
	return (pos + 60 + ns + ds + 3) & ~(size_t)3;
}

static const char *var_name(const struct tv_img_var *v, char *buf)
{
	uint32_t i;
	for (i = 0; i + 2 < v->name_size; i += 2)
		buf[i / 2] = (char)v->name[i];
	buf[i / 2] = 0;
	return buf;
}

static void test_states(void **state)
{
	uint8_t *img = malloc(SMALL);
	struct tv_img m;
	char nb[64];
	size_t pos;
	(void)state;

	/* 0x3E alone is live; 0x3C, 0x3D, 0x7F, 0xFF, 0xFE, 0xFD are not. */
	small_image(img, false);
	pos = rec(img, 0x64, 0x3E, "A", vt_global_guid, 7, (const uint8_t *)"a", 1);
	pos = rec(img, pos, 0x3C, "B", vt_global_guid, 7, (const uint8_t *)"b", 1);
	pos = rec(img, pos, 0x3D, "C", vt_global_guid, 7, (const uint8_t *)"c", 1);
	pos = rec(img, pos, 0x7F, "D", vt_global_guid, 7, (const uint8_t *)"d", 1);
	pos = rec(img, pos, 0xFF, "E", vt_global_guid, 7, (const uint8_t *)"e", 1);
	pos = rec(img, pos, 0xFE, "F", vt_global_guid, 7, (const uint8_t *)"f", 1);
	pos = rec(img, pos, 0xFD, "G", vt_global_guid, 7, (const uint8_t *)"g", 1);
	parse_ok(img, SMALL, &m);
	assert_int_equal(m.count, 1);
	assert_string_equal(var_name(&m.vars[0], nb), "A");
	assert_int_equal(m.edk2_dead, 6);
	tv_img_free(&m);

	/* 0x3E then 0x3F: the 0x3F; and in the other order. The same name under
	 * another GUID is another variable. */
	small_image(img, false);
	pos = rec(img, 0x64, 0x3E, "A", vt_global_guid, 7, (const uint8_t *)"old", 3);
	pos = rec(img, pos, 0x3F, "A", vt_db_guid, 7, (const uint8_t *)"oth", 3);
	pos = rec(img, pos, 0x3F, "A", vt_global_guid, 7, (const uint8_t *)"new", 3);
	pos = rec(img, pos, 0x3F, "B", vt_global_guid, 7, (const uint8_t *)"b1", 2);
	pos = rec(img, pos, 0x3E, "B", vt_global_guid, 7, (const uint8_t *)"b0", 2);
	parse_ok(img, SMALL, &m);
	assert_int_equal(m.count, 3);
	assert_memory_equal(m.vars[0].guid.b, vt_db_guid, 16);
	assert_string_equal(var_name(&m.vars[1], nb), "A");
	assert_memory_equal(m.vars[1].data, "new", 3);
	assert_string_equal(var_name(&m.vars[2], nb), "B");
	assert_memory_equal(m.vars[2].data, "b1", 2);
	assert_int_equal(m.edk2_dead, 2);
	tv_img_free(&m);

	/* Two live twins (0x3F, 0x3F) or (0x3E, 0x3E): damage at the second. */
	small_image(img, false);
	pos = rec(img, 0x64, 0x3F, "A", vt_global_guid, 7, (const uint8_t *)"x", 1);
	pos = rec(img, pos, 0x3C, "A", vt_global_guid, 7, (const uint8_t *)"y", 1);
	size_t second = pos;
	pos = rec(img, pos, 0x3F, "A", vt_global_guid, 7, (const uint8_t *)"z", 1);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, second);
	small_image(img, false);
	pos = rec(img, 0x64, 0x3E, "A", vt_global_guid, 7, (const uint8_t *)"x", 1);
	second = pos;
	pos = rec(img, pos, 0x3E, "A", vt_global_guid, 7, (const uint8_t *)"z", 1);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, second);
	/* A state byte EDK2 never writes (bits 0x3C cleared). */
	for (unsigned st = 0; st < 256; st++) {
		if ((st & 0x3C) == 0x3C)
			continue;
		small_image(img, false);
		rec(img, 0x64, (uint8_t)st, "A", vt_global_guid, 7, (const uint8_t *)"x", 1);
		vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x66);
	}
	/* A dead record's name is not checked (a half-written 0x7F may hold any). */
	small_image(img, false);
	pos = rec(img, 0x64, 0x7F, "A", vt_global_guid, 7, (const uint8_t *)"x", 1);
	vt_le32(img + 0x64 + 36, 3); /* odd NameSize */
	rec(img, (0x64 + 60 + 3 + 1 + 3) & ~(size_t)3, 0x3F, "B", vt_global_guid, 7,
	    (const uint8_t *)"b", 1);
	parse_ok(img, SMALL, &m);
	assert_int_equal(m.count, 1);
	tv_img_free(&m);
	free(img);
}

struct patch {
	size_t off;
	const char *hex;
	bool fix_fv;
	bool fix_ftw;
	uint64_t want;
};

static void test_header_damage(void **state)
{
	static const struct patch ps[] = {
		/* FV header */
		{0x05, "01", true, false, 0x05},          /* ZeroVector */
		{0x10, "8c", true, false, 0x10},          /* FileSystemGuid */
		{0x20, "00200000", true, false, 0x20},    /* FvLength beyond the file */
		{0x20, "40000000", true, false, 0x20},    /* FvLength below HeaderLength */
		{0x28, "5f465649", true, false, 0x28},    /* Signature */
		{0x30, "4700", true, false, 0x30},        /* HeaderLength odd */
		{0x30, "4000", true, false, 0x30},        /* HeaderLength without a block map */
		{0x30, "5000", true, false, 0x40},        /* HeaderLength past the map's end */
		{0x32, "08da", false, false, 0x32},       /* Checksum */
		{0x34, "4800", true, false, 0x34},        /* ExtHeaderOffset */
		{0x36, "01", true, false, 0x36},          /* Reserved */
		{0x37, "01", true, false, 0x37},          /* Revision */
		{0x38, "00000000", true, false, 0x38},    /* NumBlocks 0 */
		{0x3c, "00080000", true, false, 0x38},    /* the map covers 0x800 < FvLength */
		{0x3c, "00000000", true, false, 0x38},    /* Length 0 */
		{0x40, "01000000", true, false, 0x40},    /* no {0, 0} end */
		/* variable store header */
		{0x48, "792c", false, false, 0x48},       /* Signature */
		{0x58, "1b000000", false, false, 0x58},   /* Size below its header */
		{0x58, "b90f0000", false, false, 0x58},   /* Size beyond the FV */
		{0x5c, "5b", false, false, 0x5c},         /* Format */
		{0x5d, "ff", false, false, 0x5d},         /* State */
		{0x5e, "0100", false, false, 0x5e},       /* Reserved */
		{0x60, "00000001", false, false, 0x60},   /* Reserved1 */
		/* the record */
		{0x64, "ab55", false, false, 0x64},       /* StartId: the free space is not 0xFF */
		{0x66, "00", false, false, 0x66},         /* State */
		{0x68, "06000000", false, false, 0x68},   /* Attributes without NON_VOLATILE */
		{0x68, "07010000", false, false, 0x68},   /* Attributes beyond the UEFI bits */
		{0x88, "ffff0000", false, false, 0x88},   /* NameSize overruns the store */
		{0x8c, "00100000", false, false, 0x8c},   /* DataSize overruns the store */
		{0x88, "00000000", false, false, 0x88},   /* NameSize 0 */
		{0x88, "09000000", false, false, 0x88},   /* NameSize odd */
		{0x88, "08000000", false, false, 0xa6},   /* no NUL at the end */
		{0xa2, "0000", false, false, 0xa2},       /* a NUL inside */
		{0xb4, "00", false, false, 0xb4},         /* junk in the free space */
		{0x847, "00", false, false, 0x847},       /* junk at the store's last byte */
		/* the FTW working block header */
		{0x848, "2a", false, false, 0x848},       /* Signature */
		{0x858, "11", false, false, 0x858},       /* Crc */
		{0x85c, "fc", false, false, 0x85c},       /* state: not valid */
		{0x85c, "ff", false, false, 0x85c},       /* state: never validated */
		{0x85d, "00", false, true, 0x85d},        /* Reserved */
		{0x860, "0010000000000000", false, true, 0x860}, /* WriteQueueSize beyond the FV */
	};
	uint8_t *img = malloc(SMALL);
	(void)state;

	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t want = ps[i].want;

		small_image(img, true);
		put_hex(img, ps[i].off, ps[i].hex);
		if (ps[i].fix_fv)
			fix_fv_checksum(img);
		if (ps[i].fix_ftw)
			fix_ftw_crc(img + 0x848);
		vt_expect_fail(img, SMALL, TV_IMG_EDK2, want);
	}
	/* The record's name is "T\0st": the NUL before the end. */
	small_image(img, true);
	put_hex(img, 0xa0, "54000000");
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0xa2);
	/* An empty name (NameSize 2). */
	small_image(img, true);
	put_hex(img, 0x88, "02000000");
	put_hex(img, 0xa0, "0000");
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0xa0);
	/* A record header that overruns a smaller store (ends at 0xba). */
	small_image(img, true);
	put_hex(img, 0x58, "72000000");
	put_hex(img, 0xb0, "aa55");
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0xb0);
	/* The store ends inside the data (0xab): DataSize overruns. */
	small_image(img, true);
	put_hex(img, 0x58, "63000000");
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x8c);
	/* ... and inside the name (0xa8): NameSize overruns. */
	small_image(img, true);
	put_hex(img, 0x58, "60000000");
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x88);
	/* Junk between a smaller store and the FTW header. */
	small_image(img, true);
	put_hex(img, 0x58, "00070000");
	put_hex(img, 0x800, "00");
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x800);
	/* The FTW signature at an offset that is not 8-aligned. */
	small_image(img, true);
	put_hex(img, 0x58, "00070000");
	memset(img + 0x848, 0xFF, 32);
	put_hex(img, 0x84c, ftw_hex);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x84c);
	/* The FV ends inside the variable store header. */
	small_image(img, true);
	put_hex(img, 0x20, "5000000000000000");
	fix_fv_checksum(img);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x50);
	/* The FV ends inside the FTW signature. */
	small_image(img, true);
	put_hex(img, 0x20, "5008000000000000");
	fix_fv_checksum(img);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x848);
	/* Not an image at all (auto detection). */
	small_image(img, true);
	put_hex(img, 0x28, "00");
	vt_expect_fail(img, SMALL, TV_IMG_AUTO, 0);
	vt_expect_fail(img, 0, TV_IMG_AUTO, 0);
	free(img);
}

static void test_ftw_variants(void **state)
{
	uint8_t *img = malloc(SMALL);
	struct tv_img m;
	(void)state;

	/* A used queue: accepted, reported. */
	small_image(img, true);
	put_hex(img, 0x868, "f8");
	parse_ok(img, SMALL, &m);
	assert_true(m.edk2_has_ftw);
	assert_true(m.edk2_ftw_queue_used);
	tv_img_free(&m);
	/* Bytes in the spare area after the queue are not looked at. */
	small_image(img, true);
	put_hex(img, 0x968, "00112233");
	parse_ok(img, SMALL, &m);
	assert_false(m.edk2_ftw_queue_used);
	tv_img_free(&m);
	/* No working block at all: 0xFF to the FV end. */
	small_image(img, true);
	memset(img + 0x848, 0xFF, 32);
	parse_ok(img, SMALL, &m);
	assert_false(m.edk2_has_ftw);
	assert_int_equal(m.count, 1);
	tv_img_free(&m);
	/* Bytes after FvLength (AAVMF's zeros) are not looked at. */
	small_image(img, true);
	put_hex(img, 0x20, "7009000000000000");
	fix_fv_checksum(img);
	memset(img + 0x970, 0, SMALL - 0x970);
	parse_ok(img, SMALL, &m);
	assert_int_equal(m.count, 1);
	assert_false(m.edk2_ftw_queue_used);
	tv_img_free(&m);
	/* A FTW header cut by FvLength. */
	small_image(img, true);
	put_hex(img, 0x20, "6008000000000000");
	fix_fv_checksum(img);
	vt_expect_fail(img, SMALL, TV_IMG_EDK2, 0x860);
	free(img);
}

static void test_truncation(void **state)
{
	uint8_t *img = malloc(SMALL);
	struct tv_img m;
	(void)state;

	small_image(img, true);
	for (size_t n = 17; n < SMALL; n++) {
		uint8_t *cut = malloc(n);
		memcpy(cut, img, n);
		vt_expect_fail(cut, n, TV_IMG_EDK2, n < 0x48 ? n : 0x20);
		free(cut);
	}
	/* 16 bytes of zeros and fewer: a blank image. */
	for (size_t n = 1; n <= 16; n++) {
		parse_ok(img, n, &m);
		assert_true(m.blank);
		tv_img_free(&m);
	}
	free(img);
}

static void test_blank(void **state)
{
	uint8_t *img = malloc(SMALL);
	struct tv_img m;
	struct tv_img_error e;
	struct tv_edk2_layout l;
	(void)state;

	memset(img, 0, SMALL);
	parse_ok(img, SMALL, &m);
	assert_true(m.blank);
	assert_int_equal(m.format, TV_IMG_EDK2);
	assert_int_equal(m.count, 0);
	tv_img_free(&m);
	memset(img, 0xFF, SMALL);
	assert_int_equal(tv_img_parse(img, SMALL, TV_IMG_EDK2, &m, &e), 0);
	assert_true(m.blank);
	tv_img_free(&m);
	/* A blank file is not a U-Boot file. */
	assert_int_equal(tv_img_parse(img, SMALL, TV_IMG_UBOOT, &m, &e), -1);
	/* Nor a template. */
	assert_int_equal(tv_edk2_layout_from_template(img, SMALL, &l, &e), -1);
	assert_non_null(strstr(e.msg, "blank"));
	assert_int_equal(tv_edk2_layout_from_template(NULL, 0, &l, &e), -1);
	img[100] = 1;
	assert_int_equal(tv_edk2_layout_from_template(img, SMALL, &l, &e), -1);
	free(img);
}

/* The writer, against the hand-made bytes: a template with other variables and
 * a used FTW queue gives exactly the small image. */
static void test_writer_bytes(void **state)
{
	uint8_t *tmpl = malloc(SMALL), *want = malloc(SMALL), name[10], *out = NULL;
	struct tv_edk2_layout l;
	struct tv_img_error e;
	struct tv_img_var v;
	size_t pos, out_n = 0;
	(void)state;

	small_image(want, true);
	small_image(tmpl, false);
	pos = rec(tmpl, 0x64, 0x3F, "Old", vt_global_guid, 7, (const uint8_t *)"abcdef", 6);
	pos = rec(tmpl, pos, 0x3C, "Test", vt_global_guid, 7, (const uint8_t *)"x", 1);
	put_hex(tmpl, 0x868, "f8ff0000");
	assert_int_equal(tv_edk2_layout_from_template(tmpl, SMALL, &l, &e), 0);
	assert_int_equal(l.file_size, SMALL);
	assert_int_equal(l.fv_length, SMALL);
	assert_int_equal(l.fv_attributes, 0xe36);
	assert_int_equal(l.block_count, 1);
	assert_int_equal(l.block_size, 0x1000);
	assert_int_equal(l.store_offset, 0x48);
	assert_int_equal(l.store_size, 0x800);
	assert_true(l.has_ftw);
	assert_int_equal(l.ftw_offset, 0x848);
	assert_int_equal(l.ftw_queue_size, 0x100);

	memset(&v, 0, sizeof(v));
	memcpy(v.guid.b, vt_global_guid, 16);
	v.name_size = vt_ucs2("Test", name);
	v.name = name;
	v.attrs = 7;
	v.data = (uint8_t *)"\x01\x02\x03";
	v.data_size = 3;
	v.has_time = true;
	memcpy(v.time, t_time, 16);
	assert_int_equal(tv_img_write_edk2(&v, 1, &l, tmpl, SMALL, &out, &out_n, &e), 0);
	assert_int_equal(out_n, SMALL);
	assert_memory_equal(out, want, SMALL);
	free(out);
	/* A variable without has_time gets a zero TimeStamp. */
	v.has_time = false;
	assert_int_equal(tv_img_write_edk2(&v, 1, &l, tmpl, SMALL, &out, &out_n, &e), 0);
	memset(want + 0x64 + 16, 0, 16);
	assert_memory_equal(out, want, SMALL);
	free(out);
	/* A template with a plain store gives an authenticated one. */
	put_hex(tmpl, 0x48, plain_store_hex);
	memset(tmpl + 0x64, 0xFF, 0x100);
	assert_int_equal(tv_edk2_layout_from_template(tmpl, SMALL, &l, &e), 0);
	v.has_time = true;
	assert_int_equal(tv_img_write_edk2(&v, 1, &l, tmpl, SMALL, &out, &out_n, &e), 0);
	small_image(want, true);
	assert_memory_equal(out, want, SMALL);
	free(out);
	free(tmpl);
	free(want);
}

struct tvar {
	const char *name;
	const uint8_t *guid;
	uint32_t attrs;
	uint32_t size;
	bool timed;
};

static struct tv_img_var *make_vars(const struct tvar *t, size_t n)
{
	struct tv_img_var *v = calloc(n, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		v[i].name = malloc(2 * strlen(t[i].name) + 2);
		v[i].name_size = vt_ucs2(t[i].name, v[i].name);
		memcpy(v[i].guid.b, t[i].guid, 16);
		v[i].attrs = t[i].attrs;
		v[i].data_size = t[i].size;
		v[i].data = t[i].size ? malloc(t[i].size) : NULL;
		for (uint32_t k = 0; k < t[i].size; k++)
			v[i].data[k] = (uint8_t)(k * 7 + i);
		if (t[i].timed) {
			uint8_t tm[16] = {0xe8, 0x07, 2, 29, 23, 59, (uint8_t)(i % 60)};
			v[i].has_time = true;
			memcpy(v[i].time, tm, 16);
		}
	}
	return v;
}

static void free_vars(struct tv_img_var *v, size_t n)
{
	struct tv_img m = {.vars = v, .count = n};
	tv_img_free(&m);
}

static void same_vars(const struct tv_img_var *a, const struct tv_img *m, size_t n)
{
	assert_int_equal(m->count, n);
	for (size_t i = 0; i < n; i++) {
		const struct tv_img_var *b = &m->vars[i];
		assert_memory_equal(a[i].guid.b, b->guid.b, 16);
		assert_int_equal(a[i].name_size, b->name_size);
		assert_memory_equal(a[i].name, b->name, b->name_size);
		assert_int_equal(a[i].attrs, b->attrs);
		assert_int_equal(a[i].data_size, b->data_size);
		if (b->data_size)
			assert_memory_equal(a[i].data, b->data, b->data_size);
		else
			assert_null(b->data);
		/* The authenticated format: every record has a TimeStamp (zero
		 * when the variable had none) */
		assert_true(b->has_time);
		if (a[i].has_time)
			assert_memory_equal(a[i].time, b->time, 16);
		else
			assert_true(all_zero(b->time, 16));
	}
}

/* An at variable whose time is zero (an APPEND that created it keeps EDK2's
 * all-zero time) is read back with has_time and an all-zero time, and
 * written again as the same bytes: export -> import -> export is stable. */
static void test_roundtrip_zero_time(void **state)
{
	static const struct tvar zv[] = {
		{"ZeroAt", vt_global_guid, 0x27, 5, true},
		{"Plain", vt_global_guid, 7, 2, false},
		{"Timed", vt_db_guid, 0x27, 3, true},
	};
	struct tv_img_var *v = make_vars(zv, 3);
	uint8_t *tmpl = malloc(SMALL), *out = NULL, *out2 = NULL, *out3 = NULL;
	struct tv_edk2_layout l;
	struct tv_img_error e;
	struct tv_img m, m2;
	size_t n1, n2, n3;
	(void)state;

	memset(v[0].time, 0, 16);
	small_image(tmpl, true);
	assert_int_equal(tv_edk2_layout_from_template(tmpl, SMALL, &l, &e), 0);
	assert_int_equal(tv_img_write_edk2(v, 3, &l, tmpl, SMALL, &out, &n1, &e), 0);
	parse_ok(out, n1, &m);
	assert_int_equal(m.count, 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(m.vars[i].has_time);
	assert_true(all_zero(m.vars[0].time, 16));
	assert_true(all_zero(m.vars[1].time, 16));
	assert_memory_equal(m.vars[2].time, v[2].time, 16);
	assert_int_equal(tv_img_write_edk2(m.vars, m.count, &l, tmpl, SMALL, &out2, &n2, &e), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(out, out2, n1);
	parse_ok(out2, n2, &m2);
	assert_int_equal(tv_img_write_edk2(m2.vars, m2.count, &l, tmpl, SMALL, &out3, &n3, &e), 0);
	assert_memory_equal(out, out3, n1);
	tv_img_free(&m);
	tv_img_free(&m2);
	free(out);
	free(out2);
	free(out3);
	free(tmpl);
	free_vars(v, 3);
}

static const struct tvar rt_vars[] = {
	{"BootOrder", vt_global_guid, 7, 4, false},
	{"Boot0000", vt_global_guid, 7, 61, false},
	{"db", vt_db_guid, 0x27, 1001, true},
	{"X", vt_db_guid, 3, 0, false},
	{"PK", vt_global_guid, 0x27, 2, true},
	{"AVeryLongVariableNameOf33Letters", vt_global_guid, 0x7, 3, false},
};
#define RT_N (sizeof(rt_vars) / sizeof(rt_vars[0]))

static void test_roundtrip_small(void **state)
{
	uint8_t *tmpl = malloc(SMALL), *out = NULL, *out2 = NULL;
	struct tv_img_var *v = make_vars(rt_vars, RT_N);
	struct tv_edk2_layout l;
	struct tv_img_error e;
	struct tv_img m;
	size_t n1, n2;
	(void)state;

	small_image(tmpl, true);
	assert_int_equal(tv_edk2_layout_from_template(tmpl, SMALL, &l, &e), 0);
	assert_int_equal(tv_img_write_edk2(v, RT_N, &l, tmpl, SMALL, &out, &n1, &e), 0);
	parse_ok(out, n1, &m);
	same_vars(v, &m, RT_N);
	assert_int_equal(m.edk2_dead, 0);
	assert_true(m.edk2_has_ftw);
	assert_int_equal(tv_img_write_edk2(m.vars, m.count, &l, out, n1, &out2, &n2, &e), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(out, out2, n1);
	/* The bytes outside the store and the FTW header are the template's. */
	assert_memory_equal(out, tmpl, 0x48);
	assert_memory_equal(out + 0x848, tmpl + 0x848, SMALL - 0x848);
	/* No variables: an empty store. */
	free(out2);
	assert_int_equal(tv_img_write_edk2(NULL, 0, &l, tmpl, SMALL, &out2, &n2, &e), 0);
	tv_img_free(&m);
	parse_ok(out2, n2, &m);
	assert_int_equal(m.count, 0);
	assert_false(m.blank);
	tv_img_free(&m);
	free(out);
	free(out2);
	free(tmpl);
	free_vars(v, RT_N);
}

static void test_roundtrip_aavmf(void **state)
{
	struct tv_img_var *v = make_vars(rt_vars, RT_N);
	struct tv_edk2_layout l, l2;
	struct tv_img_error e;
	struct tv_img m;
	uint8_t *out = NULL, *out2 = NULL;
	size_t n1, n2;
	(void)state;

	tv_edk2_layout_aavmf(&l);
	assert_int_equal(l.file_size, 64u << 20);
	assert_int_equal(tv_img_write_edk2(v, RT_N, &l, NULL, 0, &out, &n1, &e), 0);
	assert_int_equal(n1, 64u << 20);
	/* Hand-checked bytes of AAVMF's layout. */
	assert_int_equal(vt_get32(out + 0x20), 0xC0000);
	assert_int_equal(vt_get32(out + 0x2c), 0xe36);
	assert_int_equal(vt_get32(out + 0x38), 256);
	assert_int_equal(vt_get32(out + 0x3c), 0x40000);
	assert_int_equal(vt_get32(out + 0x48 + 16), 0x3ffb8);
	assert_int_equal(vt_get32(out + 0x40000 + 24), 0x3ffe0);
	assert_int_equal(out[0x80000], 0xFF);
	assert_int_equal(out[0xBFFFF], 0xFF);
	assert_int_equal(out[0xC0000], 0x00);
	assert_int_equal(out[(64u << 20) - 1], 0x00);
	parse_ok(out, n1, &m);
	same_vars(v, &m, RT_N);
	assert_int_equal(tv_edk2_layout_from_template(out, n1, &l2, &e), 0);
	assert_memory_equal(&l, &l2, sizeof(l));
	assert_int_equal(tv_img_write_edk2(m.vars, m.count, &l, NULL, 0, &out2, &n2, &e), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(out, out2, n1);
	tv_img_free(&m);
	free(out);
	free(out2);
	free_vars(v, RT_N);
}

static void write_fails(const struct tv_img_var *v, size_t n, const struct tv_edk2_layout *l,
			const uint8_t *t, size_t tn, const char *what)
{
	struct tv_img_error e;
	uint8_t *out = (uint8_t *)1;
	size_t on = 1;

	assert_int_equal(tv_img_write_edk2(v, n, l, t, tn, &out, &on, &e), -1);
	assert_null(out);
	assert_int_equal(on, 0);
	if (!strstr(e.msg, what))
		print_message("# %s\n", e.msg);
	assert_non_null(strstr(e.msg, what));
}

/* 20000 records: parsed and written in O(n log n) (the duplicate checks sort;
 * correctness here, no timing), with the same twin rules and the same first
 * bad offset as for a handful. */
#define MANY 20000u
static void many_name(char *buf, size_t i)
{
	snprintf(buf, 16, "V%05zu", i);
}

static void test_many(void **state)
{
	struct tv_edk2_layout l = {.file_size = 4u << 20, .fv_length = 4u << 20,
				   .fv_attributes = 0xe36, .block_count = 1024,
				   .block_size = 0x1000, .store_offset = 0x48,
				   .store_size = (4u << 20) - 0x48};
	struct tv_img_var *v = calloc(MANY, sizeof(*v));
	struct tv_img_error e;
	struct tv_img m;
	uint8_t *out = NULL, *out2 = NULL;
	size_t n1, n2, end, bad;
	char nb[16], got[64];
	(void)state;

	for (size_t i = 0; i < MANY; i++) {
		many_name(nb, i);
		v[i].name = malloc(16);
		v[i].name_size = vt_ucs2(nb, v[i].name);
		/* every 7th under the db GUID: the same names under two GUIDs */
		memcpy(v[i].guid.b, i % 7 ? vt_global_guid : vt_db_guid, 16);
		v[i].attrs = 7;
		v[i].data = malloc(1);
		v[i].data[0] = (uint8_t)i;
		v[i].data_size = 1;
	}
	assert_int_equal(tv_img_write_edk2(v, MANY, &l, NULL, 0, &out, &n1, &e), 0);
	parse_ok(out, n1, &m);
	assert_int_equal(m.count, MANY);
	for (size_t i = 0; i < MANY; i += 997) {
		many_name(nb, i);
		assert_string_equal(var_name(&m.vars[i], got), nb);
		assert_int_equal(m.vars[i].data[0], (uint8_t)i);
	}
	assert_int_equal(tv_img_write_edk2(m.vars, m.count, &l, NULL, 0, &out2, &n2, &e), 0);
	assert_memory_equal(out, out2, n1);
	tv_img_free(&m);
	free(out2);
	/* A name twice: the writer refuses at the second. */
	many_name(nb, 123);
	v[MANY - 1].name_size = vt_ucs2(nb, v[MANY - 1].name);
	memcpy(v[MANY - 1].guid.b, vt_global_guid, 16);
	assert_int_equal(tv_img_write_edk2(v, MANY, &l, NULL, 0, &out2, &n2, &e), -1);
	assert_non_null(strstr(e.msg, "V00123-8be4df61-93ca-11d2-aa0d-00e098032b8c: given twice"));

	/* The end of the records (each 60 + 14 + 1 bytes, 4-aligned: 76). */
	end = 0x64 + (size_t)MANY * 76;
	assert_int_equal(out[end], 0xFF);
	assert_int_equal(out[end - 76 + 2], 0x3F);
	/* A 0x3E twin of a live record: not carried. */
	end = rec(out, end, 0x3E, "V00005", vt_global_guid, 7, (const uint8_t *)"old", 3);
	/* V00010 being replaced: its record 0x3E, a 0x3F one after: the new one,
	 * last in the order */
	out[0x64 + 10 * 76 + 2] = 0x3E;
	end = rec(out, end, 0x3F, "V00010", vt_global_guid, 7, (const uint8_t *)"new", 3);
	parse_ok(out, n1, &m);
	assert_int_equal(m.count, MANY);
	assert_int_equal(m.edk2_dead, 2);
	assert_string_equal(var_name(&m.vars[5], got), "V00005");
	assert_int_equal(m.vars[5].data_size, 1);
	assert_string_equal(var_name(&m.vars[10], got), "V00011");
	assert_string_equal(var_name(&m.vars[MANY - 1], got), "V00010");
	assert_memory_equal(m.vars[MANY - 1].data, "new", 3);
	tv_img_free(&m);
	/* Two live 0x3F records: damage at the first second one in the file,
	 * even with damage after it. */
	bad = end;
	end = rec(out, end, 0x3F, "V00100", vt_global_guid, 7, (const uint8_t *)"x", 1);
	end = rec(out, end, 0x3F, "V00050", vt_global_guid, 7, (const uint8_t *)"y", 1);
	vt_expect_fail(out, n1, TV_IMG_EDK2, bad);
	memset(&e, 0, sizeof(e));
	assert_int_equal(tv_img_parse(out, n1, TV_IMG_EDK2, &m, &e), -1);
	assert_non_null(strstr(e.msg, "two live records (state 0x3f) of "
				      "V00100-8be4df61-93ca-11d2-aa0d-00e098032b8c, the other at "
				      "0x1e14"));
	rec(out, end, 0x3F, "", vt_global_guid, 7, (const uint8_t *)"z", 1);
	vt_expect_fail(out, n1, TV_IMG_EDK2, bad);
	free(out);
	free_vars(v, MANY);
}

static void test_writer_errors(void **state)
{
	uint8_t *tmpl = malloc(SMALL);
	struct tv_img_var *v = make_vars(rt_vars, RT_N);
	struct tv_edk2_layout l, bad;
	struct tv_img_error e;
	uint8_t *big = calloc(1, 0x800);
	(void)state;

	small_image(tmpl, true);
	assert_int_equal(tv_edk2_layout_from_template(tmpl, SMALL, &l, &e), 0);
	/* Too big: one byte over, and exactly full. */
	struct tv_img_var one = v[0];
	one.data = big;
	one.data_size = 0x800 - 0x1c - 60 - one.name_size + 1;
	write_fails(&one, 1, &l, tmpl, SMALL, "does not fit: 2049 bytes needed, 2048 available");
	one.data_size--;
	uint8_t *out;
	size_t on;
	assert_int_equal(tv_img_write_edk2(&one, 1, &l, tmpl, SMALL, &out, &on, &e), 0);
	struct tv_img m;
	parse_ok(out, on, &m);
	assert_int_equal(m.count, 1);
	tv_img_free(&m);
	free(out);
	/* Names, attributes, duplicates, data. */
	struct tv_img_var w[2] = {v[0], v[1]};
	w[1].name_size = 3;
	write_fails(w, 2, &l, tmpl, SMALL, "variable 1: not a valid UCS-2 name");
	w[1] = v[1];
	w[1].attrs = 6;
	write_fails(w, 2, &l, tmpl, SMALL, "attributes 0x6");
	w[1] = v[0];
	write_fails(w, 2, &l, tmpl, SMALL, "BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c: given twice");
	w[1] = v[1];
	w[1].data = NULL;
	write_fails(w, 2, &l, tmpl, SMALL, "no data");
	w[1] = v[1];
	w[1].name = NULL;
	write_fails(w, 2, &l, tmpl, SMALL, "not a valid UCS-2 name");
	/* Templates and layouts. */
	write_fails(v, 1, &l, tmpl, SMALL - 1, "template size");
	bad = l;
	bad.store_size = 0;
	write_fails(v, 1, &bad, tmpl, SMALL, "invalid EDK2 layout");
	bad = l;
	bad.ftw_offset = 0x840;
	write_fails(v, 1, &bad, tmpl, SMALL, "FTW");
	bad = l;
	bad.fv_length = 0x2000;
	write_fails(v, 1, &bad, tmpl, SMALL, "invalid EDK2 layout");
	bad = l;
	bad.store_offset = 0x50;
	bad.has_ftw = false;
	write_fails(v, 1, &bad, NULL, 0, "without a template");
	write_fails(v, 1, NULL, tmpl, SMALL, "invalid arguments");
	write_fails(NULL, 1, &l, tmpl, SMALL, "invalid arguments");
	/* A damaged template. */
	tmpl[0x32] ^= 1;
	assert_int_equal(tv_edk2_layout_from_template(tmpl, SMALL, &l, &e), -1);
	assert_int_equal(e.offset, 0x32);
	free(tmpl);
	free(big);
	free_vars(v, RT_N);
}

/* Random damage: any outcome but a crash (ASan/UBSan watch), and a failure names
 * an offset inside the file. */
static void test_random_damage(void **state)
{
	uint8_t *img = malloc(SMALL);
	uint64_t rng = 0x5eed1234;
	struct tv_img m;
	struct tv_img_error e;
	size_t pos;
	(void)state;

	for (int round = 0; round < 3000; round++) {
		small_image(img, true);
		pos = rec(img, 0xb0, 0x3E, "Twin", vt_global_guid, 7, (const uint8_t *)"t", 1);
		pos = rec(img, pos, 0x3F, "Twin", vt_global_guid, 7, (const uint8_t *)"u", 1);
		int k = 1 + (int)(tv_test_rand(&rng) % 4);
		for (int j = 0; j < k; j++) {
			size_t off = (size_t)(tv_test_rand(&rng) % (round % 2 ? 0x200 : SMALL));
			img[off] = (uint8_t)tv_test_rand(&rng);
		}
		if (round % 3 == 0)
			fix_fv_checksum(img);
		if (tv_img_parse(img, SMALL, TV_IMG_AUTO, &m, &e) == 0) {
			for (size_t i = 0; i < m.count; i++)
				assert_true(m.vars[i].offset < SMALL);
			tv_img_free(&m);
		} else {
			assert_true(e.offset <= SMALL);
			assert_memory_equal(e.msg, "offset 0x", 9);
		}
	}
	free(img);
}

/* Names that are not ASCII are shown with '?' in messages. */
static void test_label(void **state)
{
	uint8_t *img = malloc(SMALL);
	struct tv_img m;
	struct tv_img_error e;
	size_t pos;
	(void)state;

	small_image(img, false);
	pos = rec(img, 0x64, 0x3F, "Ab", vt_global_guid, 7, (const uint8_t *)"x", 1);
	img[0x64 + 60 + 2] = 0xe9; /* "A\u00e9" */
	rec(img, pos, 0x3F, "Ab", vt_global_guid, 7, (const uint8_t *)"y", 1);
	img[pos + 60 + 2] = 0xe9;
	assert_int_equal(tv_img_parse(img, SMALL, TV_IMG_EDK2, &m, &e), -1);
	assert_non_null(strstr(e.msg, "A?-8be4df61-93ca-11d2-aa0d-00e098032b8c"));
	free(img);
}

static void test_misc(void **state)
{
	struct tv_img m;
	struct tv_img_error e;
	uint8_t b[4] = {0};
	(void)state;

	assert_string_equal(tv_img_format_name(TV_IMG_EDK2), "edk2");
	assert_string_equal(tv_img_format_name(TV_IMG_UBOOT), "uboot");
	assert_string_equal(tv_img_format_name(TV_IMG_AUTO), "auto");
	assert_int_equal(tv_img_parse(NULL, 4, TV_IMG_AUTO, &m, &e), -1);
	assert_int_equal(tv_img_parse(b, 4, TV_IMG_AUTO, NULL, &e), -1);
	assert_int_equal(tv_img_parse(b, 4, (enum tv_img_format)7, &m, &e), -1);
	assert_non_null(strstr(e.msg, "unknown format"));
	assert_int_equal(tv_img_parse(b, 4, TV_IMG_AUTO, &m, NULL), 0); /* blank; no err */
	tv_img_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_plain_vector),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_header_damage),
		cmocka_unit_test(test_ftw_variants),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_blank),
		cmocka_unit_test(test_writer_bytes),
		cmocka_unit_test(test_roundtrip_small),
		cmocka_unit_test(test_roundtrip_aavmf),
		cmocka_unit_test(test_roundtrip_zero_time),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_misc),
	};
	return cmocka_run_group_tests_name("varimg_edk2", tests, NULL, NULL);
}

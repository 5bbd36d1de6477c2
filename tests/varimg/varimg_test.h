/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers of the varimg tests: byte builders independent of src/varimg. */
#ifndef VARIMG_TEST_H
#define VARIMG_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void vt_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void vt_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void vt_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t vt_get32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}
/* ASCII -> UCS-2 LE with its NUL; returns the byte count. */
static inline uint32_t vt_ucs2(const char *s, uint8_t *out)
{
	uint32_t n = 0;
	do {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	} while (*s++);
	return n;
}

static const uint8_t vt_global_guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					   0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
static const uint8_t vt_db_guid[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
				       0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};


#ifdef cmocka_unit_test
/* A parse of p that must fail at offset off, with "offset 0x...: " and a
 * reason, and leave nothing in the image (needs cmocka.h and varimg.h). */
static inline void vt_expect_fail(const uint8_t *p, size_t n, enum tv_img_format hint, uint64_t off)
{
	struct tv_img img;
	struct tv_img_error e;
	char want[32];

	memset(&e, 0, sizeof(e));
	assert_int_equal(tv_img_parse(p, n, hint, &img, &e), -1);
	if (e.offset != off)
		print_message("# got offset 0x%llx, want 0x%llx: %s\n", (unsigned long long)e.offset,
			      (unsigned long long)off, e.msg);
	assert_int_equal(e.offset, off);
	snprintf(want, sizeof(want), "offset 0x%llx: ", (unsigned long long)off);
	assert_memory_equal(e.msg, want, strlen(want));
	assert_true(strlen(e.msg) > strlen(want) + 5);
	assert_int_equal(img.count, 0);
	assert_null(img.vars);
}
#endif

#endif

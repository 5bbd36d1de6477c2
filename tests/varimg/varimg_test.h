/* SPDX-License-Identifier: BSD-2-Clause */
/* Small helpers of the varimg tests: byte builders independent of src/varimg. */
#ifndef VARIMG_TEST_H
#define VARIMG_TEST_H

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

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Endian-explicit loads and stores on byte buffers (no alignment assumptions). */
#ifndef TV_BYTES_H
#define TV_BYTES_H

#include <stdint.h>

static inline uint16_t tv_get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t tv_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void tv_put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void tv_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static inline uint16_t tv_get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t tv_get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tv_get_le64(const uint8_t *p)
{
	return tv_get_le32(p) | (uint64_t)tv_get_le32(p + 4) << 32;
}
static inline void tv_put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void tv_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void tv_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A GUID as bytes in EFI byte order (the first three fields little-endian),
 * from its text form's fields: TV_GUID_BYTES(0x8be4df61, 0x93ca, 0x11d2, 0xaa,
 * 0x0d, ...) for 8be4df61-93ca-11d2-aa0d-...; an initializer of uint8_t[16]. */
#define TV_GUID_BYTES(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                              \
	{(uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24),     \
	 (uint8_t)(b), (uint8_t)((b) >> 8), (uint8_t)(c), (uint8_t)((c) >> 8),              \
	 d0, d1, d2, d3, d4, d5, d6, d7}

#endif

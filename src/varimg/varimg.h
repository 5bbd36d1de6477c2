/* SPDX-License-Identifier: BSD-2-Clause */
/* Firmware variable store files in and out: EDK2 NV store images (an FV with a
 * variable store and a fault-tolerant-write working block, as in OVMF/AAVMF
 * pflash images) and U-Boot's ubootefi.var. Byte layouts: docs/firmware-stores.md. */
#ifndef TV_VARIMG_H
#define TV_VARIMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teevar/efi.h"

enum tv_img_format { TV_IMG_AUTO = 0, TV_IMG_EDK2 = 1, TV_IMG_UBOOT = 2 };

struct tv_img_var {
	efi_guid_t guid;
	uint8_t *name;       /* UCS-2 LE with its NUL, owned */
	uint32_t name_size;  /* bytes, NUL included */
	uint32_t attrs;      /* as stored (U-Boot: bit 31 is its READ_ONLY marker) */
	uint8_t *data;       /* owned; NULL when data_size == 0 */
	uint32_t data_size;
	bool has_time;       /* a non-zero EDK2 TimeStamp / U-Boot time != 0 */
	uint8_t time[16];    /* EFI_TIME bytes (U-Boot's u64 converted to it) */
	uint64_t offset;     /* file offset of the variable's header (messages) */
};

struct tv_img {
	enum tv_img_format format;
	bool blank;              /* all 0x00 or all 0xFF: a never-booted pflash */
	bool edk2_authenticated; /* EDK2: the authenticated store format */
	struct tv_img_var *vars;
	size_t count;
	/* Additions to the contract (EDK2 only): */
	uint32_t edk2_dead;      /* records not live (deleted, replaced, half written) */
	bool edk2_has_ftw;       /* an FTW working block header was found (and is valid) */
	bool edk2_ftw_queue_used;/* its write queue is not empty (not all 0xFF) */
};

struct tv_img_error {
	uint64_t offset;
	char msg[200]; /* "offset 0x...: <what>" */
};

/* Parses a whole file. 0, or -1 with err set (nothing in *out). Every bound checked. */
int tv_img_parse(const uint8_t *p, size_t n, enum tv_img_format hint, struct tv_img *out,
		 struct tv_img_error *err);
void tv_img_free(struct tv_img *img);

/* The layout of an EDK2 image: where the FV, the variable store and the FTW
 * working block are. Filled by tv_edk2_layout_aavmf() or _from_template(). */
struct tv_edk2_layout {
	uint64_t file_size;       /* the whole image */
	uint64_t fv_length;       /* FvLength */
	uint32_t fv_attributes;
	uint32_t block_count;     /* the first block map entry */
	uint32_t block_size;
	uint32_t store_offset;    /* = the FV's HeaderLength */
	uint32_t store_size;      /* VARIABLE_STORE_HEADER.Size */
	bool has_ftw;
	uint64_t ftw_offset;      /* the working block header */
	uint64_t ftw_queue_size;  /* WriteQueueSize */
};

void tv_edk2_layout_aavmf(struct tv_edk2_layout *l); /* 64 MiB, AAVMF's */
int tv_edk2_layout_from_template(const uint8_t *p, size_t n, struct tv_edk2_layout *l,
				 struct tv_img_error *err);

/* Writes vars in the given order, state 0x3F, authenticated format; a variable with
 * has_time gets its time, others zero. Free space 0xFF; the FTW working block
 * re-initialised (empty queue); other bytes from the template (template_p may be
 * NULL: AAVMF's bytes, 0xFF inside the FV, 0x00 after it). -1 with err (e.g. "does
 * not fit: N bytes needed, M available"). *out malloc'd. */
int tv_img_write_edk2(const struct tv_img_var *v, size_t n, const struct tv_edk2_layout *l,
		      const uint8_t *template_p, size_t template_n, uint8_t **out, size_t *out_n,
		      struct tv_img_error *err);
/* Writes a ubootefi.var: the entries in the given order, each padded to 8 bytes
 * with zeros. A time U-Boot cannot represent is an error. */
int tv_img_write_uboot(const struct tv_img_var *v, size_t n, uint8_t **out, size_t *out_n,
		       struct tv_img_error *err);

/* Additions to the contract. */

/* U-Boot's EFI_VARIABLE_READ_ONLY marker in ubootefi.var attributes. */
#define TV_UBOOT_ATTR_READ_ONLY 0x80000000u
/* U-Boot 2023.01 reads at most CONFIG_EFI_VAR_BUF_SIZE (default 16384) bytes of
 * ubootefi.var; a longer file is rejected whole ("Invalid EFI variables file"). */
#define TV_UBOOT_VAR_BUF_SIZE_DEFAULT 16384u
/* Why U-Boot's efi_var_from_file() would not load this variable from a
 * ubootefi.var on the ESP, or NULL when it would (U-Boot 2023.01). */
const char *tv_img_uboot_skip_reason(const struct tv_img_var *v);

/* EFI_TIME (16 bytes) <-> U-Boot's u64 (seconds since 1970-01-01 00:00:00, as its
 * rtc_mktime() computes). 0 or -1 (not representable: nanosecond, time zone,
 * daylight or pads non-zero, an invalid date, before 1970-01-01 00:00:01). */
int tv_efi_time_to_uboot(const uint8_t t[16], uint64_t *secs);
/* -1 when secs is beyond 9999-12-31 23:59:59. */
int tv_efi_time_from_uboot(uint64_t secs, uint8_t t[16]);

/* The CRC-32 of an FTW working block header (the 32 bytes at h, with the Crc field
 * and the state byte taken as 0xFF). */
uint32_t tv_edk2_ftw_header_crc(const uint8_t h[32]);
/* The FV header checksum field value that makes the 16-bit sum of the header 0. */
uint16_t tv_edk2_fv_checksum(const uint8_t *h, uint16_t header_length);

const char *tv_img_format_name(enum tv_img_format f); /* "edk2", "uboot", "auto" */

#endif

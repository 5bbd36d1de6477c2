/* SPDX-License-Identifier: BSD-2-Clause */
/* The wire structures of the firmware store formats (documentation and offsets:
 * fields are read and written with tv_bytes.h at offsetof(), never through these
 * structs), and the helpers the format files share. */
#ifndef TV_VARIMG_PRIV_H
#define TV_VARIMG_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "tv_bytes.h"
#include "varimg.h"

/* ---- EDK2 firmware volume header (PI spec EFI_FIRMWARE_VOLUME_HEADER) ---- */
struct edk2_fv_header {
	uint8_t zero_vector[16];
	uint8_t file_system_guid[16]; /* gEfiSystemNvDataFvGuid */
	uint64_t fv_length;
	uint8_t signature[4];         /* "_FVH" */
	uint32_t attributes;
	uint16_t header_length;
	uint16_t checksum;            /* 16-bit sum of the header is 0 */
	uint16_t ext_header_offset;
	uint8_t reserved;
	uint8_t revision;             /* 2 */
	/* then the block map: {NumBlocks u32, Length u32}..., {0, 0} */
};
_Static_assert(sizeof(struct edk2_fv_header) == 0x38, "FV header");
_Static_assert(offsetof(struct edk2_fv_header, fv_length) == 0x20, "FvLength");
_Static_assert(offsetof(struct edk2_fv_header, signature) == 0x28, "Signature");
_Static_assert(offsetof(struct edk2_fv_header, header_length) == 0x30, "HeaderLength");
_Static_assert(offsetof(struct edk2_fv_header, checksum) == 0x32, "Checksum");
_Static_assert(offsetof(struct edk2_fv_header, revision) == 0x37, "Revision");

struct edk2_fv_block_map {
	uint32_t num_blocks;
	uint32_t length;
};
_Static_assert(sizeof(struct edk2_fv_block_map) == 8, "block map entry");

/* ---- VARIABLE_STORE_HEADER ---- */
struct edk2_store_header {
	uint8_t signature[16]; /* auth or plain format GUID */
	uint32_t size;         /* the store, this header included */
	uint8_t format;        /* 0x5A formatted */
	uint8_t state;         /* 0xFE healthy */
	uint16_t reserved;
	uint32_t reserved1;
};
_Static_assert(sizeof(struct edk2_store_header) == 28, "store header");
#define EDK2_STORE_FORMATTED 0x5Au
#define EDK2_STORE_HEALTHY 0xFEu

/* ---- AUTHENTICATED_VARIABLE_HEADER (60 bytes) ---- */
struct edk2_auth_var_header {
	uint16_t start_id; /* 0x55AA */
	uint8_t state;
	uint8_t reserved;
	uint32_t attributes;
	uint32_t monotonic_count[2]; /* u64, 4-aligned on the wire */
	uint8_t timestamp[16];       /* EFI_TIME */
	uint32_t pubkey_index;
	uint32_t name_size;
	uint32_t data_size;
	uint8_t vendor_guid[16];
};
_Static_assert(sizeof(struct edk2_auth_var_header) == 60, "auth header");
_Static_assert(offsetof(struct edk2_auth_var_header, timestamp) == 16, "TimeStamp");
_Static_assert(offsetof(struct edk2_auth_var_header, name_size) == 36, "NameSize");
_Static_assert(offsetof(struct edk2_auth_var_header, vendor_guid) == 44, "VendorGuid");

/* ---- VARIABLE_HEADER (plain format, 32 bytes) ---- */
struct edk2_var_header {
	uint16_t start_id;
	uint8_t state;
	uint8_t reserved;
	uint32_t attributes;
	uint32_t name_size;
	uint32_t data_size;
	uint8_t vendor_guid[16];
};
_Static_assert(sizeof(struct edk2_var_header) == 32, "plain header");
_Static_assert(offsetof(struct edk2_var_header, vendor_guid) == 16, "VendorGuid");

#define EDK2_VAR_START_ID 0x55AAu
#define EDK2_VAR_ADDED 0x3Fu
#define EDK2_VAR_ADDED_IN_TRANSITION 0x3Eu /* ADDED & IN_DELETED_TRANSITION */
/* State bits that EDK2 clears (the byte only ever loses bits): 0x80
 * HEADER_VALID_ONLY, 0x40 ADDED, 0x02 DELETED, 0x01 IN_DELETED_TRANSITION.
 * Bits 0x3C are never cleared: a state without them is damage. */
#define EDK2_VAR_STATE_FIXED_BITS 0x3Cu

/* ---- EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER (32 bytes) ---- */
struct edk2_ftw_header {
	uint8_t signature[16];
	uint32_t crc;
	uint8_t state;       /* bit0 WorkingBlockValid, bit1 WorkingBlockInvalid */
	uint8_t reserved[3];
	uint64_t write_queue_size;
};
_Static_assert(sizeof(struct edk2_ftw_header) == 32, "FTW header");
_Static_assert(offsetof(struct edk2_ftw_header, write_queue_size) == 24, "WriteQueueSize");
#define EDK2_FTW_STATE_VALID 0xFEu /* Valid bit cleared, Invalid bit set, rest 1 */

/* ---- U-Boot ubootefi.var ---- */
struct uboot_var_file {
	uint64_t reserved; /* 0 */
	uint64_t magic;    /* UBOOT_VAR_MAGIC */
	uint32_t length;   /* the whole file, this header included */
	uint32_t crc32;    /* of bytes [24, length) */
};
_Static_assert(sizeof(struct uboot_var_file) == 24, "ubootefi.var header");
struct uboot_var_entry {
	uint32_t length; /* data size */
	uint32_t attr;
	uint64_t time;   /* seconds since 1970, 0: none */
	uint8_t guid[16];
	/* then the UCS-2 name with its NUL, the data, zeros to 8-byte alignment */
};
_Static_assert(sizeof(struct uboot_var_entry) == 32, "ubootefi.var entry");
#define UBOOT_VAR_MAGIC 0x0161566966456255ull /* "UbEfiVa" version 1 */

/* ---- GUIDs (EFI byte order) ---- */
extern const uint8_t tv_edk2_nvdata_fv_guid[16];
extern const uint8_t tv_edk2_auth_store_guid[16];
extern const uint8_t tv_edk2_plain_store_guid[16];
extern const uint8_t tv_edk2_ftw_guid[16];

/* ---- shared helpers ---- */
#define OFF(s, f) offsetof(struct s, f)

/* Sets err to "offset 0x<off>: <fmt...>"; returns -1. */
int tv_img_fail(struct tv_img_error *err, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Checks a UCS-2 name of size bytes at p (file offset off; its size field at
 * size_off, for messages): size even, >= 4, ends with a NUL, no NUL before.
 * 0 or -1 with err. */
int tv_img_check_name(const uint8_t *p, uint64_t size, uint64_t off, uint64_t size_off,
		      struct tv_img_error *err);
/* Appends a variable (copies name and data) to img; -1 on ENOMEM with err. */
int tv_img_add(struct tv_img *img, size_t *cap, const uint8_t guid[16], const uint8_t *name,
	       uint32_t name_size, uint32_t attrs, const uint8_t *data, uint32_t data_size,
	       const uint8_t *time, uint64_t offset, struct tv_img_error *err);
/* Index of the first variable before 'upto' with the same name and GUID, or -1. */
long tv_img_find(const struct tv_img *img, size_t upto, const uint8_t guid[16], const uint8_t *name,
		 uint32_t name_size);
/* "Name-GUID" for messages (name as ASCII, '?' for others). */
void tv_img_var_label(const uint8_t guid[16], const uint8_t *name, uint32_t name_size, char *buf,
		      size_t n);
bool tv_img_all(const uint8_t *p, size_t n, uint8_t v);

/* Per format. */
int tv_edk2_parse(const uint8_t *p, size_t n, struct tv_img *out, struct tv_img_error *err);
int tv_uboot_parse(const uint8_t *p, size_t n, struct tv_img *out, struct tv_img_error *err);

/* FV header: validates the FV at p (file size n); returns the header length in
 * *hlen and FvLength in *fvlen. */
int tv_edk2_fv_check(const uint8_t *p, size_t n, uint16_t *hlen, uint64_t *fvlen,
		     struct tv_img_error *err);
/* Writes a FV header with one block map entry (0x48 bytes) at h. */
void tv_edk2_fv_build(uint8_t *h, uint64_t fv_length, uint32_t attrs, uint32_t nblocks,
		      uint32_t block_size);

/* The variable store at p + off (within the FV, end fv_end). */
struct tv_edk2_store_info {
	bool authenticated;
	uint32_t size;
};
int tv_edk2_store_check_header(const uint8_t *p, uint64_t off, uint64_t fv_end,
			       struct tv_edk2_store_info *si, struct tv_img_error *err);
int tv_edk2_store_parse(const uint8_t *p, uint64_t off, const struct tv_edk2_store_info *si,
			struct tv_img *img, struct tv_img_error *err);
/* Writes header + records + 0xFF into dst (store_size bytes). */
int tv_edk2_store_write(uint8_t *dst, uint32_t store_size, uint64_t store_off,
			const struct tv_img_var *v, size_t n, struct tv_img_error *err);

/* The FTW working block after the store: the first 8-aligned offset in
 * [from, fv_end) holding its signature. 1 found (header valid, *ftw_off,
 * *queue_size set), 0 none, -1 damage (bytes before it not 0xFF, CRC, state,
 * queue beyond the FV). */
int tv_edk2_ftw_locate(const uint8_t *p, uint64_t from, uint64_t fv_end, uint64_t *ftw_off,
		       uint64_t *queue_size, struct tv_img_error *err);
/* Writes a fresh working block header (and an empty queue of queue_size 0xFF). */
void tv_edk2_ftw_init(uint8_t *h, uint64_t queue_size);

#endif

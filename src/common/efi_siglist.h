/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * EFI_SIGNATURE_LIST, the layout of PK, KEK, db, dbx, dbt, dbr and their
 * *Default copies (UEFI 2.10 section 32.4.1), little-endian:
 *
 *   0  16  SignatureType (GUID, EFI byte order)
 *  16  u32 SignatureListSize   (this list, header included)
 *  20  u32 SignatureHeaderSize (bytes after this header, before the entries)
 *  24  u32 SignatureSize       (each entry: 16-byte owner GUID + data)
 *  28      SignatureHeader[SignatureHeaderSize], then the entries
 *
 * A variable holds lists back to back. This walker only checks that the bytes
 * are a well-formed sequence of lists (sizes consistent, everything inside the
 * buffer); what each type's data must be is the secure core's business
 * (sig_list.c). It has no trust role: the CLI uses it to show lists too.
 */
#ifndef TV_EFI_SIGLIST_H
#define TV_EFI_SIGLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TV_ESL_HDR_SIZE 28u
#define TV_ESL_OWNER_SIZE 16u

/* Signature types (EFI byte order). */
extern const uint8_t tv_cert_sha256_guid[16];       /* c1c41626-504c-4092-aca9-41f936934328 */
extern const uint8_t tv_cert_rsa2048_guid[16];      /* 3c5766e8-269c-4e34-aa14-ed776e85b3b6 */
extern const uint8_t tv_cert_rsa2048_sha256_guid[16]; /* e2b36190-879b-4a3d-ad8d-f2e7bba32784 */
extern const uint8_t tv_cert_sha1_guid[16];         /* 826ca512-cf10-4ac9-b187-be01496631bd */
extern const uint8_t tv_cert_rsa2048_sha1_guid[16]; /* 67f8444f-8743-48f1-a328-1eaab8736080 */
extern const uint8_t tv_cert_x509_guid[16];         /* a5c059a1-94e4-4aa7-87b5-ab155c2bf072 */
extern const uint8_t tv_cert_sha224_guid[16];       /* 0b6e5233-a65c-44c9-9407-d9ab83bfc8bd */
extern const uint8_t tv_cert_sha384_guid[16];       /* ff3e5307-9fd0-48c9-85f1-8ad56c701e01 */
extern const uint8_t tv_cert_sha512_guid[16];       /* 093e0fae-a6c4-4f50-9f1b-d41e2b89c19a */
extern const uint8_t tv_cert_x509_sha256_guid[16];  /* 3bd2a492-96c0-4079-b420-fcf98ef103ed */
extern const uint8_t tv_cert_x509_sha384_guid[16];  /* 7076876e-80c2-4ee6-aad2-28b349a6865b */
extern const uint8_t tv_cert_x509_sha512_guid[16];  /* 446dbf63-2502-4cda-bcfa-2465d2b0fe9d */

/* The twelve types EDK2 accepts (AuthService.c mSupportSigItem), with the size
 * of their data (SignatureSize - 16); 0 for X.509 (any size). */
struct tv_esl_type {
	const uint8_t *guid;
	const char *name;   /* "X509", "SHA256", ... */
	uint32_t data_size;
};
/* NULL if the type is not one of the twelve. */
const struct tv_esl_type *tv_esl_type_find(const uint8_t guid[16]);

/* One signature list as found in the buffer. */
struct tv_esl_list {
	const uint8_t *type;      /* 16 bytes */
	uint32_t list_size;
	uint32_t header_size;
	uint32_t sig_size;
	const uint8_t *header;    /* header_size bytes */
	const uint8_t *entries;   /* count entries of sig_size bytes */
	uint32_t count;
	size_t offset;            /* of the list in the buffer */
};

/* One entry (EFI_SIGNATURE_DATA). */
struct tv_esl_entry {
	const struct tv_esl_list *list;
	uint32_t index;           /* in its list */
	const uint8_t *owner;     /* 16 bytes */
	const uint8_t *data;
	uint32_t data_size;       /* sig_size - 16 */
};

/* Walks lists, and entries within each list. */
struct tv_esl_iter {
	const uint8_t *buf;
	size_t size;
	size_t next;              /* offset of the next list */
	struct tv_esl_list list;  /* the current list */
	uint32_t entry;           /* next entry of the current list */
	bool in_list;
	const char *error;        /* why the walk stopped early (malformed), else NULL */
	size_t error_offset;
};

void tv_esl_iter_init(struct tv_esl_iter *it, const uint8_t *buf, size_t size);
/* The next list: 1, 0 at the end, -1 malformed (it->error says why). A list
 * is malformed when its header does not fit, ListSize < 28 + HeaderSize or
 * runs past the buffer, SignatureSize < 16, or (ListSize - 28 - HeaderSize)
 * is not a multiple of SignatureSize. Lists with no entry are allowed. */
int tv_esl_next_list(struct tv_esl_iter *it, struct tv_esl_list *out);
/* The next entry across all lists: 1, 0 at the end, -1 malformed. */
int tv_esl_next_entry(struct tv_esl_iter *it, struct tv_esl_entry *out);
/* Entries in the whole buffer, or -1 if malformed. */
long tv_esl_count(const uint8_t *buf, size_t size);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
#include "efi_siglist.h"

#include <string.h>

#include "tv_bytes.h"

/* GUIDs in EFI byte order (tv_bytes.h). */
#define G TV_GUID_BYTES

const uint8_t tv_cert_sha256_guid[16] =
	G(0xc1c41626, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28);
const uint8_t tv_cert_rsa2048_guid[16] =
	G(0x3c5766e8, 0x269c, 0x4e34, 0xaa, 0x14, 0xed, 0x77, 0x6e, 0x85, 0xb3, 0xb6);
const uint8_t tv_cert_rsa2048_sha256_guid[16] =
	G(0xe2b36190, 0x879b, 0x4a3d, 0xad, 0x8d, 0xf2, 0xe7, 0xbb, 0xa3, 0x27, 0x84);
const uint8_t tv_cert_sha1_guid[16] =
	G(0x826ca512, 0xcf10, 0x4ac9, 0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66, 0x31, 0xbd);
const uint8_t tv_cert_rsa2048_sha1_guid[16] =
	G(0x67f8444f, 0x8743, 0x48f1, 0xa3, 0x28, 0x1e, 0xaa, 0xb8, 0x73, 0x60, 0x80);
const uint8_t tv_cert_x509_guid[16] =
	G(0xa5c059a1, 0x94e4, 0x4aa7, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72);
const uint8_t tv_cert_sha224_guid[16] =
	G(0x0b6e5233, 0xa65c, 0x44c9, 0x94, 0x07, 0xd9, 0xab, 0x83, 0xbf, 0xc8, 0xbd);
const uint8_t tv_cert_sha384_guid[16] =
	G(0xff3e5307, 0x9fd0, 0x48c9, 0x85, 0xf1, 0x8a, 0xd5, 0x6c, 0x70, 0x1e, 0x01);
const uint8_t tv_cert_sha512_guid[16] =
	G(0x093e0fae, 0xa6c4, 0x4f50, 0x9f, 0x1b, 0xd4, 0x1e, 0x2b, 0x89, 0xc1, 0x9a);
const uint8_t tv_cert_x509_sha256_guid[16] =
	G(0x3bd2a492, 0x96c0, 0x4079, 0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed);
const uint8_t tv_cert_x509_sha384_guid[16] =
	G(0x7076876e, 0x80c2, 0x4ee6, 0xaa, 0xd2, 0x28, 0xb3, 0x49, 0xa6, 0x86, 0x5b);
const uint8_t tv_cert_x509_sha512_guid[16] =
	G(0x446dbf63, 0x2502, 0x4cda, 0xbc, 0xfa, 0x24, 0x65, 0xd2, 0xb0, 0xfe, 0x9d);

static const struct tv_esl_type types[] = {
	{tv_cert_sha256_guid, "SHA256", 32},
	{tv_cert_rsa2048_guid, "RSA2048", 256},
	{tv_cert_rsa2048_sha256_guid, "RSA2048_SHA256", 256},
	{tv_cert_sha1_guid, "SHA1", 20},
	{tv_cert_rsa2048_sha1_guid, "RSA2048_SHA1", 256},
	{tv_cert_x509_guid, "X509", 0},
	{tv_cert_sha224_guid, "SHA224", 28},
	{tv_cert_sha384_guid, "SHA384", 48},
	{tv_cert_sha512_guid, "SHA512", 64},
	{tv_cert_x509_sha256_guid, "X509_SHA256", 48},
	{tv_cert_x509_sha384_guid, "X509_SHA384", 64},
	{tv_cert_x509_sha512_guid, "X509_SHA512", 80},
};

const struct tv_esl_type *tv_esl_type_find(const uint8_t guid[16])
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (memcmp(types[i].guid, guid, 16) == 0)
			return &types[i];
	return NULL;
}

void tv_esl_iter_init(struct tv_esl_iter *it, const uint8_t *buf, size_t size)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->size = buf ? size : 0;
}

static int malformed(struct tv_esl_iter *it, size_t off, const char *why)
{
	it->error = why;
	it->error_offset = off;
	it->next = it->size; /* stop */
	it->in_list = false;
	return -1;
}

int tv_esl_next_list(struct tv_esl_iter *it, struct tv_esl_list *out)
{
	if (it->error)
		return -1;
	size_t off = it->next;
	if (off >= it->size)
		return 0;
	size_t left = it->size - off;
	if (left < TV_ESL_HDR_SIZE)
		return malformed(it, off, "signature list header runs past the end");
	const uint8_t *p = it->buf + off;
	struct tv_esl_list l = {.type = p, .list_size = tv_get_le32(p + 16),
				.header_size = tv_get_le32(p + 20), .sig_size = tv_get_le32(p + 24),
				.offset = off};
	if (l.list_size > left)
		return malformed(it, off, "SignatureListSize runs past the end");
	if (l.header_size > l.list_size || l.list_size - l.header_size < TV_ESL_HDR_SIZE)
		return malformed(it, off, "SignatureListSize smaller than its headers");
	if (l.sig_size < TV_ESL_OWNER_SIZE)
		return malformed(it, off, "SignatureSize smaller than the owner GUID");
	uint32_t body = l.list_size - TV_ESL_HDR_SIZE - l.header_size;
	if (body % l.sig_size != 0)
		return malformed(it, off, "entries are not a whole number of SignatureSize");
	l.header = p + TV_ESL_HDR_SIZE;
	l.entries = l.header + l.header_size;
	l.count = body / l.sig_size;
	it->next = off + l.list_size;
	it->list = l;
	it->entry = 0;
	it->in_list = true;
	if (out)
		*out = l;
	return 1;
}

int tv_esl_next_entry(struct tv_esl_iter *it, struct tv_esl_entry *out)
{
	while (!it->in_list || it->entry >= it->list.count) {
		int rc = tv_esl_next_list(it, NULL);
		if (rc <= 0)
			return rc;
	}
	const struct tv_esl_list *l = &it->list;
	const uint8_t *e = l->entries + (size_t)it->entry * l->sig_size;
	out->list = l;
	out->index = it->entry++;
	out->owner = e;
	out->data = e + TV_ESL_OWNER_SIZE;
	out->data_size = l->sig_size - TV_ESL_OWNER_SIZE;
	return 1;
}

long tv_esl_count(const uint8_t *buf, size_t size)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	long n = 0;
	int rc;
	tv_esl_iter_init(&it, buf, size);
	while ((rc = tv_esl_next_list(&it, &l)) == 1)
		n += l.count;
	return rc < 0 ? -1 : n;
}

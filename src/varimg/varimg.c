/* SPDX-License-Identifier: BSD-2-Clause */
/* Firmware store files: format detection, blank images, the shared helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varimg_priv.h"

/* GUIDs in EFI byte order (tv_bytes.h). */
#define G TV_GUID_BYTES

const uint8_t tv_edk2_nvdata_fv_guid[16] =
	G(0xfff12b8d, 0x7696, 0x4c8b, 0xa9, 0x85, 0x27, 0x47, 0x07, 0x5b, 0x4f, 0x50);
const uint8_t tv_edk2_auth_store_guid[16] =
	G(0xaaf32c78, 0x947b, 0x439a, 0xa1, 0x80, 0x2e, 0x14, 0x4e, 0xc3, 0x77, 0x92);
const uint8_t tv_edk2_plain_store_guid[16] =
	G(0xddcf3616, 0x3275, 0x4164, 0x98, 0xb6, 0xfe, 0x85, 0x70, 0x7f, 0xfe, 0x7d);
const uint8_t tv_edk2_ftw_guid[16] =
	G(0x9e58292b, 0x7c68, 0x497d, 0xa0, 0xce, 0x65, 0x00, 0xfd, 0x9f, 0x1b, 0x95);

int tv_img_fail(struct tv_img_error *err, uint64_t off, const char *fmt, ...)
{
	if (err) {
		int k;
		va_list ap;

		err->offset = off;
		k = snprintf(err->msg, sizeof(err->msg), "offset 0x%llx: ", (unsigned long long)off);
		if (k < 0 || (size_t)k >= sizeof(err->msg))
			k = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg + k, sizeof(err->msg) - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return -1;
}

bool tv_img_all(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

int tv_img_check_name(const uint8_t *p, uint64_t size, uint64_t off, uint64_t size_off,
		      struct tv_img_error *err)
{
	if (size == 0)
		return tv_img_fail(err, size_off, "NameSize is 0");
	if (size & 1)
		return tv_img_fail(err, size_off, "NameSize %llu is odd (UCS-2 names)",
				   (unsigned long long)size);
	if (tv_get_le16(p + size - 2) != 0)
		return tv_img_fail(err, off + size - 2, "the name does not end with a NUL");
	if (size == 2)
		return tv_img_fail(err, off, "empty name");
	for (uint64_t i = 0; i + 2 < size; i += 2)
		if (tv_get_le16(p + i) == 0)
			return tv_img_fail(err, off + i, "a NUL inside the name");
	return 0;
}

void tv_img_var_label(const uint8_t guid[16], const uint8_t *name, uint32_t name_size, char *buf,
		      size_t n)
{
	char s[64];
	size_t k = 0;

	for (uint32_t i = 0; i + 1 < name_size && k + 1 < sizeof(s); i += 2) {
		uint16_t c = tv_get_le16(name + i);
		if (c == 0)
			break;
		s[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	s[k] = 0;
	snprintf(buf, n,
		 "%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", s,
		 guid[3], guid[2], guid[1], guid[0], guid[5], guid[4], guid[7], guid[6], guid[8],
		 guid[9], guid[10], guid[11], guid[12], guid[13], guid[14], guid[15]);
}

bool tv_img_key_same(const struct tv_img_key *a, const struct tv_img_key *b)
{
	return a->name_size == b->name_size && memcmp(a->guid, b->guid, 16) == 0 &&
	       memcmp(a->name, b->name, a->name_size) == 0;
}

static int key_cmp(const void *pa, const void *pb)
{
	const struct tv_img_key *a = pa, *b = pb;
	int c = memcmp(a->guid, b->guid, 16);

	if (c)
		return c;
	if (a->name_size != b->name_size)
		return a->name_size < b->name_size ? -1 : 1;
	c = memcmp(a->name, b->name, a->name_size);
	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

void tv_img_sort_keys(struct tv_img_key *k, size_t n)
{
	if (n > 1)
		qsort(k, n, sizeof(*k), key_cmp);
}

int tv_img_vars_first_dup(const struct tv_img_var *v, size_t n, size_t *dup, size_t *first)
{
	struct tv_img_key *k = malloc((n ? n : 1) * sizeof(*k));
	size_t m = 0;

	*dup = SIZE_MAX;
	if (first)
		*first = SIZE_MAX;
	if (!k)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i].name && tv_img_check_name(v[i].name, v[i].name_size, 0, 0, NULL) == 0)
			k[m++] = (struct tv_img_key){v[i].guid.b, v[i].name, v[i].name_size, i};
	tv_img_sort_keys(k, m);
	/* in a run of equal keys the first is the earliest; the second is the
	 * run's first duplicate */
	for (size_t i = 1; i < m; i++)
		if (tv_img_key_same(&k[i - 1], &k[i]) && k[i].idx < *dup &&
		    (i < 2 || !tv_img_key_same(&k[i - 2], &k[i - 1]))) {
			*dup = k[i].idx;
			if (first)
				*first = k[i - 1].idx;
		}
	free(k);
	return 0;
}

int tv_img_add(struct tv_img *img, size_t *cap, const uint8_t guid[16], const uint8_t *name,
	       uint32_t name_size, uint32_t attrs, const uint8_t *data, uint32_t data_size,
	       const uint8_t *time, uint64_t offset, struct tv_img_error *err)
{
	struct tv_img_var *v;

	if (img->count == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct tv_img_var *nv = realloc(img->vars, nc * sizeof(*nv));
		if (!nv)
			return tv_img_fail(err, offset, "out of memory");
		img->vars = nv;
		*cap = nc;
	}
	v = &img->vars[img->count];
	memset(v, 0, sizeof(*v));
	v->name = malloc(name_size);
	v->data = data_size ? malloc(data_size) : NULL;
	if (!v->name || (data_size && !v->data)) {
		free(v->name);
		free(v->data);
		return tv_img_fail(err, offset, "out of memory");
	}
	memcpy(v->guid.b, guid, 16);
	memcpy(v->name, name, name_size);
	v->name_size = name_size;
	v->attrs = attrs;
	if (data_size)
		memcpy(v->data, data, data_size);
	v->data_size = data_size;
	if (time) {
		v->has_time = true;
		memcpy(v->time, time, 16);
	}
	v->offset = offset;
	img->count++;
	return 0;
}

void tv_img_free(struct tv_img *img)
{
	if (!img)
		return;
	for (size_t i = 0; i < img->count; i++) {
		free(img->vars[i].name);
		free(img->vars[i].data);
	}
	free(img->vars);
	memset(img, 0, sizeof(*img));
}

const char *tv_img_format_name(enum tv_img_format f)
{
	switch (f) {
	case TV_IMG_EDK2:
		return "edk2";
	case TV_IMG_UBOOT:
		return "uboot";
	default:
		return "auto";
	}
}

static bool is_uboot(const uint8_t *p, size_t n)
{
	return n >= 16 && tv_get_le64(p + OFF(uboot_var_file, magic)) == UBOOT_VAR_MAGIC;
}

static bool is_edk2(const uint8_t *p, size_t n)
{
	return n >= OFF(edk2_fv_header, signature) + 4 &&
	       memcmp(p + OFF(edk2_fv_header, signature), "_FVH", 4) == 0;
}

int tv_img_parse(const uint8_t *p, size_t n, enum tv_img_format hint, struct tv_img *out,
		 struct tv_img_error *err)
{
	struct tv_img img;
	int rc;

	memset(&img, 0, sizeof(img));
	if (err) {
		err->offset = 0;
		err->msg[0] = 0;
	}
	if (!out || (!p && n))
		return tv_img_fail(err, 0, "invalid arguments");
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return tv_img_fail(err, 0, "empty file");
	if (hint == TV_IMG_AUTO) {
		if (is_uboot(p, n))
			hint = TV_IMG_UBOOT;
		else if (is_edk2(p, n) || tv_img_all(p, n, 0) || tv_img_all(p, n, 0xFF))
			hint = TV_IMG_EDK2;
		else
			return tv_img_fail(err, 0,
					   "neither an EDK2 variable image (no \"_FVH\" at 0x28) nor "
					   "a U-Boot ubootefi.var (no magic at 0x8)");
	}
	if (hint == TV_IMG_EDK2) {
		img.format = TV_IMG_EDK2;
		if (tv_img_all(p, n, 0) || tv_img_all(p, n, 0xFF)) {
			img.blank = true;
			*out = img;
			return 0;
		}
		rc = tv_edk2_parse(p, n, &img, err);
	} else if (hint == TV_IMG_UBOOT) {
		img.format = TV_IMG_UBOOT;
		rc = tv_uboot_parse(p, n, &img, err);
	} else {
		return tv_img_fail(err, 0, "unknown format %d", (int)hint);
	}
	if (rc != 0) {
		tv_img_free(&img);
		return -1;
	}
	*out = img;
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* A whole EDK2 NV store image: FV header, variable store, FTW working block.
 * Parsing, its layout (from a template or AAVMF's default) and writing. */
#include <stdlib.h>
#include <string.h>

#include "varimg_priv.h"

#define FTW_HDR sizeof(struct edk2_ftw_header)
#define FV_HDR_ONE_BLOCK (sizeof(struct edk2_fv_header) + 2 * sizeof(struct edk2_fv_block_map))

/* Everything up to the store contents; fills l. */
static int parse_image(const uint8_t *p, size_t n, struct tv_img *img, struct tv_edk2_layout *l,
		       struct tv_img_error *err)
{
	struct tv_edk2_store_info si;
	uint64_t fvlen, ftw_off = 0, q = 0;
	uint16_t hlen;
	int found;

	if (tv_edk2_fv_check(p, n, &hlen, &fvlen, err) != 0)
		return -1;
	if (tv_edk2_store_check_header(p, hlen, fvlen, &si, err) != 0)
		return -1;
	if (tv_edk2_store_parse(p, hlen, &si, img, err) != 0)
		return -1;
	found = tv_edk2_ftw_locate(p, hlen + (uint64_t)si.size, fvlen, &ftw_off, &q, err);
	if (found < 0)
		return -1;
	img->edk2_has_ftw = found == 1;
	img->edk2_ftw_queue_used = found == 1 && !tv_img_all(p + ftw_off + FTW_HDR, q, 0xFF);
	if (l) {
		memset(l, 0, sizeof(*l));
		l->file_size = n;
		l->fv_length = fvlen;
		l->fv_attributes = tv_get_le32(p + OFF(edk2_fv_header, attributes));
		l->block_count = tv_get_le32(p + sizeof(struct edk2_fv_header));
		l->block_size = tv_get_le32(p + sizeof(struct edk2_fv_header) + 4);
		l->store_offset = hlen;
		l->store_size = si.size;
		l->has_ftw = found == 1;
		l->ftw_offset = ftw_off;
		l->ftw_queue_size = q;
	}
	return 0;
}

int tv_edk2_parse(const uint8_t *p, size_t n, struct tv_img *img, struct tv_img_error *err)
{
	return parse_image(p, n, img, NULL, err);
}

void tv_edk2_layout_aavmf(struct tv_edk2_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->file_size = 64u << 20;
	l->fv_length = 0xC0000;
	l->fv_attributes = 0xe36;
	l->block_count = 256;
	l->block_size = 0x40000;
	l->store_offset = FV_HDR_ONE_BLOCK;
	l->store_size = 0x40000 - FV_HDR_ONE_BLOCK;
	l->has_ftw = true;
	l->ftw_offset = 0x40000;
	l->ftw_queue_size = 0x40000 - FTW_HDR;
}

int tv_edk2_layout_from_template(const uint8_t *p, size_t n, struct tv_edk2_layout *l,
				 struct tv_img_error *err)
{
	struct tv_img img;
	int rc;

	if (!p || n == 0)
		return tv_img_fail(err, 0, "template: empty file");
	if (tv_img_all(p, n, 0) || tv_img_all(p, n, 0xFF))
		return tv_img_fail(err, 0, "template: a blank image (no FV, no layout to take)");
	memset(&img, 0, sizeof(img));
	rc = parse_image(p, n, &img, l, err);
	tv_img_free(&img);
	return rc;
}

static int layout_check(const struct tv_edk2_layout *l, struct tv_img_error *err)
{
	uint64_t store_end = (uint64_t)l->store_offset + l->store_size;

	if (l->store_offset < FV_HDR_ONE_BLOCK || l->store_size < 0x20 ||
	    store_end > l->fv_length || l->fv_length > l->file_size ||
	    (uint64_t)l->block_count * l->block_size < l->fv_length)
		return tv_img_fail(err, 0, "invalid EDK2 layout");
	if (l->has_ftw && (l->ftw_offset < store_end || (l->ftw_offset & 7) != 0 ||
			   l->ftw_queue_size > l->fv_length ||
			   l->ftw_offset + FTW_HDR + l->ftw_queue_size > l->fv_length))
		return tv_img_fail(err, 0, "invalid EDK2 layout (FTW working block)");
	return 0;
}

int tv_img_write_edk2(const struct tv_img_var *v, size_t n, const struct tv_edk2_layout *l,
		      const uint8_t *template_p, size_t template_n, uint8_t **out, size_t *out_n,
		      struct tv_img_error *err)
{
	uint8_t *b;

	if (err) {
		err->offset = 0;
		err->msg[0] = 0;
	}
	if (out)
		*out = NULL;
	if (out_n)
		*out_n = 0;
	if (!l || !out || !out_n || (n && !v))
		return tv_img_fail(err, 0, "invalid arguments");
	if (layout_check(l, err) != 0)
		return -1;
	if (template_p && template_n != l->file_size)
		return tv_img_fail(err, 0, "template size %zu is not the layout's %llu", template_n,
				   (unsigned long long)l->file_size);
	if (!template_p && l->store_offset != FV_HDR_ONE_BLOCK)
		return tv_img_fail(err, 0, "a layout without a template has a 0x%zx-byte FV header",
				   FV_HDR_ONE_BLOCK);
	if (l->file_size > SIZE_MAX || !(b = malloc((size_t)l->file_size)))
		return tv_img_fail(err, 0, "out of memory");
	if (template_p) {
		memcpy(b, template_p, template_n);
	} else {
		memset(b, 0xFF, (size_t)l->fv_length);
		memset(b + l->fv_length, 0, (size_t)(l->file_size - l->fv_length));
		tv_edk2_fv_build(b, l->fv_length, l->fv_attributes, l->block_count, l->block_size);
	}
	if (tv_edk2_store_write(b + l->store_offset, l->store_size, l->store_offset, v, n, err) !=
	    0) {
		free(b);
		return -1;
	}
	if (l->has_ftw)
		tv_edk2_ftw_init(b + l->ftw_offset, l->ftw_queue_size);
	*out = b;
	*out_n = (size_t)l->file_size;
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the firmware variable store readers (src/varimg): an EDK2
 * NV store image or a ubootefi.var, as `teevar import` reads a file.
 * Input byte 0 picks the format hint (auto, edk2, uboot), the rest is the file.
 * A file that parses is written again in its own format (an EDK2 image with
 * itself as the template) and must parse to the same variables; a written
 * ubootefi.var must parse as its writer wrote it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "varimg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct tv_img *a, const struct tv_img *b)
{
	if (a->count != b->count)
		__builtin_trap();
	for (size_t i = 0; i < a->count; i++) {
		const struct tv_img_var *x = &a->vars[i], *y = &b->vars[i];
		if (x->name_size != y->name_size || x->data_size != y->data_size ||
		    x->attrs != y->attrs || memcmp(&x->guid, &y->guid, sizeof(x->guid)) != 0 ||
		    memcmp(x->name, y->name, x->name_size) != 0 ||
		    (x->data_size && memcmp(x->data, y->data, x->data_size) != 0) ||
		    x->has_time != y->has_time ||
		    (x->has_time && memcmp(x->time, y->time, sizeof(x->time)) != 0))
			__builtin_trap();
	}
}

static void rewrite(const struct tv_img *img, const uint8_t *file, size_t n)
{
	uint8_t *out = NULL;
	size_t out_n = 0;
	struct tv_img_error err;
	int rc;
	if (img->format == TV_IMG_EDK2) {
		struct tv_edk2_layout l;
		if (!img->edk2_authenticated ||
		    tv_edk2_layout_from_template(file, n, &l, &err) != 0)
			return;
		rc = tv_img_write_edk2(img->vars, img->count, &l, file, n, &out, &out_n, &err);
	} else {
		rc = tv_img_write_uboot(img->vars, img->count, &out, &out_n, &err);
	}
	if (rc != 0)
		return; /* e.g. a time U-Boot cannot hold, or no room: refused, not written */
	struct tv_img again;
	if (tv_img_parse(out, out_n, img->format, &again, &err) != 0)
		__builtin_trap(); /* what teevar writes, teevar must read */
	check_same(img, &again);
	tv_img_free(&again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum tv_img_format hint = (enum tv_img_format)(data[0] % 3);
	size_t n = size - 1;
	/* An exact-size heap copy so that ASan sees any read past the file. */
	uint8_t *file = malloc(n ? n : 1);
	if (!file)
		return 0;
	memcpy(file, data + 1, n);
	struct tv_img img;
	struct tv_img_error err;
	if (tv_img_parse(file, n, hint, &img, &err) == 0) {
		if (img.format != TV_IMG_EDK2 && img.format != TV_IMG_UBOOT)
			__builtin_trap();
		if (!img.blank)
			rewrite(&img, file, n);
		tv_img_free(&img);
	} else if (err.offset > n || err.msg[0] == '\0') {
		__builtin_trap(); /* a refusal names a place inside the file */
	}
	free(file);
	return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* TEMPORARY stub of H1's src/varimg/varimg.h (contract signatures); removed on merge. */
#ifndef TV_VARIMG_H
#define TV_VARIMG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <teevar/efi.h>
enum tv_img_format { TV_IMG_AUTO = 0, TV_IMG_EDK2 = 1, TV_IMG_UBOOT = 2 };
struct tv_img_var {
	efi_guid_t guid;
	uint8_t *name;
	uint32_t name_size;
	uint32_t attrs;
	uint8_t *data;
	uint32_t data_size;
	bool has_time;
	uint8_t time[16];
	uint64_t offset;
};
struct tv_img {
	enum tv_img_format format;
	bool blank;
	bool edk2_authenticated;
	struct tv_img_var *vars;
	size_t count;
};
struct tv_img_error { uint64_t offset; char msg[200]; };
int tv_img_parse(const uint8_t *p, size_t n, enum tv_img_format hint, struct tv_img *out,
		 struct tv_img_error *err);
void tv_img_free(struct tv_img *img);
struct tv_edk2_layout { uint64_t size; };
void tv_edk2_layout_aavmf(struct tv_edk2_layout *l);
int tv_edk2_layout_from_template(const uint8_t *p, size_t n, struct tv_edk2_layout *l,
				 struct tv_img_error *err);
int tv_img_write_edk2(const struct tv_img_var *v, size_t n, const struct tv_edk2_layout *l,
		      const uint8_t *template_p, size_t template_n, uint8_t **out, size_t *out_n,
		      struct tv_img_error *err);
int tv_img_write_uboot(const struct tv_img_var *v, size_t n, uint8_t **out, size_t *out_n,
		       struct tv_img_error *err);
#endif

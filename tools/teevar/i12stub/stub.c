/* SPDX-License-Identifier: BSD-2-Clause */
/* TEMPORARY stubs until i12-fmt and i12-core land. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "varimg.h"
int tv_img_parse(const uint8_t *p, size_t n, enum tv_img_format hint, struct tv_img *out,
		 struct tv_img_error *err)
{
	(void)p; (void)n; (void)hint; (void)out;
	err->offset = 0;
	snprintf(err->msg, sizeof(err->msg), "offset 0x0: parser not there yet (stub)");
	return -1;
}
void tv_img_free(struct tv_img *img) { (void)img; }
void tv_edk2_layout_aavmf(struct tv_edk2_layout *l) { l->size = 64u << 20; }
int tv_edk2_layout_from_template(const uint8_t *p, size_t n, struct tv_edk2_layout *l,
				 struct tv_img_error *err)
{ (void)p; (void)err; l->size = n; return 0; }
int tv_img_write_edk2(const struct tv_img_var *v, size_t n, const struct tv_edk2_layout *l,
		      const uint8_t *tp, size_t tn, uint8_t **out, size_t *out_n,
		      struct tv_img_error *err)
{ (void)v; (void)n; (void)l; (void)tp; (void)tn; (void)out; (void)out_n;
  snprintf(err->msg, sizeof(err->msg), "writer not there yet (stub)"); return -1; }
int tv_img_write_uboot(const struct tv_img_var *v, size_t n, uint8_t **out, size_t *out_n,
		       struct tv_img_error *err)
{ (void)v; (void)n; (void)out; (void)out_n;
  snprintf(err->msg, sizeof(err->msg), "writer not there yet (stub)"); return -1; }

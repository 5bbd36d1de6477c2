/* SPDX-License-Identifier: BSD-2-Clause */
/* Test harness: an emulated RPMB device, the authenticated access and a store on
 * top, plus a reference model of what the store must hold. */
#ifndef STORE_HARNESS_H
#define STORE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpmb_auth.h"
#include "rpmb_emu.h"
#include "store.h"

struct harness {
	struct rpmb_emu *emu;
	struct tv_rpmb rpmb;
	struct tv_store *st;
	uint8_t huk[32];
	struct tv_store_config cfg;
};

/* Opens rpmb + store on an existing device (the device may be wrapped by dev). */
int h_mount_dev(struct harness *h, struct rpmb_dev dev);
int h_mount(struct harness *h);
void h_unmount(struct harness *h);
/* A fresh in-memory device with the given geometry, and a store on it. */
void h_init(struct harness *h, uint8_t size_mult, uint8_t rel_wr, uint32_t seg_blocks);
void h_fini(struct harness *h);

/* Variable names in tests: "V<n>" in UCS-2, GUID with byte 0 = g. */
size_t h_name(uint32_t n, uint8_t *out);
void h_guid(uint8_t g, uint8_t guid[16]);
int h_set(struct tv_store *st, uint32_t n, const uint8_t *data, uint32_t size);
int h_del(struct tv_store *st, uint32_t n);
const struct tv_store_var *h_get(const struct tv_store *st, uint32_t n);

/* Reference model: up to MODEL_MAX variables by number. */
#define MODEL_MAX 64
#define MODEL_VMAX 4096
struct model {
	bool present[MODEL_MAX];
	uint32_t size[MODEL_MAX];
	uint8_t data[MODEL_MAX][MODEL_VMAX];
};
/* True if the store holds exactly the model (except variable `skip`, if >= 0). */
bool model_matches(const struct model *m, const struct tv_store *st, int skip);
bool model_var_matches(const struct model *m, const struct tv_store *st, uint32_t n);

#endif

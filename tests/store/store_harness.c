/* SPDX-License-Identifier: BSD-2-Clause */
#include "store_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tv_err.h"

int h_mount_dev(struct harness *h, struct rpmb_dev dev)
{
	struct tv_rpmb_config rc = {.allow_key_program = true};
	int rc1 = tv_rpmb_open(&h->rpmb, dev, h->huk, &rc);
	if (rc1 != TV_OK)
		return rc1;
	uint8_t skey[32];
	tv_store_key_derive(h->huk, h->rpmb.info.cid, skey);
	int rc2 = tv_store_open(&h->rpmb, skey, &h->cfg, &h->st);
	if (rc2 != TV_OK) {
		tv_rpmb_close(&h->rpmb);
		h->st = NULL;
	}
	return rc2;
}

int h_mount(struct harness *h)
{
	return h_mount_dev(h, rpmb_emu_dev(h->emu));
}

void h_unmount(struct harness *h)
{
	if (h->st) {
		tv_store_close(h->st);
		tv_rpmb_close(&h->rpmb);
	}
	h->st = NULL;
}

void h_init(struct harness *h, uint8_t size_mult, uint8_t rel_wr, uint32_t seg_blocks)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 32; i++)
		h->huk[i] = (uint8_t)(0x40 + i);
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	ec.size_mult = size_mult;
	ec.rel_wr_sec_c = rel_wr;
	if (rpmb_emu_new_mem(&ec, &h->emu) != TV_OK)
		abort();
	h->cfg.format_blank = true;
	h->cfg.seg_blocks = seg_blocks;
	if (h_mount(h) != TV_OK)
		abort();
}

void h_fini(struct harness *h)
{
	h_unmount(h);
	rpmb_emu_free(h->emu);
	h->emu = NULL;
}

size_t h_name(uint32_t n, uint8_t *out)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "V%u", n);
	for (int i = 0; i <= len; i++) {
		out[2 * i] = (uint8_t)(i < len ? s[i] : 0);
		out[2 * i + 1] = 0;
	}
	return (size_t)(len + 1) * 2;
}

void h_guid(uint8_t g, uint8_t guid[16])
{
	for (int i = 0; i < 16; i++)
		guid[i] = (uint8_t)(0x10 * i + 1);
	guid[0] = g;
}

int h_set(struct tv_store *st, uint32_t n, const uint8_t *data, uint32_t size)
{
	struct tv_store_var v = {.attrs = 7, .data = data, .data_size = size};
	uint8_t name[32];
	h_guid((uint8_t)(n % 3), v.guid);
	v.name = name;
	v.name_size = (uint16_t)h_name(n, name);
	return tv_store_set(st, &v);
}

int h_del(struct tv_store *st, uint32_t n)
{
	uint8_t name[32], guid[16];
	h_guid((uint8_t)(n % 3), guid);
	return tv_store_delete(st, guid, name, h_name(n, name));
}

const struct tv_store_var *h_get(const struct tv_store *st, uint32_t n)
{
	uint8_t name[32], guid[16];
	h_guid((uint8_t)(n % 3), guid);
	return tv_store_get(st, guid, name, h_name(n, name));
}

bool model_var_matches(const struct model *m, const struct tv_store *st, uint32_t n)
{
	const struct tv_store_var *v = h_get(st, n);
	if (!m->present[n])
		return v == NULL;
	return v && v->attrs == 7 && v->data_size == m->size[n] &&
	       (m->size[n] == 0 || memcmp(v->data, m->data[n], m->size[n]) == 0);
}

bool model_matches(const struct model *m, const struct tv_store *st, int skip)
{
	uint32_t count = 0;
	for (const struct tv_store_var *v = tv_store_first(st); v; v = tv_store_next(st, v))
		count++;
	uint32_t want = 0;
	for (uint32_t n = 0; n < MODEL_MAX; n++) {
		if ((int)n == skip)
			continue;
		want += m->present[n];
		if (!model_var_matches(m, st, n))
			return false;
	}
	if (skip >= 0)
		count -= h_get(st, (uint32_t)skip) != NULL;
	return count == want;
}

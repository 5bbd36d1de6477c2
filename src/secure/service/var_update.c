/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store step of SetVariable (EDK2's UpdateVariable) and the service's own
 * trusted writes.
 */
#include <stdlib.h>
#include <string.h>

#include "auth_descriptor.h"
#include "sig_list.h"
#include "tv_err.h"
#include "var_internal.h"

bool tv_name_is(const uint8_t *name, size_t size, const char *s)
{
	size_t n = strlen(s);
	if (size != 2 * (n + 1))
		return false;
	for (size_t i = 0; i <= n; i++)
		if (name[2 * i] != (uint8_t)s[i] || name[2 * i + 1] != 0)
			return false;
	return true;
}

/* An ASCII name as UCS-2 with its NUL, in buf (room for 64 characters). */
static size_t ucs2_of(const char *s, uint8_t buf[130])
{
	size_t n = strlen(s);
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++)
		buf[2 * i] = (uint8_t)s[i], buf[2 * i + 1] = 0;
	buf[2 * n] = buf[2 * n + 1] = 0;
	return 2 * (n + 1);
}

efi_status_t tv_status_from_tv(int rc)
{
	switch (rc) {
	case TV_OK: return EFI_SUCCESS;
	case TV_ENOSPC: return EFI_OUT_OF_RESOURCES;
	case TV_ENOMEM: return EFI_OUT_OF_RESOURCES;
	case TV_EEXPIRED: return EFI_WRITE_PROTECTED;
	case TV_ENOENT: return EFI_NOT_FOUND;
	default: return EFI_DEVICE_ERROR;
	}
}

static uint64_t cost_of(size_t name_size, uint64_t data_size, uint32_t attrs)
{
	return tv_store_var_cost(name_size, data_size, (attrs & AT) != 0);
}

uint64_t tv_varsvc_class_used(const struct tv_varsvc *svc, uint32_t attrs, uint64_t *room)
{
	if (!(attrs & NV)) {
		*room = svc->cfg.volatile_storage;
		return svc->vol_used;
	}
	uint64_t capacity = tv_store_capacity(svc->nv);
	/* The HwErrRec share, at most a quarter of a small store (tee-supplicant's
	 * emulated 256 KiB RPMB holds a 104 KiB store: 26 KiB of it, not 64). */
	uint64_t hr_room = svc->cfg.hwerr_storage;
	if (hr_room > capacity / 4)
		hr_room = capacity / 4;
	*room = (attrs & HR) ? hr_room : capacity - hr_room;
	return tv_store_used(svc->nv, (attrs & HR) != 0);
}

uint64_t tv_varsvc_class_max(const struct tv_varsvc *svc, uint32_t attrs)
{
	if (attrs & HR)
		return svc->cfg.max_hwerr_var_size;
	return (attrs & (AT | AW)) ? svc->cfg.max_auth_var_size : svc->cfg.max_var_size;
}

struct tv_found tv_varsvc_find(const struct tv_varsvc *svc, const uint8_t *name, size_t size,
			       const efi_guid_t *guid)
{
	struct tv_found f = {NULL, false};
	if (svc->nv && (f.v = tv_store_get(svc->nv, guid->b, name, size)) != NULL) {
		f.nv = true;
		return f;
	}
	struct tv_key *k = tv_index_find(&svc->vol, guid->b, name, size);
	if (k && tv_key_is_var(k))
		f.v = &k->v;
	return f;
}

const struct tv_store_var *tv_varsvc_lookup(const struct tv_varsvc *svc, const efi_guid_t *guid,
					    const char *ascii_name)
{
	uint8_t name[130];
	size_t size = ucs2_of(ascii_name, name);
	return tv_varsvc_find(svc, name, size, guid).v;
}

/* ---- volatile variables ---- */

static efi_status_t vol_put(struct tv_varsvc *svc, const struct tv_store_var *nv)
{
	struct tv_key *k = tv_index_find(&svc->vol, nv->guid, nv->name, nv->name_size);
	struct tv_rec r = {.type = nv->has_ext ? TV_REC_AUTHVAR : TV_REC_VAR,
			   .seq = ++svc->vol_seq, .attrs = nv->attrs, .name = nv->name,
			   .name_size = nv->name_size, .data = nv->data,
			   .data_size = nv->data_size, .ext = nv->ext};
	memcpy(r.guid, nv->guid, 16);
	if (!k && tv_index_insert(&svc->vol, &r, &k) != TV_OK)
		return EFI_OUT_OF_RESOURCES;
	return tv_key_set_winner(&svc->vol, k, &r, 0, 0) == TV_OK ? EFI_SUCCESS
								   : EFI_OUT_OF_RESOURCES;
}

static void vol_del(struct tv_varsvc *svc, const uint8_t *name, size_t size, const uint8_t *g)
{
	struct tv_key *k = tv_index_find(&svc->vol, g, name, size);
	if (k)
		tv_index_remove(&svc->vol, k);
}

/* Writes the new value (or deletes) within the class's room. */
static efi_status_t commit(struct tv_varsvc *svc, struct tv_found old,
			   const struct tv_store_var *nv, bool del)
{
	uint32_t attrs = del ? old.v->attrs : nv->attrs;
	if ((attrs & NV) && !svc->nv)
		return EFI_OUT_OF_RESOURCES;
	uint64_t room, used = tv_varsvc_class_used(svc, attrs, &room);
	uint64_t old_cost = old.v ? cost_of(old.v->name_size, old.v->data_size, old.v->attrs) : 0;
	uint64_t new_cost = del ? 0 : cost_of(nv->name_size, nv->data_size, nv->attrs);
	if (new_cost > old_cost && used - old_cost + new_cost > room)
		return EFI_OUT_OF_RESOURCES;
	efi_status_t s;
	if (attrs & NV)
		s = tv_status_from_tv(del ? tv_store_delete(svc->nv, nv->guid, nv->name,
							    nv->name_size)
					  : tv_store_set(svc->nv, nv));
	else if (del)
		vol_del(svc, nv->name, nv->name_size, nv->guid), s = EFI_SUCCESS;
	else
		s = vol_put(svc, nv);
	if (s == EFI_SUCCESS && !(attrs & NV))
		svc->vol_used = svc->vol_used - old_cost + new_cost;
	return s;
}

/* APPEND: the old value followed by the new data (for a signature list, only
 * the entries it does not hold yet). *out is malloc()ed. */
static efi_status_t appended(const struct tv_varsvc *svc, const struct tv_store_var *old,
			     const struct tv_update *u, uint8_t **out, uint64_t *out_size)
{
	uint8_t *buf = malloc((size_t)old->data_size + (size_t)u->data_size + 1);
	if (!buf)
		return EFI_OUT_OF_RESOURCES;
	memcpy(buf, old->data, old->data_size);
	size_t added = (size_t)u->data_size;
	if (u->filter) {
		efi_status_t s = tv_esl_filter(old->data, old->data_size, u->data,
					       (size_t)u->data_size, buf + old->data_size, &added);
		if (s != EFI_SUCCESS) {
			free(buf);
			return s;
		}
	} else if (added) {
		memcpy(buf + old->data_size, u->data, added);
	}
	uint64_t total = (uint64_t)old->data_size + added;
	if (u->name_size + total > tv_varsvc_class_max(svc, u->attrs)) {
		free(buf);
		return EFI_INVALID_PARAMETER;
	}
	*out = buf;
	*out_size = total;
	return EFI_SUCCESS;
}

efi_status_t tv_varsvc_update(struct tv_varsvc *svc, const struct tv_update *u, bool *deleted)
{
	bool runtime = svc->phase == TV_PHASE_RUNTIME;
	bool del = (!(u->attrs & AP) && u->data_size == 0) || (u->attrs & (BS | RT)) == 0;
	struct tv_found old = tv_varsvc_find(svc, u->name, u->name_size, u->guid);
	struct tv_store_var nv = {.name = u->name, .name_size = (uint16_t)u->name_size,
				  .attrs = u->attrs & ~AP, .data = u->data,
				  .data_size = (uint32_t)u->data_size,
				  .has_ext = (u->attrs & AT) != 0};
	memcpy(nv.guid, u->guid->b, 16);
	if (deleted)
		*deleted = false;
	if (!old.v) {
		if (u->data_size == 0 && (u->attrs & AP))
			return EFI_SUCCESS; /* nothing to append, nothing created */
		if (del)
			return EFI_NOT_FOUND;
		if (runtime && (!(u->attrs & RT) || !(u->attrs & NV)))
			return EFI_INVALID_PARAMETER; /* runtime creates NV|BS|RT only */
		if (nv.has_ext) {
			/* APPEND creating a variable keeps an all-zero timestamp (EDK2) */
			if (u->timestamp && !(u->attrs & AP))
				memcpy(nv.ext.timestamp, u->timestamp, 16);
			if (u->signer)
				memcpy(nv.ext.signer, u->signer, 32);
		}
		return commit(svc, old, &nv, false);
	}
	if (runtime && !old.nv)
		return EFI_WRITE_PROTECTED; /* volatile variables are read-only at runtime */
	if (runtime && !(old.v->attrs & RT))
		return EFI_INVALID_PARAMETER;
	if (del) {
		efi_status_t s = commit(svc, old, &nv, true);
		if (deleted)
			*deleted = s == EFI_SUCCESS;
		return s;
	}
	if (nv.has_ext) {
		nv.ext = old.v->has_ext ? old.v->ext : (struct tv_auth_ext){{0}, {0}};
		bool later = !(u->attrs & AP) || tv_efi_time_not_later(nv.ext.timestamp, u->timestamp);
		if (u->timestamp && later)
			memcpy(nv.ext.timestamp, u->timestamp, 16);
		if (u->signer) /* the first signer of an imported private variable */
			memcpy(nv.ext.signer, u->signer, 32);
	}
	uint8_t *merged = NULL;
	if (u->attrs & AP) {
		uint64_t total;
		efi_status_t s = appended(svc, old.v, u, &merged, &total);
		if (s != EFI_SUCCESS)
			return s;
		nv.data = merged;
		nv.data_size = (uint32_t)total;
	}
	efi_status_t s;
	if (old.v->attrs == nv.attrs && old.v->data_size == nv.data_size &&
	    memcmp(old.v->data, nv.data, nv.data_size) == 0 && old.v->has_ext == nv.has_ext &&
	    (!nv.has_ext || memcmp(&old.v->ext, &nv.ext, sizeof(nv.ext)) == 0))
		s = EFI_SUCCESS; /* same value (and timestamp): no storage write */
	else
		s = commit(svc, old, &nv, false);
	free(merged);
	return s;
}

/* ---- the service's own writes ---- */

efi_status_t tv_varsvc_put_trusted(struct tv_varsvc *svc, const efi_guid_t *guid,
				   const char *ascii_name, uint32_t attrs, const uint8_t *data,
				   size_t size)
{
	uint8_t name[130];
	struct tv_store_var nv = {.name = name, .name_size = (uint16_t)ucs2_of(ascii_name, name),
				  .attrs = attrs, .data = data, .data_size = (uint32_t)size,
				  .has_ext = (attrs & AT) != 0};
	memcpy(nv.guid, guid->b, 16);
	struct tv_found old = tv_varsvc_find(svc, name, nv.name_size, guid);
	if (old.v && old.v->attrs == attrs && old.v->data_size == size &&
	    (size == 0 || memcmp(old.v->data, data, size) == 0))
		return EFI_SUCCESS;
	if (old.v && old.nv != ((attrs & NV) != 0)) {
		efi_status_t s = commit(svc, old, &nv, true);
		if (s != EFI_SUCCESS)
			return s;
		old.v = NULL;
	}
	return commit(svc, old, &nv, false);
}

efi_status_t tv_varsvc_del_trusted(struct tv_varsvc *svc, const efi_guid_t *guid,
				   const char *ascii_name)
{
	uint8_t name[130];
	size_t size = ucs2_of(ascii_name, name);
	struct tv_found old = tv_varsvc_find(svc, name, size, guid);
	if (!old.v)
		return EFI_SUCCESS;
	struct tv_store_var nv = {.name = name, .name_size = (uint16_t)size};
	memcpy(nv.guid, guid->b, 16);
	return commit(svc, old, &nv, true);
}

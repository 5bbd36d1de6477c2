/* SPDX-License-Identifier: BSD-2-Clause */
#include "var_service.h"

#include <stdlib.h>
#include <string.h>

#include "store_index.h"
#include "tv_err.h"
#include "var_policy.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define HR EFI_VARIABLE_HARDWARE_ERROR_RECORD
#define AW EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define AP EFI_VARIABLE_APPEND_WRITE

struct tv_varsvc {
	struct tv_store *nv;
	struct tv_varsvc_config cfg;
	enum tv_phase phase;
	struct tv_index vol;      /* volatile variables */
	uint64_t vol_used;
	uint64_t vol_seq;         /* NV use is the store's own count (tv_store_used) */
	struct tv_var_policy policy;
};

/* A variable found in either class. */
struct found {
	const struct tv_store_var *v;
	bool nv;
};

void tv_varsvc_config_default(struct tv_varsvc_config *cfg)
{
	cfg->max_var_size = 60u * 1024;
	cfg->max_auth_var_size = 60u * 1024;
	cfg->max_hwerr_var_size = 32u * 1024;
	cfg->volatile_storage = 256u * 1024;
	cfg->hwerr_storage = 64u * 1024;
}

/* ---- names ---- */

/* Bytes of the UCS-2 string in name (NUL included), or 0 if there is no name
 * or no NUL within name_size bytes. */
static size_t name_bytes(const uint8_t *name, size_t name_size)
{
	for (size_t i = 0; name && i + 1 < name_size; i += 2)
		if (name[i] == 0 && name[i + 1] == 0)
			return i + 2;
	return 0;
}

/* The same for a name that must not be empty (SetVariable, locks, properties). */
static size_t nonempty_name(const uint8_t *name, size_t name_size)
{
	size_t size = name_bytes(name, name_size);
	return size > 2 ? size : 0;
}

static bool is_hwerr_name(const uint8_t *name, size_t size)
{
	static const char prefix[] = "HwErrRec";
	if (size != 2 * 13)
		return false;
	for (size_t i = 0; i < 12; i++) {
		char c = (char)name[2 * i];
		if (name[2 * i + 1] != 0)
			return false;
		if (i < 8 ? c != prefix[i]
			  : !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static uint64_t cost(size_t name_size, uint64_t data_size, uint32_t attrs)
{
	return tv_store_var_cost(name_size, data_size, (attrs & AT) != 0);
}

/* ---- lookup ---- */

static bool visible(const struct tv_varsvc *svc, uint32_t attrs)
{
	return svc->phase != TV_PHASE_RUNTIME || (attrs & RT);
}

static struct found find(const struct tv_varsvc *svc, const uint8_t *name, size_t size,
			 const efi_guid_t *guid)
{
	struct found f = {NULL, false};
	if (svc->nv && (f.v = tv_store_get(svc->nv, guid->b, name, size)) != NULL) {
		f.nv = true;
		return f;
	}
	struct tv_key *k = tv_index_find(&svc->vol, guid->b, name, size);
	if (k && tv_key_is_var(k))
		f.v = &k->v;
	return f;
}

/* ---- GetVariable ---- */

efi_status_t tv_varsvc_get(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			   const efi_guid_t *guid, uint32_t *attrs, uint64_t *data_size,
			   uint8_t *data)
{
	if (!svc || !name || !guid || !data_size)
		return EFI_INVALID_PARAMETER;
	size_t size = name_bytes(name, name_size);
	if (size <= 2)
		return EFI_NOT_FOUND; /* empty or unterminated */
	struct found f = find(svc, name, size, guid);
	if (!f.v || !visible(svc, f.v->attrs))
		return EFI_NOT_FOUND;
	if (attrs)
		*attrs = f.v->attrs;
	if (*data_size < f.v->data_size) {
		*data_size = f.v->data_size;
		return EFI_BUFFER_TOO_SMALL;
	}
	if (!data)
		return EFI_INVALID_PARAMETER;
	if (f.v->data_size)
		memcpy(data, f.v->data, f.v->data_size);
	*data_size = f.v->data_size;
	return EFI_SUCCESS;
}

/* ---- GetNextVariableName ---- */

/* The variable after v in the walk (NV list, then the volatile list). */
static struct found step(const struct tv_varsvc *svc, struct found cur)
{
	struct found f = cur;
	if (!f.v) {
		f.nv = svc->nv != NULL;
		f.v = f.nv ? tv_store_first(svc->nv) : NULL;
	} else if (f.nv) {
		f.v = tv_store_next(svc->nv, f.v);
	} else {
		const struct tv_key *k = (const struct tv_key *)f.v;
		f.v = k->next ? &k->next->v : NULL;
	}
	if (!f.v && f.nv) {
		f.nv = false;
		f.v = svc->vol.first ? &svc->vol.first->v : NULL;
	}
	return f;
}

efi_status_t tv_varsvc_get_next(struct tv_varsvc *svc, uint64_t *name_size, uint8_t *name,
				efi_guid_t *guid)
{
	if (!svc || !name_size || !name || !guid)
		return EFI_INVALID_PARAMETER;
	uint64_t max = *name_size / 2 * 2;
	size_t size = max > SIZE_MAX ? 0 : name_bytes(name, (size_t)max);
	if (size == 0)
		return EFI_INVALID_PARAMETER; /* MaxLen 0 or no NUL within it */
	struct found f = {NULL, false};
	if (size > 2) {
		f = find(svc, name, size, guid);
		if (!f.v || !visible(svc, f.v->attrs))
			return EFI_INVALID_PARAMETER;
	}
	do
		f = step(svc, f);
	while (f.v && !visible(svc, f.v->attrs));
	if (!f.v)
		return EFI_NOT_FOUND;
	if (*name_size < f.v->name_size) {
		*name_size = f.v->name_size;
		return EFI_BUFFER_TOO_SMALL;
	}
	memcpy(name, f.v->name, f.v->name_size);
	memcpy(guid->b, f.v->guid, 16);
	*name_size = f.v->name_size;
	return EFI_SUCCESS;
}

/* ---- SetVariable ---- */

/* Steps 3 and 4 of the checks (attributes alone). */
static efi_status_t check_attrs(uint32_t attrs, const uint8_t *name, size_t size)
{
	if (attrs & ~EFI_VARIABLE_ATTRIBUTES_MASK)
		return EFI_INVALID_PARAMETER; /* 0x80 (enhanced auth) included */
	uint32_t access = attrs & ~AP;
	if (access == 0)
		return EFI_SUCCESS; /* a delete */
	if (((attrs & RT) && !(attrs & BS)) || (attrs & (NV | BS | RT)) == NV)
		return (attrs & AW) ? EFI_UNSUPPORTED : EFI_INVALID_PARAMETER;
	if ((attrs & HR) && ((attrs & (NV | BS | RT)) != (NV | BS | RT) || !is_hwerr_name(name, size)))
		return EFI_INVALID_PARAMETER;
	if (attrs & AW)
		return EFI_UNSUPPORTED;
	return EFI_SUCCESS;
}

static uint64_t class_max(const struct tv_varsvc *svc, uint32_t attrs)
{
	if (attrs & HR)
		return svc->cfg.max_hwerr_var_size;
	return (attrs & AT) ? svc->cfg.max_auth_var_size : svc->cfg.max_var_size;
}

/* Where authenticated-variable verification plugs in: it will check the
 * EFI_VARIABLE_AUTHENTICATION_2 descriptor and hand back the payload. A build
 * without authentication support answers as EDK2 does without it. */
static efi_status_t auth_verify(struct tv_varsvc *svc, const uint8_t *name, size_t size,
				const efi_guid_t *guid, uint32_t attrs, uint64_t *data_size,
				const uint8_t **data)
{
	(void)svc, (void)name, (void)size, (void)guid, (void)attrs, (void)data_size, (void)data;
	return EFI_INVALID_PARAMETER;
}

static efi_status_t from_tv(int rc)
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

/* The bytes a variable's class uses now, and its room. */
static uint64_t class_used(const struct tv_varsvc *svc, uint32_t attrs, uint64_t *room)
{
	if (!(attrs & NV)) {
		*room = svc->cfg.volatile_storage;
		return svc->vol_used;
	}
	uint64_t capacity = tv_store_capacity(svc->nv);
	uint64_t hr_room = svc->cfg.hwerr_storage < capacity ? svc->cfg.hwerr_storage : 0;
	*room = (attrs & HR) ? hr_room : capacity - hr_room;
	return tv_store_used(svc->nv, (attrs & HR) != 0);
}

static efi_status_t vol_put(struct tv_varsvc *svc, struct tv_store_var *nv)
{
	struct tv_key *k = tv_index_find(&svc->vol, nv->guid, nv->name, nv->name_size);
	struct tv_rec r = {.type = TV_REC_VAR, .seq = ++svc->vol_seq, .attrs = nv->attrs,
			   .name = nv->name, .name_size = nv->name_size, .data = nv->data,
			   .data_size = nv->data_size};
	memcpy(r.guid, nv->guid, 16);
	if (!k && tv_index_insert(&svc->vol, &r, &k) != TV_OK)
		return EFI_OUT_OF_RESOURCES;
	return tv_key_set_winner(&svc->vol, k, &r, 0, 0) == TV_OK ? EFI_SUCCESS
								   : EFI_OUT_OF_RESOURCES;
}

static void vol_del(struct tv_varsvc *svc, const uint8_t *name, size_t size, const efi_guid_t *g)
{
	struct tv_key *k = tv_index_find(&svc->vol, g->b, name, size);
	if (k)
		tv_index_remove(&svc->vol, k);
}

/* Writes the new value (or deletes, when data is NULL) and keeps the accounting. */
static efi_status_t commit(struct tv_varsvc *svc, struct found old, struct tv_store_var *nv,
			   bool del)
{
	uint32_t attrs = del ? old.v->attrs : nv->attrs;
	uint64_t room, used = class_used(svc, attrs, &room);
	uint64_t old_cost = old.v ? cost(old.v->name_size, old.v->data_size, old.v->attrs) : 0;
	uint64_t new_cost = del ? 0 : cost(nv->name_size, nv->data_size, nv->attrs);
	if (new_cost > old_cost && used - old_cost + new_cost > room)
		return EFI_OUT_OF_RESOURCES;
	efi_status_t s;
	if (attrs & NV)
		s = from_tv(del ? tv_store_delete(svc->nv, nv->guid, nv->name, nv->name_size)
				: tv_store_set(svc->nv, nv));
	else if (del)
		vol_del(svc, nv->name, nv->name_size, (const efi_guid_t *)nv->guid), s = EFI_SUCCESS;
	else
		s = vol_put(svc, nv);
	if (s == EFI_SUCCESS && !(attrs & NV))
		svc->vol_used = svc->vol_used - old_cost + new_cost;
	return s;
}

/* Steps 9 to 13 once the request is known to be well formed. */
static efi_status_t set_existing_rules(struct tv_varsvc *svc, struct found old, uint32_t attrs)
{
	bool runtime = svc->phase == TV_PHASE_RUNTIME;
	if (old.v) {
		if (runtime && (!(old.v->attrs & RT) || !old.nv))
			return EFI_WRITE_PROTECTED;
		if ((attrs & ~AP) && (attrs & ~AP) != old.v->attrs)
			return EFI_INVALID_PARAMETER;
	} else if (runtime && (attrs & ~AP) && (attrs & ~(AP | AT | HR)) != (NV | BS | RT)) {
		return EFI_INVALID_PARAMETER;
	}
	return EFI_SUCCESS;
}

static efi_status_t do_set(struct tv_varsvc *svc, const uint8_t *name, size_t size,
			   const efi_guid_t *guid, uint32_t attrs, uint64_t data_size,
			   const uint8_t *data)
{
	struct found old = find(svc, name, size, guid);
	efi_status_t s = tv_var_policy_check(&svc->policy, name, size, guid, attrs, data_size,
					     svc->phase);
	if (s == EFI_SUCCESS)
		s = set_existing_rules(svc, old, attrs);
	if (s != EFI_SUCCESS)
		return s;
	struct tv_store_var nv = {.name = name, .name_size = (uint16_t)size,
				  .attrs = attrs & ~AP, .data = data,
				  .data_size = (uint32_t)data_size};
	memcpy(nv.guid, guid->b, 16);
	bool del = (attrs & ~AP) == 0 || (data_size == 0 && !(attrs & AP));
	if (del)
		return old.v ? commit(svc, old, &nv, true) : EFI_NOT_FOUND;
	if ((attrs & AP) && data_size == 0)
		return EFI_SUCCESS; /* nothing to append, nothing created */
	uint8_t *merged = NULL;
	if ((attrs & AP) && old.v) {
		uint64_t total = (uint64_t)old.v->data_size + data_size;
		if (size + total > class_max(svc, attrs))
			return EFI_INVALID_PARAMETER;
		if (!(merged = malloc(total)))
			return EFI_OUT_OF_RESOURCES;
		memcpy(merged, old.v->data, old.v->data_size);
		memcpy(merged + old.v->data_size, data, data_size);
		nv.data = merged;
		nv.data_size = (uint32_t)total;
	}
	if (old.v && old.v->attrs == nv.attrs && old.v->data_size == nv.data_size &&
	    memcmp(old.v->data, nv.data, nv.data_size) == 0)
		s = EFI_SUCCESS; /* same value: no storage write */
	else
		s = commit(svc, old, &nv, false);
	free(merged);
	return s;
}

efi_status_t tv_varsvc_set(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			   const efi_guid_t *guid, uint32_t attrs, uint64_t data_size,
			   const uint8_t *data)
{
	if (!svc)
		return EFI_INVALID_PARAMETER;
	size_t size = nonempty_name(name, name_size);
	if (!size || !guid)
		return EFI_INVALID_PARAMETER; /* 1 */
	if (data_size && !data)
		return EFI_INVALID_PARAMETER; /* 2 */
	efi_status_t s = check_attrs(attrs, name, size); /* 3, 4, 5 */
	if (s == EFI_SUCCESS && (attrs & AT))
		s = auth_verify(svc, name, size, guid, attrs, &data_size, &data); /* 6 */
	if (s != EFI_SUCCESS)
		return s;
	bool del = (attrs & ~AP) == 0; /* attributes 0 delete, whatever the size */
	if (!del && (data_size > class_max(svc, attrs) || size + data_size > class_max(svc, attrs)))
		return EFI_INVALID_PARAMETER; /* 7, overflow-safe */
	if ((attrs & NV) && !svc->nv)
		return EFI_OUT_OF_RESOURCES;
	if (svc->nv)
		(void)tv_store_sync(svc->nv); /* decide on what the media holds; a
					       * failure shows in the store's write */
	return do_set(svc, name, size, guid, attrs, data_size, data);
}

/* ---- QueryVariableInfo ---- */

efi_status_t tv_varsvc_query(struct tv_varsvc *svc, uint32_t attrs, uint64_t *max_storage,
			     uint64_t *remaining, uint64_t *max_var_size)
{
	if (!svc || !max_storage || !remaining || !max_var_size || attrs == 0)
		return EFI_INVALID_PARAMETER;
	if ((attrs & AW) || (attrs & ~EFI_VARIABLE_ATTRIBUTES_MASK))
		return EFI_UNSUPPORTED;
	if ((attrs & (NV | BS | RT)) == NV || (attrs & (BS | RT)) == RT || (attrs & (NV | HR)) == HR ||
	    (svc->phase == TV_PHASE_RUNTIME && !(attrs & RT)))
		return EFI_INVALID_PARAMETER;
	if ((attrs & NV) && !svc->nv) {
		*max_storage = *remaining = *max_var_size = 0;
		return EFI_SUCCESS;
	}
	uint64_t room, used = class_used(svc, attrs, &room);
	*max_storage = room;
	*remaining = room > used ? room - used : 0;
	uint64_t largest = class_max(svc, attrs);
	uint64_t overhead = cost(0, 0, attrs);
	uint64_t fits = *remaining > overhead ? *remaining - overhead : 0;
	if (attrs & NV) {
		struct tv_store_stats st;
		tv_store_get_stats(svc->nv, &st);
		uint64_t store_fits = st.max_var_now > overhead - TV_REC_HDR_SIZE
					      ? st.max_var_now - (overhead - TV_REC_HDR_SIZE)
					      : 0;
		fits = fits < store_fits ? fits : store_fits;
	}
	*max_var_size = fits < largest ? fits : largest;
	return EFI_SUCCESS;
}

/* ---- phases, locks, properties ---- */

efi_status_t tv_varsvc_ready_to_boot(struct tv_varsvc *svc)
{
	if (svc->phase == TV_PHASE_RUNTIME)
		return EFI_UNSUPPORTED;
	svc->phase = TV_PHASE_READY;
	return EFI_SUCCESS;
}

efi_status_t tv_varsvc_exit_boot_services(struct tv_varsvc *svc)
{
	svc->phase = TV_PHASE_RUNTIME;
	return EFI_SUCCESS;
}

enum tv_phase tv_varsvc_phase(const struct tv_varsvc *svc)
{
	return svc->phase;
}

efi_status_t tv_varsvc_lock(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			    const efi_guid_t *guid)
{
	size_t size = nonempty_name(name, name_size);
	if (!svc || !size || !guid)
		return EFI_INVALID_PARAMETER;
	if (svc->phase != TV_PHASE_BOOT)
		return EFI_ACCESS_DENIED;
	return tv_var_policy_lock(&svc->policy, name, size, guid);
}

efi_status_t tv_varsvc_property_set(struct tv_varsvc *svc, const uint8_t *name,
				    size_t name_size, const efi_guid_t *guid,
				    const var_check_property_t *prop)
{
	size_t size = nonempty_name(name, name_size);
	if (!svc || !size || !guid || !prop)
		return EFI_INVALID_PARAMETER;
	if (svc->phase != TV_PHASE_BOOT)
		return EFI_ACCESS_DENIED;
	return tv_var_policy_set(&svc->policy, name, size, guid, prop);
}

efi_status_t tv_varsvc_property_get(struct tv_varsvc *svc, const uint8_t *name,
				    size_t name_size, const efi_guid_t *guid,
				    var_check_property_t *prop)
{
	size_t size = nonempty_name(name, name_size);
	if (!svc || !size || !guid || !prop)
		return EFI_INVALID_PARAMETER;
	return tv_var_policy_get(&svc->policy, name, size, guid, svc->phase, prop);
}

/* ---- life cycle ---- */

int tv_varsvc_create(struct tv_store *nv, const struct tv_varsvc_config *cfg,
		     struct tv_varsvc **out)
{
	struct tv_varsvc *svc = calloc(1, sizeof(*svc));
	if (!svc)
		return TV_ENOMEM;
	svc->nv = nv;
	if (cfg)
		svc->cfg = *cfg;
	else
		tv_varsvc_config_default(&svc->cfg);
	if (tv_index_init(&svc->vol) != TV_OK) {
		free(svc);
		return TV_ENOMEM;
	}
	tv_var_policy_init(&svc->policy);
	*out = svc;
	return TV_OK;
}

void tv_varsvc_destroy(struct tv_varsvc *svc)
{
	if (!svc)
		return;
	tv_index_free(&svc->vol);
	tv_var_policy_free(&svc->policy);
	free(svc);
}

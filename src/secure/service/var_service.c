/* SPDX-License-Identifier: BSD-2-Clause */
#include "var_service.h"

#include <stdlib.h>
#include <string.h>

#include "auth_var.h"
#include "tv_err.h"
#include "var_check_uefi.h"
#include "var_internal.h"

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

static bool visible(const struct tv_varsvc *svc, uint32_t attrs)
{
	return svc->phase != TV_PHASE_RUNTIME || (attrs & RT);
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
	struct tv_found f = tv_varsvc_find(svc, name, size, guid);
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
static struct tv_found step(const struct tv_varsvc *svc, struct tv_found cur)
{
	struct tv_found f = cur;
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
	struct tv_found f = {NULL, false};
	if (size > 2) {
		f = tv_varsvc_find(svc, name, size, guid);
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

/* The front end, in the order of EDK2's VariableServiceSetVariable: attributes,
 * the authentication descriptor's size, the class size, VarCheck, the rules
 * for an existing variable; then AuthVariableLib (auth_var.c) and the store
 * step (var_update.c). docs/variable-service.md lists each status. */
static efi_status_t check_attrs(uint32_t attrs)
{
	if (attrs & ~EFI_VARIABLE_ATTRIBUTES_MASK)
		return EFI_INVALID_PARAMETER; /* 0x80 (enhanced auth) included */
	if ((attrs & RT) && !(attrs & BS))
		return (attrs & AW) ? EFI_UNSUPPORTED : EFI_INVALID_PARAMETER;
	if ((attrs & ~AW) == NV)
		return EFI_INVALID_PARAMETER; /* NV alone (EDK2's mask leaves 0x10 out) */
	if ((attrs & AW) && (attrs & AT))
		return EFI_UNSUPPORTED;
	return EFI_SUCCESS;
}

/* Where the payload is: after the EFI_VARIABLE_AUTHENTICATION_2 descriptor for
 * 0x20; 0x10 (count-based, deprecated) passes only with EDK2's AUTHINFO_SIZE
 * and is refused later (UNSUPPORTED, or INVALID_PARAMETER for a key variable). */
static efi_status_t split_payload(struct tv_set_req *r)
{
	r->payload = r->data;
	r->payload_size = r->data_size;
	if (r->attrs & AW)
		return r->data_size == TV_AUTHINFO_SIZE ? EFI_SUCCESS : EFI_UNSUPPORTED;
	if (!(r->attrs & AT))
		return EFI_SUCCESS;
	efi_status_t s = tv_auth2_split(r->data, r->data_size, &r->desc);
	if (s == EFI_SUCCESS) {
		r->payload = r->desc.payload;
		r->payload_size = r->desc.payload_size;
	}
	return s;
}

/* teevar keeps the hardware-error-record rules at every phase (EDK2 checks
 * them in VarCheckUefiLib, from EndOfDxe on): NV|BS|RT and a HwErrRec####
 * name under the hardware-error GUID. */
static bool hwerr_ok(const struct tv_set_req *r)
{
	return !(r->attrs & HR) || ((r->attrs & (NV | BS | RT)) == (NV | BS | RT) &&
				    tv_is_hwerr_rec(r->name, r->name_size, r->guid));
}

/* VarCheck: registered locks and properties, the read-only state of the
 * Secure Boot mode variables, then (from ReadyToBoot on, as EDK2 from EndOfDxe)
 * the table of UEFI-defined variables. */
static efi_status_t var_check(const struct tv_varsvc *svc, const struct tv_set_req *r)
{
	efi_status_t s = tv_var_policy_check(&svc->policy, r->name, r->name_size, r->guid,
					     r->attrs, r->payload_size, svc->phase);
	var_check_property_t prop;
	if (s == EFI_SUCCESS && tv_sb_property(svc, r->name, r->name_size, r->guid, &prop) &&
	    (prop.property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY))
		s = EFI_WRITE_PROTECTED; /* the modes' own, in every phase */
	if (s == EFI_SUCCESS && svc->phase != TV_PHASE_BOOT)
		s = tv_uefi_var_check(r->name, r->name_size, r->guid, r->attrs, r->payload_size,
				      r->payload);
	return s;
}

static efi_status_t existing_rules(const struct tv_varsvc *svc, const struct tv_set_req *r)
{
	struct tv_found old = tv_varsvc_find(svc, r->name, r->name_size, r->guid);
	if (!old.v)
		return EFI_SUCCESS;
	if (svc->phase == TV_PHASE_RUNTIME && !(old.v->attrs & RT))
		return EFI_WRITE_PROTECTED;
	if (r->attrs != 0 && (r->attrs & ~AP) != old.v->attrs)
		return EFI_INVALID_PARAMETER; /* APPEND alone included: it is not a delete */
	return EFI_SUCCESS;
}

efi_status_t tv_varsvc_set(struct tv_varsvc *svc, const uint8_t *name, size_t name_size,
			   const efi_guid_t *guid, uint32_t attrs, uint64_t data_size,
			   const uint8_t *data)
{
	if (!svc)
		return EFI_INVALID_PARAMETER;
	struct tv_set_req r = {.name = name, .name_size = nonempty_name(name, name_size),
			       .guid = guid, .attrs = attrs, .data = data, .data_size = data_size};
	if (!r.name_size || !guid || (data_size && !data))
		return EFI_INVALID_PARAMETER;
	efi_status_t s = check_attrs(attrs);
	if (s == EFI_SUCCESS)
		s = split_payload(&r);
	if (s != EFI_SUCCESS)
		return s;
	uint64_t max = tv_varsvc_class_max(svc, attrs);
	if (r.payload_size > max || r.name_size + r.payload_size > max || !hwerr_ok(&r))
		return EFI_INVALID_PARAMETER; /* overflow-safe */
	if ((attrs & NV) && !svc->nv)
		return EFI_OUT_OF_RESOURCES;
	if (svc->nv) {
		(void)tv_store_sync(svc->nv); /* decide on what the media holds; a
					       * failure shows in the store's write */
		tv_sb_refresh(svc);           /* and the mode it shows */
	}
	s = var_check(svc, &r);
	if (s == EFI_SUCCESS)
		s = existing_rules(svc, &r);
	if (s == EFI_SUCCESS)
		s = tv_auth_process(svc, &r);
	return s;
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
	uint64_t room, used = tv_varsvc_class_used(svc, attrs, &room);
	*max_storage = room;
	*remaining = room > used ? room - used : 0;
	uint64_t largest = tv_varsvc_class_max(svc, attrs);
	uint64_t overhead = tv_store_var_cost(0, 0, (attrs & AT) != 0);
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
	efi_status_t s = tv_var_policy_get(&svc->policy, name, size, guid, svc->phase, prop);
	if (s != EFI_NOT_FOUND)
		return s; /* a registered property (or lock) comes first, as in EDK2 */
	if (tv_sb_property(svc, name, size, guid, prop) ||
	    tv_uefi_var_property(name, size, guid, prop))
		return EFI_SUCCESS;
	return EFI_NOT_FOUND;
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
	/* a name (u16 in the store) and a value (u32) of any class must fit */
	if (svc->cfg.max_var_size > UINT16_MAX || svc->cfg.max_auth_var_size > UINT16_MAX ||
	    svc->cfg.max_hwerr_var_size > UINT16_MAX) {
		free(svc);
		return TV_EINVAL;
	}
	if (tv_index_init(&svc->vol) != TV_OK) {
		free(svc);
		return TV_ENOMEM;
	}
	tv_var_policy_init(&svc->policy);
	(void)tv_sb_init(svc); /* a store that refuses writes still gets its mode */
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

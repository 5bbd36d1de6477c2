/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Why a SetVariable was refused with EFI_INVALID_PARAMETER: the service says no
 * more than the status, so the CLI looks again after the failure, with the
 * rules of docs/variable-service.md (the attribute rules, an existing
 * variable's attributes, the largest size QueryVariableInfo allows, a
 * registered property, the runtime rules) and names the first that failed.
 */
#include <string.h>

#include <teevar/store_info.h>
#include <teevar/util.h>

#include "cli.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define HR EFI_VARIABLE_HARDWARE_ERROR_RECORD
#define AW EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define AP EFI_VARIABLE_APPEND_WRITE
#define ATTRS_MASK 0x7fu
#define NV_BS_RT_MASK (NV | BS | RT)
#define ATTRS_TEXT 96

static const efi_guid_t hwerr_guid = {{0xdd, 0x6b, 0x4e, 0x41, 0x7b, 0xe4, 0xcc, 0x47, 0xb2, 0x44,
				       0xbb, 0x61, 0x02, 0x0c, 0xf5, 0x16}};
static const efi_guid_t global_guid = EFI_GLOBAL_VARIABLE_GUID;

static bool is_hex_unit(efi_char16_t u)
{
	return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
}

/* HwErrRec#### (four hex digits) under the hardware-error GUID. */
static bool hwerr_name(const struct var_id *v)
{
	static const char prefix[] = "HwErrRec";
	if (memcmp(&v->guid, &hwerr_guid, sizeof(v->guid)) != 0)
		return false;
	for (size_t i = 0; i < 8; i++)
		if (v->name[i] != (efi_char16_t)prefix[i])
			return false;
	for (size_t i = 8; i < 12; i++)
		if (!is_hex_unit(v->name[i]))
			return false;
	return v->name[12] == 0;
}

/* The attribute rules of SetVariable, whatever is stored. */
static const char *attr_rule(const struct var_id *v, uint32_t attrs, char *buf, size_t n)
{
	if (attrs & ~ATTRS_MASK) {
		snprintf(buf, n, "attribute rule: 0x%x is not a UEFI variable attribute (ea, 0x80, "
			 "is not supported)", attrs & ~ATTRS_MASK);
		return buf;
	}
	if ((attrs & RT) && !(attrs & BS))
		return "attribute rule: rt needs bs (runtime access implies boot-services "
		       "access: give bs,rt)";
	if ((attrs & ~(AW | AP)) == NV)
		return "attribute rule: nv alone is invalid (nv,bs or nv,bs,rt)";
	if ((attrs & HR) && (attrs & NV_BS_RT_MASK) != NV_BS_RT_MASK)
		return "attribute rule: hr needs nv,bs,rt";
	if ((attrs & HR) && !hwerr_name(v))
		return "attribute rule: hr needs a HwErrRec#### name (four hex digits) under the "
		       "hardware-error GUID (hwerr, 414e6bdd-e47b-47cc-b244-bb61020cf516)";
	return NULL;
}

static size_t name_bytes(const struct var_id *v)
{
	return (tv_ucs2_strnlen(v->name, CLI_NAME_MAX_CHARS + 1) + 1) * sizeof(efi_char16_t);
}

/* The largest variable the service takes for these attributes. */
static const char *size_rule(struct session *s, const struct var_id *v, uint32_t attrs,
			     size_t size, const struct set_prior *p, char *buf, size_t n)
{
	uint64_t max_storage, remaining, max_size;
	if (attrs & (AT | AW))
		return NULL; /* the data holds a descriptor: the payload's size is not known */
	if (tv_query_variable_info(s->client, attrs & (NV | BS | RT | HR), &max_storage,
				   &remaining, &max_size) != EFI_SUCCESS)
		return NULL;
	uint64_t data = size;
	bool append = (attrs & AP) && p->exists;
	if (append)
		data += p->data.n;
	uint64_t total = data + name_bytes(v);
	if (total <= max_size)
		return NULL;
	snprintf(buf, n, "size: %llu bytes of data%s and %zu of name are above the largest "
		 "variable the service takes for these attributes (%llu bytes, from "
		 "QueryVariableInfo; teevar info shows it)", (unsigned long long)data,
		 append ? " (with what is there)" : "", name_bytes(v),
		 (unsigned long long)max_size);
	return buf;
}

/* A property registered for the variable (teevar property set, or the UEFI
 * table at and after ready-to-boot). */
static const char *property_rule(struct session *s, const struct var_id *v, uint32_t attrs,
				 size_t size, char *buf, size_t n, bool *has_prop)
{
	var_check_property_t prop;
	memset(&prop, 0, sizeof(prop));
	*has_prop = tv_var_check_property_get(s->client, v->name, &v->guid, &prop) ==
		    EFI_SUCCESS;
	if (!*has_prop)
		return NULL;
	char names[ATTRS_TEXT];
	uint32_t access = attrs & ~AP;
	if (prop.attributes && access != prop.attributes) {
		attrs_format(prop.attributes, names, sizeof(names));
		snprintf(buf, n, "the variable's property requires attributes %s (0x%x); see "
			 "teevar property get", names, prop.attributes);
		return buf;
	}
	if (size && (size < prop.min_size || size > prop.max_size)) {
		snprintf(buf, n, "the variable's property allows %llu to %llu bytes of data, not "
			 "%zu; see teevar property get", (unsigned long long)prop.min_size,
			 (unsigned long long)prop.max_size, size);
		return buf;
	}
	return NULL;
}

const char *diagnose_set_invalid(struct session *s, const struct var_id *v, uint32_t attrs,
				 size_t size, const struct set_prior *p, char *buf, size_t n)
{
	const char *why = attr_rule(v, attrs, buf, n);
	if (why)
		return why;
	char names[ATTRS_TEXT];
	if (p->exists && (attrs & ~AP) != p->attrs) {
		attrs_format(p->attrs, names, sizeof(names));
		snprintf(buf, n, "attribute mismatch: the variable exists with attributes %s (0x%x), "
			 "and a write must give the same (leave out --attrs to keep them, or "
			 "delete it first to change them)", names, p->attrs);
		return buf;
	}
	why = size_rule(s, v, attrs, size, p, buf, n);
	if (why)
		return why;
	struct tv_store_info si;
	memset(&si, 0, sizeof(si));
	bool phase_known = tv_transport_store_info(&s->transport, &si) == 0;
	bool runtime = s->runtime || (phase_known && si.phase == 2);
	if (runtime && p->known && !p->exists && (attrs & NV_BS_RT_MASK) != NV_BS_RT_MASK)
		return "runtime rule: at runtime a new variable needs nv,bs,rt";
	bool has_prop;
	why = property_rule(s, v, attrs, size, buf, n, &has_prop);
	if (why)
		return why;
	if (!has_prop && memcmp(&v->guid, &global_guid, sizeof(v->guid)) == 0 &&
	    (runtime || (phase_known && si.phase != 0)))
		return "from ready-to-boot on, names under the global GUID must be ones UEFI "
		       "defines (use a vendor GUID of your own)";
	return NULL;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The import and export of whole stores (var_import.h). An import is checked
 * whole before the first write: every variable on its own (what teevar can
 * hold, EDK2's UEFI variable checks, the Secure Boot lists), against the
 * store (conflicts), and all together (room). Then the writes go in the
 * order plain variables, dbx, db, dbt, dbr, KEK, PK: a cut leaves a prefix
 * of that order, so PK, the variable that ends setup mode, is stored last and
 * a store cut midway still starts in setup mode. A write that fails midway
 * makes the import put back what was there before, in reverse order; that
 * is best effort (the device that refused one write may refuse the next),
 * and the error detail says whether it all went back. The Secure Boot mode
 * is then derived again by tv_sb_init(), as at a start: an imported PK ends
 * setup mode as an enrolment does.
 */
#include "var_import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_descriptor.h"
#include "efi_siglist.h"
#include "secure_boot.h"
#include "sig_list.h"
#include "tv_err.h"
#include "var_check_uefi.h"
#include "var_internal.h"

static unsigned fail_write_nth;

void tv_import_test_fail_write(unsigned nth)
{
	fail_write_nth = nth;
}

/* ---- what is ignored ---- */

/* EDK2's own Secure Boot bookkeeping (AuthVariableLib, SecureBootConfigDxe):
 * EDK2 makes it again at its start, teevar keeps its mode by itself. */
static const efi_guid_t edk2_auth_guid = {{0x6e, 0xe5, 0xbe, 0xd9, 0xdc, 0x75, 0xd9, 0x49, 0xb4,
					   0xd7, 0xb5, 0x34, 0x21, 0x0f, 0x63, 0x7a}};
static const efi_guid_t edk2_vendor_keys_guid = {{0xe0, 0xe4, 0x73, 0x90, 0xec, 0x60, 0x6e, 0x4b,
						  0x99, 0x03, 0x4c, 0x22, 0x3c, 0x26, 0x0f, 0x3c}};
static const efi_guid_t edk2_custom_mode_guid = {{0x0c, 0xec, 0x76, 0xc0, 0x28, 0x70, 0x99, 0x43,
						  0xa0, 0x72, 0x71, 0xee, 0x5c, 0x44, 0x8b, 0x9f}};
static const efi_guid_t edk2_sb_enable_guid = {{0xc7, 0x0b, 0xa3, 0xf0, 0x08, 0xaf, 0x56, 0x45,
						0x99, 0xc4, 0x00, 0x10, 0x09, 0xc9, 0x3a, 0x44}};

static const struct {
	const efi_guid_t *guid;
	const char *name;
} edk2_bookkeeping[] = {
	{&edk2_auth_guid, "certdb"},
	{&edk2_auth_guid, "certdbv"},
	{&edk2_vendor_keys_guid, "VendorKeysNv"},
	{&edk2_custom_mode_guid, "CustomMode"},
	{&edk2_sb_enable_guid, "SecureBootEnable"},
};

static bool guid_eq(const efi_guid_t *a, const efi_guid_t *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

static bool is_edk2_bookkeeping(const uint8_t *name, size_t size, const efi_guid_t *guid)
{
	for (size_t i = 0; i < sizeof(edk2_bookkeeping) / sizeof(edk2_bookkeeping[0]); i++)
		if (guid_eq(guid, edk2_bookkeeping[i].guid) &&
		    tv_name_is(name, size, edk2_bookkeeping[i].name))
			return true;
	return false;
}

/* ---- the plan ---- */

/* Write order: plain variables first, PK last. */
enum rank { R_PLAIN, R_DBX, R_DB, R_DBT, R_DBR, R_KEK, R_PK, R_COUNT };

struct item {
	const struct tv_xfer_var *v;
	const uint8_t *name;         /* v->name as bytes */
	size_t name_size;
	enum tv_import_action action;
	enum rank rank;
	bool named;                  /* the name is well-formed */
	size_t group;                /* items with the same GUID and name share it */
	/* what the store held before (REPLACED), for putting it back */
	struct tv_store_var old;
	uint8_t *old_buf;
	bool written;
};

static void set_why(struct tv_import_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_why(struct tv_import_result *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static enum rank rank_of(const uint8_t *name, size_t size, const efi_guid_t *guid)
{
	switch (tv_sb_classify(name, size, guid)) {
	case TV_SBV_PK:
		return R_PK;
	case TV_SBV_KEK:
		return R_KEK;
	case TV_SBV_DB:
		if (tv_name_is(name, size, "dbx"))
			return R_DBX;
		if (tv_name_is(name, size, "db"))
			return R_DB;
		return tv_name_is(name, size, "dbt") ? R_DBT : R_DBR;
	default:
		return R_PLAIN;
	}
}

/* A UCS-2 name of size bytes: even, at least one character, NUL at the end
 * and nowhere before it. NULL when it is fine, else what is wrong. */
static const char *name_problem(const uint8_t *name, size_t size)
{
	if (!name || size == 0)
		return "no name";
	if (size % 2)
		return "name size is odd (not UCS-2)";
	if (size < 4)
		return "empty name";
	if (size > UINT16_MAX)
		return "name too long";
	if (name[size - 2] || name[size - 1])
		return "name not NUL-terminated";
	for (size_t i = 0; i + 2 < size; i += 2)
		if (name[i] == 0 && name[i + 1] == 0)
			return "name with a NUL character inside";
	return NULL;
}

/* What teevar can hold as given: the attributes and the time. */
static bool attrs_ok(const struct tv_xfer_var *v, const uint8_t *name, size_t size,
		     struct tv_import_result *r)
{
	uint32_t a = v->attrs;
	if (a & ~(EFI_VARIABLE_ATTRIBUTES_MASK | EFI_VARIABLE_ENHANCED_AUTHENTICATED_ACCESS)) {
		set_why(r, "unknown attribute bits 0x%x", a & ~0xffu);
		return false;
	}
	if (a & EFI_VARIABLE_ENHANCED_AUTHENTICATED_ACCESS) {
		set_why(r, "ENHANCED_AUTHENTICATED_ACCESS (0x80) is not supported");
		return false;
	}
	if (a & AP) {
		set_why(r, "APPEND_WRITE (0x40) is a way of writing, not a stored attribute");
		return false;
	}
	if (a & AW) {
		set_why(r, "count-based AUTHENTICATED_WRITE_ACCESS (0x10) is deprecated: "
			   "teevar cannot hold it");
		return false;
	}
	if (!(a & NV)) {
		set_why(r, "volatile (no NON_VOLATILE): it would be gone at the next start");
		return false;
	}
	if (!(a & BS)) {
		set_why(r, "NON_VOLATILE without BOOTSERVICE_ACCESS");
		return false;
	}
	if ((a & AT) && !v->has_time) {
		set_why(r, "time-based authenticated (0x20) without a timestamp");
		return false;
	}
	if ((a & AT) && !tv_efi_time_pads_zero(v->time)) {
		set_why(r, "timestamp with non-zero Pad1, Nanosecond, TimeZone, Daylight or Pad2");
		return false;
	}
	if ((a & HR) && ((a & (NV | BS | RT)) != (NV | BS | RT) ||
			 !tv_is_hwerr_rec(name, size, &v->guid))) {
		set_why(r, "HARDWARE_ERROR_RECORD needs NV|BS|RT and a HwErrRec#### name under "
			   "the hardware-error GUID");
		return false;
	}
	return true;
}

/* One signature list of type X.509 with one entry (the format is checked). */
static bool pk_is_one_x509(const uint8_t *p, size_t n)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	tv_esl_iter_init(&it, p, n);
	if (tv_esl_next_list(&it, &l) != 1 || l.count != 1 ||
	    memcmp(l.type, tv_cert_x509_guid, 16) != 0)
		return false;
	return tv_esl_next_list(&it, &l) == 0 && !it.error;
}

/* Secure Boot's variables: the key lists, the factory defaults, and the
 * status variables the service derives. */
static bool secure_boot_ok(const struct tv_xfer_var *v, const uint8_t *name, size_t size,
			   struct tv_import_result *r)
{
	enum tv_sb_var c = tv_sb_classify(name, size, &v->guid);
	switch (c) {
	case TV_SBV_STATUS:
	case TV_SBV_MODE:
		set_why(r, "a Secure Boot status variable: the service derives it (volatile, "
			   "read-only)");
		return false;
	case TV_SBV_PLATFORM:
		set_why(r, "teevar's platform GUID holds only its own records and the factory "
			   "defaults");
		return false;
	case TV_SBV_PK:
	case TV_SBV_KEK:
	case TV_SBV_DB:
		if (v->attrs != (NV | BS | RT | AT)) {
			set_why(r, "a Secure Boot key variable must have the attributes NV|BS|RT|AT "
				   "(0x27), not 0x%x", v->attrs);
			return false;
		}
		break;
	case TV_SBV_DEFAULT:
		if (v->attrs != (NV | BS)) {
			set_why(r, "a factory default must have the attributes NV|BS (0x3), not 0x%x",
				v->attrs);
			return false;
		}
		break;
	case TV_SBV_NONE:
	default:
		return true;
	}
	bool pk = c == TV_SBV_PK || tv_name_is(name, size, "PKDefault");
	if (tv_esl_check_format(v->data, v->data_size, pk) != EFI_SUCCESS) {
		set_why(r, pk ? "not a well-formed EFI_SIGNATURE_LIST with at most one entry"
			      : "not a well-formed list of EFI_SIGNATURE_LISTs");
		return false;
	}
	/* An enrolment proves the PK can sign (it is signed by itself); an import
	 * does not, so at least it must be the one certificate that could: a PK
	 * without one would leave user mode with no key to ever leave it. */
	if (pk && !pk_is_one_x509(v->data, v->data_size)) {
		set_why(r, "a platform key must be exactly one X.509 certificate");
		return false;
	}
	return true;
}

/* EDK2's VarCheckUefiLib, in force whatever the phase, with its reason. (Its
 * read-only variables are all Secure Boot status variables, refused before.) */
static bool uefi_ok(const struct tv_xfer_var *v, const uint8_t *name, size_t size,
		    struct tv_import_result *r)
{
	efi_status_t s = tv_uefi_var_check(name, size, &v->guid, v->attrs, v->data_size, v->data);
	if (s == EFI_SUCCESS)
		return true;
	var_check_property_t p;
	if (!tv_uefi_var_property(name, size, &v->guid, &p))
		set_why(r, "not a variable UEFI defines under its GUID (EDK2 VarCheckUefiLib)");
	else if (p.attributes && p.attributes != v->attrs)
		set_why(r, "attributes 0x%x, UEFI defines 0x%x (EDK2 VarCheckUefiLib)", v->attrs,
			p.attributes);
	else if (v->data_size < p.min_size || v->data_size > p.max_size)
		set_why(r, "%zu bytes, outside the size UEFI defines (EDK2 VarCheckUefiLib)",
			v->data_size);
	else
		set_why(r, "content fails EDK2's UEFI variable check (VarCheckUefiLib)");
	return false;
}

/* Every check of one variable on its own. */
static bool valid(const struct tv_varsvc *svc, const struct tv_xfer_var *v, const uint8_t *name,
		  size_t size, struct tv_import_result *r)
{
	if (!attrs_ok(v, name, size, r))
		return false;
	if (v->data_size == 0 || !v->data) {
		set_why(r, "no data (SetVariable would delete it)");
		return false;
	}
	if (!secure_boot_ok(v, name, size, r))
		return false;
	uint64_t max = tv_varsvc_class_max(svc, v->attrs);
	if (v->data_size > max || size + v->data_size > max) {
		set_why(r, "name and data take %zu bytes, more than the %llu a variable may", size +
			v->data_size, (unsigned long long)max);
		return false;
	}
	if (tv_var_policy_check(&svc->policy, name, size, &v->guid, v->attrs, v->data_size,
				svc->phase) != EFI_SUCCESS) {
		set_why(r, "refused by a VarCheck property or lock registered in this boot");
		return false;
	}
	return uefi_ok(v, name, size, r);
}

static bool same_content(const struct tv_store_var *old, const struct tv_xfer_var *v)
{
	if (old->attrs != v->attrs || old->data_size != v->data_size ||
	    memcmp(old->data, v->data, v->data_size) != 0)
		return false;
	if (!(v->attrs & AT))
		return true;
	return old->has_ext && memcmp(old->ext.timestamp, v->time, 16) == 0;
}

/* A copy of what the store holds, to put back if the import fails. */
static int keep_old(struct item *it, const struct tv_store_var *old)
{
	it->old_buf = malloc((size_t)old->name_size + old->data_size + 1);
	if (!it->old_buf)
		return -ENOMEM;
	it->old = *old;
	memcpy(it->old_buf, old->name, old->name_size);
	memcpy(it->old_buf + old->name_size, old->data, old->data_size);
	it->old.name = it->old_buf;
	it->old.data = it->old_buf + old->name_size;
	return 0;
}

/* Classifies one variable against the checks, the rest of the import and
 * the store. */
static int classify(struct tv_varsvc *svc, struct item *items, size_t i, bool *group_named,
		    enum tv_import_conflict policy, unsigned flags, struct tv_import_result *r)
{
	struct item *it = &items[i];
	const struct tv_xfer_var *v = it->v;
	it->name = (const uint8_t *)v->name;
	it->name_size = v->name_size;
	it->action = TV_IMPORT_INVALID;
	const char *np = name_problem(it->name, it->name_size);
	if (np) {
		set_why(r, "%s", np);
		return 0;
	}
	it->rank = rank_of(it->name, it->name_size, &v->guid);
	if (is_edk2_bookkeeping(it->name, it->name_size, &v->guid)) {
		it->action = TV_IMPORT_IGNORED;
		set_why(r, "EDK2's own Secure Boot bookkeeping; teevar keeps its own mode");
		return 0;
	}
	if (tv_sb_is_record(it->name, it->name_size, &v->guid)) {
		it->action = TV_IMPORT_IGNORED;
		set_why(r, "teevar's own Secure Boot mode record; the mode follows from PK");
		return 0;
	}
	it->named = true;
	if (group_named[it->group]) {
		set_why(r, "appears more than once in the import");
		return 0;
	}
	group_named[it->group] = true;
	if (!valid(svc, v, it->name, it->name_size, r))
		return 0;
	if ((v->attrs & AT) && tv_sb_classify(it->name, it->name_size, &v->guid) == TV_SBV_NONE &&
	    !(flags & TV_IMPORT_UNBOUND_PRIVATE)) {
		set_why(r, "a private authenticated variable: its signer binding cannot be "
			   "carried, so any key could take it over (--unbound-private)");
		return 0;
	}
	struct tv_found old = tv_varsvc_find(svc, it->name, it->name_size, &v->guid);
	if (!old.v) {
		it->action = TV_IMPORT_NEW;
		return 0;
	}
	if (!old.nv) {
		set_why(r, "a volatile variable of this name exists in this boot");
		return 0;
	}
	if ((old.v->attrs ^ v->attrs) & AT) {
		/* a replace must not turn a signed variable into one that takes
		 * unsigned writes, nor the other way round */
		set_why(r, "stored with attributes 0x%x: an import does not change whether a "
			   "variable is time-based authenticated", old.v->attrs);
		return 0;
	}
	if (same_content(old.v, v)) {
		it->action = TV_IMPORT_SAME;
		return 0;
	}
	if (policy == TV_IMPORT_SKIP) {
		it->action = TV_IMPORT_SKIPPED;
		return 0;
	}
	if (policy != TV_IMPORT_REPLACE) {
		it->action = TV_IMPORT_CONFLICT;
		set_why(r, "exists with other content");
		return 0;
	}
	it->action = TV_IMPORT_REPLACED;
	return keep_old(it, old.v);
}

static bool writes(const struct item *it)
{
	return it->action == TV_IMPORT_NEW || it->action == TV_IMPORT_REPLACED;
}

/* Room for the writes, in each class (HwErrRec and the rest) and in the
 * store. A replaced variable that shrinks is not counted as freeing room:
 * the writes go one by one, so the order must never need more than there is. */
static int room_ok(struct tv_varsvc *svc, const struct item *items, size_t n)
{
	uint64_t grow[2] = {0, 0};
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];
		if (!writes(it))
			continue;
		uint64_t cost = tv_store_var_cost(it->name_size, it->v->data_size,
						  (it->v->attrs & AT) != 0);
		uint64_t was = it->action == TV_IMPORT_REPLACED
				       ? tv_store_var_cost(it->old.name_size, it->old.data_size,
							   it->old.has_ext)
				       : 0;
		if (cost > was)
			grow[(it->v->attrs & HR) != 0] += cost - was;
	}
	for (int hr = 0; hr < 2; hr++) {
		uint64_t room, used = tv_varsvc_class_used(svc, hr ? NV | HR : NV, &room);
		if (used + grow[hr] > room) {
			tv_err_set_detail("the import needs %llu bytes of %s room, the store has %llu "
					  "free",
					  (unsigned long long)grow[hr], hr ? "HwErrRec" : "variable",
					  (unsigned long long)(room > used ? room - used : 0));
			return -ENOSPC;
		}
	}
	/* the two classes share the store's capacity: both fit, the store fits */
	return 0;
}

/* The store must take writes. */
static int store_ok(struct tv_varsvc *svc)
{
	struct tv_store_stats st;
	tv_store_get_stats(svc->nv, &st);
	/* first: an expired device takes no write ever again, not even a recovery */
	if (st.expired) {
		tv_err_set_detail("the RPMB write counter has expired: the store is read-only");
		return -EROFS;
	}
	if (st.damaged) {
		tv_err_set_detail("the store is damaged: recover it before an import");
		return -EUCLEAN;
	}
	if (st.read_only) {
		tv_err_set_detail("the store cannot take writes now (a write's outcome is "
				  "still open)");
		return -EIO;
	}
	return 0;
}

static int errno_of(int rc)
{
	switch (rc) {
	case TV_ENOSPC: return -ENOSPC;
	case TV_ENOMEM: return -ENOMEM;
	case TV_EEXPIRED: return -EROFS;
	case TV_EDAMAGED:
	case TV_ECORRUPT: return -EUCLEAN;
	default: return -EIO;
	}
}

static int write_one(struct tv_varsvc *svc, const struct item *it, unsigned *count)
{
	if (fail_write_nth && ++*count == fail_write_nth) {
		fail_write_nth = 0;
		return TV_EIO;
	}
	const struct tv_xfer_var *v = it->v;
	struct tv_store_var nv = {.name = it->name, .name_size = (uint16_t)it->name_size,
				  .attrs = v->attrs, .data = v->data,
				  .data_size = (uint32_t)v->data_size,
				  .has_ext = (v->attrs & AT) != 0};
	memcpy(nv.guid, v->guid.b, 16);
	/* The time as the image has it. The signer: a variable that replaces a
	 * bound one keeps the binding (an import must not free it for any key);
	 * a new private variable has none yet and is bound by its first signed
	 * write (auth_var.c); keys need none. */
	if (nv.has_ext) {
		memcpy(nv.ext.timestamp, v->time, 16);
		if (it->action == TV_IMPORT_REPLACED && it->old.has_ext)
			memcpy(nv.ext.signer, it->old.ext.signer, sizeof(nv.ext.signer));
	}
	return tv_store_set(svc->nv, &nv);
}

/* Puts back what the written variables replaced, newest first. The number of
 * variables that could not be put back. */
static size_t roll_back(struct tv_varsvc *svc, struct item *items, size_t n)
{
	size_t failed = 0;
	for (int r = R_COUNT - 1; r >= 0; r--)
		for (size_t i = n; i-- > 0;) {
			struct item *it = &items[i];
			if (!it->written || it->rank != (enum rank)r)
				continue;
			int rc;
			if (it->action == TV_IMPORT_REPLACED)
				rc = tv_store_set(svc->nv, &it->old);
			else
				rc = tv_store_delete(svc->nv, it->v->guid.b, it->name,
						     it->name_size);
			if (rc == TV_OK || rc == TV_ENOENT)
				it->written = false;
			else
				failed++;
		}
	return failed;
}

static int write_all(struct tv_varsvc *svc, struct item *items, size_t n)
{
	unsigned count = 0;
	for (int r = 0; r < R_COUNT; r++)
		for (size_t i = 0; i < n; i++) {
			struct item *it = &items[i];
			if (it->rank != (enum rank)r || !writes(it))
				continue;
			int rc = write_one(svc, it, &count);
			/* a failed write may still have landed: undo it too */
			it->written = true;
			if (rc == TV_OK)
				continue;
			char name[64];
			size_t k = 0;
			for (size_t c = 0; c + 2 < it->name_size && k + 1 < sizeof(name); c += 2)
				name[k++] = it->name[c + 1] || it->name[c] < 0x20 || it->name[c] > 0x7e
						    ? '?' : (char)it->name[c];
			name[k] = '\0';
			size_t left = roll_back(svc, items, n);
			if (left)
				tv_err_set_detail("import: writing %s failed (%s); %zu of the variables "
						  "written before could not be put back",
						  name, tv_strerror(rc), left);
			else
				tv_err_set_detail("import: writing %s failed (%s); what was written "
						  "before was put back", name, tv_strerror(rc));
			return errno_of(rc);
		}
	return 0;
}

static void summarize(const struct item *items, size_t n, struct tv_import_summary *sum)
{
	for (size_t i = 0; i < n; i++) {
		switch (items[i].action) {
		case TV_IMPORT_NEW: sum->added++; break;
		case TV_IMPORT_REPLACED: sum->replaced++; break;
		case TV_IMPORT_SAME: sum->same++; break;
		case TV_IMPORT_SKIPPED: sum->skipped++; break;
		case TV_IMPORT_IGNORED: sum->ignored++; break;
		default: break;
		}
	}
}

/* Sorting by GUID and name, so that a name given twice is found in O(n log n)
 * (an image may hold tens of thousands of entries). */
static bool by_name_equal(const struct item *x, const struct item *y)
{
	return x->v->name_size == y->v->name_size &&
	       memcmp(&x->v->guid, &y->v->guid, sizeof(x->v->guid)) == 0 &&
	       (!x->v->name_size || memcmp(x->v->name, y->v->name, x->v->name_size) == 0);
}

static int by_name(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int c = memcmp(&x->v->guid, &y->v->guid, sizeof(x->v->guid));
	if (c)
		return c;
	if (x->v->name_size != y->v->name_size)
		return x->v->name_size < y->v->name_size ? -1 : 1;
	c = x->v->name_size ? memcmp(x->v->name, y->v->name, x->v->name_size) : 0;
	if (c)
		return c;
	return x < y ? -1 : x > y; /* stable: the earlier item first */
}

/* items[i].group: one number for each distinct GUID and name. */
static int group_names(struct item *items, size_t n)
{
	struct item **order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = &items[i];
	qsort(order, n, sizeof(*order), by_name);
	size_t g = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && by_name_equal(order[i - 1], order[i]))
			g--;
		order[i]->group = g++;
	}
	free(order);
	return 0;
}

/* Checks everything; fills results (may be NULL) and sum. */
static int plan(struct tv_varsvc *svc, struct item *items, const struct tv_xfer_var *v, size_t n,
		enum tv_import_conflict policy, unsigned flags, struct tv_import_result *results,
		struct tv_import_summary *sum, bool *pk_after)
{
	size_t bad = 0, conflicts = 0;
	*pk_after = tv_sb_key_var(svc, &tv_global_guid, "PK") != NULL;
	for (size_t i = 0; i < n; i++)
		items[i].v = &v[i];
	bool *group_named = calloc(n ? n : 1, sizeof(*group_named));
	if (!group_named || group_names(items, n) != 0) {
		free(group_named);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct tv_import_result scratch, *r = results ? &results[i] : &scratch;
		memset(r, 0, sizeof(*r));
		int rc = classify(svc, items, i, group_named, policy, flags, r);
		if (rc != 0) {
			free(group_named);
			return rc;
		}
		r->action = items[i].action;
		bad += items[i].action == TV_IMPORT_INVALID;
		conflicts += items[i].action == TV_IMPORT_CONFLICT;
		if (items[i].rank == R_PK && items[i].action != TV_IMPORT_INVALID &&
		    items[i].action != TV_IMPORT_IGNORED)
			*pk_after = true;
	}
	free(group_named);
	summarize(items, n, sum);
	if (bad || conflicts) {
		tv_err_set_detail("import refused: %zu invalid, %zu in conflict; nothing stored", bad,
				  conflicts);
		return -EINVAL;
	}
	return room_ok(svc, items, n);
}

int tv_varsvc_import(struct tv_varsvc *svc, const struct tv_xfer_var *v, size_t n,
		     enum tv_import_conflict policy, unsigned flags,
		     struct tv_import_result *results, struct tv_import_summary *sum)
{
	bool dry_run = (flags & TV_IMPORT_DRY_RUN) != 0;
	struct tv_import_summary scratch;
	if (!sum)
		sum = &scratch;
	memset(sum, 0, sizeof(*sum));
	if (!svc || (n && (!v || !results)) || (unsigned)policy > TV_IMPORT_SKIP ||
	    (flags & ~(TV_IMPORT_DRY_RUN | TV_IMPORT_UNBOUND_PRIVATE)))
		return -EINVAL;
	if (!svc->nv) {
		tv_err_set_detail("no store to import into");
		return -EIO;
	}
	if (svc->phase != TV_PHASE_BOOT) {
		tv_err_set_detail("an import is taken in the boot-services phase only (before "
				  "ready-to-boot)");
		return -EPERM;
	}
	/* Decide on what the media holds, as SetVariable does. */
	(void)tv_store_sync(svc->nv);
	tv_sb_refresh(svc);
	struct item *items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	bool pk_after = false;
	int rc = plan(svc, items, v, n, policy, flags, results, sum, &pk_after);
	if (rc == 0)
		rc = store_ok(svc);
	bool wrote = rc == 0 && !dry_run;
	if (wrote) {
		rc = write_all(svc, items, n);
		/* The mode from what is stored now, as a start derives it (and the
		 * global copies of the factory defaults): also after a rollback. */
		(void)tv_sb_init(svc);
	}
	enum tv_sb_mode mode = wrote ? svc->sb.mode : tv_sb_mode_with_pk(svc, pk_after);
	snprintf(sum->mode, sizeof(sum->mode), "%s", tv_sb_mode_name(mode));
	for (size_t i = 0; i < n; i++)
		free(items[i].old_buf);
	free(items);
	return rc;
}

/* ---- export ---- */

struct snap {
	struct tv_xfer_var x;
	uint8_t *buf; /* name, then data */
};

static void free_snaps(struct snap *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].buf);
	free(s);
}

int tv_varsvc_export(struct tv_varsvc *svc, tv_export_cb cb, void *arg)
{
	if (!svc || !cb)
		return -EINVAL;
	if (!svc->nv)
		return 0;
	(void)tv_store_sync(svc->nv);
	/* A copy first: the callback may do anything, and names are handed
	 * over aligned for efi_char16_t. */
	size_t n = 0, cap = 0;
	struct snap *s = NULL;
	for (const struct tv_store_var *sv = tv_store_first(svc->nv); sv;
	     sv = tv_store_next(svc->nv, sv)) {
		efi_guid_t g;
		memcpy(g.b, sv->guid, 16);
		if (tv_sb_classify(sv->name, sv->name_size, &g) == TV_SBV_PLATFORM)
			continue; /* the service's own records: derived */
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			struct snap *t = realloc(s, ncap * sizeof(*s));
			if (!t) {
				free_snaps(s, n);
				return -ENOMEM;
			}
			s = t;
			cap = ncap;
		}
		struct snap *e = &s[n];
		memset(e, 0, sizeof(*e));
		e->buf = malloc((size_t)sv->name_size + sv->data_size + 1);
		if (!e->buf) {
			free_snaps(s, n);
			return -ENOMEM;
		}
		n++;
		memcpy(e->buf, sv->name, sv->name_size);
		memcpy(e->buf + sv->name_size, sv->data, sv->data_size);
		e->x.guid = g;
		e->x.name = (const efi_char16_t *)(void *)e->buf;
		e->x.name_size = sv->name_size;
		e->x.attrs = sv->attrs;
		e->x.data = e->buf + sv->name_size;
		e->x.data_size = sv->data_size;
		e->x.has_time = (sv->attrs & AT) && sv->has_ext;
		if (e->x.has_time)
			memcpy(e->x.time, sv->ext.timestamp, 16);
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cb(arg, &s[i].x);
	free_snaps(s, n);
	return rc;
}

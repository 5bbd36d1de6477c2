/* SPDX-License-Identifier: BSD-2-Clause */
#include "secure_boot.h"

#include <stdlib.h>
#include <string.h>

#include "efi_siglist.h"
#include "sig_list.h"
#include "var_internal.h"

const efi_guid_t tv_global_guid = EFI_GLOBAL_VARIABLE_GUID;
const efi_guid_t tv_image_security_guid = EFI_IMAGE_SECURITY_DATABASE_GUID;
/* 171c99b8-4321-4775-aaca-d8ec51ffa051 */
const efi_guid_t tv_sb_platform_guid = {{0xb8, 0x99, 0x1c, 0x17, 0x21, 0x43, 0x75, 0x47, 0xaa,
					 0xca, 0xd8, 0xec, 0x51, 0xff, 0xa0, 0x51}};

/* The mode record's values (see secure_boot.h). */
enum { REC_NONE = 0, REC_AUDIT = 1, REC_DEPLOYED = 2, REC_AUDIT_PK_PENDING = 3 };
static const char mode_rec[] = "SecureBootMode";
static const char vendor_rec[] = "VendorKeys";

static const char *const default_names[] = {"PKDefault", "KEKDefault", "dbDefault", "dbxDefault",
					    "dbtDefault"};
#define NDEFAULTS (sizeof(default_names) / sizeof(default_names[0]))
static const char *const status_names[] = {"SetupMode", "SecureBoot", "SignatureSupport",
					   "VendorKeys"};
#define NSTATUS (sizeof(status_names) / sizeof(status_names[0]))
static const char *const mode_names[] = {"AuditMode", "DeployedMode"};

static bool guid_is(const efi_guid_t *a, const efi_guid_t *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

static bool name_in(const uint8_t *name, size_t size, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tv_name_is(name, size, list[i]))
			return true;
	return false;
}

enum tv_sb_var tv_sb_classify(const uint8_t *name, size_t size, const efi_guid_t *guid)
{
	if (guid_is(guid, &tv_global_guid)) {
		if (tv_name_is(name, size, "PK"))
			return TV_SBV_PK;
		if (tv_name_is(name, size, "KEK"))
			return TV_SBV_KEK;
		if (name_in(name, size, mode_names, 2))
			return TV_SBV_MODE;
		if (name_in(name, size, status_names, NSTATUS) ||
		    name_in(name, size, default_names, NDEFAULTS))
			return TV_SBV_STATUS;
		return TV_SBV_NONE;
	}
	if (guid_is(guid, &tv_image_security_guid)) {
		static const char *const dbs[] = {"db", "dbx", "dbt", "dbr"};
		return name_in(name, size, dbs, 4) ? TV_SBV_DB : TV_SBV_NONE;
	}
	if (guid_is(guid, &tv_sb_platform_guid))
		return name_in(name, size, default_names, NDEFAULTS) ? TV_SBV_DEFAULT
								      : TV_SBV_PLATFORM;
	return TV_SBV_NONE;
}

bool tv_sb_setup_mode(const struct tv_varsvc *svc)
{
	return svc->sb.mode == TV_SB_SETUP || svc->sb.mode == TV_SB_AUDIT;
}

const char *tv_sb_mode_name(enum tv_sb_mode mode)
{
	static const char *const names[] = {"setup", "user", "audit", "deployed"};
	return (unsigned)mode < 4 ? names[mode] : "unknown";
}

/* ---- the records in the store ---- */

static uint8_t read_byte(const struct tv_varsvc *svc, const char *name, uint8_t absent)
{
	const struct tv_store_var *v = tv_varsvc_lookup(svc, &tv_sb_platform_guid, name);
	return v && v->attrs == (NV | BS) && v->data_size == 1 ? v->data[0] : absent;
}

static efi_status_t write_mode_rec(struct tv_varsvc *svc, uint8_t value)
{
	if (value == REC_NONE)
		return tv_varsvc_del_trusted(svc, &tv_sb_platform_guid, mode_rec);
	return tv_varsvc_put_trusted(svc, &tv_sb_platform_guid, mode_rec, NV | BS, &value, 1);
}

const struct tv_store_var *tv_sb_key_var(const struct tv_varsvc *svc, const efi_guid_t *guid,
					 const char *name)
{
	const struct tv_store_var *v = tv_varsvc_lookup(svc, guid, name);
	/* only what the authenticated path stores is a key */
	return v && v->attrs == (NV | BS | RT | AT) && v->has_ext ? v : NULL;
}

static bool pk_present(const struct tv_varsvc *svc)
{
	return tv_sb_key_var(svc, &tv_global_guid, "PK") != NULL;
}

/* The mode a store shows (after tv_sb_init() finished any cut change). */
static enum tv_sb_mode mode_of(bool pk, uint8_t rec)
{
	if (pk)
		return rec == REC_DEPLOYED || rec == REC_AUDIT ? TV_SB_DEPLOYED : TV_SB_USER;
	return rec == REC_AUDIT || rec == REC_AUDIT_PK_PENDING ? TV_SB_AUDIT : TV_SB_SETUP;
}

enum tv_sb_mode tv_sb_mode_with_pk(const struct tv_varsvc *svc, bool pk)
{
	return mode_of(pk, read_byte(svc, mode_rec, REC_NONE));
}

bool tv_sb_is_record(const uint8_t *name, size_t size, const efi_guid_t *guid)
{
	return guid_is(guid, &tv_sb_platform_guid) &&
	       (tv_name_is(name, size, mode_rec) || tv_name_is(name, size, vendor_rec));
}

/* ---- the status variables ---- */

static void put_u8(struct tv_varsvc *svc, const char *name, uint8_t value)
{
	(void)tv_varsvc_put_trusted(svc, &tv_global_guid, name, BS | RT, &value, 1);
}

static void publish(struct tv_varsvc *svc)
{
	enum tv_sb_mode m = svc->sb.mode;
	put_u8(svc, "SetupMode", m == TV_SB_SETUP || m == TV_SB_AUDIT);
	put_u8(svc, "SecureBoot", svc->sb.secure_boot);
	put_u8(svc, "AuditMode", m == TV_SB_AUDIT);
	put_u8(svc, "DeployedMode", m == TV_SB_DEPLOYED);
	put_u8(svc, "VendorKeys", svc->sb.vendor_keys);
}

static void publish_signature_support(struct tv_varsvc *svc)
{
	/* EDK2 AuthVariableLib mSignatureSupport, in its order */
	const uint8_t *types[] = {tv_cert_sha1_guid, tv_cert_sha256_guid, tv_cert_sha384_guid,
				  tv_cert_sha512_guid, tv_cert_rsa2048_guid, tv_cert_x509_guid};
	uint8_t buf[sizeof(types) / sizeof(types[0]) * 16];
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		memcpy(buf + 16 * i, types[i], 16);
	(void)tv_varsvc_put_trusted(svc, &tv_global_guid, "SignatureSupport", BS | RT, buf,
				    sizeof(buf));
}

/* The global read-only copies follow the factory defaults in the store. */
static void mirror_defaults(struct tv_varsvc *svc)
{
	for (size_t i = 0; i < NDEFAULTS; i++) {
		const struct tv_store_var *v =
			tv_varsvc_lookup(svc, &tv_sb_platform_guid, default_names[i]);
		if (v) {
			/* a copy: the write may make the store reload, freeing v */
			uint8_t *copy = malloc(v->data_size ? v->data_size : 1);
			if (!copy)
				continue;
			size_t n = v->data_size;
			memcpy(copy, v->data, n);
			(void)tv_varsvc_put_trusted(svc, &tv_global_guid, default_names[i],
						    BS | RT, copy, n);
			free(copy);
		} else
			(void)tv_varsvc_del_trusted(svc, &tv_global_guid, default_names[i]);
	}
}

/* Non-volatile copies of names the service keeps volatile under the global GUID. */
static void drop_nv_copies(struct tv_varsvc *svc, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct tv_store_var *v = tv_varsvc_lookup(svc, &tv_global_guid, names[i]);
		if (v && (v->attrs & NV))
			(void)tv_varsvc_del_trusted(svc, &tv_global_guid, names[i]);
	}
}

/* What a store written before Secure Boot may hold: PK, KEK, db... as plain
 * variables anyone could write, and non-volatile copies of the status
 * variables. None of it may count: the key variables are dropped (a plain PK
 * would also block the enrolment of a real one), and so are the copies, which
 * would hide the service's own values. Best effort: a store that refuses
 * writes keeps them, and they still do not count as keys. */
static void drop_legacy(struct tv_varsvc *svc)
{
	static const struct {
		const efi_guid_t *guid;
		const char *name;
	} keys[] = {{&tv_global_guid, "PK"},         {&tv_global_guid, "KEK"},
		    {&tv_image_security_guid, "db"},  {&tv_image_security_guid, "dbx"},
		    {&tv_image_security_guid, "dbt"}, {&tv_image_security_guid, "dbr"}};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (tv_varsvc_lookup(svc, keys[i].guid, keys[i].name) &&
		    !tv_sb_key_var(svc, keys[i].guid, keys[i].name))
			(void)tv_varsvc_del_trusted(svc, keys[i].guid, keys[i].name);
	drop_nv_copies(svc, status_names, NSTATUS);
	drop_nv_copies(svc, mode_names, 2);
	drop_nv_copies(svc, default_names, NDEFAULTS);
}

efi_status_t tv_sb_init(struct tv_varsvc *svc)
{
	drop_legacy(svc);
	bool pk = pk_present(svc);
	uint8_t rec = read_byte(svc, mode_rec, REC_NONE);
	/* Finish or undo a change a cut left half done (see secure_boot.h). A
	 * failed write here leaves the record; the mode below is what the store
	 * shows either way. */
	if (pk && rec == REC_AUDIT_PK_PENDING && write_mode_rec(svc, REC_NONE) == EFI_SUCCESS)
		rec = REC_NONE; /* User -> Audit cut before PK went: undone */
	if (!pk && rec == REC_AUDIT_PK_PENDING && write_mode_rec(svc, REC_AUDIT) == EFI_SUCCESS)
		rec = REC_AUDIT; /* PK went: Audit */
	if (pk && rec == REC_AUDIT && write_mode_rec(svc, REC_DEPLOYED) == EFI_SUCCESS)
		rec = REC_DEPLOYED; /* PK enrolled in Audit mode: Deployed */
	if (!pk && rec == REC_DEPLOYED && write_mode_rec(svc, REC_NONE) == EFI_SUCCESS)
		rec = REC_NONE; /* PK deleted in Deployed mode: Setup */
	svc->sb.mode = mode_of(pk, rec);
	/* EDK2: SecureBoot = PK present (and SecureBootEnable, which teevar does not have) */
	svc->sb.secure_boot = pk;
	svc->sb.vendor_keys = read_byte(svc, vendor_rec, 1) != 0;
	publish(svc);
	publish_signature_support(svc);
	mirror_defaults(svc);
	return EFI_SUCCESS;
}

static void set_mode(struct tv_varsvc *svc, enum tv_sb_mode mode)
{
	svc->sb.mode = mode;
	/* EDK2 UpdatePlatformMode: SecureBoot follows at once only before
	 * ExitBootServices; at runtime it keeps the value the boot started with. */
	if (svc->phase != TV_PHASE_RUNTIME)
		svc->sb.secure_boot = mode == TV_SB_USER || mode == TV_SB_DEPLOYED;
	publish(svc);
}

/* How much a mode restricts key writes: Setup and Audit take unsigned keys,
 * User and Deployed do not, and Deployed also keeps AuditMode out. */
static int strictness(enum tv_sb_mode m)
{
	return m == TV_SB_DEPLOYED ? 2 : m == TV_SB_USER ? 1 : 0;
}

void tv_sb_refresh(struct tv_varsvc *svc)
{
	enum tv_sb_mode m = mode_of(pk_present(svc), read_byte(svc, mode_rec, REC_NONE));
	bool vendor = read_byte(svc, vendor_rec, 1) != 0;
	/* In the boot-services phase the store's word is taken as it is. After
	 * it, only toward the stricter: a change the route held back must not
	 * open unsigned key writes to the OS (a failed AuditMode request whose PK
	 * delete lands late); a looser mode waits for the next start. */
	if (svc->phase != TV_PHASE_BOOT) {
		if (strictness(m) < strictness(svc->sb.mode))
			m = svc->sb.mode;
		vendor = vendor && svc->sb.vendor_keys;
	}
	if (m == svc->sb.mode && vendor == svc->sb.vendor_keys)
		return;
	svc->sb.vendor_keys = vendor;
	set_mode(svc, m);
}

void tv_sb_pk_changed(struct tv_varsvc *svc, bool deleted)
{
	enum tv_sb_mode m = svc->sb.mode, next = m;
	if (!deleted && m == TV_SB_SETUP)
		next = TV_SB_USER;
	else if (!deleted && m == TV_SB_AUDIT)
		next = TV_SB_DEPLOYED;
	else if (deleted && (m == TV_SB_USER || m == TV_SB_DEPLOYED))
		next = TV_SB_SETUP;
	if (next == m)
		return;
	/* PK is already in or out: the record says the rest. A record another
	 * change left behind (a cut, a write the route dropped) is replaced, so
	 * the store shows the new mode. If this write fails, the start settles
	 * the pair: PK with the Audit record is Deployed, no PK with the
	 * Deployed record is Setup. */
	uint8_t want = next == TV_SB_DEPLOYED ? REC_DEPLOYED : REC_NONE;
	if (read_byte(svc, mode_rec, REC_NONE) != want)
		(void)write_mode_rec(svc, want);
	set_mode(svc, next);
}

efi_status_t tv_sb_keys_modified(struct tv_varsvc *svc)
{
	if (!svc->sb.vendor_keys)
		return EFI_SUCCESS;
	uint8_t zero = 0;
	efi_status_t s =
		tv_varsvc_put_trusted(svc, &tv_sb_platform_guid, vendor_rec, NV | BS, &zero, 1);
	if (s != EFI_SUCCESS)
		return s;
	svc->sb.vendor_keys = false;
	publish(svc);
	return EFI_SUCCESS;
}

/* ---- AuditMode and DeployedMode ---- */

/* UEFI 2.10 32.3: AuditMode is writable in Setup and User mode, DeployedMode in
 * User mode; both only before ExitBootServices. teevar takes AuditMode only in
 * the boot-services phase: from User mode it clears PK without a signature, and
 * after ready-to-boot the caller is no longer the platform (the phase is the
 * whole secure core's, not one caller's). Leaving Deployed mode is the
 * platform's business: teevar takes DeployedMode = 0 in the boot-services phase
 * (the firmware stage) as that method. */
static bool mode_var_writable(const struct tv_varsvc *svc, bool audit)
{
	enum tv_sb_mode m = svc->sb.mode;
	if (audit)
		return (m == TV_SB_SETUP || m == TV_SB_USER) && svc->phase == TV_PHASE_BOOT;
	if (m == TV_SB_USER)
		return true;
	return m == TV_SB_DEPLOYED && svc->phase == TV_PHASE_BOOT;
}

efi_status_t tv_sb_mode_write(struct tv_varsvc *svc, const uint8_t *name, size_t size,
			      uint32_t attrs, const uint8_t *data, uint64_t data_size)
{
	bool audit = tv_name_is(name, size, "AuditMode");
	/* The order of EDK2's historic ProcessSecureBootModeVar (edk2 4fc08e8d68). */
	if (svc->phase == TV_PHASE_RUNTIME)
		return EFI_WRITE_PROTECTED;
	if (attrs == 0 || data_size != 1)
		return EFI_INVALID_PARAMETER; /* no delete */
	if ((attrs & ~AP) != (BS | RT))
		return EFI_INVALID_PARAMETER;
	uint8_t value = data[0];
	if (!mode_var_writable(svc, audit))
		return EFI_WRITE_PROTECTED;
	if (value > 1)
		return EFI_INVALID_PARAMETER;
	enum tv_sb_mode m = svc->sb.mode;
	bool now = audit ? m == TV_SB_AUDIT : m == TV_SB_DEPLOYED;
	if (value == now)
		return EFI_SUCCESS;
	efi_status_t s;
	if (audit && m == TV_SB_USER) {
		/* User -> Audit clears PK (without a signature, as the specification
		 * and EDK2's historic code do): the intent first. A start that finds
		 * it with PK still there undoes it (User); without PK, Audit. */
		s = write_mode_rec(svc, REC_AUDIT_PK_PENDING);
		if (s == EFI_SUCCESS)
			s = tv_varsvc_del_trusted(svc, &tv_global_guid, "PK");
		if (s != EFI_SUCCESS && svc->nv)
			(void)tv_store_sync(svc->nv); /* did the delete land after all? */
		if (s != EFI_SUCCESS && pk_present(svc)) {
			(void)write_mode_rec(svc, REC_NONE); /* undo: User */
			return s;
		}
		/* PK is gone: Audit, even if the next record write fails (the
		 * start reads the intent without PK as Audit) */
		(void)write_mode_rec(svc, REC_AUDIT);
		set_mode(svc, TV_SB_AUDIT);
		return EFI_SUCCESS;
	}
	/* One record write: the mode changes only once it is stored. */
	s = write_mode_rec(svc, audit ? REC_AUDIT : value ? REC_DEPLOYED : REC_NONE);
	if (s != EFI_SUCCESS)
		return s;
	set_mode(svc, audit ? TV_SB_AUDIT : value ? TV_SB_DEPLOYED : TV_SB_USER);
	return EFI_SUCCESS;
}

/* ---- the factory defaults ---- */

efi_status_t tv_sb_default_write(struct tv_varsvc *svc, const uint8_t *name, size_t size,
				 uint32_t attrs, const uint8_t *data, uint64_t data_size)
{
	if (svc->phase != TV_PHASE_BOOT)
		return EFI_WRITE_PROTECTED;
	bool del = (attrs & ~AP) == 0 || (data_size == 0 && !(attrs & AP));
	if (!del && (attrs & ~AP) != (NV | BS))
		return EFI_INVALID_PARAMETER;
	bool pk = tv_name_is(name, size, "PKDefault");
	if (pk && (attrs & AP) && data_size)
		return EFI_INVALID_PARAMETER; /* PKDefault holds one entry: no APPEND */
	if (!del && tv_esl_check_format(data, (size_t)data_size, pk) != EFI_SUCCESS)
		return EFI_INVALID_PARAMETER;
	struct tv_update u = {.name = name, .name_size = size, .guid = &tv_sb_platform_guid,
			      .attrs = attrs, .data = data, .data_size = data_size};
	efi_status_t s = tv_varsvc_update(svc, &u, NULL);
	if (s == EFI_SUCCESS)
		mirror_defaults(svc);
	return s;
}

bool tv_sb_property(const struct tv_varsvc *svc, const uint8_t *name, size_t size,
		    const efi_guid_t *guid, var_check_property_t *prop)
{
	enum tv_sb_var c = tv_sb_classify(name, size, guid);
	if (c != TV_SBV_MODE && c != TV_SBV_DEFAULT && c != TV_SBV_PLATFORM)
		return false;
	memset(prop, 0, sizeof(*prop));
	prop->revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION;
	prop->max_size = UINT64_MAX;
	bool ro;
	if (c == TV_SBV_MODE) {
		prop->attributes = BS | RT;
		prop->min_size = prop->max_size = 1;
		bool audit = tv_name_is(name, size, "AuditMode");
		ro = svc->phase == TV_PHASE_RUNTIME || !mode_var_writable(svc, audit);
	} else {
		prop->attributes = NV | BS;
		ro = c == TV_SBV_PLATFORM || svc->phase != TV_PHASE_BOOT;
	}
	if (ro)
		prop->property |= VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY;
	return true;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Secure Boot's platform modes (UEFI 2.10 section 32.3) and the variables that
 * show them. EDK2 has Setup and User mode; teevar also has Audit and Deployed
 * mode as UEFI defines them (EDK2 dropped them in 2016; U-Boot has them).
 *
 *   mode      SetupMode SecureBoot AuditMode DeployedMode   PK
 *   Setup         1         0          0          0        absent
 *   User          0         1          0          0        present
 *   Audit         1         0          1          0        absent
 *   Deployed      0         1          0          1        present
 *
 * The status variables (global GUID, BS|RT, volatile, written by the service
 * alone): SetupMode, SecureBoot, AuditMode, DeployedMode, VendorKeys,
 * SignatureSupport, and the read-only copies PKDefault, KEKDefault, dbDefault,
 * dbxDefault, dbtDefault of the factory defaults.
 *
 * What must survive a restart lives in the store under teevar's platform GUID
 * 171c99b8-4321-4775-aaca-d8ec51ffa051, NV|BS (hidden at runtime):
 *   SecureBootMode  1 byte: 0 Setup/User (PK decides), 1 Audit, 2 Deployed,
 *                   3 "entering Audit from User": with PK still there a start
 *                   undoes it (User), without PK it is Audit
 *   VendorKeys      1 byte, 0 once a key changed without the platform (absent: 1)
 *   PKDefault ... dbtDefault  the factory defaults (EFI_SIGNATURE_LISTs),
 *                   written in the boot-services phase only
 * A mode change that takes two store writes is settled by tv_sb_init() after
 * a cut (finished, or for User -> Audit with PK still there undone), so a
 * restart shows the old or the new mode, never a mix. Before every SetVariable
 * tv_sb_refresh() derives the mode from the store again: as it is in the
 * boot-services phase, only toward the stricter mode after it.
 */
#ifndef TV_SECURE_BOOT_H
#define TV_SECURE_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>

struct tv_varsvc;

enum tv_sb_mode {
	TV_SB_SETUP = 0,
	TV_SB_USER = 1,
	TV_SB_AUDIT = 2,
	TV_SB_DEPLOYED = 3,
};

struct tv_sb {
	enum tv_sb_mode mode;
	bool secure_boot;  /* the SecureBoot variable: changes at once only before ExitBootServices */
	bool vendor_keys;
};

extern const efi_guid_t tv_global_guid;
extern const efi_guid_t tv_image_security_guid;
extern const efi_guid_t tv_sb_platform_guid;

/* What a (name, GUID) is to Secure Boot. */
enum tv_sb_var {
	TV_SBV_NONE,      /* any other variable */
	TV_SBV_PK,        /* global PK */
	TV_SBV_KEK,       /* global KEK */
	TV_SBV_DB,        /* image-security db, dbx, dbt, dbr */
	TV_SBV_MODE,      /* global AuditMode, DeployedMode */
	TV_SBV_STATUS,    /* global SetupMode, SecureBoot, SignatureSupport, VendorKeys, *Default */
	TV_SBV_DEFAULT,   /* platform GUID PKDefault ... dbtDefault */
	TV_SBV_PLATFORM,  /* any other name under the platform GUID */
};
enum tv_sb_var tv_sb_classify(const uint8_t *name, size_t size, const efi_guid_t *guid);

/* SetupMode is 1 (Setup or Audit mode): key writes need no signature. */
bool tv_sb_setup_mode(const struct tv_varsvc *svc);

/* At service start: finishes a cut mode change, derives the mode from PK and
 * the mode record, publishes the status variables and the defaults' copies. */
efi_status_t tv_sb_init(struct tv_varsvc *svc);
/* After a PK write went to the store: enrolled (Setup -> User, Audit ->
 * Deployed) or deleted (User or Deployed -> Setup). */
void tv_sb_pk_changed(struct tv_varsvc *svc, bool deleted);
/* A key variable is about to change by an unsigned write after the
 * boot-services phase: VendorKeys becomes 0 for good, stored before the key
 * (a failure here refuses the key write; a key write that fails after it
 * leaves VendorKeys 0, the safe side). */
efi_status_t tv_sb_keys_modified(struct tv_varsvc *svc);
/* The mode again from what the store holds (a write the route had withheld may
 * have landed since): in the boot-services phase as the store says; after it
 * only toward the stricter mode (Setup/Audit -> User -> Deployed, VendorKeys
 * 1 -> 0), a looser one waiting for the next start. */
void tv_sb_refresh(struct tv_varsvc *svc);
/* A key variable (PK, KEK, db...) as the authenticated path stores it:
 * NV|BS|RT|AT with its extension; NULL for anything else of that name. */
const struct tv_store_var *tv_sb_key_var(const struct tv_varsvc *svc, const efi_guid_t *guid,
					 const char *name);
/* SetVariable of AuditMode or DeployedMode (global GUID). */
efi_status_t tv_sb_mode_write(struct tv_varsvc *svc, const uint8_t *name, size_t size,
			      uint32_t attrs, const uint8_t *data, uint64_t data_size);
/* SetVariable of a factory default under the platform GUID (not authenticated). */
efi_status_t tv_sb_default_write(struct tv_varsvc *svc, const uint8_t *name, size_t size,
				 uint32_t attrs, const uint8_t *data, uint64_t data_size);
/* The property PROPERTY_GET reports for Secure Boot's own variables (false:
 * not one of them). */
bool tv_sb_property(const struct tv_varsvc *svc, const uint8_t *name, size_t size,
		    const efi_guid_t *guid, var_check_property_t *prop);

const char *tv_sb_mode_name(enum tv_sb_mode mode);

/* The mode tv_sb_init() derives from this store once PK is present (pk) or
 * not, with the mode record as it is now: what an import will end in. */
enum tv_sb_mode tv_sb_mode_with_pk(const struct tv_varsvc *svc, bool pk);
/* One of the records the service derives and keeps under the platform GUID
 * (SecureBootMode, VendorKeys): never imported or exported. */
bool tv_sb_is_record(const uint8_t *name, size_t size, const efi_guid_t *guid);

#endif

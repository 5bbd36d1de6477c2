/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Secure Boot state as the UEFI interface shows it: the status variables
 * (SetupMode, SecureBoot, AuditMode, DeployedMode, VendorKeys,
 * SignatureSupport), the key variables (PK, KEK, db, dbx, dbt) and which
 * factory defaults exist; the mode derived from them (for teevar secureboot
 * and teevar info). Only GetVariable: it works over every transport.
 */
#include <stdlib.h>
#include <string.h>

#include <teevar/util.h>

#include "cli.h"

const efi_guid_t sb_global_guid = EFI_GLOBAL_VARIABLE_GUID;
const efi_guid_t sb_image_security_guid = EFI_IMAGE_SECURITY_DATABASE_GUID;
/* 171c99b8-4321-4775-aaca-d8ec51ffa051: the service's own copy of the factory defaults */
const efi_guid_t sb_teevar_guid = {{0xb8, 0x99, 0x1c, 0x17, 0x21, 0x43, 0x75, 0x47, 0xaa, 0xca,
				    0xd8, 0xec, 0x51, 0xff, 0xa0, 0x51}};

const char *const sb_status_names[SB_N_STATUS] = {
	"SetupMode", "SecureBoot", "AuditMode", "DeployedMode", "VendorKeys",
};
const char *const sb_key_names[SB_N_KEYS] = {"PK", "KEK", "db", "dbx", "dbt"};
const char *const sb_default_names[SB_N_KEYS] = {
	"PKDefault", "KEKDefault", "dbDefault", "dbxDefault", "dbtDefault",
};

#define SB_NAME_MAX 32u

const efi_guid_t *sb_key_guid(int key)
{
	return key == SB_PK || key == SB_KEK ? &sb_global_guid : &sb_image_security_guid;
}

static void ascii_ucs2(const char *a, efi_char16_t out[SB_NAME_MAX])
{
	size_t i = 0;
	for (; a[i] && i < SB_NAME_MAX - 1; i++)
		out[i] = (efi_char16_t)(unsigned char)a[i];
	out[i] = 0;
}

/* "Name-GUID" of the variable that failed, for the caller's message. */
static char failed_label[SB_NAME_MAX + 40];

static efi_status_t read_var(struct tv_client *c, const char *name, const efi_guid_t *guid,
			     struct sb_var *v, const char **failed)
{
	efi_char16_t n[SB_NAME_MAX];
	ascii_ucs2(name, n);
	efi_status_t st = fetch_variable(c, n, guid, &v->attrs, &v->data);
	v->present = st == EFI_SUCCESS;
	if (st == EFI_SUCCESS || st == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	char g[37];
	tv_guid_format(guid, g);
	snprintf(failed_label, sizeof(failed_label), "%s-%s", name, g);
	*failed = failed_label;
	return st;
}

/* A default exists as the global BS|RT mirror, or (before the service
 * mirrors it, or in the boot-services phase) under the teevar GUID. */
static efi_status_t read_default(struct tv_client *c, int key, bool *present,
				 const char **failed)
{
	struct sb_var v;
	memset(&v, 0, sizeof(v));
	efi_status_t st = read_var(c, sb_default_names[key], &sb_global_guid, &v, failed);
	if (st == EFI_SUCCESS && !v.present)
		st = read_var(c, sb_default_names[key], &sb_teevar_guid, &v, failed);
	*present = v.present;
	bytes_free(&v.data);
	return st;
}

int sb_status_value(const struct sb_state *st, int which)
{
	const struct sb_var *v = &st->status[which];
	return v->present && v->data.n == 1 ? v->data.p[0] : -1;
}

/* From SetupMode, AuditMode and DeployedMode (absent counts as 0 for the two
 * that EDK2 does not have); SecureBoot only changes at the next boot in EDK2. */
static enum sb_mode derive_mode(const struct sb_state *st)
{
	int setup = sb_status_value(st, SB_SETUP_MODE);
	int audit = sb_status_value(st, SB_AUDIT_MODE);
	int deployed = sb_status_value(st, SB_DEPLOYED_MODE);
	if (setup != 0 && setup != 1)
		return SB_MODE_UNKNOWN;
	if (setup == 1)
		return audit == 1 ? SB_MODE_AUDIT : SB_MODE_SETUP;
	return deployed == 1 ? SB_MODE_DEPLOYED : SB_MODE_USER;
}

efi_status_t sb_state_read(struct tv_client *c, struct sb_state *st, const char **failed)
{
	memset(st, 0, sizeof(*st));
	efi_status_t rc = EFI_SUCCESS;
	for (int i = 0; i < SB_N_STATUS && rc == EFI_SUCCESS; i++)
		rc = read_var(c, sb_status_names[i], &sb_global_guid, &st->status[i], failed);
	if (rc == EFI_SUCCESS)
		rc = read_var(c, "SignatureSupport", &sb_global_guid, &st->signature_support, failed);
	for (int i = 0; i < SB_N_KEYS && rc == EFI_SUCCESS; i++)
		rc = read_var(c, sb_key_names[i], sb_key_guid(i), &st->keys[i], failed);
	for (int i = 0; i < SB_N_KEYS && rc == EFI_SUCCESS; i++)
		rc = read_default(c, i, &st->default_present[i], failed);
	st->mode = rc == EFI_SUCCESS ? derive_mode(st) : SB_MODE_UNKNOWN;
	return rc;
}

void sb_state_free(struct sb_state *st)
{
	for (int i = 0; i < SB_N_STATUS; i++)
		bytes_free(&st->status[i].data);
	bytes_free(&st->signature_support.data);
	for (int i = 0; i < SB_N_KEYS; i++)
		bytes_free(&st->keys[i].data);
}

const char *sb_mode_name(enum sb_mode m)
{
	switch (m) {
	case SB_MODE_SETUP: return "setup";
	case SB_MODE_USER: return "user";
	case SB_MODE_AUDIT: return "audit";
	case SB_MODE_DEPLOYED: return "deployed";
	default: return "unknown";
	}
}

static void append(char *buf, size_t size, const char *text)
{
	size_t used = strlen(buf);
	snprintf(buf + used, size - used, "%s%s", used ? "; " : "", text);
}

const char *sb_mode_note(const struct sb_state *st, char *buf, size_t size)
{
	buf[0] = '\0';
	const struct sb_var *setup = &st->status[SB_SETUP_MODE];
	if (st->mode == SB_MODE_UNKNOWN) {
		append(buf, size, setup->present ? "SetupMode is not one byte of 0 or 1"
						 : "the service has no SetupMode variable: no Secure "
						   "Boot support");
		return buf;
	}
	bool setup_like = st->mode == SB_MODE_SETUP || st->mode == SB_MODE_AUDIT;
	bool pk = st->keys[SB_PK].present;
	if (setup_like && pk)
		append(buf, size, "PK is present although SetupMode is 1");
	if (!setup_like && !pk)
		append(buf, size, "PK is absent although SetupMode is 0");
	int sb = sb_status_value(st, SB_SECURE_BOOT);
	if (sb < 0)
		append(buf, size, "SecureBoot is absent or not one byte");
	else if (sb != (setup_like ? 0 : 1))
		append(buf, size, sb ? "SecureBoot is still 1: it follows the mode at the next boot"
				     : "SecureBoot is still 0: it follows the mode at the next boot");
	return buf[0] ? buf : NULL;
}

void sb_info_human(const struct sb_state *st)
{
	char note[256];
	const char *n = sb_mode_note(st, note, sizeof(note));
	printf("\nsecure boot: %s%s%s%s\n", sb_mode_name(st->mode), n ? " (" : "", n ? n : "",
	       n ? ")" : "");
}

void sb_var_json(const struct sb_var *v)
{
	if (!v->present)
		fputs("null", stdout);
	else if (v->data.n == 1)
		printf("%u", v->data.p[0]);
	else
		json_hex(stdout, v->data.p, v->data.n);
}

void sb_info_json(const struct sb_state *st)
{
	static const char *const keys[SB_N_STATUS] = {
		"setup_mode", "secure_boot", "audit_mode", "deployed_mode", "vendor_keys",
	};
	char note[256];
	const char *n = sb_mode_note(st, note, sizeof(note));
	printf(",\n\"secure_boot\": {\"mode\": \"%s\"", sb_mode_name(st->mode));
	for (int i = 0; i < SB_N_STATUS; i++) {
		printf(", \"%s\": ", keys[i]);
		sb_var_json(&st->status[i]);
	}
	printf(", \"pk_present\": %s, \"note\": ", st->keys[SB_PK].present ? "true" : "false");
	if (n)
		json_string(stdout, n);
	else
		fputs("null", stdout);
	fputc('}', stdout);
}

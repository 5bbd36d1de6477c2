/* SPDX-License-Identifier: BSD-2-Clause */
#include "auth_var.h"

#include <stdlib.h>
#include <string.h>

#include "auth_pkcs7.h"
#include "kek_trust.h"
#include "secure_boot.h"
#include "sig_list.h"
#include "var_internal.h"

/* Who must have signed (EDK2 AUTHVAR_TYPE). */
enum signer_class {
	SIGNER_PK,    /* the PK certificate itself */
	SIGNER_KEK,   /* any X.509 certificate in KEK, as a chain anchor */
	SIGNER_PRIV,  /* the signer bound when the variable was created */
};

static struct tv_update update_of(const struct tv_set_req *r)
{
	struct tv_update u = {.name = r->name, .name_size = r->name_size, .guid = r->guid,
			      .attrs = r->attrs, .data = r->payload, .data_size = r->payload_size};
	if (r->attrs & AT)
		u.timestamp = r->desc.timestamp;
	return u;
}

/* A private variable without a signer binding: all-zero (a signer id is a
 * SHA-256 digest), as an import stores it. */
static bool unbound(const struct tv_store_var *v)
{
	static const uint8_t zero[32];
	return v->has_ext && memcmp(v->ext.signer, zero, 32) == 0;
}

/* Does the signer of p7 sign `bytes` as the class asks? */
static bool signer_ok(struct tv_varsvc *svc, enum signer_class cls, struct tv_p7 *p7,
		      const uint8_t *bytes, size_t size, const struct tv_found *old,
		      const uint8_t id[32], efi_status_t *status)
{
	const uint8_t *signer;
	size_t signer_size;
	*status = EFI_SECURITY_VIOLATION;
	if (cls == SIGNER_KEK) {
		const struct tv_store_var *kek = tv_sb_key_var(svc, &tv_global_guid, "KEK");
		if (!kek) {
			*status = EFI_NOT_FOUND; /* EDK2 returns the KEK lookup's status */
			return false;
		}
		return tv_esl_verify_any_x509(kek->data, kek->data_size, p7, bytes, size);
	}
	if (!tv_p7_signer_der(p7, &signer, &signer_size))
		return false;
	if (cls == SIGNER_PK) {
		/* The first signer must be byte for byte the first entry of PK. */
		const struct tv_store_var *pk = tv_sb_key_var(svc, &tv_global_guid, "PK");
		const uint8_t *cert;
		size_t cert_size;
		if (!pk || !tv_esl_first_data(pk->data, pk->data_size, &cert, &cert_size) ||
		    cert_size != signer_size || memcmp(cert, signer, signer_size) != 0)
			return false;
		return tv_p7_verify(p7, cert, cert_size, bytes, size);
	}
	/* Private: an existing variable keeps the signer it was created by; one
	 * that has none yet (imported: var_import.c) takes this one. */
	if (old->v && (!old->v->has_ext ||
		       (!unbound(old->v) && memcmp(old->v->ext.signer, id, 32) != 0)))
		return false;
	return tv_p7_verify(p7, signer, signer_size, bytes, size);
}

/* A signed write once its descriptor passed the checks every signer class
 * shares: the parsed SignedData and the bytes it must sign. Nothing that
 * depends on the store is kept: an attempt that fails in the store step may
 * have made the store reload (db's KEK attempt then looks again). */
struct signed_req {
	struct tv_p7 *p7;
	uint8_t *bytes;
	size_t size;
};

/* Without APPEND the timestamp must be later than the stored one. */
static bool replayed(const struct tv_varsvc *svc, const struct tv_set_req *r)
{
	struct tv_found old = tv_varsvc_find(svc, r->name, r->name_size, r->guid);
	return old.v && !(r->attrs & AP) && old.v->has_ext &&
	       tv_efi_time_not_later(r->desc.timestamp, old.v->ext.timestamp);
}

static void release(struct signed_req *sr)
{
	free(sr->bytes);
	tv_p7_free(sr->p7);
}

/* EDK2 VerifyTimeBasedPayload up to the signature: pads, timestamp, the
 * certificate type, the PKCS#7 parse (digest algorithm), the signed bytes. */
static efi_status_t prepare(struct tv_varsvc *svc, const struct tv_set_req *r,
			    struct signed_req *sr)
{
	const struct tv_auth2 *d = &r->desc;
	memset(sr, 0, sizeof(*sr));
	if (!tv_efi_time_pads_zero(d->timestamp) || replayed(svc, r))
		return EFI_SECURITY_VIOLATION;
	if (d->cert_type != TV_WIN_CERT_TYPE_EFI_GUID ||
	    memcmp(d->cert_guid, tv_cert_type_pkcs7_guid, 16) != 0)
		return EFI_SECURITY_VIOLATION;
	efi_status_t s = tv_p7_parse(d->cert, d->cert_size, &sr->p7);
	if (s != EFI_SUCCESS)
		return s;
	sr->bytes = tv_auth2_signed_bytes(r->name, r->name_size, r->guid, r->attrs, d, &sr->size);
	if (!sr->bytes) {
		release(sr);
		return EFI_OUT_OF_RESOURCES;
	}
	return EFI_SUCCESS;
}

/* The rest of EDK2 VerifyTimeBasedPayloadAndUpdate: the signer, the payload's
 * format for key variables (only once the signature passed), the store step. */
static efi_status_t judge_and_update(struct tv_varsvc *svc, const struct tv_set_req *r,
				     struct signed_req *sr, enum signer_class cls, bool list_var,
				     bool *deleted)
{
	uint8_t id[32] = {0};
	efi_status_t s;
	/* Again, on what the media holds now: an earlier attempt's write may have
	 * left its outcome open, and a withheld newer value may have landed. The
	 * store step then writes without another counter read, so nothing can
	 * land between this check and the write without failing it. */
	if (svc->nv)
		(void)tv_store_sync(svc->nv);
	if (replayed(svc, r))
		return EFI_SECURITY_VIOLATION;
	struct tv_found old = tv_varsvc_find(svc, r->name, r->name_size, r->guid);
	if (cls == SIGNER_PRIV && !tv_p7_signer_id(sr->p7, id))
		return EFI_SECURITY_VIOLATION;
	if (!signer_ok(svc, cls, sr->p7, sr->bytes, sr->size, &old, id, &s))
		return s;
	bool pk = tv_sb_classify(r->name, r->name_size, r->guid) == TV_SBV_PK;
	if (list_var && tv_esl_check_format(r->payload, (size_t)r->payload_size, pk) != EFI_SUCCESS)
		return EFI_INVALID_PARAMETER;
	struct tv_update u = update_of(r);
	u.signer = cls == SIGNER_PRIV && (!old.v || unbound(old.v)) ? id : NULL;
	u.filter = list_var && !pk;
	return tv_varsvc_update(svc, &u, deleted);
}

/* EDK2 VerifyTimeBasedPayloadAndUpdate for one signer class. */
static efi_status_t verify_and_update(struct tv_varsvc *svc, const struct tv_set_req *r,
				      enum signer_class cls, bool list_var, bool *deleted)
{
	struct signed_req sr;
	efi_status_t s = prepare(svc, r, &sr);
	if (s != EFI_SUCCESS)
		return s;
	s = judge_and_update(svc, r, &sr, cls, list_var, deleted);
	release(&sr);
	return s;
}

/* Setup (or Audit) mode: a key variable is taken without a signature, but its
 * data must still be a descriptor (checked by the front end) and a well-formed
 * signature list (EDK2 ProcessVarWithPk / ProcessVarWithKek). */
static efi_status_t unsigned_update(struct tv_varsvc *svc, const struct tv_set_req *r, bool is_pk,
				    bool *deleted)
{
	efi_status_t s = tv_esl_check_format(r->payload, (size_t)r->payload_size, is_pk);
	if (s != EFI_SUCCESS)
		return s;
	/* teevar: a key changed without a signature after the firmware stage is
	 * not the vendor's (EDK2 clears VendorKeys only in custom mode). */
	if (svc->phase != TV_PHASE_BOOT && (s = tv_sb_keys_modified(svc)) != EFI_SUCCESS)
		return s;
	struct tv_update u = update_of(r);
	u.filter = !is_pk;
	return tv_varsvc_update(svc, &u, deleted);
}

/* EDK2 asks NV and 0x20 of a key variable here and leaves the rest to
 * VarCheckUefiLib, which is not in force in the boot-services phase. teevar
 * asks exactly NV|BS|RT|0x20 in every phase: whatever is stored as a key then
 * counts as one (tv_sb_key_var). */
static bool key_attrs_ok(uint32_t attrs)
{
	return (attrs & ~AP) == (NV | BS | RT | AT);
}

/* EDK2 ProcessVarWithPk: PK and KEK, and db/dbx/dbt's first attempt. */
static efi_status_t process_with_pk(struct tv_varsvc *svc, const struct tv_set_req *r, bool is_pk)
{
	if (!key_attrs_ok(r->attrs))
		return EFI_INVALID_PARAMETER;
	bool deleted = false;
	efi_status_t s;
	if (tv_sb_setup_mode(svc)) {
		s = unsigned_update(svc, r, is_pk, &deleted);
		/* EDK2 takes an empty payload as a delete here, APPEND or not */
		deleted = deleted || r->payload_size == 0;
	} else {
		s = verify_and_update(svc, r, SIGNER_PK, true, &deleted);
	}
	if (s == EFI_SUCCESS && is_pk)
		tv_sb_pk_changed(svc, deleted);
	return s;
}

/* db, dbx, dbt (and dbr): EDK2 tries ProcessVarWithPk, and on any failure
 * ProcessVarWithKek, whose status is the answer. Both attempts share every
 * check before the signer, so the SignedData is parsed once for both. */
static efi_status_t process_db(struct tv_varsvc *svc, const struct tv_set_req *r)
{
	if (!key_attrs_ok(r->attrs))
		return EFI_INVALID_PARAMETER;
	if (tv_sb_setup_mode(svc))
		return unsigned_update(svc, r, false, NULL);
	struct signed_req sr;
	efi_status_t s = prepare(svc, r, &sr);
	if (s != EFI_SUCCESS)
		return s;
	s = judge_and_update(svc, r, &sr, SIGNER_PK, true, NULL);
	if (s != EFI_SUCCESS)
		s = judge_and_update(svc, r, &sr, SIGNER_KEK, true, NULL);
	release(&sr);
	return s;
}

/* EDK2 ProcessVariable: every other variable. */
static efi_status_t process_variable(struct tv_varsvc *svc, const struct tv_set_req *r)
{
	if (r->attrs & AW)
		return EFI_UNSUPPORTED; /* count-based authentication is gone */
	if (r->attrs & AT)
		return verify_and_update(svc, r, SIGNER_PRIV, false, NULL);
	struct tv_found old = tv_varsvc_find(svc, r->name, r->name_size, r->guid);
	if (old.v && (old.v->attrs & (AW | AT)))
		return EFI_WRITE_PROTECTED; /* it needs its signer to change */
	struct tv_update u = update_of(r);
	return tv_varsvc_update(svc, &u, NULL);
}

efi_status_t tv_auth_process(struct tv_varsvc *svc, const struct tv_set_req *r)
{
	switch (tv_sb_classify(r->name, r->name_size, r->guid)) {
	case TV_SBV_PK:
		return process_with_pk(svc, r, true);
	case TV_SBV_KEK:
		return process_with_pk(svc, r, false);
	case TV_SBV_DB:
		return process_db(svc, r);
	case TV_SBV_MODE:
		return tv_sb_mode_write(svc, r->name, r->name_size, r->attrs, r->payload,
					r->payload_size);
	case TV_SBV_STATUS:
	case TV_SBV_PLATFORM:
		return EFI_WRITE_PROTECTED; /* the service's own */
	case TV_SBV_DEFAULT:
		if (r->attrs & (AW | AT))
			return EFI_INVALID_PARAMETER;
		return tv_sb_default_write(svc, r->name, r->name_size, r->attrs, r->payload,
					   r->payload_size);
	case TV_SBV_NONE:
	default:
		return process_variable(svc, r);
	}
}

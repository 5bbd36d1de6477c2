/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Whole stores in and out: the import of a set of variables (read from an EDK2
 * NV store image or a U-Boot ubootefi.var) into teevar's store, and the export
 * of every non-volatile variable it holds. Not part of the MM protocol, and
 * only the owner of the store may do it: the in-process transport alone
 * provides it (the owner of the state directory owns the store). A client
 * through teevard or a board's OP-TEE gets -ENOTSUP: it must never be able to
 * write authenticated variables without their signatures.
 * docs/variable-service.md, "Import and export", has the rules.
 */
#ifndef TEEVAR_VAR_TRANSFER_H
#define TEEVAR_VAR_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/efi.h>
#include <teevar/tee.h>

/* One variable as a firmware store holds it. */
struct tv_xfer_var {
	efi_guid_t guid;
	const efi_char16_t *name;   /* NUL-terminated UCS-2 */
	size_t name_size;           /* bytes, NUL included */
	uint32_t attrs;
	const uint8_t *data;
	size_t data_size;
	bool has_time;
	uint8_t time[16];           /* EFI_TIME of a time-based authenticated variable */
};

/* What to do with a variable the store already holds with other content. */
enum tv_import_conflict { TV_IMPORT_REFUSE = 0, TV_IMPORT_REPLACE, TV_IMPORT_SKIP };

enum tv_import_action {
	TV_IMPORT_NEW,          /* not in the store: added */
	TV_IMPORT_REPLACED,     /* in the store with other content: replaced (replace policy) */
	TV_IMPORT_SAME,         /* in the store with the same name, attributes, data and time */
	TV_IMPORT_SKIPPED,      /* in the store with other content: kept (skip policy) */
	TV_IMPORT_IGNORED,      /* EDK2 bookkeeping, teevar's own mode records */
	TV_IMPORT_CONFLICT,     /* exists with other content (refuse policy) */
	TV_IMPORT_INVALID,      /* refused by a check */
};

#define TV_IMPORT_WHY_MAX 160

struct tv_import_result {
	enum tv_import_action action;
	char why[TV_IMPORT_WHY_MAX]; /* IGNORED/INVALID/CONFLICT: the reason; else "" */
};

struct tv_import_summary {
	uint32_t added, replaced, same, skipped, ignored;
	/* Secure Boot mode after (or, dry run, would be): "setup" or "user"
	 * ("audit" or "deployed" when the store was in Audit mode before) */
	char mode[16];
};

/*
 * Imports n variables all or nothing: every one is checked first (names,
 * attributes, EDK2's UEFI variable checks, signature-list format of
 * PK/KEK/db/dbx/dbt/dbr and the factory defaults, PK with at most one entry,
 * room in the store); any INVALID or CONFLICT stores nothing. Writes go plain
 * variables first, then dbx, db, dbt, dbr, KEK, PK last; then the Secure Boot
 * mode follows what is stored (PK present: user mode, SetupMode 0, SecureBoot
 * 1, as a PK enrolment). Only in the boot-services phase (before
 * ready-to-boot). dry_run: checks everything and fills results and sum, writes
 * nothing. results (n entries, may be NULL when n is 0) says what happened, or
 * would happen, to each; sum may be NULL.
 *
 * 0, or:
 *   -EINVAL  some INVALID or CONFLICT (see results), or a bad argument
 *   -ENOSPC  the variables do not fit (results filled; nothing written)
 *   -EPERM   after ready-to-boot
 *   -ENOTSUP unix:, optee:, or a wrapped in-process transport
 *   -EUCLEAN damaged store (recover it first), -EROFS write counter expired
 *   -EIO     a write failed: what was written is put back (best effort; see
 *            tv_last_error_detail() for whether that worked)
 *   -ENOMEM
 * results and sum are filled for 0, -EINVAL, -ENOSPC (and -EIO: as planned).
 */
int tv_transport_import(const struct tv_transport *t, const struct tv_xfer_var *v, size_t n,
			enum tv_import_conflict policy, bool dry_run,
			struct tv_import_result *results, struct tv_import_summary *sum);

/*
 * Every non-volatile variable the store holds (any phase, runtime-inaccessible
 * ones included), in the store's enumeration order, with its time when
 * time-based authenticated; teevar's internal mode records are left out (the
 * mode follows from PK). The callback's buffers are valid during the call
 * only; a non-zero return stops and is returned. 0 or -errno: -EINVAL,
 * -ENOTSUP (as above), -ENOMEM, -EIO (the store is not mounted).
 */
typedef int (*tv_export_cb)(void *arg, const struct tv_xfer_var *v);
int tv_transport_export(const struct tv_transport *t, tv_export_cb cb, void *arg);

#endif

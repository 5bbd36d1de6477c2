/* SPDX-License-Identifier: BSD-2-Clause */
/* TEMPORARY stub of H2's include/teevar/var_transfer.h (contract signatures). */
#ifndef TEEVAR_VAR_TRANSFER_H
#define TEEVAR_VAR_TRANSFER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <teevar/efi.h>
#include <teevar/tee.h>
struct tv_xfer_var {
	efi_guid_t guid;
	const efi_char16_t *name;
	size_t name_size;
	uint32_t attrs;
	const uint8_t *data;
	size_t data_size;
	bool has_time;
	uint8_t time[16];
};
enum tv_import_conflict { TV_IMPORT_REFUSE = 0, TV_IMPORT_REPLACE, TV_IMPORT_SKIP };
enum tv_import_action {
	TV_IMPORT_NEW, TV_IMPORT_REPLACED, TV_IMPORT_SAME, TV_IMPORT_SKIPPED,
	TV_IMPORT_IGNORED, TV_IMPORT_CONFLICT, TV_IMPORT_INVALID,
};
struct tv_import_result {
	enum tv_import_action action;
	char why[160];
};
struct tv_import_summary {
	uint32_t added, replaced, same, skipped, ignored;
	char mode[16];
};
int tv_transport_import(const struct tv_transport *t, const struct tv_xfer_var *v, size_t n,
			enum tv_import_conflict policy, bool dry_run,
			struct tv_import_result *results, struct tv_import_summary *sum);
typedef int (*tv_export_cb)(void *arg, const struct tv_xfer_var *v);
int tv_transport_export(const struct tv_transport *t, tv_export_cb cb, void *arg);
#endif

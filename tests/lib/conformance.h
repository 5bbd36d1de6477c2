/* SPDX-License-Identifier: BSD-2-Clause */
/* The UEFI variable conformance suite (shared/spec/variable-semantics.md), run
 * against any implementation of these operations: the secure core's API, or the
 * client library through MM buffers. */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <stdint.h>

#include <teevar/efi.h>

struct conf_ops {
	const char *name;
	void *(*open)(const char *state_dir); /* NULL on failure */
	void (*close)(void *ctx);
	efi_status_t (*get)(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			    uint32_t *attrs, uint64_t *size, void *data);
	efi_status_t (*next)(void *ctx, uint64_t *size, efi_char16_t *name, efi_guid_t *guid);
	efi_status_t (*set)(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
			    uint32_t attrs, uint64_t size, const void *data);
	efi_status_t (*query)(void *ctx, uint32_t attrs, uint64_t *max_storage, uint64_t *remaining,
			      uint64_t *max_size);
	efi_status_t (*ready_to_boot)(void *ctx);
	efi_status_t (*exit_boot_services)(void *ctx);
	efi_status_t (*lock)(void *ctx, const efi_char16_t *name, const efi_guid_t *guid);
	efi_status_t (*property_set)(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
				     const var_check_property_t *p);
	efi_status_t (*property_get)(void *ctx, const efi_char16_t *name, const efi_guid_t *guid,
				     var_check_property_t *p);
	/* Pointers the client library cannot carry over MM (NULL name...) are only
	 * checked where the implementation sees them. */
	int direct;
};

/* Runs every conformance test against ops; returns cmocka's result. */
int conformance_run(const struct conf_ops *ops);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The import and export of whole variable stores by the store's owner
 * (include/teevar/var_transfer.h, docs/variable-service.md "Import and
 * export"). Not reachable through the MM buffer: only the in-process
 * transport calls these.
 */
#ifndef TV_VAR_IMPORT_H
#define TV_VAR_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <teevar/var_transfer.h>

struct tv_varsvc;

/* tv_transport_import on the variable service. Returns 0 or a negative errno
 * (the codes of var_transfer.h); tv_err_detail() says more on a failure. */
int tv_varsvc_import(struct tv_varsvc *svc, const struct tv_xfer_var *v, size_t n,
		     enum tv_import_conflict policy, bool dry_run,
		     struct tv_import_result *results, struct tv_import_summary *sum);

/* tv_transport_export on the variable service: 0, the callback's non-zero
 * return, or -ENOMEM. */
int tv_varsvc_export(struct tv_varsvc *svc, tv_export_cb cb, void *arg);

/* Test hook: the nth store write of the next import (1 = its first) fails
 * with TV_EIO before it reaches the store, as a failed device write would;
 * 0 clears it. */
void tv_import_test_fail_write(unsigned nth);

#endif

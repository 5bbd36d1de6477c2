/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevarfs's variable service: a tv_client over a transport spec, reopened
 * when a unix: connection broke (teevard restarted). Not thread-safe: the
 * caller serializes (efivarfs_core.c holds one mutex).
 */
#ifndef TV_EFIVARFS_BACKEND_H
#define TV_EFIVARFS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <teevar/client.h>

struct tv_efivarfs_backend;

/* Opens spec ("inproc:DIR", "unix:SOCKET", "optee:DEVICE") and a session.
 * Returns 0, or a negative errno with a one-line reason in msg (naming the
 * transport): the transport's code, or -EIO when the session failed. */
int tv_efivarfs_backend_open(const char *spec, struct tv_efivarfs_backend **out, char *msg,
			     size_t msg_size);
/* A backend on a transport already open (taken over, also on failure; never
 * reopened), named spec in messages: for tests that play a hostile service. */
int tv_efivarfs_backend_wrap(struct tv_transport t, const char *spec,
			     struct tv_efivarfs_backend **out, char *msg, size_t msg_size);
void tv_efivarfs_backend_close(struct tv_efivarfs_backend *be);
const char *tv_efivarfs_backend_spec(const struct tv_efivarfs_backend *be);
/* How many times the session was opened again after a broken connection. */
unsigned tv_efivarfs_backend_reopens(const struct tv_efivarfs_backend *be);

/* The service calls (client.h). GetVariable, GetNextVariableName and
 * QueryVariableInfo are retried once on a new session when the connection
 * broke; SetVariable is not (it may have been done): it fails with
 * EFI_DEVICE_ERROR and the next call reopens. GetVariable's size, on SUCCESS
 * and on BUFFER_TOO_SMALL, is at most the session's payload size: a larger
 * one (no variable this client could read, or a lying service) is
 * EFI_DEVICE_ERROR, so that callers may size buffers by it. */
efi_status_t tv_efivarfs_be_get(struct tv_efivarfs_backend *be, const efi_char16_t *name,
				const efi_guid_t *guid, uint32_t *attrs, size_t *size, void *data);
efi_status_t tv_efivarfs_be_next(struct tv_efivarfs_backend *be, size_t *name_size,
				 efi_char16_t *name, efi_guid_t *guid);
efi_status_t tv_efivarfs_be_set(struct tv_efivarfs_backend *be, const efi_char16_t *name,
				const efi_guid_t *guid, uint32_t attrs, size_t size,
				const void *data);
efi_status_t tv_efivarfs_be_query(struct tv_efivarfs_backend *be, uint32_t attrs,
				  uint64_t *max_storage, uint64_t *remaining, uint64_t *max_size);
/* Whether teevard refused the last call (its access rules, not the service). */
bool tv_efivarfs_be_denied(const struct tv_efivarfs_backend *be);

#endif

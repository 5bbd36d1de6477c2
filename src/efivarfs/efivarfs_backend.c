// SPDX-License-Identifier: BSD-2-Clause
/* The variable service behind teevarfs, reopened after a broken unix: link. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/transport.h>
#include <teevar/util.h>

#include "efivarfs_backend.h"

struct tv_efivarfs_backend {
	char *spec;
	struct tv_client *client; /* NULL after a broken connection */
	bool reopen;              /* unix: only: teevard may come back */
	bool denied;
	unsigned reopens;
};

/* A session on t (taken over), or -EIO with the reason in msg. */
static int open_session(struct tv_transport t, const char *spec, struct tv_client **out,
			char *msg, size_t msg_size)
{
	efi_status_t st = tv_client_open(t, out);
	if (st != EFI_SUCCESS) {
		uint32_t origin = 0;
		uint32_t res = tv_client_last_tee_result(NULL, &origin);
		const char *hint = tv_tee_result_hint(t.name, res);
		if (msg)
			snprintf(msg, msg_size, "cannot open a session at '%s': %s (%s)%s%s", spec,
				 tv_status_name(st), tv_tee_result_name(res), hint ? ": " : "",
				 hint ? hint : "");
		return -EIO;
	}
	return 0;
}

static int open_client(const char *spec, struct tv_client **out, char *msg, size_t msg_size)
{
	struct tv_transport t;
	int rc = tv_transport_open(spec, &t);
	if (rc != 0) {
		const char *why = strncmp(spec, "optee:", 6) == 0 ? tv_transport_optee_strerror(rc)
								   : strerror(-rc);
		const char *detail = strncmp(spec, "inproc:", 7) == 0 ? tv_last_error_detail() : "";
		if (rc == -EBUSY)
			why = "state directory in use by another process (is teevard serving it? "
			      "use --tee unix:DIR/teevard.sock)";
		else if (detail && detail[0])
			why = detail;
		if (msg)
			snprintf(msg, msg_size, "cannot open the transport '%s': %s", spec, why);
		return rc;
	}
	return open_session(t, spec, out, msg, msg_size);
}

int tv_efivarfs_backend_open(const char *spec, struct tv_efivarfs_backend **out, char *msg,
			     size_t msg_size)
{
	if (msg && msg_size)
		msg[0] = '\0';
	if (!spec || !out)
		return -EINVAL;
	*out = NULL;
	struct tv_efivarfs_backend *be = calloc(1, sizeof(*be));
	if (!be || !(be->spec = strdup(spec))) {
		free(be);
		return -ENOMEM;
	}
	int rc = open_client(spec, &be->client, msg, msg_size);
	if (rc != 0) {
		free(be->spec);
		free(be);
		return rc;
	}
	be->reopen = strncmp(spec, "unix:", 5) == 0;
	*out = be;
	return 0;
}

int tv_efivarfs_backend_wrap(struct tv_transport t, const char *spec,
			     struct tv_efivarfs_backend **out, char *msg, size_t msg_size)
{
	if (msg && msg_size)
		msg[0] = '\0';
	if (!spec || !out) {
		if (t.ops && t.ops->destroy)
			t.ops->destroy(t.ctx);
		return -EINVAL;
	}
	*out = NULL;
	struct tv_efivarfs_backend *be = calloc(1, sizeof(*be));
	if (!be || !(be->spec = strdup(spec))) {
		free(be);
		if (t.ops && t.ops->destroy)
			t.ops->destroy(t.ctx);
		return -ENOMEM;
	}
	int rc = open_session(t, spec, &be->client, msg, msg_size);
	if (rc != 0) {
		free(be->spec);
		free(be);
		return rc;
	}
	*out = be;
	return 0;
}

void tv_efivarfs_backend_close(struct tv_efivarfs_backend *be)
{
	if (!be)
		return;
	if (be->client)
		tv_client_close(be->client);
	free(be->spec);
	free(be);
}

const char *tv_efivarfs_backend_spec(const struct tv_efivarfs_backend *be)
{
	return be ? be->spec : "";
}

unsigned tv_efivarfs_backend_reopens(const struct tv_efivarfs_backend *be)
{
	return be ? be->reopens : 0;
}

bool tv_efivarfs_be_denied(const struct tv_efivarfs_backend *be)
{
	return be && be->denied;
}

/* A session to call, reopening a broken one; NULL if there is none. */
static struct tv_client *session(struct tv_efivarfs_backend *be)
{
	if (!be->client && be->reopen && open_client(be->spec, &be->client, NULL, 0) == 0)
		be->reopens++;
	return be->client;
}

/* After a call: teevard's own refusal is an answer; any other DEVICE_ERROR
 * on unix: drops the session (true: a read may be tried again). */
static bool after_call(struct tv_efivarfs_backend *be, efi_status_t st)
{
	be->denied = false;
	if (st != EFI_DEVICE_ERROR || !be->client)
		return false;
	uint32_t origin = 0;
	uint32_t res = tv_client_last_tee_result(be->client, &origin);
	if (res == TEE_ERROR_ACCESS_DENIED && origin == TEE_ORIGIN_COMMS) {
		be->denied = true;
		return false;
	}
	if (!be->reopen)
		return false;
	tv_client_close(be->client);
	be->client = NULL;
	return true;
}

efi_status_t tv_efivarfs_be_get(struct tv_efivarfs_backend *be, const efi_char16_t *name,
				const efi_guid_t *guid, uint32_t *attrs, size_t *size, void *data)
{
	size_t want = *size;
	for (int attempt = 0;; attempt++) {
		struct tv_client *c = session(be);
		if (!c)
			return EFI_DEVICE_ERROR;
		*size = want;
		efi_status_t st = tv_get_variable(c, name, guid, attrs, size, data);
		if ((st == EFI_SUCCESS || st == EFI_BUFFER_TOO_SMALL) &&
		    *size > tv_client_payload_size(c)) {
			*size = want;
			return EFI_DEVICE_ERROR;
		}
		if (!after_call(be, st) || attempt > 0)
			return st;
	}
}

efi_status_t tv_efivarfs_be_next(struct tv_efivarfs_backend *be, size_t *name_size,
				 efi_char16_t *name, efi_guid_t *guid)
{
	size_t want = *name_size;
	for (int attempt = 0;; attempt++) {
		struct tv_client *c = session(be);
		if (!c)
			return EFI_DEVICE_ERROR;
		*name_size = want;
		efi_status_t st = tv_get_next_variable(c, name_size, name, guid);
		if (!after_call(be, st) || attempt > 0)
			return st;
	}
}

efi_status_t tv_efivarfs_be_set(struct tv_efivarfs_backend *be, const efi_char16_t *name,
				const efi_guid_t *guid, uint32_t attrs, size_t size,
				const void *data)
{
	struct tv_client *c = session(be);
	if (!c)
		return EFI_DEVICE_ERROR;
	efi_status_t st = tv_set_variable(c, name, guid, attrs, size, data);
	after_call(be, st);
	return st;
}

efi_status_t tv_efivarfs_be_query(struct tv_efivarfs_backend *be, uint32_t attrs,
				  uint64_t *max_storage, uint64_t *remaining, uint64_t *max_size)
{
	for (int attempt = 0;; attempt++) {
		struct tv_client *c = session(be);
		if (!c)
			return EFI_DEVICE_ERROR;
		efi_status_t st = tv_query_variable_info(c, attrs, max_storage, remaining, max_size);
		if (!after_call(be, st) || attempt > 0)
			return st;
	}
}

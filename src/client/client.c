/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The efivar operations over MM communicate buffers, built as Linux's
 * tee_stmm_efi driver builds them (docs/client.md lists the parity points).
 * Everything the peer writes into a buffer is checked before it is used.
 */
#include <teevar/client.h>
#include <teevar/transport.h>
#include <teevar/util.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mm_wire.h"
#include "tv_bytes.h"

#define NAME_MAX_CHARS 1024u     /* Linux EFI_VAR_NAME_LEN */
#define ACCESS_HDR_LINUX 40u     /* sizeof(struct smm_variable_access): 36 padded to 8 */
#define PAYLOAD_MIN (ACCESS_HDR_LINUX + 0x20u)
#define PAYLOAD_CAP (16u << 20)  /* no real StMM comes near; keeps size arithmetic small */
#define FOREIGN_STMM_SLACK 2u    /* EDK2 StMM off-by-two in its own bound check */

struct tv_client {
	struct tv_transport t;
	uint32_t session;
	size_t payload_max;
	uint32_t last_result;
	uint32_t last_origin;
};

/* The TEE result of this thread's last tv_client_open, for tv_client_last_tee_result(NULL). */
static _Thread_local uint32_t open_result, open_origin;

/* One MM communicate buffer: 24 + 16 header bytes, then the payload. */
struct mm_req {
	uint8_t *buf;
	size_t payload_size;
};

static uint8_t *payload(const struct mm_req *r)
{
	return r->buf + MM_PAYLOAD_OFF;
}

static efi_status_t req_init(const struct tv_client *c, struct mm_req *r, uint64_t function,
			     size_t payload_size)
{
	static const efi_guid_t header_guid = EFI_SMM_VARIABLE_PROTOCOL_GUID;

	r->buf = NULL;
	r->payload_size = payload_size;
	if (c->payload_max && payload_size > c->payload_max)
		return EFI_INVALID_PARAMETER;
	r->buf = calloc(1, MM_PAYLOAD_OFF + payload_size);
	if (!r->buf)
		return EFI_OUT_OF_RESOURCES;
	memcpy(r->buf + MM_OFF_GUID, header_guid.b, sizeof(header_guid.b));
	tv_put_le64(r->buf + MM_OFF_MSG_LEN, MM_VAR_HDR_SIZE + payload_size);
	tv_put_le64(r->buf + MM_OFF_FUNCTION, function);
	return EFI_SUCCESS;
}

static void req_free(struct mm_req *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Linux's mapping of the legacy SPM codes: anything unknown is "denied". */
static efi_status_t map_spm(int32_t code)
{
	switch (code) {
	case TV_SPM_SUCCESS: return EFI_SUCCESS;
	case TV_SPM_INVALID_PARAMETER: return EFI_INVALID_PARAMETER;
	case TV_SPM_DENIED: return EFI_ACCESS_DENIED;
	case TV_SPM_NO_MEMORY: return EFI_OUT_OF_RESOURCES;
	default: return EFI_ACCESS_DENIED;
	}
}

/* FF-A BUSY is transient, so it becomes EFI_NOT_READY ("try again"). */
static efi_status_t map_ffa(int32_t code)
{
	switch (code) {
	case TV_FFA_SUCCESS: return EFI_SUCCESS;
	case TV_FFA_NOT_SUPPORTED: return EFI_UNSUPPORTED;
	case TV_FFA_INVALID_PARAMETERS: return EFI_INVALID_PARAMETER;
	case TV_FFA_NO_MEMORY: return EFI_OUT_OF_RESOURCES;
	case TV_FFA_BUSY: return EFI_NOT_READY;
	case TV_FFA_DENIED: return EFI_ACCESS_DENIED;
	case TV_FFA_ABORTED: return EFI_ABORTED;
	case TV_FFA_NO_DATA: return EFI_NOT_FOUND;
	default: return EFI_ACCESS_DENIED;
	}
}

/* Sends the buffer; the result is the ReturnStatus in it only when both the
 * TEE and the StMM return code say success. */
static efi_status_t req_send(struct tv_client *c, const struct mm_req *r)
{
	struct tv_tee_param params[TV_TEE_NUM_PARAMS];
	uint32_t origin = TEE_ORIGIN_API;

	memset(params, 0, sizeof(params));
	params[0].type = TV_TEE_PARAM_MEMREF_INOUT;
	params[0].u.memref.buf = r->buf;
	params[0].u.memref.size = MM_PAYLOAD_OFF + r->payload_size;
	params[1].type = TV_TEE_PARAM_VALUE_OUTPUT;
	params[2].type = TV_TEE_PARAM_NONE;
	params[3].type = TV_TEE_PARAM_NONE;

	uint32_t res = c->t.ops->invoke(c->t.ctx, c->session, TV_STMM_CMD_COMMUNICATE, params,
					&origin);
	if (res != TEE_SUCCESS) {
		c->last_result = res;
		c->last_origin = origin;
		return EFI_DEVICE_ERROR;
	}
	/* OP-TEE value params are 32 bits wide: -2 may arrive as 0xFFFFFFFE. */
	int32_t code = (int32_t)(uint32_t)params[1].u.value.a;
	efi_status_t st = c->t.ffa_codes ? map_ffa(code) : map_spm(code);
	if (st != EFI_SUCCESS)
		return st;
	return tv_get_le64(r->buf + MM_OFF_STATUS);
}

/* A whole round trip for requests whose answer needs no parsing. */
static efi_status_t req_send_free(struct tv_client *c, struct mm_req *r)
{
	efi_status_t st = req_send(c, r);
	req_free(r);
	return st;
}

static size_t name_size_of(const efi_char16_t *name, size_t max_chars)
{
	return (tv_ucs2_strnlen(name, max_chars) + 1) * sizeof(efi_char16_t);
}

/* Copies size bytes of a UCS-2 name to the wire (little-endian units). */
static void put_name(uint8_t *p, const efi_char16_t *name, size_t size)
{
	for (size_t i = 0; i < size / 2; i++)
		tv_put_le16(p + 2 * i, name[i]);
}

static void get_name(efi_char16_t *name, const uint8_t *p, size_t size)
{
	for (size_t i = 0; i < size / 2; i++)
		name[i] = tv_get_le16(p + 2 * i);
}

/* A wire value the caller's size_t must hold. */
static bool fits_size(uint64_t v)
{
	return v <= SIZE_MAX;
}

static efi_status_t get_payload_size(struct tv_client *c)
{
	struct mm_req r;
	efi_status_t st = req_init(c, &r, MM_VAR_GET_PAYLOAD_SIZE, MM_PAYLOAD_SIZE_SIZE);
	if (st != EFI_SUCCESS)
		return st;
	st = req_send(c, &r);
	uint64_t size = tv_get_le64(payload(&r));
	req_free(&r);
	if (st != EFI_SUCCESS)
		return st;
	if (size < PAYLOAD_MIN)
		return EFI_DEVICE_ERROR;
	if (size > PAYLOAD_CAP)
		size = PAYLOAD_CAP;
	if (c->t.foreign_stmm)
		size -= FOREIGN_STMM_SLACK;
	c->payload_max = (size_t)size;
	return EFI_SUCCESS;
}

static bool transport_usable(const struct tv_transport *t)
{
	return t->ops && t->ops->open_session && t->ops->invoke && t->ops->close_session;
}

static efi_status_t open_session(struct tv_client *c)
{
	static const uint8_t uuid[16] = TV_STMM_UUID;
	uint32_t origin = TEE_ORIGIN_API;

	uint32_t res = c->t.ops->open_session(c->t.ctx, uuid, &c->session, &origin);
	if (res == TEE_SUCCESS)
		return EFI_SUCCESS;
	c->last_result = res;
	c->last_origin = origin;
	/* BUSY: the single StMM session is taken (on a board: by tee_stmm_efi). */
	return res == TEE_ERROR_BUSY ? EFI_ACCESS_DENIED : EFI_DEVICE_ERROR;
}

efi_status_t tv_client_open(struct tv_transport t, struct tv_client **out)
{
	open_result = TEE_SUCCESS;
	open_origin = 0;
	if (out)
		*out = NULL;
	if (!out || !transport_usable(&t)) {
		tv_transport_destroy(&t);
		return EFI_INVALID_PARAMETER;
	}
	struct tv_client *c = calloc(1, sizeof(*c));
	if (!c) {
		tv_transport_destroy(&t);
		return EFI_OUT_OF_RESOURCES;
	}
	c->t = t;
	efi_status_t st = open_session(c);
	if (st == EFI_SUCCESS) {
		st = get_payload_size(c);
		if (st == EFI_SUCCESS) {
			*out = c;
			return EFI_SUCCESS;
		}
		c->t.ops->close_session(c->t.ctx, c->session);
	}
	open_result = c->last_result;
	open_origin = c->last_origin;
	tv_transport_destroy(&c->t);
	free(c);
	return st;
}

void tv_client_close(struct tv_client *c)
{
	if (!c)
		return;
	c->t.ops->close_session(c->t.ctx, c->session);
	tv_transport_destroy(&c->t);
	free(c);
}

size_t tv_client_payload_size(const struct tv_client *c)
{
	return c ? c->payload_max : 0;
}

uint32_t tv_client_last_tee_result(const struct tv_client *c, uint32_t *origin)
{
	if (origin)
		*origin = c ? c->last_origin : open_origin;
	return c ? c->last_result : open_result;
}

/* ---- GetVariable ------------------------------------------------------- */

/* Checks a GET answer against what was sent; false means a broken peer. */
static bool get_answer_ok(efi_status_t st, const uint8_t *p, size_t name_size, size_t sent)
{
	uint64_t dsize = tv_get_le64(p + MM_ACCESS_OFF_DATA_SIZE);
	if (st == EFI_BUFFER_TOO_SMALL)
		return dsize > sent && fits_size(dsize);
	return dsize <= sent && tv_get_le64(p + MM_ACCESS_OFF_NAME_SIZE) == name_size;
}

/* SMM_VARIABLE_COMMUNICATE_ACCESS_VARIABLE's header and name. */
static void put_access(uint8_t *p, const efi_guid_t *guid, uint64_t data_size,
		       const efi_char16_t *name, size_t name_size, uint32_t attrs)
{
	memcpy(p + MM_ACCESS_OFF_GUID, guid->b, sizeof(guid->b));
	tv_put_le64(p + MM_ACCESS_OFF_DATA_SIZE, data_size);
	tv_put_le64(p + MM_ACCESS_OFF_NAME_SIZE, name_size);
	tv_put_le32(p + MM_ACCESS_OFF_ATTRS, attrs);
	put_name(p + MM_ACCESS_OFF_NAME, name, name_size);
}

efi_status_t tv_get_variable(struct tv_client *c, const efi_char16_t *name,
			     const efi_guid_t *guid, uint32_t *attrs, size_t *data_size, void *data)
{
	if (!c || !name || !guid || !data_size)
		return EFI_INVALID_PARAMETER;
	size_t name_size = name_size_of(name, NAME_MAX_CHARS);
	size_t room = c->payload_max - ACCESS_HDR_LINUX;
	if (name_size > room)
		return EFI_INVALID_PARAMETER;
	size_t dsize = *data_size < room - name_size ? *data_size : room - name_size;

	struct mm_req r;
	efi_status_t st = req_init(c, &r, MM_VAR_GET_VARIABLE, ACCESS_HDR_LINUX + name_size + dsize);
	if (st != EFI_SUCCESS)
		return st;
	uint8_t *p = payload(&r);
	put_access(p, guid, dsize, name, name_size, attrs ? *attrs : 0);

	st = req_send(c, &r);
	if (st != EFI_SUCCESS && st != EFI_BUFFER_TOO_SMALL)
		goto out;
	if (!get_answer_ok(st, p, name_size, dsize)) {
		st = EFI_DEVICE_ERROR;
		goto out;
	}
	/* UEFI 2.10: size and attributes on SUCCESS and BUFFER_TOO_SMALL (Linux
	 * leaves the attributes alone on BUFFER_TOO_SMALL). */
	*data_size = (size_t)tv_get_le64(p + MM_ACCESS_OFF_DATA_SIZE);
	if (attrs)
		*attrs = tv_get_le32(p + MM_ACCESS_OFF_ATTRS);
	if (st != EFI_SUCCESS)
		goto out;
	if (data)
		memcpy(data, p + MM_ACCESS_OFF_NAME + name_size, *data_size);
	else
		st = EFI_INVALID_PARAMETER; /* as Linux: the size is reported, no data */
out:
	req_free(&r);
	return st;
}

/* ---- GetNextVariableName ----------------------------------------------- */

static bool next_answer_ok(efi_status_t st, const uint8_t *p, size_t sent)
{
	uint64_t size = tv_get_le64(p + MM_NEXT_OFF_NAME_SIZE);
	if (st == EFI_BUFFER_TOO_SMALL)
		return size > sent && fits_size(size);
	if (size < 2 || size > sent || size % 2)
		return false;
	return tv_get_le16(p + MM_NEXT_OFF_NAME + size - 2) == 0;
}

efi_status_t tv_get_next_variable(struct tv_client *c, size_t *name_size, efi_char16_t *name,
				  efi_guid_t *guid)
{
	if (!c || !name_size || !name || !guid)
		return EFI_INVALID_PARAMETER;
	size_t out_size = *name_size;
	size_t max_chars = out_size / 2 < NAME_MAX_CHARS ? out_size / 2 : NAME_MAX_CHARS;
	size_t in_size = name_size_of(name, max_chars); /* never reads past the buffer */
	size_t room = c->payload_max - MM_NEXT_HDR_SIZE;
	if (out_size < in_size || in_size > room)
		return EFI_INVALID_PARAMETER;
	if (out_size > room)
		out_size = room;

	struct mm_req r;
	efi_status_t st = req_init(c, &r, MM_VAR_GET_NEXT_VARIABLE_NAME,
				   MM_NEXT_HDR_SIZE + out_size);
	if (st != EFI_SUCCESS)
		return st;
	uint8_t *p = payload(&r);
	memcpy(p + MM_NEXT_OFF_GUID, guid->b, sizeof(guid->b));
	tv_put_le64(p + MM_NEXT_OFF_NAME_SIZE, out_size);
	put_name(p + MM_NEXT_OFF_NAME, name, in_size);

	st = req_send(c, &r);
	if (st != EFI_SUCCESS && st != EFI_BUFFER_TOO_SMALL)
		goto out;
	if (!next_answer_ok(st, p, out_size)) {
		st = EFI_DEVICE_ERROR;
		goto out;
	}
	*name_size = (size_t)tv_get_le64(p + MM_NEXT_OFF_NAME_SIZE);
	if (st == EFI_SUCCESS) {
		memcpy(guid->b, p + MM_NEXT_OFF_GUID, sizeof(guid->b));
		get_name(name, p + MM_NEXT_OFF_NAME, *name_size);
	}
out:
	req_free(&r);
	return st;
}

/* ---- VarCheck properties ----------------------------------------------- */

static efi_status_t prop_req(struct tv_client *c, struct mm_req *r, uint64_t function,
			     const efi_char16_t *name, const efi_guid_t *guid)
{
	if (!name || !guid)
		return EFI_INVALID_PARAMETER;
	size_t name_size = name_size_of(name, NAME_MAX_CHARS);
	efi_status_t st = req_init(c, r, function, MM_PROP_HDR_SIZE + name_size);
	if (st != EFI_SUCCESS)
		return st;
	uint8_t *p = payload(r);
	memcpy(p + MM_PROP_OFF_GUID, guid->b, sizeof(guid->b));
	tv_put_le64(p + MM_PROP_OFF_NAME_SIZE, name_size);
	put_name(p + MM_PROP_OFF_NAME, name, name_size);
	return EFI_SUCCESS;
}

static void put_property(uint8_t *p, const var_check_property_t *prop)
{
	tv_put_le16(p, prop->revision);
	tv_put_le16(p + 2, prop->property);
	tv_put_le32(p + 4, prop->attributes);
	tv_put_le64(p + 8, prop->min_size);
	tv_put_le64(p + 16, prop->max_size);
}

static void get_property(var_check_property_t *prop, const uint8_t *p)
{
	prop->revision = tv_get_le16(p);
	prop->property = tv_get_le16(p + 2);
	prop->attributes = tv_get_le32(p + 4);
	prop->min_size = tv_get_le64(p + 8);
	prop->max_size = tv_get_le64(p + 16);
}

efi_status_t tv_var_check_property_get(struct tv_client *c, const efi_char16_t *name,
				       const efi_guid_t *guid, var_check_property_t *prop)
{
	if (!c || !prop)
		return EFI_INVALID_PARAMETER;
	struct mm_req r;
	efi_status_t st = prop_req(c, &r, MM_VAR_PROPERTY_GET, name, guid);
	if (st != EFI_SUCCESS)
		return st;
	st = req_send(c, &r);
	if (st == EFI_SUCCESS)
		get_property(prop, payload(&r) + MM_PROP_OFF_PROPERTY);
	req_free(&r);
	return st;
}

efi_status_t tv_var_check_property_set(struct tv_client *c, const efi_char16_t *name,
				       const efi_guid_t *guid, const var_check_property_t *prop)
{
	if (!c || !prop)
		return EFI_INVALID_PARAMETER;
	struct mm_req r;
	efi_status_t st = prop_req(c, &r, MM_VAR_PROPERTY_SET, name, guid);
	if (st != EFI_SUCCESS)
		return st;
	put_property(payload(&r) + MM_PROP_OFF_PROPERTY, prop);
	return req_send_free(c, &r);
}

/* ---- SetVariable ------------------------------------------------------- */

/* Linux asks for the property first: NOT_FOUND means none, READ_ONLY refuses. */
static efi_status_t check_writable(struct tv_client *c, const efi_char16_t *name,
				   const efi_guid_t *guid)
{
	var_check_property_t prop;
	efi_status_t st = tv_var_check_property_get(c, name, guid, &prop);
	if (st == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	if (st != EFI_SUCCESS)
		return st;
	return prop.property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY ? EFI_WRITE_PROTECTED
								    : EFI_SUCCESS;
}

efi_status_t tv_set_variable(struct tv_client *c, const efi_char16_t *name,
			     const efi_guid_t *guid, uint32_t attrs, size_t data_size,
			     const void *data)
{
	if (!c || !name || name[0] == 0 || !guid || (data_size > 0 && !data))
		return EFI_INVALID_PARAMETER;
	size_t name_size = name_size_of(name, NAME_MAX_CHARS);
	size_t room = c->payload_max - ACCESS_HDR_LINUX;
	if (name_size > room || data_size > room - name_size)
		return EFI_INVALID_PARAMETER;
	efi_status_t st = check_writable(c, name, guid);
	if (st != EFI_SUCCESS)
		return st;

	struct mm_req r;
	st = req_init(c, &r, MM_VAR_SET_VARIABLE, ACCESS_HDR_LINUX + name_size + data_size);
	if (st != EFI_SUCCESS)
		return st;
	uint8_t *p = payload(&r);
	put_access(p, guid, data_size, name, name_size, attrs);
	if (data_size)
		memcpy(p + MM_ACCESS_OFF_NAME + name_size, data, data_size);
	return req_send_free(c, &r);
}

/* ---- QueryVariableInfo and the firmware calls -------------------------- */

efi_status_t tv_query_variable_info(struct tv_client *c, uint32_t attrs, uint64_t *max_storage,
				    uint64_t *remaining, uint64_t *max_size)
{
	if (!c || !max_storage || !remaining || !max_size)
		return EFI_INVALID_PARAMETER;
	struct mm_req r;
	efi_status_t st = req_init(c, &r, MM_VAR_QUERY_VARIABLE_INFO, MM_QUERY_SIZE);
	if (st != EFI_SUCCESS)
		return st;
	uint8_t *p = payload(&r);
	tv_put_le32(p + MM_QUERY_OFF_ATTRS, attrs);
	st = req_send(c, &r);
	if (st == EFI_SUCCESS) {
		*max_storage = tv_get_le64(p + MM_QUERY_OFF_MAX_STORAGE);
		*remaining = tv_get_le64(p + MM_QUERY_OFF_REMAINING);
		*max_size = tv_get_le64(p + MM_QUERY_OFF_MAX_SIZE);
	}
	req_free(&r);
	return st;
}

static efi_status_t simple_call(struct tv_client *c, uint64_t function)
{
	if (!c)
		return EFI_INVALID_PARAMETER;
	struct mm_req r;
	efi_status_t st = req_init(c, &r, function, 0);
	if (st != EFI_SUCCESS)
		return st;
	return req_send_free(c, &r);
}

efi_status_t tv_ready_to_boot(struct tv_client *c)
{
	return simple_call(c, MM_VAR_READY_TO_BOOT);
}

efi_status_t tv_exit_boot_services(struct tv_client *c)
{
	return simple_call(c, MM_VAR_EXIT_BOOT_SERVICE);
}

efi_status_t tv_lock_variable(struct tv_client *c, const efi_char16_t *name,
			      const efi_guid_t *guid)
{
	if (!c || !name || !guid)
		return EFI_INVALID_PARAMETER;
	size_t name_size = name_size_of(name, NAME_MAX_CHARS);
	struct mm_req r;
	efi_status_t st = req_init(c, &r, MM_VAR_LOCK_VARIABLE, MM_NEXT_HDR_SIZE + name_size);
	if (st != EFI_SUCCESS)
		return st;
	uint8_t *p = payload(&r);
	memcpy(p + MM_NEXT_OFF_GUID, guid->b, sizeof(guid->b));
	tv_put_le64(p + MM_NEXT_OFF_NAME_SIZE, name_size);
	put_name(p + MM_NEXT_OFF_NAME, name, name_size);
	return req_send_free(c, &r);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The MM communicate handler of the variable service: validates a buffer the
 * normal world controls, parses a private copy, calls the variable service and
 * writes back what the reference service writes back (GET, GET_NEXT, QUERY,
 * PROPERTY_GET and GET_PAYLOAD_SIZE copy their payload back; SET does not).
 *
 * A malformed envelope (too short, inconsistent MessageLength, wrong GUID,
 * payload over the limit or under the function's minimum) leaves the buffer
 * untouched and answers the legacy SPM code INVALID_PARAMETER.
 */
#include <stdlib.h>
#include <string.h>

#include "mm_wire.h"
#include "stmm.h"
#include "tv_bytes.h"

static const efi_guid_t var_guid = EFI_SMM_VARIABLE_PROTOCOL_GUID;

struct mm_req {
	uint8_t *pl;      /* private copy of the payload */
	size_t size;      /* payload bytes */
	bool copy_back;   /* write the payload back into the caller's buffer */
};

size_t tv_mm_payload_max(size_t buffer_limit)
{
	return buffer_limit > MM_PAYLOAD_OFF ? buffer_limit - MM_PAYLOAD_OFF : 0;
}

/* A named payload: the GUID at offset 0, NameSize at size_off, the name at
 * name_off followed by `extra` bytes. The name must fit and end in NUL (the
 * reference checks Name[NameSize / 2 - 1]). */
static bool read_name(const struct mm_req *r, size_t size_off, size_t name_off, uint64_t extra,
		      efi_guid_t *guid, uint64_t *name_size)
{
	uint64_t n = tv_get_le64(r->pl + size_off);
	if (n < 2 || n > r->size || extra > r->size || name_off + n + extra > r->size)
		return false;
	size_t last = name_off + (size_t)(n / 2 * 2) - 2;
	if (r->pl[last] != 0 || r->pl[last + 1] != 0)
		return false;
	memcpy(guid->b, r->pl, 16);
	*name_size = n;
	return true;
}

static efi_status_t fn_access(struct tv_varsvc *svc, struct mm_req *r, bool set)
{
	efi_guid_t guid;
	uint64_t name_size;
	uint64_t data_size = tv_get_le64(r->pl + MM_ACCESS_OFF_DATA_SIZE);
	if (!read_name(r, MM_ACCESS_OFF_NAME_SIZE, MM_ACCESS_OFF_NAME, data_size, &guid, &name_size))
		return EFI_ACCESS_DENIED;
	uint8_t *name = r->pl + MM_ACCESS_OFF_NAME;
	uint8_t *data = name + name_size;
	uint32_t attrs = tv_get_le32(r->pl + MM_ACCESS_OFF_ATTRS);
	if (set)
		return tv_varsvc_set(svc, name, name_size, &guid, attrs, data_size, data);
	efi_status_t s = tv_varsvc_get(svc, name, name_size, &guid, &attrs, &data_size, data);
	tv_put_le64(r->pl + MM_ACCESS_OFF_DATA_SIZE, data_size);
	tv_put_le32(r->pl + MM_ACCESS_OFF_ATTRS, attrs);
	r->copy_back = true;
	return s;
}

static efi_status_t fn_get_next(struct tv_varsvc *svc, struct mm_req *r)
{
	uint64_t name_size = tv_get_le64(r->pl + MM_NEXT_OFF_NAME_SIZE);
	size_t area = r->size - MM_NEXT_HDR_SIZE;
	if (name_size > area || area < 2 || r->pl[r->size - 2] != 0 || r->pl[r->size - 1] != 0)
		return EFI_ACCESS_DENIED; /* the whole name area must end in NUL */
	efi_guid_t guid;
	memcpy(guid.b, r->pl + MM_NEXT_OFF_GUID, 16);
	efi_status_t s = tv_varsvc_get_next(svc, &name_size, r->pl + MM_NEXT_OFF_NAME, &guid);
	memcpy(r->pl + MM_NEXT_OFF_GUID, guid.b, 16);
	tv_put_le64(r->pl + MM_NEXT_OFF_NAME_SIZE, name_size);
	r->copy_back = true;
	return s;
}

static efi_status_t fn_query(struct tv_varsvc *svc, struct mm_req *r)
{
	uint64_t max_storage = 0, remaining = 0, max_size = 0;
	uint32_t attrs = tv_get_le32(r->pl + MM_QUERY_OFF_ATTRS);
	efi_status_t s = tv_varsvc_query(svc, attrs, &max_storage, &remaining, &max_size);
	tv_put_le64(r->pl + MM_QUERY_OFF_MAX_STORAGE, max_storage);
	tv_put_le64(r->pl + MM_QUERY_OFF_REMAINING, remaining);
	tv_put_le64(r->pl + MM_QUERY_OFF_MAX_SIZE, max_size);
	r->copy_back = true;
	return s;
}

static efi_status_t fn_lock(struct tv_varsvc *svc, struct mm_req *r)
{
	efi_guid_t guid;
	uint64_t name_size;
	if (!read_name(r, MM_NEXT_OFF_NAME_SIZE, MM_NEXT_OFF_NAME, 0, &guid, &name_size))
		return EFI_ACCESS_DENIED;
	return tv_varsvc_lock(svc, r->pl + MM_NEXT_OFF_NAME, name_size, &guid);
}

static void prop_decode(const uint8_t *p, var_check_property_t *prop)
{
	prop->revision = tv_get_le16(p);
	prop->property = tv_get_le16(p + 2);
	prop->attributes = tv_get_le32(p + 4);
	prop->min_size = tv_get_le64(p + 8);
	prop->max_size = tv_get_le64(p + 16);
}

static void prop_encode(const var_check_property_t *prop, uint8_t *p)
{
	tv_put_le16(p, prop->revision);
	tv_put_le16(p + 2, prop->property);
	tv_put_le32(p + 4, prop->attributes);
	tv_put_le64(p + 8, prop->min_size);
	tv_put_le64(p + 16, prop->max_size);
}

static efi_status_t fn_property(struct tv_varsvc *svc, struct mm_req *r, bool set)
{
	efi_guid_t guid;
	uint64_t name_size;
	if (!read_name(r, MM_PROP_OFF_NAME_SIZE, MM_PROP_OFF_NAME, 0, &guid, &name_size))
		return EFI_ACCESS_DENIED;
	const uint8_t *name = r->pl + MM_PROP_OFF_NAME;
	var_check_property_t prop;
	prop_decode(r->pl + MM_PROP_OFF_PROPERTY, &prop);
	if (set)
		return tv_varsvc_property_set(svc, name, name_size, &guid, &prop);
	efi_status_t s = tv_varsvc_property_get(svc, name, name_size, &guid, &prop);
	if (s == EFI_SUCCESS) {
		prop_encode(&prop, r->pl + MM_PROP_OFF_PROPERTY);
		r->copy_back = true;
	}
	return s;
}

/* The smallest payload each function accepts; 0: no payload needed. */
static size_t min_payload(uint64_t fn)
{
	switch (fn) {
	case MM_VAR_GET_VARIABLE:
	case MM_VAR_SET_VARIABLE: return MM_ACCESS_HDR_SIZE;
	case MM_VAR_GET_NEXT_VARIABLE_NAME:
	case MM_VAR_LOCK_VARIABLE: return MM_NEXT_HDR_SIZE;
	case MM_VAR_QUERY_VARIABLE_INFO: return MM_QUERY_SIZE;
	case MM_VAR_PROPERTY_SET:
	case MM_VAR_PROPERTY_GET: return MM_PROP_HDR_SIZE;
	case MM_VAR_GET_PAYLOAD_SIZE: return MM_PAYLOAD_SIZE_SIZE;
	default: return 0;
	}
}

static efi_status_t dispatch(struct tv_varsvc *svc, uint64_t fn, struct mm_req *r,
			     size_t payload_max)
{
	switch (fn) {
	case MM_VAR_GET_VARIABLE: return fn_access(svc, r, false);
	case MM_VAR_SET_VARIABLE: return fn_access(svc, r, true);
	case MM_VAR_GET_NEXT_VARIABLE_NAME: return fn_get_next(svc, r);
	case MM_VAR_QUERY_VARIABLE_INFO: return fn_query(svc, r);
	case MM_VAR_READY_TO_BOOT: return tv_varsvc_ready_to_boot(svc);
	case MM_VAR_EXIT_BOOT_SERVICE: return tv_varsvc_exit_boot_services(svc);
	case MM_VAR_LOCK_VARIABLE: return fn_lock(svc, r);
	case MM_VAR_PROPERTY_SET: return fn_property(svc, r, true);
	case MM_VAR_PROPERTY_GET: return fn_property(svc, r, false);
	case MM_VAR_GET_PAYLOAD_SIZE:
		tv_put_le64(r->pl, payload_max);
		r->copy_back = true;
		return EFI_SUCCESS;
	default: return EFI_UNSUPPORTED; /* statistics, runtime cache, unknown */
	}
}

static int32_t communicate(struct tv_varsvc *svc, uint8_t *buf, size_t size, size_t limit)
{
	if (!buf || size < MM_PAYLOAD_OFF || size > limit ||
	    memcmp(buf + MM_OFF_GUID, var_guid.b, 16) != 0 ||
	    tv_get_le64(buf + MM_OFF_MSG_LEN) != size - MM_COMM_HDR_SIZE)
		return TV_SPM_INVALID_PARAMETER;
	uint64_t fn = tv_get_le64(buf + MM_OFF_FUNCTION);
	struct mm_req r = {.size = size - MM_PAYLOAD_OFF};
	if (r.size < min_payload(fn))
		return TV_SPM_INVALID_PARAMETER;
	r.pl = malloc(r.size + 1);
	if (!r.pl)
		return TV_SPM_NO_MEMORY;
	memcpy(r.pl, buf + MM_PAYLOAD_OFF, r.size); /* one fetch; parse the copy only */
	efi_status_t s = dispatch(svc, fn, &r, tv_mm_payload_max(limit));
	if (r.copy_back)
		memcpy(buf + MM_PAYLOAD_OFF, r.pl, r.size);
	tv_put_le64(buf + MM_OFF_STATUS, s);
	free(r.pl);
	return TV_SPM_SUCCESS;
}

int32_t tv_mm_communicate(struct tv_varsvc *svc, uint8_t *buf, size_t size, size_t limit)
{
	return communicate(svc, buf, size, limit);
}

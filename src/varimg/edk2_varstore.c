/* SPDX-License-Identifier: BSD-2-Clause */
/* The EDK2 variable store: its header and its records (authenticated 60-byte and
 * plain 32-byte headers), the state rules, and writing a fresh store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varimg_priv.h"

#define ALIGN4(x) (((x) + 3u) & ~(uint64_t)3u)
#define STORE_HDR sizeof(struct edk2_store_header)
#define AUTH_HDR sizeof(struct edk2_auth_var_header)
#define PLAIN_HDR sizeof(struct edk2_var_header)

int tv_edk2_store_check_header(const uint8_t *p, uint64_t off, uint64_t fv_end,
			       struct tv_edk2_store_info *si, struct tv_img_error *err)
{
	const uint8_t *h = p + off;
	uint32_t size;

	if (off + STORE_HDR > fv_end)
		return tv_img_fail(err, fv_end, "truncated: no room for the variable store header");
	if (memcmp(h, tv_edk2_auth_store_guid, 16) == 0)
		si->authenticated = true;
	else if (memcmp(h, tv_edk2_plain_store_guid, 16) == 0)
		si->authenticated = false;
	else
		return tv_img_fail(err, off, "variable store Signature is neither the "
					     "authenticated nor the plain store GUID");
	size = tv_get_le32(h + OFF(edk2_store_header, size));
	if (size < STORE_HDR || size > fv_end - off)
		return tv_img_fail(err, off + OFF(edk2_store_header, size),
				   "variable store Size 0x%x outside [0x%zx, 0x%llx] (the FV ends "
				   "at 0x%llx)",
				   size, STORE_HDR, (unsigned long long)(fv_end - off),
				   (unsigned long long)fv_end);
	if (h[OFF(edk2_store_header, format)] != EDK2_STORE_FORMATTED)
		return tv_img_fail(err, off + OFF(edk2_store_header, format),
				   "variable store Format 0x%02x is not 0x5A (formatted)",
				   h[OFF(edk2_store_header, format)]);
	if (h[OFF(edk2_store_header, state)] != EDK2_STORE_HEALTHY)
		return tv_img_fail(err, off + OFF(edk2_store_header, state),
				   "variable store State 0x%02x is not 0xFE (healthy)",
				   h[OFF(edk2_store_header, state)]);
	if (tv_get_le16(h + OFF(edk2_store_header, reserved)) != 0)
		return tv_img_fail(err, off + OFF(edk2_store_header, reserved),
				   "variable store Reserved is not 0");
	if (tv_get_le32(h + OFF(edk2_store_header, reserved1)) != 0)
		return tv_img_fail(err, off + OFF(edk2_store_header, reserved1),
				   "variable store Reserved1 is not 0");
	si->size = size;
	return 0;
}

/* Attributes a variable in an NV store can have: NON_VOLATILE, and no bit
 * beyond the UEFI ones. */
static bool nv_attrs_ok(uint32_t a)
{
	return (a & EFI_VARIABLE_NON_VOLATILE) && (a & ~0xFFu) == 0;
}

static void drop(struct tv_img *img, uint8_t *states, size_t i)
{
	free(img->vars[i].name);
	free(img->vars[i].data);
	memmove(&img->vars[i], &img->vars[i + 1], (img->count - i - 1) * sizeof(img->vars[0]));
	memmove(&states[i], &states[i + 1], img->count - i - 1);
	img->count--;
}

/* A live record (0x3F or 0x3E) at pos: applies the twin rules, then adds it. */
static int add_live(struct tv_img *img, size_t *cap, uint8_t **states, size_t *scap,
		    uint64_t pos, uint8_t state, const uint8_t *guid,
		    const uint8_t *name, uint32_t ns, uint32_t attrs, const uint8_t *data,
		    uint32_t ds, const uint8_t *time, struct tv_img_error *err)
{
	long twin = tv_img_find(img, img->count, guid, name, ns);
	char label[128];

	if (twin >= 0) {
		uint8_t ts = (*states)[twin];

		tv_img_var_label(guid, name, ns, label, sizeof(label));
		if (ts == state)
			return tv_img_fail(err, pos,
					   "two live records (state 0x%02x) of %s, the other at "
					   "0x%llx",
					   state, label, (unsigned long long)img->vars[twin].offset);
		img->edk2_dead++;
		if (state == EDK2_VAR_ADDED_IN_TRANSITION)
			return 0; /* the 0x3F twin is the variable */
		drop(img, *states, (size_t)twin);
	}
	if (*scap < img->count + 1) {
		size_t nc = *scap ? *scap * 2 : 16;
		uint8_t *ns2 = realloc(*states, nc);
		if (!ns2)
			return tv_img_fail(err, pos, "out of memory");
		*states = ns2;
		*scap = nc;
	}
	(*states)[img->count] = state;
	return tv_img_add(img, cap, guid, name, ns, attrs, data, ds, time, pos, err);
}

int tv_edk2_store_parse(const uint8_t *p, uint64_t off, const struct tv_edk2_store_info *si,
			struct tv_img *img, struct tv_img_error *err)
{
	const uint64_t end = off + si->size, hdr = si->authenticated ? AUTH_HDR : PLAIN_HDR;
	const uint64_t o_ns = si->authenticated ? OFF(edk2_auth_var_header, name_size)
						: OFF(edk2_var_header, name_size);
	const uint64_t o_guid = si->authenticated ? OFF(edk2_auth_var_header, vendor_guid)
						  : OFF(edk2_var_header, vendor_guid);
	uint64_t pos = ALIGN4(off + STORE_HDR);
	uint8_t *states = NULL;
	size_t cap = 0, scap = 0;
	int rc = -1;

	img->edk2_authenticated = si->authenticated;
	while (pos + 2 <= end && tv_get_le16(p + pos) == EDK2_VAR_START_ID) {
		const uint8_t *h = p + pos;
		uint8_t state;
		uint32_t attrs, ns, ds;
		uint64_t name_off;

		if (hdr > end - pos) {
			tv_img_fail(err, pos, "variable header overruns the store end 0x%llx",
				    (unsigned long long)end);
			goto out;
		}
		state = h[OFF(edk2_var_header, state)];
		if ((state & EDK2_VAR_STATE_FIXED_BITS) != EDK2_VAR_STATE_FIXED_BITS) {
			tv_img_fail(err, pos + OFF(edk2_var_header, state),
				    "variable State 0x%02x is not a state EDK2 writes", state);
			goto out;
		}
		attrs = tv_get_le32(h + OFF(edk2_var_header, attributes));
		ns = tv_get_le32(h + o_ns);
		ds = tv_get_le32(h + o_ns + 4);
		name_off = pos + hdr;
		if (ns > end - name_off) {
			tv_img_fail(err, pos + o_ns, "NameSize 0x%x overruns the store end 0x%llx",
				    ns, (unsigned long long)end);
			goto out;
		}
		if (ds > end - name_off - ns) {
			tv_img_fail(err, pos + o_ns + 4,
				    "DataSize 0x%x overruns the store end 0x%llx", ds,
				    (unsigned long long)end);
			goto out;
		}
		if (state == EDK2_VAR_ADDED || state == EDK2_VAR_ADDED_IN_TRANSITION) {
			if (tv_img_check_name(p + name_off, ns, name_off, pos + o_ns, err) != 0)
				goto out;
			if (!nv_attrs_ok(attrs)) {
				tv_img_fail(err, pos + OFF(edk2_var_header, attributes),
					    "Attributes 0x%x are not those of a non-volatile "
					    "variable",
					    attrs);
				goto out;
			}
			if (add_live(img, &cap, &states, &scap, pos, state, h + o_guid,
				     p + name_off, ns, attrs, p + name_off + ns, ds,
				     si->authenticated ? h + OFF(edk2_auth_var_header, timestamp)
						       : NULL,
				     err) != 0)
				goto out;
		} else {
			img->edk2_dead++;
		}
		pos = ALIGN4(name_off + ns + ds);
	}
	for (uint64_t i = pos < end ? pos : end; i < end; i++)
		if (p[i] != 0xFF) {
			tv_img_fail(err, i,
				    "byte 0x%02x in the store's free space (0xFF expected; a "
				    "damaged variable header?)",
				    p[i]);
			goto out;
		}
	rc = 0;
out:
	free(states);
	return rc;
}

int tv_edk2_store_write(uint8_t *dst, uint32_t store_size, uint64_t store_off,
			const struct tv_img_var *v, size_t n, struct tv_img_error *err)
{
	uint64_t need = ALIGN4(STORE_HDR), pos;
	char label[128];

	for (size_t i = 0; i < n; i++) {
		if (!v[i].name || tv_img_check_name(v[i].name, v[i].name_size, 0, 0, NULL) != 0)
			return tv_img_fail(err, 0, "variable %zu: not a valid UCS-2 name", i);
		tv_img_var_label(v[i].guid.b, v[i].name, v[i].name_size, label, sizeof(label));
		if (v[i].data_size && !v[i].data)
			return tv_img_fail(err, 0, "%s: no data", label);
		if (!nv_attrs_ok(v[i].attrs))
			return tv_img_fail(err, 0, "%s: attributes 0x%x are not those of a "
						   "non-volatile variable",
					   label, v[i].attrs);
		for (size_t j = 0; j < i; j++)
			if (v[j].name_size == v[i].name_size &&
			    memcmp(v[j].guid.b, v[i].guid.b, 16) == 0 &&
			    memcmp(v[j].name, v[i].name, v[i].name_size) == 0)
				return tv_img_fail(err, 0, "%s: given twice", label);
		need = ALIGN4(need) + AUTH_HDR + v[i].name_size + (uint64_t)v[i].data_size;
	}
	if (need > store_size)
		return tv_img_fail(err, store_off,
				   "does not fit: %llu bytes needed, %u available in the variable "
				   "store",
				   (unsigned long long)need, store_size);
	memset(dst, 0xFF, store_size);
	memcpy(dst, tv_edk2_auth_store_guid, 16);
	tv_put_le32(dst + OFF(edk2_store_header, size), store_size);
	dst[OFF(edk2_store_header, format)] = EDK2_STORE_FORMATTED;
	dst[OFF(edk2_store_header, state)] = EDK2_STORE_HEALTHY;
	tv_put_le16(dst + OFF(edk2_store_header, reserved), 0);
	tv_put_le32(dst + OFF(edk2_store_header, reserved1), 0);
	pos = ALIGN4(STORE_HDR);
	for (size_t i = 0; i < n; i++) {
		uint8_t *h = dst + pos;

		memset(h, 0, AUTH_HDR);
		tv_put_le16(h, EDK2_VAR_START_ID);
		h[OFF(edk2_auth_var_header, state)] = EDK2_VAR_ADDED;
		tv_put_le32(h + OFF(edk2_auth_var_header, attributes), v[i].attrs);
		if (v[i].has_time)
			memcpy(h + OFF(edk2_auth_var_header, timestamp), v[i].time, 16);
		tv_put_le32(h + OFF(edk2_auth_var_header, name_size), v[i].name_size);
		tv_put_le32(h + OFF(edk2_auth_var_header, data_size), v[i].data_size);
		memcpy(h + OFF(edk2_auth_var_header, vendor_guid), v[i].guid.b, 16);
		memcpy(h + AUTH_HDR, v[i].name, v[i].name_size);
		if (v[i].data_size)
			memcpy(h + AUTH_HDR + v[i].name_size, v[i].data, v[i].data_size);
		pos = ALIGN4(pos + AUTH_HDR + v[i].name_size + (uint64_t)v[i].data_size);
	}
	return 0;
}

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

/* A live record (state 0x3F or 0x3E), pointing into the image. */
struct live {
	uint64_t pos;
	const uint8_t *guid, *name, *data, *time;
	uint32_t ns, ds, attrs;
	uint8_t state;
	bool keep;
};

/* The twin rules over the live records (in file order), as a walk through
 * the file would apply them: of a name and GUID, a second record of the same
 * state is damage at the second; 0x3F beats 0x3E, whichever comes first (the
 * other is dead). Sorting groups each variable's records: O(n log n). Marks
 * the records kept; 0, or -1 with err at the first record in the file that
 * is damage. */
static int twins(struct live *r, size_t n, struct tv_img *img, struct tv_img_error *err)
{
	struct tv_img_key *k = malloc((n ? n : 1) * sizeof(*k));
	size_t bad = SIZE_MAX, other = 0;
	char label[128];

	if (!k)
		return tv_img_fail(err, n ? r[0].pos : 0, "out of memory");
	for (size_t i = 0; i < n; i++)
		k[i] = (struct tv_img_key){r[i].guid, r[i].name, r[i].ns, i};
	tv_img_sort_keys(k, n);
	for (size_t g = 0, e; g < n; g = e) {
		size_t kept = k[g].idx;

		for (e = g + 1; e < n && tv_img_key_same(&k[g], &k[e]); e++)
			;
		for (size_t i = g + 1; i < e; i++) {
			size_t c = k[i].idx;

			if (r[c].state == r[kept].state) {
				if (c < bad) {
					bad = c;
					other = kept;
				}
				break; /* the walk stops here */
			}
			img->edk2_dead++;
			if (r[c].state == EDK2_VAR_ADDED)
				kept = c; /* the 0x3F twin is the variable */
		}
		r[kept].keep = true;
	}
	free(k);
	if (bad == SIZE_MAX)
		return 0;
	tv_img_var_label(r[bad].guid, r[bad].name, r[bad].ns, label, sizeof(label));
	return tv_img_fail(err, r[bad].pos, "two live records (state 0x%02x) of %s, the other at "
					     "0x%llx",
			   r[bad].state, label, (unsigned long long)r[other].pos);
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
	struct live *lv = NULL;
	size_t nlv = 0, lcap = 0, cap = 0;
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
			goto walked;
		}
		state = h[OFF(edk2_var_header, state)];
		if ((state & EDK2_VAR_STATE_FIXED_BITS) != EDK2_VAR_STATE_FIXED_BITS) {
			tv_img_fail(err, pos + OFF(edk2_var_header, state),
				    "variable State 0x%02x is not a state EDK2 writes", state);
			goto walked;
		}
		attrs = tv_get_le32(h + OFF(edk2_var_header, attributes));
		ns = tv_get_le32(h + o_ns);
		ds = tv_get_le32(h + o_ns + 4);
		name_off = pos + hdr;
		if (ns > end - name_off) {
			tv_img_fail(err, pos + o_ns, "NameSize 0x%x overruns the store end 0x%llx",
				    ns, (unsigned long long)end);
			goto walked;
		}
		if (ds > end - name_off - ns) {
			tv_img_fail(err, pos + o_ns + 4,
				    "DataSize 0x%x overruns the store end 0x%llx", ds,
				    (unsigned long long)end);
			goto walked;
		}
		if (state == EDK2_VAR_ADDED || state == EDK2_VAR_ADDED_IN_TRANSITION) {
			if (tv_img_check_name(p + name_off, ns, name_off, pos + o_ns, err) != 0)
				goto walked;
			if (!nv_attrs_ok(attrs)) {
				tv_img_fail(err, pos + OFF(edk2_var_header, attributes),
					    "Attributes 0x%x are not those of a non-volatile "
					    "variable",
					    attrs);
				goto walked;
			}
			if (nlv == lcap) {
				size_t nc = lcap ? lcap * 2 : 64;
				struct live *nl = realloc(lv, nc * sizeof(*nl));
				if (!nl) {
					tv_img_fail(err, pos, "out of memory");
					goto walked;
				}
				lv = nl;
				lcap = nc;
			}
			/* every record of the authenticated format has a TimeStamp */
			lv[nlv++] = (struct live){
				.pos = pos, .guid = h + o_guid, .name = p + name_off,
				.data = p + name_off + ns,
				.time = si->authenticated ? h + OFF(edk2_auth_var_header, timestamp)
							  : NULL,
				.ns = ns, .ds = ds, .attrs = attrs, .state = state};
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
			goto walked;
		}
	rc = 0;
walked:
	/* two live twins before the damage (if any) are the first bad offset */
	if (twins(lv, nlv, img, err) != 0) {
		rc = -1;
		goto out;
	}
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < nlv; i++)
		if (lv[i].keep &&
		    tv_img_add(img, &cap, lv[i].guid, lv[i].name, lv[i].ns, lv[i].attrs,
			       lv[i].data, lv[i].ds, lv[i].time, lv[i].pos, err) != 0) {
			rc = -1;
			goto out;
		}
out:
	free(lv);
	return rc;
}

int tv_edk2_store_write(uint8_t *dst, uint32_t store_size, uint64_t store_off,
			const struct tv_img_var *v, size_t n, struct tv_img_error *err)
{
	uint64_t need = ALIGN4(STORE_HDR), pos;
	char label[128];
	size_t dup;

	if (tv_img_vars_first_dup(v, n, &dup, NULL) != 0)
		return tv_img_fail(err, 0, "out of memory");
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
		if (i == dup)
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

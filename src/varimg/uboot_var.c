/* SPDX-License-Identifier: BSD-2-Clause */
/* U-Boot's ubootefi.var (its EFI variable file on the ESP): parse and write. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "varimg_priv.h"

#define HDR sizeof(struct uboot_var_file)
#define ENT sizeof(struct uboot_var_entry)
#define ALIGN8(x) (((x) + 7u) & ~(uint64_t)7u)

static const uint8_t global_guid[16] = {0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
					0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c};
static const uint8_t imgsec_guid[16] = {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
					0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};
/* SHIM_LOCK_GUID 605dab50-e046-4300-abb6-3dd810dd8b23 */
static const uint8_t shim_lock_guid[16] = {0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43,
					   0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23};

static uint32_t crc_of(const uint8_t *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (n) {
		uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
		c = crc32(c, p, k);
		p += k;
		n -= k;
	}
	return (uint32_t)c;
}

int tv_uboot_parse(const uint8_t *p, size_t n, struct tv_img *img, struct tv_img_error *err)
{
	size_t cap = 0;
	uint64_t pos;
	uint32_t len, crc;
	char label[128];

	if (n < HDR)
		return tv_img_fail(err, n, "truncated: the ubootefi.var header needs %zu bytes",
				   HDR);
	if (tv_get_le64(p + OFF(uboot_var_file, reserved)) != 0)
		return tv_img_fail(err, OFF(uboot_var_file, reserved),
				   "ubootefi.var reserved is not 0 (U-Boot rejects the file)");
	if (tv_get_le64(p + OFF(uboot_var_file, magic)) != UBOOT_VAR_MAGIC)
		return tv_img_fail(err, OFF(uboot_var_file, magic), "ubootefi.var magic is wrong");
	len = tv_get_le32(p + OFF(uboot_var_file, length));
	if (len != n)
		return tv_img_fail(err, OFF(uboot_var_file, length),
				   "ubootefi.var length 0x%x is not the file size 0x%zx", len, n);
	crc = crc_of(p + HDR, n - HDR);
	if (tv_get_le32(p + OFF(uboot_var_file, crc32)) != crc)
		return tv_img_fail(err, OFF(uboot_var_file, crc32),
				   "ubootefi.var crc32 0x%08x is wrong (0x%08x expected)",
				   tv_get_le32(p + OFF(uboot_var_file, crc32)), crc);
	for (pos = HDR; pos < n;) {
		uint64_t name_off = pos + ENT, q, data_off, secs;
		uint32_t ds, attr, ns;
		uint8_t t[16];

		if (n - pos < ENT)
			return tv_img_fail(err, pos, "truncated: an entry header at 0x%llx "
						     "overruns length 0x%zx",
					   (unsigned long long)pos, n);
		ds = tv_get_le32(p + pos + OFF(uboot_var_entry, length));
		attr = tv_get_le32(p + pos + OFF(uboot_var_entry, attr));
		secs = tv_get_le64(p + pos + OFF(uboot_var_entry, time));
		for (q = name_off; q + 2 <= n && tv_get_le16(p + q) != 0; q += 2)
			;
		if (q + 2 > n)
			return tv_img_fail(err, name_off, "the name has no NUL before length 0x%zx",
					   n);
		ns = (uint32_t)(q + 2 - name_off);
		if (ns == 2)
			return tv_img_fail(err, name_off, "empty name");
		data_off = name_off + ns;
		if (ds > n - data_off)
			return tv_img_fail(err, pos + OFF(uboot_var_entry, length),
					   "data (0x%x bytes) overruns length 0x%zx", ds, n);
		if (ALIGN8(data_off + ds) > n)
			return tv_img_fail(err, data_off + ds,
					   "the entry's 8-byte padding overruns length 0x%zx", n);
		if (secs != 0 && tv_efi_time_from_uboot(secs, t) != 0)
			return tv_img_fail(err, pos + OFF(uboot_var_entry, time),
					   "time %llu is beyond 9999-12-31",
					   (unsigned long long)secs);
		if (tv_img_find(img, img->count, p + pos + OFF(uboot_var_entry, guid),
				p + name_off, ns) >= 0) {
			tv_img_var_label(p + pos + OFF(uboot_var_entry, guid), p + name_off, ns,
					 label, sizeof(label));
			return tv_img_fail(err, pos, "%s is in the file twice", label);
		}
		if (tv_img_add(img, &cap, p + pos + OFF(uboot_var_entry, guid), p + name_off, ns,
			       attr, p + data_off, ds, secs ? t : NULL, pos, err) != 0)
			return -1;
		pos = ALIGN8(data_off + ds);
	}
	return 0;
}

int tv_img_write_uboot(const struct tv_img_var *v, size_t n, uint8_t **out, size_t *out_n,
		       struct tv_img_error *err)
{
	uint64_t need = HDR, pos;
	uint8_t *b;
	char label[128];

	if (err) {
		err->offset = 0;
		err->msg[0] = 0;
	}
	if (out)
		*out = NULL;
	if (out_n)
		*out_n = 0;
	if (!out || !out_n || (n && !v))
		return tv_img_fail(err, 0, "invalid arguments");
	for (size_t i = 0; i < n; i++) {
		uint64_t secs;

		if (!v[i].name || tv_img_check_name(v[i].name, v[i].name_size, 0, 0, NULL) != 0)
			return tv_img_fail(err, 0, "variable %zu: not a valid UCS-2 name", i);
		tv_img_var_label(v[i].guid.b, v[i].name, v[i].name_size, label, sizeof(label));
		if (v[i].data_size && !v[i].data)
			return tv_img_fail(err, 0, "%s: no data", label);
		if (v[i].has_time && !tv_img_all(v[i].time, 16, 0) &&
		    tv_efi_time_to_uboot(v[i].time, &secs) != 0)
			return tv_img_fail(err, 0,
					   "%s: its time %u-%02u-%02u %02u:%02u:%02u (nanosecond "
					   "%u, time zone %d, daylight %u) cannot be represented in "
					   "ubootefi.var (whole seconds after 1970-01-01 00:00:00 "
					   "UTC)",
					   label, tv_get_le16(v[i].time), v[i].time[2], v[i].time[3],
					   v[i].time[4], v[i].time[5], v[i].time[6],
					   tv_get_le32(v[i].time + 8), (int16_t)tv_get_le16(v[i].time + 12),
					   v[i].time[14]);
		for (size_t j = 0; j < i; j++)
			if (v[j].name_size == v[i].name_size &&
			    memcmp(v[j].guid.b, v[i].guid.b, 16) == 0 &&
			    memcmp(v[j].name, v[i].name, v[i].name_size) == 0)
				return tv_img_fail(err, 0, "%s: given twice", label);
		need = ALIGN8(need + ENT + v[i].name_size + (uint64_t)v[i].data_size);
	}
	if (need > UINT32_MAX)
		return tv_img_fail(err, 0, "does not fit: %llu bytes needed, a ubootefi.var holds "
					   "at most 4 GiB",
				   (unsigned long long)need);
	b = calloc(1, (size_t)need);
	if (!b)
		return tv_img_fail(err, 0, "out of memory");
	tv_put_le64(b + OFF(uboot_var_file, magic), UBOOT_VAR_MAGIC);
	tv_put_le32(b + OFF(uboot_var_file, length), (uint32_t)need);
	for (pos = HDR; pos < need && n; v++, n--) {
		uint8_t *e = b + pos;
		uint64_t secs = 0;

		if (v->has_time && !tv_img_all(v->time, 16, 0))
			(void)tv_efi_time_to_uboot(v->time, &secs);
		tv_put_le32(e + OFF(uboot_var_entry, length), v->data_size);
		tv_put_le32(e + OFF(uboot_var_entry, attr), v->attrs);
		tv_put_le64(e + OFF(uboot_var_entry, time), secs);
		memcpy(e + OFF(uboot_var_entry, guid), v->guid.b, 16);
		memcpy(e + ENT, v->name, v->name_size);
		if (v->data_size)
			memcpy(e + ENT + v->name_size, v->data, v->data_size);
		pos = ALIGN8(pos + ENT + v->name_size + (uint64_t)v->data_size);
	}
	tv_put_le32(b + OFF(uboot_var_file, crc32), crc_of(b + HDR, (size_t)(need - HDR)));
	*out = b;
	*out_n = (size_t)need;
	return 0;
}

static bool name_is(const struct tv_img_var *v, const char *s)
{
	size_t k = strlen(s);

	if (v->name_size != 2 * (k + 1))
		return false;
	for (size_t i = 0; i <= k; i++)
		if (tv_get_le16(v->name + 2 * i) != (uint8_t)s[i])
			return false;
	return true;
}

const char *tv_img_uboot_skip_reason(const struct tv_img_var *v)
{
	static const char *const global_sb[] = {"PK", "KEK", "AuditMode", "DeployedMode"};
	static const char *const db[] = {"db", "dbx", "dbt", "dbr"};

	if (memcmp(v->guid.b, global_guid, 16) == 0)
		for (size_t i = 0; i < sizeof(global_sb) / sizeof(global_sb[0]); i++)
			if (name_is(v, global_sb[i]))
				return "a Secure Boot variable: U-Boot restores it only from its "
				       "built-in preseed, never from ubootefi.var on the ESP";
	if (memcmp(v->guid.b, imgsec_guid, 16) == 0)
		for (size_t i = 0; i < sizeof(db) / sizeof(db[0]); i++)
			if (name_is(v, db[i]))
				return "a Secure Boot variable: U-Boot restores it only from its "
				       "built-in preseed, never from ubootefi.var on the ESP";
	if (memcmp(v->guid.b, shim_lock_guid, 16) == 0)
		return "Shim's MOK database (SHIM_LOCK_GUID): U-Boot does not load it from "
		       "ubootefi.var on the ESP";
	if (!(v->attrs & EFI_VARIABLE_NON_VOLATILE))
		return "volatile: U-Boot loads only non-volatile variables from ubootefi.var";
	if (v->data_size == 0)
		return "empty: U-Boot skips entries without data";
	return NULL;
}

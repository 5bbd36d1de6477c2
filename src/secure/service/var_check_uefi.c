/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * EDK2's VarCheckLib + VarCheckUefiLib checks (see var_check_uefi.h). The
 * table and the content checks follow MdeModulePkg/Library/VarCheckUefiLib/
 * VarCheckUefiLibNullClass.c; the order of the checks follows
 * VarCheckLibSetVariableCheck in MdeModulePkg/Library/VarCheckLib/VarCheckLib.c.
 */
#include "var_check_uefi.h"

#include <string.h>

#include "tv_bytes.h"

#define NV EFI_VARIABLE_NON_VOLATILE
#define BS EFI_VARIABLE_BOOTSERVICE_ACCESS
#define RT EFI_VARIABLE_RUNTIME_ACCESS
#define HR EFI_VARIABLE_HARDWARE_ERROR_RECORD
#define AT EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS
#define APPEND EFI_VARIABLE_APPEND_WRITE
#define RO VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY
#define MAX UINT64_MAX

/* Sizes of the UEFI structures the content checks read. */
#define DEVICE_PATH_NODE_HDR 4u /* EFI_DEVICE_PATH_PROTOCOL: Type, SubType, Length[2] */
#define LOAD_OPTION_HDR 6u	/* EFI_LOAD_OPTION: UINT32 Attributes, UINT16 FilePathListLength */
#define KEY_OPTION_SIZE 10u	/* packed EFI_KEY_OPTION without its Keys[] */
#define INPUT_KEY_SIZE 4u	/* EFI_INPUT_KEY: ScanCode, UnicodeChar */

const efi_guid_t tv_hwerr_guid = {{0xdd, 0x6b, 0x4e, 0x41, 0x7b, 0xe4, 0xcc, 0x47, 0xb2, 0x44,
				   0xbb, 0x61, 0x02, 0x0c, 0xf5, 0x16}};
static const efi_guid_t global_guid = EFI_GLOBAL_VARIABLE_GUID;
static const efi_guid_t image_security_guid = EFI_IMAGE_SECURITY_DATABASE_GUID;

struct uefi_var;
/* A content check on a non-empty payload; false means INVALID_PARAMETER. */
typedef bool (*content_check_fn)(const struct uefi_var *v, uint64_t size, const uint8_t *data);

struct uefi_var {
	const char *name; /* ASCII; a trailing "####" stands for four uppercase hex digits */
	const efi_guid_t *guid;
	uint32_t attrs;
	uint16_t property;
	uint64_t min_size;
	uint64_t max_size;
	content_check_fn check; /* NULL: none */
};

/* ---- device paths ---- */

#define MEDIA_DEVICE_PATH 0x04
#define MEDIA_FILEPATH_DP 0x04
#define END_DEVICE_PATH_TYPE 0x7f
#define END_ENTIRE_DEVICE_PATH_SUBTYPE 0xff

/*
 * EDK2 IsDevicePathValid (MdePkg/Library/UefiDevicePathLib/DevicePathUtilities.c)
 * on max bytes. EDK2 reads max == 0 as "unbounded"; every caller here passes at
 * least 4, so a short buffer is simply invalid. Each node before End-Entire
 * (7F/FF) must be at least 4 bytes, and after it there must still be room for
 * a node header; End-Instance (7F/01) is an ordinary node. Bytes after the
 * End-Entire node are not looked at. No node count limit: EDK2's
 * PcdMaximumDevicePathNodeCount defaults to 0 (MdePkg.dec), which disables it.
 */
static bool device_path_valid(const uint8_t *p, uint64_t max)
{
	uint64_t off = 0;

	if (max < DEVICE_PATH_NODE_HDR)
		return false;
	/* Invariant: off + 4 <= max, so the node header at off is readable. */
	while (!(p[off] == END_DEVICE_PATH_TYPE && p[off + 1] == END_ENTIRE_DEVICE_PATH_SUBTYPE)) {
		const uint8_t *node = p + off;
		uint16_t len = tv_get_le16(node + 2);

		if (len < DEVICE_PATH_NODE_HDR)
			return false;
		off += len;
		if (off > max - DEVICE_PATH_NODE_HDR)
			return false;
		/*
		 * A file path node must end in a NUL CHAR16. EDK2 reads the last
		 * two bytes of the node whatever its length, so a 4-byte node reads
		 * its own Length field (never 0) and is refused.
		 */
		if (node[0] == MEDIA_DEVICE_PATH && node[1] == MEDIA_FILEPATH_DP &&
		    tv_get_le16(node + len - 2) != 0)
			return false;
	}
	return tv_get_le16(p + off + 2) == DEVICE_PATH_NODE_HDR;
}

/* ---- content checks (VarCheckUefiLib's Internal* functions) ---- */

/* InternalVarCheckAsciiString: a NUL byte somewhere in the data (EDK2 scans
 * backward from the end; only whether one exists matters). */
static bool ascii_string_ok(const struct uefi_var *v, uint64_t size, const uint8_t *data)
{
	(void)v;
	return memchr(data, 0, size) != NULL;
}

/* InternalVarCheckSizeArray: whole items of min_size bytes. */
static bool size_array_ok(const struct uefi_var *v, uint64_t size, const uint8_t *data)
{
	(void)data;
	return size % v->min_size == 0;
}

/* InternalVarCheckDevicePath. */
static bool device_path_ok(const struct uefi_var *v, uint64_t size, const uint8_t *data)
{
	(void)v;
	return device_path_valid(data, size);
}

/*
 * InternalVarCheckLoadOption: u32 Attributes, u16 FilePathListLength, a
 * NUL-terminated CHAR16 Description inside the data, then FilePathListLength
 * (at least 4) bytes that fit in the data and hold a valid device path (its
 * End-Entire node within them; EDK2 allows bytes after it). OptionalData is
 * not checked. EDK2 may read one byte past an odd-sized payload while looking
 * for the Description's NUL; every such case ends up refused there too, so
 * here only whole CHAR16s are read.
 */
static bool load_option_ok(const struct uefi_var *v, uint64_t size, const uint8_t *data)
{
	uint16_t file_path_len = tv_get_le16(data + 4);
	uint64_t off = LOAD_OPTION_HDR;

	(void)v;
	while (off + 2 <= size && tv_get_le16(data + off) != 0)
		off += 2;
	if (off + 2 > size)
		return false; /* no NUL: Description runs past the data */
	off += 2;
	if (file_path_len > size - off)
		return false;
	/* device_path_valid refuses this too; EDK2 needs it, as IsDevicePathValid
	 * takes a MaxSize of 0 for "unbounded". */
	if (file_path_len < DEVICE_PATH_NODE_HDR)
		return false;
	return device_path_valid(data + off, file_path_len);
}

/*
 * InternalVarCheckKeyOption: an EFI_KEY_OPTION followed by whole EFI_INPUT_KEYs.
 * EDK2 checks nothing else (not even KeyData.InputKeyCount against the size).
 * The table's 10..22 bound has already been applied.
 */
static bool key_option_ok(const struct uefi_var *v, uint64_t size, const uint8_t *data)
{
	(void)v;
	(void)data;
	return (size - KEY_OPTION_SIZE) % INPUT_KEY_SIZE == 0;
}

/* ---- the table ---- */

#define GLOBAL (&global_guid)
#define IMAGE_SEC (&image_security_guid)
#define HWERR (&tv_hwerr_guid)
#define BS_RT (BS | RT)
#define NV_BS_RT (NV | BS | RT)
#define NV_BS_RT_AT (NV | BS | RT | AT)
#define NV_BS_RT_HR (NV | BS | RT | HR)

/*
 * VarCheckUefiLib's mGlobalVariableList, mGlobalVariableList2,
 * mImageSecurityVariableList and mHwErrRecVariable, in that order, plus
 * teevar's additions. Sizes in bytes: 4 is a device path End node, 6 the
 * fixed part of an EFI_LOAD_OPTION, 10..22 an EFI_KEY_OPTION with zero to
 * three EFI_INPUT_KEYs, 16 an EFI_GUID; MAX is no bound (EDK2's MAX_UINTN).
 */
static const struct uefi_var uefi_vars[] = {
	/* name                    guid       attrs        prop min max  check */
	{"LangCodes",              GLOBAL,    BS_RT,       0,  1,  MAX, ascii_string_ok},
	{"Lang",                   GLOBAL,    NV_BS_RT,    0,  1,  MAX, ascii_string_ok},
	{"Timeout",                GLOBAL,    NV_BS_RT,    0,  2,  2,   NULL},
	{"PlatformLangCodes",      GLOBAL,    BS_RT,       0,  1,  MAX, ascii_string_ok},
	{"PlatformLang",           GLOBAL,    NV_BS_RT,    0,  1,  MAX, ascii_string_ok},
	{"ConIn",                  GLOBAL,    NV_BS_RT,    0,  4,  MAX, device_path_ok},
	{"ConOut",                 GLOBAL,    NV_BS_RT,    0,  4,  MAX, device_path_ok},
	{"ErrOut",                 GLOBAL,    NV_BS_RT,    0,  4,  MAX, device_path_ok},
	{"ConInDev",               GLOBAL,    BS_RT,       0,  4,  MAX, device_path_ok},
	{"ConOutDev",              GLOBAL,    BS_RT,       0,  4,  MAX, device_path_ok},
	{"ErrOutDev",              GLOBAL,    BS_RT,       0,  4,  MAX, device_path_ok},
	{"BootOrder",              GLOBAL,    NV_BS_RT,    0,  2,  MAX, size_array_ok},
	{"BootNext",               GLOBAL,    NV_BS_RT,    0,  2,  2,   NULL},
	{"BootCurrent",            GLOBAL,    BS_RT,       0,  2,  2,   NULL},
	{"BootOptionSupport",      GLOBAL,    BS_RT,       0,  4,  4,   NULL},
	{"DriverOrder",            GLOBAL,    NV_BS_RT,    0,  2,  MAX, size_array_ok},
	{"SysPrepOrder",           GLOBAL,    NV_BS_RT,    0,  2,  MAX, size_array_ok},
	{"HwErrRecSupport",        GLOBAL,    NV_BS_RT,    0,  2,  2,   NULL},
	{"SetupMode",              GLOBAL,    BS_RT,       RO, 1,  1,   NULL},
	/*
	 * teevar addition: AuditMode and DeployedMode (UEFI 2.10's four Secure
	 * Boot modes; current EDK2 dropped them). Writable here, as in EDK2's
	 * 2015 table: whether a write is allowed in the current mode is the
	 * caller's mode logic.
	 */
	{"AuditMode",              GLOBAL,    BS_RT,       0,  1,  1,   NULL},
	{"DeployedMode",           GLOBAL,    BS_RT,       0,  1,  1,   NULL},
	{"KEK",                    GLOBAL,    NV_BS_RT_AT, 0,  1,  MAX, NULL},
	{"PK",                     GLOBAL,    NV_BS_RT_AT, 0,  1,  MAX, NULL},
	{"SignatureSupport",       GLOBAL,    BS_RT,       RO, 16, MAX, size_array_ok},
	{"SecureBoot",             GLOBAL,    BS_RT,       RO, 1,  1,   NULL},
	{"KEKDefault",             GLOBAL,    BS_RT,       RO, 1,  MAX, NULL},
	{"PKDefault",              GLOBAL,    BS_RT,       RO, 1,  MAX, NULL},
	{"dbDefault",              GLOBAL,    BS_RT,       RO, 1,  MAX, NULL},
	{"dbxDefault",             GLOBAL,    BS_RT,       RO, 1,  MAX, NULL},
	{"dbtDefault",             GLOBAL,    BS_RT,       RO, 1,  MAX, NULL},
	{"OsIndicationsSupported", GLOBAL,    BS_RT,       0,  8,  8,   NULL},
	{"OsIndications",          GLOBAL,    NV_BS_RT,    0,  8,  8,   NULL},
	{"VendorKeys",             GLOBAL,    BS_RT,       RO, 1,  1,   NULL},

	{"Boot####",               GLOBAL,    NV_BS_RT,    0,  6,  MAX, load_option_ok},
	{"Driver####",             GLOBAL,    NV_BS_RT,    0,  6,  MAX, load_option_ok},
	{"SysPrep####",            GLOBAL,    NV_BS_RT,    0,  6,  MAX, load_option_ok},
	{"Key####",                GLOBAL,    NV_BS_RT,    0,  10, 22,  key_option_ok},
	{"PlatformRecovery####",   GLOBAL,    BS_RT,       0,  6,  MAX, load_option_ok},

	{"db",                     IMAGE_SEC, NV_BS_RT_AT, 0,  1,  MAX, NULL},
	{"dbx",                    IMAGE_SEC, NV_BS_RT_AT, 0,  1,  MAX, NULL},
	{"dbt",                    IMAGE_SEC, NV_BS_RT_AT, 0,  1,  MAX, NULL},
	/* teevar addition: dbr, as UEFI specifies it (not in EDK2; dbrDefault stays out). */
	{"dbr",                    IMAGE_SEC, NV_BS_RT_AT, 0,  1,  MAX, NULL},

	{"HwErrRec####",           HWERR,     NV_BS_RT_HR, 0,  1,  MAX, NULL},
};

#define N_UEFI_VARS (sizeof(uefi_vars) / sizeof(uefi_vars[0]))

/* The GUIDs whose whole namespace is the table (VarCheckUefiLib's mUefiDefinedGuid). */
static const efi_guid_t *const uefi_defined_guids[] = {
	&global_guid, &image_security_guid, &tv_hwerr_guid,
};

/* ---- names ---- */

/* Characters before the first NUL (EDK2's StrLen), or name_size / 2 if none. */
static size_t name_chars(const uint8_t *name, size_t name_size)
{
	size_t n = 0;

	while (name && 2 * n + 1 < name_size && tv_get_le16(name + 2 * n) != 0)
		n++;
	return n;
}

/* The first n characters of name are the ASCII characters of s. */
static bool name_starts_with(const uint8_t *name, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tv_get_le16(name + 2 * i) != (uint8_t)s[i])
			return false;
	return true;
}

/* EDK2's VarCheckUefiIsHexaDecimalDigitCharacter: 0-9 and A-F, no lowercase. */
static bool is_upper_hex(uint16_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static bool ends_in_hex4(const uint8_t *name, size_t len)
{
	for (size_t i = len - 4; i < len; i++)
		if (!is_upper_hex(tv_get_le16(name + 2 * i)))
			return false;
	return true;
}

static bool guid_eq(const efi_guid_t *a, const efi_guid_t *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static bool is_pattern(const struct uefi_var *v)
{
	size_t n = strlen(v->name);

	return n > 4 && strcmp(v->name + n - 4, "####") == 0;
}

/*
 * The entry for name/guid, or NULL. *content is whether its content check
 * applies: EDK2 finds properties through VarCheckLib, which also matches the
 * literal name "Boot####" (its wildcard table is keyed by that name), but
 * finds check functions through VarCheckUefiLib's own lists, where a "####"
 * entry matches only four hex digits. So "Boot####" gets the attribute and
 * size checks and no load option check.
 */
static const struct uefi_var *lookup(const uint8_t *name, size_t name_size,
				     const efi_guid_t *guid, bool *content)
{
	size_t len = name_chars(name, name_size);

	for (size_t i = 0; i < N_UEFI_VARS; i++) {
		const struct uefi_var *v = &uefi_vars[i];

		if (!guid_eq(v->guid, guid) || strlen(v->name) != len)
			continue;
		if (name_starts_with(name, v->name, len)) {
			*content = !is_pattern(v);
			return v;
		}
		if (is_pattern(v) && name_starts_with(name, v->name, len - 4) &&
		    ends_in_hex4(name, len)) {
			*content = true;
			return v;
		}
	}
	return NULL;
}

static bool is_uefi_defined_guid(const efi_guid_t *guid)
{
	for (size_t i = 0; i < sizeof(uefi_defined_guids) / sizeof(uefi_defined_guids[0]); i++)
		if (guid_eq(guid, uefi_defined_guids[i]))
			return true;
	return false;
}

/* ---- the API ---- */

bool tv_is_hwerr_rec(const uint8_t *name, size_t name_size, const efi_guid_t *guid)
{
	static const char prefix[] = "HwErrRec";
	size_t len = name_chars(name, name_size);

	return guid_eq(guid, &tv_hwerr_guid) && len == sizeof(prefix) - 1 + 4 &&
	       name_starts_with(name, prefix, sizeof(prefix) - 1) && ends_in_hex4(name, len);
}

bool tv_uefi_var_property(const uint8_t *name, size_t name_size, const efi_guid_t *guid,
			  var_check_property_t *prop)
{
	bool content;
	const struct uefi_var *v = lookup(name, name_size, guid, &content);

	if (!v)
		return false;
	*prop = (var_check_property_t){
		.revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION,
		.property = v->property,
		.attributes = v->attrs,
		.min_size = v->min_size,
		.max_size = v->max_size,
	};
	return true;
}

efi_status_t tv_uefi_var_check(const uint8_t *name, size_t name_size, const efi_guid_t *guid,
			       uint32_t attrs, uint64_t payload_size, const uint8_t *payload)
{
	bool del = (!(attrs & APPEND) && payload_size == 0) || attrs == 0;
	bool content = false;
	const struct uefi_var *v = lookup(name, name_size, guid, &content);

	/* VarCheckLib: the property. */
	if (v) {
		if (v->property & RO)
			return EFI_WRITE_PROTECTED;
		if (!del) {
			if (v->attrs != 0 && (attrs & ~(uint32_t)APPEND) != v->attrs)
				return EFI_INVALID_PARAMETER;
			if (payload_size != 0 &&
			    (payload_size < v->min_size || payload_size > v->max_size))
				return EFI_INVALID_PARAMETER;
		}
	}

	/* VarCheckUefiLib's handler (SetVariableCheckHandlerUefiDefined). */
	if (del)
		return EFI_SUCCESS;
	if ((attrs & HR) && !tv_is_hwerr_rec(name, name_size, guid))
		return EFI_INVALID_PARAMETER;
	/*
	 * Only UEFI may define names under its GUIDs: anything else must use a
	 * vendor GUID, so an unknown name here is refused rather than stored.
	 */
	if (!v && is_uefi_defined_guid(guid))
		return EFI_INVALID_PARAMETER;
	if (payload_size == 0)
		return EFI_SUCCESS; /* an empty APPEND: nothing to look at */
	if (v && content && v->check && !v->check(v, payload_size, payload))
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

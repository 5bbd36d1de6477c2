/* SPDX-License-Identifier: BSD-2-Clause */
/* Values given on the command line: numbers, attributes, hex data, GUIDs, names. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <teevar/util.h>

#include "cli.h"
#include "tv_hex.h"

#define GUID_TEXT_LEN 36u

void bytes_free(struct bytes *b)
{
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	uint64_t v = 0;
	for (; *s; s++) {
		int d = tv_hex_digit(*s);
		if (d < 0 || (unsigned)d >= base || v > (UINT64_MAX - (unsigned)d) / base)
			return -1;
		v = v * base + (unsigned)d;
	}
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	if (parse_u64(s, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static const struct {
	const char *short_name;
	const char *long_name;
	uint32_t bit;
} attr_names[] = {
	{"nv", "non-volatile", EFI_VARIABLE_NON_VOLATILE},
	{"bs", "bootservice-access", EFI_VARIABLE_BOOTSERVICE_ACCESS},
	{"rt", "runtime-access", EFI_VARIABLE_RUNTIME_ACCESS},
	{"hr", "hardware-error-record", EFI_VARIABLE_HARDWARE_ERROR_RECORD},
	{"aw", "authenticated-write-access", EFI_VARIABLE_AUTHENTICATED_WRITE_ACCESS},
	{"at", "time-based-authenticated-write-access",
	 EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS},
	{"append", "append-write", EFI_VARIABLE_APPEND_WRITE},
	{"ea", "enhanced-authenticated-access", EFI_VARIABLE_ENHANCED_AUTHENTICATED_ACCESS},
};
#define N_ATTR_NAMES (sizeof(attr_names) / sizeof(attr_names[0]))

static int attr_bit(const char *tok, size_t len, uint32_t *bit)
{
	for (size_t i = 0; i < N_ATTR_NAMES; i++) {
		const char *s = attr_names[i].short_name, *l = attr_names[i].long_name;
		if ((strlen(s) == len && strncasecmp(tok, s, len) == 0) ||
		    (strlen(l) == len && strncasecmp(tok, l, len) == 0)) {
			*bit = attr_names[i].bit;
			return 0;
		}
	}
	return -1;
}

int parse_attrs(const char *s, uint32_t *out)
{
	if (s[0] >= '0' && s[0] <= '9')
		return parse_u32(s, out);
	uint32_t attrs = 0;
	for (;;) {
		size_t len = strcspn(s, ",");
		uint32_t bit;
		if (len == 0 || attr_bit(s, len, &bit) != 0)
			return -1;
		attrs |= bit;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	*out = attrs;
	return 0;
}

void attrs_format(uint32_t attrs, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	if (attrs == 0) {
		snprintf(out, size, "none");
		return;
	}
	for (size_t i = 0; i < N_ATTR_NAMES; i++) {
		if (!(attrs & attr_names[i].bit))
			continue;
		int n = snprintf(out + used, size - used, "%s%s", used ? "," : "",
				 attr_names[i].short_name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
		attrs &= ~attr_names[i].bit;
	}
	if (attrs)
		snprintf(out + used, size - used, "%s0x%x", used ? "," : "", attrs);
}

void attrs_print_json_names(FILE *f, uint32_t attrs)
{
	bool first = true;
	fputc('[', f);
	for (size_t i = 0; i < N_ATTR_NAMES; i++) {
		if (attrs & attr_names[i].bit) {
			fprintf(f, "%s\"%s\"", first ? "" : ", ", attr_names[i].short_name);
			first = false;
		}
	}
	fputc(']', f);
}

static bool is_hex_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',';
}

int parse_hex(const char *s, struct bytes *out, size_t *bad_at)
{
	const char *start = s;
	out->n = 0;
	out->p = malloc(strlen(s) / 2 + 1);
	if (!out->p)
		return -2;
	while (*s) {
		if (is_hex_separator(*s)) {
			s++;
			continue;
		}
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		const char *tok = s;
		while (*s && !is_hex_separator(*s)) {
			if (tv_hex_digit(*s) < 0 || tv_hex_digit(s[1]) < 0)
				goto bad;
			out->p[out->n++] = (uint8_t)(tv_hex_digit(s[0]) << 4 | tv_hex_digit(s[1]));
			s += 2;
		}
		if (s == tok)
			goto bad;
	}
	return 0;
bad:
	*bad_at = (size_t)(s - start);
	bytes_free(out);
	return -1;
}

static const struct {
	const char *alias;
	const char *guid;
	const char *what;
} guid_aliases[] = {
	{"global", "8be4df61-93ca-11d2-aa0d-00e098032b8c", "BootOrder, Boot####, PK, KEK"},
	{"security", "d719b2cb-3d3a-4596-a3bc-dad00e67656f", "db, dbx, dbt"},
	{"db", "d719b2cb-3d3a-4596-a3bc-dad00e67656f", "db, dbx, dbt"},
	{"shim", "605dab50-e046-4300-abb6-3dd810dd8b23", "MokList, MokSBState"},
	{"systemd", "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f", "LoaderEntryDefault, ..."},
	{"hwerr", "414e6bdd-e47b-47cc-b244-bb61020cf516", "HwErrRec####"},
	{"pstore", "cfc8fc79-be2e-4ddc-97f0-9f98bfe298a0", "Linux efi-pstore dumps"},
	{"teevar-sb", "171c99b8-4321-4775-aaca-d8ec51ffa051", "PKDefault, ... (factory, nv,bs)"},
};
#define N_ALIASES (sizeof(guid_aliases) / sizeof(guid_aliases[0]))

/* A GUID in text form, bare or in braces ("{8be4df61-...}"). */
static int guid_text(const char *s, size_t len, efi_guid_t *out)
{
	char buf[GUID_TEXT_LEN + 1];
	if (len == GUID_TEXT_LEN + 2 && s[0] == '{' && s[len - 1] == '}') {
		s++;
		len -= 2;
	}
	if (len != GUID_TEXT_LEN)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return tv_guid_parse(buf, out);
}

int parse_guid_or_alias(const char *s, efi_guid_t *out)
{
	for (size_t i = 0; i < N_ALIASES; i++)
		if (strcasecmp(s, guid_aliases[i].alias) == 0)
			return tv_guid_parse(guid_aliases[i].guid, out);
	return guid_text(s, strlen(s), out);
}

void print_guid_aliases(FILE *f)
{
	for (size_t i = 0; i < N_ALIASES; i++)
		fprintf(f, "  %-9s %s  %s\n", guid_aliases[i].alias, guid_aliases[i].guid,
			guid_aliases[i].what);
}

/* "\uXXXX" (4 hex digits) at p: the unit, or -1. */
static long escaped_unit(const char *p)
{
	if (p[0] != '\\' || p[1] != 'u')
		return -1;
	long u = 0;
	for (int i = 2; i < 6; i++) {
		int d = tv_hex_digit(p[i]);
		if (d < 0)
			return -1;
		u = u << 4 | d;
	}
	return u;
}

/* UTF-8 with list's escapes ("\\" a backslash, "\uXXXX" any UCS-2 unit; a
 * backslash before anything else is itself) -> UCS-2, NUL-terminated; the
 * units before the NUL, or -1 (not UTF-8, or a character outside the BMP). */
static long name_units(const char *text, efi_char16_t *out, size_t max)
{
	size_t n = 0;
	const char *p = text;
	while (*p) {
		long u = escaped_unit(p);
		if (u < 0 && p[0] == '\\' && p[1] == '\\') {
			u = '\\';
			p += 2;
		} else if (u >= 0) {
			p += 6;
		}
		if (u >= 0) {
			if (u == 0)
				return -1; /* a NUL would end the name */
			out[n++] = (efi_char16_t)u;
			continue;
		}
		/* the plain text up to the next backslash (or one backslash alone) */
		size_t len = p[0] == '\\' ? 1 : strcspn(p, "\\");
		char *chunk = strndup(p, len);
		if (!chunk)
			return -1;
		long k = tv_utf8_to_ucs2(chunk, out + n, max - n);
		free(chunk);
		if (k < 1)
			return -1;
		n += (size_t)k - 1; /* k counts the NUL */
		p += len;
	}
	out[n] = 0;
	return (long)n + 1;
}

/* Name (UTF-8 with list's escapes, at most 1024 characters) -> UCS-2; 0 or
 * EXIT_USAGE. */
static int name_convert(const char *cmd, const char *text, efi_char16_t **out)
{
	if (text[0] == '\0')
		return usage_error("%s: the variable name is empty", cmd);
	size_t max = strlen(text) + 1; /* UTF-8 never has fewer bytes than UCS-2 units */
	*out = calloc(max, sizeof(efi_char16_t));
	if (!*out)
		return usage_error("%s: out of memory", cmd);
	long units = name_units(text, *out, max);
	const char *why = NULL;
	if (units < 0)
		why = "not valid UTF-8, a character outside the BMP, or \\u0000";
	else if ((size_t)units > CLI_NAME_MAX_CHARS + 1)
		why = "longer than 1024 characters";
	if (!why)
		return 0;
	free(*out);
	*out = NULL;
	return usage_error("%s: bad variable name: %s", cmd, why);
}

/* The Secure Boot key variables may be named without a GUID (U-Boot's
 * efi_auth_var_get_guid): db, dbx, dbt, dbr under the image-security GUID, PK
 * and KEK under the global one. Names are case-sensitive. */
static const struct {
	const char *name;
	const char *alias;
} default_guids[] = {
	{"db", "db"}, {"dbx", "db"}, {"dbt", "db"}, {"dbr", "db"},
	{"PK", "global"}, {"KEK", "global"},
};

static int default_guid(const char *name, efi_guid_t *guid)
{
	for (size_t i = 0; i < sizeof(default_guids) / sizeof(default_guids[0]); i++)
		if (strcmp(name, default_guids[i].name) == 0)
			return parse_guid_or_alias(default_guids[i].alias, guid);
	return -1;
}

/* "Name-GUID" (efivarfs, teevar list): the GUID is the last 36 characters (38
 * in braces), '-' right before them. *name_len: the name's length. */
static bool guid_last(const char *arg, size_t len, size_t *name_len, efi_guid_t *guid)
{
	for (size_t g = GUID_TEXT_LEN; g <= GUID_TEXT_LEN + 2; g += 2) {
		if (len >= g + 2 && arg[len - g - 1] == '-' &&
		    guid_text(arg + len - g, g, guid) == 0) {
			*name_len = len - g - 1;
			return true;
		}
	}
	return false;
}

/* "GUID-Name" (efivar -l) or "{GUID}-Name": *name_at is where the name starts. */
static bool guid_first(const char *arg, size_t len, size_t *name_at, efi_guid_t *guid)
{
	for (size_t g = GUID_TEXT_LEN; g <= GUID_TEXT_LEN + 2; g += 2) {
		if (len >= g + 2 && arg[g] == '-' && guid_text(arg, g, guid) == 0) {
			*name_at = g + 1;
			return true;
		}
	}
	return false;
}

static int split_name_guid(const char *cmd, const char *arg, char **name, efi_guid_t *guid)
{
	size_t len = strlen(arg), k;
	if (guid_last(arg, len, &k, guid))
		*name = strndup(arg, k);
	else if (guid_first(arg, len, &k, guid))
		*name = strdup(arg + k);
	else if (default_guid(arg, guid) == 0)
		*name = strdup(arg);
	else
		return usage_error("%s: bad variable '%s': expected Name-GUID "
				   "(e.g. BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c), "
				   "GUID-Name as efivar prints it, --name N --guid G, or one of "
				   "PK, KEK, db, dbx, dbt, dbr", cmd, arg);
	return *name ? 0 : usage_error("%s: out of memory", cmd);
}

static int var_id_texts(const struct opts *o, const char *cmd, const char *pos, char **name,
			efi_guid_t *guid)
{
	bool by_opts = opt_has(o, OPT_NAME) || opt_has(o, OPT_GUID);
	if (pos && by_opts)
		return usage_error("%s: give the variable as Name-GUID or with --name/--guid, "
				   "not both", cmd);
	if (pos)
		return split_name_guid(cmd, pos, name, guid);
	if (!by_opts)
		return usage_error("%s: missing variable (Name-GUID, or --name N --guid G)", cmd);
	if (opt_has(o, OPT_NAME) && !opt_has(o, OPT_GUID) &&
	    default_guid(o->value[OPT_NAME], guid) == 0) {
		*name = strdup(o->value[OPT_NAME]);
		return *name ? 0 : usage_error("%s: out of memory", cmd);
	}
	if (!opt_has(o, OPT_NAME) || !opt_has(o, OPT_GUID))
		return usage_error("%s: --name and --guid go together (only PK, KEK, db, dbx, "
				   "dbt and dbr have a default GUID)", cmd);
	if (parse_guid_or_alias(o->value[OPT_GUID], guid) != 0)
		return usage_error("%s: bad GUID '%s' (expected xxxxxxxx-xxxx-xxxx-xxxx-"
				   "xxxxxxxxxxxx or an alias, see teevar --help)",
				   cmd, o->value[OPT_GUID]);
	*name = strdup(o->value[OPT_NAME]);
	return *name ? 0 : usage_error("%s: out of memory", cmd);
}

int var_id_parse(const struct opts *o, const char *cmd, const char *pos, struct var_id *v)
{
	char *name = NULL;
	memset(v, 0, sizeof(*v));
	int rc = var_id_texts(o, cmd, pos, &name, &v->guid);
	if (rc == 0)
		rc = name_convert(cmd, name, &v->name);
	if (rc == 0) {
		char g[37];
		tv_guid_format(&v->guid, g);
		char *shown = name_display(v->name, CLI_NAME_MAX_CHARS + 1); /* as list shows it */
		if (!shown || asprintf(&v->label, "%s-%s", shown, g) < 0) {
			v->label = NULL;
			rc = usage_error("%s: out of memory", cmd);
		}
		free(shown);
	}
	free(name);
	if (rc != 0)
		var_id_free(v);
	return rc;
}

void var_id_free(struct var_id *v)
{
	free(v->name);
	free(v->label);
	v->name = NULL;
	v->label = NULL;
}

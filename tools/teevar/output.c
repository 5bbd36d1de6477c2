/* SPDX-License-Identifier: BSD-2-Clause */
/* Human and JSON output helpers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/util.h>

#include "cli.h"

#define HEXDUMP_WIDTH 16u

static void hexdump_line(FILE *f, size_t off, const uint8_t *p, size_t n)
{
	fprintf(f, "%08zx ", off);
	for (size_t i = 0; i < HEXDUMP_WIDTH; i++) {
		if (i == HEXDUMP_WIDTH / 2)
			fputc(' ', f);
		if (i < n)
			fprintf(f, " %02x", p[i]);
		else
			fputs("   ", f);
	}
	fputs("  |", f);
	for (size_t i = 0; i < n; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', f);
	fputs("|\n", f);
}

void hexdump(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n; off += HEXDUMP_WIDTH) {
		size_t len = n - off < HEXDUMP_WIDTH ? n - off : HEXDUMP_WIDTH;
		hexdump_line(f, off, p + off, len);
	}
}

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

/* UTF-8 of one BMP unit that is not a surrogate; returns bytes written. */
static size_t put_utf8(char *out, efi_char16_t u)
{
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | (u >> 6));
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (u >> 12));
	out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

/* Units a terminal acts on or that make one name look like another: C1
 * controls (U+009B is CSI), line and paragraph separators, the bidi marks,
 * embeddings, overrides and isolates, and the BOM. */
static bool unit_misleads(efi_char16_t u)
{
	return (u >= 0x80 && u <= 0x9f) || u == 0x2028 || u == 0x2029 || u == 0x200e ||
	       u == 0x200f || (u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069) ||
	       u == 0xfeff;
}

/* A name written by another client may hold control characters, lone
 * surrogates or characters that mislead (unit_misleads); those are shown
 * escaped (\uXXXX) so that one name stays one line and shows as what it is,
 * '/' too, so that a shown name is one path component (export --to efivarfs
 * DIR), and a backslash doubled, so that get, set and delete read the shown
 * name back as the same name (parse.c). */
char *name_display(const efi_char16_t *name, size_t max_units)
{
	size_t units = tv_ucs2_strnlen(name, max_units);
	char *out = malloc(units * 6 + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < units; i++) {
		efi_char16_t u = name[i];
		bool odd = u < 0x20 || u == 0x7f || (u >= 0xd800 && u <= 0xdfff) ||
			   u == '/' || unit_misleads(u);
		if (u == '\\')
			n += (size_t)sprintf(out + n, "\\\\"); /* so that escapes read back */
		else if (odd)
			n += (size_t)sprintf(out + n, "\\u%04x", u);
		else
			n += put_utf8(out + n, u);
	}
	out[n] = '\0';
	return out;
}

void json_name(FILE *f, const efi_char16_t *name, size_t max_units)
{
	size_t units = tv_ucs2_strnlen(name, max_units);
	char utf8[4];
	fputc('"', f);
	for (size_t i = 0; i < units; i++) {
		efi_char16_t u = name[i];
		if (u == '"' || u == '\\')
			fprintf(f, "\\%c", (char)u);
		else if (u < 0x20 || u == 0x7f || (u >= 0xd800 && u <= 0xdfff))
			fprintf(f, "\\u%04x", u);
		else
			fwrite(utf8, 1, put_utf8(utf8, u), f);
	}
	fputc('"', f);
}

int finish_output(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "teevar: cannot write the output: %s\n", strerror(errno));
		return rc == EXIT_OK ? EXIT_IO : rc;
	}
	return rc;
}

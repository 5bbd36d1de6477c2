/* SPDX-License-Identifier: BSD-2-Clause */
/* The data of `teevar set`: a file, stdin, hex text, or a string. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/util.h>

#include "cli.h"

#define READ_CHUNK 65536u

static int io_error_in(const char *cmd, const char *what, const char *why)
{
	fprintf(stderr, "teevar: %s: cannot read %s: %s\n", cmd, what, why);
	return EXIT_IO;
}

static int io_error(const char *what, const char *why)
{
	return io_error_in("set", what, why);
}

static int read_stream(const char *cmd, FILE *f, const char *what, struct bytes *out)
{
	size_t cap = 0;
	out->p = NULL;
	out->n = 0;
	for (;;) {
		if (cap - out->n < READ_CHUNK) {
			if (cap > CLI_DATA_MAX)
				return io_error_in(cmd, what, "larger than 16 MiB");
			uint8_t *p = realloc(out->p, cap + READ_CHUNK);
			if (!p)
				return io_error_in(cmd, what, "out of memory");
			out->p = p;
			cap += READ_CHUNK;
		}
		size_t got = fread(out->p + out->n, 1, cap - out->n, f);
		out->n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		return io_error_in(cmd, what, strerror(errno));
	if (out->n > CLI_DATA_MAX)
		return io_error_in(cmd, what, "larger than 16 MiB");
	return 0;
}

static int read_path(const char *cmd, const char *path, struct bytes *out)
{
	if (strcmp(path, "-") == 0)
		return read_stream(cmd, stdin, "standard input", out);
	FILE *f = fopen(path, "rb");
	if (!f)
		return io_error_in(cmd, path, strerror(errno));
	int rc = read_stream(cmd, f, path, out);
	fclose(f);
	return rc;
}

int input_read_file(const char *cmd, const char *path, struct bytes *out)
{
	out->p = NULL;
	out->n = 0;
	int rc = read_path(cmd, path, out);
	if (rc != 0)
		bytes_free(out);
	return rc;
}

static int from_hex(const char *text, struct bytes *out)
{
	size_t bad_at = 0;
	int rc = parse_hex(text, out, &bad_at);
	if (rc == -2)
		return io_error("--hex", "out of memory");
	if (rc != 0)
		return usage_error("set: bad --hex data at character %zu: expected pairs of hex "
				   "digits, optionally separated by spaces, ':' or ','",
				   bad_at + 1);
	return 0;
}

static int from_string(const char *text, struct bytes *out)
{
	out->n = strlen(text);
	out->p = malloc(out->n + 1);
	if (!out->p)
		return io_error("--string", "out of memory");
	memcpy(out->p, text, out->n);
	return 0;
}

/* UCS-2 little-endian with the terminating NUL, as UEFI stores strings. */
static int from_string16(const char *text, struct bytes *out)
{
	size_t max = strlen(text) + 1;
	efi_char16_t *u = calloc(max, sizeof(*u));
	out->p = malloc(max * 2);
	if (!u || !out->p) {
		free(u);
		return io_error("--string16", "out of memory");
	}
	long units = tv_utf8_to_ucs2(text, u, max);
	if (units < 0) {
		free(u);
		bytes_free(out);
		return usage_error("set: --string16 text is not valid UTF-8 or has characters "
				   "outside the BMP");
	}
	for (long i = 0; i < units; i++) {
		out->p[2 * i] = (uint8_t)(u[i] & 0xff);
		out->p[2 * i + 1] = (uint8_t)(u[i] >> 8);
	}
	out->n = (size_t)units * 2;
	free(u);
	return 0;
}

int input_read(const struct opts *o, struct bytes *out)
{
	const char *v = o->value[o->data_opt];
	int rc;
	out->p = NULL;
	out->n = 0;
	if (!(o->seen & OPTS_DATA))
		return usage_error("set: no data: give --file F, --stdin, --hex H, --string S or "
				   "--string16 S (or --empty for a zero-length write, which deletes)");
	switch (o->data_opt) {
	case OPT_FILE: rc = read_path("set", v, out); break;
	case OPT_STDIN: rc = read_path("set", "-", out); break;
	case OPT_HEX: rc = from_hex(v, out); break;
	case OPT_STRING: rc = from_string(v, out); break;
	case OPT_STRING16: rc = from_string16(v, out); break;
	default: return 0; /* --empty */
	}
	if (rc != 0)
		bytes_free(out);
	return rc;
}

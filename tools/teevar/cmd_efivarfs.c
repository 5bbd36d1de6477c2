/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One variable in efivarfs' file format (a u32 little-endian attributes word,
 * then the data: what `cat /sys/firmware/efi/efivars/Name-GUID` gives):
 * `teevar import --from efivarfs FILE [VARIABLE]` and `teevar export --to
 * efivarfs VARIABLE FILE|DIR|-`. Both go through GetVariable and SetVariable,
 * so they work over every transport.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define ATTRS_BYTES 4u

/* ---- import ---- */

/* The variable: VARIABLE or --name/--guid when given, else FILE's own name. */
static int import_identity(const struct opts *o, const char *file, struct var_id *v)
{
	if (o->npos > 3)
		return usage_error("import: unexpected argument '%s'", o->pos[3]);
	if (o->npos == 3 || opt_has(o, OPT_NAME) || opt_has(o, OPT_GUID))
		return var_id_parse(o, "import", o->npos == 3 ? o->pos[2] : NULL, v);
	char *copy = strdup(file);
	if (!copy)
		return usage_error("import: out of memory");
	struct opts none;
	memset(&none, 0, sizeof(none));
	int rc = var_id_parse(&none, "import", basename(copy), v);
	free(copy);
	if (rc != 0)
		fprintf(stderr, "teevar: import: a file named Name-GUID (as in efivarfs) names its "
			"variable; else give it: teevar import --from efivarfs FILE Name-GUID\n");
	return rc;
}

int cmd_import_efivarfs(const struct opts *o)
{
	uint64_t image_only = OPT_BIT(OPT_REPLACE) | OPT_BIT(OPT_SKIP) | OPT_BIT(OPT_DRY_RUN) |
			      OPT_BIT(OPT_JSON) | OPT_BIT(OPT_UNBOUND_PRIVATE);
	for (int id = 0; id < OPT_COUNT; id++)
		if (o->seen & image_only & OPT_BIT(id))
			return usage_error("import --from efivarfs: option --%s is for firmware "
					   "images", opt_name((enum opt_id)id));
	if (o->npos < 2)
		return usage_error("import: which file? (teevar import --from efivarfs FILE "
				   "[VARIABLE])");
	const char *file = o->pos[1];
	struct var_id v;
	int rc = import_identity(o, file, &v);
	if (rc != 0)
		return rc;
	struct bytes raw;
	rc = input_read_file("import", file, &raw);
	if (rc == 0 && raw.n <= ATTRS_BYTES) {
		fprintf(stderr, "teevar: import: %s: %s (efivarfs' format: a 4-byte little-endian "
			"attributes word, then the data)\n", file,
			raw.n < ATTRS_BYTES ? "shorter than the attributes word"
					    : "holds only the attributes, no data (efivarfs "
					      "deletes on such a write: use teevar delete)");
		rc = EXIT_BAD_IMAGE;
	}
	if (rc == 0 && !(raw.p[0] & (EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS))) {
		/* SetVariable deletes with neither bs nor rt: an import never does. */
		fprintf(stderr, "teevar: import: %s: attributes 0x%02x%02x%02x%02x have neither bs nor "
			"rt, so SetVariable would delete the variable (use teevar delete)\n", file,
			raw.p[3], raw.p[2], raw.p[1], raw.p[0]);
		rc = EXIT_BAD_IMAGE;
	}
	struct session s;
	if (rc == 0)
		rc = session_open(o, &s);
	if (rc == 0) {
		uint32_t attrs = (uint32_t)raw.p[0] | (uint32_t)raw.p[1] << 8 |
				 (uint32_t)raw.p[2] << 16 | (uint32_t)raw.p[3] << 24;
		struct bytes d = {raw.p + ATTRS_BYTES, raw.n - ATTRS_BYTES};
		struct set_prior p;
		set_prior_read(&s, &v, &p);
		rc = set_and_report(o, &s, "import", &v, attrs, &d, &p);
		set_prior_free(&p);
		session_close(&s);
	}
	bytes_free(&raw);
	var_id_free(&v);
	return rc;
}

/* ---- export ---- */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* FILE, or DIR/Name-GUID when FILE is a directory; '-' is standard output. */
static int export_write(const struct opts *o, const char *file, const char *label,
			const uint8_t *p, size_t n)
{
	if (strcmp(file, "-") == 0) {
		fwrite(p, 1, n, stdout);
		return 0;
	}
	char *path = NULL;
	struct stat st;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (asprintf(&path, "%s/%s", file, label) < 0)
			return usage_error("export: out of memory");
	} else if (!(path = strdup(file))) {
		return usage_error("export: out of memory");
	}
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
		    (opt_has(o, OPT_FORCE) ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, 0644);
	int err = fd < 0 ? -errno : write_all(fd, p, n);
	if (fd >= 0 && close(fd) != 0 && err == 0)
		err = -errno;
	int rc = 0;
	if (err == -EEXIST)
		fprintf(stderr, "teevar: export: %s exists: not overwritten (--force replaces it)\n",
			path);
	else if (err != 0)
		fprintf(stderr, "teevar: export: %s: %s\n", path, strerror(-err));
	else if (!opt_has(o, OPT_QUIET))
		printf("exported %s to %s (efivarfs, %zu bytes)\n", label, path, n);
	if (err != 0)
		rc = EXIT_IO;
	free(path);
	return rc;
}

int cmd_export_efivarfs(const struct opts *o)
{
	if (opt_has(o, OPT_TEMPLATE))
		return usage_error("export --to efivarfs: --template is for EDK2 images");
	if (o->npos > 3)
		return usage_error("export: unexpected argument '%s'", o->pos[3]);
	bool by_opts = opt_has(o, OPT_NAME) || opt_has(o, OPT_GUID);
	int want = by_opts ? 2 : 3;
	if (o->npos != want)
		return usage_error("export --to efivarfs: expected VARIABLE FILE (FILE a "
				   "directory: DIR/Name-GUID; '-': standard output)");
	struct var_id v;
	int rc = var_id_parse(o, "export", by_opts ? NULL : o->pos[1], &v);
	if (rc != 0)
		return rc;
	const char *file = o->pos[want - 1];
	struct session s;
	rc = session_open(o, &s);
	if (rc == 0) {
		uint32_t attrs = 0;
		struct bytes d;
		efi_status_t st = fetch_variable(s.client, v.name, &v.guid, &attrs, &d);
		if (st != EFI_SUCCESS) {
			rc = report_status(&s, OP_GET, "export", v.label, st);
		} else {
			uint8_t *buf = malloc(d.n + ATTRS_BYTES);
			if (!buf) {
				rc = usage_error("export: out of memory");
			} else {
				for (unsigned i = 0; i < ATTRS_BYTES; i++)
					buf[i] = (uint8_t)(attrs >> (8 * i));
				if (d.n)
					memcpy(buf + ATTRS_BYTES, d.p, d.n);
				rc = export_write(o, file, v.label, buf, d.n + ATTRS_BYTES);
				free(buf);
			}
		}
		bytes_free(&d);
		session_close(&s);
	}
	var_id_free(&v);
	return rc;
}

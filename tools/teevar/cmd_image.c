/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar import and export: the variables of a firmware variable store image
 * (an EDK2 NV store: OVMF/AAVMF pflash, an EDK2 StMM EFI_VARS image; or
 * U-Boot's ubootefi.var) into teevar's store and back. The formats are
 * src/varimg's; the all-or-nothing import and the export walk are the secure
 * core's (var_transfer.h). Here: files, the conversion between the two
 * variable records, messages and exit codes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <teevar/store_info.h>
#include <teevar/transport.h>
#include <teevar/util.h>
#include <teevar/var_transfer.h>

#include "cli.h"
#include "varimg.h"

#define IMAGE_MAX ((size_t)1 << 30)   /* larger than any firmware store */
#define ATTRS_TEXT 96
#define STOP_TEEVARD "stop teevard and run with --state DIR on its state directory"

/* EDK2's SecureBootConfig GUID f0a30bc7-af08-4556-99c4-001009c93a44:
 * SecureBootEnable (1 byte; 0 = switched off in its setup menu). */
static const efi_guid_t sb_enable_guid = {{0xc7, 0x0b, 0xa3, 0xf0, 0x08, 0xaf, 0x56, 0x45,
					   0x99, 0xc4, 0x00, 0x10, 0x09, 0xc9, 0x3a, 0x44}};

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* ---- files ---- */

/* A whole input file: mapped when it is a regular file (an EDK2 parse reads
 * only the FV, not AAVMF's 63 MiB of padding), else read. */
struct image_buf {
	const uint8_t *p;
	size_t n;
	void *map;          /* munmap(map, n) */
	uint8_t *heap;      /* free(heap) */
};

static void image_buf_free(struct image_buf *b)
{
	if (b->map)
		munmap(b->map, b->n);
	free(b->heap);
	memset(b, 0, sizeof(*b));
}

/* 0 or EXIT_IO (message printed). */
static int read_image(const char *cmd, const char *what, const char *path, struct image_buf *out)
{
	memset(out, 0, sizeof(*out));
	int fd = strcmp(path, "-") == 0 ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)
					: open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "teevar: %s: cannot read %s%s: %s\n", cmd, what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_IO;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "teevar: %s: cannot read %s%s: %s\n", cmd, what, path,
			strerror(EISDIR));
		close(fd);
		return EXIT_IO;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= IMAGE_MAX) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			close(fd);
			out->map = m;
			out->p = m;
			out->n = (size_t)st.st_size;
			return 0;
		}
	}
	size_t cap = 65536, n = 0;
	uint8_t *buf = NULL;
	const char *why = NULL;
	for (;;) {
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > IMAGE_MAX + 1) {
				why = "larger than 1 GiB: not a firmware variable store";
				break;
			}
			uint8_t *q = realloc(buf, cap);
			if (!q) {
				why = strerror(ENOMEM);
				break;
			}
			buf = q;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			why = strerror(errno);
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (why) {
		fprintf(stderr, "teevar: %s: cannot read %s%s: %s\n", cmd, what, path, why);
		free(buf);
		return EXIT_IO;
	}
	out->heap = buf;
	out->p = buf;
	out->n = n;
	return 0;
}

/* The length of p without its trailing zero bytes. */
static size_t without_zero_tail(const uint8_t *p, size_t n)
{
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p + n - 8, 8);
		if (w != 0)
			break;
		n -= 8;
	}
	while (n > 0 && p[n - 1] == 0)
		n--;
	return n;
}

/* Writes p to a temporary file beside path and syncs it. replace: renames it
 * over path (path holds either what it held before or all of p); else makes
 * it path without replacing anything (link(), or renameat2(RENAME_NOREPLACE)
 * where the file system has no hard links, e.g. an ESP's FAT): -EEXIST when
 * path exists. old (may be NULL): the regular file being replaced, whose mode
 * (and, for root, owner) the new file keeps; else 0666 & ~umask.
 * p[zero_from..n) is known to be zero (not scanned: AAVMF's 63 MiB tail would
 * cost a page fault a page). Returns 0 or -errno with *step saying what failed. */
static int write_atomic(const char *path, const uint8_t *p, size_t n, size_t zero_from,
			bool replace, const struct stat *old, const char **step)
{
	size_t len = strlen(path);
	char *tmp = malloc(len + 16);
	char *dcopy = strdup(path);
	if (!tmp || !dcopy) {
		free(tmp);
		free(dcopy);
		*step = "allocating";
		return -ENOMEM;
	}
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp-XXXXXX", sizeof(".tmp-XXXXXX"));
	int err = 0;
	int fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		*step = "creating a temporary file beside it";
		goto out;
	}
	mode_t mode;
	if (old) {
		mode = old->st_mode & 0777;
		if (geteuid() == 0 && fchown(fd, old->st_uid, old->st_gid) != 0) {
			err = -errno;
			*step = "giving it the owner of the file it replaces";
			goto fail;
		}
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (fchmod(fd, mode) != 0) {
		err = -errno;
		*step = "setting its mode";
		goto fail;
	}
	/* a zero tail (AAVMF's 63 MiB after the FV) is left as a hole: the same bytes */
	size_t data_n = without_zero_tail(p, zero_from < n ? zero_from : n);
	if (ftruncate(fd, (off_t)n) != 0) {
		err = -errno;
		*step = "sizing";
		goto fail;
	}
	for (size_t off = 0; off < data_n;) {
		ssize_t w = write(fd, p + off, data_n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			*step = "writing";
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		err = -errno;
		*step = "syncing";
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		err = -errno;
		*step = "closing";
		goto fail;
	}
	fd = -1;
	if (replace) {
		if (rename(tmp, path) != 0) {
			err = -errno;
			*step = "renaming the temporary file over it";
			goto fail;
		}
	} else if (link(tmp, path) == 0) {
		unlink(tmp);
	} else if (errno == EEXIST) {
		err = -EEXIST;
		*step = "";
		goto fail;
	} else if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS) {
		err = -errno;
		*step = "linking the temporary file to its name";
		goto fail;
	} else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
		/* no hard links here (FAT): a rename that replaces nothing */
		err = -errno;
		*step = errno == EEXIST ? "" : "renaming the temporary file to its name";
		goto fail;
	}
	/* the new name itself lasts once the directory is synced */
	int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	goto out;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	free(dcopy);
	return err;
}

/* The whole image to standard output ('-'). 0 or -errno. */
static int write_stdout(const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = write(STDOUT_FILENO, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		off += (size_t)w;
	}
	return 0;
}

/* ---- names ---- */

/* An aligned, NUL-terminated copy of a UCS-2 LE name of size bytes. */
static efi_char16_t *name_copy(const uint8_t *p, size_t size)
{
	size_t units = size / 2;
	efi_char16_t *n = calloc(units + 1, sizeof(*n));
	if (!n)
		return NULL;
	for (size_t i = 0; i < units; i++)
		n[i] = (efi_char16_t)(p[2 * i] | p[2 * i + 1] << 8);
	return n;
}

/* "Name-GUID" as the CLI prints it elsewhere; NULL on no memory. */
static char *var_label(const efi_char16_t *name, size_t units, const efi_guid_t *guid)
{
	char *shown = name_display(name, units);
	char g[37];
	char *label = NULL;
	tv_guid_format(guid, g);
	if (shown && asprintf(&label, "%s-%s", shown, g) < 0)
		label = NULL;
	free(shown);
	return label;
}

static bool name_is(const efi_char16_t *name, const char *ascii)
{
	size_t i = 0;
	for (; ascii[i]; i++)
		if (name[i] != (efi_char16_t)(unsigned char)ascii[i])
			return false;
	return name[i] == 0;
}

/* ---- the transport's refusals ---- */

static int transfer_error(const struct session *s, const char *cmd, const char *file, int err)
{
	const char *detail = s->inproc ? tv_last_error_detail() : "";
	const char *sep = detail[0] ? ": " : "";
	switch (err) {
	case -ENOTSUP:
		fprintf(stderr, "teevar: %s: not supported over the %s: transport (only the secure "
			"core in this process can %s): %s\n", cmd, s->transport.name, cmd,
			STOP_TEEVARD);
		return EXIT_EFI;
	case -EPERM:
		fprintf(stderr, "teevar: %s: %s: only in the boot-services phase, before "
			"ready-to-boot (run it without --runtime)\n", cmd, file);
		return EXIT_EFI;
	case -ENOSPC:
		/* the secure core's detail: the room needed and free, or, when a write
		 * ran out of room, whether what was written before was put back */
		fprintf(stderr, "teevar: %s: %s: the variable store has no room for these variables "
			"(see teevar info)%s%s\n", cmd, file, sep, detail);
		return EXIT_EFI;
	case -EUCLEAN:
		fprintf(stderr, "teevar: %s: the variable store is damaged (teevar check shows it, "
			"teevar recover gives up the damaged records)%s%s\n", cmd, sep, detail);
		return EXIT_DAMAGED;
	case -EROFS:
		fprintf(stderr, "teevar: %s: the RPMB write counter has expired: the device is "
			"read-only for good\n", cmd);
		return EXIT_EFI;
	case -EIO:
	case -ECONNRESET:
		/* as store_error (cmd_store.c): the store could not be read or written;
		 * the detail says what, and whether an import's writes were put back */
		fprintf(stderr, "teevar: %s: %s%s%s\n", cmd, strerror(-err), sep, detail);
		return EXIT_TRANSPORT;
	default:
		fprintf(stderr, "teevar: %s: %s%s%s\n", cmd, strerror(-err), sep, detail);
		return EXIT_EFI;
	}
}

/* The in-process secure core only (teevard holds the store otherwise). */
static int need_inproc(const struct opts *o, const char *cmd)
{
	bool inproc = false;
	char *spec = NULL;
	int rc = session_spec_is_inproc(o, &inproc, &spec);
	if (rc != 0)
		return rc;
	if (!inproc) {
		const char *colon = strchr(spec, ':');
		fprintf(stderr, "teevar: %s: needs the secure core in this process, not %.*s: "
			"(%s works on the store itself, all at once): %s\n", cmd,
			(int)(colon - spec), spec, cmd, STOP_TEEVARD);
		rc = EXIT_EFI;
	}
	free(spec);
	return rc;
}

/* session_open, and when the state directory is held by another secure core
 * (teevard, most likely), the way out. */
static int open_store(const struct opts *o, const char *cmd, struct session *s)
{
	int rc = session_open_flags(o, s, SESSION_INPROC_ONLY);
	if (rc != EXIT_TRANSPORT)
		return rc;
	bool inproc = false;
	char *spec = NULL, *lock = NULL;
	if (session_spec_is_inproc(o, &inproc, &spec) != 0)
		return rc;
	if (inproc && asprintf(&lock, "%s/lock", spec + 7) >= 0) {
		int fd = open(lock, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK)
			fprintf(stderr, "teevar: %s: %s is in use by another secure core (teevard?): "
				"stop it and run again; %s works on the store itself\n", cmd,
				spec + 7, cmd);
		if (fd >= 0)
			close(fd);
	}
	free(lock);
	free(spec);
	return rc;
}

static const char *format_name(enum tv_img_format f)
{
	return f == TV_IMG_UBOOT ? "uboot" : f == TV_IMG_EDK2 ? "edk2" : "auto";
}

static int parse_format(const char *cmd, const char *opt, const char *v, enum tv_img_format *f)
{
	if (strcmp(v, "edk2") == 0)
		*f = TV_IMG_EDK2;
	else if (strcmp(v, "uboot") == 0)
		*f = TV_IMG_UBOOT;
	else
		return usage_error("%s: --%s %s: expected edk2, uboot or efivarfs", cmd, opt, v);
	return 0;
}

static int key_rank(const struct tv_img_var *v);

/* ---- import ---- */

struct import_var {
	efi_char16_t *name;     /* aligned copy */
	char *label;
};

struct import_job {
	const char *file;
	struct tv_img img;
	struct import_var *iv;          /* img.count */
	struct tv_xfer_var *xv;         /* nx: the variables handed to the secure core */
	size_t *xmap;                   /* nx: their index in img.vars */
	size_t nx;
	struct tv_import_result *xres;  /* nx: the secure core's results */
	struct tv_import_result *res;   /* img.count: what happened to each */
	struct tv_import_summary sum;
	size_t conflicts, invalid, dropped;
	bool dry_run, json, refused;
	unsigned flags;                 /* TV_IMPORT_DRY_RUN, TV_IMPORT_UNBOUND_PRIVATE */
};

static void import_job_free(struct import_job *j)
{
	if (j->iv)
		for (size_t i = 0; i < j->img.count; i++) {
			free(j->iv[i].name);
			free(j->iv[i].label);
		}
	free(j->iv);
	free(j->xv);
	free(j->xmap);
	free(j->xres);
	free(j->res);
	tv_img_free(&j->img);
}

#define UBOOT_EMPTY_WHY "empty: U-Boot itself skips entries without data when it loads the file"
#define UBOOT_RO_WHY "U-Boot's read-only marker (0x80000000) dropped: teevar keeps no such flag"

/* tv_img_var -> tv_xfer_var (the names copied to aligned memory); 0 or -1.
 * Of a ubootefi.var, what U-Boot itself would not load for lack of data is
 * ignored here, and U-Boot's read-only marker (not a UEFI attribute) dropped. */
static int import_convert(struct import_job *j)
{
	size_t n = j->img.count ? j->img.count : 1;
	j->iv = calloc(n, sizeof(*j->iv));
	j->xv = calloc(n, sizeof(*j->xv));
	j->xmap = calloc(n, sizeof(*j->xmap));
	j->xres = calloc(n, sizeof(*j->xres));
	j->res = calloc(n, sizeof(*j->res));
	if (!j->iv || !j->xv || !j->xmap || !j->xres || !j->res)
		return -1;
	bool uboot = j->img.format == TV_IMG_UBOOT;
	for (size_t i = 0; i < j->img.count; i++) {
		const struct tv_img_var *v = &j->img.vars[i];
		j->iv[i].name = name_copy(v->name, v->name_size);
		if (!j->iv[i].name)
			return -1;
		j->iv[i].label = var_label(j->iv[i].name, v->name_size / 2, &v->guid);
		if (!j->iv[i].label)
			return -1;
		if (uboot && v->data_size == 0) {
			j->res[i].action = TV_IMPORT_IGNORED;
			snprintf(j->res[i].why, sizeof(j->res[i].why), "%s", UBOOT_EMPTY_WHY);
			j->dropped++;
			continue;
		}
		struct tv_xfer_var *x = &j->xv[j->nx];
		j->xmap[j->nx++] = i;
		x->guid = v->guid;
		x->name = j->iv[i].name;
		x->name_size = v->name_size;
		x->attrs = uboot ? v->attrs & ~TV_UBOOT_ATTR_READ_ONLY : v->attrs;
		x->data = v->data;
		x->data_size = v->data_size;
		x->has_time = v->has_time;
		memcpy(x->time, v->time, sizeof(x->time));
	}
	return 0;
}

/* The secure core's results back onto the image's variables. */
static void import_merge(struct import_job *j)
{
	for (size_t k = 0; k < j->nx; k++) {
		size_t i = j->xmap[k];
		j->res[i] = j->xres[k];
		j->res[i].why[sizeof(j->res[i].why) - 1] = '\0';
		if (!j->res[i].why[0] && (j->img.vars[i].attrs & ~j->xv[k].attrs))
			snprintf(j->res[i].why, sizeof(j->res[i].why), "%s", UBOOT_RO_WHY);
	}
	for (size_t i = 0; i < j->img.count; i++) {
		j->conflicts += j->res[i].action == TV_IMPORT_CONFLICT;
		j->invalid += j->res[i].action == TV_IMPORT_INVALID;
	}
	j->sum.ignored += (uint32_t)j->dropped;
	j->sum.mode[sizeof(j->sum.mode) - 1] = '\0';
}

static const char *action_word(enum tv_import_action a)
{
	switch (a) {
	case TV_IMPORT_NEW: return "new";
	case TV_IMPORT_REPLACED: return "replace";
	case TV_IMPORT_SAME: return "same";
	case TV_IMPORT_SKIPPED: return "skip";
	case TV_IMPORT_IGNORED: return "ignore";
	case TV_IMPORT_CONFLICT: return "conflict";
	case TV_IMPORT_INVALID: return "invalid";
	}
	return "?";
}

static void print_plan_human(const struct import_job *j)
{
	for (size_t i = 0; i < j->img.count; i++) {
		const struct tv_img_var *v = &j->img.vars[i];
		char attrs[ATTRS_TEXT];
		attrs_format(v->attrs, attrs, sizeof(attrs));
		const char *why = j->res[i].why;
		printf("%-8s  %s  %s  %u%s%s\n", action_word(j->res[i].action), j->iv[i].label,
		       attrs, v->data_size, why[0] ? "  " : "", why);
	}
}

static void print_counts(const struct tv_import_summary *s)
{
	printf("(%u new, %u replaced, %u unchanged, %u skipped, %u ignored); Secure Boot: %s mode\n",
	       s->added, s->replaced, s->same, s->skipped, s->ignored,
	       s->mode[0] ? s->mode : "unknown");
}

static void print_plan_json(const struct import_job *j, bool ok)
{
	printf("{\"file\": ");
	json_string(stdout, j->file);
	printf(", \"format\": \"%s\", \"blank\": %s, \"dry_run\": %s, \"ok\": %s, \"variables\": [",
	       format_name(j->img.format), j->img.blank ? "true" : "false",
	       j->dry_run ? "true" : "false", ok ? "true" : "false");
	for (size_t i = 0; i < j->img.count; i++) {
		const struct tv_img_var *v = &j->img.vars[i];
		char g[37];
		tv_guid_format(&v->guid, g);
		printf("%s{\"action\": \"%s\", \"name\": ", i ? ", " : "",
		       action_word(j->res[i].action));
		json_name(stdout, j->iv[i].name, v->name_size / 2);
		printf(", \"guid\": \"%s\", \"attributes\": %u, \"attribute_names\": ", g, v->attrs);
		attrs_print_json_names(stdout, v->attrs);
		printf(", \"size\": %u, \"offset\": %llu, \"timestamp\": %s, \"why\": ", v->data_size,
		       (unsigned long long)v->offset, v->has_time ? "true" : "false");
		if (j->res[i].why[0])
			json_string(stdout, j->res[i].why);
		else
			fputs("null", stdout);
		fputc('}', stdout);
	}
	const struct tv_import_summary *s = &j->sum;
	printf("], \"dead_records\": %u, \"summary\": {\"imported\": %u, \"new\": %u, "
	       "\"replaced\": %u, \"unchanged\": %u, \"skipped\": %u, \"ignored\": %u, "
	       "\"conflicts\": %zu, \"invalid\": %zu}, \"secure_boot\": ", j->img.edk2_dead,
	       s->added + s->replaced, s->added, s->replaced, s->same, s->skipped, s->ignored,
	       j->conflicts, j->invalid);
	if (s->mode[0] && !j->refused)
		json_string(stdout, s->mode);
	else
		fputs("null", stdout);
	fputs("}\n", stdout);
}

/* EDK2's SecureBootEnable 0 means its setup menu switched Secure Boot off;
 * teevar has no such switch: with a PK it enforces. */
static void warn_sb_enable(const struct import_job *j)
{
	bool off = false, pk = false;
	for (size_t i = 0; i < j->img.count; i++) {
		const struct tv_img_var *v = &j->img.vars[i];
		const efi_char16_t *name = j->iv[i].name;
		if (tv_guid_equal(&v->guid, &sb_enable_guid) && name_is(name, "SecureBootEnable") &&
		    v->data_size >= 1 && v->data[0] == 0)
			off = true;
		if (tv_guid_equal(&v->guid, &sb_global_guid) && name_is(name, "PK") && v->data_size > 0)
			pk = true;
	}
	if (off && pk)
		fprintf(stderr, "teevar: warning: import: %s: SecureBootEnable is 0 (Secure Boot "
			"switched off in EDK2's setup menu) but the image holds a PK: teevar has no "
			"such switch and enforces Secure Boot from the next start\n", j->file);
}

/* A ubootefi.var lies on the ESP, unprotected: U-Boot never restores the
 * Secure Boot variables from it. Importing them trusts whoever could write the
 * ESP; say so, naming them. */
static void warn_uboot_keys(const struct import_job *j)
{
	if (j->img.format != TV_IMG_UBOOT)
		return;
	for (size_t i = 0; i < j->img.count; i++)
		if (key_rank(&j->img.vars[i]) > 0)
			fprintf(stderr, "teevar: warning: import: %s: %s comes from a ubootefi.var, "
				"which U-Boot itself never trusts for Secure Boot variables (anyone who "
				"can write the ESP can change it): check it (teevar get ... --esl) or "
				"enroll the keys from their own files\n", j->file, j->iv[i].label);
}

/* -EINVAL: what was refused, on stderr. */
static void report_refusals(const struct import_job *j)
{
	for (size_t i = 0; i < j->img.count; i++) {
		if (j->res[i].action == TV_IMPORT_CONFLICT)
			fprintf(stderr, "teevar: import: conflict: %s (exists with other content; "
				"--replace or --skip)\n", j->iv[i].label);
		else if (j->res[i].action == TV_IMPORT_INVALID)
			fprintf(stderr, "teevar: import: invalid: %s: %s\n", j->iv[i].label,
				j->res[i].why[0] ? j->res[i].why : "refused by a check");
	}
	fprintf(stderr, "teevar: import: %s: %s: %zu conflict%s, %zu invalid\n", j->file,
		j->dry_run ? "would be refused (dry run)" : "nothing imported", j->conflicts,
		plural(j->conflicts), j->invalid);
}

static int import_blank(struct import_job *j)
{
	if (j->json) {
		print_plan_json(j, true);
		return 0;
	}
	printf("%s: blank image (all 0x00 or all 0xFF: a firmware store that never booted), "
	       "0 variables; nothing changed\n", j->file);
	return 0;
}

static int import_run(const struct opts *o, struct import_job *j, enum tv_import_conflict policy)
{
	if (import_convert(j) != 0) {
		fprintf(stderr, "teevar: import: out of memory\n");
		return EXIT_IO;
	}
	warn_sb_enable(j);
	if (j->img.edk2_ftw_queue_used)
		fprintf(stderr, "teevar: warning: import: %s: the fault-tolerant-write queue is not "
			"empty (the firmware stopped during a reclaim or an update): a write still "
			"pending there is not carried; the variable store is read as it stands\n",
			j->file);
	struct session s;
	int rc = open_store(o, "import", &s);
	if (rc != 0)
		return rc;
	int err = tv_transport_import(&s.transport, j->xv, j->nx, policy, j->flags, j->xres,
				      &j->sum);
	import_merge(j);
	if (err == -EINVAL && j->conflicts + j->invalid > 0) {
		j->refused = true;
		if (j->json)
			print_plan_json(j, false);
		else if (j->dry_run)
			print_plan_human(j);
		report_refusals(j);
		rc = EXIT_EFI;
	} else if (err != 0) {
		rc = transfer_error(&s, "import", j->file, err);
	} else if (j->json) {
		print_plan_json(j, true);
		if (!j->dry_run)
			warn_uboot_keys(j);
	} else {
		print_plan_human(j);
		printf("%s %u variable%s ", j->dry_run ? "dry run: would import" : "imported",
		       j->sum.added + j->sum.replaced, plural(j->sum.added + j->sum.replaced));
		print_counts(&j->sum);
		if (!j->dry_run)
			warn_uboot_keys(j);
		if (j->img.edk2_dead)
			printf("not carried: %u EDK2 record%s not live (deleted, replaced or half "
			       "written)\n", j->img.edk2_dead, plural(j->img.edk2_dead));
	}
	session_close(&s);
	return rc;
}

int cmd_import(const struct opts *o)
{
	if (opt_has(o, OPT_FROM) && strcmp(o->value[OPT_FROM], "efivarfs") == 0)
		return cmd_import_efivarfs(o);
	if (o->seen & (OPTS_VAR | OPT_BIT(OPT_QUIET)))
		return usage_error("import: --name, --guid and --quiet go with --from efivarfs");
	if (o->npos < 2)
		return usage_error("import: which file? (teevar import FILE; see teevar import "
				   "--help)");
	if (o->npos > 2)
		return usage_error("import: unexpected argument '%s'", o->pos[2]);
	if (opt_has(o, OPT_REPLACE) && opt_has(o, OPT_SKIP))
		return usage_error("import: give --replace or --skip, not both");
	enum tv_img_format hint = TV_IMG_AUTO;
	if (opt_has(o, OPT_FROM)) {
		int rc = parse_format("import", "from", o->value[OPT_FROM], &hint);
		if (rc != 0)
			return rc;
	}
	int rc = need_inproc(o, "import");
	if (rc != 0)
		return rc;
	enum tv_import_conflict policy = opt_has(o, OPT_REPLACE) ? TV_IMPORT_REPLACE
					 : opt_has(o, OPT_SKIP)  ? TV_IMPORT_SKIP
								 : TV_IMPORT_REFUSE;
	struct import_job j;
	memset(&j, 0, sizeof(j));
	j.file = o->pos[1];
	j.dry_run = opt_has(o, OPT_DRY_RUN);
	j.flags = (j.dry_run ? TV_IMPORT_DRY_RUN : 0u) |
		  (opt_has(o, OPT_UNBOUND_PRIVATE) ? TV_IMPORT_UNBOUND_PRIVATE : 0u);
	j.json = opt_has(o, OPT_JSON);
	struct image_buf raw;
	rc = read_image("import", "", j.file, &raw);
	if (rc != 0)
		return rc;
	struct tv_img_error err;
	memset(&err, 0, sizeof(err));
	if (tv_img_parse(raw.p, raw.n, hint, &j.img, &err) != 0) {
		err.msg[sizeof(err.msg) - 1] = '\0';
		fprintf(stderr, "teevar: import: %s: %s\n", j.file, err.msg);
		image_buf_free(&raw);
		return EXIT_BAD_IMAGE;
	}
	image_buf_free(&raw);
	rc = j.img.blank ? import_blank(&j) : import_run(o, &j, policy);
	import_job_free(&j);
	return rc;
}

/* ---- export ---- */

struct export_job {
	struct tv_img_var *v;
	size_t n, cap;
};

static void export_job_free(struct export_job *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].name);
		free(e->v[i].data);
	}
	free(e->v);
}

/* tv_xfer_var -> tv_img_var (copies: the buffers last only for the call). */
static int export_collect(void *arg, const struct tv_xfer_var *x)
{
	struct export_job *e = arg;
	if (x->name_size > UINT32_MAX || x->data_size > UINT32_MAX)
		return -EOVERFLOW;
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 64;
		struct tv_img_var *v = realloc(e->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	struct tv_img_var *v = &e->v[e->n];
	memset(v, 0, sizeof(*v));
	v->guid = x->guid;
	v->name = malloc(x->name_size ? x->name_size : 1);
	v->data = x->data_size ? malloc(x->data_size) : NULL;
	if (!v->name || (x->data_size && !v->data)) {
		free(v->name);
		free(v->data);
		return -ENOMEM;
	}
	/* UCS-2 little-endian bytes, whatever the host */
	for (size_t i = 0; i < x->name_size / 2; i++) {
		v->name[2 * i] = (uint8_t)(x->name[i] & 0xff);
		v->name[2 * i + 1] = (uint8_t)(x->name[i] >> 8);
	}
	v->name_size = (uint32_t)x->name_size;
	if (x->data_size)
		memcpy(v->data, x->data, x->data_size);
	v->data_size = (uint32_t)x->data_size;
	v->attrs = x->attrs;
	v->has_time = x->has_time;
	memcpy(v->time, x->time, sizeof(v->time));
	e->n++;
	return 0;
}

/* Where a Secure Boot key goes in the order import writes (dbx, db, dbt, dbr,
 * KEK, PK, after everything else), or 0 for any other variable. */
static int key_rank(const struct tv_img_var *v)
{
	static const char *const db_keys[] = {"dbx", "db", "dbt", "dbr"};
	static const char *const global_keys[] = {"KEK", "PK"};
	efi_char16_t *name = name_copy(v->name, v->name_size);
	int rank = 0;
	if (!name)
		return 0;
	if (tv_guid_equal(&v->guid, &sb_image_security_guid)) {
		for (int i = 0; i < 4; i++)
			if (name_is(name, db_keys[i]))
				rank = 1 + i;
	} else if (tv_guid_equal(&v->guid, &sb_global_guid)) {
		for (int i = 0; i < 2; i++)
			if (name_is(name, global_keys[i]))
				rank = 5 + i;
	}
	free(name);
	return rank;
}

/* Stable: the other variables keep the store's order, then the keys in
 * import's order, so that export -> import -> export gives the same bytes. */
static void export_order(struct export_job *e)
{
	size_t out = 0;
	struct tv_img_var keys[6];
	bool have[6] = {false};
	for (size_t i = 0; i < e->n; i++) {
		int r = key_rank(&e->v[i]);
		if (r > 0 && !have[r - 1]) {
			keys[r - 1] = e->v[i];
			have[r - 1] = true;
		} else {
			e->v[out++] = e->v[i];
		}
	}
	for (int r = 0; r < 6; r++)
		if (have[r])
			e->v[out++] = keys[r];
}

/* What U-Boot (2023.01) will not take from the exported ubootefi.var. */
static void warn_uboot_export(const char *file, const struct export_job *e, size_t size)
{
	for (size_t i = 0; i < e->n; i++) {
		const char *why = tv_img_uboot_skip_reason(&e->v[i]);
		if (!why)
			continue;
		efi_char16_t *name = name_copy(e->v[i].name, e->v[i].name_size);
		char *label = name ? var_label(name, e->v[i].name_size / 2, &e->v[i].guid) : NULL;
		fprintf(stderr, "teevar: warning: export: %s: U-Boot will not load %s from it: %s\n",
			file, label ? label : "a variable", why);
		free(label);
		free(name);
	}
	if (size > TV_UBOOT_VAR_BUF_SIZE_DEFAULT)
		fprintf(stderr, "teevar: warning: export: %s: %zu bytes: U-Boot reads at most "
			"CONFIG_EFI_VAR_BUF_SIZE bytes of ubootefi.var (%u by default) and rejects "
			"a longer file whole\n", file, size, TV_UBOOT_VAR_BUF_SIZE_DEFAULT);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int refuse_existing(const char *file)
{
	fprintf(stderr, "teevar: export: %s exists: not overwritten (--force replaces it)\n", file);
	return EXIT_IO;
}

int cmd_export(const struct opts *o)
{
	if (opt_has(o, OPT_TO) && strcmp(o->value[OPT_TO], "efivarfs") == 0)
		return cmd_export_efivarfs(o);
	if (o->seen & (OPTS_VAR | OPT_BIT(OPT_QUIET)))
		return usage_error("export: --name, --guid and --quiet go with --to efivarfs");
	if (o->npos < 2)
		return usage_error("export: which file? (teevar export FILE; see teevar export "
				   "--help)");
	if (o->npos > 2)
		return usage_error("export: unexpected argument '%s'", o->pos[2]);
	const char *file = o->pos[1];
	enum tv_img_format to = ends_with(file, ".var") ? TV_IMG_UBOOT : TV_IMG_EDK2;
	if (opt_has(o, OPT_TO)) {
		int rc = parse_format("export", "to", o->value[OPT_TO], &to);
		if (rc != 0)
			return rc;
	}
	const char *template = opt_has(o, OPT_TEMPLATE) ? o->value[OPT_TEMPLATE] : NULL;
	if (template && to != TV_IMG_EDK2)
		return usage_error("export: --template applies to EDK2 images (U-Boot's file has no "
				   "layout)");
	int rc = need_inproc(o, "export");
	if (rc != 0)
		return rc;
	/* '-': standard output; else a regular file, never through a symbolic link */
	bool to_stdout = strcmp(file, "-") == 0;
	struct stat fst, tst;
	bool exists = !to_stdout && lstat(file, &fst) == 0;
	if (exists && S_ISLNK(fst.st_mode)) {
		fprintf(stderr, "teevar: export: %s: a symbolic link: not followed, not replaced "
			"(give the path of the file itself)\n", file);
		return EXIT_IO;
	}
	if (exists && !S_ISREG(fst.st_mode)) {
		fprintf(stderr, "teevar: export: %s: not a regular file; write the image to a file "
			"and copy it with dd\n", file);
		return EXIT_IO;
	}
	bool in_place = exists && template && strcmp(template, "-") != 0 &&
			stat(template, &tst) == 0 && fst.st_dev == tst.st_dev &&
			fst.st_ino == tst.st_ino;
	if (exists && !in_place && !opt_has(o, OPT_FORCE))
		return refuse_existing(file);
	struct image_buf tpl;
	memset(&tpl, 0, sizeof(tpl));
	struct tv_edk2_layout layout;
	struct tv_img_error err;
	memset(&layout, 0, sizeof(layout));
	memset(&err, 0, sizeof(err));
	if (template) {
		rc = read_image("export", "--template ", template, &tpl);
		if (rc != 0)
			return rc;
		if (tv_edk2_layout_from_template(tpl.p, tpl.n, &layout, &err) != 0) {
			err.msg[sizeof(err.msg) - 1] = '\0';
			fprintf(stderr, "teevar: export: --template %s: %s\n", template, err.msg);
			image_buf_free(&tpl);
			return EXIT_BAD_IMAGE;
		}
	} else if (to == TV_IMG_EDK2) {
		tv_edk2_layout_aavmf(&layout);
	}
	struct session s;
	rc = open_store(o, "export", &s);
	if (rc != 0) {
		image_buf_free(&tpl);
		return rc;
	}
	struct export_job e;
	memset(&e, 0, sizeof(e));
	int xerr = tv_transport_export(&s.transport, export_collect, &e);
	if (xerr != 0)
		rc = transfer_error(&s, "export", file, xerr);
	session_close(&s);
	uint8_t *out = NULL;
	size_t out_n = 0;
	if (rc == 0) {
		export_order(&e);
		int w = to == TV_IMG_EDK2
				? tv_img_write_edk2(e.v, e.n, &layout, tpl.p, tpl.n, &out, &out_n, &err)
				: tv_img_write_uboot(e.v, e.n, &out, &out_n, &err);
		if (w != 0) {
			err.msg[sizeof(err.msg) - 1] = '\0';
			fprintf(stderr, "teevar: export: %s: %s; nothing written\n", file, err.msg);
			rc = EXIT_EFI;
		}
	}
	if (rc == 0 && to_stdout) {
		int werr = write_stdout(out, out_n);
		if (werr != 0) {
			fprintf(stderr, "teevar: export: writing standard output: %s\n",
				strerror(-werr));
			rc = EXIT_IO;
		} else {
			/* stdout holds the image: the summary goes to stderr */
			fprintf(stderr, "exported %zu variable%s to standard output (%s, %zu bytes)\n",
				e.n, plural(e.n), format_name(to), out_n);
			if (to == TV_IMG_UBOOT)
				warn_uboot_export(file, &e, out_n);
		}
	} else if (rc == 0) {
		const char *step = "";
		/* the EDK2 writer without a template leaves zeros after the FV */
		size_t zero_from = to == TV_IMG_EDK2 && !tpl.p ? (size_t)layout.fv_length : out_n;
		/* without --force (or the template rewritten in place) nothing is replaced,
		 * even a file made since the check above */
		bool replace = in_place || opt_has(o, OPT_FORCE);
		int werr = write_atomic(file, out, out_n, zero_from, replace,
					exists ? &fst : NULL, &step);
		if (werr == -EEXIST && !replace) {
			rc = refuse_existing(file);
		} else if (werr != 0) {
			fprintf(stderr, "teevar: export: %s: %s: %s; the file is unchanged\n", file,
				step, strerror(-werr));
			rc = EXIT_IO;
		} else {
			printf("exported %zu variable%s to %s (%s, %zu bytes)\n", e.n, plural(e.n), file,
			       format_name(to), out_n);
			if (to == TV_IMG_UBOOT)
				warn_uboot_export(file, &e, out_n);
		}
	}
	free(out);
	export_job_free(&e);
	image_buf_free(&tpl);
	return rc;
}

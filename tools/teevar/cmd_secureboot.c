/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar secureboot: the Secure Boot state (status), the factory's
 * provisioning of PK, KEK, db, dbx, dbt and their defaults (enroll), and the
 * mode changes (mode audit|deployed|user). GetVariable and SetVariable only,
 * so it works over every transport.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <teevar/util.h>

#include "cli.h"
#include "efi_siglist.h"

#define KEY_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
		   EFI_VARIABLE_RUNTIME_ACCESS | EFI_VARIABLE_TIME_BASED_AUTHENTICATED_WRITE_ACCESS)
#define DEFAULT_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS)
#define MODE_ATTRS (EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)
#define LABEL_MAX 96

static void label_of(const char *name, const efi_guid_t *guid, char out[LABEL_MAX])
{
	char g[37];
	tv_guid_format(guid, g);
	snprintf(out, LABEL_MAX, "%s-%s", name, g);
}

static void ascii_ucs2(const char *a, efi_char16_t *out, size_t max)
{
	size_t i = 0;
	for (; a[i] && i < max - 1; i++)
		out[i] = (efi_char16_t)(unsigned char)a[i];
	out[i] = 0;
}

/* A SetVariable of one of the Secure Boot variables; the exit code (message printed). */
static int write_var(struct session *s, enum op op, const char *what, const char *name,
		     const efi_guid_t *guid, uint32_t attrs, const uint8_t *p, size_t n)
{
	efi_char16_t uname[32];
	char label[LABEL_MAX];
	ascii_ucs2(name, uname, sizeof(uname) / sizeof(uname[0]));
	label_of(name, guid, label);
	efi_status_t st = tv_set_variable(s->client, uname, guid, attrs, n, p);
	if (st == EFI_SUCCESS)
		return 0;
	int rc = st == EFI_DEVICE_ERROR ? report_write_refused(s, what, label) : 0;
	return rc ? rc : report_status(s, op, what, label, st);
}

/* Reads the whole state; the exit code (message printed) on a failure other than absence. */
static int read_state(struct session *s, const char *what, struct sb_state *st)
{
	const char *failed = NULL;
	efi_status_t e = sb_state_read(s->client, st, &failed);
	if (e == EFI_SUCCESS)
		return 0;
	sb_state_free(st);
	char full[64];
	snprintf(full, sizeof(full), "%s: reading", what);
	return report_status(s, OP_GET, full, failed, e);
}

/* ---- status ---- */

/* Entries in a key variable, or -1 (malformed, *why and *at set). */
static long key_entries(const struct sb_var *v, const char **why, size_t *at)
{
	struct tv_esl_iter it;
	struct tv_esl_list l;
	long n = 0;
	tv_esl_iter_init(&it, v->data.p, v->data.n);
	while (tv_esl_next_list(&it, &l) == 1)
		n += l.count;
	*why = it.error;
	*at = it.error_offset;
	return it.error ? -1 : n;
}

static void print_status_value_human(const char *name, const struct sb_var *v)
{
	printf("%-18s", name);
	if (!v->present) {
		puts("absent");
		return;
	}
	if (v->data.n == 1) {
		printf("%u\n", v->data.p[0]);
		return;
	}
	for (size_t i = 0; i < v->data.n; i++)
		printf("%02x", v->data.p[i]);
	printf(" (%zu bytes, expected 1)\n", v->data.n);
}

static void print_signature_support(const struct sb_var *v, bool json)
{
	if (!v->present) {
		fputs(json ? "null" : "absent", stdout);
		return;
	}
	if (json)
		fputc('[', stdout);
	for (size_t off = 0; off + 16 <= v->data.n; off += 16) {
		const struct tv_esl_type *t = tv_esl_type_find(v->data.p + off);
		efi_guid_t g;
		char text[37];
		memcpy(g.b, v->data.p + off, 16);
		tv_guid_format(&g, text);
		const char *sep = off ? (json ? ", " : " ") : "";
		printf(json ? "%s\"%s\"" : "%s%s", sep, t ? t->name : text);
	}
	if (v->data.n % 16)
		printf(json ? "%s\"(%zu stray bytes)\"" : "%s(%zu stray bytes)",
		       v->data.n >= 16 ? (json ? ", " : " ") : "", v->data.n % 16);
	if (json)
		fputc(']', stdout);
}

static void print_key_human(const char *name, const struct sb_var *v)
{
	const char *why;
	size_t at;
	printf("%-18s", name);
	if (!v->present) {
		puts("absent");
		return;
	}
	long n = key_entries(v, &why, &at);
	if (n < 0)
		printf("present, malformed at offset %zu: %s\n", at, why);
	else
		printf("present, %ld entr%s\n", n, n == 1 ? "y" : "ies");
}

static void print_status_human(const struct sb_state *st)
{
	char note[256];
	const char *n = sb_mode_note(st, note, sizeof(note));
	printf("%-18s%s\n", "mode:", sb_mode_name(st->mode));
	if (n)
		printf("%-18s%s\n", "note:", n);
	for (int i = 0; i < SB_N_STATUS; i++) {
		char label[32];
		snprintf(label, sizeof(label), "%s:", sb_status_names[i]);
		print_status_value_human(label, &st->status[i]);
	}
	printf("%-18s", "SignatureSupport:");
	print_signature_support(&st->signature_support, false);
	fputc('\n', stdout);
	for (int i = 0; i < SB_N_KEYS; i++) {
		char label[32];
		snprintf(label, sizeof(label), "%s:", sb_key_names[i]);
		print_key_human(label, &st->keys[i]);
	}
	printf("%-18s", "defaults:");
	bool any = false;
	for (int i = 0; i < SB_N_KEYS; i++) {
		if (st->default_present[i]) {
			printf("%s%s", any ? " " : "", sb_default_names[i]);
			any = true;
		}
	}
	puts(any ? "" : "none");
}

static void print_status_json(const struct sb_state *st)
{
	char note[256];
	const char *n = sb_mode_note(st, note, sizeof(note));
	printf("{\"mode\": \"%s\", \"note\": ", sb_mode_name(st->mode));
	if (n)
		json_string(stdout, n);
	else
		fputs("null", stdout);
	fputs(",\n \"variables\": {", stdout);
	for (int i = 0; i < SB_N_STATUS; i++) {
		printf("%s\"%s\": ", i ? ", " : "", sb_status_names[i]);
		sb_var_json(&st->status[i]);
	}
	fputs("},\n \"signature_support\": ", stdout);
	print_signature_support(&st->signature_support, true);
	fputs(",\n \"keys\": {", stdout);
	for (int i = 0; i < SB_N_KEYS; i++) {
		const struct sb_var *v = &st->keys[i];
		const char *why = NULL;
		size_t at = 0;
		long cnt = v->present ? key_entries(v, &why, &at) : 0;
		printf("%s\"%s\": {\"present\": %s, \"entries\": ", i ? ", " : "", sb_key_names[i],
		       v->present ? "true" : "false");
		if (cnt < 0)
			printf("null, \"error\": \"malformed at offset %zu: %s\"}", at, why);
		else
			printf("%ld}", cnt);
	}
	fputs("},\n \"defaults\": {", stdout);
	for (int i = 0; i < SB_N_KEYS; i++)
		printf("%s\"%s\": %s", i ? ", " : "", sb_default_names[i],
		       st->default_present[i] ? "true" : "false");
	fputs("}}\n", stdout);
}

static int sb_status(const struct opts *o)
{
	if (o->npos > 2)
		return usage_error("secureboot status: unexpected argument '%s'", o->pos[2]);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	struct sb_state st;
	rc = read_state(&s, "secureboot status", &st);
	if (rc == 0) {
		if (opt_has(o, OPT_JSON))
			print_status_json(&st);
		else
			print_status_human(&st);
		sb_state_free(&st);
	}
	session_close(&s);
	return rc;
}

/* ---- enroll ---- */

/* In the order of the writes: PK last, since enrolling it leaves setup mode. */
static const struct {
	int key;
	enum opt_id opt;
} enroll_order[] = {
	{SB_DB, OPT_DB}, {SB_DBX, OPT_DBX}, {SB_DBT, OPT_DBT}, {SB_KEK, OPT_KEK}, {SB_PK, OPT_PK},
};
#define N_ENROLL (sizeof(enroll_order) / sizeof(enroll_order[0]))

struct enroll {
	struct key_file files[N_ENROLL];
	bool given[N_ENROLL];
	bool any_esl;
	const char *first_esl;   /* its option, for the refusal */
};

static void enroll_free(struct enroll *e)
{
	for (size_t i = 0; i < N_ENROLL; i++)
		key_file_free(&e->files[i]);
}

static int enroll_load(const struct opts *o, struct enroll *e)
{
	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < N_ENROLL; i++) {
		enum opt_id opt = enroll_order[i].opt;
		if (!opt_has(o, opt))
			continue;
		e->given[i] = true;
		int rc = key_file_load("secureboot enroll", opt_name(opt), o->value[opt], &e->files[i]);
		if (rc != 0)
			return rc;
		if (!e->files[i].is_auth && !e->any_esl) {
			e->any_esl = true;
			e->first_esl = opt_name(opt);
		}
	}
	return 0;
}

/* A bare .esl needs setup (or audit) mode: there SetVariable takes an unsigned descriptor. */
static int check_setup_mode(struct session *s, const struct enroll *e)
{
	struct sb_state st;
	int rc = read_state(s, "secureboot enroll", &st);
	if (rc != 0)
		return rc;
	int setup = sb_status_value(&st, SB_SETUP_MODE);
	const char *path = NULL;
	for (size_t i = 0; i < N_ENROLL; i++)
		if (e->given[i] && !e->files[i].is_auth && !path)
			path = e->files[i].path;
	if (setup != 1 && st.mode == SB_MODE_UNKNOWN)
		fprintf(stderr, "teevar: secureboot enroll: --%s %s is a bare .esl, but the service "
			"reports no SetupMode variable, so it cannot take it unsigned (does it "
			"support Secure Boot?); nothing was written\n", e->first_esl, path);
	else if (setup != 1)
		fprintf(stderr, "teevar: secureboot enroll: the service is in %s mode (SetupMode "
			"%d): --%s %s is a bare .esl, which only setup or audit mode takes unsigned; "
			"give an .auth signed by the right key (sign-efi-sig-list: PK signs PK and "
			"KEK, KEK or PK signs db, dbx, dbt); nothing was written\n",
			sb_mode_name(st.mode), setup, e->first_esl, path);
	sb_state_free(&st);
	return setup == 1 ? 0 : EXIT_EFI;
}

static const char *plural_entries(size_t n)
{
	return n == 1 ? "entry" : "entries";
}

static int enroll_key(struct session *s, int key, const struct key_file *f, const struct tm *now)
{
	const char *name = sb_key_names[key];
	const efi_guid_t *guid = sb_key_guid(key);
	char label[LABEL_MAX];
	struct bytes wrapped = {0};
	const uint8_t *p = f->raw.p;
	size_t n = f->raw.n;
	if (!f->is_auth) {
		if (auth_wrap_unsigned(f->esl, f->esl_size, now, &wrapped) != 0) {
			fprintf(stderr, "teevar: secureboot enroll: out of memory\n");
			return EXIT_EFI;
		}
		p = wrapped.p;
		n = wrapped.n;
	}
	int rc = write_var(s, OP_SB_KEY, "secureboot enroll: writing", name, guid, KEY_ATTRS, p, n);
	bytes_free(&wrapped);
	if (rc != 0)
		return rc;
	label_of(name, guid, label);
	printf("enrolled %s: %zu %s from %s (%s)\n", label, f->entries, plural_entries(f->entries),
	       f->path, f->is_auth ? ".auth as is" : ".esl in an unsigned descriptor");
	return 0;
}

static int enroll_default(struct session *s, int key, const struct key_file *f)
{
	const char *name = sb_default_names[key];
	char label[LABEL_MAX];
	int rc = write_var(s, OP_SB_DEFAULT, "secureboot enroll --defaults: writing", name,
			   &sb_teevar_guid, DEFAULT_ATTRS, f->esl, f->esl_size);
	if (rc != 0)
		return rc;
	label_of(name, &sb_teevar_guid, label);
	printf("wrote factory default %s: %zu %s\n", label, f->entries, plural_entries(f->entries));
	return 0;
}

static void print_mode_after(struct session *s)
{
	struct sb_state st;
	const char *failed;
	if (sb_state_read(s->client, &st, &failed) == EFI_SUCCESS)
		printf("secure boot mode: %s\n", sb_mode_name(st.mode));
	sb_state_free(&st);
}

static int enroll_write(struct session *s, const struct enroll *e, bool defaults)
{
	time_t t = time(NULL);
	struct tm now;
	if (!gmtime_r(&t, &now)) {
		fprintf(stderr, "teevar: secureboot enroll: cannot read the clock\n");
		return EXIT_EFI;
	}
	for (size_t i = 0; i < N_ENROLL; i++) {
		int rc = e->given[i] ? enroll_key(s, enroll_order[i].key, &e->files[i], &now) : 0;
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < N_ENROLL && defaults; i++) {
		int rc = e->given[i] ? enroll_default(s, enroll_order[i].key, &e->files[i]) : 0;
		if (rc != 0)
			return rc;
	}
	print_mode_after(s);
	return 0;
}

static int sb_enroll(const struct opts *o)
{
	if (o->npos > 2)
		return usage_error("secureboot enroll: unexpected argument '%s'", o->pos[2]);
	if (!(o->seen & (OPTS_ENROLL & ~OPT_BIT(OPT_DEFAULTS))))
		return usage_error("secureboot enroll: nothing to enroll: give at least one of --db, "
				   "--dbx, --dbt, --kek, --pk (see teevar secureboot --help)");
	struct enroll e;
	int rc = enroll_load(o, &e);
	if (rc == 0) {
		struct session s;
		rc = session_open(o, &s);
		if (rc == 0) {
			rc = e.any_esl ? check_setup_mode(&s, &e) : 0;
			if (rc == 0)
				rc = enroll_write(&s, &e, opt_has(o, OPT_DEFAULTS));
			session_close(&s);
		}
	}
	enroll_free(&e);
	return rc;
}

/* ---- mode ---- */

static const struct {
	const char *arg;
	enum sb_mode to;
	const char *var;
	uint8_t value;
} mode_writes[] = {
	{"audit", SB_MODE_AUDIT, "AuditMode", 1},
	{"deployed", SB_MODE_DEPLOYED, "DeployedMode", 1},
	{"user", SB_MODE_USER, "DeployedMode", 0},
};
#define N_MODE_WRITES (sizeof(mode_writes) / sizeof(mode_writes[0]))

/* Where each mode may go (UEFI 2.10 section 32.3), and how. */
static const char *allowed_from(enum sb_mode m)
{
	switch (m) {
	case SB_MODE_SETUP:
		return "audit (secureboot mode audit), or user by enrolling PK (secureboot enroll "
		       "--pk F)";
	case SB_MODE_USER:
		return "audit (secureboot mode audit; deletes PK), deployed (secureboot mode "
		       "deployed), or setup by deleting PK (teevar set PK --attrs nv,bs,rt,at "
		       "--file F, F an empty list signed by PK)";
	case SB_MODE_AUDIT:
		return "deployed by enrolling PK (secureboot enroll --pk F)";
	case SB_MODE_DEPLOYED:
		return "user (secureboot mode user, before ready-to-boot: the platform's method)";
	default:
		return "none known (no SetupMode variable)";
	}
}

static int mode_refused(const char *arg, const char *label, enum sb_mode from)
{
	fprintf(stderr, "teevar: secureboot mode %s: writing %s: EFI_WRITE_PROTECTED: the service "
		"refuses %s mode from %s mode; from %s mode: %s; AuditMode and DeployedMode are "
		"written only before exit-boot-services\n", arg, label, arg, sb_mode_name(from),
		sb_mode_name(from), allowed_from(from));
	return EXIT_EFI;
}

static int mode_change(struct session *s, size_t w, const struct sb_state *before)
{
	const char *arg = mode_writes[w].arg;
	if (before->mode == SB_MODE_UNKNOWN) {
		fprintf(stderr, "teevar: secureboot mode %s: the service has no SetupMode variable: "
			"no Secure Boot support; nothing was written\n", arg);
		return EXIT_EFI;
	}
	if (before->mode == mode_writes[w].to) {
		printf("secure boot mode: %s (already)\n", arg);
		return 0;
	}
	efi_char16_t name[32];
	char label[LABEL_MAX], what[64];
	uint8_t value = mode_writes[w].value;
	ascii_ucs2(mode_writes[w].var, name, sizeof(name) / sizeof(name[0]));
	label_of(mode_writes[w].var, &sb_global_guid, label);
	efi_status_t st = tv_set_variable(s->client, name, &sb_global_guid, MODE_ATTRS, 1, &value);
	if (st == EFI_WRITE_PROTECTED)
		return mode_refused(arg, label, before->mode);
	snprintf(what, sizeof(what), "secureboot mode %s: writing", arg);
	if (st != EFI_SUCCESS) {
		int rc = st == EFI_DEVICE_ERROR ? report_write_refused(s, what, label) : 0;
		return rc ? rc : report_status(s, OP_SB_MODE, what, label, st);
	}
	struct sb_state after;
	const char *failed;
	if (sb_state_read(s->client, &after, &failed) == EFI_SUCCESS) {
		printf("secure boot mode: %s (was %s)\n", sb_mode_name(after.mode),
		       sb_mode_name(before->mode));
		if (after.mode != mode_writes[w].to)
			fprintf(stderr, "teevar: warning: secureboot mode %s: the service took the "
				"write of %s but reports %s mode\n", arg, label,
				sb_mode_name(after.mode));
	}
	sb_state_free(&after);
	return 0;
}

static int sb_mode(const struct opts *o)
{
	if (o->npos < 3)
		return usage_error("secureboot mode: which mode? audit, deployed or user (see "
				   "teevar secureboot --help)");
	if (o->npos > 3)
		return usage_error("secureboot mode: unexpected argument '%s'", o->pos[3]);
	const char *arg = o->pos[2];
	size_t w = 0;
	while (w < N_MODE_WRITES && strcmp(arg, mode_writes[w].arg) != 0)
		w++;
	if (w == N_MODE_WRITES && strcmp(arg, "setup") == 0)
		return usage_error("secureboot mode: setup mode is entered by deleting PK: teevar "
				   "set PK --attrs nv,bs,rt,at --file F, F an empty list signed by "
				   "PK (sign-efi-sig-list)");
	if (w == N_MODE_WRITES)
		return usage_error("secureboot mode: unknown mode '%s' (audit, deployed or user)", arg);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	struct sb_state before;
	rc = read_state(&s, "secureboot mode", &before);
	if (rc == 0) {
		rc = mode_change(&s, w, &before);
		sb_state_free(&before);
	}
	session_close(&s);
	return rc;
}

/* ---- the command ---- */

int cmd_secureboot(const struct opts *o)
{
	const char *sub = o->npos > 1 ? o->pos[1] : "status";
	uint64_t enroll_only = OPTS_ENROLL;
	bool status = strcmp(sub, "status") == 0, enroll = strcmp(sub, "enroll") == 0;
	if (!status && !enroll && strcmp(sub, "mode") != 0)
		return usage_error("secureboot: unknown sub-command '%s' (status, enroll or mode; "
				   "see teevar secureboot --help)", sub);
	if (!enroll && (o->seen & enroll_only))
		return usage_error("secureboot %s: --db, --dbx, --dbt, --kek, --pk and --defaults "
				   "belong to secureboot enroll", sub);
	if (!status && opt_has(o, OPT_JSON))
		return usage_error("secureboot %s: --json belongs to secureboot status", sub);
	if (status)
		return sb_status(o);
	return enroll ? sb_enroll(o) : sb_mode(o);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line options: "--opt VALUE", "--opt=VALUE", "--" ends options. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

struct opt_def {
	const char *name;
	enum opt_id id;
	bool has_arg;
};

static const struct opt_def opt_defs[] = {
	{"help", OPT_HELP, false},
	{"version", OPT_VERSION, false},
	{"state", OPT_STATE, true},
	{"tee", OPT_TEE, true},
	{"runtime", OPT_RUNTIME, false},
	{"json", OPT_JSON, false},
	{"raw", OPT_RAW, false},
	{"name", OPT_NAME, true},
	{"guid", OPT_GUID, true},
	{"attrs", OPT_ATTRS, true},
	{"append", OPT_APPEND, false},
	{"file", OPT_FILE, true},
	{"stdin", OPT_STDIN, false},
	{"hex", OPT_HEX, true},
	{"string", OPT_STRING, true},
	{"string16", OPT_STRING16, true},
	{"empty", OPT_EMPTY, false},
	{"read-only", OPT_READ_ONLY, false},
	{"min", OPT_MIN, true},
	{"max", OPT_MAX, true},
	{"format", OPT_FORMAT, false},
	{"esl", OPT_ESL, false},
	{"db", OPT_DB, true},
	{"dbx", OPT_DBX, true},
	{"dbt", OPT_DBT, true},
	{"kek", OPT_KEK, true},
	{"pk", OPT_PK, true},
	{"defaults", OPT_DEFAULTS, false},
	{"from", OPT_FROM, true},
	{"to", OPT_TO, true},
	{"replace", OPT_REPLACE, false},
	{"skip", OPT_SKIP, false},
	{"dry-run", OPT_DRY_RUN, false},
	{"template", OPT_TEMPLATE, true},
	{"force", OPT_FORCE, false},
	{"unbound-private", OPT_UNBOUND_PRIVATE, false},
	{"all-clients", OPT_ALL_CLIENTS, false},
	{"quiet", OPT_QUIET, false},
	{"long", OPT_LONG, false},
};
#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("teevar: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_USAGE;
}

const char *opt_name(enum opt_id id)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (opt_defs[i].id == id)
			return opt_defs[i].name;
	return "?";
}

static const struct opt_def *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (strlen(opt_defs[i].name) == len && strncmp(opt_defs[i].name, name, len) == 0)
			return &opt_defs[i];
	return NULL;
}

static int record_opt(struct opts *o, const struct opt_def *d, const char *value)
{
	if (opt_has(o, d->id) && d->id != OPT_HELP)
		return usage_error("option --%s given twice", d->name);
	if (OPT_BIT(d->id) & OPTS_DATA) {
		if (o->seen & OPTS_DATA)
			return usage_error("give only one of --file, --stdin, --hex, --string, "
					   "--string16, --empty");
		o->data_opt = d->id;
	}
	o->seen |= OPT_BIT(d->id);
	o->value[d->id] = value;
	return 0;
}

/* One "--name[=value]" at argv[*i]; consumes the next argument as the value if needed. */
static int parse_long(struct opts *o, int argc, char **argv, int *i)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt_def *d = find_opt(arg, len);
	if (!d)
		return usage_error("unknown option '%s' (see teevar --help)", argv[*i]);
	const char *value = NULL;
	if (d->has_arg) {
		if (eq) {
			value = eq + 1;
		} else if (*i + 1 < argc) {
			value = argv[++*i];
		} else {
			return usage_error("option --%s needs a value", d->name);
		}
	} else if (eq) {
		return usage_error("option --%s takes no value", d->name);
	}
	return record_opt(o, d, value);
}

static int add_positional(struct opts *o, const char *arg)
{
	if (o->npos == CLI_MAX_POS)
		return usage_error("too many arguments");
	o->pos[o->npos++] = arg;
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	bool only_pos = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;
		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			rc = add_positional(o, a);
		} else if (strcmp(a, "--") == 0) {
			only_pos = true;
			rc = 0;
		} else if (strcmp(a, "-h") == 0) {
			rc = record_opt(o, find_opt("help", 4), NULL);
		} else if (strcmp(a, "-q") == 0) {
			rc = record_opt(o, find_opt("quiet", 5), NULL);
		} else if (strcmp(a, "-l") == 0) {
			rc = record_opt(o, find_opt("long", 4), NULL);
		} else if (a[1] == '-') {
			rc = parse_long(o, argc, argv, &i);
		} else {
			rc = usage_error("unknown option '%s' (see teevar --help)", a);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int opts_check_allowed(const struct opts *o, const char *cmd, uint64_t allowed)
{
	uint64_t extra = o->seen & ~(allowed | OPTS_GLOBAL);
	for (int id = 0; id < OPT_COUNT; id++)
		if (extra & OPT_BIT(id))
			return usage_error("%s: option --%s does not apply (see teevar %s --help)",
					   cmd, opt_name((enum opt_id)id), cmd);
	return 0;
}

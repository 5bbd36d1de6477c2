/* SPDX-License-Identifier: BSD-2-Clause */
/* teevar list, get, set, delete. */
#include <stdlib.h>
#include <string.h>

#include <teevar/util.h>

#include "cli.h"

#define FETCH_FIRST 1024u
#define FETCH_TRIES 4
#define NAME_BUF_FIRST 256u                 /* bytes */
#define NAME_BUF_MAX 65536u
#define LIST_MAX_ENTRIES (1u << 20)         /* a service that never ends its walk */
#define ATTRS_TEXT 96

efi_status_t fetch_variable(struct tv_client *c, const efi_char16_t *name,
			    const efi_guid_t *guid, uint32_t *attrs, struct bytes *data)
{
	size_t cap = FETCH_FIRST;
	data->p = NULL;
	data->n = 0;
	for (int i = 0; i < FETCH_TRIES; i++) {
		uint8_t *p = realloc(data->p, cap);
		if (!p) {
			bytes_free(data);
			return EFI_OUT_OF_RESOURCES;
		}
		data->p = p;
		size_t n = cap;
		*attrs = 0;
		efi_status_t st = tv_get_variable(c, name, guid, attrs, &n, data->p);
		if (st == EFI_SUCCESS && n <= cap) {
			data->n = n;
			return EFI_SUCCESS;
		}
		/* A size that does not grow means the request was trimmed to the payload. */
		if (st != EFI_BUFFER_TOO_SMALL || n <= cap || n > CLI_DATA_MAX) {
			bytes_free(data);
			return st == EFI_SUCCESS ? EFI_DEVICE_ERROR : st;
		}
		cap = n;
	}
	bytes_free(data);
	return EFI_BUFFER_TOO_SMALL;
}

/* ---- list ---- */

struct list_entry {
	efi_char16_t *raw;  /* as the service returned it */
	char *name;         /* printable */
	efi_guid_t guid;
	uint32_t attrs;
	size_t size;
	bool gone;
};

struct list {
	struct list_entry *e;
	size_t n, cap;
};

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].raw);
		free(l->e[i].name);
	}
	free(l->e);
}

static efi_status_t list_add(struct list *l, const efi_char16_t *name, size_t units,
			     const efi_guid_t *guid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct list_entry *e = realloc(l->e, cap * sizeof(*e));
		if (!e)
			return EFI_OUT_OF_RESOURCES;
		l->e = e;
		l->cap = cap;
	}
	struct list_entry *e = &l->e[l->n];
	memset(e, 0, sizeof(*e));
	size_t len = tv_ucs2_strnlen(name, units);
	e->raw = calloc(len + 1, sizeof(*name));
	e->name = name_display(name, units);
	e->guid = *guid;
	l->n++; /* list_free releases a half-made entry */
	if (!e->raw || !e->name)
		return EFI_OUT_OF_RESOURCES;
	memcpy(e->raw, name, len * sizeof(*name));
	return EFI_SUCCESS;
}

struct name_buf {
	efi_char16_t *name;
	size_t size; /* bytes */
};

static efi_status_t name_buf_grow(struct name_buf *b, size_t need)
{
	need = (need + 1) & ~(size_t)1;
	if (need <= b->size || need > NAME_BUF_MAX)
		return EFI_DEVICE_ERROR;
	efi_char16_t *p = realloc(b->name, need);
	if (!p)
		return EFI_OUT_OF_RESOURCES;
	memset((uint8_t *)p + b->size, 0, need - b->size); /* the previous name stays */
	b->name = p;
	b->size = need;
	return EFI_SUCCESS;
}

/* The next name into b; EFI_NOT_FOUND at the end. */
static efi_status_t next_name(struct tv_client *c, struct name_buf *b, efi_guid_t *guid)
{
	for (;;) {
		size_t size = b->size;
		efi_status_t st = tv_get_next_variable(c, &size, b->name, guid);
		if (st == EFI_SUCCESS && tv_ucs2_strnlen(b->name, b->size / 2) == b->size / 2)
			return EFI_DEVICE_ERROR; /* no NUL: never trust the peer */
		if (st != EFI_BUFFER_TOO_SMALL)
			return st;
		st = name_buf_grow(b, size);
		if (st != EFI_SUCCESS)
			return st;
	}
}

static efi_status_t walk_names(struct tv_client *c, struct list *l)
{
	struct name_buf b = {calloc(NAME_BUF_FIRST, 1), NAME_BUF_FIRST};
	efi_guid_t guid = {{0}};
	efi_status_t st = b.name ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
	while (st == EFI_SUCCESS) {
		st = next_name(c, &b, &guid);
		if (st == EFI_SUCCESS)
			st = l->n < LIST_MAX_ENTRIES ? list_add(l, b.name, b.size / 2, &guid)
						     : EFI_DEVICE_ERROR;
	}
	free(b.name);
	return st == EFI_NOT_FOUND ? EFI_SUCCESS : st;
}

/* Attributes and size of every entry; one that vanished meanwhile is marked gone. */
static efi_status_t fill_details(struct tv_client *c, struct list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct list_entry *e = &l->e[i];
		struct bytes data;
		efi_status_t st = fetch_variable(c, e->raw, &e->guid, &e->attrs, &data);
		if (st == EFI_NOT_FOUND) {
			e->gone = true;
			continue;
		}
		if (st != EFI_SUCCESS)
			return st;
		e->size = data.n;
		bytes_free(&data);
	}
	return EFI_SUCCESS;
}

static void print_entry_json(const struct list_entry *e, const char *guid, bool first)
{
	printf("%s\n  {\"name\": ", first ? "" : ",");
	json_name(stdout, e->raw, SIZE_MAX);
	printf(", \"guid\": \"%s\", \"attributes\": %u, \"attribute_names\": ", guid, e->attrs);
	attrs_print_json_names(stdout, e->attrs);
	printf(", \"size\": %zu}", e->size);
}

/* list -l: attributes, size, Name-GUID */
static void print_entry_long(const struct list_entry *e, const char *guid)
{
	char names[ATTRS_TEXT];
	attrs_format(e->attrs, names, sizeof(names));
	printf("%-14s %8zu  %s-%s\n", names, e->size, e->name, guid);
}

static void print_list(const struct list *l, bool json, bool lng, const efi_guid_t *only)
{
	char g[37];
	size_t shown = 0;
	if (json)
		fputs("[", stdout);
	for (size_t i = 0; i < l->n; i++) {
		const struct list_entry *e = &l->e[i];
		if (e->gone || (only && memcmp(&e->guid, only, sizeof(*only)) != 0))
			continue;
		tv_guid_format(&e->guid, g);
		if (json)
			print_entry_json(e, g, shown == 0);
		else if (lng)
			print_entry_long(e, g);
		else
			printf("%s-%s\n", e->name, g);
		shown++;
	}
	if (json)
		fputs(shown ? "\n]\n" : "]\n", stdout);
}

int cmd_list(const struct opts *o)
{
	if (o->npos > 1)
		return usage_error("list: unexpected argument '%s'", o->pos[1]);
	if (opt_has(o, OPT_JSON) && opt_has(o, OPT_LONG))
		return usage_error("list: --long and --json exclude each other (--json has the "
				   "attributes and sizes)");
	efi_guid_t only;
	if (opt_has(o, OPT_GUID) && parse_guid_or_alias(o->value[OPT_GUID], &only) != 0)
		return usage_error("list: bad GUID '%s' (expected xxxxxxxx-xxxx-xxxx-xxxx-"
				   "xxxxxxxxxxxx or an alias, see teevar --help)",
				   o->value[OPT_GUID]);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	struct list l = {0};
	bool json = opt_has(o, OPT_JSON), lng = opt_has(o, OPT_LONG);
	efi_status_t st = walk_names(s.client, &l);
	if (st == EFI_SUCCESS && (json || lng))
		st = fill_details(s.client, &l);
	if (st == EFI_SUCCESS)
		print_list(&l, json, lng, opt_has(o, OPT_GUID) ? &only : NULL);
	else
		rc = report_status(&s, OP_LIST, "list", NULL, st);
	list_free(&l);
	session_close(&s);
	return rc;
}

/* ---- get ---- */

static void print_head_human(const struct var_id *v, uint32_t attrs, size_t size)
{
	char names[ATTRS_TEXT];
	attrs_format(attrs, names, sizeof(names));
	printf("%s\nattributes: 0x%08x (%s)\nsize: %zu\n", v->label, attrs, names, size);
}

static void print_head_json(const struct var_id *v, uint32_t attrs, size_t size)
{
	char g[37];
	tv_guid_format(&v->guid, g);
	fputs("{\"name\": ", stdout);
	json_name(stdout, v->name, CLI_NAME_MAX_CHARS + 1);
	printf(", \"guid\": \"%s\", \"attributes\": %u, \"attribute_names\": ", g, attrs);
	attrs_print_json_names(stdout, attrs);
	printf(", \"size\": %zu, ", size);
}

static void print_variable(const struct var_id *v, uint32_t attrs, const struct bytes *d,
			   bool json)
{
	if (!json) {
		print_head_human(v, attrs, d->n);
		hexdump(stdout, d->p, d->n);
		return;
	}
	print_head_json(v, attrs, d->n);
	fputs("\"data\": ", stdout);
	json_hex(stdout, d->p, d->n);
	fputs("}\n", stdout);
}

/* get --esl: the data as signature lists; EXIT_MALFORMED after what parsed. */
static int print_variable_esl(const struct var_id *v, uint32_t attrs, const struct bytes *d,
			      bool json)
{
	struct esl_walk w;
	if (json) {
		print_head_json(v, attrs, d->n);
		esl_show_json(stdout, d->p, d->n, &w);
		fputs("}\n", stdout);
	} else {
		print_head_human(v, attrs, d->n);
		esl_show_human(stdout, d->p, d->n, &w);
	}
	return w.error ? esl_report_malformed("get", v->label, &w) : 0;
}

static int one_var_arg(const struct opts *o, const char *cmd, struct var_id *v)
{
	if (o->npos > 2)
		return usage_error("%s: unexpected argument '%s'", cmd, o->pos[2]);
	return var_id_parse(o, cmd, o->npos == 2 ? o->pos[1] : NULL, v);
}

int cmd_get(const struct opts *o)
{
	if (opt_has(o, OPT_RAW) && (opt_has(o, OPT_JSON) || opt_has(o, OPT_ESL)))
		return usage_error("get: --raw excludes --json and --esl");
	struct var_id v;
	int rc = one_var_arg(o, "get", &v);
	if (rc != 0)
		return rc;
	struct session s;
	rc = session_open(o, &s);
	if (rc == 0) {
		uint32_t attrs = 0;
		struct bytes d;
		efi_status_t st = fetch_variable(s.client, v.name, &v.guid, &attrs, &d);
		if (st != EFI_SUCCESS)
			rc = report_status(&s, OP_GET, "get", v.label, st);
		else if (opt_has(o, OPT_RAW))
			fwrite(d.p, 1, d.n, stdout);
		else if (opt_has(o, OPT_ESL))
			rc = print_variable_esl(&v, attrs, &d, opt_has(o, OPT_JSON));
		else
			print_variable(&v, attrs, &d, opt_has(o, OPT_JSON));
		bytes_free(&d);
		session_close(&s);
	}
	var_id_free(&v);
	return rc;
}

/* ---- set, delete ---- */

#define NV_BS_RT (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
		  EFI_VARIABLE_RUNTIME_ACCESS)

/* --attrs, if given; 0 or EXIT_USAGE. */
static int given_attrs(const struct opts *o, uint32_t *attrs)
{
	*attrs = 0;
	if (!opt_has(o, OPT_ATTRS))
		return 0;
	if (parse_attrs(o->value[OPT_ATTRS], attrs) != 0)
		return usage_error("set: bad --attrs '%s' (names nv,bs,rt,hr,at,append,... or a "
				   "number such as 0x7)", o->value[OPT_ATTRS]);
	if (*attrs == 0)
		return usage_error("set: attributes 0 delete the variable; use teevar delete");
	return 0;
}

/* Checks the data against what the user asked for: an empty write deletes. */
static int check_empty(const struct opts *o, const struct bytes *d)
{
	if (d->n != 0 || o->data_opt == OPT_EMPTY || opt_has(o, OPT_APPEND))
		return 0;
	return usage_error("set: the data is empty; a zero-length write deletes the variable: "
			   "say --empty if that is what you want");
}

void set_prior_read(struct session *s, const struct var_id *v, struct set_prior *p)
{
	memset(p, 0, sizeof(*p));
	efi_status_t st = fetch_variable(s->client, v->name, &v->guid, &p->attrs, &p->data);
	p->known = st == EFI_SUCCESS || st == EFI_NOT_FOUND;
	p->exists = st == EFI_SUCCESS;
}

void set_prior_free(struct set_prior *p)
{
	bytes_free(&p->data);
}

/* "created", "replaced", ... for what a successful SetVariable did. */
static const char *set_verb(const struct set_prior *p, uint32_t attrs, const struct bytes *d)
{
	if (!p->known)
		return "written";
	if (attrs & EFI_VARIABLE_APPEND_WRITE)
		return p->exists || d->n ? "appended" : "unchanged: nothing to append";
	if (d->n == 0)
		return "deleted";
	if (!p->exists)
		return "created";
	if (p->attrs == attrs && p->data.n == d->n && memcmp(p->data.p, d->p, d->n) == 0)
		return "unchanged: the same data";
	return "replaced";
}

int set_and_report(const struct opts *o, struct session *s, const char *what,
		   const struct var_id *v, uint32_t attrs, const struct bytes *d,
		   const struct set_prior *p)
{
	efi_status_t st = tv_set_variable(s->client, v->name, &v->guid, attrs, d->n, d->p);
	int rc = 0;
	if (st == EFI_DEVICE_ERROR)
		rc = report_write_refused(s, what, v->label);
	if (st == EFI_INVALID_PARAMETER) {
		char why[512];
		const char *hint = diagnose_set_invalid(s, v, attrs, d->n, p, why, sizeof(why));
		return report_status_hint(s, OP_SET, what, v->label, st, hint);
	}
	if (st != EFI_SUCCESS)
		return rc ? rc : report_status(s, OP_SET, what, v->label, st);
	const char *verb = set_verb(p, attrs, d);
	if (!opt_has(o, OPT_QUIET)) {
		char names[ATTRS_TEXT];
		attrs_format(attrs & ~EFI_VARIABLE_APPEND_WRITE, names, sizeof(names));
		if (strcmp(verb, "deleted") == 0)
			printf("%s: deleted\n", v->label);
		else
			printf("%s: %s (%zu byte%s written, %s)\n", v->label, verb, d->n,
			       d->n == 1 ? "" : "s", names);
	}
	if (!(attrs & EFI_VARIABLE_NON_VOLATILE) && d->n) {
		char *text = NULL;
		if (asprintf(&text, "the volatile variable %s", v->label) >= 0)
			session_note_ends(s, text);
		free(text);
	}
	return 0;
}

int cmd_set(const struct opts *o)
{
	struct var_id v;
	uint32_t attrs;
	struct bytes d = {0};
	int rc = given_attrs(o, &attrs);
	if (rc != 0)
		return rc;
	rc = one_var_arg(o, "set", &v);
	if (rc != 0)
		return rc;
	rc = input_read(o, &d);
	if (rc == 0)
		rc = check_empty(o, &d);
	struct session s;
	if (rc == 0)
		rc = session_open(o, &s);
	if (rc == 0) {
		struct set_prior p;
		set_prior_read(&s, &v, &p);
		/* without --attrs an existing variable keeps its attributes */
		if (!attrs)
			attrs = p.exists ? p.attrs : NV_BS_RT;
		if (opt_has(o, OPT_APPEND))
			attrs |= EFI_VARIABLE_APPEND_WRITE;
		rc = set_and_report(o, &s, "set", &v, attrs, &d, &p);
		set_prior_free(&p);
		session_close(&s);
	}
	bytes_free(&d);
	var_id_free(&v);
	return rc;
}

int cmd_delete(const struct opts *o)
{
	struct var_id v;
	int rc = one_var_arg(o, "delete", &v);
	if (rc != 0)
		return rc;
	struct session s;
	rc = session_open(o, &s);
	if (rc == 0) {
		efi_status_t st = tv_set_variable(s.client, v.name, &v.guid, 0, 0, NULL);
		if (st == EFI_DEVICE_ERROR)
			rc = report_write_refused(&s, "delete", v.label);
		if (st != EFI_SUCCESS && rc == 0)
			rc = report_status(&s, OP_DELETE, "delete", v.label, st);
		session_close(&s);
	}
	var_id_free(&v);
	return rc;
}

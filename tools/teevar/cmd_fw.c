/* SPDX-License-Identifier: BSD-2-Clause */
/* teevar info, phase, lock, property: the store and the firmware-side calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <teevar/store_info.h>
#include <teevar/util.h>

#include "cli.h"

#define ATTRS_TEXT 96

static const char *const phase_names[] = {"boot-services", "ready-to-boot", "runtime"};

static const char *phase_name(uint32_t phase)
{
	return phase < 3 ? phase_names[phase] : "unknown";
}

/* ---- info ---- */

#define NV_BS_RT (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
		  EFI_VARIABLE_RUNTIME_ACCESS)

static const struct {
	const char *name;
	uint32_t attrs;
} info_classes[] = {
	{"non-volatile", NV_BS_RT},
	{"volatile", EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS},
	{"hardware-error", EFI_VARIABLE_HARDWARE_ERROR_RECORD | NV_BS_RT},
};
#define N_CLASSES (sizeof(info_classes) / sizeof(info_classes[0]))

struct class_info {
	efi_status_t st;
	uint64_t max_storage, remaining, max_size;
};

static void print_classes_human(const struct class_info *ci)
{
	char names[ATTRS_TEXT];
	printf("%-28s %14s %14s %14s\n", "class (attributes)", "max storage", "remaining",
	       "max var size");
	for (size_t i = 0; i < N_CLASSES; i++) {
		char label[ATTRS_TEXT + 32];
		attrs_format(info_classes[i].attrs, names, sizeof(names));
		snprintf(label, sizeof(label), "%s (%s)", info_classes[i].name, names);
		if (ci[i].st != EFI_SUCCESS)
			printf("%-28s %s\n", label, tv_status_name(ci[i].st));
		else
			printf("%-28s %14llu %14llu %14llu\n", label,
			       (unsigned long long)ci[i].max_storage,
			       (unsigned long long)ci[i].remaining, (unsigned long long)ci[i].max_size);
	}
}

/* The RPMB route, as teevard's --rpmb names it. */
static const char *route_name(uint32_t route, const char **what)
{
	switch (route) {
	case TV_STORE_ROUTE_INPROC:
		*what = " (the emulated image in the secure core's process)";
		return "inproc";
	case TV_STORE_ROUTE_SUPPLICANT:
		*what = " (through teevar-supplicant)";
		return "supplicant";
	case TV_STORE_ROUTE_RPC:
		*what = " (OP-TEE's RPMB RPC through the calling client's normal world)";
		return "rpc";
	default:
		*what = "";
		return "unknown";
	}
}

static void print_store_human(const struct tv_store_info *si)
{
	const char *what;
	const char *route = route_name(si->route, &what);
	printf("\nstore\n");
	printf("  %-19s %llu bytes\n", "capacity:", (unsigned long long)si->capacity);
	printf("  %-19s %llu bytes\n", "used:", (unsigned long long)si->used);
	printf("  %-19s %llu bytes\n", "remaining:", (unsigned long long)si->remaining);
	printf("  %-19s %u non-volatile\n", "variables:", si->var_count);
	printf("  %-19s %u of %u bytes, %u free\n", "segments:", si->seg_count, si->seg_bytes,
	       si->free_segs);
	printf("  %-19s %u blocks of 256 bytes, %u blocks per write\n", "RPMB:", si->rpmb_blocks,
	       si->blocks_per_write);
	printf("  %-19s %u%s\n", "RPMB write counter:", si->write_counter,
	       si->counter_expired ? " (expired)" : "");
	printf("  %-19s %s\n", "phase:", phase_name(si->phase));
	printf("  %-19s %u\n", "format version:", si->format_version);
	if (si->damaged)
		printf("  %-19s DAMAGED: %u damaged place%s, the first at RPMB block %u; writes "
		       "are refused (see teevar check, teevar recover)\n", "health:",
		       si->damage_count, si->damage_count == 1 ? "" : "s", si->first_damage_block);
	else
		printf("  %-19s ok\n", "health:");
	printf("  %-19s %s\n", "read-only:", si->read_only ? "yes" : "no");
	printf("  %-19s %llu RPMB blocks in %llu read operations\n", "last mount read:",
	       (unsigned long long)si->mount_blocks_read, (unsigned long long)si->mount_read_ops);
	printf("  %-19s %s%s\n", "route:", route, what);
	if (si->clients)
		printf("  %-19s %u connected to teevard (this one included)\n", "clients:",
		       si->clients);
}

static void print_classes_json(const struct class_info *ci)
{
	fputs("{\"classes\": [", stdout);
	for (size_t i = 0; i < N_CLASSES; i++) {
		printf("%s\n  {\"class\": \"%s\", \"attributes\": %u", i ? "," : "",
		       info_classes[i].name, info_classes[i].attrs);
		if (ci[i].st != EFI_SUCCESS)
			printf(", \"status\": \"%s\"}", tv_status_name(ci[i].st));
		else
			printf(", \"max_storage\": %llu, \"remaining\": %llu, "
			       "\"max_variable_size\": %llu}",
			       (unsigned long long)ci[i].max_storage,
			       (unsigned long long)ci[i].remaining, (unsigned long long)ci[i].max_size);
	}
	fputs("\n]", stdout);
}

static void print_store_json(const struct tv_store_info *si)
{
	const char *what;
	const char *route = route_name(si->route, &what);
	(void)what;
	printf(",\n\"store\": {\"route\": \"%s\", \"capacity\": %llu, \"used\": %llu, "
	       "\"remaining\": %llu, \"variables\": %u, \"segments\": %u, \"segment_bytes\": %u, "
	       "\"free_segments\": %u, "
	       "\"rpmb_blocks\": %u, \"blocks_per_write\": %u, \"write_counter\": %u, "
	       "\"counter_expired\": %s, \"phase\": \"%s\",\n  \"format_version\": %u, "
	       "\"read_only\": %s, \"damaged\": %s, \"damage_count\": %u, "
	       "\"first_damage_block\": %u, \"mount_blocks_read\": %llu, \"mount_read_ops\": %llu",
	       route, (unsigned long long)si->capacity, (unsigned long long)si->used,
	       (unsigned long long)si->remaining, si->var_count, si->seg_count, si->seg_bytes,
	       si->free_segs, si->rpmb_blocks, si->blocks_per_write, si->write_counter,
	       si->counter_expired ? "true" : "false", phase_name(si->phase), si->format_version,
	       si->read_only ? "true" : "false", si->damaged ? "true" : "false",
	       si->damage_count, si->first_damage_block,
	       (unsigned long long)si->mount_blocks_read, (unsigned long long)si->mount_read_ops);
	if (si->clients) /* teevard's count; absent in-process */
		printf(", \"clients\": %u", si->clients);
	fputs("}", stdout);
}

static int query_classes(struct session *s, struct class_info *ci)
{
	int rc = 0;
	for (size_t i = 0; i < N_CLASSES; i++) {
		ci[i].st = tv_query_variable_info(s->client, info_classes[i].attrs,
						  &ci[i].max_storage, &ci[i].remaining,
						  &ci[i].max_size);
		if (ci[i].st != EFI_SUCCESS && rc == 0) {
			char what[64];
			snprintf(what, sizeof(what), "info: %s class", info_classes[i].name);
			rc = report_status(s, OP_QUERY, what, NULL, ci[i].st);
		}
	}
	return rc;
}

int cmd_info(const struct opts *o)
{
	if (o->npos > 1)
		return usage_error("info: unexpected argument '%s'", o->pos[1]);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	struct class_info ci[N_CLASSES];
	struct tv_store_info si;
	rc = query_classes(&s, ci);
	int err = tv_transport_store_info(&s.transport, &si);
	if (err != 0 && err != -ENOTSUP) {
		fprintf(stderr, "teevar: info: store statistics: %s\n", strerror(-err));
		rc = rc ? rc : EXIT_EFI;
	}
	/* Absent status variables (a service without Secure Boot) or a failure to
	 * read them show as mode "unknown", never as a failure of info. */
	struct sb_state sb;
	const char *sb_failed;
	(void)sb_state_read(s.client, &sb, &sb_failed);
	bool json = opt_has(o, OPT_JSON);
	if (json)
		print_classes_json(ci);
	else
		print_classes_human(ci);
	if (json)
		sb_info_json(&sb);
	else
		sb_info_human(&sb);
	sb_state_free(&sb);
	if (err == 0 && json)
		print_store_json(&si);
	else if (err == 0)
		print_store_human(&si);
	if (json)
		fputs("}\n", stdout);
	session_close(&s);
	return rc;
}

/* ---- phase ---- */

static int show_phase(struct session *s)
{
	struct tv_store_info si;
	int err = tv_transport_store_info(&s->transport, &si);
	if (err != 0) {
		fprintf(stderr, "teevar: phase: this transport cannot report the phase: %s\n",
			strerror(-err));
		return EXIT_EFI;
	}
	printf("%s\n", phase_name(si.phase));
	return 0;
}

int cmd_phase(const struct opts *o)
{
	if (o->npos > 2)
		return usage_error("phase: unexpected argument '%s'", o->pos[2]);
	const char *to = o->npos == 2 ? o->pos[1] : NULL;
	if (to && strcmp(to, "ready-to-boot") != 0 && strcmp(to, "exit-boot-services") != 0)
		return usage_error("phase: unknown phase '%s' (ready-to-boot or "
				   "exit-boot-services)", to);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	if (!to) {
		rc = show_phase(&s);
	} else {
		bool rtb = strcmp(to, "ready-to-boot") == 0;
		efi_status_t st = rtb ? tv_ready_to_boot(s.client) : tv_exit_boot_services(s.client);
		char what[64];
		snprintf(what, sizeof(what), "the phase change to %s", to);
		if (st != EFI_SUCCESS)
			rc = report_status(&s, OP_PHASE, "phase", to, st);
		else if (s.inproc)
			session_note_ends(&s, what);
		else if (snprintf(what, sizeof(what), "phase %s", to) > 0)
			session_note_shared_phase(&s, what, rtb ? "ready-to-boot" : "runtime");
	}
	session_close(&s);
	return rc;
}

/* ---- lock, property ---- */

static int var_arg_at(const struct opts *o, const char *cmd, int at, struct var_id *v)
{
	if (o->npos > at + 1)
		return usage_error("%s: unexpected argument '%s'", cmd, o->pos[at + 1]);
	return var_id_parse(o, cmd, o->npos == at + 1 ? o->pos[at] : NULL, v);
}

static void note_ends_of(const struct session *s, const char *what, const char *label)
{
	char *text = NULL;
	if (asprintf(&text, "%s %s", what, label) >= 0)
		session_note_ends(s, text);
	free(text);
}

int cmd_lock(const struct opts *o)
{
	struct var_id v;
	int rc = var_arg_at(o, "lock", 1, &v);
	if (rc != 0)
		return rc;
	struct session s;
	rc = session_open(o, &s);
	if (rc == 0) {
		efi_status_t st = tv_lock_variable(s.client, v.name, &v.guid);
		if (st != EFI_SUCCESS)
			rc = report_status(&s, OP_LOCK, "lock", v.label, st);
		else
			note_ends_of(&s, "the lock of", v.label);
		session_close(&s);
	}
	var_id_free(&v);
	return rc;
}

static void print_property(const struct var_id *v, const var_check_property_t *p, bool json)
{
	char names[ATTRS_TEXT];
	bool ro = (p->property & VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY) != 0;
	if (json) {
		printf("{\"variable\": ");
		json_string(stdout, v->label);
		printf(", \"revision\": %u, \"read_only\": %s, \"attributes\": %u, "
		       "\"min_size\": %llu, \"max_size\": %llu}\n",
		       p->revision, ro ? "true" : "false", p->attributes,
		       (unsigned long long)p->min_size, (unsigned long long)p->max_size);
		return;
	}
	attrs_format(p->attributes, names, sizeof(names));
	printf("%s\nread-only: %s\nattributes: 0x%08x (%s)\nmin-size: %llu\n", v->label,
	       ro ? "yes" : "no", p->attributes, p->attributes ? names : "any",
	       (unsigned long long)p->min_size);
	if (p->max_size == UINT64_MAX)
		printf("max-size: unlimited\n");
	else
		printf("max-size: %llu\n", (unsigned long long)p->max_size);
}

static int property_get(struct session *s, const struct var_id *v, bool json)
{
	var_check_property_t p;
	memset(&p, 0, sizeof(p));
	efi_status_t st = tv_var_check_property_get(s->client, v->name, &v->guid, &p);
	if (st != EFI_SUCCESS)
		return report_status(s, OP_PROP_GET, "property get", v->label, st);
	print_property(v, &p, json);
	return 0;
}

static int property_from_opts(const struct opts *o, var_check_property_t *p)
{
	memset(p, 0, sizeof(*p));
	p->revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION;
	p->max_size = UINT64_MAX;
	if (opt_has(o, OPT_READ_ONLY))
		p->property |= VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY;
	if (opt_has(o, OPT_MIN) && parse_u64(o->value[OPT_MIN], &p->min_size) != 0)
		return usage_error("property set: bad --min '%s'", o->value[OPT_MIN]);
	if (opt_has(o, OPT_MAX) && parse_u64(o->value[OPT_MAX], &p->max_size) != 0)
		return usage_error("property set: bad --max '%s'", o->value[OPT_MAX]);
	if (p->min_size > p->max_size)
		return usage_error("property set: --min is larger than --max");
	if (opt_has(o, OPT_ATTRS) && parse_attrs(o->value[OPT_ATTRS], &p->attributes) != 0)
		return usage_error("property set: bad --attrs '%s'", o->value[OPT_ATTRS]);
	return 0;
}

/* Shows the property afterwards: with the in-process transport it lasts only
 * as long as this process. */
static int property_set(struct session *s, const struct var_id *v,
			const var_check_property_t *p, bool json)
{
	efi_status_t st = tv_var_check_property_set(s->client, v->name, &v->guid, p);
	if (st != EFI_SUCCESS)
		return report_status(s, OP_PROP_SET, "property set", v->label, st);
	note_ends_of(s, "the property of", v->label);
	return property_get(s, v, json);
}

int cmd_property(const struct opts *o)
{
	const char *sub = o->npos > 1 ? o->pos[1] : "";
	bool set = strcmp(sub, "set") == 0;
	if (!set && strcmp(sub, "get") != 0)
		return usage_error("property: expected 'get' or 'set' (see teevar property --help)");
	uint64_t set_only = OPT_BIT(OPT_READ_ONLY) | OPT_BIT(OPT_MIN) | OPT_BIT(OPT_MAX) |
			    OPT_BIT(OPT_ATTRS);
	if (!set && (o->seen & set_only))
		return usage_error("property get: --read-only, --min, --max and --attrs belong "
				   "to property set");
	var_check_property_t p;
	int rc = set ? property_from_opts(o, &p) : 0;
	struct var_id v;
	if (rc == 0)
		rc = var_arg_at(o, set ? "property set" : "property get", 2, &v);
	if (rc != 0)
		return rc;
	struct session s;
	rc = session_open(o, &s);
	if (rc == 0) {
		bool json = opt_has(o, OPT_JSON);
		rc = set ? property_set(&s, &v, &p, json) : property_get(&s, &v, json);
		session_close(&s);
	}
	var_id_free(&v);
	return rc;
}

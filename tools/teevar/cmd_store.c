/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar check and recover: the store's full verification and its explicit
 * recovery (teevar's own requests, not UEFI's), and the message for a write
 * that a damaged store refused.
 */
#include <errno.h>
#include <string.h>

#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "cli.h"

#define RECOVER_HINT "teevar recover gives up the damaged records and keeps what verifies"

static const char *plural(uint32_t n)
{
	return n == 1 ? "" : "s";
}

/* A failure of a store request, as one line; the exit code. */
static int store_error(const struct session *s, const char *what, int err, const char *detail)
{
	struct tv_access_denial d;
	if (err == -EACCES && tv_transport_last_denial(&d) == 0) {
		const char *kind = d.write ? "write" : "read";
		fprintf(stderr, "teevar: %s: teevard refused %s access for uid %u (%s access: %s; "
			"see teevard --%s-access)\n", what, kind, (unsigned)d.uid, kind, d.allowed,
			kind);
		return d.write ? EXIT_EFI : EXIT_TRANSPORT;
	}
	const char *sep = detail && detail[0] ? ": " : "";
	detail = detail ? detail : "";
	switch (err) {
	case -ENOTSUP:
		fprintf(stderr, "teevar: %s: not supported by the %s: transport (only inproc: and "
			"unix: reach teevar's own secure core; a board's StMM keeps its store to "
			"itself)\n", what, s->transport.name);
		return EXIT_EFI;
	case -EUCLEAN:
		fprintf(stderr, "teevar: %s: the RPMB content is not a readable teevar store%s%s\n",
			what, sep, detail);
		return EXIT_DAMAGED;
	case -EROFS:
		fprintf(stderr, "teevar: %s: the RPMB write counter has expired: the device is "
			"read-only for good\n", what);
		return EXIT_EFI;
	case -EIO:
	case -ECONNRESET:
		fprintf(stderr, "teevar: %s: %s%s%s\n", what, strerror(-err), sep, detail);
		return EXIT_TRANSPORT;
	default:
		fprintf(stderr, "teevar: %s: %s%s%s\n", what, strerror(-err), sep, detail);
		return EXIT_EFI;
	}
}

/* ---- check ---- */

static void print_check_human(const struct tv_store_check_report *r)
{
	printf("store check: format version %u, %llu RPMB blocks read\n", r->format_version,
	       (unsigned long long)r->blocks_read);
	printf("  %-19s %u\n", "records verified:", r->records);
	printf("  %-19s %u\n", "variables:", r->live_vars);
	if (r->damaged)
		printf("  %-19s %u damaged place%s, the first at RPMB block %u\n", "damage:",
		       r->damage_count, plural(r->damage_count), r->first_damage_block);
	else
		printf("  %-19s none\n", "damage:");
	printf("  %-19s %s\n", "matches served:", r->matches_ram ? "yes" : "no");
	printf("result: %s\n", r->damaged ? "DAMAGED" : r->matches_ram ? "ok" : "MISMATCH");
}

static void print_check_json(const struct tv_store_check_report *r)
{
	printf("{\"ok\": %s, \"format_version\": %u, \"blocks_read\": %llu, \"records\": %u, "
	       "\"variables\": %u, \"damaged\": %s, \"damage_count\": %u, "
	       "\"first_damage_block\": %u, \"matches_served\": %s, \"detail\": ",
	       !r->damaged && r->matches_ram ? "true" : "false", r->format_version,
	       (unsigned long long)r->blocks_read, r->records, r->live_vars,
	       r->damaged ? "true" : "false", r->damage_count, r->first_damage_block,
	       r->matches_ram ? "true" : "false");
	json_string(stdout, r->detail);
	fputs("}\n", stdout);
}

/* What is wrong, on stderr; the exit code. */
static int check_verdict(const struct tv_store_check_report *r)
{
	if (r->damaged) {
		/* the store's own sentence when there is one: it names the block too */
		if (r->detail[0])
			fprintf(stderr, "teevar: check: %s", r->detail);
		else
			fprintf(stderr, "teevar: check: the variable store is damaged at RPMB block %u",
				r->first_damage_block);
		fprintf(stderr, " (%u damaged place%s, the first at RPMB block %u); writes are "
			"refused until it is recovered (%s)\n", r->damage_count,
			plural(r->damage_count), r->first_damage_block, RECOVER_HINT);
		return EXIT_DAMAGED;
	}
	if (!r->matches_ram) {
		fprintf(stderr, "teevar: check: the store on the device does not hold what the "
			"secure core serves (changed behind its back, or lost writes); restart the "
			"secure core to serve what the device holds\n");
		return EXIT_DAMAGED;
	}
	return 0;
}

int cmd_check(const struct opts *o)
{
	if (o->npos > 1)
		return usage_error("check: unexpected argument '%s'", o->pos[1]);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	struct tv_store_check_report r;
	memset(&r, 0, sizeof(r));
	int err = tv_transport_store_check(&s.transport, &r);
	if (err != 0) {
		rc = store_error(&s, "check", err, r.detail);
	} else {
		if (opt_has(o, OPT_JSON))
			print_check_json(&r);
		else
			print_check_human(&r);
		rc = check_verdict(&r);
	}
	session_close(&s);
	return rc;
}

/* ---- recover ---- */

int cmd_recover(const struct opts *o)
{
	if (o->npos > 1)
		return usage_error("recover: unexpected argument '%s'", o->pos[1]);
	struct session s;
	int rc = session_open(o, &s);
	if (rc != 0)
		return rc;
	struct tv_store_recovery r;
	int err = tv_transport_store_recover(&s.transport, &r);
	if (err == -ENOENT) {
		fprintf(stderr, "teevar: recover: the store is not damaged: nothing to recover "
			"(teevar check verifies the whole store)\n");
		rc = EXIT_EFI;
	} else if (err != 0) {
		rc = store_error(&s, "recover", err, NULL);
	} else {
		printf("recovered: kept %u variable%s; gave up %u damaged place%s, the first at "
		       "RPMB block %u; writes are allowed again\n", r.kept_vars, plural(r.kept_vars),
		       r.damage_count, plural(r.damage_count), r.first_damage_block);
	}
	session_close(&s);
	return rc;
}

/* ---- a write refused by a damaged store ---- */

int report_write_refused(const struct session *s, const char *what, const char *label)
{
	struct tv_store_info si;
	uint32_t origin = 0;
	/* only the service's own EFI_DEVICE_ERROR, not a transport failure */
	if (tv_client_last_tee_result(s->client, &origin) != TEE_SUCCESS)
		return 0;
	if (tv_transport_store_info(&s->transport, &si) != 0 || !si.damaged)
		return 0;
	fprintf(stderr, "teevar: %s %s: EFI_DEVICE_ERROR: the variable store is damaged (first "
		"damage at RPMB block %u): writes are refused, reads of what verifies go on; "
		"teevar check shows it, %s\n", what, label, si.first_damage_block, RECOVER_HINT);
	return EXIT_DAMAGED;
}

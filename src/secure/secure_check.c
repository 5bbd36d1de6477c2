/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's full verification and explicit recovery, for `teevar check` and
 * `teevar recover` through whichever transport reaches the secure core. */
#include <teevar/store_info.h>

#include <string.h>

#include "secure_core.h"
#include "tv_err.h"

/* The store's last error detail, made printable: it may end up on a terminal
 * of another process (teevard's client), so control characters become '?'. */
static void take_detail(char out[TV_STORE_DETAIL_MAX])
{
	const char *d = tv_err_detail();
	size_t n = strnlen(d, TV_STORE_DETAIL_MAX - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
}

/* A deferred secure core before its first mount has no store to check. */
static int not_mounted(struct tv_secure *sec, char detail[TV_STORE_DETAIL_MAX])
{
	if (tv_secure_mounted(sec))
		return TV_OK;
	tv_err_set_detail("the store is not mounted yet: its device is reached through a "
			  "client's normal world, at the first session of a client that carries "
			  "RPCs");
	if (detail)
		take_detail(detail);
	return TV_EIO;
}

int tv_secure_store_check(struct tv_secure *sec, struct tv_store_check_report *out)
{
	struct tv_store_check c;
	memset(out, 0, sizeof(*out));
	tv_err_clear_detail();
	if (not_mounted(sec, out->detail) != TV_OK)
		return TV_EIO;
	int rc = tv_store_check(tv_secure_store(sec), &c);
	/* The detail is about this check only: the damage it found, or why it
	 * stopped. A clean check has nothing to say. */
	if (rc != TV_OK || c.damaged)
		take_detail(out->detail);
	if (rc != TV_OK)
		return rc;
	out->format_version = c.format_version;
	out->blocks_read = c.blocks_read;
	out->records = c.records;
	out->live_vars = c.live_vars;
	out->damaged = c.damaged;
	out->damage_count = c.damaged ? c.damage_count : 0;
	out->first_damage_block = c.damaged ? c.first_damage_block : 0;
	out->matches_ram = c.matches_ram;
	return TV_OK;
}

int tv_secure_store_recover(struct tv_secure *sec, struct tv_store_recovery *out)
{
	struct tv_store *st = tv_secure_store(sec);
	struct tv_store_stats before, after;
	memset(out, 0, sizeof(*out));
	if (not_mounted(sec, NULL) != TV_OK)
		return TV_EIO;
	tv_store_get_stats(st, &before);
	if (!before.damaged)
		return TV_ENOENT;
	int rc = tv_store_recover(st);
	if (rc != TV_OK)
		return rc;
	tv_store_get_stats(st, &after);
	out->kept_vars = after.var_count;
	out->damage_count = before.damage_count ? before.damage_count : 1;
	out->first_damage_block = before.first_damage_block;
	return TV_OK;
}

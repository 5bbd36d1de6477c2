/* SPDX-License-Identifier: BSD-2-Clause */
/* The store statistics `teevar info` shows, from whichever route the core uses. */
#include <teevar/store_info.h>

#include <string.h>

#include "secure_core.h"

void tv_secure_store_info(struct tv_secure *sec, struct tv_store_info *out)
{
	struct tv_store_stats st;
	const struct tv_rpmb *rpmb = tv_secure_rpmb(sec);
	if (!tv_secure_mounted(sec)) { /* a deferred core: nothing known yet */
		memset(out, 0, sizeof(*out));
		out->route = tv_secure_route(sec);
		return;
	}
	tv_store_get_stats(tv_secure_store(sec), &st);
	*out = (struct tv_store_info){
		.capacity = st.capacity,
		.used = st.used,
		.remaining = st.remaining,
		.var_count = st.var_count,
		.seg_count = st.seg_count,
		.seg_bytes = st.seg_bytes,
		.free_segs = st.free_segs,
		.write_counter = st.write_counter,
		.counter_expired = st.expired,
		.rpmb_blocks = tv_rpmb_blocks(rpmb),
		.blocks_per_write = tv_rpmb_write_blocks(rpmb),
		.phase = (uint32_t)tv_varsvc_phase(tv_secure_varsvc(sec)),
		.format_version = st.format_version,
		.read_only = st.read_only || st.damaged,
		.damaged = st.damaged,
		.damage_count = st.damaged ? st.damage_count : 0,
		.first_damage_block = st.damaged ? st.first_damage_block : 0,
		.mount_blocks_read = st.mount_blocks_read,
		.mount_read_ops = st.mount_read_ops,
		.route = tv_secure_route(sec),
	};
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who may use teevard: the peer's credentials from SO_PEERCRED (and its
 * supplementary groups from SO_PEERGROUPS), checked against an owner uid, an
 * optional group and separate levels for reads and writes. Root is always
 * allowed. A write is an MM request that changes state: SET_VARIABLE,
 * READY_TO_BOOT, EXIT_BOOT_SERVICE, LOCK_VARIABLE, VAR_CHECK_VARIABLE_PROPERTY_SET,
 * and anything that cannot be classified.
 */
#ifndef TVD_ACCESS_H
#define TVD_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tvd_wire.h"

#define TVD_PEER_MAX_GROUPS 64u

struct tvd_policy {
	uid_t owner;
	gid_t group;
	bool has_group;
	enum tvd_level read;
	enum tvd_level write;
};

struct tvd_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	unsigned ngroups;               /* supplementary groups known */
	gid_t groups[TVD_PEER_MAX_GROUPS];
};

/* 0, or -errno when the kernel gives no credentials. */
int tvd_peer_get(int fd, struct tvd_peer *out);
bool tvd_allowed(const struct tvd_policy *p, const struct tvd_peer *peer, enum tvd_access a);
enum tvd_level tvd_policy_level(const struct tvd_policy *p, enum tvd_access a);
const char *tvd_level_name(enum tvd_level level);
/* "owner", "group", "all" -> level; -1 if unknown. */
int tvd_level_parse(const char *s);

/* What an INVOKE needs. *function gets the MM Function (0 if unparsable). */
enum tvd_access tvd_invoke_access(const struct tvd_invoke_req *r, uint64_t *function);
/* "SET_VARIABLE", ... for logs; "unknown" otherwise. */
const char *tvd_mm_function_name(uint64_t function);

#endif

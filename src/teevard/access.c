/* SPDX-License-Identifier: BSD-2-Clause */
#include "access.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "mm_wire.h"
#include "tv_bytes.h"

int tvd_peer_get(int fd, struct tvd_peer *out)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	memset(out, 0, sizeof(*out));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return -errno;
	out->uid = cred.uid;
	out->gid = cred.gid;
	out->pid = cred.pid;
#ifdef SO_PEERGROUPS
	/* Optional: a peer with more groups, or an old kernel, counts its
	 * primary group only. */
	len = sizeof(out->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, out->groups, &len) == 0)
		out->ngroups = len / sizeof(gid_t);
#endif
	return 0;
}

static bool in_group(const struct tvd_peer *peer, gid_t g)
{
	if (peer->gid == g)
		return true;
	for (unsigned i = 0; i < peer->ngroups; i++)
		if (peer->groups[i] == g)
			return true;
	return false;
}

enum tvd_level tvd_policy_level(const struct tvd_policy *p, enum tvd_access a)
{
	return a == TVD_ACCESS_WRITE ? p->write : p->read;
}

bool tvd_allowed(const struct tvd_policy *p, const struct tvd_peer *peer, enum tvd_access a)
{
	if (peer->uid == 0 || peer->uid == p->owner)
		return true;
	switch (tvd_policy_level(p, a)) {
	case TVD_LEVEL_ALL: return true;
	case TVD_LEVEL_GROUP: return p->has_group && in_group(peer, p->group);
	default: return false;
	}
}

const char *tvd_level_name(enum tvd_level level)
{
	switch (level) {
	case TVD_LEVEL_OWNER: return "owner";
	case TVD_LEVEL_GROUP: return "group";
	default: return "all";
	}
}

int tvd_level_parse(const char *s)
{
	if (strcmp(s, "owner") == 0)
		return TVD_LEVEL_OWNER;
	if (strcmp(s, "group") == 0)
		return TVD_LEVEL_GROUP;
	if (strcmp(s, "all") == 0)
		return TVD_LEVEL_ALL;
	return -1;
}

static bool is_read_function(uint64_t f)
{
	switch (f) {
	case MM_VAR_GET_VARIABLE:
	case MM_VAR_GET_NEXT_VARIABLE_NAME:
	case MM_VAR_QUERY_VARIABLE_INFO:
	case MM_VAR_GET_STATISTICS:
	case MM_VAR_PROPERTY_GET:
	case MM_VAR_GET_PAYLOAD_SIZE:
		return true;
	default:
		return false;
	}
}

/* The secure core only takes COMMUNICATE with the MM buffer in params[0], and
 * reads the Function from the same bytes teevard looks at here. */
enum tvd_access tvd_invoke_access(const struct tvd_invoke_req *r, uint64_t *function)
{
	const struct tvd_param *p = &r->params[0];
	*function = 0;
	bool in = p->type == TV_TEE_PARAM_MEMREF_INPUT || p->type == TV_TEE_PARAM_MEMREF_INOUT;
	if (r->cmd != TV_STMM_CMD_COMMUNICATE || !in || p->size < MM_OFF_FUNCTION + 8 || !p->data)
		return TVD_ACCESS_WRITE;
	*function = tv_get_le64(p->data + MM_OFF_FUNCTION);
	return is_read_function(*function) ? TVD_ACCESS_READ : TVD_ACCESS_WRITE;
}

const char *tvd_mm_function_name(uint64_t function)
{
	static const char *const names[] = {
		[MM_VAR_GET_VARIABLE] = "GET_VARIABLE",
		[MM_VAR_GET_NEXT_VARIABLE_NAME] = "GET_NEXT_VARIABLE_NAME",
		[MM_VAR_SET_VARIABLE] = "SET_VARIABLE",
		[MM_VAR_QUERY_VARIABLE_INFO] = "QUERY_VARIABLE_INFO",
		[MM_VAR_READY_TO_BOOT] = "READY_TO_BOOT",
		[MM_VAR_EXIT_BOOT_SERVICE] = "EXIT_BOOT_SERVICE",
		[MM_VAR_GET_STATISTICS] = "GET_STATISTICS",
		[MM_VAR_LOCK_VARIABLE] = "LOCK_VARIABLE",
		[MM_VAR_PROPERTY_SET] = "VAR_CHECK_VARIABLE_PROPERTY_SET",
		[MM_VAR_PROPERTY_GET] = "VAR_CHECK_VARIABLE_PROPERTY_GET",
		[MM_VAR_GET_PAYLOAD_SIZE] = "GET_PAYLOAD_SIZE",
		[MM_VAR_INIT_RUNTIME_CACHE] = "INIT_RUNTIME_VARIABLE_CACHE_CONTEXT",
		[MM_VAR_SYNC_RUNTIME_CACHE] = "SYNC_RUNTIME_CACHE",
		[MM_VAR_GET_RUNTIME_CACHE_INFO] = "GET_RUNTIME_CACHE_INFO",
	};
	if (function < sizeof(names) / sizeof(names[0]) && names[function])
		return names[function];
	return "unknown";
}

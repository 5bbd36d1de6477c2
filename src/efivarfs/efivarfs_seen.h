/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The names one walk of GetNextVariableName has returned. Linux 6.12's
 * efivar_init() stops at the first name it has seen before (a firmware bug,
 * "duplicate variable"); teevarfs does the same, so that a service that
 * answers the same names again and again ends a listing instead of filling
 * it, or a lookup, with up to a million round trips.
 */
#ifndef TV_EFIVARFS_SEEN_H
#define TV_EFIVARFS_SEEN_H

#include <stddef.h>

struct tv_efivarfs_seen {
	char **slot; /* open addressing; NULL is free */
	size_t cap;  /* a power of two, or 0 before the first add */
	size_t count;
};

/* 1: key is new (now in the set), 0: seen before, -ENOMEM. */
int tv_efivarfs_seen_add(struct tv_efivarfs_seen *s, const char *key);
void tv_efivarfs_seen_clear(struct tv_efivarfs_seen *s);

#endif

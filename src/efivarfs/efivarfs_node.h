/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevarfs's per-file state for the mount's lifetime, keyed by the normalized
 * file name (GUID in lower case): what the kernel keeps in its inodes and
 * the backend does not (the immutable flag, mode, owner, times, the open
 * count, "created but holds no variable"). A node leaves the table when its
 * file leaves the namespace (unlink, a deleting write, last close of an empty
 * file, the variable gone) and is freed when no open file holds it.
 */
#ifndef TV_EFIVARFS_NODE_H
#define TV_EFIVARFS_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <teevar/efi.h>

#include "efivarfs_name.h"

struct tv_efivarfs_node {
	char key[TV_EFIVARFS_FNAME_MAX + 1];
	efi_char16_t name[TV_EFIVARFS_VARNAME_UNITS];
	efi_guid_t guid;
	uint64_t ino;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	bool immutable;
	bool empty;    /* no variable behind it (created, or deleted by a write) */
	bool linked;   /* in the table, i.e. in the namespace */
	bool hidden;   /* unlinked while open, kept under FUSE's hidden name */
	unsigned opens; /* open files */
	unsigned seen;  /* readdir's generation */
	/* The data size the last lookup found, and when (CLOCK_MONOTONIC, ns):
	 * reused by the requests of the same system call (see resolve()). */
	size_t size;
	uint64_t size_at;
	uint64_t size_sets; /* the mount's SetVariable count then (any set drops it) */
	struct tv_efivarfs_node *next;
};

#define TV_EFIVARFS_BUCKETS 1024

struct tv_efivarfs_table {
	struct tv_efivarfs_node *bucket[TV_EFIVARFS_BUCKETS];
	size_t count;
};

struct tv_efivarfs_node *tv_efivarfs_table_find(struct tv_efivarfs_table *t, const char *key);
/* Links n (its key set, not linked yet). */
void tv_efivarfs_table_link(struct tv_efivarfs_table *t, struct tv_efivarfs_node *n);
/* Takes n out of the namespace; frees it when no open file holds it. */
void tv_efivarfs_table_unlink(struct tv_efivarfs_table *t, struct tv_efivarfs_node *n);
/* After an open file let go of n: frees it if unlinked and not open. */
void tv_efivarfs_node_put(struct tv_efivarfs_node *n);
/* Calls fn for each linked node. */
void tv_efivarfs_table_each(struct tv_efivarfs_table *t,
			    void (*fn)(struct tv_efivarfs_node *n, void *arg), void *arg);
void tv_efivarfs_table_clear(struct tv_efivarfs_table *t);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* teevarfs: efivarfs over FUSE (main.c: the command line; ops.c: libfuse3). */
#ifndef TEEVARFS_H
#define TEEVARFS_H

#define FUSE_USE_VERSION 35
#include <fuse.h>

#include "efivarfs_core.h"

/* Exit codes (docs/teevarfs.md). */
#define TEEVARFS_EXIT_OK 0
#define TEEVARFS_EXIT_USAGE 1
#define TEEVARFS_EXIT_BACKEND 4
#define TEEVARFS_EXIT_MOUNT 5

/* The largest write() FUSE hands over whole (every write is one variable). */
#define TEEVARFS_MAX_WRITE (1024u * 1024u)

/* How long the kernel keeps a file's attributes (seconds; op_init says
 * why 1 ms and not 0). */
#define TEEVARFS_ATTR_TIMEOUT_S 0.001

/* The FUSE operations over the model; fuse_new's private_data is the
 * struct tv_efivarfs. */
extern const struct fuse_operations teevarfs_ops;

#endif

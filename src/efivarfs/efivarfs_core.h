/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevarfs's file system model: Linux 6.12 efivarfs (fs/efivarfs file.c,
 * inode.c, super.c) over a tv_client, without FUSE (tools/teevarfs.c adapts
 * it). One directory of "Name-GUID" files; content = u32 LE attributes +
 * data. Names are file names without the leading '/'. Every function takes
 * the one lock (the client is not thread-safe) and returns 0 (or a count)
 * or a negative errno. See docs/teevarfs.md.
 */
#ifndef TV_EFIVARFS_CORE_H
#define TV_EFIVARFS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

struct tv_transport;

struct tv_efivarfs;
struct tv_efivarfs_file;

/* FS_IOC_GETFLAGS' immutable bit, and FS_IOC_FSGETXATTR's. */
#define TV_EFIVARFS_IMMUTABLE_FL 0x00000010u
#define TV_EFIVARFS_XFLAG_IMMUTABLE 0x00000008u
#define TV_EFIVARFS_APPEND_FL 0x00000020u

struct tv_efivarfs_config {
	const char *spec; /* transport: "inproc:DIR", "unix:SOCKET", "optee:DEVICE" */
	uid_t uid;        /* owner of every file (efivarfs' uid= and gid=) */
	gid_t gid;
	bool read_only;   /* -o ro; also set when the probe finds writes refused */
	/* Tests: a transport already open, taken over, instead of opening spec
	 * (which then only names it). NULL for teevarfs. */
	struct tv_transport *transport;
};

/* Opens the backend. On failure a negative errno and a one-line reason in msg
 * naming the transport. */
int tv_efivarfs_new(const struct tv_efivarfs_config *cfg, struct tv_efivarfs **out, char *msg,
		    size_t msg_size);
void tv_efivarfs_free(struct tv_efivarfs *fs);

/* Whether the backend takes SetVariable: deletes a variable that does not
 * exist (teevar's probe GUID). 1 writable, 0 refused (teevard's access rules,
 * WRITE_PROTECTED, UNSUPPORTED), negative errno when the backend failed. */
int tv_efivarfs_probe_writable(struct tv_efivarfs *fs);
void tv_efivarfs_set_read_only(struct tv_efivarfs *fs, bool ro);
bool tv_efivarfs_read_only(const struct tv_efivarfs *fs);

/* stat of the directory (fname NULL or "") or a file; f (may be NULL) stands
 * for a file that may have left the namespace. */
int tv_efivarfs_getattr(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			struct stat *st);
/* Each file name, from a fresh enumeration (GetNextVariableName) plus the
 * created files that hold no variable yet. fill returns non-zero to stop. */
int tv_efivarfs_readdir(struct tv_efivarfs *fs, int (*fill)(void *arg, const char *fname),
			void *arg);

/* open(O_CREAT) of a name that is not there: the kernel's create. */
int tv_efivarfs_create(struct tv_efivarfs *fs, const char *fname, mode_t mode, int flags,
		       struct tv_efivarfs_file **out);
int tv_efivarfs_open(struct tv_efivarfs *fs, const char *fname, int flags,
		     struct tv_efivarfs_file **out);
ssize_t tv_efivarfs_read(struct tv_efivarfs *fs, struct tv_efivarfs_file *f, void *buf,
			 size_t size, off_t off);
/* One whole SetVariable (offset ignored); returns size. */
ssize_t tv_efivarfs_write(struct tv_efivarfs *fs, struct tv_efivarfs_file *f, const void *buf,
			  size_t size);
/* Every close(): last-close removal of a file without a variable. */
int tv_efivarfs_flush(struct tv_efivarfs *fs, struct tv_efivarfs_file *f);
/* The open file is gone; f is freed. */
void tv_efivarfs_release(struct tv_efivarfs *fs, struct tv_efivarfs_file *f);
int tv_efivarfs_unlink(struct tv_efivarfs *fs, const char *fname);
/* libfuse's unlink of an open file: it renames the file to a hidden name and
 * forgets it only at the last release (so that fstat() keeps working). The
 * unlink happens here (the same checks and SetVariable); the node stays
 * reachable as hidden for the open files, unlisted, with no link.
 * tv_efivarfs_unlink(hidden) at the end drops it. */
int tv_efivarfs_unlink_hide(struct tv_efivarfs *fs, const char *fname, const char *hidden);

/* setattr: a NULL argument is not changed. EPERM on an immutable file;
 * size changes are accepted and do nothing (the variable is untouched). */
int tv_efivarfs_truncate(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f);
int tv_efivarfs_chmod(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
		      mode_t mode);
int tv_efivarfs_chown(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
		      uid_t uid, gid_t gid);
int tv_efivarfs_utimens(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			const struct timespec tv[2]);

/* FS_IOC_GETFLAGS / SETFLAGS: only FS_IMMUTABLE_FL exists; caller is the
 * calling uid (owner or root may call, only root may change the flag). */
int tv_efivarfs_get_flags(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			  unsigned *flags);
int tv_efivarfs_set_flags(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			  unsigned flags, uid_t caller);

/* QueryVariableInfo(NV|BS|RT): f_bsize = f_frsize = 1, f_blocks = storage,
 * f_bfree = f_bavail = remaining, f_namemax 255 (zeros if it fails). */
int tv_efivarfs_statfs(struct tv_efivarfs *fs, struct statvfs *st);

/* For tests and the adapter: how often the backend was reopened. */
unsigned tv_efivarfs_reopens(const struct tv_efivarfs *fs);

#endif

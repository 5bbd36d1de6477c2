// SPDX-License-Identifier: BSD-2-Clause
/*
 * The libfuse3 high-level adapter: paths to the model's file names, open
 * files in fi->fh, and the ioctls of lsattr/chattr. Everything else is in
 * src/efivarfs/efivarfs_core.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <string.h>

#include "teevarfs.h"

static struct tv_efivarfs *fs_of(void)
{
	return fuse_get_context()->private_data;
}

static struct tv_efivarfs_file *file_of(const struct fuse_file_info *fi)
{
	return fi ? (struct tv_efivarfs_file *)(uintptr_t)fi->fh : NULL;
}

/* "/Name-GUID" -> "Name-GUID"; "/" -> ""; NULL (an unlinked open file) ->
 * NULL. Anything deeper does not exist. */
static int fname_of(const char *path, const char **fname)
{
	*fname = NULL;
	if (!path)
		return 0;
	if (path[0] != '/' || strchr(path + 1, '/'))
		return -ENOENT;
	*fname = path + 1;
	return 0;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* Every lookup goes to the service (entry and negative timeouts 0), so
	 * other clients' creates, deletes and new sizes show at once to any
	 * path. Attributes stay valid for TEEVARFS_ATTR_TIMEOUT_S (the kernel
	 * rounds it up to a jiffy or two): every path walk still brings fresh
	 * ones with its LOOKUP, but the GETATTR that followed each LOOKUP, and
	 * the directory's GETATTR in every walk (default_permissions checks
	 * it), are spared. Only fstat() of an open file can show a size that
	 * old; a write through the file drops them at once. */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = TEEVARFS_ATTR_TIMEOUT_S;
	cfg->negative_timeout = 0;
	/* Not hard_remove: libfuse then keeps an unlinked open file under a
	 * hidden name (op_rename) instead of forgetting it, so fstat() on it
	 * works as on efivarfs (with hard_remove it fails with ESTALE). */
	cfg->hard_remove = 0;
	cfg->use_ino = 1;
	cfg->nullpath_ok = 1; /* open files outlive their names */
	cfg->direct_io = 1;   /* each write() arrives whole, each read() asks */
	cfg->kernel_cache = 0;
	/* READDIRPLUS would look every entry up (one GetVariable each) for
	 * entries the kernel looks up again anyway (entry timeout 0): plain
	 * READDIR lists faster. */
	conn->want &= ~FUSE_CAP_READDIRPLUS;
	if (conn->max_write < TEEVARFS_MAX_WRITE)
		conn->max_write = TEEVARFS_MAX_WRITE;
	return fuse_get_context()->private_data;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	struct tv_efivarfs_file *f = file_of(fi);
	if (rc != 0 && !f)
		return rc;
	if (!fname && !f)
		return -ENOENT;
	return tv_efivarfs_getattr(fs_of(), f ? NULL : fname, f, st);
}

struct dir_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static int dir_fill(void *arg, const char *fname)
{
	struct dir_ctx *c = arg;
	return c->filler(c->buf, fname, NULL, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (path && strcmp(path, "/") != 0)
		return -ENOTDIR;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	struct dir_ctx c = {buf, filler};
	return tv_efivarfs_readdir(fs_of(), dir_fill, &c);
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	if (rc != 0 || !fname)
		return rc ? rc : -ENOENT;
	struct tv_efivarfs_file *f;
	rc = tv_efivarfs_create(fs_of(), fname, mode, fi->flags, &f);
	if (rc == 0) {
		fi->fh = (uintptr_t)f;
		fi->direct_io = 1;
	}
	return rc;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	if (rc != 0 || !fname)
		return rc ? rc : -ENOENT;
	struct tv_efivarfs_file *f;
	rc = tv_efivarfs_open(fs_of(), fname, fi->flags, &f);
	if (rc == 0) {
		fi->fh = (uintptr_t)f;
		fi->direct_io = 1;
	}
	return rc;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	return (int)tv_efivarfs_read(fs_of(), file_of(fi), buf, size, off);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)path;
	(void)off; /* every write() is a whole variable, wherever the offset is */
	return (int)tv_efivarfs_write(fs_of(), file_of(fi), buf, size);
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return tv_efivarfs_flush(fs_of(), file_of(fi));
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	tv_efivarfs_release(fs_of(), file_of(fi));
	fi->fh = 0;
	return 0;
}

static int op_unlink(const char *path)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	if (rc != 0 || !fname)
		return rc ? rc : -ENOENT;
	return tv_efivarfs_unlink(fs_of(), fname);
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)size;
	const char *fname;
	int rc = fname_of(path, &fname);
	struct tv_efivarfs_file *f = file_of(fi);
	if (rc != 0 && !f)
		return rc;
	return tv_efivarfs_truncate(fs_of(), fname, f);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	struct tv_efivarfs_file *f = file_of(fi);
	if (rc != 0 && !f)
		return rc;
	if (!f && fname && !fname[0])
		return -EPERM; /* the directory stays as it is */
	return tv_efivarfs_chmod(fs_of(), fname, f, mode);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	struct tv_efivarfs_file *f = file_of(fi);
	if (rc != 0 && !f)
		return rc;
	if (!f && fname && !fname[0])
		return -EPERM;
	return tv_efivarfs_chown(fs_of(), fname, f, uid, gid);
}

static int op_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	const char *fname;
	int rc = fname_of(path, &fname);
	struct tv_efivarfs_file *f = file_of(fi);
	if (rc != 0 && !f)
		return rc;
	if (!f && fname && !fname[0])
		return 0; /* touch of the directory: nothing to keep */
	return tv_efivarfs_utimens(fs_of(), fname, f, tv);
}

static int op_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return tv_efivarfs_statfs(fs_of(), st);
}

/* The kernel's efivarfs directory has no mkdir, rename, link, symlink or
 * mknod: the VFS answers EPERM. */
static int op_mkdir(const char *path, mode_t mode)
{
	(void)path;
	(void)mode;
	return -EPERM;
}

/* libfuse hides an open file it is asked to unlink by renaming it to
 * "/.fuse_hidden..." (see tv_efivarfs_unlink_hide); any other rename is
 * refused as efivarfs does. */
static int op_rename(const char *from, const char *to, unsigned int flags)
{
	const char *src, *dst;
	if (flags == 0 && fname_of(from, &src) == 0 && fname_of(to, &dst) == 0 && src && dst &&
	    strncmp(dst, ".fuse_hidden", 12) == 0)
		return tv_efivarfs_unlink_hide(fs_of(), src, dst);
	return -EPERM;
}

static int op_link(const char *from, const char *to)
{
	(void)from;
	(void)to;
	return -EPERM;
}

static int op_symlink(const char *target, const char *path)
{
	(void)target;
	(void)path;
	return -EPERM;
}

/* lsattr and chattr: FS_IOC_GETFLAGS/SETFLAGS carry an unsigned int through
 * FUSE (the kernel's fileattr code sends 4 bytes); chattr first reads
 * FS_IOC_FSGETXATTR (struct fsxattr). efivarfs refuses FSSETXATTR. */
static int op_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
		    unsigned int flags, void *data)
{
	(void)arg;
	if (flags & FUSE_IOCTL_DIR)
		return -ENOTTY; /* efivarfs' directory has no flags */
	const char *fname;
	int rc = fname_of(path, &fname);
	struct tv_efivarfs_file *f = file_of(fi);
	if (rc != 0 && !f)
		return rc;
	struct tv_efivarfs *fs = fs_of();
	unsigned fl = 0;
	switch (cmd) {
	case (unsigned int)FS_IOC_GETFLAGS:
		rc = tv_efivarfs_get_flags(fs, fname, f, &fl);
		if (rc == 0 && data)
			memcpy(data, &fl, sizeof(fl));
		return rc;
	case (unsigned int)FS_IOC_SETFLAGS:
		if (!data)
			return -EINVAL;
		memcpy(&fl, data, sizeof(fl));
		return tv_efivarfs_set_flags(fs, fname, f, fl, fuse_get_context()->uid);
	case (unsigned int)FS_IOC_FSGETXATTR: {
		rc = tv_efivarfs_get_flags(fs, fname, f, &fl);
		if (rc == 0 && data) {
			struct fsxattr fa;
			memset(&fa, 0, sizeof(fa));
			fa.fsx_xflags = (fl & TV_EFIVARFS_IMMUTABLE_FL) ? FS_XFLAG_IMMUTABLE : 0;
			memcpy(data, &fa, sizeof(fa));
		}
		return rc;
	}
	case (unsigned int)FS_IOC_FSSETXATTR:
		return -EOPNOTSUPP;
	default:
		return -ENOTTY;
	}
}

const struct fuse_operations teevarfs_ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.create = op_create,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.unlink = op_unlink,
	.truncate = op_truncate,
	.chmod = op_chmod,
	.chown = op_chown,
	.utimens = op_utimens,
	.statfs = op_statfs,
	.mkdir = op_mkdir,
	.rename = op_rename,
	.link = op_link,
	.symlink = op_symlink,
	.ioctl = op_ioctl,
};

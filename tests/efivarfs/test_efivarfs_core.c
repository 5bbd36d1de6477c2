/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevarfs's file system model on an in-process secure core (inproc:): every
 * operation as Linux 6.12's efivarfs does it, and every error path.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/transport.h>
#include <teevar/util.h>

#include "efivarfs_core.h"
#include "efivarfs_validate.h"
#include "tv_test_util.h"

#define G "8be4df61-93ca-11d2-aa0d-00e098032b8c"
#define GU "8BE4DF61-93CA-11D2-AA0D-00E098032B8C"
#define T "a96b90e0-c450-4e75-914e-c14eedb25fad" /* a test vendor GUID */
#define TU "A96B90E0-C450-4E75-914E-C14EEDB25FAD"
#define SEED "1ce1e5bc-7ceb-42f2-81e5-8aadf180f57b"
#define NV_BS_RT 0x7u

struct ctx {
	char *dir;
	char spec[4200];
	struct tv_efivarfs *fs;
};

/* ---- a store made before the mount (inproc: holds the directory) ---- */

static void make_store(struct ctx *c)
{
	struct tv_inproc_options o = {.format = true};
	struct tv_transport t;
	assert_int_equal(tv_transport_inproc_open_opts(c->dir, &o, &t), 0);
	tv_transport_destroy(&t);
}

/* Sets one variable with a client of its own (before tv_efivarfs_new). */
static void seed_var(struct ctx *c, const efi_char16_t *name, const char *guid, const void *data,
		     size_t len)
{
	struct tv_transport t;
	struct tv_client *cl;
	efi_guid_t g;
	assert_int_equal(tv_guid_parse(guid, &g), 0);
	assert_int_equal(tv_transport_open(c->spec, &t), 0);
	assert_int_equal(tv_client_open(t, &cl), EFI_SUCCESS);
	assert_int_equal(tv_set_variable(cl, name, &g, NV_BS_RT, len, data), EFI_SUCCESS);
	tv_client_close(cl);
}

static void mount_fs(struct ctx *c, bool ro)
{
	struct tv_efivarfs_config cfg = {.spec = c->spec, .uid = 0, .gid = 0, .read_only = ro};
	char msg[256];
	assert_int_equal(tv_efivarfs_new(&cfg, &c->fs, msg, sizeof(msg)), 0);
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->dir = tv_test_tmpdir();
	snprintf(c->spec, sizeof(c->spec), "inproc:%s", c->dir);
	make_store(c);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	tv_efivarfs_free(c->fs);
	tv_test_rmtree(c->dir);
	free(c->dir);
	free(c);
	return 0;
}

/* ---- helpers over the model ---- */

static off_t size_of(struct tv_efivarfs *fs, const char *fname)
{
	struct stat st;
	int rc = tv_efivarfs_getattr(fs, fname, NULL, &st);
	return rc == 0 ? st.st_size : rc;
}

static ssize_t write_var(struct tv_efivarfs *fs, struct tv_efivarfs_file *f, uint32_t attrs,
			 const void *data, size_t len)
{
	uint8_t buf[8192];
	assert_true(len + 4 <= sizeof(buf));
	for (int i = 0; i < 4; i++)
		buf[i] = (uint8_t)(attrs >> (8 * i));
	if (len)
		memcpy(buf + 4, data, len);
	return tv_efivarfs_write(fs, f, buf, len + 4);
}

/* create + one write + close. */
static int make_var(struct tv_efivarfs *fs, const char *fname, uint32_t attrs, const void *data,
		    size_t len)
{
	struct tv_efivarfs_file *f;
	int rc = tv_efivarfs_create(fs, fname, 0644, O_WRONLY | O_CREAT | O_EXCL, &f);
	if (rc != 0)
		return rc;
	ssize_t w = write_var(fs, f, attrs, data, len);
	tv_efivarfs_flush(fs, f);
	tv_efivarfs_release(fs, f);
	return w < 0 ? (int)w : 0;
}

struct names {
	char list[64][256];
	int n;
	int stop_after;
};

static int collect(void *arg, const char *fname)
{
	struct names *nm = arg;
	if (nm->n < 64)
		snprintf(nm->list[nm->n], 256, "%s", fname);
	nm->n++;
	return nm->stop_after && nm->n >= nm->stop_after;
}

static bool listed(struct tv_efivarfs *fs, const char *fname)
{
	struct names nm = {.n = 0};
	assert_int_equal(tv_efivarfs_readdir(fs, collect, &nm), 0);
	for (int i = 0; i < nm.n && i < 64; i++)
		if (strcmp(nm.list[i], fname) == 0)
			return true;
	return false;
}

/* ---- the tests ---- */

static void test_backend_errors(void **state)
{
	(void)state;
	struct tv_efivarfs *fs = NULL;
	char msg[256];
	struct tv_efivarfs_config cfg = {.spec = "bogus:x"};
	assert_int_equal(tv_efivarfs_new(&cfg, &fs, msg, sizeof(msg)), -EINVAL);
	assert_null(fs);
	assert_non_null(strstr(msg, "bogus:x"));
	cfg.spec = "unix:/nonexistent/teevard.sock";
	assert_int_equal(tv_efivarfs_new(&cfg, &fs, msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "unix:/nonexistent/teevard.sock"));
	cfg.spec = NULL;
	assert_int_equal(tv_efivarfs_new(&cfg, &fs, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(tv_efivarfs_new(NULL, &fs, msg, sizeof(msg)), -EINVAL);
	/* NULL arguments everywhere. */
	struct stat st;
	struct statvfs sv;
	unsigned fl;
	assert_int_equal(tv_efivarfs_getattr(NULL, "", NULL, &st), -EINVAL);
	assert_int_equal(tv_efivarfs_readdir(NULL, collect, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_create(NULL, "a-" T, 0644, 0, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_open(NULL, "a-" T, 0, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_read(NULL, NULL, NULL, 0, 0), -EINVAL);
	assert_int_equal(tv_efivarfs_write(NULL, NULL, NULL, 0), -EINVAL);
	assert_int_equal(tv_efivarfs_flush(NULL, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_unlink(NULL, "a-" T), -EINVAL);
	assert_int_equal(tv_efivarfs_truncate(NULL, "a-" T, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_chmod(NULL, "a-" T, NULL, 0), -EINVAL);
	assert_int_equal(tv_efivarfs_chown(NULL, "a-" T, NULL, 0, 0), -EINVAL);
	assert_int_equal(tv_efivarfs_utimens(NULL, "a-" T, NULL, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_get_flags(NULL, "a-" T, NULL, &fl), -EINVAL);
	assert_int_equal(tv_efivarfs_set_flags(NULL, "a-" T, NULL, 0, 0), -EINVAL);
	assert_int_equal(tv_efivarfs_statfs(NULL, &sv), -EINVAL);
	assert_int_equal(tv_efivarfs_probe_writable(NULL), -EINVAL);
	tv_efivarfs_release(NULL, NULL);
	tv_efivarfs_free(NULL);
}

static void test_root_and_statfs(void **state)
{
	struct ctx *c = *state;
	struct tv_efivarfs_config cfg = {.spec = c->spec, .uid = 1234, .gid = 5678};
	assert_int_equal(tv_efivarfs_new(&cfg, &c->fs, NULL, 0), 0);
	struct stat st;
	assert_int_equal(tv_efivarfs_getattr(c->fs, "", NULL, &st), 0);
	assert_int_equal(st.st_mode, S_IFDIR | 0755);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, NULL, &st), 0);
	assert_int_equal(tv_efivarfs_getattr(c->fs, "", NULL, NULL), -EINVAL);
	/* Files belong to the mount's uid and gid, mode 0644. */
	assert_int_equal(tv_efivarfs_getattr(c->fs, "SecureBoot-" G, NULL, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0644);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_nlink, 1);
	struct statvfs sv;
	assert_int_equal(tv_efivarfs_statfs(c->fs, &sv), 0);
	assert_int_equal(sv.f_bsize, 1);
	assert_int_equal(sv.f_frsize, 1);
	assert_true(sv.f_blocks > 0);
	assert_true(sv.f_bfree > 0 && sv.f_bfree <= sv.f_blocks);
	assert_int_equal(sv.f_bavail, sv.f_bfree);
	assert_int_equal(sv.f_namemax, 255);
	/* A write uses space. */
	uint8_t data[200] = {1};
	assert_int_equal(make_var(c->fs, "Space-" T, NV_BS_RT, data, sizeof(data)), 0);
	struct statvfs after;
	assert_int_equal(tv_efivarfs_statfs(c->fs, &after), 0);
	assert_true(after.f_bfree < sv.f_bfree);
	assert_int_equal(tv_efivarfs_statfs(c->fs, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_probe_writable(c->fs), 1);
	assert_false(tv_efivarfs_read_only(c->fs));
	/* A variable under the probe's name is never deleted by the probe. */
	assert_int_equal(make_var(c->fs, "TeevarfsProbe-" T, NV_BS_RT, "p", 1), 0);
	assert_int_equal(tv_efivarfs_probe_writable(c->fs), 1);
	assert_int_equal(size_of(c->fs, "TeevarfsProbe-" T), 5);
	assert_int_equal(tv_efivarfs_reopens(c->fs), 0);
}

static void test_create_write_read(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f;
	assert_int_equal(size_of(c->fs, "Foo-" T), -ENOENT);
	assert_int_equal(tv_efivarfs_create(c->fs, "Foo-" T, 0600, O_WRONLY | O_CREAT, &f), 0);
	/* Created, not written: a 0-byte file that reads as EOF. */
	assert_int_equal(size_of(c->fs, "Foo-" T), 0);
	assert_true(listed(c->fs, "Foo-" T));
	char buf[64];
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), 0);
	struct stat st;
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, f, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600); /* create's mode, as the kernel */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "hello", 5), 9);
	assert_int_equal(size_of(c->fs, "Foo-" T), 9);
	/* The GUID in any case, the name exactly. */
	assert_int_equal(size_of(c->fs, "Foo-" TU), 9);
	assert_int_equal(size_of(c->fs, "foo-" T), -ENOENT);
	/* Each write replaces the whole value, wherever the offset was. */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "hi", 2), 6);
	assert_int_equal(size_of(c->fs, "Foo-" T), 6);
	/* APPEND (0x40) appends. */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT | 0x40, "!!", 2), 6);
	assert_int_equal(size_of(c->fs, "Foo-" T), 8);
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), 8);
	static const uint8_t want[] = {0x07, 0, 0, 0, 'h', 'i', '!', '!'};
	assert_memory_equal(buf, want, sizeof(want));
	/* Offsets and short reads. */
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, 3, 5), 3);
	assert_memory_equal(buf, "i!!", 3);
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, 2, 0), 2);
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, 4, 8), 0);
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, 4, 100), 0);
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, 4, -1), -EINVAL);
	assert_int_equal(tv_efivarfs_flush(c->fs, f), 0);
	tv_efivarfs_release(c->fs, f);
	assert_true(listed(c->fs, "Foo-" T));
	/* A large variable (over the first read's 1 KiB guess). */
	static uint8_t big[5000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	assert_int_equal(make_var(c->fs, "Big-" T, NV_BS_RT, big, sizeof(big)), 0);
	assert_int_equal(size_of(c->fs, "Big-" T), 5004);
	assert_int_equal(tv_efivarfs_open(c->fs, "Big-" T, O_RDONLY, &f), 0);
	static uint8_t back[6000];
	assert_int_equal(tv_efivarfs_read(c->fs, f, back, sizeof(back), 0), 5004);
	assert_memory_equal(back + 4, big, sizeof(big));
	tv_efivarfs_release(c->fs, f);
}

static void test_write_errors(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f;
	assert_int_equal(make_var(c->fs, "W-" T, NV_BS_RT, "abc", 3), 0);
	/* W is not removable: chattr -i first (as root). */
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "W-" T, NULL, 0, 0), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "W-" T, O_WRONLY, &f), 0);
	static const uint8_t three[] = {7, 0, 0};
	assert_int_equal(tv_efivarfs_write(c->fs, f, three, 3), -EINVAL);  /* < 4 bytes */
	assert_int_equal(tv_efivarfs_write(c->fs, f, three, 0), -EINVAL);
	assert_int_equal(write_var(c->fs, f, 0x87, "x", 1), -EINVAL);      /* bit 7 */
	assert_int_equal(write_var(c->fs, f, 0x80000007u, "x", 1), -EINVAL);
	/* The service's answers, mapped as the kernel's efi_status_to_err. */
	assert_int_equal(write_var(c->fs, f, 0x1, "x", 1), -EINVAL);  /* NV alone */
	assert_int_equal(write_var(c->fs, f, 0x5, "x", 1), -EINVAL);  /* RT without BS */
	assert_int_equal(write_var(c->fs, f, 0x3, "x", 1), -EINVAL);  /* attribute mismatch */
	/* Failed writes changed nothing. */
	assert_int_equal(size_of(c->fs, "W-" T), 7);
	tv_efivarfs_release(c->fs, f);
	/* A delete of a variable that is not there: SetVariable NOT_FOUND, EIO. */
	assert_int_equal(tv_efivarfs_create(c->fs, "Gone-" T, 0644, O_WRONLY | O_CREAT, &f), 0);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, NULL, 0), -EIO);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(size_of(c->fs, "Gone-" T), -ENOENT);
	/* WRITE_PROTECTED -> EROFS (SecureBoot is the service's). */
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 0), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_WRONLY, &f), 0);
	assert_int_equal(write_var(c->fs, f, 0x6, "\x01", 1), -EROFS);
	tv_efivarfs_release(c->fs, f);
	/* OUT_OF_RESOURCES -> ENOSPC: fill the store. */
	static uint8_t chunk[4000];
	memset(chunk, 0x5a, sizeof(chunk));
	int rc = 0;
	for (int i = 0; i < 2000 && rc == 0; i++) {
		char name[80];
		snprintf(name, sizeof(name), "Fill%04d-" T, i);
		rc = make_var(c->fs, name, NV_BS_RT, chunk, sizeof(chunk));
	}
	assert_int_equal(rc, -ENOSPC);
}

static void test_validation(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f;
	static const uint8_t opt_ok[] = {0x01, 0, 0, 0, 0x04, 0, 'A', 0, 0, 0, 0x7f, 0xff, 0x04, 0};
	static const uint8_t opt_bad[] = {0x01, 0, 0, 0, 0x04, 0, 'A', 0, 0, 0, 0x01, 0x01, 0x04, 0};
	assert_int_equal(tv_efivarfs_create(c->fs, "Boot0001-" G, 0644, O_WRONLY | O_CREAT, &f), 0);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, opt_bad, sizeof(opt_bad)), -EINVAL);
	assert_int_equal(size_of(c->fs, "Boot0001-" G), 0); /* nothing written */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, opt_ok, sizeof(opt_ok)), 18);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(size_of(c->fs, "Boot0001-" G), 18);
	/* 6.12 lets an odd-length BootOrder through (efivarfs_validate.c). */
	assert_int_equal(make_var(c->fs, "BootOrder-" G, NV_BS_RT, "\x01\x00\x02", 3), 0);
	assert_int_equal(make_var(c->fs, "Boot00010-" G, NV_BS_RT, opt_ok, sizeof(opt_ok)),
			 -EINVAL);
}

static void test_delete_by_write(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f, *g;
	assert_int_equal(make_var(c->fs, "Timeout-" G, NV_BS_RT, "\x05\x00", 2), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "Timeout-" G, O_WRONLY, &f), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "Timeout-" G, O_RDONLY, &g), 0);
	/* Only the attributes: SetVariable with no data deletes. */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, NULL, 0), 4);
	/* Gone from the namespace at once (the kernel's d_delete). */
	assert_int_equal(size_of(c->fs, "Timeout-" G), -ENOENT);
	assert_false(listed(c->fs, "Timeout-" G));
	/* Open files read EOF and stat without a link, with the size they
	 * last had (6.12's write leaves i_size alone when it deletes). */
	char buf[16];
	assert_int_equal(tv_efivarfs_read(c->fs, g, buf, sizeof(buf), 0), 0);
	struct stat st;
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, g, &st), 0);
	assert_int_equal(st.st_size, 6);
	assert_int_equal(st.st_nlink, 0);
	/* A write through the open file brings it back. */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "\x03\x00", 2), 6);
	assert_int_equal(size_of(c->fs, "Timeout-" G), 6);
	assert_int_equal(tv_efivarfs_flush(c->fs, f), 0);
	tv_efivarfs_release(c->fs, f);
	tv_efivarfs_release(c->fs, g);
	assert_int_equal(size_of(c->fs, "Timeout-" G), 6);
}

static void test_create_errors(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f = (void *)1;
	int fl = O_WRONLY | O_CREAT;
	assert_int_equal(tv_efivarfs_create(c->fs, "-" T, 0644, fl, &f), -EINVAL);
	assert_null(f);
	assert_int_equal(tv_efivarfs_create(c->fs, "NoGuid", 0644, fl, &f), -EINVAL);
	assert_int_equal(tv_efivarfs_create(c->fs, "A_" T, 0644, fl, &f), -EINVAL);
	assert_int_equal(tv_efivarfs_create(c->fs, NULL, 0644, fl, &f), -EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	snprintf(longname + 256 - 37, 300 - 219, "-%s", T);
	assert_int_equal(tv_efivarfs_create(c->fs, longname, 0644, fl, &f), -ENAMETOOLONG);
	/* The random seed's GUID cannot be created. */
	assert_int_equal(tv_efivarfs_create(c->fs, "Seed-" SEED, 0644, fl, &f), -EPERM);
	/* An existing variable: O_EXCL -> EEXIST; else opened (immutable:
	 * not for writing). */
	assert_int_equal(tv_efivarfs_create(c->fs, "SecureBoot-" G, 0644, fl | O_EXCL, &f),
			 -EEXIST);
	assert_int_equal(tv_efivarfs_create(c->fs, "SecureBoot-" G, 0644, fl, &f), -EPERM);
	assert_int_equal(tv_efivarfs_create(c->fs, "SecureBoot-" G, 0644, O_RDONLY | O_CREAT, &f),
			 0);
	tv_efivarfs_release(c->fs, f);
	/* Nothing was left behind by the failures. */
	assert_false(listed(c->fs, "-" T));
	assert_int_equal(size_of(c->fs, "Seed-" SEED), -ENOENT);
}

static void test_open_errors(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f = (void *)1;
	assert_int_equal(tv_efivarfs_open(c->fs, "Nope-" T, O_RDONLY, &f), -ENOENT);
	assert_null(f);
	assert_int_equal(tv_efivarfs_open(c->fs, "not a name", O_RDONLY, &f), -ENOENT);
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	longname[299] = '\0';
	assert_int_equal(tv_efivarfs_open(c->fs, longname, O_RDONLY, &f), -ENAMETOOLONG);
	/* Immutable: no write access, no O_TRUNC; reading is fine. */
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_WRONLY, &f), -EPERM);
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_RDWR, &f), -EPERM);
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_RDONLY | O_TRUNC, &f), -EPERM);
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_RDONLY, &f), 0);
	tv_efivarfs_release(c->fs, f);
	/* Removable (Timeout): writable. */
	assert_int_equal(make_var(c->fs, "Timeout-" G, NV_BS_RT, "\x05\x00", 2), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "Timeout-" G, O_RDWR | O_TRUNC, &f), 0);
	tv_efivarfs_release(c->fs, f);
}

static void test_immutable_creator(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f, *g;
	unsigned fl = 99;
	/* Not removable: created immutable, but the creating fd may write. */
	assert_int_equal(tv_efivarfs_create(c->fs, "Imm-" T, 0644, O_WRONLY | O_CREAT, &f), 0);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "Imm-" T, NULL, &fl), 0);
	assert_int_equal(fl, TV_EFIVARFS_IMMUTABLE_FL);
	assert_int_equal(tv_efivarfs_open(c->fs, "Imm-" T, O_WRONLY, &g), -EPERM);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "1", 1), 5);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "12", 2), 6);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(size_of(c->fs, "Imm-" T), 6);
	/* Removable names are created without the flag. */
	assert_int_equal(tv_efivarfs_create(c->fs, "BootNext-" G, 0644, O_WRONLY | O_CREAT, &f), 0);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, NULL, f, &fl), 0);
	assert_int_equal(fl, 0);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(size_of(c->fs, "BootNext-" G), -ENOENT); /* never written: gone */
}

static void test_unlink(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "Nope-" T), -ENOENT);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "junk"), -ENOENT);
	assert_int_equal(make_var(c->fs, "U-" T, NV_BS_RT, "abc", 3), 0);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "U-" T), -EPERM); /* immutable */
	assert_int_equal(size_of(c->fs, "U-" T), 7);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "U-" TU, NULL, 0, 0), 0);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "U-" TU), 0);
	assert_int_equal(size_of(c->fs, "U-" T), -ENOENT);
	assert_false(listed(c->fs, "U-" T));
	/* Recreated: immutable again (a new file). */
	assert_int_equal(make_var(c->fs, "U-" T, NV_BS_RT, "abc", 3), 0);
	unsigned fl;
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "U-" T, NULL, &fl), 0);
	assert_int_equal(fl, TV_EFIVARFS_IMMUTABLE_FL);
	/* A service refusal of the delete: EINVAL (6.12). SecureBoot is
	 * WRITE_PROTECTED. */
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 0), 0);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "SecureBoot-" G), -EINVAL);
	assert_int_equal(size_of(c->fs, "SecureBoot-" G), 5);
}

static void test_open_then_unlink(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f;
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "en", 3), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" G, O_RDONLY, &f), 0);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "Lang-" G), 0);
	assert_int_equal(size_of(c->fs, "Lang-" G), -ENOENT);
	char buf[16];
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), 0);
	struct stat st;
	/* fstat keeps the size the file last had, as 6.12's inode does. */
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, f, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 7);
	/* The name is free for a new file meanwhile. */
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "de", 3), 0);
	assert_int_equal(tv_efivarfs_flush(c->fs, f), 0);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(size_of(c->fs, "Lang-" G), 7);
}

static void test_unlink_hide(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f;
	const char *h = ".fuse_hidden0000000100000001";
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "en", 3), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" G, O_RDONLY, &f), 0);
	/* The refusals change nothing. */
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Nope-" T, h), -ENOENT);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "SecureBoot-" G, h), -EPERM);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, NULL), -EINVAL);
	char longname[300];
	memset(longname, 'h', sizeof(longname));
	longname[299] = '\0';
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, longname), -EINVAL);
	assert_int_equal(tv_efivarfs_unlink_hide(NULL, "Lang-" G, h), -EINVAL);
	assert_int_equal(size_of(c->fs, "Lang-" G), 7);
	/* The unlink: the variable is deleted, the name is free, the open file
	 * stats under the hidden name with no link and reads EOF. */
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, h), 0);
	assert_int_equal(size_of(c->fs, "Lang-" G), -ENOENT);
	assert_false(listed(c->fs, "Lang-" G));
	assert_false(listed(c->fs, h));
	struct stat st;
	assert_int_equal(tv_efivarfs_getattr(c->fs, h, NULL, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, f, &st), 0);
	assert_int_equal(st.st_size, 7);
	char buf[8];
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), 0);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, h, ".fuse_hidden2"), -EINVAL);
	/* Another file under the name, and a hidden name already taken. */
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "de", 3), 0);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, h), -EEXIST);
	assert_int_equal(size_of(c->fs, "Lang-" G), 7);
	/* The flush of a hidden file leaves it to libfuse's unlink. */
	assert_int_equal(tv_efivarfs_flush(c->fs, f), 0);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(tv_efivarfs_getattr(c->fs, h, NULL, &st), 0);
	assert_int_equal(tv_efivarfs_unlink(c->fs, h), 0);
	assert_int_equal(tv_efivarfs_getattr(c->fs, h, NULL, &st), -ENOENT);
	/* A write through a hidden file sets the variable again. */
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" G, O_WRONLY, &f), 0);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, h), 0);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "fr", 3), 7);
	assert_int_equal(size_of(c->fs, "Lang-" G), 7);
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, f, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	/* A deleting write keeps the hidden name for the open file. */
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, NULL, 0), 4);
	assert_int_equal(tv_efivarfs_getattr(c->fs, h, NULL, &st), 0);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(tv_efivarfs_unlink(c->fs, h), 0);
	/* A file no one holds open is not libfuse hiding it: a rename (which
	 * efivarfs does not have) to a hidden-looking name, refused. */
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "en", 3), 0);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, ".fuse_hidden1"), -EPERM);
	assert_int_equal(size_of(c->fs, "Lang-" G), 7);
	assert_false(listed(c->fs, ".fuse_hidden1"));
	/* Read-only: refused. */
	tv_efivarfs_set_read_only(c->fs, true);
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "de", 3), -EROFS);
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" G, O_RDONLY, &f), 0);
	assert_int_equal(tv_efivarfs_unlink_hide(c->fs, "Lang-" G, h), -EROFS);
	assert_int_equal(size_of(c->fs, "Lang-" G), 7);
	tv_efivarfs_release(c->fs, f);
}

static void test_size_reuse(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	/* A write through teevarfs is seen at the next lookup at once. */
	struct tv_efivarfs_file *f;
	assert_int_equal(make_var(c->fs, "Timeout-" G, NV_BS_RT, "\x05\x00", 2), 0);
	assert_int_equal(size_of(c->fs, "Timeout-" G), 6);
	assert_int_equal(tv_efivarfs_open(c->fs, "Timeout-" G, O_WRONLY, &f), 0);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "\x05\x00\x01\x02", 4), 8);
	assert_int_equal(size_of(c->fs, "Timeout-" G), 8);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, NULL, 0), 4);
	assert_int_equal(size_of(c->fs, "Timeout-" G), -ENOENT);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(make_var(c->fs, "Timeout-" G, NV_BS_RT, "\x05\x00", 2), 0);
	assert_int_equal(size_of(c->fs, "Timeout-" G), 6);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "Timeout-" G), 0);
	assert_int_equal(size_of(c->fs, "Timeout-" G), -ENOENT);
}

static void test_last_close(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f, *g;
	assert_int_equal(tv_efivarfs_create(c->fs, "E-" T, 0644, O_WRONLY | O_CREAT, &f), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "E-" T, O_RDONLY, &g), 0);
	/* Not the last close: stays. */
	assert_int_equal(tv_efivarfs_flush(c->fs, g), 0);
	tv_efivarfs_release(c->fs, g);
	assert_int_equal(size_of(c->fs, "E-" T), 0);
	assert_true(listed(c->fs, "E-" T));
	/* The last close of a file with no variable removes it (6.13). */
	assert_int_equal(tv_efivarfs_flush(c->fs, f), 0);
	assert_int_equal(size_of(c->fs, "E-" T), -ENOENT);
	assert_false(listed(c->fs, "E-" T));
	tv_efivarfs_release(c->fs, f);
	/* Without a flush, release does it. */
	assert_int_equal(tv_efivarfs_create(c->fs, "E-" T, 0644, O_WRONLY | O_CREAT, &f), 0);
	tv_efivarfs_release(c->fs, f);
	assert_int_equal(size_of(c->fs, "E-" T), -ENOENT);
	/* Written, then the last close: stays. */
	assert_int_equal(make_var(c->fs, "E-" T, NV_BS_RT, "x", 1), 0);
	assert_int_equal(size_of(c->fs, "E-" T), 5);
}

static void test_flags(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	unsigned fl = 99;
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "Nope-" T, NULL, &fl), -ENOENT);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "SecureBoot-" G, NULL, NULL), -EINVAL);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "SecureBoot-" G, NULL, &fl), 0);
	assert_int_equal(fl, TV_EFIVARFS_IMMUTABLE_FL);
	/* Not root: no change of the flag (CAP_LINUX_IMMUTABLE), nor by a
	 * non-owner at all. */
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 1000), -EPERM);
	/* Other flags: EOPNOTSUPP (append: EPERM for a non-root owner first). */
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL,
					       TV_EFIVARFS_IMMUTABLE_FL | 0x1000, 0),
			 -EOPNOTSUPP);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL,
					       TV_EFIVARFS_IMMUTABLE_FL | TV_EFIVARFS_APPEND_FL, 0),
			 -EOPNOTSUPP);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "SecureBoot-" G, NULL, &fl), 0);
	assert_int_equal(fl, TV_EFIVARFS_IMMUTABLE_FL); /* unchanged */
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 0), 0);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "SecureBoot-" G, NULL, &fl), 0);
	assert_int_equal(fl, 0);
	/* The flag lives for the mount: still clear at the next lookup. */
	assert_int_equal(size_of(c->fs, "SecureBoot-" G), 5);
	assert_int_equal(tv_efivarfs_get_flags(c->fs, "SecureBoot-" GU, NULL, &fl), 0);
	assert_int_equal(fl, 0);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL,
					       TV_EFIVARFS_IMMUTABLE_FL, 0), 0);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "Nope-" T, NULL, 0, 0), -ENOENT);
	tv_efivarfs_free(c->fs);
	/* The owner (uid=1000 mount) may set what it already has. */
	struct tv_efivarfs_config cfg = {.spec = c->spec, .uid = 1000, .gid = 1000};
	assert_int_equal(tv_efivarfs_new(&cfg, &c->fs, NULL, 0), 0);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL,
					       TV_EFIVARFS_IMMUTABLE_FL, 1000), 0);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 1000), -EPERM);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL,
					       TV_EFIVARFS_IMMUTABLE_FL | TV_EFIVARFS_APPEND_FL,
					       1000),
			 -EPERM);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 2000), -EPERM);
}

static void test_setattr(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct timespec ts[2] = {{1000, 0}, {2000, 0}};
	/* Immutable: every change refused. */
	assert_int_equal(tv_efivarfs_truncate(c->fs, "SecureBoot-" G, NULL), -EPERM);
	assert_int_equal(tv_efivarfs_chmod(c->fs, "SecureBoot-" G, NULL, 0600), -EPERM);
	assert_int_equal(tv_efivarfs_chown(c->fs, "SecureBoot-" G, NULL, 1, 1), -EPERM);
	assert_int_equal(tv_efivarfs_utimens(c->fs, "SecureBoot-" G, NULL, ts), -EPERM);
	assert_int_equal(tv_efivarfs_utimens(c->fs, "SecureBoot-" G, NULL, NULL), -EPERM);
	assert_int_equal(tv_efivarfs_truncate(c->fs, "Nope-" T, NULL), -ENOENT);
	/* Removable: accepted; truncate leaves the variable alone. */
	assert_int_equal(make_var(c->fs, "ConOut-" G, NV_BS_RT, "\x7f\xff\x04\x00", 4), 0);
	assert_int_equal(tv_efivarfs_truncate(c->fs, "ConOut-" G, NULL), 0);
	assert_int_equal(size_of(c->fs, "ConOut-" G), 8);
	assert_int_equal(tv_efivarfs_chmod(c->fs, "ConOut-" G, NULL, 0600), 0);
	assert_int_equal(tv_efivarfs_chown(c->fs, "ConOut-" G, NULL, 12, (gid_t)-1), 0);
	assert_int_equal(tv_efivarfs_utimens(c->fs, "ConOut-" G, NULL, ts), 0);
	struct stat st;
	assert_int_equal(tv_efivarfs_getattr(c->fs, "ConOut-" G, NULL, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0600);
	assert_int_equal(st.st_uid, 12);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(st.st_atim.tv_sec, 1000);
	assert_int_equal(st.st_mtim.tv_sec, 2000);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	assert_int_equal(tv_efivarfs_utimens(c->fs, "ConOut-" G, NULL, omit), 0);
	assert_int_equal(tv_efivarfs_getattr(c->fs, "ConOut-" G, NULL, &st), 0);
	assert_int_equal(st.st_atim.tv_sec, 1000);
	assert_true(st.st_mtim.tv_sec > 2000);
	assert_int_equal(tv_efivarfs_utimens(c->fs, "ConOut-" G, NULL, NULL), 0);
}

static void test_read_only(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, true);
	assert_true(tv_efivarfs_read_only(c->fs));
	struct tv_efivarfs_file *f;
	assert_int_equal(tv_efivarfs_create(c->fs, "R-" T, 0644, O_WRONLY | O_CREAT, &f), -EROFS);
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_WRONLY, &f), -EROFS);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "SecureBoot-" G), -EROFS);
	assert_int_equal(tv_efivarfs_set_flags(c->fs, "SecureBoot-" G, NULL, 0, 0), -EROFS);
	assert_int_equal(tv_efivarfs_truncate(c->fs, "SecureBoot-" G, NULL), -EROFS);
	/* A file opened for reading cannot write either. */
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_RDONLY, &f), 0);
	assert_int_equal(write_var(c->fs, f, NV_BS_RT, "x", 1), -EROFS);
	tv_efivarfs_release(c->fs, f);
	tv_efivarfs_set_read_only(c->fs, false);
	assert_false(tv_efivarfs_read_only(c->fs));
	tv_efivarfs_set_read_only(NULL, true);
	assert_false(tv_efivarfs_read_only(NULL));
}

static void test_listing(void **state)
{
	struct ctx *c = *state;
	/* Before the mount: a random seed (hidden), a name with '/', and a
	 * name outside ASCII. */
	static const efi_char16_t seed[] = {'S', 'e', 'e', 'd', 0};
	static const efi_char16_t slash[] = {'a', '/', 'b', 0};
	static const efi_char16_t accent[] = {0x00e9, 't', 0x00e9, 0};
	seed_var(c, seed, SEED, "s", 1);
	seed_var(c, slash, T, "xy", 2);
	seed_var(c, accent, T, "z", 1);
	mount_fs(c, false);
	struct names nm = {.n = 0};
	assert_int_equal(tv_efivarfs_readdir(c->fs, collect, &nm), 0);
	bool has_slash = false, has_accent = false, has_secureboot = false;
	for (int i = 0; i < nm.n; i++) {
		assert_null(strstr(nm.list[i], SEED));
		has_slash |= strcmp(nm.list[i], "a!b-" T) == 0;
		has_accent |= strcmp(nm.list[i], "\xc3\xa9t\xc3\xa9-" T) == 0;
		has_secureboot |= strcmp(nm.list[i], "SecureBoot-" G) == 0;
	}
	assert_true(has_slash && has_accent && has_secureboot);
	assert_int_equal(size_of(c->fs, "Seed-" SEED), -ENOENT);
	/* Found through the listing, read with the real name. */
	assert_int_equal(size_of(c->fs, "a!b-" T), 6);
	assert_int_equal(size_of(c->fs, "a!b-" T), 6); /* now from the node */
	assert_int_equal(size_of(c->fs, "\xc3\xa9t\xc3\xa9-" TU), 5);
	assert_int_equal(size_of(c->fs, "a!c-" T), -ENOENT);
	struct tv_efivarfs_file *f;
	assert_int_equal(tv_efivarfs_open(c->fs, "a!b-" T, O_RDONLY, &f), 0);
	char buf[16];
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf + 4, "xy", 2);
	tv_efivarfs_release(c->fs, f);
	/* fill may stop the listing. */
	struct names two = {.n = 0, .stop_after = 2};
	assert_int_equal(tv_efivarfs_readdir(c->fs, collect, &two), 0);
	assert_int_equal(two.n, 2);
	assert_int_equal(tv_efivarfs_readdir(c->fs, NULL, NULL), -EINVAL);
}

static void test_unmount_with_open_files(void **state)
{
	struct ctx *c = *state;
	mount_fs(c, false);
	struct tv_efivarfs_file *f, *g;
	assert_int_equal(tv_efivarfs_create(c->fs, "Open-" T, 0644, O_WRONLY | O_CREAT, &f), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "SecureBoot-" G, O_RDONLY, &g), 0);
	assert_int_equal(make_var(c->fs, "Lang-" G, NV_BS_RT, "en", 3), 0);
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" G, O_RDONLY, &f), 0);
	assert_int_equal(tv_efivarfs_unlink(c->fs, "Lang-" G), 0);
	/* tv_efivarfs_free in the teardown frees them (ASan checks). */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_errors),
		cmocka_unit_test_setup_teardown(test_root_and_statfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_by_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_immutable_creator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_then_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlink_hide, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmount_with_open_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

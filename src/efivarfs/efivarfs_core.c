// SPDX-License-Identifier: BSD-2-Clause
/*
 * teevarfs's file system model: what Linux 6.12's efivarfs does at each file
 * operation, over the variable service. The kernel builds its file list once
 * at mount; teevarfs asks the service at every lookup and readdir, so that
 * changes made by other clients (the teevar CLI through teevard) show at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <teevar/util.h>

#include "efivarfs_backend.h"
#include "efivarfs_core.h"
#include "efivarfs_name.h"
#include "efivarfs_node.h"
#include "efivarfs_seen.h"
#include "efivarfs_validate.h"

/* The attribute bits a write may carry (the kernel's EFI_VARIABLE_MASK):
 * NV, BS, RT, HR, AUTHENTICATED_WRITE, TIME_BASED_AUTHENTICATED, APPEND. */
#define ATTR_MASK 0x7fu
#define QUERY_ATTRS 0x7u /* NV | BS | RT */
#define ATTR_BYTES 4

struct tv_efivarfs_file {
	struct tv_efivarfs_node *node;
	struct tv_efivarfs_file *prev, *next; /* every open file, freed at the end */
};

struct tv_efivarfs {
	pthread_mutex_t lock;
	struct tv_efivarfs_backend *be;
	struct tv_efivarfs_table table;
	struct tv_efivarfs_file *files;
	uid_t uid;
	gid_t gid;
	bool read_only;
	uint64_t next_ino;
	unsigned generation;
	uint64_t sets; /* SetVariable calls made: a reused size must be younger */
	struct timespec mounted;
};

/* The probe's variable: never created (a delete of a missing variable). */
static const efi_guid_t probe_guid = {{0xe0, 0x90, 0x6b, 0xa9, 0x50, 0xc4, 0x75, 0x4e, 0x91, 0x4e,
				       0xc1, 0x4e, 0xed, 0xb2, 0x5f, 0xad}};
static const efi_char16_t probe_name[] = {'T', 'e', 'e', 'v', 'a', 'r', 'f', 's',
					  'P', 'r', 'o', 'b', 'e', 0};

/* How long a size found by a lookup is reused: the kernel asks LOOKUP for
 * every path walk (entry timeout 0), then OPEN for an open(), and a tool
 * walks the same path twice in a row (`ls -l`: statx, then getxattr), or
 * GETATTR when a jiffy has passed since. Within this window the requests
 * belong to the same few system calls, so one GetVariable answers them all;
 * anything later asks the service again. Writes through teevarfs drop it
 * at once. */
#define SIZE_REUSE_NS 2000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct timespec now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

int tv_efivarfs_new(const struct tv_efivarfs_config *cfg, struct tv_efivarfs **out, char *msg,
		    size_t msg_size)
{
	if (msg && msg_size)
		msg[0] = '\0';
	if (!cfg || !out)
		return -EINVAL;
	*out = NULL;
	struct tv_efivarfs *fs = calloc(1, sizeof(*fs));
	if (!fs) {
		if (cfg->transport && cfg->transport->ops && cfg->transport->ops->destroy)
			cfg->transport->ops->destroy(cfg->transport->ctx);
		return -ENOMEM;
	}
	int rc = cfg->transport ? tv_efivarfs_backend_wrap(*cfg->transport,
							  cfg->spec ? cfg->spec : "test",
							  &fs->be, msg, msg_size)
				: tv_efivarfs_backend_open(cfg->spec, &fs->be, msg, msg_size);
	if (rc != 0) {
		free(fs);
		return rc;
	}
	pthread_mutex_init(&fs->lock, NULL);
	fs->uid = cfg->uid;
	fs->gid = cfg->gid;
	fs->read_only = cfg->read_only;
	fs->next_ino = 2; /* 1 is the directory */
	fs->mounted = now();
	*out = fs;
	return 0;
}

void tv_efivarfs_free(struct tv_efivarfs *fs)
{
	if (!fs)
		return;
	/* Files FUSE never released (unmounted while open). */
	while (fs->files) {
		struct tv_efivarfs_file *f = fs->files;
		fs->files = f->next;
		struct tv_efivarfs_node *n = f->node;
		free(f);
		tv_efivarfs_node_put(n); /* frees it if it left the namespace */
	}
	tv_efivarfs_table_clear(&fs->table);
	tv_efivarfs_backend_close(fs->be);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

int tv_efivarfs_probe_writable(struct tv_efivarfs *fs)
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	/* Never delete a variable that is there: if someone made one under
	 * the probe's name, nothing can be learnt without harm; assume
	 * writable (a refused write still fails, with its own errno). */
	size_t size = 0;
	efi_status_t st = tv_efivarfs_be_get(fs->be, probe_name, &probe_guid, NULL, &size, NULL);
	if (st == EFI_BUFFER_TOO_SMALL || st == EFI_SUCCESS) {
		pthread_mutex_unlock(&fs->lock);
		return 1;
	}
	st = tv_efivarfs_be_set(fs->be, probe_name, &probe_guid, 0, 0, NULL);
	bool denied = tv_efivarfs_be_denied(fs->be);
	pthread_mutex_unlock(&fs->lock);
	if (st == EFI_SUCCESS || st == EFI_NOT_FOUND)
		return 1;
	if (denied || st == EFI_WRITE_PROTECTED || st == EFI_UNSUPPORTED ||
	    st == EFI_ACCESS_DENIED)
		return 0;
	return tv_status_to_errno(st) ? tv_status_to_errno(st) : -EIO;
}

void tv_efivarfs_set_read_only(struct tv_efivarfs *fs, bool ro)
{
	if (!fs)
		return;
	pthread_mutex_lock(&fs->lock);
	fs->read_only = ro;
	pthread_mutex_unlock(&fs->lock);
}

bool tv_efivarfs_read_only(const struct tv_efivarfs *fs)
{
	return fs && fs->read_only;
}

unsigned tv_efivarfs_reopens(const struct tv_efivarfs *fs)
{
	return fs ? tv_efivarfs_backend_reopens(fs->be) : 0;
}

/* ---- variables ---- */

static int status_errno(efi_status_t st)
{
	int e = tv_status_to_errno(st);
	return e ? e : -EIO;
}

/* The data size of n's variable: 0 and *size, -ENOENT, or the errno. */
static int var_size(struct tv_efivarfs *fs, const struct tv_efivarfs_node *n, size_t *size)
{
	size_t sz = 0;
	efi_status_t st = tv_efivarfs_be_get(fs->be, n->name, &n->guid, NULL, &sz, NULL);
	/* data NULL with a variable that fits: INVALID_PARAMETER and the size. */
	if (st == EFI_BUFFER_TOO_SMALL || st == EFI_SUCCESS ||
	    (st == EFI_INVALID_PARAMETER && sz > 0)) {
		*size = sz;
		return 0;
	}
	return st == EFI_NOT_FOUND ? -ENOENT : status_errno(st);
}

/* One GetNextVariableName answer as a key of the walk's seen-set: the GUID's
 * and the name's bytes in hex, so that names no file can show count too. */
#define WALK_KEY_MAX (2 * (16 + 2 * TV_EFIVARFS_VARNAME_UNITS) + 1)
static void walk_key(const efi_char16_t *name, const efi_guid_t *guid, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *g = (const uint8_t *)guid;
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		out[o++] = hex[g[i] >> 4];
		out[o++] = hex[g[i] & 15];
	}
	for (size_t i = 0; i < TV_EFIVARFS_VARNAME_UNITS && name[i]; i++)
		for (int shift = 12; shift >= 0; shift -= 4)
			out[o++] = hex[(name[i] >> shift) & 15];
	out[o] = '\0';
}

/* Whether this answer of the walk is new: 1, 0 for a name seen before (the
 * kernel's efivar_init stops there), -ENOMEM. */
static int walk_fresh(struct tv_efivarfs_seen *seen, const efi_char16_t *name,
		      const efi_guid_t *guid)
{
	char key[WALK_KEY_MAX];
	walk_key(name, guid, key);
	return tv_efivarfs_seen_add(seen, key);
}

/* Finds the variable listed as key (names with '!' or UTF-8): 0, -ENOENT. */
static int scan_for(struct tv_efivarfs *fs, const char *key, efi_char16_t *name, efi_guid_t *guid)
{
	efi_char16_t cur[TV_EFIVARFS_VARNAME_UNITS] = {0};
	efi_guid_t g;
	struct tv_efivarfs_seen seen = {0};
	int rc = -ENOENT;
	for (unsigned i = 0; i < 1000000; i++) {
		size_t sz = sizeof(cur);
		efi_status_t st = tv_efivarfs_be_next(fs->be, &sz, cur, &g);
		if (st != EFI_SUCCESS) {
			if (st != EFI_NOT_FOUND && st != EFI_BUFFER_TOO_SMALL)
				rc = status_errno(st);
			break;
		}
		int fresh = walk_fresh(&seen, cur, &g);
		if (fresh <= 0) {
			rc = fresh < 0 ? fresh : -ENOENT;
			break;
		}
		char fname[TV_EFIVARFS_FNAME_MAX + 1];
		if (tv_efivarfs_name_format(cur, TV_EFIVARFS_VARNAME_UNITS, &g, fname,
					    sizeof(fname)) >= 0 &&
		    strcmp(fname, key) == 0) {
			memcpy(name, cur, sizeof(cur));
			*guid = g;
			rc = 0;
			break;
		}
	}
	tv_efivarfs_seen_clear(&seen);
	return rc;
}

static struct tv_efivarfs_node *node_new(struct tv_efivarfs *fs, const char *key,
					 const efi_char16_t *name, const efi_guid_t *guid)
{
	struct tv_efivarfs_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	memcpy(n->key, key, strlen(key) + 1);
	memcpy(n->name, name, sizeof(n->name));
	n->guid = *guid;
	n->ino = fs->next_ino++;
	n->mode = S_IFREG | 0644;
	n->uid = fs->uid;
	n->gid = fs->gid;
	n->atime = n->mtime = n->ctime = now();
	size_t name_len = strlen(key) - TV_EFIVARFS_GUID_LEN - 1;
	n->immutable = !tv_efivarfs_is_removable(guid, key, name_len);
	return n;
}

/* Checks a file name and gives its key: 0, -ENAMETOOLONG, -ENOENT. */
static int key_of(const char *fname, char key[TV_EFIVARFS_FNAME_MAX + 1])
{
	size_t len = fname ? strlen(fname) : 0;
	if (len > TV_EFIVARFS_FNAME_MAX)
		return -ENAMETOOLONG;
	if (tv_efivarfs_name_normalize(fname, key, TV_EFIVARFS_FNAME_MAX + 1) != 0)
		return -ENOENT;
	return 0;
}

/* The size an open file with no variable behind it shows: the size it last
 * had (6.12's inode keeps i_size after an unlink, a deleting write or a delete
 * behind its back), 0 for a created file never written. */
static off_t last_fsize(const struct tv_efivarfs_node *n)
{
	return n->size ? (off_t)(n->size + ATTR_BYTES) : 0;
}

/* The node of fname if it is in the namespace, with the file's size. */
static int resolve(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_node **out,
		   off_t *fsize)
{
	struct tv_efivarfs_node *h = fname ? tv_efivarfs_table_find(&fs->table, fname) : NULL;
	if (h && h->hidden) {
		*out = h; /* an unlinked open file under FUSE's hidden name */
		*fsize = h->empty ? last_fsize(h) : (off_t)(h->size + ATTR_BYTES);
		return 0;
	}
	char key[TV_EFIVARFS_FNAME_MAX + 1];
	int rc = key_of(fname, key);
	if (rc != 0)
		return rc;
	efi_char16_t name[TV_EFIVARFS_VARNAME_UNITS] = {0};
	efi_guid_t guid;
	struct tv_efivarfs_node *n = tv_efivarfs_table_find(&fs->table, key);
	if (n) {
		memcpy(name, n->name, sizeof(name));
		guid = n->guid;
	} else if (tv_efivarfs_name_needs_scan(key, strlen(key))) {
		rc = scan_for(fs, key, name, &guid);
		if (rc != 0)
			return rc;
	} else if (tv_efivarfs_name_parse(key, name, TV_EFIVARFS_VARNAME_UNITS, &guid) < 0) {
		return -ENOENT;
	}
	if (tv_guid_equal(&guid, &tv_efivarfs_random_seed_guid))
		return -ENOENT; /* hidden, as the kernel's listing */
	uint64_t t = mono_ns();
	if (n && !n->empty && n->size_at && t - n->size_at < SIZE_REUSE_NS &&
	    n->size_sets == fs->sets) {
		*out = n;
		*fsize = (off_t)(n->size + ATTR_BYTES);
		return 0;
	}
	struct tv_efivarfs_node tmp;
	memcpy(tmp.name, name, sizeof(name));
	tmp.guid = guid;
	size_t size = 0;
	rc = var_size(fs, n ? n : &tmp, &size);
	if (rc == -ENOENT) {
		if (n && n->empty && n->opens > 0) {
			*out = n; /* created, not written yet: a 0-byte file */
			*fsize = 0;
			return 0;
		}
		if (n)
			tv_efivarfs_table_unlink(&fs->table, n); /* gone behind our back */
		return -ENOENT;
	}
	if (rc != 0)
		return rc;
	if (!n) {
		n = node_new(fs, key, name, &guid);
		if (!n)
			return -ENOMEM;
		tv_efivarfs_table_link(&fs->table, n);
	}
	n->empty = false;
	n->size = size;
	n->size_at = t;
	n->size_sets = fs->sets;
	*out = n;
	*fsize = (off_t)(size + ATTR_BYTES);
	return 0;
}

/* The node for fname, or f's (which may have left the namespace). */
static int node_of(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
		   struct tv_efivarfs_node **out)
{
	if (f) {
		*out = f->node;
		return 0;
	}
	off_t size;
	return resolve(fs, fname, out, &size);
}

/* ---- attributes ---- */

static void fill_stat(const struct tv_efivarfs_node *n, off_t size, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->linked && !n->hidden ? 1 : 0;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_size = size;
	st->st_blksize = 4096;
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

int tv_efivarfs_getattr(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			struct stat *st)
{
	if (!fs || !st)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	int rc = 0;
	if (!f && (!fname || !fname[0])) {
		memset(st, 0, sizeof(*st));
		st->st_ino = 1;
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		st->st_uid = fs->uid;
		st->st_gid = fs->gid;
		st->st_blksize = 4096;
		st->st_atim = st->st_mtim = st->st_ctim = fs->mounted;
	} else if (f) {
		size_t size = 0;
		int r = f->node->empty ? -ENOENT : var_size(fs, f->node, &size);
		if (r == 0)
			f->node->size = size;
		if (r == 0 || r == -ENOENT)
			fill_stat(f->node, r == 0 ? (off_t)(size + ATTR_BYTES) : last_fsize(f->node), st);
		else
			rc = r;
	} else {
		struct tv_efivarfs_node *n;
		off_t size;
		rc = resolve(fs, fname, &n, &size);
		if (rc == 0)
			fill_stat(n, size, st);
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

/* ---- the directory ---- */

struct list_ctx {
	struct tv_efivarfs *fs;
	int (*fill)(void *arg, const char *fname);
	void *arg;
	bool stop;
};

static void fill_empty(struct tv_efivarfs_node *n, void *arg)
{
	struct list_ctx *c = arg;
	if (!c->stop && n->empty && !n->hidden && n->opens > 0 && n->seen != c->fs->generation)
		c->stop = c->fill(c->arg, n->key) != 0;
}

int tv_efivarfs_readdir(struct tv_efivarfs *fs, int (*fill)(void *arg, const char *fname),
			void *arg)
{
	if (!fs || !fill)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct list_ctx c = {.fs = fs, .fill = fill, .arg = arg};
	unsigned listed = 0;
	int rc = 0;
	fs->generation++;
	efi_char16_t cur[TV_EFIVARFS_VARNAME_UNITS] = {0};
	struct tv_efivarfs_seen seen = {0};
	/* Bounded: a service that keeps answering must not loop us forever. */
	for (unsigned i = 0; i < 1000000 && !c.stop; i++) {
		efi_guid_t g;
		size_t sz = sizeof(cur);
		efi_status_t st = tv_efivarfs_be_next(fs->be, &sz, cur, &g);
		if (st != EFI_SUCCESS) {
			/* The kernel stops at any failure; an empty answer to a
			 * failing service is an error, not an empty store. */
			if (st != EFI_NOT_FOUND && st != EFI_BUFFER_TOO_SMALL && listed == 0)
				rc = status_errno(st);
			break;
		}
		int fresh = walk_fresh(&seen, cur, &g);
		if (fresh < 0 && listed == 0)
			rc = fresh;
		if (fresh <= 0)
			break; /* a name again: the kernel stops at a duplicate */
		if (tv_guid_equal(&g, &tv_efivarfs_random_seed_guid))
			continue;
		char fname[TV_EFIVARFS_FNAME_MAX + 1];
		if (tv_efivarfs_name_format(cur, TV_EFIVARFS_VARNAME_UNITS, &g, fname,
					    sizeof(fname)) < 0)
			continue; /* longer than NAME_MAX */
		struct tv_efivarfs_node *n = tv_efivarfs_table_find(&fs->table, fname);
		if (n)
			n->seen = fs->generation;
		listed++;
		c.stop = fill(arg, fname) != 0;
	}
	tv_efivarfs_seen_clear(&seen);
	if (rc == 0)
		tv_efivarfs_table_each(&fs->table, fill_empty, &c);
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

/* ---- open files ---- */

static struct tv_efivarfs_file *file_new(struct tv_efivarfs *fs, struct tv_efivarfs_node *n)
{
	struct tv_efivarfs_file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->node = n;
	n->opens++;
	f->next = fs->files;
	if (fs->files)
		fs->files->prev = f;
	fs->files = f;
	return f;
}

static bool wants_write(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

int tv_efivarfs_create(struct tv_efivarfs *fs, const char *fname, mode_t mode, int flags,
		       struct tv_efivarfs_file **out)
{
	if (!fs || !out)
		return -EINVAL;
	*out = NULL;
	size_t len = fname ? strlen(fname) : 0;
	if (len > TV_EFIVARFS_FNAME_MAX)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&fs->lock);
	int rc = 0;
	char key[TV_EFIVARFS_FNAME_MAX + 1];
	efi_char16_t name[TV_EFIVARFS_VARNAME_UNITS];
	efi_guid_t guid;
	struct tv_efivarfs_node *n = NULL;
	off_t size;
	if (fs->read_only) {
		rc = -EROFS;
	} else if (tv_efivarfs_name_normalize(fname, key, sizeof(key)) != 0 ||
		   tv_efivarfs_name_parse(fname, name, TV_EFIVARFS_VARNAME_UNITS, &guid) < 0) {
		rc = -EINVAL; /* the kernel's name check */
	} else if (tv_guid_equal(&guid, &tv_efivarfs_random_seed_guid)) {
		rc = -EPERM;
	} else if ((rc = resolve(fs, fname, &n, &size)) == 0) {
		/* There after all (another client made it): open it. */
		if (flags & O_EXCL)
			rc = -EEXIST;
		else if (wants_write(flags) && n->immutable)
			rc = -EPERM;
	} else if (rc != -ENOENT) {
		n = NULL; /* the service failed: whether it exists is unknown */
	} else {
		rc = 0;
		n = node_new(fs, key, name, &guid);
		if (!n) {
			rc = -ENOMEM;
		} else {
			n->mode = S_IFREG | (mode & 07777);
			n->empty = true;
			tv_efivarfs_table_link(&fs->table, n);
		}
	}
	if (rc == 0) {
		*out = file_new(fs, n);
		if (!*out) {
			rc = -ENOMEM;
			if (n->empty && n->opens == 0)
				tv_efivarfs_table_unlink(&fs->table, n);
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_open(struct tv_efivarfs *fs, const char *fname, int flags,
		     struct tv_efivarfs_file **out)
{
	if (!fs || !out)
		return -EINVAL;
	*out = NULL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	off_t size;
	int rc = resolve(fs, fname, &n, &size);
	if (rc == 0 && wants_write(flags)) {
		/* The kernel checks the immutable flag at open (may_open); FUSE
		 * does not know it: teevarfs refuses here. */
		if (fs->read_only)
			rc = -EROFS;
		else if (n->immutable)
			rc = -EPERM;
	}
	if (rc == 0 && !(*out = file_new(fs, n)))
		rc = -ENOMEM;
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

/* The file's content (attributes + data) in a new buffer; *len 0 for no
 * variable. */
static int read_content(struct tv_efivarfs *fs, const struct tv_efivarfs_node *n, uint8_t **out,
			size_t *len)
{
	*out = NULL;
	*len = 0;
	size_t cap = 1024;
	for (int attempt = 0; attempt < 4; attempt++) {
		uint8_t *buf = malloc(cap + ATTR_BYTES);
		if (!buf)
			return -ENOMEM;
		uint32_t attrs = 0;
		size_t size = cap;
		efi_status_t st = tv_efivarfs_be_get(fs->be, n->name, &n->guid, &attrs, &size,
						     buf + ATTR_BYTES);
		if (st == EFI_BUFFER_TOO_SMALL && size > cap) {
			free(buf);
			cap = size; /* it grew between the calls: again */
			continue;
		}
		if (st != EFI_SUCCESS) {
			free(buf);
			/* A created or deleted file reads as empty (EOF). */
			return st == EFI_NOT_FOUND ? 0 : status_errno(st);
		}
		for (int i = 0; i < ATTR_BYTES; i++)
			buf[i] = (uint8_t)(attrs >> (8 * i));
		*out = buf;
		*len = size + ATTR_BYTES;
		return 0;
	}
	return -EIO;
}

ssize_t tv_efivarfs_read(struct tv_efivarfs *fs, struct tv_efivarfs_file *f, void *buf,
			 size_t size, off_t off)
{
	if (!fs || !f || (!buf && size) || off < 0)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	uint8_t *content;
	size_t len;
	ssize_t rc = read_content(fs, f->node, &content, &len);
	if (rc == 0) {
		size_t start = (uint64_t)off < len ? (size_t)off : len;
		size_t n = len - start < size ? len - start : size;
		if (n)
			memcpy(buf, content + start, n);
		rc = (ssize_t)n;
		f->node->atime = now();
	}
	free(content);
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

ssize_t tv_efivarfs_write(struct tv_efivarfs *fs, struct tv_efivarfs_file *f, const void *buf,
			  size_t size)
{
	if (!fs || !f || (!buf && size))
		return -EINVAL;
	/* The kernel's order: the size, the attribute bits, the table's check,
	 * then SetVariable. */
	if (size < ATTR_BYTES)
		return -EINVAL;
	const uint8_t *p = buf;
	uint32_t attrs = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24;
	if (attrs & ~ATTR_MASK)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n = f->node;
	n->size_at = 0;
	ssize_t rc;
	if (!tv_efivarfs_validate(&n->guid, n->name, p + ATTR_BYTES, size - ATTR_BYTES)) {
		rc = -EINVAL;
	} else if (fs->read_only) {
		rc = -EROFS;
	} else {
		fs->sets++;
		efi_status_t st = tv_efivarfs_be_set(fs->be, n->name, &n->guid, attrs,
						     size - ATTR_BYTES, p + ATTR_BYTES);
		if (st != EFI_SUCCESS) {
			/* NOT_FOUND from SetVariable (a delete of nothing): EIO. */
			rc = st == EFI_NOT_FOUND ? -EIO : status_errno(st);
		} else {
			size_t left = 0;
			if (var_size(fs, n, &left) == -ENOENT) {
				/* The write deleted it: gone from the namespace at
				 * once (the kernel's d_delete); the fd stays usable. */
				n->empty = true;
				if (!n->hidden)
					tv_efivarfs_table_unlink(&fs->table, n);
			} else {
				n->empty = false;
				n->size = left;
				if (!n->linked) {
					/* Written again after a delete or unlink: back
					 * in the namespace unless another node took the
					 * name meanwhile. */
					if (!tv_efivarfs_table_find(&fs->table, n->key))
						tv_efivarfs_table_link(&fs->table, n);
				}
			}
			n->mtime = n->ctime = now();
			rc = (ssize_t)size;
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_flush(struct tv_efivarfs *fs, struct tv_efivarfs_file *f)
{
	if (!fs || !f)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n = f->node;
	/* The last close of a file that holds no variable removes it (6.13's
	 * behaviour; 6.12 keeps a 0-byte file until unmount). FLUSH, not
	 * RELEASE: FUSE sends RELEASE after close() has returned. */
	if (n->linked && !n->hidden && n->empty && n->opens == 1) {
		size_t size;
		int r = var_size(fs, n, &size);
		if (r == -ENOENT)
			tv_efivarfs_table_unlink(&fs->table, n);
		else if (r == 0)
			n->empty = false; /* another client wrote it meanwhile */
	}
	pthread_mutex_unlock(&fs->lock);
	return 0;
}

void tv_efivarfs_release(struct tv_efivarfs *fs, struct tv_efivarfs_file *f)
{
	if (!fs || !f)
		return;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n = f->node;
	if (f->prev)
		f->prev->next = f->next;
	else
		fs->files = f->next;
	if (f->next)
		f->next->prev = f->prev;
	free(f);
	/* An empty created file whose FLUSH did not come: remove it now. */
	if (n->linked && !n->hidden && n->empty && n->opens == 1)
		tv_efivarfs_table_unlink(&fs->table, n);
	tv_efivarfs_node_put(n);
	pthread_mutex_unlock(&fs->lock);
}

/* The kernel's unlink of n: 0 (the variable is gone), or the errno. */
static int unlink_node(struct tv_efivarfs *fs, struct tv_efivarfs_node *n)
{
	if (fs->read_only)
		return -EROFS;
	if (n->immutable)
		return -EPERM; /* the VFS's may_delete */
	n->size_at = 0;
	fs->sets++;
	efi_status_t st = tv_efivarfs_be_set(fs->be, n->name, &n->guid, 0, 0, NULL);
	/* 6.12: any failure but NOT_FOUND is EINVAL. */
	if (st != EFI_SUCCESS && st != EFI_NOT_FOUND)
		return -EINVAL;
	n->empty = true;
	n->ctime = now();
	return 0;
}

int tv_efivarfs_unlink(struct tv_efivarfs *fs, const char *fname)
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	off_t size;
	int rc = resolve(fs, fname, &n, &size);
	if (rc == 0 && n->hidden)
		tv_efivarfs_table_unlink(&fs->table, n); /* already deleted */
	else if (rc == 0 && (rc = unlink_node(fs, n)) == 0)
		tv_efivarfs_table_unlink(&fs->table, n);
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_unlink_hide(struct tv_efivarfs *fs, const char *fname, const char *hidden)
{
	if (!fs || !hidden || strlen(hidden) > TV_EFIVARFS_FNAME_MAX)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	off_t size;
	int rc = resolve(fs, fname, &n, &size);
	if (rc == 0 && n->hidden)
		rc = -EINVAL;
	else if (rc == 0 && tv_efivarfs_table_find(&fs->table, hidden))
		rc = -EEXIST;
	else if (rc == 0 && n->opens == 0)
		rc = -EPERM; /* not libfuse hiding an open file: a rename (efivarfs has none) */
	if (rc == 0 && (rc = unlink_node(fs, n)) == 0) {
		/* Out of the table under its name, back in under the hidden one;
		 * held over the move so that the unlink does not free it. */
		n->opens++;
		tv_efivarfs_table_unlink(&fs->table, n);
		memcpy(n->key, hidden, strlen(hidden) + 1);
		n->hidden = true;
		tv_efivarfs_table_link(&fs->table, n);
		n->opens--;
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

/* ---- setattr ---- */

/* The node for a setattr: the VFS refuses every change to an immutable file. */
static int settable(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
		    struct tv_efivarfs_node **n)
{
	int rc = node_of(fs, fname, f, n);
	if (rc != 0)
		return rc;
	if (fs->read_only)
		return -EROFS;
	return (*n)->immutable ? -EPERM : 0;
}

int tv_efivarfs_truncate(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f)
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	int rc = settable(fs, fname, f, &n);
	/* Accepted and ignored: a variable is replaced by write(), and
	 * open(O_TRUNC) must succeed (efitools opens that way). */
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_chmod(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
		      mode_t mode)
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	int rc = settable(fs, fname, f, &n);
	if (rc == 0) {
		n->mode = S_IFREG | (mode & 07777);
		n->ctime = now();
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_chown(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
		      uid_t uid, gid_t gid)
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	int rc = settable(fs, fname, f, &n);
	if (rc == 0) {
		if (uid != (uid_t)-1)
			n->uid = uid;
		if (gid != (gid_t)-1)
			n->gid = gid;
		n->ctime = now();
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

static void set_time(struct timespec *dst, const struct timespec *src, struct timespec t)
{
	if (src->tv_nsec == UTIME_OMIT)
		return;
	*dst = src->tv_nsec == UTIME_NOW ? t : *src;
}

int tv_efivarfs_utimens(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			const struct timespec tv[2])
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	int rc = settable(fs, fname, f, &n);
	if (rc == 0) {
		struct timespec t = now();
		if (tv) {
			set_time(&n->atime, &tv[0], t);
			set_time(&n->mtime, &tv[1], t);
		} else {
			n->atime = n->mtime = t;
		}
		n->ctime = t;
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

/* ---- flags ---- */

int tv_efivarfs_get_flags(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			  unsigned *flags)
{
	if (!fs || !flags)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	int rc = node_of(fs, fname, f, &n);
	if (rc == 0)
		*flags = n->immutable ? TV_EFIVARFS_IMMUTABLE_FL : 0;
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_set_flags(struct tv_efivarfs *fs, const char *fname, struct tv_efivarfs_file *f,
			  unsigned flags, uid_t caller)
{
	if (!fs)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	struct tv_efivarfs_node *n;
	int rc = node_of(fs, fname, f, &n);
	if (rc == 0) {
		unsigned old = n->immutable ? TV_EFIVARFS_IMMUTABLE_FL : 0;
		/* The VFS's order (vfs_fileattr_set): a read-only mount, the
		 * owner, CAP_LINUX_IMMUTABLE for a change of the immutable or
		 * append bit, then efivarfs: any other flag is not supported. */
		if (fs->read_only)
			rc = -EROFS;
		else if (caller != 0 && caller != n->uid)
			rc = -EPERM;
		else if (((old ^ flags) & (TV_EFIVARFS_IMMUTABLE_FL | TV_EFIVARFS_APPEND_FL)) &&
			 caller != 0)
			rc = -EPERM;
		else if (flags & ~TV_EFIVARFS_IMMUTABLE_FL)
			rc = -EOPNOTSUPP;
		else
			n->immutable = (flags & TV_EFIVARFS_IMMUTABLE_FL) != 0;
		if (rc == 0)
			n->ctime = now();
	}
	pthread_mutex_unlock(&fs->lock);
	return rc;
}

int tv_efivarfs_statfs(struct tv_efivarfs *fs, struct statvfs *st)
{
	if (!fs || !st)
		return -EINVAL;
	pthread_mutex_lock(&fs->lock);
	uint64_t storage = 0, remaining = 0, max_size = 0;
	efi_status_t s = tv_efivarfs_be_query(fs->be, QUERY_ATTRS, &storage, &remaining, &max_size);
	pthread_mutex_unlock(&fs->lock);
	if (s != EFI_SUCCESS)
		storage = remaining = 0; /* the kernel reports zeros then */
	memset(st, 0, sizeof(*st));
	st->f_bsize = 1;
	st->f_frsize = 1;
	st->f_blocks = storage;
	st->f_bfree = remaining;
	st->f_bavail = remaining;
	st->f_namemax = TV_EFIVARFS_FNAME_MAX;
	return 0;
}

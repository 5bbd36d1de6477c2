/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevarfs's model against a lying variable service: the secure core's
 * answers (inproc:), changed on their way back by a transport in between.
 * A size no variable can have is EIO, never a buffer sized by it or a file
 * size that wrapped; a walk of GetNextVariableName that gives a name again
 * ends there, as Linux 6.12's efivar_init does.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/tee.h>
#include <teevar/transport.h>

#include "efivarfs_core.h"
#include "mm_wire.h"
#include "tv_bytes.h"
#include "tv_test_util.h"

#define T "a96b90e0-c450-4e75-914e-c14eedb25fad" /* a test vendor GUID */
#define NV_BS_RT 0x7u
#define ST_BUFFER_TOO_SMALL 0x8000000000000005ull

/* The transport in between. */
struct liar {
	struct tv_transport inner;
	uint64_t huge;     /* non-zero: GetVariable says BUFFER_TOO_SMALL, this size */
	bool huge_once;    /* ... for the next GetVariable only */
	unsigned repeat;   /* non-zero: GetNextVariableName answers from this one
			    * on (1-based) are the first answer again */
	unsigned gets, nexts;
	uint8_t first[MM_NEXT_HDR_SIZE + 1024];
	size_t first_len;
};

static uint32_t liar_open(void *ctx, const uint8_t uuid[16], uint32_t *session,
			  uint32_t *origin)
{
	struct liar *l = ctx;
	return l->inner.ops->open_session(l->inner.ctx, uuid, session, origin);
}

static void lie_get(struct liar *l, uint8_t *b)
{
	l->gets++;
	if (!l->huge)
		return;
	tv_put_le64(b + MM_OFF_STATUS, ST_BUFFER_TOO_SMALL);
	tv_put_le64(b + MM_PAYLOAD_OFF + MM_ACCESS_OFF_DATA_SIZE, l->huge);
	if (l->huge_once)
		l->huge = 0;
}

static void lie_next(struct liar *l, uint8_t *pl, size_t room)
{
	uint64_t name_size = tv_get_le64(pl + MM_NEXT_OFF_NAME_SIZE);
	size_t len = MM_NEXT_HDR_SIZE + (size_t)name_size;
	l->nexts++;
	if (l->nexts == 1 && len <= sizeof(l->first) && len <= room) {
		memcpy(l->first, pl, len);
		l->first_len = len;
	} else if (l->repeat && l->nexts >= l->repeat && l->first_len && l->first_len <= room) {
		memcpy(pl, l->first, l->first_len);
	}
}

static uint32_t liar_invoke(void *ctx, uint32_t session, uint32_t cmd,
			    struct tv_tee_param params[TV_TEE_NUM_PARAMS], uint32_t *origin)
{
	struct liar *l = ctx;
	uint32_t res = l->inner.ops->invoke(l->inner.ctx, session, cmd, params, origin);
	if (res != TEE_SUCCESS || params[0].type != TV_TEE_PARAM_MEMREF_INOUT ||
	    params[0].u.memref.size < MM_PAYLOAD_OFF)
		return res;
	uint8_t *b = params[0].u.memref.buf;
	uint8_t *pl = b + MM_PAYLOAD_OFF;
	size_t room = params[0].u.memref.size - MM_PAYLOAD_OFF;
	uint64_t fn = tv_get_le64(b + MM_OFF_FUNCTION);
	uint64_t st = tv_get_le64(b + MM_OFF_STATUS);
	if (fn == MM_VAR_GET_VARIABLE)
		lie_get(l, b);
	else if (fn == MM_VAR_GET_NEXT_VARIABLE_NAME && st == 0)
		lie_next(l, pl, room);
	return res;
}

static void liar_close(void *ctx, uint32_t session)
{
	struct liar *l = ctx;
	l->inner.ops->close_session(l->inner.ctx, session);
}

static void liar_destroy(void *ctx)
{
	struct liar *l = ctx;
	if (l->inner.ops->destroy)
		l->inner.ops->destroy(l->inner.ctx);
}

static const struct tv_transport_ops liar_ops = {
	.open_session = liar_open,
	.invoke = liar_invoke,
	.close_session = liar_close,
	.destroy = liar_destroy,
};

struct ctx {
	char *dir;
	struct liar liar;
	struct tv_efivarfs *fs;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->dir = tv_test_tmpdir();
	assert_int_equal(tv_transport_inproc_open(c->dir, &c->liar.inner), 0);
	struct tv_transport t = {.ops = &liar_ops, .ctx = &c->liar, .name = "inproc"};
	struct tv_efivarfs_config cfg = {.spec = "liar", .transport = &t};
	char msg[256];
	assert_int_equal(tv_efivarfs_new(&cfg, &c->fs, msg, sizeof(msg)), 0);
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

static void make_var(struct tv_efivarfs *fs, const char *fname, const char *data)
{
	struct tv_efivarfs_file *f;
	assert_int_equal(tv_efivarfs_create(fs, fname, 0644, O_WRONLY | O_CREAT | O_EXCL, &f), 0);
	uint8_t buf[64] = {NV_BS_RT, 0, 0, 0};
	size_t len = strlen(data) + 1;
	memcpy(buf + 4, data, len);
	assert_int_equal(tv_efivarfs_write(fs, f, buf, 4 + len), (ssize_t)(4 + len));
	assert_int_equal(tv_efivarfs_flush(fs, f), 0);
	tv_efivarfs_release(fs, f);
}

static int count_fill(void *arg, const char *fname)
{
	(void)fname;
	(*(unsigned *)arg)++;
	return 0;
}

/* A size far beyond the payload, once, between the read's two calls: the
 * read fails with EIO (before the fix: a buffer of cap + 4 bytes, wrapped to
 * 2, and the honest answer copied into it). */
static void test_huge_size_in_read(void **state)
{
	struct ctx *c = *state;
	make_var(c->fs, "Lang-" T, "en");
	struct tv_efivarfs_file *f;
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" T, O_RDONLY, &f), 0);
	const uint64_t lies[] = {UINT64_MAX - 1, UINT64_MAX - 3, 1ull << 63, 1ull << 40, 1ull << 24};
	char buf[64];
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		c->liar.huge = lies[i];
		c->liar.huge_once = true;
		assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), -EIO);
	}
	/* The service honest again: the file reads as it is. */
	assert_int_equal(tv_efivarfs_read(c->fs, f, buf, sizeof(buf), 0), 7);
	assert_memory_equal(buf, "\x07\0\0\0en", 7);
	tv_efivarfs_release(c->fs, f);
}

/* The same lies in a lookup and an fstat: EIO, never a size that wrapped
 * (SIZE_MAX - 1 + 4 would be 2) or went negative. */
static void test_huge_size_in_stat(void **state)
{
	struct ctx *c = *state;
	make_var(c->fs, "Lang-" T, "en");
	struct tv_efivarfs_file *f;
	assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" T, O_RDONLY, &f), 0);
	const uint64_t lies[] = {UINT64_MAX - 1, 1ull << 63, 1ull << 24};
	struct stat st;
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		c->liar.huge = lies[i];
		c->liar.huge_once = false;
		/* past the 2 ms in which one system call's requests share a size */
		usleep(3000);
		assert_int_equal(tv_efivarfs_getattr(c->fs, "Lang-" T, NULL, &st), -EIO);
		assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, f, &st), -EIO);
		struct tv_efivarfs_file *g;
		assert_int_equal(tv_efivarfs_open(c->fs, "Lang-" T, O_RDONLY, &g), -EIO);
	}
	c->liar.huge = 0;
	usleep(3000);
	assert_int_equal(tv_efivarfs_getattr(c->fs, "Lang-" T, NULL, &st), 0);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(tv_efivarfs_getattr(c->fs, NULL, f, &st), 0);
	assert_int_equal(st.st_size, 7);
	tv_efivarfs_release(c->fs, f);
}

/* GetNextVariableName answering its first name again and again: one entry,
 * and the walk ends at the repeat (before the fix: a million round trips
 * and as many entries). */
static void test_repeated_name(void **state)
{
	struct ctx *c = *state;
	make_var(c->fs, "A-" T, "a");
	make_var(c->fs, "B-" T, "b");
	unsigned honest = 0;
	assert_int_equal(tv_efivarfs_readdir(c->fs, count_fill, &honest), 0);
	assert_true(honest >= 2);
	c->liar.nexts = 0;
	c->liar.repeat = 2;
	unsigned n = 0;
	assert_int_equal(tv_efivarfs_readdir(c->fs, count_fill, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c->liar.nexts, 2);
	/* A name the kernel finds by walking (with '!'): not there, at once. */
	c->liar.nexts = 0;
	struct stat st;
	assert_int_equal(tv_efivarfs_getattr(c->fs, "No!pe-" T, NULL, &st), -ENOENT);
	assert_int_equal(c->liar.nexts, 2);
}

/* A cycle of two: A, B, A: two entries. */
static void test_name_cycle(void **state)
{
	struct ctx *c = *state;
	make_var(c->fs, "A-" T, "a");
	make_var(c->fs, "B-" T, "b");
	make_var(c->fs, "C-" T, "c");
	c->liar.nexts = 0;
	c->liar.repeat = 3;
	unsigned n = 0;
	assert_int_equal(tv_efivarfs_readdir(c->fs, count_fill, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(c->liar.nexts, 3);
	c->liar.repeat = 0;
	c->liar.nexts = 0;
	n = 0;
	assert_int_equal(tv_efivarfs_readdir(c->fs, count_fill, &n), 0);
	assert_true(n >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_huge_size_in_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_size_in_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_cycle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevard's access control: clients run in forked children under other uids
 * and gids (the test must run as root, else it is skipped). A refused client
 * gets TEE_ERROR_ACCESS_DENIED from origin COMMS with teevard's reason, and
 * nothing changes. argv[1]: the teevard binary.
 */
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <teevar/client.h>
#include <teevar/store_info.h>
#include <teevar/transport.h>

#include "mm_wire.h"
#include "tv_err.h"
#include "tv_test_util.h"
#include "tvd_harness.h"
#include "tvd_wire.h"

#define NV_BS_RT 0x7u
#define NOBODY 65534u
#define OTHER_GROUP 4242u

static const efi_guid_t guid = {{0x61, 0x63, 0x63, 0x65, 0x73, 0x73, 0x2d, 0x74, 0x65, 0x73,
				 0x74, 0x00, 0x00, 0x00, 0x00, 0x01}};

struct fix {
	char *dir;
	struct tvd_proc d;
};

/* In a child: report the first failed check by its line. */
#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "# child check failed: %s (line %d)\n", #cond, \
				__LINE__);                                       \
			return 1;                                                \
		}                                                                \
	} while (0)

static int setup(void **state)
{
	if (geteuid() != 0)
		skip(); /* needs root to run clients as other users */
	struct fix *f = calloc(1, sizeof(*f));
	f->dir = tv_test_tmpdir();
	*state = f;
	/* other users must reach the socket; the state stays 0700 */
	return f->dir && chmod(f->dir, 0755) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	if (!f)
		return 0;
	if (f->d.pid > 0)
		tvd_stop(&f->d, SIGKILL);
	tv_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void start(struct fix *f, const char *const *extra)
{
	assert_int_equal(tvd_start(&f->d, f->dir, extra), 0);
}

static void finish(struct fix *f)
{
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	assert_true(tvd_log_clean(&f->d));
}

/* Runs fn in a child with these credentials; its exit code (0: all checks held). */
static int run_as(uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
		  int (*fn)(const struct fix *), const struct fix *f)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups((size_t)ngroups, groups) != 0 || setresgid(gid, gid, gid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			_exit(100);
		_exit(fn(f));
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static int as_nobody(int (*fn)(const struct fix *), const struct fix *f)
{
	return run_as(NOBODY, NOBODY, NULL, 0, fn, f);
}

static efi_status_t set_str(struct tv_client *c, const char *name, const char *value)
{
	efi_char16_t u[64];
	tvd_ucs2(u, name);
	return tv_set_variable(c, u, &guid, NV_BS_RT, strlen(value), value);
}

/* The value of name, "" if absent. */
static const char *get_str(struct tv_client *c, const char *name)
{
	static char v[128];
	efi_char16_t u[64];
	tvd_ucs2(u, name);
	size_t n = sizeof(v) - 1;
	uint32_t attrs = 0;
	if (tv_get_variable(c, u, &guid, &attrs, &n, v) != EFI_SUCCESS)
		n = 0;
	v[n] = 0;
	return v;
}

static bool refused(struct tv_client *c, bool write, const char *allowed)
{
	uint32_t origin = 0;
	struct tv_access_denial d;
	return tv_client_last_tee_result(c, &origin) == TEE_ERROR_ACCESS_DENIED &&
	       origin == TEE_ORIGIN_COMMS && tv_transport_last_denial(&d) == 0 &&
	       d.uid == geteuid() && d.write == write && strcmp(d.allowed, allowed) == 0;
}

/* The last refusal told by teevard, without a client call behind it. */
static bool denial_is(bool write, const char *allowed)
{
	struct tv_access_denial d;
	return tv_transport_last_denial(&d) == 0 && d.uid == geteuid() && d.write == write &&
	       strcmp(d.allowed, allowed) == 0;
}

/* teevar's own store requests: a check needs read access, a recovery write. */
static bool store_ops_refused(const struct fix *f, bool check_allowed)
{
	struct tv_transport t;
	if (tv_transport_unix_open(f->d.sock, &t) != 0)
		return false;
	struct tv_store_check_report report;
	struct tv_store_recovery rec;
	bool ok = true;
	if (check_allowed) {
		ok = tv_transport_store_check(&t, &report) == 0 && !report.damaged &&
		     report.matches_ram;
	} else {
		ok = tv_transport_store_check(&t, &report) == -EACCES && denial_is(false, "owner");
	}
	ok = ok && tv_transport_store_recover(&t, &rec) == -EACCES && denial_is(true, "owner");
	/* a refusal is an answer: the connection goes on */
	ok = ok && tv_transport_store_recover(&t, &rec) == -EACCES;
	tv_transport_destroy(&t);
	return ok;
}

static void root_set(struct fix *f, const char *name, const char *value)
{
	struct tv_client *c = tvd_client(&f->d);
	assert_non_null(c);
	assert_int_equal(set_str(c, name, value), EFI_SUCCESS);
	tv_client_close(c);
}

static void root_expect(struct fix *f, const char *name, const char *value)
{
	struct tv_client *c = tvd_client(&f->d);
	assert_non_null(c);
	assert_string_equal(get_str(c, name), value);
	tv_client_close(c);
}

/* ---- default policy: only the owner (and root) ---- */

static int child_no_session(const struct fix *f)
{
	struct tv_transport t;
	CHECK(tv_transport_unix_open(f->d.sock, &t) == 0);
	struct tv_client *c;
	CHECK(tv_client_open(t, &c) == EFI_DEVICE_ERROR);
	CHECK(refused(NULL, false, "owner"));
	CHECK(store_ops_refused(f, false));
	/* an idle connection without access is dropped after the I/O timeout */
	int fd = tvd_connect_raw(&f->d);
	char b;
	CHECK(fd >= 0 && recv(fd, &b, 1, 0) == 0);
	close(fd);
	return 0;
}

static void test_default_refuses_others(void **state)
{
	struct fix *f = *state;
	static const char *const extra[] = {"--io-timeout-ms", "300", NULL};
	start(f, extra);
	root_set(f, "Var", "old");
	assert_int_equal(as_nobody(child_no_session, f), 0);
	root_expect(f, "Var", "old");
	assert_true(tvd_log_contains(&f->d, "refused a session for uid 65534"));
	assert_true(tvd_log_contains(&f->d, "no access, idle past the I/O timeout"));
	/* the owner (root here) may do both: nothing to recover on a healthy store */
	struct tv_transport t;
	assert_int_equal(tv_transport_unix_open(f->d.sock, &t), 0);
	struct tv_store_check_report report;
	struct tv_store_recovery rec;
	assert_int_equal(tv_transport_store_check(&t, &report), 0);
	assert_false(report.damaged);
	assert_true(report.matches_ram);
	assert_int_equal(report.live_vars, 1);
	assert_int_equal(tv_transport_store_recover(&t, &rec), -ENOENT);
	tv_transport_destroy(&t);
	finish(f);
}

/* ---- reads for all, writes for the owner ---- */

static int child_reader(const struct fix *f)
{
	struct tv_transport t, copy;
	CHECK(tv_transport_unix_open(f->d.sock, &t) == 0);
	copy = t;
	struct tv_client *c;
	CHECK(tv_client_open(t, &c) == EFI_SUCCESS);
	CHECK(strcmp(get_str(c, "Var"), "old") == 0);
	uint64_t m, r, s;
	CHECK(tv_query_variable_info(c, NV_BS_RT, &m, &r, &s) == EFI_SUCCESS);
	struct tv_store_info info;
	CHECK(tv_transport_store_info(&copy, &info) == 0);
	CHECK(store_ops_refused(f, true));
	CHECK(set_str(c, "Var", "new") == EFI_DEVICE_ERROR);
	CHECK(refused(c, true, "owner"));
	CHECK(set_str(c, "Var", "") == EFI_DEVICE_ERROR); /* delete */
	CHECK(set_str(c, "Fresh", "x") == EFI_DEVICE_ERROR);
	efi_char16_t u[64];
	tvd_ucs2(u, "Var");
	CHECK(tv_lock_variable(c, u, &guid) == EFI_DEVICE_ERROR);
	var_check_property_t p = {.revision = VAR_CHECK_VARIABLE_PROPERTY_REVISION,
				  .property = VAR_CHECK_VARIABLE_PROPERTY_READ_ONLY};
	CHECK(tv_var_check_property_set(c, u, &guid, &p) == EFI_DEVICE_ERROR);
	CHECK(tv_ready_to_boot(c) == EFI_DEVICE_ERROR);
	CHECK(tv_exit_boot_services(c) == EFI_DEVICE_ERROR);
	CHECK(refused(c, true, "owner"));
	CHECK(strcmp(get_str(c, "Var"), "old") == 0); /* the connection still serves reads */
	tv_client_close(c);
	return 0;
}

/* A raw INVOKE that cannot be classified counts as a write. */
static int child_unparsable(const struct fix *f)
{
	struct tv_client *c = tvd_client(&f->d);
	CHECK(c != NULL);
	int fd = tvd_connect_raw(&f->d);
	struct tvd_open_req o = {.uuid = TV_STMM_UUID};
	struct tvd_frame fr;
	uint8_t ans[256];
	CHECK(tvd_enc_open_req(&o, &fr) == TV_OK);
	CHECK(send(fd, fr.buf, fr.len, 0) == (ssize_t)fr.len);
	tvd_frame_free(&fr);
	CHECK(recv(fd, ans, TVD_HDR_SIZE + 12, MSG_WAITALL) == TVD_HDR_SIZE + 12);
	uint32_t session = ans[TVD_HDR_SIZE + 8] | (uint32_t)ans[TVD_HDR_SIZE + 9] << 8;
	static const uint8_t shorty[20] = {0}; /* too short to hold a Function */
	struct tvd_invoke_req r = {.session = session, .cmd = TV_STMM_CMD_COMMUNICATE};
	r.params[0] = (struct tvd_param){.type = TV_TEE_PARAM_MEMREF_INOUT, .size = 20,
					 .data = shorty};
	CHECK(tvd_enc_invoke_req(&r, &fr) == TV_OK);
	CHECK(send(fd, fr.buf, fr.len, 0) == (ssize_t)fr.len);
	tvd_frame_free(&fr);
	CHECK(recv(fd, ans, TVD_HDR_SIZE + 20, MSG_WAITALL) == TVD_HDR_SIZE + 20);
	struct tvd_status st;
	CHECK(tvd_dec_status(ans + TVD_HDR_SIZE, 20, &st) == TV_OK);
	CHECK(st.denied && st.denial.access == TVD_ACCESS_WRITE);
	close(fd);
	tv_client_close(c);
	return 0;
}

/* The status teevard answers to RPC_ENABLE on a new connection; 0 when it came. */
static int rpc_enable_status(const struct fix *f, struct tvd_status *st)
{
	int fd = tvd_connect_raw(&f->d);
	CHECK(fd >= 0);
	struct tvd_frame fr;
	CHECK(tvd_enc_empty_req(TVD_OP_RPC_ENABLE, &fr) == TV_OK);
	CHECK(send(fd, fr.buf, fr.len, 0) == (ssize_t)fr.len);
	tvd_frame_free(&fr);
	uint8_t hdr[TVD_HDR_SIZE], body[64];
	struct tvd_hdr h;
	CHECK(recv(fd, hdr, sizeof(hdr), MSG_WAITALL) == (ssize_t)sizeof(hdr));
	CHECK(tvd_hdr_decode(hdr, &h) == TV_OK && h.op == (TVD_RESPONSE | TVD_OP_RPC_ENABLE));
	CHECK(h.length <= sizeof(body));
	CHECK(recv(fd, body, h.length, MSG_WAITALL) == (ssize_t)h.length);
	CHECK(tvd_dec_status(body, h.length, st) == TV_OK);
	close(fd);
	return 0;
}

static int child_rpc_enable_refused(const struct fix *f)
{
	struct tvd_status st;
	CHECK(rpc_enable_status(f, &st) == 0);
	CHECK(st.result == TEE_ERROR_ACCESS_DENIED && st.denied &&
	      st.denial.access == TVD_ACCESS_WRITE);
	return 0;
}

/* With --rpmb rpc the client that carries the RPMB device mounts the store
 * and sees the key frame of a new device: read access is not enough. */
static void test_rpc_enable_needs_write_access(void **state)
{
	struct fix *f = *state;
	static const char *const extra[] = {"--rpmb", "rpc", "--read-access", "all", NULL};
	start(f, extra);
	assert_int_equal(as_nobody(child_rpc_enable_refused, f), 0);
	struct tvd_status st;
	assert_int_equal(rpc_enable_status(f, &st), 0);
	assert_int_equal(st.result, TEE_SUCCESS); /* the owner may */
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	assert_true(tvd_log_contains(&f->d, "refused carrying the RPMB device"));
	assert_true(tvd_log_clean(&f->d));
}

static void test_read_all_write_owner(void **state)
{
	struct fix *f = *state;
	static const char *const extra[] = {"--read-access", "all", NULL};
	start(f, extra);
	root_set(f, "Var", "old");
	assert_int_equal(as_nobody(child_reader, f), 0);
	assert_int_equal(as_nobody(child_unparsable, f), 0);
	root_expect(f, "Var", "old");
	root_expect(f, "Fresh", "");
	struct tv_transport t, copy;
	assert_int_equal(tv_transport_unix_open(f->d.sock, &t), 0);
	copy = t;
	struct tv_client *c;
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	struct tv_store_info info;
	assert_int_equal(tv_transport_store_info(&copy, &info), 0);
	assert_int_equal(info.phase, 0); /* no phase change went through */
	tv_client_close(c);
	assert_true(tvd_log_contains(&f->d, "refused SET_VARIABLE for uid 65534"));
	assert_true(tvd_log_contains(&f->d, "(write access: owner)"));
	finish(f);
}

/* ---- group access ---- */

static int child_writer(const struct fix *f)
{
	struct tv_client *c = tvd_client(&f->d);
	CHECK(c != NULL);
	CHECK(set_str(c, "Var", "by-group") == EFI_SUCCESS);
	tv_client_close(c);
	return 0;
}

static const char *expect_allowed; /* what the next refused child must be told */

static int child_refused(const struct fix *f)
{
	struct tv_transport t;
	CHECK(tv_transport_unix_open(f->d.sock, &t) == 0);
	struct tv_client *c;
	CHECK(tv_client_open(t, &c) == EFI_DEVICE_ERROR);
	CHECK(refused(NULL, false, expect_allowed));
	return 0;
}

static void test_group_access(void **state)
{
	struct fix *f = *state;
	static const char *const extra[] = {"--read-access", "group", "--write-access", "group",
					    "--group", "4242", NULL};
	start(f, extra);
	root_set(f, "Var", "old");
	expect_allowed = "group";
	assert_int_equal(as_nobody(child_refused, f), 0);
	root_expect(f, "Var", "old");
	const gid_t groups[] = {OTHER_GROUP};
	assert_int_equal(run_as(NOBODY, NOBODY, groups, 1, child_writer, f), 0);
	root_expect(f, "Var", "by-group");
	root_set(f, "Var", "old");
	assert_int_equal(run_as(NOBODY, OTHER_GROUP, NULL, 0, child_writer, f), 0);
	root_expect(f, "Var", "by-group");
	finish(f);
}

/* ---- another owner ---- */

static void test_owner_option(void **state)
{
	struct fix *f = *state;
	static const char *const extra[] = {"--owner", "65534", NULL};
	start(f, extra);
	root_set(f, "Var", "old");
	assert_int_equal(as_nobody(child_writer, f), 0);
	root_expect(f, "Var", "by-group");
	expect_allowed = "owner";
	assert_int_equal(run_as(NOBODY - 1, NOBODY, NULL, 0, child_refused, f), 0);
	finish(f);
}

int main(int argc, char **argv)
{
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	if (!tvd_harness_binary()) {
		fprintf(stderr, "usage: test_teevard_access TEEVARD\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_refuses_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_all_write_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpc_enable_needs_write_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_option, setup, teardown),
	};
	return cmocka_run_group_tests_name("teevard access", tests, NULL, NULL);
}

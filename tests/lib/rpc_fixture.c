/* SPDX-License-Identifier: BSD-2-Clause */
#include "rpc_fixture.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "huk.h"
#include "tv_err.h"
#include "tv_test_util.h"

static const efi_guid_t rfx_guid = {{0x72, 0x70, 0x63, 0x2d, 0x74, 0x76, 0x64, 0x00, 0x01, 0x02,
				     0x03, 0x04, 0x05, 0x06, 0x07, 0x08}};

/* tee-supplicant 3.19's emulated eMMC (rpmb.c, RPMB_EMU). */
static const uint8_t debian_cid[16] = {0xfe, 0x01, 0x4e, 0x4d, 0x4d, 0x43, 0x30, 0x34,
				       0x47, 0x42, 0xc8, 0xf6, 0x55, 0x2a, 0x61, 0x15};

void rfx_new_device(struct rfx *f)
{
	struct rpmb_emu_config ec;
	rpmb_emu_config_default(&ec);
	memcpy(ec.cid, debian_cid, sizeof(ec.cid));
	ec.size_mult = 2;
	ec.rel_wr_sec_c = 1;
	rpmb_emu_free(f->emu);
	f->emu = NULL;
	assert_int_equal(rpmb_emu_new_mem(&ec, &f->emu), TV_OK);
}

int rfx_setup(void **state)
{
	struct rfx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->dir = tv_test_tmpdir();
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	assert_int_equal(mkdir(f->state, 0700), 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/huk", f->state);
	uint8_t huk[TV_HUK_SIZE];
	assert_int_equal(tv_huk_load_or_create(path, huk), TV_OK);
	assert_int_equal(tv_rpmb_key_derive(huk, debian_cid, f->key), TV_OK);
	rfx_new_device(f);
	*state = f;
	return 0;
}

int rfx_teardown(void **state)
{
	struct rfx *f = *state;
	if (f->running)
		rfx_stop(f);
	rpmb_emu_free(f->emu);
	if (!getenv("RFX_KEEP")) /* RFX_KEEP=1: keep the directory and its log */
		tv_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

void rfx_start(struct rfx *f, bool base, const char *const *extra)
{
	const char *args[32];
	int n = 0;
	if (base) {
		static const char *const def[] = {"--rpmb", "rpc", "--provision-rpmb-key",
						  "--rpc-timeout-ms", RFX_RPC_TIMEOUT};
		for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++)
			args[n++] = def[i];
	}
	for (int i = 0; extra && extra[i] && n < 31; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	if (tvd_start(&f->d, f->dir, args) != 0)
		fail_msg("teevard did not start (log %s)", f->d.log);
	f->running = true;
}

void rfx_stop(struct rfx *f)
{
	f->running = false;
	assert_int_equal(tvd_stop(&f->d, SIGTERM), 0);
	if (!tvd_log_clean(&f->d))
		fail_msg("sanitizer report in %s", f->d.log);
}

struct rpcp_config rfx_peer_config(struct rfx *f)
{
	return (struct rpcp_config){.dev = rpmb_emu_dev(f->emu), .send_enable = true,
				    .probe_ret = TEE_ERROR_NOT_SUPPORTED, .debian = true,
				    .read_key = f->key};
}

struct tv_client *rfx_client(struct rfx *f, struct rpc_peer **peer)
{
	struct rpcp_config cfg = rfx_peer_config(f);
	struct rpc_peer *p;
	assert_int_equal(rpcp_connect(f->d.sock, &cfg, &p), 0);
	struct tv_transport t;
	rpcp_transport(p, &t);
	struct tv_client *c = NULL;
	assert_int_equal(tv_client_open(t, &c), EFI_SUCCESS);
	if (peer)
		*peer = p;
	return c;
}

static void name_of(unsigned n, efi_char16_t out[64])
{
	char ascii[16];
	snprintf(ascii, sizeof(ascii), "R%u", n);
	tvd_ucs2(out, ascii);
}

efi_status_t rfx_set(struct tv_client *c, unsigned n, uint8_t fill, size_t size)
{
	static uint8_t data[20000];
	efi_char16_t name[64];
	name_of(n, name);
	memset(data, fill, size);
	return tv_set_variable(c, name, &rfx_guid, 0x7, size, data);
}

efi_status_t rfx_set_model(struct tv_client *c, struct rfx_model *m, unsigned n, uint8_t fill,
			   size_t size)
{
	efi_status_t s = rfx_set(c, n, fill, size);
	if (s == EFI_SUCCESS) {
		m->present[n] = size != 0;
		m->size[n] = size;
		m->fill[n] = fill;
	}
	return s;
}

void rfx_assert_model(struct tv_client *c, const struct rfx_model *m)
{
	static uint8_t data[20000];
	for (unsigned n = 0; n < RFX_VARS; n++) {
		efi_char16_t name[64];
		name_of(n, name);
		size_t size = sizeof(data);
		uint32_t attrs = 0;
		efi_status_t s = tv_get_variable(c, name, &rfx_guid, &attrs, &size, data);
		if (!m->present[n]) {
			if (s != EFI_NOT_FOUND)
				fail_msg("R%u: status 0x%llx, expected NOT_FOUND", n,
					 (unsigned long long)s);
			continue;
		}
		if (s != EFI_SUCCESS)
			fail_msg("R%u: status 0x%llx", n, (unsigned long long)s);
		if (size != m->size[n])
			fail_msg("R%u: %zu bytes of 0x%02x, expected %zu of 0x%02x", n, size,
				 data[0], m->size[n], m->fill[n]);
		for (size_t i = 0; i < size; i++)
			if (data[i] != m->fill[n])
				fail_msg("R%u: byte %zu is 0x%02x, expected 0x%02x", n, i, data[i],
					 m->fill[n]);
	}
}

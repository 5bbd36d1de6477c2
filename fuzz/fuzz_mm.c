/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the MM communicate handler of the secure core,
 * tv_mm_communicate(), on a variable service over a real store (emulated RPMB
 * image in a temporary state directory, created once). The buffer is what the
 * normal world controls.
 *
 * Byte 0 selects the mode:
 *   bit 0 = 0  raw: the rest of the input is the whole MM buffer;
 *   bit 0 = 1  envelope fixed up: byte 1 is the Function (mod 16), the rest is
 *              the payload; GUID and MessageLength are made valid so the fuzzer
 *              reaches the per-function parsers;
 *   bit 1      buffer limit: 0 = 64 KiB, 1 = exactly the buffer size (payload
 *              limit checks at the edge);
 *   bits 2-7   0b000001 (mode 4..7): allow READY_TO_BOOT / EXIT_BOOT_SERVICE;
 *              otherwise they become GET_VARIABLE (fixed-up mode) or function 0
 *              (raw mode), so that most inputs run in the boot phase, where locks
 *              and properties can be set.
 *   mode 0xF0..0xFF  sequence: up to 8 messages, each [Function byte][length
 *              byte][length bytes of payload], sent one after the other with
 *              fixed-up envelopes (bit 1: exact limit as above, bit 2: allow the
 *              phase functions). Reaches what needs an earlier call: a lock or a
 *              property, then a SetVariable on the same name; GetNext after Set.
 * The buffer is a malloc'ed copy of exactly the message size.
 *
 * The service keeps its state across inputs (variables, locks, phase); that is
 * deliberate. 2048 inputs after the boot phase ended the core is closed and
 * reopened on the same directory (a "reboot": the NV store survives, the phase is
 * back to boot). With TV_FUZZ_MM_FRESH=1 the state directory is wiped and the core
 * reopened before every input: slow, but reproduces a crash from one input.
 *
 * Invariants checked after each input: a rejected envelope leaves the buffer
 * untouched; QueryVariableInfo still answers, with remaining <= max storage.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <teevar/efi.h>
#include <teevar/tee.h>

#include "mm_wire.h"
#include "secure_core.h"
#include "stmm.h"
#include "tv_bytes.h"
#include "tv_err.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUF_LIMIT (64u * 1024u)

static char state_dir[] = "/tmp/teevar-fuzz-mm-XXXXXX";
static struct tv_secure *sec;
static struct tv_varsvc *svc;
static bool fresh;
static unsigned long since_boot_end; /* inputs since the boot phase ended */

static void wipe_state(void)
{
	static const char *const names[] = {"huk", "rpmb.img", "lock", "rpmb-provisioned"};
	char path[sizeof(state_dir) + 32];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", state_dir, names[i]);
		unlink(path);
	}
}

static void open_core(void)
{
	struct tv_secure_config cfg;
	tv_secure_config_default(&cfg);
	cfg.sync = false;
	cfg.emu.size_mult = 2;
	int rc = tv_secure_open(state_dir, &cfg, &sec);
	if (rc != TV_OK) {
		fprintf(stderr, "fuzz_mm: tv_secure_open(%s): %s\n", state_dir, tv_strerror(rc));
		abort();
	}
	svc = tv_secure_varsvc(sec);
	since_boot_end = 0;
}

static void cleanup(void)
{
	if (sec)
		tv_secure_close(sec);
	sec = NULL;
	wipe_state();
	rmdir(state_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(state_dir)) {
		perror("fuzz_mm: mkdtemp");
		abort();
	}
	const char *f = getenv("TV_FUZZ_MM_FRESH");
	fresh = f && *f == '1';
	open_core();
	atexit(cleanup);
	return 0;
}

static void check_invariants(void)
{
	uint64_t max_storage = 0, remaining = 0, max_size = 0;
	efi_status_t s = tv_varsvc_query(svc, EFI_VARIABLE_NON_VOLATILE |
					      EFI_VARIABLE_BOOTSERVICE_ACCESS |
					      EFI_VARIABLE_RUNTIME_ACCESS,
					 &max_storage, &remaining, &max_size);
	if (s != EFI_SUCCESS || remaining > max_storage || max_size > max_storage) {
		fprintf(stderr, "fuzz_mm: query: status 0x%llx max %llu remaining %llu size %llu\n",
			(unsigned long long)s, (unsigned long long)max_storage,
			(unsigned long long)remaining, (unsigned long long)max_size);
		__builtin_trap();
	}
}

static const efi_guid_t var_guid = EFI_SMM_VARIABLE_PROTOCOL_GUID;

/* Sends len bytes as the whole MM buffer (a heap copy of exactly len bytes) and
 * checks what the handler promises about it. */
static void send(uint8_t *buf, size_t len, size_t limit)
{
	uint8_t *before = malloc(len ? len : 1);
	if (before)
		memcpy(before, buf, len);
	int32_t rc = tv_mm_communicate(svc, buf, len, limit);
	if (rc == TV_SPM_INVALID_PARAMETER && before && memcmp(before, buf, len) != 0)
		__builtin_trap(); /* a rejected envelope must leave the buffer untouched */
	if (rc != TV_SPM_SUCCESS && rc != TV_SPM_INVALID_PARAMETER && rc != TV_SPM_NO_MEMORY)
		__builtin_trap();
	free(before);
}

/* An MM buffer with a valid envelope around the payload; NULL if out of memory. */
static uint8_t *envelope(uint64_t fn, const uint8_t *payload, size_t size, size_t *len)
{
	*len = MM_PAYLOAD_OFF + size;
	uint8_t *buf = malloc(*len);
	if (!buf)
		return NULL;
	memcpy(buf + MM_OFF_GUID, var_guid.b, 16);
	tv_put_le64(buf + MM_OFF_MSG_LEN, *len - MM_COMM_HDR_SIZE);
	tv_put_le64(buf + MM_OFF_FUNCTION, fn);
	tv_put_le64(buf + MM_OFF_STATUS, 0);
	if (size)
		memcpy(buf + MM_PAYLOAD_OFF, payload, size);
	return buf;
}

static bool phase_fn(uint64_t fn)
{
	return fn == MM_VAR_READY_TO_BOOT || fn == MM_VAR_EXIT_BOOT_SERVICE;
}

static void sequence(uint8_t mode, const uint8_t *data, size_t size)
{
	size_t pos = 0;
	for (int i = 0; i < 8 && pos + 2 <= size; i++) {
		uint64_t fn = data[pos] % 16;
		size_t n = data[pos + 1];
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		if (!(mode & 4) && phase_fn(fn))
			fn = MM_VAR_GET_VARIABLE;
		size_t len;
		uint8_t *buf = envelope(fn, data + pos, n, &len);
		pos += n;
		if (!buf)
			return;
		send(buf, len, (mode & 2) ? len : BUF_LIMIT);
		free(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (fresh) {
		tv_secure_close(sec);
		wipe_state();
		open_core();
	} else if (tv_varsvc_phase(svc) == TV_PHASE_BOOT) {
		since_boot_end = 0;
	} else if (++since_boot_end >= 2048) {
		tv_secure_close(sec);
		open_core();
	}

	uint8_t mode = data[0];
	bool allow_phase = (mode & 0xFC) == 0x04;
	data++;
	size--;
	if ((mode & 0xF0) == 0xF0) {
		sequence(mode, data, size);
		check_invariants();
		return 0;
	}
	size_t len;
	uint8_t *buf;
	if (!(mode & 1)) {
		len = size;
		buf = malloc(len ? len : 1);
		if (!buf)
			return 0;
		memcpy(buf, data, len);
		if (!allow_phase && len >= MM_OFF_FUNCTION + 8 &&
		    phase_fn(tv_get_le64(buf + MM_OFF_FUNCTION)))
			tv_put_le64(buf + MM_OFF_FUNCTION, 0);
	} else {
		if (size < 1)
			return 0;
		uint64_t fn = data[0] % 16;
		if (!allow_phase && phase_fn(fn))
			fn = MM_VAR_GET_VARIABLE;
		buf = envelope(fn, data + 1, size - 1, &len);
		if (!buf)
			return 0;
	}
	send(buf, len, (mode & 2) ? len : BUF_LIMIT);
	free(buf);
	check_invariants();
	return 0;
}

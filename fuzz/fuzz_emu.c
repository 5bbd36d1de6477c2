/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer harness: the emulated eMMC RPMB device at the JEDEC command level
 * (rpmb_emu_cmd_write = CMD25, rpmb_emu_cmd_read = CMD18), driven by a hostile
 * host with arbitrary frames. Each input runs a fresh RAM device (128 KiB) through
 * a sequence of commands:
 *
 *   op byte: bits 0-1  0 = CMD25 write, 1 = CMD18 read,
 *                      2 = CMD25 write, MAC'ed with the harness key (gets past
 *                          the device's authentication to the address/count code),
 *                      3 = program the harness key (a valid PROGRAM_KEY + result read)
 *            bit 2     the reliable-write flag
 *            bit 3     with op 2: set every frame's write counter to the device's
 *   count byte: number of frames, 1..8 (0 is passed as is: bus misuse)
 *   then count x 512 bytes of frames for writes (zero-padded at the end of input).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpmb_emu.h"
#include "rpmb_frame.h"
#include "tv_bytes.h"
#include "tv_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 8u
#define MAX_OPS 32u

static const uint8_t key[RPMB_KEY_SIZE] = {
	0x52, 0x50, 0x4d, 0x42, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x20, 0x6b, 0x65, 0x79, 0x2e, 0x2e, 0x2e,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

static void program_key(struct rpmb_emu *emu)
{
	uint8_t f[RPMB_FRAME_SIZE] = {0};
	memcpy(f + RPMB_OFF_KEY_MAC, key, sizeof(key));
	tv_put_be16(f + RPMB_OFF_TYPE, RPMB_REQ_PROGRAM_KEY);
	if (rpmb_emu_cmd_write(emu, f, 1, true) != TV_OK)
		return;
	memset(f, 0, sizeof(f));
	tv_put_be16(f + RPMB_OFF_TYPE, RPMB_REQ_RESULT_READ);
	if (rpmb_emu_cmd_write(emu, f, 1, false) == TV_OK)
		(void)rpmb_emu_cmd_read(emu, f, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpmb_emu_config cfg;
	rpmb_emu_config_default(&cfg);
	cfg.size_mult = 1;
	struct rpmb_emu *emu = NULL;
	if (rpmb_emu_new_mem(&cfg, &emu) != TV_OK)
		return 0;

	size_t pos = 0;
	for (unsigned op = 0; op < MAX_OPS && pos + 2 <= size; op++) {
		uint8_t kind = data[pos];
		size_t n = data[pos + 1] % (MAX_FRAMES + 1);
		bool reliable = (kind & 4) != 0;
		pos += 2;
		/* Exactly n frames on the heap so ASan sees any access past them. */
		uint8_t *frames = malloc(n ? n * RPMB_FRAME_SIZE : 1);
		if (!frames)
			break;
		memset(frames, 0, n ? n * RPMB_FRAME_SIZE : 1);
		uint32_t before = rpmb_emu_counter(emu);
		switch (kind & 3) {
		case 0:
		case 2: {
			size_t want = n * RPMB_FRAME_SIZE;
			size_t got = size - pos < want ? size - pos : want;
			memcpy(frames, data + pos, got);
			pos += got;
			if ((kind & 3) == 2 && n) {
				if (kind & 8) /* the current counter, as the secure side would */
					for (size_t i = 0; i < n; i++)
						tv_put_be32(frames + i * RPMB_FRAME_SIZE + RPMB_OFF_COUNTER,
							    rpmb_emu_counter(emu));
				(void)rpmb_mac_sign(key, frames, n);
			}
			int rc = rpmb_emu_cmd_write(emu, n ? frames : NULL, n, reliable);
			if (rc != TV_OK && rc != TV_EINVAL && rc != TV_EIO)
				__builtin_trap();
			break;
		}
		case 1: {
			int rc = rpmb_emu_cmd_read(emu, n ? frames : NULL, n);
			if (rc != TV_OK && rc != TV_EINVAL && rc != TV_EIO)
				__builtin_trap();
			break;
		}
		case 3:
			program_key(emu);
			break;
		}
		/* The write counter only ever moves forward. */
		if (rpmb_emu_counter(emu) < before)
			__builtin_trap();
		free(frames);
	}
	rpmb_emu_free(emu);
	return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * optee_check: libteevar's optee: transport against a real Linux TEE
 * subsystem, in the QEMU guest: /dev/tee0 is teevar-vtee (so TEE_IOC_VERSION,
 * TEE_IOC_SHM_ALLOC and its mmap, sessions and invokes go through the
 * kernel's TEE core and the module's shared-memory pool), beside the session
 * tee_stmm_efi holds. Unlike OP-TEE's StMM, teevard allows that second session.
 *   optee_check GUID
 * Reads TvSeed-GUID, writes TvOptee-GUID and reads it back, asks
 * QueryVariableInfo; prints TAP lines ("TV: ") and a TV-VAR line for the host
 * to compare. Cross-built static for the guest, with the client library's
 * sources (no secure core, no OpenSSL).
 */
#include <stdio.h>
#include <string.h>

#include <teevar/client.h>
#include <teevar/transport.h>
#include <teevar/util.h>

static int fails;

static void result(int good, const char *what, efi_status_t st)
{
	if (!good)
		fails++;
	printf("TV: %sok 0 - optee: %s (%s)\n", good ? "" : "not ", what, tv_status_name(st));
}

int main(int argc, char **argv)
{
	static const char value[] = "written through /dev/tee0";
	efi_char16_t seed[16], name[16];
	unsigned char buf[64];
	struct tv_transport t;
	struct tv_client *c = NULL;
	efi_guid_t guid;
	uint64_t max, remaining, max_size;
	uint32_t attrs = 0;
	size_t size = sizeof(buf);
	efi_status_t st;
	int rc;

	if (argc != 2 || tv_guid_parse(argv[1], &guid) != 0) {
		fprintf(stderr, "usage: optee_check GUID\n");
		return 2;
	}
	tv_utf8_to_ucs2("TvSeed", seed, 16);
	tv_utf8_to_ucs2("TvOptee", name, 16);

	rc = tv_transport_optee_open("/dev/tee0", &t);
	result(rc == 0, "the transport opens /dev/tee0 (an OP-TEE by its version)", 0);
	if (rc != 0) {
		fprintf(stderr, "optee_check: %s\n", tv_transport_optee_strerror(rc));
		return 1;
	}
	st = tv_client_open(t, &c);
	result(st == EFI_SUCCESS, "a session to StMM, and its payload size", st);
	if (st != EFI_SUCCESS)
		return 1;

	st = tv_get_variable(c, seed, &guid, &attrs, &size, buf);
	result(st == EFI_SUCCESS && attrs == 7 && size == 13 && !memcmp(buf, "from-firmware", 13),
	       "GetVariable reads the firmware's TvSeed", st);
	st = tv_set_variable(c, name, &guid, 7, sizeof(value) - 1, value);
	result(st == EFI_SUCCESS, "SetVariable writes TvOptee", st);
	size = sizeof(buf);
	st = tv_get_variable(c, name, &guid, &attrs, &size, buf);
	result(st == EFI_SUCCESS && size == sizeof(value) - 1 && !memcmp(buf, value, size),
	       "GetVariable reads it back", st);
	st = tv_query_variable_info(c, 7, &max, &remaining, &max_size);
	result(st == EFI_SUCCESS && max > 0 && remaining <= max, "QueryVariableInfo", st);

	printf("TV-VAR TvOptee-%s 07000000", argv[1]);
	for (size_t i = 0; i + 1 < sizeof(value); i++)
		printf("%02x", (unsigned char)value[i]);
	printf("\n");
	tv_client_close(c);
	return fails ? 1 : 0;
}

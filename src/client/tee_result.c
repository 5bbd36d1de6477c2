/* SPDX-License-Identifier: BSD-2-Clause */
/* Names and user hints for TEE results (util.h). */
#include <teevar/tee.h>
#include <teevar/util.h>

#include <stdio.h>
#include <string.h>

/* GlobalPlatform's storage code: teevard's store is not there (tvd_wire.h). */
#define TEE_ERROR_STORAGE_NOT_AVAILABLE 0xF0100003u

#define TEE_NAME(c) {c, #c}
static const struct {
	uint32_t code;
	const char *name;
} tee_names[] = {
	TEE_NAME(TEE_SUCCESS),
	TEE_NAME(TEE_ERROR_GENERIC),
	TEE_NAME(TEE_ERROR_ACCESS_DENIED),
	TEE_NAME(TEE_ERROR_BAD_PARAMETERS),
	TEE_NAME(TEE_ERROR_ITEM_NOT_FOUND),
	TEE_NAME(TEE_ERROR_NOT_SUPPORTED),
	TEE_NAME(TEE_ERROR_OUT_OF_MEMORY),
	TEE_NAME(TEE_ERROR_BUSY),
	TEE_NAME(TEE_ERROR_COMMUNICATION),
	TEE_NAME(TEE_ERROR_EXCESS_DATA),
	TEE_NAME(TEE_ERROR_STORAGE_NOT_AVAILABLE),
};

const char *tv_tee_result_name(uint32_t res)
{
	static _Thread_local char unknown[sizeof("TEE_RESULT(0x01234567)")];

	for (size_t i = 0; i < sizeof(tee_names) / sizeof(tee_names[0]); i++) {
		if (tee_names[i].code == res)
			return tee_names[i].name;
	}
	snprintf(unknown, sizeof(unknown), "TEE_RESULT(0x%08x)", (unsigned)res);
	return unknown;
}

static const char *busy_hint(const char *transport)
{
	if (transport && strcmp(transport, "optee") == 0)
		return "StMM is in use by the kernel's tee_stmm_efi driver: use efivarfs "
		       "(/sys/firmware/efi/efivars)";
	return "the StMM service serves one session at a time and another client holds it";
}

const char *tv_tee_result_hint(const char *transport, uint32_t res)
{
	switch (res) {
	case TEE_ERROR_BUSY: return busy_hint(transport);
	case TEE_ERROR_EXCESS_DATA:
		return "the TEE refused a buffer this large (its StMM buffer is smaller than the "
		       "payload size the service announced)";
	case TEE_ERROR_ITEM_NOT_FOUND: return "the TEE has no StMM service (built without StMM?)";
	case TEE_ERROR_COMMUNICATION: return "the connection to the TEE failed";
	case TEE_ERROR_OUT_OF_MEMORY: return "the TEE or its driver ran out of memory";
	case TEE_ERROR_ACCESS_DENIED: return "the TEE refused access";
	case TEE_ERROR_STORAGE_NOT_AVAILABLE:
		if (transport && strcmp(transport, "unix") == 0)
			return "teevard's variable store is not mounted: with --rpmb rpc its "
			       "device is reached through a client that carries RPCs (a QEMU "
			       "guest's teevar-vtee-bridge), whose first session mounts it";
		return "the TEE's secure storage is not available";
	default: return NULL;
	}
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* What the conformance suite's files share: the implementation under test and
 * a fixture with a fresh state directory per test. */
#ifndef CONFORMANCE_PRIV_H
#define CONFORMANCE_PRIV_H

#include <stddef.h>

#include "conformance.h"

extern const struct conf_ops *ops;

struct fixture {
	char *dir;
	void *ctx;
};

/* "text" as UCS-2 in a static ring of 8 buffers. */
efi_char16_t *u(const char *text);
int setup(void **state);
int teardown(void **state);
void *ctx_of(void **state);
/* Close and open the implementation on the same state directory (a reset). */
void restart(void **state);
void to_runtime(void *c);

/* The authenticated variables and Secure Boot (conformance_auth.c): its tests,
 * and the group set-up that makes their keys. */
struct CMUnitTest;
const struct CMUnitTest *conformance_auth_tests(size_t *n);
int conformance_auth_keys_up(void **state);
int conformance_auth_keys_down(void **state);

#endif

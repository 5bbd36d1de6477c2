/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fixture for the supplicant tests: a temporary directory with an RPMB image, a
 * socket path and a state directory; child processes (teevar-supplicant, the
 * hostile supplicant) that teardown kills, also after a failed assertion, and
 * that die with the test process; a secure core in this process that reaches
 * the device through the route client; variables set through the variable
 * service; a model of what they must hold.
 */
#ifndef SUPP_FIXTURE_H
#define SUPP_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <teevar/efi.h>

#include "secure_core.h"

#define FX_MAX_PROCS 8
#define FX_PATH 512

struct fx {
	char *dir;
	char image[FX_PATH], sock[FX_PATH], state[FX_PATH], log[FX_PATH];
	pid_t procs[FX_MAX_PROCS];
	struct tv_secure *sec;
	uint64_t rng;
};

/* cmocka setup / teardown: *state is a struct fx. */
int fx_setup(void **state);
int fx_teardown(void **state);

/* Starts argv (NULL-terminated; argv[0] a path) with its output appended to fx->log
 * or to `log` when given; waits until it accepts on fx->sock if wait is set.
 * Returns the pid, or -1 when the process died before it got ready. */
pid_t fx_spawn(struct fx *fx, const char *const *argv, const char *log, bool wait);
/* fork(), with the child tracked for teardown and killed if the test dies. */
pid_t fx_fork(struct fx *fx);
/* Waits until something accepts on fx->sock; false if pid exited first. */
bool fx_wait_ready(struct fx *fx, pid_t pid);
/* teevar-supplicant --image fx->image --socket fx->sock --no-sync --size-mult 4
 * plus `extra` (NULL-terminated, may be NULL); ready when it returns. */
pid_t fx_supp_start(struct fx *fx, const char *const *extra);
/* The hostile supplicant of the tests on the same image and socket. */
pid_t fx_hostile_start(struct fx *fx, const char *const *extra);
/* Sends sig (SIGKILL after 10 s if still alive), reaps; returns the wait status. */
int fx_stop(struct fx *fx, pid_t pid, int sig);
/* Kills (SIGKILL) and reaps every child still running. */
void fx_stop_all(struct fx *fx);
/* Waits up to timeout_ms for the process to exit; the wait status, or -1. */
int fx_wait_exit(struct fx *fx, pid_t pid, int timeout_ms);
const char *fx_tool(void);    /* $TEEVAR_SUPPLICANT */
const char *fx_hostile(void); /* $TEEVAR_HOSTILE_SUPPLICANT */

/* The secure core on fx->state, through the route client to fx->sock. */
int fx_core_open(struct fx *fx, int timeout_ms);
void fx_core_close(struct fx *fx);

/* Variable "V<n>", non-volatile + BS + RT, through the variable service. */
efi_status_t fx_set(struct fx *fx, uint32_t n, const uint8_t *data, size_t size);
efi_status_t fx_get(struct fx *fx, uint32_t n, uint8_t *data, size_t *size);

#define FX_VARS 16
#define FX_VMAX 1200
struct fx_model {
	bool present[FX_VARS];
	size_t size[FX_VARS];
	uint8_t data[FX_VARS][FX_VMAX];
};

/* A new random value for variable n (1..FX_VMAX bytes); sets it; on success the
 * model follows. Returns the status. */
efi_status_t fx_set_random(struct fx *fx, struct fx_model *m, uint32_t n, uint8_t *val,
			   size_t *size);
/* True when the store (RAM) holds exactly what the model says for variable n. */
bool fx_var_is(struct fx *fx, const struct fx_model *m, uint32_t n);
/* True when variable n holds (size, data) in the store. */
bool fx_var_equals(struct fx *fx, uint32_t n, const uint8_t *data, size_t size);
/* Asserts the store holds exactly the model: every variable, and nothing else. */
void fx_assert_model(struct fx *fx, const struct fx_model *m);
/* Closes and reopens the secure core (a fresh mount of the media) and asserts
 * the model again. */
void fx_assert_remount(struct fx *fx, const struct fx_model *m);

#endif

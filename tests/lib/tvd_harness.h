/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Tests with a real teevard process: start it on a directory (state in
 * DIR/state, socket DIR/teevard.sock, log DIR/teevard.log), wait until it
 * answers, connect clients or raw sockets, stop it with a signal. The daemon
 * gets PR_SET_PDEATHSIG, so it dies with a test that crashes.
 */
#ifndef TVD_HARNESS_H
#define TVD_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <teevar/client.h>
#include <teevar/efi.h>

struct tvd_proc {
	pid_t pid;
	bool exited;       /* reaped by tvd_alive */
	int status;
	char dir[256];
	char sock[300];
	char log[300];
};

/* The teevard binary: the path given, else $TEEVARD. */
void tvd_harness_init(const char *teevard_path);
const char *tvd_harness_binary(void);

/* Starts teevard (--no-sync and the extra arguments, NULL-terminated) and
 * waits until its socket answers; 0, or -1 with the daemon stopped. */
int tvd_start(struct tvd_proc *p, const char *dir, const char *const *extra);
/* Sends sig, waits (up to 30 s, then SIGKILL): the exit code, 128 + the signal
 * that killed it, or -1. */
int tvd_stop(struct tvd_proc *p, int sig);
bool tvd_alive(struct tvd_proc *p);

/* A client on a unix: transport, or NULL. */
struct tv_client *tvd_client(const struct tvd_proc *p);
/* A raw blocking socket connected to teevard (with a 10 s receive timeout), or -1. */
int tvd_connect_raw(const struct tvd_proc *p);
/* 1 if the log contains text, else 0. */
int tvd_log_contains(const struct tvd_proc *p, const char *text);
/* 1 if the log has no ASan or UBSan report. */
int tvd_log_clean(const struct tvd_proc *p);

/* "Name" as UCS-2 in a caller's buffer (at most 63 characters). */
void tvd_ucs2(efi_char16_t out[64], const char *ascii);

/* An MM communicate buffer for GET_VARIABLE / SET_VARIABLE of name (ASCII),
 * what the client library would send; *len gets its size. malloc'ed. */
uint8_t *tvd_mm_access(uint64_t function, const char *name, const efi_guid_t *guid,
		       uint32_t attrs, const void *data, size_t data_size, size_t *len);

#endif

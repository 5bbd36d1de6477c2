/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The split topology, every part its own process: client library -> unix socket
 * -> teevard -> secure core -> route client -> teevar-supplicant -> emulated
 * RPMB image (no latency model, no fdatasync).
 *   BENCH set_variable_split_median_us: a 100-byte variable
 * The daemons: $TEEVARD and $TEEVAR_SUPPLICANT, else the ones built with this.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <teevar/client.h>
#include <teevar/transport.h>

#include "bench_util.h"
#include "sock_io.h"
#include "tv_test_util.h"

#define ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
	       EFI_VARIABLE_RUNTIME_ACCESS)

static void die(const char *what)
{
	fprintf(stderr, "bench_split: %s failed\n", what);
	exit(1);
}

static const char *binary(const char *env, const char *built)
{
	const char *p = getenv(env);
	return p && *p ? p : built;
}

/* Starts argv with its output discarded; returns once sock accepts. */
static pid_t spawn(const char *const *argv, const char *sock)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 3000; i++) {
		int fd = sock_connect_unix(sock);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
	}
	die(argv[0]);
	return -1;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static void name_of(efi_char16_t *out, unsigned n)
{
	char s[32];
	int len = snprintf(s, sizeof(s), "Split%u", n);
	for (int i = 0; i <= len; i++)
		out[i] = (efi_char16_t)(unsigned char)s[i];
}

static double median_set_us(struct tv_client *c)
{
	enum { N = 2000 };
	static double t[N];
	static const efi_guid_t guid = {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}};
	efi_char16_t name[32];
	uint8_t data[100];
	for (unsigned i = 0; i < N; i++) {
		name_of(name, i % 50);
		memset(data, (int)(i / 50 + 1), sizeof(data)); /* a new value every time */
		double t0 = bench_now_us();
		if (tv_set_variable(c, name, &guid, ATTRS, sizeof(data), data) != EFI_SUCCESS)
			die("set");
		t[i] = bench_now_us() - t0;
	}
	return bench_median(t, N);
}

int main(void)
{
	char *dir = tv_test_tmpdir();
	if (!dir)
		die("tmpdir");
	char img[512], ssock[512], state[512], tsock[512];
	snprintf(img, sizeof(img), "%s/rpmb.img", dir);
	snprintf(ssock, sizeof(ssock), "%s/supplicant.sock", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(tsock, sizeof(tsock), "%s/teevard.sock", dir);
	const char *const sargv[] = {binary("TEEVAR_SUPPLICANT", SUPPLICANT_PATH), "--image", img,
				     "--socket", ssock, "--no-sync", "--quiet", NULL};
	pid_t supp = spawn(sargv, ssock);
	const char *const dargv[] = {binary("TEEVARD", TEEVARD_PATH), "--state", state,
				     "--socket", tsock, "--no-sync", "--rpmb", "supplicant",
				     "--supplicant", ssock, "--provision-rpmb-key", NULL};
	pid_t tvd = spawn(dargv, tsock);
	struct tv_transport t;
	struct tv_client *c = NULL;
	if (tv_transport_unix_open(tsock, &t) != 0 || tv_client_open(t, &c) != EFI_SUCCESS)
		die("client");
	printf("BENCH set_variable_split_median_us %.1f us\n", median_set_us(c));
	tv_client_close(c);
	stop(tvd);
	stop(supp);
	tv_test_rmtree(dir);
	free(dir);
	return 0;
}

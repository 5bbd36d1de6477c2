/* SPDX-License-Identifier: BSD-2-Clause */
/* The conformance suite in the split topology, every part its own process:
 * client library -> unix socket -> teevard -> secure core -> route client ->
 * teevar-supplicant -> emulated RPMB image. A restart stops both daemons (teevard
 * first, as at shutdown) and starts them again on the same files.
 * argv[1]: the teevard binary, argv[2]: teevar-supplicant. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <teevar/client.h>

#include "conformance_client.h"
#include "sock_io.h"
#include "tvd_harness.h"

static const char *supplicant;

struct cctx {
	pid_t supp;
	char sock[300];
	struct tvd_proc d;
	struct tv_client *c;
};

static void exec_supplicant(const char *dir, const char *sock)
{
	char img[300], log[300];
	snprintf(img, sizeof(img), "%s/rpmb.img", dir);
	snprintf(log, sizeof(log), "%s/supplicant.log", dir);
	const char *argv[] = {supplicant, "--image", img, "--socket", sock, "--no-sync",
			      "--size-mult", "8", "--quiet", NULL};
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 2) < 0)
		_exit(126);
	execv(supplicant, (char *const *)(uintptr_t)argv);
	_exit(127);
}

static int stop(pid_t pid, int sig)
{
	int status;
	kill(pid, sig);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static pid_t start_supplicant(const char *dir, char *sock, size_t size)
{
	snprintf(sock, size, "%s/supplicant.sock", dir);
	pid_t pid = fork();
	if (pid == 0)
		exec_supplicant(dir, sock);
	for (int i = 0; pid > 0 && i < 3000; i++) {
		int fd = sock_connect_unix(sock);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
	}
	if (pid > 0)
		stop(pid, SIGKILL);
	return -1;
}

static void *c_open(const char *dir)
{
	struct cctx *x = calloc(1, sizeof(*x));
	if (!x || (x->supp = start_supplicant(dir, x->sock, sizeof(x->sock))) < 0) {
		free(x);
		return NULL;
	}
	const char *const extra[] = {"--rpmb", "supplicant", "--supplicant", x->sock,
				     "--provision-rpmb-key", NULL};
	if (tvd_start(&x->d, dir, extra) != 0 || !(x->c = tvd_client(&x->d))) {
		if (x->d.pid > 0)
			tvd_stop(&x->d, SIGKILL);
		stop(x->supp, SIGKILL);
		free(x);
		return NULL;
	}
	return x;
}

static void c_close(void *ctx)
{
	struct cctx *x = ctx;
	tv_client_close(x->c);
	int rc = tvd_stop(&x->d, SIGTERM);
	int rs = stop(x->supp, SIGTERM);
	if (rc != 0 || rs != 0) {
		fprintf(stderr, "# teevard exited with %d (log %s), the supplicant with %d\n", rc,
			x->d.log, rs);
		abort();
	}
	free(x);
}

static struct tv_client *cl(void *ctx)
{
	return ((struct cctx *)ctx)->c;
}

int main(int argc, char **argv)
{
	struct conf_ops ops = {.name = "conformance (client -> teevard -> teevar-supplicant)",
				.open = c_open, .close = c_close};
	conformance_client_ops(&ops, cl);
	tvd_harness_init(argc > 1 ? argv[1] : NULL);
	supplicant = argc > 2 ? argv[2] : getenv("TEEVAR_SUPPLICANT");
	if (!tvd_harness_binary() || !supplicant) {
		fprintf(stderr, "usage: test_conformance_split TEEVARD TEEVAR-SUPPLICANT\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	return conformance_run(&ops);
}

// SPDX-License-Identifier: BSD-2-Clause
/*
 * teevarfs: the kernel's efivarfs from user space over FUSE, served by any
 * teevar transport, so that efibootmgr, efivar, mokutil and efitools work on
 * machines without tee_stmm_efi (docs/teevarfs.md). This file: the command
 * line, the backend, the read-only probe, and the mount.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "teevarfs.h"

#ifndef TEEVAR_VERSION
#define TEEVAR_VERSION "unknown"
#endif

#define DEFAULT_STATE "teevar-state"

static const char help_text[] =
	"Usage: teevarfs [--tee SPEC | --state DIR] [-o OPT[,OPT...]] [-f] [-d] [-s] MOUNTPOINT\n"
	"       teevarfs --help | --version\n"
	"\n"
	"Mounts the UEFI variables of a teevar variable service at MOUNTPOINT as Linux's\n"
	"efivarfs shows them (one file Name-GUID per variable: 4 bytes of attributes,\n"
	"little-endian, then the data), so that efibootmgr, efivar, mokutil and efitools\n"
	"work unchanged, e.g. on a board whose kernel has no tee_stmm_efi driver.\n"
	"\n"
	"Transport (as the teevar CLI: --tee, else --state, else $TEEVAR_TEE, else\n"
	"$TEEVAR_STATE, else ./teevar-state):\n"
	"  --tee unix:SOCKET     teevard's socket, e.g. unix:/run/teevar/teevard.sock\n"
	"  --tee optee:DEVICE    the board's OP-TEE StMM, e.g. optee:/dev/tee0 (only\n"
	"                        when no tee_stmm_efi driver holds StMM)\n"
	"  --tee inproc:DIR      the secure core in this process on state directory DIR\n"
	"                        (an existing one: teevarfs never makes a store)\n"
	"  --state DIR           the same as --tee inproc:DIR\n"
	"\n"
	"Options:\n"
	"  -o ro                 read-only. Without it the mount is read-only by itself\n"
	"                        when the service refuses SetVariable (teevard denying\n"
	"                        this uid writes)\n"
	"  -o uid=N,gid=N        owner of every file (default: the mounting user, root\n"
	"                        when run as root, as efivarfs)\n"
	"  -o OPT                any other libfuse mount option, passed on\n"
	"  -f                    stay in the foreground (SIGINT/SIGTERM unmount)\n"
	"  -d                    FUSE debug output (implies -f)\n"
	"  -s                    one thread\n"
	"  -h, --help            this text\n"
	"  -V, --version         the version\n"
	"\n"
	"Always on: fsname and subtype teevarfs (\"fuse.teevarfs\" in /proc/mounts),\n"
	"default_permissions, allow_other when run as root, entry timeouts 0 (changes\n"
	"by other clients show at once), attribute timeouts 1 ms (fstat() of an open\n"
	"file may be that late), direct_io, max_write 1 MiB.\n"
	"Without -f teevarfs returns once the mount is live. Unmount with\n"
	"`fusermount3 -u MOUNTPOINT` or `umount MOUNTPOINT`.\n"
	"\n"
	"libefivar (efivar, efibootmgr, mokutil) accepts a FUSE mount when\n"
	"EFIVARFS_PATH names it, WITH a trailing slash (it is prepended to file names):\n"
	"  teevarfs --tee unix:/run/teevar/teevard.sock /run/efivars\n"
	"  EFIVARFS_PATH=/run/efivars/ efibootmgr\n"
	"  EFIVARFS_PATH=/run/efivars/ efivar -l\n"
	"  EFIVARFS_PATH=/run/efivars/ mokutil --sb-state\n"
	"  fusermount3 -u /run/efivars\n"
	"On a board without efivarfs, mount it where the tools look by default:\n"
	"  teevarfs --tee optee:/dev/tee0 /sys/firmware/efi/efivars\n"
	"\n"
	"Exit status: 0 mounted (or ran in the foreground and unmounted), 1 usage,\n"
	"4 cannot reach the variable service, 5 the mount failed.\n"
	"See teevarfs(8) and docs/teevarfs.md.\n";

struct cmdline {
	const char *tee;
	const char *state;
	const char *mountpoint;
	bool foreground, debug, single;
	bool ro;
	uid_t uid;
	gid_t gid;
	char *fuse_opts; /* the -o options that go to libfuse */
};

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "teevarfs: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'teevarfs --help'.\n");
	return TEEVARFS_EXIT_USAGE;
}

static int append_opt(char **list, const char *opt)
{
	size_t old = *list ? strlen(*list) : 0;
	char *n = realloc(*list, old + strlen(opt) + 2);
	if (!n)
		return -1;
	if (old)
		n[old++] = ',';
	strcpy(n + old, opt);
	*list = n;
	return 0;
}

static int parse_id(const char *s, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-' || v >= 0xffffffffUL)
		return -1;
	*out = v;
	return 0;
}

/* One -o argument: uid=, gid= and ro are teevarfs's, the rest libfuse's. */
static int parse_o(struct cmdline *c, const char *arg)
{
	char *copy = strdup(arg);
	if (!copy)
		return usage_error("%s", "out of memory");
	int rc = 0;
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o && rc == 0; o = strtok_r(NULL, ",", &save)) {
		unsigned long v = 0;
		if (strncmp(o, "uid=", 4) == 0) {
			if (parse_id(o + 4, &v) != 0)
				rc = usage_error("bad uid in '-o %s'", o);
			c->uid = (uid_t)v;
		} else if (strncmp(o, "gid=", 4) == 0) {
			if (parse_id(o + 4, &v) != 0)
				rc = usage_error("bad gid in '-o %s'", o);
			c->gid = (gid_t)v;
		} else if (strcmp(o, "ro") == 0) {
			c->ro = true;
		} else if (strcmp(o, "rw") == 0) {
			c->ro = false;
		} else if (append_opt(&c->fuse_opts, o) != 0) {
			rc = usage_error("%s", "out of memory");
		}
	}
	free(copy);
	return rc;
}

/* Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, struct cmdline *c)
{
	static const struct option longopts[] = {
		{"tee", required_argument, NULL, 't'},
		{"state", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	c->uid = getuid();
	c->gid = getgid();
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, ":o:fdshV", longopts, NULL)) != -1) {
		int rc;
		switch (ch) {
		case 't': c->tee = optarg; break;
		case 'S': c->state = optarg; break;
		case 'o':
			if ((rc = parse_o(c, optarg)) != 0)
				return rc;
			break;
		case 'f': c->foreground = true; break;
		case 'd': c->debug = c->foreground = true; break;
		case 's': c->single = true; break;
		case 'h': fputs(help_text, stdout); return TEEVARFS_EXIT_OK;
		case 'V': printf("teevarfs %s\n", TEEVAR_VERSION); return TEEVARFS_EXIT_OK;
		case ':': return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no MOUNTPOINT given");
	if (optind + 1 < argc)
		return usage_error("unexpected argument '%s'", argv[optind + 1]);
	c->mountpoint = argv[optind];
	if (c->tee && c->state)
		return usage_error("%s", "--tee and --state exclude each other");
	return -1;
}

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && v[0] ? v : NULL;
}

/* --tee, else --state, else TEEVAR_TEE, else TEEVAR_STATE, else ./teevar-state. */
static char *make_spec(const struct cmdline *c)
{
	const char *tee = c->tee;
	if (!tee && !c->state)
		tee = env_nonempty("TEEVAR_TEE");
	if (tee) {
		if (!strchr(tee, ':')) {
			usage_error("bad transport '%s' (expected unix:SOCKET, optee:DEVICE or "
				    "inproc:DIR)", tee);
			return NULL;
		}
		return strdup(tee);
	}
	const char *dir = c->state ? c->state : env_nonempty("TEEVAR_STATE");
	if (!dir)
		dir = DEFAULT_STATE;
	if (!dir[0]) {
		usage_error("%s", "--state: empty directory name");
		return NULL;
	}
	char *spec = NULL;
	if (asprintf(&spec, "inproc:%s", dir) < 0)
		return NULL;
	return spec;
}

/* The spec with an absolute path: without -f teevarfs runs on in "/", and a
 * unix: socket is opened again after teevard restarts. NULL: out of memory. */
static char *absolute_spec(char *spec)
{
	char *colon = strchr(spec, ':');
	if (!colon || colon[1] == '/' || colon[1] == '\0')
		return spec;
	char *cwd = getcwd(NULL, 0);
	char *abs = NULL;
	if (cwd && asprintf(&abs, "%.*s%s/%s", (int)(colon - spec + 1), spec, cwd, colon + 1) < 0)
		abs = NULL;
	free(cwd);
	free(spec);
	return abs;
}

/* The libfuse arguments: argv[0], -o with ours and the user's. */
static int fuse_argv(const struct cmdline *c, bool ro, struct fuse_args *args)
{
	char *opts = NULL;
	int rc = append_opt(&opts, "fsname=teevarfs");
	rc |= append_opt(&opts, "subtype=teevarfs");
	rc |= append_opt(&opts, "default_permissions");
	if (geteuid() == 0)
		rc |= append_opt(&opts, "allow_other");
	if (ro)
		rc |= append_opt(&opts, "ro");
	if (c->fuse_opts)
		rc |= append_opt(&opts, c->fuse_opts);
	rc |= fuse_opt_add_arg(args, "teevarfs");
	rc |= fuse_opt_add_arg(args, "-o");
	rc |= opts ? fuse_opt_add_arg(args, opts) : -1;
	if (c->debug)
		rc |= fuse_opt_add_arg(args, "-d");
	free(opts);
	return rc ? -1 : 0;
}

static int serve(const struct cmdline *c, struct tv_efivarfs *fs, bool ro)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	if (fuse_argv(c, ro, &args) != 0) {
		fuse_opt_free_args(&args);
		fprintf(stderr, "teevarfs: out of memory\n");
		return TEEVARFS_EXIT_MOUNT;
	}
	struct fuse *fuse = fuse_new(&args, &teevarfs_ops, sizeof(teevarfs_ops), fs);
	fuse_opt_free_args(&args);
	if (!fuse) {
		fprintf(stderr, "teevarfs: bad mount options\n");
		return TEEVARFS_EXIT_USAGE;
	}
	if (fuse_mount(fuse, c->mountpoint) != 0) {
		fprintf(stderr, "teevarfs: cannot mount on '%s'\n", c->mountpoint);
		fuse_destroy(fuse);
		return TEEVARFS_EXIT_MOUNT;
	}
	struct fuse_session *se = fuse_get_session(fuse);
	int rc = TEEVARFS_EXIT_OK;
	/* Without -f: fork, and the parent exits 0 now that the mount is live. */
	if (fuse_daemonize(c->foreground) != 0 || fuse_set_signal_handlers(se) != 0) {
		rc = TEEVARFS_EXIT_MOUNT;
	} else {
		struct fuse_loop_config lc = {.clone_fd = 0, .max_idle_threads = 10};
		int lr = c->single ? fuse_loop(fuse) : fuse_loop_mt(fuse, &lc);
		if (lr < 0)
			fprintf(stderr, "teevarfs: the FUSE loop ended with %s\n", strerror(-lr));
		fuse_remove_signal_handlers(se);
	}
	fuse_unmount(fuse);
	fuse_destroy(fuse);
	return rc;
}

int main(int argc, char **argv)
{
	struct cmdline c;
	memset(&c, 0, sizeof(c));
	int rc = parse_args(argc, argv, &c);
	if (rc >= 0) {
		free(c.fuse_opts);
		return rc;
	}
	char *spec = make_spec(&c);
	if (spec)
		spec = absolute_spec(spec);
	if (!spec) {
		free(c.fuse_opts);
		return TEEVARFS_EXIT_USAGE;
	}
	/* A mount never makes a store: a mistyped --state would otherwise
	 * show an empty new one. */
	struct stat sd;
	if (strncmp(spec, "inproc:", 7) == 0 && stat(spec + 7, &sd) != 0) {
		fprintf(stderr, "teevarfs: cannot open the transport '%s': no such state directory "
			"(teevarfs does not create one)\n", spec);
		free(spec);
		free(c.fuse_opts);
		return TEEVARFS_EXIT_BACKEND;
	}
	struct tv_efivarfs_config cfg = {.spec = spec, .uid = c.uid, .gid = c.gid,
					 .read_only = c.ro};
	struct tv_efivarfs *fs = NULL;
	char msg[512];
	rc = tv_efivarfs_new(&cfg, &fs, msg, sizeof(msg));
	if (rc != 0) {
		fprintf(stderr, "teevarfs: %s\n", msg[0] ? msg : strerror(-rc));
		free(spec);
		free(c.fuse_opts);
		return TEEVARFS_EXIT_BACKEND;
	}
	bool ro = c.ro;
	if (!ro) {
		int w = tv_efivarfs_probe_writable(fs);
		if (w < 0) {
			fprintf(stderr, "teevarfs: the variable service at '%s' failed: %s\n", spec,
				strerror(-w));
			tv_efivarfs_free(fs);
			free(spec);
			free(c.fuse_opts);
			return TEEVARFS_EXIT_BACKEND;
		}
		if (w == 0) {
			fprintf(stderr, "teevarfs: '%s' refuses SetVariable for uid %u: mounting "
				"read-only\n", spec, (unsigned)geteuid());
			ro = true;
			tv_efivarfs_set_read_only(fs, true);
		}
	}
	rc = serve(&c, fs, ro);
	tv_efivarfs_free(fs);
	free(spec);
	free(c.fuse_opts);
	return rc;
}

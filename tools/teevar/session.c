/* SPDX-License-Identifier: BSD-2-Clause */
/* Reaching the secure core, and turning failures into messages and exit codes. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <teevar/store_info.h>
#include <teevar/transport.h>
#include <teevar/util.h>

#include "cli.h"

#define DEFAULT_STATE "teevar-state"
#define SOCKET_NAME "teevard.sock"
#define SPEC_EXPECTED "expected inproc:DIR, unix:SOCKET or optee:DEVICE"

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);
	return v && v[0] ? v : NULL;
}

static const char *const schemes[] = {"inproc:", "unix:", "optee:"};

/* NULL when spec names a transport, else why not (in buf or static). */
static const char *spec_problem(const char *spec, char *buf, size_t size)
{
	if (spec[0] == '\0')
		return "empty";
	const char *colon = strchr(spec, ':');
	if (!colon)
		return "no transport scheme";
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(spec, schemes[i], n) != 0)
			continue;
		if (spec[n] != '\0')
			return NULL;
		snprintf(buf, size, "nothing after '%s'", schemes[i]);
		return buf;
	}
	snprintf(buf, size, "unknown scheme '%.*s:'", (int)(colon - spec), spec);
	return buf;
}

/* --tee, else --state, else TEEVAR_TEE, else TEEVAR_STATE, else ./teevar-state.
 * *from_state: the spec comes from a state directory (--state, $TEEVAR_STATE
 * or the default), not from a transport named on purpose. */
static int make_spec(const struct opts *o, char **spec, bool *from_state)
{
	*from_state = false;
	if (opt_has(o, OPT_TEE) && opt_has(o, OPT_STATE))
		return usage_error("--tee and --state exclude each other");
	const char *tee = opt_has(o, OPT_TEE) ? o->value[OPT_TEE] : NULL;
	const char *origin = "";
	if (!tee && !opt_has(o, OPT_STATE)) {
		tee = env_nonempty("TEEVAR_TEE");
		origin = " (from $TEEVAR_TEE)";
	}
	if (tee) {
		char why[64];
		const char *bad = spec_problem(tee, why, sizeof(why));
		if (bad)
			return usage_error("bad transport '%s'%s: %s (%s)", tee, origin, bad,
					   SPEC_EXPECTED);
		*spec = strdup(tee);
	} else {
		const char *dir = opt_has(o, OPT_STATE) ? o->value[OPT_STATE] : NULL;
		if (!dir)
			dir = env_nonempty("TEEVAR_STATE");
		if (!dir)
			dir = DEFAULT_STATE;
		if (dir[0] == '\0')
			return usage_error("--state: empty directory name");
		if (asprintf(spec, "inproc:%s", dir) < 0)
			*spec = NULL;
		*from_state = true;
	}
	return *spec ? 0 : usage_error("out of memory");
}

int session_spec_is_inproc(const struct opts *o, bool *inproc, char **spec)
{
	char *sp = NULL;
	bool from_state;
	int rc = make_spec(o, &sp, &from_state);
	if (rc != 0)
		return rc;
	*inproc = strncmp(sp, "inproc:", 7) == 0;
	if (spec)
		*spec = sp;
	else
		free(sp);
	return 0;
}

static const char *open_hint(int err)
{
	switch (err) {
	case -EBUSY: return "state directory in use by another process (one secure core per store)";
	case -EINVAL: return "bad transport spec or state directory path";
	case -EKEYREJECTED: return "the RPMB device is programmed with another key (wrong huk file?)";
	case -EBADMSG: return "an RPMB answer failed verification";
	case -EROFS: return "the RPMB write counter has expired";
	case -EUCLEAN: return "not a usable teevar store";
	default: return strerror(-err);
	}
}

static const char *unix_hint(int err)
{
	switch (err) {
	case -ENOENT: return "no such socket (is teevard running? it listens on STATE/teevard.sock)";
	case -ECONNREFUSED: return "nothing serves that socket (is teevard running?)";
	case -EACCES: return "no permission to reach the socket";
	case -ETIMEDOUT: return "teevard did not answer in time";
	case -ENAMETOOLONG: return "socket path too long";
	default: return open_hint(err);
	}
}

static bool is_inproc(const char *spec)
{
	return strncmp(spec, "inproc:", 7) == 0;
}

/* What the in-process secure core said about its last failure, or NULL. */
static const char *inproc_detail(const char *spec)
{
	const char *d = is_inproc(spec) ? tv_last_error_detail() : "";
	return *d ? d : NULL;
}

static int transport_error(const char *spec, int err)
{
	const char *hint = strncmp(spec, "unix:", 5) == 0    ? unix_hint(err)
			   : strncmp(spec, "optee:", 6) == 0 ? tv_transport_optee_strerror(err)
							     : open_hint(err);
	/* The path and its errno (or what is missing) say more than "I/O error". */
	const char *detail = inproc_detail(spec);
	if (detail && err != -EBUSY)
		hint = detail;
	fprintf(stderr, "teevar: cannot open the secure core at '%s': %s\n", spec, hint);
	return EXIT_TRANSPORT;
}

/* The same line as transport_error, with our own reason. */
static int transport_refusal(const char *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int transport_refusal(const char *spec, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "teevar: cannot open the secure core at '%s': ", spec);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_TRANSPORT;
}

static void print_warning(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "teevar: %s\n", msg);
}

/* What is at a unix: path that cannot be a socket, or NULL (a socket, or
 * nothing there: the open says which). */
static const char *not_socket(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || S_ISSOCK(st.st_mode))
		return NULL;
	return S_ISDIR(st.st_mode) ? "a directory" : S_ISREG(st.st_mode) ? "a regular file"
						       : "a special file";
}

static int open_transport(const struct opts *o, const char *spec, struct tv_transport *t)
{
	if (!is_inproc(spec))
		return tv_transport_open(spec, t);
	struct tv_inproc_options io = {.format = opt_has(o, OPT_FORMAT), .warn = print_warning};
	return tv_transport_inproc_open_opts(spec + 7, &io, t);
}

/* Checks made before opening: a state directory is never created on a guess,
 * and a unix: path must be a socket. 0 or the exit code (message printed). */
static int precheck(const struct opts *o, const char *spec)
{
	struct stat st;
	if (is_inproc(spec) && !opt_has(o, OPT_FORMAT) && stat(spec + 7, &st) != 0 &&
	    errno == ENOENT)
		return transport_refusal(spec, "the state directory %s does not exist (a missing "
					 "one is not created, so that a typo does not make a new "
					 "store): create it with mkdir, or give --format",
					 spec + 7);
	const char *what = strncmp(spec, "unix:", 5) == 0 ? not_socket(spec + 5) : NULL;
	if (!what)
		return 0;
	char *sock = NULL;
	bool dir_has_sock = stat(spec + 5, &st) == 0 && S_ISDIR(st.st_mode) &&
			    asprintf(&sock, "%s/%s", spec + 5, SOCKET_NAME) >= 0 &&
			    stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
	int rc = transport_refusal(spec, "%s is %s, not a socket%s%s%s", spec + 5, what,
				   dir_has_sock ? " (teevard's socket there: --tee unix:" : "",
				   dir_has_sock ? sock : "", dir_has_sock ? ")" : "");
	free(sock);
	return rc;
}

/* teevard's own refusal (TEE_ERROR_ACCESS_DENIED from origin COMMS), with its
 * reason after "teevar: <what>: "; false if res/origin are something else. */
static bool teevard_refused(const char *what, uint32_t res, uint32_t origin)
{
	struct tv_access_denial d;
	if (res != TEE_ERROR_ACCESS_DENIED || origin != TEE_ORIGIN_COMMS ||
	    tv_transport_last_denial(&d) != 0)
		return false;
	const char *kind = d.write ? "write" : "read";
	fprintf(stderr, "teevar: %s: teevard refused %s access for uid %u (%s access: %s; "
		"see teevard --%s-access)\n", what, kind, (unsigned)d.uid, kind, d.allowed, kind);
	return true;
}

static int client_error(const char *spec, const char *transport, efi_status_t st)
{
	uint32_t origin = 0;
	uint32_t res = tv_client_last_tee_result(NULL, &origin);
	char what[512];
	snprintf(what, sizeof(what), "cannot open a session at '%s'", spec);
	if (teevard_refused(what, res, origin))
		return EXIT_TRANSPORT;
	if (res == TEE_ERROR_BUSY && origin == TEE_ORIGIN_COMMS &&
	    tv_transport_last_too_many_clients()) {
		fprintf(stderr, "teevar: %s: too many clients: teevard serves as many connections "
			"as it takes (teevard --max-clients, default 32); try again when one has "
			"ended\n", what);
		return EXIT_TRANSPORT;
	}
	const char *hint = tv_tee_result_hint(transport, res);
	if (!hint && st == EFI_ACCESS_DENIED && res == TEE_ERROR_BUSY)
		hint = "the StMM session is taken (on a board: the kernel's tee_stmm_efi driver "
		       "owns it; use efivarfs)";
	if (!hint)
		hint = "the StMM service did not answer as expected";
	fprintf(stderr, "teevar: cannot open a session at '%s': %s: %s (%s, origin %u)\n", spec,
		tv_status_name(st), hint, tv_tee_result_name(res), origin);
	return EXIT_TRANSPORT;
}

/* --runtime through teevard or a board: the phase is the service's, shared by
 * every client. With others connected to teevard, only on purpose. */
static int runtime_guard(const struct opts *o, struct session *s, bool *changes)
{
	*changes = true;
	if (s->inproc)
		return 0;
	struct tv_store_info si;
	memset(&si, 0, sizeof(si));
	bool told = tv_transport_store_info(&s->transport, &si) == 0;
	if (told && si.phase == 2) {
		*changes = false; /* already there: nothing changes for anyone */
		return 0;
	}
	if (opt_has(o, OPT_ALL_CLIENTS) || (told && si.clients == 1))
		return 0;
	if (!told || si.clients == 0) {
		/* Not told (an older teevard, a board): refused through teevard,
		 * whose phase is every client's; a board's is the user's call. */
		if (strncmp(s->spec, "unix:", 5) != 0)
			return 0;
		return usage_error("--runtime: teevard at '%s' did not say how many clients it "
				   "serves (older than layout 4?): the boot phase is teevard's, so "
				   "every client would be at runtime until teevard restarts; give "
				   "--all-clients to do it anyway", s->spec);
	}
	unsigned others = si.clients - 1;
	return usage_error("--runtime: teevard at '%s' serves %u other client%s: the boot phase "
			   "is teevard's, so every client would be at runtime until teevard "
			   "restarts; give --all-clients to do it anyway", s->spec, others,
			   others == 1 ? "" : "s");
}

/* What an OS sees: ready-to-boot (tolerated if already past it), then runtime. */
static int enter_runtime(const struct opts *o, struct session *s)
{
	bool changes;
	int rc = runtime_guard(o, s, &changes);
	if (rc != 0 || !changes)
		return rc;
	efi_status_t st = tv_ready_to_boot(s->client);
	if (st != EFI_SUCCESS && st != EFI_UNSUPPORTED)
		return report_status(s, OP_PHASE, "--runtime: ready-to-boot", NULL, st);
	st = tv_exit_boot_services(s->client);
	if (st != EFI_SUCCESS)
		return report_status(s, OP_PHASE, "--runtime: exit-boot-services", NULL, st);
	if (!s->inproc)
		session_note_shared_phase(s, "--runtime", "runtime");
	return 0;
}

void session_note_shared_phase(const struct session *s, const char *what, const char *phase)
{
	if (strncmp(s->spec, "unix:", 5) == 0)
		fprintf(stderr, "teevar: note: %s: teevard at '%s' is at %s for every client, until "
			"it restarts\n", what, s->spec, phase);
	else
		fprintf(stderr, "teevar: note: %s: the service at '%s' is at %s for every client, "
			"until the machine restarts\n", what, s->spec, phase);
}

void session_note_ends(const struct session *s, const char *what)
{
	if (s->inproc)
		fprintf(stderr, "teevar: note: %s ends with this command: the in-process secure "
			"core is reset at the next command (teevard keeps it while it runs)\n",
			what);
}

/* Whether a socket found in dir may be followed without being asked: dir
 * (what the path reaches) and the socket itself (not a symlink) belong to this
 * user or root, and no one else may write in dir. Otherwise another user
 * could hold dir's lock and put a socket of theirs there, and take this
 * command's variables (Secure Boot keys included) to their own daemon. */
static bool own_socket(const char *dir, const char *sock, const char **why)
{
	struct stat d, k;
	uid_t me = geteuid();
	*why = NULL;
	if (stat(dir, &d) != 0 || lstat(sock, &k) != 0 || !S_ISSOCK(k.st_mode))
		return false;
	if ((d.st_uid != me && d.st_uid != 0) || (k.st_uid != me && k.st_uid != 0))
		*why = "it belongs to another user";
	else if (d.st_mode & (S_IWGRP | S_IWOTH))
		*why = "others may write in the directory";
	return *why == NULL;
}

/* The state directory is held by another secure core: teevard's socket in it,
 * when it answers, serves the same store. 0 (t opened), or the exit code. */
static int through_teevard(const struct opts *o, struct session *s, unsigned flags,
			   struct tv_transport *t)
{
	const char *dir = s->spec + 7;
	char *sock = NULL;
	if (asprintf(&sock, "%s/%s", dir, SOCKET_NAME) < 0)
		return usage_error("out of memory");
	struct stat st;
	bool have_sock = stat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
	const char *foreign = NULL;
	if (have_sock && !own_socket(dir, sock, &foreign) && !foreign)
		foreign = "it is not a socket of its own (a symlink?)";
	int err = have_sock && !foreign ? tv_transport_unix_open(sock, t) : -ENOENT;
	int rc = 0;
	if (foreign) {
		rc = transport_refusal(s->spec, "state directory in use by another process; %s "
				       "is not followed on its own: %s (use --tee unix:%s if you "
				       "trust it)", sock, foreign, sock);
	} else if (err == 0 && (opt_has(o, OPT_FORMAT) || (flags & SESSION_INPROC_ONLY))) {
		tv_transport_destroy(t);
		rc = transport_refusal(s->spec, "state directory in use: teevard serves it "
				       "(--tee unix:%s); %s needs the store itself: stop teevard "
				       "first%s", sock, opt_has(o, OPT_FORMAT) ? "--format" : "this "
				       "command", opt_has(o, OPT_FORMAT) ? " (or restart it with "
				       "teevard --format)" : "");
	} else if (err == 0) {
		free(s->spec);
		s->spec = NULL;
		if (asprintf(&s->spec, "unix:%s", sock) < 0) {
			s->spec = NULL;
			tv_transport_destroy(t);
			rc = usage_error("out of memory");
		}
		s->inproc = false;
	} else if (have_sock) {
		rc = transport_refusal(s->spec, "state directory in use by another process, and "
				       "%s does not answer (%s): another teevar command, or a "
				       "teevard being started or stopped", sock, unix_hint(err));
	} else {
		rc = transport_refusal(s->spec, "state directory in use by another process (one "
				       "secure core per store): another teevar command, or a "
				       "teevard with another --socket (then use --tee unix:SOCKET "
				       "with its socket)");
	}
	free(sock);
	return rc;
}

int session_open_flags(const struct opts *o, struct session *s, unsigned flags)
{
	memset(s, 0, sizeof(*s));
	bool from_state = false;
	int rc = make_spec(o, &s->spec, &from_state);
	if (rc == 0 && opt_has(o, OPT_FORMAT) && !is_inproc(s->spec))
		rc = usage_error("--format applies to the in-process secure core (--state DIR or "
				 "--tee inproc:DIR); teevard takes its own --format");
	if (rc == 0 && opt_has(o, OPT_ALL_CLIENTS) && !opt_has(o, OPT_RUNTIME))
		rc = usage_error("--all-clients goes with --runtime");
	if (rc == 0)
		rc = precheck(o, s->spec);
	if (rc != 0) {
		session_close(s);
		return rc;
	}
	s->inproc = is_inproc(s->spec);
	struct tv_transport t;
	int err = open_transport(o, s->spec, &t);
	if (err == -EBUSY && from_state) {
		rc = through_teevard(o, s, flags, &t);
		if (rc != 0) {
			session_close(s);
			return rc;
		}
		err = 0;
	} else if (err == -EBUSY) {
		rc = transport_refusal(s->spec, "state directory in use by another process (one "
				       "secure core per store); if teevard serves it, use --tee "
				       "unix:%s/%s (or its --socket)", s->spec + 7, SOCKET_NAME);
		session_close(s);
		return rc;
	}
	if (err != 0) {
		rc = transport_error(s->spec, err);
		session_close(s);
		return rc;
	}
	s->transport = t;
	efi_status_t st = tv_client_open(t, &s->client);
	if (st != EFI_SUCCESS) {
		rc = client_error(s->spec, t.name, st);
		session_close(s);
		return rc;
	}
	s->runtime = opt_has(o, OPT_RUNTIME);
	rc = s->runtime ? enter_runtime(o, s) : 0;
	if (rc != 0)
		session_close(s);
	return rc;
}

int session_open(const struct opts *o, struct session *s)
{
	return session_open_flags(o, s, 0);
}

void session_close(struct session *s)
{
	if (s->client)
		tv_client_close(s->client);
	s->client = NULL;
	free(s->spec);
	s->spec = NULL;
}

static const char *not_found_hint(enum op op, bool runtime)
{
	if (op == OP_PROP_GET)
		return "no property set for this variable (properties last only as long as the "
		       "secure core runs)";
	return runtime ? "no such variable (names are case-sensitive; boot-services-only "
			 "variables are hidden at runtime)"
		       : "no such variable (names are case-sensitive)";
}

static const char *invalid_hint(enum op op)
{
	switch (op) {
	case OP_SET:
		return "attribute rules: rt needs bs, nv alone is invalid, an existing variable "
		       "keeps its attributes (delete it first), at runtime new variables need "
		       "nv,bs,rt, hr needs nv,bs,rt and a HwErrRec#### name; or the data is "
		       "larger than the variable limit or the property allows";
	case OP_QUERY: return "the service refused this attribute class";
	default: return "the service refused the request";
	}
}

/* What a refused Secure Boot write means, or NULL for the generic hint. */
static const char *secure_boot_hint(enum op op, efi_status_t st)
{
	switch (st) {
	case EFI_SECURITY_VIOLATION:
		return op == OP_SB_KEY
			       ? "outside setup and audit mode a key variable takes only an .auth "
				 "signed by the right key (PK for PK and KEK; PK or a KEK key for db, "
				 "dbx, dbt) with a timestamp later than the stored one"
			       : NULL;
	case EFI_INVALID_PARAMETER:
		if (op == OP_SB_KEY)
			return "the payload is not a well-formed signature list of the twelve UEFI "
			       "types, PK would hold more than one entry, or the descriptor is "
			       "malformed";
		if (op == OP_SB_MODE)
			return "the service does not take this mode change (AuditMode and "
			       "DeployedMode: one byte, bs,rt)";
		return "the service refused the factory default (nv,bs under the teevar Secure "
		       "Boot GUID, a signature list)";
	case EFI_NOT_FOUND:
		return op == OP_SB_KEY ? "no KEK is enrolled to verify this db, dbx or dbt update"
				       : NULL;
	case EFI_WRITE_PROTECTED:
	case EFI_ACCESS_DENIED:
		if (op == OP_SB_DEFAULT)
			return "factory defaults are writable only in the boot-services phase "
			       "(before ready-to-boot)";
		if (op == OP_SB_MODE)
			return "the mode change is not allowed now (see teevar secureboot status)";
		return "the service refuses key writes now (at runtime, or the variable is locked)";
	default: return NULL;
	}
}

static const char *status_hint(enum op op, efi_status_t st, bool runtime)
{
	const char *sb = op >= OP_SB_KEY ? secure_boot_hint(op, st) : NULL;
	if (sb)
		return sb;
	switch (st) {
	case EFI_NOT_FOUND: return not_found_hint(op, runtime);
	case EFI_INVALID_PARAMETER: return invalid_hint(op);
	case EFI_WRITE_PROTECTED:
		return "the variable is read-only or locked, or runtime rules forbid the change "
		       "(volatile and boot-services-only variables are read-only at runtime)";
	case EFI_ACCESS_DENIED:
		return op == OP_LOCK || op == OP_PROP_SET
			       ? "locks and properties can only be set before ready-to-boot"
			       : "the service refused the request";
	case EFI_UNSUPPORTED:
		return op == OP_PHASE ? "the service is already at runtime"
				      : "not supported (attribute 0x10 is deprecated, 0x80 unsupported)";
	case EFI_OUT_OF_RESOURCES: return "the variable store is full (see teevar info)";
	case EFI_SECURITY_VIOLATION:
		return "authenticated variable: the data must start with a valid, newer "
		       "EFI_VARIABLE_AUTHENTICATION_2 descriptor signed by the right key";
	case EFI_BUFFER_TOO_SMALL:
		return "the variable is larger than the transport can carry";
	case EFI_DEVICE_ERROR: return "the secure core or its RPMB device failed";
	default: return "the service reported an error";
	}
}

int report_status(const struct session *s, enum op op, const char *what, const char *label,
		  efi_status_t st)
{
	return report_status_hint(s, op, what, label, st, NULL);
}

int report_status_hint(const struct session *s, enum op op, const char *what, const char *label,
		       efi_status_t st, const char *given)
{
	const char *sep = label ? " " : "";
	label = label ? label : "";
	uint32_t origin = 0;
	uint32_t res = s->client ? tv_client_last_tee_result(s->client, &origin) : TEE_SUCCESS;
	char full[512];
	snprintf(full, sizeof(full), "%s%s%s", what, sep, label);
	if (st == EFI_DEVICE_ERROR && teevard_refused(full, res, origin))
		return EXIT_EFI;
	if (st == EFI_DEVICE_ERROR && res != TEE_SUCCESS) {
		const char *hint = tv_tee_result_hint(s->transport.name, res);
		fprintf(stderr, "teevar: %s%s%s: %s: %s (%s, origin %u)\n", what, sep, label,
			tv_status_name(st), hint ? hint : "lost the secure core",
			tv_tee_result_name(res), origin);
		return EXIT_TRANSPORT;
	}
	/* The secure core in this process may know the cause (a full disk...). */
	const char *detail = s->inproc && st != EFI_NOT_FOUND ? inproc_detail(s->spec) : NULL;
	fprintf(stderr, "teevar: %s%s%s: %s: %s%s%s\n", what, sep, label, tv_status_name(st),
		given ? given : status_hint(op, st, s->runtime), detail ? ": " : "",
		detail ? detail : "");
	return st == EFI_NOT_FOUND ? EXIT_NOT_FOUND : EXIT_EFI;
}

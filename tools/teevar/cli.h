/* SPDX-License-Identifier: BSD-2-Clause */
/* The teevar command-line tool: shared types of its modules. */
#ifndef TEEVAR_CLI_H
#define TEEVAR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <teevar/client.h>
#include <teevar/efi.h>
#include <teevar/tee.h>

/* Exit codes (documented in `teevar --help` and the README). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_NOT_FOUND = 2,
	EXIT_EFI = 3,
	EXIT_TRANSPORT = 4,
	EXIT_IO = 5,
	EXIT_DAMAGED = 6,   /* the store is damaged, or the device does not hold what is served */
	EXIT_MALFORMED = 7, /* not a well-formed signature list (get --esl, secureboot enroll) */
	EXIT_BAD_IMAGE = 8, /* import: a damaged or unreadable firmware store image */
};

#define CLI_NAME_MAX_CHARS 1024u        /* as Linux's efivar layer */
#define CLI_DATA_MAX (16u << 20)         /* largest input or variable handled */

/* ---- options (args.c) ---- */

enum opt_id {
	OPT_HELP, OPT_VERSION, OPT_STATE, OPT_TEE, OPT_RUNTIME, OPT_JSON, OPT_RAW,
	OPT_NAME, OPT_GUID, OPT_ATTRS, OPT_APPEND, OPT_FILE, OPT_STDIN, OPT_HEX,
	OPT_STRING, OPT_STRING16, OPT_EMPTY, OPT_READ_ONLY, OPT_MIN, OPT_MAX, OPT_FORMAT,
	OPT_ESL, OPT_DB, OPT_DBX, OPT_DBT, OPT_KEK, OPT_PK, OPT_DEFAULTS,
	OPT_FROM, OPT_TO, OPT_REPLACE, OPT_SKIP, OPT_DRY_RUN, OPT_TEMPLATE, OPT_FORCE,
	OPT_UNBOUND_PRIVATE, OPT_ALL_CLIENTS, OPT_QUIET, OPT_LONG,
	OPT_COUNT
};
_Static_assert(OPT_COUNT <= 64, "options are bits of a uint64_t");
#define OPT_BIT(id) (UINT64_C(1) << (id))
#define OPTS_GLOBAL (OPT_BIT(OPT_HELP) | OPT_BIT(OPT_VERSION) | OPT_BIT(OPT_STATE) | \
		     OPT_BIT(OPT_TEE) | OPT_BIT(OPT_RUNTIME) | OPT_BIT(OPT_FORMAT) | \
		     OPT_BIT(OPT_ALL_CLIENTS))
#define OPTS_VAR (OPT_BIT(OPT_NAME) | OPT_BIT(OPT_GUID))
#define OPTS_DATA (OPT_BIT(OPT_FILE) | OPT_BIT(OPT_STDIN) | OPT_BIT(OPT_HEX) | \
		   OPT_BIT(OPT_STRING) | OPT_BIT(OPT_STRING16) | OPT_BIT(OPT_EMPTY))
/* secureboot enroll: the key files and --defaults */
#define OPTS_ENROLL (OPT_BIT(OPT_DB) | OPT_BIT(OPT_DBX) | OPT_BIT(OPT_DBT) | OPT_BIT(OPT_KEK) | \
		     OPT_BIT(OPT_PK) | OPT_BIT(OPT_DEFAULTS))

#define CLI_MAX_POS 8

struct opts {
	uint64_t seen;                  /* OPT_BIT of every option given */
	const char *value[OPT_COUNT];   /* argument of options that take one */
	enum opt_id data_opt;           /* which of OPTS_DATA, if any */
	const char *pos[CLI_MAX_POS];   /* positional arguments, command first */
	int npos;
};

/* Parses argv[1..argc-1]. Returns 0 or EXIT_USAGE (message printed). */
int opts_parse(int argc, char **argv, struct opts *o);
static inline bool opt_has(const struct opts *o, enum opt_id id)
{
	return (o->seen & OPT_BIT(id)) != 0;
}
/* EXIT_USAGE (message printed) if an option outside `allowed` was given. */
int opts_check_allowed(const struct opts *o, const char *cmd, uint64_t allowed);
const char *opt_name(enum opt_id id);

/* Prints "teevar: <msg>" on stderr and returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- values (parse.c) ---- */

struct bytes {
	uint8_t *p;
	size_t n;
};
void bytes_free(struct bytes *b);

/* Decimal or 0x-hex, no sign, no spaces; 0 or -1. */
int parse_u64(const char *s, uint64_t *out);
int parse_u32(const char *s, uint32_t *out);
/* "nv,bs,rt" (short or long names, any case) or a number; 0 or -1. */
int parse_attrs(const char *s, uint32_t *out);
/* "nv,bs,rt"; "none" for 0; unknown bits as hex. */
void attrs_format(uint32_t attrs, char *out, size_t size);
void attrs_print_json_names(FILE *f, uint32_t attrs);
/* "de ad be ef", "deadbeef", "de:ad"; 0, -1 (bad text) or -2 (no memory). */
int parse_hex(const char *s, struct bytes *out, size_t *bad_at);
/* A GUID in text form or an alias ("global", ...); 0 or -1. */
int parse_guid_or_alias(const char *s, efi_guid_t *out);
void print_guid_aliases(FILE *f);

/* A variable given on the command line. */
struct var_id {
	efi_char16_t *name;     /* NUL-terminated UCS-2 */
	efi_guid_t guid;
	char *label;            /* "Name-guid", for messages */
};
/* From pos (Name-GUID, may be NULL) or --name/--guid. The Secure Boot key
 * variables may be named alone (pos "db", or --name db without --guid): PK and
 * KEK get the global GUID, db, dbx, dbt and dbr the image-security GUID, as
 * U-Boot's efi_auth_var_get_guid. Returns 0 or EXIT_USAGE. */
int var_id_parse(const struct opts *o, const char *cmd, const char *pos, struct var_id *v);
void var_id_free(struct var_id *v);

/* ---- input data (input.c) ---- */

/* The data source of `set`; returns 0, EXIT_USAGE or EXIT_IO. */
int input_read(const struct opts *o, struct bytes *out);
/* A whole file ('-' for stdin), at most 16 MiB; 0 or EXIT_IO ("teevar: <cmd>:
 * cannot read <path>: <why>" printed). */
int input_read_file(const char *cmd, const char *path, struct bytes *out);

/* ---- output (output.c) ---- */

void hexdump(FILE *f, const uint8_t *p, size_t n);
void json_string(FILE *f, const char *s);
void json_hex(FILE *f, const uint8_t *p, size_t n);
/* A UCS-2 name as a JSON string (lone surrogates as \uXXXX escapes). */
void json_name(FILE *f, const efi_char16_t *name, size_t max_units);
/* UCS-2 name as printable UTF-8 (odd units escaped as \uXXXX); NULL on no memory. */
char *name_display(const efi_char16_t *name, size_t max_units);

/* ---- connection and errors (session.c) ---- */

struct session {
	struct tv_client *client;
	struct tv_transport transport;  /* a copy of what the client owns, for store info */
	char *spec;
	bool runtime;
	bool inproc;                    /* the secure core runs in this process */
};

/* session_open_flags: a command that needs the store itself (import, export)
 * is not taken to teevard when it serves the state directory. */
#define SESSION_INPROC_ONLY 1u

/* Opens the transport and client (and applies --runtime). Returns 0 or an exit
 * code (message printed). */
int session_open(const struct opts *o, struct session *s);
int session_open_flags(const struct opts *o, struct session *s, unsigned flags);
void session_close(struct session *s);
/* "teevar: note: <what> ends with this command: ..." when the secure core runs
 * in this process; nothing otherwise. */
void session_note_ends(const struct session *s, const char *what);
/* "teevar: note: <what>: teevard at '<spec>' is at <phase> for every client,
 * until it restarts". */
void session_note_shared_phase(const struct session *s, const char *what, const char *phase);
/* Whether the options select the in-process secure core (--state DIR, --tee
 * inproc:DIR, or the environment's default), without opening anything.
 * 0 or EXIT_USAGE (message printed). */
int session_spec_is_inproc(const struct opts *o, bool *inproc, char **spec);

enum op {
	OP_GET, OP_LIST, OP_SET, OP_DELETE, OP_QUERY, OP_PHASE, OP_LOCK, OP_PROP_GET,
	OP_PROP_SET,
	OP_SB_KEY,      /* secureboot enroll: PK, KEK, db, dbx, dbt */
	OP_SB_DEFAULT,  /* secureboot enroll --defaults: the factory defaults */
	OP_SB_MODE,     /* secureboot mode: AuditMode, DeployedMode */
};
/* Prints "teevar: <what> <label>: <STATUS>: <hint>" (label may be NULL) and
 * returns the exit code for st. */
int report_status(const struct session *s, enum op op, const char *what, const char *label,
		  efi_status_t st);
/* The same with hint (when not NULL) instead of the generic one. */
int report_status_hint(const struct session *s, enum op op, const char *what, const char *label,
		       efi_status_t st, const char *hint);

/* ---- signature lists (esl_show.c) ---- */

/* How a walk over signature lists ended. */
struct esl_walk {
	size_t lists;
	size_t entries;
	const char *error;      /* why the bytes stopped being signature lists, or NULL */
	size_t error_offset;
};
/* One line per entry (list index, type, owner, certificate subject, issuer and
 * SHA-256 fingerprint, or the hash), as far as the bytes are well formed. */
void esl_show_human(FILE *f, const uint8_t *p, size_t n, struct esl_walk *w);
/* "lists": [...], "error": null or {"offset", "reason"} (members of an object
 * the caller opened). */
void esl_show_json(FILE *f, const uint8_t *p, size_t n, struct esl_walk *w);
/* "teevar: <what> <label>: not a well-formed signature list at offset N: <why>
 * (...)"; returns EXIT_MALFORMED. */
int esl_report_malformed(const char *what, const char *label, const struct esl_walk *w);

/* ---- Secure Boot state (sb_state.c) ---- */

enum sb_mode { SB_MODE_UNKNOWN, SB_MODE_SETUP, SB_MODE_USER, SB_MODE_AUDIT, SB_MODE_DEPLOYED };

/* The status variables (global GUID, BS|RT), in this order. */
enum { SB_SETUP_MODE, SB_SECURE_BOOT, SB_AUDIT_MODE, SB_DEPLOYED_MODE, SB_VENDOR_KEYS,
       SB_N_STATUS };
/* The key variables and their factory defaults, in this order. */
enum { SB_PK, SB_KEK, SB_DB, SB_DBX, SB_DBT, SB_N_KEYS };

struct sb_var {
	bool present;
	uint32_t attrs;
	struct bytes data;
};

struct sb_state {
	struct sb_var status[SB_N_STATUS];
	struct sb_var signature_support;
	struct sb_var keys[SB_N_KEYS];
	bool default_present[SB_N_KEYS];  /* the global mirror or the teevar Secure Boot GUID */
	enum sb_mode mode;
};

extern const char *const sb_status_names[SB_N_STATUS];
extern const char *const sb_key_names[SB_N_KEYS];          /* "PK", "KEK", "db", ... */
extern const char *const sb_default_names[SB_N_KEYS];      /* "PKDefault", ... */
extern const efi_guid_t sb_global_guid, sb_image_security_guid, sb_teevar_guid;
const efi_guid_t *sb_key_guid(int key);

/* Reads the status variables, SignatureSupport, the key variables and which
 * defaults exist; a variable that is absent is only marked so. Returns
 * EFI_SUCCESS, or the first other failure with *failed set to the label
 * ("SetupMode-8be4...", static storage). sb_state_free releases either way. */
efi_status_t sb_state_read(struct tv_client *c, struct sb_state *st, const char **failed);
void sb_state_free(struct sb_state *st);
const char *sb_mode_name(enum sb_mode m);
/* The value of a 1-byte status variable, or -1 when absent or not 1 byte. */
int sb_status_value(const struct sb_state *st, int which);
/* A sentence about what does not match the mode (PK present in setup mode,
 * SecureBoot not yet changed, ...), or NULL. */
const char *sb_mode_note(const struct sb_state *st, char *buf, size_t size);
/* A status variable in JSON: null (absent), its byte (one byte), or hex. */
void sb_var_json(const struct sb_var *v);
/* info's line and JSON member. */
void sb_info_human(const struct sb_state *st);
void sb_info_json(const struct sb_state *st);

/* ---- key files (auth_file.c) ---- */

/* An .auth or a bare .esl given to secureboot enroll. */
struct key_file {
	const char *path;
	struct bytes raw;        /* the file */
	bool is_auth;            /* starts with an EFI_VARIABLE_AUTHENTICATION_2 descriptor */
	const uint8_t *esl;      /* the signature lists: after the descriptor, or the file */
	size_t esl_size;
	size_t entries;
};
/* Reads and classifies the file of --<opt>; 0, EXIT_IO or EXIT_MALFORMED
 * (message printed: "teevar: <cmd>: --<opt> <path>: ..."). A file with no
 * signature is refused. key_file_free releases either way. */
int key_file_load(const char *cmd, const char *opt, const char *path, struct key_file *k);
void key_file_free(struct key_file *k);
/* An unsigned descriptor (the time utc, pads 0, dwLength 24, no CertData)
 * followed by esl: what setup mode takes without a signature. 0 or -1. */
struct tm;
int auth_wrap_unsigned(const uint8_t *esl, size_t n, const struct tm *utc, struct bytes *out);

/* ---- commands ---- */

struct command {
	const char *name;
	int (*run)(const struct opts *o);
	uint64_t options;    /* OPT_BITs the command takes besides the global ones */
	const char *summary;
	const char *help;    /* usage and options */
};

int cmd_list(const struct opts *o);
int cmd_get(const struct opts *o);
int cmd_set(const struct opts *o);
int cmd_delete(const struct opts *o);
int cmd_info(const struct opts *o);
int cmd_phase(const struct opts *o);
int cmd_lock(const struct opts *o);
int cmd_property(const struct opts *o);
int cmd_check(const struct opts *o);
int cmd_recover(const struct opts *o);
int cmd_secureboot(const struct opts *o);
int cmd_import(const struct opts *o);
int cmd_export(const struct opts *o);
/* import --from efivarfs, export --to efivarfs (cmd_efivarfs.c) */
int cmd_import_efivarfs(const struct opts *o);
int cmd_export_efivarfs(const struct opts *o);

/* After a SetVariable failed with EFI_DEVICE_ERROR: if the store is damaged,
 * says so ("teevar: <what> <label>: ...") and returns EXIT_DAMAGED; else 0 and
 * nothing printed (cmd_store.c). */
int report_write_refused(const struct session *s, const char *what, const char *label);

/* A variable as it was before a write (set, import --from efivarfs). */
struct set_prior {
	bool known;             /* GetVariable answered SUCCESS or NOT_FOUND */
	bool exists;
	uint32_t attrs;
	struct bytes data;
};
void set_prior_read(struct session *s, const struct var_id *v, struct set_prior *p);
void set_prior_free(struct set_prior *p);
/* SetVariable, then "<label>: created|replaced|appended|unchanged|deleted (...)"
 * on stdout unless --quiet, a note for a volatile variable in-process, or the
 * failure (EFI_INVALID_PARAMETER diagnosed). Returns 0 or the exit code. */
int set_and_report(const struct opts *o, struct session *s, const char *what,
		   const struct var_id *v, uint32_t attrs, const struct bytes *d,
		   const struct set_prior *p);
/* Why SetVariable answered EFI_INVALID_PARAMETER, as far as the client can
 * tell (the attribute rules, the stored variable's attributes, the size
 * QueryVariableInfo allows, a property, runtime rules): a sentence in buf, or
 * NULL when none of them explains it (diagnose.c). */
const char *diagnose_set_invalid(struct session *s, const struct var_id *v, uint32_t attrs,
				 size_t size, const struct set_prior *p, char *buf, size_t n);

/* Reads a whole variable, growing the buffer on BUFFER_TOO_SMALL. */
efi_status_t fetch_variable(struct tv_client *c, const efi_char16_t *name,
			    const efi_guid_t *guid, uint32_t *attrs, struct bytes *data);

/* Flushes stdout; EXIT_IO (message printed) if writing failed. */
int finish_output(int rc);

#endif

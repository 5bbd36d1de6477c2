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
};

#define CLI_NAME_MAX_CHARS 1024u        /* as Linux's efivar layer */
#define CLI_DATA_MAX (16u << 20)         /* largest input or variable handled */

/* ---- options (args.c) ---- */

enum opt_id {
	OPT_HELP, OPT_VERSION, OPT_STATE, OPT_TEE, OPT_RUNTIME, OPT_JSON, OPT_RAW,
	OPT_NAME, OPT_GUID, OPT_ATTRS, OPT_APPEND, OPT_FILE, OPT_STDIN, OPT_HEX,
	OPT_STRING, OPT_STRING16, OPT_EMPTY, OPT_READ_ONLY, OPT_MIN, OPT_MAX, OPT_FORMAT,
	OPT_COUNT
};
#define OPT_BIT(id) (1u << (id))
#define OPTS_GLOBAL (OPT_BIT(OPT_HELP) | OPT_BIT(OPT_VERSION) | OPT_BIT(OPT_STATE) | \
		     OPT_BIT(OPT_TEE) | OPT_BIT(OPT_RUNTIME) | OPT_BIT(OPT_FORMAT))
#define OPTS_VAR (OPT_BIT(OPT_NAME) | OPT_BIT(OPT_GUID))
#define OPTS_DATA (OPT_BIT(OPT_FILE) | OPT_BIT(OPT_STDIN) | OPT_BIT(OPT_HEX) | \
		   OPT_BIT(OPT_STRING) | OPT_BIT(OPT_STRING16) | OPT_BIT(OPT_EMPTY))

#define CLI_MAX_POS 8

struct opts {
	uint32_t seen;                  /* OPT_BIT of every option given */
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
int opts_check_allowed(const struct opts *o, const char *cmd, uint32_t allowed);
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
/* From pos (Name-GUID, may be NULL) or --name/--guid. Returns 0 or EXIT_USAGE. */
int var_id_parse(const struct opts *o, const char *cmd, const char *pos, struct var_id *v);
void var_id_free(struct var_id *v);

/* ---- input data (input.c) ---- */

/* The data source of `set`; returns 0, EXIT_USAGE or EXIT_IO. */
int input_read(const struct opts *o, struct bytes *out);

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

/* Opens the transport and client (and applies --runtime). Returns 0 or an exit
 * code (message printed). */
int session_open(const struct opts *o, struct session *s);
void session_close(struct session *s);

enum op {
	OP_GET, OP_LIST, OP_SET, OP_DELETE, OP_QUERY, OP_PHASE, OP_LOCK, OP_PROP_GET,
	OP_PROP_SET,
};
/* Prints "teevar: <what> <label>: <STATUS>: <hint>" (label may be NULL) and
 * returns the exit code for st. */
int report_status(const struct session *s, enum op op, const char *what, const char *label,
		  efi_status_t st);

/* ---- commands ---- */

struct command {
	const char *name;
	int (*run)(const struct opts *o);
	uint32_t options;    /* OPT_BITs the command takes besides the global ones */
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

/* After a SetVariable failed with EFI_DEVICE_ERROR: if the store is damaged,
 * says so ("teevar: <what> <label>: ...") and returns EXIT_DAMAGED; else 0 and
 * nothing printed (cmd_store.c). */
int report_write_refused(const struct session *s, const char *what, const char *label);

/* Reads a whole variable, growing the buffer on BUFFER_TOO_SMALL. */
efi_status_t fetch_variable(struct tv_client *c, const efi_char16_t *name,
			    const efi_guid_t *guid, uint32_t *attrs, struct bytes *data);

/* Flushes stdout; EXIT_IO (message printed) if writing failed. */
int finish_output(int rc);

#endif

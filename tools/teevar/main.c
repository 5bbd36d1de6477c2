/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * teevar: UEFI variables of a teevar secure core from the command line
 * (list, get, set, delete, info, phase, lock, property, check, recover,
 * secureboot, import, export).
 */
#include <string.h>

#include "cli.h"

#ifndef TEEVAR_VERSION
#define TEEVAR_VERSION "unknown"
#endif

#define VAR_HELP \
	"The variable is Name-GUID (efivarfs style, e.g.\n" \
	"BootOrder-8be4df61-93ca-11d2-aa0d-00e098032b8c) or --name N --guid G, where G\n" \
	"may also be an alias (see teevar --help). Names are case-sensitive. The Secure\n" \
	"Boot key variables may be named alone: PK and KEK (global GUID), db, dbx, dbt\n" \
	"and dbr (image-security GUID d719b2cb-3d3a-4596-a3bc-dad00e67656f), as\n" \
	"`teevar get db` or `--name db` without --guid. Also accepted: efivar's\n" \
	"GUID-Name order (8be4df61-93ca-11d2-aa0d-00e098032b8c-BootOrder), a GUID in\n" \
	"braces ({8be4df61-...}), and names as teevar list prints them: \\uXXXX for\n" \
	"a control character or a lone surrogate, \\\\ for a backslash.\n"

static const struct command commands[] = {
	{"list", cmd_list, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_GUID) | OPT_BIT(OPT_LONG),
	 "list the variables (Name-GUID, one a line)",
	 "usage: teevar list [--guid G] [--long | --json]\n\n"
	 "Prints every variable the service shows as Name-GUID, one a line. A name\n"
	 "with a control character or a lone surrogate shows it as \\uXXXX, a\n"
	 "backslash as \\\\: get, set and delete take the name back as shown.\n"
	 "  --guid G     only the variables under GUID G (or an alias, see teevar --help)\n"
	 "  --long, -l   one line per variable: attributes, data size, Name-GUID\n"
	 "               (\"nv,bs,rt             4  BootOrder-8be4df61-...\")\n"
	 "  --json       a JSON array of {name, guid, attributes, attribute_names, size}\n"},
	{"get", cmd_get, OPT_BIT(OPT_JSON) | OPT_BIT(OPT_RAW) | OPT_BIT(OPT_ESL) | OPTS_VAR,
	 "show a variable's attributes and data",
	 "usage: teevar get VARIABLE [--raw | --json | --esl [--json]]\n\n"
	 "Prints the attributes (hex and names) and a hexdump of the data.\n"
	 "  --raw    write only the data bytes to stdout\n"
	 "  --json   {name, guid, attributes, attribute_names, size, data (hex)}\n"
	 "  --esl    the data as EFI_SIGNATURE_LISTs (PK, KEK, db, dbx, dbt, the *Default\n"
	 "           variables), one line per entry: list and entry index, type (X509,\n"
	 "           SHA256, ... or unknown-type(GUID)), owner GUID, and for X509 the\n"
	 "           certificate's subject, issuer (RFC 2253) and SHA-256 fingerprint, for\n"
	 "           hashes the hex (X509_SHA*: the TBS hash and the time of revocation).\n"
	 "           Data that is not well formed: what parsed, then an error naming the\n"
	 "           offset, exit 7. With --json: {name, guid, attributes,\n"
	 "           attribute_names, size, lists: [{index, offset, type, type_guid,\n"
	 "           header_size, signature_size, entries: [{index, owner, subject, issuer,\n"
	 "           sha256, ... | hash | tbs_hash, revocation_time | data}]}], error: null\n"
	 "           or {offset, reason}}\n\n" VAR_HELP},
	{"set", cmd_set,
	 OPTS_VAR | OPTS_DATA | OPT_BIT(OPT_ATTRS) | OPT_BIT(OPT_APPEND) | OPT_BIT(OPT_QUIET),
	 "create or replace a variable",
	 "usage: teevar set VARIABLE [--attrs A] [--append] [--quiet] DATA\n\n"
	 "DATA is exactly one of:\n"
	 "  --file F        the bytes of file F ('-' for stdin)\n"
	 "  --stdin         the bytes of standard input\n"
	 "  --hex H         hex bytes: \"de ad be ef\", \"deadbeef\", \"de:ad\"\n"
	 "  --string S      the UTF-8 bytes of S, no NUL\n"
	 "  --string16 S    S as UCS-2 little-endian with its NUL (UEFI strings)\n"
	 "  --empty         no data: a zero-length write deletes the variable\n"
	 "  --attrs A       attributes (default: an existing variable's own, else\n"
	 "                  nv,bs,rt): comma-separated names nv\n"
	 "                  (non-volatile), bs (bootservice-access), rt (runtime-access),\n"
	 "                  hr (hardware-error-record), aw (authenticated-write-access),\n"
	 "                  at (time-based-authenticated-write-access), append\n"
	 "                  (append-write), or a number such as 0x7 or 7\n"
	 "  --append        append the data to the existing value (adds 0x40)\n"
	 "  --quiet, -q     do not print what was done\n\n"
	 "Prints what it did on stdout: \"Name-GUID: created (N bytes written,\n"
	 "nv,bs,rt)\", \"replaced\", \"appended\", \"unchanged: the same data\", or\n"
	 "\"Name-GUID: deleted\" for --empty. A volatile variable (no nv) set through the\n"
	 "in-process secure core gets a note on stderr: it ends with the command.\n\n"
	 "UEFI rules: rt needs bs; nv alone is invalid; hr needs nv,bs,rt and a\n"
	 "HwErrRec#### name; an existing variable keeps its attributes (delete it to\n"
	 "change them); at runtime only nv,bs,rt variables can be created; the data\n"
	 "and name must fit the largest variable (teevar info). When the service\n"
	 "answers EFI_INVALID_PARAMETER the message names the rule that failed.\n\n"
	 "Authenticated variables (at): the data goes to SetVariable as given, so an\n"
	 ".auth file (EFI_VARIABLE_AUTHENTICATION_2 descriptor + signature lists, from\n"
	 "sign-efi-sig-list) is written with\n"
	 "  teevar set db --attrs nv,bs,rt,at --file db.auth\n"
	 "  teevar set db --attrs nv,bs,rt,at --append --file db-add.auth   (sign-efi-sig-list -a)\n"
	 "  teevar set PK --attrs nv,bs,rt,at --file noPK.auth   (an empty list: deletes PK)\n\n"
	 VAR_HELP},
	{"delete", cmd_delete, OPTS_VAR, "delete a variable",
	 "usage: teevar delete VARIABLE\n\n"
	 "Deletes with SetVariable(attributes 0, no data).\n\n" VAR_HELP},
	{"info", cmd_info, OPT_BIT(OPT_JSON), "storage limits and store statistics",
	 "usage: teevar info [--json]\n\n"
	 "QueryVariableInfo for the non-volatile (nv,bs,rt), volatile (bs,rt) and\n"
	 "hardware-error (hr,nv,bs,rt) classes: maximum storage, remaining storage,\n"
	 "maximum variable size; the Secure Boot mode (\"secure boot: setup\", user,\n"
	 "audit, deployed, or unknown when the service has no SetupMode variable; see\n"
	 "teevar secureboot); then, when the transport reaches teevar's own secure\n"
	 "core, the store's use, segments, RPMB write counter and boot phase, and its\n"
	 "health: format version, damage (how many places, the first damaged RPMB\n"
	 "block), read-only state, and what the last mount read.\n"
	 "  --json   the same as one JSON object (the mode in \"secure_boot\": {mode,\n"
	 "           setup_mode, secure_boot, audit_mode, deployed_mode, vendor_keys,\n"
	 "           pk_present, note})\n"},
	{"phase", cmd_phase, 0, "show or advance the boot phase",
	 "usage: teevar phase [ready-to-boot | exit-boot-services]\n\n"
	 "Without an argument prints the phase (boot-services, ready-to-boot, runtime).\n"
	 "  ready-to-boot        end of DXE: locks and properties freeze\n"
	 "  exit-boot-services   runtime: bs-only variables hide, volatile ones turn\n"
	 "                       read-only, only nv,bs,rt variables can be created\n\n"
	 "With the in-process transport every command starts the secure core afresh in\n"
	 "the boot-services phase, so a phase change lasts only for that command (a\n"
	 "note on stderr says so); use the global --runtime option to run a command\n"
	 "as an OS would. Through teevard the phase is teevard's: every client is in\n"
	 "the new phase until teevard restarts (a note on stderr says so).\n"},
	{"lock", cmd_lock, OPTS_VAR, "make a variable read-only from ready-to-boot on",
	 "usage: teevar lock VARIABLE\n\n"
	 "LOCK_VARIABLE (EDKII_VARIABLE_LOCK): the variable becomes read-only at\n"
	 "ready-to-boot. Only before ready-to-boot. With the in-process transport the\n"
	 "lock lasts only as long as this command's secure core.\n\n" VAR_HELP},
	{"property", cmd_property,
	 OPTS_VAR | OPT_BIT(OPT_JSON) | OPT_BIT(OPT_READ_ONLY) | OPT_BIT(OPT_MIN) |
		 OPT_BIT(OPT_MAX) | OPT_BIT(OPT_ATTRS),
	 "show or set a variable's VarCheck property",
	 "usage: teevar property get VARIABLE [--json]\n"
	 "       teevar property set VARIABLE [--read-only] [--min N] [--max N]\n"
	 "                                    [--attrs A] [--json]\n\n"
	 "VarCheck property (revision 1). set: --read-only refuses every write; --min\n"
	 "and --max bound the data size; --attrs requires these exact attributes (names\n"
	 "or a number, as for set); then prints the property. Only before\n"
	 "ready-to-boot. With the in-process transport a property lasts only as long as\n"
	 "this command's secure core.\n\n" VAR_HELP},
	{"check", cmd_check, OPT_BIT(OPT_JSON), "verify the whole store on its RPMB device",
	 "usage: teevar check [--json]\n\n"
	 "Reads the whole store from the RPMB device again, verifies every record, and\n"
	 "compares the result with what the secure core serves (read-only: an fsck for\n"
	 "RPMB). Prints the format version, the blocks read, the records that verified,\n"
	 "the variables, the damage found and whether the device holds what is served.\n"
	 "  --json   {ok, format_version, blocks_read, records, variables, damaged,\n"
	 "           damage_count, first_damage_block, matches_served, detail}\n\n"
	 "Exit 0 when the store verifies; 6 when it is damaged (the message names the\n"
	 "first damaged RPMB block) or the device does not hold what is served. Needs\n"
	 "read access through teevard. Not supported over optee:.\n"},
	{"recover", cmd_recover, 0, "give up damaged records and allow writes again",
	 "usage: teevar recover\n\n"
	 "The explicit recovery of a damaged store: every variable that verifies is\n"
	 "kept, the damaged records are given up for good, and SetVariable works again.\n"
	 "Prints what was kept and given up. Refused (exit 3) when the store is not\n"
	 "damaged. Needs write access through teevard. Not supported over optee:.\n"},
	{"secureboot", cmd_secureboot, OPT_BIT(OPT_JSON) | OPTS_ENROLL,
	 "Secure Boot: status, enroll the keys, change the mode",
	 "usage: teevar secureboot [status] [--json]\n"
	 "       teevar secureboot enroll [--db F] [--dbx F] [--dbt F] [--kek F] [--pk F]\n"
	 "                                [--defaults]\n"
	 "       teevar secureboot mode audit|deployed|user\n\n"
	 "status (the default): the mode (setup, user, audit, deployed, or unknown when\n"
	 "the service has no SetupMode variable), derived from SetupMode, AuditMode and\n"
	 "DeployedMode, with a note when PK or SecureBoot does not match it (SecureBoot\n"
	 "follows an enrolled or deleted PK only at the next boot); the value of each\n"
	 "status variable (SetupMode, SecureBoot, AuditMode, DeployedMode, VendorKeys;\n"
	 "\"absent\" when missing), SignatureSupport's types, whether PK, KEK, db, dbx,\n"
	 "dbt are present and how many entries they hold, and which factory defaults\n"
	 "exist (PKDefault, KEKDefault, dbDefault, dbxDefault, dbtDefault).\n"
	 "  --json   {mode, note, variables: {SetupMode: 0|1|null, ...},\n"
	 "           signature_support: [types] or null, keys: {PK: {present, entries},\n"
	 "           ...}, defaults: {PKDefault: true|false, ...}}\n\n"
	 "enroll: the factory's provisioning, in the boot-services phase. Each F is an\n"
	 ".auth (EFI_VARIABLE_AUTHENTICATION_2 descriptor + signature lists, written as\n"
	 "is) or a bare .esl (signature lists, as cert-to-efi-sig-list writes them),\n"
	 "which is wrapped in an unsigned descriptor with the current UTC time (as\n"
	 "efi-updatevar -e does): only setup and audit mode take that, so an .esl is\n"
	 "refused before anything is written when the service is in another mode.\n"
	 "Written with attributes nv,bs,rt,at (0x27) in the order db, dbx, dbt, KEK, PK\n"
	 "(PK last: enrolling it leaves setup mode); the first failure stops, naming the\n"
	 "variable and the EFI status.\n"
	 "  --db F, --dbx F, --dbt F   db, dbx, dbt (image-security GUID)\n"
	 "  --kek F, --pk F            KEK, PK (global GUID)\n"
	 "  --defaults                 also write the same signature lists (descriptor\n"
	 "                             stripped) as the factory defaults PKDefault,\n"
	 "                             KEKDefault, dbDefault, dbxDefault, dbtDefault\n"
	 "                             (nv,bs under the teevar Secure Boot GUID\n"
	 "                             171c99b8-4321-4775-aaca-d8ec51ffa051, alias\n"
	 "                             teevar-sb), after the keys; only before\n"
	 "                             ready-to-boot\n"
	 "A file that is neither an .auth nor an .esl, or holds no signature, exits 7;\n"
	 "a file that cannot be read exits 5.\n\n"
	 "mode: the mode changes the UEFI interface offers (UEFI 2.10 section 32.3):\n"
	 "  audit      AuditMode = 1: from setup, or from user (which deletes PK); before\n"
	 "             ready-to-boot only\n"
	 "  deployed   DeployedMode = 1: from user\n"
	 "  user       DeployedMode = 0: from deployed (the platform's method; before\n"
	 "             ready-to-boot)\n"
	 "Enrolling PK takes setup to user and audit to deployed; deleting PK (an empty\n"
	 "list signed by PK) takes user to setup. The service refuses other transitions\n"
	 "(EFI_WRITE_PROTECTED, exit 3; the message says what the current mode allows),\n"
	 "and mode writes after exit-boot-services.\n"},
	{"import", cmd_import,
	 OPT_BIT(OPT_FROM) | OPT_BIT(OPT_REPLACE) | OPT_BIT(OPT_SKIP) | OPT_BIT(OPT_DRY_RUN) |
		 OPT_BIT(OPT_JSON) | OPT_BIT(OPT_UNBOUND_PRIVATE) | OPTS_VAR | OPT_BIT(OPT_QUIET),
	 "bring in a firmware store image (EDK2, U-Boot), or one efivarfs file",
	 "usage: teevar import FILE [--from edk2|uboot] [--replace | --skip] [--dry-run]\n"
	 "                          [--unbound-private] [--json]\n"
	 "       teevar import --from efivarfs FILE [VARIABLE] [--quiet]\n\n"
	 "--from efivarfs: one variable from a file in efivarfs' format (a 4-byte\n"
	 "little-endian attributes word, then the data; e.g. a copy of\n"
	 "/sys/firmware/efi/efivars/Name-GUID). A FILE named Name-GUID names its\n"
	 "variable; VARIABLE (or --name N --guid G) overrides. One SetVariable with the\n"
	 "file's attributes (append-write included), through any transport (unix:\n"
	 "too); prints what it did as set does. A file of 4 bytes or fewer, or with\n"
	 "neither bs nor rt in its attributes, is refused (exit 8: such a write\n"
	 "deletes the variable: use teevar delete).\n\n"
	 "Firmware images:\n"
	 "Stores the variables of a firmware's variable store in teevar's store, all or\n"
	 "nothing. FILE ('-': standard input) is one of (detected; --from names it):\n"
	 "  edk2    an EDK2 NV store image: the VARS pflash of OVMF/AAVMF (e.g.\n"
	 "          /usr/share/AAVMF/AAVMF_VARS.ms.fd, a VM's copy of it) or an EDK2\n"
	 "          StMM's EFI_VARS region read off a board's flash: a firmware volume\n"
	 "          with the (authenticated or plain) variable store and the\n"
	 "          fault-tolerant-write blocks\n"
	 "  uboot   U-Boot's ubootefi.var (on the ESP, next to EFI/)\n"
	 "The whole file is checked before anything is stored: a damaged one (a header\n"
	 "field, the FV checksum or a CRC wrong, truncated, records overlapping or\n"
	 "running past the store, a bad name) exits 8 naming the offset of the first\n"
	 "bad byte, and nothing changes. A blank image (all 0x00 or all 0xFF: a pflash\n"
	 "the firmware never booted, such as AAVMF_VARS.fd) holds 0 variables: exit 0.\n"
	 "EDK2 records: state 0x3F (added) is live; 0x3E (being deleted) is live unless\n"
	 "a 0x3F record of the same name and GUID exists; deleted and unfinished\n"
	 "records are not carried.\n\n"
	 "What is ignored (\"ignore\" lines): EDK2's own Secure Boot bookkeeping, which\n"
	 "EDK2 re-creates at boot and teevar does not need (teevar keeps its own mode):\n"
	 "certdb, certdbv, VendorKeysNv, CustomMode, SecureBootEnable. SecureBootEnable\n"
	 "0 with a PK gives a warning: teevar has no such switch. From a ubootefi.var\n"
	 "each Secure Boot key (PK, KEK, db, dbx, dbt, dbr) gets a warning: U-Boot\n"
	 "itself never takes them from the ESP, where anyone may have changed them.\n"
	 "Of a ubootefi.var, entries without data are ignored (U-Boot skips them too)\n"
	 "and U-Boot's read-only marker 0x80000000 is dropped (said on the line).\n"
	 "What is refused (\"invalid\", nothing stored): a variable teevar cannot hold as\n"
	 "given: volatile, append-write, authenticated-write (0x10), an at variable\n"
	 "without a timestamp (an all-zero one is a timestamp: EDK2 keeps it for a\n"
	 "variable an append created), a private authenticated variable (at, not a\n"
	 "Secure Boot key nor a factory default) without --unbound-private, hr\n"
	 "outside HwErrRec####, a status variable such as SetupMode, a name or\n"
	 "attributes against UEFI's rules, a key (PK, KEK, db, dbx, dbt, dbr) that is\n"
	 "not a well-formed signature list, a PK that is not exactly one X.509\n"
	 "certificate; and a store without room for them all (exit 3).\n"
	 "Conflicts: a variable teevar already holds with other content. Without an\n"
	 "option each is listed (\"conflict: Name-GUID (exists with other content;\n"
	 "--replace or --skip)\") and nothing is stored (exit 3). Equal content is\n"
	 "\"same\" and not written.\n"
	 "  --replace   overwrite the conflicting variables with the image's\n"
	 "  --skip      keep teevar's and store the rest\n"
	 "  --from F    edk2 or uboot instead of detecting the format\n"
	 "  --dry-run   print the same plan and the Secure Boot mode it would give;\n"
	 "              nothing changes (exit 3 when the import would be refused)\n"
	 "  --unbound-private  import private authenticated variables anyway: their\n"
	 "              signer binding cannot be carried (EDK2 keeps it in certdb,\n"
	 "              an export has none), so the first signed write after the\n"
	 "              import binds each, whatever its key; until then any key\n"
	 "              could take it over\n"
	 "  --json      {file, format, blank, dry_run, ok, variables: [{action, name,\n"
	 "              guid, attributes, attribute_names, size, offset, timestamp,\n"
	 "              why}], dead_records, summary: {imported, new, replaced,\n"
	 "              unchanged, skipped, ignored, conflicts, invalid}, secure_boot:\n"
	 "              \"setup\"|\"user\"|null}\n\n"
	 "Output: one line per variable, \"ACTION  Name-GUID  ATTRIBUTES  SIZE  [WHY]\"\n"
	 "(ACTION: new, replace, same, skip, ignore, conflict, invalid; SIZE the data\n"
	 "bytes), then \"imported N variables (a new, r replaced, s unchanged, k skipped,\n"
	 "i ignored); Secure Boot: user mode\" (and how many EDK2 records were not\n"
	 "live). A non-empty FTW write queue gives a warning: what was pending there is\n"
	 "not carried.\n\n"
	 "The mode rule: plain variables are written first, then dbx, db, dbt, dbr, KEK\n"
	 "and PK last; the Secure Boot mode then follows what is stored, as after a PK\n"
	 "enrolment: with a PK user mode (SetupMode 0, SecureBoot 1 from the next\n"
	 "start), without one setup mode. Authenticated variables keep their\n"
	 "timestamps, so later signed updates must be newer; a private authenticated\n"
	 "variable (at, not a Secure Boot key; --unbound-private) is bound to the\n"
	 "signer of its first signed write. AuditMode and DeployedMode are not\n"
	 "carried.\n\n"
	 "Needs teevar's store itself: --state DIR (the secure core in this process)\n"
	 "with teevard stopped; over --tee unix: or optee: it is refused (exit 3). Only\n"
	 "in the boot-services phase (not with --runtime). Exit 5 when FILE cannot be\n"
	 "read, 8 when it is damaged; 4 when the secure core cannot start (the state\n"
	 "directory in use) or a write to the store failed (the message says so, and\n"
	 "whether what was written before was put back).\n"},
	{"export", cmd_export,
	 OPT_BIT(OPT_TO) | OPT_BIT(OPT_TEMPLATE) | OPT_BIT(OPT_FORCE) | OPTS_VAR |
		 OPT_BIT(OPT_QUIET),
	 "write a firmware store image (EDK2, U-Boot), or one efivarfs file",
	 "usage: teevar export FILE [--to edk2|uboot] [--template IMAGE] [--force]\n"
	 "       teevar export --to efivarfs VARIABLE FILE [--force] [--quiet]\n\n"
	 "--to efivarfs: one variable in efivarfs' format (a 4-byte little-endian\n"
	 "attributes word, then the data), as efivarfs' file Name-GUID reads. FILE a\n"
	 "directory: DIR/Name-GUID; '-': standard output. An existing file is kept\n"
	 "(exit 5) unless --force. Through any transport (a GetVariable). Prints\n"
	 "\"exported Name-GUID to FILE (efivarfs, N bytes)\" unless --quiet.\n\n"
	 "Firmware images:\n"
	 "Writes every non-volatile variable of teevar's store (runtime-inaccessible\n"
	 "ones too, authenticated ones with their timestamps) as a firmware variable\n"
	 "store image that the firmware boots with:\n"
	 "  edk2    an EDK2 NV store image (OVMF/AAVMF VARS pflash, EDK2 StMM EFI_VARS):\n"
	 "          the authenticated variable store, every record state 0x3F, free\n"
	 "          space 0xFF, the fault-tolerant-write working block re-initialised\n"
	 "          (empty). The default layout is AAVMF's: a 64 MiB file, an FV of\n"
	 "          0xC0000 bytes (variable store 0x48..0x40000, FTW working block at\n"
	 "          0x40000, spare at 0x80000), zeros after it\n"
	 "  uboot   U-Boot's ubootefi.var (the ESP file U-Boot loads at boot). A\n"
	 "          warning names each variable U-Boot (2023.01) will not load from it:\n"
	 "          PK, KEK, db, dbx, dbt, dbr, AuditMode, DeployedMode (only from its\n"
	 "          built-in preseed), shim's MOK variables, empty ones; and a file over\n"
	 "          16384 bytes (CONFIG_EFI_VAR_BUF_SIZE: U-Boot rejects it whole)\n"
	 "  --to F           edk2 or uboot; the default follows FILE: *.var is uboot,\n"
	 "                   anything else edk2\n"
	 "  --template IMAGE take the size and layout of an EDK2 image (e.g.\n"
	 "                   /usr/share/OVMF/OVMF_VARS_4M.fd gives a 540672-byte file):\n"
	 "                   only its variable store and FTW working block header and\n"
	 "                   queue are rewritten, every other byte is the template's\n"
	 "                   (its FV header included). IMAGE may be FILE itself\n"
	 "                   (rewritten in place, no --force needed). A damaged\n"
	 "                   template exits 8\n"
	 "  --force          replace an existing FILE (without it: exit 5, untouched);\n"
	 "                   the new FILE keeps the old one's mode (and, for root, its\n"
	 "                   owner)\n\n"
	 "Not written: teevar's own mode records (the mode follows from PK, as\n"
	 "import reads it), volatile variables, and EDK2's bookkeeping (certdb,\n"
	 "VendorKeysNv, ...: EDK2 re-creates it at boot). The variables go in the\n"
	 "store's order, the Secure Boot keys last in import's order (dbx, db, dbt,\n"
	 "dbr, KEK, PK), so that export, import elsewhere and export again give the\n"
	 "same bytes. FILE is written to a temporary file beside it, synced and renamed\n"
	 "over FILE: it never holds a partial image; without --force the new name is\n"
	 "made without replacing anything (a FILE made meanwhile is kept: exit 5). A\n"
	 "FILE that is a symbolic link, a device, a FIFO, a socket or a directory is\n"
	 "refused (exit 5: \"not a regular file; write the image to a file and copy it\n"
	 "with dd\"). FILE '-' writes the image to standard output. Prints \"exported N\n"
	 "variables to FILE (edk2, 67108864 bytes)\" (on stderr for '-'). Variables\n"
	 "that do not fit the layout: exit 3, nothing written.\n\n"
	 "Needs teevar's store itself: --state DIR (the secure core in this process)\n"
	 "with teevard stopped; over --tee unix: or optee: it is refused (exit 3).\n"
	 "Exit 4 when the secure core cannot start (the state directory in use) or\n"
	 "the store cannot be read; 5 when FILE cannot be written, exists (without\n"
	 "--force) or is not a regular file.\n"},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_global_help(void)
{
	printf("usage: teevar [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
	       "UEFI variables of a teevar secure core (StMM variable service).\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\nteevar COMMAND --help shows a command's options.\n\n"
	       "global options (anywhere on the line):\n"
	       "  --state DIR   run the secure core in this process on state directory DIR\n"
	       "                (default: $TEEVAR_STATE, else ./teevar-state). DIR must exist\n"
	       "                (mkdir it: an empty directory becomes a new store; or give\n"
	       "                --format). When teevard serves DIR, the command goes to it\n"
	       "                through DIR/teevard.sock (as --tee unix:DIR/teevard.sock)\n"
	       "                if DIR and it are yours (or root's) and only yours to write\n"
	       "  --tee SPEC    the transport, one of:\n"
	       "                  inproc:DIR     the secure core in this process on DIR\n"
	       "                  unix:SOCKET    teevard's socket (e.g. DIR/teevard.sock)\n"
	       "                  optee:DEVICE   a board's OP-TEE StMM (e.g. /dev/tee0)\n"
	       "                also from $TEEVAR_TEE when neither --tee nor --state is\n"
	       "                given (empty: unset). A malformed SPEC (empty, no or an\n"
	       "                unknown scheme, nothing after it) is a usage error (exit 1);\n"
	       "                one that cannot be reached (no such directory, socket or\n"
	       "                device, not a socket, nobody serving it) exits 4\n"
	       "  --runtime     after connecting, signal ready-to-boot and exit-boot-services,\n"
	       "                so the command sees what an OS sees. The in-process secure\n"
	       "                core starts afresh with every command, in the boot-services\n"
	       "                phase (a reset): without --runtime, commands run as firmware.\n"
	       "                Through teevard (unix:) the phase is teevard's: every client\n"
	       "                is at runtime from then on, until teevard restarts (a note\n"
	       "                on stderr says so); refused while other clients are\n"
	       "                connected, unless --all-clients\n"
	       "  --all-clients with --runtime: change teevard's phase although other\n"
	       "                clients are connected\n"
	       "  --format      start over on purpose (in-process secure core only): give\n"
	       "                up the store in the state directory and format it; a\n"
	       "                missing state directory, rpmb.img or huk is then created\n"
	       "                anew. Without it a missing piece of an existing store is\n"
	       "                refused (exit 4).\n"
	       "  --help, -h    help;  --version  the version\n\n"
	       "The in-process secure core locks its state directory: a second teevar on\n"
	       "the same directory fails with \"state directory in use\" (unless teevard\n"
	       "serves it: see --state). What lasts only as long as the in-process secure\n"
	       "core (volatile variables, locks, properties, a phase change) gets a note on\n"
	       "stderr: it ends with the command. A state directory\n"
	       "or rpmb.img that group or others may read or write gets a warning on stderr\n"
	       "(rpmb.img holds the emulated device's key in clear).\n\n"
	       "GUID aliases (for --guid):\n");
	print_guid_aliases(stdout);
	printf("\nexit codes:\n"
	       "  0  success\n"
	       "  1  usage error (a malformed --tee spec included)\n"
	       "  2  variable (or property) not found\n"
	       "  3  other UEFI error (import: conflicts or invalid variables, nothing stored)\n"
	       "  4  cannot reach the secure core (transport or open failure, a state\n"
	       "     directory that does not exist, too many clients of teevard)\n"
	       "  5  I/O error (reading input files, writing output; export to an existing\n"
	       "     file without --force)\n"
	       "  6  the variable store is damaged: check found damage or a device that\n"
	       "     does not hold what is served, or a write was refused because of it\n"
	       "  7  malformed signature data: get --esl of a variable that is not a\n"
	       "     well-formed signature list, or a secureboot enroll file that is neither\n"
	       "     an .auth nor an .esl\n"
	       "  8  damaged firmware store image: import of a file that is not a well-formed\n"
	       "     EDK2 or U-Boot variable store (the message names the offset), a\n"
	       "     damaged export --template, or an import --from efivarfs file of 4\n"
	       "     bytes or fewer\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int run(const struct opts *o)
{
	if (o->npos == 0) {
		if (opt_has(o, OPT_VERSION)) {
			printf("teevar %s\n", TEEVAR_VERSION);
			return 0;
		}
		if (opt_has(o, OPT_HELP)) {
			print_global_help();
			return 0;
		}
		return usage_error("no command (see teevar --help)");
	}
	const struct command *cmd = find_command(o->pos[0]);
	if (!cmd)
		return usage_error("unknown command '%s' (see teevar --help)", o->pos[0]);
	if (opt_has(o, OPT_HELP)) {
		fputs(cmd->help, stdout);
		return 0;
	}
	if (opt_has(o, OPT_VERSION))
		return usage_error("--version takes no command");
	int rc = opts_check_allowed(o, cmd->name, cmd->options);
	return rc ? rc : cmd->run(o);
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = opts_parse(argc, argv, &o);
	if (rc == 0)
		rc = run(&o);
	return finish_output(rc);
}

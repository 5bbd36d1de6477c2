#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""An independent encoder of U-Boot's ubootefi.var, for the CLI tests.

Written from the file format as U-Boot 2023.01 defines it (include/efi_variable.h,
lib/efi_loader/efi_var_file.c), not from teevar's writer:

  header (24 bytes): reserved u64 = 0, magic u64 = 0x0161566966456255,
                     length u32 (the header and all entries), crc32 u32 (zlib's
                     CRC32 of the entries: the bytes after the header up to length)
  entry:             length u32 (the data size), attr u32, time u64, vendor GUID
                     (16 bytes, EFI byte order), the name in UCS-2 LE with its NUL,
                     the data; the next entry starts 8-aligned (padding zeros).

usage: uboot_encoder.py OUT VAR...  where VAR is NAME:GUID:ATTRS:HEXDATA[:TIME]
(ATTRS a number such as 0x7, TIME U-Boot's u64, default 0).
"""
import struct
import sys
import uuid
import zlib

MAGIC = 0x0161566966456255


def entry(name, guid, attrs, data, time=0):
    raw_name = (name + "\0").encode("utf-16-le")
    e = struct.pack("<IIQ", len(data), attrs, time) + uuid.UUID(guid).bytes_le + raw_name + data
    return e + bytes(-len(e) % 8)


def encode(variables):
    body = b"".join(entry(*v) for v in variables)
    return struct.pack("<QQII", 0, MAGIC, 24 + len(body), zlib.crc32(body)) + body


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    variables = []
    for spec in argv[2:]:
        parts = spec.split(":")
        name, guid, attrs, data = parts[0], parts[1], int(parts[2], 0), bytes.fromhex(parts[3])
        time = int(parts[4], 0) if len(parts) > 4 else 0
        variables.append((name, guid, attrs, data, time))
    with open(argv[1], "wb") as f:
        f.write(encode(variables))


if __name__ == "__main__":
    main(sys.argv)

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A small independent encoder of U-Boot's ubootefi.var, for test_varimg_uboot.

Usage: uboot_encoder.py OUT

Writes a fixed set of variables (test_varimg_uboot.c knows them) in U-Boot's
layout, from docs/firmware-stores.md, not from src/varimg:
  header: reserved u64 0, magic u64 0x0161566966456255, length u32 (whole file),
          crc32 u32 (zlib's CRC-32 of bytes [24, length))
  entry:  length u32 (data size), attr u32, time u64 (seconds since 1970,
          0 = none), GUID (16 bytes, EFI byte order), UCS-2 name with its NUL,
          data, then padding to the next 8-byte boundary.
The padding is filled with 0xA5 on purpose: U-Boot's own files may carry
leftovers there (efi_var_collect reuses its buffer), and readers ignore it.
"""
import calendar
import struct
import sys
import uuid
import zlib

MAGIC = 0x0161566966456255
GLOBAL = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
IMGSEC = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")
VENDOR = uuid.UUID("12345678-9abc-def0-1122-334455667788")

VARS = [
    # name, guid, attributes, time (UTC tuple or None), data
    ("BootOrder", GLOBAL, 0x7, None, bytes([1, 0, 2, 0])),
    ("Boot0001", GLOBAL, 0x7, None, bytes(range(31))),
    ("db", IMGSEC, 0x27, (2025, 3, 10, 2, 46, 37), b"\x30\x82\x01"),
    ("MyVar", VENDOR, 0x80000007, None, b"ro"),
    ("Empty", VENDOR, 0x7, None, b""),
    ("Late", VENDOR, 0x27, (2099, 12, 31, 23, 59, 59), b"x" * 8),
]


def entry(name, guid, attr, when, data):
    secs = calendar.timegm(when + (0, 0, 0)) if when else 0
    e = struct.pack("<IIQ", len(data), attr, secs) + guid.bytes_le
    e += (name + "\0").encode("utf-16-le") + data
    return e + b"\xa5" * (-len(e) % 8)


def main():
    body = b"".join(entry(*v) for v in VARS)
    head = struct.pack("<QQII", 0, MAGIC, 24 + len(body), zlib.crc32(body) & 0xFFFFFFFF)
    with open(sys.argv[1], "wb") as f:
        f.write(head + body)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Damage a medium the way a power cut cannot: flip one bit in the middle of a
byte pattern that occurs exactly once in FILE (a variable's data on an emulated
RPMB image). Finding the data by its bytes keeps this valid whatever the
store's layout. Prints the file offset of the flipped byte.

usage: flip_bit.py FILE PATTERN
"""
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, pattern = sys.argv[1], sys.argv[2].encode()
    with open(path, "rb") as f:
        data = bytearray(f.read())
    at = data.find(pattern)
    if at < 0 or data.find(pattern, at + 1) >= 0:
        sys.exit(f"flip_bit.py: '{sys.argv[2]}' is not in {path} exactly once")
    off = at + len(pattern) // 2
    data[off] ^= 0x10
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data[off:off + 1])
    print(off)


if __name__ == "__main__":
    main()

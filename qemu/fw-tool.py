#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""The host's half of qemu/check-fw.sh (the firmware stores).

  fw-tool.py loadopt DESC PATH [ARGS]   an EFI_LOAD_OPTION (hex) for the guest
        disk's ESP: HD(1,GPT,3c1b2a09-...,0x800,0x1f000)/File(PATH), active,
        ARGS (if given) as its optional data in UCS-2 (the loader's command
        line, as efibootmgr -u writes it)
  fw-tool.py uboot LOG CMDS -- QEMU ARGS...   boots U-Boot (the QEMU command
        line after --), stops its autoboot, runs each line of the file CMDS at
        its prompt, then `poweroff`; the whole console goes to LOG. Exit 0
        when every command got its prompt back and QEMU powered off.
  fw-tool.py printenv LOG    the variables `printenv -e` showed in LOG, one
        "Name-GUID HEX" a line (HEX: attributes u32 LE, then the data, as
        efivarfs shows a variable); "Name-GUID -" for one it did not find.
  fw-tool.py state TEEVAR STATE   the same for every variable of a teevar
        state directory (teevar --state STATE list/get --json).
  fw-tool.py fwvars LOG PREFIX    the guest's "PREFIX Name-GUID HEX" lines.
  fw-tool.py vartime FILE NAME    the time (u64, seconds since 1970) of
        variable NAME in the ubootefi.var FILE (its entries: data size u32,
        attributes u32, time u64, GUID, UCS-2 name with its NUL, data,
        8-aligned; after a 24-byte header), or -1.

Nothing here is firmware code: the load option, the attribute names and the
hexdump layout are the UEFI specification's and what U-Boot prints.
"""
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import time
import uuid

# The GPT of qemu/prepare.sh's disk: partition 1, the ESP.
ESP_GUID = uuid.UUID("3c1b2a09-8f7e-4d6c-b5a4-9e8d7c6b5a40")
ESP_START, ESP_SIZE = 0x800, 0x1F000


def loadopt(desc, path, args=None):
    # MEDIA_DEVICE_PATH / MEDIA_HARDDRIVE_DP: partition number, start, size,
    # signature (the partition GUID), MBR type 2 (GPT), signature type 2.
    hd = struct.pack("<BBHIQQ16sBB", 4, 1, 42, 1, ESP_START, ESP_SIZE,
                     ESP_GUID.bytes_le, 2, 2)
    p = (path + "\0").encode("utf-16-le")
    fp = struct.pack("<BBH", 4, 4, 4 + len(p)) + p   # MEDIA_FILEPATH_DP
    end = struct.pack("<BBH", 0x7F, 0xFF, 4)
    dp = hd + fp + end
    opt = struct.pack("<IH", 1, len(dp)) + (desc + "\0").encode("utf-16-le") + dp
    if args:
        opt += args.encode("utf-16-le")
    return opt.hex()


class Console:
    def __init__(self, argv, log):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.log = log
        self.buf = b""

    def expect(self, pat, timeout):
        end = time.time() + timeout
        while True:
            m = re.search(pat, self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return True
            left = end - time.time()
            if left <= 0:
                return False
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return False
            d = os.read(self.p.stdout.fileno(), 65536)
            if not d:
                return False
            self.log.write(d)
            self.log.flush()
            self.buf += d

    def send(self, s):
        self.p.stdin.write(s.encode())
        self.p.stdin.flush()


def uboot(log, cmds, argv):
    with open(cmds) as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    with open(log, "wb") as lf:
        c = Console(argv, lf)
        # Killed (the caller's cleanup, a timeout): QEMU goes too.
        def stop(_sig, _frm):
            c.p.kill()
            sys.exit(1)
        signal.signal(signal.SIGTERM, stop)
        ok = c.expect(rb"Hit any key to stop autoboot", 60)
        if ok:
            c.send(" ")
            ok = c.expect(rb"=> ", 30)
        for ln in lines if ok else []:
            c.send(ln + "\n")
            if not c.expect(rb"=> ", 60):
                lf.write(b"\nFW-TOOL: no prompt after: " + ln.encode() + b"\n")
                ok = False
                break
        if ok:
            c.send("poweroff\n")
        try:
            c.p.wait(timeout=30 if ok else 1)
        except subprocess.TimeoutExpired:
            c.p.kill()
            c.p.wait()
            ok = False
        lf.write(b"\nFW-TOOL: %s\n" % (b"powered off" if ok else b"killed"))
    return 0 if ok else 1


# U-Boot's names for the attribute bits (cmd/nvedit_efi.c prints them).
ATTRS = {"NV": 0x1, "BS": 0x2, "RT": 0x4, "HR": 0x8, "AW": 0x10, "AT": 0x20,
         "RO": 0x80000000}


def printenv(log):
    text = open(log, "rb").read().decode("latin-1").replace("\r", "")
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = re.match(r'^=> printenv -e -guid (\S+) (\S+)$', ln)
        if not m:
            i += 1
            continue
        guid, name = m.group(1).lower(), m.group(2)
        i += 1
        hexdata, attrs, found = "", None, False
        while i < len(lines) and not lines[i].startswith("=> "):
            a = re.match(r'^\s+([A-Z|]+), DataSize = 0x([0-9a-f]+)$', lines[i])
            if a:
                attrs = 0
                for n in a.group(1).split("|"):
                    attrs |= ATTRS.get(n, 0x40000000)
                found = True
            d = re.match(r'^\s+[0-9a-f]{8}: ((?:[0-9a-f]{2} )*[0-9a-f]{2})', lines[i])
            if d and found:
                hexdata += d.group(1).replace(" ", "")
            i += 1
        if attrs is None:
            out.append(f"{name}-{guid} -")
        else:
            out.append(f"{name}-{guid} {struct.pack('<I', attrs).hex()}{hexdata}")
    return out


def state(teevar, st):
    def run(*a):
        return subprocess.run([teevar, "--state", st, *a], check=True,
                              capture_output=True, text=True).stdout
    out = []
    for v in json.loads(run("list", "--json")):
        full = f"{v['name']}-{v['guid']}"
        g = json.loads(run("get", "--json", full))
        out.append(f"{full} {struct.pack('<I', g['attributes']).hex()}{g['data']}")
    return out


def fwvars(log, prefix):
    out = []
    for ln in open(log, "rb").read().decode("latin-1").split("\n"):
        ln = ln.rstrip("\r")
        if ln.startswith(prefix + " "):
            out.append(ln[len(prefix) + 1:])
    return out


def vartime(path, name):
    b = open(path, "rb").read()
    pos = 24
    while pos + 32 <= len(b):
        size, _attr, secs = struct.unpack_from("<IIQ", b, pos)
        end = pos + 32
        while b[end:end + 2] != b"\0\0":
            end += 2
        if b[pos + 32:end].decode("utf-16-le") == name:
            return secs
        pos = (end + 2 + size + 7) // 8 * 8
    return -1


def main():
    a = sys.argv[1:]
    if a[:1] == ["loadopt"]:
        print(loadopt(*a[1:]))
    elif a[:1] == ["uboot"] and len(a) > 4 and a[3] == "--":
        sys.exit(uboot(a[1], a[2], a[4:]))
    elif a[:1] == ["printenv"]:
        print("\n".join(printenv(a[1])))
    elif a[:1] == ["state"]:
        print("\n".join(state(a[1], a[2])))
    elif a[:1] == ["vartime"]:
        print(vartime(a[1], a[2]))
    elif a[:1] == ["fwvars"]:
        print("\n".join(fwvars(a[1], a[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""File operations for test_teevarfs_mount.sh, each printing its outcome as
one line: "OK", an errno name (EPERM, ...) or the values asked for. Only the
os module's system calls: what a tool would do, one call at a time."""
import errno
import fcntl
import os
import struct
import subprocess
import sys
import time

FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602

FLAG_BITS = {"r": 0, "w": os.O_WRONLY, "b": os.O_RDWR, "t": os.O_TRUNC, "c": os.O_CREAT,
             "x": os.O_EXCL, "a": os.O_APPEND}


def flags_of(spec):
    f = 0
    for ch in spec:
        f |= FLAG_BITS[ch]
    return f


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def exists(path):
    try:
        os.stat(path)
        return "yes"
    except OSError as e:
        return err(e)


def listed(path):
    d, n = os.path.split(path)
    return "yes" if n in os.listdir(d) else "no"


def read_all(fd):
    out = b""
    while True:
        b = os.read(fd, 65536)
        if not b:
            return out
        out += b


def main(argv):
    op, path = argv[1], argv[2]
    args = argv[3:]
    try:
        if op == "open":
            os.close(os.open(path, flags_of(args[0]), 0o644))
            print("OK")
        elif op == "write":
            # open, ONE write() of the whole record, close: each step reported
            try:
                fd = os.open(path, flags_of(args[0]), 0o644)
            except OSError as e:
                print("open:" + err(e))
                return
            try:
                n = os.write(fd, bytes.fromhex(args[1]))
                res = "OK" if n == len(bytes.fromhex(args[1])) else "short"
            except OSError as e:
                res = "write:" + err(e)
            os.close(fd)
            print(res)
        elif op == "read":
            fd = os.open(path, os.O_RDONLY)
            data = read_all(fd)
            os.close(fd)
            print(data.hex() if data else "EMPTY")
        elif op == "size":
            print(os.stat(path).st_size)
        elif op == "mode":
            st = os.stat(path)
            print("%o %d %d" % (st.st_mode, st.st_uid, st.st_gid))
        elif op == "unlink":
            os.unlink(path)
            print("OK")
        elif op == "truncate":
            os.truncate(path, int(args[0]) if args else 0)
            print("OK")
        elif op == "mkdir":
            os.mkdir(path)
            print("OK")
        elif op == "rename":
            os.rename(path, args[0])
            print("OK")
        elif op == "statvfs":
            s = os.statvfs(path)
            print("bsize=%d frsize=%d blocks=%d bfree=%d bavail=%d namemax=%d" %
                  (s.f_bsize, s.f_frsize, s.f_blocks, s.f_bfree, s.f_bavail, s.f_namemax))
        elif op == "getflags":
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                b = fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("I", 0))
                print("0x%x" % struct.unpack("I", b[:4])[0])
            finally:
                os.close(fd)
        elif op == "setflags":
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("I", int(args[0], 0)))
                print("OK")
            finally:
                os.close(fd)
        elif op == "open_unlink":
            # an open file outlives its name: EOF, no link, its last size, not listed
            fd = os.open(path, os.O_RDONLY)
            os.unlink(path)
            st = os.fstat(fd)
            data = read_all(fd)
            print("nlink=%d size=%d read=%d exists=%s listed=%s" %
                  (st.st_nlink, st.st_size, len(data), exists(path), listed(path)))
            os.close(fd)
        elif op == "create_close":
            # created, never written: a 0-byte file while open, gone at close
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            st = os.stat(path)
            during = "size=%d listed=%s" % (st.st_size, listed(path))
            os.close(fd)
            print("%s after=%s" % (during, exists(path)))
        elif op == "two_fds":
            fd1 = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            fd2 = os.open(path, os.O_RDONLY)
            os.close(fd2)
            mid = exists(path)
            os.close(fd1)
            print("after_first=%s after_last=%s" % (mid, exists(path)))
        elif op == "immutable_creator":
            # the creating fd writes an immutable new file; a new open may not
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.close(os.open(path, os.O_WRONLY))
                second = "OK"
            except OSError as e:
                second = err(e)
            try:
                os.write(fd, bytes.fromhex(args[0]))
                w = "OK"
            except OSError as e:
                w = err(e)
            os.close(fd)
            print("second_open=%s write=%s size=%s" % (second, w, os.stat(path).st_size))
        elif op == "delete_by_write":
            fd = os.open(path, os.O_WRONLY)
            os.write(fd, bytes.fromhex(args[0]))
            gone = exists(path)
            os.close(fd)
            print("after_write=%s listed=%s" % (gone, listed(path)))
        elif op == "sizes_while_open":
            # the size after each write comes from GetVariable
            fd = os.open(path, os.O_WRONLY)
            out = []
            for h in args:
                os.write(fd, bytes.fromhex(h))
                out.append(str(os.fstat(fd).st_size))
            os.close(fd)
            print(" ".join(out))
        elif op == "stat_around":
            # stat and fstat before and after a command (another client)
            # changes the variable: the open file 0.1 s later, the path
            fd = os.open(path, os.O_RDONLY)
            before = "%d/%d" % (os.stat(path).st_size, os.fstat(fd).st_size)
            subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
            time.sleep(0.1)
            # fstat first: a lookup of the path would refresh the open
            # file's attributes too (the same inode)
            by_fd = os.fstat(fd).st_size
            print("before=%s fstat=%d path=%d" % (before, by_fd, os.stat(path).st_size))
            os.close(fd)
        else:
            print("bad op " + op)
            sys.exit(2)
    except OSError as e:
        print(err(e))


if __name__ == "__main__":
    main(sys.argv)

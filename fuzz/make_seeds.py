#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the hand-made seed inputs under fuzz/seeds/<harness>/ (valid messages,
one per decoder or function). The first byte of each is the harness's selector,
see the comment at the top of each fuzz/*.c."""
import hashlib, hmac, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
u16, u32, u64 = (lambda v: struct.pack('<H', v)), (lambda v: struct.pack('<I', v)), (lambda v: struct.pack('<Q', v))
be16, be32 = (lambda v: struct.pack('>H', v)), (lambda v: struct.pack('>I', v))

def put(harness, name, data):
    d = os.path.join(HERE, 'seeds', harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

# --- fuzz_tvd_wire: selector = decoder ---
uuid = bytes.fromhex('ed32d53399e642099cc02d72cdd998a7')
put('fuzz_tvd_wire', 'hdr', b'\x00' + u32(0x50445654) + u16(1) + u16(2) + u32(0))
put('fuzz_tvd_wire', 'open_req', b'\x01' + uuid + u32(0))
mm = bytes(range(48))
put('fuzz_tvd_wire', 'invoke_req', b'\x02' + u32(1) + u32(0) +
    u32(7) + u64(len(mm)) + mm + u32(2) + u64(0) * 3 + u32(0) + u32(0))
put('fuzz_tvd_wire', 'invoke_req_out', b'\x02' + u32(1) + u32(0) +
    u32(6) + u64(64) + u32(1) + u64(1) + u64(2) + u64(3) + u32(5) + u64(4) + b'abcd' + u32(3) + u64(0) * 3)
put('fuzz_tvd_wire', 'close_req', b'\x03' + u32(1))
put('fuzz_tvd_wire', 'info_req', b'\x04')
put('fuzz_tvd_wire', 'status', b'\x05' + u32(0) + u32(3))
put('fuzz_tvd_wire', 'status_denied', b'\x05' + u32(0xFFFF0001) + u32(2) + u32(1000) + u32(2) + u32(0))
put('fuzz_tvd_wire', 'open_resp', b'\x06' + u32(0) + u32(3) + u32(1))
put('fuzz_tvd_wire', 'invoke_resp', b'\x07' + u32(0) + u32(3) +
    u32(7) + u64(len(mm)) + mm + u32(2) + u64(0) * 3 + u32(0) + u32(0))
put('fuzz_tvd_wire', 'invoke_resp_short', b'\x07' + u32(0xFFFF0010) + u32(4) +
    u32(7) + u64(128) + u32(2) + u64(0) * 3 + u32(0) + u32(0))
put('fuzz_tvd_wire', 'info_resp', b'\x08' + u32(0) + u32(3) + u64(1 << 20) + u64(4096) +
    u64((1 << 20) - 4096) + u32(3) + u32(16) + u32(65536) + u32(12) + u32(42) + u32(0) +
    u32(16384) + u32(2) + u32(0))
put('fuzz_tvd_wire', 'rpc_req', b'\x0b' + u32(1) + u32(6) + u32(19) + u32(0) + u16(1) + u16(0) + u16(0))
put('fuzz_tvd_wire', 'rpc_resp', b'\x0c' + u32(0) + u32(19) + bytes(range(16)) + b'\x02\x01\x00')

# --- fuzz_rpmb_rpc ---
frame = bytearray(512)
frame[510:512] = be16(2)  # READ_COUNTER
put('fuzz_rpmb_rpc', 'data_req', b'\x00' + u32(1) + u16(0) + u16(0) + u16(1) + bytes(frame))
put('fuzz_rpmb_rpc', 'dev_info_req', b'\x00' + u32(0x40000000) + u16(1) + u16(0) + u16(0))
put('fuzz_rpmb_rpc', 'shape', b'\x01' + b'\x01' + bytes(frame))
put('fuzz_rpmb_rpc', 'dev_info', b'\x02' + bytes(range(16)) + b'\x20\x01\x00')
put('fuzz_rpmb_rpc', 'supp_req', b'\x03' + u32(0x50535654) + u32(1) + u32(518) + u32(512))
put('fuzz_rpmb_rpc', 'supp_resp', b'\x04' + u32(512) + u32(0) + u32(512))

# --- fuzz_store_records (key as in fuzz_store_records.c) ---
key = bytes.fromhex('4b657920666f722066757a7a696e67210011223344556677'
                    '8899aabbccddeeff')
def rec(typ, name, data, seq=1, attrs=7, ext=b'', v1=False):
    hdr = bytes([0x7E if v1 else 0x7F, typ]) + u16(len(name)) + u32(len(data)) + u64(seq) + uuid + u32(attrs)
    body = ext + name + data
    if v1:
        return hdr + hmac.new(key, hdr + body, hashlib.sha256).digest()[:16] + body
    check = hmac.new(key, b'H' + hdr, hashlib.sha256).digest()[:4]
    mac = hmac.new(key, hdr + check + body, hashlib.sha256).digest()[:12]
    return hdr + check + mac + body
name = 'Boot0001\0'.encode('utf-16-le')
put('fuzz_store_records', 'var', b'\x00' + rec(1, name, b'\x01\x00\x00\x00', seq=(7 << 32) | (1 << 16)))
put('fuzz_store_records', 'del', b'\x00' + rec(2, name, b'', seq=(8 << 32) | (1 << 16)))
put('fuzz_store_records', 'authvar', b'\x01' + rec(3, name, b'payload', attrs=0x27, ext=bytes(48)))
put('fuzz_store_records', 'var_v1', b'\x00' + rec(1, name, b'\x01\x00\x00\x00', v1=True))
sb = bytearray(256)
sb[0:24] = b'TVSTORE1' + u32(1) + u32(16) + u32(32) + bytes(4)
sb[20:36] = bytes(range(16))
sb[224:256] = hmac.new(key, bytes(sb[:224]), hashlib.sha256).digest()
put('fuzz_store_records', 'superblock', b'\x02' + bytes(sb))
sb[8:12] = u32(2)
sb[36:48] = u32(2) + u32(1) + u32(1)
sb[224:256] = hmac.new(key, bytes(sb[:224]), hashlib.sha256).digest()
put('fuzz_store_records', 'superblock_v2', b'\x02' + bytes(sb))
def ckpt(nblocks, plan, runs, counter=9, head_seg=3, head_pos=512):
    c = bytearray(nblocks * 256)
    c[0:28] = (b'TVCK' + u16(nblocks) + u16(1) + u32(counter) + u32(head_seg) + u32(head_pos) +
               u16(len(plan)) + u16(len(runs)) + u32(sum(r[2] for r in runs)))
    c[28:32] = hmac.new(key, b'C' + bytes(c[:28]), hashlib.sha256).digest()[:4]
    body = b''.join(u16(p) for p in plan) + b''.join(u16(a) + u16(b) + u16(n) + u16(r) for a, b, n, r in runs)
    c[32:32 + len(body)] = body
    c[-32:] = hmac.new(key, bytes(c[:-32]), hashlib.sha256).digest()
    return bytes(c)
put('fuzz_store_records', 'ckpt', b'\x04' + ckpt(1, [4, 0x8005], [(9, 0, 2, 3), (20, 100, 1, 2)]))
put('fuzz_store_records', 'ckpt_2blocks', b'\x04' + ckpt(2, [4, 5, 6], [(7 + 2 * i, 8 * i, 2, 1 + i % 3) for i in range(30)]))

# --- fuzz_emu: op byte, count byte, frames ---
def fr(typ, addr=0, count=0, counter=0):
    f = bytearray(512)
    f[500:504] = be32(counter)
    f[504:506] = be16(addr)
    f[506:508] = be16(count)
    f[510:512] = be16(typ)
    return bytes(f)
seq = (b'\x03\x00' +                                   # program the key
       b'\x00\x01' + fr(2) + b'\x01\x01' +              # read the counter
       b'\x0e\x01' + fr(3, addr=1, count=1) +           # authenticated write, MAC'ed
       b'\x00\x01' + fr(5) + b'\x01\x01' +              # result read
       b'\x00\x01' + fr(4, addr=1, count=1) + b'\x01\x01')  # authenticated read
put('fuzz_emu', 'session', seq)
put('fuzz_emu', 'no_key_read', b'\x00\x01' + fr(4, addr=0, count=2) + b'\x01\x02')

# --- fuzz_mm: mode byte, then Function byte and payload (mode 1) or the buffer ---
vguid = bytes.fromhex('00112233445566778899aabbccddeeff')
vname = 'Fuzz\0'.encode('utf-16-le')
data = b'\xde\xad\xbe\xef'
access = vguid + u64(len(data)) + u64(len(vname)) + u32(7) + vname + data
put('fuzz_mm', 'set', b'\x01\x03' + access)
put('fuzz_mm', 'get', b'\x01\x01' + access)
put('fuzz_mm', 'get_next', b'\x01\x02' + bytes(16) + u64(64) + bytes(64))
put('fuzz_mm', 'query', b'\x01\x04' + u64(0) * 3 + u32(7))
put('fuzz_mm', 'lock', b'\x01\x08' + vguid + u64(len(vname)) + vname)
put('fuzz_mm', 'property_get', b'\x01\x0a' + vguid + u64(len(vname)) + bytes(24) + vname)
put('fuzz_mm', 'property_set', b'\x01\x09' + vguid + u64(len(vname)) +
    u16(1) + u16(1) + u32(7) + u64(1) + u64(64) + vname)
put('fuzz_mm', 'payload_size', b'\x01\x0b' + bytes(8))
put('fuzz_mm', 'ready_to_boot', b'\x05\x05')
payload = u64(4) + u64(0) + u64(0) * 3 + u32(7)  # Function, ReturnStatus, QUERY payload
smm_guid = bytes.fromhex('33d532ede69909429cc02d72cdd998a7')
put('fuzz_mm', 'raw_query', b'\x00' + smm_guid + u64(len(payload)) + payload)
# sequence mode (0xF0): [Function][length][payload] x n
def msg(fn, payload):
    return bytes([fn, len(payload)]) + payload
lock = vguid + u64(len(vname)) + vname
prop = vguid + u64(len(vname)) + u16(1) + u16(1) + u32(7) + u64(1) + u64(64) + vname
put('fuzz_mm', 'seq_lock_set', b'\xf0' + msg(8, lock) + msg(3, access) + msg(1, access))
put('fuzz_mm', 'seq_prop_set', b'\xf0' + msg(9, prop) + msg(3, access) + msg(10, prop))
put('fuzz_mm', 'seq_set_walk', b'\xf0' + msg(3, access) + msg(2, bytes(16) + u64(64) + bytes(64)) +
    msg(3, vguid + u64(0) + u64(len(vname)) + u32(7) + vname))  # set, walk, delete
put('fuzz_mm', 'seq_runtime', b'\xf4' + msg(3, access) + msg(5, b'') + msg(6, b'') +
    msg(3, access) + msg(1, access))

# --- fuzz_vtee_msg: selector bit 0 = response ---
def tvv(op, id_, session=0, func=0, ret=0, origin=0, params=(), payload=b'', uuid_=bytes(16), login=0):
    ps = list(params) + [(0, 0, 0, 0)] * (4 - len(params))
    hdr = (u32(0x56565654) + u16(1) + u16(op) + u32(id_) + u32(session) + u32(func) +
           u32(ret) + u32(origin) + u32(len(payload)) + uuid_ + u32(login) + u32(4))
    for attr, a, b, c in ps:
        hdr += u32(attr) + u32(0) + u64(a) + u64(b) + u64(c)
    assert len(hdr) == 184
    return hdr + payload
put('fuzz_vtee_msg', 'open_req', b'\x00' + tvv(1, 1, session=1, uuid_=uuid))
put('fuzz_vtee_msg', 'invoke_req', b'\x00' + tvv(2, 2, session=1, uuid_=uuid,
    params=[(7, len(mm), 0, 0), (2, 0, 0, 0)], payload=mm))
put('fuzz_vtee_msg', 'close_req', b'\x00' + tvv(3, 3, session=1))
put('fuzz_vtee_msg', 'invoke_resp', b'\x01' + tvv(0x8002, 2, session=1, origin=4, uuid_=uuid,
    params=[(7, len(mm), 0, 0), (2, 0xfffffffe, 0, 0)], payload=mm))
put('fuzz_vtee_msg', 'invoke_resp_err', b'\x01' + tvv(0x8002, 2, session=1, ret=0xFFFF0010, origin=4,
    params=[(7, 65536, 0, 0), (2, 0, 0, 0)]))
# selector bit 1: the RPC codec (a legacy RPMB request: 6-byte rpmb_req + one frame)
rpmb_in = u16(4) + u16(1) + u16(0) + bytes(range(256)) + bytes(256)
put('fuzz_vtee_msg', 'rpc_req', b'\x02' + tvv(4, 2, session=1, func=1, uuid_=uuid,
    params=[(5, len(rpmb_in), 0, 0), (6, 512, 0, 0)], payload=rpmb_in))
put('fuzz_vtee_msg', 'rpc_ans', b'\x03' + tvv(0x8004, 2, session=1, func=1, origin=3, uuid_=uuid,
    params=[(5, len(rpmb_in), 0, 0), (6, 512, 0, 0)], payload=bytes(range(256)) * 2))
put('fuzz_vtee_msg', 'rpc_ans_err', b'\x03' + tvv(0x8004, 2, session=1, func=22, ret=0xFFFF000A, origin=2,
    uuid_=uuid, params=[(5, 0, 0, 0), (6, 0, 0, 0)]))

# --- fuzz_auth: selector (mod 4) = parser ---
def guid(s):
    b = bytes.fromhex(s.replace('-', ''))
    return b[3::-1] + b[5:3:-1] + b[7:5:-1] + b[8:]
SHA256 = guid('c1c41626-504c-4092-aca9-41f936934328')
X509 = guid('a5c059a1-94e4-4aa7-87b5-ab155c2bf072')
PKCS7 = guid('4aafd29d-68df-49ee-8aa9-347d375665a7')
OWNER = guid('11111111-2222-3333-4444-123456789abc')
def esl(type_, entries):
    size = 16 + len(entries[0])
    return type_ + u32(28 + size * len(entries)) + u32(0) + u32(size) + b''.join(OWNER + e for e in entries)
hashes = esl(SHA256, [hashlib.sha256(bytes([i])).digest() for i in range(3)])
put('fuzz_auth', 'format_hashes', b'\x01\x00' + hashes)
put('fuzz_auth', 'filter_dup', b'\x02' + u16(len(hashes)) + hashes + esl(SHA256, [hashlib.sha256(b'\x01').digest(), hashlib.sha256(b'new').digest()]))
efi_time = u16(2024) + bytes([1, 2, 3, 4, 5, 0]) + u32(0) + u16(0) + bytes(2)
put('fuzz_auth', 'descriptor_empty', b'\x00' + efi_time + u32(24) + u16(0x200) + u16(0x0EF1) + PKCS7 + hashes)
# A real SignedData (an ephemeral key made here and thrown away): what the
# descriptor parser must get past to reach the PKCS#7 checks.
import subprocess, tempfile
with tempfile.TemporaryDirectory() as tmp:
    key, crt, data = (os.path.join(tmp, n) for n in ('k.pem', 'c.pem', 'd.bin'))
    with open(data, 'wb') as f:
        f.write(hashes)
    try:
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=seed',
                        '-keyout', key, '-out', crt, '-days', '1'], check=True, capture_output=True)
        p7 = subprocess.run(['openssl', 'cms', '-sign', '-binary', '-noattr', '-md', 'sha256', '-outform', 'DER',
                             '-signer', crt, '-inkey', key, '-in', data], check=True, capture_output=True).stdout
        put('fuzz_auth', 'descriptor_signed', b'\x00' + efi_time + u32(24 + len(p7)) + u16(0x200) +
            u16(0x0EF1) + PKCS7 + p7 + hashes)
        with open(crt, 'rb') as f:
            pem = f.read()
        der = subprocess.run(['openssl', 'x509', '-outform', 'DER'], input=pem, check=True,
                             capture_output=True).stdout
        put('fuzz_auth', 'format_x509_pk', b'\x01\x01' + esl(X509, [der]))
    except (OSError, subprocess.CalledProcessError):
        pass  # no openssl: the other seeds still go in
boot = u32(1) + u16(4) + 'Linux\0'.encode('utf-16-le') + bytes([0x7f, 0xff, 4, 0])
put('fuzz_auth', 'uefi_boot0001', b'\x03\x01' + u32(7) + boot)
put('fuzz_auth', 'uefi_bootorder', b'\x03\x00' + u32(7) + u16(1) + u16(0))

# --- fuzz_varimg: selector = format hint (0 auto, 1 edk2, 2 uboot), then the file ---
import zlib
def guid_le(s):
    h = s.replace('-', '')
    return (bytes.fromhex(h[0:8])[::-1] + bytes.fromhex(h[8:12])[::-1] +
            bytes.fromhex(h[12:16])[::-1] + bytes.fromhex(h[16:]))
GLOBAL = guid_le('8be4df61-93ca-11d2-aa0d-00e098032b8c')
def edk2_image():
    """A 12 KiB EDK2 NV store: FV header, authenticated store with two records
    (one live, one deleted), an FTW working block, an erased spare block."""
    fv = bytes(16) + guid_le('fff12b8d-7696-4c8b-a985-2747075b4f50') + u64(0x3000) + b'_FVH' + \
        u32(0x4feff) + u16(0x48) + u16(0) + u16(0) + b'\x00' + b'\x02' + u32(3) + u32(0x1000) + u32(0) + u32(0)
    s = sum(struct.unpack('<36H', fv)) & 0xffff
    fv = fv[:50] + u16((0x10000 - s) & 0xffff) + fv[52:]
    store = guid_le('aaf32c78-947b-439a-a180-2e144ec37792') + u32(0x1000 - 0x48) + b'\x5a\xfe' + u16(0) + u32(0)
    def rec(state, name, data, ts=bytes(16)):
        n = (name + '\0').encode('utf-16-le')
        r = u16(0x55aa) + bytes([state, 0]) + u32(0x07) + u64(0) + ts + u32(0) + u32(len(n)) + \
            u32(len(data)) + GLOBAL + n + data
        return r + b'\xff' * (-len(r) % 4)
    body = store + rec(0x3c, 'Timeout', u16(5)) + rec(0x3f, 'Timeout', u16(3))
    img = fv + body + b'\xff' * (0x1000 - 0x48 - len(body))
    hdr = guid_le('9e58292b-7c68-497d-a0ce-6500fd9f1b95') + b'\xff' * 4 + b'\xff' + b'\xff' * 3 + u64(0x1000 - 32)
    crc = zlib.crc32(hdr) & 0xffffffff
    hdr = hdr[:16] + u32(crc) + b'\xfe' + hdr[21:]
    img += hdr + b'\xff' * (0x1000 - 32) + b'\xff' * 0x1000
    return img
put('fuzz_varimg', 'edk2_small', b'\x01' + edk2_image())
def uboot_file(entries):
    body = b''
    for name, attrs, secs, data in entries:
        e = u32(len(data)) + u32(attrs) + u64(secs) + GLOBAL + (name + '\0').encode('utf-16-le') + data
        body += e + bytes(-len(e) % 8)
    return u64(0) + u64(0x0161566966456255) + u32(24 + len(body)) + u32(zlib.crc32(body) & 0xffffffff) + body
put('fuzz_varimg', 'uboot_two', b'\x02' + uboot_file([('BootOrder', 0x7, 0, u16(1)),
                                                      ('Timeout', 0x7, 0, u16(3))]))
put('fuzz_varimg', 'uboot_empty', b'\x00' + uboot_file([]))

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Secure Boot keys and signed updates of make check-qemu's secureboot
# scenario, made at test time (nothing of it is committed):
#   qemu/sb-keys.sh DIR
# With openssl and Debian's efitools (cert-to-efi-sig-list, sign-efi-sig-list)
# as /work/shared/spec/efivarfs-and-tools.md describes them; the SHA-256 lists
# and the unsigned descriptor with python3. DIR/keys.tar holds what the guest
# gets on its second virtio disk (the private KEK key included: test keys).
#
#   PK.auth KEK.auth db.auth   self-signed by PK, by PK, by KEK (setup mode)
#   db2.esl                    one more certificate, for efi-updatevar -e
#   db3.crt                    another, which the guest's efi-updatevar -k signs
#   db2-unsigned.auth          the same in an unsigned descriptor (dwLength 24,
#                              no certificate), as efi-updatevar -e writes it
#   db2-append.auth            db2.esl, an append signed by KEK
#   dbx-append.auth            2 SHA-256 hashes, an append signed by KEK
#   dbx40.auth                 a 40 KiB dbx: 853 SHA-256 hashes (40972 bytes),
#                              signed by KEK
#   dbx40-append.auth          3 hashes, the first already in dbx40, an append
#   db50.auth                  50 X.509 certificates (one RSA key), signed by KEK
#   dbx40.esl db50.esl         the lists of dbx40.auth and db50.auth
#   dbx-final.esl db-final.esl what dbx and db hold at the end
#   sizes                      "NAME BYTES ENTRIES" of the lists
# Timestamps are fixed (-t), each replacing write later than the one before.
set -euo pipefail

dir=${1:?usage: sb-keys.sh DIR}
mkdir -p "$dir"
cd "$dir"
OWNER=5e0f1d2c-3b4a-4f69-8e7d-6c5b4a392817   # teevar's test vendor GUID
DBX_N=853
DB_N=50

cert() {   # cert NAME CN [KEY]: NAME.crt (and NAME.key unless KEY is given)
    if [ -n "${3:-}" ]; then
        openssl req -new -x509 -key "$3" -sha256 -days 3650 -subj "/CN=$2/" \
            -out "$1.crt" 2>/dev/null
    else
        openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
            -subj "/CN=$2/" -keyout "$1.key" -out "$1.crt" 2>/dev/null
    fi
}
esl() { cert-to-efi-sig-list -g "$OWNER" "$1.crt" "$1.esl" >/dev/null; }
# sign SIGNER VAR ESL OUT [TIMESTAMP | -a]
sign() {
    local k=$1 var=$2 in=$3 out=$4 when=${5:-}
    if [ "$when" = -a ]; then
        sign-efi-sig-list -a -g "$OWNER" -k "$k.key" -c "$k.crt" "$var" "$in" "$out" >/dev/null
    else
        sign-efi-sig-list -t "$when" -g "$OWNER" -k "$k.key" -c "$k.crt" "$var" "$in" "$out" >/dev/null
    fi
}

for n in PK KEK db db2 db3; do
    cert "$n" "teevar test $n"
    esl "$n"
done
sign PK PK PK.esl PK.auth "2024-01-01 00:00:03"
sign PK KEK KEK.esl KEK.auth "2024-01-01 00:00:02"
sign KEK db db.esl db.auth "2024-01-01 00:00:01"
sign KEK db db2.esl db2-append.auth -a

# 50 certificates of one key (a key each would take seconds), one list each
# as cert-to-efi-sig-list makes them.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out db50.key 2>/dev/null
: >db50.esl
for i in $(seq -w 1 "$DB_N"); do
    cert "db50-$i" "teevar test db50 $i" db50.key
    esl "db50-$i"
    cat "db50-$i.esl" >>db50.esl
    rm -f "db50-$i.crt" "db50-$i.esl"
done
sign KEK db db50.esl db50.auth "2024-01-01 00:02:00"

# SHA-256 lists (EFI_CERT_SHA256_GUID, 48-byte entries) and the unsigned
# descriptor.
python3 - "$OWNER" "$DBX_N" <<'PY'
import hashlib, struct, sys, uuid
owner = uuid.UUID(sys.argv[1]).bytes_le
n = int(sys.argv[2])
SHA256 = uuid.UUID("c1c41626-504c-4092-aca9-41f936934328").bytes_le
PKCS7 = uuid.UUID("4aafd29d-68df-49ee-8aa9-347d375665a7").bytes_le
def h(s): return hashlib.sha256(s.encode()).digest()
def esl(hashes):
    return SHA256 + struct.pack("<III", 28 + 48 * len(hashes), 0, 48) + \
        b"".join(owner + x for x in hashes)
big = [h(f"teevar dbx {i}") for i in range(n)]
open("dbx40.esl", "wb").write(esl(big))
open("dbx-append.esl", "wb").write(esl([h("teevar dbx append 1"), h("teevar dbx append 2")]))
new = [h("teevar dbx40 append 1"), h("teevar dbx40 append 2")]
open("dbx40-append.esl", "wb").write(esl([big[0]] + new))
# What dbx holds after the append: the entry already present is dropped.
open("dbx-final.esl", "wb").write(esl(big) + esl(new))
# EFI_TIME 2025-01-01 00:00:00, then WIN_CERTIFICATE_UEFI_GUID without CertData
desc = struct.pack("<HBBBBBBIhBB", 2025, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0) + \
    struct.pack("<IHH", 24, 0x0200, 0x0EF1) + PKCS7
open("db2-unsigned.auth", "wb").write(desc + open("db2.esl", "rb").read())
PY
sign KEK dbx dbx-append.esl dbx-append.auth -a
sign KEK dbx dbx40.esl dbx40.auth "2024-01-01 00:01:00"
sign KEK dbx dbx40-append.esl dbx40-append.auth -a
cat db50.esl db2.esl >db-final.esl

{
    echo "dbx40 $(stat -c %s dbx40.esl) $DBX_N"
    echo "db50 $(stat -c %s db50.esl) $DB_N"
} >sizes

# For the guest: no private key but KEK's (efi-updatevar -k signs with it).
# ustar: busybox tar reads it from the raw disk.
tar --format=ustar -cf keys.tar PK.auth KEK.auth db.auth db2.esl db2-unsigned.auth \
    db2-append.auth dbx-append.auth dbx40.auth dbx40-append.auth db50.auth \
    dbx40.esl db50.esl dbx-final.esl db-final.esl KEK.key KEK.crt db3.crt sizes

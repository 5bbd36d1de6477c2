# SPDX-License-Identifier: BSD-2-Clause
# An interactive guest (qemu/shell.sh): the virtual TEE and efivarfs set up,
# then a shell on the console. Power off with `poweroff -f`.
. /teevar/lib.sh

BRIDGE_OPTS=
check "tee_stmm_efi binds to the virtual TEE" start_tee
check "efivarfs mounts read-write" mount_rw
echo "efivarfs is on $EV, served by teevard on the host. Try: efibootmgr -v; efivar -l"
setsid cttyhack sh -l

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# An interactive arm64 guest whose efivarfs is served by teevard on STATE:
#   qemu/shell.sh HOST_BUILD QEMU_OUT STATE    (after qemu/prepare.sh QEMU_OUT)
# The firmware stage is empty (ready-to-boot, exit-boot-services); afterwards
# the host can read what the guest wrote: teevar --state STATE list.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TVQ_BIN=$(realpath "${1:?usage: shell.sh HOST_BUILD QEMU_OUT STATE}")
TVQ_OUT=$(realpath "${2:?usage: shell.sh HOST_BUILD QEMU_OUT STATE}")
state=$(realpath -m "${3:?usage: shell.sh HOST_BUILD QEMU_OUT STATE}")
# shellcheck source=machine.sh
. "$here/machine.sh"
tvq_workdir qemu-shell
trap 'tvq_secure_stop; rm -rf "$TVQ_WORK"' EXIT
tvq_secure_start "$state"
tvq_args shell
qemu-system-aarch64 "${TVQ_ARGS[@]}" || true

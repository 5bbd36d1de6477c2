#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job for now: the storage demo on ./teevar-state (TEEVAR_STATE overrides).
set -euo pipefail
build=${1:?usage: run-demo.sh BUILD_DIR}
exec "$build/tools/teevar-demo" "${TEEVAR_STATE:-teevar-state}"

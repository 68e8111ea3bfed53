#!/usr/bin/env bash
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sets everything up (Debian packages, Release build with tests) and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PHIEU_BUILD_TESTS=ON scripts/setup.sh
export OMP_THREAD_LIMIT=1
ctest --test-dir "${PHIEU_BUILD_DIR:-build}" --output-on-failure -j"$(nproc)" --timeout 900
# A bounded run of every libFuzzer target (fuzz/): 20 s each unless PHIEU_FUZZ_SECONDS says.
scripts/fuzz.sh "${PHIEU_FUZZ_SECONDS:-20}"

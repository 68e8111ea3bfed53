#!/usr/bin/env bash
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
#
# Builds the libFuzzer targets of fuzz/ with clang, ASan and UBSan in their own folder and runs
# each for SECONDS (default 20) over its seed corpus (fuzz/corpus/<target>, read-only; new
# inputs go to the build folder). Exits 1 when a target crashes; the input that did it is in
# $BUILD/crashes/ (turn it into a regression test and a seed).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-20}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz_scan_file fuzz_pdf_pages fuzz_template fuzz_anchor_payload fuzz_units_csv)
BUILD=${PHIEU_FUZZ_BUILD_DIR:-build-fuzz}

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPHIEU_FUZZ=ON \
  -DPHIEU_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]}"

mkdir -p "$BUILD/crashes"
# Leak checks off: font and codec libraries keep process-wide caches. A huge allocation is
# refused (std::bad_alloc), as in production, instead of aborting the process.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMP_THREAD_LIMIT=1
failed=0
for t in "${TARGETS[@]}"; do
  work="$BUILD/corpus/$t"
  mkdir -p "$work"
  echo "fuzz: $t for ${SECONDS_EACH}s"
  if ! "$BUILD/fuzz/$t" -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=2560 -max_len=262144 \
       -print_final_stats=1 -artifact_prefix="$BUILD/crashes/$t-" "$work" "fuzz/corpus/$t" \
       >"$BUILD/$t.log" 2>&1; then
    echo "fuzz: $t FAILED (see $BUILD/$t.log and $BUILD/crashes/)"
    tail -40 "$BUILD/$t.log"
    failed=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$BUILD/$t.log" | tail -2 | sed "s/^/  /"
  fi
done
exit $failed

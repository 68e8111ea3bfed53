#!/bin/bash
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
#
# A scan station against a local ingest: `phieu ingest -j 1` of a simulated stack, then the same
# stack sent by `phieu ingest --server` to `phieu serve -j 1` on this machine (loopback), a fresh
# survey for every run; prints the wall seconds of each run (README "Scan stations").
# Usage: scripts/bench-station.sh [RUNS] [SHEETS]   (PHIEU=path/to/phieu, default build/app/phieu)
set -euo pipefail
P=$(realpath "${PHIEU:-build/app/phieu}")
RUNS=${1:-5}
SHEETS=${2:-20}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export OMP_THREAD_LIMIT=1
"$P" simulate --template sipas --sheets "$SHEETS" --seed 3 -j 1 -o stack >/dev/null 2>&1
PW="mật khẩu đủ dài 2026"
PORT=$((20000 + RANDOM % 20000))
for run in $(seq "$RUNS"); do
  rm -rf l.db* s.db*
  "$P" survey init --db l.db --template sipas >/dev/null
  t0=$(date +%s.%N); "$P" ingest --db l.db -q -j 1 stack >local.out; t1=$(date +%s.%N)
  echo "local   run $run: $(echo "$t1 - $t0" | bc) s; $(grep 'pages read' local.out | tr -s ' ')"
  "$P" survey init --db s.db --template sipas >/dev/null
  echo "$PW" | "$P" user add --db s.db thu --role clerk >/dev/null
  "$P" serve --db s.db --port "$PORT" -j 1 >serve.log 2>&1 &
  SPID=$!
  sleep 0.5
  t0=$(date +%s.%N)
  echo "$PW" | "$P" ingest --server "http://127.0.0.1:$PORT" --user thu stack >station.out 2>station.err
  t1=$(date +%s.%N)
  echo "station run $run: $(echo "$t1 - $t0" | bc) s; $(grep 'pages read' station.out | tr -s ' '); $(grep 'sent (' station.err)"
  kill "$SPID"
  wait "$SPID" || true
done
echo "stack: $(du -sh stack | cut -f1), $(ls stack | grep -vc json) files"

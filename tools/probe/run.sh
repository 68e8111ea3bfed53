#!/bin/sh
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
# Independent outside-in probe: render forms, mark and damage them with our own
# OpenCV code (not `phieu simulate`), ingest, export, score against truth.
# Work dir: PROBE_DIR (default /tmp/probe; the scripts read it). PHIEU may point at any build.
set -e
P=${PROBE_DIR:-/tmp/probe}
export PROBE_DIR=$P
PHIEU=${PHIEU:-/work/main/build/app/phieu}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$P/src" "$P/scans" "$P/scans_d" && cd "$P"
CV="-I/usr/include/opencv4 -lopencv_core -lopencv_imgproc -lopencv_imgcodecs"
g++ -O2 -std=c++17 -w "$HERE/markdmg.cpp" -o markdmg $CV
g++ -O2 -std=c++17 -w "$HERE/crop.cpp" -o crop $CV
"$PHIEU" template render sipas -o forms.pdf --serials 1-210
"$PHIEU" template layout sipas -o layout.json
rm -f scans/* scans_d/* s.db* sd.db*
python3 "$HERE/plan.py" > gen.log          # serials 1-~175 -> scans/, truth.json
python3 "$HERE/plan.py" --extreme > gen_d.log  # serials 191-199 (extreme damage) -> scans_d/, truth_d.json
T=${T:-$HERE/../../templates/bundled/sipas.json}
OMP_THREAD_LIMIT=1 "$PHIEU" ingest --db $P/s.db --template $T scans/* | tail -12
OMP_THREAD_LIMIT=1 "$PHIEU" ingest --db $P/sd.db --template $T scans_d/* | tail -12
"$PHIEU" export --db $P/s.db --format json --include-pending -o $P/out.json
"$PHIEU" export --db $P/sd.db --format json --include-pending -o $P/out_d.json
python3 "$HERE/compare.py" $P/truth.json $P/out.json
python3 "$HERE/breakdown.py" $P/s.db
python3 "$HERE/compare.py" $P/truth_d.json $P/out_d.json

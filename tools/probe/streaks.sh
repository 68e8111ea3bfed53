#!/bin/sh
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
# Scanner-glass streaks: after run.sh, draws two streaks (a 2 px line at 50% through the
# second column of the scale grid, a 3 px line at 60% down the left box column) through the
# clean scans of sheets 1-48 (PNG, JPEG, TIFF), ingests them and scores against truth.json.
set -e
PHIEU=${PHIEU:-/work/main/build/app/phieu}
HERE=$(cd "$(dirname "$0")" && pwd)
cd /tmp/probe
g++ -O2 -std=c++17 -w "$HERE/streak.cpp" -o streak -I/usr/include/opencv4 -lopencv_core -lopencv_imgproc -lopencv_imgcodecs
rm -rf streaked st.db* && mkdir -p streaked
for f in scans/s0[0-4][0-9]*; do
  b=$(basename "$f"); case $b in *.pdf) continue;; esac
  n=$(echo "$b" | cut -c2-4); [ "$n" -le 48 ] || continue
  ./streak "$f" "streaked/tmp_$b" 132.9 2 0.5 && ./streak "streaked/tmp_$b" "streaked/$b" 19.5 3 0.6 && rm "streaked/tmp_$b"
done
python3 - <<'PY'
import json, os
t = json.load(open('/tmp/probe/truth.json'))
keep = {int(f[1:4]) for f in os.listdir('/tmp/probe/streaked')}
json.dump([s for s in t if s['serial'] in keep], open('/tmp/probe/truth_st.json', 'w'))
PY
OMP_THREAD_LIMIT=1 "$PHIEU" ingest --db st.db --template /work/main/templates/bundled/sipas.json streaked/* | tail -12
"$PHIEU" export --db st.db --format json --include-pending -o out_st.json
python3 "$HERE/compare.py" truth_st.json out_st.json

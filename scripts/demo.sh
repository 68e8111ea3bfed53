#!/usr/bin/env bash
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
#
# Sets everything up, then runs the whole job on built-in data: a survey of three commune
# offices, numbered SIPAS forms printed for them, the returned stack simulated (filled by hand,
# scanned badly, shuffled, with blank backs and a foreign page), ingested, summarised and
# exported. Everything lands in out/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
PHIEU_BUILD_TESTS=${PHIEU_BUILD_TESTS:-OFF} scripts/setup.sh
export OMP_THREAD_LIMIT=1
phieu="${PHIEU_BUILD_DIR:-build}/app/phieu"
out=out/demo
rm -rf "$out"
mkdir -p "$out"
db="$out/survey.db"
per_unit=${PHIEU_DEMO_FORMS:-8}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Check the bundled templates"
"$phieu" template check sipas health school

step "2. Create the survey, import units, print numbered forms ($per_unit per commune office)"
"$phieu" survey init --db "$db" --template sipas --template health --template school
"$phieu" units import --db "$db" templates/bundled/units-sample.csv
"$phieu" print --db "$db" --template sipas --all --kind admin --count "$per_unit" -o "$out/print" | tee "$out/print.log"
first=$(grep -oE 'serials [0-9]+' "$out/print.log" | head -1 | grep -oE '[0-9]+')
last=$(grep -oE '–[0-9]+' "$out/print.log" | tail -1 | tr -d '–')

step "3. Simulate the returned stack: forms $first–$last filled by hand and scanned (mixed TIFF G4, PDF, JPEG, PNG)"
"$phieu" simulate --template sipas --db "$db" --serials "$((10#$first))-$((10#$last))" --seed 2026 -o "$out/scans"

step "4. Ingest the stack (identify, align, read every box)"
"$phieu" ingest --db "$db" "$out/scans" || true

step "5. Survey status"
"$phieu" status --db "$db"

step "6. What waits for review"
"$phieu" review list --db "$db" --limit 15

step "7. Export (sheets with nothing left to review; add --include-pending for all)"
"$phieu" export --db "$db" --format json -o "$out/export.json"
"$phieu" export --db "$db" --format json --include-pending -o "$out/export-all.json"

step "8. Answers taken by phone join the same dataset"
"$phieu" import --db "$db" --channel phone templates/bundled/phone-sample.csv

step "9. The dataset for analysts: CSV (+ codebook), XLSX, SPSS .sav (+ .sps for PSPP)"
"$phieu" export --db "$db" --format csv -o "$out/export.csv"
"$phieu" export --db "$db" --format xlsx -o "$out/export.xlsx"
"$phieu" export --db "$db" --format sav -o "$out/export.sav"

step "10. The satisfaction report (SIPAS indices per commune office, every channel)"
"$phieu" report --db "$db" --format html -o "$out/report.html"
"$phieu" report --db "$db" --format pdf -o "$out/report.pdf"
"$phieu" report --db "$db" --format json -o "$out/report.json"

step "11. A reviewer login for the review screen"
# The password is made here, printed once, and never stored in clear (only its Argon2id hash).
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
if printf '%s\n' "$password" | "$phieu" user add --db "$db" reviewer --role reviewer >/dev/null; then
  printf 'Login: reviewer   Password: %s   (shown only now; change it with: %s user passwd --db %s reviewer)\n' \
    "$password" "$phieu" "$db"
else
  echo "(a login named reviewer already exists; set a new password with: $phieu user passwd --db $db reviewer)"
fi
printf 'To clear the queue in a browser, run:\n  %s serve --db %s\nthen open http://127.0.0.1:8080 and log in (Ctrl-C stops the server).\n' \
  "$phieu" "$db"

printf '\nDone. Printed forms: %s/print/*.pdf  Scans: %s/scans/  Survey: %s\n' "$out" "$out" "$db"
printf 'Exports: %s/export.{json,csv,xlsx,sav}  Report: %s/report.{html,pdf,json}\n' "$out" "$out"
printf 'Review screen: %s serve --db %s, then http://127.0.0.1:8080 (login reviewer, the password above)\n' "$phieu" "$db"

#!/usr/bin/env python3
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
"""Per-option-mark-type and per-damage breakdown, excluding nothing; prints review reasons too."""
import json, collections, os, sqlite3, sys
ROOT = os.environ.get('PROBE_DIR', '/tmp/probe')
truth = json.load(open(ROOT + '/truth.json')); got = {int(r['serial']): r for r in json.load(open(ROOT + '/out.json'))}
L = json.load(open(ROOT + '/layout.json')); F = {f['id']: f for f in L['fields']}
db = sqlite3.connect(sys.argv[1] if len(sys.argv) > 1 else ROOT + '/s.db')
reason = {(s, f): r for s, f, r in db.execute("select serial, field_id, reason from review_items where status='open'")}
def norm(v): return sorted(v) if isinstance(v, list) else v
bymark = collections.defaultdict(collections.Counter); bydmg = collections.defaultdict(collections.Counter)
samples = collections.defaultdict(list)
for t in truth:
    r = got[t['serial']]
    for fid, tv in t['answers'].items():
        types = sorted(set(m[1] for m in t['marks'][fid])) or ['(blank)']
        key_m = '+'.join(types)
        blank = tv in (None, [])
        pend = fid in r['pending']; ok = norm(r['answers'][fid]) == norm(tv)
        outcome = ('review_blank_req' if blank and F[fid].get('required') else 'review') if pend else ('ok' if ok else 'ACCEPTED_WRONG')
        if t['mark'] in ('mixed', 'ordinary') or t['damage'] == 'none':
            bymark[(t['mark'] if t['mark'] in ('red', 'green', 'lightblue') else '') + key_m][outcome] += 1
        if t['mark'] == 'mixed':
            bydmg[t['damage']][outcome] += 1
        if outcome in ('review', 'ACCEPTED_WRONG'):
            samples[(t['damage'] if t['mark'] == 'mixed' else t['mark'], outcome)].append(
                (t['serial'], F[fid]['page'], fid, key_m, tv, r['answers'][fid], reason.get((t['serial'], fid), '')))
cols = ['ok', 'ACCEPTED_WRONG', 'review', 'review_blank_req']
print(f"{'option mark types in field':34s}" + ''.join(f"{c:>17s}" for c in cols))
for k in sorted(bymark): print(f"{k[:34]:34s}" + ''.join(f"{bymark[k][c]:17d}" for c in cols))
print(f"\n{'damage (mixed non-fill marks)':34s}" + ''.join(f"{c:>17s}" for c in cols))
for k in bydmg: print(f"{k:34s}" + ''.join(f"{bydmg[k][c]:17d}" for c in cols))
print('\nsamples of review / wrong on mixed-mark sheets (serial, page, field, marks, expected, got, reason):')
for k, v in sorted(samples.items()):
    if k[0] in ('fill', 'blob', 'ordinary', 'red', 'green', 'lightblue'): continue
    print(k, len(v))
    for s in v[:6]: print('   ', s)

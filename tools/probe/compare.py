#!/usr/bin/env python3
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
"""Compare phieu export JSON with truth.json; tables per mark type and per damage type."""
import json, os, sys, collections
ROOT = os.environ.get('PROBE_DIR', '/tmp/probe')
truth = json.load(open(sys.argv[1] if len(sys.argv) > 1 else ROOT + '/truth.json'))
out = json.load(open(sys.argv[2] if len(sys.argv) > 2 else ROOT + '/out.json'))
L = json.load(open(ROOT + '/layout.json'))
kinds = {f['id']: f for f in L['fields'] if f['kind'] in ('single', 'multi', 'scale')}
got = {int(r['serial']): r for r in out}
def norm(v): return sorted(v) if isinstance(v, list) else v
stats = {'mark': collections.defaultdict(collections.Counter), 'damage': collections.defaultdict(collections.Counter)}
wrong = []
for t in truth:
    r = got.get(t['serial'])
    keys = [('mark', t['mark']), ('damage', t['damage'])]
    for fid, tv in t['answers'].items():
        f = kinds[fid]
        blank = tv is None or tv == []
        for dim, k in keys:
            c = stats[dim][k]; c['fields'] += 1
            if r is None: c['sheet_missing'] += 1; continue
            gv = r['answers'].get(fid); pend = fid in r['pending']
            if pend:
                c['review_blank_required' if blank and f.get('required') else 'review'] += 1
                if norm(gv) != norm(tv): c['review_and_machine_wrong'] += 1
            elif norm(gv) != norm(tv):
                c['ACCEPTED_WRONG'] += 1
            else:
                c['ok'] += 1
        if r is not None and fid not in r['pending'] and norm(r['answers'].get(fid)) != norm(tv):
            wrong.append((t['serial'], f['page'], fid, t['mark'], t['damage'], t['container'], tv, r['answers'].get(fid)))
cols = ['fields', 'ok', 'ACCEPTED_WRONG', 'review', 'review_blank_required', 'review_and_machine_wrong', 'sheet_missing']
for dim in ('mark', 'damage'):
    print(f"\n{dim:14s} " + ' '.join(f"{c[:14]:>14s}" for c in cols))
    tot = collections.Counter()
    for k, c in stats[dim].items():
        print(f"{k:14s} " + ' '.join(f"{c[x]:14d}" for x in cols)); tot.update(c)
print(f"{'TOTAL':14s} " + ' '.join(f"{tot[x]:14d}" for x in cols))
# Writing fields (digit combs, comment areas): the plan writes nothing in them, so each should
# come back blank and unreviewed, whatever damage the sheet has (a fold, a stain, show-through).
writing = [f for f in L['fields'] if f['kind'] in ('digits', 'text')]
wstats = collections.defaultdict(collections.Counter)
written = []
for t in truth:
    r = got.get(t['serial'])
    if r is None: continue
    for f in writing:
        # Personal fields (the phone number) stay out of an export without --include-personal.
        if f['id'] not in r['answers'] and f['id'] not in r['pending']: continue
        c = wstats[t['damage']]; c['fields'] += 1
        gv = r['answers'].get(f['id'])
        if f['id'] in r['pending']: c['review'] += 1
        elif gv not in (None, ''): c['ACCEPTED_WRITTEN'] += 1; written.append((t['serial'], f['id'], t['damage'], gv))
        else: c['blank'] += 1
wcols = ['fields', 'blank', 'review', 'ACCEPTED_WRITTEN']
print(f"\n{'writing field':14s} " + ' '.join(f"{c[:16]:>16s}" for c in wcols) + "   (blank in truth: digit combs, comment area)")
wtot = collections.Counter()
for k, c in wstats.items():
    print(f"{k:14s} " + ' '.join(f"{c[x]:16d}" for x in wcols)); wtot.update(c)
print(f"{'TOTAL':14s} " + ' '.join(f"{wtot[x]:16d}" for x in wcols))
for w in written: print('   accepted as written:', w)
print("\nserials in truth but not in export:", sorted(set(t['serial'] for t in truth) - set(got)))
print("\nACCEPTED but wrong (serial, page, field, mark, damage, container, expected, got):")
for w in wrong: print('  ', w)

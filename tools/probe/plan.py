#!/usr/bin/env python3
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
"""Plan marks + damage per sheet, rasterise with pdftoppm, run markdmg, write truth.json.

plan.py [FILE...]: serials 1-~175 -> scans/, truth.json (only FILEs ending so, when given).
plan.py --extreme [FILE...]: serials 191-199, one sheet per extreme damage -> scans_d/, truth_d.json."""
import json, random, subprocess, os, sys
EXTREME = sys.argv[1:2] == ['--extreme']
ARGS = sys.argv[2:] if EXTREME else sys.argv[1:]
R = random.Random(7 if EXTREME else 20261122)
ROOT = os.environ.get('PROBE_DIR', '/tmp/probe'); RAS = ROOT + '/ras'; OUT = ROOT + ('/scans_d' if EXTREME else '/scans')
TRUTH = ROOT + ('/truth_d.json' if EXTREME else '/truth.json')
os.makedirs(RAS, exist_ok=True); os.makedirs(OUT, exist_ok=True)
L = json.load(open(ROOT + '/layout.json'))
fields = [f for f in L['fields'] if f['kind'] in ('single', 'multi', 'scale')]
PEN = (30, 40, 110)      # blue-black ballpoint (RGB)
INKS = {'red': (200, 30, 30), 'green': (40, 150, 60), 'lightblue': (110, 170, 235)}

# Part A: mark types on clean 300 dpi scans. Part B: damage with ordinary marks (x/fill).
sheets = []
serial = 191 if EXTREME else 1
MIXED = ['x', 'check_corner', 'bigx', 'offx', 'tick', 'dot', 'scribble']
EXTREMES = ['rot90', 'rot270', 'rot15', 'rot45', 'cut20', 'tear35', 'dark', 'heavy150', 'motion15']
for mt in [] if EXTREME else ['x', 'fill', 'blob', 'check_corner', 'bigx', 'red', 'green', 'lightblue', 'scribble', 'offx', 'tick', 'dot',
                               'hatch', 'pencilhatch', 'marker', 'tangle']:
    for i in range(4):
        sheets.append(dict(serial=serial, mark=mt, damage='none', dpi=300, gray=0 if mt in INKS else 1)); serial += 1
for dm in [] if EXTREME else ['dpi150', 'dpi200', 'dpi400', 'rot', 'upside', 'keystone', 'gradient', 'jpeg', 'saltpepper',
           'motion', 'fold', 'coffee', 'cut5', 'tear20', 'combo', 'crease', 'show8', 'show15']:
    for i in range(3):
        sheets.append(dict(serial=serial, mark='ordinary', damage=dm, dpi=300, gray=1)); serial += 1
for dm in EXTREMES if EXTREME else ['none', 'dpi150', 'dpi200', 'rot', 'upside', 'keystone', 'gradient',
                                   'jpeg', 'saltpepper', 'motion', 'fold', 'coffee', 'cut5', 'cut12', 'tear20', 'combo',
                                   'crease', 'show8', 'show15']:
    for i in range(1 if EXTREME else 3):
        sheets.append(dict(serial=serial, mark='mixed', damage=dm, dpi=300, gray=1)); serial += 1
# Part D: respondents who ring the printed text of their answer (single/multi), or cross the box.
for dm in [] if EXTREME else ['none', 'none', 'dpi200', 'rot']:
    sheets.append(dict(serial=serial, mark='ring', damage=dm, dpi=300, gray=1)); serial += 1
# Part E: a soft pencil pressed gently (light ticks and crosses), answers rubbed out: beside the
# new answer, or the question left blank. Last, so the sheets above keep their marks.
for dm in [] if EXTREME else ['none', 'none', 'none', 'dpi200', 'rot', 'jpeg', 'gradient', 'show8']:
    sheets.append(dict(serial=serial, mark='pencil', damage=dm, dpi=300, gray=1)); serial += 1
# Part F: a respondent who answers every question with a light pencil dot (0.9-1.5 mm, as
# light as Part E's strokes): short marks a pen touch could make. Last again.
for dm in [] if EXTREME else ['none', 'dpi200', 'jpeg']:
    sheets.append(dict(serial=serial, mark='pdot', damage=dm, dpi=300, gray=1)); serial += 1
assert serial - 1 <= (199 if EXTREME else 190), serial
# Part G: scanned duplex with the leaf's other side showing through: pages 1, 2, 3 in order in
# one multi-page file, so the reader has each side's own scan. Pen and light-pencil hands.
# Serials 200-205, past the extreme sheets'.
if not EXTREME:
    serial = 200
    for mt, dm in [('ordinary', 'dup8'), ('ordinary', 'dup15'), ('ordinary', 'dup15'),
                   ('pencil', 'dup8'), ('pencil', 'dup15'), ('pencil', 'dup15')]:
        sheets.append(dict(serial=serial, mark=mt, damage=dm, dpi=300, gray=1)); serial += 1

def box_ops(sheet, f, page_seed):
    """Choose answers for field f, return (truth value, list of mark ops)."""
    opts = f['options']; ops = []
    blank = R.random() < 0.10
    if f['kind'] == 'multi':
        k = 0 if blank else R.randint(1, min(3, f.get('max', 3)))
        chosen = sorted(R.sample(range(len(opts)), k)); truth = [opts[i]['value'] for i in chosen]
    else:
        chosen = [] if blank else [R.randrange(len(opts))]
        truth = opts[chosen[0]]['value'] if chosen else None
    mt = sheet['mark']
    if mt == 'pencil' and not chosen and R.random() < 0.6:
        ops.append(('erased', PEN, opts[R.randrange(len(opts))]['box_mm']))  # rubbed out, left blank
    for i in chosen:
        b = opts[i]['box_mm']
        t = mt; col = PEN
        if mt == 'ordinary': t = R.choice(['x', 'fill'])
        elif mt == 'mixed':
            t = R.choice(MIXED)
            if t == 'scribble':
                t = 'x'
                nb = [j for j in (i - 1, i + 1) if 0 <= j < len(opts) and j not in chosen]
                if nb:
                    j = R.choice(nb); ops.append(('scribble', PEN, opts[j]['box_mm'])); t = 'x+scribbled_neighbour'
        elif mt in INKS: t = R.choice(['x', 'fill']); col = INKS[mt]
        elif mt == 'pencil':
            t = R.choice(['ptick', 'px'])
            others = [j for j in range(len(opts)) if j not in chosen]
            if others and R.random() < 0.12:
                ops.append(('erased', PEN, opts[R.choice(others)]['box_mm']))  # the answer it replaced
        elif mt == 'pdot':
            t = 'pdot'
        elif mt == 'ring':
            t = 'x'
            if 'label_mm' in opts[i] and R.random() < 0.6:
                ops.append(('ring', col, opts[i]['label_mm'])); continue
        elif mt == 'scribble':
            t = 'x'
            # scribble out a neighbour that is not chosen
            nb = [j for j in (i - 1, i + 1) if 0 <= j < len(opts) and j not in chosen]
            if nb:
                j = R.choice(nb); ops.append(('scribble', PEN, opts[j]['box_mm']))
        ops.append((t, col, b))
    return truth, ops

def marks_of(ops, f):
    by_box = {tuple(o['box_mm']): o['value'] for o in f['options']}
    by_box.update({tuple(o['label_mm']): o['value'] for o in f['options'] if 'label_mm' in o})
    return [[by_box[tuple(b)], t] for t, col, b in ops]

def damage_ops(sheet, page):
    d = sheet['damage']; o = []
    if d == 'rot': o.append(('rot', R.choice([-1, 1]) * R.uniform(3, 8)))
    elif d == 'upside': o += [('flip',), ('rot', R.uniform(-1, 1))]
    elif d == 'keystone': o.append(('keystone', R.uniform(0.02, 0.04), R.uniform(0.0, 0.02)))
    elif d == 'gradient': o.append(('gradient', R.uniform(0.35, 0.55), R.uniform(0, 6.28)))
    elif d == 'jpeg': o.append(('jpeg', R.randint(20, 30)))
    elif d == 'saltpepper': o.append(('saltpepper', R.uniform(0.02, 0.05)))
    elif d == 'motion': o.append(('motion', R.choice([7, 9, 11]), R.uniform(0, 3.14)))
    elif d == 'fold': o.append(('fold', R.uniform(120, 180), 0) if R.random() < 0.7 else ('fold', R.uniform(80, 130), 1))
    elif d == 'crease':
        # folded in half or in three: a thin line near 1/2 or 1/3 and 2/3 of the height, tilted
        for share in ([0.5] if R.random() < 0.5 else [1 / 3, 2 / 3]):
            o.append(('crease', share * 297 + R.uniform(-4, 4), R.uniform(-1.5, 1.5), R.uniform(0.15, 0.6)))
    elif d == 'coffee': o.append(('coffee', R.uniform(60, 150), R.uniform(70, 220), R.uniform(15, 25)))
    elif d == 'cut5': o.append(('cut', R.randrange(4), 5.0))
    elif d == 'cut12': o.append(('cut', R.randrange(4), 12.0))
    elif d == 'tear20': o.append(('tear', R.randrange(4), 20.0))
    elif d == 'combo': o += [('rot', R.uniform(-5, 5)), ('gradient', 0.6, 1.0), ('jpeg', 30)]
    elif d in ('show8', 'show15', 'dup8', 'dup15') and page in (1, 2):
        # Duplex leaf: pages 1 and 2 back to back. The other side's marked page (saved before
        # damage) shows through, misregistered by up to 1 mm between the sides.
        k = (0.08 if d.endswith('8') else 0.15) * R.uniform(0.9, 1.1)
        o.append(('showthrough', k, R.uniform(0.25, 0.7), R.uniform(-1, 1), R.uniform(-1, 1),
                  f"{RAS}/face{sheet['serial']}_{3 - page}.png"))
    elif d == 'rot90': o.append(('rot', 90 + R.uniform(-1, 1)))
    elif d == 'rot270': o.append(('rot', -90 + R.uniform(-1, 1)))
    elif d == 'rot15': o.append(('rot', 15))
    elif d == 'rot45': o.append(('rot', 45))
    elif d == 'cut20': o.append(('cut', R.randrange(4), 20.0))
    elif d == 'tear35': o.append(('tear', R.randrange(4), 35.0))
    elif d == 'dark': o.append(('gradient', 0.25, R.uniform(0, 6.28)))
    elif d == 'heavy150': o += [('rot', 5), ('saltpepper', 0.02), ('jpeg', 20)]
    elif d == 'motion15': o.append(('motion', 15, 0.3))
    return o

truth = []; pages_meta = []
for s in sheets:
    if s['damage'].startswith('dpi'): s['dpi'] = int(s['damage'][3:])
    if s['damage'] == 'combo': s['dpi'] = 200; s['gray'] = 0
    if s['damage'] == 'heavy150': s['dpi'] = 150; s['gray'] = 0
    if os.environ.get('PROBE_COLOUR') == '1': s['gray'] = 0  # every scan in colour: stains and inks alike
    ans = {}; mk = {}; per_page = {1: [], 2: [], 3: []}
    for f in fields:
        v, ops = box_ops(s, f, 0); ans[f['id']] = v
        mk[f['id']] = marks_of(ops, f)
        per_page[f['page']] += [(t.split('+')[0], c, b) for t, c, b in ops]
    truth.append(dict(serial=s['serial'], template='sipas', mark=s['mark'], damage=s['damage'],
                      dpi=s['dpi'], gray=s['gray'], answers=ans, marks=mk))
    for p in (1, 2, 3):
        pages_meta.append(dict(sheet=s, page=p, marks=per_page[p], dmg=damage_ops(s, p), seed=R.randrange(1 << 30)))

# Output containers: sheets grouped by index: png / jpg / tif (multi-page) / pdf
jobs = []
for idx, s in enumerate(sheets):
    pm = [m for m in pages_meta if m['sheet'] is s]
    kind = ['png', 'jpg', 'tif', 'pdf'][idx % 4]
    if s['damage'].startswith('dup'):
        kind = ['tif', 'pdf'][idx % 2]  # a duplex scanner's file, its pages in order
        jobs.append((f"{OUT}/s{s['serial']:03d}.tif", kind, pm))
    elif kind in ('png', 'jpg'):
        for m in pm: jobs.append((f"{OUT}/s{s['serial']:03d}_p{m['page']}.{kind}", kind, [m]))
    else:
        R.shuffle(pm)  # scanned in any order
        jobs.append((f"{OUT}/s{s['serial']:03d}.{'tif'}", kind, pm))
    s['container'] = kind
for t, s in zip(truth, sheets): t['container'] = s['container']
json.dump(truth, open(TRUTH, 'w'), indent=1, ensure_ascii=False)

only = set(ARGS)
def raster(s, page):
    base = f"{RAS}/r{s['serial']}_{page}"
    pdfpage = (s['serial'] - 1) * 3 + page
    subprocess.run(['pdftoppm', '-r', str(s['dpi']), '-f', str(pdfpage), '-l', str(pdfpage), '-singlefile',
                    ROOT + '/forms.pdf', base], check=True)
    return base + '.ppm'

# Show-through sheets: first each face of the leaf as marked (same seed as its scan), saved.
for m in pages_meta:
    s = m['sheet']
    if not s['damage'].startswith(('show', 'dup')) or m['page'] == 3: continue
    if only and not any(f"s{s['serial']:03d}" in o for o in only): continue
    ppm = raster(s, m['page'])
    lines = [f"OUT {RAS}/unused.png png 90", f"PAGE {ppm} {s['dpi']} 0 {m['seed']}"]
    lines += [f"M {t} {col[0]} {col[1]} {col[2]} {b[0]} {b[1]} {b[2]} {b[3]}" for t, col, b in m['marks']]
    lines += [f"SAVE {RAS}/face{s['serial']}_{m['page']}.png", 'ENDPAGE']
    subprocess.run([ROOT + '/markdmg'], input='\n'.join(lines) + '\n', text=True, check=True)
    os.remove(ppm)

for path, kind, pm in jobs:
    if only and not any(path.endswith(o) for o in only): continue
    lines = [f"OUT {path} {'tif' if kind in ('tif','pdf') else kind} {R.randint(80, 92)}"]
    rasters = []
    for m in pm:
        s = m['sheet']
        ppm = raster(s, m['page'])
        rasters.append(ppm)
        lines.append(f"PAGE {ppm} {s['dpi']} {s['gray']} {m['seed']}")
        for t, col, b in m['marks']:
            lines.append(f"M {t} {col[0]} {col[1]} {col[2]} {b[0]} {b[1]} {b[2]} {b[3]}")
        for d in m['dmg']:
            lines.append('D ' + ' '.join(str(x) for x in d))
        lines.append('ENDPAGE')
    subprocess.run([ROOT + '/markdmg'], input='\n'.join(lines) + '\n', text=True, check=True)
    for r in rasters: os.remove(r)
    if kind == 'pdf':
        pdf = path[:-4] + '.pdf'
        subprocess.run(['tiff2pdf', '-z', '-o', pdf, path], check=True); os.remove(path)
    print(path, flush=True)

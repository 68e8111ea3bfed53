// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The re-check (phúc tra) end to end in a real browser: a reviewer (lan) clears the review
// queue, `phieu recheck draw --share 0.10` draws complete sheets, a second reviewer (minh)
// enters them blind with the keyboard (two fields on purpose differently), the admin settles
// one disagreement for the blind entry and one for the first value, and the agreement figures
// and the residual error on the screen, in the JSON and in `phieu recheck report` are the ones
// computed here by hand.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UseSurvey, NewPage, LoginWithKeyboard, Shot, Api, ExportJson, MustRun,
} from './harness.mjs';

const env = UseSurvey({ sheets: 12, seed: 2, users: [['lan', 'reviewer'], ['minh', 'reviewer'], ['quantri', 'admin']] });

// Cohen's kappa of [a, b] pairs: (po - pe) / (1 - pe), pe from the two raters' margins.
function Kappa(pairs) {
  const n = pairs.length;
  const count = (i) => pairs.reduce((m, p) => m.set(p[i], (m.get(p[i]) || 0) + 1), new Map());
  const a = count(0); const b = count(1);
  const po = pairs.filter(([x, y]) => x === y).length / n;
  let pe = 0;
  for (const [cat, k] of a) pe += (k / n) * ((b.get(cat) || 0) / n);
  return (po - pe) / (1 - pe);
}

// Wilson score interval at z = 1.96, written out as in store/src/recheck.cpp.
function Wilson(x, n) {
  const z = 1.96; const p = x / n; const d = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / d;
  const half = (z / d) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const Pct = (x) => `${(100 * x).toFixed(1)}%`;
// The page images are drawn only when `phieu serve` has a page renderer; the entry screen
// shows a note instead (a 503 in the console is not a failure of this screen).
const RealErrors = (page) => page.errors.filter((e) => !/status of 503/.test(e));

test('a re-check drawn at 10%, entered blind, settled by the admin, with the figures right', async () => {
  // 1. lan clears the queue (blank answers): she becomes the first reviewer of those sheets.
  const lan = new Api(env.server.url);
  await lan.Login('lan');
  const human = new Set();  // "serial/field" lan decided
  for (;;) {
    const r = await lan.Get('/api/review/next');
    if (r.status === 204) break;
    assert.equal(r.status, 200, r.text);
    const d = await lan.Post(`/api/review/items/${r.json.id}/decision`, { value: null, version: r.json.version });
    assert.equal(d.status, 200, d.text);
    human.add(`${r.json.serial}/${r.json.field}`);  // an ITEM names its field "field"
  }
  assert.ok(human.size > 0);

  // 2. The draw: ceil(10% of the complete sheets), recorded with its seed.
  const out = MustRun(['recheck', 'draw', '--db', env.survey.db, '--share', '0.10', '--seed', '5', '--user', 'quantri']);
  const m = /(\d+) sheets? drawn of (\d+) complete/.exec(out);
  assert.ok(m, out);
  const complete = Number(m[2]);
  const drawnCount = Number(m[1]);
  // Complete sheets: every page scanned and nothing left to review (the queue is empty now).
  const completeNow = ExportJson(env.survey.db).filter((s) => s.status === 'complete').length;
  assert.ok(completeNow >= 10, `most of the 12 sheets are complete (${completeNow})`);
  assert.equal(complete, completeNow);
  assert.equal(drawnCount, Math.ceil(0.10 * complete));  // 2
  const drawn = /serials: ([\d ]+)/.exec(out)[1].trim().split(' ').map(Number);
  assert.equal(drawn.length, drawnCount);
  const again = MustRun(['recheck', 'draw', '--db', env.survey.db, '--share', '0.10', '--seed', '5', '--user', 'quantri']);
  assert.match(again, new RegExp(`0 sheets drawn of ${complete} complete`));
  assert.match(again, new RegExp(`${drawnCount} complete sheets were drawn before`));

  const first = new Map(ExportJson(env.survey.db).map((s) => [s.serial, s.answers]));

  // 3. minh, who decided nothing, enters every drawn sheet blind with the keyboard.
  const page = await NewPage(env.browser);
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await LoginWithKeyboard(page, env.server.url, 'minh');
  await page.click('#btn-recheck');
  await page.waitForSelector('body[data-recheck="sheet"]');
  await Shot(page, 'recheck-entry-vi');

  // The two disagreements: on the first drawn sheet, the first one-answer question and the
  // first scale row with an answer lan did not touch (accepted machine values); minh picks
  // another option there.
  const disagree = new Map();  // field -> {first, blind}
  let total = 0; let boxAccepted = 0;
  const scalePairs = [];  // [first, blind] of every scale row, for kappa
  const seen = new Set();
  for (;;) {
    const state = await page.evaluate(() => {
      const e = document.getElementById('rc-entry');
      return { hidden: e.hidden, serial: Number(e.dataset.serial), field: e.dataset.field, kind: e.dataset.kind,
        index: Number(e.dataset.index), keys: [...document.querySelectorAll('#rc-options button.option')].map((b) => b.dataset.key),
        none: document.body.dataset.recheck === 'none' };
    });
    if (state.none) break;
    const key = `${state.serial}/${state.field}`;
    if (seen.has(key)) { await page.waitForTimeout(20); continue; }  // the screen has not moved yet
    seen.add(key);
    assert.ok(drawn.includes(state.serial));
    assert.ok(['single', 'multi', 'scale'].includes(state.kind), 'box fields only (the draw was not --written)');
    total += 1;
    // Accepted: the machine's value, no person's decision before the blind entry. lan's loop
    // above made every decision there is (checked against the audit trail below, once the
    // entry is in: until then the sheet's values and history are not shown to anyone who may
    // still enter it blind, lan included when she decided nothing on it).
    if (!human.has(key)) boxAccepted += 1;
    const answer = first.get(state.serial)[state.field];
    let wanted = answer === null || answer === undefined ? [] : (Array.isArray(answer) ? answer : [answer]).map(String);
    const firstValue = JSON.stringify(wanted);
    // One disagreement on a one-answer question, one on a scale row.
    const want = state.kind === 'single' ? 'single' : 'scale';
    if (state.serial === drawn[0] && state.kind !== 'multi' && wanted.length === 1 && !human.has(key) &&
        state.keys.length >= 2 && ![...disagree.values()].some((d) => d.kind === want)) {
      const other = state.keys.find((k) => k !== wanted[0]);
      disagree.set(state.field, { first: wanted[0], blind: other, kind: want });
      wanted = [other];
    }
    if (state.kind === 'scale') scalePairs.push([firstValue, JSON.stringify(wanted)]);
    // Keys only: 0 clears, the digit of each wanted option (mouse beyond 9), Enter moves on.
    await page.keyboard.press('0');
    for (const w of wanted) {
      const i = state.keys.indexOf(w);
      assert.ok(i >= 0, `option ${w} of ${key}`);
      if (i < 9) await page.keyboard.press(String(i + 1));
      else await page.click(`#rc-options button.option[data-key="${w}"]`);
    }
    const checked = await page.$$eval('#rc-options button.option[aria-checked="true"]', (bs) => bs.map((b) => b.dataset.key));
    assert.deepEqual(checked.sort(), [...wanted].sort(), key);
    await page.keyboard.press('Enter');
  }
  assert.equal(disagree.size, 2);
  assert.equal(seen.size, total);
  // Every decision in the fields' audit trails is one lan's loop made: no other path decided.
  for (const key of seen) {
    const [serial, field] = key.split('/');
    const r = await lan.Get(`/api/fields/${serial}/${field}/history`);
    assert.equal(r.status, 200, r.text);
    const decided = r.json.rows.filter((row) => row.entity === 'decision');
    assert.equal(decided.length > 0, human.has(key), `${key}: ${JSON.stringify(decided)}`);
    for (const row of decided) assert.equal(row.who, 'lan', key);
  }
  // Blind: the entry screen never asked for a sheet's values, an item or its crop.
  assert.deepEqual(requests.filter((p) => /^\/api\/(sheets\/\d+(\/layout)?$|review\/items|fields)/.test(p)), []);
  assert.deepEqual(RealErrors(page), []);

  // 4. The admin settles: the single question's disagreement for the blind entry, the scale
  // row's for the first value.
  const adminPage = await NewPage(env.browser);
  await LoginWithKeyboard(adminPage, env.server.url, 'quantri');
  await adminPage.click('#btn-recheck');
  await adminPage.click('#rc-tab-settle');
  await adminPage.waitForSelector('#rc-settle-table');
  await Shot(adminPage, 'recheck-settle-vi');
  const a = [...disagree.keys()].find((f) => disagree.get(f).kind === 'single');
  const b = [...disagree.keys()].find((f) => disagree.get(f).kind === 'scale');
  const serial = drawn[0];
  await adminPage.click(`tr[data-serial="${serial}"][data-field="${a}"] button.rc-keep-blind`);
  await adminPage.waitForSelector(`tr[data-serial="${serial}"][data-field="${a}"][data-settled="true"]`);
  await adminPage.click(`tr[data-serial="${serial}"][data-field="${b}"] button.rc-keep-first`);
  await adminPage.waitForSelector('body[data-recheck-settle="0"]');

  // 5. The figures, computed by hand: `total` box fields compared, 2 differ; every field appears
  // once per drawn sheet, so a and b have drawnCount pairs each with one unequal. Residual error
  // of boxes: `boxAccepted` accepted values (none waits for an admin), 1 wrong (a, settled for the
  // blind entry; b was settled for the first value: not an error).
  const admin = new Api(env.server.url);
  await admin.Login('quantri');
  const r = (await admin.Get('/api/recheck/report')).json;
  assert.equal(r.sheets_drawn, drawnCount);
  assert.equal(r.sheets_entered, drawnCount);
  assert.equal(r.fields, total);
  assert.equal(r.equal, total - 2);
  assert.equal(r.disagreements_settled, 2);
  assert.equal(r.disagreements_open, 0);
  for (const f of [a, b]) {
    const row = r.by_field.find((x) => x.key === f);
    assert.deepEqual([row.fields, row.equal], [drawnCount, drawnCount - 1], f);
  }
  // Kappa of the scale rows: one of the scalePairs differs, so it is below 1.
  const kappa = Kappa(scalePairs);
  assert.ok(kappa < 1);
  assert.ok(Math.abs(r.scale_kappa - kappa) < 1e-9, `${r.scale_kappa} vs ${kappa}`);
  assert.deepEqual(r.by_reviewer.map((x) => [x.key, x.fields, x.equal]), [['minh', total, total - 2]]);
  const boxes = r.residual.find((x) => x.kind === 'boxes');
  assert.deepEqual([boxes.accepted, boxes.wrong, boxes.unsettled], [boxAccepted, 1, 0]);
  const [low, high] = Wilson(1, boxAccepted);
  assert.ok(Math.abs(boxes.rate - 1 / boxAccepted) < 1e-12);
  assert.ok(Math.abs(boxes.low - low) < 1e-9 && Math.abs(boxes.high - high) < 1e-9);

  // On the admin's screen.
  await adminPage.click('#rc-tab-report');
  await adminPage.waitForSelector('body[data-recheck-report="ready"]');
  const summary = await adminPage.textContent('#rc-summary');
  assert.ok(summary.includes(`${total - 2}/${total}`), summary);
  assert.ok(summary.includes(`kappa thang đánh giá ${kappa.toFixed(3)}`), summary);
  const residualRow = await adminPage.$$eval('#rc-residual tbody tr:first-child td', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(residualRow, ['ô đánh dấu', String(boxAccepted), '1', Pct(1 / boxAccepted), `${Pct(low)} – ${Pct(high)}`, '0']);
  await Shot(adminPage, 'recheck-report-vi');
  await adminPage.keyboard.press('l');
  await adminPage.waitForFunction(() => document.getElementById('rc-tab-report').textContent === 'Agreement');
  await Shot(adminPage, 'recheck-report-en');
  assert.deepEqual(RealErrors(adminPage), []);

  // 6. The settled values are the sheet's: a holds the blind value, b the first one.
  const after = new Map(ExportJson(env.survey.db).map((s) => [s.serial, s.answers]));
  assert.equal(String(after.get(serial)[a]), disagree.get(a).blind);
  assert.equal(String(after.get(serial)[b]), disagree.get(b).first);
  const hist = (await admin.Get(`/api/fields/${serial}/${a}/history`)).json.rows;
  assert.equal(hist[0].who, 'quantri');
  assert.equal(hist[0].screen, 'recheck');

  // 7. The terminal report says the same.
  const report = MustRun(['recheck', 'report', '--db', env.survey.db]);
  assert.match(report, new RegExp(`fields compared ${total}, equal ${total - 2}`));
  assert.match(report, new RegExp(`boxes\\s+${boxAccepted}\\s+1\\s+${Pct(1 / boxAccepted).replace('.', '\\.')}`));
});

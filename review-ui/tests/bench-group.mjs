// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Items per minute on the group screen versus the one-item screen, by the same scripted
// reviewer in chromium over copies of one survey. The reviewer waits until every crop on the
// screen is painted (decoded, and a frame drawn since: a person must see them) and then acts:
// on the one-item screen one key and Enter per item; on the group screen the odd crops out
// (a '?' in the machine's value) clicked and marked illegible, then Enter per screen of up to
// 48 crops of one question; the screen goes on to the next question by itself when one is
// done (the reviewer picks one only when the screen is empty). It measures what the system lets a reviewer reach, not how
// fast a person looks. Not part of ctest: a benchmark.
//
//   node review-ui/tests/bench-group.mjs [--items 150] [--sheets 120] [--seed 5] [--runs 3] [--db S.db]
//   PHIEU=build/app/phieu by default.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MakeSurvey, AddUser, StartServer, LaunchBrowser, NewPage, LoginWithKeyboard, WaitForItem, Api } from './harness.mjs';

function Arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const items = Number(Arg('items', 150));
const sheets = Number(Arg('sheets', 120));
const seed = Number(Arg('seed', 5));
const runs = Number(Arg('runs', 3));
let source = Arg('db', '');

const Median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };

function Copy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phieu-bench-group-'));
  const db = path.join(dir, 'survey.db');
  fs.copyFileSync(source, db);
  for (const [name, role] of [['bench', 'reviewer'], ['boss', 'admin']]) {
    try { AddUser(db, name, role); } catch (e) { if (!/exist|taken|UNIQUE/i.test(e.message)) throw e; }
  }
  return { dir, db };
}

async function WithServer(fn) {
  const survey = Copy();
  const server = await StartServer(survey.db);
  const browser = await LaunchBrowser();
  try {
    const page = await NewPage(browser);
    await LoginWithKeyboard(page, server.url, 'bench');
    return await fn(page, server);
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(survey.dir, { recursive: true, force: true });
  }
}

async function OneItemScreen() {
  return WithServer(async (page) => {
    let id = await WaitForItem(page);
    let done = 0;
    const start = performance.now();
    while (done < items && id !== '') {
      await page.waitForFunction(() => {
        const img = document.getElementById('crop-img');
        return !document.getElementById('crop-missing').hidden || (img.complete && img.naturalWidth > 0);
      }, null, { timeout: 15000 });
      await Painted(page, '#crop-img');
      const kind = await page.evaluate(() => document.getElementById('item').dataset.kind);
      if (kind === 'digits' || kind === 'text') { await page.keyboard.press('Escape'); await page.keyboard.press('0'); }
      else await page.keyboard.press('0');
      await page.keyboard.press('Enter');
      id = await WaitForItem(page, id);
      done += 1;
    }
    return { done, seconds: (performance.now() - start) / 1000, errors: page.errors };
  });
}

/// Resolves once every image matching `selector` is decoded and a frame has been drawn since.
function Painted(page, selector) {
  return page.evaluate(async (sel) => {
    await Promise.all([...document.querySelectorAll(sel)].map((i) => (i.src ? i.decode().catch(() => null) : null)));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }, selector);
}

async function GroupScreen() {
  return WithServer(async (page, srv) => {
    const api = new Api(srv.url);
    await api.Login('boss');
    await page.click('#view-group');
    await page.waitForSelector('#group-field option', { state: 'attached' });
    let done = 0;
    let screens = 0;
    let field = null;  // the question picked by hand (null: whatever the screen shows)
    const start = performance.now();
    while (done < items) {
      // The screen, every crop loaded (or the question has no screen left).
      await page.waitForFunction((f) => {
        const g = document.getElementById('group');
        if (f && g.dataset.field !== f) return false;
        const tiles = [...document.querySelectorAll('#group-grid li.tile')];
        if (!tiles.length) return true;
        return document.getElementById('group-question').textContent !== ''
          && tiles.every((li) => { const i = li.querySelector('img'); return i.complete && i.naturalWidth > 0; });
      }, field, { timeout: 30000 });
      field = null;
      const tiles = await page.$$eval('#group-grid li.tile', (ts) => ts.map((t) => t.querySelector('.tile-value').textContent));
      if (!tiles.length) {
        const fields = (await api.Get('/api/group/fields')).json.fields.filter((f) => f.open > 0);
        if (!fields.length) break;
        const f = fields.sort((a, b) => b.open - a.open)[0];
        field = f.field;
        await page.selectOption('#group-field', `${f.template}|${f.version}|${f.field}`);
        continue;
      }
      await Painted(page, '#group-grid li.tile img');
      // Crops the machine could not read fully ("?" in its value) are the odd ones out: the
      // reviewer clicks each and presses X (illegible), one click and one key per crop.
      for (let i = 0; i < tiles.length; i += 1) {
        if (!tiles[i].includes('?')) continue;
        await page.click(`#group-grid li.tile[data-index="${i}"] .tile-where`);
        await page.keyboard.press('x');
      }
      const before = await page.$eval('#group', (g) => [g.dataset.confirms || '0', Number(g.dataset.recorded || 0)]);
      await page.keyboard.press('Enter');
      await page.waitForFunction((c) => (document.getElementById('group').dataset.confirms || '0') !== c,
        before[0], { timeout: 30000 });
      const recorded = await page.$eval('#group', (g) => Number(g.dataset.recorded || 0)) - before[1];
      if (recorded <= 0) throw new Error(`a screen recorded nothing: ${await page.textContent('#group-status')}`);
      done += recorded;
      screens += 1;
    }
    return { done, screens, seconds: (performance.now() - start) / 1000, errors: page.errors };
  });
}

if (!source) {
  const made = MakeSurvey({ sheets, seed });
  source = `${made.db}.pristine`;
  fs.copyFileSync(made.db, source);
  console.log(`survey made: ${source} (pass --db ${source} to reuse it)`);
}
const one = [];
const group = [];
for (let run = 0; run < runs; run += 1) {
  const a = await OneItemScreen();
  const b = await GroupScreen();
  const ra = a.done / a.seconds * 60;
  const rb = b.done / b.seconds * 60;
  one.push(ra);
  group.push(rb);
  console.log(`run ${run + 1}: one-item screen ${a.done} items in ${a.seconds.toFixed(1)} s = ${ra.toFixed(0)} items/min; ` +
    `group screen ${b.done} items (${b.screens} screens) in ${b.seconds.toFixed(1)} s = ${rb.toFixed(0)} items/min` +
    ([...a.errors, ...b.errors].length ? `; page errors: ${[...a.errors, ...b.errors].join(' | ')}` : ''));
}
console.log(`median of ${runs} runs: one-item screen ${Median(one).toFixed(0)} items/min, group screen ` +
  `${Median(group).toFixed(0)} items/min (${(Median(group) / Median(one)).toFixed(1)}x)`);

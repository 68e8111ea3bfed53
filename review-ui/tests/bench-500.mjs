// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// A scripted reviewer clears ITEMS items (default 500) in chromium with the keyboard and
// prints items per minute and how long each next item takes to appear: from the Enter key
// press (measured in the page, at the keydown) to the next item drawn on screen (its id on the
// page and the frame after it painted), median and p95. Not part of ctest: a benchmark.
//
//   node review-ui/tests/bench-500.mjs [--items 500] [--sheets 300] [--seed 5] [--runs 1] [--db S.db]
//   PHIEU=build/app/phieu by default. The survey is made fresh in a temporary folder (simulated
//   and ingested: minutes), or copied afresh for each run from --db (a survey with enough open
//   items, e.g. one a previous run made: it prints where).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MakeSurvey, AddUser, StartServer, LaunchBrowser, NewPage, LoginWithKeyboard, WaitForItem, Api } from './harness.mjs';

function Arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const items = Number(Arg('items', 500));
const sheets = Number(Arg('sheets', Math.ceil(items * 0.6)));
const seed = Number(Arg('seed', 5));
const runs = Number(Arg('runs', 1));
const source = Arg('db', '');

function Survey(run) {
  if (!source) {
    const made = MakeSurvey({ sheets, seed: seed + run });
    console.log(`survey made: ${made.db} (pass --db ${made.db}.pristine to reuse a copy of it)`);
    fs.copyFileSync(made.db, `${made.db}.pristine`);
    return { ...made, fresh: true };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phieu-bench-'));
  const db = path.join(dir, 'survey.db');
  fs.copyFileSync(source, db);
  return { dir, db, fresh: false };
}

function Users(db) {
  for (const [name, role] of [['bench', 'reviewer'], ['boss', 'admin']]) {
    try { AddUser(db, name, role); } catch (e) {
      if (!/exist|taken|UNIQUE/i.test(e.message)) throw e;  // a copied survey may have them already
    }
  }
}

const Quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
};

async function InstallProbe(page) {
  // Measured inside the page: keydown of Enter -> the id of the shown item changes -> the next
  // animation frame after it (the new item has been laid out and painted by then).
  await page.evaluate(() => {
    window.__bench = { t0: 0, samples: [] };
    document.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__bench.t0 = performance.now(); }, true);
    const item = document.getElementById('item');
    new MutationObserver(() => {
      const t0 = window.__bench.t0;
      if (!t0) return;
      window.__bench.t0 = 0;
      requestAnimationFrame(() => setTimeout(() => window.__bench.samples.push(performance.now() - t0), 0));
    }).observe(item, { attributes: true, attributeFilter: ['data-item-id'] });
  });
}

async function OneRun(run) {
  const t = Date.now();
  const survey = Survey(run);
  Users(survey.db);
  const made = (Date.now() - t) / 1000;
  const server = await StartServer(survey.db);
  const browser = await LaunchBrowser();
  try {
    const api = new Api(server.url);
    await api.Login('boss');
    const open = (await api.Get('/api/review/queue')).json.open;
    if (open < items) throw new Error(`the survey has ${open} open items, fewer than ${items}: raise --sheets`);
    const page = await NewPage(browser);
    await LoginWithKeyboard(page, server.url, 'bench');
    let id = await WaitForItem(page);
    await InstallProbe(page);
    const start = performance.now();
    for (let i = 0; i < items; i += 1) {
      const kind = await page.evaluate(() => document.getElementById('item').dataset.kind);
      if (kind === 'digits' || kind === 'text') {  // leave the draft, no answer
        await page.keyboard.press('Escape');
        await page.keyboard.press('0');
      } else {
        await page.keyboard.press(i % 3 === 0 ? '1' : '0');
      }
      await page.keyboard.press('Enter');
      id = await WaitForItem(page, id);
      if (id === '') break;
    }
    const seconds = (performance.now() - start) / 1000;
    const samples = await page.evaluate(() => window.__bench.samples);
    return { open, made, done: samples.length, seconds, samples, errors: page.errors };
  } finally {
    await browser.close();
    await server.stop();
    if (!survey.fresh) fs.rmSync(survey.dir, { recursive: true, force: true });
  }
}

const results = [];
for (let run = 0; run < runs; run += 1) {
  const r = await OneRun(run);
  results.push(r);
  console.log(`run ${run + 1}: ${source ? `copy of ${source}` : `survey of ${sheets} simulated sheets`} ` +
    `(${r.open} open items) ready in ${r.made.toFixed(0)} s; ` +
    `${r.done} items in ${r.seconds.toFixed(1)} s = ${(r.done / r.seconds * 60).toFixed(0)} items/min; ` +
    `Enter -> next item shown: median ${Quantile(r.samples, 0.5).toFixed(1)} ms, ` +
    `p95 ${Quantile(r.samples, 0.95).toFixed(1)} ms, max ${Math.max(...r.samples).toFixed(1)} ms` +
    (r.errors.length ? `; page errors: ${r.errors.join(' | ')}` : ''));
}
if (runs > 1) {
  const all = results.flatMap((r) => r.samples);
  const rate = Quantile(results.map((r) => r.done / r.seconds * 60), 0.5);
  console.log(`median of ${runs} runs: ${rate.toFixed(0)} items/min; all ${all.length} screens: ` +
    `median ${Quantile(all, 0.5).toFixed(1)} ms, p95 ${Quantile(all, 0.95).toFixed(1)} ms`);
}

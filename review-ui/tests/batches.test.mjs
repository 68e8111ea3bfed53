// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Ingest batches on the clerk's desk in a real browser: a scan station's batch and local runs,
// each with its summary exactly as `phieu ingest` printed it, and a running batch (a watched
// folder) whose progress moves while the desk polls. A reviewer gets 403.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  UseSurvey, NewPage, LoginWithKeyboard, Shot, Api, MustRun, kPhieu, kPassword,
} from './harness.mjs';

const env = UseSurvey({ sheets: 3, seed: 5, users: [['thu', 'clerk'], ['lan', 'reviewer']] });

function Simulate(dir, serials, seed) {
  MustRun(['simulate', '--template', 'sipas', '--serials', serials, '--seed', String(seed), '-j', '1', '-o', dir]);
  return fs.readdirSync(dir).filter((f) => !f.endsWith('.json')).sort().map((f) => path.join(dir, f));
}

test('the desk lists batches with their summaries as printed, and a running one with its progress', async () => {
  // 1. A scan station sends two sheets to the server.
  const more = Simulate(path.join(env.survey.dir, 'more'), '201-202', 3);
  const station = MustRun(['ingest', '--server', env.server.url, '--user', 'thu', '--station', 'bàn-2', '-j', '1',
    path.join(env.survey.dir, 'more')], `${kPassword}\n`);
  assert.match(station, /Batch summary/);

  // 2. A local run that keeps watching a folder: a batch that stays running.
  const watched = path.join(env.survey.dir, 'watched');
  fs.mkdirSync(watched);
  const watcher = spawn(kPhieu, ['ingest', '--db', env.survey.db, '--watch', watched, '--settle', '0.2', '-q', '-j', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_THREAD_LIMIT: '1' } });
  let watchOut = '';
  watcher.stdout.on('data', (d) => { watchOut += d; });
  watcher.stderr.on('data', () => {});

  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  await page.waitForSelector('#batch-list li.batch[data-state="running"] .batch-pages');
  assert.equal(await page.textContent('#batch-list li.batch[data-state="running"] .batch-pages'), '0/0 trang');

  // A sheet's pages arrive in the watched folder: the running batch's progress moves.
  const late = Simulate(path.join(env.survey.dir, 'late'), '301-301', 4);
  for (const f of late) fs.copyFileSync(f, path.join(watched, path.basename(f)));
  await page.waitForFunction(() => {
    const pages = document.querySelector('#batch-list li.batch[data-state="running"] .batch-pages');
    return pages && /^[1-9][0-9]*\/[0-9]+ trang$/.test(pages.textContent);
  }, null, { timeout: 60000 });
  await Shot(page, 'batches-running');
  // Every file of the sheet read (the watch prints a line per file), then the watch ends.
  for (const deadline = Date.now() + 60000; !late.every((f) => watchOut.includes(`${path.basename(f)}: `));) {
    assert.ok(Date.now() < deadline, `the watch read only:\n${watchOut}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // 3. Ctrl-C ends the watch: the batch finishes with the summary the command printed.
  // 'close', not 'exit': by then its output has been read to the end (the summary included).
  const exited = new Promise((resolve) => watcher.once('close', resolve));
  watcher.kill('SIGINT');
  assert.equal(await exited, 0);
  await page.waitForFunction(() => !document.querySelector('#batch-list li.batch[data-state="running"]'), null, { timeout: 20000 });

  const batches = await page.$$eval('#batch-list li.batch', (lis) => lis.map((li) => ({
    id: Number(li.dataset.batch), state: li.dataset.state, head: li.querySelector('.batch-head').textContent,
    counts: li.querySelector('.batch-counts')?.textContent || '', summary: li.querySelector('pre')?.textContent || '',
  })));
  assert.equal(batches.length, 3, JSON.stringify(batches));
  const [watch, fromStation, first] = batches;  // newest first
  assert.equal(watch.state, 'finished');
  assert.ok(watchOut.includes(watch.summary), `the watch printed:\n${watchOut}\nthe desk shows:\n${watch.summary}`);
  assert.match(watch.counts, new RegExp(`^${late.length} tệp \\(0 đã có\\) · [1-9]`));
  assert.match(fromStation.head, /trạm quét bàn-2 · thu/);
  assert.ok(station.includes(fromStation.summary), `the station printed:\n${station}\nthe desk shows:\n${fromStation.summary}`);
  assert.match(fromStation.counts, new RegExp(`^${more.length} tệp`));
  assert.match(first.head, /phieu ingest trên máy chủ/);
  assert.match(first.summary, /^Batch summary\n {2}files {12}/);

  // Open the station's summary and look at it.
  await page.click(`#batch-list li[data-batch="${fromStation.id}"] details summary`);
  await page.locator(`#batch-list li[data-batch="${fromStation.id}"] pre`).scrollIntoViewIfNeeded();
  await Shot(page, 'batches');
  assert.deepEqual(page.errors, []);
});

test('a reviewer cannot reach the batches nor send scans', async () => {
  const reviewer = new Api(env.server.url);
  await reviewer.Login('lan');
  assert.equal((await reviewer.Get('/api/desk/batches')).status, 403);
  assert.equal((await reviewer.Get('/api/station/batches/1')).status, 403);
  assert.equal((await reviewer.Post('/api/station/files', { files: [] })).status, 403);
  const anonymous = new Api(env.server.url);
  assert.equal((await anonymous.Get('/api/desk/batches')).status, 401);
});

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// A sheet's missing page on the clerk's desk: listed under its unit while page 3 was never
// scanned; the clerk finds the paper, `phieu ingest` stores it into the same survey while the
// server runs, and after a reload the sheet is gone from the list (and counts as scanned whole).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  UseSurvey, EmptySurvey, NewPage, LoginWithKeyboard, Shot, Api, MustRun,
} from './harness.mjs';

const kClean = ['--no-damage', '--blank-backs', '0', '--foreign', '0'];
const env = UseSurvey({
  users: [['thu', 'clerk'], ['lan', 'reviewer']],
  make: () => {
    const survey = EmptySurvey();
    fs.writeFileSync(path.join(survey.dir, 'units.csv'), 'code,name,kind,quota\nX07,Trường tiểu học Kim Đồng,school,2\n');
    MustRun(['units', 'import', '--db', survey.db, path.join(survey.dir, 'units.csv')]);
    MustRun(['print', '--db', survey.db, '--template', 'sipas', '--unit', 'X07', '-o', path.join(survey.dir, 'x07.pdf')]);
    MustRun(['ingest', '--db', survey.db, Simulate(survey, '1000001-1000001', null, 'whole')]);
    MustRun(['ingest', '--db', survey.db, Simulate(survey, '1000002-1000002', '1,2', 'short')]);  // page 3 never scanned
    return survey;
  },
});

function Simulate(survey, serials, pages, name) {
  const out = path.join(survey.dir, name);
  MustRun(['simulate', '--template', 'sipas', '--serials', serials, '--db', survey.db, '--seed', '5',
    ...(pages ? ['--pages', pages] : []), ...kClean, '-o', out]);
  return out;
}

test('a sheet missing its page 3 is listed, then scanned and gone from the list', async () => {
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  await page.waitForSelector('#desk-missing li');
  assert.match(await page.textContent('#desk-missing'), /X07 — Trường tiểu học Kim Đồng/);
  assert.deepEqual(await page.$$eval('#desk-missing li', (lis) => lis.map((li) => li.textContent)),
    ['Phiếu 1000002: thiếu trang 3']);
  const row = () => page.$$eval('#desk-progress tr[data-unit="X07"] td', (tds) => tds.map((td) => td.textContent));
  const before = await row();  // quota, scanned, complete, waiting for review, pages missing, share
  assert.deepEqual([before[0], before[1], before[4]], ['2', '2', '1']);
  await Shot(page, 'desk-missing-before');

  // The paper is found and scanned at the desk while the server runs.
  MustRun(['ingest', '--db', env.survey.db, Simulate(env.survey, '1000002-1000002', '3', 'found')]);
  await page.reload();
  await page.waitForSelector('#desk-progress tr[data-unit="X07"]');
  assert.equal(await page.$$eval('#desk-missing li', (lis) => lis.length), 0);
  assert.match(await page.textContent('.desk-print-part'), /Không có\./);
  assert.equal((await row())[4], '0', 'no sheet of X07 misses a page now');
  await Shot(page, 'desk-missing-after');
  assert.deepEqual(page.errors, []);

  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  assert.deepEqual((await clerk.Get('/api/desk/missing')).json.units, []);
  const reviewer = new Api(env.server.url);
  await reviewer.Login('lan');
  assert.equal((await reviewer.Get('/api/desk/missing')).status, 403);
});

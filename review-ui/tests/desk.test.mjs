// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The clerk's desk in a real browser: a clerk signs in straight onto the desk and sees every
// unidentified page as a thumbnail with its reason, and progress per unit; a reviewer has no
// desk button and the server refuses the desk's calls (403).

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UseSurvey, NewPage, LoginWithKeyboard, Shot, Api,
} from './harness.mjs';

const env = UseSurvey({ sheets: 10, seed: 7, users: [['thu', 'clerk'], ['lan', 'reviewer']] });

test('a clerk sees unidentified pages with their reason, and progress', async () => {
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const expected = (await clerk.Get('/api/desk/unidentified')).json.pages;
  assert.ok(expected.length > 0, 'the simulated stack holds blank or foreign pages');
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  await page.waitForSelector('#desk-unidentified li.desk-thumb');
  const shown = await page.$$eval('#desk-unidentified li.desk-thumb', (lis) => lis.map((li) => ({
    id: Number(li.dataset.page), reason: li.querySelector('.desk-reason').textContent,
  })));
  assert.deepEqual(shown.map((s) => s.id), expected.map((p) => p.id));
  for (const s of shown) assert.ok(s.reason.length > 3, 'each thumbnail says why');
  await page.waitForFunction(() => [...document.querySelectorAll('#desk-unidentified img')].every((i) => i.complete && i.naturalWidth > 0));
  assert.ok(await page.isVisible('#desk-progress'));
  assert.ok(await page.isHidden('#view-group'), 'a clerk has no review screens');
  await Shot(page, 'desk');
  assert.deepEqual(page.errors, []);
});

test('a reviewer cannot reach the desk', async () => {
  const reviewer = new Api(env.server.url);
  await reviewer.Login('lan');
  for (const path of ['/api/desk/unidentified', '/api/desk/missing', '/api/desk/progress'])
    assert.equal((await reviewer.Get(path)).status, 403, path);
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'lan');
  assert.ok(await page.isHidden('#view-desk'));
});

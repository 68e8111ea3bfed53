// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Conflicts on the clerk's desk (docs/conflicts.md) in a real browser and through the API: the
// same sheet pages scanned a second time (another respondent's answers, as when a rescan or a
// second paper carries the number), each of the three resolutions, one through the screen with
// both scans side by side; the progress per unit and per parent unit, sortable with the mouse
// and the keyboard; the speed figures; and a reviewer kept out of all of it (403).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  UseSurvey, EmptySurvey, NewPage, LoginWithKeyboard, Shot, Api, MustRun, ExportJson,
} from './harness.mjs';

let layout;
const kClean = ['--no-damage', '--blank-backs', '0', '--foreign', '0'];
const env = UseSurvey({
  users: [['thu', 'clerk'], ['lan', 'reviewer']],
  make: () => {
    const survey = EmptySurvey();
    const { dir, db } = survey;
    fs.writeFileSync(path.join(dir, 'units.csv'),
      'code,name,kind,quota,parent\nHN,Thành phố Hà Nội,admin,0,\nX01,UBND phường Ba Đình,admin,3,HN\nX02,UBND phường Tây Hồ,admin,2,HN\n');
    MustRun(['units', 'import', '--db', db, path.join(dir, 'units.csv')]);
    MustRun(['print', '--db', db, '--template', 'sipas', '--unit', 'X01', '-o', path.join(dir, 'x01.pdf')]);  // 1000001-3
    MustRun(['print', '--db', db, '--template', 'sipas', '--unit', 'X02', '-o', path.join(dir, 'x02.pdf')]);  // 1000004-5
    MustRun(['simulate', '--template', 'sipas', '--serials', '1000001-1000004', '--db', db, '--seed', '3', ...kClean, '-o', path.join(dir, 'first')]);
    MustRun(['ingest', '--db', db, path.join(dir, 'first')]);
    // Pages 1 and 2 of three sheets again, filled by other respondents: six conflicts.
    MustRun(['simulate', '--template', 'sipas', '--serials', '1000001-1000003', '--pages', '1,2', '--db', db, '--seed', '11', ...kClean, '-o', path.join(dir, 'again')]);
    MustRun(['ingest', '--db', db, path.join(dir, 'again')]);
    MustRun(['template', 'layout', 'sipas', '-o', path.join(dir, 'layout.json')]);
    layout = JSON.parse(fs.readFileSync(path.join(dir, 'layout.json'), 'utf8'));
    return survey;
  },
});

const Conflict = (list, serial, page) => list.find((c) => c.serial === serial && c.page === page);
const Sheet = (serial) => ExportJson(env.survey.db).find((s) => s.serial === serial);
const FieldsOnPage = (page) => layout.fields.filter((f) => f.page === page).map((f) => f.id);
const Pick = (answers, ids) => Object.fromEntries(ids.map((id) => [id, answers[id]]));

test('a reviewer cannot reach the conflicts, nor a clerk resolve one without the CSRF token', async () => {
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const { conflicts } = (await clerk.Get('/api/desk/conflicts')).json;
  assert.equal(conflicts.length, 6);
  const reviewer = new Api(env.server.url);
  await reviewer.Login('lan');
  const id = conflicts[0].id;
  assert.equal((await reviewer.Get('/api/desk/conflicts')).status, 403);
  assert.equal((await reviewer.Get(`/api/desk/pages/${id}/image`)).status, 403);
  assert.equal((await reviewer.Post(`/api/desk/conflicts/${id}/resolve`, { action: 'keep_stored' })).status, 403);
  assert.equal((await clerk.Post(`/api/desk/conflicts/${id}/resolve`, { action: 'keep_stored' }, { csrf: false })).status, 403);
  assert.equal((await clerk.Post(`/api/desk/conflicts/${id}/resolve`, { action: 'throw_away' })).status, 400);
  assert.equal((await clerk.Post('/api/desk/conflicts/999999/resolve', { action: 'keep_stored' })).status, 404);
  assert.equal((await clerk.Get('/api/desk/conflicts')).json.conflicts.length, 6, 'nothing changed');
});

test('keep the stored scan, keep the other, two sheets wrongly numbered: through the API', async () => {
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  let { conflicts } = (await clerk.Get('/api/desk/conflicts')).json;

  // Keep the stored scan: the sheet's answers do not change; a second answer is stale.
  const before = Sheet(1000002).answers;
  const a = Conflict(conflicts, 1000002, 1);
  assert.ok(a.stored && a.stored.image && a.other.image && a.other.file);
  let r = await clerk.Post(`/api/desk/conflicts/${a.id}/resolve`, { action: 'keep_stored' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.set_aside_page, a.id);
  assert.equal(r.json.kept_page, a.stored.page_id);
  assert.deepEqual(Sheet(1000002).answers, before);
  assert.equal((await clerk.Post(`/api/desk/conflicts/${a.id}/resolve`, { action: 'keep_other' })).status, 409);

  // Keep the other: page 2's answers come from the other scan, pages 1 and 3 stay.
  const b = Conflict(conflicts, 1000002, 2);
  r = await clerk.Post(`/api/desk/conflicts/${b.id}/resolve`, { action: 'keep_other' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kept_page, b.id);
  assert.equal(r.json.set_aside_page, b.stored.page_id);
  const after = Sheet(1000002).answers;
  assert.deepEqual(Pick(after, FieldsOnPage(1)), Pick(before, FieldsOnPage(1)));
  assert.deepEqual(Pick(after, FieldsOnPage(3)), Pick(before, FieldsOnPage(3)));
  assert.notDeepEqual(Pick(after, FieldsOnPage(2)), Pick(before, FieldsOnPage(2)), 'another respondent filled the other scan');
  // The replaced scan is still there to look at.
  const image = await clerk.Get(`/api/desk/pages/${b.stored.page_id}/image`);
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/jpeg');

  // Two different sheets: page 1 of the second paper gets a new serial in unit X01, and its
  // page 2 joins that sheet.
  const c1 = Conflict(conflicts, 1000003, 1);
  r = await clerk.Post(`/api/desk/conflicts/${c1.id}/resolve`, { action: 'separate' });
  assert.equal(r.status, 200, r.text);
  const fresh = r.json.new_serial;
  assert.ok(fresh > 1000005, `a serial never printed: ${fresh}`);
  ({ conflicts } = (await clerk.Get('/api/desk/conflicts')).json);
  const c2 = Conflict(conflicts, 1000003, 2);
  assert.deepEqual(c2.split_sheets, [fresh]);
  assert.equal((await clerk.Post(`/api/desk/conflicts/${c2.id}/resolve`, { action: 'separate', sheet: 1000001 })).status, 409);
  r = await clerk.Post(`/api/desk/conflicts/${c2.id}/resolve`, { action: 'separate', sheet: fresh });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.new_serial, fresh);
  const split = Sheet(fresh);
  assert.equal(split.unit, 'X01');
  assert.equal(split.status, 'incomplete', 'its page 3 was never scanned');
  assert.ok(Sheet(1000003), 'the first sheet stays');
  const x01 = (await clerk.Get('/api/desk/progress')).json.units.find((u) => u.unit === 'X01');
  assert.equal(x01.scanned, 4, 'both sheets count');
  const missing = (await clerk.Get('/api/desk/missing')).json.units.find((u) => u.unit === 'X01');
  assert.deepEqual(missing.sheets.find((s) => s.serial === fresh).missing_pages, [3]);

  // Every action is an audit row, on the sheet it concerned (and on the new sheet).
  const audit = MustRun(['audit', '--db', env.survey.db, '--serial', '1000002']);
  assert.match(audit, /1000002\/page:1/);
  assert.match(audit, /1000002\/page:2/);
  assert.match(MustRun(['audit', '--db', env.survey.db, '--serial', String(fresh)]), new RegExp(`${fresh}/page:2`));
  assert.equal((await clerk.Get('/api/desk/conflicts')).json.conflicts.length, 2);
});

test('a clerk keeps the other scan on the screen, with both scans side by side', async () => {
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const c = Conflict((await clerk.Get('/api/desk/conflicts')).json.conflicts, 1000001, 1);
  const before = Sheet(1000001).answers;
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  const article = `#desk-conflicts article.conflict[data-page="${c.id}"]`;
  await page.waitForSelector(article);
  await page.waitForFunction((sel) => {
    const imgs = [...document.querySelectorAll(`${sel} img`)];
    return imgs.length === 2 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, article);
  const captions = await page.$$eval(`${article} figcaption`, (fs) => fs.map((f) => f.textContent));
  assert.match(captions[0], /Bản đang lưu/);
  assert.ok(captions[0].includes(c.stored.file) && captions[1].includes(c.other.file), captions.join(' | '));
  await page.$eval(article, (e) => e.scrollIntoView());
  await Shot(page, 'desk-conflicts');
  // Every scan on the desk drawn (the lazy ones scrolled to) before the action.
  await page.$eval('#desk-conflicts article:last-child', (e) => e.scrollIntoView());
  await page.waitForFunction(() => [...document.querySelectorAll('#desk-conflicts img')].every((i) => i.complete && i.naturalWidth > 0));
  await page.$eval(article, (e) => e.scrollIntoView());
  const fetched = [];
  page.on('request', (r) => { if (r.url().includes('/api/desk/pages/')) fetched.push(r.url()); });
  await page.click(`${article} button[data-action="keep_other"]`);
  await page.waitForSelector(article, { state: 'detached' });
  assert.deepEqual(fetched, [], 'the other conflicts keep their drawn scans across the reload');
  assert.match(await page.textContent('#desk-message'), /Phiếu 1000001 trang 1: đã dùng bản quét khác/);
  assert.equal(await page.$$eval('#desk-conflicts article.conflict', (a) => a.length), 1);
  assert.notDeepEqual(Pick(Sheet(1000001).answers, FieldsOnPage(1)), Pick(before, FieldsOnPage(1)));
  assert.deepEqual(page.errors, []);
});

test('progress per unit and per parent unit, sortable by mouse and keyboard; the speed figures', async () => {
  // A reviewer decides two items, so the pace is known.
  const reviewer = new Api(env.server.url);
  await reviewer.Login('lan');
  for (let i = 0; i < 2; ++i) {
    const item = await reviewer.Get('/api/review/next');
    assert.equal(item.status, 200, 'items wait for review');
    const d = await reviewer.Post(`/api/review/items/${item.json.id}/decision`, { illegible: true, version: item.json.version });
    assert.equal(d.status, 200, d.text);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const speed = (await clerk.Get('/api/desk/speed')).json;
  const progress = (await clerk.Get('/api/desk/progress')).json;
  const hn = progress.parents.find((p) => p.unit === 'HN');
  assert.equal(hn.quota, 5);
  assert.equal(hn.units, 2);
  assert.equal(hn.scanned, progress.units.filter((u) => u.parent === 'HN').reduce((n, u) => n + u.scanned, 0));

  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  await page.waitForSelector('#desk-progress-parents tbody tr[data-unit="HN"]');
  const rows = () => page.$$eval('#desk-progress tbody tr', (trs) => trs.map((tr) => tr.dataset.unit));
  // Behind first by default: X02 has 1 of 2, X01 more than its quota.
  assert.deepEqual(await rows(), progress.units.map((u) => u.unit));
  assert.equal(await page.getAttribute('#desk-progress th:has(button[data-key="share_complete"])', 'aria-sort'), 'ascending');
  await page.click('#desk-progress button[data-key="unit"]');
  assert.deepEqual(await rows(), ['HN', 'X01', 'X02']);
  await page.keyboard.press('Enter');  // the header keeps the focus: Enter sorts the other way
  assert.deepEqual(await rows(), ['X02', 'X01', 'HN']);
  assert.equal(await page.getAttribute('#desk-progress th:has(button[data-key="unit"])', 'aria-sort'), 'descending');
  assert.match(await page.textContent('#speed-queue'), new RegExp(`Còn chờ duyệt: ${speed.queue_left} mục`));
  assert.match(await page.textContent('#speed-eta'), /Ước tính xong sau: (\d+ giờ \d+ phút|dưới 1 phút)/);
  assert.ok((await page.textContent('#desk-speed-reviewers')).includes('lan'));
  await page.$eval('#desk-progress-part', (e) => e.scrollIntoView());
  await Shot(page, 'desk-progress-speed');
  assert.deepEqual(page.errors, []);
});

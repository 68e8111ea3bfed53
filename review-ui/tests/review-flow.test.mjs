// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// One reviewer clears a whole queue (at least 30 items) in a real browser with the keyboard
// only, then the survey file is checked: every decision is stored, with its audit row, and the
// JSON export shows no pending field. On the way: history (K/J), undo (U), the page view (Z),
// the keys (?), Vietnamese and English (remembered), screenshots of each kind of item.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UseSurvey, NewPage, LoginWithKeyboard, WaitForItem, ShownItem, Shot, Api, ExportJson, IngestMore,
} from './harness.mjs';

// Typed into the text field: the letters of the screen's own keys (X, K, U, Z) must go into
// the field, not act as commands.
const kTextAnswer = 'Xin cảm ơn, khá tốt; thủ tục nhanh gọn. Liên hệ qua Zalo.';

const env = UseSurvey({ sheets: 18, seed: 6, users: [['lan', 'reviewer'], ['quantri', 'admin']] });
let page; let admin;

test.before(async () => {
  await env.ready;
  page = await NewPage(env.browser);
  admin = new Api(env.server.url);
  await admin.Login('quantri');
});

/// Decides the shown item with keys only; returns the value expected in the survey:
/// {selected: [keys]} for box kinds, {text} for digits/text, {illegible: true}.
async function DecideWithKeys(shown, i) {
  const kb = page.keyboard;
  if (shown.kind === 'digits' || shown.kind === 'text') {
    assert.equal(shown.focused, 'draft', 'the draft input has the focus, ready to edit');
    if (i % 5 === 4) {  // leave the input, mark it illegible
      await kb.press('Escape');
      await kb.press('x');
      await kb.press('Enter');
      return { illegible: true };
    }
    let value = kTextAnswer;
    if (shown.kind === 'digits') {
      value = shown.draft.replace(/[^0-9]/g, '1');
      if (value === '') value = '1985';
    }
    await kb.press('Control+A');
    await kb.type(value);  // typed into the input, which no shortcut may steal
    if (shown.kind === 'text') {
      // An input method composing a syllable (Telex/VNI) ends it with Enter: that Enter is the
      // IME's, not "accept".
      const accepted = await page.evaluate(() => {
        document.getElementById('draft').dispatchEvent(
          new KeyboardEvent('keydown', { key: 'Enter', keyCode: 229, isComposing: true, bubbles: true }));
        return document.getElementById('item').hasAttribute('aria-busy');  // set at once by accept
      });
      assert.equal(accepted, false, 'Enter inside a composition does not accept');
      assert.equal((await ShownItem(page)).id, shown.id);
      assert.equal((await ShownItem(page)).draft, value);
    }
    await kb.press('Enter');
    return { text: value };
  }
  const n = shown.options.length;
  switch (i % 4) {
    case 0: await kb.press('0'); await kb.press('Enter'); return { selected: [] };
    case 1: await kb.press('x'); await kb.press('Enter'); return { illegible: true };
    case 2: {
      await kb.press('0');
      await kb.press(String(Math.min(2, n)));
      if (shown.kind === 'multi' && n >= 3) { await kb.press('3'); await kb.press('Enter'); return { selected: [shown.options[1], shown.options[2]] }; }
      await kb.press('Enter');
      return { selected: [shown.options[Math.min(2, n) - 1]] };
    }
    default: {  // a one-answer question takes the last digit pressed
      await kb.press('0');
      await kb.press('1');
      await kb.press(String(n));
      await kb.press('Enter');
      return { selected: shown.kind === 'multi' ? [shown.options[0], shown.options[n - 1]] : [shown.options[n - 1]] };
    }
  }
}

function Matches(item, expected) {
  if (expected.illegible) return item.decided === null && item.decided_illegible === true;
  if (item.decided_illegible) return false;
  if (expected.text !== undefined) return item.decided === expected.text;
  const got = item.decided === null ? [] : (Array.isArray(item.decided) ? item.decided : [item.decided]);
  return JSON.stringify(got.map(String).sort()) === JSON.stringify(expected.selected.map(String).sort());
}

async function Language(lang) {
  const now = await page.evaluate(() => document.documentElement.lang);
  if (now !== lang) await page.keyboard.press('l');
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

test('a reviewer logs in and clears the queue with the keyboard only; every decision is in the survey', async () => {
  const queue0 = (await admin.Get('/api/review/queue')).json;
  assert.ok(queue0.open >= 30, `the simulated survey has ${queue0.open} open items, want at least 30`);

  await LoginWithKeyboard(page, env.server.url, 'lan');
  let id = await WaitForItem(page);
  assert.notEqual(id, '', 'an item is shown after login');
  assert.equal(await page.textContent('#item dt'), 'Máy đọc được', 'Vietnamese by default');

  const expected = new Map();  // item id -> expected decision
  const decidedOrder = [];
  const kindsShot = new Set();
  let i = 0;
  while (id !== '') {
    const shown = await ShownItem(page);
    assert.equal(shown.id, id);
    if (!kindsShot.has(shown.kind)) {  // one screenshot per kind, in each language
      kindsShot.add(shown.kind);
      if (shown.focused === 'draft') await page.keyboard.press('Escape');
      await Shot(page, `vi-${shown.kind}`);
      const reasonVi = await page.textContent('#fact-reasons');
      await Language('en');
      assert.equal(await page.textContent('#item dt'), 'Machine read');
      const reasonEn = await page.textContent('#fact-reasons');
      assert.notEqual(reasonEn, reasonVi, 'the reason is worded in each language');
      await Shot(page, `en-${shown.kind}`);
      await Language('vi');
      if (shown.kind === 'digits' || shown.kind === 'text') {
        await page.keyboard.press('F2');
        assert.equal((await ShownItem(page)).focused, 'draft');
      }
    }
    if (i === 1) {  // the whole page (Z) and the keys (?)
      if (shown.focused === 'draft') await page.keyboard.press('Escape');
      await page.keyboard.press('z');
      await page.waitForSelector('#pageview[open][data-ready="true"]');
      const fields = await page.$$eval('#page-overlay rect.field', (r) => r.length);
      assert.ok(fields >= 3, `the page view outlines the page's fields (${fields})`);
      assert.equal(await page.$$eval('#page-overlay rect.field.current', (r) => r.length), 1);
      assert.ok(await page.isHidden('#page-missing'), 'the scanned page is shown');
      assert.equal(await page.$eval('#page-img', (img) => img.naturalWidth), 840, 'A4 at 4 px/mm');
      await Shot(page, 'vi-page-view');
      await page.keyboard.press('Escape');
      await page.waitForSelector('#pageview:not([open])', { state: 'attached' });
      await page.keyboard.press('?');
      await page.waitForSelector('#help[open]');
      await Shot(page, 'vi-help');
      await Language('en');
      await Shot(page, 'en-help');
      await page.keyboard.press('Escape');
      await Language('vi');
      if (shown.kind === 'digits' || shown.kind === 'text') await page.keyboard.press('F2');
    }
    if (i === 3) {  // K/J walk back through what was decided, then back to this item
      if (shown.focused === 'draft') await page.keyboard.press('Escape');
      await page.keyboard.press('k');
      await WaitForItem(page, id);
      assert.equal((await ShownItem(page)).id, String(decidedOrder[decidedOrder.length - 1]));
      assert.ok(await page.isVisible('#item-history'), 'the history badge shows');
      await page.waitForSelector('#fact-history li');
      const trail = await page.textContent('#fact-history');
      assert.match(trail, /lan: /, 'the field shows who decided it');
      assert.doesNotMatch(trail, /object|undefined/, trail);
      await page.keyboard.press('ArrowLeft');
      await WaitForItem(page, decidedOrder[decidedOrder.length - 1]);
      assert.equal((await ShownItem(page)).id, String(decidedOrder[decidedOrder.length - 2]));
      await Shot(page, 'vi-history');
      await page.keyboard.press('j');
      await page.keyboard.press('ArrowRight');
      await WaitForItem(page, decidedOrder[decidedOrder.length - 1]);
      assert.equal((await ShownItem(page)).id, id, 'J goes back to the item the queue was at');
      assert.ok(!(await page.isVisible('#item-history')));
      if (shown.kind === 'digits' || shown.kind === 'text') await page.keyboard.press('F2');
    }
    if (i === 5) {  // U: the last decision comes back, open, and is decided again
      if (shown.focused === 'draft') await page.keyboard.press('Escape');
      const last = decidedOrder.pop();
      await page.keyboard.press('u');
      await WaitForItem(page, id);
      assert.equal((await ShownItem(page)).id, String(last));
      assert.match(await page.textContent('#status'), /Đã hoàn tác/);
      const reopened = (await admin.Get(`/api/review/items/${last}`)).json;
      assert.equal(reopened.status, 'open', 'undo reopened the item');
      assert.equal(reopened.decided, null);
      expected.delete(last);
      const undone = await ShownItem(page);
      const value = await DecideWithKeys(undone, 3);
      expected.set(last, value);
      decidedOrder.push(last);
      const back = await WaitForItem(page, last);
      assert.equal(back, id, 'after the undone item, the queue goes on where it was');
      const history = (await admin.Get(`/api/fields/${reopened.serial}/${reopened.field}/history`)).json.rows;
      assert.ok(history.some((r) => r.entity === 'undo' && r.who === 'lan'), 'the undo is audited');
    }
    const now = await ShownItem(page);
    expected.set(Number(id), await DecideWithKeys(now, i));
    decidedOrder.push(Number(id));
    id = await WaitForItem(page, id);
    i += 1;
  }
  await Shot(page, 'vi-queue-empty');
  assert.ok(expected.size >= 30, `cleared ${expected.size} items`);
  assert.equal(await page.textContent('#empty-text'), 'Không còn mục nào chờ bạn duyệt. Cảm ơn!');

  // The survey holds every decision, each with its audit row made on the review screen.
  const queue1 = (await admin.Get('/api/review/queue')).json;
  assert.equal(queue1.open, 0);
  for (const [itemId, want] of expected) {
    const item = (await admin.Get(`/api/review/items/${itemId}`)).json;
    assert.equal(item.status, 'resolved', `item ${itemId}`);
    assert.equal(item.decided_by, 'lan');
    assert.ok(Matches(item, want), `item ${itemId} (${item.kind}): stored ${JSON.stringify(item.decided)}` +
      ` illegible=${item.decided_illegible}, expected ${JSON.stringify(want)}`);
    const rows = (await admin.Get(`/api/fields/${item.serial}/${item.field}/history`)).json.rows;
    const row = rows.find((r) => r.entity === 'decision' && r.who === 'lan');
    assert.ok(row, `item ${itemId}: an audit row`);
    assert.equal(row.screen, 'review');
    assert.equal(row.address, '127.0.0.1');
  }
  // ... and the export shows no pending field any more.
  const sheets = ExportJson(env.survey.db);
  for (const s of sheets) assert.deepEqual(s.pending, [], `sheet ${s.serial} still pending`);
  const text = [...expected.values()].find((v) => v.text === kTextAnswer);
  if (text) assert.ok(sheets.some((s) => Object.values(s.answers).includes(kTextAnswer)), 'Vietnamese text exported as typed');
  assert.deepEqual(page.errors, []);
});

test('the English choice is remembered across a reload', async () => {
  await Language('en');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('#empty:not([hidden])');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.textContent('#empty-text'), 'Nothing left for you to review. Thank you!');
  assert.equal(await page.textContent('#btn-lang'), 'Tiếng Việt');
  await Shot(page, 'en-queue-empty');
  await page.keyboard.press('l');
  await page.waitForFunction(() => document.documentElement.lang === 'vi');
  assert.equal(await page.textContent('#btn-lang'), 'English');
  assert.deepEqual(page.errors, []);
});

test('a batch ingested while the server runs shows up without a restart', async () => {
  assert.ok(await page.isVisible('#empty'), 'the queue was cleared');
  IngestMore(env.survey.db, { serials: '101-104', seed: 99 });
  await page.keyboard.press('r');
  await page.waitForSelector('#item:not([hidden])', { timeout: 15000 });  // R takes up the new items
  const id = await WaitForItem(page);
  assert.notEqual(id, '');
  const item = (await admin.Get(`/api/review/items/${id}`)).json;
  assert.ok(item.serial >= 101 && item.serial <= 104, `an item of the new batch (sheet ${item.serial})`);
  assert.deepEqual(page.errors, []);
});

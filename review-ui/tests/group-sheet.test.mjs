// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Group verification and the sheet view in a real browser: a reviewer picks a question, fixes
// the odd crop out with the keyboard (arrows, a digit), confirms the whole screen with Enter,
// and the audit holds one row per crop (screen "group"); a spot check of accepted readings
// shows crops cut again from the stored original; in the sheet view a field the machine
// accepted is corrected with the mouse, stored and audited (screen "sheet").

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UseSurvey, NewPage, LoginWithKeyboard, Shot, Api,
} from './harness.mjs';

const env = UseSurvey({ sheets: 12, seed: 6, users: [['lan', 'reviewer'], ['minh', 'reviewer'], ['quantri', 'admin']] });

let page; let admin;

test.before(async () => {
  await env.ready;
  page = await NewPage(env.browser);
  admin = new Api(env.server.url);
  await admin.Login('quantri');
  await LoginWithKeyboard(page, env.server.url, 'lan');
});

const Tiles = () => page.evaluate(() => [...document.querySelectorAll('#group-grid li.tile')].map((li) => ({
  reading: Number(li.dataset.reading), serial: Number(li.dataset.serial),
  value: li.querySelector('.tile-value').textContent,
  img: li.querySelector('img').naturalWidth, current: li.classList.contains('current'),
})));

const AllCropsLoaded = () => page.waitForFunction(() =>
  [...document.querySelectorAll('#group-grid img')].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 30000 });

async function History(serial, field) {
  const r = await admin.Get(`/api/fields/${serial}/${field}/history`);
  assert.equal(r.status, 200);
  return r.json.rows;
}

test('group verification: one Enter confirms a screen, one audit row per crop', async () => {
  const fields = (await admin.Get('/api/group/fields')).json.fields;
  // A one-answer or written question: the odd crop below gets one value (in a multi question a
  // digit toggles an option among the others, which this check does not model).
  const busiest = fields.filter((f) => f.open >= 3 && f.kind !== 'multi').sort((a, b) => b.open - a.open)[0];
  assert.ok(busiest, 'a question with several open items');
  await page.click('#view-group');
  await page.waitForSelector('#group-field option', { state: 'attached' });
  await page.selectOption('#group-field', `${busiest.template}|${busiest.version}|${busiest.field}`);
  await page.waitForFunction((n) => document.querySelectorAll('#group-grid li.tile').length === n
    && document.getElementById('group-question').textContent !== '', Math.min(busiest.open, 48));
  await AllCropsLoaded();
  const before = await Tiles();
  const box = ['single', 'scale', 'multi'].includes(busiest.kind);
  let expected = null;
  if (box) {
    // The odd one out, with the keyboard: the second crop gets option 1 (2 when 1 was the
    // machine's value already).
    await page.focus('#group-grid');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('1');
    let after = await Tiles();
    let chosen = 1;
    if (after[1].value === before[1].value) { await page.keyboard.press('2'); chosen = 2; after = await Tiles(); }
    assert.notEqual(after[1].value, before[1].value, 'the digit changed the second crop');
    assert.ok(after[1].current, 'the arrow moved to the second crop');
    const layout = (await admin.Get(`/api/sheets/${before[1].serial}/layout`)).json;
    expected = layout.fields.find((f) => f.id === busiest.field).options[chosen - 1].value;
  } else {
    // Written fields: the reviewer clicks each crop the machine could not read fully (a "?")
    // and types what it shows; the second one is typed differently on purpose.
    for (let i = 0; i < before.length; i += 1) {
      if (i !== 1 && !before[i].value.includes('?')) continue;
      await page.click(`#group-grid li.tile[data-index="${i}"] .tile-where`);
      await page.waitForSelector(`#group-grid li.tile.current[data-index="${i}"] input`);
      const value = i === 1 ? (busiest.kind === 'digits' ? '1999' : 'Đã sửa tay') : before[i].value.replace(/\?/g, '1');
      await page.fill(`#group-grid li.tile[data-index="${i}"] input`, value);
      if (i === 1) expected = value;
    }
    await page.focus('#group-grid');
  }
  await Shot(page, 'group-screen');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /\d/.test(document.getElementById('group-status').textContent)
    && !document.getElementById('group-confirm').disabled && document.getElementById('group-status').textContent.includes('(0'),
  null, { timeout: 15000 });
  // One audit row per crop, made on the group screen, by lan.
  for (const t of before) {
    const rows = (await History(t.serial, busiest.field)).filter((r) => r.screen === 'group');
    assert.equal(rows.length, 1, `sheet ${t.serial}: one group row`);
    assert.equal(rows[0].who, 'lan');
  }
  const sheet = (await admin.Get(`/api/sheets/${before[1].serial}`)).json;
  assert.equal(JSON.stringify(sheet.fields.find((f) => f.id === busiest.field).value), JSON.stringify(expected),
    'the corrected crop holds the reviewer\'s value');
  const open = (await admin.Get(`/api/group/readings?template=${busiest.template}&version=${busiest.version}&field=${busiest.field}&mode=open`)).json.readings;
  for (const r of open) assert.ok(!before.some((t) => t.reading === r.reading_id), 'confirmed items are closed');
  assert.deepEqual(page.errors, []);
});

test('spot check: accepted readings show crops cut from the original', async () => {
  await page.click('#group-mode-accepted');
  await page.waitForFunction(() => document.querySelectorAll('#group-grid li.tile').length > 0);
  await AllCropsLoaded();
  const tiles = await Tiles();
  assert.ok(tiles.every((t) => t.img > 10), 'every crop was cut from its stored original');
  await Shot(page, 'group-spot-check');
  // (read before Enter: a question with nothing left moves on to the next by itself)
  const field = await page.$eval('#group-field', (s) => s.value.split('|')[2]);
  await page.click('#group-confirm');
  await page.waitForFunction(() => /\d/.test(document.getElementById('group-status').textContent)
    && !document.getElementById('group-confirm').disabled);
  for (const t of tiles) {
    const rows = (await History(t.serial, field)).filter((r) => r.screen === 'group');
    assert.equal(rows.length, 1, `sheet ${t.serial}: the spot check is audited`);
  }
  assert.deepEqual(page.errors, []);
});

test('sheet view: any field corrected with the mouse is stored and audited', async () => {
  // A sheet and a one-answer field the machine accepted on it.
  const fields = (await admin.Get('/api/group/fields')).json.fields.filter((f) => f.kind === 'single' && f.accepted > 0);
  const f = fields[0];
  const r = (await admin.Get(`/api/group/readings?template=${f.template}&version=${f.version}&field=${f.field}&mode=accepted`)).json.readings[0];
  await page.click('#view-sheet');
  await page.waitForSelector('#sheet-serial');
  await page.fill('#sheet-serial', String(r.serial));
  await page.click('#sheet-open');
  await page.waitForFunction(() => document.querySelector('#sheet-overlay rect.field'));
  if (r.page !== 1) await page.click(`#sheet-pages button:nth-child(${r.page})`);
  await page.waitForFunction((id) => document.querySelector(`#sheet-overlay rect[data-field="${id}"]`), r.field);
  await page.click(`#sheet-overlay rect[data-field="${r.field}"]`);
  await page.waitForSelector('#sheet-correct button.option');
  const values = await page.$$eval('#sheet-correct button.option', (bs) => bs.map((b) => b.dataset.value).filter((v) => v));
  const other = values.find((v) => v !== r.machine);
  await page.click(`#sheet-correct button.option[data-value="${other}"]`);
  await page.waitForFunction(() => document.querySelector('#sheet-history li') && !document.querySelector('#sheet-history li.muted'));
  await page.waitForFunction((v) => document.getElementById('sheet-decided').textContent.includes(v), other);
  await Shot(page, 'sheet-view');
  const sheet = (await admin.Get(`/api/sheets/${r.serial}`)).json;
  assert.equal(sheet.fields.find((x) => x.id === r.field).value, other, 'stored');
  const rows = await History(r.serial, r.field);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].screen, 'sheet');
  assert.equal(rows[0].who, 'lan');
  assert.deepEqual(page.errors, []);
});

// Issue 16 (leases): two reviewers on one question get disjoint screens (a screen leases its
// open items); leaving the group screen gives them back, and the other reviewer gets them.
test('group leases: two reviewers on one question get disjoint screens; leaving frees them', async () => {
  const fields = (await admin.Get('/api/group/fields')).json.fields;
  const f = fields.filter((x) => x.open >= 2).sort((a, b) => b.open - a.open)[0];
  assert.ok(f, 'a question with open items left');
  const key = `${f.template}|${f.version}|${f.field}`;
  const Shown = (p) => p.$$eval('#group-grid li.tile', (lis) => lis.map((li) => Number(li.dataset.reading)));
  const Settled = (p, n) => p.waitForFunction(([field, count]) => {
    const g = document.getElementById('group');
    const tiles = [...document.querySelectorAll('#group-grid li.tile')];
    return g.dataset.field === field && tiles.length === count
      && tiles.every((li) => { const i = li.querySelector('img'); return i.complete && i.naturalWidth > 0; });
  }, [f.field, n], { timeout: 15000 });

  const lan = await NewPage(env.browser);
  await LoginWithKeyboard(lan, env.server.url, 'lan');
  await lan.click('#view-group');
  await lan.waitForSelector('#group-field option', { state: 'attached' });
  await lan.selectOption('#group-field', key);
  const first = Math.min(f.open, 48);
  await Settled(lan, first);
  const lanShown = await Shown(lan);

  const minh = await NewPage(env.browser);
  await LoginWithKeyboard(minh, env.server.url, 'minh');
  await minh.click('#view-group');
  await minh.waitForSelector('#group-field option', { state: 'attached' });
  await minh.selectOption('#group-field', key);
  await Settled(minh, Math.min(f.open - first, 48));
  const minhShown = await Shown(minh);
  assert.deepEqual(minhShown.filter((id) => lanShown.includes(id)), [], 'no crop on both screens');
  await Shot(minh, 'group-second-reviewer');

  // lan goes to the one-item screen: her group leases go back (one release call).
  const released = lan.waitForResponse((r) => r.url().endsWith('/api/group/release'));
  await lan.click('#view-review');
  assert.equal((await released).status(), 204);
  // minh asks for the question again, pressing the mode buttons quickly: the accepted screen's
  // answer is held back so that it arrives last, and the open screen, asked for last, is the
  // one shown. Lan's crops are his now.
  const slow = '**/api/group/readings?*mode=accepted*';
  await minh.route(slow, async (route) => { await new Promise((ok) => setTimeout(ok, 700)); await route.continue(); });
  const accepted = minh.waitForResponse((r) => r.url().includes('/api/group/readings') && r.url().includes('mode=accepted'));
  await minh.click('#group-mode-accepted');
  await minh.click('#group-mode-open');
  await accepted;
  await minh.unroute(slow);
  await Settled(minh, Math.min(f.open, 48));
  assert.equal(await minh.getAttribute('#group-mode-open', 'aria-pressed'), 'true');
  const now = await Shown(minh);
  for (const id of lanShown) assert.ok(now.includes(id), `reading ${id} came back to the queue`);
  assert.deepEqual([...lan.errors, ...minh.errors], []);
});

// The header holds on one line at 1366×768 in Vietnamese, counters included (each label one
// line high, the bar no taller than its buttons).
test('the header is one line at 1366x768 in Vietnamese and in English', async () => {
  await page.click('#view-review');
  await page.waitForSelector('#counts:not([hidden])');
  for (const lang of ['vi', 'en']) {
    if (lang === 'en') await page.click('#btn-lang');
    await page.waitForFunction((l) => document.documentElement.lang === l, lang);
    const m = await page.evaluate(() => {
      const bar = document.querySelector('header.bar');
      const lines = (el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight || '16'));
      return {
        bar: bar.getBoundingClientRect().height,
        wrapped: [...bar.querySelectorAll('.counts dt, .counts dd, button, .who, .brand')]
          .filter((el) => el.offsetParent !== null && el.getClientRects().length > 1).map((el) => el.id || el.textContent),
        tall: [...bar.querySelectorAll('.counts dt')].filter((el) => lines(el) > 1).map((el) => el.textContent),
        clipped: [...bar.querySelectorAll('.counts dt, .counts dd, button, .brand')]
          .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent),
        overflow: bar.scrollWidth > bar.clientWidth,
      };
    });
    assert.deepEqual(m.wrapped, [], `${lang}: nothing in the header wraps`);
    assert.deepEqual(m.tall, [], `${lang}: each counter's label is one line`);
    assert.deepEqual(m.clipped, [], `${lang}: no counter or button is cut short`);
    assert.ok(m.bar <= 60, `${lang}: the header is one line (${m.bar} px)`);
    assert.ok(!m.overflow, `${lang}: nothing overflows the header`);
    await Shot(page, `header-${lang}`);
  }
  await page.click('#btn-lang');  // back to Vietnamese
});

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// What keeps reviewers from losing or doubling work, seen from a real browser: an anonymous
// client gets 401, a clerk 403, a call without the CSRF header 403; a stale decision gets 409
// with a message and the item reloaded; undo; two reviewers at once never get the same item.

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  UseSurvey, NewPage, LoginWithKeyboard, WaitForItem, ShownItem, Shot, Api,
} from './harness.mjs';

const env = UseSurvey({ sheets: 10, seed: 11, users: [['lan', 'reviewer'], ['minh', 'reviewer'], ['thu', 'clerk']] });

/// fetch() from inside the page (the browser's own cookie, Origin and CSRF handling).
function PageFetch(page, method, route, { body, csrf = true } = {}) {
  return page.evaluate(async ({ method, route, body, csrf }) => {
    const headers = { 'Content-Type': 'application/json' };
    const token = sessionStorage.getItem('phieu.csrf');
    if (csrf && token) headers['X-CSRF-Token'] = token;
    const r = await fetch(route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let json = null;
    try { json = await r.json(); } catch { json = null; }
    return { status: r.status, json };
  }, { method, route, body, csrf });
}

/// Keys that decide the shown item as "no answer".
async function DecideBlank(page) {
  const shown = await ShownItem(page);
  if (shown.focused === 'draft') await page.keyboard.press('Escape');
  await page.keyboard.press('0');
  await page.keyboard.press('Enter');
  return shown.id;
}

test('an anonymous client gets 401 and the login form', async () => {
  const page = await NewPage(env.browser);
  await page.goto(`${env.server.url}/`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.ok(await page.isVisible('#login-form'));
  assert.equal(await page.textContent('#login-heading'), 'Đăng nhập');
  await Shot(page, 'vi-login');
  for (const route of ['/api/review/next', '/api/review/queue', '/api/review/history', '/api/me']) {
    assert.equal((await PageFetch(page, 'GET', route)).status, 401, route);
  }
  assert.equal((await PageFetch(page, 'POST', '/api/review/items/1/decision', { body: { value: null, version: 1 } })).status, 401);
  // A wrong password says so and keeps the form.
  await page.fill('#login-user', 'lan');
  await page.fill('#login-password', 'sai mật khẩu');
  await page.press('#login-password', 'Enter');
  await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
  assert.equal(await page.textContent('#login-error'), 'Sai tên đăng nhập hoặc mật khẩu.');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a clerk gets 403 on review calls and the screen says why', async () => {
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  await page.waitForFunction(() => document.getElementById('status').textContent !== '');
  assert.equal(await page.textContent('#status'), 'Tài khoản này không có quyền duyệt phiếu.');
  assert.ok(await page.isHidden('#item'));
  assert.equal((await PageFetch(page, 'GET', '/api/review/next')).status, 403);
  assert.equal((await PageFetch(page, 'GET', '/api/review/queue')).status, 403);
  assert.equal((await PageFetch(page, 'POST', '/api/review/items/1/decision', { body: { value: null, version: 1 } })).status, 403);
  assert.equal((await PageFetch(page, 'POST', '/api/review/items/1/undo', { body: { version: 2 } })).status, 403);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a decision without the CSRF header gets 403 and changes nothing', async () => {
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'lan');
  const id = await WaitForItem(page);
  const shown = await ShownItem(page);
  const refused = await PageFetch(page, 'POST', `/api/review/items/${id}/decision`,
    { body: { value: null, version: Number(shown.version) }, csrf: false });
  assert.equal(refused.status, 403);
  assert.equal(typeof refused.json.error, 'string');
  const item = (await PageFetch(page, 'GET', `/api/review/items/${id}`)).json;
  assert.equal(item.status, 'open');
  assert.equal(String(item.version), shown.version);
  // From a foreign origin, even with the token: 403.
  const api = new Api(env.server.url);
  await api.Login('lan');
  const foreign = await api.Post(`/api/review/items/${id}/release`, {}, { headers: { Origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
  await page.context().close();
});

test('a stale decision gets 409: the screen says what happened and reloads the item', async () => {
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'lan');
  const id = await WaitForItem(page);
  const shown = await ShownItem(page);
  // The same reviewer, in another window, decides it first.
  const other = new Api(env.server.url);
  await other.Login('lan');
  const first = await other.Post(`/api/review/items/${id}/decision`, { value: null, version: Number(shown.version) });
  assert.equal(first.status, 200);
  // Now this screen's decision is on a stale version.
  if (shown.focused === 'draft') await page.keyboard.press('Escape');
  await page.keyboard.press('x');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#status[data-kind="error"]');
  const message = await page.textContent('#status');
  assert.match(message, /Không lưu được/);
  assert.match(message, /đã được quyết định hoặc thay đổi/);
  assert.equal((await ShownItem(page)).id, id, 'the same item, reloaded');
  assert.equal((await ShownItem(page)).version, String(first.json.version), 'with its new version');
  await Shot(page, 'vi-conflict');
  const stored = (await other.Get(`/api/review/items/${id}`)).json;
  assert.equal(stored.decided_illegible ?? false, false, 'the stale decision changed nothing');
  // Enter moves on to another item.
  await page.keyboard.press('Enter');
  const next = await WaitForItem(page, id);
  assert.notEqual(next, id);
  // A decision on an item leased to someone else: 409 "leased".
  const minh = new Api(env.server.url);
  await minh.Login('minh');
  const held = await ShownItem(page);
  const leased = await minh.Post(`/api/review/items/${next}/decision`, { value: null, version: Number(held.version) });
  assert.equal(leased.status, 409);
  assert.equal(leased.json.code, 'leased');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('undo reopens the last decision and a new decision replaces it', async () => {
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'lan');
  const id = await WaitForItem(page);
  await DecideBlank(page);
  const next = await WaitForItem(page, id);
  await page.keyboard.press('Escape');
  await page.keyboard.press('u');
  await WaitForItem(page, next);
  assert.equal((await ShownItem(page)).id, id);
  const api = new Api(env.server.url);
  await api.Login('lan');
  const item = (await api.Get(`/api/review/items/${id}`)).json;
  assert.equal(item.status, 'open');
  assert.equal(item.lease.owner, 'lan', 'the undone item is leased back to its reviewer');
  await DecideBlank(page);
  assert.equal(await WaitForItem(page, id), next, 'then the queue goes on where it was');
  assert.equal((await api.Get(`/api/review/items/${id}`)).json.status, 'resolved');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('looking back (K) and deciding again records a correction and returns to the queue', async () => {
  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'lan');
  const api = new Api(env.server.url);
  await api.Login('lan');
  let id = await WaitForItem(page);
  let shown = await ShownItem(page);
  while (shown.kind === 'digits' || shown.kind === 'text') {  // a box item to correct
    await DecideBlank(page);
    id = await WaitForItem(page, id);
    shown = await ShownItem(page);
  }
  await DecideBlank(page);
  const queueId = await WaitForItem(page, id);
  const before = (await api.Get(`/api/review/items/${id}`)).json;
  assert.equal(before.decided, null);
  if ((await ShownItem(page)).focused === 'draft') await page.keyboard.press('Escape');
  await page.keyboard.press('k');
  await WaitForItem(page, queueId);
  assert.equal((await ShownItem(page)).id, id);
  await page.waitForSelector('#fact-history li');
  assert.match(await page.textContent('#fact-history'), /lan: .*\(quyết định\)/, 'the field shows its history');
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await WaitForItem(page, id);
  assert.equal((await ShownItem(page)).id, queueId, 'back at the queue after the correction');
  const after = (await api.Get(`/api/review/items/${id}`)).json;
  assert.equal(after.decided, shown.options[0], 'the correction is stored');
  assert.equal(after.version, before.version + 1);
  const rows = (await api.Get(`/api/fields/${after.serial}/${after.field}/history`)).json.rows;
  assert.equal(rows.filter((r) => r.entity === 'decision').length, 2, 'both decisions audited');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('two reviewers at once get disjoint items and clear the queue together', async () => {
  const lan = await NewPage(env.browser);
  const minh = await NewPage(env.browser);
  await LoginWithKeyboard(lan, env.server.url, 'lan');
  await LoginWithKeyboard(minh, env.server.url, 'minh');
  const api = new Api(env.server.url);
  await api.Login('lan');
  async function Clear(page) {
    const seen = [];
    let id = await WaitForItem(page);
    while (id !== '') {
      seen.push(id);
      await DecideBlank(page);
      id = await WaitForItem(page, id);
    }
    return seen;
  }
  const [a, b] = await Promise.all([Clear(lan), Clear(minh)]);
  const overlap = a.filter((x) => b.includes(x));
  assert.deepEqual(overlap, [], 'no item shown to both');
  assert.ok(a.length > 0 && b.length > 0, `both worked: ${a.length} and ${b.length}`);
  assert.equal((await api.Get('/api/review/queue')).json.open, 0, 'together they cleared the queue');
  for (const id of a) assert.equal((await api.Get(`/api/review/items/${id}`)).json.decided_by, 'lan');
  for (const id of b) assert.equal((await api.Get(`/api/review/items/${id}`)).json.decided_by, 'minh');
  assert.deepEqual(lan.errors, []);
  assert.deepEqual(minh.errors, []);
});

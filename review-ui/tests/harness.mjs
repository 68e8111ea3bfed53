// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// What every browser test needs: a fresh survey made by the real `phieu` (simulated SIPAS
// stack, ingested), logins, a running `phieu serve` on 127.0.0.1, Debian's chromium driven by
// playwright-core, and a small API client with its own cookie jar.
//
// PHIEU names the phieu binary (ctest passes the one it built); default: build/app/phieu.

import { spawn, spawnSync } from 'node:child_process';
import test from 'node:test';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const kRepo = path.resolve(here, '..', '..');
export const kPhieu = process.env.PHIEU || path.join(kRepo, 'build', 'app', 'phieu');
export const kShots = path.join(here, 'screenshots');
export const kPassword = 'mật-khẩu-thử-nghiệm';  // NFC, with diacritics on purpose

function Run(args, input) {
  const r = spawnSync(kPhieu, args, {
    input, encoding: 'utf8', env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 64 << 20,
  });
  if (r.error) throw new Error(`${kPhieu} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

/// Runs `phieu ARGS`; throws with its stderr unless it exits 0. Returns its stdout.
export function MustRun(args, input) {
  const r = Run(args, input);
  if (r.status !== 0) throw new Error(`phieu ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/// A new survey of the SIPAS template in a temporary folder, nothing scanned yet. {dir, db}.
export function EmptySurvey() {
  if (!fs.existsSync(kPhieu)) throw new Error(`no phieu binary at ${kPhieu} (set PHIEU=...)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phieu-ui-'));
  const db = path.join(dir, 'survey.db');
  MustRun(['survey', 'init', '--db', db, '--template', 'sipas']);
  return { dir, db };
}

/// A new survey in a temporary folder: `sheets` simulated SIPAS sheets ingested with
/// --review-blank-required (more items). Returns {dir, db}.
export function MakeSurvey({ sheets = 10, seed = 1 } = {}) {
  const { dir, db } = EmptySurvey();
  MustRun(['simulate', '--template', 'sipas', '--sheets', String(sheets), '--seed', String(seed),
    '-o', path.join(dir, 'stack')]);
  const r = Run(['ingest', '--db', db, '--review-blank-required', path.join(dir, 'stack')]);
  if (r.status !== 0) throw new Error(`phieu ingest exited ${r.status}:\n${r.stderr}`);
  return { dir, db };
}

/// Simulates sheets `serials` ("A-B") and ingests them into an existing survey (a batch that
/// arrives while the server runs).
export function IngestMore(db, { serials, seed }) {
  const dir = path.join(path.dirname(db), `more-${serials}`);
  MustRun(['simulate', '--template', 'sipas', '--serials', serials, '--seed', String(seed), '-o', dir]);
  const r = Run(['ingest', '--db', db, '--review-blank-required', dir]);
  if (r.status !== 0) throw new Error(`phieu ingest exited ${r.status}:\n${r.stderr}`);
}

/// Removes a survey's folder (kept when PHIEU_KEEP_TEST_DIRS is set, to look at after a failure).
export function RemoveSurvey(survey) {
  if (!survey || process.env.PHIEU_KEEP_TEST_DIRS) return;
  fs.rmSync(survey.dir, { recursive: true, force: true });
}

export function AddUser(db, name, role, password = kPassword) {
  MustRun(['user', 'add', '--db', db, name, '--role', role], `${password}\n`);
}

/// `phieu export --format json` of the survey, parsed.
export function ExportJson(db, { includePending = true } = {}) {
  const out = path.join(path.dirname(db), `export-${Date.now()}.json`);
  MustRun(['export', '--db', db, '--format', 'json', '-o', out, ...(includePending ? ['--include-pending'] : [])]);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

async function FreePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/// Starts `phieu serve` on a free port and waits until it answers. {url, stop(), log()}. The
/// port is picked before the server binds it: should another process take it meanwhile, the
/// server exits and is started again on another.
export async function StartServer(db) {
  for (let attempt = 1; ; ++attempt) {
    try {
      return await StartServerOnce(db);
    } catch (e) {
      if (attempt >= 3 || !e.exited) throw e;
    }
  }
}

async function StartServerOnce(db) {
  const port = await FreePort();
  const child = spawn(kPhieu, ['serve', '--db', db, '--bind', '127.0.0.1', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) {
      throw Object.assign(new Error(`phieu serve exited ${child.exitCode}:\n${log}`), { exited: true });
    }
    try {
      const r = await fetch(`${url}/`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { child.kill('SIGTERM'); throw new Error(`phieu serve did not answer:\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(child.exitCode); return; }
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    }),
  };
}

/// The before/after every browser test file needs: a survey of `sheets` simulated sheets
/// (`seed`), or the one `make()` returns ({dir, db}: a file that builds its own, e.g. from
/// EmptySurvey()), the logins `users` ([[name, role], ...], password kPassword), a `phieu serve`
/// on it and chromium; all of it stopped and removed after the file's tests. Returns an object whose
/// `survey` ({dir, db}), `server` ({url, stop, log}) and `browser` are set once `env.ready` has
/// resolved: tests may use them directly; a file's own test.before must `await env.ready` first
/// (node 20 starts top-level before hooks as they are declared, not one after another).
export function UseSurvey({ sheets = 10, seed = 1, users = [], make = null } = {}) {
  const env = { survey: null, server: null, browser: null, ready: null };
  let done;
  let failed;
  env.ready = new Promise((resolve, reject) => { done = resolve; failed = reject; });
  env.ready.catch(() => { /* reported by the hook below */ });
  test.before(async () => {
    try {
      env.survey = make ? make() : MakeSurvey({ sheets, seed });
      for (const [name, role] of users) AddUser(env.survey.db, name, role);
      env.server = await StartServer(env.survey.db);
      env.browser = await LaunchBrowser();
      done(env);
    } catch (e) {
      failed(e);
      throw e;
    }
  });
  test.after(async () => {
    if (env.browser) await env.browser.close();
    if (env.server) await env.server.stop();
    if (env.survey) RemoveSurvey(env.survey);
  });
  return env;
}

export async function LaunchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}

/// A page at 1366×768 that fails the test on any console error or uncaught exception
/// (a CSP violation shows up as a console error). `errors` collects them.
export async function NewPage(browser, { locale = 'vi-VN' } = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // Expected HTTP refusals the tests provoke on purpose (401 before login, 409, 403).
    if (/status of (401|403|409)/.test(text)) return;
    page.errors.push(`console: ${text}`);
  });
  return page;
}

/// Logs in through the form with the keyboard only and waits for the first item (or the
/// empty queue, or the no-review message).
export async function LoginWithKeyboard(page, url, user, password = kPassword) {
  await page.goto(`${url}/`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('#login-user:focus');
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('login').hidden);
}

/// Waits until the screen shows an item other than `previousId` (or the empty queue);
/// returns the shown id ('' when the queue is empty).
export async function WaitForItem(page, previousId = null) {
  await page.waitForFunction((prev) => {
    const item = document.getElementById('item');
    const empty = document.getElementById('empty');
    if (!empty.hidden) return true;
    return !item.hidden && item.dataset.itemId && item.dataset.itemId !== prev && !item.hasAttribute('aria-busy');
  }, previousId === null ? '' : String(previousId), { timeout: 15000 });
  return page.evaluate(() => (document.getElementById('empty').hidden ? document.getElementById('item').dataset.itemId : ''));
}

/// What the screen shows of the current item.
export function ShownItem(page) {
  return page.evaluate(() => {
    const item = document.getElementById('item');
    return {
      id: item.dataset.itemId,
      version: item.dataset.version,
      kind: item.dataset.kind,
      options: [...document.querySelectorAll('#options button.option')].map((b) => b.dataset.key),
      checked: [...document.querySelectorAll('#options button.option[aria-checked="true"]')].map((b) => b.dataset.key),
      draft: document.getElementById('draft').value,
      focused: document.activeElement ? document.activeElement.id : '',
    };
  });
}

export function Shot(page, name) {
  fs.mkdirSync(kShots, { recursive: true });
  return page.screenshot({ path: path.join(kShots, `${name}.png`) });
}

/// The JSON API with its own cookie jar (a second client beside the browser).
export class Api {
  constructor(url) { this.url = url; this.cookie = ''; this.csrf = ''; }

  async Request(method, route, { body, csrf = true, headers = {} } = {}) {
    const h = { ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (csrf && this.csrf && method !== 'GET') h['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const r = await fetch(`${this.url}${route}`, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = r.headers.get('set-cookie');
    if (set) {
      const m = /phieu_session=([^;]*)/.exec(set);
      if (m) this.cookie = m[1] ? `phieu_session=${m[1]}` : '';
    }
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: r.status, json, text, headers: r.headers };
  }

  async Login(user, password = kPassword) {
    const r = await this.Request('POST', '/api/login', { body: { user, password } });
    if (r.status !== 200) throw new Error(`login ${user}: ${r.status} ${r.text}`);
    this.csrf = r.json.csrf;
    return r.json;
  }

  Get(route) { return this.Request('GET', route); }
  Post(route, body, options = {}) { return this.Request('POST', route, { body, ...options }); }
}

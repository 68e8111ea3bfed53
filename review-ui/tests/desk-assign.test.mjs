// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// An unidentified page assigned by hand in a real browser. Sheet 9 is printed and rasterised;
// page 1 gets ticks drawn in six boxes and its four QR anchors inked over, so ingest keeps it
// as unidentified. A clerk opens it from the desk with the keyboard, names sheet 9 page 1, and
// the page is aligned from its printed box grid and read: the ticks appear as the sheet's
// answers (API and the reviewer's sheet view). A second scan of the page is set aside with a
// reason, then assigned from four clicked anchor centres: a conflict, not an overwrite. A
// reviewer gets 403 on every route of it.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  UseSurvey, MustRun, NewPage, LoginWithKeyboard, Shot, Api, kRepo,
} from './harness.mjs';

const kDpi = 200;
const kSerial = 9;
const env = UseSurvey({ sheets: 2, seed: 3, users: [['thu', 'clerk'], ['lan', 'reviewer']] });
let layout; let marked;

/// Draws in a browser canvas: ticks in `ticks` ([x, y, w, h] mm boxes) and a grey smear with
/// black strokes over each anchor square (`anchors`, mm), so no QR code can be read.
async function Damage(page, pngPath, { ticks, anchors }) {
  const url = `data:image/png;base64,${fs.readFileSync(pngPath).toString('base64')}`;
  const out = await page.evaluate(async ({ url, ticks, anchors, pxPerMm }) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    g.lineCap = 'round'; g.lineJoin = 'round';
    for (const [x, y, w, h] of ticks) {
      g.strokeStyle = '#111'; g.lineWidth = 0.5 * pxPerMm;
      g.beginPath();
      g.moveTo((x + 0.2 * w) * pxPerMm, (y + 0.55 * h) * pxPerMm);
      g.lineTo((x + 0.42 * w) * pxPerMm, (y + 0.82 * h) * pxPerMm);
      g.lineTo((x + 0.85 * w) * pxPerMm, (y + 0.18 * h) * pxPerMm);
      g.stroke();
    }
    for (const [x, y, w, h] of anchors) {
      g.fillStyle = '#909090';
      g.fillRect((x + 0.08 * w) * pxPerMm, (y + 0.08 * h) * pxPerMm, 0.84 * w * pxPerMm, 0.84 * h * pxPerMm);
      g.strokeStyle = '#000'; g.lineWidth = 0.8 * pxPerMm;
      for (let k = -2; k <= 2; ++k) {
        g.beginPath();
        g.moveTo(x * pxPerMm, (y + h / 2 + k * 0.2 * h) * pxPerMm);
        g.lineTo((x + w) * pxPerMm, (y + h / 2 - k * 0.2 * h) * pxPerMm);
        g.stroke();
      }
    }
    return c.toDataURL('image/png');
  }, { url, ticks, anchors, pxPerMm: kDpi / 25.4 });
  return Buffer.from(out.split(',')[1], 'base64');
}

test.before(async () => {
  await env.ready;
  // Sheet 9, printed and scanned flat at 200 dpi.
  const tpl = path.join(kRepo, 'templates', 'bundled', 'sipas.json');
  const work = path.join(env.survey.dir, 'sheet9');
  fs.mkdirSync(work);
  MustRun(['template', 'render', tpl, '--serial', String(kSerial), '-o', path.join(work, 'form.pdf')]);
  MustRun(['template', 'layout', tpl, '-o', path.join(work, 'layout.json')]);
  layout = JSON.parse(fs.readFileSync(path.join(work, 'layout.json'), 'utf8'));
  const r = spawnSync('pdftoppm', ['-r', String(kDpi), '-gray', '-png', path.join(work, 'form.pdf'), path.join(work, 'p')]);
  assert.equal(r.status, 0, `pdftoppm: ${r.stderr}`);
  const pngs = fs.readdirSync(work).filter((f) => /^p-\d+\.png$/.test(f)).sort();
  assert.equal(pngs.length, layout.pages.length);
  // Six one-answer questions of page 1 get a tick, each in another option.
  marked = layout.fields.filter((f) => f.page === 1 && (f.kind === 'single' || f.kind === 'scale')).slice(0, 6)
    .map((f, i) => ({ id: f.id, value: f.options[(2 * i + 1) % f.options.length].value,
      box: f.options[(2 * i + 1) % f.options.length].box_mm }));
  assert.equal(marked.length, 6);
  const anchors = layout.pages[0].anchors.map((a) => a.symbol_mm);
  const scratch = await NewPage(env.browser);
  const stack = path.join(work, 'stack');
  fs.mkdirSync(stack);
  fs.writeFileSync(path.join(stack, 'sheet9-page1.png'), await Damage(scratch, path.join(work, pngs[0]), { ticks: marked.map((m) => m.box), anchors }));
  // A second scan of the same page (one tick fewer: other bytes), for the set-aside.
  fs.writeFileSync(path.join(stack, 'sheet9-page1-again.png'), await Damage(scratch, path.join(work, pngs[0]), { ticks: marked.slice(1).map((m) => m.box), anchors }));
  for (const f of pngs.slice(1)) fs.copyFileSync(path.join(work, f), path.join(stack, `sheet9-${f}`));
  await scratch.context().close();
  MustRun(['ingest', '--db', env.survey.db, stack]);
});

async function Unidentified(api, file) {
  const pages = (await api.Get('/api/desk/unidentified')).json.pages;
  return pages.find((p) => p.file === file);
}

test('a clerk opens an unidentified page with the keyboard, assigns it, and its answers appear', async () => {
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const target = await Unidentified(clerk, 'sheet9-page1.png');
  assert.ok(target, 'the inked-over page is kept as unidentified');
  assert.equal(target.status, 'no_anchors');
  const before = (await clerk.Get(`/api/sheets/${kSerial}`));
  // The full-size image is the stored original.
  const image = await clerk.Get(target.image);
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/jpeg');

  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  const thumb = `#desk-unidentified li.desk-thumb[data-page="${target.id}"]`;
  await page.waitForSelector(thumb);
  await page.focus(thumb);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#assign-dialog[open]');
  await page.waitForFunction(() => document.getElementById('assign-img').naturalWidth > 0);
  await page.waitForSelector('#assign-serial:focus');
  // A wrong sheet first: the server says so, nothing changes.
  await page.keyboard.type('77');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('1');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /77/.test(document.getElementById('assign-status').textContent));
  await page.focus('#assign-serial');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(String(kSerial));
  await page.keyboard.press('Enter');
  await page.waitForSelector('#assign-status[data-kind="done"]', { timeout: 60000 });
  await Shot(page, 'desk-assign-done');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#assign-dialog', { state: 'detached' });
  await page.waitForFunction((id) => !document.querySelector(`#desk-unidentified li[data-page="${id}"]`), target.id);
  // The one refusal provoked on purpose (sheet 77) is the only console error.
  assert.equal(page.errors.length, 1, page.errors.join('\n'));
  assert.match(page.errors[0], /status of 400/);

  // The ticks are the sheet's answers now, read like any page.
  const sheet = (await clerk.Get(`/api/sheets/${kSerial}`)).json;
  for (const m of marked)
    assert.equal(String(sheet.fields.find((f) => f.id === m.id).value), String(m.value), m.id);
  assert.ok(before.status === 200, 'sheet 9 existed from its other pages');

  // The reviewer sees them in the sheet view.
  const reviewer = await NewPage(env.browser);
  await LoginWithKeyboard(reviewer, env.server.url, 'lan');
  await reviewer.click('#view-sheet');
  await reviewer.waitForSelector('#sheet-serial');
  await reviewer.fill('#sheet-serial', String(kSerial));
  await reviewer.click('#sheet-open');
  await reviewer.waitForFunction((id) => document.querySelector(`#sheet-overlay rect[data-field="${id}"]`), marked[0].id);
  await reviewer.waitForFunction(() => document.getElementById('sheet-img').naturalWidth > 0);
  await Shot(reviewer, 'desk-assign-sheet-view');
  assert.deepEqual(reviewer.errors, []);
});

test('a page set aside keeps its reason and, assigned later by four points, is a conflict', async () => {
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const target = await Unidentified(clerk, 'sheet9-page1-again.png');
  assert.ok(target);
  const route = `/api/desk/unidentified/${target.id}`;
  assert.equal((await clerk.Post(`${route}/set-aside`, { reason: '   ' })).status, 400);

  const page = await NewPage(env.browser);
  await LoginWithKeyboard(page, env.server.url, 'thu');
  const thumb = `#desk-unidentified li.desk-thumb[data-page="${target.id}"]`;
  await page.waitForSelector(thumb);
  await page.click(thumb);
  await page.waitForSelector('#assign-dialog[open]');
  await page.fill('#assign-aside-reason', 'Bản quét lại, chờ đối chiếu với tổ trưởng');
  await page.click('#assign-aside');
  await page.waitForSelector('#assign-status[data-kind="done"]');
  await page.keyboard.press('Escape');
  await page.waitForFunction((sel) => document.querySelector(`${sel} .desk-aside`), thumb);
  assert.match(await page.textContent(`${thumb} .desk-aside`), /Bản quét lại, chờ đối chiếu với tổ trưởng \(thu\)/);
  const listed = await Unidentified(clerk, 'sheet9-page1-again.png');
  assert.equal(listed.set_aside.reason, 'Bản quét lại, chờ đối chiếu với tổ trưởng');

  // Later: assigned from the four anchor centres, clicked on the image.
  await page.focus(thumb);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#assign-dialog[open]');
  await page.waitForFunction(() => document.getElementById('assign-img').naturalWidth > 0);
  const box = await page.locator('#assign-img').boundingBox();
  const p = layout.pages[0];
  const centres = [0, 1, 2, 3].map((corner) => p.anchors.find((a) => a.corner === corner).symbol_mm)
    .map(([x, y, w, h]) => [(x + w / 2) / p.width_mm, (y + h / 2) / p.height_mm]);
  for (const [sx, sy] of centres) await page.mouse.click(box.x + sx * box.width, box.y + sy * box.height);
  assert.equal(await page.isChecked('#assign-by-points'), true);
  await page.fill('#assign-serial', String(kSerial));
  await page.fill('#assign-page', '1');
  await Shot(page, 'desk-assign-points');
  await page.click('#assign-submit');
  await page.waitForSelector('#assign-status[data-kind="done"]', { timeout: 60000 });
  assert.match(await page.textContent('#assign-status'), /xung đột/);
  await page.keyboard.press('Escape');
  assert.equal(await Unidentified(clerk, 'sheet9-page1-again.png'), undefined);
  // The first page's answers stand: a conflict never overwrites.
  const sheet = (await clerk.Get(`/api/sheets/${kSerial}`)).json;
  assert.equal(String(sheet.fields.find((f) => f.id === marked[0].id).value), String(marked[0].value));
  assert.deepEqual(page.errors, []);
});

test('a reviewer gets 403 on the assign routes', async () => {
  const reviewer = new Api(env.server.url);
  await reviewer.Login('lan');
  const clerk = new Api(env.server.url);
  await clerk.Login('thu');
  const any = (await clerk.Get('/api/desk/unidentified')).json.pages[0];
  const id = any ? any.id : 1;
  assert.equal((await reviewer.Get(`/api/desk/unidentified/${id}/image`)).status, 403);
  assert.equal((await reviewer.Post(`/api/desk/unidentified/${id}/assign`, { serial: kSerial, page: 1 })).status, 403);
  assert.equal((await reviewer.Post(`/api/desk/unidentified/${id}/set-aside`, { reason: 'x' })).status, 403);
  // Without the CSRF header a clerk is refused too.
  assert.equal((await clerk.Post(`/api/desk/unidentified/${id}/set-aside`, { reason: 'x' }, { csrf: false })).status, 403);
});

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The web app's files without a server: the reason catalogue in i18n.js matches
// docs/review-reasons.md, both languages have every string, all text is NFC, and the page
// carries no inline script, style or event handler (the server's CSP forbids them).

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { kRepo } from './harness.mjs';

const assets = path.join(kRepo, 'review-ui', 'assets');
const i18n = await import(path.join(assets, 'i18n.js'));

test('every reason code of docs/review-reasons.md is rendered in both languages, and no other', () => {
  const doc = fs.readFileSync(path.join(kRepo, 'docs', 'review-reasons.md'), 'utf8');
  const documented = new Set();
  for (const line of doc.split('\n')) {
    const m = /^\| `([a-z_]+)` \|/.exec(line);
    if (m) documented.add(m[1]);
  }
  // Remarks on accepted readings are codes too but never open a review item.
  assert.ok(documented.size >= 30, `found only ${documented.size} codes in the catalogue`);
  assert.deepEqual([...i18n.ReasonCodes()].sort(), [...documented].sort());
  for (const lang of ['vi', 'en']) {
    i18n.SetLanguage(lang, null);
    for (const code of documented) {
      const text = i18n.RenderReason({ code, params: { box: '3', count: '2', max: '3', option: '4',
        value: '1890', min: '1920', detail: 'x', text: 'old words', over_border: '1' } });
      assert.ok(text && !text.includes('{'), `${lang} ${code}: "${text}"`);
      assert.equal(text, text.normalize('NFC'));
    }
  }
});

test('reasons render with their parameters, in Vietnamese and in English', () => {
  i18n.SetLanguage('vi', null);
  assert.equal(i18n.RenderReason({ code: 'heavy_mark', params: { box: '3' } }), 'ô 3: tô đậm — đánh dấu hay hủy?');
  assert.equal(i18n.RenderReason({ code: 'digit_out_of_range', params: { value: '1890', min: '1920', max: '2026' } }),
    '1890 nằm ngoài khoảng 1920–2026');
  assert.equal(i18n.RenderReason({ code: 'digits_unclear', params: { count: '1', over_border: '0' } }), '1 chữ số không rõ');
  assert.equal(i18n.RenderReason({ code: 'digits_unclear', params: { count: '2', over_border: '1' } }),
    '2 chữ số không rõ (1 viết đè lên viền ô)');
  i18n.SetLanguage('en', null);
  assert.equal(i18n.RenderReason({ code: 'two_marks_single', params: { count: '2' } }),
    '2 boxes marked in a one-answer question');
  assert.equal(i18n.RenderReason({ code: 'digits_unclear', params: { count: '1', over_border: '1' } }),
    '1 digit(s) unclear (1 written over the cell border)');
  // An unknown code falls back to the server's English text.
  assert.equal(i18n.RenderReason({ code: 'brand_new_code', params: {} }, 'something new'), 'something new');
  assert.deepEqual(i18n.RenderReasons([{ code: 'faint_mark', params: { box: '1' } }, { code: 'zzz', params: {} }],
    'box 1: faint mark; a newer reason'), ['box 1: faint mark', 'a newer reason']);
  i18n.SetLanguage('vi', null);
});

test('both languages have the same strings, all NFC, Vietnamese with its diacritics', () => {
  assert.deepEqual(i18n.UiKeys('vi').sort(), i18n.UiKeys('en').sort());
  for (const lang of ['vi', 'en']) {
    i18n.SetLanguage(lang, null);
    for (const key of i18n.UiKeys(lang)) assert.equal(i18n.T(key), i18n.T(key).normalize('NFC'), key);
  }
  i18n.SetLanguage('vi', null);
  assert.equal(i18n.T('queue_empty'), 'Không còn mục nào chờ bạn duyệt. Cảm ơn!');
  for (const file of fs.readdirSync(assets)) {
    const text = fs.readFileSync(path.join(assets, file), 'utf8');
    assert.equal(text, text.normalize('NFC'), `${file} is not NFC`);
  }
});

test('the language is remembered', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  assert.equal(i18n.InitLanguage(storage), 'vi');
  i18n.SetLanguage('en', storage);
  assert.equal(i18n.InitLanguage(storage), 'en');
  i18n.SetLanguage('klingon', storage);
  assert.equal(i18n.InitLanguage(storage), 'en');
  i18n.SetLanguage('vi', storage);
});

test('the page has one module script and nothing inline', () => {
  const html = fs.readFileSync(path.join(assets, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.deepEqual(scripts, ['<script type="module" src="/app.js">']);
  assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, 'inline script');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'inline event handler');
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'inline style attribute');
  assert.doesNotMatch(html, /<style\b/i, 'style block');
  assert.doesNotMatch(html, /https?:\/\//, 'a file from elsewhere (CDN)');
  for (const file of fs.readdirSync(assets).filter((f) => f.endsWith('.js'))) {
    const js = fs.readFileSync(path.join(assets, file), 'utf8');
    assert.doesNotMatch(js, /\beval\(|new Function\(|innerHTML\s*=/, `${file}: eval or innerHTML`);
    assert.doesNotMatch(js, /from\s+'https?:/, `${file}: imports from elsewhere`);
  }
});

test('every control of the page has a label', () => {
  const html = fs.readFileSync(path.join(assets, 'index.html'), 'utf8');
  for (const m of html.matchAll(/<input\b[^>]*\bid="([^"]+)"/g)) {
    assert.match(html, new RegExp(`<label for="${m[1]}"`), `input #${m[1]} has no label`);
  }
  for (const m of html.matchAll(/<button\b([^>]*)>([^<]*)</g)) {
    assert.ok(/data-t="/.test(m[1]) || m[2].trim(), `a button without text: ${m[0]}`);
  }
});

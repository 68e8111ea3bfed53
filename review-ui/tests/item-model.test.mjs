// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The screen's item model without a browser: the server's ITEM made uniform, the keys'
// effect on the reviewer's draft, and the VALUE a decision sends (docs/api.md).

import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kRepo } from './harness.mjs';

const m = await import(path.join(kRepo, 'review-ui', 'assets', 'item.js'));

const kOptions = (n) => Array.from({ length: n }, (_, i) => ({ value: String(i + 1), label: `Phương án ${i + 1}`, box_mm: [10 + 20 * i, 5, 5, 5] }));
const Item = (kind, extra = {}) => m.NormalizeItem({
  id: 7, version: 3, status: 'open', serial: 12, field: 'q', kind, page: 2, question: 'Câu hỏi',
  options: ['single', 'multi', 'scale'].includes(kind) ? kOptions(5) : [], max: kind === 'multi' ? 3 : 0,
  cells_mm: kind === 'digits' ? [[1, 1, 6, 8], [8, 1, 6, 8]] : [], area_mm: [0, 0, 100, 20],
  reading: null, confidence: 0.5, reasons: [], reason: '', crop: '/api/review/items/7/crop',
  crop_mm: [5, 0, 120, 15], boxes: [], decided: null, decided_by: '', decided_at: '', lease: { owner: 'lan', until: 'x' },
  ...extra,
});

test('an ITEM is made uniform: rectangles, options keyed by value, box states, lease, crop', () => {
  const item = Item('single', {
    reading: '2',
    boxes: [{ value: '1', state: 'empty', ink: 0.01 }, { value: '2', state: 'marked', ink: 0.42 }],
  });
  assert.deepEqual(item.cropRect, { x: 5, y: 0, w: 120, h: 15 });
  assert.deepEqual(item.options[1].box, { x: 30, y: 5, w: 5, h: 5 });
  assert.equal(item.options[1].state, 'marked');
  assert.equal(item.options[1].ink, 0.42);
  assert.equal(item.options[4].state, '', 'no box seen: no state');
  assert.deepEqual(item.reading, { selected: ['2'], text: null, illegible: false });
  assert.equal(item.leaseOwner, 'lan');
  assert.equal(m.NormalizeItem({ ...Item('text'), crop: null, id: 1, kind: 'text' }).crop, '', 'crop null: none');
  assert.equal(m.Rect(null), null);
  assert.equal(m.Rect([1, 2, 0, 4]), null, 'an empty rectangle is none');
  const decided = Item('text', { decided: null, decided_illegible: true, decided_by: 'minh' });
  assert.deepEqual(decided.decided, { selected: [], text: null, illegible: true });
});

test('digit keys choose in a one-answer question and toggle in a multi', () => {
  const single = Item('single');
  const draft = m.DraftFrom(single.reading);
  assert.ok(m.ChooseOption(single, draft, 2));
  assert.ok(m.ChooseOption(single, draft, 4));
  assert.deepEqual(m.DecisionValue(single, draft), { value: '4', illegible: false });
  assert.equal(m.ChooseOption(single, draft, 9), false, 'no option 9');

  const multi = Item('multi', { reading: ['1'] });
  const md = m.DraftFrom(multi.reading);
  m.ChooseOption(multi, md, 3);
  m.ChooseOption(multi, md, 1);  // toggles the machine's 1 off
  m.ChooseOption(multi, md, 5);
  assert.deepEqual(m.DecisionValue(multi, md), { value: ['3', '5'], illegible: false }, 'printed order');
  m.ClearAnswer(md);
  assert.deepEqual(m.DecisionValue(multi, md), { value: [], illegible: false });
});

test('no answer and illegible are kept apart', () => {
  const item = Item('scale', { reading: '3' });
  const draft = m.DraftFrom(item.reading);
  m.ClearAnswer(draft);
  assert.deepEqual(m.DecisionValue(item, draft), { value: null, illegible: false });
  m.ToggleIllegible(draft);
  assert.deepEqual(m.DecisionValue(item, draft), { value: null, illegible: true });
  m.ChooseOption(item, draft, 2);  // choosing an option ends "illegible"
  assert.deepEqual(m.DecisionValue(item, draft), { value: '2', illegible: false });
  m.ToggleIllegible(draft);
  m.ToggleIllegible(draft);
  assert.deepEqual(m.DecisionValue(item, draft), { value: null, illegible: false }, 'X twice: blank, not the old choice');
});

test('a one-answer question refuses two choices (the machine saw two marks)', () => {
  const item = Item('single', { reading: ['1', '4'] });
  const draft = m.DraftFrom(item.reading);
  assert.deepEqual(m.DecisionValue(item, draft), { error: 'choose_one' });
  m.ChooseOption(item, draft, 4);
  assert.deepEqual(m.DecisionValue(item, draft), { value: '4', illegible: false });
});

test('digits and text: the draft edited, NFC, blank as null, digits only', () => {
  const digits = Item('digits', { reading: '?9' });
  const d = m.DraftFrom(digits.reading);
  assert.equal(d.text, '?9');
  assert.deepEqual(m.DecisionValue(digits, d), { error: 'digits_only' });
  d.text = ' 19 ';
  assert.deepEqual(m.DecisionValue(digits, d), { value: '19', illegible: false });
  d.text = '';
  assert.deepEqual(m.DecisionValue(digits, d), { value: null, illegible: false });

  const text = Item('text', { reading: 'Tot' });
  const t = m.DraftFrom(text.reading);
  t.text = 'Tốt lắm'.normalize('NFD');  // an input method may hand over decomposed marks
  const sent = m.DecisionValue(text, t);
  assert.equal(sent.value, 'Tốt lắm');
  assert.equal(sent.value, sent.value.normalize('NFC'));
});

test('options 10-12: "1" then a digit quickly names option 1n, only when it exists', () => {
  assert.deepEqual(m.OptionForDigit(12, { n: 1, at: 1000 }, 2, 1300), { option: 12, replacesLast: true });
  assert.deepEqual(m.OptionForDigit(12, { n: 1, at: 1000 }, 0, 1300), { option: 10, replacesLast: true });
  assert.deepEqual(m.OptionForDigit(12, { n: 1, at: 1000 }, 3, 1300), { option: 3, replacesLast: false }, 'no option 13');
  assert.deepEqual(m.OptionForDigit(12, { n: 1, at: 1000 }, 2, 1800), { option: 2, replacesLast: false }, 'too slow');
  assert.deepEqual(m.OptionForDigit(9, { n: 1, at: 1000 }, 0, 1100), { option: 0, replacesLast: false }, '9 options: 0 is blank');
  assert.deepEqual(m.OptionForDigit(12, { n: 2, at: 1000 }, 1, 1100), { option: 1, replacesLast: false });
  assert.deepEqual(m.OptionForDigit(12, null, 1, 1100), { option: 1, replacesLast: false });
});

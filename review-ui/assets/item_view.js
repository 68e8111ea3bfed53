// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Draws one review item: where it comes from, the question as printed, the crop with every
// printed box outlined and its detected state over it, the options with their keys, the
// machine's reading, the reasons in words, the confidence and the reviewer's answer.

import { T, RenderReasons } from './i18n.js';
import { IsBoxKind } from './item.js';
import { Mapping, Reset, Box, Label, Cross } from './overlay.js';

const $ = (id) => document.getElementById(id);

export function KindText(item) {
  if (item.kind === 'multi' && item.max > 0) return T('kind_multi_max', { max: item.max });
  return T(`kind_${item.kind}`);
}

function OptionName(item, key) {
  const o = item.options.find((x) => x.key === key);
  if (!o) return key;
  return o.label ? `${o.number}. ${o.label}` : `${o.number}`;
}

/// A value {selected, text, illegible} in words.
export function ValueText(item, value) {
  if (!value) return T('no_answer');
  if (value.illegible) return T('unreadable_mark');
  if (IsBoxKind(item.kind)) {
    const chosen = [...value.selected];
    return chosen.length ? chosen.map((k) => OptionName(item, k)).join('; ') : T('no_answer');
  }
  const text = value.text ?? '';
  return text === '' ? T('no_answer') : `“${text}”`;
}

function DraftValue(draft) {
  return { selected: [...draft.selected], text: draft.text, illegible: draft.illegible };
}

const Pct = (x) => Math.round(x * 100);

function StateText(o) {
  if (!o.state) return '';
  const parts = [T(`state_${o.state}`)];
  if (o.ink !== null) parts.push(T('ink', { pct: Pct(o.ink) }));
  return parts.join(' · ');
}

/// The crop overlay: printed boxes, their detected state and ink, the reviewer's choice.
export function DrawCrop(item, draft) {
  const img = $('crop-img');
  const svg = $('crop-overlay');
  if (!img.naturalWidth || !item.cropRect) { svg.replaceChildren(); return; }
  Reset(svg, img);
  const map = Mapping(img, item.cropRect, item.cropRect.w, item.cropRect.h);
  const mm = map.scale;
  const font = Math.max(10, 2.6 * mm);
  for (const o of item.options) {
    if (!o.box) continue;
    const px = map.rect(o.box);
    const cls = `box state-${o.state || 'unknown'}`;
    Box(svg, px, cls);
    if (o.state === 'cancelled') Cross(svg, px, 'cross');
    if (draft.selected.has(o.key) && !draft.illegible) {
      const pad = 0.9 * mm;
      Box(svg, { x: px.x - pad, y: px.y - pad, w: px.w + 2 * pad, h: px.h + 2 * pad }, 'chosen');
    }
    // The key to press left of the box; the ink share under it when there is any.
    Label(svg, px.x - 0.8 * mm, px.y + px.h / 2 + font * 0.36, String(o.number), font, 'label num', 'end');
    if (o.ink !== null && (o.ink >= 0.005 || o.state !== 'empty')) {
      Label(svg, px.x + px.w / 2, px.y + px.h + font * 0.95, `${Pct(o.ink)}%`, font * 0.85,
        `label ink state-${o.state || 'unknown'}`, 'middle');
    }
  }
  // Digits: the comb cells, the ones the machine could not read (a '?' in its draft) in red.
  const read = item.reading.text || '';
  item.cells.forEach((c, i) => {
    Box(svg, map.rect(c), read.length === item.cells.length && read[i] === '?' ? 'cell unclear' : 'cell');
  });
  if (!IsBoxKind(item.kind) && item.area && item.cells.length === 0) Box(svg, map.rect(item.area), 'area');
}

function SizeCrop() {
  const img = $('crop-img');
  if (!img.naturalWidth) return;
  const wrap = $('crop-wrap').parentElement;
  const maxW = wrap.clientWidth || 800;
  const maxH = Math.max(110, window.innerHeight * 0.3);
  const aspect = img.naturalHeight / img.naturalWidth;
  const w = Math.min(maxW, img.naturalWidth * 3, maxH / aspect);
  img.style.width = `${Math.floor(w)}px`;
}

function RenderOptions(item, draft) {
  const list = $('options');
  const items = item.options.map((o) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'option';
    button.dataset.key = o.key;
    button.dataset.number = String(o.number);
    button.setAttribute('role', item.kind === 'multi' ? 'checkbox' : 'radio');
    const on = draft.selected.has(o.key) && !draft.illegible;
    button.setAttribute('aria-checked', on ? 'true' : 'false');
    const kbd = document.createElement('kbd');
    kbd.textContent = String(o.number);
    const label = document.createElement('span');
    label.className = 'option-label';
    label.textContent = o.label || String(o.value);
    const state = document.createElement('span');
    state.className = `option-state state-${o.state || 'unknown'}`;
    state.textContent = StateText(o);
    button.append(kbd, label, state);
    li.append(button);
    return li;
  });
  list.replaceChildren(...items);
  list.setAttribute('role', item.kind === 'multi' ? 'group' : 'radiogroup');
  list.setAttribute('aria-labelledby', 'choices-legend');
  list.classList.toggle('many', item.options.length > 6);
}

/// Refreshes what depends on the draft only (fast path for each key press).
export function RenderDraft(item, draft) {
  for (const b of $('options').querySelectorAll('button.option')) {
    const on = draft.selected.has(b.dataset.key) && !draft.illegible;
    b.setAttribute('aria-checked', on ? 'true' : 'false');
  }
  const input = $('draft');
  if (!IsBoxKind(item.kind) && input.value !== draft.text) input.value = draft.text;
  input.classList.toggle('is-illegible', draft.illegible);
  $('fact-answer').textContent = ValueText(item, DraftValue(draft));
  $('fact-answer').classList.toggle('is-illegible', draft.illegible);
  const flags = $('answer-flags');
  flags.textContent = draft.illegible ? `✗ ${T('illegible')}` : '';
  DrawCrop(item, draft);
}

/// Draws the whole item. `context`: {history: {pos, count}|null, readOnly: bool}.
export function RenderItem(item, draft, context = {}) {
  const article = $('item');
  article.hidden = false;
  article.dataset.itemId = String(item.id);
  article.dataset.version = String(item.version);
  article.dataset.kind = item.kind;
  $('item-where').textContent =
    `${T('sheet')} ${item.serial} · ${T('page')} ${item.page} · ${T('field')} ${item.field}`;
  $('item-kind').textContent = KindText(item);
  const badge = $('item-history');
  badge.hidden = !context.history;
  if (context.history) badge.textContent = T('history_badge', context.history);
  article.classList.toggle('in-history', !!context.history);
  article.classList.toggle('read-only', !!context.readOnly);
  $('question').textContent = item.question || item.field;

  const img = $('crop-img');
  const svg = $('crop-overlay');
  svg.replaceChildren();
  $('crop-missing').hidden = true;
  img.hidden = false;
  img.alt = T('crop_alt', { field: item.field, serial: item.serial });
  img.onload = () => { SizeCrop(); DrawCrop(item, draft); };
  img.onerror = () => { img.hidden = true; $('crop-missing').hidden = false; };
  if (!item.crop) { img.hidden = true; $('crop-missing').hidden = false; img.removeAttribute('src'); }
  else if (img.getAttribute('src') !== item.crop) img.src = item.crop;
  else if (img.complete) { SizeCrop(); }

  const boxKind = IsBoxKind(item.kind);
  $('choices').hidden = !boxKind;
  $('textentry').hidden = boxKind;
  $('draft-error').textContent = '';
  if (boxKind) RenderOptions(item, draft);
  else {
    const input = $('draft');
    input.value = draft.text;
    input.inputMode = item.kind === 'digits' ? 'numeric' : 'text';
    input.maxLength = item.kind === 'digits' ? Math.max(item.cells.length, 1) * 2 : 500;
    input.readOnly = !!context.readOnly;
  }

  $('fact-reading').textContent = ValueText(item, item.reading);
  const reasons = RenderReasons(item.reasons, item.reason);
  $('fact-reasons').replaceChildren(...reasons.map((r) => {
    const li = document.createElement('li');
    li.textContent = r;
    return li;
  }));
  const meter = $('fact-meter');
  const conf = item.confidence;
  meter.value = conf ?? 0;
  $('fact-confidence').textContent = conf === null ? '–' : `${Pct(conf)}%`;
  $('fact-decided').textContent = item.decided && item.decidedBy
    ? T('decided_by', { who: item.decidedBy, at: (item.decidedAt || '').replace('T', ' ').replace('Z', ' UTC') })
    : '';
  RenderDraft(item, draft);
  if (img.complete && img.naturalWidth && img.getAttribute('src') === item.crop) DrawCrop(item, draft);
}

const Stamp = (at) => (at || '').replace('T', ' ').replace(/\.\d+/, '').replace('Z', '');

/// The field's audit rows (newest first, at most 6) under the facts; hidden when it has none.
export function RenderFieldHistory(item, rows) {
  const box = $('fact-history-box');
  const list = $('fact-history');
  if (!rows || rows.length === 0) { box.hidden = true; list.replaceChildren(); return; }
  const Value = (v) => {
    if (v === null || v === undefined) return T('no_answer');
    if (typeof v === 'object' && !Array.isArray(v)) {  // {"illegible": true}, or a value object
      if (v.illegible) return T('unreadable_mark');
      if ('value' in v) return Value(v.value);
      return ValueText(item, { selected: (v.selected || []).map(String), text: v.text ?? null, illegible: false });
    }
    const selected = Array.isArray(v) ? v.map(String) : [String(v)];
    return IsBoxKind(item.kind) ? ValueText(item, { selected, text: null, illegible: false })
      : ValueText(item, { selected: [], text: String(v), illegible: false });
  };
  list.replaceChildren(...rows.slice(0, 6).map((r) => {
    const li = document.createElement('li');
    const entity = T(`entity_${r.entity}`) === `entity_${r.entity}` ? r.entity : T(`entity_${r.entity}`);
    li.textContent = `${T('history_row', { at: Stamp(r.at), who: r.who, old: Value(r.old), new: Value(r.new) })} (${entity})`;
    return li;
  }));
  box.hidden = false;
}

export function ResizeCrop(item, draft) {
  SizeCrop();
  if (item) DrawCrop(item, draft);
}

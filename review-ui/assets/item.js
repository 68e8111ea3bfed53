// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// A review item as the screen works with it: the server's JSON (docs/api.md) made uniform,
// and the reviewer's draft answer with the value a decision sends. Values are written as in
// the export contract: single/scale an option value or null, multi a list, digits/text a
// string or null.

export const kBoxKinds = ['single', 'multi', 'scale'];
export const IsBoxKind = (kind) => kBoxKinds.includes(kind);

/// [x, y, w, h] or {x, y, w, h} in mm -> {x, y, w, h}; null when absent or empty.
export function Rect(v) {
  if (!v) return null;
  const r = Array.isArray(v) ? { x: +v[0], y: +v[1], w: +v[2], h: +v[3] }
    : { x: +v.x, y: +v.y, w: +(v.w ?? v.width), h: +(v.h ?? v.height) };
  return [r.x, r.y, r.w, r.h].every(Number.isFinite) && r.w > 0 && r.h > 0 ? r : null;
}

const Key = (v) => (v === null || v === undefined ? '' : String(v));

/// The export-contract VALUE (or the store's {selected, text, illegible}) as
/// {selected: [keys], text: string|null, illegible: bool}.
export function ParseValue(v, kind, illegibleFlag = false) {
  const out = { selected: [], text: null, illegible: !!illegibleFlag };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    out.selected = (v.selected || []).map(Key);
    out.text = v.text ?? null;
    out.illegible = !!(v.illegible || illegibleFlag);
    return out;
  }
  if (IsBoxKind(kind)) {
    if (Array.isArray(v)) out.selected = v.map(Key);
    else if (v !== null && v !== undefined && v !== '') out.selected = [Key(v)];
  } else {
    out.text = v === null || v === undefined ? null : String(v);
  }
  return out;
}

/// The server's item JSON made uniform (tolerates the store's field names and the API's).
export function NormalizeItem(raw) {
  const kind = raw.kind;
  const boxes = Array.isArray(raw.boxes) ? raw.boxes : [];
  const options = (raw.options || []).map((o, i) => ({
    value: o.value,
    key: Key(o.value),
    label: (o.label || '').normalize('NFC'),
    box: Rect(o.box_mm),
    number: i + 1,
  }));
  const boxFor = (opt, i) => boxes.find((b) => Key(b.value) === opt.key) || boxes[i] || null;
  options.forEach((o, i) => {
    const b = boxFor(o, i);
    o.state = b ? b.state : '';
    o.ink = b && Number.isFinite(+b.ink) ? +b.ink : null;
    o.fill = b && Number.isFinite(+b.fill) ? +b.fill : null;
  });
  const decidedRaw = raw.decided === undefined ? null : raw.decided;
  const hasDecision = decidedRaw !== null || !!raw.decided_by;
  return {
    id: raw.id,
    version: raw.version,
    status: raw.status || 'open',
    serial: raw.serial,
    template: raw.template || raw.template_id || '',
    unit: raw.unit || raw.unit_code || '',
    field: raw.field || raw.field_id || '',
    kind,
    page: raw.page || 1,
    question: (raw.question || '').normalize('NFC'),
    options,
    max: raw.max || 0,
    cells: (raw.cells_mm || []).map(Rect).filter(Boolean),
    area: Rect(raw.area_mm),
    reading: ParseValue(raw.reading, kind, raw.reading_illegible),
    confidence: Number.isFinite(+raw.confidence) ? +raw.confidence : null,
    reasons: Array.isArray(raw.reasons) ? raw.reasons : [],
    reason: raw.reason || '',
    crop: 'crop' in raw ? (raw.crop || '') : `/api/review/items/${encodeURIComponent(raw.id)}/crop`,
    cropRect: Rect(raw.crop_mm),
    decided: hasDecision ? ParseValue(decidedRaw, kind, raw.decided_illegible) : null,
    decidedBy: raw.decided_by || '',
    decidedAt: raw.decided_at || '',
    leaseOwner: (raw.lease && raw.lease.owner) || raw.lease_owner || '',
  };
}

/// The reviewer's working answer, started from a value.
export function DraftFrom(value) {
  return {
    selected: new Set(value ? value.selected : []),
    text: value && value.text !== null && value.text !== undefined ? value.text : '',
    illegible: !!(value && value.illegible),
  };
}

/// Digit key n on a box item: choose option n (a one-answer question) or toggle it (multi).
/// Returns false when the item has no option n.
export function ChooseOption(item, draft, n) {
  const opt = item.options[n - 1];
  if (!opt) return false;
  draft.illegible = false;
  if (item.kind === 'multi') {
    if (draft.selected.has(opt.key)) draft.selected.delete(opt.key);
    else draft.selected.add(opt.key);
  } else {
    draft.selected = new Set([opt.key]);
  }
  return true;
}

/// Which option a digit key names: n, or 10 + n when the key follows a "1" pressed less than
/// `windowMs` before and the item has that many options (a school form's twelve subjects).
/// `last` is {n, at} of the previous digit key or null. Returns {option, replacesLast}.
export function OptionForDigit(optionCount, last, n, at, windowMs = 700) {
  if (last && last.n === 1 && at - last.at < windowMs && optionCount >= 10 + n) {
    return { option: 10 + n, replacesLast: true };
  }
  return { option: n, replacesLast: false };
}

export function ClearAnswer(draft) {
  draft.selected = new Set();
  draft.text = '';
  draft.illegible = false;
}

export function ToggleIllegible(draft) {
  const was = draft.illegible;
  ClearAnswer(draft);
  draft.illegible = !was;
}

/// {value, illegible} for POST decision, or {error: ui-key} when the draft cannot be sent.
export function DecisionValue(item, draft) {
  if (draft.illegible) return { value: null, illegible: true };
  if (IsBoxKind(item.kind)) {
    const chosen = item.options.filter((o) => draft.selected.has(o.key)).map((o) => o.value);
    if (item.kind !== 'multi' && chosen.length > 1) return { error: 'choose_one' };
    return { value: item.kind === 'multi' ? chosen : (chosen.length ? chosen[0] : null), illegible: false };
  }
  const text = (draft.text || '').normalize('NFC').trim();
  if (item.kind === 'digits' && text && !/^[0-9]+$/.test(text)) return { error: 'digits_only' };
  return { value: text === '' ? null : text, illegible: false };
}

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The sheet view: one sheet page by page, the scan warped to the form, every field outlined and
// coloured by its state (accepted, waiting for review, decided), the machine's marked boxes
// filled, a person's values drawn in another colour. Click any field (or Tab to it in the list)
// to see its machine reading, its history, and correct it (audited, screen "sheet").

import * as api from './client.js';
import { T } from './i18n.js';
import { IsBoxKind, Rect } from './item.js';
import { Mapping, Reset, Box, Label } from './overlay.js';
import { El, SvgEl } from './dom.js';


const Show = (v) => (v === null || v === undefined || (Array.isArray(v) && !v.length) ? T('no_answer')
  : Array.isArray(v) ? v.join(', ') : String(v));

export class SheetScreen {
  constructor(root, { onUnauthorized }) {
    this.root = root;
    this.onUnauthorized = onUnauthorized;
    this.serial = 0;
    this.page = 1;
    this.layout = null;
    this.readings = new Map();  // field -> reading (with decided)
    this.current = null;
  }

  async Start(serial = 0) {
    this.root.replaceChildren();
    this.input = El('input', { id: 'sheet-serial', inputmode: 'numeric', autocomplete: 'off', 'aria-label': T('sheet') });
    this.openButton = El('button', { type: 'button', id: 'sheet-open', text: T('sheet_open') });
    this.pages = El('div', { class: 'sheet-pages', id: 'sheet-pages' });
    this.status = El('p', { class: 'status', id: 'sheet-status', role: 'status', 'aria-live': 'polite' });
    this.img = El('img', { id: 'sheet-img', alt: '', decoding: 'async' });
    this.svg = SvgEl('svg', { class: 'overlay', id: 'sheet-overlay' });
    this.panel = El('aside', { class: 'sheet-panel facts', id: 'sheet-panel' });
    this.root.append(
      El('div', { class: 'group-head' }, El('label', { for: 'sheet-serial', text: T('sheet') }), this.input, this.openButton, this.pages),
      El('p', { class: 'muted', text: T('sheet_legend') }), this.status,
      El('div', { class: 'sheet-body' }, El('div', { class: 'sheet-wrap page-wrap' }, this.img, this.svg), this.panel));
    this.openButton.addEventListener('click', () => this.Open(Number(this.input.value)));
    this.input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); this.Open(Number(this.input.value)); } });
    this.svg.addEventListener('click', (e) => {
      const r = e.target.closest('[data-field]');
      if (r) this.Select(r.dataset.field);
    });
    this.img.addEventListener('load', () => this.Draw());
    if (serial) { this.input.value = String(serial); await this.Open(serial); }
  }

  Rerender() { if (this.layout) { this.Draw(); this.RenderPanel(); } }

  async Api(promise) {
    try { return await promise; } catch (e) {
      if (e.status === 401) this.onUnauthorized();
      throw e;
    }
  }

  async Open(serial) {
    if (!(serial > 0)) return;
    try {
      const [layout, fields] = await Promise.all([this.Api(api.SheetLayout(serial)), this.Api(api.SheetFields(serial))]);
      this.serial = serial;
      this.layout = layout;
      this.readings = new Map(fields.fields.map((r) => [r.field, r]));
      this.current = null;
      this.status.textContent = '';
      this.ShowPage(1);
    } catch (e) {
      this.status.textContent = e.status === 404 ? T('sheet_not_found', { serial }) : T('error', { detail: e.message });
    }
  }

  ShowPage(page) {
    this.page = page;
    this.pages.replaceChildren(...this.layout.pages.map((p) => {
      const b = El('button', { type: 'button', class: 'mode', 'aria-pressed': String(+p.page === page), text: `${T('page')} ${p.page}` });
      b.addEventListener('click', () => this.ShowPage(+p.page));
      return b;
    }));
    this.img.src = api.PageUrl(this.serial, page);
    this.RenderPanel();
  }

  State(f) {
    const r = this.readings.get(f.id);
    if (!r) return 'unknown';
    if (r.decided) return 'decided';
    if (r.item && r.item.status === 'open') return 'pending';
    return 'accepted';
  }

  Draw() {
    if (!this.layout || !this.img.naturalWidth) return;
    Reset(this.svg, this.img);
    const info = this.layout.pages.find((p) => +p.page === this.page) || { width_mm: 210 };
    const map = Mapping(this.img, { x: 0, y: 0 }, +info.width_mm || 210);
    const mm = map.scale;
    for (const f of this.layout.fields) {
      if (+f.page !== this.page) continue;
      const r = this.readings.get(f.id);
      const state = this.State(f);
      const area = Rect(f.area_mm);
      if (area) {
        const px = map.rect(area);
        Box(this.svg, px, `field state-${state}${f.id === this.current ? ' current' : ''}`, { 'data-field': f.id, 'pointer-events': 'all' });
        Label(this.svg, px.x + px.w - 0.5 * mm, px.y + 2.6 * mm, f.id, 2.4 * mm, `label field-id state-${state}`, 'end');
        if (r && !IsBoxKind(f.kind)) {
          const v = r.decided ? r.decided.value : r.machine;
          Label(this.svg, px.x + 0.5 * mm, px.y + px.h - 0.8 * mm, Show(v), 3 * mm, r.decided ? 'label person' : 'label machine');
        }
      }
      if (!r) continue;
      const machine = new Set((r.boxes || []).filter((b) => b.state === 'marked').map((b) => String(b.value)));
      const person = r.decided ? new Set((Array.isArray(r.decided.value) ? r.decided.value : [r.decided.value]).filter((x) => x !== null).map(String)) : null;
      for (const o of f.options || []) {
        const rect = Rect(o.box_mm);
        if (!rect) continue;
        const px = map.rect(rect);
        Box(this.svg, px, machine.has(String(o.value)) ? 'pbox chosen' : 'pbox');
        if (person && person.has(String(o.value))) Box(this.svg, { x: px.x - 0.6 * mm, y: px.y - 0.6 * mm, w: px.w + 1.2 * mm, h: px.h + 1.2 * mm }, 'pbox person');
      }
    }
  }

  async Select(field) {
    this.current = field;
    this.Draw();
    this.RenderPanel();
    const r = this.readings.get(field);
    if (!r) return;
    try {
      const h = await this.Api(api.FieldHistory(this.serial, field));
      const list = this.panel.querySelector('#sheet-history');
      if (list) list.replaceChildren(...(h.rows.length ? h.rows.map((x) => El('li', { text: T('history_row', { at: x.at.replace('T', ' ').slice(0, 19), who: x.who, old: JSON.stringify(x.old), new: JSON.stringify(x.new) }) + ` (${x.screen})` })) : [El('li', { class: 'muted', text: T('sheet_no_history') })]));
    } catch { /* the history is a help, not a must */ }
  }

  RenderPanel() {
    this.panel.replaceChildren();
    const f = this.layout && this.layout.fields.find((x) => x.id === this.current);
    if (!f) { this.panel.append(El('p', { class: 'muted', text: T('sheet_pick_field') })); return; }
    const r = this.readings.get(f.id);
    this.panel.append(El('h3', { id: 'sheet-field', text: `${f.id} — ${f.label}` }));
    if (!r) { this.panel.append(El('p', { class: 'muted', text: T('page_missing') })); return; }
    const dl = El('dl');
    dl.append(El('dt', { text: T('machine_reading') }), El('dd', { id: 'sheet-machine', text: Show(r.machine) }));
    dl.append(El('dt', { text: T('confidence') }), El('dd', { text: `${Math.round(r.confidence * 100)}%` }));
    dl.append(El('dt', { text: T('your_answer') }), El('dd', { id: 'sheet-decided', class: 'answer',
      text: r.decided ? (r.decided.illegible ? T('illegible') : Show(r.decided.value)) + ` (${r.decided.by})` : '—' }));
    this.panel.append(dl);
    this.panel.append(El('img', { class: 'sheet-crop', src: api.ReadingCropUrl(r.reading_id), alt: T('crop_alt', { field: f.id, serial: this.serial }) }));
    const form = El('div', { class: 'sheet-correct', id: 'sheet-correct' });
    if (IsBoxKind(f.kind)) {
      for (const o of f.options) {
        const b = El('button', { type: 'button', class: 'option', 'data-value': o.value, text: `${o.value} · ${o.label || ''}` });
        b.addEventListener('click', () => this.Save(f, f.kind === 'multi' ? [o.value] : o.value));
        form.append(b);
      }
      const none = El('button', { type: 'button', class: 'option', 'data-value': '', text: T('no_answer') });
      none.addEventListener('click', () => this.Save(f, f.kind === 'multi' ? [] : null));
      form.append(none);
    } else {
      const input = El('input', { id: 'sheet-text', lang: 'vi', 'aria-label': T('your_answer') });
      input.value = (r.decided ? r.decided.value : r.machine) ?? '';
      const save = El('button', { type: 'button', id: 'sheet-save', text: T('sheet_save') });
      save.addEventListener('click', () => { const v = input.value.normalize('NFC').trim(); this.Save(f, v === '' ? null : v); });
      form.append(input, save);
    }
    const illegible = El('button', { type: 'button', class: 'option', text: T('illegible') });
    illegible.addEventListener('click', () => this.Save(f, null, true));
    form.append(illegible);
    this.panel.append(El('h4', { text: T('sheet_correct') }), form,
      El('h4', { text: T('field_history') }), El('ol', { id: 'sheet-history' }));
  }

  async Save(f, value, illegible = false) {
    try {
      const r = await this.Api(api.SheetDecide(this.serial, f.id, value, illegible));
      this.readings.set(f.id, r);
      this.status.textContent = T('saved');
      await this.Select(f.id);
    } catch (e) {
      this.status.textContent = T('error', { detail: e.message });
    }
  }

  HandleKey() { return false; }
  Stop() { return []; }
  HeldIds() { return []; }
}

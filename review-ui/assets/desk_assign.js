// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The clerk's desk, an unidentified page by hand: a thumbnail opens the page at full size (Enter
// or a click; Esc closes). The clerk names its sheet (serial) and page, and the server aligns it
// from its printed box grid, or from the centres of the four printed QR anchor squares the
// clerk clicks (clockwise from the form's top-left one, as the small diagram shows), then reads
// it like any page. Or the page is set aside with a reason; it stays listed and can be assigned
// later. Nothing is deleted.

import * as api from './client.js';
import { T } from './i18n.js';
import { El, SvgEl } from './dom.js';

/// A small A4 page with its four anchor squares numbered in the order to click them.
function AnchorDiagram() {
  const svg = SvgEl('svg', { viewBox: '0 0 84 119', class: 'assign-diagram', role: 'img', 'aria-label': T('assign_diagram') });
  svg.append(SvgEl('rect', { x: 1, y: 1, width: 82, height: 117, fill: '#fff', stroke: '#555' }));
  svg.append(SvgEl('rect', { x: 18, y: 6, width: 48, height: 4, fill: '#bbb' }));  // the title
  for (let y = 22; y < 100; y += 9) svg.append(SvgEl('rect', { x: 16, y, width: 52, height: 3, fill: '#e2e2e2' }));
  const at = [[4, 4], [70, 4], [70, 105], [4, 105]];
  at.forEach(([x, y], i) => {
    svg.append(SvgEl('rect', { x, y, width: 10, height: 10, fill: '#333' }));
    svg.append(SvgEl('circle', { cx: x + 5, cy: y + 5, r: 4.2, fill: '#c0392b' }));
    svg.append(SvgEl('text', { x: x + 5, y: y + 7.3, 'text-anchor': 'middle', 'font-size': 6.5, fill: '#fff' }, String(i + 1)));
  });
  return svg;
}

/// Decorates the desk's thumbnails (`list`: li.desk-thumb with data-page) of `pages` (GET
/// /api/desk/unidentified): each is focusable, shows its set-aside reason, and opens the page.
/// `onChanged` is called after an assignment or a set-aside (the desk reloads).
export function AttachAssign(list, pages, { onChanged, onUnauthorized }) {
  const byId = new Map(pages.map((p) => [String(p.id), p]));
  for (const li of list.querySelectorAll('li.desk-thumb')) {
    const p = byId.get(li.dataset.page);
    if (!p) continue;
    li.tabIndex = 0;
    li.setAttribute('role', 'button');
    li.setAttribute('aria-haspopup', 'dialog');
    li.title = T('assign_open_hint');
    if (p.set_aside) {
      li.classList.add('set-aside');
      li.append(El('span', { class: 'desk-aside', text: T('assign_aside_row', { reason: p.set_aside.reason, who: p.set_aside.by }) }));
    }
    const open = () => new AssignDialog(p, { onChanged, onUnauthorized, returnTo: li }).Open();
    li.addEventListener('click', open);
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
    });
  }
}

class AssignDialog {
  constructor(page, { onChanged, onUnauthorized, returnTo }) {
    this.page = page;
    this.onChanged = onChanged;
    this.onUnauthorized = onUnauthorized;
    this.returnTo = returnTo;
    this.points = [];
    this.changed = false;
  }

  Open() {
    const p = this.page;
    const d = El('dialog', { id: 'assign-dialog', class: 'assign-dialog', 'aria-labelledby': 'assign-title' });
    this.dialog = d;
    this.img = El('img', { id: 'assign-img', src: p.image, alt: T('assign_img_alt', { file: p.file, page: p.page_index + 1 }) });
    this.marks = El('div', { class: 'assign-marks', 'aria-hidden': 'true' });
    const wrap = El('div', { class: 'assign-wrap' }, this.img, this.marks);
    this.img.addEventListener('click', (e) => this.AddPoint(e));

    this.serial = El('input', { id: 'assign-serial', inputmode: 'numeric', autocomplete: 'off', required: '', pattern: '[0-9]+' });
    this.pageNo = El('input', { id: 'assign-page', inputmode: 'numeric', autocomplete: 'off', required: '', pattern: '[0-9]+', value: '1' });
    const methodGrid = El('input', { type: 'radio', name: 'assign-method', id: 'assign-by-grid', value: 'grid', checked: '' });
    const methodPoints = El('input', { type: 'radio', name: 'assign-method', id: 'assign-by-points', value: 'points' });
    this.methodPoints = methodPoints;
    this.pointsNote = El('p', { id: 'assign-points-note', class: 'muted', 'aria-live': 'polite' });
    const clear = El('button', { type: 'button', id: 'assign-clear', text: T('assign_clear_points') });
    clear.addEventListener('click', () => { this.points = []; this.DrawPoints(); });
    this.status = El('p', { id: 'assign-status', class: 'status', role: 'alert' });
    const submit = El('button', { type: 'submit', id: 'assign-submit', text: T('assign_submit') });
    const form = El('form', { id: 'assign-form', class: 'assign-form' },
      El('label', { for: 'assign-serial', text: T('assign_serial') }), this.serial,
      El('label', { for: 'assign-page', text: T('assign_page') }), this.pageNo,
      El('fieldset', {}, El('legend', { text: T('assign_method') }),
        El('label', {}, methodGrid, ` ${T('assign_by_grid')}`), El('br'),
        El('label', {}, methodPoints, ` ${T('assign_by_points')}`)),
      El('div', { class: 'assign-help' }, AnchorDiagram(), El('p', { class: 'muted', text: T('assign_points_help') })),
      this.pointsNote, clear, submit);
    form.addEventListener('submit', (e) => { e.preventDefault(); this.Assign(); });

    this.reason = El('textarea', { id: 'assign-aside-reason', rows: '2', lang: 'vi', required: '' });
    if (p.set_aside) this.reason.value = p.set_aside.reason;
    const aside = El('form', { id: 'assign-aside-form', class: 'assign-form' },
      El('label', { for: 'assign-aside-reason', text: T('assign_aside_reason') }), this.reason,
      El('button', { type: 'submit', id: 'assign-aside', text: T('assign_aside') }));
    aside.addEventListener('submit', (e) => { e.preventDefault(); this.SetAside(); });
    const close = El('button', { type: 'button', id: 'assign-close', text: T('assign_close') });
    close.addEventListener('click', () => d.close());

    d.append(
      El('header', { class: 'assign-head' },
        El('h3', { id: 'assign-title', text: T('assign_title', { file: p.file, page: p.page_index + 1 }) }), close),
      El('p', { class: 'desk-reason', text: `${T(`align_${p.status}`)}${p.reason ? ` — ${p.reason}` : ''}` }),
      El('div', { class: 'assign-body' }, wrap, El('div', { class: 'assign-side' }, form, this.status, aside)));
    d.addEventListener('close', () => {
      d.remove();
      if (this.changed) this.onChanged(); else if (this.returnTo) this.returnTo.focus();
    });
    document.body.append(d);
    this.DrawPoints();
    d.showModal();
    this.serial.focus();
  }

  AddPoint(e) {
    if (this.points.length >= 4) this.points = [];
    const r = this.img.getBoundingClientRect();
    this.points.push([(e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height]);
    this.methodPoints.checked = true;
    this.DrawPoints();
  }

  DrawPoints() {
    // Placed through the CSSOM: the page's CSP allows no inline style attribute.
    this.marks.replaceChildren(...this.points.map(([x, y], i) => {
      const m = El('span', { class: 'assign-mark', text: String(i + 1) });
      m.style.left = `${x * 100}%`;
      m.style.top = `${y * 100}%`;
      return m;
    }));
    this.pointsNote.textContent = T('assign_points_count', { n: this.points.length });
  }

  Number(input) {
    const v = input.value.trim();
    return /^[0-9]{1,15}$/.test(v) ? Number(v) : 0;
  }

  async Assign() {
    const serial = this.Number(this.serial); const page = this.Number(this.pageNo);
    if (!serial) { this.Say(T('assign_need_serial')); this.serial.focus(); return; }
    if (!page) { this.Say(T('assign_need_page')); this.pageNo.focus(); return; }
    const byPoints = this.methodPoints.checked;
    if (byPoints && this.points.length !== 4) { this.Say(T('assign_need_points')); return; }
    this.Say(T('assign_working'));
    try {
      const r = await api.DeskAssign(this.page.id, serial, page, byPoints ? this.points : null);
      this.changed = true;
      this.Say(T(r.status === 'conflict' ? 'assign_done_conflict' : 'assign_done',
        { serial: r.serial, page: r.page, n: r.readings, k: r.review_items_opened }), 'done');
    } catch (e) {
      if (e.status === 401) { this.dialog.close(); this.onUnauthorized(); return; }
      this.Say(T('error', { detail: e.message }));
    }
  }

  async SetAside() {
    const reason = this.reason.value.trim().normalize('NFC');
    if (!reason) { this.Say(T('assign_need_reason')); this.reason.focus(); return; }
    try {
      await api.DeskSetAside(this.page.id, reason);
      this.changed = true;
      this.Say(T('assign_aside_done'), 'done');
    } catch (e) {
      if (e.status === 401) { this.dialog.close(); this.onUnauthorized(); return; }
      this.Say(T('error', { detail: e.message }));
    }
  }

  Say(text, kind = '') {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
  }
}

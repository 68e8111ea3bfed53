// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Group verification: one question (or one criterion of a grid) across up to 48 sheets. Each
// crop is labelled with the machine's value; Enter confirms the whole screen (one audit row per
// crop, screen "group"); the odd one out is fixed with the mouse (click a tile, then an option)
// or the keyboard (arrows move, digits set the value, 0 blank, X illegible). Open items, or a
// spot check of readings the machine accepted.
//
// Open items on a screen are leased to the reviewer (the server leases what it shows), so two
// reviewers on one question see disjoint screens; leaving the screen (another field or mode,
// another view, logging out, closing the page) releases them. While the reviewer looks at one
// screen the next is already fetched (and leased) and its crops decoded, so Enter shows it at
// once; when the question has no screen left, the next one is the first screen of the question
// with the most items left (fetched ahead the same way), so Enter goes on without a pick.

import * as api from './client.js';
import { T } from './i18n.js';
import { IsBoxKind } from './item.js';
import { El } from './dom.js';

const kColumns = 4;  // as .group-grid in app.css

export class GroupScreen {
  constructor(root, { onUnauthorized, onStatus }) {
    this.root = root;
    this.onUnauthorized = onUnauthorized;
    this.onStatus = onStatus || (() => {});
    this.fields = [];
    this.group = null;       // the chosen field
    this.mode = 'open';
    this.options = [];       // [{value, label}] of the field
    this.tiles = [];         // [{reading, value, illegible, changed}]
    this.cursor = 0;
    this.after = 0;
    this.busy = false;
    this.confirmed = 0;
    this.started = 0;
    this.next = null;        // the prefetched screen: {key, after, promise, tiles once fetched}
    this.optionCache = new Map();  // field key -> {options, label}
  }

  async Start() {
    this.root.replaceChildren();
    this.picker = El('select', { id: 'group-field', 'aria-label': T('group_pick') });
    this.modeOpen = El('button', { type: 'button', id: 'group-mode-open', class: 'mode', text: T('group_mode_open') });
    this.modeAccepted = El('button', { type: 'button', id: 'group-mode-accepted', class: 'mode', text: T('group_mode_accepted') });
    this.confirmButton = El('button', { type: 'button', id: 'group-confirm', class: 'primary', text: T('group_confirm') });
    this.status = El('p', { id: 'group-status', class: 'status', role: 'status', 'aria-live': 'polite' });
    this.question = El('h2', { id: 'group-question', class: 'question' });
    this.grid = El('ol', { id: 'group-grid', class: 'group-grid', role: 'listbox', 'aria-label': T('group_title') });
    this.legend = El('p', { class: 'muted', id: 'group-legend' });
    this.root.append(
      El('div', { class: 'group-head' }, El('label', { for: 'group-field', text: T('group_pick') }), this.picker,
        this.modeOpen, this.modeAccepted, this.confirmButton),
      this.question, this.legend, this.status, this.grid);
    this.picker.addEventListener('change', () => this.Choose(this.picker.value));
    this.modeOpen.addEventListener('click', () => this.SetMode('open'));
    this.modeAccepted.addEventListener('click', () => this.SetMode('accepted'));
    this.confirmButton.addEventListener('click', () => this.Confirm());
    this.grid.addEventListener('click', (e) => {
      const opt = e.target.closest('button.tile-option');
      const tile = e.target.closest('li.tile');
      if (!tile) return;
      this.Move(Number(tile.dataset.index), true);
      if (opt) this.SetValue(this.cursor, opt.dataset.value);
    });
    this.started = performance.now();
    await this.LoadFields();
  }

  Rerender() { if (this.root.firstChild) { this.RenderPicker(); this.Render(); } }

  async Api(promise) {
    try { return await promise; } catch (e) {
      if (e.status === 401) this.onUnauthorized();
      throw e;
    }
  }

  async LoadFields() {
    const r = await this.Api(api.GroupFields());
    this.fields = r.fields;
    this.RenderPicker();
    const key = (f) => `${f.template}|${f.version}|${f.field}`;
    const first = this.fields.find((f) => (this.mode === 'open' ? f.open : f.accepted) > 0);
    if (!this.group && first) await this.Choose(key(first));
  }

  RenderPicker() {
    const current = this.group ? `${this.group.template}|${this.group.version}|${this.group.field}` : '';
    this.picker.replaceChildren(...this.fields.map((f) => {
      const key = `${f.template}|${f.version}|${f.field}`;
      const o = El('option', { value: key, text: T('group_option', { field: f.field, label: f.label, open: f.open, accepted: f.accepted }) });
      if (key === current) o.selected = true;
      return o;
    }));
    this.modeOpen.setAttribute('aria-pressed', String(this.mode === 'open'));
    this.modeAccepted.setAttribute('aria-pressed', String(this.mode === 'accepted'));
    this.confirmButton.textContent = T('group_confirm');
  }

  /// Each change of screen (mode, question, the next screen) takes a ticket. An answer that
  /// arrives after a later change is dropped and its leases handed back, so that two quick
  /// presses (open, accepted, open) show what was asked for last, whatever order the server
  /// answers in.
  Ticket() {
    this.ticket = (this.ticket || 0) + 1;
    return this.ticket;
  }

  async SetMode(mode) {
    const ticket = this.Ticket();
    this.Clear();
    await this.ReleaseHeld();
    if (ticket !== this.ticket) return;
    this.mode = mode;
    this.after = 0;
    this.RenderPicker();
    if (this.group) await this.Load(ticket);
  }

  async Choose(key) {
    const f = this.fields.find((x) => `${x.template}|${x.version}|${x.field}` === key);
    if (!f) return;
    const ticket = this.Ticket();
    this.Clear();
    await this.ReleaseHeld();
    if (ticket !== this.ticket) return;
    this.group = f;
    this.after = 0;
    this.options = [];
    this.RenderPicker();
    await this.Load(ticket);
  }

  /// Empties the grid at once (another question or mode is on its way: no stale crop stays).
  Clear() {
    this.grid.replaceChildren();
    this.root.dataset.field = '';
    this.status.textContent = T('loading');
  }

  /// Which screen a prefetch was made for (a field, a mode, the serial it starts after).
  ScreenKey(after) {
    const g = this.group;
    return g ? `${g.template}|${g.version}|${g.field}|${this.mode}|${after}` : '';
  }

  /// The readings of one screen as tiles, with their crops already requested (and decoded by
  /// the time `ready` settles).
  async Fetch(after, g = this.group) {
    const r = await this.Api(api.GroupReadings(g.template, g.version, g.field, this.mode, after));
    const tiles = r.readings.map((x) => ({ reading: x, value: x.machine, illegible: false, changed: false, img: this.Crop(x) }));
    const ready = Promise.all(tiles.map((t) => t.img.decode().catch(() => null)));
    return { tiles, ready };
  }

  Crop(reading) {
    return El('img', { src: api.ReadingCropUrl(reading.reading_id), alt: T('crop_alt', { field: reading.field, serial: reading.serial }), decoding: 'async' });
  }

  async Load(ticket = this.Ticket()) {
    const g = this.group;
    const key = this.ScreenKey(this.after);
    let screen = null;
    // A prefetched screen of another start of the same question is simply forgotten: its items
    // are this reviewer's and come back in the screen fetched now (another question's go back
    // through ReleaseHeld).
    if (this.next && this.next.key === key) screen = await this.next.promise.catch(() => null);
    else if (this.next) this.ReleaseQuestionAhead(this.next);
    this.next = null;
    if (!screen) screen = await this.Fetch(this.after, g);
    const o = screen.tiles.length ? await this.OptionsOf(g, screen.tiles[0].reading.serial) : null;
    if (ticket !== this.ticket) {
      // Another screen was asked for meanwhile: this one's leases go back, unless it is the same
      // screen again (they are that one's leases too).
      if (this.ScreenKey(this.after) !== key) this.Release(screen.tiles.map((t) => t.reading));
      return;
    }
    this.tiles = screen.tiles;
    this.cursor = 0;
    this.question.textContent = o ? o.label : g.label || g.field;
    if (o) this.options = o.options;
    this.Render();
    this.Prefetch();
  }

  /// A field's options and question text (from the layout of a sheet that has it), once per field.
  async OptionsOf(g, serial) {
    const key = `${g.template}|${g.version}|${g.field}`;
    if (!this.optionCache.has(key)) {
      const layout = await this.Api(api.SheetLayout(serial));
      const f = layout.fields.find((x) => x.id === g.field);
      this.optionCache.set(key, {
        options: f ? f.options.map((o) => ({ value: o.value, label: o.label || o.value })) : [],
        label: f ? f.label : g.field,
      });
    }
    return this.optionCache.get(key);
  }

  /// The first screen of the question with the most items left in this mode (not this one),
  /// leased, with its options: {group, screen, options, label, fields}; null when none is left.
  async NextQuestion() {
    const r = await this.Api(api.GroupFields());
    const count = (f) => (this.mode === 'open' ? f.open : f.accepted);
    const cur = this.group;
    const same = (f) => f.template === cur.template && f.version === cur.version && f.field === cur.field;
    const g = r.fields.filter((f) => !same(f) && count(f) > 0).sort((a, b) => count(b) - count(a))[0];
    if (!g) return null;
    const screen = await this.Fetch(0, g);
    if (!screen.tiles.length) return null;
    const o = await this.OptionsOf(g, screen.tiles[0].reading.serial);
    return { group: g, screen, fields: r.fields, ...o };
  }

  /// Fetches (and leases) the screen after this one while the reviewer looks at this one.
  Prefetch() {
    if (!this.group || !this.tiles.length) return;
    const after = this.tiles[this.tiles.length - 1].reading.serial;
    const key = this.ScreenKey(after);
    const next = { key, after, promise: null, tiles: null, ahead: null };
    next.promise = this.Fetch(after).then(async (s) => {
      next.tiles = s.tiles;
      // The question ends with this screen: the next question's first screen instead.
      if (!s.tiles.length && this.next === next) {
        s.question = await this.NextQuestion().catch(() => null);
        next.ahead = s.question ? s.question.screen.tiles : null;
        if (this.next !== next && next.ahead) this.Release(next.ahead.map((t) => t.reading));
      }
      return s;
    });
    this.next = next;
    next.promise.catch(() => { if (this.next === next) this.next = null; });
  }

  /// Gives back the next question's screen fetched ahead with `next` (if any).
  ReleaseQuestionAhead(next) {
    next.promise.then((s) => { if (s.question) this.Release(s.question.screen.tiles.map((t) => t.reading)); }, () => {});
  }

  /// Open items this screen holds (shown and not yet confirmed, or prefetched).
  HeldIds() {
    const n = this.next;
    const tiles = [...this.tiles, ...(n && n.tiles ? n.tiles : []), ...(n && n.ahead ? n.ahead : [])];
    return tiles.map((t) => t.reading).filter((r) => r.item && r.item.status === 'open').map((r) => r.item.id);
  }

  Release(readings) {
    const ids = readings.filter((r) => r.item && r.item.status === 'open').map((r) => r.item.id);
    if (!ids.length) return Promise.resolve();
    return api.GroupRelease(ids).catch(() => { /* the leases expire by themselves */ });
  }

  /// Leaving the screen (another field or mode): its leases and the prefetched screens' go back,
  /// in one call that has been answered when this resolves (so a screen leased after it keeps
  /// its leases).
  async ReleaseHeld() {
    const readings = this.tiles.map((t) => t.reading);
    this.tiles = [];
    const next = this.next;
    this.next = null;
    const s = next ? await next.promise.catch(() => null) : null;
    if (s) readings.push(...s.tiles.map((t) => t.reading), ...(s.question ? s.question.screen.tiles.map((t) => t.reading) : []));
    await this.Release(readings);
  }

  /// Another view is shown: everything held goes back; Resume() leases a screen again.
  async Leave() { await this.ReleaseHeld(); this.Render(); }

  async Resume() { if (this.group) await this.Load(); }

  /// Page unload or logout: the held ids (shown and prefetched), for the caller to release.
  Stop() {
    const ids = this.HeldIds();
    this.next = null;
    this.tiles = [];
    return ids;
  }

  Label(tile) {
    if (tile.illegible) return T('illegible');
    const v = tile.value;
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0) || v === '') return T('no_answer');
    const name = (x) => { const o = this.options.find((y) => y.value === x); return o ? `${this.options.indexOf(o) + 1} · ${o.label}` : String(x); };
    return Array.isArray(v) ? v.map(name).join(', ') : IsBoxKind(tile.reading.kind) ? name(v) : String(v);
  }

  Render() {
    const g = this.group;
    this.root.dataset.field = g ? g.field : '';  // which question the grid shows (tests)
    this.legend.textContent = g ? T('group_legend', { n: this.tiles.length }) : '';
    if (!this.tiles.length) {
      this.grid.replaceChildren();
      this.status.textContent = g ? T('group_empty') : T('group_none');
      return;
    }
    this.status.textContent = T('group_rate', { n: this.confirmed, rate: this.Rate().toFixed(1) });
    this.grid.replaceChildren(...this.tiles.map((t, i) => {
      const img = t.img || (t.img = this.Crop(t.reading));
      img.alt = T('crop_alt', { field: t.reading.field, serial: t.reading.serial });
      const label = El('span', { class: 'tile-value', text: this.Label(t) });
      const li = El('li', { class: `tile${t.changed ? ' changed' : ''}${i === this.cursor ? ' current' : ''}`, role: 'option',
        'data-index': String(i), 'data-reading': String(t.reading.reading_id), 'data-serial': String(t.reading.serial), 'aria-selected': String(i === this.cursor) },
      El('span', { class: 'tile-where', text: `${T('sheet')} ${t.reading.serial}` }), img, label);
      if (i === this.cursor && IsBoxKind(t.reading.kind)) {
        const opts = El('div', { class: 'tile-options' });
        this.options.forEach((o, k) => opts.append(El('button', { type: 'button', class: 'tile-option', 'data-value': o.value, text: `${k + 1}` , title: o.label })));
        li.append(opts);
      }
      if (i === this.cursor && !IsBoxKind(t.reading.kind)) {
        const input = El('input', { class: 'tile-input', 'aria-label': T('your_answer'), lang: 'vi' });
        input.value = t.value ?? '';
        input.addEventListener('input', () => this.SetText(i, input.value));
        li.append(input);
      }
      return li;
    }));
  }

  Rate() {
    const minutes = (performance.now() - this.started) / 60000;
    return minutes > 0 ? this.confirmed / minutes : 0;
  }

  Move(to, fromMouse = false) {
    if (!this.tiles.length) return;
    this.cursor = Math.max(0, Math.min(this.tiles.length - 1, to));
    this.Render();
    if (!fromMouse) this.grid.children[this.cursor]?.scrollIntoView({ block: 'nearest' });
  }

  SetValue(i, optionValue) {
    const t = this.tiles[i];
    if (!t) return;
    if (t.reading.kind === 'multi') {
      const now = new Set(Array.isArray(t.value) ? t.value : []);
      if (now.has(optionValue)) now.delete(optionValue); else now.add(optionValue);
      t.value = this.options.map((o) => o.value).filter((v) => now.has(v));
    } else {
      t.value = optionValue;
    }
    t.illegible = false;
    t.changed = true;
    this.Render();
  }

  SetText(i, text) {
    const t = this.tiles[i];
    const v = text.normalize('NFC').trim();
    t.value = v === '' ? null : v;
    t.illegible = false;
    t.changed = true;
    const li = this.grid.children[i];
    if (li) { li.classList.add('changed'); li.querySelector('.tile-value').textContent = this.Label(t); }
  }

  /// Keys on the group screen; true when handled.
  HandleKey(key) {
    const t = this.tiles[this.cursor];
    if (key === 'ArrowRight') this.Move(this.cursor + 1);
    else if (key === 'ArrowLeft') this.Move(this.cursor - 1);
    else if (key === 'ArrowDown') this.Move(this.cursor + kColumns);
    else if (key === 'ArrowUp') this.Move(this.cursor - kColumns);
    else if (key === 'Enter') this.Confirm();
    else if (t && /^[1-9]$/.test(key) && IsBoxKind(t.reading.kind)) {
      const o = this.options[Number(key) - 1];
      if (o) this.SetValue(this.cursor, o.value);
    } else if (t && (key === '0' || key === 'Delete')) {
      t.value = t.reading.kind === 'multi' ? [] : null; t.illegible = false; t.changed = true; this.Render();
    } else if (t && (key === 'x' || key === 'X')) {
      t.illegible = true; t.changed = true; this.Render();
    } else return false;
    return true;
  }

  async Confirm() {
    if (this.busy || !this.tiles.length) return;
    this.busy = true;
    this.confirmButton.disabled = true;
    const entries = this.tiles.map((t) => {
      const e = { reading_id: t.reading.reading_id };
      if (t.illegible) e.illegible = true; else e.value = t.value;
      if (t.reading.item) e.version = t.reading.item.version;
      return e;
    });
    try {
      const r = await this.Api(api.GroupConfirm(entries));
      this.confirmed += r.recorded;
      const refused = r.results.filter((x) => x.status !== 'recorded').length;
      // What comes next: the refused crops again (with the ones after them), else the screen
      // after this one (prefetched meanwhile), else the next question's first screen (fetched
      // ahead too), else the question from its first serial (whatever is left).
      const done = this.group.field;
      const after = this.tiles[this.tiles.length - 1].reading.serial;
      const next = this.next && this.next.key === this.ScreenKey(after) ? await this.next.promise.catch(() => null) : null;
      let moved = false;
      if (refused > 0) {
        await this.Load();
      } else if (next && next.tiles.length) {
        this.after = after;
        await this.Load();
      } else if (next && next.question) {
        const q = next.question;
        this.next = null;
        this.group = q.group;
        this.fields = q.fields;
        this.after = 0;
        this.options = q.options;
        this.question.textContent = q.label;
        this.tiles = q.screen.tiles;
        this.cursor = 0;
        this.RenderPicker();
        this.Render();
        this.Prefetch();
        moved = true;
      } else {
        this.after = 0;
        await this.Load();
      }
      this.status.textContent = T('group_saved', { n: r.recorded, refused, rate: this.Rate().toFixed(1) }) +
        (moved ? ` ${T('group_next_question', { done, field: this.group.field })}` : '');
      this.root.dataset.recorded = String(Number(this.root.dataset.recorded || 0) + r.recorded);  // for tests
      this.onStatus(r.recorded);
      // The counts in the picker, without holding the next screen up.
      this.Api(api.GroupFields()).then((f) => { this.fields = f.fields; this.RenderPicker(); }, () => {});
    } catch (e) {
      this.status.textContent = T('error', { detail: e.message });
    } finally {
      this.busy = false;
      this.confirmButton.disabled = false;
      this.root.dataset.confirms = String(Number(this.root.dataset.confirms || 0) + 1);  // for tests
    }
  }

}

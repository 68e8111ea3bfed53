// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The review queue at the keyboard. Contract with the server (docs/api.md):
// - the screen holds a leased current item and one prefetched item (next?exclude=current), so
//   the next item shows at once;
// - a decision is committed (200) before the next item is shown; a 409 says what happened and
//   reloads the item;
// - U undoes the last decision (the item comes back, leased to us); J/K walk back through what
//   was decided, where Enter records a correction.

import * as api from './client.js';
import { T } from './i18n.js';
import {
  NormalizeItem, DraftFrom, ChooseOption, ClearAnswer, ToggleIllegible, DecisionValue, IsBoxKind,
  OptionForDigit,
} from './item.js';
import { RenderItem, RenderDraft, ResizeCrop, RenderFieldHistory } from './item_view.js';
import { OpenPageView } from './page_view.js';

const $ = (id) => document.getElementById(id);
const kTwoDigitMs = 700;  // "1" then "0".."2" within this: option 10..12.

function Preload(item) {
  if (!item || !item.crop) return;
  const img = new Image();
  img.decoding = 'async';
  img.src = item.crop;
  item.preload = img;  // keep a reference so the browser keeps it in its memory cache
}

export class ReviewScreen {
  constructor(hooks) {
    this.hooks = hooks;         // {onUnauthorized(), onCounts(counts, rate)}
    this.queueItem = null;      // the leased item the queue is at
    this.ahead = [];            // prefetched, leased items to show next
    this.prefetching = null;    // the prefetch in flight
    this.shown = null;          // the item on screen (queueItem or one from history)
    this.draft = null;
    this.readOnly = false;
    this.history = [];          // ids decided by me, newest first
    this.historyPos = -1;       // -1: at the queue; else index into history
    this.busy = false;
    this.times = [];            // decision times (items/min)
    this.lastDigit = null;      // {n, at} for two-digit options
    this.keys = [];             // keys pressed while a call was in flight, replayed after it
    this.emptyState = false;
  }

  // --- starting and stopping --------------------------------------------------------------
  async Start() {
    this.Message('');
    try {
      const h = await api.History();
      const list = Array.isArray(h) ? h : (h && h.items) || [];
      this.history = list.map((x) => x.id);
    } catch (e) { if (this.Fail(e)) return; }
    await this.ShowNextFromQueue();
    this.RefreshCounts();
    this.countTimer = setInterval(() => this.RefreshCounts(), 20000);
  }

  Stop() {
    clearInterval(this.countTimer);
    const held = [this.queueItem, ...this.ahead].filter(Boolean).map((x) => x.id);
    this.queueItem = null;
    this.ahead = [];
    this.shown = null;
    return held;
  }

  HeldIds() { return [this.queueItem, ...this.ahead].filter(Boolean).map((x) => x.id); }

  // --- messages ------------------------------------------------------------------------------
  Message(text, kind = 'info') {
    const el = $('status');
    el.textContent = text;
    el.dataset.kind = kind;
  }

  /// Common failures: true when handled (the caller stops).
  Fail(e) {
    if (e && e.status === 401) { this.hooks.onUnauthorized(); return true; }
    if (e && e.status === 403) { this.Message(T('forbidden'), 'error'); return true; }
    if (e && e.status === 0) { this.Message(T('network_error'), 'error'); return true; }
    this.Message(T('error', { detail: (e && e.message) || '?' }), 'error');
    return true;
  }

  // --- showing ---------------------------------------------------------------------------------
  Show(item, { history = null, readOnly = false } = {}) {
    this.shown = item;
    this.readOnly = readOnly;
    this.emptyState = false;
    $('empty').hidden = true;
    const fromDecision = (history || readOnly) && item.decided;
    this.draft = DraftFrom(fromDecision ? item.decided : item.reading);
    RenderItem(item, this.draft, {
      history: history ? { pos: history.pos, count: history.count } : null, readOnly,
    });
    this.LoadFieldHistory(item);
    if (!IsBoxKind(item.kind) && !readOnly && !history) {  // history: J/K first, F2 edits
      const input = $('draft');
      input.focus({ preventScroll: true });
      input.setSelectionRange(input.value.length, input.value.length);
    } else {
      $('item').focus({ preventScroll: true });
    }
  }

  /// The field's audit trail under the facts, for an item a person has touched (version > 1).
  async LoadFieldHistory(item) {
    RenderFieldHistory(item, null);
    if (!(item.version > 1 || item.decided)) return;
    try {
      const h = await api.FieldHistory(item.serial, item.field);
      if (this.shown !== item) return;
      RenderFieldHistory(item, (h && h.rows) || []);
      if (h && h.rows && h.rows.length) $('fact-decided').textContent = '';  // the history says it
    } catch { /* the history is a help, not needed to decide */ }
  }

  ShowEmpty() {
    this.shown = null;
    this.queueItem = null;
    this.emptyState = true;
    $('item').hidden = true;
    $('item').dataset.itemId = '';
    $('empty').hidden = false;
    $('empty-text').textContent = T('queue_empty');
    $('empty-hint').textContent = T('queue_empty_hint');
    $('empty').dataset.empty = 'true';
  }

  /// Re-renders in the current language.
  Rerender() {
    if (this.emptyState) { this.ShowEmpty(); return; }
    if (!this.shown) return;
    const draft = this.draft;
    RenderItem(this.shown, draft, {
      history: this.historyPos >= 0 ? { pos: this.historyPos + 1, count: this.history.length } : null,
      readOnly: this.readOnly,
    });
  }

  Resize() { if (this.shown) ResizeCrop(this.shown, this.draft); }

  // --- the queue --------------------------------------------------------------------------------
  Prefetch() {
    if (this.prefetching) return this.prefetching;
    if (this.ahead.length >= 1 || !this.queueItem) return Promise.resolve();
    const exclude = this.HeldIds();
    this.prefetching = api.Next(exclude).then((raw) => {
      if (raw && raw.id !== undefined && !this.HeldIds().includes(raw.id)) {
        const item = NormalizeItem(raw);
        Preload(item);
        this.ahead.push(item);
      }
    }).catch((e) => {
      if (e && e.status === 401) this.hooks.onUnauthorized();
    }).finally(() => { this.prefetching = null; });
    return this.prefetching;
  }

  async ShowNextFromQueue() {
    if (this.prefetching) await this.prefetching;
    let item = this.ahead.shift() || null;
    if (!item) {
      try {
        const raw = await api.Next(this.HeldIds());
        item = raw ? NormalizeItem(raw) : null;
      } catch (e) { this.Fail(e); return; }
    }
    this.historyPos = -1;
    if (!item) { this.ShowEmpty(); return; }
    this.queueItem = item;
    this.Show(item);
    this.Prefetch();
  }

  /// Back at the queue after looking through history.
  ReturnToQueue() {
    this.historyPos = -1;
    if (this.queueItem) { this.Show(this.queueItem); this.Message(''); } else this.ShowNextFromQueue();
  }

  // --- deciding -----------------------------------------------------------------------------------
  async Accept() {
    if (this.busy || !this.shown) return;
    const item = this.shown;
    if (this.readOnly) {  // not ours any more (409): move on
      if (this.historyPos >= 0) this.ReturnToQueue();
      else { this.queueItem = null; await this.ShowNextFromQueue(); }
      return;
    }
    if (!IsBoxKind(item.kind)) this.draft.text = $('draft').value;
    const decision = DecisionValue(item, this.draft);
    if (decision.error) {
      if (IsBoxKind(item.kind)) this.Message(T(decision.error), 'error');
      else $('draft-error').textContent = T(decision.error);
      return;
    }
    this.busy = true;
    $('item').setAttribute('aria-busy', 'true');
    try {
      await api.Decide(item.id, decision.value, item.version, decision.illegible);
      this.history = [item.id, ...this.history.filter((id) => id !== item.id)];
      this.times.push(performance.now());
      if (this.times.length > 30) this.times.shift();
      this.Message('');
      if (this.historyPos >= 0) this.ReturnToQueue();
      else { this.queueItem = null; await this.ShowNextFromQueue(); }
      this.RefreshCounts();
    } catch (e) {
      if (e.status === 409) await this.Conflict(item, e);
      else this.Fail(e);
    } finally {
      this.busy = false;
      $('item').removeAttribute('aria-busy');
      this.Drain();
    }
  }

  /// 409: say what happened and show the item as it is now.
  async Conflict(item, error) {
    const code = error.body && error.body.code;
    const detail = code === 'stale' || code === 'leased' ? T(`conflict_${code}`)
      : error.message && !/^HTTP /.test(error.message) ? error.message : T('conflict_default');
    let fresh = null;
    try { fresh = NormalizeItem(await api.Item(item.id)); } catch (e) { this.Fail(e); return; }
    const mine = fresh.status === 'open' && (!fresh.leaseOwner || fresh.leaseOwner === this.hooks.user());
    const inHistory = this.historyPos >= 0;
    if (!inHistory && this.queueItem && this.queueItem.id === item.id) this.queueItem = fresh;
    const readOnly = !inHistory && !mine;
    this.Show(fresh, {
      history: inHistory ? { pos: this.historyPos + 1, count: this.history.length } : null, readOnly,
    });
    this.Message(`${T('conflict', { detail })}${readOnly ? ` ${T('resolved_elsewhere')}` : ''}`, 'error');
  }

  async Undo() {
    if (this.busy) return;
    const id = this.history[0];
    if (id === undefined) { this.Message(T('nothing_to_undo')); return; }
    this.busy = true;
    try {
      const before = NormalizeItem(await api.Item(id));
      const reopened = await api.Undo(id, before.version);
      const item = NormalizeItem(reopened && reopened.id !== undefined ? reopened : await api.Item(id));
      this.history.shift();
      if (this.queueItem && this.queueItem.id !== item.id) this.ahead.unshift(this.queueItem);
      this.ahead = this.ahead.filter((x) => x.id !== item.id);
      this.queueItem = item;
      this.historyPos = -1;
      this.times.pop();
      this.Show(item);
      this.Message(T('undone', { field: item.field, serial: item.serial }));
      this.RefreshCounts();
    } catch (e) {
      if (e.status === 409) {
        const code = e.body && e.body.code;
        const detail = code === 'stale' || code === 'leased' ? T(`conflict_${code}`) : e.message || T('conflict_default');
        this.Message(T('conflict', { detail }), 'error');
      }
      else this.Fail(e);
    } finally { this.busy = false; this.Drain(); }
  }

  // --- history (J/K) ----------------------------------------------------------------------------------
  async Walk(step) {  // step +1: older (K), -1: newer (J)
    if (this.busy) return;
    if (this.history.length === 0) { this.Message(T('history_none')); return; }
    const pos = this.historyPos + step;
    if (pos < 0) { if (this.historyPos >= 0) this.ReturnToQueue(); return; }
    if (pos >= this.history.length) return;
    this.busy = true;
    try {
      const item = NormalizeItem(await api.Item(this.history[pos]));
      this.historyPos = pos;
      this.Show(item, { history: { pos: pos + 1, count: this.history.length } });
      this.Message('');
    } catch (e) { this.Fail(e); } finally { this.busy = false; this.Drain(); }
  }

  // --- the keyboard ---------------------------------------------------------------------------------
  /// One key press on the item (not in an input, no window open). True when it is a command.
  /// While a decision, an undo or a step through history is in flight, the keys of the item
  /// (digits, X, Delete, Enter, U, J/K) wait and apply, in order, to what shows next: a fast
  /// reviewer never loses a key.
  HandleKey(key) {
    const command = ReviewScreen.Command(key);
    if (!command) return false;
    if (this.busy && command !== 'page' && command !== 'reload') {
      this.keys.push(key);
      return true;
    }
    this.Run(command, key);
    return true;
  }

  static Command(key) {
    if (/^[0-9]$/.test(key)) return 'digit';
    if (key === 'Delete' || key === 'Backspace') return 'blank';
    if (key === 'x' || key === 'X') return 'illegible';
    if (key === 'Enter') return 'accept';
    if (key === 'u' || key === 'U') return 'undo';
    if (key === 'k' || key === 'K' || key === 'ArrowLeft' || key === 'ArrowUp') return 'back';
    if (key === 'j' || key === 'J' || key === 'ArrowRight' || key === 'ArrowDown') return 'forward';
    if (key === 'z' || key === 'Z') return 'page';
    if (key === 'r' || key === 'R') return 'reload';
    if (key === 'F2') return 'edit';
    return null;
  }

  Run(command, key) {
    switch (command) {
      case 'digit': this.Digit(Number(key)); break;
      case 'blank': this.Blank(); break;
      case 'illegible': this.Illegible(); break;
      case 'accept': this.Accept(); break;
      case 'undo': this.Undo(); break;
      case 'back': this.Walk(+1); break;
      case 'forward': this.Walk(-1); break;
      case 'page': this.PageView(); break;
      case 'reload': this.Reload(); break;
      case 'edit': this.FocusDraft(); break;
      default: break;
    }
  }

  Drain() {
    while (!this.busy && this.keys.length > 0) {
      const key = this.keys.shift();
      // A digit or text item takes the focus into its input: what was typed ahead for it
      // (beyond the commands above) is not replayed into the field.
      this.Run(ReviewScreen.Command(key), key);
    }
  }

  /// Enter pressed inside the draft input.
  AcceptFromInput() {
    if (this.busy) { this.keys.push('Enter'); return; }
    this.Accept();
  }

  // --- keys on the item ---------------------------------------------------------------------------------
  Digit(n) {
    const item = this.shown;
    if (!item || this.readOnly) return;
    if (!IsBoxKind(item.kind)) {  // 0: no answer; 1-9: back into the input (as F2)
      if (n === 0) this.Blank(); else this.FocusDraft();
      return;
    }
    const now = performance.now();
    const pick = OptionForDigit(item.options.length, this.lastDigit, n, now, kTwoDigitMs);
    this.lastDigit = pick.replacesLast ? null : { n, at: now };
    if (pick.replacesLast) {
      ChooseOption(item, this.draft, 1);  // take back the "1" ...
      if (item.kind !== 'multi') this.draft.selected.clear();
      ChooseOption(item, this.draft, pick.option);  // ... it was option 1n
    } else if (n === 0) {
      ClearAnswer(this.draft);
    } else {
      ChooseOption(item, this.draft, n);
    }
    RenderDraft(item, this.draft);
  }

  FocusDraft() {
    if (!this.shown || this.readOnly || IsBoxKind(this.shown.kind)) return;
    const input = $('draft');
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  Blank() {
    if (!this.shown || this.readOnly) return;
    ClearAnswer(this.draft);
    RenderDraft(this.shown, this.draft);
  }

  Illegible() {
    if (!this.shown || this.readOnly) return;
    ToggleIllegible(this.draft);
    RenderDraft(this.shown, this.draft);
  }

  OnInput() {
    if (!this.shown) return;
    this.draft.text = $('draft').value;
    this.draft.illegible = false;
    $('draft-error').textContent = '';
    RenderDraft(this.shown, this.draft);
  }

  ClickOption(key) {
    const item = this.shown;
    if (!item || this.readOnly) return;
    const opt = item.options.find((o) => o.key === key);
    if (!opt) return;
    ChooseOption(item, this.draft, opt.number);
    RenderDraft(item, this.draft);
  }

  async PageView() {
    if (!this.shown) return;
    try { await OpenPageView(this.shown); } catch (e) { this.Fail(e); }
  }

  async Reload() {
    if (this.busy) return;
    if (this.emptyState || !this.shown) await this.ShowNextFromQueue();
    this.RefreshCounts();
  }

  // --- counts -------------------------------------------------------------------------------------------
  Rate() {
    const t = this.times;
    if (t.length < 2) return null;
    const minutes = (t[t.length - 1] - t[0]) / 60000;
    return minutes > 0 ? (t.length - 1) / minutes : null;
  }

  async RefreshCounts() {
    try {
      const counts = await api.Queue();
      this.hooks.onCounts(counts, this.Rate());
      // The queue was empty and a new batch was ingested since: take it up by itself.
      if (this.emptyState && !this.busy && counts && counts.open > (counts.leased_to_others || 0)) {
        await this.ShowNextFromQueue();
      }
    } catch (e) {
      if (e && e.status === 401) this.hooks.onUnauthorized();
    }
  }
}

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The desk's ingest batches (docs/api.md, GET /api/desk/batches): every `phieu ingest` run and
// scan station batch, newest first, with its summary exactly as `phieu ingest` printed it, and
// the live progress of any batch still reading (polled while one runs and the desk is shown).

import * as api from './client.js';
import { T, Language } from './i18n.js';
import { El } from './dom.js';

const kPollRunningMs = 1000;  // a running batch: its progress bar moves about once a second
const kPollIdleMs = 10000;    // nothing running: notice a new batch within ten seconds

const Open = (b) => b.state === 'queued' || b.state === 'running';

function When(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(Language() === 'vi' ? 'vi-VN' : 'en-GB');
}

export class BatchesPanel {
  constructor({ onUnauthorized }) {
    this.onUnauthorized = onUnauthorized;
    this.element = El('section', { class: 'desk-part no-print', id: 'desk-batches' });
    this.open = new Set();  // batch ids whose summary the clerk opened: kept open across polls
    this.timer = null;
  }

  /// Loads now and keeps polling while the panel is in the page.
  async Start() {
    clearTimeout(this.timer);
    this.generation = (this.generation || 0) + 1;  // an older chain of polls stops at its next turn
    await this.Load(this.generation);
  }

  async Load(generation) {
    try {
      this.batches = (await api.DeskBatches()).batches;
      this.Render();
    } catch (e) {
      if (e.status === 401) { this.onUnauthorized(); return; }
      this.element.replaceChildren(El('p', { class: 'error', text: T('error', { detail: e.message }) }));
    }
    if (!this.element.isConnected || generation !== this.generation) return;  // the desk was left
    const running = (this.batches || []).some(Open);
    this.timer = setTimeout(() => this.Load(generation), running ? kPollRunningMs : kPollIdleMs);
  }

  Render() {
    const list = El('ol', { class: 'batches', id: 'batch-list' });
    for (const b of this.batches) {
      const source = b.source === 'station' ? T('batch_source_station', { station: b.station || '?' }) : T('batch_source_cli');
      const item = El('li', { class: `batch batch-${b.state}`, 'data-batch': String(b.id), 'data-state': b.state },
        El('div', { class: 'batch-head' },
          El('strong', { text: T('batch_line', { id: b.id, source, who: b.who, at: When(b.started_at) }) }),
          El('span', { class: `batch-state state-${b.state}`, text: T(`batch_state_${b.state}`) }),
          b.exit_code === null ? null : El('span', { class: 'muted', text: T('batch_exit', { code: b.exit_code }) })));
      if (Open(b)) {
        const total = Math.max(b.pages_total, b.pages_done);
        item.append(El('div', { class: 'batch-progress' },
          El('progress', { max: String(total || 1), value: String(b.pages_done) }),
          El('span', { class: 'batch-pages', text: T('batch_progress', { done: b.pages_done, total }) })));
      }
      if (b.summary) {
        const s = b.summary;
        item.append(El('p', { class: 'batch-counts', text: T('batch_counts', {
          files: s.files, skipped: s.files_skipped, pages: s.pages_read, identified: s.pages_identified,
          unidentified: s.pages_unidentified, conflicts: s.conflicts, review: s.review_items }) }));
      }
      if (b.error) item.append(El('p', { class: 'error', text: T('batch_error', { error: b.error }) }));
      if (b.summary_text) {
        const details = El('details', { class: 'batch-summary' },
          El('summary', { text: T('batch_summary') }), El('pre', { lang: 'en', text: b.summary_text.replace(/^\n/, '') }));
        if (this.open.has(b.id)) details.open = true;
        details.addEventListener('toggle', () => { if (details.open) this.open.add(b.id); else this.open.delete(b.id); });
        item.append(details);
      }
      list.append(item);
    }
    this.element.replaceChildren(El('h3', { text: T('batches_title', { n: this.batches.length }) }),
      this.batches.length ? list : El('p', { class: 'muted', text: T('desk_none') }));
  }
}

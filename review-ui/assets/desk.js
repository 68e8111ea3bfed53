// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The clerk's desk: unidentified pages as thumbnails with their reason, sheets with missing
// pages by unit (printable: the list for the search through the paper stacks), and progress
// per unit against its quota, the units that are behind first.

import * as api from './client.js';
import { T } from './i18n.js';
import { ConflictsSection, LoadDeskExtras, ProgressSection, ResolveConflict, ResolvedMessage, SpeedSection } from './desk_conflicts.js';
import { BatchesPanel } from './batches.js';
import { AttachAssign } from './desk_assign.js';
import { El } from './dom.js';

export class DeskScreen {
  constructor(root, { onUnauthorized }) {
    this.root = root;
    this.onUnauthorized = onUnauthorized;
  }

  async Start() { await this.Load(); }
  Rerender() { if (this.data) this.Render(); }

  async Load() {
    try {
      const [unidentified, missing, progress, extras] = await Promise.all([api.DeskUnidentified(), api.DeskMissing(), api.DeskProgress(), LoadDeskExtras()]);
      this.data = { unidentified, missing, progress, ...extras };
      this.Render();
    } catch (e) {
      if (e.status === 401) { this.onUnauthorized(); return; }
      this.root.replaceChildren(El('p', { class: 'error', text: T('error', { detail: e.message }) }));
    }
  }

  Render() {
    const { unidentified, missing, progress, conflicts, speed } = this.data;
    const thumbs = El('ol', { class: 'desk-thumbs', id: 'desk-unidentified' });
    for (const p of unidentified.pages) {
      thumbs.append(El('li', { class: 'desk-thumb', 'data-page': String(p.id) },
        p.thumbnail ? El('img', { src: p.thumbnail, alt: T('desk_thumb_alt', { file: p.file, page: p.page_index + 1 }) })
          : El('span', { class: 'muted', text: T('desk_no_thumb') }),
        El('span', { class: 'desk-reason', text: `${T(`align_${p.status}`)}${p.reason ? ` — ${p.reason}` : ''}` }),
        El('span', { class: 'muted', text: `${p.file} · ${T('page')} ${p.page_index + 1}` })));
    }
    const missingList = El('div', { id: 'desk-missing', class: 'desk-missing' });
    for (const u of missing.units) {
      const ul = El('ul');
      for (const s of u.sheets) ul.append(El('li', { text: T('desk_missing_row', { serial: s.serial, pages: s.missing_pages.join(', ') }) }));
      missingList.append(El('h4', { text: u.unit ? `${u.unit} — ${u.name}` : T('desk_unknown_unit') }), ul);
    }
    const print = El('button', { type: 'button', id: 'desk-print', text: T('desk_print') });
    print.addEventListener('click', () => { document.body.classList.add('print-missing'); window.print(); document.body.classList.remove('print-missing'); });
    this.root.replaceChildren(
      El('section', { class: 'desk-part no-print' }, El('h3', { text: T('desk_unidentified', { n: unidentified.pages.length }) }),
        unidentified.pages.length ? thumbs : El('p', { class: 'muted', text: T('desk_none') })),
      El('section', { class: 'desk-part desk-print-part' }, El('h3', { text: T('desk_missing') }), print,
        missing.units.length ? missingList : El('p', { class: 'muted', text: T('desk_none') })),
      El('p', { id: 'desk-message', class: 'desk-message no-print', role: 'status', 'aria-live': 'polite', text: this.message || '' }),
      ConflictsSection(conflicts, { onResolve: (c, action, sheet) => this.Resolve(c, action, sheet) }),
      ProgressSection(progress), SpeedSection(speed));
    AttachAssign(thumbs, unidentified.pages, { onChanged: () => this.Load(), onUnauthorized: this.onUnauthorized });
    // The ingest batches (batches.js): their own section, polling while one runs.
    this.batches ??= new BatchesPanel({ onUnauthorized: this.onUnauthorized });
    this.root.prepend(this.batches.element);
    this.batches.Start();
  }

  async Resolve(conflict, action, sheet) {
    try {
      this.message = ResolvedMessage(await ResolveConflict(conflict.id, action, sheet));
    } catch (e) {
      if (e.status === 401) { this.onUnauthorized(); return; }
      this.message = T('error', { detail: e.message });
    }
    await this.Load();
  }

  HandleKey() { return false; }
}

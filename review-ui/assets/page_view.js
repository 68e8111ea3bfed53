// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Z: the whole scanned page of the current item with every field of that page outlined and
// coloured by its state (accepted, waiting for review, decided), the current field in bold,
// the chosen boxes filled.

import * as api from './client.js';
import { T } from './i18n.js';
import { Rect } from './item.js';
import { Mapping, Reset, Box, Label } from './overlay.js';

const $ = (id) => document.getElementById(id);

function Selected(value) {
  if (value === null || value === undefined) return new Set();
  return new Set((Array.isArray(value) ? value : [value]).map(String));
}

function Draw(img, layout, sheet, item) {
  const svg = $('page-overlay');
  Reset(svg, img);
  const pageInfo = (layout.pages || []).find((p) => +p.page === +item.page) || { width_mm: 210 };
  const map = Mapping(img, { x: 0, y: 0 }, +pageInfo.width_mm || 210);
  const mm = map.scale;
  const states = new Map((sheet && sheet.fields || []).map((f) => [f.id, f]));
  for (const f of layout.fields || []) if (f.state && !states.has(f.id)) states.set(f.id, f);
  let currentPx = null;
  for (const f of layout.fields || []) {
    if (+f.page !== +item.page) continue;
    const st = states.get(f.id);
    const state = st ? st.state : 'unknown';
    const area = Rect(f.area_mm);
    const isCurrent = f.id === item.field;
    if (area) {
      const px = map.rect(area);
      Box(svg, px, `field state-${state}${isCurrent ? ' current' : ''}`);
      Label(svg, px.x + px.w - 0.5 * mm, px.y + 2.6 * mm, f.id, 2.4 * mm, `label field-id state-${state}`, 'end');
      if (isCurrent) currentPx = px;
    }
    const chosen = Selected(st ? st.value : null);
    for (const o of f.options || []) {
      const r = Rect(o.box_mm);
      if (!r) continue;
      Box(svg, map.rect(r), chosen.has(String(o.value)) ? 'pbox chosen' : 'pbox');
    }
    for (const c of f.cells_mm || []) {
      const r = Rect(c);
      if (r) Box(svg, map.rect(r), 'pbox');
    }
  }
  return currentPx;
}

function BlankPage(pageInfo) {
  const canvas = document.createElement('canvas');
  canvas.width = Math.round((pageInfo ? +pageInfo.width_mm : 210) * 4);
  canvas.height = Math.round((pageInfo ? +pageInfo.height_mm : 297) * 4);
  const g = canvas.getContext('2d');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}

/// Opens the page view for `item` (its sheet and page).
export async function OpenPageView(item) {
  const dialog = $('pageview');
  $('pageview-title').textContent = T('page_view_title', { page: item.page, serial: item.serial });
  const img = $('page-img');
  const svg = $('page-overlay');
  svg.replaceChildren();
  img.hidden = false;
  $('page-missing').hidden = true;
  if (!dialog.open) dialog.showModal();
  dialog.dataset.ready = 'false';
  const layout = await api.SheetLayout(item.serial);
  const hasStates = (layout.fields || []).some((f) => f.state);
  const sheet = hasStates ? null : await api.Sheet(item.serial).catch(() => null);
  const pageInfo = (layout.pages || []).find((p) => +p.page === +item.page);
  const url = (pageInfo && pageInfo.image) || api.PageUrl(item.serial, item.page);
  await new Promise((resolve) => {
    img.onload = resolve;
    img.onerror = () => {  // no scan to show: the fields on a blank page of the printed size
      $('page-missing').hidden = false;
      img.onerror = resolve;
      img.src = BlankPage(pageInfo);
    };
    if (img.getAttribute('src') === url && img.complete && img.naturalWidth) resolve();
    else img.src = url;
  });
  img.alt = T('page_view_title', { page: item.page, serial: item.serial });
  if (img.naturalWidth) {
    const current = Draw(img, layout, sheet, item);
    if (current) {
      const scroll = $('page-scroll');
      const k = img.clientWidth / img.naturalWidth;
      scroll.scrollTop = Math.max(0, current.y * k - scroll.clientHeight / 3);
    }
  }
  dialog.dataset.ready = 'true';
}

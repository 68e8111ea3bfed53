// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The one DOM helper every screen builds with: an element with its attributes and children,
// and its SVG twin.

const kSvg = 'http://www.w3.org/2000/svg';

/// An HTML element. `attrs`: `class` and `text` (its text content) are set as properties;
/// any other name as an attribute, `true` as a present boolean attribute (hidden, disabled),
/// `null`, `undefined` and `false` as no attribute at all. Children that are null, undefined or
/// false are left out (so `cond && El(...)` reads naturally); strings and numbers become text.
export function El(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (v === true) e.setAttribute(k, '');
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/// An SVG element: every attribute set as text (null and undefined: none); `text`, when given,
/// its text content.
export function SvgEl(tag, attrs = {}, text) {
  const e = document.createElementNS(kSvg, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  if (text !== undefined && text !== '') e.textContent = text;
  return e;
}

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// SVG drawn over a scan image: rectangles given in page millimetres placed on the image's
// natural pixels. The SVG's viewBox is the image's natural size, so it scales with the image.

import { SvgEl } from './dom.js';

/// A mapping from page mm to image px: origin = the mm point at the image's top-left corner;
/// the image shows widthMm × heightMm (heightMm omitted: the same scale both ways).
export function Mapping(img, originMm, widthMm, heightMm = 0) {
  const sx = img.naturalWidth / widthMm;
  const sy = heightMm > 0 ? img.naturalHeight / heightMm : sx;
  return {
    scale: sx,
    rect: (r) => ({ x: (r.x - originMm.x) * sx, y: (r.y - originMm.y) * sy, w: r.w * sx, h: r.h * sy }),
  };
}

export function Reset(svg, img) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${img.naturalWidth} ${img.naturalHeight}`);
  svg.setAttribute('preserveAspectRatio', 'none');
}

export function Box(svg, px, cls, extra = {}) {
  const el = SvgEl('rect', { x: px.x, y: px.y, width: px.w, height: px.h, class: cls, ...extra });
  svg.append(el);
  return el;
}

/// A label with a light halo so it reads over ink.
export function Label(svg, x, y, text, size, cls = 'label', anchor = 'start') {
  const el = SvgEl('text', { x, y, 'font-size': size, class: cls, 'text-anchor': anchor }, text);
  svg.append(el);
  return el;
}

/// A cross through a box (a cancelled mark).
export function Cross(svg, px, cls) {
  svg.append(SvgEl('path', {
    d: `M${px.x} ${px.y}L${px.x + px.w} ${px.y + px.h}M${px.x + px.w} ${px.y}L${px.x} ${px.y + px.h}`,
    class: cls,
  }));
}

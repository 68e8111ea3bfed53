// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace phieu::core {

/// A point on the printed page in millimetres: origin top-left, x right, y down.
struct PointMm {
  double x = 0.0;
  double y = 0.0;
};

/// An axis-aligned rectangle on the printed page, in millimetres (same frame as PointMm).
struct RectMm {
  double x = 0.0;
  double y = 0.0;
  double w = 0.0;
  double h = 0.0;
  double right() const { return x + w; }
  double bottom() const { return y + h; }
  bool Intersects(const RectMm& o) const {
    return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom();
  }
  bool Contains(const RectMm& o) const {
    return o.x >= x && o.y >= y && o.right() <= right() && o.bottom() <= bottom();
  }
  bool empty() const { return w <= 0 || h <= 0; }
  /// Grown by `dx` left and right and `dy` above and below (shrunk when negative).
  RectMm Grown(double dx, double dy) const { return {x - dx, y - dy, w + 2 * dx, h + 2 * dy}; }
  RectMm Grown(double d) const { return Grown(d, d); }
};

/// The smallest rectangle holding both; an empty rectangle adds nothing.
inline RectMm Union(const RectMm& a, const RectMm& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  const double x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
  const double x1 = a.right() > b.right() ? a.right() : b.right();
  const double y1 = a.bottom() > b.bottom() ? a.bottom() : b.bottom();
  return {x0, y0, x1 - x0, y1 - y0};
}

/// An axis-aligned rectangle in image pixels (integer, origin top-left).
struct RectPx {
  int x = 0;
  int y = 0;
  int w = 0;
  int h = 0;
};

constexpr double kMmPerInch = 25.4;
constexpr double kPtPerMm = 72.0 / kMmPerInch;
inline constexpr double MmToPx(double mm, double dpi) { return mm * dpi / kMmPerInch; }
inline constexpr double PxToMm(double px, double dpi) { return px * kMmPerInch / dpi; }

}  // namespace phieu::core

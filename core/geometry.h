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
};

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

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Internal to phieu::templates: the full drawing plan of a form. ComputeLayout returns its
// Layout part and RenderPdf draws every element of it, so the boxes a scanner looks for are
// exactly the boxes that were printed.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <string>
#include <vector>

#include "templates/templates.h"

namespace phieu::templates::internal {

/// Body text font: covers every precomposed Vietnamese letter (STACK.md section 4).
inline constexpr const char* kBodyFamily = "DejaVu Sans";

struct TextStyle {
  double size_pt = 10.0;
  bool bold = false;
  bool italic = false;
};

enum class Align { kLeft, kCentre, kRight };

/// One block of text: top-left at (rect.x, rect.y), wrapped to rect.w; rect.h is the measured
/// height (what the layout reserved).
struct TextBlock {
  std::string text;  ///< plain text, or Pango markup when `markup`.
  TextStyle style;
  core::RectMm rect;
  Align align = Align::kLeft;
  bool markup = false;
  bool underline = false;
  bool ellipsize = false;  ///< single line, "…" when too long (footer unit label).
  double gray = 0.0;       ///< 0 black .. 1 white.
};

/// A non-text mark. Strokes are centred on the rectangle's edge (cairo semantics).
struct Shape {
  enum Kind { kFill, kStroke, kLine, kDottedLine } kind = kStroke;
  core::RectMm rect;  ///< kLine/kDottedLine: from (x, y) to (x + w, y + h).
  double line_mm = 0.3;
  double gray = 0.0;
};

struct PagePlan {
  std::vector<Shape> shapes;     ///< drawn first, in order.
  std::vector<TextBlock> texts;  ///< drawn over the shapes.
  /// Footer slots, filled per printed copy: serial (left), unit (centre), page number (right).
  TextBlock serial_slot;
  TextBlock unit_slot;
  TextBlock page_slot;
};

struct FormPlan {
  Layout layout;
  std::vector<PagePlan> pages;
  std::vector<Problem> problems;  ///< e.g. a question taller than a page; empty when printable.
};

/// Lays out a structurally valid template. Deterministic.
FormPlan PlanForm(const Template& tpl, const LayoutOptions& options);

/// Anchor squares of a page, in corner order (TL, TR, BR, BL).
std::vector<AnchorLayout> AnchorsFor(double width_mm, double height_mm, const LayoutOptions& options);

/// Pango text measuring and drawing with one fixed configuration (72 dpi, no hinted metrics,
/// unrounded glyph positions), so measured heights equal drawn heights on the PDF.
class TextEngine {
 public:
  /// Measuring only: a PDF surface with no output file, i.e. the same backend as rendering.
  TextEngine();
  /// Measuring and drawing on `cr`, whose user unit must be the PDF point. Does not own `cr`.
  explicit TextEngine(cairo_t* cr);
  ~TextEngine();
  TextEngine(const TextEngine&) = delete;
  TextEngine& operator=(const TextEngine&) = delete;

  /// Height in mm of `text` wrapped to `width_mm` (<= 0: no wrapping).
  double HeightMm(const std::string& text, const TextStyle& style, double width_mm, bool markup = false);
  /// Unwrapped logical width in mm.
  double WidthMm(const std::string& text, const TextStyle& style, bool markup = false);
  /// Where `block`'s lines land on the page: one logical rectangle per line (its words, not the
  /// wrap width), page mm.
  std::vector<core::RectMm> LineRectsMm(const TextBlock& block);
  void Draw(const TextBlock& block);

 private:
  void Init();
  void Prepare(const TextBlock& block);

  cairo_surface_t* surface_ = nullptr;  ///< owned only by the measuring constructor.
  cairo_t* cr_ = nullptr;
  bool owns_cr_ = false;
  PangoLayout* layout_ = nullptr;
};

}  // namespace phieu::templates::internal

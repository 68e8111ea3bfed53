// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "hand_fonts.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <pango/pangocairo.h>
#include <opencv2/imgproc.hpp>

namespace phieu::simulator {
namespace {

constexpr const char* kFamilies[kHandFontCount] = {"TeX Gyre Chorus", "Andika Italic", "Andika",
                                                   "DejaVu Sans Oblique"};
constexpr double kRefPx = 100.0;  // em size for the per-font measurements.

// One Pango font map, context and layout per thread: Pango objects are not thread-safe, and
// building them per word would cost far more than the rendering itself.
class FontCache {
 public:
  FontCache() {
    map_ = pango_cairo_font_map_new();
    ctx_ = pango_font_map_create_context(map_);
    cairo_font_options_t* fo = cairo_font_options_create();
    // No hinting: glyph shapes and advances scale smoothly with size and never depend on the
    // grid, which keeps wrapping decisions (made in mm) valid at every scan resolution.
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(ctx_, fo);
    cairo_font_options_destroy(fo);
    layout_ = pango_layout_new(ctx_);
    for (int i = 0; i < kHandFontCount; ++i) {
      desc_[i] = pango_font_description_from_string(kFamilies[i]);
      // x-height from the ink of "x" at a known em size.
      Set(static_cast<HandFont>(i), kRefPx, "x");
      PangoRectangle ink, logical;
      pango_layout_get_extents(layout_, &ink, &logical);
      double xh = static_cast<double>(ink.height) / PANGO_SCALE;
      em_per_xh_[i] = xh > 1 ? kRefPx / xh : 2.0;
      stroke_ratio_[i] = MeasureStroke(static_cast<HandFont>(i));
    }
  }
  ~FontCache() {
    for (auto* d : desc_) pango_font_description_free(d);
    g_object_unref(layout_);
    g_object_unref(ctx_);
    g_object_unref(map_);
  }
  FontCache(const FontCache&) = delete;
  FontCache& operator=(const FontCache&) = delete;

  static FontCache& ForThread() {
    thread_local FontCache cache;
    return cache;
  }

  void Set(HandFont font, double em_px, std::string_view text) {
    PangoFontDescription* d = desc_[static_cast<int>(font)];
    // Sizes snap to 1/4 px: Pango caches fonts per size, and a fresh size costs a fontconfig
    // match (~0.3 ms); the snapping is invisible next to the per-word size jitter.
    const double snapped = std::max(4.0, std::round(em_px * 4.0) / 4.0);
    pango_font_description_set_absolute_size(d, snapped * PANGO_SCALE);
    pango_layout_set_font_description(layout_, d);
    pango_layout_set_text(layout_, text.data(), static_cast<int>(text.size()));
  }

  double EmPx(HandFont font, double x_height_px) const {
    return x_height_px * em_per_xh_[static_cast<int>(font)];
  }

  WordInk Render(std::string_view text, HandFont font, double x_height_px) {
    Set(font, EmPx(font, x_height_px), text);
    PangoRectangle ink, logical;
    pango_layout_get_extents(layout_, &ink, &logical);
    const double s = 1.0 / PANGO_SCALE;
    const int pad = 2;
    const int x0 = static_cast<int>(std::floor(ink.x * s)), y0 = static_cast<int>(std::floor(ink.y * s));
    const int x1 = static_cast<int>(std::ceil((ink.x + ink.width) * s));
    const int y1 = static_cast<int>(std::ceil((ink.y + ink.height) * s));
    WordInk out;
    out.advance = logical.width * s;
    out.origin_x = pad - x0;
    out.baseline = pad - y0 + pango_layout_get_baseline(layout_) * s;
    const int w = std::max(1, x1 - x0 + 2 * pad), h = std::max(1, y1 - y0 + 2 * pad);
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_t* cr = cairo_create(surface);
    cairo_move_to(cr, pad - x0, pad - y0);
    pango_cairo_show_layout(cr, layout_);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    cv::Mat view(h, w, CV_8U, cairo_image_surface_get_data(surface),
                 static_cast<size_t>(cairo_image_surface_get_stride(surface)));
    out.coverage = view.clone();
    cairo_surface_destroy(surface);
    return out;
  }

  // Measured at one reference size and scaled: unhinted advances are linear in the size, and
  // one size keeps the font cache warm whatever sizes the callers ask for.
  double Advance(std::string_view text, HandFont font, double x_height_px) {
    Set(font, EmPx(font, kRefPx / em_per_xh_[static_cast<int>(font)]), text);
    PangoRectangle logical;
    pango_layout_get_extents(layout_, nullptr, &logical);
    return static_cast<double>(logical.width) / PANGO_SCALE * x_height_px * em_per_xh_[static_cast<int>(font)] / kRefPx;
  }

  double StrokeRatio(HandFont font) const { return stroke_ratio_[static_cast<int>(font)]; }

 private:
  // Mean stroke width of a sample word: for thin strokes, area ~ length * width and the
  // contour runs along both sides, so width ~ 2 * area / perimeter.
  double MeasureStroke(HandFont font) {
    const double xh = 40.0;
    WordInk w = Render("nhiệt tình mong", font, xh);
    cv::Mat bin = w.coverage > 127;
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(bin, contours, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);
    double perimeter = 0;
    for (const auto& c : contours) perimeter += cv::arcLength(c, true);
    double area = cv::sum(w.coverage)[0] / 255.0;
    return perimeter > 0 ? 2.0 * area / perimeter / xh : 0.12;
  }

  PangoFontMap* map_ = nullptr;
  PangoContext* ctx_ = nullptr;
  PangoLayout* layout_ = nullptr;
  PangoFontDescription* desc_[kHandFontCount] = {};
  double em_per_xh_[kHandFontCount] = {};
  double stroke_ratio_[kHandFontCount] = {};
};

}  // namespace

const char* HandFontName(HandFont font) {
  switch (font) {
    case HandFont::kChorus: return "chorus";
    case HandFont::kAndikaItalic: return "andika-italic";
    case HandFont::kAndika: return "andika";
    case HandFont::kDejaVuOblique: return "dejavu-oblique";
  }
  return "andika";
}

WordInk RenderWord(std::string_view utf8, HandFont font, double x_height_px) {
  return FontCache::ForThread().Render(utf8, font, x_height_px);
}

double WordAdvance(std::string_view utf8, HandFont font, double x_height_px) {
  return FontCache::ForThread().Advance(utf8, font, x_height_px);
}

double StrokeRatio(HandFont font) { return FontCache::ForThread().StrokeRatio(font); }

}  // namespace phieu::simulator

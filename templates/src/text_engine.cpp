// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include <cairo-pdf.h>

#include <stdexcept>

#include "form_plan.h"

namespace phieu::templates::internal {
namespace {

double MmToPt(double mm) { return mm * core::kPtPerMm; }

}  // namespace

void TextEngine::Init() {
  layout_ = pango_cairo_create_layout(cr_);
  PangoContext* ctx = pango_layout_get_context(layout_);
  // STACK.md section 5: Pango defaults to 96 dpi (a "10pt" font would be 13.3 pt).
  pango_cairo_context_set_resolution(ctx, 72.0);
  // Hinted metrics and rounded glyph positions would make widths depend on the device; the
  // layout must measure exactly what the PDF draws.
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options(ctx, fo);
  cairo_font_options_destroy(fo);
  pango_context_set_round_glyph_positions(ctx, FALSE);
  pango_layout_context_changed(layout_);
}

TextEngine::TextEngine() {
  // A PDF surface without a file: measurements come from the very backend that renders.
  surface_ = cairo_pdf_surface_create(nullptr, 595.276, 841.89);
  cr_ = cairo_create(surface_);
  owns_cr_ = true;
  Init();
}

TextEngine::TextEngine(cairo_t* cr) : cr_(cr) { Init(); }

TextEngine::~TextEngine() {
  if (layout_ != nullptr) g_object_unref(layout_);
  if (owns_cr_ && cr_ != nullptr) cairo_destroy(cr_);
  if (surface_ != nullptr) cairo_surface_destroy(surface_);
}

void TextEngine::Prepare(const TextBlock& block) {
  PangoFontDescription* fd = pango_font_description_new();
  pango_font_description_set_family(fd, kBodyFamily);
  pango_font_description_set_size(fd, static_cast<int>(block.style.size_pt * PANGO_SCALE + 0.5));
  pango_font_description_set_weight(fd, block.style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style(fd, block.style.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
  pango_layout_set_font_description(layout_, fd);
  pango_font_description_free(fd);

  if (block.rect.w > 0) {
    pango_layout_set_width(layout_, static_cast<int>(MmToPt(block.rect.w) * PANGO_SCALE));
  } else {
    pango_layout_set_width(layout_, -1);
  }
  pango_layout_set_wrap(layout_, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_ellipsize(layout_, block.ellipsize ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_set_single_paragraph_mode(layout_, block.ellipsize);
  pango_layout_set_alignment(layout_, block.align == Align::kCentre  ? PANGO_ALIGN_CENTER
                                      : block.align == Align::kRight ? PANGO_ALIGN_RIGHT
                                                                     : PANGO_ALIGN_LEFT);
  if (block.markup) {
    pango_layout_set_attributes(layout_, nullptr);
    pango_layout_set_markup(layout_, block.text.c_str(), static_cast<int>(block.text.size()));
  } else {
    pango_layout_set_text(layout_, block.text.c_str(), static_cast<int>(block.text.size()));
    PangoAttrList* attrs = pango_attr_list_new();
    if (block.underline) pango_attr_list_insert(attrs, pango_attr_underline_new(PANGO_UNDERLINE_SINGLE));
    pango_layout_set_attributes(layout_, attrs);
    pango_attr_list_unref(attrs);
  }
}

double TextEngine::HeightMm(const std::string& text, const TextStyle& style, double width_mm, bool markup) {
  TextBlock block;
  block.text = text;
  block.style = style;
  block.rect.w = width_mm;
  block.markup = markup;
  Prepare(block);
  int w = 0, h = 0;
  pango_layout_get_size(layout_, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE / core::kPtPerMm;
}

double TextEngine::WidthMm(const std::string& text, const TextStyle& style, bool markup) {
  TextBlock block;
  block.text = text;
  block.style = style;
  block.markup = markup;
  Prepare(block);
  int w = 0, h = 0;
  pango_layout_get_size(layout_, &w, &h);
  return static_cast<double>(w) / PANGO_SCALE / core::kPtPerMm;
}

std::vector<core::RectMm> TextEngine::LineRectsMm(const TextBlock& block) {
  Prepare(block);
  std::vector<core::RectMm> out;
  PangoLayoutIter* it = pango_layout_get_iter(layout_);
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, nullptr, &logical);
    if (logical.width <= 0) continue;  // an empty line
    const double scale = 1.0 / PANGO_SCALE / core::kPtPerMm;
    // With no wrap width, alignment has no box to work in and lines start at 0.
    out.push_back({block.rect.x + logical.x * scale, block.rect.y + logical.y * scale, logical.width * scale,
                   logical.height * scale});
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
  return out;
}

void TextEngine::Draw(const TextBlock& block) {
  if (surface_ != nullptr) throw std::logic_error("TextEngine::Draw needs a drawing context");
  Prepare(block);
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, block.gray, block.gray, block.gray);
  cairo_move_to(cr_, MmToPt(block.rect.x), MmToPt(block.rect.y));
  pango_cairo_update_layout(cr_, layout_);
  pango_cairo_show_layout(cr_, layout_);
  cairo_restore(cr_);
}

}  // namespace phieu::templates::internal

namespace phieu::templates {

std::string LayoutEngineVersion() {
  return std::string("pango ") + pango_version_string() + ", cairo " + cairo_version_string();
}

}  // namespace phieu::templates

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The report as an A4 PDF: the same document as the HTML, drawn with Cairo (charts, rules)
// and Pango (any Vietnamese text), flowing onto new pages as needed.
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>

#include "report_document.h"

namespace phieu::exports {
namespace {

using internal::Block;

constexpr double kPageW = 595.276, kPageH = 841.89;  // A4, points
constexpr double kMargin = 42;
constexpr double kContentW = kPageW - 2 * kMargin;
constexpr double kLabelW = 190, kBarW = 250;

void SetColour(cairo_t* cr, const std::string& hex) {
  unsigned r = 0, g = 0, b = 0;
  std::sscanf(hex.c_str(), "#%02x%02x%02x", &r, &g, &b);
  cairo_set_source_rgb(cr, r / 255.0, g / 255.0, b / 255.0);
}

class PdfWriter {
 public:
  explicit PdfWriter(cairo_t* cr) : cr_(cr), layout_(pango_cairo_create_layout(cr)) {
    // 72 dpi so that "10" means 10 pt (Pango's default 96 dpi scales fonts by 4/3).
    PangoContext* ctx = pango_layout_get_context(layout_);
    pango_cairo_context_set_resolution(ctx, 72);
    cairo_font_options_t* fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(ctx, fo);
    cairo_font_options_destroy(fo);
    pango_layout_context_changed(layout_);
  }
  ~PdfWriter() { g_object_unref(layout_); }

  void Draw(const std::vector<Block>& doc) {
    for (const Block& b : doc) {
      switch (b.kind) {
        case Block::Kind::kHeading: Heading(b); break;
        case Block::Kind::kParagraph: Paragraph(b.text); break;
        case Block::Kind::kTable: Table(b); break;
        case Block::Kind::kBars: Bars(b); break;
        case Block::Kind::kStacked: Stacked(b); break;
      }
    }
    cairo_show_page(cr_);
  }

 private:
  /// Sets the layout's text and font; returns its height in points.
  double Prepare(const std::string& text, const char* font, double width, bool ellipsize = false) {
    PangoFontDescription* fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout_, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(layout_, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout_, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(layout_, ellipsize ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
    pango_layout_set_alignment(layout_, PANGO_ALIGN_LEFT);
    pango_layout_set_text(layout_, text.c_str(), -1);
    int w = 0, h = 0;
    pango_layout_get_size(layout_, &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  void Show(double x, double y) {
    cairo_set_source_rgb(cr_, 0.13, 0.13, 0.13);
    cairo_move_to(cr_, x, y);
    pango_cairo_show_layout(cr_, layout_);
  }
  void Text(const std::string& text, const char* font, double x, double y, double width,
            bool right = false) {
    Prepare(text, font, width, true);
    if (right) pango_layout_set_alignment(layout_, PANGO_ALIGN_RIGHT);
    Show(x, y);
  }
  void Ensure(double height) {
    if (y_ + height <= kPageH - kMargin) return;
    cairo_show_page(cr_);
    y_ = kMargin;
  }

  void Heading(const Block& b) {
    const char* font = b.level == 1 ? "DejaVu Sans Bold 17" : b.level == 2 ? "DejaVu Sans Bold 12.5" : "DejaVu Sans Bold 10.5";
    double h = Prepare(b.text, font, kContentW);
    Ensure(h + 60);  // keep a heading with what follows
    y_ += b.level == 1 ? 0 : 10;
    Show(kMargin, y_);
    y_ += h + 2;
    if (b.level == 2) {
      cairo_set_source_rgb(cr_, 0.7, 0.7, 0.7);
      cairo_set_line_width(cr_, 0.6);
      cairo_move_to(cr_, kMargin, y_);
      cairo_line_to(cr_, kMargin + kContentW, y_);
      cairo_stroke(cr_);
    }
    y_ += 6;
  }

  void Paragraph(const std::string& text) {
    double h = Prepare(text, "DejaVu Sans 9", kContentW);
    Ensure(h);
    Show(kMargin, y_);
    y_ += h + 6;
  }

  void Table(const Block& b) {
    // Columns: text columns share what the short numeric ones leave.
    const size_t n = b.headers.size();
    std::vector<double> w(n, 0);
    std::vector<bool> wide(n, false);
    for (size_t c = 0; c < n; ++c) {
      size_t longest = b.headers[c].size();
      for (const auto& row : b.rows)
        if (c < row.size()) longest = std::max(longest, row[c].size());
      wide[c] = longest > 22;
      w[c] = wide[c] ? 0 : std::max(48.0, 5.2 * static_cast<double>(longest) + 10);
    }
    double fixed = 0;
    int wides = 0;
    for (size_t c = 0; c < n; ++c) {
      fixed += w[c];
      wides += wide[c];
    }
    for (size_t c = 0; c < n; ++c)
      if (wide[c]) w[c] = std::max(80.0, (kContentW - fixed) / std::max(1, wides));
    double total = 0;
    for (double x : w) total += x;
    if (total > kContentW)
      for (double& x : w) x *= kContentW / total;
    auto row_out = [&](const std::vector<std::string>& cells, bool head) {
      const char* font = head ? "DejaVu Sans Bold 8" : "DejaVu Sans 8";
      double h = 0;
      for (size_t c = 0; c < n && c < cells.size(); ++c) h = std::max(h, Prepare(cells[c], font, w[c] - 6));
      h += 4;
      Ensure(h);
      double x = kMargin;
      for (size_t c = 0; c < n; ++c) {
        if (head) {
          cairo_set_source_rgb(cr_, 0.93, 0.93, 1.0);
          cairo_rectangle(cr_, x, y_, w[c], h);
          cairo_fill(cr_);
        }
        cairo_set_source_rgb(cr_, 0.73, 0.73, 0.73);
        cairo_set_line_width(cr_, 0.5);
        cairo_rectangle(cr_, x, y_, w[c], h);
        cairo_stroke(cr_);
        if (c < cells.size()) {
          Prepare(cells[c], font, w[c] - 6);
          Show(x + 3, y_ + 2);
        }
        x += w[c];
      }
      y_ += h;
    };
    row_out(b.headers, true);
    for (const auto& row : b.rows) row_out(row, false);
    y_ += 8;
  }

  void Caption(const std::string& text) {
    double h = Prepare(text, "DejaVu Sans Bold 8.5", kContentW);
    Show(kMargin, y_);
    y_ += h + 3;
  }

  void Legend(const Block& b, bool diverging) {
    double x = kMargin + kLabelW;
    for (size_t s = 0; s < b.series.size(); ++s) {
      double tw = std::min(150.0, 14 + 4.4 * static_cast<double>(b.series[s].size()));
      if (x + tw > kMargin + kContentW) {
        x = kMargin + kLabelW;
        y_ += 11;
      }
      SetColour(cr_, internal::SeriesColour(s, b.series.size(), diverging));
      cairo_rectangle(cr_, x, y_ + 1, 7, 7);
      cairo_fill(cr_);
      Text(b.series[s], "DejaVu Sans 6.5", x + 9, y_, tw - 11);
      x += tw;
    }
    y_ += 13;
  }

  void Bars(const Block& b) {
    const size_t n = std::max<size_t>(1, b.series.size());
    const double bar_h = n == 1 ? 10 : 7, gap = 5;
    double legend_h = n > 1 ? 13.0 * (1 + static_cast<double>(n) / 4) : 0;
    double height = 14 + legend_h + b.labels.size() * (n * bar_h + gap) + 12;
    Ensure(std::min(height, 300.0));
    Caption(b.text);
    if (n > 1) Legend(b, false);
    for (size_t i = 0; i < b.labels.size(); ++i) {
      double group_h = n * bar_h;
      Ensure(group_h + gap);
      Text(b.labels[i], "DejaVu Sans 7", kMargin, y_ + group_h / 2 - 4.5, kLabelW - 8, true);
      for (size_t s = 0; s < b.values[i].size(); ++s) {
        double v = std::clamp(b.values[i][s], 0.0, b.max);
        double w = kBarW * v / b.max;
        SetColour(cr_, internal::SeriesColour(s, n, false));
        cairo_rectangle(cr_, kMargin + kLabelW, y_ + s * bar_h, w, bar_h - 0.8);
        cairo_fill(cr_);
        Text(internal::FormatPct(b.values[i][s]) + b.suffix, "DejaVu Sans 6", kMargin + kLabelW + w + 3,
             y_ + s * bar_h + bar_h / 2 - 4, 50);
      }
      y_ += group_h + gap;
    }
    cairo_set_source_rgb(cr_, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr_, 0.5);
    cairo_move_to(cr_, kMargin + kLabelW, y_);
    cairo_line_to(cr_, kMargin + kLabelW + kBarW, y_);
    cairo_stroke(cr_);
    for (int k = 0; k <= 4; ++k)
      Text(internal::FormatPct(b.max * k / 4), "DejaVu Sans 6", kMargin + kLabelW + kBarW * k / 4 - 12, y_ + 1, 30);
    y_ += 16;
  }

  void Stacked(const Block& b) {
    double height = 14 + 26 + b.labels.size() * 15 + 8;
    Ensure(std::min(height, 300.0));
    Caption(b.text);
    Legend(b, true);
    for (size_t i = 0; i < b.labels.size(); ++i) {
      Ensure(15);
      double total = 0;
      for (double v : b.values[i]) total += v;
      Text(b.labels[i], "DejaVu Sans 7", kMargin, y_ + 1, kLabelW - 8, true);
      double x = kMargin + kLabelW;
      for (size_t s = 0; s < b.values[i].size(); ++s) {
        double w = total > 0 ? kBarW * b.values[i][s] / total : 0;
        if (w <= 0) continue;
        SetColour(cr_, internal::SeriesColour(s, b.values[i].size(), true));
        cairo_rectangle(cr_, x, y_, w, 11);
        cairo_fill(cr_);
        if (w > 22) Text(internal::FormatPct(100.0 * b.values[i][s] / total), "DejaVu Sans 6", x + 2, y_ + 1.5, w - 3);
        x += w;
      }
      Text("n = " + std::to_string(static_cast<long long>(total)), "DejaVu Sans 6",
           kMargin + kLabelW + kBarW + 4, y_ + 1.5, 60);
      y_ += 15;
    }
    y_ += 8;
  }

  cairo_t* cr_;
  PangoLayout* layout_;
  double y_ = kMargin;
};

}  // namespace

core::Status WriteReportPdf(const Report& report, const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  cairo_surface_t* surface = cairo_pdf_surface_create(tmp.c_str(), kPageW, kPageH);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
                                 ("Báo cáo chỉ số hài lòng – " + report.template_title).c_str());
  cairo_t* cr = cairo_create(surface);
  {
    PdfWriter writer(cr);
    writer.Draw(internal::BuildReportDocument(report));
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    std::filesystem::remove(tmp);
    return core::MakeError("io", path.string() + ": " + cairo_status_to_string(status));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::MakeError("io", path.string() + ": " + ec.message());
  return {};
}

}  // namespace phieu::exports

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// Draws a FormPlan with Cairo into a PDF (STACK.md section 5), one copy per serial, with the
// QR anchors drawn as vector modules (STACK.md section 3).
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <cairo-pdf.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "form_plan.h"
#include "templates/anchor_payload.h"

namespace phieu::templates {
namespace {

double Pt(double mm) { return mm * core::kPtPerMm; }

void DrawShape(cairo_t* cr, const internal::Shape& s) {
  cairo_set_source_rgb(cr, s.gray, s.gray, s.gray);
  const core::RectMm& r = s.rect;
  switch (s.kind) {
    case internal::Shape::kFill:
      cairo_rectangle(cr, Pt(r.x), Pt(r.y), Pt(r.w), Pt(r.h));
      cairo_fill(cr);
      break;
    case internal::Shape::kStroke:
      cairo_set_line_width(cr, Pt(s.line_mm));
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
      cairo_rectangle(cr, Pt(r.x), Pt(r.y), Pt(r.w), Pt(r.h));
      cairo_stroke(cr);
      break;
    case internal::Shape::kLine:
    case internal::Shape::kDottedLine: {
      cairo_save(cr);
      cairo_set_line_width(cr, Pt(s.line_mm));
      if (s.kind == internal::Shape::kDottedLine) {
        double dash[] = {0.0, Pt(1.0)};
        cairo_set_dash(cr, dash, 2, 0.0);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
      } else {
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
      }
      cairo_move_to(cr, Pt(r.x), Pt(r.y));
      cairo_line_to(cr, Pt(r.x + r.w), Pt(r.y + r.h));
      cairo_stroke(cr);
      cairo_restore(cr);
      break;
    }
  }
}

/// Draws the symbol's dark modules as one vector path exactly filling `symbol_mm`; runs of
/// modules in a row become one rectangle, and one fill for the whole path avoids hairline seams.
void DrawQr(cairo_t* cr, const std::string& payload, const core::RectMm& symbol_mm) {
  ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
  writer.setEccLevel(kAnchorEccLevel).setMargin(0);
  ZXing::BitMatrix bits = writer.encode(payload, 0, 0);
  int n = bits.width();
  if (n <= 0 || bits.height() != n) throw std::logic_error("QR encoder returned an empty symbol");
  double module = symbol_mm.w / n;
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int y = 0; y < n; ++y) {
    int x = 0;
    while (x < n) {
      if (!bits.get(x, y)) {
        ++x;
        continue;
      }
      int start = x;
      while (x < n && bits.get(x, y)) ++x;
      cairo_rectangle(cr, Pt(symbol_mm.x + start * module), Pt(symbol_mm.y + y * module),
                      Pt((x - start) * module), Pt(module));
    }
  }
  cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
  cairo_fill(cr);
}

}  // namespace

std::string FormatSerial(core::Serial serial) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%07lld", static_cast<long long>(serial));
  return buf;
}

core::Status RenderPdf(const Template& tpl, const std::filesystem::path& pdf_path,
                       const RenderOptions& options) {
  if (!options.unit_labels.empty() && options.unit_labels.size() != options.serials.size())
    throw std::invalid_argument("RenderPdf: unit_labels must be empty or one per serial");
  internal::FormPlan plan = internal::PlanForm(tpl, options.layout);
  if (!plan.problems.empty())
    return core::MakeError("invalid", "template " + tpl.id + " cannot be printed: " +
                                          plan.problems.front().ToString());
  std::vector<core::Serial> serials = options.serials;
  if (serials.empty()) serials.push_back(0);

  cairo_surface_t* surface =
      cairo_pdf_surface_create(pdf_path.c_str(), Pt(tpl.paper.width_mm), Pt(tpl.paper.height_mm));
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    std::string why = cairo_status_to_string(cairo_surface_status(surface));
    cairo_surface_destroy(surface);
    return core::MakeError("io", pdf_path.string() + ": cannot create PDF (" + why + ")");
  }
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, tpl.title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Phiếu");
  std::string subject = tpl.id + " v" + std::to_string(tpl.version);
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, subject.c_str());
  cairo_t* cr = cairo_create(surface);
  {
    internal::TextEngine text(cr);
    for (size_t copy = 0; copy < serials.size(); ++copy) {
      core::Serial serial = serials[copy];
      for (size_t i = 0; i < plan.pages.size(); ++i) {
        const internal::PagePlan& page = plan.pages[i];
        const PageLayout& page_layout = plan.layout.pages[i];
        for (const auto& s : page.shapes) DrawShape(cr, s);
        for (const auto& t : page.texts) text.Draw(t);
        internal::TextBlock serial_text = page.serial_slot;
        serial_text.text = "Số phiếu: " + FormatSerial(serial);
        text.Draw(serial_text);
        if (!options.unit_labels.empty() && !options.unit_labels[copy].empty()) {
          internal::TextBlock unit = page.unit_slot;
          unit.text = "Đơn vị: " + options.unit_labels[copy];
          text.Draw(unit);
        }
        text.Draw(page.page_slot);
        for (const auto& anchor : page_layout.anchors) {
          AnchorPayload payload{core::PageKey{tpl.id, tpl.version, page_layout.page, serial}, anchor.corner};
          DrawQr(cr, EncodeAnchorPayload(payload), anchor.symbol_mm);
        }
        cairo_show_page(cr);
      }
    }
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  cairo_status_t status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    return core::MakeError("io", pdf_path.string() + ": writing PDF failed (" +
                                     cairo_status_to_string(status) + ")");
  return {};
}

std::filesystem::path BundledTemplatesDir() {
  if (const char* env = std::getenv("PHIEU_TEMPLATES_DIR"); env != nullptr && *env != '\0')
    return std::filesystem::path(env);
  // Installed layout: <prefix>/bin/phieu next to <prefix>/share/phieu/templates.
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "phieu" / "templates";
    if (std::filesystem::is_directory(installed, ec)) return installed;
  }
  return std::filesystem::path(PHIEU_SOURCE_TEMPLATES_DIR);
}

}  // namespace phieu::templates

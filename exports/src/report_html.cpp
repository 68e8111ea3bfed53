// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// The report as one self-contained HTML page (no script, no external file): tables and SVG
// charts drawn here from the report document.
#include <algorithm>
#include <sstream>

#include "report_document.h"

namespace phieu::exports {
namespace {

using internal::Block;

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

/// At most `n` characters (code points), with "…" when cut.
std::string Shorten(const std::string& s, size_t n) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == n) return s.substr(0, i) + "…";
      ++chars;
    }
  }
  return s;
}

constexpr int kWidth = 820, kLabelW = 300, kBarW = 420;

void Legend(std::ostringstream& o, const Block& b, bool diverging, int& y) {
  int x = kLabelW;
  for (size_t s = 0; s < b.series.size(); ++s) {
    int w = 24 + 7 * static_cast<int>(std::min<size_t>(b.series[s].size(), 40));
    if (x + w > kWidth) {
      x = kLabelW;
      y += 18;
    }
    o << "<rect x='" << x << "' y='" << y << "' width='12' height='12' fill='"
      << internal::SeriesColour(s, b.series.size(), diverging) << "'/>"
      << "<text x='" << x + 16 << "' y='" << y + 10 << "'>" << Esc(Shorten(b.series[s], 40)) << "</text>";
    x += w;
  }
  y += 24;
}

std::string BarsSvg(const Block& b) {
  std::ostringstream o;
  const size_t n = std::max<size_t>(1, b.series.size());
  const int bar_h = n == 1 ? 16 : 9, group_gap = 8;
  int y = 4;
  std::ostringstream body;
  if (n > 1) Legend(body, b, false, y);
  for (size_t i = 0; i < b.labels.size(); ++i) {
    int group_h = static_cast<int>(n) * bar_h;
    body << "<text x='" << kLabelW - 8 << "' y='" << y + group_h / 2 + 4 << "' text-anchor='end'><title>"
         << Esc(b.labels[i]) << "</title>" << Esc(Shorten(b.labels[i], 42)) << "</text>";
    for (size_t s = 0; s < b.values[i].size(); ++s) {
      double v = std::clamp(b.values[i][s], 0.0, b.max);
      int w = static_cast<int>(kBarW * v / b.max + 0.5);
      int by = y + static_cast<int>(s) * bar_h;
      body << "<rect x='" << kLabelW << "' y='" << by << "' width='" << w << "' height='" << bar_h - 1
           << "' fill='" << internal::SeriesColour(s, n, false) << "'><title>"
           << Esc(s < b.series.size() ? b.series[s] : "") << ": " << internal::FormatPct(b.values[i][s])
           << b.suffix << "</title></rect>"
           << "<text x='" << kLabelW + w + 4 << "' y='" << by + bar_h - 2 << "' class='v'>"
           << internal::FormatPct(b.values[i][s]) << b.suffix << "</text>";
    }
    y += group_h + group_gap;
  }
  // Axis: 0, half, max.
  body << "<line x1='" << kLabelW << "' y1='0' x2='" << kLabelW << "' y2='" << y << "' stroke='#444'/>";
  for (int k = 0; k <= 4; ++k) {
    int x = kLabelW + kBarW * k / 4;
    body << "<text x='" << x << "' y='" << y + 12 << "' text-anchor='middle' class='v'>"
         << internal::FormatPct(b.max * k / 4) << "</text>";
  }
  y += 18;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kWidth << "' height='" << y
    << "' role='img'>" << body.str() << "</svg>";
  return o.str();
}

std::string StackedSvg(const Block& b) {
  std::ostringstream body;
  int y = 4;
  Legend(body, b, true, y);
  for (size_t i = 0; i < b.labels.size(); ++i) {
    double total = 0;
    for (double v : b.values[i]) total += v;
    body << "<text x='" << kLabelW - 8 << "' y='" << y + 13 << "' text-anchor='end'><title>"
         << Esc(b.labels[i]) << "</title>" << Esc(Shorten(b.labels[i], 42)) << "</text>";
    double x = kLabelW;
    for (size_t s = 0; s < b.values[i].size(); ++s) {
      double w = total > 0 ? kBarW * b.values[i][s] / total : 0;
      if (w <= 0) continue;
      body << "<rect x='" << x << "' y='" << y << "' width='" << w << "' height='18' fill='"
           << internal::SeriesColour(s, b.values[i].size(), true) << "'><title>"
           << Esc(b.series[s]) << ": " << static_cast<long long>(b.values[i][s]) << " ("
           << internal::FormatPct(100.0 * b.values[i][s] / total) << "%)</title></rect>";
      if (w > 30)
        body << "<text x='" << x + w / 2 << "' y='" << y + 13 << "' text-anchor='middle' class='v'>"
             << internal::FormatPct(100.0 * b.values[i][s] / total) << "</text>";
      x += w;
    }
    body << "<text x='" << kLabelW + kBarW + 6 << "' y='" << y + 13 << "' class='v'>n = "
         << static_cast<long long>(total) << "</text>";
    y += 26;
  }
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kWidth << "' height='" << y
    << "' role='img'>" << body.str() << "</svg>";
  return o.str();
}

}  // namespace

std::string ReportToHtml(const Report& report) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang='vi'><head><meta charset='utf-8'>"
       "<title>Báo cáo chỉ số hài lòng – " << Esc(report.template_title) << "</title><style>"
       "body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;font-size:14px;margin:24px auto;"
       "max-width:900px;color:#222}h1{font-size:24px}h2{font-size:19px;border-bottom:1px solid #ccc;"
       "padding-bottom:4px;margin-top:28px}h3{font-size:16px}table{border-collapse:collapse;margin:8px 0}"
       "td,th{border:1px solid #bbb;padding:3px 8px;text-align:left}th{background:#eef}"
       "td:not(:first-child){white-space:nowrap}svg{font-family:inherit;font-size:12px;display:block;margin:6px 0}"
       "svg .v{font-size:11px;fill:#333}figure{margin:10px 0}figcaption{font-weight:bold;font-size:13px}"
       "</style></head><body>\n";
  for (const Block& b : internal::BuildReportDocument(report)) {
    switch (b.kind) {
      case Block::Kind::kHeading:
        o << "<h" << b.level << ">" << Esc(b.text) << "</h" << b.level << ">\n";
        break;
      case Block::Kind::kParagraph:
        o << "<p>" << Esc(b.text) << "</p>\n";
        break;
      case Block::Kind::kTable:
        o << "<table><tr>";
        for (const auto& h : b.headers) o << "<th>" << Esc(h) << "</th>";
        o << "</tr>\n";
        for (const auto& row : b.rows) {
          o << "<tr>";
          for (const auto& c : row) o << "<td>" << Esc(c) << "</td>";
          o << "</tr>\n";
        }
        o << "</table>\n";
        break;
      case Block::Kind::kBars:
        o << "<figure><figcaption>" << Esc(b.text) << "</figcaption>" << BarsSvg(b) << "</figure>\n";
        break;
      case Block::Kind::kStacked:
        o << "<figure><figcaption>" << Esc(b.text) << "</figcaption>" << StackedSvg(b) << "</figure>\n";
        break;
    }
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace phieu::exports

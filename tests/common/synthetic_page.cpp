// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "common/synthetic_page.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/scan_damage.h"
#include "templates/anchor_payload.h"

namespace phieu::testing {
namespace {

constexpr int kShift = 4;  // cv drawing fractional bits
constexpr double kPi = 3.14159265358979323846;

double U(std::mt19937& rng, double a, double b) {
  return std::uniform_real_distribution<double>(a, b)(rng);
}

}  // namespace

BoxState TruthOf(Mark mark) {
  switch (mark) {
    case Mark::kNone:
    case Mark::kSpeck: return BoxState::kEmpty;
    case Mark::kFill:
    case Mark::kFillOverCross: return BoxState::kCancelled;
    default: return BoxState::kMarked;
  }
}

bool IsAmbiguous(Mark mark) { return mark == Mark::kPenTouch || mark == Mark::kErasedTick; }

const char* MarkName(Mark mark) {
  switch (mark) {
    case Mark::kNone: return "none";
    case Mark::kSpeck: return "speck";
    case Mark::kTick: return "tick";
    case Mark::kCross: return "cross";
    case Mark::kDot: return "dot";
    case Mark::kSlash: return "slash";
    case Mark::kScribble: return "scribble";
    case Mark::kShading: return "shading";
    case Mark::kFill: return "fill";
    case Mark::kFillOverCross: return "fill-over-cross";
    case Mark::kOverflowTick: return "overflow-tick";
    case Mark::kCircle: return "circle";
    case Mark::kCornerTick: return "corner-tick";
    case Mark::kFeltTick: return "felt-tick";
    case Mark::kFeltCross: return "felt-cross";
    case Mark::kHugeCross: return "huge-cross";
    case Mark::kPenTouch: return "pen-touch";
    case Mark::kErasedTick: return "erased-tick";
  }
  return "?";
}

SyntheticPage::SyntheticPage(const ScanSetup& setup, double width_mm, double height_mm)
    : setup_(setup), px_per_mm_(kDpi / core::kMmPerInch) {
  raster_ = cv::Mat(static_cast<int>(std::lround(height_mm * px_per_mm_)),
                    static_cast<int>(std::lround(width_mm * px_per_mm_)), CV_8UC1,
                    cv::Scalar(setup.paper));
  std::mt19937 rng(setup.seed * 7919u + 13u);
  phase_x_ = U(rng, 0, 2 * kPi);
  phase_y_ = U(rng, 0, 2 * kPi);
}

core::PointMm SyntheticPage::Distort(core::PointMm p) const {
  // Smooth paper distortion (stretch, cockle) with wavelengths of 15-25 cm.
  const double a = setup_.local_shift_mm;
  return {p.x + a * std::sin(2 * kPi * p.y / 230.0 + phase_x_) * std::cos(2 * kPi * p.x / 310.0),
          p.y + a * std::sin(2 * kPi * p.x / 170.0 + phase_y_) * std::cos(2 * kPi * p.y / 260.0)};
}

core::RectMm SyntheticPage::Printed(const core::RectMm& box_mm) const {
  core::PointMm c = Distort({box_mm.x + box_mm.w / 2, box_mm.y + box_mm.h / 2});
  return {c.x - box_mm.w / 2, c.y - box_mm.h / 2, box_mm.w, box_mm.h};
}

cv::Point SyntheticPage::Px(core::PointMm p) const {
  return {static_cast<int>(std::lround(p.x * px_per_mm_ * (1 << kShift))),
          static_cast<int>(std::lround(p.y * px_per_mm_ * (1 << kShift)))};
}

int SyntheticPage::Thickness(double mm) const {
  return std::max(1, static_cast<int>(std::lround(mm * px_per_mm_)));
}

void SyntheticPage::Line(core::PointMm a, core::PointMm b, const Pen& pen) {
  cv::line(raster_, Px(a), Px(b), cv::Scalar(pen.gray), Thickness(pen.width_mm), cv::LINE_AA, kShift);
}

void SyntheticPage::Polyline(const std::vector<core::PointMm>& pts, const Pen& pen) {
  for (size_t i = 1; i < pts.size(); ++i) Line(pts[i - 1], pts[i], pen);
}

void SyntheticPage::FillPolygon(const std::vector<core::PointMm>& pts, int gray) {
  std::vector<cv::Point> p;
  for (const auto& q : pts) p.push_back(Px(q));
  cv::fillPoly(raster_, std::vector<std::vector<cv::Point>>{p}, cv::Scalar(gray), cv::LINE_AA, kShift);
}

void SyntheticPage::Disc(core::PointMm c, double d, int gray) {
  cv::circle(raster_, Px(c), static_cast<int>(std::lround(d / 2 * px_per_mm_ * (1 << kShift))),
             cv::Scalar(gray), cv::FILLED, cv::LINE_AA, kShift);
}

void SyntheticPage::Smudge(core::PointMm c, double radius_mm, int darkness) {
  const int r = static_cast<int>(std::ceil(radius_mm * 2 * px_per_mm_));
  const double cx = c.x * px_per_mm_, cy = c.y * px_per_mm_, s = radius_mm * px_per_mm_;
  for (int y = static_cast<int>(cy) - r; y <= static_cast<int>(cy) + r; ++y)
    for (int x = static_cast<int>(cx) - r; x <= static_cast<int>(cx) + r; ++x) {
      if (x < 0 || y < 0 || x >= raster_.cols || y >= raster_.rows) continue;
      double g = std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s));
      uchar& v = raster_.at<uchar>(y, x);
      v = cv::saturate_cast<uchar>(v - darkness * g);
    }
}

void SyntheticPage::Stain(core::PointMm c, double radius_mm, double darkness, double edge_mm, double rim,
                          std::mt19937& rng) {
  std::uniform_real_distribution<double> phase(0.0, 2 * M_PI), amp(0.04, 0.08);
  const int harmonics[] = {2, 3, 5};
  double a[3], ph[3];
  for (int k = 0; k < 3; ++k) a[k] = amp(rng), ph[k] = phase(rng);
  const double reach = radius_mm * 1.3 + 3 * edge_mm;
  const int x0 = std::max(0, static_cast<int>((c.x - reach) * px_per_mm_));
  const int x1 = std::min(raster_.cols - 1, static_cast<int>((c.x + reach) * px_per_mm_));
  const int y0 = std::max(0, static_cast<int>((c.y - reach) * px_per_mm_));
  const int y1 = std::min(raster_.rows - 1, static_cast<int>((c.y + reach) * px_per_mm_));
  for (int y = y0; y <= y1; ++y) {
    uchar* row = raster_.ptr<uchar>(y);
    for (int x = x0; x <= x1; ++x) {
      const double dx = x / px_per_mm_ - c.x, dy = y / px_per_mm_ - c.y;
      const double t = std::atan2(dy, dx);
      double r = radius_mm;
      for (int k = 0; k < 3; ++k) r += radius_mm * a[k] * std::sin(harmonics[k] * t + ph[k]);
      const double s = std::hypot(dx, dy) - r;  // mm outside the outline
      const double inside = 1.0 / (1.0 + std::exp(4.0 * s / edge_mm));
      const double f = 1.0 - darkness * inside - rim * std::exp(-0.5 * (s / 0.5) * (s / 0.5));
      row[x] = cv::saturate_cast<uchar>(row[x] * std::max(0.0, f));
    }
  }
}

void SyntheticPage::Crease(core::PointMm a, core::PointMm b, double darkness, double half_width_mm, double shadow,
                           double shadow_mm) {
  const double ux = b.x - a.x, uy = b.y - a.y, len = std::hypot(ux, uy);
  const double nx = -uy / len, ny = ux / len;
  for (int y = 0; y < raster_.rows; ++y) {
    uchar* row = raster_.ptr<uchar>(y);
    for (int x = 0; x < raster_.cols; ++x) {
      const double d = (x / px_per_mm_ - a.x) * nx + (y / px_per_mm_ - a.y) * ny;  // mm
      double f = 1.0 - darkness * std::exp(-0.5 * (d / half_width_mm) * (d / half_width_mm));
      if (shadow > 0 && d > 0) f *= 1.0 - shadow * std::exp(-d / shadow_mm);
      row[x] = cv::saturate_cast<uchar>(row[x] * f);
    }
  }
}

void SyntheticPage::ShowThrough(const SyntheticPage& back, double strength, double blur_mm) {
  cv::Mat dark;
  back.raster_.convertTo(dark, CV_32F, -1.0, 255.0);  // ink darkness in gray levels
  cv::flip(dark, dark, 1);
  if (dark.size() != raster_.size()) cv::resize(dark, dark, raster_.size());
  cv::GaussianBlur(dark, dark, cv::Size(0, 0), blur_mm * px_per_mm_);
  for (int y = 0; y < raster_.rows; ++y) {
    uchar* row = raster_.ptr<uchar>(y);
    const float* d = dark.ptr<float>(y);
    for (int x = 0; x < raster_.cols; ++x) row[x] = cv::saturate_cast<uchar>(row[x] - strength * d[x]);
  }
}

void SyntheticPage::PrintTextLine(const core::RectMm& line_mm) {
  const Pen glyph{0.45, 10};
  const core::RectMm r = Printed(line_mm);
  const double top = r.y + 0.1 * r.h, base = r.bottom() - 0.15 * r.h;
  // Bold letters 1.5 mm apart: a stem, a diagonal and a bar, like a heading's sans-serif.
  for (double x = r.x + 0.3; x + 1.2 <= r.right(); x += 1.5) {
    Line({x, top}, {x, base}, glyph);
    Line({x, (top + base) / 2}, {x + 1.0, base}, glyph);
    Line({x, base}, {x + 1.0, base}, glyph);
  }
}

void SyntheticPage::PrintBox(const core::RectMm& box_mm) {
  core::RectMm b = Printed(box_mm);
  Pen print{0.3, 15};
  Polyline({{b.x, b.y}, {b.right(), b.y}, {b.right(), b.bottom()}, {b.x, b.bottom()}, {b.x, b.y}},
           print);
}

void SyntheticPage::PrintGridRules(const templates::Layout& layout, double gap_mm) {
  const Pen rule{0.2, 60};
  for (const auto& f : layout.fields) {
    if (f.options.empty()) continue;
    const core::RectMm& first = f.options.front().box_mm;
    const core::RectMm& last = f.options.back().box_mm;
    const double x0 = first.x - 15.0, x1 = last.right() + 8.0;
    for (double y : {first.y - gap_mm, first.bottom() + gap_mm})
      Line(Distort({x0, y}), Distort({x1, y}), rule);
    for (size_t i = 1; i < f.options.size(); ++i) {
      const double x = 0.5 * (f.options[i - 1].box_mm.right() + f.options[i].box_mm.x);
      Line(Distort({x, first.y - gap_mm}), Distort({x, first.bottom() + gap_mm}), rule);
    }
  }
}

void SyntheticPage::BreakOutline(const core::RectMm& box_mm, std::mt19937& rng) {
  const core::RectMm b = Printed(box_mm);
  const Pen eraser{0.6, setup_.paper};
  for (int k = 0; k < 4; ++k) {
    const double t = U(rng, 0.15, 0.85), len = U(rng, 0.4, 1.0);
    switch (k) {
      case 0: Line({b.x + t * b.w, b.y}, {b.x + t * b.w + len, b.y}, eraser); break;
      case 1: Line({b.x + t * b.w, b.bottom()}, {b.x + t * b.w + len, b.bottom()}, eraser); break;
      case 2: Line({b.x, b.y + t * b.h}, {b.x, b.y + t * b.h + len}, eraser); break;
      default: Line({b.right(), b.y + t * b.h}, {b.right(), b.y + t * b.h + len}, eraser); break;
    }
  }
}

void SyntheticPage::PrintLayout(const templates::Layout& layout) {
  for (const auto& f : layout.fields) {
    for (const auto& o : f.options) PrintBox(o.box_mm);
    for (const auto& c : f.cells_mm) PrintBox(c);
    if (f.kind == core::FieldKind::kText && f.area_mm.w > 0) {
      PrintBox(f.area_mm);
      // Ruled writing lines, evenly spaced.
      for (int i = 1; i <= f.lines; ++i) {
        double y = f.area_mm.y + f.area_mm.h * i / (f.lines + 1);
        core::PointMm a = Distort({f.area_mm.x + 2, y}), b = Distort({f.area_mm.right() - 2, y});
        Line(a, b, Pen{0.2, 120});
      }
    }
  }
}

void SyntheticPage::Write(core::PointMm baseline_left, const std::string& text, double height_mm, const Pen& pen) {
  const core::PointMm at = Distort(baseline_left);
  const int font = cv::FONT_HERSHEY_SCRIPT_SIMPLEX;
  const double scale = cv::getFontScaleFromHeight(font, static_cast<int>(std::lround(height_mm * px_per_mm_)));
  cv::putText(raster_, text, {static_cast<int>(std::lround(at.x * px_per_mm_)), static_cast<int>(std::lround(at.y * px_per_mm_))},
              font, scale, cv::Scalar(pen.gray), Thickness(pen.width_mm), cv::LINE_AA);
}

void SyntheticPage::Scribble(const core::RectMm& area, const Pen& pen, std::mt19937& rng, int strokes) {
  core::RectMm a = Printed(area);
  for (int s = 0; s < strokes; ++s) {
    double x = U(rng, a.x + 1, a.right() - 4), y = U(rng, a.y + 1.5, a.bottom() - 1.5);
    std::vector<core::PointMm> pts;
    for (int k = 0; k < 6; ++k) pts.push_back({x + k * 0.6, y + U(rng, -1.2, 1.2)});
    Polyline(pts, pen);
  }
}

void SyntheticPage::DrawMark(const core::RectMm& box_mm, Mark mark, const Pen& pen, std::mt19937& rng) {
  const core::RectMm b = Printed(box_mm);
  const double w = b.w, h = b.h;
  auto at = [&](double fx, double fy) { return core::PointMm{b.x + fx * w, b.y + fy * h}; };
  auto j = [&](double s) { return U(rng, -s, s); };
  switch (mark) {
    case Mark::kNone: break;
    case Mark::kSpeck: {
      Disc(at(U(rng, 0.25, 0.75), U(rng, 0.25, 0.75)), U(rng, 0.1, 0.35), static_cast<int>(U(rng, 0, 60)));
      break;
    }
    case Mark::kTick: {
      Polyline({at(0.15 + j(0.08), 0.5 + j(0.1)), at(0.4 + j(0.08), 0.85 + j(0.07)),
                at(0.95 + j(0.12), 0.05 + j(0.12))}, pen);
      break;
    }
    case Mark::kCross: {
      Line(at(0.12 + j(0.1), 0.12 + j(0.1)), at(0.88 + j(0.1), 0.88 + j(0.1)), pen);
      Line(at(0.88 + j(0.1), 0.12 + j(0.1)), at(0.12 + j(0.1), 0.88 + j(0.1)), pen);
      break;
    }
    case Mark::kDot: {
      int g = std::min(pen.gray, 60);  // a dot is pressed: pen ink, never a faint touch
      Disc(at(0.5 + j(0.12), 0.5 + j(0.12)), U(rng, 1.0, 1.8), g);
      break;
    }
    case Mark::kSlash: {
      double len = U(rng, 0.5, 0.75);
      core::PointMm c = at(0.5 + j(0.1), 0.5 + j(0.1));
      double ang = U(rng, 0.6, 1.1);
      Line({c.x - len * w / 2 * std::cos(ang), c.y + len * h / 2 * std::sin(ang)},
           {c.x + len * w / 2 * std::cos(ang), c.y - len * h / 2 * std::sin(ang)}, pen);
      break;
    }
    case Mark::kScribble: {
      std::vector<core::PointMm> pts;
      int n = static_cast<int>(U(rng, 5, 10));
      for (int i = 0; i < n; ++i) pts.push_back(at(U(rng, 0.15, 0.85), U(rng, 0.15, 0.85)));
      Polyline(pts, pen);
      break;
    }
    case Mark::kShading: {
      // Perpendicular spacing 1.0-1.5 mm between strokes of at most 0.5 mm.
      double pitch = U(rng, 1.0, 1.5) * std::sqrt(2.0);
      Pen p{std::min(pen.width_mm, 0.5), pen.gray};
      for (double t = -w + j(0.5); t < w; t += pitch) {
        // 45-degree hatching clipped to the inside of the box.
        double x0 = std::max(0.0, t), x1 = std::min(w, t + h);
        if (x1 - x0 < 0.5) continue;
        Line({b.x + x0 + 0.3, b.y + h - (x0 - t) - 0.3}, {b.x + x1 - 0.3, b.y + h - (x1 - t) + 0.3}, p);
      }
      break;
    }
    case Mark::kFillOverCross:
      DrawMark(box_mm, Mark::kCross, pen, rng);
      [[fallthrough]];
    case Mark::kFill: {
      int g = std::min(pen.gray, 50);
      double o = 0.25;
      FillPolygon({{b.x - o + j(0.3), b.y - o + j(0.3)}, {b.right() + o + j(0.3), b.y - o + j(0.3)},
                   {b.right() + o + j(0.3), b.bottom() + o + j(0.3)}, {b.x - o + j(0.3), b.bottom() + o + j(0.3)}},
                  g);
      break;
    }
    case Mark::kOverflowTick: {
      Polyline({at(0.25 + j(0.05), 0.55 + j(0.05)), at(0.5 + j(0.05), 0.85 + j(0.05)),
                at(1.6 + j(0.2), -0.7 + j(0.2))}, pen);
      break;
    }
    case Mark::kCornerTick: {
      // Corner chosen at random; the tick's 1.5-2 mm frame starts 0.4-0.7 mm from the lines.
      const double size = U(rng, 1.5, 2.0) / w, m = U(rng, 0.4, 0.7) / w;
      const double ox = rng() % 2 ? m : 1.0 - m - size, oy = rng() % 2 ? m : 1.0 - m - size;
      Polyline({at(ox, oy + 0.5 * size), at(ox + 0.35 * size, oy + size), at(ox + size, oy)}, pen);
      break;
    }
    case Mark::kFeltTick: {
      Pen felt{U(rng, 1.1, 1.5), std::min(pen.gray, 40)};
      Polyline({at(0.1 + j(0.08), 0.45 + j(0.1)), at(0.4 + j(0.08), 0.9 + j(0.06)),
                at(1.3 + j(0.15), -0.3 + j(0.15))}, felt);
      break;
    }
    case Mark::kFeltCross: {
      Pen felt{U(rng, 0.9, 1.2), std::min(pen.gray, 40)};
      Line(at(-0.1 + j(0.1), -0.1 + j(0.1)), at(1.1 + j(0.1), 1.1 + j(0.1)), felt);
      Line(at(1.1 + j(0.1), -0.1 + j(0.1)), at(-0.1 + j(0.1), 1.1 + j(0.1)), felt);
      break;
    }
    case Mark::kHugeCross: {
      const double o = U(rng, 0.4, 0.6);  // 2-3 mm past the 5 mm box
      Line(at(-o + j(0.1), -o + j(0.1)), at(1 + o + j(0.1), 1 + o + j(0.1)), pen);
      Line(at(1 + o + j(0.1), -o + j(0.1)), at(-o + j(0.1), 1 + o + j(0.1)), pen);
      break;
    }
    case Mark::kPenTouch: {
      Disc(at(U(rng, 0.3, 0.7), U(rng, 0.3, 0.7)), U(rng, 0.45, 0.6), std::min(pen.gray, 40));
      break;
    }
    case Mark::kErasedTick: {
      // What rubbing leaves of a pencil tick: graphite smeared into soft grey blots along
      // parts of the stroke, a few gray levels under the paper.
      std::vector<core::PointMm> pts = {at(0.15 + j(0.08), 0.5 + j(0.1)), at(0.4 + j(0.08), 0.85 + j(0.07)),
                                        at(0.9 + j(0.08), 0.1 + j(0.08))};
      for (size_t i = 1; i < pts.size(); ++i)
        for (double t = 0.0; t <= 1.0; t += 0.12)
          if (rng() % 4)
            Smudge({pts[i - 1].x + t * (pts[i].x - pts[i - 1].x), pts[i - 1].y + t * (pts[i].y - pts[i - 1].y)},
                   U(rng, 0.15, 0.25), static_cast<int>(U(rng, 14, 22)));
      break;
    }
    case Mark::kCircle: {
      core::PointMm c = at(0.5, 0.5);
      double r = U(rng, 3.9, 4.4);
      std::vector<core::PointMm> pts;
      for (int i = 0; i <= 40; ++i)
        pts.push_back({c.x + r * std::cos(i * 2 * kPi / 40) + j(0.1), c.y + r * 0.9 * std::sin(i * 2 * kPi / 40)});
      Polyline(pts, pen);
      break;
    }
  }
}

void SyntheticPage::Scan(scanner::Scan* scan, scanner::AlignedPage* page, int page_no) const {
  const cv::Point2d c(raster_.cols / 2.0, raster_.rows / 2.0);
  const double th = setup_.rotation_deg * kPi / 180.0, s = setup_.scale;
  // page px -> scan px: rotate and scale about the page centre, then offset.
  cv::Matx33d a(s * std::cos(th), -s * std::sin(th), 0, s * std::sin(th), s * std::cos(th), 0, 0, 0, 1);
  cv::Matx33d to_c(1, 0, -c.x, 0, 1, -c.y, 0, 0, 1);
  cv::Matx33d back(1, 0, c.x + setup_.offset_px.x, 0, 1, c.y + setup_.offset_px.y, 0, 0, 1);
  cv::Matx33d page_to_scan = back * a * to_c;
  // The paper is already in the raster: the scan adds only the scanner's damage.
  const Damage damage{.blur_sigma = setup_.blur_sigma_px, .noise_sigma = setup_.noise_sigma,
                      .jpeg_quality = setup_.jpeg_quality, .binarise = setup_.binarize, .seed = setup_.seed};
  scan->gray = MakeScan(raster_, page_to_scan, raster_.size(), damage, setup_.paper);
  scan->dpi = kDpi;
  page->status = scanner::AlignStatus::kOk;
  page->key = {"synthetic", 1, page_no, 1};
  page->mm_to_px = page_to_scan * cv::Matx33d(px_per_mm_, 0, 0, 0, px_per_mm_, 0, 0, 0, 1);
  page->px_per_mm = px_per_mm_ * s;
  page->anchors_found = 4;
}

templates::Layout GridLayout(int rows, int cols, double pitch_x, double pitch_y, double x0, double y0) {
  templates::Layout layout;
  layout.template_id = "synthetic";
  layout.pages.push_back({});
  for (int r = 0; r < rows; ++r) {
    templates::FieldLayout f;
    f.id = "r" + std::to_string(r + 1);
    f.kind = core::FieldKind::kScale;
    f.question_id = "grid";
    for (int c = 0; c < cols; ++c) {
      std::string v = std::to_string(c + 1);
      f.options.push_back({v, v, true, {x0 + c * pitch_x, y0 + r * pitch_y, 5.0, 5.0}});
    }
    // PrintGridRules: from 15 mm left of the first box to 8 mm right of the last, 1.2 mm above
    // and below the boxes.
    const double gap = 1.2;
    f.area_mm = {x0 - 15.0, y0 + r * pitch_y - gap, (cols - 1) * pitch_x + 5.0 + 23.0, 5.0 + 2 * gap};
    layout.fields.push_back(std::move(f));
  }
  return layout;
}

// ---------------------------------------------------------------------------------------------
// Scanning and anchored pages.

templates::Layout MakeLayout(const std::string& id, int version, int pages) {
  templates::Layout layout;
  layout.template_id = id;
  layout.version = version;
  for (int p = 1; p <= pages; ++p) {
    templates::PageLayout page;
    page.page = p;
    const double far_x = page.width_mm - kAnchorInsetMm - kAnchorSizeMm;
    const double far_y = page.height_mm - kAnchorInsetMm - kAnchorSizeMm;
    page.anchors = {
        {templates::kTopLeft, {kAnchorInsetMm, kAnchorInsetMm, kAnchorSizeMm, kAnchorSizeMm}},
        {templates::kTopRight, {far_x, kAnchorInsetMm, kAnchorSizeMm, kAnchorSizeMm}},
        {templates::kBottomRight, {far_x, far_y, kAnchorSizeMm, kAnchorSizeMm}},
        {templates::kBottomLeft, {kAnchorInsetMm, far_y, kAnchorSizeMm, kAnchorSizeMm}},
    };
    layout.pages.push_back(page);
    for (int q = 0; q < 6; ++q) {
      templates::FieldLayout f;
      f.id = "p" + std::to_string(p) + "q" + std::to_string(q);
      f.page = p;
      for (int o = 0; o < 5; ++o)
        f.options.push_back({std::to_string(o + 1), "", true,
                             {40.0 + 28.0 * o, 60.0 + 35.0 * q, 5.0, 5.0}});
      layout.fields.push_back(f);
    }
  }
  return layout;
}

namespace {

void DrawQr(cv::Mat& img, const std::string& text, const core::RectMm& r, double s) {
  ZXing::MultiFormatWriter writer(ZXing::BarcodeFormat::QRCode);
  writer.setEccLevel(4).setMargin(0);  // ECC M
  ZXing::BitMatrix bm = writer.encode(text, 0, 0);
  const int n = bm.width();
  // Nearest sampling of the module grid at each pixel centre (edge coordinate i + 0.5).
  const double x0 = r.x * s, y0 = r.y * s, module = r.w * s / n;
  for (int py = static_cast<int>(std::floor(y0)); py <= static_cast<int>(std::ceil(y0 + r.h * s)); ++py) {
    if (py < 0 || py >= img.rows) continue;
    int my = static_cast<int>(std::floor((py + 0.5 - y0) / module));
    if (my < 0 || my >= n) continue;
    for (int px = static_cast<int>(std::floor(x0)); px <= static_cast<int>(std::ceil(x0 + r.w * s)); ++px) {
      if (px < 0 || px >= img.cols) continue;
      int mx = static_cast<int>(std::floor((px + 0.5 - x0) / module));
      if (mx < 0 || mx >= n) continue;
      if (bm.get(mx, my)) img.at<unsigned char>(py, px) = 0;
    }
  }
}

}  // namespace

cv::Mat RenderPage(const templates::PageLayout& page, const core::PageKey& key, double dpi,
                   const PageArt& art) {
  const double s = dpi / 25.4;
  cv::Mat img(static_cast<int>(std::lround(page.height_mm * s)),
              static_cast<int>(std::lround(page.width_mm * s)), CV_8UC1, cv::Scalar(255));
  auto px = [&](double mm) { return mm * s - 0.5; };
  if (art.clutter) {
    const int thick = std::max(1, static_cast<int>(std::lround(0.3 * s)));
    for (int q = 0; q < 6; ++q) {
      cv::putText(img, "Cau hoi " + std::to_string(q + 1) + ": muc do hai long voi dich vu",
                  cv::Point(static_cast<int>(px(40)), static_cast<int>(px(56.0 + 35.0 * q))),
                  cv::FONT_HERSHEY_SIMPLEX, 0.09 * s, cv::Scalar(0), thick);
      for (int o = 0; o < 5; ++o) {
        double x = 40.0 + 28.0 * o, y = 60.0 + 35.0 * q;
        cv::rectangle(img, cv::Point(static_cast<int>(px(x)), static_cast<int>(px(y))),
                      cv::Point(static_cast<int>(px(x + 5)), static_cast<int>(px(y + 5))),
                      cv::Scalar(0), thick);
      }
    }
    cv::putText(img, "PHIEU KHAO SAT", cv::Point(static_cast<int>(px(60)), static_cast<int>(px(30))),
                cv::FONT_HERSHEY_SIMPLEX, 0.2 * s, cv::Scalar(0), thick * 2);
  }
  for (const auto& a : page.anchors) {
    if (!art.foreign_text.empty()) {
      DrawQr(img, art.foreign_text, a.symbol_mm, s);
      continue;
    }
    if (!art.anchors[a.corner]) continue;
    templates::AnchorPayload payload{art.per_corner_keys ? art.keys[a.corner] : key, a.corner};
    DrawQr(img, templates::EncodeAnchorPayload(payload), a.symbol_mm, s);
  }
  return img;
}

cv::Matx33d MakeTransform(cv::Size page_px, const Placement& pl, cv::Size* canvas) {
  const double cx = (page_px.width - 1) / 2.0, cy = (page_px.height - 1) / 2.0;
  const double a = (pl.quarter_turns * 90.0 + pl.skew_deg) * CV_PI / 180.0;
  cv::Matx33d centre(1, 0, -cx, 0, 1, -cy, 0, 0, 1);
  cv::Matx33d scale(pl.scale, pl.shear * pl.scale, 0, 0, pl.scale, 0, 0, 0, 1);
  cv::Matx33d rot(std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1);
  cv::Matx33d keystone(1, 0, 0, 0, 1, 0, pl.perspective / page_px.width, 0, 1);
  cv::Matx33d m = keystone * rot * scale * centre;
  // Bounding box of the transformed page -> shift into a canvas with a margin.
  double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
  for (cv::Point2d c : {cv::Point2d(-0.5, -0.5), cv::Point2d(page_px.width - 0.5, -0.5),
                        cv::Point2d(page_px.width - 0.5, page_px.height - 0.5),
                        cv::Point2d(-0.5, page_px.height - 0.5)}) {
    cv::Point2d p = Apply(m, c);
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  cv::Matx33d shift(1, 0, pl.margin_px - x0, 0, 1, pl.margin_px - y0, 0, 0, 1);
  *canvas = cv::Size(static_cast<int>(std::ceil(x1 - x0 + 2 * pl.margin_px)),
                     static_cast<int>(std::ceil(y1 - y0 + 2 * pl.margin_px)));
  return shift * m;
}

cv::Mat MakeScan(const cv::Mat& page, const cv::Matx33d& page_to_scan, cv::Size canvas,
                 const Damage& d, int border) {
  cv::Mat scan;
  cv::warpPerspective(page, scan, cv::Mat(page_to_scan), canvas, cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar(border));
  if (d.paper_gray < 255) scan.convertTo(scan, CV_8U, d.paper_gray / 255.0);
  if (d.blur_sigma > 0) cv::GaussianBlur(scan, scan, cv::Size(), d.blur_sigma);
  AddGrain(scan, d.noise_sigma, d.seed);
  JpegRoundTrip(scan, d.jpeg_quality);
  if (d.binarise) cv::threshold(scan, scan, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  return scan;
}

cv::Matx33d TrueMmToPx(const cv::Matx33d& page_to_scan, double dpi) {
  const double s = dpi / 25.4;
  return page_to_scan * cv::Matx33d(s, 0, -0.5, 0, s, -0.5, 0, 0, 1);
}

cv::Point2d Apply(const cv::Matx33d& h, cv::Point2d p) {
  cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1.0);
  return {v[0] / v[2], v[1] / v[2]};
}

}  // namespace phieu::testing

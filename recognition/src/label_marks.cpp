// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "label_marks.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "patch_warp.h"

namespace phieu::recognition {
namespace {

/// Sampling: ~150 dpi, where a 0.3 mm ballpoint line is still ~2 px wide.
constexpr double kPpm = 6.0;
/// How far from the label a loop around it is looked for. A hand-drawn loop runs 0.5-2.5 mm
/// outside the text; the next row of options starts ~3.5 mm below.
constexpr double kReachMm = 3.0;
/// Printed elements are masked with this much room for blur, glyph overhang and ~0.3 mm of
/// registration error the box pass does not correct. Above and below a label, less: its rect
/// is the text's line box, which already holds the tallest diacritics with room to spare, and
/// a respondent's loop often runs right along it. Text bleeding into the bands above or below
/// cannot fake a loop, which needs strokes on both sides.
constexpr double kLabelPadMm = 0.45;
constexpr double kLabelPadAboveBelowMm = 0.15;
constexpr double kBoxPadMm = 0.6;
constexpr double kTextPadMm = 0.4;
/// Strokes are dark features narrower than this (a black-hat of this size): ballpoint and
/// pencil lines pass, paper shading, fold shadows and coffee stains do not.
constexpr double kStrokeWidthMm = 1.5;
/// A stroke pixel is this share of the page's paper-to-print contrast darker than its
/// surroundings (light pencil reaches ~0.3).
constexpr float kStrokeContrast = 0.22f;
/// Specks shorter than this are dust or grain, not a pen line.
constexpr double kMinStrokeMm = 1.0;
/// A loop covers at least this share of the label's columns above and below it.
constexpr float kCircledCover = 0.5f;

/// `r` (page mm) in pixels of the patch sampled over `zone`.
cv::Rect ToPx(const core::RectMm& r, const core::RectMm& zone) {
  const int x0 = static_cast<int>(std::floor((r.x - zone.x) * kPpm));
  const int y0 = static_cast<int>(std::floor((r.y - zone.y) * kPpm));
  const int x1 = static_cast<int>(std::ceil((r.right() - zone.x) * kPpm));
  const int y1 = static_cast<int>(std::ceil((r.bottom() - zone.y) * kPpm));
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

/// Share of the columns of `band` holding at least one stroke pixel (0 for an empty band).
float ColumnCover(const cv::Mat& strokes, cv::Rect band) {
  band &= cv::Rect(0, 0, strokes.cols, strokes.rows);
  if (band.area() == 0) return 0.0f;
  cv::Mat any;
  cv::reduce(strokes(band), any, 0, cv::REDUCE_MAX);
  return static_cast<float>(cv::countNonZero(any)) / static_cast<float>(band.width);
}

bool AnyStroke(const cv::Mat& strokes, cv::Rect band) {
  band &= cv::Rect(0, 0, strokes.cols, strokes.rows);
  return band.area() > 0 && cv::countNonZero(strokes(band)) > 0;
}

}  // namespace

std::vector<LabelMark> FindLabelMarks(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                                      const templates::Layout& layout, size_t field,
                                      core::PointMm shift_mm, const PageCalibration& cal) {
  const templates::FieldLayout& f = layout.fields.at(field);
  std::vector<LabelMark> out(f.options.size());
  if (f.kind != core::FieldKind::kSingle && f.kind != core::FieldKind::kMulti) return out;
  core::RectMm zone;
  for (const auto& o : f.options)
    if (!o.label_mm.empty()) zone = core::Union(zone, core::Union(o.box_mm, o.label_mm));
  if (zone.empty()) return out;
  zone = zone.Grown(kReachMm + 0.5);

  core::RectMm at = zone;
  at.x += shift_mm.x;
  at.y += shift_mm.y;
  const cv::Mat gray = WarpPatch(scan_gray, mm_to_px, at, kPpm);

  // Thin dark strokes only: the black-hat is the darkness a pixel has beyond a closing of the
  // patch, i.e. beyond anything wider than the kernel.
  const int k = 2 * static_cast<int>(std::lround(kStrokeWidthMm * kPpm / 2)) + 1;
  cv::Mat hat;
  cv::morphologyEx(gray, hat, cv::MORPH_BLACKHAT, cv::getStructuringElement(cv::MORPH_RECT, {k, k}));
  const float contrast = std::max(cal.white - cal.black, 40.0f);
  const double threshold = contrast * std::max(kStrokeContrast, 4.0f * cal.noise);
  cv::Mat strokes;
  cv::threshold(hat, strokes, threshold, 255, cv::THRESH_BINARY);

  // Everything printed near the options is the form's, not the respondent's.
  const cv::Rect bounds(0, 0, strokes.cols, strokes.rows);
  auto blank = [&](const core::RectMm& r) {
    if (r.empty()) return;
    cv::Rect px = ToPx(r, zone) & bounds;
    if (px.area() > 0) strokes(px).setTo(0);
  };
  for (const templates::FieldLayout& g : layout.fields) {
    if (g.page != f.page) continue;
    blank(g.text_mm.Grown(kTextPadMm));
    for (const auto& o : g.options) {
      blank(o.box_mm.Grown(kBoxPadMm));
      if (!o.label_mm.empty()) blank(o.label_mm.Grown(kLabelPadMm, kLabelPadAboveBelowMm));
    }
    for (const auto& c : g.cells_mm) blank(c.Grown(kBoxPadMm));
    // A grid row's rules and criterion text, a writing area's frame and ruled lines.
    if (g.kind == core::FieldKind::kScale || g.kind == core::FieldKind::kText) blank(g.area_mm.Grown(kBoxPadMm));
  }

  // Dust and grain are specks; a pen line is long.
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(strokes, labels, stats, centroids, 8, CV_32S);
  const int min_len = static_cast<int>(std::lround(kMinStrokeMm * kPpm));
  std::vector<uchar> keep(n, 0);
  for (int i = 1; i < n; ++i)
    keep[i] = std::max(stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)) >= min_len;
  for (int r = 0; r < strokes.rows; ++r) {
    const int* lab = labels.ptr<int>(r);
    uchar* s = strokes.ptr<uchar>(r);
    for (int c = 0; c < strokes.cols; ++c)
      if (s[c] && !keep[lab[c]]) s[c] = 0;
  }

  const int pad = static_cast<int>(std::lround(kLabelPadMm * kPpm));
  const int pad_v = static_cast<int>(std::ceil(kLabelPadAboveBelowMm * kPpm));
  const int reach = static_cast<int>(std::lround(kReachMm * kPpm));
  const int side = static_cast<int>(std::lround(1.0 * kPpm));  // a loop's ends: +-1 mm of the text
  for (size_t i = 0; i < f.options.size(); ++i) {
    const templates::OptionBox& o = f.options[i];
    if (o.label_mm.empty()) continue;
    const cv::Rect label = ToPx(o.label_mm, zone);
    const cv::Rect box = ToPx(o.box_mm, zone);
    LabelMark& m = out[i];
    m.above = ColumnCover(strokes, {label.x, label.y - reach, label.width, reach - pad_v});
    m.below = ColumnCover(strokes, {label.x, label.br().y + pad_v, label.width, reach - pad_v});
    const int rows_top = label.y - side, rows_h = label.height + 2 * side;
    // Left of the label: the strip between it and its box, and left of the box (a loop drawn
    // around box and label together).
    const int left = std::min(box.x, label.x) - reach;
    m.before = AnyStroke(strokes, {left, rows_top, label.x - pad - left, rows_h});
    m.after = AnyStroke(strokes, {label.br().x + pad, rows_top, reach - pad, rows_h});
    m.circled = m.above >= kCircledCover && m.below >= kCircledCover && (m.before || m.after);
  }
  return out;
}

}  // namespace phieu::recognition

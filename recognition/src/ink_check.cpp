// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "ink_check.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "patch_warp.h"

namespace phieu::recognition {
namespace {

/// Handwriting areas are sampled a little coarser than boxes: comment areas are large and a
/// 0.3 mm pen line is still 2 px here.
constexpr double kAreaPxPerMm = 6.0;
/// Components lighter than this (mm^2 of black) are dust or dots of a printed leader line.
constexpr float kSpeckMm2 = 0.12f;
/// Ink totals: below kBlankMm2 the area is blank; the logistic is centred between the two.
constexpr float kBlankMm2 = 0.25f;
constexpr float kInkMm2 = 0.6f;
/// Straight dark runs longer than this are printed rules or borders, not handwriting.
constexpr double kRuleMm = 7.0;

}  // namespace

std::vector<InkBlob> FindInkBlobs(const float* dark, int w, int h, float threshold) {
  return FindInkBlobs(dark, w, h, threshold, threshold);
}

std::vector<InkBlob> FindInkBlobs(const float* dark, int w, int h, float seed, float grow) {
  std::vector<InkBlob> out;
  std::vector<unsigned char> seen(static_cast<size_t>(w) * h, 0);
  std::vector<int> stack;
  for (int i = 0; i < w * h; ++i) {
    if (seen[i] || dark[i] <= seed) continue;
    InkBlob comp;
    float grad = 0.0f;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    stack.assign(1, i);
    seen[i] = 1;
    while (!stack.empty()) {
      int j = stack.back();
      stack.pop_back();
      comp.mass += dark[j];
      comp.peak = std::max(comp.peak, dark[j]);
      ++comp.area;
      int r = j / w, c = j % w;
      sx += c, sy += r, sxx += c * c, syy += r * r, sxy += c * r;
      grad += std::abs(dark[r * w + std::min(c + 1, w - 1)] - dark[r * w + std::max(c - 1, 0)]) +
              std::abs(dark[std::min(r + 1, h - 1) * w + c] - dark[std::max(r - 1, 0) * w + c]);
      for (int rr = std::max(r - 1, 0); rr <= std::min(r + 1, h - 1); ++rr)
        for (int cc = std::max(c - 1, 0); cc <= std::min(c + 1, w - 1); ++cc) {
          int k = rr * w + cc;
          if (!seen[k] && dark[k] > grow) {
            seen[k] = 1;
            stack.push_back(k);
          }
        }
    }
    comp.sharpness = comp.peak > 0.0f ? grad / comp.area / comp.peak : 0.0f;
    const double n = comp.area, mx = sx / n, my = sy / n;
    const double vxx = sxx / n - mx * mx, vyy = syy / n - my * my, vxy = sxy / n - mx * my;
    const double lambda = 0.5 * (vxx + vyy) + std::sqrt(0.25 * (vxx - vyy) * (vxx - vyy) + vxy * vxy);
    // A single pixel still has a 1 px extent.
    comp.length = static_cast<float>(std::sqrt(12.0 * lambda + 1.0));
    out.push_back(comp);
  }
  return out;
}

InkEvidence CheckInk(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                     const core::RectMm& rect_mm, core::PointMm shift_mm,
                     const PageCalibration& cal, double inset_mm, bool remove_rules) {
  InkEvidence ev;
  core::RectMm r{rect_mm.x + shift_mm.x + inset_mm, rect_mm.y + shift_mm.y + inset_mm,
                 rect_mm.w - 2 * inset_mm, rect_mm.h - 2 * inset_mm};
  if (r.w <= 0.5 || r.h <= 0.5) return ev;
  cv::Mat g = WarpPatch(scan_gray, mm_to_px, r, kAreaPxPerMm);
  cv::blur(g, g, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
  const int w = g.cols, h = g.rows;
  const float range = std::max(cal.white - cal.black, 40.0f);
  std::vector<float> dark(static_cast<size_t>(w) * h);
  for (int y = 0; y < h; ++y) {
    const uchar* p = g.ptr<uchar>(y);
    for (int x = 0; x < w; ++x) dark[y * w + x] = std::clamp((cal.white - p[x]) / range, 0.0f, 1.0f);
  }
  if (remove_rules) {
    // Printed rules and borders are long straight runs. Thicken the ink mask across the run
    // first so a rule tilted by a degree or two still forms one unbroken run, keep only runs
    // longer than kRuleMm (handwriting strokes are shorter), widen them over their anti-
    // aliased edges and clear them.
    cv::Mat mask(h, w, CV_8UC1);
    for (int i = 0; i < w * h; ++i) mask.data[i] = dark[i] > cal.ink_threshold ? 255 : 0;
    const int run = static_cast<int>(kRuleMm * kAreaPxPerMm);
    cv::Mat rules = cv::Mat::zeros(h, w, CV_8UC1), part;
    for (bool horizontal : {true, false}) {
      cv::Mat thick;
      cv::dilate(mask, thick, cv::getStructuringElement(cv::MORPH_RECT, horizontal ? cv::Size(1, 3) : cv::Size(3, 1)));
      cv::morphologyEx(thick, part, cv::MORPH_OPEN,
                       cv::getStructuringElement(cv::MORPH_RECT, horizontal ? cv::Size(run, 1) : cv::Size(1, run)));
      rules |= part;
    }
    cv::dilate(rules, rules, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5)));
    for (int i = 0; i < w * h; ++i)
      if (rules.data[i]) dark[i] = 0.0f;
  }

  const float px_area = static_cast<float>(1.0 / (kAreaPxPerMm * kAreaPxPerMm));
  for (const InkBlob& c : FindInkBlobs(dark.data(), w, h, cal.ink_threshold))
    if (c.mass * px_area >= kSpeckMm2) ev.mass_mm2 += c.mass * px_area;
  const float mid = std::sqrt(kBlankMm2 * kInkMm2);
  const float z = ev.mass_mm2 <= 0.0f ? -10.0f
                                      : 4.0f * std::log(ev.mass_mm2 / mid) / std::log(kInkMm2 / mid);
  const float p_ink = 1.0f / (1.0f + std::exp(-z));
  // Anything short of clearly blank goes to a person: a missed comment costs more than a look.
  ev.has_ink = ev.mass_mm2 >= kBlankMm2;
  ev.blank_confidence = 1.0f - p_ink;
  return ev;
}

}  // namespace phieu::recognition

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "ink_check.h"

#include <algorithm>
#include <cmath>
#include <functional>

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
  std::vector<float> values;
  for (int i = 0; i < w * h; ++i) {
    if (seen[i] || dark[i] <= seed) continue;
    InkBlob comp;
    float grad = 0.0f;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    stack.assign(1, i);
    values.clear();
    seen[i] = 1;
    while (!stack.empty()) {
      int j = stack.back();
      stack.pop_back();
      comp.mass += dark[j];
      comp.peak = std::max(comp.peak, dark[j]);
      values.push_back(dark[j]);
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
    const size_t n_ridge = std::min(values.size(), std::max<size_t>(3, static_cast<size_t>(comp.length)));
    std::nth_element(values.begin(), values.begin() + (n_ridge - 1), values.end(), std::greater<float>());
    float ridge_sum = 0.0f;
    for (size_t k = 0; k < n_ridge; ++k) ridge_sum += values[k];
    comp.ridge = ridge_sum / n_ridge;
    out.push_back(comp);
  }
  return out;
}


}  // namespace phieu::recognition

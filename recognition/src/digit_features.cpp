// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Digit ink extraction and MNIST-style normalisation + features. The training tool
// (tools/digits) calls these same functions, so training and reading cannot drift apart.

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "recognition/handwriting.h"
#include "digit_features.h"
#include "text_ink.h"

namespace phieu::recognition {
namespace {
constexpr int kSide = 28;  // MNIST geometry: a 20 px box inside 28x28
constexpr int kBox = 20;
// A cell holding less than this is a dot or a speck, not a digit (a written 1 is ~4 mm tall).
constexpr double kMinDigitExtentMm = 1.4;
}  // namespace

namespace internal {
CellInk ExtractCellInk(const cv::Mat& cell_gray, double px_per_mm, const InkOptions& options) {
  InkMaps m = FindInk(cell_gray, px_per_mm, options, PrintedLines::kCombCell);
  CellInk r;
  const double min_extent_px = kMinDigitExtentMm * px_per_mm;
  r.faint = m.faint_extent_px >= min_extent_px;
  if (m.components.empty()) return r;
  cv::Rect box = m.components.front().box;
  for (const auto& c : m.components) box |= c.box;
  if (std::max(box.width, box.height) < min_extent_px) return r;
  cv::Mat all;
  cv::bitwise_or(m.kept, m.specks, all);
  r.ink = InkStrength(m.contrast, all)(box).clone();
  r.faint = false;
  return r;
}
}  // namespace internal

cv::Mat ExtractDigitInk(const cv::Mat& cell_gray, double px_per_mm, const InkOptions& options) {
  return internal::ExtractCellInk(cell_gray, px_per_mm, options).ink;
}

cv::Mat NormalizeDigit(const cv::Mat& digit_ink) {
  if (digit_ink.empty() || digit_ink.type() != CV_8UC1)
    throw std::invalid_argument("NormalizeDigit: need a non-empty CV_8UC1 ink image");
  // Longest side to 20 px, aspect kept (a 1 stays thin), as MNIST was made.
  double s = static_cast<double>(kBox) / std::max(digit_ink.cols, digit_ink.rows);
  cv::Size size(std::max(1, static_cast<int>(std::lround(digit_ink.cols * s))),
                std::max(1, static_cast<int>(std::lround(digit_ink.rows * s))));
  cv::Mat small;
  cv::resize(digit_ink, small, size, 0, 0, s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat out = cv::Mat::zeros(kSide, kSide, CV_8U);
  small.copyTo(out(cv::Rect((kSide - size.width) / 2, (kSide - size.height) / 2, size.width, size.height)));
  // Centre of mass to the centre, then undo the slant (the second-order moment mu11/mu02);
  // both remove variation that writers add and the classifier would otherwise have to learn.
  cv::Moments mo = cv::moments(out);
  if (mo.m00 > 0) {
    double dx = kSide / 2.0 - mo.m10 / mo.m00, dy = kSide / 2.0 - mo.m01 / mo.m00;
    cv::Matx23d t(1, 0, dx, 0, 1, dy);
    cv::warpAffine(out, out, t, out.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    mo = cv::moments(out);
    if (std::fabs(mo.mu02) > 1e-2) {
      double skew = std::clamp(mo.mu11 / mo.mu02, -0.7, 0.7);
      cv::Matx23d d(1, skew, -0.5 * kSide * skew, 0, 1, 0);
      cv::warpAffine(out, out, d, out.size(), cv::WARP_INVERSE_MAP | cv::INTER_LINEAR,
                     cv::BORDER_CONSTANT, 0);
    }
  }
  return out;
}

cv::Mat DigitFeatureRow(const cv::Mat& normalized) {
  if (normalized.size() != cv::Size(kSide, kSide) || normalized.type() != CV_8UC1)
    throw std::invalid_argument("DigitFeatureRow: need the 28x28 CV_8UC1 from NormalizeDigit");
  // Gradient orientation histograms (shape, robust to stroke width and darkness) plus a
  // coarse 14x14 picture (where the ink is): 324 + 196 values.
  cv::HOGDescriptor hog(cv::Size(kSide, kSide), cv::Size(14, 14), cv::Size(7, 7), cv::Size(7, 7), 9);
  std::vector<float> h;
  hog.compute(normalized, h);
  cv::Mat coarse;
  cv::resize(normalized, coarse, cv::Size(14, 14), 0, 0, cv::INTER_AREA);
  cv::Mat row(1, static_cast<int>(h.size()) + 196, CV_32F);
  std::copy(h.begin(), h.end(), row.ptr<float>());
  float* p = row.ptr<float>() + h.size();
  for (int y = 0; y < 14; ++y)
    for (int x = 0; x < 14; ++x) *p++ = coarse.at<uchar>(y, x) / 255.0f;
  return row;
}

}  // namespace phieu::recognition

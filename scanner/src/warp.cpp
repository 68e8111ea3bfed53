// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The one resampling step: page mm -> upright pixels through the page's homography.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "scanner/scanner.h"

namespace phieu::scanner {

cv::Mat WarpRegion(const Scan& scan, const AlignedPage& page, const core::RectMm& rect_mm,
                   double px_per_mm) {
  if (!(px_per_mm > 0) || !(rect_mm.w > 0) || !(rect_mm.h > 0))
    throw std::invalid_argument("WarpRegion: empty region or non-positive px_per_mm");
  if (scan.gray.empty()) throw std::invalid_argument("WarpRegion: empty scan");
  const cv::Size out_size(std::max(1, static_cast<int>(std::lround(rect_mm.w * px_per_mm))),
                          std::max(1, static_cast<int>(std::lround(rect_mm.h * px_per_mm))));
  // Output pixel (u, v) has its centre at page mm (x + (u + .5) / s, y + (v + .5) / s).
  const double inv = 1.0 / px_per_mm;
  cv::Matx33d out_to_mm(inv, 0, rect_mm.x + 0.5 * inv, 0, inv, rect_mm.y + 0.5 * inv, 0, 0, 1);
  cv::Matx33d out_to_px = page.mm_to_px * out_to_mm;

  // Where the region lies in the scan, padded for the interpolation kernel.
  std::vector<cv::Point2d> corners_mm = {{rect_mm.x, rect_mm.y},
                                         {rect_mm.right(), rect_mm.y},
                                         {rect_mm.right(), rect_mm.bottom()},
                                         {rect_mm.x, rect_mm.bottom()}};
  std::vector<cv::Point2d> corners_px;
  cv::perspectiveTransform(corners_mm, corners_px, page.mm_to_px);
  double x0 = corners_px[0].x, x1 = x0, y0 = corners_px[0].y, y1 = y0;
  for (const auto& p : corners_px) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
    y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  // Clamp before converting: a wild homography must not overflow int.
  auto clamp = [](double v) { return std::clamp(v, -1e6, 1e6); };
  cv::Rect roi(cv::Point(static_cast<int>(std::floor(clamp(x0))) - 3,
                         static_cast<int>(std::floor(clamp(y0))) - 3),
               cv::Point(static_cast<int>(std::ceil(clamp(x1))) + 4,
                         static_cast<int>(std::ceil(clamp(y1))) + 4));
  roi &= cv::Rect(0, 0, scan.gray.cols, scan.gray.rows);
  cv::Mat out;
  if (roi.empty()) {
    out = cv::Mat(out_size, CV_8UC1, cv::Scalar(255));  // wholly off the scan: white paper
    return out;
  }
  cv::Mat src = scan.gray(roi);
  cv::Matx33d shift(1, 0, -roi.x, 0, 1, -roi.y, 0, 0, 1);
  cv::Matx33d m = shift * out_to_px;

  // Shrinking by more than 1.5x aliases with bilinear sampling; pre-shrink with INTER_AREA
  // (box filter) so the warp itself stays close to 1:1.
  const double scan_px_per_mm = std::sqrt(std::abs(cv::determinant(cv::Matx22d(
      page.mm_to_px(0, 0), page.mm_to_px(0, 1), page.mm_to_px(1, 0), page.mm_to_px(1, 1))))) /
      std::max(1e-9, std::abs(page.mm_to_px(2, 2)));
  const double ratio = scan_px_per_mm / px_per_mm;
  if (ratio > 1.5) {
    const double f = 1.0 / ratio;
    cv::Mat small;
    cv::resize(src, small, cv::Size(), f, f, cv::INTER_AREA);
    const double fx = static_cast<double>(small.cols) / src.cols;
    const double fy = static_cast<double>(small.rows) / src.rows;
    // Pixel centres: x_small = (x + .5) * f - .5.
    cv::Matx33d down(fx, 0, 0.5 * fx - 0.5, 0, fy, 0.5 * fy - 0.5, 0, 0, 1);
    m = down * m;
    src = small;
  }
  cv::warpPerspective(src, out, cv::Mat(m), out_size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                      cv::BORDER_CONSTANT, cv::Scalar(255));
  return out;
}

std::vector<unsigned char> MakeThumbnailJpeg(const cv::Mat& gray, int max_side_px) {
  std::vector<unsigned char> bytes;
  if (gray.empty() || max_side_px <= 0) return bytes;
  cv::Mat small = gray;
  const double f = static_cast<double>(max_side_px) / std::max(gray.cols, gray.rows);
  // Explicit sizes, at least 1 px: a long strip scaled by f would otherwise round to nothing.
  if (f < 1.0)
    cv::resize(gray, small,
               cv::Size(std::max(1, static_cast<int>(std::lround(gray.cols * f))),
                        std::max(1, static_cast<int>(std::lround(gray.rows * f)))),
               0, 0, cv::INTER_AREA);
  cv::imencode(".jpg", small, bytes, {cv::IMWRITE_JPEG_QUALITY, 70});
  return bytes;
}

}  // namespace phieu::scanner

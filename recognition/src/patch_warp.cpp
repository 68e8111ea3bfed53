// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#include "patch_warp.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace phieu::recognition {
namespace {

cv::Point2d Apply(const cv::Matx33d& h, double x, double y) {
  cv::Vec3d p = h * cv::Vec3d(x, y, 1.0);
  return {p[0] / p[2], p[1] / p[2]};
}

/// Samples `src` through `patch_to_src` (inverse map) into a w x h patch. Over a patch of a
/// few millimetres the page homography is affine to a small fraction of a pixel, and
/// warpAffine costs about half of warpPerspective; the exact warp is used when it is not.
cv::Mat Sample(const cv::Mat& src, const cv::Matx33d& patch_to_src, int w, int h) {
  const cv::Point2d p00 = Apply(patch_to_src, 0, 0), p10 = Apply(patch_to_src, w, 0),
                    p01 = Apply(patch_to_src, 0, h), p11 = Apply(patch_to_src, w, h);
  const cv::Point2d far = p10 + p01 - p00;  // where an affine map puts the fourth corner.
  cv::Mat out;
  if (std::hypot(far.x - p11.x, far.y - p11.y) < 0.05) {
    const cv::Matx23d affine((p10.x - p00.x) / w, (p01.x - p00.x) / h, p00.x,  //
                             (p10.y - p00.y) / w, (p01.y - p00.y) / h, p00.y);
    cv::warpAffine(src, out, cv::Mat(affine), cv::Size(w, h), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar(255));
  } else {
    cv::warpPerspective(src, out, cv::Mat(patch_to_src), cv::Size(w, h),
                        cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar(255));
  }
  return out;
}

}  // namespace

double LocalPxPerMm(const cv::Matx33d& mm_to_px, core::PointMm at_mm) {
  cv::Point2d c = Apply(mm_to_px, at_mm.x, at_mm.y);
  cv::Point2d dx = Apply(mm_to_px, at_mm.x + 1.0, at_mm.y) - c;
  cv::Point2d dy = Apply(mm_to_px, at_mm.x, at_mm.y + 1.0) - c;
  return std::sqrt(std::abs(dx.x * dy.y - dx.y * dy.x));  // sqrt of the local area scale.
}

cv::Mat WarpPatch(const cv::Mat& gray, const cv::Matx33d& mm_to_px, const core::RectMm& rect_mm,
                  double px_per_mm) {
  const int w = std::max(1, static_cast<int>(std::lround(rect_mm.w * px_per_mm)));
  const int h = std::max(1, static_cast<int>(std::lround(rect_mm.h * px_per_mm)));
  // Patch px -> page mm (pixel centres).
  const cv::Matx33d patch_to_mm(1.0 / px_per_mm, 0.0, rect_mm.x + 0.5 / px_per_mm,  //
                                0.0, 1.0 / px_per_mm, rect_mm.y + 0.5 / px_per_mm,  //
                                0.0, 0.0, 1.0);
  cv::Matx33d patch_to_src = mm_to_px * patch_to_mm;
  const double scan_ppm =
      LocalPxPerMm(mm_to_px, {rect_mm.x + rect_mm.w / 2, rect_mm.y + rect_mm.h / 2});
  const int reduce = static_cast<int>(std::floor(scan_ppm / px_per_mm));
  if (reduce >= 2) {
    // Bounding box of the region in the scan, reduced by an integer factor with INTER_AREA.
    double x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    for (auto [cx, cy] : {std::pair{0.0, 0.0}, {1.0, 0.0}, {0.0, 1.0}, {1.0, 1.0}}) {
      cv::Point2d p = Apply(mm_to_px, rect_mm.x + cx * rect_mm.w, rect_mm.y + cy * rect_mm.h);
      x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    }
    cv::Rect roi(static_cast<int>(std::floor(x0)) - 2 * reduce,
                 static_cast<int>(std::floor(y0)) - 2 * reduce, 0, 0);
    roi.width = static_cast<int>(std::ceil(x1)) + 2 * reduce - roi.x;
    roi.height = static_cast<int>(std::ceil(y1)) + 2 * reduce - roi.y;
    roi.width -= roi.width % reduce;
    roi.height -= roi.height % reduce;
    cv::Rect clipped = roi & cv::Rect(0, 0, gray.cols, gray.rows);
    if (clipped == roi && roi.width >= reduce && roi.height >= reduce) {
      cv::Mat small;
      cv::resize(gray(roi), small, cv::Size(roi.width / reduce, roi.height / reduce), 0, 0,
                 cv::INTER_AREA);
      // Source px -> small px: pixel centres of a k-reduction map x -> (x - roi.x + 0.5) / k - 0.5.
      const double k = reduce;
      cv::Matx33d src_to_small(1.0 / k, 0.0, (-roi.x + 0.5) / k - 0.5,  //
                               0.0, 1.0 / k, (-roi.y + 0.5) / k - 0.5,  //
                               0.0, 0.0, 1.0);
      return Sample(small, src_to_small * patch_to_src, w, h);
    }
    // Near the scan's edge: fall through to direct sampling.
  }
  return Sample(gray, patch_to_src, w, h);
}

}  // namespace phieu::recognition

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Private to the scanner stage: what a page-mm -> scan-px fit says about the page, shared by
// the QR-anchor alignment (align_page.cpp) and the alignment of a page named by hand
// (grid_align.cpp).
#pragma once

#include <opencv2/core.hpp>

#include "scanner/scanner.h"

namespace phieu::scanner {

/// Scales outside this range are not a scan of a printed form (25..1500 dpi).
inline constexpr double kMinPxPerMm = 1.0, kMaxPxPerMm = 60.0;

/// `p` mapped through the homography `h`.
inline cv::Point2d Apply(const cv::Matx33d& h, cv::Point2d p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1.0);
  return {v[0] / v[2], v[1] / v[2]};
}

/// Sets out.px_per_mm (scale at the page centre) and out.rotation_deg (nearest quarter turn of
/// the page's x axis in the scan, clockwise) from the homography `h`.
void DescribeFit(const cv::Matx33d& h, const templates::PageLayout& page, AlignedPage& out);

}  // namespace phieu::scanner

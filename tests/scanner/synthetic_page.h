// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Test helper: synthetic scanned pages with QR anchors at known positions, damaged on demand.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/vocabulary.h"
#include "templates/layout.h"

namespace phieu::scanner::testing {

constexpr double kAnchorSizeMm = 14.0;
constexpr double kAnchorInsetMm = 8.0;

/// A layout with `pages` A4 pages, four 14 mm anchors 8 mm in from each corner, and a few
/// single-choice fields whose boxes give mid-page check points.
templates::Layout MakeLayout(const std::string& id, int version, int pages);

struct PageArt {
  bool anchors[4] = {true, true, true, true};  ///< which corners get a Phiếu anchor.
  bool clutter = true;                         ///< boxes and text lines.
  std::string foreign_text;                    ///< if set: a foreign QR in every corner instead.
  core::PageKey keys[4];                       ///< per corner; defaults to the page's key.
  bool per_corner_keys = false;
};

/// White page at `dpi`, drawn in OpenCV pixel convention: page mm (x, y) lies at pixel
/// coordinate (x * s - 0.5, y * s - 0.5) with s = dpi / 25.4.
cv::Mat RenderPage(const templates::PageLayout& page, const core::PageKey& key, double dpi,
                   const PageArt& art = {});

/// Page px -> scan px for a page of the given size: scale about the centre, rotate by
/// `quarter_turns` * 90 deg plus `skew_deg` (clockwise), shear, translate into a canvas that
/// holds the whole result with `margin_px` white around.
struct Placement {
  int quarter_turns = 0;
  double skew_deg = 0.0;
  double scale = 1.0;
  double shear = 0.0;
  double perspective = 0.0;  ///< small keystone term (phone photos).
  double margin_px = 40.0;
};
cv::Matx33d MakeTransform(cv::Size page_px, const Placement& placement, cv::Size* canvas);

struct Damage {
  double blur_sigma = 0.0;
  double noise_sigma = 0.0;
  int jpeg_quality = 0;     ///< 0 = no JPEG round trip.
  bool binarise = false;
  int paper_gray = 255;     ///< darken the paper (recycled stock, scanner calibration).
  unsigned seed = 1;
};

/// Warps the page by `page_to_scan` and applies the damage.
cv::Mat MakeScan(const cv::Mat& page, const cv::Matx33d& page_to_scan, cv::Size canvas,
                 const Damage& damage);

/// mm -> scan px as the test built it (the ground truth for AlignedPage::mm_to_px).
cv::Matx33d TrueMmToPx(const cv::Matx33d& page_to_scan, double dpi);

cv::Point2d Apply(const cv::Matx33d& h, cv::Point2d p);

}  // namespace phieu::scanner::testing

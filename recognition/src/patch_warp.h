// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <opencv2/core.hpp>

#include "core/geometry.h"

namespace phieu::recognition {

/// Scan pixels per page millimetre at `at_mm`, from the homography's local derivative.
double LocalPxPerMm(const cv::Matx33d& mm_to_px, core::PointMm at_mm);

/// Samples page region `rect_mm` (shifted by `shift_mm`) of `gray` into an upright patch at
/// `px_per_mm`: patch pixel (u, v) is centred on page mm (x + (u + 0.5) / ppm, y + (v + 0.5) / ppm).
/// Areas outside the scan read as white. When the scan is at least twice as fine as the patch,
/// the source is first reduced with INTER_AREA so thin noise averages out instead of aliasing.
/// Private to recognition: the scanner's WarpRegion does the same job for the rest of the
/// pipeline; having our own keeps reading independent of it (and cheap for 5 mm patches).
cv::Mat WarpPatch(const cv::Mat& gray, const cv::Matx33d& mm_to_px, const core::RectMm& rect_mm,
                  double px_per_mm);

}  // namespace phieu::recognition

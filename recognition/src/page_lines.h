// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Straight lines across the page through a writing field (digit comb, text area): a fold's
// crease, a scanner streak that is not vertical, the straight edge of a stain. Found on the
// paper around the field and divided out of the field's crops before they are read, so a
// crease through an empty cell leaves it empty and through a written digit leaves the digit.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "box_reader.h"
#include "core/geometry.h"

namespace phieu::recognition {

/// Paper searched around a field for lines entering and leaving it: a line must cross this
/// band on both sides of the field (kFieldLineClearMm of it next to the field is left out:
/// handwriting spills that far over a frame).
constexpr double kFieldLineRingMm = 7.0;
constexpr double kFieldLineClearMm = 1.5;

/// One line through a field and its darkness profile across it, measured on the paper around
/// the field (never on the field itself, whose writing does not count).
struct FieldLine {
  cv::Point2d point_mm;  ///< a point on it, page mm (the frame `mm_to_px` maps from).
  cv::Point2d dir;       ///< unit direction.
  /// Gray multiplier per bin of signed distance from the line: bin k is centred on
  /// (k - reach) / bins_per_px px at kPatchPxPerMm; already widened by a bin each side.
  std::vector<float> factor;
  int reach = 0;
  int bins_per_px = 1;
  /// Paper gray around the field, and the darkness (gray levels under it) that the division
  /// leaves of the line's core on that paper: within `band_px` of the line, crop pixels no
  /// darker than this are paper, unless a stroke crosses the line there (ink on both sides
  /// of the band). A pen stroke under the line is darker and stays.
  float white = 255.0f;
  float residue = 0.0f;
  /// Half-width of the line's core band, px at kPatchPxPerMm (2.5 px; wider where a bilevel
  /// scan made the crease and its shadow a black band).
  double band_px = 2.5;
  /// The core went black (bilevel scan): the whole band is the line, except where a stroke
  /// crosses it (ink continuing on both sides of the band), kept there as scanned.
  bool saturated = false;
};

/// Finds up to three straight lines that run through `field_mm` (page mm, in the frame
/// `mm_to_px` maps from), cross the paper kFieldLineRingMm around it on both sides, and carry
/// on along the page beyond that (as far as the page of `page_mm` reaches). Costs well under a
/// millisecond for a field with nothing around it but print.
std::vector<FieldLine> FindFieldLines(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                                      const core::RectMm& field_mm, cv::Size2d page_mm,
                                      const PageCalibration& calibration);

/// Divides `lines` out of `crop`, an upright patch sampled from `crop_mm` at `px_per_mm` the
/// way WarpPatch samples (pixel (u, v) centred on crop_mm.x + (u + 0.5) / px_per_mm, ...).
void DiscountFieldLines(cv::Mat& crop, const core::RectMm& crop_mm, double px_per_mm,
                        const std::vector<FieldLine>& lines);

}  // namespace phieu::recognition

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "core/geometry.h"
#include "recognition/recognition.h"

namespace phieu::recognition {

/// Patches are sampled at 8 px/mm: a 5 mm box is 40 px, a 0.3 mm printed stroke 2.4 px.
constexpr double kPatchPxPerMm = 8.0;
/// Paper around the box kept in the patch: room for a 1.5 mm position search plus the ring
/// outside the box where overflowing marks and circles are looked for.
constexpr double kPatchMarginMm = 2.5;
/// How far the printed square may sit from where the page homography predicts it.
constexpr double kMaxShiftMm = 1.5;

/// One box's patch and where its printed square was found in it (pass 1).
struct BoxPatch {
  cv::Mat gray;      ///< upright patch, kPatchPxPerMm, box + kPatchMarginMm each side.
  cv::Mat smooth;    ///< 3x3 box-filtered copy used for all ink measurements.
  int w_px = 40;     ///< printed square edge to edge (line centre to line centre).
  int h_px = 40;
  int nominal_x = 20;  ///< column of the left line centre where the homography predicts it.
  int nominal_y = 20;
  int x = 20;        ///< column/row of the left/top line centre as used for measuring.
  int y = 20;
  float contrast_x = 0.0f;  ///< weaker of the two vertical lines' contrast, gray levels.
  float contrast_y = 0.0f;  ///< weaker of the two horizontal lines' contrast, gray levels.
  float line_gray = 0.0f;   ///< gray at the printed lines' centre (print black estimate).
  float white = 255.0f;     ///< median gray of the patch (local paper).
  float inner_sigma = 0.0f; ///< std-dev of the smoothed inner area, gray levels (noise floor).
  bool located = false;     ///< the square was found (or placed from neighbours that were).
};

/// Warps the patch around `box_mm` and searches the printed square within kMaxShiftMm.
BoxPatch LocateBox(const cv::Mat& scan_gray, const cv::Matx33d& mm_to_px,
                   const core::RectMm& box_mm);

/// Moves the measuring position to nominal + (dx, dy) px and recomputes inner_sigma.
void PlaceBox(BoxPatch& patch, int dx, int dy);

/// Per-page levels, from all patches of the page.
struct PageCalibration {
  float white = 240.0f;   ///< paper gray (median over patches).
  float black = 20.0f;    ///< printed-line gray (median over patches).
  float noise = 0.0f;     ///< noise floor of empty inner areas in darkness units [0,1].
  float ink_threshold = 0.12f;  ///< darkness above which a smoothed pixel is ink.
};

/// What was measured in one box (pass 2).
struct BoxMeasurement {
  float ink = 0.0f;        ///< share of inner pixels above the ink threshold.
  float fill = 0.0f;       ///< mean normalised darkness of the inner area.
  float solid = 0.0f;      ///< share of inner pixels at least half as dark as print.
  float mark_mm2 = 0.0f;   ///< largest connected ink component, as mm^2 of solid black.
  float mark_peak = 0.0f;       ///< darkest pixel of that component.
  float mark_sharpness = 0.0f;  ///< its InkComponent::sharpness.
  float total_mm2 = 0.0f;  ///< all ink above threshold, mm^2 of solid black.
  int ring_sides = 0;      ///< sides of the box (0..4) with ink just outside it.
  float ring_mm2 = 0.0f;   ///< ink just outside the box, mm^2 of solid black.
};

BoxMeasurement MeasureBox(const BoxPatch& patch, const PageCalibration& calibration);

struct BoxDecision {
  BoxState state = BoxState::kEmpty;
  float confidence = 0.0f;
  std::string doubt;  ///< what is uncertain, for the review reason ("faint mark").
};

BoxDecision DecideBox(const BoxMeasurement& m, bool located);

}  // namespace phieu::recognition

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/geometry.h"
#include "respondent.h"
#include "rng.h"

namespace phieu::simulator {

/// Hand-drawn ink goes into an "ink coverage" layer (CV_8UC1, 0 = none, 255 = full stroke) the
/// size of the upright page raster; Composite lays it over the printed page in the pen's colour.
/// All positions are page millimetres; `dpi` maps them onto the layer (px = mm * dpi / 25.4).

/// Draws one mark in (or around) a printed tick box. `overflow` makes it spill over the edges.
void DrawBoxMark(cv::Mat& ink, const core::RectMm& box, MarkShape shape, const Pen& pen, double dpi,
                 double size, bool overflow, Rng& rng);

/// What an eraser leaves of the respondent's usual `style` of mark in `box`: the stroke smeared
/// (Gaussian of 0.15-0.3 mm) at 12-30% of its darkness.
void DrawErasedMark(cv::Mat& ink, const core::RectMm& box, MarkShape style, const Pen& pen, double dpi,
                    double size, Rng& rng);

/// A loop drawn around an option's printed text `label` (mm), often cutting its ends or
/// taking in the box too.
void DrawLabelCircle(cv::Mat& ink, const core::RectMm& label, const core::RectMm& box, const Pen& pen,
                     double dpi, Rng& rng);

/// A stray mark centred at `at`: "touch" (pen rest), "line" (short stroke) or "dot".
void DrawStray(cv::Mat& ink, core::PointMm at, const std::string& kind, const Pen& pen, double dpi,
               Rng& rng);

/// One freehand stroke through `points_px` with hand jitter (a smoothed random walk).
void DrawStroke(cv::Mat& ink, const std::vector<cv::Point2d>& points_px, double width_px,
                double jitter_px, Rng& rng);

/// The second, independent stroke model: a Catmull-Rom path through `points_px` stamped with
/// discs whose size and darkness follow a pressure curve (tapered ends, wavering pressure,
/// now and then a skip of the ball). No hand jitter: the points carry the hand's shape.
void DrawPressureStroke(cv::Mat& ink, const std::vector<cv::Point2d>& points_px, double width_px, Rng& rng);

/// Ink over paper. `print` is the gray8 printed page; returns gray8, or BGR when `color` (then the
/// paper is tinted slightly yellow and the ink keeps its hue). Pencil gets a grainy texture.
cv::Mat Composite(const cv::Mat& print, const cv::Mat& ink, const Pen& pen, bool color, Rng& rng);

}  // namespace phieu::simulator

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Test helpers: synthetic handwriting areas (frame, dotted rules, writing, damage) drawn the
// way templates/ prints them, and a rendered-text line for the OCR tests.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::recognition::testing {

/// Float ink (0 paper .. 1 full) of `text` set in a Pango font; `x_height_px` sets the size.
/// `baseline_px` (optional) receives the baseline's row in the returned image.
cv::Mat RenderTextInk(const std::string& text, const std::string& font, double x_height_px,
                      int* baseline_px = nullptr);

/// What the respondent put in the area.
enum class AreaContent { kBlank, kDash, kDot, kWritten };

struct AreaDamage {
  double noise_sigma = 0.0;
  double blur_sigma = 0.0;
  int jpeg_quality = 0;           ///< 0: none.
  double show_through = 0.0;      ///< contrast (gray levels) of mirrored text from the back.
  double paper = 245.0;
  double paper_gradient = 0.0;    ///< gray levels of left-to-right shading.
  double elastic_alpha = 0.0;     ///< handwriting wobble (px at 8 px/mm).
  double ink = 0.85;              ///< writing darkness 0..1 (pencil ~0.45).
};

/// A text area of `w_mm` x (lines * 9 + 2) mm at `px_per_mm`, printed like templates/ does
/// (gray frame, dotted rule under each line), holding `content`. `lines_text` are the written
/// lines (kWritten only) in `font`.
cv::Mat MakeArea(double w_mm, int lines, double px_per_mm, AreaContent content,
                 const std::vector<std::string>& lines_text, const std::string& font,
                 const AreaDamage& damage, std::mt19937& rng);

/// 30+ realistic survey comments (NFC, full diacritics).
const std::vector<std::string>& SurveyComments();

/// Salt and pepper the way a dirty fax line or a noisy bilevel scan makes it: `share` of the
/// pixels of `scan_300dpi` (a crop at 11.81 px/mm) set black or white, half each, then sampled
/// at `px_per_mm` as crops are.
cv::Mat SaltAndPepper(const cv::Mat& scan_300dpi, double share, double px_per_mm, std::mt19937& rng);

}  // namespace phieu::recognition::testing

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

/// Handwriting into the ink layer (see ink.h: CV_8UC1 coverage, page mm -> px by `dpi`).
/// Text is set in a hand font (hand_fonts.h), then made to look written: per-word size and
/// baseline jitter, a tilted and gently waving baseline, slant, a smooth elastic displacement
/// field, stroke thickening/thinning to the pen's width, and pressure varying along the line.

/// Splits `text` at spaces into lines no wider than `width_mm` when set at `x_height_mm` with
/// `word_gap` x-heights between words (greedy; a word wider than the line gets a line alone).
std::vector<std::string> WrapText(const std::string& text, HandFont font, double x_height_mm,
                                  double word_gap, double width_mm);

/// Room the writing may take in a text area: it starts up to this far in from the left edge.
inline constexpr double kTextIndentMaxMm = 7.0;

/// Writes `lines` on the ruled lines of a text area (`ruled_lines` rules at an even pitch, the
/// first one pitch below the top; templates/ prints them so). Letters sit on the rule; tails
/// and drift may cross it; the end of a line may run a little past the frame.
void DrawHandText(cv::Mat& ink, const core::RectMm& area, int ruled_lines,
                  const std::vector<std::string>& lines, const HandHabit& habit, double x_height_mm,
                  const Pen& pen, double dpi, Rng& rng);

/// A respondent's "nothing to say": one short ("-") or long ("—") stroke on the first line.
void DrawDash(cv::Mat& ink, const core::RectMm& area, int ruled_lines, bool long_dash,
              const Pen& pen, double dpi, Rng& rng);

/// Writes `digits` one per comb cell, right-aligned, in the respondent's digit style. Now and
/// then a digit strays over its cell border. `crossed_cell` >= 0 (an index into `digits`): that
/// cell first got `crossed_digit`, scribbled out, with the right digit written above the cell.
/// Returns the cells (indices into `cells`) whose digit was drawn across the border.
std::vector<int> DrawHandDigits(cv::Mat& ink, const std::vector<core::RectMm>& cells, const std::string& digits,
                    const HandHabit& habit, int crossed_cell, char crossed_digit, const Pen& pen,
                    double dpi, Rng& rng);

}  // namespace phieu::simulator

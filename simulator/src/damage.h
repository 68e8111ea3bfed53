// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "rng.h"

namespace phieu::simulator {

/// How one page goes through a cheap office scanner. Drawn per page by DrawScanParams.
struct ScanParams {
  int quarter_turns = 0;       ///< clockwise 90° turns of the whole page (2 = upside down).
  double skew_deg = 0.0;       ///< clockwise skew on top of the quarter turns.
  double scale = 1.0;          ///< scanner magnification error.
  double perspective = 0.0;    ///< corner displacement, fraction of the page size.
  double margin_mm = 0.0;      ///< scan area beyond the page's bounding box, each side (max).
  int border_gray = 245;       ///< colour of the scanner lid around the page.
  double blur_sigma = 0.0;     ///< optics, in px at the scan dpi.
  double noise_sigma = 0.0;    ///< sensor noise, gray levels.
  int paper_level = 255;       ///< what white paper scans as.
  int black_level = 0;         ///< what toner black scans as.
  double illumination = 0.0;   ///< depth of the uneven-lighting field (0 = flat).
  int jpeg_roundtrip_q = 0;    ///< >0: the page went through JPEG at this quality once.
};

/// Draws scan parameters. damage=false gives a clean upright scan (identity).
ScanParams DrawScanParams(Rng& rng, bool damage, double upside_down_rate);

/// Scans an upright page image (gray8 or BGR) at `dpi`: geometry, optics, lighting, noise.
/// Appends a short tag per damage applied to `log` (e.g. "skew:-1.3", "blur:0.8").
cv::Mat ApplyScan(const cv::Mat& page, const ScanParams& params, double dpi, Rng& rng,
                  std::vector<std::string>* log);

/// Bilevel image (0/255) from gray or BGR. `threshold` < 0 means Otsu. Returns the threshold used.
int Binarize(const cv::Mat& image, int threshold, cv::Mat& out);

/// Ink-or-coffee blot over a region (page px): irregular dark blob covering most of `region`.
void DrawBlot(cv::Mat& page, const cv::Rect& region, Rng& rng);

}  // namespace phieu::simulator

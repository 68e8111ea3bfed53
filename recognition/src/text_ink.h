// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Ink segmentation shared by text areas and digit cells: local-paper contrast, printed line
// removal, component filtering. Internal to phieu::recognition.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "recognition/handwriting.h"

namespace phieu::recognition::internal {

/// Which printed lines the crop may contain.
enum class PrintedLines {
  kRuledArea,  ///< a writing area: long horizontal rules anywhere, frame along the edges.
  kCombCell,   ///< one comb cell with its margin: the cell's border in the outer bands.
};

struct InkComponent {
  cv::Rect box;
  int area_px = 0;
};

struct InkMaps {
  cv::Mat contrast;  ///< CV_8U, how much darker than the local paper (noise bias removed).
  cv::Mat kept;      ///< CV_8U 0/255: pixels of the components judged to be ink.
  cv::Mat specks;    ///< CV_8U 0/255: rejected small specks lying close to kept ink (accents, dots of i).
  std::vector<InkComponent> components;  ///< the kept ones.
  double low = 0.0;   ///< contrast floor used.
  double seed = 0.0;  ///< contrast a component had to reach.
  double noise = 0.0; ///< the scan's noise, gray levels per pixel (sigma), as measured on the paper.
  /// Comb cells only: the largest extent (px) of faint marks that never reached the seed
  /// level (very light pencil). A digit there must not pass for an empty cell.
  int faint_extent_px = 0;
  /// Comb cells only: CV_8U 0/255, the printed border lines removed from the ink (dilated).
  cv::Mat lines;
};

InkMaps FindInk(const cv::Mat& crop, double px_per_mm, const InkOptions& options, PrintedLines lines);

/// Salt and pepper (a dirty fax line, toner dust, a noisy bilevel scan whose threshold lies
/// close to the paper): pixels darker than the median of their 3 x 3 neighbourhood by `seed`,
/// in specks of at most 2 x 2 px, scattered over the paper. Their density per mm2 in each tile
/// of kSpeckTileMm across `crop` (at `px_per_mm`). A pen stroke or a printed line one pixel thin
/// is darker than its median all along but makes no specks; grainy pencil makes specks, but
/// only in the tiles its strokes cross. `median`, if given, receives the crop's 3 x 3 median,
/// which keeps strokes two pixels wide and wider.
std::vector<double> SpeckTiles(const cv::Mat& crop, double px_per_mm, double seed, cv::Mat* median = nullptr);
inline constexpr double kSpeckTileMm = 2.0;
/// A comb is read through the median when a quarter of its cells' tiles hold this many specks
/// per mm2 or more (ReadDigits): 3 in a 2 mm tile. Measured on every comb's quietest quarter:
/// the probe's `saltpepper` 1.0-1.75, its other damage 0; the bench's harsh and office stacks at
/// most 0.5 (grainy pencil on bilevel pages thresholded near the paper); 2% of a 300 dpi scan's
/// pixels 0.75 at 8 px/mm, 5% 1.5-1.75.
inline constexpr double kSpecksPerMm2 = 0.7;

/// 255 where `labels` (CV_32S, from connectedComponents) holds a label whose `selected` entry
/// is non-zero, else 0.
/// `cv::morphologyEx(mask(band), out, MORPH_OPEN, <1 x length or length x 1 rectangle>)` on a
/// 0/255 mask, pixel for pixel (the erosion reads `mask` beyond the band, as OpenCV does for a
/// region of interest), in time linear in the band instead of in band x length: the pixels
/// of straight runs at least `length` long. Returns a band-sized 0/255 mask.
cv::Mat OpenByLine(const cv::Mat& mask, cv::Rect band, int length, bool horizontal);

cv::Mat LabelMask(const cv::Mat& labels, const std::vector<uchar>& selected);

/// Ink strength 0..255 over `mask`, normalised so that a typical stroke is near 255.
cv::Mat InkStrength(const cv::Mat& contrast, const cv::Mat& mask);

}  // namespace phieu::recognition::internal

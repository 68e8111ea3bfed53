// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Private to the scanner stage: QR decoding behind a library-free interface.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::scanner {

/// One decoded QR symbol. Corners are the symbol's outer corners in the symbol's own frame
/// (top-left, top-right, bottom-right, bottom-left as printed), in scan pixels with the
/// OpenCV convention (pixel (i, j) has its centre at (i, j)).
struct DecodedCode {
  std::string text;
  std::array<cv::Point2d, 4> corners;
};

struct FindCodesOptions {
  int wanted = 4;                  ///< stop after the corner crops when this many are found.
  bool full_page_fallback = true;  ///< decode the whole page when the crops find fewer.
  /// Asked once when the quick pass found no code in any corner; true skips the slower
  /// passes (a blank back side costs ~30 ms of them otherwise).
  std::function<bool()> give_up_if_none;
  /// Texts the page's anchors may hold (AlignOptions::expected): a symbol whose merged modules
  /// defeat the decoder is compared with each of them (RescueMergedModules).
  std::vector<std::string> expected;
};

/// Decodes QR codes, corner crops first (where anchors sit; fast), then the whole page.
/// On low-resolution pages a corner where ZXing finds nothing gets a last attempt that reads
/// the module grid from the finder patterns itself (symbols whose modules merged under a
/// high 1-bit threshold); it costs nothing on corners that decode. Nothing found is an empty
/// vector. Thread-safe.
std::vector<DecodedCode> FindCodes(const cv::Mat& gray, const FindCodesOptions& options);

/// The four corner regions FindCodes searches first (TL, TR, BR, BL), in scan px. A symbol
/// whose centre lies well inside one of them was looked for there.
std::array<cv::Rect, 4> CornerRegions(cv::Size page_px);

/// The whole-page pass on its own: appends the codes of the whole page not already in `found`.
/// `reduced` decodes at half the usual resolution (~6x cheaper; enough to find a misplaced
/// anchor, less robust to blur and noise).
void FindCodesOnFullPage(const cv::Mat& gray, std::vector<DecodedCode>& found, bool reduced);

}  // namespace phieu::scanner

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Internal: a comb cell's ink with the "faint mark" and "runs off the cell" signals
// ExtractDigitInk drops.
#pragma once

#include <opencv2/core.hpp>

#include "recognition/handwriting.h"

namespace phieu::recognition::internal {

struct CellInk {
  cv::Mat ink;         ///< as ExtractDigitInk; empty when no digit-sized ink.
  bool faint = false;  ///< no digit-sized ink, but a digit-sized mark too light to trust as empty.
  /// The digit runs off the crop (written across the border), or a stroke from beyond the crop
  /// meets it: what is left may read as another digit, so it is never accepted.
  bool truncated = false;
  /// When strokes lying on the cell's top or bottom line were put back into `ink`: the picture
  /// without them. The reader accepts the digit only if both pictures read the same.
  cv::Mat ink_without_restored;
};

CellInk ExtractCellInk(const cv::Mat& cell_gray, double px_per_mm, const InkOptions& options);

}  // namespace phieu::recognition::internal

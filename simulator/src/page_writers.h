// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>

#include <opencv2/core.hpp>

#include "core/result.h"

namespace phieu::simulator {

/// A scan file being written page by page, so a batch never sits in memory whole.
/// Not thread-safe: one writer per file, used by one thread.
class PageWriter {
 public:
  virtual ~PageWriter() = default;
  /// Appends a page. `image` is CV_8UC1 (or CV_8UC3 BGR where the format allows colour).
  virtual core::Status Add(const cv::Mat& image, double dpi) = 0;
  /// Finishes the file; the writer is unusable afterwards.
  virtual core::Status Close() = 0;
};

/// Multi-page bilevel TIFF, CCITT Group 4, min-is-white. Pages must be 0/255 CV_8UC1.
core::Result<std::unique_ptr<PageWriter>> OpenTiffG4Writer(const std::filesystem::path& path);

/// Multi-page PDF as scanners make it: each page is one JPEG image (DCT) covering the page, so
/// the page size in points is pixels * 72 / dpi. Gray or colour.
core::Result<std::unique_ptr<PageWriter>> OpenScannerPdfWriter(const std::filesystem::path& path,
                                                               int jpeg_quality);

/// Single-page JPEG / PNG (gray or BGR).
core::Status WriteJpeg(const std::filesystem::path& path, const cv::Mat& image, int quality);
core::Status WritePng(const std::filesystem::path& path, const cv::Mat& image);

}  // namespace phieu::simulator

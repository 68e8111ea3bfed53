// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "core/result.h"
#include "rng.h"

namespace phieu::simulator {

/// The back of a printed page: nearly white with the front faintly showing through (mirrored).
cv::Mat MakeBlankBack(const cv::Mat& front_gray, Rng& rng);

/// A page that is not a Phiếu form: "qr" = a foreign QR code (a URL or some other system's id)
/// with text lines; "text" = a page of plain typed text. Gray8, `size` pixels at `dpi`.
cv::Mat MakeForeignPage(const std::string& kind, cv::Size size, double dpi, Rng& rng);

/// Rasterises pages of one PDF with poppler (gray8). One instance per thread.
class PdfRasterizer {
 public:
  static core::Result<std::unique_ptr<PdfRasterizer>> Open(const std::filesystem::path& pdf);
  ~PdfRasterizer();
  int pages() const;
  /// 0-based page at `dpi`; empty Mat when poppler fails.
  cv::Mat Render(int page_index, double dpi) const;

 private:
  struct Impl;
  explicit PdfRasterizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace phieu::simulator

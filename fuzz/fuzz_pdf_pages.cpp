// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// The qpdf-based PDF page reader alone (no poppler): layout, image bytes and the Flate image
// decoder on whatever the file claims.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "pdf_pages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/phieu_fuzz_pdf_" + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto file = phieu::scanner::PdfFile::Open(path);
  if (!file) return 0;
  const auto& layout = file->layout();
  if (layout.page_count != static_cast<int>(layout.images.size())) __builtin_trap();
  for (int i = 0; i < layout.page_count && i < 8; ++i) {
    const auto& im = layout.images[static_cast<size_t>(i)];
    if (!im) continue;
    std::vector<unsigned char> bytes = file->ImageBytes(i);
    if (im->codec == phieu::scanner::PdfPageImage::Codec::kFlate &&
        static_cast<std::int64_t>(im->width) * im->height <= 4'000'000) {
      cv::Mat gray = phieu::scanner::DecodeFlateImage(bytes, *im);
      if (!gray.empty() && (gray.cols != im->width || gray.rows != im->height)) __builtin_trap();
    }
  }
  return 0;
}

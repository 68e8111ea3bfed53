// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Any bytes as a scan file (the kind is sniffed from the content: TIFF, PDF, JPEG, PNG):
// opening and reading every page must return pages or Errors, never crash or throw.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "scanner/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // OpenScanFile reads a path: one scratch file per process, rewritten each run.
  static const std::string path = "/tmp/phieu_fuzz_scan_" + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  // Small limits keep each run fast; the limit checks themselves are under test too.
  const phieu::scanner::ScanLimits limits{.max_page_pixels = 4'000'000, .min_page_side_px = 8,
                                          .max_pages_per_file = 8, .max_file_bytes = 1 << 20};
  auto reader = phieu::scanner::OpenScanFile(path, limits);
  if (!reader.ok()) return 0;
  const int pages = (*reader)->page_count();
  if (pages < 1 || pages > limits.max_pages_per_file) __builtin_trap();  // the contract
  for (int i = 0; i < pages; ++i) {
    auto page = (*reader)->ReadPage(i);
    if (page.ok() && (page->gray.empty() || page->gray.type() != CV_8UC1)) __builtin_trap();
  }
  (void)(*reader)->ReadPage(pages);  // out of range: an Error
  return 0;
}

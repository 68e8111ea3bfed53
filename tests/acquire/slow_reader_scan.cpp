// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Scans from SANE's test backend, run under slow_free_preload by the reader-cancel test:
//   slow_reader_scan feeder N    N feeder batches of 10 pages, each read to its end
//   slow_reader_scan trouble N   N scans that the device fails at the first read
// Exits 0 when every scan ends as it should; a scan that hangs is the test's failure.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "acquire/sane_test_backend.h"
#include "scanner/acquire.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s feeder|trouble N\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int n = std::atoi(argv[2]);
  phieu::testing::UseSaneTestBackend(phieu::testing::SaneTestConfigDir(),
                                     mode == "trouble" ? "read-status-code \"SANE_STATUS_JAMMED\"\n" : "");
  for (int i = 0; i < n; ++i) {
    int pages = 0;
    auto r = phieu::scanner::AcquirePages({.device = "test:0", .source = "ADF", .dpi = 50},
                                          [&](cv::Mat, double) {
                                            ++pages;
                                            return phieu::core::Status();
                                          });
    const bool as_expected = mode == "trouble" ? !r.ok() : (r.ok() && pages == 10);
    if (!as_expected) {
      std::fprintf(stderr, "scan %d: %s (%d pages)\n", i + 1, r.ok() ? "ok" : r.error().message.c_str(), pages);
      return 1;
    }
  }
  return 0;
}

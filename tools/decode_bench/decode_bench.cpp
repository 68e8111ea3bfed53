// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// phieu_decode_bench [--runs N] [--ext .pdf] PATH...: opens every scan file under PATH (with
// that extension; default all), decodes every page, N times, and prints each run's pages/s and
// the median. Nothing else runs, so this is the reader's own throughput.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scanner/scanner.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  int runs = 5;
  std::string ext;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--ext" && i + 1 < argc) ext = argv[++i];
    else inputs.emplace_back(a);
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: phieu_decode_bench [--runs N] [--ext .pdf] PATH...\n");
    return 2;
  }
  auto expanded = phieu::scanner::ExpandInputs(inputs);
  if (!expanded.ok()) {
    std::fprintf(stderr, "%s\n", expanded.error().message.c_str());
    return 2;
  }
  std::vector<fs::path> files;
  for (const auto& f : *expanded)
    if (ext.empty() || f.extension() == ext) files.push_back(f);
  std::vector<double> rates;
  int pages = 0, failed = 0;
  for (int r = 0; r < runs; ++r) {
    pages = failed = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& f : files) {
      auto reader = phieu::scanner::OpenScanFile(f);
      if (!reader.ok()) {
        ++failed;
        continue;
      }
      for (int i = 0; i < (*reader)->page_count(); ++i) {
        if ((*reader)->ReadPage(i).ok()) ++pages;
        else ++failed;
      }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rates.push_back(s > 0 ? pages / s : 0.0);
    std::printf("run %d: %d pages in %.2f s, %.1f pages/s\n", r + 1, pages, s, rates.back());
  }
  std::sort(rates.begin(), rates.end());
  std::printf("files %zu, pages %d, failed %d, median %.1f pages/s (min %.1f, max %.1f)\n", files.size(),
              pages, failed, rates[rates.size() / 2], rates.front(), rates.back());
  return 0;
}

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
// Adds an ADF glass streak: a thin dark line down the whole page at a fixed scanner x.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
int main(int argc, char** argv) {
  std::string in = argv[1], out = argv[2];
  double x_mm = atof(argv[3]), width_px = atof(argv[4]), keep = atof(argv[5]);
  int horizontal = argc > 6 ? atoi(argv[6]) : 0;
  std::vector<cv::Mat> pages;
  cv::imreadmulti(in, pages, cv::IMREAD_UNCHANGED);
  for (auto& p : pages) {
    double pxmm = p.cols / 210.0;
    double c = x_mm * pxmm;
    int n = horizontal ? p.rows : p.cols;
    for (int i = 0; i < n; ++i) {
      double d = std::abs(i - c);
      double k = d < width_px / 2 ? keep : (d < width_px / 2 + 1 ? 1 - (1 - keep) * (width_px / 2 + 1 - d) : 1);
      if (k >= 1) continue;
      cv::Mat band = horizontal ? p.row(i) : p.col(i);
      band.convertTo(band, -1, k, 0);
    }
  }
  bool ok = pages.size() > 1 ? cv::imwritemulti(out, pages) : cv::imwrite(out, pages[0], {cv::IMWRITE_JPEG_QUALITY, 90});
  return ok ? 0 : 1;
}

// Copyright 2026 The Phiếu Authors
// SPDX-License-Identifier: Apache-2.0
//
// How a colour scan becomes the gray page every later stage reads.
#pragma once

#include <algorithm>
#include <vector>

#include <opencv2/core.hpp>

namespace phieu::scanner {

/// A colour pixel's gray is its darkest channel, not its luma. Paper and black print are
/// neutral and read the same either way, but a pen's ink absorbs strongly in at least one
/// channel while luma averages that away: light-blue ink (110, 170, 235) has luma 159 but a
/// red channel of 110, red ink (200, 30, 30) luma 81 but 30. Ticks in coloured ink keep the
/// contrast of a dark pen, and one page scanned in colour or in gray reads alike.
inline unsigned char DarkestChannel(unsigned a, unsigned b, unsigned c) {
  return static_cast<unsigned char>(std::min({a, b, c}));
}

/// CV_8UC3 or CV_8UC4 (channels in any order, the 4th being alpha or padding) -> CV_8UC1.
/// Works in bands of rows through OpenCV's vectorised split and min (3-4x faster than a
/// per-pixel loop), so the channel planes it needs stay small on a 600-dpi page.
inline cv::Mat DarkestChannelGray(const cv::Mat& colour) {
  CV_Assert(colour.depth() == CV_8U && (colour.channels() == 3 || colour.channels() == 4));
  constexpr int kBand = 64;
  cv::Mat gray(colour.rows, colour.cols, CV_8UC1);
  std::vector<cv::Mat> planes;
  for (int r = 0; r < colour.rows; r += kBand) {
    const cv::Range rows(r, std::min(r + kBand, colour.rows));
    cv::split(colour.rowRange(rows), planes);
    cv::Mat out = gray.rowRange(rows);
    cv::min(planes[0], planes[1], out);
    cv::min(out, planes[2], out);
  }
  return gray;
}

}  // namespace phieu::scanner
